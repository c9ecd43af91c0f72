"""SL9xx: configs that cannot be resolved. The loader raises these; the units carry the docs."""

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


class CircularBaseRule(LoadRule):
    """Configs inherit from each other in a cycle; mmengine recurses until it fails."""

    code = "SL903"
    name = "circular-base"
    severity = Severity.ERROR
    summary = "`_base_` inheritance forms a cycle"
    invalid = [Example({"config.py": "_base_ = './other.py'\n", "other.py": "_base_ = './config.py'\n"})]
    valid = [Example({"config.py": "_base_ = './other.py'\n", "other.py": "lr = 0.1\n"})]


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


class UnreadableRule(LoadRule):
    """The file cannot be read as a config: not UTF-8, binary, too large or unreadable."""

    code = "SL906"
    name = "unreadable-file"
    severity = Severity.ERROR
    summary = "config file is unreadable, binary, not UTF-8 or too large"
    invalid = []
    valid = [Example("lr = 0.1\n")]


class ConfigErrorRule(LoadRule):
    """Evaluating the config fails the way it would fail in mmengine.

    Examples: an undefined name, duplicate keys among bases, a dict merged over a list
    without `_delete_=True`, a `{{_base_.x}}` that the bases do not define.
    """

    code = "SL907"
    name = "invalid-config"
    severity = Severity.ERROR
    summary = "config fails to evaluate (mmengine would fail too)"
    invalid = [Example("lr = base_lr * 2\n")]
    valid = [Example("base_lr = 0.01\nlr = base_lr * 2\n")]


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
