"""Shared by the SL1xx rules (example snippets and helpers)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Tuple

from schedlint.rules.base import Context
from schedlint.rules.support import stop_iteration

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.simulate.series import Series

_ADAMW = "optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.0018, betas=(0.95, 0.99), weight_decay=0.01))\n"
# mmdet3d's official cyclic schedule (mmengine port): beta1 annealed to 0.85/0.95, then towards 1.
_CYCLIC_20E = """\
lr = 0.0018
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=lr, betas=(0.95, 0.99), weight_decay=0.01))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=8, eta_min=lr * 10, begin=0, end=8, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=12, eta_min=lr * 1e-4, begin=8, end=20, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingMomentum', T_max=8, eta_min=0.85 / 0.95, begin=0, end=8, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingMomentum', T_max=12, eta_min=1, begin=8, end=20, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=5)
"""
ONE = 1.0 - 1e-12


def _momentum_values(ctx: Context) -> Optional[Series]:
    values = ctx.curve.series("momentum")
    if values is None or len(values) == 0:
        return None
    return values[: max(1, stop_iteration(ctx))]


def _extremes(values: Series) -> Tuple[float, float]:
    """(min, max) of a curve."""
    return float(values.min()), float(values.max())


def _first(mask: Series) -> Optional[int]:
    """The first iteration where `mask` holds."""
    return mask.first_true()
