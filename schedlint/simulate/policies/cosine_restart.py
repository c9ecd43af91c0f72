"""CosineRestart: cosine annealing restarted at the end of each period."""

from __future__ import annotations

import itertools

import numpy as np

from schedlint.simulate.numeric import periods_of
from schedlint.simulate.policies.base import _BuildError, _Unsupported, _annealing_cos, _is_number, register, _Hook


@register("CosineRestart", "lr")
class _CosineRestart(_Hook):
    own_kwargs = ("periods", "restart_weights", "min_lr", "min_lr_ratio")
    crash_kind = "restart-periods"  # owned by SL402

    def validate(self):
        self.target_args("lr")
        periods = self.args.get("periods")
        if "periods" not in self.args:
            raise _BuildError("TypeError: __init__() missing 1 required positional argument: 'periods'", "periods")
        weights = self.args.get("restart_weights", [1])
        if not isinstance(periods, (list, tuple)) or not all(_is_number(x) for x in periods):
            raise _Unsupported(f"periods={periods!r} is not a list of numbers")
        if not isinstance(weights, (list, tuple)) or not all(_is_number(x) for x in weights):
            raise _Unsupported(f"restart_weights={weights!r} is not a list of numbers")
        if len(periods) != len(weights):
            raise _BuildError("AssertionError: periods and restart_weights should have the same length.", "periods")
        self.periods = list(periods)
        self.weights = list(weights)
        self.cumulative = list(itertools.accumulate(self.periods))  # mmcv's sum(periods[0:i + 1]), in one pass

    def regular(self, p, run):
        values = np.full(p.size, np.nan)
        index = periods_of(self.cumulative, p)  # (mmcv's get_position_from_periods)
        failure = None
        beyond = np.flatnonzero(index < 0)
        if beyond.size:
            first = int(beyond[0])
            failure = (first, f"ValueError: Current iteration {int(p[first])} exceeds cumulative_periods "
                              f"{self.cumulative}")
        inside = index >= 0
        idx = index[inside]
        restarts = np.array([0] + self.cumulative[:-1], dtype=np.float64)[idx]
        lengths = np.array(self.periods, dtype=np.float64)[idx]
        weights = np.array(self.weights, dtype=np.float64)[idx]
        alpha = np.minimum((p[inside] - restarts) / lengths, 1)
        values[inside] = _annealing_cos(self.base, self.target(), alpha, weights)
        return values, failure

