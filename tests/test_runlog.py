"""Reading training logs: mmengine scalars.json and text logs, mmcv-1.x .log.json; bad lines never crash."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from schedlint.runs.readers import RunLogError, find_logs, lower_is_better, primary_metric, read_log_file, read_run
from synthetic_runs import KITTI_CAR, STAMP, train_rows, val_rows, write_mmengine_run

TEXT_LOG = """\
2024/03/05 10:15:01 - mmengine - INFO -
------------------------------------------------------------
System environment:
    sys.platform: linux
2024/03/05 10:15:05 - mmengine - INFO - Config:
lr = 0.0018
2024/03/05 10:16:00 - mmengine - INFO - Epoch(train)  [1][ 50/116]  base_lr: 1.8000e-03 lr: 1.8000e-03  eta: 1 day, 2:03:04  time: 0.5000  data_time: 0.0100  memory: 3000  grad_norm: 3.2000  loss: 2.3456  loss_cls: 1.2000  loss_bbox: 0.9000  loss_dir: 0.2456
2024/03/05 10:17:00 - mmengine - INFO - Epoch(train)  [1][100/116]  base_lr: 1.9000e-03 lr: 1.9000e-03  eta: 2:03:04  time: 0.5000  data_time: 0.0100  memory: 3000  grad_norm: 3.1000  loss: 2.2000  loss_cls: 1.1000  loss_bbox: 0.9000  loss_dir: 0.2000
2024/03/05 10:17:10 - mmengine - INFO - Saving checkpoint at 1 epochs
2024/03/05 10:17:20 - mmengine - INFO - Epoch(val)  [1][50/58]    eta: 0:00:01  time: 0.1000  data_time: 0.0100  memory: 1000
2024/03/05 10:17:30 - mmengine - INFO - Epoch(val) [1][58/58]    Kitti metric/pred_instances_3d/KITTI/Car_3D_AP40_moderate_strict: 70.1234  data_time: 0.0100  time: 0.1000
2024/03/05 10:18:00 - mmengine - INFO - Epoch(train)  [2][ 50/116]  base_lr: 2.0000e-03 lr: 2.0000e-03  eta: 2:00:00  time: 0.5000  data_time: 0.0100  memory: 3000  grad_norm: 3.0000  loss: 2.1000  loss_cls: 1.0000  loss_bbox: 0.9000  loss_dir: 0.2000
2024/03/05 10:18:30 - mmengine - INFO - Epoch(train)  [2][100/116]  base_lr: 2.0000e-03 lr:
"""

MMCV_LOG = [
    {"env_info": "sys.platform: linux", "config": "lr = 0.02\n", "seed": 0, "exp_name": "faster.py"},
    {"mode": "train", "epoch": 1, "iter": 50, "lr": 0.00198, "memory": 3000, "data_time": 0.1,
     "loss_rpn_cls": 0.5, "loss": 2.0, "grad_norm": 10.0, "time": 0.5},
    {"mode": "train", "epoch": 1, "iter": 100, "lr": 0.00398, "memory": 3000, "data_time": 0.1,
     "loss_rpn_cls": 0.4, "loss": 1.8, "grad_norm": 9.0, "time": 0.5},
    {"mode": "val", "epoch": 1, "iter": 120, "lr": 0.00398, "bbox_mAP": 0.1, "bbox_mAP_50": 0.2},
    {"mode": "train", "epoch": 2, "iter": 50, "lr": 0.02, "momentum": 0.9, "memory": 3000, "data_time": 0.1,
     "loss_rpn_cls": 0.3, "loss": 1.5, "time": 0.5},
    {"mode": "val", "epoch": 2, "iter": 120, "lr": 0.02, "bbox_mAP": 0.15, "bbox_mAP_50": 0.25},
]


def _small_run(work_dir, epochs=3, epoch_length=40, stamp=STAMP, extra_lines=()):
    train = train_rows(lambda e: 2.0 - 0.1 * e, epochs, epoch_length, 10, seed=0, noise=0.0)
    val = val_rows(lambda e: 50.0 + e, epochs, 1)
    return write_mmengine_run(work_dir, train, val, stamp=stamp, extra_lines=extra_lines)


def test_scalars_json_train_and_validation(tmp_path):
    _small_run(tmp_path)
    log = read_run(str(tmp_path))
    assert log.kind == "scalars.json" and log.loop == "epoch"
    assert log.path.endswith(os.path.join(STAMP, "vis_data", "scalars.json"))
    assert log.epoch_length == 40
    assert list(log.iters[:5]) == [10, 20, 30, 40, 50]
    assert list(log.epochs[:5]) == [1, 1, 1, 1, 2]
    assert log.has("loss") and log.has("lr") and not log.has("momentum")
    assert set(log.loss_parts) == {"loss_cls", "loss_bbox"}
    assert "time" not in log.train and "memory" not in log.train
    assert log.has("base_lr")  # kept: the LR a group starts from, for comparing per group (point 7)
    assert list(log.val_steps) == [1.0, 2.0, 3.0]
    assert log.metrics == [KITTI_CAR]
    assert list(log.val[KITTI_CAR]) == [51.0, 52.0, 53.0]
    assert log.skipped == 0


def test_latest_timestamped_run_is_read(tmp_path):
    _small_run(tmp_path, epochs=2, stamp="20240101_000000")
    _small_run(tmp_path, epochs=4, stamp="20240202_000000")
    log = read_run(str(tmp_path))
    assert "20240202_000000" in log.path
    assert log.total_iters == 160
    assert any("2 runs" in n for n in log.notes)
    # a run folder, its vis_data folder or the file itself also work
    assert read_run(str(tmp_path / "20240101_000000")).total_iters == 80
    assert read_run(str(tmp_path / "20240101_000000" / "vis_data")).total_iters == 80
    assert read_run(str(tmp_path / "20240101_000000" / "vis_data" / "scalars.json")).total_iters == 80


def test_malformed_lines_are_skipped_and_counted(tmp_path):
    bad = ['{"lr": 0.1, "loss": ', "not json", "[1, 2, 3]", '{"iter": 5}', "\x00\x01garbage"]
    _small_run(tmp_path, extra_lines=bad)
    log = read_run(str(tmp_path))
    assert log.skipped == 5
    assert any("5 malformed lines skipped" in n for n in log.notes)
    assert log.total_iters == 120


def test_dumped_config_is_found(tmp_path):
    _small_run(tmp_path)
    assert read_run(str(tmp_path)).config is None
    # a helper script beside the run is not its config (plot_loss.py beside a scalars.json)
    (tmp_path / "plot_loss.py").write_text("import json\nlosses = [json.loads(l) for l in open('x')]\n", encoding="utf-8")
    assert read_run(str(tmp_path)).config is None
    (tmp_path / "my_config.py").write_text("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\n",
                                           encoding="utf-8")
    assert read_run(str(tmp_path)).config == str(tmp_path / "my_config.py")
    # the copy in vis_data belongs to this very run and wins
    (tmp_path / STAMP / "vis_data" / "config.py").write_text("lr = 0.1\n", encoding="utf-8")
    assert read_run(str(tmp_path)).config == str(tmp_path / STAMP / "vis_data" / "config.py")


def test_resumed_run_keeps_last_value_per_iteration(tmp_path):
    vis = tmp_path / STAMP / "vis_data"
    vis.mkdir(parents=True)
    rows = [{"lr": 0.1, "loss": 1.0, "epoch": 1, "iter": 10, "step": 10},
            {"lr": 0.1, "loss": 0.9, "epoch": 1, "iter": 20, "step": 20},
            {"lr": 0.1, "loss": 0.8, "epoch": 1, "iter": 20, "step": 20}]
    (vis / "scalars.json").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    log = read_run(str(tmp_path))
    assert list(log.iters) == [10, 20]
    assert list(log.train["loss"]) == [1.0, 0.8]


def test_iteration_based_scalars(tmp_path):
    vis = tmp_path / STAMP / "vis_data"
    vis.mkdir(parents=True)
    rows = [{"lr": 0.01, "loss": 1.0 - i * 0.01, "iter": i * 50, "step": i * 50} for i in range(1, 30)]
    rows.insert(20, {"mIoU": 40.0, "aAcc": 80.0, "step": 1000})
    (vis / "scalars.json").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    log = read_run(str(tmp_path))
    assert log.loop == "iter" and log.val_by == "iter"
    assert log.epoch_length is None
    assert list(log.val_steps) == [1000.0]
    assert primary_metric(log.metrics) == "mIoU"


def test_mmengine_text_log(tmp_path):
    run = tmp_path / STAMP
    run.mkdir()
    (run / f"{STAMP}.log").write_text(TEXT_LOG, encoding="utf-8")
    log = read_run(str(tmp_path))
    assert log.kind == "text" and log.loop == "epoch"
    assert log.epoch_length == 116
    assert list(log.iters) == [50, 100, 166]
    assert list(log.epochs) == [1, 1, 2]
    assert list(log.train["lr"]) == [1.8e-3, 1.9e-3, 2.0e-3]
    assert list(log.train["grad_norm"]) == [3.2, 3.1, 3.0]
    assert log.train["loss_dir"][0] == 0.2456
    assert "eta" not in log.train and "time" not in log.train
    assert list(log.val_steps) == [1.0]
    assert log.val[KITTI_CAR][0] == 70.1234  # a metric name with a space in it
    assert log.skipped == 1  # the truncated last line


def test_text_log_is_the_fallback_when_scalars_json_is_missing(tmp_path):
    run = tmp_path / STAMP
    (run / "vis_data").mkdir(parents=True)
    (run / "vis_data" / "scalars.json").write_text("", encoding="utf-8")  # training just started
    (run / f"{STAMP}.log").write_text(TEXT_LOG, encoding="utf-8")
    assert read_run(str(tmp_path)).kind == "text"


def test_iteration_based_text_log(tmp_path):
    lines = [f"2024/01/01 - mmengine - INFO - Iter(train) [{i * 50:>5}/40000]  lr: 1.0000e-02  eta: 1:00:00  "
             f"time: 0.3  data_time: 0.01  memory: 100  loss: {1.0 - i / 100:.4f}  decode.loss_ce: 0.5"
             for i in range(1, 25)]
    lines.insert(20, "2024/01/01 - mmengine - INFO - Iter(val) [500/500]    aAcc: 90.0000  mIoU: 41.2000  "
                     "data_time: 0.01  time: 0.1")
    path = tmp_path / "run.log"
    path.write_text("\n".join(lines), encoding="utf-8")
    log = read_log_file(str(path))
    assert log.loop == "iter" and log.val_by == "iter"
    assert log.total_iters == 1200
    assert list(log.val_steps) == [1000.0]
    assert log.val["mIoU"][0] == 41.2
    assert log.has("decode.loss_ce")


def test_mmcv_log_json(tmp_path):
    lines = [json.dumps(r) for r in MMCV_LOG]
    lines.insert(5, '{"mode": "train", "epoch": 2, "iter": 100, "lr": 0.02')  # killed mid-write
    lines.insert(6, "not json at all")
    (tmp_path / "20220101_000000.log.json").write_text("\n".join(lines), encoding="utf-8")
    (tmp_path / "faster-rcnn_r50_fpn_1x_coco.py").write_text("lr = 0.02\n", encoding="utf-8")
    log = read_run(str(tmp_path))
    assert log.kind == "mmcv-json" and log.loop == "epoch"
    assert log.epoch_length == 100  # the last training line of an epoch, never the validation lines (point 2)
    assert list(log.iters) == [50, 100, 150]  # inner iterations made global
    assert list(log.epochs) == [1, 1, 2]
    assert np.isnan(log.train["momentum"][0]) and log.train["momentum"][2] == 0.9
    assert list(log.val_steps) == [1.0, 2.0]
    assert "lr" not in log.val
    assert primary_metric(log.metrics) == "bbox_mAP"
    assert log.skipped == 2
    # the config carried in the first line wins over a stray .py (point 8)
    assert log.config != str(tmp_path / "faster-rcnn_r50_fpn_1x_coco.py")
    assert open(log.config).read() == "lr = 0.02\n" and "first line" in log.config_source


_STALE = "lr_config = dict(policy='step', step=[8, 11])\nrunner = dict(type='EpochBasedRunner', max_epochs=12)\n"
_STARTED = "lr_config = dict(policy='step', step=[8, 11])\nrunner = dict(type='EpochBasedRunner', max_epochs=8)\n"


@pytest.mark.parametrize("with_text_log", [True, False])
def test_a_resumed_mmcv_json_does_not_pass_the_checkpoints_config_for_the_runs(tmp_path, with_text_log):
    """mmcv's `resume` replaces runner.meta with the checkpoint's, and TextLoggerHook writes that meta as the
    .log.json's first line: its config is the run that saved the checkpoint (12 epochs), while this run was
    started with 8 (its text log's Config: block); the 12-epoch config passed for the run's."""
    meta = {"env_info": "sys.platform: linux", "config": _STALE, "seed": 0, "exp_name": "retina.py",
            "epoch": 2, "iter": 200, "hook_msgs": {}}
    rows = [{"mode": "train", "epoch": e, "iter": i, "lr": 0.001, "loss": 1.0 / e} for e in range(3, 9) for i in (50, 100)]
    (tmp_path / "20230211_022618.log.json").write_text("\n".join(json.dumps(r) for r in [meta] + rows), encoding="utf-8")
    if with_text_log:
        (tmp_path / "20230211_022618.log").write_text(
            "2023-02-11 02:27:50,000 - mmdet - INFO - Environment info:\nsys.platform: linux\n\n"
            "2023-02-11 02:27:51,000 - mmdet - INFO - Config:\n" + _STARTED +
            "2023-02-11 02:27:57,114 - mmdet - INFO - resumed epoch 2, iter 200\n"
            "2023-02-11 03:00:00,000 - mmdet - INFO - Epoch [3][50/100]\tlr: 1.000e-03, loss: 0.3300\n", encoding="utf-8")
    log = read_log_file(str(tmp_path / "20230211_022618.log.json"))
    if with_text_log:
        assert open(log.config).read() == _STARTED and "Config: block of 20230211_022618.log" in log.config_source
    else:
        assert open(log.config).read() == _STALE and "copies from its checkpoint" in log.config_source
    fresh = dict(meta)
    for key in ("epoch", "iter", "hook_msgs"):
        del fresh[key]  # a run started afresh: its own config
    (tmp_path / "20230211_022618.log.json").write_text("\n".join(json.dumps(r) for r in [fresh] + rows), encoding="utf-8")
    log = read_log_file(str(tmp_path / "20230211_022618.log.json"))
    assert open(log.config).read() == _STALE and log.config_source == "carried in the first line of 20230211_022618.log.json"


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n\x00\x00binary", b"hello\nworld\n", b"{}\n{}\n",
                                     b"\xff\xfe\xfa not utf-8 at all"])
def test_unusable_logs_raise_runlog_error(tmp_path, content):
    path = tmp_path / "scalars.json"
    path.write_bytes(content)
    with pytest.raises(RunLogError):
        read_run(str(path))


def test_missing_and_empty_work_dirs(tmp_path):
    with pytest.raises(RunLogError, match="no such file"):
        read_run(str(tmp_path / "nope"))
    with pytest.raises(RunLogError, match="no training log found"):
        read_run(str(tmp_path))


@pytest.mark.parametrize(
    "metric,lower",
    [("coco/bbox_mAP", False), (KITTI_CAR, False), ("mIoU", False), ("accuracy/top1", False),
     ("NuScenes metric/pred_instances_3d_NuScenes/mATE", True), ("val/loss", True), ("EPE", True),
     ("abs_rel_error", True)],
)
def test_metric_direction(metric, lower):
    assert lower_is_better(metric) is lower


def test_primary_metric_prefers_the_headline_number():
    assert primary_metric(["coco/bbox_mAP_50", "coco/bbox_mAP", "coco/bbox_mAP_s"]) == "coco/bbox_mAP"
    assert primary_metric(["aAcc", "mIoU", "mAcc"]) == "mIoU"
    assert primary_metric([]) is None


# -- every format users have (issue 12), written here in each tool's real layout ----------------------

import math  # noqa: E402
import time  # noqa: E402

from synthetic_runs import (MMCV_STAMP, mmcv_json_lines, mmcv_text_lines, mmengine_text_lines,  # noqa: E402
                            points)


def _pts(epochs=6, epoch_length=200, interval=50, seed=0):
    return points(epochs, epoch_length, interval, lambda e: 0.5 + 2 * math.exp(-e / 2), lambda i: 0.02, seed)


def _set_mtime(path, seconds_ago):
    stamp = time.time() - seconds_ago
    os.utime(path, (stamp, stamp))


def test_point9_mmcv_text_log(tmp_path):
    pts = _pts()
    val = {e: {"bbox_mAP": 0.2 + 0.01 * e, "bbox_mAP_50": 0.4} for e in range(1, 7)}
    path = tmp_path / f"{MMCV_STAMP}.log"
    path.write_text("\n".join(mmcv_text_lines(pts, val, 200, config_text="lr = 0.02\nx = dict(a=1)\n")) + "\n")
    log = read_run(str(tmp_path))
    assert log.kind == "mmcv-text" and log.loop == "epoch"
    assert log.epoch_length == 200 and "[i/200]" in log.epoch_length_source
    assert len(log.iters) == 24 and log.total_iters == 1200
    assert list(log.iters[:5]) == [50, 100, 150, 200, 250]
    assert log.train["loss"][0] == pts[0]["loss"] and log.has("loss_cls")
    assert "eta" not in log.train and "time" not in log.train
    assert list(log.val_steps) == [1, 2, 3, 4, 5, 6]
    assert log.val["bbox_mAP"][0] == pytest.approx(0.21)
    assert "bbox_mAP_copypaste" not in log.val
    # the Config: block of the log is the run's config
    assert open(log.config).read() == "lr = 0.02\nx = dict(a=1)\n" and "Config:" in log.config_source


def test_point9_mmcv_iteration_text_log(tmp_path):
    pts = points(1, 2000, 50, lambda e: 1.0 - 0.2 * e, lambda i: 0.01)
    path = tmp_path / "seg.log"
    path.write_text("\n".join(mmcv_text_lines(pts, {}, 0, by_iter=True, max_iters=160000)))
    log = read_log_file(str(path))
    assert log.kind == "mmcv-text" and log.loop == "iter" and log.max_iters == 160000
    assert log.total_iters == 2000 and len(log.iters) == 40


def test_point9_wandb_run_folder(tmp_path):
    run = tmp_path / "wandb" / "run-20240101_000000-abc123" / "files"
    run.mkdir(parents=True)
    lines = mmcv_text_lines(_pts(), {}, 200)
    lines = ["\x1b[32m" + line + "\x1b[0m" if k % 3 == 0 else line for k, line in enumerate(lines)]  # console colours
    (run / "output.log").write_text("\n".join(lines))
    (run / "config.yaml").write_text("wandb_version: 1\n")
    for target in (tmp_path, run.parent, run, run / "output.log"):
        log = read_run(str(target))
        assert log.kind == "mmcv-text" and log.total_iters == 1200, target
    assert any("wandb" in n for n in read_run(str(tmp_path)).notes) or read_run(str(tmp_path)).path.endswith(
        "output.log")


def test_mmengine_text_log_by_iteration_and_epoch(tmp_path):
    pts = _pts()
    path = tmp_path / "a.log"
    path.write_text("\n".join(mmengine_text_lines(pts, {3: {"coco/bbox_mAP": 0.3}}, 200)))
    log = read_log_file(str(path))
    assert log.kind == "text" and log.epoch_length == 200 and log.total_iters == 1200
    assert list(log.val_steps) == [3.0]
    path.write_text("\n".join(mmengine_text_lines(pts, {}, 0, by_iter=True, max_iters=90000)))
    log = read_log_file(str(path))
    assert log.loop == "iter" and log.max_iters == 90000 and log.epoch_length is None


def test_point2_mmcv_epoch_length_never_from_validation_lines(tmp_path):
    pts = points(4, 1251, 50, lambda e: 1.0, lambda i: 0.02)
    val = {e: {"bbox_mAP": 0.3} for e in range(1, 5)}
    path = tmp_path / "run.log.json"
    path.write_text("\n".join(mmcv_json_lines(pts, val, val_iter=2510)))  # mmdet 2.x: validation iterations
    log = read_log_file(str(path))
    assert log.epoch_length == 1250  # the last training line of an epoch (the epoch has 1251)
    assert "validation" not in log.epoch_length_source and "1250" in log.epoch_length_source
    assert log.total_iters == 4 * 1250


def test_point5_one_training_line_per_epoch(tmp_path):
    pts = points(30, 60, 60, lambda e: 2.0 / e, lambda i: 0.01)  # interval >= epoch: logged at each epoch's end
    path = tmp_path / "run.log.json"
    path.write_text("\n".join(mmcv_json_lines(pts, {})))
    log = read_log_file(str(path))
    assert len(log.iters) == 30 and log.epoch_length == 60
    assert list(log.iters[:3]) == [60, 120, 180] and log.loop == "epoch"


def test_point5_runs_appended_to_one_file_are_separated(tmp_path):
    lines = []
    for k, epochs in enumerate((3, 5, 2, 4)):  # four runs appended, each starting with its meta line
        pts = points(epochs, 100, 50, lambda e: 1.0 + k, lambda i: 0.01 * (k + 1), noise=0)
        lines += mmcv_json_lines(pts, {e: {"bbox_mAP": 0.1 * k} for e in range(1, epochs + 1)})
    path = tmp_path / "run.log.json"
    path.write_text("\n".join(lines))
    log = read_log_file(str(path))
    assert log.total_iters == 400 and set(log.train["loss"]) == {4.0}
    assert list(log.val_steps) == [1, 2, 3, 4] and np.allclose(log.val["bbox_mAP"], 0.3)
    assert any("holds 4 runs" in n for n in log.notes)
    assert "lines" in log.source
    # iterations restarting without a meta line (text logs concatenated) also start a new run
    text = []
    for k in range(3):
        text += mmcv_text_lines(points(2, 100, 50, lambda e: 1.0 + k, lambda i: 0.01, noise=0), {}, 100)[8:]
    (tmp_path / "cat.log").write_text("\n".join(text))
    log = read_log_file(str(tmp_path / "cat.log"))
    assert log.total_iters == 200 and set(log.train["loss"]) == {3.0}
    assert any("holds 3 runs" in n for n in log.notes)


def test_a_resumed_run_in_one_file_stays_one_run(tmp_path):
    pts = points(6, 100, 50, lambda e: 1.0, lambda i: 0.01)
    lines = mmcv_json_lines(pts[:9], {})
    lines += mmcv_json_lines(pts[6:], {})  # resumed from epoch 3 (a meta line, then epoch 4 again)
    (tmp_path / "r.log.json").write_text("\n".join(lines))
    log = read_log_file(str(tmp_path / "r.log.json"))
    assert log.total_iters == 600 and len(log.iters) == 12
    assert not any("runs" in n for n in log.notes)


def test_point1_newest_run_with_training_is_read_by_time(tmp_path):
    _small_run(tmp_path, epochs=2, stamp="20240101_000000")
    # newer by time, but a tools/test.py run (metrics only) and an aborted start (banner only)
    test_run = tmp_path / "20240102_000000"
    (test_run / "vis_data").mkdir(parents=True)
    (test_run / "vis_data" / "scalars.json").write_text('{"coco/bbox_mAP": 0.4, "step": 0}\n')
    (test_run / "20240102_000000.log").write_text("2024/01/02 - mmengine - INFO - Epoch(test) [50/625]  eta: 0:01\n")
    aborted = tmp_path / "20240103_000000"
    aborted.mkdir()
    (aborted / "20240103_000000.log").write_text("2024/01/03 - mmengine - INFO - \nSystem environment:\n")
    # a folder whose name sorts last but is oldest by time
    _small_run(tmp_path, epochs=3, stamp="20991231_000000")
    _set_mtime(tmp_path / "20991231_000000" / "vis_data" / "scalars.json", 10_000)
    _set_mtime(tmp_path / "20240101_000000" / "vis_data" / "scalars.json", 5_000)
    log = read_run(str(tmp_path))
    assert "20240101_000000" in log.path and log.total_iters == 80
    note = log.notes[0]
    assert "reading 20240101_000000" in note and "20240102_000000" in note and "20240103_000000" in note


def test_point10_latest_log_json_by_time_not_name(tmp_path):
    a = tmp_path / "20211231_000000.log.json"
    b = tmp_path / "20210101_000000.log.json"
    a.write_text("\n".join(mmcv_json_lines(points(2, 100, 50, lambda e: 1.0, lambda i: 0.01), {})))
    b.write_text("\n".join(mmcv_json_lines(points(3, 100, 50, lambda e: 2.0, lambda i: 0.01), {})))
    _set_mtime(a, 1000)
    log = read_run(str(tmp_path))
    assert log.path == str(b) and any("reading 20210101_000000.log.json" in n for n in log.notes)


def test_point6_scalars_without_epoch_keys(tmp_path):
    vis = tmp_path / STAMP / "vis_data"
    vis.mkdir(parents=True)
    rows = [{"base_lr": 0.01, "lr": 0.01, "loss": 1.0, "iter": i, "step": i} for i in range(10, 401, 10)]
    (vis / "scalars.json").write_text("\n".join(json.dumps(r) for r in rows))
    log = read_run(str(tmp_path))
    assert log.loop == "iter" and not log.epochs_known and log.epoch_length is None


def test_tensorboard_event_files(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    run = tmp_path / STAMP / "vis_data"
    writer = SummaryWriter(str(run))
    for it in range(50, 2001, 50):  # mmcv TensorboardLoggerHook tags
        writer.add_scalar("train/learning_rate", 0.01, it)
        writer.add_scalar("train/loss", 2.0 - it / 2000, it)
        writer.add_scalar("train/time", 0.3, it)
    for it in (1000, 2000):
        writer.add_scalar("val/bbox_mAP", it / 5000, it)
    writer.close()
    log = read_run(str(tmp_path))
    assert log.kind == "tensorboard" and log.total_iters == 2000 and len(log.iters) == 40
    assert log.has("lr") and log.has("loss") and "time" not in log.train
    assert list(log.val_steps) == [1000.0, 2000.0] and log.val_by == "iter"
    assert log.val["bbox_mAP"][1] == pytest.approx(0.4)


def test_tensorboard_missing_says_how_to_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard.backend.event_processing.event_accumulator", None)
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(b"\x00" * 10)
    with pytest.raises(RunLogError, match=r"schedlint\[tensorboard\]"):
        read_log_file(str(path))


def test_test_runs_and_json_documents_are_named(tmp_path):
    path = tmp_path / "t.log"
    path.write_text("2023/02/13 06:42:39 - mmengine - INFO - Iter(test) [515/515]  aAcc: 99.1100  mIoU: 77.5000\n")
    with pytest.raises(RunLogError, match="a test run: 1 Epoch"):
        read_log_file(str(path))
    doc = tmp_path / "scalars.json"
    doc.write_text(json.dumps({"train/ep_return": [[1, 13.5], [2, 8.8]]}, indent=2))
    with pytest.raises(RunLogError, match="one JSON document"):
        read_log_file(str(doc))


def test_log_resaved_as_a_json_array(tmp_path):
    rows = [{"mode": "train", "epoch": 1, "iter": 20 * k, "lr": 1e-4, "loss": 1.0 / k} for k in range(1, 30)]
    text = "[" + ",\n".join(json.dumps(r) for r in rows) + "]"
    (tmp_path / "None.log.json").write_text(text)
    log = read_log_file(str(tmp_path / "None.log.json"))
    assert len(log.iters) == 29 and log.skipped == 0


def test_a_vis_data_folder_is_read_directly(tmp_path):
    _small_run(tmp_path)
    vis = tmp_path / STAMP / "vis_data"
    assert read_run(str(vis)).total_iters == 120


def test_tensorboard_mmengine_tags(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(str(tmp_path / STAMP / "vis_data"))
    for it in range(10, 401, 10):  # TensorboardVisBackend: the bare keys of scalars.json
        writer.add_scalar("lr", 0.01, it)
        writer.add_scalar("loss", 2.0 - it / 400, it)
        writer.add_scalar("epoch", (it - 1) // 40 + 1, it)
        writer.add_scalar("data_time", 0.01, it)
    for epoch in range(1, 11):
        writer.add_scalar("coco/bbox_mAP", 0.1 * epoch, epoch)
    writer.close()
    log = read_run(str(tmp_path))
    assert log.kind == "tensorboard" and log.loop == "epoch" and log.epoch_length == 40
    assert log.val_by == "epoch" and list(log.val_steps) == list(range(1, 11))
    assert "data_time" not in log.train and "epoch" not in log.train


def test_wandb_output_log_of_an_mmengine_run(tmp_path):
    """mmengine's console (what wandb captures): `MM/DD HH:MM:SS` prefix, coloured level, a Config: block."""
    run = tmp_path / "wandb" / "run-20240101_000000-xyz" / "files"
    run.mkdir(parents=True)
    lines = ["12/03 10:00:00 - mmengine - \x1b[4m\x1b[97mINFO\x1b[0m - ", "System environment:", "    sys.platform: linux",
             "12/03 10:00:01 - mmengine - \x1b[4m\x1b[97mINFO\x1b[0m - Config:", "lr = 0.01", "model = dict()"]
    for k in range(1, 41):
        lines.append(f"12/03 10:01:{k % 60:02d} - mmengine - \x1b[4m\x1b[97mINFO\x1b[0m - Epoch(train)  [{(k - 1) // 4 + 1}]"
                     f"[{(k - 1) % 4 * 25 + 25:>3}/100]  lr: 1.0000e-02  eta: 0:10:00  time: 0.1000  data_time: 0.0100  "
                     f"memory: 100  loss: {2.0 / k:.4f}")
        if k % 10 == 0:
            lines.append("wandb: WARNING Step only supports monotonically increasing values")
            lines.append("[>>>>>>>>>>>>>>>>>>] 10/10, 9.0 task/s, elapsed: 1s, ETA:     0s\r")
    (run / "output.log").write_text("\n".join(lines))
    log = read_run(str(tmp_path))
    assert log.kind == "text" and log.total_iters == 1000 and len(log.iters) == 40 and log.epoch_length == 100
    assert open(log.config).read() == "lr = 0.01\nmodel = dict()\n"


def test_a_fifo_named_like_a_log_is_refused_without_blocking(tmp_path):
    import os

    from schedlint.runs.readers import RunLogError, read_run

    fifo = tmp_path / "20240101_000000.log.json"
    os.mkfifo(fifo)
    try:
        read_run(str(fifo))
    except RunLogError as exc:
        assert "not a regular file" in str(exc) or "no training" in str(exc) or "cannot read" in str(exc)
    else:  # pragma: no cover - reading must fail, not hang or succeed
        raise AssertionError("a FIFO was read as a run")


def test_a_folder_of_work_dirs_names_them(tmp_path):
    _small_run(tmp_path / "faster_rcnn")
    _small_run(tmp_path / "retinanet")
    with pytest.raises(RunLogError, match=r"2 folders with runs \(faster_rcnn, retinanet\)"):
        read_run(str(tmp_path))


def test_corrupted_positions_and_numbers_are_skipped_lines_not_crashes():
    # found by fuzzing logs: an iteration of 1e999 (inf), NaN or 400 digits, a number beyond float range,
    # a per-group lr list holding a list; each such line is skipped (counted), the others are read
    from schedlint.runs.formats import parse_mmcv_json, parse_scalars, parse_text

    good = '{"lr": 0.01, "loss": 1.5, "iter": 10, "epoch": 1, "step": 10}'
    scalars = parse_scalars([good, '{"lr": 0.01, "loss": 1.4, "iter": 1e999, "step": 20}',
                             '{"lr": 0.01, "loss": 1.4, "iter": NaN, "step": 30}',
                             '{"lr": 0.01, "loss": 1.4, "iter": ' + "9" * 400 + ', "step": 40}',
                             '{"lr": [[0.01], 0.02], "loss": 1.3, "iter": 50, "step": 50}',
                             '{"lr": 0.01, "loss": ' + "9" * 400 + ', "iter": 60, "step": 60}',
                             '{"bbox_mAP": 0.3, "step": Infinity}'])
    assert [r.it for r in scalars.recs] == [10, 50, 60]
    assert scalars.recs[1].groups == [0.01, 0.02] and "loss" not in scalars.recs[2].row
    assert scalars.skipped == 4
    mmcv = parse_mmcv_json(['{"mode": "train", "epoch": 1, "iter": 50, "lr": 0.01, "loss": 1.0}',
                            '{"mode": "train", "epoch": Infinity, "iter": 1e999, "lr": 0.01, "loss": 1.0}',
                            '{"mode": "val", "epoch": NaN, "iter": 5, "bbox_mAP": 0.3}'])
    assert [(r.mode, r.epoch, r.inner) for r in mmcv.recs] == [("train", 1, 50)]
    text = parse_text(["2024/03/05 10:15:00 - mmengine - INFO - Epoch(train)  [1][ 20/116]  lr: 1.0000e-03  "
                       "eta: 0:10:00  time: 0.4000  loss: 1.5000",
                       "2024/03/05 10:15:00 - mmengine - INFO - Epoch(train)  [1][ 40/" + "1" * 300 + "]  "
                       "lr: 1.0000e-03  eta: 0:10:00  time: 0.4000  loss: 1.4000"])
    assert [r.it for r in text.recs] == [20]
    assert text.skipped == 1


def test_an_mmcv_text_log_with_only_validation_lines_is_named_mmcv():
    from schedlint.runs.formats import parse_text

    mmcv = ["2023-02-05 14:43:27,123 - mmcls - INFO - Epoch(val) [1][18]\taccuracy_top-1: 80.1000"]
    mmengine = ["2023/02/05 14:43:27 - mmengine - INFO - Epoch(val) [1][18/18]    accuracy/top1: 80.1000"]
    assert parse_text(mmcv).flavour == "mmcv-text" and parse_text(mmengine).flavour == "text"
    headers = ["2023-02-05 14:43:27,123 - mmdet - INFO - Config:", "lr_config = dict(policy='step')"] * 30 + [
        "2023-02-05 14:43:27,123 - mmdet - INFO - Epoch [1][50/977]\tlr: 1.000e-02, loss: 1.0"]
    assert parse_text(headers).flavour == "mmcv-text"  # the first header decides, after the 50 lines of a head


def test_a_folder_holding_one_run_folder_is_read_through(tmp_path):
    """A run folder renamed from its timestamp (`t1/vis_data/scalars.json`): the one folder with a run in it is
    read; with two, the user is asked to pick one."""
    from schedlint.runs.readers import RunLogError, find_logs

    row = '{"lr": 0.01, "loss": 1.0, "epoch": 1, "iter": 10, "step": 10}\n'
    (tmp_path / "t1" / "vis_data").mkdir(parents=True)
    (tmp_path / "t1" / "vis_data" / "scalars.json").write_text(row)
    assert find_logs(str(tmp_path / "t1"))[0][1][0].endswith("scalars.json")
    (tmp_path / "t2" / "vis_data").mkdir(parents=True)
    (tmp_path / "t2" / "vis_data" / "scalars.json").write_text(row)
    with pytest.raises(RunLogError, match="2 folders with runs"):
        find_logs(str(tmp_path))


def test_the_config_beside_a_scalars_json_is_the_runs(tmp_path):
    """vis_data's files moved out together: config.py beside scalars.json is the run's config, before any
    other .py of the folder (a newer one was taken and called 'dumped with the run')."""
    import os
    import time

    from schedlint.runs.readers import read_log_file

    (tmp_path / "scalars.json").write_text('{"lr": 0.01, "loss": 1.0, "epoch": 1, "iter": 10, "step": 10}\n')
    (tmp_path / "config.py").write_text("x = 1\n")
    other = tmp_path / "knet_8xb2-80k_ade20k.py"
    other.write_text("x = 2\n")
    later = time.time() + 10
    os.utime(other, (later, later))
    log = read_log_file(str(tmp_path / "scalars.json"))
    assert os.path.basename(log.config) == "config.py" and "beside the scalars.json" in log.config_source


def test_random_bytes_are_binary_and_other_encodings_are_text():
    import random

    from schedlint.runs.readers import _binary

    noise = bytes(random.Random(0).getrandbits(8) for _ in range(4096))
    assert _binary(noise)  # (NULs are rare in random bytes: the old test of NULs alone let it through)
    gbk = ("2023-05-11 02:01:00,000 - mmdet - INFO - 环境信息 训练开始 " * 40).encode("gbk")[:4096]
    assert not _binary(gbk) and not _binary("Epoch [1][50/500]\tlr: 1.000e-02, loss: 0.5\n".encode() * 80)


def test_metrics_inside_a_printed_dict_are_not_the_lines_own():
    """davarocr prints per-set dicts on its validation line: `NAME: {'precision': .., 'recall': ..}, all: {..},
    hmean: 0.72`. Their items were read as metrics named `'recall'` (quotes and all), the last one winning, and
    the config's `hmean` was not the one judged."""
    from schedlint.runs.formats import parse_text

    parsed = parse_text(["2024/03/05 10:15:00 - mmengine - INFO - Epoch(val) [1][120/120]\tNAME: {'precision': 0.98, "
                         "'recall': 0.72, 'sub': {'f1': 0.5}}, all: {'precision': 0.6, 'recall': 0.606}, hmean: 0.7235  "
                         "data_time: 0.0100  time: 0.1000"])
    rows = [r.row for r in parsed.recs if r.mode == "val"]
    assert rows == [{"hmean": 0.7235}]


@pytest.mark.parametrize("keys", [("generator.lr", "discriminator.lr"), ("lr_generator", "lr_discriminator")])
def test_the_lr_of_several_optimizers_is_read_and_said(tmp_path, keys):
    """A GAN's log has one LR per optimizer (mmengine `generator.lr`, mmcv `lr_generator`) and no `lr`: the LR
    was not read at all; now the first optimizer's is, and a note names it."""
    vis = tmp_path / STAMP / "vis_data"
    vis.mkdir(parents=True)
    vis.joinpath("scalars.json").write_text("".join(
        json.dumps({keys[0]: 1e-4 * (1 - i / 100), keys[1]: 4e-4, "loss": 1.0 / i, "iter": i, "step": i}) + "\n"
        for i in range(1, 101)))
    log = read_run(str(tmp_path))
    assert log.has("lr") and log.series("lr")[1][0] == pytest.approx(1e-4 * 0.99)
    assert any("the LR of 2 optimizers (generator, discriminator): the LR read is generator's" in n for n in log.notes)


def _mmcv_json_run(path, first_epoch, last_epoch, mtime):
    rows = [json.dumps({"env_info": "x", "config": "model = dict()\n", "seed": 0, "exp_name": "cfg.py"})]
    for e in range(first_epoch, last_epoch + 1):
        for i in (50, 100, 150, 200):
            rows.append(json.dumps({"mode": "train", "epoch": e, "iter": i, "lr": 0.02, "memory": 100,
                                    "data_time": 0.05, "loss": round(2.0 / e, 4), "time": 0.3}))
        rows.append(json.dumps({"mode": "val", "epoch": e, "iter": 125, "lr": 0.02, "bbox_mAP": 0.3 + 0.001 * e}))
    path.write_text("\n".join(rows) + "\n")
    os.utime(path, (mtime, mtime))


@pytest.mark.parametrize("older_until", [30, 33])  # ends where the new log starts, or past its checkpoint
def test_a_run_resumed_into_a_new_log_is_read_whole(tmp_path, older_until):
    """mmcv's resume_from writes a new .log.json (epochs 31-50) beside the first (1-30): the run was judged on its
    last 20 epochs only. The older log is read up to where the new one starts (lines past the checkpoint were
    trained again)."""
    _mmcv_json_run(tmp_path / "20240101_000000.log.json", 1, older_until, 1_000_000)
    _mmcv_json_run(tmp_path / "20240102_000000.log.json", 31, 50, 2_000_000)
    log = read_run(str(tmp_path))
    assert len(log.iters) == 50 * 4 and log.iters[0] == 50 and log.total_iters == 50 * 200
    assert list(log.val_steps) == [float(e) for e in range(1, 51)]
    assert any(n.startswith("resumed run: read from 20240101_000000.log.json") for n in log.notes), log.notes


def test_two_separate_runs_are_not_joined(tmp_path):
    _mmcv_json_run(tmp_path / "20240101_000000.log.json", 1, 30, 1_000_000)
    _mmcv_json_run(tmp_path / "20240102_000000.log.json", 1, 12, 2_000_000)  # a new experiment from epoch 1
    log = read_run(str(tmp_path))
    assert len(log.iters) == 12 * 4 and not any(n.startswith("resumed run") for n in log.notes)


def _mmengine_iter_log(path, first, last, total, mtime):
    lines = [f"2024/01/01 00:00:00 - mmengine - INFO - Iter(train) [{i:>6}/{total}]  lr: 1.0000e-02  eta: 0:00:01  "
             f"time: 0.1000  data_time: 0.0100  memory: 100  loss: {2.0 / (1 + i / 1000):.4f}"
             for i in range(first, last + 1, 50)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, (mtime, mtime))


@pytest.mark.parametrize("older_until", [40000, 42000])  # ends at the checkpoint, or past it
def test_an_iteration_run_resumed_into_a_new_run_folder_is_read_whole(tmp_path, older_until):
    _mmengine_iter_log(tmp_path / "20240101_000000" / "20240101_000000.log", 50, older_until, 80000, 1_000_000)
    _mmengine_iter_log(tmp_path / "20240102_000000" / "20240102_000000.log", 40050, 80000, 80000, 2_000_000)
    log = read_run(str(tmp_path))
    assert log.iters[0] == 50 and log.total_iters == 80000 and len(log.iters) == 80000 // 50
    assert any(n.startswith("resumed run: read from 20240101_000000.log") for n in log.notes), log.notes


def test_an_iteration_log_that_ends_long_before_the_new_one_starts_is_not_joined(tmp_path):
    _mmengine_iter_log(tmp_path / "20240101_000000" / "20240101_000000.log", 50, 10000, 80000, 1_000_000)
    _mmengine_iter_log(tmp_path / "20240102_000000" / "20240102_000000.log", 40050, 80000, 80000, 2_000_000)
    log = read_run(str(tmp_path))
    assert log.iters[0] == 40050 and not any(n.startswith("resumed run") for n in log.notes)


def test_a_run_folder_renamed_after_its_timestamp_is_a_run(tmp_path):
    """`20230604_153610_ear_train_200_best196_.808/` (a user kept the best run under a telling name): the work_dir
    counted the other runs only, and read an older, shorter one."""
    short = train_rows(lambda e: 1.0 / e, 5, 20, 10, seed=0, noise=0.0)
    long = train_rows(lambda e: 1.0 / e, 20, 20, 10, seed=0, noise=0.0)
    write_mmengine_run(tmp_path, short, [], stamp="20230604_150115")
    write_mmengine_run(tmp_path, long, [], stamp="20230604_153610_ear_train_200_best196_.808")
    older = tmp_path / "20230604_150115" / "vis_data" / "scalars.json"
    os.utime(older, (1000, 1000))
    log = read_run(str(tmp_path))
    assert log.total_iters == 400 and "20230604_153610_ear_train_200_best196_.808" in log.path
    assert any("2 runs in" in n for n in log.notes)
    assert [name for name, _ in find_logs(str(tmp_path))] == ["20230604_153610_ear_train_200_best196_.808",
                                                               "20230604_150115"]


# ---------------------------------------------------------------------------------------------
# the items of a text-log line: one scan equals the chunk-by-chunk reading it replaced
# ---------------------------------------------------------------------------------------------

import re as _re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from schedlint.runs import formats  # noqa: E402


def _items_by_chunks(body):
    """The reference reading of a line's items: its chunks (split at `, `, tabs and whitespace runs), and in each
    the `: value` matches, each keyed by the text back to the previous match, `:` or `,`."""
    row = {}
    if "{" in body:
        for _ in range(body.count("{")):
            body, found = formats._NESTED.subn("dict", body)
            if not found:
                break
    for chunk in _re.split(r",\s+|\t+|\s{2,}", body.strip()):
        previous = 0
        for match in _re.finditer(r":\s+(\S+?)(?=,|\s|$)", chunk):
            segment = chunk[previous:match.start()]
            previous = match.end()
            key = segment[max(segment.rfind(":"), segment.rfind(",")) + 1:].strip()
            if not key or key in formats.BOOKKEEPING or key.endswith("copypaste"):
                continue
            n = formats.number(match.group(1))
            if n is not None:
                row[key] = n
    return row


_PIECES = list("ab_:,. \t5e-+{}") + ["  ", ": ", ", ", "\n", "\x0b", "\xa0", "nan", "inf", "lr", "loss", "1.0e-3",
                                      "eta", "1 day, 2:13:12", "time", "7_0", "\u0665"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_line_items_equal_the_chunk_by_chunk_reading(body):
    expected, got = _items_by_chunks(body), formats._items(body)
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == value or (math.isnan(value) and math.isnan(got[key]))


def test_line_items_of_real_headers():
    mmengine = "  base_lr: 1.0000e-02 lr: 2.5e-03  eta: 1 day, 2:13:12  time: 0.4455  loss: 0.5  loss  : 9  acc: nan"
    assert formats._items(mmengine) == pytest.approx({"base_lr": 1e-2, "lr": 2.5e-3, "loss": 0.5, "acc": math.nan},
                                                     nan_ok=True)
    mmcv = "\tlr: 1.000e-02, eta: 0:39:14, time: 0.400, loss_rpn_cls: 0.5, bbox_mAP: {'a': 1}, loss: 7_0"
    assert formats._items(mmcv) == {"lr": 1e-2, "loss_rpn_cls": 0.5}


@pytest.mark.parametrize("data", [
    b"a\r\nb\rc\nd",
    b"x" * 8191 + b"\r\n" + b"y\r" + b"\r\n",  # a CRLF across the reader's buffers
    b"loss_cls: 1\x0bloss_bbox: 2\x0cbbox_mAP: 3\x1cacc\xc2\x85lr: 0.01\xe2\x80\xa8f\n",  # the other line ends
    b"\xc3" + b"z" * 8190 + b"\xc3\xa9\xff\xe2\x80\n\n",  # undecodable bytes, a character across buffers
    b"", b"\n", b"trailing\n\n",
])
def test_log_lines_are_read_as_splitlines_cuts_the_whole_text(tmp_path, data):
    from schedlint.runs.readers import _lines

    path = tmp_path / "x.log"
    path.write_bytes(data)
    assert list(_lines(str(path))) == data.decode("utf-8", errors="replace").splitlines()


def test_tensorboard_files_have_the_logs_size_cap(tmp_path, monkeypatch):
    from schedlint.runs import readers

    monkeypatch.setattr(readers, "MAX_LOG_BYTES", 1000)
    path = tmp_path / "events.out.tfevents.1700000000.host"
    path.write_bytes(b"\0" * 2000)
    with pytest.raises(RunLogError, match="larger than"):
        read_log_file(str(path))


def test_mmcv_val_workflow_lines_join_the_evaluation_of_their_epoch(tmp_path):
    """workflow = [('train', 1), ('val', 1)]: each epoch logs EvalHook's metrics and the val workflow's losses as
    two val lines; they were two evaluations (40 validation results for 20 epochs)."""
    lines = []
    for epoch in (1, 2, 3):
        lines.append({"mode": "train", "epoch": epoch, "iter": 100, "lr": 0.02, "loss": 2.0 - epoch / 10, "time": 0.5})
        lines.append({"mode": "val", "epoch": epoch, "iter": 100, "lr": 0.02, "bbox_mAP": 0.1 * epoch})
        lines.append({"mode": "val", "epoch": epoch, "iter": 25, "lr": 0.02, "loss_cls": 0.5, "loss": 1.0 + epoch})
    (tmp_path / "20220101_000000.log.json").write_text("\n".join(json.dumps(r) for r in lines), encoding="utf-8")
    log = read_run(str(tmp_path))
    assert list(log.val_steps) == [1.0, 2.0, 3.0]
    assert list(log.val["bbox_mAP"]) == pytest.approx([0.1, 0.2, 0.3])
    assert list(log.val["loss"]) == [2.0, 3.0, 4.0]
    # without training lines (a logging interval longer than the epoch), the note counts evaluations, not lines
    only_val = [r for r in lines if r["mode"] == "val"]
    (tmp_path / "20220101_000000.log.json").write_text("\n".join(json.dumps(r) for r in only_val), encoding="utf-8")
    log = read_run(str(tmp_path))
    assert any("only 3 validation results" in n for n in log.notes), log.notes
