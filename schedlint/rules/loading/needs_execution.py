"""SL904 needs-execution: The config needs code execution to resolve (imports, function calls, attribute access)."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class NeedsExecutionRule(LoadRule):
    """The config needs code execution to resolve (imports, function calls, attribute access).

    schedlint never runs config code by default. Pass `--allow-exec` (or set `allow-exec = true`)
    to let mmengine execute configs that the static resolver cannot evaluate, if you trust them.
    """

    code = "SL904"
    name = "needs-execution"
    severity = Severity.WARNING
    summary = "config needs code execution to resolve"
    invalid = [Example("import os\nwork_dir = os.getcwd()\n")]
    valid = [Example("work_dir = './work_dirs/' + 'exp1'\n")]
