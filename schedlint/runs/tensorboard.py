"""TensorBoard event files (mmengine TensorboardVisBackend, mmcv TensorboardLoggerHook) as run records.

Read through TensorBoard's own maintained reader (`pip install "schedlint[tensorboard]"`); without
it a clear RunLogError says how to install it. mmcv writes `train/lr`, `train/loss`, `val/bbox_mAP`
(`learning_rate` for the LR); mmengine writes the bare keys of its scalars.json (`lr`, `loss`,
`epoch`, `coco/bbox_mAP`), validation at the epoch or the iteration as its step.
"""

from __future__ import annotations

from typing import Dict

from schedlint.runs.formats import BOOKKEEPING, Parsed, Rec
from schedlint.runs.model import RunLogError

__all__ = ["read_events"]

_TRAIN_NAMES = {"lr", "base_lr", "momentum", "grad_norm", "epoch", "iter"}


def _split(tag: str):
    """('train'|'val'|None, name) of a scalar tag."""
    head, _, rest = tag.partition("/")
    if head in ("train", "val", "test") and rest:
        name = "lr" if rest == "learning_rate" else rest
        return ("val" if head in ("val", "test") else "train"), name
    if tag == "learning_rate":
        return "train", "lr"
    if tag in _TRAIN_NAMES or tag.startswith("loss") or tag in BOOKKEEPING:
        return "train", tag
    return "val", tag


def read_events(path: str) -> Parsed:
    """The records of one TensorBoard event file."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        raise RunLogError(f'{path}: reading TensorBoard event files needs tensorboard: '
                          'pip install "schedlint[tensorboard]"') from None
    try:
        acc = EventAccumulator(path, size_guidance={"scalars": 0})
        acc.Reload()
        tags = acc.Tags().get("scalars", [])
        train: Dict[int, Dict[str, float]] = {}
        val: Dict[int, Dict[str, float]] = {}
        for tag in tags:
            mode, name = _split(tag)
            if mode is None or (name in BOOKKEEPING and name not in ("epoch",)):
                continue
            target = train if mode == "train" else val
            for event in acc.Scalars(tag):
                target.setdefault(int(event.step), {})[name] = float(event.value)
    except RunLogError:
        raise
    except Exception as exc:  # a truncated or foreign file: the reader's own error, named
        raise RunLogError(f"{path}: cannot read TensorBoard events: {exc}") from None
    recs = []
    for step in sorted(train):
        row = dict(train[step])
        epoch = row.pop("epoch", None)
        if row:
            recs.append(Rec("train", 0, row, epoch=None if epoch is None else int(epoch), it=step))
    val_recs = [Rec("val", 0, row, it=step) for step, row in sorted(val.items()) if row]
    # validation comes after the training point of its step (or at the end, for epoch steps past them)
    merged = sorted(recs + val_recs, key=lambda r: (r.it, r.mode == "val"))
    for k, rec in enumerate(merged, 1):
        rec.line = k
    return Parsed(merged)
