"""Worker processes for the configs of a large tree.

A cold run of a large tree starts its workers before the folder walk (`start_early`): they import what
linting needs (the plan models, the simulator, the rules, the fixer's libcst) while this process walks the
folders, which it does on one core. Each worker is then given contiguous chunks of the run's files (the
configs of one folder share their bases), each with what the run's `Retention` says of the files it may
inherit, and keeps one `Linter` for all its chunks.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, List, Optional, Tuple

from schedlint.lint.retention import Retention
from schedlint.lint.settings import Settings
from schedlint.model import Finding

PARALLEL_MIN_FILES = 64  # below this, starting worker processes costs more than it saves (explicit --jobs)
FILES_PER_WORKER = 400  # by default, one more worker per this many files to lint: below it a worker,
# which must load the shared `_base_` files again, does not win back its start on a 2-core machine

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
        """Stop the workers: after their tasks, or `now` (a pool started for a run that did not need it)."""
        if self._closed:
            return
        self._closed = True
        if now:
            stop = getattr(self._pool, "terminate_workers", None)  # (Python 3.14)
            if stop is not None:
                stop()
            else:
                for process in list(getattr(self._pool, "_processes", {}).values()):
                    process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=now)


def start_early(paths: Iterable[str], settings: Settings, warm_cache: bool, on_file: Any,
                skip_dirs: Iterable[str]) -> Optional[Workers]:
    """Workers started before the folder walk, for a run that will likely need them: a cold run (the findings
    cache is off or empty) of folders holding enough .py files (not under `skip_dirs` or hidden folders) for
    more than one worker; None otherwise."""
    if warm_cache or settings.worker_count < 2 or settings.jobs == 1:
        return None
    folders = [p for p in paths if os.path.isdir(p)]
    if not folders:
        return None
    wanted = max(PARALLEL_MIN_FILES, 0 if settings.jobs else 2 * FILES_PER_WORKER)
    found = _count_py_files(folders, wanted, set(skip_dirs))
    jobs = jobs_for(settings, found)
    if found < wanted or jobs < 2:
        return None
    try:
        return Workers(jobs, on_file)
    except (OSError, ImportError, RuntimeError):  # no process support here: the run lints in this process
        return None


def _count_py_files(folders: List[str], limit: int, skip: set) -> int:
    """The .py files under `folders` (not in `skip` or hidden folders), counted up to `limit`."""
    found = 0
    for folder in folders:
        for _, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d not in skip and not d.startswith(".")]
            found += sum(1 for name in files if name.endswith(".py"))
            if found >= limit:
                return found
    return found


def _warm(on_file: Any) -> None:
    """Import, in a new worker, what linting needs (while the parent walks the folders); `on_file.prepare()`,
    if it has one, imports what it needs."""
    import schedlint.plan  # noqa: F401
    import schedlint.simulate  # noqa: F401
    from schedlint.lint.heap import return_large_blocks
    from schedlint.rules import all_rules

    all_rules()
    return_large_blocks()
    prepare = getattr(on_file, "prepare", None)
    if prepare is not None:
        prepare()


__all__ = ["FILES_PER_WORKER", "PARALLEL_MIN_FILES", "Workers", "default_workers", "jobs_for", "start_early"]
