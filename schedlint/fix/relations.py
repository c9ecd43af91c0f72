"""Keeping a scheduler's positions consistent after `fix --rescale` rounds them.

Rescaling each position on its own can break what held between them: `T_max == end - begin`, milestones
inside the window, a step_size shorter than it, `end` after `begin`. These helpers restore those
relations on the rescaled dict (with a note per change), plus the small value helpers the transforms share.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Tuple


def _number(value: Any) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _same_kind(template: Any, value: float) -> Any:
    """`value` as an int when `template` is an int and `value` is integral."""
    if isinstance(template, int) and not isinstance(template, bool) and abs(value - round(value)) < 1e-9:
        return int(round(value))
    return value


def _fmt(value: Any) -> str:
    """A value as a note writes it (floats short, lists element by element)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        return f"{value:g}" if abs(value - round(value)) > 1e-9 else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return str(value)


def _distinct(milestones: List[Any], limit: Any) -> List[Any]:
    """Integer milestones that rounding made equal, moved apart by one step where the window has
    room (two equal milestones decay twice at once); unchanged when it has none."""
    if len(milestones) < 2 or not all(isinstance(m, int) and not isinstance(m, bool) for m in milestones):
        return milestones
    out = list(milestones)
    for i in range(1, len(out)):
        if out[i] <= out[i - 1]:
            out[i] = out[i - 1] + 1
    if _number(limit):
        for i in range(len(out) - 1, -1, -1):
            top = (limit - 1) if i == len(out) - 1 else out[i + 1] - 1
            out[i] = min(out[i], top)
    if out[0] < 1 or any(b <= a for a, b in zip(out, out[1:])):
        return milestones
    return out


def _keep_relations(old: Dict[str, Any], new: Dict[str, Any], ratios: Dict[str, Tuple[float, float]],
                    new_len: float, notes: List[str]) -> None:
    """Keep `T_max == end - begin` (and OneCycle's `total_steps`) exact after rounding, and
    milestones inside the window they were inside."""
    _keep_milestones(old, new, ratios, new_len, notes)
    _keep_step_size(old, new, ratios, notes)
    _keep_end_after_begin(old, new, notes)
    ends = (old["end"], new["end"]) if "end" in old else (None, None)
    for key in ("T_max", "total_steps"):
        _keep_span(key, old, new, ratios, new_len, ends, notes)


def _keep_milestones(old: Dict[str, Any], new: Dict[str, Any], ratios: Dict[str, Tuple[float, float]],
                     new_len: float, notes: List[str]) -> None:
    """Rescaled milestones that were inside the window stay inside it (and distinct), noted when moved."""
    begin_old, begin_new = old.get("begin", 0), new.get("begin", 0)
    if not (isinstance(old.get("milestones"), (list, tuple)) and "milestones" in ratios and _number(begin_old)):
        return
    has_end = _number(old["end"] if "end" in old else None)
    limit_old = (old["end"] - begin_old) if has_end else ratios["milestones"][0] - begin_old
    limit_new = (new["end"] - begin_new) if has_end else new_len - begin_new
    fixed = []
    for m_old, m_new in zip(old["milestones"], new["milestones"]):
        if _number(m_old) and 0 < m_old < limit_old and _number(m_new):
            m_new = min(max(m_new, 1 if isinstance(m_new, int) else m_new), limit_new - 1)
        fixed.append(m_new)
    fixed = _distinct(fixed, limit_new)
    if fixed != list(new["milestones"]):
        new["milestones"] = fixed
        notes.append(f"milestones kept inside the window: {_fmt(fixed)}")


def _keep_step_size(old: Dict[str, Any], new: Dict[str, Any], ratios: Dict[str, Tuple[float, float]],
                    notes: List[str]) -> None:
    """A rescaled step_size that was shorter than the window stays shorter than it, noted when moved."""
    begin_old, begin_new = old.get("begin", 0), new.get("begin", 0)
    span_old = (old["end"] if "end" in old else None)
    step = old.get("step_size")
    if "step_size" in ratios and _number(step) and _number(span_old) and _number(begin_old) and step < span_old - begin_old:
        limit = new["end"] - begin_new
        if new["step_size"] >= limit:
            new["step_size"] = max(1, limit - 1) if isinstance(new["step_size"], int) else limit / 2
            notes.append(f"step_size kept inside the window: {_fmt(new['step_size'])}")


def _keep_end_after_begin(old: Dict[str, Any], new: Dict[str, Any], notes: List[str]) -> None:
    """An `end` that rounding put at or before `begin` (when it was after it) moves to `begin + 1`, noted."""
    begin_new = new.get("begin", 0)
    if not (_number(begin_new) and "end" in new and _number(new["end"])):
        return
    if new["end"] <= begin_new < (old["end"] if _number(old.get("end")) else begin_new + 1):
        new["end"] = begin_new + 1
        notes.append(f"end {_fmt(old['end'])} -> {_fmt(new['end'])} (kept after begin)")


def _keep_span(key: str, old: Dict[str, Any], new: Dict[str, Any], ratios: Dict[str, Tuple[float, float]],
               new_len: float, ends: Tuple[Any, Any], notes: List[str]) -> None:
    """`key` (T_max or total_steps) that spanned the window (end - begin, or the training length without an
    end) spans the new one exactly; its note replaces any earlier note on it. `ends`: (old end, new end), or
    (None, None) without one."""
    begin_old, begin_new = old.get("begin", 0), new.get("begin", 0)
    if key not in old or not _number(old[key]) or not _number(begin_old):
        return
    end_old, end_new = ends
    if end_old is not None and _number(end_old) and old[key] == end_old - begin_old:
        target = end_new - begin_new
    elif end_old is None and key in ratios and old[key] == ratios[key][0] - begin_old:
        target = new_len - begin_new
    else:
        return
    target = _same_kind(old[key], target)
    if new[key] != target or any(n.startswith(key + " ") for n in notes):
        notes[:] = [n for n in notes if not n.startswith(key + " ")]
        notes.append(f"{key} {_fmt(old[key])} -> {_fmt(target)} (= end - begin)")
        new[key] = target
