"""Worker processes of large runs (`schedlint.lint.workers`): the findings (fixes included) equal a run in one
process, whether the workers start after the folder walk or before it; a pool started for a run that turns out
to need none is stopped at once; each worker drops what the run's retention says no later config needs."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path
from typing import List

import pytest

from schedlint.fix import attach_fixes
from schedlint.lint import engine, retention, workers
from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="forked workers")


def _tree(tmp_path: Path, copies: int = 3) -> Path:
    """A project holding `copies` copies of the shipped example tree (its defects and sound configs)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    for i in range(copies):
        shutil.copytree(ROOT / "fixtures" / "configs", tmp_path / f"copy{i}" / "configs")
    return tmp_path


def _plain(result) -> List[tuple]:
    return [(f.code, f.message, f.location.file, f.location.line, tuple(f.configs),
             None if f.fix is None else [(e.file, e.content, e.location, e.end_location) for e in f.fix.edits])
            for f in result.findings]


def _settings(tmp_path: Path, jobs=None) -> Settings:
    return Settings(jobs=jobs, epoch_length=100, dependents=False)


def test_workers_find_what_one_process_finds(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    monkeypatch.chdir(tree)
    alone = check_paths([str(tree)], _settings(tree, 1), on_file=attach_fixes)
    assert len(alone.files) >= workers.PARALLEL_MIN_FILES and alone.findings
    assert any(f.fix is not None for f in alone.findings)
    started: List[int] = []
    real = workers.Workers.__init__
    monkeypatch.setattr(workers.Workers, "__init__", lambda self, jobs, on_file=None: started.append(jobs) or
                        real(self, jobs, on_file))
    shared = check_paths([str(tree)], _settings(tree, 2), on_file=attach_fixes)
    assert started == [2]  # (explicit --jobs 2: started before the folder walk, the tree holding enough files)
    assert _plain(shared) == _plain(alone) and shared.files == alone.files
    assert not multiprocessing.active_children()


def test_workers_started_after_the_walk_find_the_same(tmp_path, monkeypatch):
    tree = _tree(tmp_path)
    monkeypatch.chdir(tree)
    alone = check_paths([str(tree)], _settings(tree, 1), on_file=attach_fixes)
    monkeypatch.setattr(workers.EarlyStart, "found", lambda self, count: None)
    late = check_paths([str(tree)], _settings(tree, 2), on_file=attach_fixes)
    assert _plain(late) == _plain(alone)
    assert not multiprocessing.active_children()


def test_no_worker_is_started_for_code_files(tmp_path, monkeypatch):
    """Many .py files, few of them configs: the walk never finds configs enough, and no worker is started."""
    tree = _tree(tmp_path, copies=1)
    shutil.rmtree(tree / "copy0" / "configs" / "user")  # (the leaves: a tree of configs well below the threshold)
    code = tree / "tools"
    code.mkdir()
    for i in range(2 * workers.PARALLEL_MIN_FILES):
        (code / f"tool{i}.py").write_text("import os\n\n\ndef main():\n    return os.getcwd()\n")
    monkeypatch.chdir(tree)
    started: List[int] = []
    monkeypatch.setattr(workers.Workers, "__init__", lambda self, jobs, on_file=None: started.append(jobs))
    result = check_paths([str(tree)], _settings(tree, 2), on_file=attach_fixes)
    assert len(result.files) < workers.PARALLEL_MIN_FILES and not started


def test_workers_start_once_the_walk_found_configs_enough_for_all_of_them(monkeypatch):
    monkeypatch.setattr(workers, "cores", lambda: 2)
    started: List[int] = []
    monkeypatch.setattr(workers.Workers, "__init__", lambda self, jobs, on_file=None: started.append(jobs))
    early = workers.EarlyStart(Settings(), False, None)
    for count in range(1, 2 * workers.FILES_PER_WORKER):
        early.found(count)
    assert not started  # one worker's worth: the run may lint in this process
    early.found(2 * workers.FILES_PER_WORKER)
    early.found(2 * workers.FILES_PER_WORKER + 1)
    assert started == [2]
    for settings, warm in ((Settings(), True), (Settings(jobs=1), False)):  # a warm cache, one process asked for
        never = workers.EarlyStart(settings, warm, None)
        never.found(10_000)
        assert never.workers is None
    explicit = workers.EarlyStart(Settings(jobs=2), False, None)
    explicit.found(workers.PARALLEL_MIN_FILES - 1)
    explicit.found(workers.PARALLEL_MIN_FILES)
    assert started == [2, 2]


class _Recorder:
    def __init__(self) -> None:
        self.forgotten: List[str] = []
        self.loader = self

    def forget(self, path: str, shared: bool = False) -> None:
        self.forgotten.append(path)


def test_a_worker_learns_the_run_retention_chunk_by_chunk(tmp_path):
    """A worker merging the `part` of each chunk it lints drops each file it may hold at the same position as
    the run's retention does (the files its chunks may inherit), whichever chunks it gets."""
    tree = _tree(tmp_path, copies=2)
    files = engine.discover([str(tree)])
    run = retention.Retention(files)
    size = 9
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    for mine in (chunks, chunks[::2], chunks[1::3]):
        whole, worker = _Recorder(), _Recorder()
        alone = retention.Retention(files)
        learnt = retention.Retention()
        held = set()
        for chunk in mine:
            index, last = run.part(chunk)
            held |= set(last)
            learnt.merge(index, last)
            for path in chunk:
                alone.after(whole, path)
                learnt.after(worker, path)
        assert held and set(worker.forgotten) == set(whole.forgotten) & held
        assert all(os.path.abspath(p) in held for p in sum(mine, []))


def test_the_names_a_config_may_inherit_are_found_from_each_py_end():
    """`retention._py_literals` finds every name the old search from each quote found (and on the shipped trees,
    nothing else): a name of 1 to 400 characters between quotes on one line, ending in `.py`."""
    import re

    old = re.compile(rb"""['"]([^'"\n]{1,400}?\.py)['"]""")
    texts = [p.read_bytes() for p in sorted((ROOT / "fixtures").rglob("*.py"))]
    texts += [b"_base_ = ['a.py', \"../b/c.py\"]\nx = 'not.pyc'\ny = \"'.py\"\nz = '.py'\n",
              b"s = '" + b"x" * 401 + b".py'\nt = '" + b"x" * 400 + b".py'\n", b"a = 'x\n.py'\n'a.py'b.py'"]
    for data in texts:
        found = set(retention._py_literals(data))
        assert set(old.findall(data)) <= found
        assert all(name.endswith(b".py") and b"\n" not in name and 4 <= len(name) <= 403 for name in found)


@pytest.mark.parametrize("delay", [0.3, 0.8])
def test_a_stopped_run_stops_its_workers_silently(tmp_path, delay):
    """SIGTERM (or Ctrl-C) stops the run, which stops its workers (forked with the parent's handlers: a worker
    stopped while importing printed the traceback of its initializer); no worker is left behind."""
    import signal
    import subprocess
    import sys
    import time

    tree = _tree(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "schedlint", "check", str(tree), "-j", "2", "--epoch-length", "100",
                             "--no-cache"], cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode in (0, 1, 128 + signal.SIGTERM)
    assert "Traceback" not in err and "Exception" not in err, err
    left = subprocess.run(["pgrep", "-f", f"schedlint check {tree}"], capture_output=True, text=True).stdout.split()
    assert not left


def test_progress_is_told_after_the_workers_are_forked(tmp_path, monkeypatch):
    """What shows progress may run a thread (rich's live display), which a fork must not copy: the files the cache
    answers are told once the workers are started, and every file is told once."""
    tree = _tree(tmp_path)
    monkeypatch.chdir(tree)
    check_paths([str(tree / "copy0")], _settings(tree, 1), cache=True)  # the cache holds a third of the tree
    told: List[str] = []
    at_start: List[int] = []
    real = workers.Workers.__init__
    monkeypatch.setattr(workers.Workers, "__init__",
                        lambda self, jobs, on_file=None: at_start.append(len(told)) or real(self, jobs, on_file))
    monkeypatch.setattr(workers.EarlyStart, "found", lambda self, count: None)  # (the cache is not empty)
    result = check_paths([str(tree)], _settings(tree, 2), progress=told.append, cache=True)
    assert at_start == [0]
    assert sorted(told) == sorted(result.files)
