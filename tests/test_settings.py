"""`[tool.schedlint]` / schedlint.toml: discovery, validation, precedence (the command line wins)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from schedlint.lint.engine import Linter, check_paths
from schedlint.rules import all_rules
from clirunner import run_cli
from schedlint.lint.settings import (
    Settings,
    SettingsError,
    find_config_file,
    load_settings,
    resolve_settings,
)

MILESTONES = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[16, 22], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=1)
"""

# an iteration-counted cosine under an epoch loop: the verdict names the epoch length it used
ITER_COSINE = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=5000, by_epoch=False, begin=0, end=5000)]
train_cfg = dict(by_epoch=True, max_epochs=10)
"""

# a cosine that ends at epoch 14 of 20: a 30% frozen tail (SL004 above the 25% default threshold)
EARLY_END = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=14, by_epoch=True, begin=0, end=14, eta_min=0.001)]
train_cfg = dict(by_epoch=True, max_epochs=20)
"""


def write(root: Path, files: dict) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def run(*args: str, cwd: os.PathLike) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd)


def codes(result: subprocess.CompletedProcess) -> list:
    return [f["code"] for f in json.loads(result.stdout)]


# ----------------------------------------------------------------------------------- discovery


def test_nearest_file_upward_from_the_first_path(tmp_path):
    write(tmp_path, {
        "pyproject.toml": "[tool.schedlint]\nignore = ['SL001']\n",
        "sub/pyproject.toml": "[project]\nname = 'x'\n",  # no [tool.schedlint]: skipped
        "sub/deeper/configs/a.py": MILESTONES,
        "other/schedlint.toml": "ignore = ['SL3']\n",
    })
    assert find_config_file(str(tmp_path / "sub/deeper/configs/a.py")) == str(tmp_path / "pyproject.toml")
    assert find_config_file(str(tmp_path / "sub/deeper")) == str(tmp_path / "pyproject.toml")
    assert find_config_file(str(tmp_path / "other")) == str(tmp_path / "other/schedlint.toml")


def test_schedlint_toml_wins_over_pyproject_in_the_same_folder(tmp_path):
    write(tmp_path, {
        "pyproject.toml": "[tool.schedlint]\nignore = ['SL001']\n",
        "schedlint.toml": "epoch-length = 7\n",
        "a.py": MILESTONES,
    })
    assert find_config_file(str(tmp_path / "a.py")) == str(tmp_path / "schedlint.toml")
    settings = load_settings(find_config_file(str(tmp_path / "a.py")))
    assert settings.epoch_length == 7 and settings.ignore == []


def test_a_nearer_pyproject_beats_a_farther_schedlint_toml(tmp_path):
    write(tmp_path, {"schedlint.toml": "epoch-length = 7\n", "p/pyproject.toml": "[tool.schedlint]\nepoch-length = 9\n"})
    assert load_settings(find_config_file(str(tmp_path / "p"))).epoch_length == 9


def test_schedlint_toml_may_use_a_tool_table(tmp_path):
    write(tmp_path, {"schedlint.toml": "[tool.schedlint]\nepoch-length = 5\n"})
    assert load_settings(str(tmp_path / "schedlint.toml")).epoch_length == 5


def test_no_file_gives_defaults(tmp_path):
    write(tmp_path, {"a.py": MILESTONES})
    settings = resolve_settings([str(tmp_path / "a.py")])
    assert settings.source is None
    assert Settings().dependents is True and Settings().thresholds.tail_fraction == 0.25


def test_the_file_is_found_from_the_first_path_on_the_command_line(tmp_path):
    write(tmp_path, {
        "proj/pyproject.toml": "[tool.schedlint]\nignore = ['SL001']\n",
        "proj/configs/a.py": MILESTONES,
    })
    from_inside = run("check", "--output-format", "json", "configs/a.py", cwd=tmp_path / "proj")
    from_outside = run("check", "--output-format", "json", "proj/configs/a.py", cwd=tmp_path)
    assert from_inside.returncode == from_outside.returncode == 0
    assert codes(from_inside) == codes(from_outside) == []
    isolated = run("check", "--isolated", "--output-format", "json", "proj/configs/a.py", cwd=tmp_path)
    assert codes(isolated) == ["SL001"]


# ---------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "table,expected",
    [
        ("selct = ['SL0']", "pyproject.toml: unknown key 'selct' (did you mean 'select'?)"),
        ("[tool.schedlint.thresholds]\ntail-frac = 0.5", "pyproject.toml: unknown key 'thresholds.tail-frac'"),
        ("epoch-length = 'many'", "pyproject.toml: 'epoch-length': "),
        ("epoch-length = 0", "pyproject.toml: 'epoch-length': Input should be greater than 0"),
        ("select = ['SL998']", "pyproject.toml: unknown rule selector 'SL998' in 'select'"),
        ("[tool.schedlint.per-file-ignores]\n'a/*' = ['XY1']", "unknown rule selector 'XY1'"),
        ("[tool.schedlint.thresholds]\ntail-fraction = 2", "'thresholds.tail-fraction': Input should be less"),
        ("allow-exec = 'yes please'", "'allow-exec': Input should be a valid boolean"),
    ],
)
def test_invalid_settings_exit_2_naming_the_key(tmp_path, table, expected):
    head = "" if table.startswith("[") else "[tool.schedlint]\n"
    write(tmp_path, {"pyproject.toml": head + table + "\n", "a.py": MILESTONES})
    result = run("check", "a.py", cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    assert result.stderr.startswith("schedlint: error: "), result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_toml_is_reported_with_its_file(tmp_path):
    write(tmp_path, {"schedlint.toml": "select = [\n", "a.py": MILESTONES})
    result = run("check", "a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("schedlint: error: schedlint.toml: invalid TOML")


def test_explicit_config_file(tmp_path):
    write(tmp_path, {"custom.toml": "ignore = ['SL001']\n", "a.py": MILESTONES})
    assert run("check", "--config", "custom.toml", "a.py", cwd=tmp_path).returncode == 0
    missing = run("check", "--config", "nope.toml", "a.py", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.toml: no such file" in missing.stderr
    both = run("check", "--config", "custom.toml", "--isolated", "a.py", cwd=tmp_path)
    assert both.returncode == 2


def test_load_settings_raises_settings_error(tmp_path):
    write(tmp_path, {"pyproject.toml": "[tool.schedlint]\nselct = 1\n"})
    with pytest.raises(SettingsError, match="unknown key 'selct'"):
        load_settings(str(tmp_path / "pyproject.toml"))


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_threshold_must_be_a_finite_number(tmp_path, value):
    # a NaN threshold compares false with everything: its rule would silently never (or always) report
    write(tmp_path, {"pyproject.toml": f"[tool.schedlint.thresholds]\ntail-fraction = {value}\n"})
    with pytest.raises(SettingsError, match="finite number"):
        load_settings(str(tmp_path / "pyproject.toml"))


# ---------------------------------------------------------------------------------- precedence


@pytest.mark.parametrize(
    "file_settings,cli,expected",
    [
        ("select = ['SL3']", [], []),
        ("select = ['SL3']", ["--select", "SL001"], ["SL001"]),
        ("ignore = ['SL001']", [], []),
        ("ignore = ['SL001']", ["--extend-select", "SL001"], ["SL001"]),  # the later layer wins
        ("ignore = ['SL0']", ["--select", "SL0"], ["SL001"]),  # a CLI --select starts over
        ("", ["--ignore", "SL00"], []),
        ("extend-select = ['SL001']\nselect = ['SL9']", [], ["SL001"]),
        ("", ["--select", "sl001,SL9"], ["SL001"]),  # case-insensitive, comma-separated
    ],
)
def test_the_command_line_beats_the_file(tmp_path, file_settings, cli, expected):
    write(tmp_path, {"pyproject.toml": f"[tool.schedlint]\n{file_settings}\n", "a.py": MILESTONES})
    result = run("check", "--output-format", "json", *cli, "a.py", cwd=tmp_path)
    assert codes(result) == expected, result.stderr
    assert result.returncode == (1 if expected else 0)


def test_unknown_cli_selector_exits_2_naming_it(tmp_path):
    write(tmp_path, {"a.py": MILESTONES})
    for option in ("--select", "--ignore", "--extend-select"):
        result = run("check", option, "SL0,SL777", "a.py", cwd=tmp_path)
        assert result.returncode == 2
        assert f"unknown rule selector 'SL777' in {option}" in result.stderr


def test_epoch_length_file_cli_and_per_glob(tmp_path):
    write(tmp_path, {
        "pyproject.toml": """\
            [tool.schedlint]
            epoch-length = 100
            [tool.schedlint.epoch-length-per-glob]
            "configs/coco/*" = 250
        """,
        "configs/kitti/a.py": ITER_COSINE,
        "configs/coco/b.py": ITER_COSINE,
    })

    def messages(*cli):
        result = run("check", "--output-format", "json", *cli, "configs", cwd=tmp_path)
        return {Path(f["filename"]).name: f["message"] for f in json.loads(result.stdout)}

    by_file = messages()
    assert "[epoch length 100:" in by_file["a.py"]
    assert "[epoch length 250:" in by_file["b.py"]
    assert "[epoch length 50:" in messages("--epoch-length", "50")["a.py"]


def test_globs_are_relative_to_the_settings_file_not_the_working_directory(tmp_path):
    write(tmp_path, {
        "proj/pyproject.toml": "[tool.schedlint.per-file-ignores]\n'configs/legacy/*' = ['SL001']\n",
        "proj/configs/legacy/a.py": MILESTONES,
        "proj/configs/new/b.py": MILESTONES,
    })
    result = run("check", "--output-format", "json", "proj/configs", cwd=tmp_path)
    assert [Path(f["filename"]).name for f in json.loads(result.stdout)] == ["b.py"]
    settings = load_settings(str(tmp_path / "proj/pyproject.toml"))
    assert settings.ignored_for("SL001", [str(tmp_path / "proj/configs/legacy/a.py")])
    assert not settings.ignored_for("SL002", [str(tmp_path / "proj/configs/legacy/a.py")])
    assert settings.glob_matches(str(tmp_path / "proj/x/y.py"), "**/y.py")
    assert settings.glob_matches(str(tmp_path / "proj/x/y.py"), "y.py")


def test_per_file_ignores_apply_to_findings_of_the_config_that_inherits(tmp_path):
    write(tmp_path, {
        "pyproject.toml": "[tool.schedlint.per-file-ignores]\n'user/legacy_*' = ['SL001']\n",
        "base/schedule.py": MILESTONES.replace("max_epochs=24", "max_epochs=12").replace("[16, 22]", "[8, 11]"),
        "user/legacy_a.py": "_base_ = '../base/schedule.py'\n_base_.param_scheduler[0].milestones = [16, 22]\n"
                            "train_cfg = dict(max_epochs=24)\n",
        "user/new_b.py": "_base_ = '../base/schedule.py'\n_base_.param_scheduler[0].milestones = [16, 22]\n"
                         "train_cfg = dict(max_epochs=24)\n",
    })
    result = run("check", "--output-format", "json", "user", cwd=tmp_path)
    findings = json.loads(result.stdout)
    assert [f["code"] for f in findings] == ["SL001"]
    assert [Path(c).name for c in findings[0]["configs"]] == ["new_b.py"]


def test_thresholds_change_verdicts(tmp_path):
    write(tmp_path, {"a.py": EARLY_END})
    assert codes(run("check", "--output-format", "json", "--select", "SL004", "a.py", cwd=tmp_path)) == ["SL004"]
    write(tmp_path, {"pyproject.toml": "[tool.schedlint.thresholds]\ntail-fraction = 0.4\n"})
    assert codes(run("check", "--output-format", "json", "--select", "SL004", "a.py", cwd=tmp_path)) == []


def test_scope_roots_are_relative_to_the_settings_file(tmp_path):
    write(tmp_path, {
        "proj/pyproject.toml": "[tool.schedlint]\nscope-roots = { mmfoo = '../vendor/mmfoo-configs' }\n",
        "vendor/mmfoo-configs/_base_/schedule.py": MILESTONES,
        "proj/configs/a.py": "_base_ = 'mmfoo::_base_/schedule.py'\n",
    })
    settings = load_settings(str(tmp_path / "proj/pyproject.toml"))
    assert settings.scope_roots == {"mmfoo": str(tmp_path / "vendor/mmfoo-configs")}
    result = run("check", "--output-format", "json", "--no-dependents", "configs/a.py", cwd=tmp_path / "proj")
    assert codes(result) == ["SL001"]


def test_dependents_from_the_file_but_never_allow_exec(tmp_path):
    """A checked repository's own settings cannot turn execution on (issue 11): it is ignored, with a note."""
    write(tmp_path, {"pyproject.toml": "[tool.schedlint]\ndependents = false\nallow-exec = true\n"})
    settings = load_settings(str(tmp_path / "pyproject.toml"))
    assert settings.dependents is False and settings.allow_exec is False
    assert any("allow-exec = true; ignored" in note for note in settings.notes)
    assert settings.with_overrides(dependents=True).dependents is True
    assert settings.with_overrides(dependents=None).dependents is False


def test_enabled_codes_layers():
    codes_ = list(all_rules())
    base = Settings(select=["SL0"], ignore=["SL001"])
    assert "SL001" not in base.enabled_codes(codes_) and "SL002" in base.enabled_codes(codes_)
    assert "SL301" not in base.enabled_codes(codes_)
    cli = base.with_overrides(extend_select=["SL001", "SL3"])
    assert {"SL001", "SL301"} <= set(cli.enabled_codes(codes_))
    assert base.with_overrides(select=["ALL"], ignore=["SL9"]).enabled_codes(codes_) == [
        c for c in codes_ if not c.startswith("SL9")
    ]


def test_library_api_uses_settings(tmp_path):
    write(tmp_path, {"a.py": MILESTONES})
    assert [f.code for f in check_paths([str(tmp_path)], Settings()).findings] == ["SL001"]
    assert check_paths([str(tmp_path)], Settings(ignore=["SL001"])).findings == []
    assert Linter(Settings(epoch_length=3)).epoch_length_for(str(tmp_path / "a.py")) == 3
