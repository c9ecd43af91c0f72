"""`schedlint diagnose`: rebounds found where they are, tied to the schedule; no alarm on healthy runs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from schedlint.cli import app
from schedlint.runs.diagnose import diagnose_run, find_rebound, smooth, validation_trend
from synthetic_runs import (CYCLIC_TO_40E, ROOT, STAMP, cyclic_lr, cyclic_rebound_run, healthy_run, overfitting_run,
                            train_rows, val_rows, write_mmengine_run)

runner = CliRunner()


def _diagnose(*args):
    result = runner.invoke(app, ["diagnose", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# -- (a) the cyclic-20e schedule trained for 40 epochs ------------------------------------------


@pytest.fixture(scope="module")
def cyclic_run(tmp_path_factory):
    return cyclic_rebound_run(tmp_path_factory.mktemp("cyclic"), seed=1)


def test_rebound_found_at_the_end_of_the_schedule(cyclic_run):
    diag = diagnose_run(str(cyclic_run))
    r = diag.rebound
    assert r is not None
    assert 19.0 <= r.epoch <= 23.0
    assert r.iter == pytest.approx(r.epoch * 116)
    assert r.loss_end > r.loss_min + 3 * r.noise
    # the config mmengine dumped into the work_dir was used, at the run's epoch length
    assert diag.config_source == "dumped with the run"
    assert diag.plan.horizon.epoch_length == 116
    # what the schedule was doing there
    kinds = {e.kind: e for e in diag.events}
    assert "SL004" in kinds["frozen"].codes
    assert "momentum-near-one" in kinds
    assert diag.lr == pytest.approx(2.03e-07, rel=0.01) and diag.lr_source == "logged"
    assert diag.momentum >= 0.999 and diag.momentum_source == "simulated from the config"
    assert diag.kind == "schedule"
    assert {f.code for f in diag.causes} >= {"SL004"}
    assert any(fix.startswith("schedlint fix --rescale") for fix in diag.fixes)
    # train loss up and validation worse: optimisation trouble, not over-fitting
    assert diag.validation["worse_after_rebound"] is True
    assert "not over-fitting" in diag.verdict
    assert diag.grad_norm["trend"] == "rising"


def test_rebound_cli_json(cyclic_run):
    result = _diagnose(str(cyclic_run), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) >= {"rebound", "events", "findings", "verdict"}
    rebound = data["rebound"]
    assert 19.0 <= rebound["epoch"] <= 23.0
    assert {"epoch", "iter", "loss_min", "loss_end"} <= set(rebound)
    assert rebound["momentum"] >= 0.999 and rebound["momentum_name"] == "beta1"
    events = {e["kind"]: e for e in data["events"]}
    assert events["frozen"]["epoch"] == 20.0 and "SL004" in events["frozen"]["codes"]
    assert "SL004" in {f["code"] for f in data["findings"]}
    assert data["kind"] == "schedule"
    assert any("--rescale" in fix for fix in data["fix"])


def test_rebound_cli_text_names_the_fix_for_the_given_config(cyclic_run):
    result = _diagnose(str(cyclic_run), "--config", str(CYCLIC_TO_40E))
    assert result.exit_code == 1
    out = result.stdout
    assert "Loss rebound at epoch" in out
    assert "SL004" in out
    assert f"fix: schedlint fix --rescale {CYCLIC_TO_40E}" in out
    assert "flattened copy" not in out  # a real config was given, not the dumped copy


def test_rebound_without_any_config_reads_the_schedule_from_the_log(tmp_path):
    run = cyclic_rebound_run(tmp_path, seed=2, with_config=False)
    diag = diagnose_run(str(run))
    assert diag.rebound is not None and diag.config is None
    frozen = [e for e in diag.events if e.kind == "frozen"]
    assert frozen and abs(frozen[0].start / 116 - 20) < 0.5  # the logged LR stops changing at epoch 20
    assert any("no config" in n for n in diag.notes)


# -- (b) a noisy healthy run ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_noisy_healthy_run_has_no_rebound(tmp_path, seed):
    run = healthy_run(tmp_path, seed=seed)
    result = _diagnose(str(run), "--format", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["rebound"] is None
    assert data["kind"] == "healthy"
    assert data["verdict"].startswith("No loss rebound")


def test_a_late_spike_is_not_a_rebound():
    rng = np.random.default_rng(5)
    x = np.arange(1, 2001)
    loss = 0.5 + 2 * np.exp(-x / 300) + rng.normal(0, 0.05, len(x))
    loss[1900:1930] += 3.0  # a short blow-up the run recovers from
    assert find_rebound(x, loss) is None


def test_a_plateau_with_noise_is_not_a_rebound():
    rng = np.random.default_rng(6)
    x = np.arange(1, 3001)
    loss = 0.8 + rng.normal(0, 0.2, len(x))
    loss[:300] += np.linspace(1.0, 0.0, 300)
    assert find_rebound(x, loss) is None


def test_too_short_a_log_is_not_judged():
    assert find_rebound(np.arange(8), np.array([3, 2, 1, 0.5, 0.4, 0.9, 1.5, 2.0])) is None


# -- (c) over-fitting ------------------------------------------------------------------------------


def test_overfitting_is_not_blamed_on_the_schedule(tmp_path):
    run = overfitting_run(tmp_path)
    result = _diagnose(str(run), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["rebound"] is None
    assert data["kind"] == "over-fitting"
    assert "over-fitting, not a schedule problem" in data["verdict"]
    assert data["validation"]["metric"] == "coco/bbox_mAP"
    assert data["validation"]["trend"] == "worse" and data["validation"]["best_at"] == 12


def test_validation_trend_for_lower_is_better_metrics(tmp_path):
    train = train_rows(lambda e: 1.0 / e, 10, 20, 10, seed=0, noise=0.0)
    val = val_rows(lambda e: 1.0 + abs(e - 4) * 0.1, 10, 1, name="val/loss")
    log = diagnose_run(str(write_mmengine_run(tmp_path, train, val))).log
    trend = validation_trend(log)
    assert trend["higher_is_better"] is False
    assert trend["best_at"] == 4 and trend["trend"] == "worse"


# -- (d) other log formats ---------------------------------------------------------------------------


def _text_line(row, epoch_length):
    epoch, inner = row["epoch"], row["iter"] - (row["epoch"] - 1) * epoch_length
    items = "  ".join(f"{k}: {row[k]:.4f}" for k in ("grad_norm", "loss", "loss_cls", "loss_bbox"))
    return (f"2024/03/05 10:00:00 - mmengine - INFO - Epoch(train)  [{epoch}][{inner:>3}/{epoch_length}]  "
            f"base_lr: {row['lr']:.4e} lr: {row['lr']:.4e}  eta: 1 day, 0:01:02  time: 0.4000  data_time: 0.0100  "
            f"memory: 3100  {items}")


def test_rebound_found_in_a_text_log(tmp_path):
    lr = cyclic_lr(116)
    train = train_rows(lambda e: 0.55 + 1.9 * math.exp(-e / 5) + (0.03 * (e - 20) if e > 20 else 0), 40, 116, 10,
                       seed=3, noise=0.06, lr=lr, grad_norm=lambda e: 4.0)
    lines = [_text_line(r, 116) for r in train]
    lines.insert(100, "2024/03/05 10:00:00 - mmengine - INFO - Epoch(train)  [9][ 10/116]  lr: ")  # truncated
    run = tmp_path / STAMP
    run.mkdir()
    (run / f"{STAMP}.log").write_text("\n".join(lines), encoding="utf-8")
    diag = diagnose_run(str(tmp_path), config=str(CYCLIC_TO_40E))
    assert diag.log.kind == "text" and diag.log.skipped == 1
    assert diag.rebound is not None and 19.0 <= diag.rebound.epoch <= 23.0
    assert "SL004" in {c for e in diag.events for c in e.codes}


def test_mmcv_log_json_run(tmp_path):
    rows = []
    for epoch in range(1, 25):
        for inner in range(50, 501, 50):
            e = (epoch - 1) + inner / 500
            rows.append({"mode": "train", "epoch": epoch, "iter": inner, "lr": 0.02, "loss": 0.3 + 2 * math.exp(-e / 4)})
        rows.append({"mode": "val", "epoch": epoch, "iter": 500, "lr": 0.02, "bbox_mAP": 0.3 + 0.004 * epoch})
    (tmp_path / "20220101_000000.log.json").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = _diagnose(str(tmp_path), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["run"]["format"] == "mmcv-json" and data["run"]["epoch_length"] == 500
    assert data["rebound"] is None and data["kind"] == "healthy"


# -- unusable input ------------------------------------------------------------------------------------


def test_unusable_input_exits_2(tmp_path, cyclic_run):
    assert _diagnose(str(tmp_path / "missing")).exit_code == 2
    assert _diagnose(str(tmp_path)).exit_code == 2  # no log in it
    (tmp_path / "scalars.json").write_text('{"lr": 0.1, "iter": 10, "step": 10}\n', encoding="utf-8")
    result = _diagnose(str(tmp_path / "scalars.json"))
    assert result.exit_code == 2 and "no training loss" in result.stderr
    assert _diagnose(str(cyclic_run), "--config", str(tmp_path / "nope.py")).exit_code == 2
    broken = ROOT / "fixtures" / "broken" / "syntax_error.py"
    result = _diagnose(str(cyclic_run), "--config", str(broken))
    assert result.exit_code == 2 and "SL901" in result.stderr
    assert _diagnose(str(cyclic_run), "--format", "xml").exit_code == 2


def test_smooth_keeps_length_and_ignores_spikes():
    values = np.ones(200)
    values[50] = 100.0
    out = smooth(values)
    assert out.shape == values.shape
    assert np.allclose(out, 1.0)


def test_a_loss_that_turns_nan_is_a_divergence(tmp_path):
    train = train_rows(lambda e: 2.0 * math.exp(-e / 3) + 0.5, 12, 50, 10, seed=4, noise=0.03)
    for row in train:
        if row["iter"] > 400:
            row["loss"] = float("nan")  # json.dumps writes NaN, as mmengine's LocalVisBackend does
    run = write_mmengine_run(tmp_path, train, [])
    result = _diagnose(str(run), "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["rebound"]["diverged"] is True
    assert data["rebound"]["iter"] == 410 and data["rebound"]["loss_end"] is None
    assert "diverged" in data["verdict"]
    text = _diagnose(str(run)).stdout
    assert "Loss diverges at epoch 8.2 (iteration 410)" in text


def test_scattered_nan_losses_are_not_a_divergence():
    x = np.arange(1, 1001)
    loss = 0.5 + 2 * np.exp(-x / 200)
    loss[::97] = np.nan
    assert find_rebound(x, loss) is None
