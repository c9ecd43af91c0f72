"""SL902 missing-base: A `_base_` entry names a file that does not exist."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class MissingBaseRule(LoadRule):
    """A `_base_` entry names a file that does not exist.

    Paths in `_base_` are relative to the file that names them. The finding shows the path tried.
    """

    code = "SL902"
    name = "missing-base"
    severity = Severity.ERROR
    summary = "`_base_` names a file that does not exist"
    invalid = [Example("_base_ = ['../_base_/schedules/does-not-exist.py']\n")]
    valid = [Example({"config.py": "_base_ = './base.py'\n", "base.py": "lr = 0.01\n"})]
