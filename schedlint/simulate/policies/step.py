"""Step: multiply by `gamma` at each step (list) or every `step` (int), floored at min_lr / min_momentum."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.numeric import sorted_unique
from schedlint.simulate.policies.base import _BuildError, register, _Hook


@register("Step", "lr")
class _Step(_Hook):
    own_kwargs = ("step", "gamma", "min_lr")

    def validate(self):
        step = self.args.get("step")
        if "step" not in self.args:
            raise _BuildError("TypeError: __init__() missing 1 required positional argument: 'step'", "step")
        if isinstance(step, list):
            if not all(isinstance(s, int) for s in step) or not all(s > 0 for s in step):
                raise _BuildError("AssertionError: every `step` must be a positive int", "step")
        elif isinstance(step, int) and not isinstance(step, bool):
            if step <= 0:
                raise _BuildError("AssertionError: `step` must be positive", "step")
        else:
            raise _BuildError('TypeError: "step" must be a list or integer', "step")
        self.step = step
        self.gamma = self.number("gamma", 0.1 if self.param == "lr" else 0.5)
        self.floor = self.number("min_lr" if self.param == "lr" else "min_momentum")

    def regular(self, p, run):
        if isinstance(self.step, int):
            exponent = p // self.step
        else:
            exponent = np.full(p.size, len(self.step), dtype=np.int64)
            for i in range(len(self.step) - 1, -1, -1):  # the first step with progress < s wins
                exponent[p < self.step[i]] = i
        table = {int(e): self.base * (self.gamma ** int(e)) for e in sorted_unique(np.asarray(exponent))}
        values = np.array([table[int(e)] for e in exponent.tolist()], dtype=np.float64)
        if self.floor is not None:
            values = np.maximum(values, self.floor)
        return values, None


@register("Step", "momentum")
class _MomentumStep(_Step):
    own_kwargs = ("step", "gamma", "min_momentum")

