"""SL906 unreadable-file: The file cannot be read as a config: not UTF-8, binary, too large or unreadable."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class UnreadableRule(LoadRule):
    """The file cannot be read as a config: not UTF-8, binary, too large or unreadable."""

    code = "SL906"
    name = "unreadable-file"
    severity = Severity.ERROR
    summary = "config file is unreadable, binary, not UTF-8 or too large"
    invalid = []
    valid = [Example("lr = 0.1\n")]
