"""`SchedLintHook` for mmengine runners: the schedule checked with the run's exact facts, then watched.

Enable it with two lines in a config (or `schedlint hook CONFIG`)::

    custom_imports = dict(imports=['schedlint.mmengine'], allow_failed_imports=False)
    custom_hooks = [dict(type='SchedLintHook')]            # strict=True: stop on an error finding

`before_train` reads `len(train_dataloader)`, the world size and batch, the `auto_scale_lr` factor
the runner applied, every optimizer param group and the schedulers actually built, runs every rule
with those facts, logs the findings through `runner.logger` and writes `schedlint.json` (and
`schedlint_schedule.png` when matplotlib is installed) into `runner.log_dir`. With `strict=True`
(or `fail_on='error'`/`'warning'`) a finding at that level raises `ScheduleFailure` before the
first iteration. During training the logged loss is watched; one warning is logged (and recorded)
when a rebound starts that the schedule explains.

This module imports mmengine (and, through it, torch); nothing else in schedlint does.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from schedlint.runs.hookstart import HookCore, start_guarded
from schedlint.runs.record import runner_value
from schedlint.runs.monitor import RunFacts, ScheduleFailure, same_schedule

__all__ = ["SchedLintHook", "ScheduleFailure", "run_facts"]

_SKIP_ATTRS = {"optimizer", "param_name", "base_values", "last_step", "_global_step", "verbose", "_last_value",
               "begin", "end", "by_epoch"}
_MAX_GROUPS = 20  # param groups recorded one by one (paramwise_cfg can make one per parameter)


def _first(value: Any) -> Any:
    """The first optimizer's object of an OptimWrapperDict / a dict of scheduler lists."""
    if isinstance(value, dict):
        return next(iter(value.values()), None)
    return value


def _groups(optim_wrapper: Any) -> List[Dict[str, Any]]:
    wrapper = _first(getattr(optim_wrapper, "optim_wrappers", None)) or optim_wrapper
    optimizer = getattr(wrapper, "optimizer", wrapper)
    out = []
    for group in list(getattr(optimizer, "param_groups", []))[:_MAX_GROUPS]:
        entry = {k: runner_value(v) for k, v in group.items() if k in ("lr", "initial_lr", "momentum", "initial_momentum",
                                                                   "betas", "weight_decay", "lr_mult", "decay_mult")}
        entry["params"] = len(group.get("params", []))
        out.append(entry)
    return out


def _schedulers(param_schedulers: Any) -> List[Dict[str, Any]]:
    built = _first(param_schedulers) if isinstance(param_schedulers, dict) else param_schedulers
    if built is None:
        return []
    if not isinstance(built, (list, tuple)):
        built = [built]
    out = []
    for s in built:
        if isinstance(s, dict):  # not built (no training)
            continue
        entry = {"type": type(s).__name__, "param": getattr(s, "param_name", None), "begin": runner_value(getattr(s, "begin", None)),
                 "end": runner_value(getattr(s, "end", None)), "by_epoch": getattr(s, "by_epoch", None)}
        for key, value in vars(s).items():
            if key not in _SKIP_ATTRS and not key.startswith("_") and runner_value(value) is not None:
                entry[key] = runner_value(value)
        out.append(entry)
    return out


def _config_path(runner: Any, given: Optional[str], facts: RunFacts) -> Optional[str]:
    """The config file to check: `given`, else the runner's file when it says what the runner runs,
    else the runner's config dumped into its log folder."""
    if given:
        facts.config_source = "given to the hook"
        return os.path.abspath(given)
    cfg = getattr(runner, "cfg", None)
    filename = getattr(cfg, "filename", None)
    if filename and os.path.isfile(filename):
        differ = _differs(filename, cfg)
        if not differ:
            facts.config_source = "the runner's config file"
            return os.path.abspath(filename)
        facts.notes.append(f"the runner's {', '.join(differ)} differ from {filename} (--cfg-options?): "
                           "checked the runner's own config")
    if cfg is None or not len(cfg):
        return None
    target = os.path.join(runner.log_dir, "schedlint_config.py")
    try:
        from schedlint.runs.record import write_atomic_text

        write_atomic_text(target, cfg.pretty_text)  # every rank writes the same text; none reads a half file
    except Exception as exc:  # a config mmengine cannot dump (lazy imports, objects)
        facts.notes.append(f"the runner's config could not be dumped for checking ({type(exc).__name__}: {exc})")
        return os.path.abspath(filename) if filename and os.path.isfile(filename) else None
    facts.config_source = "the runner's config, dumped by the hook"
    return target


def _differs(filename: str, cfg: Any) -> List[str]:
    from schedlint.lint.engine import Linter
    from schedlint.runs.record import SCHEDULE_KEYS

    resolved, problems = Linter().resolve(filename)
    if resolved is None:
        return []  # the check reports the problem with the file itself
    try:
        mine = cfg.to_dict()
    except Exception:
        return []
    from schedlint.loader.values import plain

    theirs = {k: plain(resolved.get(k)) for k in SCHEDULE_KEYS}
    return same_schedule(theirs, {k: mine.get(k) for k in SCHEDULE_KEYS})


def run_facts(runner: Any, config: Optional[str] = None) -> RunFacts:
    """The exact facts of an mmengine runner whose training is set up (at `before_train`)."""
    from mmengine.runner import IterBasedTrainLoop

    loop = runner.train_loop
    iter_loop = isinstance(loop, IterBasedTrainLoop)
    dataloader = runner.train_dataloader
    batch = getattr(dataloader, "batch_size", None)
    if batch is None:
        batch = getattr(getattr(dataloader, "batch_sampler", None), "batch_size", None)
    facts = RunFacts(
        generation="mmengine", runner=f"{type(runner).__name__}/{type(loop).__name__}",
        loop="iter" if iter_loop else "epoch", epoch_length=len(dataloader),
        max_epochs=None if iter_loop else int(runner.max_epochs), max_iters=int(runner.max_iters),
        world_size=int(runner.world_size), batch_size=batch, start_iter=int(runner.iter),
    )
    auto = getattr(runner, "auto_scale_lr", None)
    if isinstance(auto, dict) and auto.get("enable", False) and auto.get("base_batch_size") and batch:
        base = float(auto["base_batch_size"])
        facts.lr_scale = facts.world_size * batch / base
        gpus = f"{facts.world_size} GPU{'s' if facts.world_size != 1 else ''}"
        facts.lr_scale_text = f"{gpus} x batch {batch} / base_batch_size {base:g}"
    facts.param_groups = _groups(runner.optim_wrapper)
    facts.schedulers = _schedulers(getattr(runner, "param_schedulers", None))
    facts.hooks = [type(h).__name__ for h in runner.hooks]
    from mmengine.hooks import ParamSchedulerHook

    facts.scheduler_hook = any(isinstance(h, ParamSchedulerHook) for h in runner.hooks)
    facts.config = _config_path(runner, config, facts)
    return facts


@HOOKS.register_module(force=True)
class SchedLintHook(HookCore, Hook):
    """Checks the LR/momentum schedule with the run's exact facts before training, then watches the loss.

    Args:
        strict: stop before the first iteration when there is an error finding (= `fail_on='error'`).
        fail_on: 'error', 'warning' or 'info': the lowest severity that stops training (None: never).
        config: the config file to check (default: the runner's, or its config dumped when they differ).
        watch: watch the training loss for a rebound the schedule explains.
        plot: write `schedlint_schedule.png` when matplotlib is installed.
        select, ignore: rule selectors, as `schedlint check --select/--ignore`.
        poll_interval: iterations between rebound checks for iteration-based loops (default: 2% of training).
    """

    priority = "NORMAL"

    # -- before the first iteration ---------------------------------------------------------------

    def before_train(self, runner: Any) -> None:
        if not start_guarded(lambda: self._start(runner), runner.logger):
            self.monitor = None

    def _start(self, runner: Any) -> None:
        from mmengine.dist import is_main_process

        self._main = is_main_process()
        facts = run_facts(runner, self.config)
        self._folder = runner.log_dir
        self._begin(runner, facts)

    # -- while training -------------------------------------------------------------------------

    def after_train_iter(self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None) -> None:
        try:
            self._watch(runner, outputs)
        except Exception as exc:  # never stop training for the watch
            self._give_up(runner, exc)

    def _watch(self, runner: Any, outputs: Any) -> None:
        if self.monitor is None or not self.watch:
            return
        scalars = runner.message_hub.log_scalars
        loss = scalars["train/loss"].current() if "train/loss" in scalars else None
        if loss is None and isinstance(outputs, dict) and "loss" in outputs:
            loss = outputs["loss"]
        lr = scalars["train/lr"].current() if "train/lr" in scalars else None
        self._record(runner, loss, lr, _momentum(runner))

    def after_val_epoch(self, runner: Any, metrics: Optional[Dict[str, float]] = None) -> None:
        if self.monitor is not None and metrics:
            step = runner.epoch if self.monitor.facts.loop == "epoch" else runner.iter
            self.monitor.record_val(step, metrics)

    def after_train(self, runner: Any) -> None:
        self._finish()


def _momentum(runner: Any) -> Optional[float]:
    """Group 0's momentum (or beta1), read from the optimizer: a Python float, no device sync."""
    try:
        wrapper = _first(getattr(runner.optim_wrapper, "optim_wrappers", None)) or runner.optim_wrapper
        group = wrapper.optimizer.param_groups[0]
    except (AttributeError, IndexError, TypeError):
        return None
    if "momentum" in group:
        return group["momentum"]
    betas = group.get("betas")
    return betas[0] if isinstance(betas, (list, tuple)) and betas else None
