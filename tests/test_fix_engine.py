"""`schedlint fix` behaviour beyond the golden cases: what is (not) edited, safety refusals,
options, exit codes, odd files, and that `check` stays light."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schedlint.fix import attach_fixes
from schedlint.lint.engine import Linter
from schedlint.cli import app
from schedlint.fix.engine import _write, fix_paths
from schedlint.fix.propose import FixOptions, installed_file
from schedlint.fix.cst import apply_text_edits as apply_edits
from schedlint.lint.settings import Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

SCHEDULE_1X = """\
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
"""

LEAF_2X = """\
_base_ = './base.py'
_base_.param_scheduler[1].milestones = [16, 23]
train_cfg = dict(max_epochs=24)
"""


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def invoke(root: Path, *args: str, monkeypatch):
    monkeypatch.chdir(root)
    return CliRunner().invoke(app, ["fix", *args], catch_exceptions=False)


# ---------------------------------------------------------------------------------------------
# check carries the fix; check stays light


def test_check_json_carries_the_fix_fix_would_apply(tmp_path, monkeypatch):
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": LEAF_2X})
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(app, ["check", "leaf.py", "--output-format", "json", "--epoch-length", "100"])
    findings = [f for f in json.loads(out.stdout) if f["code"] == "SL001"]
    assert len(findings) == 1
    fix = findings[0]["fix"]
    assert fix["applicability"] == "safe"
    assert "end from 12 to 24" in fix["message"]
    (edit,) = fix["edits"]
    assert edit["filename"].endswith("leaf.py") and edit["content"] == "_base_.param_scheduler[1].end = 24\n"
    # the edits shown by check are the ones fix writes
    linter = Linter(Settings(epoch_length=100), on_file=attach_fixes)
    finding = next(f for f in linter.lint_file(os.fspath(tmp_path / "leaf.py")) if f.code == "SL001")
    expected = apply_edits(LEAF_2X, finding.fix.edits, os.fspath(tmp_path / "leaf.py"))
    assert invoke(tmp_path, "leaf.py", "--epoch-length", "100", monkeypatch=monkeypatch).exit_code == 0
    assert (tmp_path / "leaf.py").read_text() == expected


def test_check_full_output_says_what_fix_would_do(tmp_path, monkeypatch):
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": "_base_ = './base.py'\ntrain_cfg = dict(max_epochs=24)\n"})
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(app, ["check", "leaf.py", "--epoch-length", "100"])
    assert "schedlint fix --rescale" in out.stdout and "rescale the schedule from 12 to 24 epochs" in out.stdout


_IMPORT_PROBE = """
import sys
from schedlint.fix import attach_fixes
from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings
result = check_paths([sys.argv[1]], Settings(epoch_length=100), on_file=attach_fixes)
print(len(result.findings), sum(1 for f in result.findings if f.fix is not None), 'libcst' in sys.modules)
"""


@pytest.mark.parametrize("fixable", [False, True])
def test_check_imports_libcst_only_for_fixable_findings(tmp_path, fixable):
    """`check` stays light: libcst is imported only to compute a fix it shows."""
    leaf = LEAF_2X if fixable else "_base_ = './base.py'\n"
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": leaf})
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, os.fspath(tmp_path / "leaf.py")],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    findings, with_fix, imported = out.stdout.split()
    if not fixable:
        assert imported == "False"
    assert (int(with_fix) > 0) == fixable


# ---------------------------------------------------------------------------------------------
# options and applicability


def test_rescale_and_unsafe_fixes_need_their_option(tmp_path, monkeypatch):
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    user = tmp_path / "fixtures/configs/user"
    targets = ["fixtures/configs/user/pointpillars_cyclic-20e_to-40e.py",
               "fixtures/configs/user/second_cyclic-linear-40e_poly-port.py"]
    before = {t: (tmp_path / t).read_bytes() for t in targets}
    plain = invoke(tmp_path, *targets, "--no-dependents", monkeypatch=monkeypatch)
    assert plain.exit_code == 1
    assert {t: (tmp_path / t).read_bytes() for t in targets} == before
    assert "--unsafe-fixes" in plain.stdout and "--rescale" in plain.stdout
    invoke(tmp_path, *targets, "--no-dependents", "--unsafe-fixes", monkeypatch=monkeypatch)
    assert "eta_min=0.85," in (user / "second_cyclic-linear-40e_poly-port.py").read_text()
    seed = (tmp_path / targets[0]).read_text()  # the momentum fix wrote the list into the leaf ...
    assert "eta_min_ratio=1," in seed and "end=40" not in seed  # ... not rescaled: no --rescale
    rescaled = invoke(tmp_path, *targets, "--no-dependents", "--rescale", monkeypatch=monkeypatch)
    seed = (tmp_path / targets[0]).read_text()  # the copied 20-epoch positions are still rescaled
    assert seed.count("end=40") == 2 and seed.count("end=16") == 2, rescaled.stdout
    assert rescaled.exit_code == 0, rescaled.stdout


def test_select_limits_what_is_fixed(tmp_path, monkeypatch):
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": LEAF_2X})
    result = invoke(tmp_path, "leaf.py", "--select", "SL005", monkeypatch=monkeypatch)
    assert result.exit_code == 0
    assert (tmp_path / "leaf.py").read_text() == LEAF_2X


def test_noqa_suppressed_finding_is_not_fixed(tmp_path, monkeypatch):
    leaf = LEAF_2X.replace("train_cfg = dict(max_epochs=24)", "train_cfg = dict(max_epochs=24)  # noqa: SL001")
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": leaf})
    invoke(tmp_path, "leaf.py", "--epoch-length", "100", monkeypatch=monkeypatch)
    assert (tmp_path / "leaf.py").read_text() == textwrap.dedent(leaf)


def test_diff_exit_codes(tmp_path, monkeypatch):
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": LEAF_2X})
    pending = invoke(tmp_path, "leaf.py", "--diff", monkeypatch=monkeypatch)
    assert pending.exit_code == 1
    assert "+_base_.param_scheduler[1].end = 24" in pending.stdout
    assert (tmp_path / "leaf.py").read_text() == LEAF_2X
    clean = invoke(tmp_path, "base.py", "--diff", "--no-dependents", monkeypatch=monkeypatch)
    assert clean.exit_code == 0 and clean.stdout == ""
    # --exit-zero: the diff is shown and the exit is 0, as for check (ruff's --exit-zero)
    zero = invoke(tmp_path, "leaf.py", "--diff", "--exit-zero", monkeypatch=monkeypatch)
    assert zero.exit_code == 0 and "+_base_.param_scheduler[1].end = 24" in zero.stdout


def test_show_fixes_lists_applied_and_refused(tmp_path, monkeypatch):
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": LEAF_2X})
    result = invoke(tmp_path, "leaf.py", "--show-fixes", monkeypatch=monkeypatch)
    assert "fixed leaf.py: SL001 extend end from 12 to 24" in result.stdout
    assert "Fixed 1 finding in 1 file (0 remaining)." in result.stdout


# ---------------------------------------------------------------------------------------------
# where edits go


def test_shared_base_used_as_is_elsewhere_is_not_edited(tmp_path, monkeypatch):
    """The base is passed (the whole folder) but another config uses it as it is: leaf override."""
    write(tmp_path, {
        "base.py": SCHEDULE_1X,
        "leaf.py": LEAF_2X,
        "other_1x.py": "_base_ = './base.py'\n",
    })
    result = invoke(tmp_path, ".", "--show-fixes", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.stdout
    assert (tmp_path / "base.py").read_text() == SCHEDULE_1X
    assert "_base_.param_scheduler[1].end = 24" in (tmp_path / "leaf.py").read_text()
    assert "would also change the schedule of" in result.stdout


def test_files_of_installed_packages_are_never_edited(tmp_path, monkeypatch):
    package = tmp_path / "venv/lib/python3.11/site-packages/mmfake/.mim/configs"
    write(package, {"steps.py": SCHEDULE_1X.replace("end=12", "end=12").replace("[8, 11]", "[16, 22]")
                    .replace("max_epochs=12", "max_epochs=24")})
    assert installed_file(os.fspath(package / "steps.py"))
    write(tmp_path, {"leaf.py": f"_base_ = '{package / 'steps.py'}'\n"})
    result = invoke(tmp_path, ".", "--epoch-length", "100", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.stdout
    assert "end=12" in (package / "steps.py").read_text()
    assert "end=24" in (tmp_path / "leaf.py").read_text()


def test_configs_not_passed_are_not_edited(tmp_path, monkeypatch):
    """Passing the base re-checks the configs that inherit it, but only passed files are edited."""
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": LEAF_2X})
    result = invoke(tmp_path, "base.py", "--show-fixes", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert (tmp_path / "leaf.py").read_text() == LEAF_2X
    assert (tmp_path / "base.py").read_text() == SCHEDULE_1X


def test_loop_written_values_are_not_edited_in_place(tmp_path, monkeypatch):
    """`sched.end = 24` in a loop sets two schedulers; T_max of each is fixed without touching it."""
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    target = "fixtures/configs/user/pointpillars_cyclic-20e_decay-end-24.py"
    original = (tmp_path / target).read_text()
    result = invoke(tmp_path, target, "--no-dependents", "--select", "SL005", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.stdout
    text = (tmp_path / target).read_text()
    assert text.startswith(original)  # the loop is kept as written, the override comes after
    assert text.count("T_max=16") == 2


def test_crlf_file_gets_crlf_lines_only(tmp_path, monkeypatch):
    write(tmp_path, {"base.py": SCHEDULE_1X})
    (tmp_path / "leaf.py").write_bytes(b"_base_ = './base.py'\r\ntrain_cfg = dict(max_epochs=18)\r\n")
    invoke(tmp_path, "leaf.py", "--rescale", "--epoch-length", "100", monkeypatch=monkeypatch)
    data = (tmp_path / "leaf.py").read_bytes()
    assert b"milestones=[12, 17]" in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_utf8_bom_and_non_ascii_columns(tmp_path, monkeypatch):
    """A non-ASCII character before the value on the same line (ast columns are UTF-8 bytes)."""
    text = ("\ufeff# réglage\r\n"
            "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\r\n"
            "ça = 1; param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min=0, by_epoch=True)]\r\n"
            "train_cfg = dict(by_epoch=True, max_epochs=24)\r\n")
    (tmp_path / "config.py").write_bytes(text.encode("utf-8"))
    result = invoke(tmp_path, "config.py", "--epoch-length", "10", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.stdout
    assert (tmp_path / "config.py").read_bytes() == text.replace("T_max=12", "T_max=24").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# safety


def test_a_file_changed_on_disk_meanwhile_is_not_written(tmp_path):
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": LEAF_2X})
    result = fix_paths([os.fspath(tmp_path / "leaf.py")], Settings(), FixOptions(), write=False)
    assert list(result.changes) == [os.fspath(tmp_path / "leaf.py")]
    (tmp_path / "leaf.py").write_text(LEAF_2X + "# edited by someone else\n")
    os.utime(tmp_path / "leaf.py", ns=(1, 1))
    _write(result)
    assert result.write_errors and "changed on disk" in result.write_errors[0]
    assert (tmp_path / "leaf.py").read_text().endswith("# edited by someone else\n")


def test_a_fix_that_would_introduce_an_error_is_refused(tmp_path, monkeypatch):
    """The verifier re-lints the edited text: a (deliberately wrong) fix making end == begin is
    refused with the error it would cause, and nothing is written."""
    import schedlint.fix.propose as propose
    from schedlint.fix import transforms

    def broken_stale_end(ctx, finding):
        t = transforms.stale_end(ctx, finding)
        for change in t.changes.values():
            change.new["end"] = change.new.get("begin", 0)
        return t

    monkeypatch.setattr(propose, "stale_end", broken_stale_end)
    write(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": LEAF_2X})
    result = fix_paths([os.fspath(tmp_path / "leaf.py")], Settings(epoch_length=100), FixOptions())
    assert not result.applied and not result.changes
    (refused,) = result.refused
    assert refused.kind == "stale-end" and "would get SL3" in refused.reason
    assert (tmp_path / "leaf.py").read_text() == LEAF_2X


def test_broken_files_do_not_crash_fix(tmp_path, monkeypatch):
    shutil.copytree(FIXTURES / "broken", tmp_path / "broken")
    before = {p: p.read_bytes() for p in (tmp_path / "broken").iterdir()}
    result = invoke(tmp_path, "broken", monkeypatch=monkeypatch)
    assert result.exit_code == 1, result.stdout
    assert "SL901" in result.stdout and "SL906" in result.stdout
    assert {p: p.read_bytes() for p in (tmp_path / "broken").iterdir()} == before
    assert not os.path.exists("/tmp/schedlint-pwned")


def test_whole_fixture_tree_every_option_twice(tmp_path, monkeypatch):
    """All fixes on the example project: no internal error, fixed configs still load in mmengine,
    and a second run changes nothing."""
    shutil.copytree(FIXTURES, tmp_path / "fixtures")
    args = ["fixtures", "--rescale", "--cosine", "--unsafe-fixes", "--show-fixes"]
    first = invoke(tmp_path, *args, monkeypatch=monkeypatch)
    assert "internal error" not in first.output
    changed = [p for p in (tmp_path / "fixtures").rglob("*.py")
               if p.read_bytes() != (FIXTURES / p.relative_to(tmp_path / "fixtures")).read_bytes()]
    assert len(changed) >= 6
    snapshot = {p: p.read_bytes() for p in (tmp_path / "fixtures").rglob("*.py")}
    second = invoke(tmp_path, *args, monkeypatch=monkeypatch)
    assert {p: p.read_bytes() for p in (tmp_path / "fixtures").rglob("*.py")} == snapshot, second.stdout
    config = pytest.importorskip("mmengine.config")
    for path in changed:
        cfg = config.Config.fromfile(os.fspath(path), import_custom_modules=False)
        assert cfg.get("param_scheduler") is not None
