"""Every rule's inline VALID/INVALID examples, turned into tests automatically."""

from __future__ import annotations

import os

import pytest

from schedlint.lint.engine import Linter
from schedlint.rules import all_rules
from schedlint.lint.settings import Settings


def _cases(kind: str):
    for code, rule in all_rules().items():
        for i, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{code}-{kind}-{i}")


def _lint(tmp_path, example):
    for name, text in example.as_files().items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    settings = Settings(epoch_length=example.epoch_length)
    return Linter(settings).lint_file(os.fspath(tmp_path / example.checked))


@pytest.mark.parametrize("rule,example", list(_cases("invalid")))
def test_invalid_example_is_reported(tmp_path, rule, example):
    codes = [f.code for f in _lint(tmp_path, example)]
    assert rule.code in codes, f"{rule.code} not reported; got {codes}"


@pytest.mark.parametrize("rule,example", list(_cases("valid")))
def test_valid_example_is_quiet(tmp_path, rule, example):
    findings = [f for f in _lint(tmp_path, example) if f.code == rule.code]
    assert not findings, [f.message for f in findings]


@pytest.mark.parametrize("rule,example", list(_cases("valid")))
def test_valid_example_has_no_error_at_all(tmp_path, rule, example):
    """A VALID example demonstrates a sound config: no rule may call it an error."""
    errors = [f"{f.code} {f.message}" for f in _lint(tmp_path, example) if f.severity.value == "error"]
    assert not errors


def test_every_rule_is_documented_with_examples():
    for code, rule in all_rules().items():
        assert rule.summary and rule.doc(), code
        assert rule.name == rule.name.lower() and " " not in rule.name, code
        assert rule.valid, f"{code} has no VALID example"
        if code not in ("SL906", "SL999"):  # unreadable bytes / a schedlint bug cannot be an inline example
            assert rule.invalid, f"{code} has no INVALID example"
