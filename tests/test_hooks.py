"""SchedLintHook inside real runners: mmengine's Runner and mmcv 1.x's EpochBasedRunner on toy CPU models.

Every run is a few seconds: a linear model on a 37-sample dataset (batch 4, so 10 iterations per
epoch, a number no static estimate gives). The toy model's loss is scripted: it falls, and in the
rebound runs it rises again from a chosen epoch, so the hook's live watch can be checked exactly.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from schedlint.runs.monitor import Monitor, RunFacts

torch = pytest.importorskip("torch")
pytest.importorskip("mmengine.runner")

from mmengine.config import Config  # noqa: E402
from mmengine.model import BaseModel  # noqa: E402
from mmengine.evaluator import BaseMetric  # noqa: E402
from mmengine.registry import DATASETS, METRICS, MODELS  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

EPOCH_LENGTH = 10  # ceil(37 / 4)


def scripted_loss(step: int, epoch_length: int, rise_at) -> float:
    """Falls like 1/(1+epoch); from epoch `rise_at` on it climbs again (+0.08 per epoch); a little wobble."""
    e = step / epoch_length
    level = 1.0 / (1.0 + e)
    if rise_at is not None and e > rise_at:
        level = 1.0 / (1.0 + rise_at) + 0.08 * (e - rise_at)
    return level + 0.01 * math.sin((step + 1) * 1.7)


@MODELS.register_module(force=True)
class SchedLintToyModel(BaseModel):
    def __init__(self, rise_at=None, epoch_length=EPOCH_LENGTH):
        super().__init__()
        self.lin = torch.nn.Linear(2, 1)
        self.steps = 0  # training iterations actually run
        self.rise_at, self.epoch_length = rise_at, epoch_length

    def forward(self, inputs, targets=None, mode="tensor"):
        out = self.lin(inputs)
        if mode == "predict":  # validation: the scripted loss at this point of training
            return [scripted_loss(self.steps, self.epoch_length, self.rise_at)] * len(out)
        if mode != "loss":
            return out
        value = scripted_loss(self.steps, self.epoch_length, self.rise_at)
        self.steps += 1
        return dict(loss=0.0 * out.sum() + value)


class _ToySet(torch.utils.data.Dataset):
    def __init__(self, n=37):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([i / self.n, 1.0]), targets=torch.tensor(float(i % 3)))


DATASETS.register_module(name="SchedLintToySet", module=_ToySet, force=True)


@METRICS.register_module(force=True)
class SchedLintToyMetric(BaseMetric):
    """Validation error = the model's scripted loss (so it gets worse with the training loss)."""

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        return dict(err=float(np.mean(results)))


VALIDATION = """
val_dataloader = dict(dataset=dict(type='SchedLintToySet', n=8), batch_size=4, num_workers=0,
                      sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'))
val_cfg = dict()
val_evaluator = dict(type='SchedLintToyMetric')
"""

MMENGINE_CFG = """
model = dict(type='SchedLintToyModel', rise_at={rise_at})
train_dataloader = dict(dataset=dict(type='SchedLintToySet', n=37), batch_size=4, num_workers=0,
                        sampler=dict(type='DefaultSampler', shuffle=False), collate_fn=dict(type='default_collate'))
train_cfg = dict(by_epoch=True, max_epochs=12)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [{schedulers}]
default_hooks = dict(logger=dict(type='LoggerHook', interval=5), checkpoint=dict(type='CheckpointHook', interval=4))
{extra}
custom_imports = dict(imports=['schedlint.mmengine'], allow_failed_imports=False)
custom_hooks = [dict(type='SchedLintHook'{hook_args})]
"""

# every LR scheduler stops at epoch 4 of 12: the LR is frozen for 8 epochs (SL004)
FROZEN = "dict(type='MultiStepLR', by_epoch=True, begin=0, end=4, milestones=[2], gamma=0.1)"
# a milestone behind the scheduler's end never happens (SL001, an error)
UNREACHED = "dict(type='MultiStepLR', by_epoch=True, begin=0, end=4, milestones=[2, 6], gamma=0.1)"
# warm-up, then step decays inside training: nothing to report
SOUND = ("dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20), "
         "dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], gamma=0.1)")


def write_config(folder, name, schedulers, rise_at=None, hook_args="", extra=""):
    path = folder / f"{name}.py"
    path.write_text(MMENGINE_CFG.format(rise_at=rise_at, schedulers=schedulers, hook_args=hook_args, extra=extra))
    return str(path)


def train(config, work_dir):
    """Train with mmengine's Runner; (runner, schedlint.json, the run's log text, the exception if any)."""
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    runner = Runner.from_cfg(cfg)
    error = None
    try:
        runner.train()
    except Exception as exc:  # the strict tests look at it
        error = exc
    log_dir = runner.log_dir
    report = json.loads(open(os.path.join(log_dir, "schedlint.json"), encoding="utf-8").read())
    log_files = [f for f in os.listdir(log_dir) if f.endswith(".log")]
    log = open(os.path.join(log_dir, log_files[0]), encoding="utf-8").read() if log_files else ""
    return runner, report, log, error


def check_json(config, epoch_length):
    """`schedlint check --epoch-length L --output-format json CONFIG`, as a user runs it."""
    proc = subprocess.run([sys.executable, "-m", "schedlint", "check", "--epoch-length", str(epoch_length),
                           "--output-format", "json", "--isolated", config], capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def comparable(findings):
    """Findings as `check` reports them; where a message names the epoch length's provenance (the hook:
    len(train_dataloader); check: --epoch-length), the number must agree, the words may not."""
    out = []
    for f in findings:
        f = {k: f[k] for k in ("code", "severity", "message", "filename", "location", "end_location")}
        f["message"] = re.sub(r"\[epoch length (\d+): [^\]]*\]", r"[epoch length \1]", f["message"])
        out.append(f)
    return out


@pytest.fixture(scope="module")
def frozen_run(tmp_path_factory):
    """A run whose schedule freezes at epoch 4 and whose loss rises from epoch 4 on (not strict)."""
    folder = tmp_path_factory.mktemp("frozen")
    config = write_config(folder, "schedlint_frozen_rise", FROZEN, rise_at=4, extra=VALIDATION)
    return (config,) + train(config, folder / "work")


# ---------------------------------------------------------------------------------------------
# mmengine
# ---------------------------------------------------------------------------------------------


def test_mmengine_records_the_exact_epoch_length(frozen_run):
    config, runner, report, log, error = frozen_run
    assert error is None
    assert len(runner.train_dataloader) == EPOCH_LENGTH
    assert report["facts"]["epoch_length"] == len(runner.train_dataloader)
    assert report["plan"]["epoch_length"] == EPOCH_LENGTH
    assert report["plan"]["total_iters"] == 12 * EPOCH_LENGTH
    assert "exact" in report["plan"]["epoch_length_source"]
    assert report["facts"]["config"] == config
    assert report["facts"]["world_size"] == 1 and report["facts"]["batch_size"] == 4
    assert report["facts"]["schedulers"][0]["type"] == "MultiStepLR"
    assert report["facts"]["schedulers"][0]["end"] == 4
    assert report["facts"]["scheduler_hook"] is True
    assert report["status"] == "finished"
    assert os.path.isfile(os.path.join(runner.log_dir, "schedlint_schedule.png"))


def test_mmengine_findings_equal_check_with_the_epoch_length(frozen_run):
    config, runner, report, log, error = frozen_run
    expected = check_json(config, len(runner.train_dataloader))
    assert {f["code"] for f in expected} >= {"SL004"}
    assert comparable(report["findings"]) == comparable(expected)
    # the findings are logged through the runner's logger in the concise format
    for f in expected:
        assert f"{f['code']} {f['message']}" in log


def test_mmengine_warns_once_when_the_loss_rises_after_the_schedule_freezes(frozen_run):
    config, runner, report, log, error = frozen_run
    assert len(report["warnings"]) == 1
    warning = report["warnings"][0]
    assert 3.5 <= warning["epoch"] <= 5.0  # the loss turns up at epoch 4, where the LR freezes
    assert warning["detected_at_epoch"] < 12  # seen while training, not after it
    assert [c["kind"] for c in warning["causes"]] == ["frozen"]
    assert "SL004" in warning["codes"]
    assert "schedlint fix --rescale" in warning["fix"]
    assert log.count("the training loss turns up") == 1
    assert "LR frozen at 0.01 from epoch 4" in log
    # validation results are recorded every epoch, and the warning quotes them
    assert [v["step"] for v in report["validation"]] == list(range(1, 13))
    assert "validation err" in warning["message"]


def test_mmengine_strict_stops_before_the_first_iteration(tmp_path):
    config = write_config(tmp_path, "schedlint_strict_error", UNREACHED, hook_args=", strict=True")
    runner, report, log, error = train(config, tmp_path / "work")
    assert type(error).__name__ == "ScheduleFailure"
    assert "before the first iteration" in str(error) and "SL001" in str(error)
    assert runner.model.steps == 0 and runner.iter == 0  # no training iteration ran
    assert report["status"] == "stopped"
    assert "SL001" in {f["code"] for f in report["findings"]}
    assert comparable(report["findings"]) == comparable(check_json(config, EPOCH_LENGTH))


def test_mmengine_strict_sound_config_trains_to_the_end_with_exact_facts(tmp_path):
    # auto_scale_lr with 1 process and batch 4 against base 16: x0.25 (a static check assumes 8 GPUs)
    config = write_config(tmp_path, "schedlint_strict_sound", SOUND, hook_args=", strict=True",
                          extra="auto_scale_lr = dict(enable=True, base_batch_size=16)")
    runner, report, log, error = train(config, tmp_path / "work")
    assert error is None
    assert runner.iter == 12 * EPOCH_LENGTH and runner.model.steps == 12 * EPOCH_LENGTH
    assert report["findings"] == [] and report["warnings"] == [] and report["rebound"] is None
    assert report["status"] == "finished"
    assert report["facts"]["lr_scale"] == pytest.approx(0.25)
    assert report["plan"]["lr"] == pytest.approx(0.025)
    assert report["facts"]["param_groups"][0]["initial_lr"] == pytest.approx(0.025)
    assert [s["type"] for s in report["facts"]["schedulers"]] == ["LinearLR", "MultiStepLR"]
    assert report["facts"]["schedulers"][1]["milestones"] == [8, 11]
    # the LR the runner logged is the one simulated with the exact facts
    assert not any("the simulated" in n for n in report["notes"])
    assert len(report["observed"]) == 12


def test_mmengine_checks_the_runner_config_when_it_differs_from_the_file(tmp_path):
    config = write_config(tmp_path, "schedlint_cfg_options", SOUND)
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / "work")
    cfg.train_cfg.max_epochs = 2  # like --cfg-options train_cfg.max_epochs=2
    runner = Runner.from_cfg(cfg)
    runner.train()
    report = json.loads(open(os.path.join(runner.log_dir, "schedlint.json")).read())
    assert report["facts"]["config"] == os.path.join(runner.log_dir, "schedlint_config.py")
    assert any("train_cfg" in n for n in report["facts"]["notes"])
    assert report["plan"]["max_epochs"] == 2
    dumped = report["facts"]["config"]
    assert comparable(report["findings"]) == comparable(check_json(dumped, EPOCH_LENGTH))


# ---------------------------------------------------------------------------------------------
# the monitor alone (no runner)
# ---------------------------------------------------------------------------------------------


def _monitor(tmp_path, schedulers, max_epochs=12):
    path = tmp_path / "cfg.py"
    path.write_text(textwrap.dedent(f"""
        train_cfg = dict(by_epoch=True, max_epochs={max_epochs})
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
        param_scheduler = [{schedulers}]
    """))
    facts = RunFacts(generation="mmengine", runner="test", loop="epoch", epoch_length=EPOCH_LENGTH,
                     max_epochs=max_epochs, config=str(path))
    monitor = Monitor(facts)
    monitor.check()
    return monitor


def _feed(monitor, rise_at, epochs=12):
    warnings = []
    for step in range(epochs * EPOCH_LENGTH):
        monitor.record(step, scripted_loss(step, EPOCH_LENGTH, rise_at), lr=None)
        if (step + 1) % EPOCH_LENGTH == 0:
            found = monitor.poll(step)
            if found is not None:
                warnings.append((step + 1) // EPOCH_LENGTH)
    return warnings


def test_monitor_warns_once_for_an_explained_rebound(tmp_path):
    monitor = _monitor(tmp_path, FROZEN)
    seen = _feed(monitor, rise_at=4)
    assert len(seen) == 1 and 5 <= seen[0] <= 8
    assert len(monitor.warnings) == 1 and monitor.rebound["explained"] is True


def test_monitor_does_not_warn_when_the_schedule_does_not_explain_the_rise(tmp_path):
    # a cosine over the whole run: nothing freezes, nothing climbs back; the rise is recorded, not blamed
    monitor = _monitor(tmp_path, "dict(type='CosineAnnealingLR', by_epoch=True, T_max=12, eta_min=1e-4)")
    assert _feed(monitor, rise_at=4) == []
    assert monitor.warnings == []
    assert monitor.rebound is not None and monitor.rebound["explained"] is False


def test_monitor_no_rebound_when_the_loss_keeps_falling(tmp_path):
    monitor = _monitor(tmp_path, FROZEN)
    assert _feed(monitor, rise_at=None) == []
    assert monitor.rebound is None


def test_monitor_fail_on(tmp_path):
    monitor = _monitor(tmp_path, UNREACHED)
    assert monitor.failure() is None  # fail_on=None never stops
    strict = Monitor(monitor.facts, fail_on="error")
    strict.check()
    failure = strict.failure()
    assert failure is not None and "SL001" in str(failure) and strict.status == "stopped"
    with pytest.raises(ValueError):
        Monitor(monitor.facts, fail_on="fatal")


def test_monitor_writes_an_atomic_report(tmp_path):
    monitor = _monitor(tmp_path, FROZEN)
    written = monitor.write(str(tmp_path / "run"))
    data = json.loads(open(written["json"]).read())
    assert data["facts"]["epoch_length"] == EPOCH_LENGTH
    assert [f["code"] for f in data["findings"]] == [f.code for f in monitor.findings]
    assert sorted(os.listdir(tmp_path / "run")) == ["schedlint.json"]
    assert np.isfinite(data["plan"]["lr"])


# ---------------------------------------------------------------------------------------------
# mmcv 1.x
# ---------------------------------------------------------------------------------------------

MMCV_CFG = """
optimizer = dict(type='SGD', lr=0.1, momentum=0.9)
optimizer_config = dict(grad_clip=None)
lr_config = {lr_config}
runner = dict(type='EpochBasedRunner', max_epochs=12)
checkpoint_config = dict(interval=4)
log_config = dict(interval=5, hooks=[dict(type='TextLoggerHook')])
workflow = [('train', 1)]
custom_imports = dict(imports=['schedlint.mmcv'], allow_failed_imports=False)
custom_hooks = [dict(type='SchedLintHook'{hook_args})]
"""

# the step at epoch 16 lies past the 12 epochs (SL001, an error); after the step at 2 the LR is frozen
MMCV_UNREACHED = "dict(policy='step', step=[2, 16], by_epoch=True)"
MMCV_SOUND = "dict(policy='CosineAnnealing', min_lr=0, by_epoch=False, warmup='linear', warmup_iters=5, warmup_ratio=0.1)"


@pytest.fixture(scope="module")
def mmcv_runner():
    """mmcv 1.x's runner API, with the 2 s sleeps between epochs taken out (and torchvision stubbed
    when the installed one cannot load: mmcv.runner imports it only for model-zoo URLs)."""
    import time
    import types

    try:
        import torchvision  # noqa: F401
    except Exception:
        stub = types.ModuleType("torchvision")
        stub.__version__ = "0.0.0"
        stub.models = types.ModuleType("torchvision.models")
        stub.models.__path__ = []
        sys.modules["torchvision"], sys.modules["torchvision.models"] = stub, stub.models
    runner_mod = pytest.importorskip("mmcv.runner")
    import mmcv.runner.epoch_based_runner as ebr
    import mmcv.runner.iter_based_runner as ibr

    saved = ebr.time, ibr.time
    ebr.time = ibr.time = types.SimpleNamespace(sleep=lambda seconds: None, time=time.time)
    yield runner_mod
    ebr.time, ibr.time = saved


class _MmcvToy(torch.nn.Module):
    """An mmcv-1.x style model: `train_step` returns the loss, its log_vars (floats) and num_samples."""

    def __init__(self, rise_at=None):
        super().__init__()
        self.lin = torch.nn.Linear(2, 1)
        self.steps, self.rise_at = 0, rise_at

    def train_step(self, data, optimizer, **kwargs):
        out = self.lin(data["inputs"])
        value = scripted_loss(self.steps, EPOCH_LENGTH, self.rise_at)
        self.steps += 1
        return dict(loss=0.0 * out.sum() + value, log_vars=dict(loss=value), num_samples=len(out))


def mmcv_train(mmcv_runner, folder, name, lr_config, rise_at=None, hook_args="", meta=True, runner_cfg=None):
    """Train like an mmcv-1.x training script: (model, runner, schedlint.json, log text, exception)."""
    from mmcv import Config
    from mmcv.utils import get_logger

    path = folder / f"{name}.py"
    text = MMCV_CFG.format(lr_config=lr_config, hook_args=hook_args.format(config=path))
    if runner_cfg:
        text = text.replace("runner = dict(type='EpochBasedRunner', max_epochs=12)", runner_cfg)
    path.write_text(text)
    cfg = Config.fromfile(str(path))
    model = _MmcvToy(rise_at)
    optimizer = mmcv_runner.build_optimizer(model, cfg.optimizer)
    log_file = folder / f"{name}.log"
    logger = get_logger(f"schedlint_{name}", log_file=str(log_file))
    work_dir = folder / "work"
    runner = mmcv_runner.build_runner(cfg.runner, default_args=dict(
        model=model, optimizer=optimizer, work_dir=str(work_dir), logger=logger,
        meta=dict(config=cfg.pretty_text, exp_name=path.name) if meta else None))
    runner.register_training_hooks(cfg.lr_config, cfg.optimizer_config, cfg.checkpoint_config, cfg.log_config,
                                   cfg.get("momentum_config"), custom_hooks_config=cfg.get("custom_hooks"))
    loader = torch.utils.data.DataLoader(_ToySet(37), batch_size=4)
    error = None
    try:
        runner.run([loader], cfg.workflow)
    except Exception as exc:
        error = exc
    report = json.loads((work_dir / "schedlint.json").read_text())
    return str(path), model, runner, report, log_file.read_text(), error


def test_mmcv_exact_facts_findings_and_one_warning(mmcv_runner, tmp_path):
    config, model, runner, report, log, error = mmcv_train(
        mmcv_runner, tmp_path, "schedlint_mmcv_rise", MMCV_UNREACHED, rise_at=4, hook_args=", config='{config}'")
    assert error is None and model.steps == 12 * EPOCH_LENGTH
    assert report["facts"]["generation"] == "mmcv" and report["facts"]["runner"] == "EpochBasedRunner"
    assert report["facts"]["epoch_length"] == EPOCH_LENGTH == len(runner.data_loader)
    assert report["plan"]["epoch_length"] == EPOCH_LENGTH
    assert [s["type"] for s in report["facts"]["schedulers"]] == ["StepLrUpdaterHook"]
    assert report["facts"]["schedulers"][0]["step"] == [2, 16]
    expected = check_json(config, EPOCH_LENGTH)
    assert "SL001" in {f["code"] for f in expected}
    assert comparable(report["findings"]) == comparable(expected)
    for f in expected:
        assert f"{f['code']} {f['message']}" in log
    assert len(report["warnings"]) == 1 and log.count("the training loss turns up") == 1
    warning = report["warnings"][0]
    assert 3.5 <= warning["epoch"] <= 5.0 and warning["detected_at_epoch"] < 12
    assert [c["kind"] for c in warning["causes"]] == ["frozen"]
    assert report["status"] == "finished"
    assert os.path.isfile(os.path.join(runner.work_dir, "schedlint_schedule.png"))


def test_mmcv_warning_does_not_offer_a_rescale_it_cannot_make(mmcv_runner, tmp_path):
    """`schedlint fix --rescale` rewrites param_scheduler: for an mmcv lr_config whose steps end early (SL004) the
    warning named a command that changes nothing."""
    config, model, runner, report, log, error = mmcv_train(
        mmcv_runner, tmp_path, "schedlint_mmcv_early", "dict(policy='step', step=[1, 2], by_epoch=True)", rise_at=4,
        hook_args=", config='{config}'")
    assert error is None and len(report["warnings"]) == 1, (report["findings"], report.get("rebound"))
    warning = report["warnings"][0]
    assert "SL004" in warning["codes"], warning
    assert "--rescale" not in warning["fix"] and "schedlint rule SL004" in warning["fix"], warning["fix"]


def test_mmcv_strict_stops_before_the_first_iteration(mmcv_runner, tmp_path):
    # no config= given: the hook checks the config text the training script put into runner.meta
    config, model, runner, report, log, error = mmcv_train(
        mmcv_runner, tmp_path, "schedlint_mmcv_strict", MMCV_UNREACHED, hook_args=", strict=True")
    assert type(error).__name__ == "ScheduleFailure" and "SL001" in str(error)
    assert model.steps == 0 and runner.iter == 0
    assert report["status"] == "stopped"
    assert report["facts"]["config"] == os.path.join(runner.work_dir, "schedlint_config.py")
    assert "runner.meta" in report["facts"]["config_source"]
    assert [f["code"] for f in report["findings"]] == [f["code"] for f in check_json(config, EPOCH_LENGTH)]


def test_mmcv_strict_sound_config_trains_to_the_end(mmcv_runner, tmp_path):
    config, model, runner, report, log, error = mmcv_train(
        mmcv_runner, tmp_path, "schedlint_mmcv_sound", MMCV_SOUND, hook_args=", strict=True, config='{config}'")
    assert error is None and model.steps == 12 * EPOCH_LENGTH and runner.iter == 12 * EPOCH_LENGTH
    assert report["findings"] == [] and report["warnings"] == []
    assert report["status"] == "finished"
    assert not any("the simulated" in n for n in report["notes"])  # the runner's LR is the simulated one


# ---------------------------------------------------------------------------------------------
# enabling the hook in a config
# ---------------------------------------------------------------------------------------------


def _without_hook_lines(text):
    return "".join(line for line in text.splitlines(True) if not line.startswith(("custom_imports", "custom_hooks")))


def test_enable_hook_keeps_inherited_hooks_and_the_runner_runs_it(tmp_path):
    from schedlint.runs.enable import enable_hook

    (tmp_path / "base.py").write_text("custom_hooks = [dict(type='EmptyCacheHook', after_epoch=True)]\n")
    body = _without_hook_lines(MMENGINE_CFG.format(rise_at=None, schedulers=SOUND, hook_args="", extra=""))
    config = tmp_path / "schedlint_enabled.py"
    config.write_text("_base_ = ['./base.py']\n" + body)
    setup = enable_hook(str(config), strict=True)
    assert setup.generation == "mmengine" and setup.new_text.startswith(setup.old_text)
    added = setup.new_text[len(setup.old_text):]
    assert "custom_imports = dict(imports=['schedlint.mmengine'], allow_failed_imports=False)" in added
    assert ("custom_hooks = [dict(type='EmptyCacheHook', after_epoch=True), "
            "dict(type='SchedLintHook', strict=True)]") in added
    config.write_text(setup.new_text)
    assert enable_hook(str(config)).new_text is None  # already enabled: nothing to do
    runner, report, log, error = train(str(config), tmp_path / "work")
    assert error is None and report["status"] == "finished"
    assert {"EmptyCacheHook", "SchedLintHook"} <= set(report["facts"]["hooks"])


def test_enable_hook_mmcv_config_and_crlf(tmp_path):
    from schedlint.runs.enable import enable_hook

    body = _without_hook_lines(MMCV_CFG.format(lr_config=MMCV_SOUND, hook_args=""))
    config = tmp_path / "legacy.py"
    config.write_bytes(body.replace("\n", "\r\n").encode())
    setup = enable_hook(str(config))
    assert setup.generation == "mmcv"
    added = setup.new_text[len(setup.old_text):]
    assert "imports=['schedlint.mmcv']" in added and "custom_hooks = [dict(type='SchedLintHook')]" in added
    assert "\n" not in added.replace("\r\n", "")  # the file's line endings are kept


def test_hook_command(tmp_path):
    from typer.testing import CliRunner

    import schedlint.cli.hook  # noqa: F401  (registers the command)
    from schedlint.cli import app

    body = _without_hook_lines(MMENGINE_CFG.format(rise_at=None, schedulers=SOUND, hook_args="", extra=""))
    config = tmp_path / "plain.py"
    config.write_text(body)
    cli = CliRunner()
    shown = cli.invoke(app, ["hook", "--diff", str(config)])
    assert shown.exit_code == 1 and "+custom_hooks = [dict(type='SchedLintHook')]" in shown.output
    assert config.read_text() == body  # --diff writes nothing
    done = cli.invoke(app, ["hook", str(config)])
    assert done.exit_code == 0 and "SchedLintHook enabled" in done.output
    assert config.read_text().endswith("custom_hooks = [dict(type='SchedLintHook')]\n")
    again = cli.invoke(app, ["hook", str(config)])
    assert again.exit_code == 0 and "already enabled" in again.output
    missing = cli.invoke(app, ["hook", str(tmp_path / "nope.py")])
    assert missing.exit_code == 2
    broken = tmp_path / "broken.py"
    broken.write_text("train_cfg = dict(\n")
    bad = cli.invoke(app, ["hook", str(broken)])
    assert bad.exit_code == 2 and "SL901" in bad.output


def test_mmengine_iteration_loop_warns_once_at_the_right_iteration(tmp_path, monkeypatch):
    import types

    import mmengine.runner.loops as loops

    # the infinite loader sleeps 2 s at each pass over the data ("deadlock" guard): not needed here
    monkeypatch.setattr(loops, "time", types.SimpleNamespace(sleep=lambda seconds: None))
    frozen_iters = "dict(type='MultiStepLR', by_epoch=False, begin=0, end=40, milestones=[20], gamma=0.1)"
    text = MMENGINE_CFG.format(rise_at=4, schedulers=frozen_iters, hook_args="", extra="")
    text = text.replace("train_cfg = dict(by_epoch=True, max_epochs=12)", "train_cfg = dict(by_epoch=False, max_iters=120)")
    text = text.replace("interval=4)", "interval=40)")
    config = tmp_path / "schedlint_iter_loop.py"
    config.write_text(text)
    runner, report, log, error = train(str(config), tmp_path / "work")
    assert error is None and runner.iter == 120
    assert report["facts"]["loop"] == "iter" and report["facts"]["epoch_length"] == EPOCH_LENGTH
    assert report["plan"]["total_iters"] == 120
    assert len(report["warnings"]) == 1 and log.count("the training loss turns up") == 1
    warning = report["warnings"][0]
    assert 35 <= warning["iter"] <= 50 and warning["detected_at_iter"] < 120
    assert "iteration" in warning["message"] and "epoch" not in warning["message"].split("Fix:")[0]


def test_enable_hook_pure_python_config_imports_the_class(tmp_path):
    from schedlint.runs.enable import enable_hook

    (tmp_path / "base_sched.py").write_text(
        "from mmengine.optim.scheduler import MultiStepLR\n"
        "param_scheduler = [dict(type=MultiStepLR, by_epoch=True, milestones=[8, 11])]\n")
    config = tmp_path / "lazy.py"
    config.write_text("from mmengine.config import read_base\nfrom torch.optim import SGD\n"
                      "with read_base():\n    from .base_sched import *\n"
                      "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
                      "optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.1, momentum=0.9))\n")
    setup = enable_hook(str(config))
    assert "from schedlint.mmengine import SchedLintHook" in setup.new_text
    assert setup.new_text.endswith("custom_hooks = [dict(type=SchedLintHook)]\n")
    config.write_text(setup.new_text)
    assert Config.fromfile(str(config)).custom_hooks[0]["type"] is not None  # mmengine reads it back
    assert enable_hook(str(config)).new_text is None


def test_a_crash_of_schedlint_never_stops_training(tmp_path, monkeypatch):
    from schedlint.runs import monitor as monitor_module

    def boom(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(monitor_module.Monitor, "check", boom)
    config = write_config(tmp_path, "schedlint_crash", SOUND, hook_args=", strict=True")
    cfg = Config.fromfile(config)
    cfg.work_dir = str(tmp_path / "work")
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 12 * EPOCH_LENGTH
    log_dir = runner.log_dir
    log = open(os.path.join(log_dir, [f for f in os.listdir(log_dir) if f.endswith(".log")][0])).read()
    assert "SchedLintHook failed (RuntimeError: boom); training goes on" in log


def test_strict_ignores_internal_errors(tmp_path):
    from schedlint.model import Location, Severity
    from schedlint.model import Finding as F

    monitor = _monitor(tmp_path, SOUND)
    monitor.fail_on = "error"
    monitor.findings = [F("SL999", "internal-error", Severity.ERROR, "bug", Location("x.py", 1))]
    assert monitor.failure() is None


def test_mmcv_iter_based_runner(mmcv_runner, tmp_path):
    config, model, runner, report, log, error = mmcv_train(
        mmcv_runner, tmp_path, "schedlint_mmcv_iter", "dict(policy='step', step=[20, 200], by_epoch=False)", rise_at=4,  # the step at 200 lies past the 120 iterations (SL001): the freeze after 20 is the schedule's defect
        hook_args=", config='{config}'", runner_cfg="runner = dict(type='IterBasedRunner', max_iters=120)")
    assert error is None and model.steps == 120
    assert report["facts"]["runner"] == "IterBasedRunner" and report["facts"]["loop"] == "iter"
    assert report["facts"]["epoch_length"] == EPOCH_LENGTH and report["facts"]["batch_size"] == 4
    assert comparable(report["findings"]) == comparable(check_json(config, EPOCH_LENGTH))
    assert len(report["warnings"]) == 1 and log.count("the training loss turns up") == 1
    assert 35 <= report["warnings"][0]["iter"] <= 50


def test_only_the_hook_modules_import_torch_mmengine_or_mmcv():
    code = ("import sys, schedlint.runs.monitor, schedlint.runs.enable, schedlint.runs.record\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'mmengine', 'mmcv', 'matplotlib'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("schedulers, kind", [
    # T_max=4 of 12 epochs: the cosine reaches eta_min at epoch 4, then climbs back
    ("dict(type='CosineAnnealingLR', by_epoch=True, T_max=4, eta_min=1e-4)", "cosine-climb"),
    # momentum driven to 0.9999 by epoch 3, and kept there
    ("dict(type='CosineAnnealingLR', by_epoch=True, eta_min=1e-4), "
     "dict(type='CosineAnnealingMomentum', by_epoch=True, begin=0, end=4, T_max=3, eta_min=0.9999)",
     "momentum-near-one"),
])
def test_monitor_names_the_cause(tmp_path, schedulers, kind):
    monitor = _monitor(tmp_path, schedulers)
    assert len(_feed(monitor, rise_at=4)) == 1
    assert kind in [c["kind"] for c in monitor.warnings[0]["causes"]]
