"""SL2xx: validation and checkpoint cadence against the length of training.

One rule per module; adding a rule = one module here and one import line below.
"""

from schedlint.rules.cadence.val_interval_past_horizon import ValIntervalPastHorizon
from schedlint.rules.cadence.checkpoint_interval_past_horizon import CheckpointIntervalPastHorizon
from schedlint.rules.cadence.dynamic_interval_past_horizon import DynamicIntervalPastHorizon

__all__ = ["CheckpointIntervalPastHorizon", "DynamicIntervalPastHorizon", "ValIntervalPastHorizon"]
