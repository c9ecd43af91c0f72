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


# ---------------------------------------------------------------------------------------------
# every run format users have, written the way each tool writes it (numbers synthetic)
# ---------------------------------------------------------------------------------------------

MMCV_STAMP = "20211013_101201"


def points(epochs: int, epoch_length: int, interval: int, loss: Callable[[float], float],
           lr: Callable[[int], float], seed: int = 0, noise: float = 0.03) -> List[Dict]:
    """Training points every `interval` inner iterations: epoch, inner, global iteration, lr, loss parts."""
    rng = np.random.default_rng(seed)
    out = []
    for epoch in range(1, epochs + 1):
        inners = list(range(interval, epoch_length + 1, interval)) or [epoch_length]
        for inner in inners:
            it = (epoch - 1) * epoch_length + inner
            value = max(0.01, loss(it / epoch_length) + rng.normal(0, noise))
            out.append({"epoch": epoch, "inner": inner, "iter": it, "lr": float(lr(it - 1)),
                        "loss_cls": round(0.6 * value, 4), "loss_bbox": round(0.4 * value, 4),
                        "loss": round(value, 4)})
    return out


def mmcv_json_lines(pts: List[Dict], val: Dict[int, Dict], config_text: Optional[str] = "model = dict()\n",
                    val_iter: Optional[int] = None, global_iters: bool = False) -> List[str]:
    """mmcv-1.x TextLoggerHook `.log.json`: the meta line, then train and val lines (`iter` inside the epoch)."""
    lines = []
    if config_text is not None:
        lines.append(json.dumps({"env_info": "sys.platform: linux\nPython: 3.8.10", "config": config_text,
                                 "seed": 0, "exp_name": "faster_rcnn_r50_fpn_1x_coco.py"}))
    for k, p in enumerate(pts):
        row = {"mode": "train", "epoch": p["epoch"], "iter": p["iter"] if global_iters else p["inner"],
               "lr": p["lr"], "memory": 3842, "data_time": 0.05, "loss_cls": p["loss_cls"],
               "loss_bbox": p["loss_bbox"], "loss": p["loss"], "time": 0.4}
        lines.append(json.dumps(row))
        nxt = pts[k + 1] if k + 1 < len(pts) else None
        if (nxt is None or nxt["epoch"] != p["epoch"]) and p["epoch"] in val:
            lines.append(json.dumps({"mode": "val", "epoch": p["epoch"], "iter": val_iter or p["inner"],
                                     "lr": p["lr"], **val[p["epoch"]]}))
    return lines


def _stamp(k: int) -> str:
    return f"2021-10-13 {10 + k // 3600 % 12:02d}:{k // 60 % 60:02d}:{k % 60:02d},{k % 1000:03d}"


def mmcv_text_lines(pts: List[Dict], val: Dict[int, Dict], epoch_length: int, config_text: str = "model = dict()\n",
                    by_iter: bool = False, max_iters: int = 0, max_epochs: int = 12) -> List[str]:
    """mmcv-1.x text log (`Epoch [1][50/977]\\tlr: ..., loss: ...`), banner and Config: block included."""
    lines = [f"{_stamp(0)} - mmdet - INFO - Environment info:", "-" * 60, "sys.platform: linux", "-" * 60, "",
             f"{_stamp(1)} - mmdet - INFO - Distributed training: True", f"{_stamp(2)} - mmdet - INFO - Config:"]
    lines += config_text.rstrip("\n").splitlines()
    lines.append(f"{_stamp(3)} - mmdet - INFO - workflow: [('train', 1)], max: {max_epochs} epochs")
    for k, p in enumerate(pts):
        head = f"Iter [{p['iter']}/{max_iters}]" if by_iter else f"Epoch [{p['epoch']}][{p['inner']}/{epoch_length}]"
        lines.append(f"{_stamp(10 + k)} - mmdet - INFO - {head}\tlr: {p['lr']:.3e}, eta: 1 day, 5:58:22, "
                     f"time: 0.615, data_time: 0.054, memory: 3842, loss_cls: {p['loss_cls']:.4f}, "
                     f"loss_bbox: {p['loss_bbox']:.4f}, loss: {p['loss']:.4f}")
        nxt = pts[k + 1] if k + 1 < len(pts) else None
        if (nxt is None or nxt["epoch"] != p["epoch"]) and p["epoch"] in val:
            items = ", ".join(f"{name}: {value:.4f}" for name, value in val[p["epoch"]].items())
            lines.append(f"{_stamp(10 + k)} - mmdet - INFO - Saving checkpoint at {p['epoch']} epochs")
            lines.append(f"{_stamp(10 + k)} - mmdet - INFO - Epoch(val) [{p['epoch']}][625]\t{items}, "
                         "bbox_mAP_copypaste: 0.213 0.383 0.220 0.120 0.240 0.280")
    return lines


def mmengine_text_lines(pts: List[Dict], val: Dict[int, Dict], epoch_length: int, by_iter: bool = False,
                        max_iters: int = 0) -> List[str]:
    """mmengine text log (`Epoch(train)  [1][ 50/977]  base_lr: ... lr: ...  loss: ...`)."""
    lines = ["2024/03/05 10:15:01 - mmengine - INFO - ", "-" * 60, "System environment:", "    sys.platform: linux"]
    for k, p in enumerate(pts):
        if by_iter:
            head = f"Iter(train) [{p['iter']:>6}/{max_iters}]"
        else:
            head = f"Epoch(train)  [{p['epoch']}][{p['inner']:>4}/{epoch_length}]"
        lines.append(f"2024/03/05 10:16:00 - mmengine - INFO - {head}  lr: {p['lr']:.4e}  eta: 1 day, 2:03:04  "
                     f"time: 0.5000  data_time: 0.0100  memory: 3000  loss: {p['loss']:.4f}  "
                     f"loss_cls: {p['loss_cls']:.4f}  loss_bbox: {p['loss_bbox']:.4f}")
        nxt = pts[k + 1] if k + 1 < len(pts) else None
        if (nxt is None or nxt["epoch"] != p["epoch"]) and p["epoch"] in val:
            items = "  ".join(f"{name}: {value:.4f}" for name, value in val[p["epoch"]].items())
            lines.append(f"2024/03/05 10:17:30 - mmengine - INFO - Epoch(val) [{p['epoch']}][58/58]    {items}  "
                         "data_time: 0.0100  time: 0.1000")
    return lines


def cosine_restart_lr(period: int, base: float = 0.01, floor: float = 1e-4) -> Callable[[int], float]:
    """An LR that follows cosine cycles of `period` iterations and jumps back up at each restart."""
    def lr(i: int) -> float:
        t = (i % period) / period
        return floor + 0.5 * (base - floor) * (1 + math.cos(math.pi * t))
    return lr


# ---------------------------------------------------------------------------------------------
# the sample runs shipped in examples/runs (README examples); regenerate with
#   PYTHONPATH=. python tests/synthetic_runs.py examples/runs
# ---------------------------------------------------------------------------------------------

MMCV_SAMPLE_CONFIG = """\
# A Faster R-CNN 1x schedule in mmcv-1.x style, written for schedlint's sample run.
model = dict(type='FasterRCNN')
dataset_type = 'CocoDataset'
data = dict(
    samples_per_gpu=2,
    workers_per_gpu=2,
    train=dict(type='CocoDataset', ann_file='data/coco/annotations/instances_train2017.json'))
evaluation = dict(interval=1, metric='bbox')
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
optimizer_config = dict(grad_clip=None)
lr_config = dict(policy='step', warmup='linear', warmup_iters=500, warmup_ratio=0.001, step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
checkpoint_config = dict(interval=1)
log_config = dict(interval=50, hooks=[dict(type='TextLoggerHook')])
"""


def _mmengine_text_from_rows(rows: List[Dict], val: List[Dict], epoch_length: int) -> List[str]:
    """mmengine's text log for scalars.json rows (the same numbers, as LoggerHook prints them)."""
    pts = [{"epoch": r["epoch"], "inner": r["iter"] - (r["epoch"] - 1) * epoch_length, "iter": r["iter"],
            "lr": r["lr"], "loss": r["loss"], "loss_cls": r["loss_cls"], "loss_bbox": r["loss_bbox"]} for r in rows]
    by_epoch = {v["step"]: {k: x for k, x in v.items() if k not in ("step", "data_time", "time")} for v in val}
    return mmengine_text_lines(pts, by_epoch, epoch_length)


def write_sample_runs(root: Path) -> None:
    """The two sample runs: an mmengine work_dir (cyclic-20e trained 40 epochs) and an mmcv-1.x work_dir."""
    from schedlint.views.curve import simulate_config
    from schedlint.lint.settings import Settings

    # 1. mmengine: the seed story, with a newer tools/test.py run in the same work_dir
    work = root / "pointpillars_cyclic-20e_to-40e"
    lr = cyclic_lr(116)

    def loss(e: float) -> float:
        return 0.55 + 1.9 * math.exp(-e / 5.0) + (0.03 * (e - 20) if e > 20 else 0.0)

    train = train_rows(loss, 40, 116, 20, 7, 0.06, lr=lr, grad_norm=lambda e: 4.0 if e <= 20 else 4.0 + 0.4 * (e - 20))
    for row in train:
        row.pop("base_lr")  # one param group: mmengine logs base_lr only with several
    val = val_rows(lambda e: 60 + 15 * (1 - math.exp(-e / 6)) - (0.6 * (e - 20) if e > 20 else 0), 40, 5)
    write_mmengine_run(work, train, val, CYCLIC_TO_40E)
    stamp_dir = work / STAMP
    (stamp_dir / f"{STAMP}.log").write_text("\n".join(_mmengine_text_from_rows(train, val, 116)) + "\n")
    (stamp_dir / "vis_data" / "config.py").write_text((work / CYCLIC_TO_40E.name).read_text())
    test_run = work / "20240307_090000"
    (test_run / "vis_data").mkdir(parents=True, exist_ok=True)
    (test_run / "20240307_090000.log").write_text(
        "2024/03/07 09:00:01 - mmengine - INFO - \nSystem environment:\n    sys.platform: linux\n"
        "2024/03/07 09:01:00 - mmengine - INFO - Epoch(test) [ 50/942]    eta: 0:01:10  time: 0.0800  "
        "data_time: 0.0100  memory: 900\n"
        f"2024/03/07 09:03:00 - mmengine - INFO - Epoch(test) [942/942]    {KITTI_CAR}: 63.0012  "
        "data_time: 0.0100  time: 0.0800\n")
    (test_run / "vis_data" / "scalars.json").write_text(json.dumps({KITTI_CAR: 63.0012, "step": 0}) + "\n")
    # 2. mmcv-1.x: a healthy 1x run, .log.json (config in its first line) and the text log beside it
    _, curve = simulate_config_text(MMCV_SAMPLE_CONFIG, 500)
    mmcv = root / "faster-rcnn_r50_fpn_1x_coco"
    mmcv.mkdir(parents=True, exist_ok=True)
    pts = points(12, 500, 50, lambda e: 0.45 + 1.6 * math.exp(-e / 2.5) - (0.05 if e > 8 else 0.0)
                 - (0.02 if e > 11 else 0.0), lambda i: float(curve.lr[i]), seed=11, noise=0.04)
    val_mmcv = {e: {"bbox_mAP": round(0.12 + 0.25 * (1 - math.exp(-e / 3)) + (0.015 if e > 8 else 0), 4),
                    "bbox_mAP_50": round(0.3 + 0.3 * (1 - math.exp(-e / 3)), 4)} for e in range(1, 13)}
    (mmcv / f"{MMCV_STAMP}.log.json").write_text("\n".join(mmcv_json_lines(pts, val_mmcv, MMCV_SAMPLE_CONFIG,
                                                                            val_iter=625)) + "\n")
    (mmcv / f"{MMCV_STAMP}.log").write_text("\n".join(mmcv_text_lines(pts, val_mmcv, 500, MMCV_SAMPLE_CONFIG)) + "\n")
    del Settings, simulate_config


def simulate_config_text(text: str, epoch_length: int):
    """(plan, curve) of a config given as text (written to a temporary file)."""
    import tempfile

    from schedlint.lint.settings import Settings
    from schedlint.views.curve import simulate_config

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "config.py"
        path.write_text(text)
        return simulate_config(str(path), Settings(epoch_length=epoch_length))


if __name__ == "__main__":
    import sys

    write_sample_runs(Path(sys.argv[1]))
