"""Poly: `(base - min_lr) * (1 - progress / max) ** power + min_lr`."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.numeric import positive_powers
from schedlint.simulate.policies.base import register, _Hook


@register("Poly", "lr")
class _Poly(_Hook):
    own_kwargs = ("power", "min_lr")

    def validate(self):
        self.power = self.number("power", 1.0)
        self.floor = self.number("min_lr", 0.0)

    def regular(self, p, run):
        P = self.progress_max(run)
        coeff = positive_powers(1 - p / P, self.power)
        if coeff is None:
            coeff = np.array([(1 - x / P) ** self.power for x in p.tolist()], dtype=np.float64)
        return (self.base - self.floor) * coeff + self.floor, None

