"""CosineAnnealingLR / -Momentum / -ParamScheduler: mmengine's recursive (periodic) cosine."""

from __future__ import annotations

import math

import numpy as np

from schedlint.simulate.schedulers.base import _BuildError, _first, _identity_steps, _cosines, _number, _Stepper, register


@register
class _CosineAnnealingLR(_Stepper):
    family = "CosineAnnealing"
    arguments = ('T_max', 'eta_min', 'eta_min_ratio')

    def validate(self) -> None:
        eta_min = _number(self.args, "eta_min")
        eta_min_ratio = _number(self.args, "eta_min_ratio")
        if eta_min is None and eta_min_ratio is None:
            eta_min = 0.0
        if not ((eta_min is None) ^ (eta_min_ratio is None)):
            raise _BuildError("AssertionError: Either `eta_min` or `eta_min_ratio should be specified")
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        self.T_max = _number(self.args, "T_max") or (self.end - self.begin)  # L638

    def floor(self) -> float:
        """eta_min for group 0 (per-group `base * eta_min_ratio`, L683-686)."""
        return self.eta_min if self.eta_min_ratio is None else self.base * self.eta_min_ratio

    def closed_form(self, t, value):
        """Before the first trough every step multiplies the distance to the floor by
        (1 + cos(pi k / T)) / (1 + cos(pi (k - 1) / T)): from step t0 to step k the product is
        (1 + cos(pi k / T)) / (1 + cos(pi (t0 - 1) / T))."""
        n = t.size
        T = self.T_max
        if n < 2 or not math.isfinite(value):
            return None
        first, last = int(t[0]), int(t[-1])
        if first < 1 or last - first + 1 != n or not (T >= 1 and last <= T):
            return None  # (past T the cosine rises again: the steps telescope, but are not monotone)
        floor = float(self.floor())
        distance = value - floor
        start = 1 + float(_cosines(math.pi * np.array([first - 1], dtype=np.int64) / T)[0])

        def values_at(offsets: np.ndarray) -> np.ndarray:
            return distance * ((1 + _cosines(math.pi * (first + offsets) / T)) / start) + floor

        values_at.monotone = -1 if distance >= 0 else 1  # type: ignore[attr-defined]  # towards the floor
        return values_at

    def steps(self, t, group):
        out = _identity_steps(t.size)
        if t.size == 0:
            return out
        T = self.T_max
        floor = self.floor()
        if int(t[-1]) - int(t[0]) + 1 == t.size:
            # consecutive steps: cos(pi*(t-1)/T) of step t is cos(pi*t/T) of step t-1
            cosines = _cosines(math.pi * np.arange(int(t[0]) - 1, int(t[-1]) + 1) / T)
            ratio_num, ratio_den = 1 + cosines[1:], 1 + cosines[:-1]
            if T >= 1 and int(t[-1]) < T + 1:
                # before the first trough (the usual case, T_max = the window): every step but
                # t == 0 is a ratio step and no ratio divides by zero; same values, no masks
                with np.errstate(divide="ignore", invalid="ignore"):
                    out.a = ratio_num / ratio_den
                out.c = np.full(t.size, float(floor))
                if int(t[0]) == 0:
                    out.a[0], out.c[0] = 1.0, 0.0
                return out
        else:
            ratio_num = 1 + _cosines(math.pi * t / T)
            ratio_den = 1 + _cosines(math.pi * (t - 1) / T)
        moving = t != 0
        # The step right after each trough adds (base - eta_min)(1 - cos(pi/T))/2 using base_values,
        # not the current value (L692-699): this is what makes the curve periodic past T_max.
        trough = moving & (np.mod(t - 1 - T, 2 * T) == 0)
        ratio_steps = moving & ~trough
        out.d[trough] = (self.base - floor) * (1 - math.cos(math.pi / T)) / 2
        bad = _first(ratio_steps & (ratio_den == 0))
        if bad is not None:
            out.failure = (bad, "ZeroDivisionError: float division by zero (cosine ratio)")
            ratio_steps[bad:] = False
        with np.errstate(divide="ignore", invalid="ignore"):
            out.a[ratio_steps] = ratio_num[ratio_steps] / ratio_den[ratio_steps]
        out.c[ratio_steps] = floor
        return out
