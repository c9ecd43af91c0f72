"""Fixed: the value never changes (FixedLrUpdaterHook)."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.policies.base import register, _Hook


@register("Fixed", "lr")
class _Fixed(_Hook):
    def regular(self, p, run):
        return np.full(p.size, self.base, dtype=np.float64), None

