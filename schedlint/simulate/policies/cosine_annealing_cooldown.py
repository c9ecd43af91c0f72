"""CosineAnnealingCooldown (mmcls 0.x): cosine, then a cool-down at a fraction of the target."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.policies.base import _annealing_cos, register
from schedlint.simulate.policies.cosine_annealing import _CosineAnnealing


@register("CosineAnnealingCooldown", "lr")
class _CosineAnnealingCooldown(_CosineAnnealing):
    """mmcls 0.x CosineAnnealingCooldownLrUpdaterHook."""

    own_kwargs = ("min_lr", "min_lr_ratio", "cool_down_ratio", "cool_down_time")

    def validate(self):
        super().validate()
        self.cool_down_ratio = self.number("cool_down_ratio", 0.1)
        self.cool_down_time = self.number("cool_down_time", 10)

    def regular(self, p, run):
        P = self.progress_max(run)
        target = self.target()
        values = np.full(p.size, float(target * self.cool_down_ratio))
        annealing = ~(p > P - self.cool_down_time)
        if annealing.any():
            values[annealing] = _annealing_cos(self.base, target, p[annealing] / (P - self.cool_down_time))
        return values, None

