"""Exp: `base * gamma ** progress`."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.policies.base import _pow, register, _Hook


@register("Exp", "lr")
class _Exp(_Hook):
    own_kwargs = ("gamma",)

    def validate(self):
        self.gamma = self.number("gamma", required=True)

    def regular(self, p, run):
        try:
            return self.base * _pow(self.gamma, p), None
        except OverflowError:  # Python's pow overflows where mmcv's does: the run stops there
            values = []
            for i, e in enumerate(p.tolist()):
                try:
                    values.append(float(self.base * self.gamma**e))
                except OverflowError as exc:
                    held = values[-1] if values else float(self.base)
                    return np.array(values + [held] * (p.size - i), dtype=np.float64), (i, f"OverflowError: {exc}")
            return np.array(values, dtype=np.float64), None

