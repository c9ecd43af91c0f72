"""The run model every log format is read into: training scalars by global iteration, validation by step.

One `RunLog` per run, whatever wrote it (mmengine scalars.json or text log, mmcv-1.x .log.json or
text log, a wandb run folder's output.log, TensorBoard event files). Every derived number (the
epoch length, the config used, which run of a work_dir or of a file was chosen) carries the words
saying where it came from, so messages can quote them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

__all__ = ["RunLog", "RunLogError", "lower_is_better", "primary_metric", "FORMAT_NAMES"]

# What `RunLog.kind` says, in words.
FORMAT_NAMES = {
    "scalars.json": "mmengine scalars.json",
    "text": "mmengine text log",
    "mmcv-json": "mmcv-1.x .log.json",
    "mmcv-text": "mmcv-1.x text log",
    "tensorboard": "TensorBoard events",
}


class RunLogError(Exception):
    """No usable training log at the given path (exit code 2)."""



def position_text(value: float) -> str:
    """An epoch or iteration number as people write it: 1234567, not 1.23457e+06 (`:g` for fractions)."""
    value = float(value)
    return f"{int(value)}" if value.is_integer() else f"{value:g}"

@dataclass
class RunLog:
    """What one training run logged.

    Training points are aligned arrays: `iters[k]` is the global iteration just completed
    (1-based, as both mmengine and mmcv log it, so the LR logged with it is the one of iteration
    `iters[k] - 1`), `epochs[k]` the 1-based epoch it belongs to (0 when the log does not say), and
    `train[name][k]` each scalar (NaN where that line did not carry it). Validation results are
    `val_steps[j]` (epoch, or iteration when `val_by == 'iter'`) with `val[metric][j]`.
    """

    path: str  # the log file read
    kind: str  # a key of FORMAT_NAMES
    run_dir: str  # the folder of this run (mmengine timestamp folder, or the mmcv work_dir)
    work_dir: str
    loop: str  # 'epoch' or 'iter' ('iter' also when the log does not say)
    iters: np.ndarray
    epochs: np.ndarray
    train: Dict[str, np.ndarray]
    val_by: str  # 'epoch' or 'iter'
    val_steps: np.ndarray
    val: Dict[str, np.ndarray]
    epoch_length: Optional[int] = None
    epoch_length_source: str = ""
    config: Optional[str] = None  # the config of the run (dumped next to it, or written from the log's copy)
    config_source: str = ""  # where `config` came from, in words
    skipped: int = 0  # malformed lines skipped
    notes: List[str] = field(default_factory=list)
    carried: Dict[str, np.ndarray] = field(default_factory=dict)  # per scalar: which lines logged it (nan included)
    epochs_known: bool = False  # the log says which epoch each training line belongs to
    max_iters: Optional[int] = None  # the planned length the log's headers show (`Iter(train) [50/90000]`)
    max_epochs: Optional[int] = None
    lr_groups: Dict[str, np.ndarray] = field(default_factory=dict)  # per-group LR when the log has them
    source: str = ""  # the file (and the part of it) read, in words, for the report's first line
    val_after: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per validation: the iteration before it
    # len(train_dataloader) as the headers of a never-ending epoch show it (`[1][4000/1297]`): the epoch length
    # mmengine converts the config's epoch positions with, though the log is read as iterations
    loader_length: Optional[int] = None

    def as_iteration_loop(self, why: str) -> None:
        """Relabel a run the config shows to be iteration-based (its `epoch` keys count data-loader passes)."""
        if self.loop == "iter":
            return
        self.loop, self.epochs_known, self.epoch_length, self.epoch_length_source = "iter", False, None, ""
        if self.val_by == "epoch" and len(self.val_after) == len(self.val_steps):
            order = np.argsort(self.val_after, kind="stable")
            self.val_steps = self.val_after[order]
            self.val = {k: v[order] for k, v in self.val.items()}
        self.val_by = "iter"
        self.notes.append(why)

    @property
    def format_name(self) -> str:
        """The log format in words ('mmcv-1.x .log.json')."""
        return FORMAT_NAMES.get(self.kind, self.kind)

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
        return [k for k in self.train if _is_loss(k) and k != "loss" and not k.endswith("_val") and self.has(k)]

    @property
    def loss_name(self) -> Optional[str]:
        """The scalar a person judges training by: `loss`, else the first loss component."""
        if self.has("loss"):
            return "loss"
        parts = self.loss_parts
        return parts[0] if parts else None

    def series(self, name: str) -> Tuple[np.ndarray, np.ndarray]:
        """(iterations, values) of one training scalar, only where it was logged as a finite number."""
        values = self.train.get(name)
        if values is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        keep = np.isfinite(values)
        return self.iters[keep], values[keep]

    def epoch_position(self, iterations: np.ndarray) -> np.ndarray:
        """Global iterations as epochs trained (iteration / epoch length)."""
        iterations = np.asarray(iterations, dtype=float)
        if self.epoch_length:
            return iterations / self.epoch_length
        return iterations

    def where(self, iteration: float) -> str:
        """'epoch 20.2 (iteration 2340)' — epochs are counted as trained (1-based epoch e ends at e)."""
        if self.loop == "epoch" and self.epoch_length:
            epoch = iteration / self.epoch_length
            text = f"{epoch:g}" if abs(epoch - round(epoch)) < 1e-9 else f"{epoch:.1f}" if epoch >= 1 else f"{epoch:.2g}"
            return f"epoch {text} (iteration {int(iteration)})"
        return f"iteration {int(iteration)}"

    @property
    def total_iters(self) -> int:
        """The last training iteration the log reached."""
        return int(self.iters.max()) if len(self.iters) else 0

    @property
    def metrics(self) -> List[str]:
        """Validation metric names, in the order first logged."""
        return [k for k in self.val if np.isfinite(self.val[k]).any()]


def _is_loss(name: str) -> bool:
    last = name.rsplit(".", 1)[-1].rsplit("/", 1)[-1]
    return last.startswith("loss")


# ---------------------------------------------------------------------------------------------
# validation metrics
# ---------------------------------------------------------------------------------------------

# Name parts of metrics that improve by going down (mAP, NDS, mIoU, accuracy go up).
_LOWER_IS_BETTER = {"loss", "error", "err", "epe", "mse", "mae", "rmse", "chamfer", "fid", "ate", "rte", "ppl",
                    "perplexity", "wer", "cer", "nll", "mate", "mase", "maoe", "mave", "maae"}
_PRIMARY = [
    r"(^|/)bbox_mAP$", r"(^|/)segm_mAP$", r"(^|/)NDS$", r"(^|/)mAP$", r"mIoU$", r"top1$", r"top-1$",
    r"(^|/)accuracy$", r"Car_3D_AP40_moderate", r"Car_3D_moderate", r"3D_.*moderate", r"AP40", r"mAP", r"AP",
    r"acc", r"IoU",
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
