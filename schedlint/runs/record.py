"""What a SchedLintHook run records: the runner's exact facts, and `schedlint.json` on disk (plain data).

`RunFacts` is filled by the hook modules (`schedlint.mmengine`, `schedlint.mmcv`) from the runner and
read by `schedlint.runs.monitor.Monitor`; `read_report` gives `schedlint.json` back to whoever wants
the exact facts of a run (the epoch length, the LR scale, the param groups) instead of estimates.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

__all__ = ["RunFacts", "REPORT_NAME", "PLOT_NAME", "SCHEDULE_KEYS", "jsonable", "read_report", "same_schedule",
           "write_atomic_text"]

REPORT_NAME = "schedlint.json"
PLOT_NAME = "schedlint_schedule.png"

#: config keys whose values decide the schedule: when the runner's differ from the file's, the
#: runner's own config is checked instead of the file
SCHEDULE_KEYS = ("train_cfg", "param_scheduler", "optim_wrapper", "auto_scale_lr", "optimizer", "lr_config",
                 "momentum_config", "runner", "total_epochs")

@dataclass
class RunFacts:
    """What the runner knows exactly at the start of training (plain data, JSON-ready)."""

    generation: str  # 'mmengine' or 'mmcv'
    runner: str  # runner / train loop class
    loop: str  # 'epoch' or 'iter'
    epoch_length: int  # len(train_dataloader): iterations per epoch on each rank
    epoch_length_source: str = "len(train_dataloader) at run time"
    max_epochs: Optional[int] = None
    max_iters: Optional[int] = None
    world_size: int = 1
    batch_size: Optional[int] = None  # per rank
    lr_scale: Optional[float] = None  # auto_scale_lr factor the runner applied (None: not enabled)
    lr_scale_text: str = ""
    param_groups: List[Dict[str, Any]] = field(default_factory=list)  # initial lr, momentum/betas, ...
    schedulers: List[Dict[str, Any]] = field(default_factory=list)  # the scheduler objects/hooks built
    scheduler_hook: Optional[bool] = None  # the hook that steps the schedulers is registered
    hooks: List[str] = field(default_factory=list)
    config: Optional[str] = None  # the config file checked
    config_source: str = ""
    start_iter: int = 0  # > 0 when the run was resumed
    notes: List[str] = field(default_factory=list)

    def to_json(self) -> Dict[str, Any]:
        return jsonable(asdict(self))


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    try:
        number = float(value)  # numpy scalars
        return number if math.isfinite(number) else None
    except (TypeError, ValueError):
        return str(value)


def runner_value(value: Any) -> Any:
    """A value read off a runner object (a param group entry, a scheduler attribute) as plain data:
    numbers, strings, lists and dicts; a Counter (MultiStepLR's milestones) as its sorted elements;
    anything else as a float, or None."""
    from collections import Counter

    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [runner_value(v) for v in value]
    if isinstance(value, Counter):
        return sorted(runner_value(v) for v in value.elements())
    if isinstance(value, dict):
        return {str(k): runner_value(v) for k, v in value.items()}
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def same_schedule(file_values: Dict[str, Any], runner_values: Dict[str, Any]) -> List[str]:
    """The SCHEDULE_KEYS whose values differ between the config file and the runner's config."""
    def norm(value: Any) -> str:
        return json.dumps(jsonable(value), sort_keys=True)

    return [k for k in SCHEDULE_KEYS if norm(file_values.get(k)) != norm(runner_values.get(k))]


def write_atomic_text(path: str, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder (never half-written)."""
    folder = os.path.dirname(os.path.abspath(path))
    from schedlint.fix.fileio import current_umask

    fd, tmp = tempfile.mkstemp(prefix=".schedlint-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~current_umask())  # readable like the run's other files, not mkstemp's 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_report(folder: str) -> Optional[Dict[str, Any]]:
    """The `schedlint.json` a hook wrote into a run folder (or a work_dir's newest run), or None."""
    candidates = [os.path.join(folder, REPORT_NAME)]
    if os.path.isdir(folder):
        subs = sorted((d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d))), reverse=True)
        candidates += [os.path.join(folder, d, REPORT_NAME) for d in subs]
    for path in candidates:
        if os.path.isfile(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    return json.load(fh)
            except (OSError, ValueError, RecursionError):
                return None
    return None
