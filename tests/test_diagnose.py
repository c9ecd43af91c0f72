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


def test_rolling_windows_in_blocks_give_the_same_smoothing(monkeypatch):
    """The rolling median takes its windows a block of rows at a time (a 500k-line log asked for 76 GiB at
    once): the blocks change nothing."""
    import schedlint.runs.rebound as rebound

    values = np.random.default_rng(3).normal(size=3000).cumsum()
    whole = smooth(values)
    monkeypatch.setattr(rebound, "_ROLLING_CELLS", 1000)  # blocks of a few rows
    assert np.array_equal(smooth(values), whole)


def test_a_long_per_iteration_series_is_smoothed_over_bins():
    """160k points: smoothed over the medians of bins and read back at every point (bounded time and memory),
    following the trend and ignoring the per-iteration wiggle."""
    n = 160_000
    x = np.arange(n, dtype=float)
    trend = 2.0 * np.exp(-x / 30_000) + 0.3
    out = smooth(trend + 0.05 * np.sin(x))
    assert out.shape == (n,)
    assert np.max(np.abs(out - trend)[n // 20:-n // 20]) < 0.01


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


# -- issue 12: judging real runs right, point by point ------------------------------------------------

import re  # noqa: E402

from synthetic_runs import (cosine_restart_lr, mmcv_json_lines, mmcv_text_lines, mmengine_text_lines,  # noqa: E402
                            points)

DETR_LIKE = '''\
train_dataloader = dict(batch_size=2, num_workers=2, dataset=dict(type='CocoDataset', data_root='data/coco/'))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.0001, weight_decay=0.0001),
    paramwise_cfg=dict(custom_keys=dict(backbone=dict(lr_mult=0.1))))
max_epochs = 50
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[40], gamma=0.1)]
'''


def _words_match_numbers(text):
    """Every 'falls from A to B' has A > B and every 'rises from A to B' has B > A."""
    for verb, a, b in re.findall(r"(falls|rises) from ([-\d.e+]+) (?:at the start )?to ([-\d.e+]+)", text):
        a, b = float(a.rstrip(".")), float(b.rstrip("."))
        assert (a > b) if verb == "falls" else (b > a), text


def test_point3_lr_restart_in_the_log_explains_the_rebound_without_a_config(tmp_path):
    # the LR anneals for 20 epochs, then jumps back up (a warm restart); the loss turns up right there
    def lr(i):
        return cosine_restart_lr(2000)(i) if i < 2000 else cosine_restart_lr(2000)(i - 2000) * 1.0

    def loss(e):
        return 0.5 + 2 * math.exp(-e / 4) + (0.5 * (1 - math.exp(-(e - 20) / 0.5)) if e > 20 else 0.0)

    pts = points(30, 100, 10, loss, lr, seed=3, noise=0.03)
    (tmp_path / "run.log").write_text("\n".join(mmengine_text_lines(pts, {}, 100)))
    diag = diagnose_run(str(tmp_path / "run.log"))
    assert diag.config is None and diag.rebound is not None
    assert abs(diag.rebound.iter - 2000) <= 10  # at the restart, not ~1,100 iterations early
    kinds = {e.kind for e in diag.events}
    assert "restart" in kinds
    assert diag.kind == "schedule" and "logged LR" in diag.verdict
    assert any(e.kind == "warmup-end" or e.kind == "restart" for e in diag.run_events)


def test_point3_lr_events_rise_drop_freeze_from_the_log(tmp_path):
    def lr(i):  # warm-up to 0.02 by 500, step drops at 3000 and 4000, frozen at 2e-4 from 4000 on, of 8000
        if i < 500:
            return 0.02 * (i + 1) / 500
        return 0.02 if i < 3000 else 0.002 if i < 4000 else 0.0002

    pts = points(80, 100, 50, lambda e: 1.0 / (1 + e), lr, noise=0.0)
    (tmp_path / "a.log.json").write_text("\n".join(mmcv_json_lines(pts, {})))
    from schedlint.runs.lrlog import lr_events
    from schedlint.runs.readers import read_log_file

    events = {e.kind: e for e in lr_events(read_log_file(str(tmp_path / "a.log.json")))}
    assert events["warmup-end"].start == 500
    assert events["drop"].start in (3000, 4000)
    assert events["frozen"].start == 4050 and events["frozen"].notable
    assert "rise" not in events and "restart" not in events


def test_lr_rounded_by_mmcv_json_makes_no_events(tmp_path):
    """mmcv's .log.json keeps 5 decimals: a group-0 LR of a few 1e-6 logs as 0.0 or 1e-05 (ViTPose's layer-decayed
    group). Flips between the two were read as a warm restart and a drop to 0; a real step of that size stays one."""
    def tiny(i):  # warm-up, then a 10x step: every value at or below the rounding unit
        return round(8e-6 * min(1.0, (i + 1) / 500) * (0.1 if i >= 6000 else 1.0), 5)

    def real(i):  # a real 10x step from 1e-4 to 1e-5
        return 1e-4 if i < 6000 else 1e-5

    from schedlint.runs.lrlog import lr_events
    from schedlint.runs.readers import read_log_file

    for name, lr, expected in (("tiny", tiny, set()), ("real", real, {"drop"})):
        pts = points(80, 100, 50, lambda e: 1.0 / (1 + e), lr, noise=0.0)
        (tmp_path / f"{name}.log.json").write_text("\n".join(mmcv_json_lines(pts, {})))
        kinds = {e.kind for e in lr_events(read_log_file(str(tmp_path / f"{name}.log.json")))}
        assert kinds & {"restart", "drop", "rise"} == expected, (name, kinds)


def test_the_steep_end_of_a_poly_decay_is_not_a_step_drop(tmp_path):
    """PolyLR(power=0.9) logged every 100 of 40000 iterations falls 15%, 20%, 35%... per point at its end: three
    'drops' were reported there. A 10x step on the same poly stays one."""
    from schedlint.runs.lrlog import lr_events
    from schedlint.runs.readers import read_log_file

    def poly(i):
        return 0.05 * (1 - i / 40000) ** 0.9 + 1e-4

    def stepped(i):
        return poly(i) * (0.1 if i >= 20000 else 1.0)

    for name, lr, drops in (("poly", poly, []), ("stepped", stepped, [20000])):
        rows = [{"lr": lr(i), "loss": 0.1, "iter": i, "step": i} for i in range(100, 40001, 100)]
        (tmp_path / f"{name}.json").write_text("\n".join(json.dumps(r) for r in rows))
        events = lr_events(read_log_file(str(tmp_path / f"{name}.json")))
        found = [int(e.start) for e in events if e.kind == "drop"]
        assert len(found) == len(drops) and all(d - 200 <= f <= d for f, d in zip(found, drops)), (name, events)


def test_a_slow_change_per_logged_point_is_a_change_not_a_freeze(tmp_path):
    """A per-iteration log: a linear warm-up moves the LR by less than 0.2% per point after its middle, and a
    0.9995-per-iteration decay by 0.05%. Both were taken for a steady LR ('warm-up ends at iteration 499', 'the
    logged LR stops changing at iteration 100')."""
    from schedlint.runs.lrlog import lr_events
    from schedlint.runs.readers import read_log_file

    def lr(i):
        return 0.01 * (i + 1) / 1000 if i < 1000 else 0.01 * 0.9995 ** (i - 999)

    pts = points(4, 1000, 1, lambda e: 1.0 / (1 + e), lr, noise=0.0)
    (tmp_path / "a.log").write_text("\n".join(mmengine_text_lines(pts, {}, 1000)))
    events = lr_events(read_log_file(str(tmp_path / "a.log")))
    assert [e.start for e in events if e.kind == "warmup-end"] == [1000]
    assert not [e for e in events if e.kind in ("frozen", "drop", "rise", "restart")], events


def test_mmcv_json_rounding_is_not_a_different_curve(tmp_path):
    """A cosine from 3e-5 logged by mmcv's .log.json (5 decimals): '1e-05 logged vs 7.56e-06 expected' was read as
    another schedule ('is this the config that was trained?')."""
    import math as _math

    config = ("optimizer = dict(type='SGD', lr=3e-5, momentum=0.9)\n"
              "lr_config = dict(policy='CosineAnnealing', min_lr=0)\n"
              "runner = dict(type='EpochBasedRunner', max_epochs=20)\n")

    def lr(i):
        return round(0.5 * 3e-5 * (1 + _math.cos(_math.pi * (i // 196) / 20)), 5)

    pts = points(20, 196, 49, lambda e: 1.0 / (1 + e), lr, noise=0.0)
    (tmp_path / "r.log.json").write_text("\n".join(mmcv_json_lines(pts, {}, config_text=config)))
    data = json.loads(_diagnose(str(tmp_path / "r.log.json"), "--output-format", "json", "--epoch-length", "196").stdout)
    assert not [n for n in data["notes"] if "different curve" in n], data["notes"]


def test_a_log_that_ends_inside_its_warmup_is_not_a_rebound(tmp_path):
    """A demo run stopped at epoch 12 of 100 while its LR still warmed up (3e-6 per epoch): the loss rose a little,
    which was 'the training loss never falls ... the logged LR shows no change there' (exit 1)."""
    vis = tmp_path / STAMP / "vis_data"
    vis.mkdir(parents=True)
    losses = [1.80, 1.94, 2.01, 2.08, 2.11, 2.15, 2.17, 2.16, 2.14, 2.13, 2.13, 2.11]
    vis.joinpath("scalars.json").write_text("".join(
        json.dumps({"lr": 3e-6 * e, "loss": v, "epoch": e, "iter": 3 * e, "step": 3 * e}) + "\n"
        for e, v in enumerate(losses, 1)))
    result = _diagnose(str(tmp_path))
    assert result.exit_code == 0, result.stdout
    assert "Inconclusive: the log ends while the LR is still warming up" in result.stdout
    assert "never falls" not in result.stdout and "shows no change" not in result.stdout


def test_xtuner_trainloop_epoch_length_comes_from_the_logs_planned_iterations(tmp_path):
    """xtuner's TrainLoop runs max_epochs x len(dataloader) iterations; its text log says `Iter(train) [i/N]`. The
    schedule converted from epochs was simulated at the default 1000 iterations per epoch, and the logged LR was
    'a different curve' (Kal-tsit: [10/780] with max_epochs=20, 39 per epoch)."""
    import math as _math

    (tmp_path / "cfg.py").write_text(
        "max_epochs = 10\n"
        "optim_wrapper = dict(optimizer=dict(type='AdamW', lr=2e-4, weight_decay=0))\n"
        "param_scheduler = [\n"
        "    dict(type='LinearLR', start_factor=1e-5, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),\n"
        "    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=1, end=max_epochs,\n"
        "         convert_to_iter_based=True)]\n"
        "train_cfg = dict(type='xtuner.engine.runner.TrainLoop', max_epochs=max_epochs)\n")
    length, total = 20, 200
    lines = []
    for i in range(10, total + 1, 10):
        lr = (2e-4 * (1e-5 + (1 - 1e-5) * (i - 1) / length) if i <= length
              else 0.5 * 2e-4 * (1 + _math.cos(_math.pi * (i - 1 - length) / (total - length))))
        lines.append(f"2024/01/01 00:00:00 - mmengine - INFO - Iter(train) [{i:>3}/{total}]  lr: {lr:.4e}  "
                     f"eta: 0:00:01  time: 0.1000  data_time: 0.0100  memory: 100  loss: {2.0 / (1 + i / 50):.4f}")
    (tmp_path / "run.log").write_text("\n".join(lines) + "\n")
    diag = diagnose_run(str(tmp_path / "run.log"), config=str(tmp_path / "cfg.py"))
    assert diag.view.plan.horizon.epoch_length == 20
    assert not [n for n in diag.notes if "different curve" in n], diag.notes
    text = _diagnose(str(tmp_path / "run.log"), "--config", str(tmp_path / "cfg.py")).stdout
    assert "simulated at 20 iterations per epoch" in " ".join(text.split())  # the report says the length used


def test_nan_and_inf_losses_are_said_not_dropped_silently(tmp_path):
    pts = points(40, 100, 50, lambda e: 1.0 / (1 + e), lambda i: 0.01, noise=0.0)
    for k in (10, 30, 50):  # scattered (an fp16 run's skipped steps)
        pts[k]["loss"] = float("nan") if k != 30 else float("inf")
    (tmp_path / "some.log.json").write_text("\n".join(mmcv_json_lines(pts, {})))
    data = json.loads(_diagnose(str(tmp_path / "some.log.json"), "--output-format", "json").stdout)
    assert any("3 of the 80 logged `loss` values are nan or inf" in n for n in data["notes"]), data["notes"]

    for p in pts:
        p["loss"] = float("nan")  # the total is nan everywhere; the components are not
    (tmp_path / "all.log.json").write_text("\n".join(mmcv_json_lines(pts, {})))
    data = json.loads(_diagnose(str(tmp_path / "all.log.json"), "--output-format", "json").stdout)
    assert any("the total `loss` is nan or inf on all 80 lines" in n and "loss_cls" in n for n in data["notes"])


def test_point4_short_rising_log_is_not_healthy(tmp_path):
    values = [3.19, 3.6, 4.4, 5.1, 6.0, 6.9, 7.8, 8.52]
    lines = [json.dumps({"mode": "train", "epoch": 1, "iter": 10 * (k + 1), "lr": 0.01, "loss": v})
             for k, v in enumerate(values)]
    (tmp_path / "short.log.json").write_text("\n".join(lines))
    result = _diagnose(str(tmp_path / "short.log.json"), "--output-format", "json")
    data = json.loads(result.stdout)
    assert data["state"] != "healthy" and "falls from" not in data["verdict"]
    assert result.exit_code == 1 and data["rebound"]["rising_from_start"] is True
    _words_match_numbers(data["verdict"])


@pytest.mark.parametrize("shape", ["rising", "falling", "flat", "noisy", "dip"])
@pytest.mark.parametrize("n", [6, 40, 400])
def test_point4_verdict_words_follow_the_numbers(shape, n):
    from schedlint.runs.diagnose import Diagnosis  # noqa: F401
    from schedlint.runs.rebound import loss_levels

    rng = np.random.default_rng(n)
    t = np.linspace(0, 1, n)
    loss = {"rising": 3.2 + 5.3 * t, "falling": 3.2 - 2.5 * t, "flat": 1.0 + 0 * t,
            "noisy": 1.0 + rng.normal(0, 0.5, n), "dip": 2 - 4 * t * (1 - t)}[shape] + rng.normal(0, 0.02, n)
    levels = loss_levels(np.arange(1, n + 1), loss)
    _words_match_numbers(levels.phrase("loss"))
    r = find_rebound(np.arange(1, n + 1), loss)
    if shape == "falling":
        assert r is None and levels.trend == "falls"
    if shape == "rising" and n >= 6:
        assert r is not None


def test_point6_epoch_length_from_iterations_and_max_epochs(tmp_path):
    config = tmp_path / "cfg.py"
    config.write_text(DETR_LIKE)
    vis = tmp_path / "work" / STAMP / "vis_data"
    vis.mkdir(parents=True)
    rows = [{"base_lr": 1e-4 if i <= 320 else 1e-5, "lr": 1e-5 if i <= 320 else 1e-6, "loss": 2.0 / (1 + i / 50),
             "iter": i, "step": i} for i in range(8, 401, 8)]  # log_metric_by_epoch=False: no epoch keys
    (vis / "scalars.json").write_text("\n".join(json.dumps(r) for r in rows))
    diag = diagnose_run(str(tmp_path / "work"), config=str(config))
    assert diag.log.epoch_length == 8 and "max_epochs=50" in diag.log.epoch_length_source
    assert diag.plan.horizon.epoch_length == 8 and diag.log.loop == "epoch"
    assert diag.where(400) == "epoch 50 (iteration 400)"
    # point 7: the logged lr is the backbone group (lr_mult 0.1); base_lr is the schedule: no false mismatch
    assert not any("differ" in n or "different curve" in n for n in diag.notes), diag.notes
    assert diag.log.has("base_lr")


def test_point7_lr_mult_group_without_base_lr(tmp_path):
    config = tmp_path / "cfg.py"
    config.write_text(DETR_LIKE)
    pts = points(50, 8, 4, lambda e: 1.0 / (1 + e), lambda i: 1e-5 if i < 320 else 1e-6, noise=0.0)
    (tmp_path / "a.log.json").write_text("\n".join(mmcv_json_lines(pts, {}, config_text=None)))
    diag = diagnose_run(str(tmp_path / "a.log.json"), config=str(config), epoch_length=8)
    assert not any("LR" in n and "x the config" in n for n in diag.notes), diag.notes
    # a constant scale no lr_mult explains is said, with its value
    pts = points(50, 8, 4, lambda e: 1.0 / (1 + e), lambda i: 5e-5 if i < 320 else 5e-6, noise=0.0)
    (tmp_path / "a.log.json").write_text("\n".join(mmcv_json_lines(pts, {}, config_text=None)))
    diag = diagnose_run(str(tmp_path / "a.log.json"), config=str(config), epoch_length=8)
    assert any("0.5 x the config's LR" in n for n in diag.notes), diag.notes


def test_point8_embedded_config_is_diagnosed(tmp_path):
    pts = points(50, 8, 4, lambda e: 1.0 / (1 + e), lambda i: 1e-5 if i < 320 else 1e-6, noise=0.01)
    (tmp_path / "stray.py").write_text("x = 1\n")
    (tmp_path / "20220101_000000.log.json").write_text("\n".join(mmcv_json_lines(pts, {}, config_text=DETR_LIKE)))
    diag = diagnose_run(str(tmp_path))
    assert diag.config_source.startswith("carried in the first line") and diag.plan is not None
    assert diag.plan.optimizer.type == "AdamW"


def test_point9_mmcv_text_log_is_diagnosed(tmp_path):
    pts = points(12, 200, 50, lambda e: 0.5 + 2 * math.exp(-e / 2), lambda i: 0.02, seed=1)
    (tmp_path / "20211013_101201.log").write_text("\n".join(mmcv_text_lines(pts, {}, 200)))
    result = _diagnose(str(tmp_path), "--output-format", "json")
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["run"]["format"] == "mmcv-text" and data["state"] == "healthy"
    assert data["run"]["epoch_length"] == 200
    _words_match_numbers(data["verdict"])


def test_point10_best_at_second_to_last_then_a_drop_is_worse(tmp_path):
    train = train_rows(lambda e: 1.0 / e, 10, 20, 10, seed=0, noise=0.0)
    scores = {1: 50, 2: 55, 3: 58, 4: 60, 5: 61, 6: 62, 7: 62.5, 8: 63, 9: 63.5, 10: 50.8}  # -20% at the end
    val = [{"coco/bbox_mAP": scores[e], "step": e} for e in range(1, 11)]
    log = diagnose_run(str(write_mmengine_run(tmp_path, train, val))).log
    assert validation_trend(log)["trend"] == "worse"


def test_point10_one_noisy_evaluation_is_not_overfitting(tmp_path):
    rng = np.random.default_rng(0)
    train = train_rows(lambda e: 1.0 / e, 20, 20, 10, seed=0, noise=0.0)
    val = [{"coco/bbox_mAP": 60 + e * 0.1 + rng.normal(0, 1.0), "step": e} for e in range(1, 21)]
    log = diagnose_run(str(write_mmengine_run(tmp_path, train, val))).log
    assert validation_trend(log)["trend"] != "worse"


def test_a_metric_one_printed_step_below_its_best_is_not_overfitting(tmp_path):
    """A broken run's mAP flipping between 0.002 and 0.003 (printed to 0.001) for 20 evaluations: no spread
    around its running median, so one printed step (a third of 0.003) was 'over-fitting'."""
    train = train_rows(lambda e: 1.0 / e, 20, 20, 10, seed=0, noise=0.0)
    flips = [0.002] * 8 + [0.003, 0.002, 0.003, 0.003, 0.003, 0.002, 0.002, 0.002, 0.003, 0.002, 0.003, 0.002]
    val = [{"coco/bbox_mAP": v, "step": e} for e, v in enumerate(flips, 1)]
    log = diagnose_run(str(write_mmengine_run(tmp_path, train, val))).log
    assert validation_trend(log)["trend"] not in ("worse", "last-drop", "collapsed")
    # two decimals, a real fall from 0.88 to 0.84 over the last evaluations stays 'worse'
    scores = [0.70, 0.75, 0.79, 0.82, 0.84, 0.86, 0.87, 0.88, 0.88, 0.88, 0.87, 0.86, 0.85, 0.84, 0.84, 0.84]
    val = [{"coco/bbox_mAP": v, "step": e} for e, v in enumerate(scores, 1)]
    log = diagnose_run(str(write_mmengine_run(tmp_path / "b", train[:16 * 20], val))).log
    assert validation_trend(log)["trend"] == "worse"


def test_one_lucky_evaluation_in_a_noisy_phase_is_not_a_level_the_run_fell_from(tmp_path):
    """yolov3's mAP swinging around 0.22 at the high LR, one 0.286 among them, then 0.237 steady after the decay:
    'over-fitting' (and 'keep the best checkpoint') measured the end against the spike; the run ends above the
    level it held. A real decline from a held best stays 'worse'."""
    rng = np.random.default_rng(3)
    train = train_rows(lambda e: 1.0 / e, 60, 20, 10, seed=0, noise=0.0)
    scores = [min(0.22, 0.05 + 0.02 * e) + rng.normal(0, 0.015) for e in range(1, 49)] + [0.237] * 12
    scores[29] = 0.286
    val = [{"coco/bbox_mAP": round(v, 3), "step": e} for e, v in enumerate(scores, 1)]
    log = diagnose_run(str(write_mmengine_run(tmp_path, train, val))).log
    assert validation_trend(log)["trend"] not in ("worse", "last-drop", "collapsed")
    scores[30:34] = [0.27, 0.268, 0.265, 0.27]  # the run held its best for a while, then fell to 0.237
    val = [{"coco/bbox_mAP": round(v, 3), "step": e} for e, v in enumerate(scores, 1)]
    log = diagnose_run(str(write_mmengine_run(tmp_path / "b", train, val))).log
    assert validation_trend(log)["trend"] == "worse"


def test_a_metric_that_never_learned_is_neither_collapse_nor_overfitting(tmp_path):
    """mmdet moco runs: mAP between 0.0006 and 0.0067 for 12 epochs was 'validation collapses ... the loss spikes to
    3.556 at iteration 50' (its first logged loss). The model never learned what validation measures."""
    train = train_rows(lambda e: 0.5 + 3.0 / (1 + 20 * e), 12, 20, 10, seed=0, noise=0.0)
    flat = [0.0053, 0.0011, 0.0066, 0.0018, 0.0011, 0.0027, 0.0008, 0.0006, 0.0009, 0.0007, 0.0017, 0.0013]
    val = [{"coco/bbox_mAP": v, "step": e} for e, v in enumerate(flat, 1)]
    diag = diagnose_run(str(write_mmengine_run(tmp_path, train, val)))
    assert diag.validation["trend"] == "never-learned" and diag.kind == "inconclusive"
    assert "never learned" in diag.verdict and "spikes" not in diag.verdict and "collapse" not in diag.verdict
    climbing = [0.003, 0.006, 0.012, 0.016, 0.019]  # early in a run, from near zero: learning
    val = [{"coco/bbox_mAP": v, "step": e} for e, v in enumerate(climbing, 1)]
    diag = diagnose_run(str(write_mmengine_run(tmp_path / "b", train[:5 * 20], val)))
    assert diag.validation["trend"] != "never-learned"


def test_a_metric_falling_while_the_lr_climbs_is_not_called_overfitting(tmp_path):
    """A cyclic schedule stopped at epoch 12 of 80: the KITTI AP fell from 58.6 to 55.8 while the logged LR climbed
    from 0.0023 to 0.0038 on its way to 0.01; 'over-fitting, not a schedule problem' was unjustified."""
    lr = np.concatenate([np.linspace(0.001, 0.004, 12 * 20), np.full(1, 0.004)])
    train = train_rows(lambda e: 0.5 + 1.5 / e, 12, 20, 10, seed=0, noise=0.0, lr=lr)
    scores = [7.7, 30.1, 41.0, 48.2, 52.3, 55.0, 57.1, 58.55, 57.9, 57.0, 56.2, 55.78]
    val = [{"coco/bbox_mAP": v, "step": e} for e, v in enumerate(scores, 1)]
    diag = diagnose_run(str(write_mmengine_run(tmp_path, train, val)))
    assert diag.validation["trend"] == "worse" and diag.kind == "inconclusive"
    assert "while the logged LR climbs" in diag.verdict and "not a schedule problem" not in diag.verdict
    flat = train_rows(lambda e: 0.5 + 1.5 / e, 12, 20, 10, seed=0, noise=0.0)  # the LR holds: over-fitting
    diag = diagnose_run(str(write_mmengine_run(tmp_path / "b", flat, val)))
    assert diag.kind == "over-fitting"


def test_the_end_of_a_constant_warm_up_is_no_warm_restart(tmp_path):
    """mmcv's warmup='constant': the LR held at a third from the start, then one step up at iteration 500 was 'a
    warm restart' where 'the logged LR jumps back up' (nothing had come down)."""
    from schedlint.runs.lrlog import lr_events

    lr = np.where(np.arange(1, 12 * 100 + 1) <= 500, 0.0025 / 3, 0.0025)
    train = train_rows(lambda e: 0.5 + 1.5 / e, 12, 100, 50, seed=0, noise=0.0, lr=lr)
    log = diagnose_run(str(write_mmengine_run(tmp_path, train, []))).log
    events = lr_events(log)
    assert [e.kind for e in events if e.kind in ("warmup-end", "restart")] == ["warmup-end"]
    assert "constant warm-up" in events[0].message


def test_a_loss_flat_but_for_one_jump_rises_far_beyond_its_noise_from_its_first_value(tmp_path):
    """fcos with the total loss nan from the first line and loss_cls 11.8 then 21.68 on every line: 'rises from
    16.75 at the start (lowest 11.8 at iteration 50, its first point; about 2652697563594135x the noise)'."""
    train = train_rows(lambda e: 1.0, 1, 60, 10, seed=0, noise=0.0)  # six lines
    for k, row in enumerate(train):
        row["loss"], row["loss_cls"], row["loss_bbox"] = float("nan"), 11.8 if k == 0 else 21.68, float("nan")
    diag = diagnose_run(str(write_mmengine_run(tmp_path, train, [])))
    assert "rises from 11.8 at the start" in diag.verdict and "far beyond its noise" in diag.verdict, diag.verdict


def test_a_loss_still_falling_at_the_end_has_no_rise_after_its_lowest_level(tmp_path):
    """RTMDet runs whose loss fell to their last iteration were said to 'rise to 0.336 after' a lowest level of
    0.314 at the last iteration: the end level was the median of the last stretch, which lags a falling loss."""
    train = train_rows(lambda e: 0.3 + 0.3 * math.exp(-e / 10), 30, 100, 10, seed=2, noise=0.002)
    diag = diagnose_run(str(write_mmengine_run(tmp_path, train, [])))
    last = [r["loss"] for r in train[-10:]]
    assert "rise" not in diag.verdict and "lowest level" not in diag.verdict, diag.verdict
    assert diag.levels.end <= max(last) and diag.levels.end == diag.levels.low


def test_point10_json_errors_are_json(tmp_path):
    result = _diagnose(str(tmp_path / "missing"), "--output-format", "json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert "no such file" in data["error"] and data["exit_code"] == 2
    out = tmp_path / "report.json"
    result = _diagnose(str(tmp_path / "missing"), "--output-format", "json", "-o", str(out))
    assert result.exit_code == 2 and "no such file" in json.loads(out.read_text())["error"]
    # the old spelling still works
    assert json.loads(_diagnose(str(tmp_path / "missing"), "--format", "json").stdout)["exit_code"] == 2


def test_point10_output_file(tmp_path, cyclic_run):
    out = tmp_path / "diag.txt"
    result = _diagnose(str(cyclic_run), "-o", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    assert "Loss rebound at epoch" in out.read_text()


def test_validation_collapse_after_a_loss_spike_is_not_overfitting(tmp_path):
    train = train_rows(lambda e: 2.0 / e, 10, 20, 10, seed=0, noise=0.0)
    train[12]["loss"] = 151.4  # one blow-up, the loss recovers
    scores = {1: 0.65, 2: 0.77, 3: 0.68, 4: 0.72, 5: 0.69, 6: 0.78, 7: 0.004, 8: 0.0, 9: 0.0, 10: 0.0}
    val = [{"coco/bbox_mAP": scores[e], "step": e} for e in range(1, 11)]
    diag = diagnose_run(str(write_mmengine_run(tmp_path, train, val)))
    assert diag.validation["trend"] == "collapsed" and diag.kind == "collapse"
    assert "over-fitting" not in diag.verdict.split(",")[0] and "spikes to 151.4" in diag.verdict


# -- the sample runs shipped for the README ------------------------------------------------------------

SAMPLES = ROOT / "examples" / "runs"


def test_shipped_mmengine_sample_run():
    result = _diagnose(str(SAMPLES / "pointpillars_cyclic-20e_to-40e"), "--output-format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["state"] == "rebound" and data["kind"] == "schedule" and "SL004" in data["causes"]
    assert 19 <= data["rebound"]["epoch"] <= 23
    assert "20240305_101500" in data["run"]["log"]
    assert any("passed over newer 20240307_090000" in n for n in data["notes"])  # the tools/test.py run


def test_shipped_mmcv_sample_run():
    result = _diagnose(str(SAMPLES / "faster-rcnn_r50_fpn_1x_coco"), "--output-format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["state"] == "healthy" and data["run"]["format"] == "mmcv-json"
    assert data["run"]["epoch_length"] == 500 and "beside it" in data["run"]["epoch_length_source"]
    assert data["run"]["config_source"].startswith("carried in the first line")
    assert not data["notes"], data["notes"]  # the logged LR is the embedded config's
    text = _diagnose(str(SAMPLES / "faster-rcnn_r50_fpn_1x_coco" / "20211013_101201.log")).stdout
    assert "mmcv-1.x text log" in text and "No loss rebound" in text


def test_point10_fix_rescale_works_on_the_config_dumped_with_a_run(tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(SAMPLES / "pointpillars_cyclic-20e_to-40e", run)
    dumped = run / "pointpillars_cyclic-20e_to-40e.py"
    before = dumped.read_text()
    result = runner.invoke(app, ["fix", "--rescale", str(dumped)])
    assert result.exit_code in (0, 1), result.output
    after = dumped.read_text()
    assert after != before and "No fixes available" not in result.output
    assert "end=40" in after and "T_max=24" in after and "begin=16" in after
    # the rescaled copy no longer ends early
    assert "SL004" not in runner.invoke(app, ["check", str(dumped), "--output-format", "concise"]).stdout


def test_point6_unfinished_run_without_epoch_keys_uses_the_planned_iterations(tmp_path):
    config = tmp_path / "cfg.py"
    config.write_text(DETR_LIKE)
    run = tmp_path / "work" / STAMP
    (run / "vis_data").mkdir(parents=True)
    rows = [{"lr": 1e-5, "loss": 2.0 / (1 + i / 50), "iter": i, "step": i} for i in range(8, 201, 8)]  # stopped at 200
    (run / "vis_data" / "scalars.json").write_text("\n".join(json.dumps(r) for r in rows))
    (run / f"{STAMP}.log").write_text("\n".join(
        f"2024/03/05 10:16:00 - mmengine - INFO - Iter(train) [{r['iter']:>3}/400]  lr: 1.0000e-05  loss: {r['loss']:.4f}"
        for r in rows))
    diag = diagnose_run(str(tmp_path / "work"), config=str(config))
    assert diag.log.epoch_length == 8 and "400 planned iterations" in diag.log.epoch_length_source


def test_point6_scalars_without_epoch_keys_take_the_epoch_length_from_the_text_log(tmp_path):
    run = tmp_path / "work" / STAMP
    (run / "vis_data").mkdir(parents=True)
    rows = [{"lr": 1e-2, "loss": 2.0 / (1 + i / 50), "iter": i, "step": i} for i in range(10, 401, 10)]
    (run / "vis_data" / "scalars.json").write_text("\n".join(json.dumps(r) for r in rows))
    (run / f"{STAMP}.log").write_text(
        "2024/03/05 10:16:00 - mmengine - INFO - Epoch(train)  [1][10/40]  lr: 1.0000e-02  loss: 1.0\n")
    log = diagnose_run(str(tmp_path / "work")).log
    assert log.epoch_length == 40 and log.loop == "epoch" and "beside it" in log.epoch_length_source
    assert list(log.epochs[:5]) == [1, 1, 1, 1, 2]


# -- shapes seen in the real runs of /work/calib (report12), written here -----------------------------


def _mmengine_rows(values, lr, epoch_length=21):
    return [{"lr": lr(i), "loss": v, "epoch": (i - 1) // epoch_length + 1, "iter": i, "step": i}
            for i, v in zip(range(1, 10 * len(values), 10), values)]


def test_a_loss_that_rises_with_the_warm_up_is_judged_from_its_peak(tmp_path):
    # RTMDet-like: the quality focal loss starts low and climbs while the LR warms up, then falls
    n = 160
    lr = lambda i: 4e-3 * min(1.0, i / 500)  # noqa: E731
    values = [0.08 + 1.35 * min(1.0, k / 10) if k < 10 else 1.43 - 0.8 * (1 - math.exp(-(k - 10) / 40))
              for k in range(n)]
    rng = np.random.default_rng(0)
    values = [round(v + rng.normal(0, 0.01), 4) for v in values]
    run = write_mmengine_run(tmp_path, _mmengine_rows(values, lr), [])
    diag = diagnose_run(str(run))
    assert diag.rebound is None and diag.state == "healthy", diag.verdict
    assert any("rises while the LR warms up" in n for n in diag.notes)
    _words_match_numbers(diag.verdict)
    # the same run stopped during the warm-up, the loss only risen: too early to judge
    run2 = write_mmengine_run(tmp_path / "short", _mmengine_rows(values[:30], lr), [])
    diag = diagnose_run(str(run2))
    assert diag.state == "inconclusive" and "still warming up" in diag.verdict


def test_a_metric_drop_before_the_warm_up_ends_is_not_overfitting(tmp_path):
    """An RTMDet run killed at iteration 330 of a 1000-iteration warm-up: its mAP fell 0.38 -> 0.23 while the LR
    still climbed, and that was 'over-fitting' (the other verdicts of a log ending in its warm-up are inconclusive);
    its note said the warm-up ended where the log did."""
    lr = lambda i: 4e-3 * min(1.0, i / 5000)  # noqa: E731  (the warm-up outlasts the log)
    values = [0.08 + 1.35 * min(1.0, k / 10) if k < 10 else 1.43 - 0.8 * (1 - math.exp(-(k - 10) / 40))
              for k in range(160)]
    rng = np.random.default_rng(0)
    values = [round(v + rng.normal(0, 0.01), 4) for v in values]
    maps = [0.03, 0.12, 0.2, 0.27, 0.31, 0.35, 0.37, 0.382, 0.30, 0.25, 0.234]
    val = [{"coco/bbox_mAP": m, "step": e} for e, m in zip(range(7, 78, 7), maps)]
    run = write_mmengine_run(tmp_path, _mmengine_rows(values, lr), val)
    diag = diagnose_run(str(run))
    assert diag.state == "inconclusive" and "still warming up" in diag.verdict, diag.verdict
    assert "That is over-fitting" not in diag.verdict and "0.382" in diag.verdict
    note = next(n for n in diag.notes if "rises while the LR warms up" in n)
    assert "before the warm-up does" in note and "the warm-up ends at" not in note


def test_root_level_scalars_json_beats_a_test_log(tmp_path):
    (tmp_path / "20230511_053101.log").write_text(
        "2023/05/11 05:31:01 - mmengine - INFO - Epoch(test) [63/63]    accuracy/top1: 80.8  data_time: 0.01\n")
    train = train_rows(lambda e: 1.0 / e, 25, 79, 79, seed=0, noise=0.0)
    (tmp_path / "scalars.json").write_text("\n".join(json.dumps(r) for r in train))
    diag = diagnose_run(str(tmp_path))
    assert diag.log.path.endswith("scalars.json") and diag.log.total_iters == 25 * 79


def test_iteration_loop_that_logs_epoch_keys_is_read_by_iterations(tmp_path):
    config = tmp_path / "cfg.py"
    config.write_text(DETR_LIKE.replace("train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, "
                                        "val_interval=5)",
                                        "train_cfg = dict(type='IterBasedTrainLoop', max_iters=1500, val_interval=500)")
                      .replace("by_epoch=True, milestones=[40]", "by_epoch=False, milestones=[1200]")
                      .replace("end=max_epochs", "end=1500"))
    rows = [{"base_lr": 1e-4, "lr": 1e-5, "loss": 20.0 / (1 + i / 200), "epoch": i // 3 + 1, "iter": i, "step": i}
            for i in range(50, 1501, 50)]
    val = [{"coco/bbox_mAP": 0.1 * k, "step": 0} for k in (1, 2, 3)]  # an iteration loop that logs "by epoch"
    lines = []
    for r in rows:
        lines.append(json.dumps(r))
        if r["iter"] % 500 == 0:
            lines.append(json.dumps(val[r["iter"] // 500 - 1]))
    vis = tmp_path / "work" / STAMP / "vis_data"
    vis.mkdir(parents=True)
    (vis / "scalars.json").write_text("\n".join(lines))
    diag = diagnose_run(str(tmp_path / "work"), config=str(config))
    assert diag.log.loop == "iter" and diag.log.epoch_length is None
    assert list(diag.log.val_steps) == [500, 1000, 1500] and diag.log.val_by == "iter"
    assert diag.validation["best_at"] == 1500


def test_epoch_headers_that_count_past_their_epoch(tmp_path):
    pts = points(1, 4000, 50, lambda e: 0.5, lambda i: 1e-4)
    lines = [line.replace("/4000]", "/1297]") for line in mmengine_text_lines(pts, {}, 4000)]
    (tmp_path / "a.log").write_text("\n".join(lines))
    from schedlint.runs.readers import read_log_file

    log = read_log_file(str(tmp_path / "a.log"))
    assert log.loop == "iter" and log.epoch_length is None and log.total_iters == 4000
    assert any("never ends" in n for n in log.notes)
    assert log.loader_length == 1297  # len(train_dataloader): what the config's epoch positions convert with

    # the run's config is simulated at that length (it fell back to the default of 1000)
    config = tmp_path / "config.py"
    config.write_text("optim_wrapper = dict(optimizer=dict(type='SGD', lr=1e-4, momentum=0.9))\n"
                      "param_scheduler = [dict(type='MultiStepLR', milestones=[2], by_epoch=True, "
                      "convert_to_iter_based=True)]\n"
                      "train_cfg = dict(by_epoch=True, max_epochs=3)\n")
    diag = diagnose_run(str(tmp_path / "a.log"), config=str(config))
    assert diag.plan.horizon.epoch_length == 1297
    assert "len(train_dataloader)" in diag.plan.horizon.epoch_length_source


def test_a_metric_rising_to_its_best_at_the_last_evaluation_is_better_not_flat():
    """A noisy second half (AP swinging by 0.15) and the best at the very end: the start and end levels are
    each three evaluations, and 0.0009 -> 0.58 is better (it said flat)."""
    from schedlint.runs.trends import _improved, _metric_noise

    ap = np.array([0.0009, 0.0582, 0.0359, 0.0064, 0.3077, 0.4386, 0.4745, 0.5298, 0.4165, 0.5288, 0.5721, 0.4346,
                   0.5807])
    assert _improved(ap, _metric_noise(ap[len(ap) // 2:]))
    flat = np.array([0.50, 0.52, 0.49, 0.51, 0.50, 0.53, 0.49, 0.51, 0.50, 0.52, 0.50, 0.49, 0.52])
    assert not _improved(flat, _metric_noise(flat[len(flat) // 2:]))


def test_a_last_evaluation_far_below_the_best_is_said_not_called_better(tmp_path):
    train = train_rows(lambda e: 2.0 / e, 13, 20, 10, seed=0, noise=0.0)
    scores = [0.009, 0.012, 0.103, 0.325, 0.141, 0.44, 0.386, 0.478, 0.541, 0.56, 0.539, 0.554, 0.434]
    val = [{"coco/bbox_mAP": v, "step": e} for e, v in enumerate(scores, 1)]
    diag = diagnose_run(str(write_mmengine_run(tmp_path, train, val)))
    assert diag.validation["trend"] == "last-drop" and diag.kind == "healthy"
    assert "23% worse than the best" in diag.verdict


def test_a_widely_swinging_metric_is_not_over_fitting_at_one_low_evaluation(tmp_path):
    """rtmdet on a tiny set: mAP swinging 0.26-0.67 between evaluations, best at the second-to-last (0.669), then
    0.474. The running-median noise was 0.03 and the last drop 'over-fitting'; the swings are the noise."""
    train = train_rows(lambda e: 2.0 / e, 27, 20, 10, seed=0, noise=0.0)
    scores = [0.062, 0.242, 0.16, 0.416, 0.495, 0.555, 0.564, 0.317, 0.335, 0.615, 0.218, 0.357, 0.572, 0.464,
              0.481, 0.343, 0.263, 0.535, 0.522, 0.494, 0.437, 0.579, 0.574, 0.631, 0.501, 0.669, 0.474]
    val = [{"coco/bbox_mAP": v, "step": e} for e, v in enumerate(scores, 1)]
    diag = diagnose_run(str(write_mmengine_run(tmp_path, train, val)))
    assert diag.validation["trend"] not in ("worse", "collapsed") and diag.kind == "healthy", diag.verdict
    assert "over-fitting" not in diag.verdict


def test_a_fine_tune_whose_loss_rises_with_the_warm_up_is_explained_by_it(tmp_path):
    # starts from a trained model (low loss); the warm-up takes the LR up 25x and the loss follows, then stays
    lr = lambda i: 1e-4 + (2.5e-3 - 1e-4) * min(1.0, i / 500)  # noqa: E731
    pts = points(12, 840, 20, lambda e: 0.37 + 0.08 * min(1.0, e / 0.6), lr, seed=2, noise=0.015)
    (tmp_path / "None.log.json").write_text("[" + ",\n".join(mmcv_json_lines(pts, {})[1:]) + "]")
    diag = diagnose_run(str(tmp_path / "None.log.json"))
    assert diag.rebound is not None and diag.kind == "schedule"
    assert "warming up" in diag.verdict and "Nothing in the schedule" not in diag.verdict


def test_schedule_events_matter_only_through_the_rules_findings():
    from schedlint.lint.settings import Settings
    from schedlint.views.show import load_view

    view = load_view(str(CYCLIC_TO_40E), Settings(epoch_length=116))
    frozen = [e for e in view.events if e.kind == "frozen" and e.param == "lr"]
    assert frozen and frozen[0].notable and frozen[0].codes == ["SL004"]
    quiet = load_view(str(CYCLIC_TO_40E), Settings(epoch_length=116, ignore=["SL004", "SL101"]))
    frozen = [e for e in quiet.events if e.kind == "frozen" and e.param == "lr"]
    assert frozen and not frozen[0].notable and not frozen[0].codes  # same geometry, no finding: not flagged
    assert not any(e.notable for e in quiet.events if e.kind in ("frozen", "momentum-near-one"))


def test_diagnose_uses_the_facts_a_schedlint_hook_recorded(tmp_path):
    """A run folder with the hook's schedlint.json: its exact epoch length and config beat the estimates."""
    import shutil
    from pathlib import Path

    work = tmp_path / "work"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "runs" / "pointpillars_cyclic-20e_to-40e", work)
    run = work / "20240305_101500"
    config = work / "pointpillars_cyclic-20e_to-40e.py"
    facts = {"epoch_length": 116, "epoch_length_source": "len(train_dataloader) at run time", "config": str(config),
             "config_source": "the runner's config"}
    (run / "schedlint.json").write_text(json.dumps({"schedlint": "0", "facts": facts}))
    diag = diagnose_run(str(work))
    assert diag.config == str(config)
    assert any("epoch length 116 recorded by SchedLintHook" in n for n in diag.notes)
    assert diag.log.epoch_length == 116
    (run / "schedlint.json").write_text(json.dumps({"schedlint": "0", "facts": dict(facts, epoch_length=100)}))
    assert diagnose_run(str(work)).log.epoch_length == 100  # the recorded fact, not the log's spacing


def test_a_visible_fall_on_few_points_is_not_said_to_stay_within_the_noise():
    from schedlint.runs.rebound import loss_levels

    psp = [0.7368, 0.7707, 0.6385, 0.7250, 0.5113, 0.5700, 0.5166, 0.5129]  # a real 8-point mmseg log: -30%
    levels = loss_levels(np.arange(1, 9) * 50, np.array(psp))
    assert levels.trend == "flat"  # (not beyond the noise model's threshold on 8 points)
    assert "falls from 0.7368 to 0.5129, not clearly beyond its noise" in levels.phrase("loss")
    steady = loss_levels(np.arange(1, 9) * 50, np.array([0.51, 0.53, 0.50, 0.52, 0.51, 0.53, 0.50, 0.52]))
    assert "stays within its noise" in steady.phrase("loss")


def _run_with_config(work_dir, config: str, rows) -> None:
    """A work_dir holding one mmengine run: `<stamp>/vis_data/config.py` and its scalars.json rows."""
    run = work_dir / STAMP / "vis_data"
    run.mkdir(parents=True, exist_ok=True)
    (run / "config.py").write_text(config)
    (run / "scalars.json").write_text("\n".join(json.dumps(r) for r in rows))


def test_a_resumed_runs_lr_mismatch_quotes_both_curves_and_the_checkpoints_schedulers(tmp_path):
    """A run resumed at 41000 whose checkpoint's PolyLR ended at 40000 (the config says 80000): the logged LR holds
    1e-4 where the config decays. The note quoted '0.0001 logged vs 7.09e-07 expected at iteration 80000', a value
    after a fitted scale (and the one point where log and config agree); it says what each curve does now, and
    that mmengine resumes the schedulers' settings from the checkpoint."""
    rows = [{"lr": 1e-4, "base_lr": 1e-4, "loss": 0.06 - 1e-8 * i, "iter": i, "step": i} for i in range(41000, 80001, 1000)]
    _run_with_config(tmp_path, "optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.05, momentum=0.9))\n"
                     "param_scheduler = [dict(type='PolyLR', eta_min=0.0001, power=0.9, begin=0, end=80000, by_epoch=False)]\n"
                     "train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)\n", rows)
    diag = diagnose_run(str(tmp_path))
    note = next(n for n in diag.notes if "different curve" in n)
    assert "0.0001 -> 0.0001 logged from iteration 41000 to 80000, 0.02624 -> 0.0001 simulated" in note, note
    assert "expected at" not in note and "resumed mmengine run takes its schedulers' settings" in note


def test_iterations_are_written_whole_in_the_validation_words():
    from schedlint.runs.verdict import validation_text

    val = {"metric": "mIoU", "unit": "iteration", "best_at": 1234567.0, "final_at": 1234567.0, "best": 43.0,
           "final": 43.0, "trend": "better"}
    assert validation_text(val) == "mIoU is at its best at the last evaluation (43, iteration 1234567)"
    val.update(best_at=1200000.0, final=42.0)
    assert "best at iteration 1200000 (43) and 42 at iteration 1234567" in validation_text(val)


def test_a_log_that_ends_before_the_planned_length_says_so(tmp_path):
    """A run killed at iteration 30200 of its 40000 was judged without a word that three quarters of it ran."""
    config = ("optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9))\n"
              "param_scheduler = [dict(type='PolyLR', eta_min=0.0001, power=0.9, begin=0, end=40000, by_epoch=False)]\n"
              "train_cfg = dict(type='IterBasedTrainLoop', max_iters=40000, val_interval=4000)\n")
    rows = [{"lr": 0.01 * (1 - i / 40000) ** 0.9 + 1e-4, "loss": 1.0 / (1 + i / 1000), "iter": i, "step": i}
            for i in range(100, 30201, 100)]
    _run_with_config(tmp_path, config, rows)
    diag = diagnose_run(str(tmp_path))
    assert any("ends at iteration 30200 of the 40000 the config plans (76%)" in n for n in diag.notes), diag.notes
    rows += [{"lr": 0.0001, "loss": 0.02, "iter": i, "step": i} for i in range(30300, 40001, 100)]
    _run_with_config(tmp_path, config, rows)
    assert not any("ends at iteration" in n for n in diagnose_run(str(tmp_path)).notes)


def test_an_epoch_log_that_stops_early_is_counted_in_epochs(tmp_path):
    """An epoch run is compared in the epochs its log states: with an epoch length the plan would have to guess,
    one logged point was 'iteration 1 of the 50000' in its scalars.json and '1 of the 300' in its text log."""
    _run_with_config(tmp_path, "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))\n"
                     "param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[16, 22])]\n"
                     "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=24)\n",
                     train_rows(lambda e: 1.0 / e, 12, 20, 10, seed=0, noise=0.0))
    diag = diagnose_run(str(tmp_path))
    assert any("the log ends at epoch 12 of the 24 the config plans (50%)" in n for n in diag.notes), diag.notes


@pytest.mark.parametrize("steps, expected", [
    (list(range(50, 881, 50)) + [930, 980], 880),  # epoch 2 starts at 880 + 50
    (list(range(50, 881, 50)) + [930, 980] + [1760 + 50, 1760 + 100], 880),  # a gap of missing lines too
    (list(range(50, 2001, 50)), None),  # an even rhythm: an epoch of a multiple of 50, or an iteration loop
    ([100, 150, 200, 260, 310], None),  # starts after the first interval: not from the first epoch
    ([50, 100, 150, 300, 350], None),  # a gap of missing lines: a multiple of the interval
    ([50, 100, 130, 180, 230, 240], None),  # 130 starts epoch 2 at 80, but 240 fits no epoch of 80
])
def test_epoch_length_from_the_steps_of_a_log_without_epochs(steps, expected):
    from schedlint.runs.assemble import epoch_length_from_steps

    assert epoch_length_from_steps(np.array(steps)) == expected


def test_a_log_without_epochs_stopped_early_is_not_stretched_over_the_plan(tmp_path):
    """mmcv's TensorBoard or mmengine's scalars.json without `epoch`: the length was the logged iterations /
    max_epochs, as if the run had finished; a run stopped in epoch 2 of 24 read as 41 iterations per epoch,
    and the config's 1000-iteration warm-up 'outlasted training' (SL009). The steps' break at epoch 2 tells 880."""
    steps = list(range(50, 881, 50)) + [930, 980]
    (tmp_path / "cfg.py").write_text(
        "optimizer = dict(type='AdamW', lr=0.001, betas=(0.95, 0.99), weight_decay=0.01)\n"
        "lr_config = dict(policy='step', warmup='linear', warmup_iters=1000, warmup_ratio=0.001, step=[20, 23])\n"
        "momentum_config = None\n"
        "runner = dict(type='EpochBasedRunner', max_epochs=24)\n")
    vis = tmp_path / "run" / "vis_data"
    vis.mkdir(parents=True)
    (vis / "scalars.json").write_text("".join(
        json.dumps({"lr": 0.001 * (1 - 0.999 * (1 - s / 1000)), "loss": 3.4 * 0.97 ** k, "iter": s, "step": s}) + "\n"
        for k, s in enumerate(steps)) + json.dumps({"lr": 0.00088, "iter": 881, "step": 881}) + "\n")  # mmcv's LR at
    # the validation (no loss), off the logging rhythm
    result = CliRunner().invoke(app, ["diagnose", str(tmp_path / "run"), "--config", str(tmp_path / "cfg.py")])
    assert "880 iterations per epoch" in result.stdout, result.stdout
    assert "SL009" not in result.stdout
    assert "ends at epoch 2 of the 24 the config plans" in " ".join(result.stdout.split())


def test_a_length_taken_as_if_the_run_finished_is_never_compared_with_the_plan(tmp_path):
    (tmp_path / "cfg.py").write_text(
        "optimizer = dict(type='SGD', lr=0.01, momentum=0.9)\nlr_config = dict(policy='step', step=[60, 75])\n"
        "runner = dict(type='EpochBasedRunner', max_epochs=80)\n")
    vis = tmp_path / "run" / "vis_data"
    vis.mkdir(parents=True)
    (vis / "scalars.json").write_text("".join(
        json.dumps({"lr": 0.01, "loss": loss, "iter": s, "step": s}) + "\n" for s, loss in ((50, 2.3), (100, 1.6))))
    result = CliRunner().invoke(app, ["diagnose", str(tmp_path / "run"), "--config", str(tmp_path / "cfg.py")])
    out = " ".join(result.stdout.split())
    assert "as if the run finished" in out and "past the" not in out, out


@pytest.mark.parametrize("n", range(1, 12))
def test_smoothing_every_short_series_reads_only_its_values(n):
    """Five points under a window of five: the middle one was never written (uninitialised memory: 80.2, 1.8e180)."""
    values = np.linspace(10.0, 3.0, n)
    for window in range(1, 12, 2):
        got = smooth(values, window)
        assert np.all(np.isfinite(got)) and got.min() >= 3.0 - 1e-12 and got.max() <= 10.0 + 1e-12, (n, window, got)


def test_fix_commands_follow_the_fixes_the_findings_carry():
    """diagnose suggested `schedlint fix --rescale` for every SL004, also on an mmcv lr_config, where that command
    changes nothing: a command is suggested only for the fixes the findings carry (as `check` shows them)."""
    from types import SimpleNamespace

    from schedlint.model import Finding, Fix, Location, Severity
    from schedlint.runs.verdict import fix_commands

    def finding(code, fix):
        return Finding(code=code, name="n", severity=Severity.ERROR, message="m", location=Location("c.py", 1), fix=fix)

    diag = SimpleNamespace(config="c.py", config_source="given", notes=[])
    rescale = Fix("display-only", Fix.needing("--rescale", "rescale the schedule from 20 to 40 epochs"))
    assert rescale.option == "--rescale" and Fix("safe", "set T_max").option is None
    assert fix_commands(diag, [finding("SL004", None)]) == []
    assert fix_commands(diag, [finding("SL004", rescale)]) == ["schedlint fix --rescale c.py"]
    assert fix_commands(diag, [finding("SL004", rescale), finding("SL005", Fix("safe", "set T_max"))]) == [
        "schedlint fix --rescale c.py", "schedlint fix c.py"]
    assert fix_commands(diag, [finding("SL310", Fix("unsafe", "x"))]) == ["schedlint fix c.py --unsafe-fixes"]


@pytest.mark.parametrize("values,trend", [
    ([23.0, 54.0, 46.0], "better"),  # mIoU that doubled over 3 evaluations was 'flat'
    ([0.31, 0.42, 0.55, 0.61], "better"),
    ([0.50, 0.52, 0.51], "flat"),
    ([0.500, 0.503, 0.501, 0.502], "flat"),
])
def test_few_evaluations_judge_improvement_by_the_change_not_its_spread(values, trend):
    from types import SimpleNamespace

    from schedlint.runs.trends import validation_trend

    log = SimpleNamespace(metrics=["mIoU"], val_steps=np.arange(1.0, len(values) + 1), val={"mIoU": np.array(values)},
                          val_by="epoch")
    assert validation_trend(log)["trend"] == trend
