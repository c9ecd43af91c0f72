"""mmdet's QuadraticWarmupLR / -Momentum / -ParamScheduler: a quadratic ramp to the base value."""

from __future__ import annotations

from schedlint.simulate.schedulers.base import INF, _BuildError, _identity_steps, _Stepper, register


@register
class _QuadraticWarmupLR(_Stepper):
    family = "QuadraticWarmup"
    arguments = ()

    def validate(self) -> None:
        if self.end >= INF:
            raise _BuildError("ValueError: ``end`` must be less than infinity (QuadraticWarmup)")
        self.total_iters = self.end - self.begin

    def steps(self, t, group):
        # mmdet quadratic_warmup.py: t=0 -> base*(2t+1)/T**2 (absolute); else v + base*(2t+1)/T**2
        out = _identity_steps(t.size)
        increments = self.base * (2 * t + 1) / self.total_iters**2
        out.d[:] = increments
        out.a[t == 0] = 0.0
        return out
