"""`schedlint check`: exit codes, internal errors, and re-checking the configs that inherit an edited base."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schedlint.lint.engine import check_paths, dependents, project_root
from schedlint.cli import app
from schedlint.loader import Loader
from schedlint.rules import all_rules
from schedlint.lint.settings import Settings
from clirunner import run_cli  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "configs"

BAD = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[16, 22], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=1)
"""
GOOD = BAD.replace("end=12", "end=24")


def run(*args: str, cwd: os.PathLike = REPO) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd)


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


# ----------------------------------------------------------------------------------- exit codes


def test_exit_codes(tmp_path):
    write(tmp_path, {"good.py": GOOD, "bad.py": BAD})
    assert run("check", "good.py", cwd=tmp_path).returncode == 0
    assert run("check", "bad.py", cwd=tmp_path).returncode == 1
    assert run("check", "--exit-zero", "bad.py", cwd=tmp_path).returncode == 0
    missing = run("check", "nope.py", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == "schedlint: error: nope.py: no such file or directory\n"
    not_config = tmp_path / "notes.txt"
    not_config.write_text("hi")
    assert run("check", "notes.txt", cwd=tmp_path).returncode == 2
    assert run("check", "--epoch-length", "0", "bad.py", cwd=tmp_path).returncode == 2
    assert run("check", "--scope-root", "broken", "bad.py", cwd=tmp_path).returncode == 2


def test_default_path_is_the_working_directory(tmp_path):
    write(tmp_path, {"configs/bad.py": BAD})
    result = run("check", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("configs/bad.py:")


def test_an_internal_error_exits_2_and_the_other_files_are_still_checked(tmp_path, monkeypatch):
    write(tmp_path, {"a_crash.py": BAD, "b_bad.py": BAD, "c_good.py": GOOD})
    rule = all_rules()["SL001"]
    original = type(rule).check

    def explode(self, ctx):
        if ctx.plan.filename.endswith("a_crash.py"):
            raise RuntimeError("boom")
        return original(self, ctx)

    monkeypatch.setattr(type(rule), "check", explode)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "--output-format", "json", "."])
    assert result.exit_code == 2
    assert "a_crash.py: internal error in rule SL001 (milestone-unreached): RuntimeError: boom" in result.stderr
    findings = json.loads(result.stdout)
    # the crash is its own finding (in every format); the other rules of the same file still ran
    assert ("a_crash.py", "SL999") in {(Path(f["filename"]).name, f["code"]) for f in findings}
    assert {Path(f["filename"]).name for f in findings if f["code"] == "SL001"} == {"b_bad.py"}
    assert {Path(f["filename"]).name for f in findings if f["code"] != "SL001"} >= {"a_crash.py"}
    concise = CliRunner().invoke(app, ["check", "--output-format", "concise", "."])
    assert concise.exit_code == 2 and "All checks passed" not in concise.stdout and "SL999" in concise.stdout
    # --exit-zero does not hide a crash
    assert CliRunner().invoke(app, ["check", "--exit-zero", "-q", "."]).exit_code == 2


def test_internal_error_is_recorded_by_the_library(tmp_path, monkeypatch):
    write(tmp_path, {"a.py": BAD, "b.py": BAD})
    monkeypatch.setattr(type(all_rules()["SL002"]), "check", lambda self, ctx: (_ for _ in ()).throw(KeyError("k")))
    result = check_paths([str(tmp_path)], Settings())
    assert len(result.internal_errors) == 2 and all("KeyError" in e for e in result.internal_errors)
    assert result.files == [str(tmp_path / "a.py"), str(tmp_path / "b.py")]


# ----------------------------------------------------------------------------------- dependents

TREE = {
    "pyproject.toml": "[project]\nname = 'p'\n",
    "configs/_base_/schedules/sched.py": BAD.replace("max_epochs=24", "max_epochs=12").replace("[16, 22]", "[8, 11]"),
    "configs/_base_/runtime.py": "default_scope = 'mmdet'\n",
    # direct child: raises the milestones but keeps the base's end=12
    "configs/model/child.py": "_base_ = ['../_base_/schedules/sched.py', '../_base_/runtime.py']\n"
                              "_base_.param_scheduler[0].milestones = [16, 22]\n"
                              "train_cfg = dict(max_epochs=24)\n",
    # grandchild: inherits the child
    "configs/user/grandchild.py": "_base_ = '../model/child.py'\ntrain_cfg = dict(max_epochs=24, val_interval=2)\n",
    # unrelated config
    "configs/other/alone.py": GOOD,
    # not a config at all, mentions _base_ in a string
    "tools/train.py": "import sys\nprint('_base_')\n",
}


def test_project_root_is_the_nearest_marked_folder(tmp_path):
    write(tmp_path, TREE)
    assert project_root([str(tmp_path / "configs/_base_/schedules/sched.py")]) == str(tmp_path)
    lone = tmp_path / "x" / "y"
    lone.mkdir(parents=True)
    assert project_root([str(lone)]) == str(tmp_path)


def test_dependents_direct_and_transitive(tmp_path):
    write(tmp_path, TREE)
    universe = [str(p) for p in tmp_path.rglob("*.py")]
    base = str(tmp_path / "configs/_base_/schedules/sched.py")
    assert dependents(Loader(), [base], universe) == [
        str(tmp_path / "configs/model/child.py"),
        str(tmp_path / "configs/user/grandchild.py"),
    ]
    assert dependents(Loader(), [str(tmp_path / "configs/model/child.py")], universe) == [
        str(tmp_path / "configs/user/grandchild.py")
    ]
    assert dependents(Loader(), [str(tmp_path / "configs/other/alone.py")], universe) == []


def test_checking_an_edited_base_rechecks_the_configs_that_inherit_it(tmp_path):
    write(tmp_path, TREE)
    result = run("check", "--output-format", "json", "configs/_base_/schedules/sched.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == ["SL001"]
    assert findings[0]["filename"] == str(tmp_path / "configs/_base_/schedules/sched.py")
    assert sorted(Path(c).name for c in findings[0]["configs"]) == ["child.py", "grandchild.py"]
    concise = run("check", "--output-format", "concise", "configs/_base_/schedules/sched.py", cwd=tmp_path)
    assert "; 3 configs checked, 2 of them because they inherit a given file." in concise.stdout
    alone = run("check", "--no-dependents", "--output-format", "json", "configs/_base_/schedules/sched.py",
                cwd=tmp_path)
    assert alone.returncode == 0 and json.loads(alone.stdout) == []


def test_dependents_off_in_the_settings_file(tmp_path):
    write(tmp_path, {**TREE, "pyproject.toml": "[tool.schedlint]\ndependents = false\n"})
    off = run("check", "configs/_base_/schedules/sched.py", cwd=tmp_path)
    assert off.returncode == 0
    on = run("check", "--dependents", "configs/_base_/schedules/sched.py", cwd=tmp_path)
    assert on.returncode == 1


def test_a_folder_argument_does_not_pull_in_configs_outside_it(tmp_path):
    write(tmp_path, TREE)
    result = check_paths([str(tmp_path / "configs/_base_")], Settings())
    assert result.dependents == []
    assert all("/_base_/" in f for f in result.files)


def test_fixtures_base_schedule_reports_the_milestones_of_the_user_config():
    base = "fixtures/configs/_base_/schedules/schedule-1x.py"
    result = run("check", "--output-format", "json", base)
    assert result.returncode == 1, result.stderr
    sl001 = [f for f in json.loads(result.stdout) if f["code"] == "SL001"]
    user = str(FIXTURES / "user" / "faster-rcnn_1x-to-2x_milestones-16-23.py")
    assert len(sl001) == 1 and user in sl001[0]["configs"]
    assert sl001[0]["filename"] == str(FIXTURES / "_base_" / "schedules" / "schedule-1x.py")
    without = run("check", "--no-dependents", "--output-format", "json", base)
    assert not [f for f in json.loads(without.stdout) if f["code"] == "SL001"]


@pytest.mark.parametrize("flag", ["--dependents", "--no-dependents"])
def test_dependents_flag_is_accepted(tmp_path, flag):
    write(tmp_path, {"a.py": GOOD})
    assert run("check", flag, "a.py", cwd=tmp_path).returncode == 0


def test_show_reports_a_crashing_rule_and_exits_2(tmp_path, monkeypatch):
    write(tmp_path, {"a.py": BAD})
    monkeypatch.setattr(type(all_rules()["SL002"]), "check", lambda self, ctx: (_ for _ in ()).throw(KeyError("k")))
    out = run("show", "a.py", "--width", "100", cwd=tmp_path)
    assert out.returncode == 2
    assert "SL999" in out.stdout and "SL001" in out.stdout  # the crash and the other rules' findings


def test_fix_whose_write_fails_does_not_claim_a_fix(tmp_path, monkeypatch):
    import schedlint.fix.fileio as fileio

    write(tmp_path, {"a.py": BAD})

    def refuse(path, data, expect_mtime_ns=None):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fileio, "write_atomic", refuse)
    out = run("fix", "a.py", cwd=tmp_path)
    assert out.returncode == 2
    assert "cannot write" in out.stderr
    assert "Fixed" not in out.stdout and "Could not write 1 file" in out.stdout
    assert (tmp_path / "a.py").read_text() == BAD
