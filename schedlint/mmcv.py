"""`SchedLintHook` for mmcv 1.x runners (EpochBasedRunner, IterBasedRunner), enabled through `custom_hooks`.

Two lines in an mmcv-1.x config (or `schedlint hook CONFIG`)::

    custom_imports = dict(imports=['schedlint.mmcv'], allow_failed_imports=False)
    custom_hooks = [dict(type='SchedLintHook')]            # strict=True: stop on an error finding

mmcv runners do not keep the config, so the hook checks `config=` when given, else the config text
the training script put into `runner.meta['config']` (mmdet/mmseg/mmcls 0.x/... do), written to
`<work_dir>/schedlint_config.py`. Before the first iteration (the first `before_train_epoch`, or
`before_train_iter` for IterBasedRunner, when the data loader is known) it reads
`len(data_loader)`, the world size, the optimizer's param groups and the LR/momentum updater hooks
actually registered, runs every rule, logs the findings through `runner.logger` and writes
`schedlint.json` (and `schedlint_schedule.png` with matplotlib) into the work_dir; with
`strict=True` (or `fail_on=...`) it raises `ScheduleFailure` there. While training it watches the
logged loss and warns once when a rebound starts that the schedule explains.

This module imports mmcv (and, through it, torch); nothing else in schedlint does.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from mmcv.runner import HOOKS, Hook

from schedlint.runs.hookstart import HookCore, start_guarded
from schedlint.runs.record import runner_value
from schedlint.runs.monitor import RunFacts, ScheduleFailure

__all__ = ["SchedLintHook", "ScheduleFailure", "run_facts"]

_MAX_GROUPS = 20
_UPDATER_ATTRS = ("by_epoch", "warmup", "warmup_iters", "warmup_ratio", "warmup_by_epoch", "step", "gamma", "min_lr",
                  "min_lr_ratio", "power", "periods", "restart_weights", "target_ratio", "cyclic_times",
                  "step_ratio_up", "max_lr", "total_steps", "pct_start", "min_momentum", "min_momentum_ratio",
                  "start_percent")


def _optimizer(runner: Any) -> Any:
    optimizer = runner.optimizer
    if isinstance(optimizer, dict):  # several optimizers (GANs): the first one's schedule
        optimizer = next(iter(optimizer.values()), None)
    return optimizer


def _groups(runner: Any) -> List[Dict[str, Any]]:
    out = []
    for group in list(getattr(_optimizer(runner), "param_groups", []))[:_MAX_GROUPS]:
        entry = {k: runner_value(v) for k, v in group.items()
                 if k in ("lr", "initial_lr", "momentum", "initial_momentum", "betas", "weight_decay")}
        entry["params"] = len(group.get("params", []))
        out.append(entry)
    return out


def _updaters(runner: Any) -> List[Dict[str, Any]]:
    out = []
    for hook in runner.hooks:
        name = type(hook).__name__
        if name.endswith(("LrUpdaterHook", "MomentumUpdaterHook")):
            entry = {"type": name, "param": "lr" if name.endswith("LrUpdaterHook") else "momentum"}
            for key in _UPDATER_ATTRS:
                if hasattr(hook, key):
                    entry[key] = runner_value(getattr(hook, key))
            out.append(entry)
    return out


def _config_path(runner: Any, given: Optional[str], facts: RunFacts) -> Optional[str]:
    if given:
        facts.config_source = "given to the hook"
        return os.path.abspath(given)
    text = (runner.meta or {}).get("config") if isinstance(runner.meta, dict) else None
    if not isinstance(text, str) or not text.strip():
        facts.notes.append("the runner's meta has no config text and the hook no config=...: only the facts "
                           "and the loss are recorded")
        return None
    from schedlint.runs.record import write_atomic_text

    target = os.path.join(runner.work_dir, "schedlint_config.py")
    write_atomic_text(target, text if text.endswith("\n") else text + "\n")
    name = runner.meta.get("exp_name")
    facts.config_source = "runner.meta['config'] (the training script's copy" + (f" of {name})" if name else ")")
    return target


def run_facts(runner: Any, config: Optional[str] = None) -> RunFacts:
    """The exact facts of an mmcv 1.x runner once its training data loader is set."""
    iter_runner = "IterBased" in type(runner).__name__
    loader = runner.data_loader
    batch = getattr(loader, "batch_size", None)
    inner = getattr(loader, "_dataloader", None)  # IterBasedRunner wraps the loader in an IterLoader
    if batch is None and inner is not None:
        batch = getattr(inner, "batch_size", None)
    facts = RunFacts(
        generation="mmcv", runner=type(runner).__name__, loop="iter" if iter_runner else "epoch",
        epoch_length=len(loader), epoch_length_source="len(data_loader) at run time",
        max_epochs=None if iter_runner else int(runner.max_epochs), max_iters=int(runner.max_iters),
        world_size=int(runner.world_size), batch_size=batch, start_iter=int(runner.iter),
    )
    facts.param_groups = _groups(runner)
    facts.schedulers = _updaters(runner)
    facts.hooks = [type(h).__name__ for h in runner.hooks]
    facts.scheduler_hook = any(s["param"] == "lr" for s in facts.schedulers)
    facts.config = _config_path(runner, config, facts)
    return facts


def _first_value(values: Any) -> Optional[float]:
    if isinstance(values, dict):
        values = next(iter(values.values()), None)
    if isinstance(values, (list, tuple)) and values:
        values = values[0]
    if isinstance(values, (list, tuple)):  # Adam-style (beta1, beta2)
        values = values[0] if values else None
    try:
        return float(values)
    except (TypeError, ValueError):
        return None


@HOOKS.register_module(force=True)
class SchedLintHook(HookCore, Hook):
    """Checks the LR/momentum schedule with the run's exact facts before training, then watches the loss.

    Args: as `schedlint.mmengine.SchedLintHook` (strict, fail_on, config, watch, plot, select,
    ignore, poll_interval).
    """

    def __init__(self, strict: bool = False, fail_on: Optional[str] = None, config: Optional[str] = None,
                 watch: bool = True, plot: bool = True, select: Optional[List[str]] = None,
                 ignore: Optional[List[str]] = None, poll_interval: Optional[int] = None) -> None:
        HookCore.__init__(self, strict, fail_on, config, watch, plot, select, ignore, poll_interval)
        self._checked = False

    # -- before the first iteration ---------------------------------------------------------------

    def before_train_epoch(self, runner: Any) -> None:
        self._check(runner)

    def before_train_iter(self, runner: Any) -> None:
        self._check(runner)  # IterBasedRunner: the loader is known only here

    def _check(self, runner: Any) -> None:
        if self._checked:
            return
        self._checked = True
        if not start_guarded(lambda: self._start(runner), runner.logger):
            self.monitor = None

    def _start(self, runner: Any) -> None:
        facts = run_facts(runner, self.config)
        self._main, self._folder = runner.rank == 0, runner.work_dir
        self._begin(runner, facts)

    # -- while training -------------------------------------------------------------------------

    def after_train_iter(self, runner: Any) -> None:
        try:
            self._watch(runner)
        except Exception as exc:  # never stop training for the watch
            self._give_up(runner, exc)

    def _watch(self, runner: Any) -> None:
        if self.monitor is None or not self.watch:
            return
        history = runner.log_buffer.val_history.get("loss")
        loss = history[-1] if history else None
        if loss is None:
            outputs = getattr(runner, "outputs", None) or {}
            loss = (outputs.get("log_vars") or {}).get("loss")
        lr, momentum = _group0(runner)
        self._record(runner, loss, lr, momentum)

    def after_run(self, runner: Any) -> None:
        self._finish()


def _group0(runner: Any):
    """(lr, momentum or beta1) of param group 0, read from the optimizer: Python floats, no device sync."""
    try:
        group = _optimizer(runner).param_groups[0]
    except (AttributeError, IndexError, TypeError):
        return None, None
    momentum = group.get("momentum")
    if momentum is None:
        momentum = _first_value(group.get("betas"))
    return group.get("lr"), momentum
