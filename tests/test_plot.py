"""`schedlint plot`: a real PNG with the LR, the momentum and the loss; clear message without matplotlib."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from schedlint.cli import app
from synthetic_runs import CYCLIC_TO_40E, ROOT, cyclic_rebound_run

pytest.importorskip("matplotlib")

runner = CliRunner()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# colours the plot uses (LR, momentum, loss, validation, alerts)
LR_BLUE = (0x1F, 0x77, 0xB4)
MOMENTUM_PURPLE = (0x8E, 0x44, 0xAD)
VAL_GREEN = (0x2C, 0xA0, 0x2C)
ALERT_RED = (0xD6, 0x27, 0x28)
LOSS_BLACK = (0x22, 0x22, 0x22)


def _image(path):
    from matplotlib.image import imread

    data = open(path, "rb").read(8)
    assert data == PNG_SIGNATURE
    img = imread(path)
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    return (img[:, :, :3] * 255).round().astype(int)


def _count(img, rgb, tolerance=12):
    return int((np.abs(img - np.array(rgb)).max(axis=2) <= tolerance).sum())


def test_plot_with_a_run_shows_lr_momentum_and_loss(tmp_path):
    run = cyclic_rebound_run(tmp_path / "work_dir", seed=1)
    out = tmp_path / "cyclic.png"
    result = runner.invoke(app, ["plot", str(CYCLIC_TO_40E), "--log", str(run), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    assert "loss rebound at epoch" in result.stdout
    assert out.stat().st_size > 30_000
    img = _image(out)
    height, width, _ = img.shape
    assert width >= 1000 and height >= 1000  # four panels: schedulers, LR, beta1, loss
    assert len(np.unique(img.reshape(-1, 3) // 16, axis=0)) > 50
    for colour in (LR_BLUE, MOMENTUM_PURPLE, VAL_GREEN, ALERT_RED):
        assert _count(img, colour) > 200, colour
    assert _count(img, LOSS_BLACK, 6) > 1500  # the smoothed loss


def test_plot_without_a_run_default_name_and_log_scale(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plot", str(CYCLIC_TO_40E), "--log-scale"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "pointpillars_cyclic-20e_to-40e_schedule.png"
    assert out.is_file()
    img = _image(out)
    assert img.shape[0] < 1150 and _count(img, LOSS_BLACK, 6) < 1500  # no loss panel without a run
    assert _count(img, LR_BLUE) > 200 and _count(img, MOMENTUM_PURPLE) > 200
    assert _count(img, ALERT_RED) > 100  # the SL004 marks


def test_plot_of_an_iteration_based_config(tmp_path):
    config = ROOT / "fixtures" / "configs" / "pointnet2" / "pointnet2-ssg_2xb16-poly-40k_s3dis-seg.py"
    out = tmp_path / "poly.png"
    result = runner.invoke(app, ["plot", str(config), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert _count(_image(out), LR_BLUE) > 200


def test_plot_errors_exit_2(tmp_path):
    broken = ROOT / "fixtures" / "broken" / "syntax_error.py"
    result = runner.invoke(app, ["plot", str(broken), "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "SL901" in result.stderr
    result = runner.invoke(app, ["plot", str(CYCLIC_TO_40E), "--log", str(tmp_path / "missing")])
    assert result.exit_code == 2
    result = runner.invoke(app, ["plot", str(CYCLIC_TO_40E), "-o", str(tmp_path / "no" / "such" / "dir.png")])
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now raises ImportError
    result = runner.invoke(app, ["plot", str(CYCLIC_TO_40E), "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert 'pip install "schedlint[plot]"' in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_check_does_not_import_matplotlib():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from schedlint.cli import app\n"
        f"CliRunner().invoke(app, ['check', {str(CYCLIC_TO_40E)!r}])\n"
        "assert 'matplotlib' not in sys.modules, 'check imported matplotlib'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=os.fspath(ROOT))
    assert done.returncode == 0, done.stderr


def test_plot_a_run_without_a_config(tmp_path):
    run = cyclic_rebound_run(tmp_path / "work_dir", seed=1, with_config=False)
    out = tmp_path / "run.png"
    result = runner.invoke(app, ["plot", "--log", str(run), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "drew the run's own LR, loss and metric" in result.stdout
    assert "loss rebound at epoch" in result.stdout
    img = _image(out)
    assert _count(img, LR_BLUE) > 200  # the logged LR
    assert _count(img, LOSS_BLACK, 6) > 1000 and _count(img, VAL_GREEN) > 200
    assert _count(img, ALERT_RED) > 100  # the frozen LR and the turn


def test_plot_needs_a_config_or_a_run(tmp_path):
    result = runner.invoke(app, ["plot", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2 and "--log" in result.stderr


def test_plot_the_shipped_sample_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plot", "--log", str(ROOT / "examples" / "runs" / "faster-rcnn_r50_fpn_1x_coco")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "faster-rcnn_r50_fpn_1x_coco_schedule.png").is_file()
