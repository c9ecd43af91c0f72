"""SL303 begin-not-before-end: A scheduler whose `end` is not after its `begin`."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD, _pos


class BeginNotBeforeEnd(Rule):
    """A scheduler whose `end` is not after its `begin`.

    mmengine raises `ValueError: end should be larger than begin` while building the
    schedulers, so training never starts. Often `end` is computed from a helper that became 0
    (`warmup_iters = 0` giving `LinearLR(begin=0, end=0)`), or `end` is omitted and the Runner's
    default (`max_epochs`, or 1 under `IterBasedTrainLoop`) is not after `begin`.

    Fix: remove the scheduler (e.g. no warm-up), or give it an `end` after `begin`.
    """

    code = "SL303"
    name = "begin-not-before-end"
    severity = Severity.ERROR
    summary = "a scheduler's end is not after its begin (mmengine ValueError at build)"
    generation = "mmengine"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            warmup_iters = 0
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=warmup_iters),
                dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11]),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='ConstantLR', factor=0.5, begin=12)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
            note="no end: the Runner uses max_epochs=12, which is not after begin=12",
        ),
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
        for s in ctx.plan.schedulers:
            if s.end > s.begin:
                continue
            if s.end_defaulted:
                default = "max_epochs" if s.by_epoch or s.converted else "max_iters"
                loop_note = " (1 under IterBasedTrainLoop)" if ctx.plan.horizon.loop == "iter" and default == "max_epochs" else ""
                end_text = f"no end, so the Runner uses {default}={_pos(s, 'end', s.end)}{loop_note}"
            else:
                end_text = f"end={_pos(s, 'end', s.end)}"
            msg = (f"{s.type} (param_scheduler[{s.index}]) has begin={_pos(s, 'begin', s.begin)} and {end_text}: "
                   "mmengine raises ValueError('end should be larger than begin') while building the schedulers, so "
                   "training never starts")
            yield self.finding(msg, ctx.scheduler_loc(s, "end", "begin", "type"))
