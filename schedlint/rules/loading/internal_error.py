"""SL999 internal-error: schedlint itself failed on this config (a bug in schedlint, not in the config)."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class InternalErrorRule(LoadRule):
    """schedlint itself failed on this config (a bug in schedlint, not in the config).

    The failing rule (or step) is named in the message; every other rule of the file still ran and
    its findings are reported. The run exits with code 2. `noqa` and `--ignore` do not hide it.
    Please report it with the config that triggers it.
    """

    code = "SL999"
    name = "internal-error"
    severity = Severity.ERROR
    summary = "schedlint failed on this config (a bug in schedlint)"
    invalid = []
    valid = [Example("lr = 0.1\n")]
