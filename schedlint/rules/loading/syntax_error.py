"""SL901 syntax-error: The config is not valid Python."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class SyntaxErrorRule(LoadRule):
    """The config is not valid Python.

    mmengine cannot load it either; nothing about its schedule can be checked. Fix the syntax
    error at the reported line.
    """

    code = "SL901"
    name = "syntax-error"
    severity = Severity.ERROR
    summary = "config file is not valid Python"
    invalid = [Example("lr = 0.01 +\n")]
    valid = [Example("lr = 0.01\n")]
