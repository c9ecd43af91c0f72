"""Synthetic training runs written the way mmengine / mmcv write them (shared by the run-log tests)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CYCLIC_TO_40E = ROOT / "fixtures" / "configs" / "user" / "pointpillars_cyclic-20e_to-40e.py"
KITTI_CAR = "Kitti metric/pred_instances_3d/KITTI/Car_3D_AP40_moderate_strict"
STAMP = "20240305_101500"


def cyclic_lr(epoch_length: int) -> np.ndarray:
    """The simulated LR of the cyclic-20e-trained-40e fixture at this epoch length."""
    from schedlint.views.curve import simulate_config
    from schedlint.lint.settings import Settings

    _, curve = simulate_config(str(CYCLIC_TO_40E), Settings(epoch_length=epoch_length))
    return np.asarray(curve.lr)


def train_rows(loss: Callable[[float], float], epochs: int, epoch_length: int, interval: int, seed: int,
               noise: float, lr: Optional[Sequence[float]] = None, grad_norm: Optional[Callable[[float], float]] = None,
               by_epoch: bool = True) -> List[Dict]:
    """mmengine LoggerHook train lines: every `interval` inner iterations (the loss is a window mean)."""
    rng = np.random.default_rng(seed)
    rows = []
    for epoch in range(1, epochs + 1):
        for inner in range(interval, epoch_length + 1, interval):
            it = (epoch - 1) * epoch_length + inner
            e = it / epoch_length
            value = loss(e) + rng.normal(0, noise)
            if rng.random() < 0.01:
                value += abs(rng.normal(0, 6 * noise))  # the odd spike
            rate = float(lr[it - 1]) if lr is not None else 0.002
            row = {"base_lr": rate, "lr": rate, "data_time": 0.01, "loss": round(value, 5),
                   "loss_cls": round(value * 0.6, 5), "loss_bbox": round(value * 0.4, 5), "time": 0.4}
            if grad_norm is not None:
                row["grad_norm"] = round(grad_norm(e) * (1 + 0.1 * rng.normal()), 4)
            if by_epoch:
                row["epoch"] = epoch
            row.update({"iter": it, "memory": 3100, "step": it})
            rows.append(row)
    return rows


def val_rows(metric: Callable[[int], float], epochs: int, every: int, name: str = KITTI_CAR) -> List[Dict]:
    """mmengine validation lines (`step` is the epoch)."""
    return [{name: round(metric(e), 4), "data_time": 0.02, "time": 0.2, "step": e}
            for e in range(every, epochs + 1, every)]


def write_mmengine_run(work_dir: Path, train: List[Dict], val: List[Dict], config: Optional[Path] = None,
                       stamp: str = STAMP, extra_lines: Sequence[str] = ()) -> Path:
    """A work_dir laid out like mmengine's: `<stamp>/vis_data/scalars.json` (+ the dumped config)."""
    vis = work_dir / stamp / "vis_data"
    vis.mkdir(parents=True, exist_ok=True)
    lines = _interleave(train, {r["step"]: r for r in val})
    lines.extend(extra_lines)
    (vis / "scalars.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if config is not None:
        from mmengine.config import Config

        cfg = Config.fromfile(str(config), import_custom_modules=False)
        cfg.dump(str(work_dir / config.name))
    return work_dir


def _interleave(train: List[Dict], val_by_epoch: Dict[int, Dict]) -> List[str]:
    lines = []
    for k, row in enumerate(train):
        lines.append(json.dumps(row))
        nxt = train[k + 1] if k + 1 < len(train) else None
        epoch = row.get("epoch")
        if epoch is not None and (nxt is None or nxt.get("epoch") != epoch) and epoch in val_by_epoch:
            lines.append(json.dumps(val_by_epoch[epoch]))
    return lines


def cyclic_rebound_run(work_dir: Path, epoch_length: int = 116, seed: int = 0, with_config: bool = True) -> Path:
    """Case (a): the cyclic-20e schedule trained 40 epochs; the loss falls, then turns up after epoch 20."""
    lr = cyclic_lr(epoch_length)

    def loss(e: float) -> float:
        base = 0.55 + 1.9 * math.exp(-e / 5.0)
        return base + (0.03 * (e - 20) if e > 20 else 0.0)

    train = train_rows(loss, 40, epoch_length, 10, seed, 0.06, lr=lr,
                       grad_norm=lambda e: 4.0 if e <= 20 else 4.0 + 0.4 * (e - 20))
    val = val_rows(lambda e: 60 + 15 * (1 - math.exp(-e / 6)) - (0.6 * (e - 20) if e > 20 else 0), 40, 5)
    return write_mmengine_run(work_dir, train, val, CYCLIC_TO_40E if with_config else None)


def healthy_run(work_dir: Path, seed: int = 1) -> Path:
    """Case (b): a noisy healthy run: the loss decays and plateaus, with noise and spikes."""
    def loss(e: float) -> float:
        return 0.6 + 1.6 * math.exp(-e / 7.0) + 0.03 * math.sin(e * 1.3)

    train = train_rows(loss, 40, 116, 10, seed, 0.12)
    val = val_rows(lambda e: 60 + 15 * (1 - math.exp(-e / 8)), 40, 5)
    return write_mmengine_run(work_dir, train, val)


def overfitting_run(work_dir: Path, seed: int = 2) -> Path:
    """Case (c): the training loss keeps falling, the validation mAP peaks at epoch 12 and then falls."""
    def loss(e: float) -> float:
        return 0.2 + 2.0 * math.exp(-e / 8.0)

    train = train_rows(loss, 36, 100, 10, seed, 0.05)
    val = val_rows(lambda e: 55 + 12 * math.exp(-((e - 12) / 10) ** 2) - (0.25 * (e - 12) if e > 12 else 0), 36, 2,
                   name="coco/bbox_mAP")
    return write_mmengine_run(work_dir, train, val)
