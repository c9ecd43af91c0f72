"""ExponentialLR / -Momentum / -ParamScheduler: multiply by `gamma` every step."""

from __future__ import annotations

from schedlint.simulate.schedulers.base import _identity_steps, _number, _Stepper, register


@register
class _ExponentialLR(_Stepper):
    family = "Exponential"
    arguments = ('gamma',)

    def validate(self) -> None:
        self.gamma = _number(self.args, "gamma", required=True)

    def steps(self, t, group):
        out = _identity_steps(t.size)
        out.a[t != 0] = self.gamma
        return out
