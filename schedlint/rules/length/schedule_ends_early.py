"""SL004 schedule-ends-early: Every scheduler of a parameter stops long before training ends; the value is frozen."""

from __future__ import annotations

import math
from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import STEP_TYPES, is_warmup, param_word, same_file, schedulers_of, value_at, values_of, window
from schedlint.rules.length.common import _SGD, _span
from schedlint.rules.length.milestone_unreached import MilestoneUnreached


class ScheduleEndsEarly(Rule):
    """Every scheduler of a parameter stops long before training ends; the value is frozen.

    After the last scheduler's `end`, mmengine holds the value for the rest of training. A short
    cool-down at the minimum after a complete decay is normal, but a long frozen tail usually
    means the training length was raised without updating the schedule (the schedule was
    written for an older `max_epochs`). Worse when the frozen value is not the end of a decay,
    or when a momentum schedule froze near 1. A schedule that never changed the value (a constant
    LR written as `ConstantLR(factor=1.0, end=500)`) freezes nothing and is not reported.

    Fix: rescale the schedule to the new length (`schedlint fix --rescale`), or cover the tail
    with a deliberate flat scheduler (`ConstantLR(factor=1.0, begin=..., end=max_epochs)`).
    """

    code = "SL004"
    fix_applicability = "needs --rescale"
    name = "schedule-ends-early"
    severity = Severity.ERROR
    summary = "the schedule stops long before training ends and the value is frozen"
    invalid = [
        Example(
            {
                "schedule.py": """\
                lr = 0.0018
                optim_wrapper = dict(optimizer=dict(type='AdamW', lr=lr, betas=(0.95, 0.99), weight_decay=0.01))
                param_scheduler = [
                    dict(type='CosineAnnealingLR', T_max=8, eta_min=lr * 10, begin=0, end=8, by_epoch=True),
                    dict(type='CosineAnnealingLR', T_max=12, eta_min=lr * 1e-4, begin=8, end=20, by_epoch=True),
                ]
                train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)
                """,
                "config.py": """\
                _base_ = './schedule.py'
                train_cfg = dict(max_epochs=40)
                """,
            },
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=280, eta_min=1e-4, begin=0, end=280),
                dict(type='ConstantLR', factor=1.0, begin=280, end=300),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=300)
            """),
            epoch_length=5,
            note="YOLOX-style deliberate flat tail",
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=44, eta_min=1e-4, begin=0, end=44)]
            train_cfg = dict(by_epoch=True, max_epochs=50)
            """),
            epoch_length=5,
            note="short cool-down after a complete decay",
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=500)]
            train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=2)
            """),
            epoch_length=1000,
            note="a constant LR: a schedule that changes nothing freezes nothing",
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.total_iters
        if total <= 0 or ctx.plan.horizon.loop == "iter" and all(s.by_epoch for s in ctx.plan.schedulers):
            return
        for param in ("lr", "momentum"):
            scheds = [s for s in schedulers_of(ctx, param) if not is_warmup(s)]
            if not scheds or values_of(ctx, param) is None:
                continue
            windows = [window(ctx, s) for s in scheds]
            if any(w.stop >= total for w in windows):
                continue
            last = max(windows, key=lambda w: w.stop)
            if not math.isfinite(last.stop) or last.stop <= 0:
                continue
            # a warm-up still moving the value after the other schedulers stopped is not a frozen
            # value (a warm-up too long for the run is SL009's): the tail starts when it stops too
            moving = max(window(ctx, s).stop for s in schedulers_of(ctx, param))
            stop = max(last.stop, moving)
            tail = total - stop
            share = tail / total
            if share <= ctx.settings.thresholds.tail_fraction:
                continue
            s = last.scheduler
            scale = last.stop / s.end if s.end else 1.0
            if s.type in STEP_TYPES and any(p >= s.end and p * scale < total for p in MilestoneUnreached._decays(s)):
                continue  # the real problem is the unreached decay (SL001)
            if _held_constant(ctx, param, min(w.start for w in windows), stop):
                continue  # a schedule that never changes the value (ConstantLR(factor=1)): nothing is frozen
            value = value_at(ctx, param, total - 1)
            word = param_word(ctx, param)
            loc = ctx.scheduler_loc(s, "end")
            horizon_rel = ctx.horizon_related()
            stale = bool(horizon_rel) and not same_file(horizon_rel[0].location, loc)
            msg = (
                f"every {word} scheduler stops by {ctx.where(stop)} but training runs {ctx.horizon_text}: "
                f"the {word} is frozen at {fmt(value)} for the last {_span(ctx, tail)} ({share:.0%} of training)"
            )
            if stale:
                msg += "; the training length and the schedule are set in different files"
            yield self.finding(
                msg,
                loc,
                ctx.horizon_related_if_elsewhere(loc),
                severity=Severity.ERROR if stale else Severity.WARNING,
            )


def _held_constant(ctx: Context, param: str, start: float, stop: float) -> bool:
    """Whether the value stays the same over [start, stop): the schedulers there change nothing."""
    values = values_of(ctx, param)
    if values is None:
        return False
    span = values[int(max(start, 0)):int(stop)]
    if not len(span):
        return False
    high, low = float(span.max()), float(span.min())
    return high - low <= 1e-12 * max(abs(high), abs(low))
