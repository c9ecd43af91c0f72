"""SL4xx: problems of mmcv-1.x configs (`lr_config`, `momentum_config`, `runner`, `evaluation`).

One rule per module; adding a rule = one module here and one import line below.
"""

from schedlint.rules.mmcv.total_epochs_mismatch import TotalEpochsMismatch
from schedlint.rules.mmcv.restart_periods_too_short import RestartPeriodsTooShort
from schedlint.rules.mmcv.cyclic_leftover_iterations import CyclicLeftover
from schedlint.rules.mmcv.legacy_policy_name import PolicyName
from schedlint.rules.mmcv.final_epoch_not_evaluated import FinalEpochNotEvaluated
from schedlint.rules.mmcv.epoch_policy_under_iter_runner import EpochPolicyUnderIterRunner
from schedlint.rules.mmcv.ignored_mmcv_key import IgnoredMmcvKey

__all__ = ["CyclicLeftover", "EpochPolicyUnderIterRunner", "IgnoredMmcvKey", "FinalEpochNotEvaluated", "PolicyName", "RestartPeriodsTooShort", "TotalEpochsMismatch"]
