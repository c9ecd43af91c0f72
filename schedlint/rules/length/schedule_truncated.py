"""SL003 schedule-truncated: Training ends before a scheduler's planned change is complete."""

from __future__ import annotations

import math
from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import is_flat, is_warmup, param_word, schedulers_of, value_at, window
from schedlint.rules.length.common import _SGD
from schedlint.rules.mmcv.schedule_outlives_run import legacy_restart_cut


class ScheduleTruncated(Rule):
    """Training ends before a scheduler's planned change is complete.

    When `end` (or `T_max`, `milestones`) lies past the end of training, the tail of the
    schedule is never executed: a cosine never anneals, a decay never happens, and the model
    finishes at a higher learning rate than planned. Harmless when nothing planned is lost
    (e.g. an `end` past the horizon with all milestones inside it); reported only when the value
    at the end of training misses the planned value by a clear margin. In mmcv-1.x configs: a
    `CosineRestart` whose `periods` run past the end of training, so the period training ends in
    is cut before it anneals (periods that end before training are SL402).

    Fix: make the schedule's positions follow the training length (`schedlint fix --rescale`),
    or drop `end` so the Runner uses `max_epochs`.
    """

    code = "SL003"
    needs_length = True
    fix_applicability = "needs --rescale"
    name = "schedule-truncated"
    severity = Severity.ERROR
    summary = "training ends before the schedule's planned change is complete"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=50, eta_min=1e-5, begin=0, end=50)]
            train_cfg = dict(by_epoch=True, max_epochs=30)
            """),
            epoch_length=20,
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
                dict(type='MultiStepLR', begin=0, end=13, by_epoch=True, milestones=[8, 11]),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=20,
            note="end past the horizon, nothing planned is lost",
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.generation == "mmcv":
            yield from legacy_restart_cut(self, ctx)
            return
        total = ctx.total_iters
        if total <= 0:
            return
        for s in ctx.plan.schedulers:
            if s.end_defaulted or is_warmup(s) or is_flat(s):
                continue
            w = window(ctx, s)
            if not (w.start < total < w.stop) or not math.isfinite(w.stop):
                continue
            planned = _planned_final(ctx, s, w.stop)
            actual = value_at(ctx, s.param, total - 1)
            # the value the scheduler's change starts from: after a warm-up running at its start (a MultiStepLR
            # from iteration 0 under a LinearLR warm-up starts from the base LR, not from the warm-up's 0.001x)
            start_at = max([w.start] + [ow.stop for ow in (window(ctx, o) for o in schedulers_of(ctx, s.param)
                                                           if is_warmup(o)) if ow.start <= w.start < ow.stop])
            start = value_at(ctx, s.param, min(start_at, total - 1))
            if planned is None or actual is None or start is None:
                continue
            span = abs(start - planned)
            if span <= 1e-12 * max(abs(start), 1e-30):
                continue
            lost = abs(actual - planned) / span
            if lost <= ctx.settings.thresholds.lost_change:
                continue
            param = param_word(ctx, s.param)
            loc = ctx.scheduler_loc(s, "end", "T_max", "milestones")
            # an LR that ends 10x above its planned floor is a different training, whatever the share
            times = actual / planned if s.param == "lr" and planned > 0 and actual > planned else 1.0
            severity = Severity.ERROR if lost >= 0.5 or times >= 10 else Severity.WARNING
            how_far = f"{times:.0f}x the planned value, " if times >= 2 else ""
            msg = (
                f"{s.type} is planned until {ctx.where(w.stop)} but training ends at {ctx.where(total)}: "
                f"the {param} ends at {fmt(actual)} instead of {fmt(planned)} "
                f"({how_far}{lost:.0%} of the planned change is lost)"
            )
            if ctx.rests_on_epoch_length(s) or s.converted and ctx.plan.horizon.loop == "epoch":
                msg += ctx.epoch_length_note()
                severity = ctx.guarded(severity)
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=severity)


def _planned_final(ctx: Context, s, stop: float):
    """The value the parameter would have at the scheduler's last in-window step if training lasted."""
    from schedlint.simulate import simulate

    horizon = ctx.plan.horizon
    needed = int(stop)
    if horizon.loop == "iter":
        extended = horizon.model_copy(update={"max_iters": needed})
    else:
        extended = horizon.model_copy(update={"max_epochs": math.ceil(needed / horizon.epoch_length)})
    if extended.total_iters > 50_000_000:
        return None
    curve = simulate(ctx.plan.model_copy(update={"horizon": extended}))
    values = curve.series(s.param)
    if values is None or len(values) == 0:
        return None
    return float(values[min(needed, len(values)) - 1])
