"""CosineRestartLR / -Momentum / -ParamScheduler: cosine annealing with warm restarts."""

from __future__ import annotations

import itertools
import math

import numpy as np

from schedlint.simulate.numeric import periods_of
from schedlint.simulate.schedulers.base import _BuildError, _Unsupported, _first, _identity_steps, _cosines, _number, _Stepper, register


@register
class _CosineRestartLR(_Stepper):
    family = "CosineRestart"
    arguments = ('periods', 'restart_weights', 'eta_min', 'eta_min_ratio')

    def validate(self) -> None:
        periods = self.args.get("periods")
        if periods is None:
            raise _BuildError("TypeError: missing required argument 'periods'")
        if not isinstance(periods, (list, tuple)) or not all(isinstance(p, (int, float)) for p in periods):
            raise _Unsupported(f"periods={periods!r} is not a list of numbers")
        weights = self.args.get("restart_weights", (1,))
        if not isinstance(weights, (list, tuple)) or not all(isinstance(w, (int, float)) for w in weights):
            raise _Unsupported(f"restart_weights={weights!r} is not a list of numbers")
        eta_min = _number(self.args, "eta_min")
        eta_min_ratio = _number(self.args, "eta_min_ratio")
        if not ((eta_min is None) ^ (eta_min_ratio is None)):
            raise _BuildError("AssertionError: exactly one of eta_min / eta_min_ratio must be given (L1182)")
        if len(periods) != len(weights):
            raise _BuildError("AssertionError: periods and restart_weights should have the same length.")
        self.periods = list(periods)
        self.weights = list(weights)
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        self.cumulative = list(itertools.accumulate(self.periods))  # mmengine's sum(periods[0:i + 1]), in one pass

    def steps(self, t, group):
        out = _identity_steps(t.size)
        floor = self.eta_min if self.eta_min_ratio is None else self.base * self.eta_min_ratio
        period_index = periods_of(self.cumulative, t)
        # past sum(periods): get_position_from_periods returns None, value left frozen (L1236-1239)
        inside = period_index >= 0
        idx = period_index[inside]
        restarts = np.array([0] + self.cumulative[:-1])[idx]
        lengths = np.array(self.periods)[idx]
        weights = np.array(self.weights, dtype=np.float64)[idx]
        step = t[inside] - restarts
        positions = np.flatnonzero(inside)
        restart = step == 0
        out.a[positions[restart]] = 0.0
        out.d[positions[restart]] = self.base * weights[restart]
        cosine = ~restart
        s, P = step[cosine], lengths[cosine]
        num = 1 + _cosines(math.pi * s / P)
        den = 1 + _cosines(math.pi * (s - 1) / P)
        where = positions[cosine]
        bad = _first(den == 0)
        if bad is not None:
            out.failure = (int(where[bad]), "ZeroDivisionError: float division by zero (cosine ratio)")
            keep = where < where[bad]
            where, num, den = where[keep], num[keep], den[keep]
        out.a[where] = num / den
        out.c[where] = floor
        return out
