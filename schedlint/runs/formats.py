"""Parsers of each log format into records: training lines, validation lines, and run starts.

Every parser turns lines into `Rec`s and never raises on bad content (a malformed line is counted).
`split_runs` cuts the records of one file into runs (a new run starts where the iteration goes
back to the start; a meta line or an environment banner before it marks where), so runs appended
to one file are never merged; a resumed run (the iteration going back a little) stays one run.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

__all__ = ["Rec", "Parsed", "parse_scalars", "parse_mmcv_json", "parse_text", "split_runs", "number"]

_SLOTS = {"slots": True} if sys.version_info >= (3, 10) else {}  # records of a long log: 600k of them

# Keys that describe the logging itself, not the training.
BOOKKEEPING = {"step", "epoch", "iter", "mode", "time", "data_time", "memory", "eta"}
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:nan|inf)$", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# mmengine: `Epoch(train)  [3][ 50/928]`, `Iter(train) [ 50/80000]`, `Epoch(val) [3][58/58]`, `Epoch(val) [58/58]`.
_MME_EPOCH = re.compile(r"Epoch\((train|val|test)\)\s*\[\s*(\d+)\s*\]\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
_MME_ITER = re.compile(r"Iter\((train|val|test)\)\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
_MME_EPOCH_ONLY = re.compile(r"Epoch\((val|test)\)\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
# mmcv-1.x: `Epoch [1][50/977]\tlr: ...`, `Iter [50/160000]\tlr: ...`, `Epoch(val) [1][625]\tbbox_mAP: ...`,
# `Iter(val) [500]\taAcc: ...`.
_MMCV_EPOCH = re.compile(r"(?<![\w(])Epoch\s*\[\s*(\d+)\s*\]\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
_MMCV_ITER = re.compile(r"(?<![\w(])Iter\s*\[\s*(\d+)\s*/\s*(\d+)\s*\]")
_MMCV_EPOCH_VAL = re.compile(r"Epoch\((?:val|test)\)\s*\[\s*(\d+)\s*\]\s*\[\s*(\d+)\s*\](?!\s*\[)")
_MMCV_ITER_VAL = re.compile(r"Iter\((?:val|test)\)\s*\[\s*(\d+)\s*\](?!\s*/)")
# a value: `:`, one whitespace that neither is a tab nor starts a run (both end a chunk), then the shortest run of
# non-space up to a comma, a space or the end
_VALUE = re.compile(r":(?!\t)\s(?!\s)(\S+?)(?=,|\s|$)")
_RUN = re.compile(r"\s{2,}")
_NUMBER_CHARS = "0123456789.eE+-"  # a value of only these is a number exactly when float() reads it
_KEYS: Dict[str, Optional[str]] = {}  # text before a value -> its key (see _items)
# A logger line (file: `2024/03/05 10:15:01 - `, `2021-10-13 10:12:01,123 - `; console: `03/05 10:15:01 - `).
_STAMPED = re.compile(r"^\s*(?:\d{4}[-/]\d{2}[-/]\d{2}[ T]|\d{2}/\d{2} )\d{2}:\d{2}:\d{2}|"
                      r" - [\w.]+ - (?:INFO|WARNING|ERROR|DEBUG|CRITICAL) - ")
_BANNER = re.compile(r"(System environment:|Environment info:)\s*$")  # (searched where the text is: a scan costs)
_CONFIG_START = re.compile(r"\bConfig:\s*$")


@dataclass(**_SLOTS)
class Rec:
    """One line of a log that matters: a training point, a validation result, or a run's start."""

    mode: str  # 'train', 'val' or 'meta'
    line: int  # 1-based line number in the file
    row: Dict[str, float] = field(default_factory=dict)
    epoch: Optional[int] = None
    inner: Optional[int] = None  # iteration inside the epoch (mmcv .log.json)
    it: Optional[int] = None  # global iteration (1-based) when the log gives it
    length: Optional[int] = None  # N of an `Epoch [e][i/N]` header: iterations per epoch
    planned: Optional[int] = None  # N of an `Iter [i/N]` header: the planned iterations
    groups: Optional[List[float]] = None  # the LR of every param group, when logged as a list
    config: Optional[str] = None  # meta: the config text the log carries
    name: Optional[str] = None  # meta: the config's file name (mmcv `exp_name`)
    # meta of an mmcv `.log.json`: the line holds a checkpoint's meta (`epoch`, `iter`): mmcv's `resume` replaces
    # `runner.meta` with the checkpoint's, so its `config` is the one of the run that saved the checkpoint
    from_checkpoint: bool = False


@dataclass
class Parsed:
    """The records of one file, and how many lines could not be read."""

    recs: List[Rec]
    skipped: int = 0
    inner_iters: bool = False  # training `iter` counts inside the epoch (mmcv .log.json, epoch runners)
    test_lines: int = 0  # `Epoch(test)` / `Iter(test)` lines: a tools/test.py run
    flavour: str = "text"  # of a text log: 'mmcv-text' when its headers are mmcv-1.x's, else 'text' (mmengine)


def number(value: Any) -> Optional[float]:
    """A log value as a float (per-group lists give group 0), or None when it is not a number (an int
    beyond float range included)."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str) and _NUMBER.match(value.strip()):
            return float(value)
        if isinstance(value, list) and value and isinstance(value[0], (int, float)) and not isinstance(value[0], bool):
            return float(value[0])
    except OverflowError:
        return None
    return None


#: the largest epoch or iteration number a log line may carry (a corrupted line past it is skipped)
MAX_LOG_POSITION = 10**12


def _position(value: Any) -> Optional[int]:
    """An epoch / iteration number of a log line: a finite, sane number as an int, else None."""
    n = number(value)
    if n is None or not -MAX_LOG_POSITION <= n <= MAX_LOG_POSITION:  # (NaN fails the test too)
        return None
    return int(n)


def _sane(rec: "Rec") -> bool:
    """Whether the positions of a text-log record are sane numbers (digits a corrupted line may have grown)."""
    return all(v is None or abs(v) <= MAX_LOG_POSITION for v in (rec.epoch, rec.inner, rec.it, rec.length, rec.planned))


def _row(obj: Dict[str, Any]) -> Tuple[Dict[str, float], Optional[List[float]]]:
    row: Dict[str, float] = {}
    groups: Optional[List[float]] = None
    for key, value in obj.items():
        if key in BOOKKEEPING or key.endswith("/step") or key.endswith("copypaste"):
            continue
        if key == "lr" and isinstance(value, dict):  # several optimizers: {'backbone': 1e-5, ...}
            for name, v in value.items():
                n = number(v)
                if n is not None:
                    row[sys.intern(f"lr_{name}")] = n
                    row.setdefault("lr", n)
            continue
        if key == "lr" and isinstance(value, list) and len(value) > 1:
            groups = [n for n in (number(v) for v in value) if n is not None]
        n = number(value)
        if n is not None:
            row[sys.intern(key)] = n  # (one key string for every line of a long log, not one per line)
    return row, groups


def _is_train(obj: Dict[str, Any]) -> bool:
    return "lr" in obj or any(str(k).startswith("loss") for k in obj) or "iter" in obj


def _json_objects(lines: Iterable[str], parsed: Parsed) -> Iterator[Tuple[int, Dict[str, Any]]]:
    for k, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text in ("[", "]"):
            continue
        text = text.lstrip("[").rstrip("]").rstrip(",").rstrip("]")  # a log re-saved as one JSON array
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError):  # (a line nested thousands deep is malformed too)
            parsed.skipped += 1
            continue
        if not isinstance(obj, dict):
            parsed.skipped += 1
            continue
        yield k, obj


def parse_scalars(lines: Iterable[str]) -> Parsed:
    """mmengine LocalVisBackend `scalars.json`: a JSON object per line, `iter` global, `step` the x value."""
    parsed = Parsed([])
    for k, obj in _json_objects(lines, parsed):
        row, groups = _row(obj)
        if _is_train(obj):
            it = _position(obj.get("iter", obj.get("step")))
            if it is None or not row:
                parsed.skipped += 1
                continue
            parsed.recs.append(Rec("train", k, row, epoch=_position(obj.get("epoch")), it=it, groups=groups))
        else:
            step = _position(obj.get("step"))
            if step is None or not row:
                parsed.skipped += 1
                continue
            parsed.recs.append(Rec("val", k, row, it=step))
    return parsed


def parse_mmcv_json(lines: Iterable[str]) -> Parsed:
    """mmcv-1.x TextLoggerHook `.log.json`: a meta line (env_info, config, seed), then mode lines."""
    parsed = Parsed([])
    for k, obj in _json_objects(lines, parsed):
        mode = obj.get("mode")
        if mode is None:
            config = obj.get("config")
            name = obj.get("exp_name")
            parsed.recs.append(Rec("meta", k, config=config if isinstance(config, str) else None,
                                   name=name if isinstance(name, str) else None,
                                   from_checkpoint="epoch" in obj or "iter" in obj))
            continue
        row, groups = _row(obj)
        ep, it = _position(obj.get("epoch")), _position(obj.get("iter"))
        if mode == "train":
            if it is None or not row:
                parsed.skipped += 1
                continue
            parsed.recs.append(Rec("train", k, row, epoch=ep, inner=it, groups=groups))
        elif mode == "val":
            for key in ("lr", "momentum"):
                row.pop(key, None)
            row = {key: v for key, v in row.items() if not key.startswith("lr_")}
            if ep is None or not row:
                parsed.skipped += 1
                continue
            parsed.recs.append(Rec("val", k, row, epoch=ep, inner=it))
    train = [r for r in parsed.recs if r.mode == "train"]
    parsed.inner_iters = _inner_iterations(train)
    for r in train:
        if not parsed.inner_iters:
            r.it, r.inner = r.inner, None
    return parsed


def _inner_iterations(train: List[Rec]) -> bool:
    """Whether `iter` counts inside the epoch: it does not grow when the epoch does (EpochBasedRunner)."""
    inner = outer = 0
    for a, b in zip(train, train[1:]):
        if a.epoch is None or b.epoch is None or b.epoch != a.epoch + 1:
            continue
        if b.inner <= a.inner:
            inner += 1
        else:
            outer += 1
    if inner or outer:
        return inner >= outer
    epochs = {r.epoch for r in train}
    return len(epochs) == 1 and next(iter(epochs)) not in (None, 0)  # one epoch: inner and global agree at epoch 1


_NESTED = re.compile(r"\{[^{}]*\}")  # a dict printed inside a line (per-class or per-set metrics)


def _items(body: str) -> Dict[str, float]:
    """`key: value` items of a text log line (numbers only; eta, time, memory dropped). The items of a dict the
    line prints (davarocr's `NAME: {'precision': 0.98, 'recall': 0.72}`) are not the line's own: left out.

    The line's chunks are its parts between `, `, tabs and runs of whitespace; a value follows `: ` inside a chunk
    and runs to the next comma, space or the chunk's end; its key is the text before it back to the chunk's start,
    the previous item, a `:` or a `,`. One scan of the line in linear time (a regex with a lazy key ran in time
    quadratic in the length of a line without `: `: minutes on one long line); a key's text is looked up in a
    bounded table, as a log repeats its keys on every line."""
    row: Dict[str, float] = {}
    if "{" in body:
        for _ in range(body.count("{")):  # innermost first: nested dicts
            body, found = _NESTED.subn("dict", body)
            if not found:
                break
    body = body.strip()
    keys = _KEYS
    previous = 0
    for match in _VALUE.finditer(body):
        segment = body[previous:match.start()]
        previous = match.end()
        try:
            key = keys[segment]
        except KeyError:
            if len(keys) > 10_000:
                keys.clear()
            key = keys[segment] = _key_of(segment)
        if key is None:
            continue
        value = match.group(1)
        if value.strip(_NUMBER_CHARS):  # not plain digits: nan, inf, or not a number
            n = number(value)
            if n is None:
                continue
        else:
            try:
                n = float(value)
            except ValueError:
                continue
        row[key] = n
    return row


def _key_of(segment: str) -> Optional[str]:
    """The key that the text before a value names (None when it names none, or bookkeeping); interned, as every
    line of a log repeats it."""
    key = segment[max(segment.rfind(":"), segment.rfind(","), segment.rfind("\t")) + 1:].lstrip()
    if _RUN.search(key):  # a chunk starts after the run
        key = _RUN.split(key)[-1]
    key = key.rstrip()
    if not key or key in BOOKKEEPING or key.endswith("copypaste"):
        return None
    return sys.intern(key)


def parse_text(lines: Iterable[str]) -> Parsed:
    """mmengine and mmcv-1.x text logs (also wandb's output.log, which is the console of either).

    Training lines carry `[i/N]` headers; an environment banner starts a run; a `Config:` block
    (up to the next time-stamped line) is the run's config.
    """
    parsed = Parsed([])
    config_lines: Optional[List[str]] = None
    config_rec: Optional[Rec] = None
    flavour = _Flavour()
    for k, raw in enumerate(lines, 1):
        if flavour.found is None:
            flavour.see(raw)
        line = _ANSI.sub("", raw).rsplit("\r", 1)[-1]
        if config_lines is not None:
            if _STAMPED.search(line):
                config_rec.config = "\n".join(config_lines).strip("\n") + "\n"
                config_lines = None
            else:
                config_lines.append(line)
                continue
        if ("System environment:" in line or "Environment info:" in line) and _BANNER.search(line):
            parsed.recs.append(Rec("meta", k))
            continue
        if "Config:" in line and _CONFIG_START.search(line):
            config_rec = Rec("meta", k)
            parsed.recs.append(config_rec)
            config_lines = []
            continue
        rec = _text_record(line, k)
        if rec is not None and not _sane(rec):
            parsed.skipped += 1
            continue
        if rec is None:
            if "(test)" in line and ("Epoch(test)" in line or "Iter(test)" in line):
                parsed.test_lines += 1
            continue
        if rec.mode == "train" and not set(rec.row) - {"base_lr"}:  # a line cut short while written
            parsed.skipped += 1
            continue
        if rec.row:
            parsed.recs.append(rec)
    if config_lines is not None and config_rec is not None:
        config_rec.config = "\n".join(config_lines).strip("\n") + "\n"
    parsed.flavour = flavour.flavour
    return parsed


def config_block(lines: Iterable[str], limit: int = 100_000) -> Optional[str]:
    """The first `Config:` block of a text log (what `parse_text` reads), looking no further than its first
    training line or `limit` lines."""
    block: Optional[List[str]] = None
    for k, raw in enumerate(lines, 1):
        line = _ANSI.sub("", raw).rsplit("\r", 1)[-1]
        if block is not None:
            if _STAMPED.search(line):
                break
            block.append(line.rstrip("\n"))
        elif "Config:" in line and _CONFIG_START.search(line):
            block = []
        elif k > limit or _text_record(line, k) is not None:
            return None
    text = "\n".join(block or []).strip("\n")
    return text + "\n" if text else None


def _text_record(line: str, k: int) -> Optional[Rec]:
    m = _MME_EPOCH.search(line)
    if m:
        mode, epoch, inner, length = m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4))
        row = _items(line[m.end():])
        if mode == "train":
            if length <= 0:
                return Rec("train", k)
            return Rec("train", k, row, epoch=epoch, inner=inner, it=(epoch - 1) * length + inner, length=length)
        return Rec("val", k, row, epoch=epoch) if mode == "val" else None
    m = _MME_ITER.search(line)
    if m:
        mode, it, planned = m.group(1), int(m.group(2)), int(m.group(3))
        row = _items(line[m.end():])
        if mode == "train":
            return Rec("train", k, row, it=it, planned=planned)
        return Rec("val", k, row) if mode == "val" else None  # the step is the last training iteration
    m = _MME_EPOCH_ONLY.search(line)
    if m:
        return Rec("val", k, _items(line[m.end():])) if m.group(1) == "val" else None
    m = _MMCV_EPOCH.search(line)
    if m:
        epoch, inner, length = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if length <= 0:
            return Rec("train", k)
        return Rec("train", k, _items(line[m.end():]), epoch=epoch, inner=inner, it=(epoch - 1) * length + inner,
                   length=length)
    m = _MMCV_ITER.search(line)
    if m:
        return Rec("train", k, _items(line[m.end():]), it=int(m.group(1)), planned=int(m.group(2)))
    m = _MMCV_EPOCH_VAL.search(line)
    if m:
        return Rec("val", k, _items(line[m.end():]), epoch=int(m.group(1)))
    m = _MMCV_ITER_VAL.search(line)
    if m:
        return Rec("val", k, _items(line[m.end():]), it=int(m.group(1)))
    return None


def header_length(lines: Iterable[str], planned: bool = False) -> Optional[int]:
    """Iterations per epoch from the first `Epoch [e][i/N]` training header of a text log, if any
    (with `planned`, the N of the first `Iter(train) [i/N]` header instead: the planned iterations)."""
    for line in lines:
        if planned:
            m = _MME_ITER.search(line)
            if m is not None and m.group(1) == "train" and int(m.group(3)) > 0:
                return int(m.group(3))
            m = _MMCV_ITER.search(line)
            if m is not None and int(m.group(2)) > 0:
                return int(m.group(2))
            continue
        m = _MME_EPOCH.search(line)
        if m is not None and m.group(1) == "train" and int(m.group(4)) > 0:
            return int(m.group(4))
        m = _MMCV_EPOCH.search(line)
        if m is not None and int(m.group(3)) > 0:
            return int(m.group(3))
    return None


class _Flavour:
    """Whose training headers a text log has: 'mmcv-text' when the first is mmcv-1.x's (`Epoch [1][50/977]`),
    'text' when mmengine's, else 'mmcv-text' when it has mmcv's validation lines (`Epoch(val) [1][18]`;
    mmengine's have `[1][18/18]`), else 'text'. Fed every line until the first header decides."""

    def __init__(self) -> None:
        self.found: Optional[str] = None
        self.validation_only: Optional[str] = None

    def see(self, line: str) -> None:
        if _MME_EPOCH.search(line) or _MME_ITER.search(line):
            self.found = "text"
        elif _MMCV_EPOCH.search(line) or _MMCV_ITER.search(line):
            self.found = "mmcv-text"
        elif self.validation_only is None and (_MMCV_EPOCH_VAL.search(line) or _MMCV_ITER_VAL.search(line)):
            self.validation_only = "mmcv-text"

    @property
    def flavour(self) -> str:
        return self.found or self.validation_only or "text"


# ---------------------------------------------------------------------------------------------
# several runs in one file
# ---------------------------------------------------------------------------------------------


def _key(rec: Rec) -> float:
    if rec.it is not None:
        return float(rec.it)
    return (rec.epoch or 0) * 1e12 + (rec.inner or 0)


def _restarts(prev: Rec, rec: Rec, first: Rec) -> bool:
    """Whether `rec` starts training over (not a resume that goes back a little)."""
    if _key(rec) >= _key(prev):
        return False
    if rec.it is None:  # mmcv inner iterations: a restart goes back to the first epoch
        return (rec.epoch or 0) <= max(1, first.epoch or 1)
    start = first.it if first.it is not None else 0
    return rec.it <= max(2 * start, 0.02 * (prev.it or 0))


def split_runs(recs: List[Rec]) -> List[List[Rec]]:
    """The records of one file cut into runs (see the module doc)."""
    runs: List[List[Rec]] = [[]]
    first: Optional[Rec] = None
    prev: Optional[Rec] = None
    pending: List[Rec] = []  # meta and validation records since the last training line
    for rec in recs:
        if rec.mode != "train":
            pending.append(rec)
            continue
        if prev is not None and _restarts(prev, rec, first):
            metas = [i for i, r in enumerate(pending) if r.mode == "meta"]
            cut = metas[0] if metas else len(pending)
            runs[-1].extend(pending[:cut])
            runs.append(pending[cut:])
            pending = []
            first = None
        if first is None:
            first = rec
        runs[-1].extend(pending)
        pending = []
        runs[-1].append(rec)
        prev = rec
    runs[-1].extend(pending)
    return [r for r in runs if r]


def finite_or_none(value: float) -> Optional[float]:
    """A float for JSON (None for nan/inf)."""
    return value if value is not None and math.isfinite(value) else None
