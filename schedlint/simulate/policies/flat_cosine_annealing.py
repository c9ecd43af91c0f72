"""FlatCosineAnnealing: flat until `start_percent` of the run, then a cosine to the target."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.policies.base import _BuildError, _annealing_cos, register, _Hook


@register("FlatCosineAnnealing", "lr")
class _FlatCosineAnnealing(_Hook):
    own_kwargs = ("start_percent", "min_lr", "min_lr_ratio")

    def validate(self):
        self.target_args("lr")
        start = self.args.get("start_percent", 0.75)
        if not isinstance(start, float) or start < 0 or start > 1:
            raise _BuildError(f"ValueError: expected float between 0 and 1 start_percent, but got {start}",
                              "start_percent")
        self.start_percent = start

    def regular(self, p, run):
        P = self.progress_max(run)
        start = round(P * self.start_percent)
        values = np.full(p.size, self.base, dtype=np.float64)
        annealing = p - start >= 0
        if annealing.any():
            values[annealing] = _annealing_cos(self.base, self.target(), (p[annealing] - start) / (P - start))
        return values, None

