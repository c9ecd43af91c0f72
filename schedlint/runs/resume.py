"""A run resumed into a new log file (mmcv-1.x `resume_from`, mmengine `resume=True`): the log of the run it
resumed is read first, up to where the new one starts, so the run is judged whole.

A resumed run starts a new log (its own timestamp) in the same work_dir, numbering on from the checkpoint:
epoch 31 after 30, iteration 40001 after 40000. The previous log (the next older run of the work_dir, in the
same format) is taken when it ends at or after that start (a checkpoint before its last line: the lines past
the checkpoint are the ones trained again) and it starts before it.
"""

from __future__ import annotations

import os
from typing import Callable, List, Optional, Sequence, Tuple

from schedlint.runs.formats import Rec
from schedlint.runs.model import RunLogError

__all__ = ["resumed_from"]

Position = Tuple[int, int]


def _position(rec: Rec) -> Optional[Position]:
    """Where a training record is, comparable across the logs of one run: (epoch, iteration in it or global)."""
    if rec.epoch is not None and rec.epoch >= 1:
        return rec.epoch, rec.inner if rec.inner is not None else (rec.it or 0)
    if rec.it is not None:
        return 0, rec.it
    return None


def _train(recs: List[Rec]) -> List[Rec]:
    return [r for r in recs if r.mode == "train" and r.row]


def _interval(recs: List[Rec]) -> int:
    """Iterations between the first logged training points (the logging interval; 0 when unknown)."""
    positions = [_position(r) for r in _train(recs)[:3]]
    steps = [b[1] - a[1] for a, b in zip(positions, positions[1:]) if a and b and a[0] == b[0]]
    return max(steps) if steps else 0


def _resumed(first: Position, recs: List[Rec]) -> bool:
    """Whether a run starts past its beginning: after its first epoch, or past a few logging intervals."""
    if first[0] >= 2:
        return True
    interval = _interval(recs)
    return first[0] == 0 and interval > 0 and first[1] > 2 * interval


def _joins(previous: List[Position], first: Position, interval: int) -> bool:
    """Whether a log that trained over `previous` positions is the one a run starting at `first` resumed: it
    starts before it, and ends at most an epoch (or two logging intervals) before it, or past it."""
    if previous[0] >= first:
        return False
    if first[0] >= 1:
        return previous[-1][0] >= first[0] - 1
    return previous[-1][0] == 0 and previous[-1][1] >= first[1] - 2 * max(interval, 1)


def resumed_from(chosen: List[Rec], kind: str, earlier: Sequence[str],
                 parse: Callable[[str], Tuple[List[Rec], str]]) -> Optional[Tuple[List[Rec], str]]:
    """(the earlier run's records before `chosen` starts + `chosen`, a note) when `chosen` resumes the run logged
    in one of the `earlier` files (`parse(file)` gives the records of its last training run and its kind);
    None when it does not."""
    train = _train(chosen)
    first = _position(train[0]) if train else None
    if first is None or not _resumed(first, chosen):
        return None
    for path in earlier:
        try:
            recs, other_kind = parse(path)
        except RunLogError:
            continue
        previous = [p for p in (_position(r) for r in _train(recs)) if p is not None]
        if other_kind != kind or not previous or not _joins(previous, first, _interval(chosen)):
            continue  # another format, a run that starts after this one, or one that ends before it resumes
        kept: List[Rec] = []
        for rec in recs:
            at = _position(rec) if rec.mode == "train" and rec.row else None
            if at is not None and at >= first:
                break  # trained again after the resume
            kept.append(rec)
        where = f"epoch {first[0]}" if first[0] else f"iteration {first[1]}"
        note = (f"resumed run: read from {os.path.basename(path)} (the run it resumed) up to {where}, where this log "
                "starts")
        return kept + list(chosen), note
    return None
