"""SL004 schedule-ends-early: Every scheduler of a parameter stops long before training ends; the value is frozen."""

from __future__ import annotations

import math
from typing import Iterator, Optional, Tuple

from schedlint.model import Finding, Location, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.support import legacy_loc, legacy_policy, numbers
from schedlint.rules.windows import (STEP_TYPES, Window, is_warmup, param_word, same_file, schedulers_of, value_at,
                                     values_of, window)
from schedlint.rules.length.common import _SGD, _span
from schedlint.rules.length.milestone_unreached import MilestoneUnreached

# a step decay whose last milestone leaves the LR constant for more than this share of the run: milestones
# written for a shorter run (mmdet's 1x `step=[8, 11]` under 48 epochs); a planned long low-LR stage stays below
_STEP_TAIL = 0.75
# ... or for more than half of it when the length is set in another file than the milestones (a length raised
# over a base's milestones: `max_epochs=300` over a 100-epoch base's `[30, 60, 90]`)
_STEP_TAIL_ELSEWHERE = 0.5
_STEP_TAIL_LEVEL = 0.2  # ... at a fifth of the LR or less (a 10x step decay leaves 0.1 or 0.01)


class ScheduleEndsEarly(Rule):
    """Every scheduler of a parameter stops long before training ends; the value is frozen.

    After the last scheduler's `end`, mmengine holds the value for the rest of training. A short
    cool-down at the minimum after a complete decay is normal, but a long frozen tail usually
    means the training length was raised without updating the schedule (the schedule was
    written for an older `max_epochs`). Worse when the frozen value is not the end of a decay,
    or when a momentum schedule froze near 1. A schedule that never changed the value (a constant
    LR written as `ConstantLR(factor=1.0, end=500)`) freezes nothing and is not reported.

    A step decay that runs to the end can freeze the LR just the same: `MultiStepLR(milestones=[8, 11])`
    (mmcv 1.x `step=[8, 11]`) under 48 epochs decays for the last time at epoch 11, and the LR stays
    at 1% for 77% of the run. Reported when the last milestone leaves more than three quarters of
    training at a fifth of the LR or less (a planned low-LR stage is shorter), or more than half of it
    when the length is set in another file than the milestones (a length raised over a base's
    milestones): an error when they are set in different files, else a warning.

    Fix: rescale the schedule to the new length (`schedlint fix --rescale`), or cover the tail
    with a deliberate flat scheduler (`ConstantLR(factor=1.0, begin=..., end=max_epochs)`).
    """

    code = "SL004"
    needs_length = True
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
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11], by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=48)
            """),
            epoch_length=10,
            note="the 1x milestones under 48 epochs: 1% of the LR for the last 37",
        ),
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
        yield from self._step_tail(ctx)
        total = ctx.total_iters
        if total <= 0 or ctx.plan.horizon.loop == "iter" and all(s.by_epoch for s in ctx.plan.schedulers):
            return
        for param in ("lr", "momentum"):
            scheds = [s for s in schedulers_of(ctx, param) if not is_warmup(s)]
            if not scheds or values_of(ctx, param) is None:
                continue
            windows = [_acting(ctx, window(ctx, s)) for s in scheds]
            if any(w.stop >= total for w in windows):
                continue
            last = max(windows, key=lambda w: w.stop)
            if not math.isfinite(last.stop) or last.stop <= 0:
                continue
            # a warm-up still moving the value after the other schedulers stopped is not a frozen
            # value (a warm-up too long for the run is SL009's): the tail starts when it stops too
            moving = max(_acting(ctx, window(ctx, s)).stop for s in schedulers_of(ctx, param))
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
            loc = ctx.scheduler_loc(s, "periods" if last.stop < window(ctx, s).stop else "end")
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


    def _step_tail(self, ctx: Context) -> Iterator[Finding]:
        """The LR of a step decay that covers the run, constant after its last milestone for most of it."""
        found = _last_step(ctx)
        total = ctx.total_iters
        if found is None or total <= 0:
            return
        last, who, loc, in_iterations = found
        if not 0 < last < total or loc is None:
            return
        related = ctx.horizon_related_if_elsewhere(loc)
        if (total - last) / total <= (_STEP_TAIL_ELSEWHERE if related else _STEP_TAIL):
            return
        if in_iterations and last <= 0.01 * total:
            return  # decays in iterations all in the first 1% of the run: SL008's unit slip
        value, peak = value_at(ctx, "lr", total - 1), ctx.plan.optimizer.lr
        if value is None or not peak or value > _STEP_TAIL_LEVEL * peak:
            return  # a mild decay (one halving) held for the rest of the run may be the plan
        share = (total - last) / total
        msg = (f"{who} decays for the last time at {ctx.where(last)} but training runs {ctx.horizon_text}: the LR "
               f"stays at {fmt(value)} ({value / peak:.2g}x the LR) for the last {_span(ctx, total - last)} "
               f"({share:.0%} of training); ")
        if related:  # the length was changed in another file than the milestones (the stale-schedule story)
            msg += "the training length and the milestones are set in different files: scale the milestones to it"
        else:
            msg += "milestones written for a shorter run? Scale them to the length, or write the length they were meant for"
        yield self.finding(msg, loc, related, severity=Severity.ERROR if related else Severity.WARNING)


def _acting(ctx: Context, w: Window) -> Window:
    """The part of a window where the scheduler changes the value: a CosineRestart stops at the end of its last
    period (mmengine then keeps the value: `_get_value` returns the groups' own when no period holds the step)."""
    s = w.scheduler
    periods = numbers(s.args.get("periods")) if s.type.startswith("CosineRestart") else None
    if not periods or any(p <= 0 for p in periods):
        return w
    scale = ctx.epoch_length if s.by_epoch else 1
    return Window(s, w.start, min(w.stop, w.start + sum(periods) * scale))


def _last_step(ctx: Context) -> Optional[Tuple[float, str, Optional[Location], bool]]:
    """(iteration of the last decay, description, location, counted in iterations) of an LR step decay that covers
    the run to its end (mmengine MultiStepLR, mmcv 1.x `step` with a list); None for any other schedule."""
    length = ctx.epoch_length
    if ctx.plan.generation == "mmcv":
        policy = legacy_policy(ctx, "lr")
        steps = numbers(policy.args.get("step")) if policy is not None and policy.policy == "Step" else None
        if steps is None:
            return None
        by_epoch = policy.args.get("by_epoch", True)
        if by_epoch and ctx.plan.horizon.loop == "iter":
            return None  # an epoch policy under an iteration runner (SL406's)
        return (max(steps) * (length if by_epoch else 1), f"lr_config step={[int(v) if v.is_integer() else v for v in steps]}",
                legacy_loc(ctx, policy, "step"), not by_epoch)
    scheds = [s for s in schedulers_of(ctx, "lr") if not is_warmup(s)]
    if not scheds or not all(s.type.startswith("MultiStep") for s in scheds):
        return None
    best = None
    for s in scheds:
        milestones = numbers(s.args.get("milestones"))
        if milestones is None or window(ctx, s).stop < ctx.total_iters:
            return None  # a decay that stops before the end is the frozen tail above
        last = s.begin + max(milestones)
        at = last * length if s.by_epoch else last
        if best is None or at > best[0]:
            best = (at, ctx.describe(s), ctx.scheduler_loc(s, "milestones"), not s.by_epoch)
    return best


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
