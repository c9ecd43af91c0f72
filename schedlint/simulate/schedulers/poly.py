"""PolyLR / -Momentum / -ParamScheduler: polynomial decay to `eta_min`."""

from __future__ import annotations

import math
from itertools import repeat
from typing import Optional, Tuple

import numpy as np

from schedlint.simulate.numeric import positive_powers
from schedlint.simulate.schedulers.base import _first, _identity_steps, _number, _Steps, _Stepper, register


def _powers(bases: np.ndarray, power: float) -> Tuple[np.ndarray, Optional[int]]:
    """`base ** power` with Python's float pow; index of the first one Python cannot do as a float."""
    fast = positive_powers(bases, power)
    if fast is not None:
        return fast, None
    try:
        values = list(map(pow, bases.tolist(), repeat(power)))
        return np.array(values, dtype=np.float64), None
    except (ZeroDivisionError, TypeError, OverflowError):
        pass
    result = np.empty(bases.size)
    for i, b in enumerate(bases.tolist()):
        try:
            r = b**power
        except (ZeroDivisionError, OverflowError):
            return result, i
        if isinstance(r, complex):
            return result, i
        result[i] = r
    return result, None  # pragma: no cover - the fast path would have succeeded


@register
class _PolyLR(_Stepper):
    family = "Poly"
    arguments = ('eta_min', 'power')

    def validate(self) -> None:
        self.eta_min = _number(self.args, "eta_min", 0)
        self.power = _number(self.args, "power", 1.0)
        self.total_iters = self.end - self.begin - 1

    def floor(self) -> float:
        """eta_min for group 0."""
        return self.eta_min

    def steps(self, t, group):
        fast = self._consecutive_steps(t)
        if fast is not None:
            return fast
        out = _identity_steps(t.size)
        later = t != 0
        remaining = self.total_iters - t + 1
        bad = _first(later & (remaining == 0))
        if bad is not None:
            out.failure = (bad, "ZeroDivisionError: division by zero (PolyLR 1/(T - t + 1))")
            later[bad:] = False
        idx = np.flatnonzero(later)
        factors, pow_bad = _powers(1 - 1 / remaining[idx], self.power)
        if pow_bad is not None:
            bad_at = int(idx[pow_bad])
            # Python returns a complex number (or raises) here; a complex lr breaks the optimizer.
            if out.failure is None or bad_at < out.failure[0]:
                out.failure = (bad_at, f"PolyLR factor (1 - 1/(T-t+1))**{self.power} is not a real number")
            idx = idx[:pow_bad]
            factors = factors[:pow_bad]
        out.a[idx] = factors
        out.c[idx] = self.floor()
        return out

    def closed_form(self, t, value):
        """Step k multiplies the distance to eta_min by ((T - k) / (T - k + 1)) ** power: from step t0 to
        step k the product is ((T - k) / (T - t0 + 1)) ** power."""
        n = t.size
        power = self.power
        if n < 2 or isinstance(power, bool) or not isinstance(power, (int, float)) or not 0 < power < math.inf:
            return None
        first, last, total = int(t[0]), int(t[-1]), self.total_iters
        if first < 1 or last - first + 1 != n or last > total or not math.isfinite(value):
            return None
        floor = float(self.floor())
        distance, span, power = value - floor, float(total - first + 1), float(power)

        def values_at(offsets: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return distance * np.power((total - first - offsets) / span, power) + floor

        values_at.monotone = -1 if distance >= 0 else 1  # type: ignore[attr-defined]  # towards the floor
        return values_at

    def _consecutive_steps(self, t) -> Optional[_Steps]:
        """`steps` of the usual call, consecutive steps after the first that neither divide by zero nor
        leave the reals: the same numbers (the remaining counts as floats are the same exact integers)
        without the masks; None for anything else."""
        n = t.size
        if n < 2:
            return None
        first, last = int(t[0]), int(t[-1])
        remaining_last = self.total_iters - last + 1
        if first < 1 or last - first + 1 != n or remaining_last <= 0 <= self.total_iters - first + 1:
            return None
        remaining = np.arange(self.total_iters - first + 1, remaining_last - 1, -1, dtype=np.float64)
        factors = positive_powers(1 - 1 / remaining, self.power)
        if factors is None:
            return None
        return _Steps(np.full(n, float(self.floor())), factors, np.zeros(n))
