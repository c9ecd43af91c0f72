"""Shared by the SL4xx rules (example snippets and helpers)."""

from __future__ import annotations

from schedlint.rules.base import Rule

_SGD = "optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)\n"
_STEP_1X = _SGD + """\
lr_config = dict(policy='step', warmup='linear', warmup_iters=500, warmup_ratio=0.001, step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
"""


def _num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class LegacyRule(Rule):
    """Base of the mmcv-1.x rules (they see `plan.legacy`, not `plan.schedulers`)."""

    generation = "mmcv"
