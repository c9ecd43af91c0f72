"""Fixability is declared once per rule (`Rule.fix_applicability`) and read by `fix`, the docs,
`schedlint rule` and SARIF (issue 13: they said SL002/SL003/SL102 had no fix while `fix` fixed them)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from schedlint.cli import app
from schedlint.fix import FIXABLE_CODES
from schedlint.report.ruledocs import rule_text
from schedlint.rules import all_rules

DECLARED = {"SL001": "safe", "SL002": "needs --rescale", "SL003": "needs --rescale", "SL004": "needs --rescale",
            "SL005": "safe", "SL006": "safe", "SL102": "unsafe"}


def test_rules_declare_their_fix():
    declared = {c: r.fix_applicability for c, r in all_rules().items() if r.fix_applicability}
    assert declared == DECLARED
    assert FIXABLE_CODES == frozenset(DECLARED)
    for code, rule in all_rules().items():
        assert rule.fixable == (code in DECLARED)


def test_examples_with_a_fix_belong_to_fixable_rules():
    """Fixit's two-way check: an example showing a fixed source needs a rule that declares a fix."""
    for code, rule in all_rules().items():
        if any(e.fixed is not None for e in rule.invalid):
            assert rule.fixable, code


def test_docs_and_rule_command_show_the_applicability():
    rules = all_rules()
    assert "fix --rescale" in rule_text(rules["SL002"])
    assert "--unsafe-fixes" in rule_text(rules["SL102"])
    assert "Fixable" not in rule_text(rules["SL007"])
    out = CliRunner().invoke(app, ["rule", "SL003", "--format", "json"]).output
    data = json.loads(out)
    data = data[0] if isinstance(data, list) else data
    assert data["fixable"] is True and data["fix_applicability"] == "needs --rescale"


def test_sarif_rules_carry_the_applicability():
    from schedlint.report import _sarif_rule

    level = {"error": "error", "warning": "warning", "info": "note"}
    props = _sarif_rule(all_rules()["SL102"], level)["properties"]
    assert props["fixable"] is True and props["fixApplicability"] == "unsafe"
    assert _sarif_rule(all_rules()["SL201"], level)["properties"]["fixable"] is False
