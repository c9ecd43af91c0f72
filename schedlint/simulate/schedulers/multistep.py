"""MultiStepLR / -Momentum / -ParamScheduler: multiply by `gamma` at each milestone."""

from __future__ import annotations

import math
from collections import Counter

from schedlint.simulate.schedulers.base import _BuildError, _Unsupported, _identity_steps, _number, _Stepper, register


@register
class _MultiStepLR(_Stepper):
    family = "MultiStep"
    arguments = ('milestones', 'gamma')

    def validate(self) -> None:
        milestones = self.args.get("milestones")
        if milestones is None:
            raise _BuildError("TypeError: missing required argument 'milestones'")
        if isinstance(milestones, (int, float)):  # Counter(8)
            raise _BuildError(
                f"TypeError: '{type(milestones).__name__}' object is not iterable (milestones={milestones!r})")
        if not isinstance(milestones, (list, tuple)) or not all(
            isinstance(m, (int, float)) for m in milestones
        ):
            raise _Unsupported(f"milestones={milestones!r} is not a list of numbers")
        self.milestones = Counter(milestones)
        self.gamma = _number(self.args, "gamma", 0.1)

    def steps(self, t, group):
        out = _identity_steps(t.size)
        if t.size == 0:
            return out
        t0, consecutive = int(t[0]), int(t[-1]) - int(t[0]) + 1 == t.size
        for milestone, count in self.milestones.items():
            if not math.isfinite(milestone) or milestone != int(milestone):
                continue  # `last_step in milestones` never holds for a fractional milestone
            if consecutive:
                if t0 <= milestone < t0 + t.size:
                    out.a[int(milestone) - t0] = self.gamma**count
            else:
                out.a[t == milestone] = self.gamma**count
        return out
