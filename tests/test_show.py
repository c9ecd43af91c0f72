"""`schedlint show`: the whole schedule of a config, readable in an 80-column terminal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from schedlint.cli import app
from schedlint.lint.settings import Settings
from schedlint.views.show import block_plot, load_view, nice_ticks, render_show
from synthetic_runs import CYCLIC_TO_40E, ROOT

runner = CliRunner()
CONFIGS = ROOT / "fixtures" / "configs"
LEAVES = sorted(p for p in CONFIGS.rglob("*.py") if "_base_" not in p.parts and p.name != "scoped_base_example.py")


def _render(path: Path, width: int = 80, **settings) -> str:
    console = Console(width=width, record=True, color_system=None, file=open("/dev/null", "w"))
    render_show(load_view(str(path), Settings(**settings)), console)
    return console.export_text()


def _assert_fits(text: str, width: int = 80) -> None:
    too_long = [line for line in text.splitlines() if len(line.rstrip()) > width]
    assert not too_long, too_long


def test_show_cyclic_20e_to_40e_in_80_columns():
    text = _render(CYCLIC_TO_40E)
    _assert_fits(text)
    # horizon and where the epoch length came from
    # 3712 x2 / (batch 8 x 4 GPUs): cyclic-20e's auto_scale_lr.base_batch_size 32 = 4 GPUs x 8
    assert "EpochBasedTrainLoop: 40 epochs x 232 iterations = 9280 iterations" in text
    assert "epoch length 232: estimated" in text
    # optimizer
    assert "AdamW, lr 0.0018, betas (0.95, 0.99)" in text
    # the phases, their ranges in epochs and iterations, values from the curve, and lines
    assert "CosineAnnealingMomentum" in text
    assert "8-20" in text and "1856-4640" in text
    assert "0.018 → 1.86e-07" in text
    assert "cyclic-20e.py" in text
    # the terminal plots
    assert "LR over 40 epochs" in text and "beta1 over 40 epochs" in text
    assert "█" in text and "┬" in text
    # the events and findings
    assert "LR frozen at 1.86e-07" in text
    assert "SL004" in text and "schedule-ends-early" in text


def test_show_cli_in_80_columns():
    result = runner.invoke(app, ["show", str(CYCLIC_TO_40E), "--width", "80"])
    assert result.exit_code == 1  # the config has findings
    _assert_fits(result.stdout)
    assert "Phases" in result.stdout and "Findings" in result.stdout
    default = runner.invoke(app, ["show", str(CYCLIC_TO_40E)], env={"COLUMNS": "80"})
    _assert_fits(default.stdout)


def test_show_sound_config_exits_0():
    config = CONFIGS / "faster_rcnn" / "faster-rcnn_r50_fpn_1x_coco.py"
    result = runner.invoke(app, ["show", str(config), "--width", "80"])
    assert result.exit_code == 0, result.stdout
    assert "All checks passed" in result.stdout
    assert "LinearLR" in result.stdout and "MultiStepLR" in result.stdout


def test_brief_momentum_near_one_is_not_flagged():
    # the official cyclic-40e: beta1 is above 0.999 only for the last 1.5 of 40 epochs
    text = _render(CONFIGS / "pointpillars" / "pointpillars_hv-secfpn_4xb8-cyclic-40e_kitti-3d-car.py")
    assert "beta1 reaches 0.999" not in text
    assert "(yellow: see events)" not in text


@pytest.mark.parametrize("path", LEAVES, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_every_fixture_config_fits_80_columns(path):
    result = runner.invoke(app, ["show", str(path), "--width", "80"])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    _assert_fits(result.stdout)


def test_show_wider_terminal_uses_the_width():
    text = _render(CYCLIC_TO_40E, width=120)
    _assert_fits(text, 120)
    assert max(len(line.rstrip()) for line in text.splitlines()) > 100  # the plot grows with the width


def test_show_iteration_based_config():
    text = _render(CONFIGS / "pointnet2" / "pointnet2-ssg_2xb16-poly-40k_s3dis-seg.py")
    _assert_fits(text)
    assert "IterBasedTrainLoop: 40000 iterations" in text
    assert "40k" in text  # iteration ticks
    assert "momentum over 40000 iterations" in text and "constant 0.9" in text


def test_show_errors_exit_2(tmp_path):
    broken = ROOT / "fixtures" / "broken" / "syntax_error.py"
    result = runner.invoke(app, ["show", str(broken)])
    assert result.exit_code == 2 and "SL901" in result.stderr
    not_training = tmp_path / "model_only.py"
    not_training.write_text("model = dict(type='X')\n", encoding="utf-8")
    result = runner.invoke(app, ["show", str(not_training)])
    assert result.exit_code == 2 and "not a training config" in result.stderr


def test_block_plot_shape_and_levels():
    rows = block_plot(np.repeat(np.linspace(0, 1, 10), 10), width=10, height=4, lo=0.0, hi=1.0)
    assert len(rows) == 4 and all(len(r) == 10 for r in rows)
    assert rows[-1][0] in "▁▂"  # the lowest value still shows as a thin bar
    assert rows[0][-1] == "█" and rows[0][0] == " "  # the highest fills the top row
    heights = [sum(" ▁▂▃▄▅▆▇█".index(r[c]) for r in rows) for c in range(10)]
    assert heights == sorted(heights)


def test_nice_ticks():
    assert nice_ticks(40) == [0, 10, 20, 30, 40]
    assert nice_ticks(24) == [0, 5, 10, 15, 20]
    assert nice_ticks(40000)[-1] == 40000


def test_values_just_below_one_keep_the_digits_that_tell_them_from_one():
    from schedlint.runs.events import value_text

    assert value_text(0.9999999665) == "0.99999997"  # not "1." (7 decimals round it up)
    assert value_text(0.9999999) == "0.9999999" and value_text(0.999) == "0.999" and value_text(1.0) == "1"


def test_show_names_the_hook_that_sets_the_lr(tmp_path):
    # mmyolo replaces ParamSchedulerHook: its hook is the schedule (it said "No LR or momentum scheduler"
    # above a decaying LR curve)
    config = tmp_path / "yolo.py"
    config.write_text(
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.937, nesterov=True))\n"
        "param_scheduler = None\n"
        "default_hooks = dict(param_scheduler=dict(type='YOLOv5ParamSchedulerHook', scheduler_type='linear',\n"
        "                                          lr_factor=0.01, max_epochs=30))\n"
        "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=10)\n")
    text = _render(config, epoch_length=100)
    assert "No LR or momentum scheduler" not in text
    assert "YOLOv5ParamSchedulerHook (hook)" in text
    rows = [line for line in text.splitlines() if "YOLOv5ParamSchedulerHook (hook)" in line]
    assert len(rows) == 2 and "LR" in rows[0] and "momentum" in rows[1]  # its momentum warm-up too
    assert "0-30" in rows[0] and "0-3000" in rows[0]
    config.write_text(config.read_text().replace("YOLOv5ParamSchedulerHook", "MyParamSchedulerHook"))
    text = _render(config, epoch_length=100)
    assert "No LR or momentum scheduler" not in text
    assert "set by MyParamSchedulerHook" in text
