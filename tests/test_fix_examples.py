"""Rule examples that show their fix (`Example(fixed=..., fix_options=[...])`): `schedlint fix`
must turn the example into exactly that, and a second run must change nothing."""

from __future__ import annotations

import os
import textwrap

import pytest

from schedlint.fix.engine import fix_paths
from schedlint.fix.propose import FixOptions
from schedlint.rules import all_rules
from schedlint.lint.settings import Settings


def _cases():
    for code, rule in all_rules().items():
        for i, example in enumerate(rule.invalid):
            if example.fixed is not None:
                yield pytest.param(example, id=f"{code}-invalid-{i}")


def _options(flags):
    return FixOptions(rescale="--rescale" in flags, cosine="--cosine" in flags, unsafe="--unsafe-fixes" in flags)


@pytest.mark.parametrize("example", list(_cases()))
def test_example_fix(tmp_path, example):
    for name, text in example.as_files().items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    fixed = {"config.py": example.fixed} if isinstance(example.fixed, str) else dict(example.fixed)
    settings = Settings(epoch_length=example.epoch_length)
    fix_paths([os.fspath(tmp_path / "config.py")], settings, _options(example.fix_options))
    for name, text in fixed.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == textwrap.dedent(text).lstrip("\n"), name
    again = fix_paths([os.fspath(tmp_path / "config.py")], settings, _options(example.fix_options))
    assert not again.changes
