"""Golden tests for `schedlint fix`: tests/fix_cases/<case>/input (a tree) -> expected (the files
that change, byte for byte); every other file must stay as it is.

`case.json` gives the command line (run in the copied tree), the exit code, the findings the fix
answers (per config, which `check` must not report afterwards) and the schedule mmengine's
`Config.fromfile` must load from the fixed configs (a subset of keys per scheduler). Its optional
`from_fixtures` lists files of the input tree taken from fixtures/ (same relative path) rather than
kept twice in the repository.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Dict

import pytest
from typer.testing import CliRunner

from schedlint.lint.engine import Linter, check_paths
from schedlint.cli import app
from schedlint.lint.settings import Settings

CASES_DIR = Path(__file__).parent / "fix_cases"
FIXTURES_DIR = Path(__file__).parent.parent / "fixtures"
CASES = sorted(p for p in CASES_DIR.iterdir() if p.is_dir())


def _snapshot(root: Path) -> Dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _spec(case: Path) -> dict:
    return json.loads((case / "case.json").read_text(encoding="utf-8"))


def _copy_input(case: Path, tree: Path) -> None:
    """The case's input tree, with the files it takes from fixtures/."""
    shutil.copytree(case / "input", tree)
    for rel in _spec(case).get("from_fixtures", []):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES_DIR / rel, tree / rel)


def _run(tree: Path, args, monkeypatch):
    monkeypatch.chdir(tree)
    return CliRunner().invoke(app, ["fix", *args], catch_exceptions=False)


@pytest.fixture
def fixed_tree(tmp_path, request, monkeypatch):
    case: Path = request.param
    tree = tmp_path / "tree"
    _copy_input(case, tree)
    before = _snapshot(tree)
    result = _run(tree, _spec(case)["args"], monkeypatch)
    return case, tree, before, result


@pytest.mark.parametrize("fixed_tree", CASES, ids=[c.name for c in CASES], indirect=True)
def test_fix_gives_the_expected_files(fixed_tree):
    case, tree, before, result = fixed_tree
    spec = _spec(case)
    assert result.exit_code == spec.get("exit", 0), result.output
    after = _snapshot(tree)
    expected = _snapshot(case / "expected") if (case / "expected").is_dir() else {}
    assert expected, f"{case.name}: a golden case must change something"
    assert set(after) == set(before), "fix must not create or delete files"
    for rel, data in after.items():
        if rel in expected:
            assert data.decode("utf-8") == expected[rel].decode("utf-8"), f"{rel} differs from expected/{rel}"
            assert data == expected[rel], f"{rel}: line endings differ from expected/{rel}"
        else:
            assert data == before[rel], f"{rel} should not have changed"


@pytest.mark.parametrize("fixed_tree", CASES, ids=[c.name for c in CASES], indirect=True)
def test_fix_is_idempotent(fixed_tree, monkeypatch):
    case, tree, _, _ = fixed_tree
    args = _spec(case)["args"]
    after = _snapshot(tree)
    again = _run(tree, args, monkeypatch)
    assert _snapshot(tree) == after, again.output
    pending = _run(tree, ["--diff", *args], monkeypatch)
    assert pending.exit_code == 0, pending.output
    assert not pending.stdout.strip(), pending.stdout


@pytest.mark.parametrize("fixed_tree", CASES, ids=[c.name for c in CASES], indirect=True)
def test_check_no_longer_reports_the_fixed_findings(fixed_tree):
    case, tree, _, _ = fixed_tree
    spec = _spec(case)
    epoch_length = None
    if "--epoch-length" in spec["args"]:
        epoch_length = int(spec["args"][spec["args"].index("--epoch-length") + 1])
    for config, codes in spec["fixed"].items():
        path = os.fspath(tree / config)
        findings = Linter(Settings(epoch_length=epoch_length)).lint_file(path)
        left = [f"{f.code} {f.message}" for f in findings if f.code in codes]
        assert not left, left
        result = check_paths([path], Settings(epoch_length=epoch_length, dependents=False))
        assert not [f for f in result.findings if f.code in codes]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fix_diff_reports_pending_changes_and_writes_nothing(case, tmp_path, monkeypatch):
    tree = tmp_path / "tree"
    _copy_input(case, tree)
    before = _snapshot(tree)
    result = _run(tree, ["--diff", *_spec(case)["args"]], monkeypatch)
    assert result.exit_code == 1, result.output
    assert _snapshot(tree) == before
    for rel in _snapshot(case / "expected"):
        assert f"+++ b/{rel}" in result.stdout


def _close(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("fixed_tree", CASES, ids=[c.name for c in CASES], indirect=True)
def test_fixed_configs_load_in_mmengine_to_the_expected_schedule(fixed_tree):
    config_mod = pytest.importorskip("mmengine.config")
    case, tree, _, _ = fixed_tree
    for config, expected in _spec(case)["schedule"].items():
        cfg = config_mod.Config.fromfile(os.fspath(tree / config), import_custom_modules=False)
        schedulers = cfg.to_dict()["param_scheduler"]
        assert len(schedulers) == len(expected), schedulers
        for got, want in zip(schedulers, expected):
            for key, value in want.items():
                assert key in got and _close(got[key], value), f"{config}: {key}={got.get(key)!r}, expected {value!r}"
