"""SL908 resource-limit: resolving the config would cost more than schedlint allows for one file."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class ResourceLimitRule(LoadRule):
    """Resolving the config would cost more than schedlint allows for one file.

    The static evaluator bounds the total work of one file, the size of every value (integer
    bits, string and list lengths, nested elements), the nesting of expressions and values, the
    depth of `_base_` inheritance and the size of files and of YAML/JSON bases (aliases expanded).
    Real configs stay far below these bounds; a config above them is refused at the line where the
    bound was passed instead of hanging or exhausting memory.
    """

    code = "SL908"
    name = "resource-limit"
    severity = Severity.ERROR
    summary = "config too costly to resolve (work, value size or nesting limit)"
    invalid = [Example("x = 10 ** 10 ** 8\n")]
    valid = [Example("x = 10 ** 8\n")]
