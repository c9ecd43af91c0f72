"""SL009 warmup-too-long: A warm-up that covers most of training, or more than all of it."""

from __future__ import annotations

import math
from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import is_warmup, param_word, value_at, window
from schedlint.rules.length.common import _SGD
from schedlint.rules.mmcv.common import _STEP_1X
from schedlint.rules.mmcv.schedule_outlives_run import legacy_warmup_too_long


class WarmupTooLong(Rule):
    """A warm-up that covers most of training, or more than all of it.

    A warm-up longer than training means the LR never reaches its base value; one covering
    most of training leaves little time at the planned LR. Usually a unit slip (an iteration
    count in an epoch scheduler) or a warm-up copied from a much longer schedule. The same holds
    for mmcv-1.x `lr_config` warm-ups (`warmup_iters`, `warmup_by_epoch`). When the comparison rests
    on a default epoch length (the dataset's size is unknown), a warm-up past the end is a warning
    and a share of training is not judged: give `--epoch-length`.
    """

    code = "SL009"
    needs_length = True
    name = "warmup-too-long"
    severity = Severity.WARNING
    summary = "the warm-up covers most of training (or more)"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1500),
                dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11]),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=100,
        ),
        Example(_STEP_1X.replace("warmup_iters=500", "warmup_iters=5000"), epoch_length=100,
                note="mmcv-1.x `lr_config`"),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
                dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11]),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=100,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.generation == "mmcv":
            yield from legacy_warmup_too_long(self, ctx)
            return
        total = ctx.total_iters
        if total <= 0:
            return
        for s in ctx.plan.schedulers:
            if not is_warmup(s) or (s.by_epoch and ctx.plan.horizon.loop == "iter"):
                continue
            w = window(ctx, s)
            if not math.isfinite(w.stop):
                continue
            share = w.stop / total
            if share <= ctx.settings.thresholds.warmup_fraction:
                continue
            word = param_word(ctx, s.param)
            loc = ctx.scheduler_loc(s, "end")
            if w.stop > total:
                reached = value_at(ctx, s.param, total - 1)
                msg = (
                    f"the warm-up {s.type} ends at {ctx.where(w.stop)}, after training ends at {ctx.where(total)}: "
                    f"the {word} never reaches its base value (it ends at {fmt(reached)})"
                )
                severity = Severity.ERROR
            else:
                if (ctx.epoch_length_is_guess or ctx.gpus_are_assumed) and ctx.rests_on_epoch_length(s):
                    continue  # a share of a run whose length in iterations is a guess is not judged
                msg = f"the warm-up {s.type} covers {share:.0%} of training (until {ctx.where(w.stop)})"
                severity = self.severity
            if ctx.rests_on_epoch_length(s) or s.converted and ctx.plan.horizon.loop == "epoch":
                msg += ctx.epoch_length_note()
                severity = ctx.guarded(severity)
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=severity)
