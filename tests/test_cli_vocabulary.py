"""One CLI vocabulary: every machine-readable command takes --output-format and -o; help is readable."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer

from clirunner import run_cli
from schedlint.cli import app

REPO = Path(__file__).resolve().parents[1]
USER = "fixtures/configs/user/faster-rcnn_1x-to-2x_milestones-16-23.py"
MACHINE_READABLE = ["check", "resolve", "curve", "rule", "diagnose"]


def _params(name: str):
    command = typer.main.get_command(app).commands[name]
    return {opt for p in command.params for opt in p.opts}


@pytest.mark.parametrize("name", MACHINE_READABLE)
def test_machine_readable_commands_share_output_options(name):
    opts = _params(name)
    assert "--output-format" in opts, name
    assert {"-o", "--output-file"} <= opts, name


@pytest.mark.parametrize("name", ["check", "fix", "curve", "show", "plot"])
def test_config_commands_share_loading_options(name):
    assert {"--epoch-length", "--scope-root", "--allow-exec"} <= _params(name), name


@pytest.mark.parametrize("name", sorted(typer.main.get_command(app).commands))
def test_help_has_plain_metavars(name):
    out = run_cli(name, "--help")
    assert out.returncode == 0
    assert not re.search(r"<(list\[|str>|int|float|path)", out.stdout), out.stdout


def test_json_and_sarif_point_at_absolute_rule_docs(tmp_path):
    findings = json.loads(run_cli("check", USER, "--output-format", "json", "--no-dependents", cwd=REPO).stdout)
    assert findings and all(f["url"].startswith("https://") and f["url"].endswith("#" + f["code"].lower())
                            for f in findings)
    sarif = json.loads(run_cli("check", USER, "--output-format", "sarif", "--no-dependents", cwd=REPO).stdout)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules and all(r["helpUri"].startswith("https://") for r in rules)


def test_curve_and_rule_accept_output_format_and_file(tmp_path):
    target = tmp_path / "curve.json"
    out = run_cli("curve", USER, "--output-format", "json", "--epoch-length", "10", "-o", target, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert json.loads(target.read_text())
    doc = tmp_path / "sl001.json"
    assert run_cli("rule", "SL001", "--output-format", "json", "-o", doc).returncode == 0
    assert json.loads(doc.read_text())["code"] == "SL001"
