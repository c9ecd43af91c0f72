"""ReduceOnPlateauLR / -Momentum / -ParamScheduler: reductions follow validation metrics (not simulated)."""

from __future__ import annotations

from schedlint.simulate.schedulers.base import _BuildError, _identity_steps, _number, _Stepper, register


@register
class _ReduceOnPlateauLR(_Stepper):
    family = "ReduceOnPlateau"
    arguments = ('factor', 'patience', 'threshold', 'cooldown', 'min_value', 'monitor', 'rule', 'threshold_rule', 'eps')

    steps_at_construction = False
    metric_driven = True

    def validate(self) -> None:
        if not self.by_epoch:
            raise _BuildError(f"AssertionError: Now {self.type} only support by_epoch=True")
        factor = _number(self.args, "factor", 0.1)
        if factor >= 1.0:
            raise _BuildError("ValueError: Factor should be < 1.0.")

    def steps(self, t, group):
        return _identity_steps(t.size)
