"""Phases and events of a simulated schedule, in global iterations.

A *phase* is one scheduler's active range with the values the curve takes there; an *event* is a
moment (or a stretch) a person looking at a run would want marked: a warm-up ending, a scheduler
stopping, the value frozen for the rest of training, a cosine climbing back, momentum/beta1 near 1,
the iteration mmengine would crash at. The geometry (where a scheduler stops, where a cosine reaches
its trough) is read off the simulated curve; whether an event *matters* is not decided here: an
event is notable only when a rule's finding explains it (linked by the scheduler the finding points
at), so `show`, `plot` and `diagnose` say exactly what `check` says, with the rules' thresholds.
The one exception is a simulated crash, which is a fact of the simulation. Events read from a run's
logged LR live in `schedlint.runs.lrlog`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from schedlint.model import Finding, Location
from schedlint.plan.model import Plan, Scheduler

__all__ = ["Event", "Phase", "MOMENTUM_NEAR_ONE", "phases", "schedule_events", "where", "brief", "param_word",
           "span_text", "value_text"]

MOMENTUM_NEAR_ONE = 0.999  # beta1/momentum at or above this barely updates its running average

# Which event kinds a finding's code explains.
_CODE_KINDS: Dict[str, Sequence[str]] = {
    "SL001": ("frozen", "scheduler-end"),
    "SL003": ("truncated",),
    "SL004": ("frozen",),
    "SL005": ("cosine-climb",),
    "SL006": ("frozen", "scheduler-end"),
    "SL007": ("frozen",),
    "SL009": ("warmup-end",),
    "SL101": ("momentum-near-one",),
    "SL302": ("crash",),
    "SL303": ("crash",),
    "SL402": ("crash",),
    "SL406": ("frozen",),
}


@dataclass
class Phase:
    """One scheduler's active range (global iterations, clipped to training) and its values there."""

    index: Optional[int]  # param_scheduler position (None for an mmcv-1.x policy)
    type: str
    param: str  # 'lr' or 'momentum'
    start: int
    stop: int  # exclusive; equal to start when the scheduler never acts
    planned_stop: float  # the scheduler's own end, in iterations (may lie past training; inf when unbounded)
    start_value: Optional[float]
    end_value: Optional[float]
    location: Optional[Location]
    by_epoch: bool = True

    @property
    def active(self) -> bool:
        return self.stop > self.start


@dataclass
class Event:
    """Something that happens to the LR or momentum at `start` (and lasts until `stop`, if given)."""

    kind: str  # warmup-end, scheduler-end, frozen, cosine-climb, momentum-near-one, truncated, crash
    param: str  # 'lr' or 'momentum'
    start: float  # global iteration
    stop: Optional[float]  # end of the stretch, for states (frozen, near one)
    label: str  # a few words for a plot: 'scheduler stops here'
    message: str  # a sentence, in numbers
    scheduler: Optional[int] = None  # param_scheduler index it comes from
    codes: List[str] = field(default_factory=list)  # findings that explain it
    notable: bool = False  # worth marking on a plot / naming in a diagnosis
    short: str = ""  # a clause for a verdict: 'LR frozen at 2.03e-07 from epoch 20'

    def to_json(self, plan: Optional[Plan] = None) -> dict:
        """The event as plain data (positions also in epochs when the plan is epoch-based)."""
        out = {
            "kind": self.kind, "param": self.param, "iter": int(self.start),
            "stop_iter": None if self.stop is None else int(self.stop),
            "label": self.label, "message": self.message, "short": self.short or self.message,
            "scheduler": self.scheduler, "codes": list(self.codes),
        }
        if plan is not None and plan.horizon.loop == "epoch":
            length = plan.horizon.epoch_length
            out["epoch"] = round(self.start / length, 3)
            out["stop_epoch"] = None if self.stop is None else round(self.stop / length, 3)
        return out


def where(plan: Plan, iteration: float) -> str:
    """'epoch 20 (iteration 2320)' or 'iteration 40000'."""
    it = int(iteration)
    if plan.horizon.loop == "iter":
        return f"iteration {it}"
    epoch = iteration / plan.horizon.epoch_length
    text = f"{epoch:g}" if abs(epoch - round(epoch)) < 1e-9 else f"{epoch:.1f}"
    return f"epoch {text} (iteration {it})"


def brief(plan: Plan, iteration: float) -> str:
    """'epoch 20' or 'iteration 40000' (no iteration count for epoch-based plans)."""
    if plan.horizon.loop == "iter":
        return f"iteration {int(iteration)}"
    epoch = iteration / plan.horizon.epoch_length
    return f"epoch {epoch:g}" if abs(epoch - round(epoch)) < 1e-9 else f"epoch {epoch:.1f}"


def span_text(plan: Plan, iterations: float) -> str:
    """A length of training in the plan's unit: '20 epochs' / '4000 iterations'."""
    if plan.horizon.loop == "iter":
        return f"{int(iterations)} iterations"
    epochs = iterations / plan.horizon.epoch_length
    return f"{epochs:g} epochs" if abs(epochs - round(epochs)) < 1e-9 else f"{epochs:.1f} epochs"


def param_word(plan: Plan, param: str) -> str:
    """'LR', 'momentum' or 'beta1'."""
    if param == "lr":
        return "LR"
    return "beta1" if plan.optimizer.momentum_kind == "beta1" else "momentum"


def value_text(value: Optional[float]) -> str:
    """An LR or momentum in short form, with enough digits to tell 0.9999999 from 1."""
    from schedlint.rules.base import fmt

    if value is not None and 0.99 < value < 1.0:
        for digits in range(7, 17):  # as many as it takes not to print 0.99999999 as "1."
            text = f"{value:.{digits}f}"
            if float(text) < 1.0:
                return text.rstrip("0")
    return fmt(value)


def _context(plan: Plan, curve):
    from schedlint.rules.base import Context
    from schedlint.lint.settings import Settings

    ctx = Context(None, plan, Settings())  # type: ignore[arg-type]
    ctx._curve = curve
    return ctx


def _values(curve, param: str):
    """The curve's values of 'lr' or 'momentum' as its Series (None: none); a long decay held lazily is not
    expanded to one number per iteration unless an event needs every one of them."""
    values = curve.series(param)
    return values if values is not None and len(values) else None


def _value(curve, param: str, iteration: float) -> Optional[float]:
    values = curve.series(param)  # (one value: the runs, not the whole curve expanded)
    if values is None or not len(values):
        return None
    i = int(min(max(iteration, 0), len(values) - 1))
    return float(values[i])


def phases(plan: Plan, curve) -> List[Phase]:
    """Every scheduler of the plan (or mmcv-1.x policy) as a phase, in config order."""
    from schedlint.rules.windows import window

    total = plan.horizon.total_iters
    out: List[Phase] = []
    if plan.schedulers:
        ctx = _context(plan, curve)
        for s in plan.schedulers:
            w = window(ctx, s)
            start = int(min(max(w.start, 0), total)) if math.isfinite(w.start) else total
            stop = int(min(max(w.stop, start), total)) if math.isfinite(w.stop) else total
            active = stop > start
            out.append(Phase(
                index=s.index, type=s.type, param=s.param, start=start, stop=stop, planned_stop=w.stop,
                start_value=_value(curve, s.param, start) if active else None,
                end_value=_value(curve, s.param, stop - 1) if active else None,
                location=s.locs.get("self"), by_epoch=s.by_epoch and not s.converted,
            ))
    hook = plan.scheduler_hook
    if hook is not None and hook.known and plan.scheduler_hook_enabled:
        # a hook that replaces ParamSchedulerHook (mmyolo's) drives the LR, and its momentum warm-up
        for param in ("lr", "momentum"):
            values = _values(curve, param)
            if values is None or param == "momentum" and float(values.min()) == float(values.max()):
                continue
            out.append(Phase(
                index=None, type=f"{hook.type} (hook)", param=param, start=0, stop=total, planned_stop=total,
                start_value=_value(curve, param, 0), end_value=_value(curve, param, total - 1),
                location=hook.locs.get("self"), by_epoch=False,
            ))
    for policy in plan.legacy:
        out.append(Phase(
            index=None, type=f"{policy.policy} ({policy.param}_config)", param=policy.param, start=0, stop=total,
            planned_stop=total, start_value=_value(curve, policy.param, 0),
            end_value=_value(curve, policy.param, total - 1), location=policy.locs.get("self"),
            by_epoch=policy.by_epoch,
        ))
    return out


def _scheduler_of(plan: Plan, finding: Finding) -> Optional[Scheduler]:
    loc = finding.location
    for s in plan.schedulers:
        for value in s.locs.values():
            if value.file == loc.file and value.line == loc.line and value.col == loc.col:
                return s
    for s in plan.schedulers:  # a finding on a line of the scheduler's dict
        own = s.locs.get("self")
        if own is not None and own.file == loc.file and own.line <= loc.line <= (own.end_line or own.line):
            return s
    return None


def schedule_events(plan: Plan, curve, findings: Iterable[Finding] = (), tail_fraction: float = 0.25) -> List[Event]:
    """The events of a schedule, in order, each tied to the findings that explain it.

    `tail_fraction` is accepted for old callers and unused: the rules' findings decide what is notable.
    """
    from schedlint.rules.windows import window

    total = plan.horizon.total_iters
    events: List[Event] = []
    if total <= 0:
        return events
    ctx = _context(plan, curve) if plan.schedulers else None
    for param in ("lr", "momentum"):
        values = _values(curve, param)
        if values is None:
            continue
        scheds = [s for s in plan.schedulers if s.param == param]
        windows = {s.index: window(ctx, s) for s in scheds} if ctx is not None else {}
        events += _param_events(plan, curve, param, values, scheds, windows)
    if curve.stopped_at is not None:
        events.append(Event("crash", "lr", curve.stopped_at, None, "mmengine raises here",
                            f"training would crash at {where(plan, curve.stopped_at)}", notable=True,
                            short=f"mmengine raises at {brief(plan, curve.stopped_at)}"))
    frozen_at = {(e.param, e.start) for e in events if e.kind == "frozen"}
    events = [e for e in events if not (e.kind == "scheduler-end" and (e.param, e.start) in frozen_at)]
    _link(plan, events, list(findings))
    events.sort(key=lambda e: (e.start, e.kind))
    return events


def _param_events(plan: Plan, curve, param: str, values, scheds: List[Scheduler],
                  windows: Dict[int, object]) -> List[Event]:
    """The events of one parameter ('lr' or 'momentum'), in the order they are reported before sorting:
    scheduler ends, cosine climbs, the frozen tail, truncations, momentum near 1."""
    events = _end_events(plan, curve, param, scheds, windows)
    events += _cosine_climbs(plan, curve, param, scheds, windows)
    if scheds:
        events += _frozen_after_schedulers(plan, curve, param, scheds, windows)
    elif plan.legacy or not plan.schedulers:
        events += _frozen_values(plan, param, values)
    events += _truncations(plan, curve, param, scheds, windows)
    if param == "momentum":
        events += _momentum_near_one(plan, values)
    return events


def _end_events(plan: Plan, curve, param: str, scheds: List[Scheduler], windows: Dict[int, object]) -> List[Event]:
    """A warm-up ending or a scheduler stopping, for each scheduler that stops inside training."""
    from schedlint.rules.windows import is_warmup

    total = plan.horizon.total_iters
    word = param_word(plan, param)
    events: List[Event] = []
    for s in scheds:
        w = windows[s.index]
        if not (math.isfinite(w.stop) and 0 < w.stop < total and w.stop > w.start):
            continue
        name = f"{s.type}[{s.index}]"
        if is_warmup(s):
            events.append(Event("warmup-end", param, w.stop, None, "warm-up ends",
                                f"the {word} warm-up ({name}) ends at {where(plan, w.stop)}; "
                                f"{word} {value_text(_value(curve, param, w.stop))}", s.index,
                                short=f"the {word} warm-up ends at {brief(plan, w.stop)}"))
        else:
            events.append(Event("scheduler-end", param, w.stop, None, f"{name} ends",
                                f"{name} stops at {where(plan, w.stop)} with {word} at "
                                f"{value_text(_value(curve, param, w.stop - 1))}", s.index,
                                short=f"{name} ends at {brief(plan, w.stop)}"))
    return events


def _cosine_climbs(plan: Plan, curve, param: str, scheds: List[Scheduler], windows: Dict[int, object]
                   ) -> List[Event]:
    """A cosine whose T_max is shorter than its range: it reaches eta_min, then climbs (or falls) back."""
    from schedlint.rules.windows import COSINE_TYPES

    events: List[Event] = []
    for s in scheds:
        if s.type in COSINE_TYPES and not (s.by_epoch and plan.horizon.loop == "iter"):
            event = _cosine_climb(plan, curve, param, s, windows[s.index])
            if event is not None:
                events.append(event)
    return events


def _cosine_climb(plan: Plan, curve, param: str, s: Scheduler, w) -> Optional[Event]:
    """The cosine-climb event of one cosine scheduler, or None when its trough is not inside its range."""
    total = plan.horizon.total_iters
    word = param_word(plan, param)
    t_max = s.args.get("T_max")
    if not isinstance(t_max, (int, float)) or isinstance(t_max, bool) or t_max <= 0:
        return None
    scale = plan.horizon.epoch_length if s.by_epoch else 1
    trough = w.start + t_max * scale
    stop = min(w.stop, total)
    if trough + scale >= stop:
        return None
    low, back = _value(curve, param, trough), _value(curve, param, stop - 1)
    verb = "climbs" if back is None or low is None or back >= low else "falls"
    return Event(
        "cosine-climb", param, trough, stop, f"cosine {verb} back",
        f"{s.type}[{s.index}] reaches eta_min ({word} {value_text(low)}) at {where(plan, trough)} "
        f"because T_max is shorter than its range, then {verb} back to {value_text(back)} by "
        f"{where(plan, stop)}",
        s.index,
        short=f"the cosine {word} {verb} back from {brief(plan, trough)} (to {value_text(back)})")


def _frozen_after_schedulers(plan: Plan, curve, param: str, scheds: List[Scheduler], windows: Dict[int, object]
                             ) -> List[Event]:
    """The value frozen after the last scheduler stops (none when a flat scheduler runs to the end)."""
    from schedlint.rules.windows import is_flat

    total = plan.horizon.total_iters
    word = param_word(plan, param)
    stops = [windows[s.index].stop for s in scheds]
    last_stop = max(stops)
    if not 0 < last_stop < total or any(is_flat(s) and windows[s.index].stop >= total for s in scheds):
        return []
    last = max(scheds, key=lambda s: windows[s.index].stop)
    tail = total - last_stop
    frozen = _value(curve, param, total - 1)
    return [Event(
        "frozen", param, last_stop, total, "scheduler stops here",
        f"every {word} scheduler stops by {where(plan, last_stop)}: {word} frozen at "
        f"{value_text(frozen)} for the last {span_text(plan, tail)} ({tail / total:.0%} of training)",
        last.index,
        short=f"{word} frozen at {value_text(frozen)} from {brief(plan, last_stop)}")]


def _frozen_values(plan: Plan, param: str, values) -> List[Event]:
    """Without schedulers (legacy policies, or none): the value frozen after it last changes."""
    total = plan.horizon.total_iters
    word = param_word(plan, param)
    values = np.asarray(values)
    changes = np.flatnonzero(np.abs(np.diff(values)) > 1e-12 * np.maximum(np.abs(values[1:]), 1e-30))
    if not (len(changes) and changes[-1] + 1 < total - 1):
        return []
    last_stop = int(changes[-1]) + 1
    tail = total - last_stop
    if tail <= 0:
        return []
    return [Event(
        "frozen", param, last_stop, total, "schedule stops here",
        f"{word} stops changing at {where(plan, last_stop)} and stays at "
        f"{value_text(float(values[-1]))} for the last {span_text(plan, tail)} "
        f"({tail / total:.0%} of training)", None,
        short=f"{word} frozen at {value_text(float(values[-1]))} from {brief(plan, last_stop)}")]


def _truncations(plan: Plan, curve, param: str, scheds: List[Scheduler], windows: Dict[int, object]
                 ) -> List[Event]:
    """Training stopping before a scheduler's end."""
    total = plan.horizon.total_iters
    word = param_word(plan, param)
    events: List[Event] = []
    for s in scheds:
        w = windows[s.index]
        if math.isfinite(w.stop) and w.start < total < w.stop:
            planned = w.stop
            events.append(Event(
                "truncated", param, total, None, "training stops before the schedule ends",
                f"training stops at {where(plan, total)}, before {s.type}[{s.index}] reaches its end at "
                f"{where(plan, planned)}; {word} ends at {value_text(_value(curve, param, total - 1))}",
                s.index, short=f"training stops before {s.type}[{s.index}] ends"))
    return events


def _momentum_near_one(plan: Plan, values) -> List[Event]:
    """Momentum/beta1 at or above MOMENTUM_NEAR_ONE: the running average of gradients barely updates."""
    total = plan.horizon.total_iters
    word = param_word(plan, "momentum")
    if float(values.max()) < MOMENTUM_NEAR_ONE:  # (the extremes of a lazy series come from its parts)
        return []
    near = np.flatnonzero(np.asarray(values) >= MOMENTUM_NEAR_ONE)
    if not len(near):
        return []
    first = int(near[0])
    return [Event(
        "momentum-near-one", "momentum", first, int(near[-1]) + 1, f"{word} → 1",
        f"{word} reaches {MOMENTUM_NEAR_ONE:g} at {where(plan, first)} and peaks at "
        f"{value_text(float(values.max()))}: the optimizer's running average of gradients barely updates"
        + (f" for the last {span_text(plan, total - first)}" if near[-1] >= total - 1 else ""),
        short=f"{word} at {MOMENTUM_NEAR_ONE:g} or above from {brief(plan, first)}")]


def _link(plan: Plan, events: List[Event], findings: List[Finding]) -> None:
    for finding in findings:
        kinds = _CODE_KINDS.get(finding.code)
        if not kinds:
            continue
        s = _scheduler_of(plan, finding)
        for event in events:
            if event.kind not in kinds:
                continue
            if s is not None and event.param != s.param:
                continue
            if s is not None and event.kind in ("cosine-climb", "truncated", "scheduler-end") \
                    and event.scheduler != s.index:
                continue
            if finding.code not in event.codes:
                event.codes.append(finding.code)
            event.notable = True
