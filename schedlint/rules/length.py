"""SL0xx: the schedule against the length of training, judged on the simulated curve."""

from __future__ import annotations

import math
from typing import Iterator, List

from schedlint.model import Finding, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import (
    COSINE_TYPES,
    STEP_TYPES,
    is_flat,
    is_warmup,
    param_word,
    position,
    same_file,
    schedulers_of,
    value_at,
    values_of,
    window,
)

_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"

_BASE_1X = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
"""


class MilestoneUnreached(Rule):
    """A step decay planned at or after the point where its scheduler stops.

    mmengine steps a scheduler only while `begin <= step < end`. A `MultiStepLR` whose
    milestones lie at or behind its `end` never applies them: the LR simply never decays, and
    nothing warns. This typically happens when a config raises `max_epochs` and the milestones
    but inherits the base schedule's `end` (e.g. `_base_.param_scheduler[1].milestones = [16, 23]`
    over a base `MultiStepLR(end=12)`).

    Fix: extend `end` to cover the milestones (usually the new training length), or remove
    `end` so the Runner uses `max_epochs`.
    """

    code = "SL001"
    name = "milestone-unreached"
    severity = Severity.ERROR
    summary = "a planned step decay lies at or behind its scheduler's `end` and never happens"
    fix_applicability = "safe"
    invalid = [
        Example(
            {
                "base.py": _BASE_1X,
                "config.py": """\
                _base_ = './base.py'
                _base_.param_scheduler[1].milestones = [16, 22]
                train_cfg = dict(max_epochs=24)
                """,
            },
            epoch_length=100,
            fixed="""\
            _base_ = './base.py'
            _base_.param_scheduler[1].milestones = [16, 22]
            _base_.param_scheduler[1].end = 24
            train_cfg = dict(max_epochs=24)
            """,
        ),
    ]
    valid = [
        Example(_BASE_1X, epoch_length=100),
        Example(
            {
                "base.py": _BASE_1X,
                "config.py": """\
                _base_ = './base.py'
                _base_.param_scheduler[1].milestones = [16, 22]
                _base_.param_scheduler[1].end = 24
                train_cfg = dict(max_epochs=24)
                """,
            },
            epoch_length=100,
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        horizon_iters = ctx.total_iters
        for s in ctx.plan.schedulers:
            if s.type not in STEP_TYPES or s.end_defaulted:
                continue
            w = window(ctx, s)
            if w.start >= horizon_iters:
                continue
            scale = w.stop / s.end if s.end and math.isfinite(w.stop) else (ctx.epoch_length if s.by_epoch else 1)
            planned = self._decays(s)
            lost = [p for p in planned if p >= s.end and p * scale < horizon_iters]
            if not lost:
                continue
            param = param_word(ctx, s.param)
            last_value = value_at(ctx, s.param, horizon_iters - 1)
            kept = [p for p in planned if p < s.end]
            where = _positions(s, lost)
            msg = (
                f"{s.type} stops at end={s.end:g} ({position(s, s.end)}), so the decay"
                f"{'s' if len(lost) > 1 else ''} planned at {where} never happen"
                f"{'s' if len(lost) == 1 else ''}"
            )
            if not kept:
                msg += f": the {param} stays at {fmt(last_value)} for all of training ({ctx.horizon_text})"
            else:
                msg += f": the {param} ends at {fmt(last_value)} instead of decaying further"
            loc = ctx.scheduler_loc(s, "end")
            related: List[Related] = []
            for key in ("milestones", "step_size"):
                if key in s.locs and not same_file(s.locs[key], loc) or (
                    key in s.locs and s.locs[key].line != loc.line
                ):
                    related.append(Related(s.locs[key], f"{key} set here"))
            related += ctx.horizon_related_if_elsewhere(loc)
            yield self.finding(msg, loc, related)

    @staticmethod
    def _decays(s) -> List[float]:  # noqa: D401
        """Absolute positions (scheduler unit) where the scheduler plans a decay."""
        begin = s.begin
        if s.type.startswith("MultiStep"):
            milestones = s.args.get("milestones") or []
            return sorted(begin + m for m in milestones if isinstance(m, (int, float)))
        step = s.args.get("step_size")
        if not isinstance(step, (int, float)) or step <= 0:
            return []
        return [begin + step]


def _positions(s, values: List[float]) -> str:
    """'epochs 16 and 23' / 'epoch 16' in the scheduler's own unit."""
    unit = "epoch" if s.by_epoch and not s.converted else "iteration"
    shown = [f"{v:g}" for v in values[:4]]
    if len(values) > 4:
        shown.append("...")
    if len(shown) == 1:
        return f"{unit} {shown[0]}"
    return f"{unit}s {', '.join(shown[:-1])} and {shown[-1]}"


class NeverActive(Rule):
    """A scheduler whose `begin` lies at or past the end of training: it never runs.

    The phase it describes (a second cosine, a cool-down, a momentum change) is silently
    skipped. Usually the training length was shortened, or `begin` is in the wrong unit.
    """

    code = "SL002"
    name = "scheduler-never-active"
    severity = Severity.ERROR
    fix_applicability = "needs --rescale"
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
                yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc))


class ScheduleTruncated(Rule):
    """Training ends before a scheduler's planned change is complete.

    When `end` (or `T_max`, `milestones`) lies past the end of training, the tail of the
    schedule is never executed: a cosine never anneals, a decay never happens, and the model
    finishes at a higher learning rate than planned. Harmless when nothing planned is lost
    (e.g. an `end` past the horizon with all milestones inside it); reported only when the value
    at the end of training misses the planned value by a clear margin.

    Fix: make the schedule's positions follow the training length (`schedlint fix --rescale`),
    or drop `end` so the Runner uses `max_epochs`.
    """

    code = "SL003"
    name = "schedule-truncated"
    severity = Severity.ERROR
    fix_applicability = "needs --rescale"
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
            start = value_at(ctx, s.param, w.start)
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
            if (not s.by_epoch or s.converted) and ctx.plan.horizon.loop == "epoch":
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
    values = curve.lr if s.param == "lr" else curve.momentum
    if values is None or len(values) == 0:
        return None
    return float(values[min(needed, len(values)) - 1])


class ScheduleEndsEarly(Rule):
    """Every scheduler of a parameter stops long before training ends; the value is frozen.

    After the last scheduler's `end`, mmengine holds the value for the rest of training. A short
    cool-down at the minimum after a complete decay is normal, but a long frozen tail usually
    means the training length was raised without updating the schedule (the schedule was
    written for an older `max_epochs`). Worse when the frozen value is not the end of a decay,
    or when a momentum schedule froze near 1.

    Fix: rescale the schedule to the new length (`schedlint fix --rescale`), or cover the tail
    with a deliberate flat scheduler (`ConstantLR(factor=1.0, begin=..., end=max_epochs)`).
    """

    code = "SL004"
    name = "schedule-ends-early"
    severity = Severity.ERROR
    summary = "the schedule stops long before training ends and the value is frozen"
    fix_applicability = "needs --rescale"
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
            tail = total - last.stop
            share = tail / total
            if share <= ctx.settings.thresholds.tail_fraction:
                continue
            s = last.scheduler
            scale = last.stop / s.end if s.end else 1.0
            if s.type in STEP_TYPES and any(p >= s.end and p * scale < total for p in MilestoneUnreached._decays(s)):
                continue  # the real problem is the unreached decay (SL001)
            value = value_at(ctx, param, total - 1)
            word = param_word(ctx, param)
            loc = ctx.scheduler_loc(s, "end")
            horizon_rel = ctx.horizon_related()
            stale = bool(horizon_rel) and not same_file(horizon_rel[0].location, loc)
            msg = (
                f"every {word} scheduler stops by {ctx.where(last.stop)} but training runs {ctx.horizon_text}: "
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


def _raw(s, key: str, effective: float) -> str:
    """A position as the config wrote it (epochs for converted schedulers)."""
    value = s.raw.get(key, effective) if s.converted else effective
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _span(ctx: Context, iterations: float) -> str:
    if ctx.plan.horizon.loop == "iter":
        return f"{int(iterations)} iterations"
    epochs = iterations / ctx.epoch_length
    return f"{epochs:g} epochs" if abs(epochs - round(epochs)) < 1e-9 else f"{epochs:.1f} epochs"


class CosineRestart(Rule):
    """`T_max` shorter than the cosine's active range: the value climbs back up.

    mmengine's CosineAnnealing is periodic: past `T_max` the learning rate rises again and is
    back at its starting value at `2*T_max`. With `T_max=12` and the scheduler active for 24
    epochs, the LR reaches its minimum at epoch 12 and is back at ~98% of the base by epoch 23 —
    a classic cause of a loss that falls, then rises. Typical source: `T_max` hard-coded while
    `end` is omitted (the Runner then uses `max_epochs`) or raised in a child config.

    Fix: set `T_max` to the active range (`end - begin`), or omit `T_max`.
    """

    code = "SL005"
    name = "cosine-restart"
    severity = Severity.ERROR
    summary = "`T_max` is shorter than the cosine's active range, so the value climbs back"
    fix_applicability = "safe"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min=1e-5, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
            fixed=cfg(_SGD, """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, eta_min=1e-5, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, eta_min=1e-5, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.total_iters
        for s in ctx.plan.schedulers:
            if s.type not in COSINE_TYPES:
                continue
            t_max = s.args.get("T_max")
            if not isinstance(t_max, (int, float)) or t_max <= 0:
                continue
            w = window(ctx, s)
            stop = min(w.stop, total)
            scale = ctx.epoch_length if s.by_epoch else 1
            if s.by_epoch and ctx.plan.horizon.loop == "iter":
                continue
            rise_at = w.start + (t_max + 1) * scale  # first step whose value is above the trough
            if rise_at >= stop:
                continue
            word = param_word(ctx, s.param)
            values = values_of(ctx, s.param)
            if values is None:
                continue
            segment = values[int(w.start) : int(stop)]
            if len(segment) == 0:
                continue
            trough_i = int(w.start + t_max * scale)
            trough = value_at(ctx, s.param, trough_i)
            final = float(segment[-1])
            loc = ctx.scheduler_loc(s, "T_max", "end")
            msg = (
                f"T_max={_raw(s, 'T_max', t_max)} is shorter than {s.type}'s active range "
                f"({ctx.where(w.start)} to {ctx.where(stop)}): the {word} reaches {fmt(trough)} at "
                f"{ctx.where(trough_i)}, then climbs back to {fmt(final)} by {ctx.where(stop)}"
            )
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc) if s.end_defaulted else [])


class CosineIncomplete(Rule):
    """`T_max` longer than the scheduler's window: the cosine stops far above its target.

    The scheduler stops stepping at `end`, long before its cosine reaches `eta_min`; the value is
    then held for the rest of the window or training. Often `end` was shortened (or inherited)
    while `T_max` kept an older length.

    Fix: set `T_max` to `end - begin` (or omit it).
    """

    code = "SL006"
    name = "cosine-incomplete"
    severity = Severity.WARNING
    summary = "`T_max` is longer than the scheduler's window, so the cosine stops far above its target"
    fix_applicability = "safe"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=48, eta_min=0, begin=0, end=24)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
            fixed=cfg(_SGD, """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, eta_min=0, begin=0, end=24)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, eta_min=0, begin=0, end=24)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for s in ctx.plan.schedulers:
            if s.type not in COSINE_TYPES or s.end >= 1e9:
                continue
            t_max = s.args.get("T_max")
            if not isinstance(t_max, (int, float)) or t_max <= 0:
                continue
            span = s.end - s.begin
            if t_max <= span:
                continue
            remaining = (1 + math.cos(math.pi * min(span - 1, t_max) / t_max)) / 2
            if remaining <= ctx.settings.thresholds.cosine_margin:
                continue
            w = window(ctx, s)
            if w.start >= ctx.total_iters:
                continue
            word = param_word(ctx, s.param)
            loc = ctx.scheduler_loc(s, "T_max", "end")
            last = value_at(ctx, s.param, min(w.stop, ctx.total_iters) - 1)
            msg = (
                f"T_max={_raw(s, 'T_max', t_max)} is longer than {s.type}'s window "
                f"(begin={_raw(s, 'begin', s.begin)}, end={_raw(s, 'end', s.end)}): "
                f"the {word} stops at {fmt(last)}, {remaining:.0%} of the way from its target back to its start"
            )
            yield self.finding(msg, loc)


class EpochSchedulerInIterLoop(Rule):
    """An epoch-based scheduler (`by_epoch=True`, the default) under `IterBasedTrainLoop`.

    The iteration loop calls the epoch hooks only once, after the last iteration: every
    epoch-based scheduler is applied at construction and then frozen for the whole run. A
    warm-up stays at its start factor; a decay never happens.

    Fix: `by_epoch=False` with positions in iterations, or `convert_to_iter_based=True`.
    """

    code = "SL007"
    name = "epoch-scheduler-in-iter-loop"
    severity = Severity.ERROR
    summary = "an epoch-based scheduler under IterBasedTrainLoop never steps"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000)]
            train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
            """)
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000, by_epoch=False)]
            train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
            """)
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.horizon.loop != "iter":
            return
        for s in ctx.plan.schedulers:
            if not s.by_epoch or s.type.startswith("ReduceOnPlateau"):
                continue
            word = param_word(ctx, s.param)
            value = value_at(ctx, s.param, 0)
            loc = ctx.scheduler_loc(s, "by_epoch", "type", "self")
            msg = (
                f"{s.type} is epoch-based (by_epoch={'True' if 'by_epoch' in s.raw else 'True by default'}) "
                f"but training uses IterBasedTrainLoop: it is applied once and never steps, so the {word} "
                f"stays at {fmt(value)} for all {ctx.total_iters} iterations; set by_epoch=False"
            )
            yield self.finding(msg, loc)


class UnitSlip(Rule):
    """Positions in the wrong unit: iteration-sized numbers in an epoch scheduler, or epoch-sized
    numbers in an iteration scheduler.

    `PolyLR(end=20000)` without `by_epoch=False` under a 100-epoch run means 20000 *epochs*: the
    LR barely moves. `CosineAnnealingLR(T_max=12, end=12, by_epoch=False)` under 12 epochs runs
    the whole schedule in the first 12 iterations.

    Fix: set `by_epoch` to match the numbers, or use `convert_to_iter_based=True` for epoch
    numbers applied per iteration.
    """

    code = "SL008"
    name = "unit-slip"
    severity = Severity.ERROR
    summary = "scheduler positions are in the wrong unit (epochs vs iterations)"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=20000)]
            train_cfg = dict(by_epoch=True, max_epochs=100)
            """),
            epoch_length=200,
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, begin=0, end=12, by_epoch=False)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=200,
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
                dict(type='CosineAnnealingLR', T_max=100, begin=0, end=100),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=100)
            """),
            epoch_length=200,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        if h.loop != "epoch" or not h.max_epochs:
            return
        for s in ctx.plan.schedulers:
            if s.converted:
                continue
            explicit = [s.end] if not s.end_defaulted and s.end < 1e9 else []
            if s.by_epoch:
                big = [v for v in explicit if v >= 10 * h.max_epochs and v >= 500]
                if not big:
                    continue
                loc = ctx.scheduler_loc(s, "end")
                msg = (
                    f"{s.type} counts in epochs (by_epoch=True) but end={big[0]:g} is "
                    f"{big[0] / h.max_epochs:.0f}x the {h.max_epochs}-epoch training: these look like "
                    f"iterations; set by_epoch=False"
                )
                yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc))
            else:
                if not explicit or ctx.epoch_length <= 1 or is_warmup(s):
                    continue
                end = explicit[0]
                if end > h.max_epochs or end * 100 > ctx.total_iters and end != h.max_epochs:
                    continue
                if end != h.max_epochs and end * 10 > ctx.epoch_length:
                    continue
                loc = ctx.scheduler_loc(s, "end")
                msg = (
                    f"{s.type} counts in iterations (by_epoch=False) but end={end:g} looks like epochs "
                    f"(training has {h.max_epochs} epochs): the whole schedule runs in the first "
                    f"{end:g} iterations of {ctx.total_iters}; use by_epoch=True or convert_to_iter_based=True"
                    + ctx.epoch_length_note()
                )
                yield self.finding(
                    msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=ctx.guarded(self.severity)
                )


class WarmupTooLong(Rule):
    """A warm-up that covers most of training, or more than all of it.

    A warm-up longer than training means the LR never reaches its base value; one covering
    most of training leaves little time at the planned LR. Usually a unit slip (an iteration
    count in an epoch scheduler) or a warm-up copied from a much longer schedule.
    """

    code = "SL009"
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
        )
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
                msg = f"the warm-up {s.type} covers {share:.0%} of training (until {ctx.where(w.stop)})"
                severity = self.severity
            if not s.by_epoch and ctx.plan.horizon.loop == "epoch":
                msg += ctx.epoch_length_note()
                severity = ctx.guarded(severity)
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=severity)


class ScheduleOverlapGap(Rule):
    """Schedulers of one parameter that overlap in an order-dependent way, or leave a gap.

    Multiplicative schedulers compose as a product, whatever their order; but a cosine or poly
    with a non-zero floor, OneCycle and CosineRestart are not multiplicative: when their window
    overlaps another scheduler's, the result depends on the list order and can exceed the base
    LR. A gap between two decay phases holds the value for the gap's length, which is rarely meant.
    """

    code = "SL010"
    name = "schedule-overlap-gap"
    severity = Severity.WARNING
    summary = "schedulers of one parameter overlap order-dependently (LR above base) or leave a gap"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min=0.01, begin=0, end=8),
                dict(type='LinearLR', start_factor=0.1, begin=0, end=4),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=8)
            """),
            epoch_length=5,
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min=0.002, begin=0, end=8),
                dict(type='CosineAnnealingLR', T_max=8, eta_min=0.0002, begin=16, end=24),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=5,
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.1, begin=0, end=4),
                dict(type='CosineAnnealingLR', T_max=4, eta_min=0.001, begin=4, end=8),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=8)
            """),
            epoch_length=5,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.total_iters
        base = {"lr": ctx.plan.optimizer.lr, "momentum": ctx.plan.optimizer.base_momentum}
        for param in ("lr", "momentum"):
            values = values_of(ctx, param)
            scheds = schedulers_of(ctx, param)
            if values is None or len(scheds) < 2 or base[param] is None:
                continue
            reported = False
            overlap = _order_dependent_overlap(ctx, scheds)
            if overlap is not None and param == "lr" and base[param] > 0:
                s, lo, hi = overlap
                seg = values[int(lo) : int(min(hi, total))]
                peak_i = int(lo + seg.argmax()) if len(seg) else 0
                if len(seg) and values[peak_i] > base[param] * (1 + 1e-6):
                    loc = ctx.scheduler_loc(s, "eta_min", "eta_min_ratio", "type", "self")
                    msg = (
                        f"overlapping {param_word(ctx, param)} schedulers compose order-dependently: "
                        f"{s.type} is not multiplicative, and the {param_word(ctx, param)} peaks at "
                        f"{fmt(float(values[peak_i]))} at {ctx.where(peak_i)}, "
                        f"{values[peak_i] / base[param] - 1:.1%} above the base {fmt(base[param])}"
                    )
                    yield self.finding(msg, loc, severity=Severity.ERROR)
                    reported = True
            if reported:
                continue
            covering = [window(ctx, s) for s in scheds if not is_warmup(s)]
            decays = sorted((w for w in covering if not is_flat(w.scheduler)), key=lambda w: w.start)
            for prev, nxt in zip(decays, decays[1:]):
                gap_start, gap_stop = prev.stop, min(nxt.start, total)
                if not (math.isfinite(gap_start) and gap_start < gap_stop):
                    continue
                if any(w.start <= gap_start and w.stop >= gap_stop for w in covering):
                    continue  # a deliberate flat (or other) scheduler covers the hold
                s = nxt.scheduler
                loc = ctx.scheduler_loc(s, "begin")
                msg = (
                    f"nothing schedules the {param_word(ctx, param)} between {ctx.where(gap_start)} "
                    f"and {ctx.where(gap_stop)}: it is held at "
                    f"{fmt(value_at(ctx, param, gap_start))} for {_span(ctx, gap_stop - gap_start)}"
                )
                yield self.finding(msg, loc)
                break


def _order_dependent_overlap(ctx: Context, scheds):
    """(non-multiplicative scheduler, overlap start, overlap stop) for the first such overlap."""
    windows = [window(ctx, s) for s in scheds]
    for i, a in enumerate(windows):
        if not _non_multiplicative(a.scheduler):
            continue
        for j, b in enumerate(windows):
            if i == j:
                continue
            lo, hi = max(a.start, b.start), min(a.stop, b.stop)
            if lo < hi:
                return a.scheduler, lo, hi
    return None


def _non_multiplicative(s) -> bool:
    if s.type in COSINE_TYPES or s.type.startswith("Poly"):
        return bool(s.args.get("eta_min") or s.args.get("eta_min_ratio"))
    return s.type.startswith(("OneCycle", "CosineRestart"))
