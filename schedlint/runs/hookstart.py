"""What both SchedLintHooks (mmengine and mmcv-1.x) do the same way: start-up, loss watch, report."""

from __future__ import annotations

from typing import Any, Callable, List, Optional

from schedlint.runs.monitor import Monitor, RunFacts, ScheduleFailure


def hook_settings(config: Optional[str], select: Optional[List[str]], ignore: Optional[List[str]], notes: List[str]):
    """schedlint's settings as `schedlint check CONFIG` finds them, with the hook's select/ignore."""
    from schedlint.lint.settings import Settings, SettingsError, resolve_settings

    try:
        return resolve_settings([config] if config else [], select=select, ignore=ignore)
    except SettingsError as exc:
        notes.append(f"schedlint settings not used: {exc}")
        return Settings()


def start_guarded(start: Callable[[], None], logger: Any) -> bool:
    """Run a hook's start-up. A schedule failure (strict mode) stops training; a bug in schedlint never
    does: it is logged and the run goes on without the hook. True when the start-up completed."""
    try:
        start()
    except ScheduleFailure:
        raise
    except Exception as exc:
        logger.warning(f"schedlint: SchedLintHook failed ({type(exc).__name__}: {exc}); training goes on "
                       "without it (please report this bug in schedlint)")
        return False
    return True


def _render_plot(view: Any, path: str) -> Any:
    from schedlint.views.plot import render_plot

    return render_plot(view, path)


class HookCore:
    """The framework-neutral half of a SchedLintHook: its options, the check at start-up, the loss
    watch and the report. A runner hook calls `_begin` once the run's facts are known, `_record`
    after each iteration, `after_train_epoch` and `_finish`; it sets `_folder` (where the report goes)
    and `_main` (whether this process writes it)."""

    def __init__(self, strict: bool = False, fail_on: Optional[str] = None, config: Optional[str] = None,
                 watch: bool = True, plot: bool = True, select: Optional[List[str]] = None,
                 ignore: Optional[List[str]] = None, poll_interval: Optional[int] = None) -> None:
        if fail_on is None and strict:
            fail_on = "error"
        if fail_on not in (None, "error", "warning", "info"):
            raise ValueError(f"SchedLintHook: fail_on must be 'error', 'warning', 'info' or None, got {fail_on!r}")
        self.fail_on, self.config, self.watch, self.plot = fail_on, config, watch, plot
        self.select, self.ignore, self.poll_interval = select, ignore, poll_interval
        self.monitor: Optional[Monitor] = None
        self._folder: Optional[str] = None
        self._main = True

    def _begin(self, runner: Any, facts: RunFacts) -> None:
        """Check the schedule with the run's facts, log and write the findings, stop on a failure."""
        settings = hook_settings(facts.config, self.select, self.ignore, facts.notes)
        monitor = Monitor(facts, settings, self.fail_on)
        self.monitor = monitor
        monitor.check()
        for level, text in monitor.log_messages():
            getattr(runner.logger, level)(text)
        failure = monitor.failure()
        self._write(plot=True)
        if failure is not None:
            runner.logger.error(str(failure))
            raise failure
        if self.poll_interval is None:
            total = monitor.plan.horizon.total_iters if monitor.plan is not None else facts.max_iters or 0
            self.poll_interval = max(1, int(total) // 50)

    def _give_up(self, runner: Any, exc: Exception) -> None:
        self.watch = False
        runner.logger.warning(f"schedlint: the loss watch stopped ({type(exc).__name__}: {exc}); training goes on")

    def _record(self, runner: Any, loss: Any, lr: Any, momentum: Any) -> None:
        """One iteration's values; an iteration-based run is polled for a rebound every `poll_interval`."""
        monitor = self.monitor
        monitor.record(runner.iter, loss, lr, momentum)
        if monitor.facts.loop == "iter" and (runner.iter + 1) % self.poll_interval == 0:
            self._poll(runner, runner.iter)

    def after_train_epoch(self, runner: Any) -> None:
        if self.monitor is not None and self.watch and self.monitor.facts.loop == "epoch":
            try:
                self._poll(runner, runner.iter - 1)
            except Exception as exc:
                self._give_up(runner, exc)

    def _finish(self) -> None:
        if self.monitor is not None:
            self.monitor.status = "finished"
            self._write()

    def _poll(self, runner: Any, iteration: int) -> None:
        warning = self.monitor.poll(iteration)
        if warning is not None:
            runner.logger.warning(warning["message"])
            self._write()

    def _write(self, plot: bool = False) -> None:
        if not self._main or not self._folder or self.monitor is None:
            return
        try:
            self.monitor.write(self._folder, plot=_render_plot if plot and self.plot else None)
        except OSError as exc:  # a full disk must not stop training
            self.monitor.notes.append(f"schedlint.json not written: {exc}")
