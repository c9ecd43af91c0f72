"""The plan builder + simulator against mmengine itself, on every fixture config.

For each training config under fixtures/configs, mmengine loads the config (`Config.fromfile`),
builds the real parameter schedulers the way its Runner does (default `end`, `epoch_length` for
`convert_to_iter_based`) around a real torch optimizer, and steps them in Runner order. The
curve schedlint derives from its own static resolution must match iteration by iteration to 1e-9
relative — for `schedlint curve` too.
"""

from __future__ import annotations

import copy
import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from schedlint.lint.engine import Linter, build_any_plan  # noqa: E402
from schedlint.lint.settings import Settings  # noqa: E402
from schedlint.simulate import simulate  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures", "configs")
EPOCH_LENGTH = 7  # small, odd: every epoch/iteration boundary effect shows, tests stay fast


def _training_configs():
    linter = Linter(Settings(epoch_length=EPOCH_LENGTH))
    out = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "**", "*.py"), recursive=True)):
        resolved, problems = linter.resolve(path)
        if resolved is None or problems:
            continue
        plan = build_any_plan(resolved, EPOCH_LENGTH)
        if plan is None or plan.generation != "mmengine" or plan.optimizer.missing:
            continue  # (an optim_wrapper without optimizer: mmengine builds no schedule to compare, SL311)
        out.append(pytest.param(path, id=os.path.relpath(path, FIXTURES)))
    return out


def _mmengine_curve(path: str):
    """(lr, momentum) per iteration from mmengine's own config loading and scheduler classes."""
    from mmengine.config import Config
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS

    cfg = Config.fromfile(path, import_custom_modules=False).to_dict()
    train_cfg = cfg["train_cfg"]
    iter_loop = "IterBased" in str(train_cfg.get("type", "")) or train_cfg.get("by_epoch", True) is False
    max_epochs = 1 if iter_loop else int(train_cfg["max_epochs"])
    max_iters = int(train_cfg["max_iters"]) if iter_loop else max_epochs * EPOCH_LENGTH
    opt_cfg = dict(cfg["optim_wrapper"]["optimizer"])
    kind = str(opt_cfg.pop("type")).rsplit(".", 1)[-1]
    kwargs = {k: opt_cfg[k] for k in ("lr", "momentum", "betas") if k in opt_cfg}
    model = torch.nn.Linear(1, 1)
    optimizer = getattr(torch.optim, kind)(model.parameters(), **kwargs)
    wrapper = OptimWrapper(optimizer)

    entries = cfg.get("param_scheduler") or []
    entries = [entries] if isinstance(entries, dict) else entries
    schedulers = []
    for entry in entries:
        entry = copy.deepcopy(entry)
        entry.pop("_scope_", None)
        if "end" not in entry:  # Runner._build_param_scheduler's default
            entry["end"] = max_epochs if entry.get("by_epoch", True) else max_iters
        entry["epoch_length"] = EPOCH_LENGTH
        schedulers.append(PARAM_SCHEDULERS.build(entry, default_args=dict(optimizer=wrapper)))

    def momentum():
        group = optimizer.param_groups[0]
        return group["momentum"] if "momentum" in group else group["betas"][0]

    lr, mom = [], []
    for epoch in range(max_epochs):
        for it in range(max_iters if iter_loop else EPOCH_LENGTH):
            lr.append(optimizer.param_groups[0]["lr"])
            mom.append(momentum())
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        if not iter_loop:
            for s in schedulers:
                if s.by_epoch:
                    s.step()
    return np.array(lr), np.array(mom)


def _schedlint_plan(path: str):
    linter = Linter(Settings(epoch_length=EPOCH_LENGTH))
    resolved, _ = linter.resolve(path)
    return build_any_plan(resolved, EPOCH_LENGTH)


@pytest.mark.parametrize("path", _training_configs())
def test_simulated_curve_equals_mmengine(path):
    plan = _schedlint_plan(path)
    if any(s.type not in _registered() for s in plan.schedulers):
        pytest.skip("uses a scheduler type mmengine alone does not register (mmdet/mmseg/typo)")
    curve = simulate(plan)
    refused = [f for f in Linter(Settings(epoch_length=EPOCH_LENGTH)).lint_file(path)
               if f.code == "SL310" and ("raises" in f.message or "fails" in f.message)]
    if curve.errors or refused:  # schedlint says the Runner stops: mmengine / torch must raise too
        with pytest.raises(Exception):
            _mmengine_curve(path)
        return
    lr, mom = _mmengine_curve(path)
    np.testing.assert_allclose(curve.lr, lr, rtol=1e-9, atol=0)
    if curve.momentum is not None:
        np.testing.assert_allclose(curve.momentum, mom, rtol=1e-9, atol=0)


def _registered():
    from mmengine.registry import PARAM_SCHEDULERS

    import mmengine.optim  # noqa: F401  (registers the schedulers)

    return set(PARAM_SCHEDULERS.module_dict)


def test_curve_command_prints_the_simulated_curve():
    """`schedlint curve --format json`: element i is the value used by iteration i."""
    path = os.path.join(FIXTURES, "user", "pointpillars_cyclic-20e_to-40e.py")
    out = subprocess.run(
        [sys.executable, "-m", "schedlint", "curve", path, "--epoch-length", str(EPOCH_LENGTH), "--format", "json"],
        capture_output=True, text=True, check=True,
    ).stdout
    data = json.loads(out)
    lr, mom = _mmengine_curve(path)
    assert data["iterations"] == len(lr) == 40 * EPOCH_LENGTH
    assert data["epoch_length"] == EPOCH_LENGTH
    np.testing.assert_allclose(data["lr"], lr, rtol=1e-9, atol=0)
    np.testing.assert_allclose(data["momentum"], mom, rtol=1e-9, atol=0)


def test_curve_csv_every_k():
    path = os.path.join(FIXTURES, "_base_", "schedules", "schedule-1x.py")
    out = subprocess.run(
        [sys.executable, "-m", "schedlint", "curve", path, "--epoch-length", "100", "--every", "50"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert out[0] == "iteration,epoch,lr,momentum"
    assert len(out) == 1 + 12 * 100 // 50
    first = out[1].split(",")
    assert first[0] == "0" and float(first[2]) == pytest.approx(0.02 * 0.001)
    last = out[-1].split(",")
    assert last[0] == "1150" and float(last[2]) == pytest.approx(0.02 * 0.01)


@pytest.mark.parametrize("rows", [1, 7, 1 << 16])
@pytest.mark.parametrize("every", [1, 3, 50])
def test_curve_is_written_in_pieces_equal_to_the_whole(monkeypatch, rows, every):
    """`curve` streams its text (a 19M-iteration run built 3 GB of it before writing): the pieces, at any piece
    size, join to what the whole curve gives (json.dumps of the lists; one CSV row per kept iteration)."""
    from schedlint.lint.settings import Settings
    from schedlint.views import curve as curve_view

    path = os.path.join(FIXTURES, "user", "pointpillars_cyclic-20e_to-40e.py")
    settings = Settings(epoch_length=EPOCH_LENGTH)
    plan, curve = curve_view.simulate_config(path, settings)
    monkeypatch.setattr(curve_view, "_ROWS", rows)
    data = "".join(curve_view.curve_chunks(path, settings, "json"))
    assert data == json.dumps({"iterations": int(curve.iterations), "epoch_length": int(curve.epoch_length),
                               "epoch_length_source": plan.horizon.epoch_length_source,
                               "lr": curve.lr.tolist(), "momentum": curve.momentum.tolist()}) + "\n"
    lines = "".join(curve_view.curve_chunks(path, settings, "csv", every)).split("\n")
    assert lines[-1] == "" and lines[0] == "iteration,epoch,lr,momentum"
    kept = range(0, int(curve.iterations), every)
    assert lines[1:-1] == [f"{i},{i // EPOCH_LENGTH},{float(curve.lr[i])!r},{float(curve.momentum[i])!r}"
                           for i in kept]
