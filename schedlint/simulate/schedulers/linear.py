"""LinearLR / -Momentum / -ParamScheduler: a linear factor ramp from `start_factor` to `end_factor`."""

from __future__ import annotations

from schedlint.simulate.schedulers.base import _BuildError, _first, _identity_steps, _number, _Stepper, register


@register
class _LinearLR(_Stepper):
    family = "Linear"
    arguments = ('start_factor', 'end_factor')

    def validate(self) -> None:
        self.start_factor = _number(self.args, "start_factor", 1.0 / 3)
        self.end_factor = _number(self.args, "end_factor", 1.0)
        if self.start_factor > 1.0 or self.start_factor < 0:
            raise _BuildError("ValueError: Starting multiplicative factor should between 0 and 1.")
        if self.end_factor > 1.0 or self.end_factor < 0:
            raise _BuildError("ValueError: Ending multiplicative factor should between 0 and 1.")
        self.total_iters = self.end - self.begin - 1

    def steps(self, t, group):
        out = _identity_steps(t.size)
        s, e = self.start_factor, self.end_factor
        out.a[t == 0] = s
        later = t != 0
        # L799-803: v * (1 + (e - s) / (T*s + (t-1)*(e-s)))
        denominator = self.total_iters * s + (t - 1) * (e - s)
        bad = _first(later & (denominator == 0))
        if bad is not None:
            out.failure = (bad, "ZeroDivisionError: float division by zero (LinearLR factor ratio)")
            later[bad:] = False
        out.a[later] = 1.0 + (e - s) / denominator[later]
        return out
