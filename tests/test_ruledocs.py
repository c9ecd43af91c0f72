"""`schedlint rule` and the generated docs/rules.md, both rendered from the rule units."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from schedlint.report.ruledocs import REGENERATE, rule_json, rule_text, rules_markdown
from schedlint.rules import all_rules
from clirunner import run_cli  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=REPO)


def test_docs_rules_md_is_current():
    committed = REPO / "docs" / "rules.md"
    expected = rules_markdown()
    current = committed.read_text(encoding="utf-8") if committed.exists() else ""
    if current != expected:
        diff = difflib.unified_diff(current.splitlines(), expected.splitlines(), "docs/rules.md", "generated",
                                    lineterm="", n=1)
        head = "\n".join(list(diff)[:30])
        pytest.fail(f"docs/rules.md is out of date with the rule units; regenerate it with `{REGENERATE}`\n{head}",
                    pytrace=False)


def test_docs_list_and_anchor_every_rule():
    text = rules_markdown()
    for code, rule in all_rules().items():
        assert f"[{code}](#{code.lower()})" in text
        assert f"\n### {code}\n\n`{rule.name}`\n" in text


def test_module_entry_point_prints_the_catalogue():
    result = subprocess.run([sys.executable, "-m", "schedlint.report.ruledocs"], cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0
    assert result.stdout == rules_markdown()


@pytest.mark.parametrize("query", ["SL001", "sl001", "milestone-unreached"])
def test_rule_by_code_or_name(query):
    result = run("rule", query)
    assert result.returncode == 0, result.stderr
    rule = all_rules()["SL001"]
    assert result.stdout.startswith("# SL001 milestone-unreached\n")
    assert rule.doc().splitlines()[0] in result.stdout
    assert "Invalid" in result.stdout and "```python" in result.stdout


def test_rule_json():
    result = run("rule", "SL004", "--format", "json")
    data = json.loads(result.stdout)
    assert data["code"] == "SL004" and data["name"] == all_rules()["SL004"].name
    assert data["severity"] in ("error", "warning", "info")
    assert data["explanation"] == all_rules()["SL004"].doc()
    assert data["invalid"] and "config.py" in data["invalid"][0]["files"]


def test_rule_all_text_and_json():
    text = run("rule", "--all")
    assert text.returncode == 0
    for code in all_rules():
        assert f"# {code} " in text.stdout
    data = json.loads(run("rule", "--all", "--format", "json").stdout)
    assert [d["code"] for d in data] == list(all_rules())


@pytest.mark.parametrize(
    "args,message",
    [
        (["SL998"], "unknown rule 'SL998'"),
        (["milestone-unreachd"], "did you mean milestone-unreached?"),
        ([], "give a rule code or --all"),
        (["SL001", "--all"], "not both"),
        (["SL001", "--format", "yaml"], "unknown output format 'yaml'"),
    ],
)
def test_rule_usage_errors_exit_2(args, message):
    result = run("rule", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_every_rule_renders():
    for rule in all_rules().values():
        assert rule_text(rule).startswith(f"# {rule.code} {rule.name}\n")
        assert json.dumps(rule_json(rule))
