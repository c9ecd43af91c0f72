"""Shared by the SL2xx rules (example snippets and helpers)."""

from __future__ import annotations

from typing import Optional

from schedlint.model import Location
from schedlint.rules.base import Context

_SCHEDULE = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]
val_cfg = dict()
val_dataloader = dict(batch_size=1)
"""


def _horizon_units(ctx: Context) -> tuple:
    """(number of training units, unit word) of the loop: epochs or iterations; 0 when its iterations rest on a
    default epoch length. (A config that sets no length is not judged: `Rule.needs_length`.)"""
    h = ctx.plan.horizon
    if h.loop == "iter":
        if ctx.total_iters_is_guess:
            return 0, "iteration"  # (xtuner's TrainLoop in epochs of an unknown dataset: not judged)
        return int(h.max_iters or 0), "iteration"
    return int(h.max_epochs or 0), "epoch"


def _elsewhere(related, loc: Optional[Location]):
    """Keep the horizon's related line only when it is not the reported line."""
    return [r for r in related if loc is None or r.location.file != loc.file or r.location.line != loc.line]
