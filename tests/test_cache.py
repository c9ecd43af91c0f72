"""The persistent findings cache: hits on unchanged trees, exact invalidation along `_base_` chains,
findings equal to a `--no-cache` run, a git-ignored folder, safe when damaged or shared."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import List

import pytest

from clirunner import run_cli
from schedlint.lint import engine
from schedlint.lint.cache import DEFAULT_DIR, FindingsCache, cache_dir_for
from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings, load_settings

SCHEDULE_12E = """\
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
"""
RUNTIME = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
TREE = {
    "_base_/schedule_12e.py": SCHEDULE_12E,
    "_base_/runtime.py": RUNTIME,
    # inherits the schedule, trains twice as long: the milestones are never reached
    "det/a_24e.py": "_base_ = ['../_base_/schedule_12e.py', '../_base_/runtime.py']\n"
                    "train_cfg = dict(max_epochs=24)\n",
    "det/b_12e.py": "_base_ = ['../_base_/schedule_12e.py', '../_base_/runtime.py']\n",
    # does not inherit the schedule
    "seg/c.py": RUNTIME + "param_scheduler = [dict(type='PolyLR', eta_min=0, power=1.0, begin=0, end=20,\n"
                          "                        by_epoch=True)]\n"
                          "train_cfg = dict(by_epoch=True, max_epochs=40, val_interval=1)\n",
}


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def linted(monkeypatch) -> List[str]:
    """The files actually linted (not served from the cache) during a test."""
    calls: List[str] = []
    original = engine.Linter.lint_file

    def spy(self, path):
        calls.append(os.path.relpath(path))
        return original(self, path)

    monkeypatch.setattr(engine.Linter, "lint_file", spy)
    return calls


def _settings(root: Path) -> Settings:
    (root / "schedlint.toml").write_text("epoch-length = 100\n")
    return load_settings(str(root / "schedlint.toml"))


def _shape(result) -> list:
    return [(f.code, f.location.file, f.location.line, f.message, sorted(f.configs),
             None if f.fix is None else (f.fix.applicability, [(e.file, e.content, tuple(e.location),
                                                                tuple(e.end_location)) for e in f.fix.edits]))
            for f in result.findings]


def test_second_run_is_served_from_the_cache_and_equal(tmp_path, monkeypatch, linted):
    write(tmp_path, TREE)
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    cold = check_paths(["."], settings, cache=True)
    assert len(linted) == 5 and cold.findings, "the stale horizon of a_24e.py is a finding"
    linted.clear()
    warm = check_paths(["."], settings, cache=True)
    assert linted == []
    assert _shape(warm) == _shape(cold)
    fresh = check_paths(["."], settings, cache=False)
    assert _shape(fresh) == _shape(cold)
    ignore = tmp_path / DEFAULT_DIR / ".gitignore"
    assert ignore.read_text().splitlines()[-1] == "*"


def test_editing_a_base_recomputes_only_its_inheritors(tmp_path, monkeypatch, linted):
    write(tmp_path, TREE)
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    check_paths(["."], settings, cache=True)
    linted.clear()
    # same size, so only the content hash can tell (the mtime changes, and is not trusted alone)
    base = tmp_path / "_base_" / "schedule_12e.py"
    edited = SCHEDULE_12E.replace("end=12, by_epoch=True, milestones=[8, 11]", "end=24, by_epoch=True, milestones=[8, 11]")
    assert len(edited) == len(SCHEDULE_12E)
    base.write_text(edited)
    after = check_paths(["."], settings, cache=True)
    assert sorted(linted) == sorted([os.path.join("_base_", "schedule_12e.py"), os.path.join("det", "a_24e.py"),
                                     os.path.join("det", "b_12e.py")])
    assert _shape(after) == _shape(check_paths(["."], settings, cache=False))


def test_a_cold_run_opens_each_file_once(tmp_path, monkeypatch):
    # the content hashes the entries are keyed by come from the run's own reads, not from reading every
    # config and base a second time
    from schedlint.loader import files

    write(tmp_path, TREE)
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    opened: List[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        if str(path).endswith(".py"):
            opened.append(os.path.relpath(path))
        return real_open(path, *args, **kwargs)

    at_save: List[str] = []
    real_save = FindingsCache.save

    def save(self):
        at_save.extend(opened)
        return real_save(self)

    monkeypatch.setattr(files.os, "open", spy)
    monkeypatch.setattr(FindingsCache, "save", save)
    check_paths(["."], settings, cache=True)
    # (what is opened after that is the `noqa` check reading the files that have findings)
    assert sorted(at_save) == sorted(os.path.normpath(name) for name in TREE)
    saved = json.loads(next((tmp_path / DEFAULT_DIR).glob("findings-*.json")).read_text())["entries"]
    digests = {dep: digest for entry in saved.values() for dep, digest, _, _ in entry["deps"]}
    assert digests == {str(tmp_path / name): files.content_hash((tmp_path / name).read_bytes()) for name in TREE}


def test_a_base_edited_while_the_run_reads_it_is_linted_again_next_time(tmp_path, monkeypatch):
    # the entries hold the hash of the bytes their findings came from: a base changed after the run read it
    # is not taken for the content the run linted
    write(tmp_path, TREE)
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    base = tmp_path / "_base_" / "schedule_12e.py"
    edited = SCHEDULE_12E.replace("max_epochs=12", "max_epochs=24")
    original = engine.Linter.lint_file

    def edit_after_reading(self, path):
        found = original(self, path)
        if path.endswith("a_24e.py"):
            base.write_text(edited)
        return found

    monkeypatch.setattr(engine.Linter, "lint_file", edit_after_reading)
    # (the bases are outside the folder checked: read by the loader, not by the folder walk)
    first = check_paths(["det"], settings, cache=True)
    monkeypatch.setattr(engine.Linter, "lint_file", original)
    after = check_paths(["det"], settings, cache=True)
    fresh = check_paths(["det"], settings, cache=False)
    assert _shape(after) == _shape(fresh) != _shape(first)


def test_touching_a_file_without_changing_it_keeps_the_entry(tmp_path, monkeypatch, linted):
    write(tmp_path, TREE)
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    check_paths(["."], settings, cache=True)
    linted.clear()
    base = tmp_path / "_base_" / "runtime.py"
    os.utime(base, ns=(1, 1))
    check_paths(["."], settings, cache=True)
    assert linted == []


def test_settings_that_change_findings_are_part_of_the_key(tmp_path, monkeypatch, linted):
    write(tmp_path, TREE)
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    check_paths(["."], settings, cache=True)
    linted.clear()
    check_paths(["."], settings.with_overrides(epoch_length=7), cache=True)
    assert len(linted) == 5
    linted.clear()
    check_paths(["."], settings.with_overrides(gpus=4), cache=True)  # feeds the epoch-length estimate
    assert len(linted) == 5
    linted.clear()
    # selection is applied after the cache: no relint
    narrowed = check_paths(["."], settings.with_overrides(select=["SL2"]), cache=True)
    assert linted == [] and all(f.code.startswith("SL2") for f in narrowed.findings)


def test_cache_dir_setting_is_relative_to_the_settings_file(tmp_path, monkeypatch):
    write(tmp_path, TREE)
    (tmp_path / "schedlint.toml").write_text("cache-dir = 'build/lint-cache'\n")
    monkeypatch.chdir(tmp_path / "det")
    settings = load_settings(str(tmp_path / "schedlint.toml"))
    assert cache_dir_for(settings) == str(tmp_path / "build" / "lint-cache")
    check_paths(["."], settings, cache=True)
    assert (tmp_path / "build" / "lint-cache" / ".gitignore").exists()
    assert not (tmp_path / "det" / DEFAULT_DIR).exists()


def test_a_damaged_cache_file_is_ignored(tmp_path, monkeypatch, linted):
    write(tmp_path, TREE)
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    cold = check_paths(["."], settings, cache=True)
    for path in (tmp_path / DEFAULT_DIR).glob("findings-*.json"):
        path.write_text('{"format": 1, "entries": {"' + str(tmp_path / "det" / "a_24e.py") + '": {"deps": 3}}')
    linted.clear()
    again = check_paths(["."], settings, cache=True)
    assert len(linted) == 5 and _shape(again) == _shape(cold)


def test_concurrent_writers_merge_instead_of_clobbering(tmp_path):
    target = tmp_path / "a.py"
    target.write_text("x = 1\n")
    other = tmp_path / "b.py"
    other.write_text("y = 1\n")
    first = FindingsCache(str(tmp_path / "cache"), "k")
    second = FindingsCache(str(tmp_path / "cache"), "k")  # both opened before either saved
    first.put(str(target), [], [str(target)])
    second.put(str(other), [], [str(other)])
    first.save()
    second.save()
    reread = FindingsCache(str(tmp_path / "cache"), "k")
    assert reread.get(str(target)) == [] and reread.get(str(other)) == []
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".tmp-")]


def test_cli_no_cache_writes_nothing_and_reports_the_same(tmp_path):
    write(tmp_path, TREE)
    (tmp_path / "schedlint.toml").write_text("epoch-length = 100\n")
    plain = run_cli("check", ".", "--output-format", "json", "--no-cache", cwd=tmp_path)
    assert not (tmp_path / DEFAULT_DIR).exists()
    cached = [run_cli("check", ".", "--output-format", "json", cwd=tmp_path) for _ in range(2)]
    assert (tmp_path / DEFAULT_DIR).is_dir()
    assert plain.returncode == cached[0].returncode == cached[1].returncode == 1
    assert json.loads(plain.stdout) == json.loads(cached[0].stdout) == json.loads(cached[1].stdout)


def test_entries_of_deleted_configs_are_dropped(tmp_path, monkeypatch):
    write(tmp_path, TREE)
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    check_paths(["."], settings, cache=True)
    (tmp_path / "seg" / "c.py").unlink()
    (tmp_path / "det" / "b_12e.py").write_text(TREE["det/b_12e.py"] + "\n")  # something to save
    check_paths(["."], settings, cache=True)
    stored = json.loads(next((tmp_path / DEFAULT_DIR).glob("findings-*.json")).read_text())
    assert str(tmp_path / "seg" / "c.py") not in stored["entries"]
    assert str(tmp_path / "det" / "b_12e.py") in stored["entries"]


def test_a_repository_cannot_point_the_cache_outside_the_project(tmp_path):
    from types import SimpleNamespace

    from schedlint.lint.cache import DEFAULT_DIR, cache_dir_for

    project = tmp_path / "project"
    project.mkdir()
    for hostile in ("/etc", "../..", str(tmp_path / "elsewhere")):
        settings = SimpleNamespace(base_dir=str(project), cache_dir=hostile)
        assert cache_dir_for(settings) == str(project / DEFAULT_DIR), hostile
    inside = SimpleNamespace(base_dir=str(project), cache_dir="build/lint-cache")
    assert cache_dir_for(inside) == os.path.realpath(project / "build" / "lint-cache")


def test_the_fixes_of_a_config_checked_alone_take_which_file_inherits_which_from_the_cache(tmp_path, monkeypatch):
    # `check ONE` keeps in the cache what each file of the project inherits; the fix it attaches (verified
    # on the configs inheriting ONE) asks the same cache instead of reading the project's files again
    from schedlint.fix import attach_fixes
    from schedlint.lint import inherit

    write(tmp_path, TREE)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    monkeypatch.chdir(tmp_path)
    settings = _settings(tmp_path)
    leaf = str(tmp_path / "det" / "a_24e.py")
    check_paths([leaf], settings, on_file=attach_fixes, cache=True)
    with open(leaf, "a") as fh:
        fh.write("# edited\n")
    asked: List[str] = []
    real = inherit._names
    monkeypatch.setattr(inherit, "_names", lambda path: asked.append(os.path.relpath(path)) or real(path))
    result = check_paths([leaf], settings, on_file=attach_fixes, cache=True)
    assert any(f.fix is not None for f in result.findings)
    assert asked == []  # (the edited file is the one asked about; every other file is unchanged)
