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
    bound was passed instead of hanging or exhausting memory. The simulator is bounded too: a run of
    more than 20 million iterations, a list argument of more than 10,000 entries, and a schedule
    position (`begin`, `end`, `T_max`, milestones, warm-up lengths, ...) that is NaN, infinite or
    beyond 10^12 epochs or iterations are reported at the value instead of being simulated.
    """

    code = "SL908"
    name = "resource-limit"
    severity = Severity.ERROR
    summary = "config too costly to resolve (work, value size or nesting limit)"
    invalid = [Example("x = 10 ** 10 ** 8\n")]
    valid = [Example("x = 10 ** 8\n")]
