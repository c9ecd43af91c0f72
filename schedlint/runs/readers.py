"""Read the training log of a real run: mmengine `vis_data/scalars.json`, mmengine text logs, mmcv-1.x `.log.json`.

`read_run(path)` accepts a work_dir (the latest timestamped run in it is read), a timestamp folder,
a `vis_data` folder or a log file, and returns a `RunLog`: training scalars by global iteration and
epoch, validation metrics by epoch (or iteration), and the config mmengine dumped next to the log.
Lines that cannot be read are skipped and counted; nothing here raises on bad log content, only
`RunLogError` when there is no usable log at all.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np

__all__ = ["RunLog", "RunLogError", "find_log", "read_run", "read_log_file", "lower_is_better", "primary_metric"]

# Keys that describe the logging itself, not the training.
_BOOKKEEPING = {"step", "epoch", "iter", "mode", "time", "data_time", "memory", "eta", "base_lr"}
_TIMESTAMP_DIR = re.compile(r"^\d{8}_\d{6}$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:nan|inf)$", re.IGNORECASE)
# mmengine text log headers: `Epoch(train)  [3][ 50/928]`, `Iter(train) [ 50/80000]`, `Epoch(val) [3][58/58]`.
_EPOCH_HEADER = re.compile(r"Epoch\((train|val|test)\)\s*\[\s*(\d+)\s*\]\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
_ITER_HEADER = re.compile(r"Iter\((train|val|test)\)\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
_EPOCH_ONLY_HEADER = re.compile(r"Epoch\((val|test)\)\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
_ITEM = re.compile(r"([^\s:][^:]*?):\s+(\S+)(?=\s|$)")


class RunLogError(Exception):
    """No usable training log at the given path (exit code 2)."""


@dataclass
class RunLog:
    """What one training run logged.

    Training points are aligned arrays: `iters[k]` is the global iteration just completed
    (1-based, as mmengine logs it, so the LR logged with it is the one of iteration `iters[k] - 1`),
    `epochs[k]` the 1-based epoch it belongs to (0 under an iteration-based loop), and
    `train[name][k]` each scalar (NaN where that line did not carry it). Validation results are
    `val_steps[j]` (epoch, or iteration when `val_by == 'iter'`) with `val[metric][j]`.
    """

    path: str  # the log file read
    kind: str  # 'scalars.json', 'text' or 'mmcv-json'
    run_dir: str  # the folder of this run (mmengine timestamp folder, or the mmcv work_dir)
    work_dir: str
    loop: str  # 'epoch' or 'iter'
    iters: np.ndarray
    epochs: np.ndarray
    train: Dict[str, np.ndarray]
    val_by: str  # 'epoch' or 'iter'
    val_steps: np.ndarray
    val: Dict[str, np.ndarray]
    epoch_length: Optional[int] = None
    epoch_length_source: str = ""
    config: Optional[str] = None  # the config dumped with the run, when found
    skipped: int = 0  # malformed lines skipped
    notes: List[str] = field(default_factory=list)
    carried: Dict[str, np.ndarray] = field(default_factory=dict)  # per scalar: which lines logged it (nan included)

    def has(self, name: str) -> bool:
        """Whether the run logged this training scalar at least once (as a number)."""
        values = self.train.get(name)
        return values is not None and bool(np.isfinite(values).any())

    def logged(self, name: str) -> Tuple[np.ndarray, np.ndarray]:
        """(iterations, values) of a scalar on every line that carried it, nan and inf included."""
        values = self.train.get(name)
        if values is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        mask = self.carried.get(name, ~np.isnan(values))
        return self.iters[mask], values[mask]

    @property
    def loss_parts(self) -> List[str]:
        """The logged loss components (`loss_cls`, `loss_bbox`, ...), without the total."""
        return [k for k in self.train if k.startswith("loss") and k != "loss" and self.has(k)]

    def series(self, name: str) -> Tuple[np.ndarray, np.ndarray]:
        """(iterations, values) of one training scalar, only where it was logged."""
        values = self.train.get(name)
        if values is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        keep = np.isfinite(values)
        return self.iters[keep], values[keep]

    def epoch_position(self, iterations: np.ndarray) -> np.ndarray:
        """Global iterations as fractional epochs trained (iteration / epoch length)."""
        iterations = np.asarray(iterations, dtype=float)
        if self.epoch_length:
            return iterations / self.epoch_length
        return iterations

    @property
    def total_iters(self) -> int:
        """The last training iteration the log reached."""
        return int(self.iters.max()) if len(self.iters) else 0

    @property
    def metrics(self) -> List[str]:
        """Validation metric names, in the order first logged."""
        return [k for k in self.val if np.isfinite(self.val[k]).any()]


# ---------------------------------------------------------------------------------------------
# finding the log of a run
# ---------------------------------------------------------------------------------------------


def _timestamp_dirs(folder: str) -> List[str]:
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(os.path.join(folder, n) for n in names
                  if _TIMESTAMP_DIR.match(n) and os.path.isdir(os.path.join(folder, n)))


def _run_files(ts_dir: str) -> List[str]:
    """The log files of one mmengine timestamp folder, best first."""
    stamp = os.path.basename(ts_dir)
    candidates = [
        os.path.join(ts_dir, "vis_data", "scalars.json"),
        os.path.join(ts_dir, "vis_data", f"{stamp}.json"),
        os.path.join(ts_dir, f"{stamp}.log"),
    ]
    return [c for c in candidates if os.path.isfile(c) and os.path.getsize(c) > 0]


def find_log(path: str) -> Tuple[List[str], List[str]]:
    """The log files to try for a run path (best first) and notes about the choice."""
    notes: List[str] = []
    if os.path.isfile(path):
        return [path], notes
    if not os.path.isdir(path):
        raise RunLogError(f"{path}: no such file or directory")
    folder = os.path.abspath(path)
    if os.path.basename(folder) == "vis_data":
        folder = os.path.dirname(folder)
    own = _run_files(folder)
    if own:
        return own, notes
    runs = [d for d in _timestamp_dirs(folder) if _run_files(d)]
    mmcv_logs = sorted(
        (os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".log.json")),
        key=lambda p: os.path.basename(p),
    )
    if runs:
        if len(runs) > 1:
            notes.append(f"{len(runs)} runs in {path}; reading the latest, {os.path.basename(runs[-1])} "
                         "(pass a timestamp folder or a log file to choose another)")
        return _run_files(runs[-1]), notes
    if mmcv_logs:
        if len(mmcv_logs) > 1:
            notes.append(f"{len(mmcv_logs)} .log.json files in {path}; reading the latest, "
                         f"{os.path.basename(mmcv_logs[-1])}")
        return [mmcv_logs[-1]], notes
    text_logs = sorted(n for n in os.listdir(folder) if n.endswith(".log"))
    if text_logs:
        return [os.path.join(folder, text_logs[-1])], notes
    raise RunLogError(
        f"{path}: no training log found (looked for <timestamp>/vis_data/scalars.json, <timestamp>/<timestamp>.log "
        "and *.log.json)"
    )


def _find_config(log_path: str, kind: str) -> Optional[str]:
    """The config mmengine (or mmcv's tools/train.py) dumped next to the run."""
    folder = os.path.dirname(os.path.abspath(log_path))
    if os.path.basename(folder) == "vis_data":
        folder = os.path.dirname(folder)
    candidates = [os.path.join(folder, "vis_data", "config.py")]
    work_dir = folder if kind == "mmcv-json" or not _TIMESTAMP_DIR.match(os.path.basename(folder)) \
        else os.path.dirname(folder)
    for found in candidates:
        if os.path.isfile(found):
            return found
    try:
        names = sorted(n for n in os.listdir(work_dir) if n.endswith(".py") and n != "__init__.py")
    except OSError:
        return None
    if len(names) > 1:
        names.sort(key=lambda n: os.path.getmtime(os.path.join(work_dir, n)))
    return os.path.join(work_dir, names[-1]) if names else None


def _work_dir(log_path: str, kind: str) -> Tuple[str, str]:
    folder = os.path.dirname(os.path.abspath(log_path))
    if os.path.basename(folder) == "vis_data":
        folder = os.path.dirname(folder)
    if kind != "mmcv-json" and _TIMESTAMP_DIR.match(os.path.basename(folder)):
        return folder, os.path.dirname(folder)
    return folder, folder


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


def read_run(path: str, epoch_length: Optional[int] = None) -> RunLog:
    """The RunLog of a work_dir, run folder or log file (RunLogError when nothing usable is there)."""
    files, notes = find_log(path)
    problems: List[str] = []
    for candidate in files:
        try:
            log = read_log_file(candidate, epoch_length)
        except RunLogError as exc:
            problems.append(str(exc))
            continue
        log.notes = notes + problems + log.notes
        return log
    raise RunLogError("; ".join(problems) or f"{path}: no training log found")


def read_log_file(path: str, epoch_length: Optional[int] = None) -> RunLog:
    """Read one log file, choosing the parser from its name and content."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise RunLogError(f"{path}: cannot read: {exc.strerror or exc}") from None
    head = data[:4096]
    if head and head.count(b"\x00") > 0.05 * len(head):
        raise RunLogError(f"{path}: binary data, not a training log")
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    name = os.path.basename(path)
    if name.endswith(".log"):
        kind = "text"
    elif name.endswith(".log.json") or _looks_mmcv(lines):
        kind = "mmcv-json"
    elif name.endswith(".json"):
        kind = "scalars.json"
    else:
        kind = "scalars.json" if lines and lines[0].lstrip().startswith("{") else "text"
    builder = _Builder()
    if kind == "text":
        _parse_text(lines, builder)
    elif kind == "mmcv-json":
        _parse_mmcv(lines, builder)
    else:
        _parse_scalars(lines, builder)
    if not builder.train_iters:
        detail = f" ({builder.skipped} malformed lines skipped)" if builder.skipped else ""
        raise RunLogError(f"{path}: no training iterations logged{detail}")
    run_dir, work_dir = _work_dir(path, kind)
    return builder.finish(path, kind, run_dir, work_dir, _find_config(path, kind), epoch_length)


def _looks_mmcv(lines: List[str]) -> bool:
    for line in lines[:20]:
        if '"mode"' in line and ('"train"' in line or '"val"' in line):
            return True
    return False


def _number(value) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        return float(value)
    if isinstance(value, list) and value and isinstance(value[0], (int, float)) and not isinstance(value[0], bool):
        return float(value[0])  # per-group lists: group 0 is the one schedules are judged on
    return None


class _Builder:
    """Collects points while parsing; `finish` turns them into a RunLog."""

    def __init__(self) -> None:
        self.train_iters: List[int] = []
        self.train_epochs: List[int] = []
        self.train_inner: List[Optional[int]] = []
        self.train_rows: List[Dict[str, float]] = []
        self.val_steps: List[float] = []
        self.val_rows: List[Dict[str, float]] = []
        self.val_by = "epoch"
        self.loop = "epoch"
        self.epoch_length: Optional[int] = None
        self.epoch_length_source = ""
        self.skipped = 0
        self.inner_iters = False  # mmcv: `iter` counts inside the epoch

    def add_train(self, iteration: int, epoch: int, row: Dict[str, float], inner: Optional[int] = None) -> None:
        self.train_iters.append(iteration)
        self.train_epochs.append(epoch)
        self.train_inner.append(inner)
        self.train_rows.append(row)

    def add_val(self, step: float, row: Dict[str, float]) -> None:
        self.val_steps.append(step)
        self.val_rows.append(row)

    def finish(self, path: str, kind: str, run_dir: str, work_dir: str, config: Optional[str],
               epoch_length: Optional[int]) -> RunLog:
        notes: List[str] = []
        length, source = self.epoch_length, self.epoch_length_source
        if self.loop == "epoch" and length is None:
            length, source = _estimate_epoch_length(self.train_iters, self.train_epochs, self.train_inner)
        if epoch_length:
            if length and length != epoch_length:
                notes.append(f"--epoch-length {epoch_length} overrides the {length} iterations per epoch "
                             f"the log shows")
            length, source = epoch_length, "given on the command line"
        iters = list(self.train_iters)
        if self.inner_iters:
            if not length:
                length = max(i for i in self.train_inner if i is not None)
                source = "the longest epoch in the log (a lower bound)"
            iters = [(e - 1) * length + (i or 0) for e, i in zip(self.train_epochs, self.train_inner)]
        order = np.argsort(np.asarray(iters, dtype=np.int64), kind="stable")
        iters_arr = np.asarray(iters, dtype=np.int64)[order]
        epochs_arr = np.asarray(self.train_epochs, dtype=np.int64)[order]
        rows = [self.train_rows[k] for k in order]
        # a resumed run may log the same iteration twice: keep the last line for each
        if len(iters_arr) > 1:
            last = np.r_[iters_arr[1:] != iters_arr[:-1], True]
            if not last.all():
                notes.append(f"{int((~last).sum())} repeated iterations (a resumed run?): kept the last value")
            iters_arr, epochs_arr = iters_arr[last], epochs_arr[last]
            rows = [r for r, keep in zip(rows, last) if keep]
        train, carried = _columns_carried(rows)
        val_order = np.argsort(np.asarray(self.val_steps, dtype=float), kind="stable")
        val_steps = np.asarray(self.val_steps, dtype=float)[val_order] if self.val_steps else np.zeros(0)
        val = _columns([self.val_rows[k] for k in val_order])
        if self.skipped:
            notes.append(f"{self.skipped} malformed line{'s' if self.skipped != 1 else ''} skipped")
        return RunLog(
            path=path, kind=kind, run_dir=run_dir, work_dir=work_dir, loop=self.loop,
            iters=iters_arr, epochs=epochs_arr, train=train, carried=carried, val_by=self.val_by,
            val_steps=val_steps, val=val,
            epoch_length=length, epoch_length_source=source, config=config, skipped=self.skipped, notes=notes,
        )


def _columns(rows: List[Dict[str, float]]) -> Dict[str, np.ndarray]:
    return _columns_carried(rows)[0]


def _columns_carried(rows: List[Dict[str, float]]) -> Tuple[Dict[str, np.ndarray], Dict[str, np.ndarray]]:
    """Aligned value columns (NaN where a line lacks the key) and masks of the lines that carry each key."""
    names: List[str] = []
    for row in rows:
        for key in row:
            if key not in names:
                names.append(key)
    values = {name: np.array([row.get(name, math.nan) for row in rows], dtype=float) for name in names}
    carried = {name: np.array([name in row for row in rows], dtype=bool) for name in names}
    return values, carried


def _estimate_epoch_length(iters: List[int], epochs: List[int], inner: List[Optional[int]]
                           ) -> Tuple[Optional[int], str]:
    """Iterations per epoch from the global iteration at which each epoch's first line was logged."""
    first: Dict[int, int] = {}
    for it, ep in zip(iters, epochs):
        if ep > 0 and (ep not in first or it < first[ep]):
            first[ep] = it
    diffs = [first[e + 1] - first[e] for e in first if e + 1 in first and first[e + 1] > first[e]]
    if diffs:
        return int(np.median(diffs)), "iterations between epochs in the log"
    if len(first) == 1 and iters:
        return None, ""
    return None, ""


def _scalars(obj: Dict[str, object]) -> Dict[str, float]:
    row: Dict[str, float] = {}
    for key, value in obj.items():
        if key in _BOOKKEEPING or key.endswith("/step"):
            continue
        number = _number(value)
        if number is not None:
            row[key] = number
    return row


def _is_train_row(obj: Dict[str, object]) -> bool:
    return "lr" in obj or any(k == "loss" or k.startswith("loss") for k in obj) or "iter" in obj


def _json_objects(lines: Iterable[str], b: _Builder) -> Iterator[Dict[str, Any]]:
    """The JSON objects of a JSON-lines log; blank lines are passed over, others counted as skipped."""
    for line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            b.skipped += 1
            continue
        if not isinstance(obj, dict):
            b.skipped += 1
            continue
        yield obj


def _parse_scalars(lines: Iterable[str], b: _Builder) -> None:
    """mmengine LocalVisBackend `scalars.json`: one JSON object per line."""
    saw_epoch = False
    for obj in _json_objects(lines, b):
        row = _scalars(obj)
        if _is_train_row(obj):
            it = _number(obj.get("iter", obj.get("step")))
            if it is None or not row:
                b.skipped += 1
                continue
            ep = _number(obj.get("epoch"))
            saw_epoch = saw_epoch or ep is not None
            b.add_train(int(it), int(ep) if ep is not None else 0, row)
        else:
            step = _number(obj.get("step"))
            if step is None or not row:
                b.skipped += 1
                continue
            b.add_val(step, row)
    b.loop = "epoch" if saw_epoch else "iter"
    b.val_by = "epoch" if saw_epoch else "iter"
    if saw_epoch and b.val_steps and b.train_iters and max(b.val_steps) > max(b.train_epochs) + 1:
        b.val_by = "iter"  # log_metric_by_epoch=False: validation logged by iteration


def _parse_mmcv(lines: Iterable[str], b: _Builder) -> None:
    """mmcv-1.x TextLoggerHook `.log.json`: a meta line, then `{"mode": "train"|"val", ...}` lines."""
    val_iters: List[int] = []
    raw: List[Tuple[int, int, Dict[str, float]]] = []
    for obj in _json_objects(lines, b):
        mode = obj.get("mode")
        if mode is None:
            continue  # the meta line (env_info, config, seed)
        row = _scalars(obj)
        ep, it = _number(obj.get("epoch")), _number(obj.get("iter"))
        if mode == "train":
            if it is None or not row:
                b.skipped += 1
                continue
            raw.append((int(ep) if ep is not None else 0, int(it), row))
        elif mode == "val":
            row.pop("lr", None)
            row.pop("momentum", None)
            if ep is None or not row:
                b.skipped += 1
                continue
            if it is not None:
                val_iters.append(int(it))
            b.add_val(ep, row)
    # epoch-based runners log `iter` inside the epoch: it falls back when the epoch changes
    inner = any(e2 > e1 and i2 < i1 for (e1, i1, _), (e2, i2, _) in zip(raw, raw[1:]))
    epochs = {e for e, _, _ in raw}
    if not inner and len(epochs) == 1 and next(iter(epochs)) > 1:
        inner = True  # a single epoch after the first: its iterations cannot be global
    b.inner_iters = inner
    b.loop = "epoch" if inner or len(epochs) > 1 else ("iter" if not val_iters else "epoch")
    b.val_by = "epoch"
    if inner and val_iters:
        longest = max(i for _, i, _ in raw)
        candidate = max(set(val_iters), key=val_iters.count)
        if candidate >= longest:
            b.epoch_length, b.epoch_length_source = candidate, "the validation lines of the log"
    for e, i, row in raw:
        b.add_train(i, e, row, inner=i if inner else None)


def _parse_text(lines: Iterable[str], b: _Builder) -> None:
    """mmengine's text log: `Epoch(train)  [3][ 50/928]  lr: ...  loss: ...` lines; other lines are ignored."""
    last_iter = 0
    saw_epoch = False
    for line in lines:
        header = _EPOCH_HEADER.search(line)
        by_epoch = True
        if header is None:
            header = _ITER_HEADER.search(line)
            by_epoch = False
        if header is None:
            only = _EPOCH_ONLY_HEADER.search(line)
            if only is not None:  # `Epoch(val) [58/58]` under an iteration-based loop
                row = _text_items(line[only.end():])
                if row:
                    b.add_val(last_iter, row)
                    b.val_by = "iter"
            continue
        mode = header.group(1)
        row = _text_items(line[header.end():])
        if mode == "train":
            if not row:
                b.skipped += 1
                continue
            if by_epoch:
                epoch, inner, length = int(header.group(2)), int(header.group(3)), int(header.group(4))
                if length <= 0:
                    b.skipped += 1
                    continue
                saw_epoch = True
                b.epoch_length = length
                b.epoch_length_source = "the iterations per epoch in the log's headers"
                last_iter = (epoch - 1) * length + inner
                b.add_train(last_iter, epoch, row)
            else:
                last_iter = int(header.group(2))
                b.add_train(last_iter, 0, row)
        elif mode == "val" and row:
            if by_epoch:
                b.add_val(int(header.group(2)), row)
            else:
                b.add_val(last_iter, row)
                b.val_by = "iter"
    b.loop = "epoch" if saw_epoch else "iter"
    if not saw_epoch:
        b.val_by = "iter"


def _text_items(body: str) -> Dict[str, float]:
    """`key: value` items of a text log line (numbers only; eta, time, memory dropped)."""
    row: Dict[str, float] = {}
    for chunk in re.split(r"\s{2,}", body.strip()):
        for match in _ITEM.finditer(chunk):
            key, value = match.group(1).strip(), match.group(2)
            if key in _BOOKKEEPING:
                continue
            number = _number(value)
            if number is not None:
                row[key] = number
    return row


# ---------------------------------------------------------------------------------------------
# validation metrics
# ---------------------------------------------------------------------------------------------

# Name parts of metrics that improve by going down (mAP, NDS, mIoU, accuracy go up).
_LOWER_IS_BETTER = {"loss", "error", "err", "epe", "mse", "mae", "rmse", "chamfer", "fid", "ate", "rte", "ppl",
                    "perplexity", "wer", "cer", "nll", "mate", "mase", "maoe", "mave", "maae"}
_PRIMARY = [
    r"(^|/)bbox_mAP$", r"(^|/)segm_mAP$", r"(^|/)NDS$", r"(^|/)mAP$", r"mIoU$", r"top1$", r"(^|/)accuracy$",
    r"Car_3D_AP40_moderate", r"Car_3D_moderate", r"3D_.*moderate", r"AP40", r"mAP", r"AP", r"acc", r"IoU",
]


def lower_is_better(metric: str) -> bool:
    """Whether a validation metric improves by going down (a loss, an error) rather than up (mAP, accuracy)."""
    name = metric.rsplit("/", 1)[-1].lower()
    return "loss" in name or any(part in _LOWER_IS_BETTER for part in re.split(r"[^a-z0-9]+", name))


def primary_metric(metrics: List[str]) -> Optional[str]:
    """The metric a person would judge the run by (bbox mAP, NDS, mIoU, top-1, ...)."""
    if not metrics:
        return None
    for pattern in _PRIMARY:
        for m in metrics:
            if re.search(pattern, m):
                return m
    return metrics[0]
