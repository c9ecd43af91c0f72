"""StepLR / StepMomentum / StepParamScheduler: multiply by `gamma` every `step_size` steps."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.schedulers.base import _first, _identity_steps, _number, _Stepper, register


@register
class _StepLR(_Stepper):
    family = "Step"
    arguments = ('step_size', 'gamma')

    def validate(self) -> None:
        self.step_size = _number(self.args, "step_size", required=True)
        self.gamma = _number(self.args, "gamma", 0.1)

    def steps(self, t, group):
        out = _identity_steps(t.size)
        if self.step_size == 0:
            # `last_step % step_size` raises once last_step != 0 (param_scheduler.py:L299)
            bad = _first(t != 0)
            if bad is not None:
                out.failure = (bad, "ZeroDivisionError: modulo by step_size=0")
            return out
        hit = (t != 0) & (np.mod(t, self.step_size) == 0)
        out.a[hit] = self.gamma
        return out
