"""SL904 needs-execution: The config needs code execution to resolve (imports, function calls, attribute access)."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class NeedsExecutionRule(LoadRule):
    """The config needs code execution to resolve (imports, function calls, attribute access).

    schedlint never runs config code by default. Configs that mmengine loads but the static
    resolver cannot evaluate (a builtin such as `getattr`, `sorted(..., key=...)`, an import, a
    function call) get this warning at the line. `--allow-exec` lets mmengine execute them: that
    RUNS ARBITRARY CODE from the config, so use it only for configs you trust. Only the command
    line or your user settings file (`~/.config/schedlint/schedlint.toml`, `allow-exec = true`)
    can enable it; a checked repository's own `pyproject.toml` / `schedlint.toml` cannot.

    No rule reads the model: `check` does not evaluate a top-level `model = ...` that nothing else
    in its file reads, so code in it needs no `--allow-exec` there (`schedlint resolve` evaluates it).
    """

    code = "SL904"
    name = "needs-execution"
    severity = Severity.WARNING
    summary = "config needs code execution to resolve"
    invalid = [Example("import os\nwork_dir = os.getcwd()\n")]
    valid = [Example("work_dir = './work_dirs/' + 'exp1'\n")]
