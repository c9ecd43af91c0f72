"""What the logged LR itself shows: warm-up, drops, rises and warm restarts, a freeze; and the check
that the logged LR is the one the config plans (per param group, from `base_lr` when logged).

These are the *run events*: with a config they stand beside the schedule events of the rules'
findings; without one they are the only account of the schedule a diagnosis has.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from schedlint.runs.events import MOMENTUM_NEAR_ONE, Event, value_text
from schedlint.runs.model import RunLog

__all__ = ["lr_events", "momentum_events", "compare_lr"]

# a relative change below this is float32 storage (TensorBoard), not the schedule. Any larger change is real: a
# value printed to a few digits (`1.0000e-02`) is constant while the LR is, and a slow decay (a cosine's 0.05%
# per logged point) is a decay, not a freeze
_STEADY = 1e-6
_JUMP = 1.5  # a change by this factor within two logged points is a step (a drop) or a restart (a rise)
# mmcv's .log.json rounds every float to 5 decimals (TextLoggerHook._round_float): an LR of 1e-5 or less is
# known only to that unit (0.0 is "below 5e-6"), so no factor between two such values is known
_ROUNDED_TO = {"mmcv-json": 1e-5}


def _directions(lr: np.ndarray) -> np.ndarray:
    prev, nxt = lr[:-1], lr[1:]
    base = np.maximum(np.abs(prev), 1e-30)
    rel = (nxt - prev) / base
    return np.where(rel > _STEADY, 1, np.where(rel < -_STEADY, -1, 0))


def _runs(d: np.ndarray, sign: int, gap: int = 2) -> List[Tuple[int, int]]:
    """(first, last) point indexes of stretches moving in `sign` (short steady gaps bridged)."""
    out: List[Tuple[int, int]] = []
    k = 0
    n = len(d)
    while k < n:
        if d[k] != sign:
            k += 1
            continue
        start, end = k, k
        j = k + 1
        while j < n:
            if d[j] == sign:
                end = j
                j += 1
            elif d[j] == 0 and j - end <= gap:
                j += 1
            else:
                break
        out.append((start, end + 1))
        k = end + 1
    return out


def _steepening(lr: np.ndarray, i: int, j: int) -> bool:
    """Whether the fall from point i to j continues a decay already falling at a third of its pace per point or
    more just before it: the end of a poly decay (each logged point 15%, 20%, 35%... below the one before) is not
    a step, which comes after a flat or slow stretch."""
    if i < 1 or not lr[i - 1] > lr[i] > 0 or not lr[j] > 0:
        return False
    return math.log(lr[i - 1] / lr[i]) >= math.log(lr[i] / lr[j]) / (j - i) / 3


def _drops(lr: np.ndarray, unit: float) -> List[Tuple[int, int]]:
    """(before, after) point indexes of each step down by `_JUMP` or more within two logged points (a step
    decay; the slow decay around it, a poly or a cosine, does not hide it)."""
    out: List[Tuple[int, int]] = []
    i, n = 0, len(lr)
    while i < n - 1:
        for span in (1, 2):
            j = i + span
            # (over two points: a step the log catches halfway, both points below the one before)
            if j < n and all(lr[k + 1] < lr[k] for k in range(i, j)) and lr[i] >= _JUMP * max(float(lr[j]), unit) \
                    and not _steepening(lr, i, j):
                out.append((i, j))
                i = j
                break
        else:
            i += 1
    return out


def lr_events(log: RunLog, tail_fraction: float = 0.25) -> List[Event]:
    """Events read from the logged LR: warm-up end, drops, rises, warm restarts, the LR frozen after a decay."""
    if not log.has("lr"):
        return []
    x, lr = log.series("lr")
    if len(lr) < 4:
        return []
    total = max(log.total_iters, 1)
    w = log.where
    unit = _ROUNDED_TO.get(log.kind, 0.0)  # values at or below it do not tell a factor
    d = _directions(lr)
    events: List[Event] = []
    ups = _runs(d, 1)
    if ups and ups[0][0] <= 1:
        a, b = ups.pop(0)
        events.append(Event("warmup-end", "lr", float(x[b]), None, "warm-up ends (log)",
                            f"the logged LR warms up from {value_text(float(lr[a]))} to {value_text(float(lr[b]))} "
                            f"by {w(x[b])}", short=f"the LR warm-up ends at {w(x[b])}"))
    elif ups and not d[:ups[0][0]].any() and ups[0][1] - ups[0][0] <= 2:
        # held from the start, then one step up (mmcv's warmup='constant'): a warm-up's end, no restart of a decay
        a, b = ups.pop(0)
        events.append(Event("warmup-end", "lr", float(x[b]), None, "warm-up ends (log)",
                            f"the logged LR holds at {value_text(float(lr[a]))} from the start, then steps up to "
                            f"{value_text(float(lr[b]))} at {w(x[a])} (a constant warm-up)",
                            short=f"the LR's constant warm-up ends at {w(x[a])}"))
    for a, b in ups:
        low, high = float(lr[a]), float(lr[b])
        if high < 1.05 * low or high < _JUMP * max(low, unit):
            continue
        if b - a <= 2 and high >= _JUMP * low:
            events.append(Event("restart", "lr", float(x[a]), float(x[b]), "LR restarts (log)",
                                f"the logged LR jumps from {value_text(low)} to {value_text(high)} at {w(x[a])} "
                                "(a warm restart)", notable=True,
                                short=f"the logged LR jumps back up from {value_text(low)} to {value_text(high)} at "
                                      f"{w(x[a])}"))
        else:
            events.append(Event("rise", "lr", float(x[a]), float(x[b]), "LR climbs (log)",
                                f"the logged LR climbs from {value_text(low)} at {w(x[a])} to {value_text(high)} at "
                                f"{w(x[b])}", notable=True,
                                short=f"the logged LR climbs from {value_text(low)} to {value_text(high)} from "
                                      f"{w(x[a])}"))
    for a, b in _drops(lr, unit):
        events.append(Event("drop", "lr", float(x[a]), None, "LR drops (log)",
                            f"the logged LR drops from {value_text(float(lr[a]))} to {value_text(float(lr[b]))} at "
                            f"{w(x[a])}", short=f"the LR drops to {value_text(float(lr[b]))} at {w(x[a])}"))
    changes = np.flatnonzero(d != 0)
    if len(changes):
        frozen_from = int(x[changes[-1] + 1])
        tail = (total - frozen_from) / total
        decayed = float(lr[-1]) < 0.5 * float(np.max(lr))
        if tail > tail_fraction and decayed:
            events.append(Event("frozen", "lr", float(frozen_from), float(total), "LR frozen (log)",
                                f"the logged LR stops changing at {w(frozen_from)} and stays at "
                                f"{value_text(float(lr[-1]))} to the end of the log ({tail:.0%} of it)", notable=True,
                                short=f"the logged LR frozen at {value_text(float(lr[-1]))} from {w(frozen_from)}"))
    events.sort(key=lambda e: e.start)
    return events


def momentum_events(log: RunLog, word: str) -> List[Event]:
    """The logged momentum/beta1 reaching 1 (the optimizer's running average stops updating)."""
    if not log.has("momentum"):
        return []
    x, mom = log.series("momentum")
    near = np.flatnonzero(mom >= MOMENTUM_NEAR_ONE)
    if not len(near):
        return []
    first = int(x[near[0]])
    return [Event("momentum-near-one", "momentum", first, int(x[near[-1]]), f"{word} → 1",
                  f"the logged {word} reaches {MOMENTUM_NEAR_ONE:g} at {log.where(first)} (peak "
                  f"{value_text(float(mom.max()))})", notable=True,
                  short=f"the logged {word} at {MOMENTUM_NEAR_ONE:g} or above from {log.where(first)}")]


def _resumed_hint(log: RunLog, first: int, total: int) -> str:
    """For an mmengine log that starts well into training (a resumed run): its schedulers are the checkpoint's."""
    if log.kind.startswith("mmcv") or first <= max(0.05 * total, 1000):
        return ""
    return (f" The log starts at iteration {first}: a resumed mmengine run takes its schedulers' settings (end, "
            "milestones, T_max...) from the checkpoint, not from the config")


def compare_lr(log: RunLog, base_lr: float, curve_lr: Any, multipliers: Optional[Dict[str, float]] = None
               ) -> Optional[str]:
    """A note when the logged LR is not the config's simulated LR; None when it is (per group).

    Both mmengine and mmcv log param group 0 as `lr`. When `paramwise_cfg` scales groups (`lr_mult`),
    group 0 may be a scaled one (the backbone in the DETR family). mmengine then also logs `base_lr`:
    the optimizer's own LR, stepped by the same schedulers, i.e. the schedule at multiplier 1, which
    is compared with the simulation directly. Without it, a constant ratio equal to a configured
    `lr_mult` is that group, not a mismatch.
    """
    if curve_lr is None or not len(curve_lr) or not log.has("lr"):
        return None
    name = "base_lr" if log.has("base_lr") else "lr"
    x, lr = log.series(name)
    n = len(curve_lr)
    inside = (x - 1 < n) & (x >= 1)
    if not inside.any():
        return None
    at = np.clip(x[inside].astype(int) - 1, 0, n - 1)
    # the simulated values at the logged iterations (a `Series` answers them without expanding the curve)
    sim = np.asarray(curve_lr.sample(at) if hasattr(curve_lr, "sample") else np.asarray(curve_lr)[at], dtype=float)
    logged = lr[inside]
    usable = (np.abs(sim) > 1e-30) & (np.abs(logged) > 1e-30)
    if usable.sum() < 2:
        return None
    # mmcv's .log.json rounds to 5 decimals: the scale is read where that rounding is small, and a value within
    # half a unit of the simulated one matches it
    unit = _ROUNDED_TO.get(log.kind, 0.0)
    precise = usable & (np.abs(logged) >= 100 * unit)
    basis = precise if precise.sum() >= 2 else usable
    scale = 1.0 if name == "base_lr" else float(np.median(logged[basis] / sim[basis]))
    if scale <= 0:
        return None

    def departures(factor: float) -> np.ndarray:
        expected = sim[usable] * factor
        return np.maximum(np.abs(logged[usable] - expected) - unit / 2, 0.0) / np.abs(expected)

    shape = departures(scale)
    worst = float(np.median(shape))
    if worst > 0.05 and scale != 1.0:
        # a different shape: a scale fitted to it explains nothing (a resumed run held at 1e-4 where the config
        # decays further was compared 'after scaling by 0.00695'); the config's own values, if closer, are quoted
        unscaled = departures(1.0)
        if float(np.median(unscaled)) <= worst:
            scale, shape, worst = 1.0, unscaled, float(np.median(unscaled))
    if worst > 0.05:
        # both curves in their own values over the logged stretch (a value after a fitted scale is nobody's LR)
        steps, got, planned = x[inside][usable], logged[usable], sim[usable]
        scaled = f" even after scaling by {scale:.3g}" if abs(scale - 1) > 0.02 else ""
        return (f"the logged {name} follows a different curve from the config's simulated LR: "
                f"{value_text(float(got[0]))} -> {value_text(float(got[-1]))} logged from iteration {int(steps[0])} "
                f"to {int(steps[-1])}, {value_text(float(planned[0]))} -> {value_text(float(planned[-1]))} simulated "
                f"(median difference {worst:.0%}{scaled}): is this the config that was trained, with this epoch "
                "length?" + _resumed_hint(log, int(steps[0]), n))
    if abs(scale - 1.0) <= 0.05:
        return None
    for key, mult in sorted((multipliers or {}).items()):
        if abs(scale / mult - 1.0) <= 0.05:
            return None  # the logged group 0 is the group paramwise_cfg scales by this lr_mult: as planned
    return (f"the logged LR is {scale:.3g} x the config's LR throughout, with the same shape: a different base LR "
            "or batch size (auto_scale_lr) than the config says, or a param group the config scales")
