"""Turn the records of one run into a `RunLog`: global iterations, the epoch length and where it came from.

The epoch length is read from the log whenever the log can tell: the `[i/N]` headers of training
lines, the iteration at which each epoch's first line was logged, or the last training line of an
epoch (mmcv .log.json, whose `iter` counts inside the epoch). Validation lines never give it: in
mmdet 2.x their `iter` counts *validation* iterations.
"""

from __future__ import annotations

import math
from collections import Counter
from functools import reduce
from typing import Dict, List, Optional, Tuple

import numpy as np

from schedlint.runs.formats import Parsed, Rec
from schedlint.runs.model import RunLog

__all__ = ["build_run"]


def build_run(parsed: Parsed, path: str, kind: str, run_dir: str, work_dir: str,
              epoch_length: Optional[int] = None) -> RunLog:
    """The RunLog of one run's records (`epoch_length`, when given, overrides what the log shows)."""
    recs = parsed.recs
    train = [r for r in recs if r.mode == "train" and r.row]
    notes: List[str] = []
    epochs_known = any(r.epoch for r in train) and (parsed.inner_iters or kind != "mmcv-json")
    loader_length = _drop_endless_epochs(train, notes)
    if loader_length:
        epochs_known = False
    length, source = _resolve_length(train, parsed.inner_iters, epochs_known, epoch_length, notes)
    iters_arr, epochs_arr, rows, groups = _train_lines(train, length, notes)
    train_cols, carried = _columns(rows)
    _lr_of_several_optimizers(train_cols, carried, notes)
    loop, last_epoch = _loop_and_last_epoch(recs, train, epochs_known, epochs_arr)
    val_by, val_steps, val, val_after = _sorted_validation(recs, kind, loop, length, last_epoch)
    if parsed.skipped:
        notes.append(f"{parsed.skipped} malformed line{'s' if parsed.skipped != 1 else ''} skipped")
    planned = [r.planned for r in train if r.planned]
    keep_length = loop == "epoch" or epoch_length
    return RunLog(
        path=path, kind=kind, run_dir=run_dir, work_dir=work_dir, loop=loop, iters=iters_arr, epochs=epochs_arr,
        train=train_cols, carried=carried, val_by=val_by, val_steps=val_steps, val=val,
        epoch_length=length if keep_length else None,
        epoch_length_source=source if keep_length else "",
        skipped=parsed.skipped, notes=notes, epochs_known=epochs_known,
        max_iters=Counter(planned).most_common(1)[0][0] if planned else None,
        lr_groups=_groups(groups), val_after=val_after, loader_length=loader_length or None,
    )


def _drop_endless_epochs(train: List[Rec], notes: List[str]) -> int:
    """When the training headers count past their epoch (`Epoch(train) [1][4000/1297]`: an InfiniteSampler
    under an epoch loop, the epoch never ends): note it, forget the header lengths, and return the length
    they show (len(train_dataloader), what mmengine converts epoch positions with); else 0."""
    endless = [r for r in train if r.length and r.inner and r.inner > r.length]
    if not endless:
        return 0
    notes.append(f"the training headers count past their epoch ([{endless[0].epoch}][{endless[0].inner}/"
                 f"{endless[0].length}]): the epoch never ends (an InfiniteSampler?), read as iterations")
    shown = Counter(r.length for r in train if r.length).most_common(1)[0][0]
    for r in train:
        r.length = None
    return int(shown)


def _resolve_length(train: List[Rec], inner_iters: bool, epochs_known: bool, epoch_length: Optional[int],
                    notes: List[str]) -> Tuple[Optional[int], str]:
    """The epoch length and its source: what the log shows, unless given on the command line (noted when
    the two differ)."""
    length, source = _epoch_length(train, inner_iters, epochs_known)
    if epoch_length:
        if length and length != epoch_length:
            notes.append(f"--epoch-length {epoch_length} overrides the {length} iterations per epoch the log shows "
                         f"({source})")
        length, source = epoch_length, "given on the command line"
    if inner_iters and not length:
        # a single epoch, never finished: iterations inside it are global ones; the length is unknown
        length, source = None, ""
    return length, source


def _train_iteration(r: Rec, length: Optional[int]) -> int:
    """The global iteration of a training line (without a length: one epoch only)."""
    if r.it is not None:
        return r.it
    return ((r.epoch or 1) - 1) * (length or 0) + (r.inner or 0)


def _train_lines(train: List[Rec], length: Optional[int], notes: List[str]
                 ) -> Tuple[np.ndarray, np.ndarray, List[Dict[str, float]], List[Optional[List[float]]]]:
    """(iterations, epochs, rows, LR groups) of the training lines in iteration order; of an iteration logged
    twice (a resumed run) only the later line is kept."""
    iters = [_train_iteration(r, length) for r in train]
    order = np.argsort(np.asarray(iters, dtype=np.int64), kind="stable")
    iters_arr = np.asarray(iters, dtype=np.int64)[order]
    epochs_arr = np.asarray([r.epoch or 0 for r in train], dtype=np.int64)[order]
    rows = [train[k].row for k in order]
    groups = [train[k].groups for k in order]
    if len(iters_arr) > 1:  # a resumed run logs some iterations twice: keep the last line of each
        last = np.r_[iters_arr[1:] != iters_arr[:-1], True]
        if not last.all():
            notes.append(f"{int((~last).sum())} iterations logged twice (a resumed run): kept the later line of each")
        iters_arr, epochs_arr = iters_arr[last], epochs_arr[last]
        rows = [r for r, keep in zip(rows, last) if keep]
        groups = [g for g, keep in zip(groups, last) if keep]
    return iters_arr, epochs_arr, rows, groups


def _loop_and_last_epoch(recs: List[Rec], train: List[Rec], epochs_known: bool, epochs_arr: np.ndarray
                         ) -> Tuple[str, int]:
    """The run's loop ('epoch' or 'iter') and its last epoch (a validation-only log: from its validation lines)."""
    loop = "epoch" if epochs_known else "iter"
    last_epoch = int(epochs_arr.max()) if len(epochs_arr) else 0
    if not train:  # validation only
        val_epochs = [r.epoch for r in recs if r.mode == "val" and r.epoch]
        loop, last_epoch = ("epoch", max(val_epochs)) if val_epochs else ("iter", 0)
    return loop, last_epoch


def _sorted_validation(recs: List[Rec], kind: str, loop: str, length: Optional[int], last_epoch: int
                       ) -> Tuple[str, np.ndarray, Dict[str, np.ndarray], np.ndarray]:
    """(val_by, steps, metric columns, after) of the validation lines, in step order."""
    val_by, steps, val_rows, after = _validation(recs, kind, loop, length, last_epoch)
    val_order = np.argsort(np.asarray(steps, dtype=float), kind="stable")
    val_steps = np.asarray(steps, dtype=float)[val_order] if steps else np.zeros(0)
    val_after = np.asarray(after, dtype=float)[val_order] if after else np.zeros(0)
    val = _columns([val_rows[k] for k in val_order])[0]
    return val_by, val_steps, val, val_after


def _epoch_length(train: List[Rec], inner: bool, epochs_known: bool) -> Tuple[Optional[int], str]:
    headers = [r.length for r in train if r.length]
    if headers:
        value = Counter(headers).most_common(1)[0][0]
        return value, f"the [i/{value}] headers of the training lines"
    if inner:
        return _inner_length(train)
    if epochs_known:
        first: Dict[int, int] = {}
        for r in train:
            if r.epoch and r.it is not None and (r.epoch not in first or r.it < first[r.epoch]):
                first[r.epoch] = r.it
        diffs = [first[e + 1] - first[e] for e in first if e + 1 in first and first[e + 1] > first[e]]
        if diffs:
            return int(np.median(diffs)), "the iterations between the epochs' first training lines"
    return None, ""


def _inner_length(train: List[Rec]) -> Tuple[Optional[int], str]:
    """mmcv .log.json: the last inner iteration logged in an epoch, and how far the epoch may run past it."""
    inner = [r.inner for r in train if r.inner]
    if not inner:
        return None, ""
    longest = max(inner)
    step = reduce(math.gcd, inner)
    per_epoch = Counter(r.epoch for r in train)
    if len(per_epoch) == 1:
        return None, ""  # one epoch in the log, perhaps unfinished: its last line says nothing of its length
    if step <= 1 or longest == step or max(per_epoch.values()) == 1:
        # one training line per epoch (the logging interval is longer than an epoch): it is logged at the end
        return longest, "the training lines, one at the end of each epoch"
    return longest, (f"the last training line of an epoch (iteration {longest}; the epoch may run up to {step - 1} "
                     "iterations longer)")


def _validation(recs: List[Rec], kind: str, loop: str, length: Optional[int], last_epoch: int
                ) -> Tuple[str, List[float], List[Dict[str, float]], List[float]]:
    """(val_by, steps, rows, after): epochs under an epoch loop, else the training iteration each came after
    (`after`: that iteration, whatever the loop)."""
    epochs, steps, rows, afters = _validation_lines(recs, kind, length)
    if not rows:
        return ("epoch" if loop == "epoch" else "iter"), [], [], []
    by_epoch = loop == "epoch" and all(e is not None and e >= 1 for e in epochs) and max(epochs) <= last_epoch + 1
    if by_epoch:
        return "epoch", [float(e) for e in epochs], rows, afters
    if kind in ("scalars.json", "tensorboard") and any(s <= 0 for s in steps):
        steps = afters  # an iteration loop that logged its validation "by epoch" (step 0): place it in the run
    return "iter", steps, rows, afters


def _validation_lines(recs: List[Rec], kind: str, length: Optional[int]
                      ) -> Tuple[List[Optional[float]], List[float], List[Dict[str, float]], List[float]]:
    """(epochs, steps, rows, afters) of the validation lines in log order: the epoch each names (None when
    it names none), where it goes, its metrics, and the training iteration logged before it."""
    steps: List[float] = []
    rows: List[Dict[str, float]] = []
    epochs: List[Optional[float]] = []
    afters: List[float] = []
    last_it = 0
    joinable = False  # the last line was a validation line (no training line since)
    for r in recs:
        if r.mode == "train" and r.row:
            last_it = _train_iteration(r, length)
            joinable = False
            continue
        if r.mode != "val" or not r.row:
            continue
        epoch, at = _validation_position(r, kind, last_it)
        if joinable and epochs[-1] == epoch and steps[-1] == at and not rows[-1].keys() & r.row.keys():
            # one evaluation in two lines: mmcv's EvalHook metrics and, with workflow [('train', 1), ('val', 1)],
            # the val workflow's losses for the same epoch
            rows[-1] = {**rows[-1], **r.row}
            continue
        joinable = True
        epochs.append(epoch)
        steps.append(at)
        afters.append(float(last_it))
        rows.append(r.row)
    return epochs, steps, rows, afters


def _validation_position(r: Rec, kind: str, last_it: int) -> Tuple[Optional[float], float]:
    """(epoch, step) of one validation line: scalars.json and TensorBoard give a step (an epoch under an epoch
    loop); the others the epoch, placed after the last training iteration."""
    if kind == "scalars.json" or kind == "tensorboard":
        epoch = float(r.it) if r.it is not None else None
        at = float(r.it) if r.it is not None else float(last_it)
    else:
        epoch = float(r.epoch) if r.epoch is not None else None
        at = float(last_it)
    return epoch, at


def _columns(rows: List[Dict[str, float]]) -> Tuple[Dict[str, np.ndarray], Dict[str, np.ndarray]]:
    """Aligned value columns (NaN where a line lacks the key) and masks of the lines that carry each key."""
    names: List[str] = []
    seen = set()
    for row in rows:
        for key in row:
            if key not in seen:
                seen.add(key)
                names.append(key)
    values = {name: np.array([row.get(name, math.nan) for row in rows], dtype=float) for name in names}
    carried = {name: np.array([name in row for row in rows], dtype=bool) for name in names}
    return values, carried


def _lr_of_several_optimizers(cols: Dict[str, np.ndarray], carried: Dict[str, np.ndarray], notes: List[str]) -> None:
    """A run with several optimizers logs an LR per optimizer (mmengine `generator.lr`, mmcv `lr_generator`, or
    mmcv .log.json's `lr: {name: ..}`): the first is read as the run's `lr`, and a note says which."""
    names = [k for k in cols if k != "lr" and (k.startswith("lr_") or k.endswith(".lr"))]
    if len(names) < 2 and not (names and "lr" not in cols):
        return
    first = names[0]
    if "lr" not in cols:
        cols["lr"], carried["lr"] = cols[first], carried[first]
    optimizers = [k[3:] if k.startswith("lr_") else k[:-3] for k in names]
    notes.append(f"the log has the LR of {len(names)} optimizer{'s' if len(names) > 1 else ''} "
                 f"({', '.join(optimizers)}): the LR read is {optimizers[0]}'s")


def _groups(groups: List[Optional[List[float]]]) -> Dict[str, np.ndarray]:
    width = max((len(g) for g in groups if g), default=0)
    if width < 2:
        return {}
    return {f"group {k}": np.array([g[k] if g and len(g) > k else math.nan for g in groups], dtype=float)
            for k in range(width)}


def epoch_length_from_steps(iters: np.ndarray) -> Optional[int]:
    """Iterations per epoch that a log without epochs shows in its steps, or None. A logger counting by epoch
    (mmcv's and mmengine's default) logs every `interval` iterations *inside* the epoch, at global iterations
    (e - 1) * L + k * interval: when L is no multiple of the interval, the first step of epoch 2 breaks the
    rhythm at L + interval. The log must start in the first epoch, and every step must fit the length found."""
    steps = np.unique(np.asarray(iters, dtype=np.int64))
    steps = steps[steps > 0]
    if steps.size < 4:
        return None
    gaps = np.diff(steps)
    values, counts = np.unique(gaps, return_counts=True)
    interval = int(values[np.argmax(counts)])
    if interval < 1 or steps[0] > interval:
        return None
    for b in np.flatnonzero(gaps != interval).tolist():
        length = int(steps[b + 1]) - interval
        if length <= interval or length % interval == 0 or gaps[b] < interval:
            continue  # a gap of missing lines (or a step back), not the start of an epoch
        inner = (steps - 1) % length + 1
        return length if bool((inner % interval == 0).all()) else None
    return None
