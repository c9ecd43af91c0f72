"""SL3xx: scheduler and optimizer arguments that mmengine or torch rejects, crashes on, or cannot be simulated.

One rule per module; adding a rule = one module here and one import line below.
"""

from schedlint.rules.arguments.unknown_scheduler_type import UnknownSchedulerType
from schedlint.rules.arguments.scheduler_crash import SchedulerCrash
from schedlint.rules.arguments.begin_not_before_end import BeginNotBeforeEnd
from schedlint.rules.arguments.unsorted_milestones import UnsortedMilestones
from schedlint.rules.arguments.non_decaying_gamma import NonDecayingGamma
from schedlint.rules.arguments.non_positive_period import NonPositivePeriod
from schedlint.rules.arguments.eta_min_above_start import EtaMinAboveStart
from schedlint.rules.arguments.scheduler_hook_not_simulated import SchedulerHookNotSimulated
from schedlint.rules.arguments.replaced_list_drops_keys import ReplacedListDropsKeys
from schedlint.rules.arguments.invalid_optimizer_value import InvalidOptimizerValue
from schedlint.rules.arguments.runner_build_fails import RunnerBuildFails
from schedlint.rules.arguments.trailing_comma_tuple import TrailingCommaTuple

__all__ = ["InvalidOptimizerValue", "RunnerBuildFails", "TrailingCommaTuple", "ReplacedListDropsKeys", "SchedulerHookNotSimulated", "BeginNotBeforeEnd", "EtaMinAboveStart", "NonDecayingGamma", "NonPositivePeriod", "SchedulerCrash", "UnknownSchedulerType", "UnsortedMilestones"]
