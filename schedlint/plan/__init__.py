"""The training plan: what a resolved config says training will do, for both config generations."""

from __future__ import annotations

from typing import Optional

from schedlint.loader import ResolvedConfig
from schedlint.plan.mmcv import build_legacy_plan, has_legacy_plan
from schedlint.plan.mmengine import build_plan, has_plan
from schedlint.plan.model import Plan


def build_any_plan(resolved: ResolvedConfig, epoch_length: Optional[int], gpus: Optional[int] = None,
                   batch_size: Optional[int] = None) -> Optional[Plan]:
    """The plan of an mmengine or mmcv-1.x config, or None when it is not a training config.

    `gpus` / `batch_size` (the user's `--gpus` / `--batch-size`) feed the epoch-length estimate.
    """
    if has_plan(resolved):
        return build_plan(resolved, epoch_length, gpus, batch_size)
    if has_legacy_plan(resolved):
        return build_legacy_plan(resolved, epoch_length, gpus, batch_size)
    return None


__all__ = ["Plan", "build_any_plan", "build_legacy_plan", "build_plan", "has_legacy_plan", "has_plan"]
