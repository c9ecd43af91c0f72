"""YOLOX (mmdet 2.x YOLOXLrUpdaterHook): quadratic warm-up, cosine, flat for the last epochs."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.policies.base import _annealing_cos, register
from schedlint.simulate.policies.cosine_annealing import _CosineAnnealing


@register("YOLOX", "lr")
class _YOLOX(_CosineAnnealing):
    """mmdet 2.x YOLOXLrUpdaterHook: cosine after a quadratic warm-up, flat for the last epochs."""

    own_kwargs = ("num_last_epochs", "min_lr", "min_lr_ratio")

    def validate(self):
        self.num_last_epochs = self.number("num_last_epochs", required=True)
        super().validate()

    def regular(self, p, run):
        last_iter = run.L * self.num_last_epochs
        max_progress = self.progress_max(run)
        W = self.effective_warmup
        progress = p + 1
        target = self.target()
        values = np.full(p.size, float(target))
        cosine = progress < max_progress - last_iter
        if cosine.any():
            span = max_progress - W - last_iter
            if span == 0:
                return values, (int(np.flatnonzero(cosine)[0]), "ZeroDivisionError: float division by zero")
            values[cosine] = _annealing_cos(self.base, target, (progress[cosine] - W) / span)
        return values, None

    def warm(self, i, regular, W):
        # yolox_lrupdater_hook.py: base_lr * ratio * ((i + 1) / W) ** 2, whatever the regular value
        return self.base * (self.warmup_ratio * ((i + 1) / float(W)) ** 2)

