"""What both SchedLintHooks (mmengine and mmcv-1.x) do the same way when training starts."""

from __future__ import annotations

from typing import Any, Callable, List, Optional

from schedlint.runs.monitor import ScheduleFailure


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
