"""SL0xx: the schedule against the length of training, judged on the simulated curve.

One rule per module; adding a rule = one module here and one import line below.
"""

from schedlint.rules.length.milestone_unreached import MilestoneUnreached
from schedlint.rules.length.scheduler_never_active import NeverActive
from schedlint.rules.length.schedule_truncated import ScheduleTruncated
from schedlint.rules.length.schedule_ends_early import ScheduleEndsEarly
from schedlint.rules.length.cosine_restart import CosineRestart
from schedlint.rules.length.cosine_incomplete import CosineIncomplete
from schedlint.rules.length.epoch_scheduler_in_iter_loop import EpochSchedulerInIterLoop
from schedlint.rules.length.unit_slip import UnitSlip
from schedlint.rules.length.warmup_too_long import WarmupTooLong
from schedlint.rules.length.schedule_overlap_gap import ScheduleOverlapGap
from schedlint.rules.length.scheduler_hook_length_mismatch import SchedulerHookLengthMismatch
from schedlint.rules.length.milestones_offset_by_begin import MilestonesOffsetByBegin
from schedlint.rules.length.file_name_length_mismatch import FileNameLengthMismatch
from schedlint.rules.length.no_training import NoTraining
from schedlint.rules.length.stale_helper_variable import StaleHelperVariable

__all__ = ["FileNameLengthMismatch", "NoTraining", "StaleHelperVariable", "MilestonesOffsetByBegin", "SchedulerHookLengthMismatch", "CosineIncomplete", "CosineRestart", "EpochSchedulerInIterLoop", "MilestoneUnreached", "NeverActive", "ScheduleEndsEarly", "ScheduleOverlapGap", "ScheduleTruncated", "UnitSlip", "WarmupTooLong"]
