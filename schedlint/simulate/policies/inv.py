"""Inv: `base * (1 + gamma * progress) ** -power`."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.policies.base import register, _Hook


@register("Inv", "lr")
class _Inv(_Hook):
    own_kwargs = ("gamma", "power")

    def validate(self):
        self.gamma = self.number("gamma", required=True)
        self.power = self.number("power", 1.0)

    def regular(self, p, run):
        values = []
        for i, x in enumerate(p.tolist()):
            v = self.base * (1 + self.gamma * x) ** (-self.power)
            if isinstance(v, complex):
                return np.array(values + [values[-1] if values else self.base] * (p.size - i)), (
                    i, "the Inv policy gives a complex learning rate ((1 + gamma * progress) < 0)")
            values.append(v)
        return np.array(values, dtype=np.float64), None

