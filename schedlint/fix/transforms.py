"""What a fix changes, independent of where it is written: new scheduler dicts for one config.

Each transform looks at one resolved config (a rules `Context`) and returns the fixed version of
the schedulers it touches, as plain dicts in config units (epochs for `convert_to_iter_based`
schedulers), with a human note per changed value. `schedlint.fix.place` turns that into text edits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Tuple

from schedlint.fix.relations import _distinct, _fmt, _keep_relations, _number, _same_kind  # noqa: F401 (re-exported)
from schedlint.loader.values import plain
from schedlint.model import Finding
from schedlint.plan.model import Scheduler
from schedlint.plan.mmengine import POSITION_ARGS
from schedlint.rules.windows import COSINE_TYPES, STEP_TYPES, is_warmup

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.rules.base import Context

#: the codes whose findings mean "the schedule does not fit the training length"
LENGTH_CODES = ("SL001", "SL002", "SL003", "SL004")
#: codes a safe fix exists for
SAFE_CODES = ("SL001", "SL005", "SL006")
#: codes the momentum repair (unsafe) is attached to
MOMENTUM_CODES = ("SL102",)

_DROPPED_KEYS = ("_scope_",)


def _same(a: Any, b: Any) -> bool:
    """Equal values, NaN equal to NaN (a NaN argument the fix leaves alone is not a change)."""
    return a is b or a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)


@dataclass
class Change:
    """The fixed version of one scheduler of a config."""

    index: int  # position among plan.schedulers
    path: Tuple[Any, ...]  # where it lives in the config, e.g. ('param_scheduler', 1)
    old: Dict[str, Any]  # the resolved config dict (plain values)
    new: Dict[str, Any]  # the fixed dict (same key order where possible)
    notes: List[str] = field(default_factory=list)
    #: source to write for some new values (kept functions of their names: `max_epochs // 2`)
    expressions: Dict[str, str] = field(default_factory=dict)

    @property
    def changed_keys(self) -> List[str]:
        """Keys added or given another value."""
        return [k for k in self.new if k not in self.old or not _same(self.old[k], self.new[k])]

    @property
    def removed_keys(self) -> List[str]:
        """Keys the fixed dict no longer has."""
        return [k for k in self.old if k not in self.new]

    @property
    def replaces_type(self) -> bool:
        """Whether the scheduler becomes another type."""
        return self.old.get("type") != self.new.get("type")


@dataclass
class Transform:
    """A fix kind applied to one config: the scheduler changes and what they mean."""

    kind: str  # 'stale-end', 'cosine-tmax', 'rescale', 'cosine', 'momentum'
    applicability: str  # 'safe', 'unsafe' or 'display-only' (needs an option of `fix`)
    summary: str  # one line: what the fix does
    changes: Dict[int, Change] = field(default_factory=dict)
    findings: List[Finding] = field(default_factory=list)  # the findings it answers
    option: Optional[str] = None  # the `fix` option it needs ('--rescale', '--cosine'), if any
    done: str = ""  # what was done, for a comment above a rewritten list ("rescaled from 20 to 40 epochs")

    @property
    def codes(self) -> List[str]:
        """Codes of the findings the transform answers."""
        return sorted({f.code for f in self.findings})

    @property
    def notes(self) -> List[str]:
        """What changed, value by value."""
        return [n for c in self.changes.values() for n in c.notes]


# ---------------------------------------------------------------------------------------------
# helpers


def config_dict(ctx: "Context", s: Scheduler) -> Dict[str, Any]:
    """The scheduler's config dict as resolved (plain values, `_scope_` dropped)."""
    value = ctx.resolved.get(*s.path)
    if not isinstance(value, dict):
        return dict(s.raw)
    return {k: plain(v) for k, v in value.items() if k not in _DROPPED_KEYS}


def raw_horizon(ctx: "Context", s: Scheduler) -> Optional[float]:
    """The end of training in the unit the config writes this scheduler's positions in (None when
    that would rest on an estimated epoch length, or the unit does not step under this loop)."""
    h = ctx.plan.horizon
    epoch_unit = bool(s.raw.get("by_epoch", True))
    if h.loop == "epoch":
        if epoch_unit:
            return h.max_epochs
        if h.max_epochs and h.epoch_length_source.startswith("given"):
            return h.max_epochs * h.epoch_length
        return None
    return None if epoch_unit else h.max_iters


def schedulers_at(ctx: "Context", finding: Finding, types: Optional[Sequence[str]] = None) -> List[Scheduler]:
    """The schedulers a finding points at (its location is one of theirs)."""
    loc = finding.location
    out = []
    for s in ctx.plan.schedulers:
        if types is not None and s.type not in types:
            continue
        for key, where in s.locs.items():
            if (where.file, where.line, where.col) == (loc.file, loc.line, loc.col):
                out.append(s)
                break
    if len(out) > 1:  # a location shared by several schedulers (a loop): prefer the one the message names
        named = [s for s in out if f"param_scheduler[{s.index}]" in finding.message]
        out = named or out
    return out


def _note(key: str, old: Any, new: Any) -> str:
    return f"{key} {_fmt(old)} -> {_fmt(new)}"


# ---------------------------------------------------------------------------------------------
# 1. stale end (SL001)


def stale_end(ctx: "Context", finding: Finding) -> Optional[Transform]:
    """Extend the `end` of a step scheduler whose planned decays lie behind it."""
    for s in schedulers_at(ctx, finding, STEP_TYPES):
        if s.end_defaulted:
            continue
        old = config_dict(ctx, s)
        horizon = raw_horizon(ctx, s)
        end, begin = old.get("end"), old.get("begin", 0)
        if horizon is None or not _number(end) or not _number(begin) or end >= horizon:
            continue
        decays = _planned_decays(old)
        lost = [p for p in decays if end <= p < horizon]
        if not lost:
            continue
        new_end = horizon
        for other in ctx.plan.schedulers:  # do not run into the next phase of the same parameter
            if other is s or other.param != s.param or is_warmup(other):
                continue
            other_begin = other.raw.get("begin", 0)
            if _number(other_begin) and bool(other.raw.get("by_epoch", True)) == bool(old.get("by_epoch", True)):
                if end <= other_begin < new_end:
                    new_end = other_begin
        if new_end <= max(lost):
            continue
        new_end = _same_kind(end, new_end) if isinstance(end, int) else float(new_end)
        new = dict(old)
        new["end"] = new_end
        change = Change(s.index, s.path, old, new, [_note("end", end, new_end)])
        return Transform(
            "stale-end",
            "safe",
            f"extend end from {_fmt(end)} to {_fmt(new_end)} so the decays at {_fmt(lost)} happen",
            {s.index: change},
            [finding],
            done=f"with end of {s.type} (param_scheduler[{s.index}]) extended to {_fmt(new_end)}",
        )
    return None


def _planned_decays(cfg: Dict[str, Any]) -> List[float]:
    """Positions (config unit) where a step scheduler plans a decay."""
    begin = cfg.get("begin", 0)
    if not _number(begin):
        return []
    milestones = cfg.get("milestones")
    if isinstance(milestones, (list, tuple)):
        return sorted(begin + m for m in milestones if _number(m))
    step = cfg.get("step_size")
    if _number(step) and step > 0:
        return [begin + step]
    return []


# ---------------------------------------------------------------------------------------------
# 2. cosine T_max (SL005, SL006)


def cosine_tmax(ctx: "Context", finding: Finding) -> Optional[Transform]:
    """Set a cosine's `T_max` to its active range (`end - begin`)."""
    for s in schedulers_at(ctx, finding, COSINE_TYPES):
        old = config_dict(ctx, s)
        t_max, begin = old.get("T_max"), old.get("begin", 0)
        if not _number(t_max) or not _number(begin):
            continue
        end = old.get("end")
        if end is None:
            end = raw_horizon(ctx, s)
        if not _number(end) or end <= begin:
            continue
        span = end - begin
        new_t = _same_kind(t_max, span) if isinstance(t_max, int) else float(span)
        if isinstance(t_max, int) and not isinstance(new_t, int):
            continue
        if new_t == t_max:
            continue
        new = dict(old)
        new["T_max"] = new_t
        change = Change(s.index, s.path, old, new, [_note("T_max", t_max, new_t)])
        return Transform(
            "cosine-tmax",
            "safe",
            f"set T_max from {_fmt(t_max)} to {_fmt(new_t)}, the scheduler's active range ({_fmt(begin)} to {_fmt(end)})",
            {s.index: change},
            [finding],
            done=f"with T_max of {s.type} (param_scheduler[{s.index}]) set to its active range",
        )
    return None


# ---------------------------------------------------------------------------------------------
# 3. rescale (--rescale)


HorizonOf = Callable[[str], Optional[Tuple[str, float]]]


def rescale(ctx: "Context", findings: List[Finding], horizon_of: HorizonOf) -> Optional[Transform]:
    """Scale every schedule position written for an older training length to the current one.

    `horizon_of(file)` gives ('epoch'|'iter', length) of a config file resolved on its own: the
    length the positions written in that file were meant for. Positions written in the file that
    sets the current length, and iteration-based warm-ups, are kept.
    """
    h = ctx.plan.horizon
    new_len = h.max_epochs if h.loop == "epoch" else h.max_iters
    horizon_loc = h.locs.get("max_epochs" if h.loop == "epoch" else "max_iters") or h.locs.get("train_cfg")
    if not new_len or horizon_loc is None:
        return None
    list_loc = ctx.resolved.loc("param_scheduler")
    changes: Dict[int, Change] = {}
    olds: List[Tuple[str, float]] = []

    def kept_warmup(s: Scheduler) -> bool:
        """An iteration warm-up: its length does not depend on the training length (unless, under an
        iteration loop, it takes more than a tenth of the old run: then it is part of the schedule)."""
        if bool(s.raw.get("by_epoch", True)) or not is_warmup(s):
            return False
        end, loc = s.raw.get("end"), ctx.resolved.loc(*s.path, "end")
        if h.loop == "iter" and _number(end) and loc is not None:
            found = horizon_of(loc.file)
            return not (found and found[0] == "iter" and end > 0.1 * found[1])
        return True

    kept_warmup_ends = {s.raw["end"] for s in ctx.plan.schedulers if kept_warmup(s) and _number(s.raw.get("end"))}
    flat_len = _flattened_length(ctx, findings, kept_warmup)
    for s in ctx.plan.schedulers:
        old = config_dict(ctx, s)
        epoch_unit = bool(old.get("by_epoch", True))
        if h.loop == "iter" and epoch_unit and not old.get("convert_to_iter_based"):
            return None  # frozen epoch schedulers under an iteration loop: not a length problem
        if kept_warmup(s):
            continue
        new = dict(old)
        notes: List[str] = []
        ratios: Dict[str, Tuple[float, float]] = {}
        for key in ("begin", "end") + POSITION_ARGS:
            if key not in old:
                continue
            loc = ctx.resolved.loc(*s.path, key) or list_loc
            if loc is None:
                continue
            if key == "begin" and not epoch_unit and old[key] in kept_warmup_ends:
                continue
            source = loc.file
            if flat_len is not None:
                found = (h.loop, flat_len)
            elif loc.file == horizon_loc.file:
                # set next to the current length: chosen by the user, unless it is a copy of the
                # value a base wrote for its own length (e.g. a list an earlier fix wrote here)
                inherited = getattr(horizon_of, "inherited", None)
                copied = inherited(ctx.resolved.bases, s.path + (key,)) if inherited else None
                ours = getattr(horizon_of, "rescaled_for", None)
                written_for = ours(loc.file, loc.line) if ours else None
                if written_for is not None and written_for[0] == h.loop:
                    found = written_for  # an earlier `fix --rescale` wrote it for that length
                elif copied is None or copied[0] != old[key]:
                    continue
                else:
                    source, found = copied[1], horizon_of(copied[1])
            else:
                found = horizon_of(source)
            if found is None or found[0] != h.loop:
                continue
            old_len = found[1]
            if not old_len or old_len == new_len:
                continue
            ratios[key] = (old_len, new_len)
            olds.append((source, old_len))
            scaled, note = _scale(key, old[key], old_len, new_len)
            if scaled is None:
                return None
            new[key] = scaled
            if note:
                notes.append(note)
        if not ratios:
            continue
        _keep_relations(old, new, ratios, new_len, notes)
        if new == old:
            continue
        for key in new:
            if key in old and not _same(new[key], old[key]) and not any(n.startswith(key + " ") for n in notes):
                notes.append(_note(key, old[key], new[key]))
        notes.sort(key=lambda n: list(new).index(n.split(" ")[0]) if n.split(" ")[0] in new else 99)
        changes[s.index] = Change(s.index, s.path, old, new, notes)
    if not changes:
        return None
    old_lengths = sorted({length for _, length in olds})
    unit = "epochs" if h.loop == "epoch" else "iterations"
    old_text = " and ".join(_fmt(_same_kind(1, o)) for o in old_lengths)
    summary = f"rescale the schedule from {old_text} to {_fmt(new_len)} {unit}"
    return Transform("rescale", "display-only", summary, changes, list(findings), option="--rescale",
                     done=f"rescaled from {old_text} to {_fmt(new_len)} {unit}")


def _flattened_length(ctx: "Context", findings: List[Finding], kept_warmup: Callable[[Scheduler], bool]
                      ) -> Optional[float]:
    """The length a flattened copy's schedule was written for (a config dumped with a run: every position
    and the training length in one file, no base to ask): where its last scheduler ends, when SL004 says
    the schedule ends before training does. None for ordinary configs."""
    if ctx.resolved.bases or not any(f.code == "SL004" for f in findings):
        return None
    h = ctx.plan.horizon
    files = {loc.file for s in ctx.plan.schedulers for loc in s.locs.values()}
    horizon_loc = h.locs.get("max_epochs" if h.loop == "epoch" else "max_iters")
    if horizon_loc is None or files - {horizon_loc.file}:
        return None
    ends = [s.raw.get("end") for s in ctx.plan.schedulers if not kept_warmup(s)]
    ends = [e for e in ends if _number(e)]
    new_len = h.max_epochs if h.loop == "epoch" else h.max_iters
    if not ends or not new_len or max(ends) >= new_len:
        return None
    return float(max(ends))


def _scale(key: str, value: Any, old_len: float, new_len: float) -> Tuple[Any, Optional[str]]:
    """A position scaled by new/old: integers stay integers (rounded, with a note, if need be)."""
    if isinstance(value, (list, tuple)):
        out, notes = [], []
        for v in value:
            scaled, note = _scale(key, v, old_len, new_len)
            if scaled is None:
                return None, None
            out.append(scaled)
            if note:
                notes.append(note)
        return (type(value)(out) if isinstance(value, tuple) else out), "; ".join(notes) or None
    if not _number(value):
        return None, None
    exact = value * new_len / old_len
    if isinstance(value, int):
        if abs(exact - round(exact)) < 1e-9:
            return int(round(exact)), None
        rounded = int(math.floor(exact + 0.5))
        return rounded, f"{key} {value} -> {exact:g}, rounded to {rounded}"
    return float(f"{exact:.12g}"), None


__all__ = [
    "Change",
    "LENGTH_CODES",
    "MOMENTUM_CODES",
    "SAFE_CODES",
    "Transform",
    "config_dict",
    "cosine_tmax",
    "rescale",
    "stale_end",
]
