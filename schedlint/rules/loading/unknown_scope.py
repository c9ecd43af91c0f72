"""SL905 unknown-scope: A `pkg::path` base names a package that is not installed."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class UnknownScopeRule(LoadRule):
    """A `pkg::path` base names a package that is not installed.

    Install the package or pass `--scope-root pkg=DIR` with the package's configs folder.
    """

    code = "SL905"
    name = "unknown-scope"
    severity = Severity.ERROR
    summary = "`pkg::` base of a package that is not installed"
    invalid = [Example("_base_ = 'nosuchpackage::_base_/schedules/schedule_1x.py'\n")]
    valid = [Example("lr = 0.1\n")]
