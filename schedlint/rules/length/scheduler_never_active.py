"""SL002 scheduler-never-active: A scheduler whose `begin` lies at or past the end of training: it never runs."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.windows import window
from schedlint.rules.length.common import _SGD, _raw


class NeverActive(Rule):
    """A scheduler whose `begin` lies at or past the end of training: it never runs.

    The phase it describes (a second cosine, a cool-down, a momentum change) is silently
    skipped. Usually the training length was shortened, or `begin` is in the wrong unit.
    """

    code = "SL002"
    needs_length = True
    fix_applicability = "needs --rescale"
    name = "scheduler-never-active"
    severity = Severity.ERROR
    summary = "a scheduler begins at or after the end of training"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingLR', begin=0, end=12, T_max=12, by_epoch=True),
                dict(type='ConstantLR', factor=0.1, begin=12, end=24, by_epoch=True),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=50,
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', begin=0, end=12, T_max=12, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=50,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.total_iters
        for s in ctx.plan.schedulers:
            if s.by_epoch and ctx.plan.horizon.loop == "iter":
                continue  # SL007 explains this case
            w = window(ctx, s)
            if total > 0 and w.start >= total:
                loc = ctx.scheduler_loc(s, "begin")
                msg = (
                    f"{s.type} begins at begin={_raw(s, 'begin', s.begin)} ({ctx.where(w.start)}) but training ends at "
                    f"{ctx.where(total)}: it never runs"
                )
                severity = self.severity
                if ctx.rests_on_epoch_length(s):
                    msg += ctx.epoch_length_note()
                    severity = ctx.guarded(severity)
                yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=severity)
