"""What the static evaluator raises, and the opaque values it holds but never looks into."""

from __future__ import annotations

import ast
from typing import List, Optional

from schedlint.model import Location


class NeedsExecution(Exception):
    """The config uses something only real execution could evaluate."""

    def __init__(self, node: Optional[ast.AST], reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class LoadProblem(Exception):
    """A config that cannot be resolved; `code` is the SL9xx finding it becomes."""

    def __init__(self, code: str, message: str, location: Location, related: Optional[List[Location]] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.location = location
        self.related = related or []


class ConfigError(Exception):
    """The config itself is wrong: mmengine would fail on it too (NameError, KeyError, ...)."""

    def __init__(self, node: Optional[ast.AST], reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class Opaque:
    """A value the evaluator holds but must not look into: a module, a function, a class."""

    __slots__ = ("kind", "name")

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}>"


class ImportedName:
    """A name imported by a pure-Python (read_base) config, e.g. `LinearLR` from mmengine (or a module,
    `import torch`: module "", name "torch").

    mmengine keeps it as a LazyObject; when dumped it becomes '<module>.<name>'.
    """

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __str__(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name  # (a module imported whole: no module)

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImportedName) and (self.module, self.name) == (other.module, other.name)

    def __hash__(self) -> int:
        return hash((self.module, self.name))


class LoopBreak(Exception):
    """`break` inside a loop the evaluator runs."""


class LoopContinue(Exception):
    """`continue` inside a loop the evaluator runs."""


class BudgetExceeded(Exception):
    """Evaluating the config would cost more than the per-file resource budget allows (SL908)."""

    def __init__(self, node: Optional[ast.AST], reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class EvaluatorBug(Exception):
    """An unexpected Python exception inside the evaluator: a bug in schedlint, not in the config.

    It is never turned into a load finding; the lint engine reports it as an internal error (SL999).
    """


def describe(value) -> str:
    """A value in a message: `module `os``, `imported `torch.nn``, `a float`."""
    if isinstance(value, Opaque):
        return f"{value.kind} `{value.name}`"  # (kind 'imported': a name a project's module defines)
    if isinstance(value, ImportedName):
        return f"imported `{value}`"
    for plain in (dict, list, tuple, str, bool, int, float):  # the loader's config dicts and lists are these
        if isinstance(value, plain):
            return f"a {plain.__name__}"
    return f"a {type(value).__name__}"
