"""ConstantLR / -Momentum / -ParamScheduler: a factor held until `end`, then restored."""

from __future__ import annotations

from schedlint.simulate.schedulers.base import _BuildError, _first, _identity_steps, _number, _Stepper, register


@register
class _ConstantLR(_Stepper):
    family = "Constant"
    arguments = ('factor',)

    def validate(self) -> None:
        self.factor = _number(self.args, "factor", 1.0 / 3)
        # mmpose registers its own ConstantLR/ConstantParamScheduler without the [0, 1] restriction
        unrestricted = self.spec.scope == "mmpose"
        if (self.factor > 1.0 and not unrestricted) or self.factor < 0:
            raise _BuildError("ValueError: Constant multiplicative factor should between 0 and 1.")
        self.total_iters = self.end - self.begin - 1

    def steps(self, t, group):
        out = _identity_steps(t.size)
        out.a[t == 0] = self.factor
        restore = (t == self.total_iters) & (t != 0)
        if self.factor == 0:
            bad = _first(restore)
            if bad is not None:
                out.failure = (bad, "ZeroDivisionError: float division by zero (1.0 / factor, factor=0)")
            return out
        out.a[restore] = 1.0 / self.factor
        return out
