"""Read the training log of a real run, in any format users have, into one `RunLog`.

`read_run(path)` accepts a work_dir, an mmengine timestamp folder, a `vis_data` folder, a wandb run
folder (`files/output.log`) or a log file. In a folder, the newest run *that has training lines*
(by file time, not by name) is read and a note names it and the runs passed over (a `tools/test.py`
run, an aborted start). In a file holding several runs, the last one is read, with a note. Lines
that cannot be read are skipped and counted; only `RunLogError` is raised, when nothing is usable.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import re
import tempfile
from typing import Iterator, List, Optional, Sequence, Set, Tuple

from schedlint.runs.assemble import build_run
from schedlint.runs.formats import (Parsed, Rec, config_block, header_length, parse_mmcv_json, parse_scalars, parse_text,
                                    split_runs)
from schedlint.runs.model import RunLog, RunLogError, lower_is_better, primary_metric
from schedlint.runs.resume import resumed_from

__all__ = ["RunLog", "RunLogError", "find_logs", "read_run", "read_log_file", "lower_is_better", "primary_metric"]

_TIMESTAMP_DIR = re.compile(r"^\d{8}_\d{6}$")
# a run folder renamed after its run, its timestamp kept in front (`20230604_153610_ear_train_200_best196_.808`)
_RENAMED_RUN_DIR = re.compile(r"^\d{8}_\d{6}(?!\d)")
# a top-level key every training config has (a dumped one names them all): a helper script beside the run
# (`plot_loss.py`) has none of them
_CONFIG_KEY = re.compile(r"^(?:param_scheduler|lr_config|optim_wrapper|optimizer|train_cfg|runner|total_epochs|_base_)"
                         r"\s*=", re.M)
_TB_PREFIX = "events.out.tfevents"


# ---------------------------------------------------------------------------------------------
# finding the runs of a folder
# ---------------------------------------------------------------------------------------------


def _listdir(folder: str) -> List[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def _nonempty(path: str) -> bool:
    return os.path.isfile(path) and os.path.getsize(path) > 0


def _own_logs(folder: str) -> List[str]:
    """The log files of one run folder (mmengine timestamp folder, wandb run folder), best first."""
    stamp = os.path.basename(folder)
    names = [os.path.join(folder, "vis_data", "scalars.json"), os.path.join(folder, "vis_data", f"{stamp}.json"),
             os.path.join(folder, f"{stamp}.log"), os.path.join(folder, "files", "output.log"),
             os.path.join(folder, "output.log")]
    found = [p for p in names if _nonempty(p)]
    if not _TIMESTAMP_DIR.match(stamp):
        found += [os.path.join(folder, n) for n in _listdir(folder) if n.endswith(".log") and
                  _nonempty(os.path.join(folder, n)) and os.path.join(folder, n) not in found]
    for sub in (folder, os.path.join(folder, "vis_data")):
        found += [os.path.join(sub, n) for n in _listdir(sub) if n.startswith(_TB_PREFIX)][-1:]
    return found


def _candidates(folder: str) -> List[Tuple[str, List[str]]]:
    """(name, log files best first) of every run in a work_dir."""
    runs = _run_folders(folder)
    jsons = {n for n in _listdir(folder) if n.endswith(".log.json") and _nonempty(os.path.join(folder, n))}
    runs += _json_logs(folder, jsons)
    runs += _loose_logs(folder, jsons)
    if not runs:  # TensorBoard files duplicate the JSON/text logs of the same run: a fallback only
        runs = [(name, [os.path.join(folder, name)]) for name in _tensorboard_files(folder)]
    return runs


def _run_folders(folder: str) -> List[Tuple[str, List[str]]]:
    """The runs kept in folders of their own: mmengine `<timestamp>/` folders, then `wandb/run-*` folders."""
    runs: List[Tuple[str, List[str]]] = []
    for name in _listdir(folder):
        sub = os.path.join(folder, name)
        if os.path.isdir(sub) and _RENAMED_RUN_DIR.match(name):
            files = _own_logs(sub)
            if files:
                runs.append((name, files))
    wandb = os.path.join(folder, "wandb")
    for name in _listdir(wandb):
        sub = os.path.join(wandb, name)
        if os.path.isdir(sub) and (name.startswith("run-") or name.startswith("offline-run-")):
            files = _own_logs(sub)
            if files:
                runs.append((os.path.join("wandb", name), files))
    return runs


def _json_logs(folder: str, jsons: Set[str]) -> List[Tuple[str, List[str]]]:
    """The mmcv `X.log.json` runs (named in `jsons`), each with its text log `X.log` when not empty."""
    runs: List[Tuple[str, List[str]]] = []
    for name in sorted(jsons):
        text = name[: -len(".json")]
        files = [os.path.join(folder, name)]
        if text in _listdir(folder) and _nonempty(os.path.join(folder, text)):
            files.append(os.path.join(folder, text))
        runs.append((name, files))
    return runs


def _loose_logs(folder: str, jsons: Set[str]) -> List[Tuple[str, List[str]]]:
    """Text logs without a .log.json beside them, and scalars.json-like files at the top of the folder."""
    runs: List[Tuple[str, List[str]]] = []
    for name in _listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith(".log") and name + ".json" not in jsons and _nonempty(path):
            runs.append((name, [path]))
        elif name.endswith(".json") and not name.endswith(".log.json") and _looks_like_scalars(path):
            runs.append((name, [path]))  # a scalars.json (or <timestamp>.json) kept at the top of the folder
    return runs


def _tensorboard_files(folder: str) -> List[str]:
    """TensorBoard event files in the folder and its tf_logs/tensorboard/tb_logs subfolders (relative names)."""
    tb = [n for n in _listdir(folder) if n.startswith(_TB_PREFIX)]
    for sub in ("tf_logs", "tensorboard", "tb_logs"):
        tb += [os.path.join(sub, n) for n in _listdir(os.path.join(folder, sub)) if n.startswith(_TB_PREFIX)]
    return tb


#: the largest log read (a multi-day run's text log is tens of MB; this bounds memory on odd inputs)
MAX_LOG_BYTES = 1 << 30


def _check_regular(path: str) -> int:
    """The size of `path`; OSError when it is not a regular file (a FIFO or a device would block or
    never end) or is larger than MAX_LOG_BYTES. Nothing is opened."""
    import stat

    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"not a regular file (a FIFO, device or socket is not read)")
    if info.st_size > MAX_LOG_BYTES:
        raise OSError(f"larger than {MAX_LOG_BYTES >> 20} MiB")
    return info.st_size


def _looks_like_scalars(path: str) -> bool:
    """A JSON-lines training log: its first line is an object with a `step` (mmengine) or `mode` (mmcv)."""
    try:
        _check_regular(path)
        with open(path, "r", encoding="utf-8", errors="replace") as handle:
            head = handle.readline(4096).strip()
    except OSError:
        return False
    return head.startswith("{") and head.endswith("}") and ('"step"' in head or '"mode"' in head or '"loss' in head)


def _vis_data_run(folder: str) -> Optional[Tuple[str, List[str]]]:
    """The run of an mmengine `vis_data` folder: its JSON logs (scalars.json first, then newest) and its last
    TensorBoard file; None when it has neither."""
    jsons = sorted((os.path.join(folder, n) for n in _listdir(folder) if n.endswith(".json")),
                   key=lambda p: (os.path.basename(p) != "scalars.json", -os.path.getmtime(p)))
    tb = [os.path.join(folder, n) for n in _listdir(folder) if n.startswith(_TB_PREFIX)][-1:]
    if not (jsons or tb):
        return None
    return (os.path.basename(os.path.dirname(folder)) or "vis_data", [p for p in jsons if _nonempty(p)] + tb)


def find_logs(path: str) -> List[Tuple[str, List[str]]]:
    """The runs to try for a path, newest first: (name, log files best first)."""
    if os.path.isfile(path):
        return [(os.path.basename(path), [path])]
    if not os.path.isdir(path):
        if os.path.exists(path):  # a FIFO, device or socket: never opened (it could block forever)
            raise RunLogError(f"{path}: not a regular file or folder (a FIFO, device or socket is not read)")
        raise RunLogError(f"{path}: no such file or directory")
    folder = os.path.abspath(path)
    if os.path.basename(folder) == "vis_data":
        vis = _vis_data_run(folder)
        if vis is not None:
            return [vis]
    if os.path.basename(folder) == "vis_data" or (os.path.basename(folder) == "files" and
                                                   _nonempty(os.path.join(folder, "output.log"))):
        folder = os.path.dirname(folder)
    own = _own_logs(folder)
    if own and (_TIMESTAMP_DIR.match(os.path.basename(folder)) or _nonempty(os.path.join(folder, "files", "output.log"))):
        return [(os.path.basename(folder), own)]
    runs = _candidates(folder)
    if not runs:
        inner = [n for n in _listdir(folder) if os.path.isdir(os.path.join(folder, n)) and
                 (_candidates(os.path.join(folder, n)) or _own_logs(os.path.join(folder, n)))]
        if len(inner) == 1:  # one folder holds the run (a run folder renamed from its timestamp, vis_data/)
            return find_logs(os.path.join(folder, inner[0]))
        if inner:
            shown = ", ".join(inner[:8]) + (", ..." if len(inner) > 8 else "")
            raise RunLogError(f"{path}: no run directly in it, but {len(inner)} folder{'s' if len(inner) != 1 else ''} "
                              f"with runs ({shown}): pass one of them")
        raise RunLogError(
            f"{path}: no training log found (looked for <timestamp>/vis_data/scalars.json, <timestamp>/<timestamp>.log, "
            "*.log.json, *.log, wandb/run-*/files/output.log and TensorBoard event files)")
    runs.sort(key=lambda r: (max(os.path.getmtime(f) for f in r[1]), r[0]), reverse=True)
    return runs


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


def read_run(path: str, epoch_length: Optional[int] = None) -> RunLog:
    """The RunLog of a work_dir, run folder or log file (RunLogError when nothing usable is there)."""
    runs = find_logs(path)
    passed: List[str] = []
    problems: List[str] = []
    fallback: Optional[RunLog] = None  # a run that logged validation only
    for k, (name, files) in enumerate(runs):
        log = None
        earlier = runs[k + 1][1] if k + 1 < len(runs) else []
        for candidate in files:
            try:
                log = read_log_file(candidate, epoch_length, earlier)
                break
            except RunLogError as exc:
                problems.append(str(exc))
        if log is not None and not len(log.iters):
            fallback = fallback or log
            log = None
        if log is None:
            passed.append(name)
            continue
        if len(runs) > 1:
            text = (f"{len(runs)} runs in {path}; reading {name}, the newest that has training lines (by file time; "
                    "pass a run folder or a log file to choose another)")
            if passed:
                text += f"; passed over newer {', '.join(passed)}: no training lines (a test run or an aborted start?)"
            log.notes.insert(0, text)
        return log
    if fallback is not None:
        return fallback
    if len(runs) == 1:
        raise RunLogError("; ".join(problems) or f"{path}: no training log found")
    raise RunLogError(f"{path}: none of its {len(runs)} runs has training lines ({', '.join(n for n, _ in runs)})")


def _lines(path: str) -> Iterator[str]:
    """The lines of a log file as `str.splitlines` cuts its UTF-8 text (undecodable bytes replaced), read as they
    are needed: a log of hundreds of MB is never held whole, as bytes, text and lines at once. RunLogError when
    it cannot be read or is binary; no more than MAX_LOG_BYTES characters are read (a file still growing)."""
    try:
        _check_regular(path)
        handle = open(path, "rb")
    except OSError as exc:
        raise RunLogError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with handle:
        try:
            head = handle.read(4096)
            if _binary(head):
                raise RunLogError(f"{path}: binary data, not a training log")
            handle.seek(0)
            # newline="": pieces end at \n, \r\n or \r, kept; the other ends splitlines knows are cut below
            text = io.TextIOWrapper(handle, encoding="utf-8", errors="replace", newline="")
            budget = MAX_LOG_BYTES
            for piece in text:
                budget -= len(piece)
                if budget < 0:
                    return
                if _OTHER_LINE_ENDS.search(piece):
                    yield from piece.splitlines()
                else:
                    yield piece.rstrip("\r\n")
        except OSError as exc:
            raise RunLogError(f"{path}: cannot read: {exc.strerror or exc}") from None


# what `str.splitlines` cuts at besides \n and \r
_OTHER_LINE_ENDS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _binary(head: bytes) -> bool:
    """Bytes that are not text: NULs, a tenth of them control characters (a log's own are tabs, newlines,
    carriage returns and ANSI escapes), or a third not UTF-8 (a log in another encoding keeps its ASCII)."""
    if not head:
        return False
    if head.count(b"\x00") > 0.05 * len(head):
        return True
    text = head.decode("utf-8", errors="replace")
    controls = sum(1 for c in text if c < " " and c not in "\t\n\r\x1b")
    return controls > 0.1 * len(text) or text.count("\ufffd") > 0.3 * len(text)


def _kind(path: str, head: List[str]) -> str:
    """The reader a log file calls for, from its name and its first 50 lines: 'mmcv-json', 'scalars.json' or
    'text' (a text log's flavour, 'text' or 'mmcv-text', is what its parser finds)."""
    first = next((line.lstrip() for line in head if line.strip()), "")
    if os.path.basename(path).endswith(".log.json") or (first.startswith("{") and any('"mode"' in line for line in head)):
        return "mmcv-json"
    if path.endswith(".json") or first.startswith("{"):
        return "scalars.json"
    return "text"


def read_log_file(path: str, epoch_length: Optional[int] = None, earlier: Sequence[str] = ()) -> RunLog:
    """Read one log file (the last run in it), choosing the parser from its name and content; a run resumed from
    one logged in an `earlier` file (the work_dir's previous run) is read from there."""
    parsed, kind = _parse_file(path)
    notes: List[str] = []
    chosen, source = _choose_run(path, parsed, kind, notes)
    whole = resumed_from(chosen, kind, earlier, _last_trained_run) if earlier else None
    if whole is not None:
        chosen = whole[0]
        notes.append(whole[1])
    run_dir, work_dir = _dirs(path)
    config, config_source = _config_for(path, run_dir, work_dir, chosen, kind)
    log = _build_with_sibling(path, parsed, chosen, kind, run_dir, work_dir, epoch_length)
    log.config, log.config_source = config, config_source
    log.source = source
    log.notes = notes + log.notes
    return log


def _last_trained_run(path: str) -> Tuple[List[Rec], str]:
    """(records of the last run that trained, kind) of a log file (RunLogError when it has none)."""
    parsed, kind = _parse_file(path)
    return _choose_run(path, parsed, kind, [])[0], kind


def _parse_file(path: str) -> Tuple[Parsed, str]:
    """(records, kind) of a log file, parsed by the reader its name and content call for, line by line."""
    if os.path.basename(path).startswith(_TB_PREFIX):
        from schedlint.runs.tensorboard import read_events

        try:
            _check_regular(path)  # (TensorBoard's reader holds the whole file: the same cap as a log's)
        except OSError as exc:
            raise RunLogError(f"{path}: cannot read: {exc.strerror or exc}") from None
        return read_events(path), "tensorboard"
    lines = _lines(path)
    head = list(itertools.islice(lines, 50))
    kind = _kind(path, head)
    rest = itertools.chain(head, lines)
    if kind == "mmcv-json":
        return parse_mmcv_json(rest), kind
    if kind == "scalars.json":
        return parse_scalars(rest), kind
    parsed = parse_text(rest)
    return parsed, parsed.flavour


def _choose_run(path: str, parsed: Parsed, kind: str, notes: List[str]) -> Tuple[list, str]:
    """(records, source) of the last run in the file that trained (else the last that validated), with a note
    when the file holds several; RunLogError when none did either."""
    runs = split_runs(parsed.recs)
    trained = [r for r in runs if any(rec.mode == "train" and rec.row for rec in r)]
    if not trained:
        trained = _validated_runs(path, runs, parsed, kind, notes)
    chosen = trained[-1]
    source = path
    if len(runs) > 1:
        first, last = chosen[0].line, chosen[-1].line
        notes.append(f"{os.path.basename(path)} holds {len(runs)} runs (the iteration starts over at lines "
                     f"{', '.join(str(r[0].line) for r in runs[1:][:6])}{', ...' if len(runs) > 7 else ''}); "
                     f"reading the last one that trained, lines {first}-{last}")
        source = f"{path}, lines {first}-{last}"
    return chosen, source


def _validated_runs(path: str, runs: List[list], parsed: Parsed, kind: str, notes: List[str]) -> List[list]:
    """The runs of a file without training lines that logged validation results (noted); RunLogError saying
    why when there are none."""
    validated = [r for r in runs if any(rec.mode == "val" for rec in r)]
    if not validated:
        if kind in ("scalars.json", "mmcv-json") and parsed.skipped and _one_document(path):
            raise RunLogError(f"{path}: one JSON document, not the JSON-lines log mmengine or mmcv writes "
                              "(one object per line)")
        detail = f" ({parsed.skipped} malformed lines skipped)" if parsed.skipped else ""
        why = (f"a test run: {parsed.test_lines} Epoch(test)/Iter(test) lines" if parsed.test_lines else
               "the run stopped before its first training line, or it is a test run")
        raise RunLogError(f"{path}: no training iterations logged{detail} ({why})")
    # (one evaluation per position: mmcv's val workflow logs its losses in a line of their own)
    count = len({(rec.epoch, rec.it) for rec in validated[-1] if rec.mode == "val"})
    notes.append(f"{os.path.basename(path)} has no training lines, only {count} validation results (the logging "
                 "interval is longer than an epoch?)")
    return validated


def _build_with_sibling(path: str, parsed: Parsed, chosen: list, kind: str, run_dir: str, work_dir: str,
                        epoch_length: Optional[int]) -> RunLog:
    """The RunLog of the chosen run; a JSON log that cannot tell its epoch length takes it (or the planned
    iterations) from the text log beside it."""
    sibling = None
    no_epochs = not any(r.epoch for r in chosen if r.mode == "train")
    if not epoch_length and ((kind == "mmcv-json" and parsed.inner_iters) or (kind == "scalars.json" and no_epochs)):
        sibling = _sibling_length(path)
    log = build_run(Parsed(chosen, parsed.skipped, parsed.inner_iters), path, kind, run_dir, work_dir,
                    epoch_length or (sibling[0] if sibling else None))
    if sibling:
        log.epoch_length_source = sibling[1]
        log.notes = [n for n in log.notes if not n.startswith("--epoch-length")]
        if no_epochs:  # scalars.json without epoch keys, the text log knows the epoch: an epoch loop
            log.loop, log.epochs_known = "epoch", True
            log.epochs = (log.iters - 1) // sibling[0] + 1
    elif kind == "scalars.json" and no_epochs and not epoch_length:
        log.max_iters = _sibling_header(path, planned=True)
    return log


def _one_document(path: str) -> bool:
    import json

    try:
        json.loads("\n".join(_lines(path)))
    except (ValueError, RecursionError):
        return False
    return True


def _sibling_text_log(path: str) -> Optional[str]:
    """The text log written beside a JSON log: `X.log` for mmcv's `X.log.json`, `<stamp>.log` for mmengine's
    `<stamp>/vis_data/scalars.json`."""
    if path.endswith(".log.json"):
        found = path[: -len(".json")]
    else:
        vis = os.path.dirname(os.path.abspath(path))
        run_dir = os.path.dirname(vis)
        if os.path.basename(vis) != "vis_data":
            return None
        found = os.path.join(run_dir, os.path.basename(run_dir) + ".log")
    return found if _nonempty(found) else None


def _sibling_header(path: str, planned: bool = False) -> Optional[int]:
    text_log = _sibling_text_log(path)
    if not text_log:
        return None
    try:
        _check_regular(text_log)
        with open(text_log, "r", encoding="utf-8", errors="replace") as handle:
            return header_length(handle, planned)
    except OSError:
        return None


def _sibling_length(path: str) -> Optional[Tuple[int, str]]:
    """The text log beside a JSON log: its `[i/N]` training headers give the exact epoch length."""
    found = _sibling_header(path)
    if not found:
        return None
    return found, f"the [i/{found}] headers of {os.path.basename(_sibling_text_log(path) or '')} beside it"


def _dirs(path: str) -> Tuple[str, str]:
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.basename(folder) in ("vis_data", "tf_logs", "tensorboard", "tb_logs"):
        folder = os.path.dirname(folder)
    if os.path.basename(folder) == "files" and os.path.basename(path) == "output.log":
        return os.path.dirname(folder), os.path.dirname(folder)
    if _TIMESTAMP_DIR.match(os.path.basename(folder)):
        return folder, os.path.dirname(folder)
    return folder, folder


def _config_for(path: str, run_dir: str, work_dir: str, recs, kind: str) -> Tuple[Optional[str], str]:
    """The config of the run: its own dumped copy, the copy the log carries, or the one .py in the work_dir."""
    own = os.path.join(run_dir, "vis_data", "config.py")
    if os.path.isfile(own):
        return own, "dumped with the run (vis_data/config.py)"
    beside = os.path.join(os.path.dirname(os.path.abspath(path)), "config.py")
    if kind == "scalars.json" and os.path.isfile(beside):  # vis_data's files, moved out of it together
        return beside, "config.py beside the scalars.json"
    embedded = [r for r in recs if r.mode == "meta" and r.config and r.config.strip()]
    if embedded and embedded[-1].from_checkpoint:
        # a resumed mmcv run: the .log.json carries the checkpoint's config; the text log beside it prints the
        # config this run was started with
        text_log = path[: -len(".json")] if path.endswith(".log.json") else None
        text = _config_block_of(text_log) if text_log else None
        if text:
            return (_write_embedded(text_log, text, embedded[-1].name),
                    f"the Config: block of {os.path.basename(text_log)} (a resumed run's .log.json carries the "
                    "config of the run that saved its checkpoint)")
        return (_write_embedded(path, embedded[-1].config, embedded[-1].name),
                f"carried in the first line of {os.path.basename(path)}, which a resumed run copies from its "
                "checkpoint: the config of the run that saved it, perhaps not this run's")
    if embedded:
        where = "the first line of" if kind == "mmcv-json" else "the Config: block of"
        return (_write_embedded(path, embedded[-1].config, embedded[-1].name),
                f"carried in {where} {os.path.basename(path)}")
    names = [n for n in _listdir(work_dir) if n.endswith(".py") and n != "__init__.py"
             and _looks_like_config(os.path.join(work_dir, n))]
    if not names:
        return None, ""
    names.sort(key=lambda n: (os.path.getmtime(os.path.join(work_dir, n)), n))
    if len(names) == 1:
        return os.path.join(work_dir, names[0]), "dumped with the run"
    return (os.path.join(work_dir, names[-1]),
            f"the newest of the {len(names)} .py files beside the run (a work_dir holds the dumped config)")


def _config_block_of(path: str) -> Optional[str]:
    """The `Config:` block at the start of a text log, or None (no such file, or no block)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return config_block(handle)
    except OSError:
        return None


def _looks_like_config(path: str) -> bool:
    """Whether a .py file sets a training config's top-level keys (its first 256 KiB, read as text)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 18).decode("utf-8", "replace")
    except OSError:
        return False
    return _CONFIG_KEY.search(head) is not None


def _write_embedded(log_path: str, text: str, name: Optional[str] = None) -> str:
    """The config text a log carries, written to a cache file named after the config (the linter reads files)."""
    digest = hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()[:12]
    base = os.path.basename(name) if name and name.endswith(".py") else os.path.basename(log_path) + ".config.py"
    folder = os.path.join(tempfile.gettempdir(), "schedlint-run-configs", digest)
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, re.sub(r"[^\w.-]", "_", base))
    if not os.path.isfile(target):
        tmp = f"{target}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    return target
