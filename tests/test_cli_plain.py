"""The plain `check` path: a `schedlint check ...` command line parsed without typer (the pre-commit
call), held to what typer makes of the same line, and a warm run that imports neither typer, pydantic
nor numpy. Settings checked without pydantic keep pydantic's messages and coercions."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import schedlint.cli.plain as plain
from schedlint.cli import app
from schedlint.cli.plain import DEFAULTS, parse_check
from schedlint.lint.settings import Settings, SettingsError, Thresholds, load_settings
from schedlint.rules import RULE_CODES, all_rules, rule_codes

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[16, 22], gamma=0.1)]
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=1)
"""

# the words command lines are made of: every option of `check`, odd values, paths
TOKENS = [
    "a.py", "dir", "b c.py", "--output-format", "json", "--output-format=concise", "--output-file", "out.txt",
    "-o", "-oout.txt", "--select", "SL0", "--select=SL001,SL002", "--ignore", "SL1", "--extend-select", "SL9",
    "--epoch-length", "100", "--epoch-length=7", "--scope-root", "mmdet=/x", "--gpus", "8", "--batch-size", "2",
    "--exclude", "tests/", "--extend-exclude", "x*", "--allow-exec", "--no-allow-exec", "--dependents",
    "--no-dependents", "--config", "s.toml", "--isolated", "--exit-zero", "--statistics", "--quiet", "-q",
    "--jobs", "2", "-j", "-j3", "--no-cache", "0", "-1", "04", "+4", "4.0", "--", "-", "", "--help", "-h",
    "--unknown", "--exit-zero=1", "-qj2", "--jobs=", "=x", "-x",
]


def typer_parse(argv):
    """What typer hands `run_check` for `argv` (None: typer refuses the line or never calls it)."""
    seen = {}

    def capture(**options):
        assert set(options) == set(DEFAULTS)
        seen.update(options)
        return 0

    original = plain.run_check
    plain.run_check = capture
    try:
        CliRunner().invoke(app, argv, catch_exceptions=False)
    finally:
        plain.run_check = original
    return seen or None


def normal(options):
    """Lists given as lists, nothing given as None (typer gives () or None for an unused list option)."""
    return {k: (list(v) or None) if isinstance(v, (list, tuple)) else v for k, v in options.items()}


@pytest.mark.parametrize("argv", [
    ["check"], ["check", "a.py", "b.py"], ["check", "--output-format", "json", "--exit-zero", "a.py"],
    ["check", "a.py", "--select=SL0", "--select", "SL1", "-j2", "-q", "--no-dependents", "-oout.txt"],
    ["check", "--scope-root", "mmdet=/x", "--scope-root", "mmseg=/y", "--allow-exec", "--no-cache", "x"],
    ["check", "--output-format", "github", "--select", "SL0", "--", "configs/a.py", "-odd.py", "--", "b.py"],
])
def test_a_plain_line_is_parsed_as_typer_parses_it(argv):
    assert parse_check(argv) is not None
    assert normal(parse_check(argv)) == normal(typer_parse(argv))


def test_random_lines_are_parsed_as_typer_parses_them_or_left_to_typer():
    rng = random.Random(14)
    handled = 0
    for _ in range(400):
        argv = ["check"] + [rng.choice(TOKENS) for _ in range(rng.randint(0, 6))]
        mine = parse_check(argv)
        if mine is None:
            continue  # typer has the final word (and its own error messages)
        handled += 1
        assert normal(mine) == normal(typer_parse(argv)), argv
    assert handled > 50  # the fast path is not vacuous


@pytest.mark.parametrize("argv", [
    ["check", "--help"], ["check", "--", "a.py", ""], ["check", "-j", "0"], ["check", "-j", "04"],
    ["check", "--exit-zero=1"], ["check", "--output-file", "-x"], ["check", ""], ["check", "-"],
    ["check", "--jobs", "2", "--jobs", "3"], ["check", "--quiet", "-q"], ["check", "-qj2"], ["fix", "a.py"],
    ["--version"], [], ["check", "--select"],
])
def test_anything_unusual_is_left_to_typer(argv):
    assert parse_check(argv) is None


def _run(args, cwd):
    # the modules loaded when the process ends (a plain `check` ends with os._exit, skipping atexit)
    probe = ("import atexit, os, sys\n"
             "def report():\n"
             "    sys.stderr.write('MODULES ' + ' '.join(sorted(m for m in "
             "('typer', 'pydantic', 'numpy', 'libcst', 'rich') if m in sys.modules)) + '\\n')\n"
             "    sys.stderr.flush()\n"
             "atexit.register(report)\n"
             "real_exit = os._exit\n"
             "os._exit = lambda code: (report(), real_exit(code))\n"
             "sys.argv = ['schedlint'] + sys.argv[1:]\n"
             "from schedlint.cli import main\n"
             "main()\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-c", probe, *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_a_warm_check_imports_neither_typer_pydantic_nor_numpy(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "a.py").write_text(CONFIG)
    args = ["check", "configs/a.py", "--output-format", "json"]
    cold = _run(args, tmp_path)
    warm = _run(args, tmp_path)
    assert cold.returncode == warm.returncode == 1, cold.stderr
    assert json.loads(cold.stdout) == json.loads(warm.stdout) != []
    assert "typer" not in cold.stderr.split("MODULES")[-1]
    assert warm.stderr.strip().endswith("MODULES"), warm.stderr  # nothing heavy imported


def test_a_bad_value_gets_typers_error_and_exit_2(tmp_path):
    (tmp_path / "a.py").write_text(CONFIG)
    result = _run(["check", "a.py", "-j", "0"], tmp_path)
    assert result.returncode == 2
    assert "Invalid value" in result.stderr and "Traceback" not in result.stderr


def test_usage_errors_of_the_plain_path_exit_2(tmp_path):
    (tmp_path / "a.py").write_text(CONFIG)
    result = _run(["check", "a.py", "--output-format", "xml"], tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("schedlint: error: unknown output format 'xml'")
    result = _run(["check", "nope.py"], tmp_path)
    assert result.returncode == 2 and "nope.py" in result.stderr


def test_the_rule_codes_known_without_the_rules_are_the_registrys():
    assert tuple(all_rules()) == RULE_CODES, "add the new rule's code to schedlint.rules.RULE_CODES"
    assert rule_codes() == RULE_CODES


# ---------------------------------------------------------------------------------- settings values


def _load(tmp_path, table):
    path = tmp_path / "schedlint.toml"
    path.write_text(textwrap.dedent(table))
    return load_settings(str(path))


@pytest.mark.parametrize("table,value", [
    ("epoch-length = '5'", 5), ("epoch-length = 5.0", 5), ("epoch_length = 7", 7),
    ("allow-exec = 'no'", False), ("dependents = 0", False), ("dependents = 'yes'", True),
])
def test_values_are_coerced_as_pydantic_did(tmp_path, table, value):
    settings = _load(tmp_path, table)
    key = table.split("=")[0].strip().replace("-", "_")
    assert getattr(settings, key) == value


@pytest.mark.parametrize("table,message", [
    ("epoch-length = 5.5", "'epoch-length': Input should be a valid integer, got a number with a fractional part"),
    ("epoch-length = true", "'epoch-length': Input should be a valid integer"),
    ("jobs = -1", "'jobs': Input should be greater than 0 (got -1)"),
    ("ignore = 'SL001'", "'ignore': Input should be a valid list (got 'SL001')"),
    ("ignore = ['SL001', 3]", "'ignore.1': Input should be a valid string (got 3)"),
    ("[per-file-ignores]\n'a/*' = 'SL001'", "'per-file-ignores.a/*': Input should be a valid list"),
    ("[epoch-length-per-glob]\n'a/*' = 0", "'epoch-length-per-glob.a/*': Input should be greater than 0"),
    ("thresholds = 5", "'thresholds': Input should be a valid dictionary"),
    ("[thresholds]\ntail-fraction = -0.5", "'thresholds.tail-fraction': Input should be greater than or equal to 0"),
    ("[thresholds]\nlost-change = 'x'", "'thresholds.lost-change': Input should be a valid number, unable to parse"),
    ("cache-dir = 3", "'cache-dir': Input should be a valid string"),
])
def test_invalid_values_are_named_with_their_key(tmp_path, table, message):
    with pytest.raises(SettingsError) as info:
        _load(tmp_path, table)
    assert message in str(info.value)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    with pytest.raises(SettingsError) as info:
        _load(tmp_path, "jobs = 0\nselct = ['SL0']\n[thresholds]\nwarmup-fractio = 0.1\n")
    text = str(info.value)
    assert "'jobs'" in text and "unknown key 'selct' (did you mean 'select'?)" in text
    assert "unknown key 'thresholds.warmup-fractio' (did you mean 'warmup-fraction'?)" in text


def test_settings_objects_check_their_values_copy_deeply_and_compare_by_value():
    with pytest.raises(ValueError, match="epoch_length: Input should be greater than 0"):
        Settings(epoch_length=0)
    with pytest.raises(ValueError, match="unknown|Extra inputs"):
        Settings(epoch_lenght=10)
    a = Settings(epoch_length=10, thresholds={"tail-fraction": 0.5})
    assert a.thresholds == Thresholds(tail_fraction=0.5) and a.thresholds.lost_change == 0.05
    b = a.updated(dependents=False)
    b.ignore.append("SL001")
    assert a.dependents and a.ignore == [] and b != a and a == Settings(epoch_length=10, thresholds={"tail_fraction": 0.5})
    assert Settings().ignore is not Settings().ignore  # defaults are never shared


@pytest.mark.parametrize("first", ["schedlint.cli.hook", "schedlint.cli.typer_app", "schedlint.cli.plain"])
def test_the_app_is_the_typer_app_with_every_command_whatever_was_imported_first(first):
    code = (f"import {first}\n"
            "import typer\n"
            "from schedlint.cli import app\n"
            "assert isinstance(app, typer.Typer), type(app)\n"
            "print(sorted(c.name or c.callback.__name__ for c in app.registered_commands))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr
    for command in ("check", "fix", "hook", "resolve", "curve", "show", "plot", "diagnose", "rule"):
        assert f"'{command}'" in result.stdout
