"""SL014 no-training: the training length is zero or negative, so nothing trains."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Location, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.length.common import _SGD


class NoTraining(Rule):
    """The training length is zero or negative, so the training loop runs no iteration.

    `max_epochs=0` (or a negative length, or zero iterations per epoch) makes mmengine's loop end
    before its first iteration: the job starts, builds everything and stops without training.
    There is no schedule to judge; the other length rules are not run on such a config.
    Fix: set the length you mean to train (`train_cfg = dict(max_epochs=...)`).
    """

    code = "SL014"
    name = "no-training"
    severity = Severity.ERROR
    summary = "the training length is zero or negative: nothing trains"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11])]
            train_cfg = dict(by_epoch=True, max_epochs=-5)
            """),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11])]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        if ctx.total_iters > 0:
            return
        key = "max_iters" if h.loop == "iter" else "max_epochs"
        loc = h.locs.get(key) or h.locs.get("train_cfg") or Location(ctx.plan.filename, 1, 0)
        yield self.finding(
            f"training runs {ctx.horizon_text} ({ctx.total_iters} iterations of {h.epoch_length} per epoch): "
            "the loop ends before its first iteration, nothing trains",
            loc,
        )
