"""Worker processes for the configs of a large tree.

A cold run of a large tree starts its workers during the folder walk (`EarlyStart`), once it has found
configs enough for them: they import what linting needs (the plan models, the simulator, the rules, the
fixer's libcst) while this process walks the rest of the folders, which it does on one core. Each worker is
then given contiguous chunks of the run's files (the configs of one folder share their bases), each with
what the run's `Retention` says of the files it may inherit, and keeps one `Linter` for all its chunks.
"""

from __future__ import annotations

import os
from typing import Any, Callable, List, Optional, Tuple

from schedlint.lint.retention import Retention
from schedlint.lint.settings import Settings
from schedlint.model import Finding

PARALLEL_MIN_FILES = 64  # below this, starting worker processes costs more than it saves (explicit --jobs)
FILES_PER_WORKER = 150  # by default, one more worker per this many files to lint: below it a worker,
# which must load the shared `_base_` files again, does not win back its start on a 2-core machine (measured
# with workers started during the walk: 204 configs even, 365 configs 17% faster with two, 491 configs 35%)

#: (file, findings, files they depend on) of each file a worker linted
Done = List[Tuple[str, List[Finding], Optional[List[str]]]]


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(files: int) -> int:
    """Worker processes worth starting for `files` configs: one per core this process may run on,
    at most one per FILES_PER_WORKER files. (The load average is no guide: it lags by a minute and
    counts work that is about to end, such as the previous command.)"""
    return max(1, min(cores(), files // FILES_PER_WORKER))


def jobs_for(settings: Settings, files: int) -> int:
    """Worker processes for a run linting `files` configs (1: none, the run lints in this process)."""
    jobs = min(settings.jobs or default_workers(files), settings.worker_count)
    return jobs if files >= PARALLEL_MIN_FILES else 1


class Workers:
    """A pool of `jobs` forked worker processes, started at once."""

    def __init__(self, jobs: int, on_file: Any = None) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.jobs = jobs
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_warm,
                                         initargs=(on_file,))
        self._pool.submit(int)  # forked workers are started together, at the first task (not waited for)
        self._closed = False

    def lint(self, lint_chunk: Callable[..., Tuple[Done, List[str]]], settings: Settings, on_file: Any,
             files: List[str], retention: Retention, progress: Optional[Callable[[str], None]],
             errors: List[str]) -> Done:
        """Every file linted by the workers, in file order: `lint_chunk(settings, on_file, chunk, part)` lints
        a chunk in a worker (`part`: the chunk's `Retention.part`, for the worker's own retention)."""
        # contiguous chunks keep the configs of one folder (which share bases) in one worker
        size = max(8, len(files) // (self.jobs * 8) + 1)
        chunks = [files[i : i + size] for i in range(0, len(files), size)]
        parts = [retention.part(chunk) for chunk in chunks]
        out: Done = []
        results = self._pool.map(lint_chunk, [settings] * len(chunks), [on_file] * len(chunks), chunks, parts)
        for chunk, (done, chunk_errors) in zip(chunks, results):
            out.extend(done)
            errors.extend(chunk_errors)
            if progress is not None:
                for path in chunk:
                    progress(path)
        return out

    def close(self, now: bool = False) -> None:
        """Stop the workers: after their tasks, or `now` (the run stopped early: an error, an interrupt)."""
        if self._closed:
            return
        self._closed = True
        if now:
            _quiet_cancelled_futures()
            stop = getattr(self._pool, "terminate_workers", None)  # (Python 3.14)
            if stop is not None:
                stop()
            else:
                for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                    process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=now)


def _quiet_cancelled_futures() -> None:
    """Before Python 3.12 the pool's management thread, finding its workers terminated, sets an exception on
    every pending future, including those `shutdown(cancel_futures=True)` has just cancelled: the thread dies
    printing an InvalidStateError traceback (a run stopped by SIGTERM showed it). Python 3.12 ignores it there;
    so does this (only that error, only in a thread)."""
    import threading
    from concurrent.futures import InvalidStateError

    previous = threading.excepthook
    if getattr(previous, "schedlint_quiet", False):
        return

    def hook(args: Any) -> None:
        if args.exc_type is not InvalidStateError:
            previous(args)

    hook.schedlint_quiet = True  # type: ignore[attr-defined]
    threading.excepthook = hook


class EarlyStart:
    """Workers started during the folder walk of a cold run (the findings cache off or empty), as soon as it has
    found configs enough to occupy every worker the run may have (`found`): their imports overlap the rest of
    the walk, which this process does on one core, and no worker is started for a run that will not use it."""

    def __init__(self, settings: Settings, warm_cache: bool, on_file: Any) -> None:
        self.settings = settings
        self.on_file = on_file
        self.workers: Optional[Workers] = None
        most = min(settings.jobs or cores(), settings.worker_count)
        self._most = 0 if warm_cache or most < 2 else most

    def found(self, count: int) -> None:
        """The walk has found `count` configs so far."""
        if self._most and self.workers is None and jobs_for(self.settings, count) >= self._most:
            try:
                self.workers = Workers(self._most, self.on_file)
            except (OSError, ImportError, RuntimeError):  # no process support here: the run lints in this process
                self._most = 0


def _warm(on_file: Any) -> None:
    """Import, in a new worker, what linting needs (while the parent walks the folders); `on_file.prepare()`,
    if it has one, imports what it needs. The parent stops its workers: a worker ends silently on SIGTERM and
    leaves Ctrl-C (sent to the whole process group) to the parent."""
    import signal

    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError, AttributeError):  # pragma: no cover - no such signals here
        pass
    from schedlint.lint.heap import return_large_blocks
    from schedlint.loader.files import hash_reads

    hash_reads(False)  # the parent keys the findings cache (by the bytes its walk read)
    load_linting()
    return_large_blocks()
    prepare = getattr(on_file, "prepare", None)
    if prepare is not None:
        prepare()


def load_linting() -> None:
    """Import what linting any config needs: the plan models, the simulator, the rules. A worker does it while
    the parent walks the folders; a parent that starts its workers after the walk does it before forking
    them, so that they share it."""
    import schedlint.plan  # noqa: F401
    import schedlint.simulate  # noqa: F401
    from schedlint.rules import all_rules

    all_rules()


__all__ = ["EarlyStart", "FILES_PER_WORKER", "PARALLEL_MIN_FILES", "Workers", "default_workers", "jobs_for",
           "load_linting"]
