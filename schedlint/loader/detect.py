"""Cheap static facts about a parsed config: its `_base_` assignment, whether it is a pure-Python
(read_base) config, whether it may edit inherited values in place."""

from __future__ import annotations

import ast
import re
import sys
from typing import List

from schedlint.loader.files import BASE_KEY

CONFIG_SUFFIXES = (".py", ".json", ".yaml", ".yml")

_MUTATING_METHODS = {"update", "pop", "popitem", "setdefault", "append", "extend", "insert", "remove", "clear",
                     "sort", "reverse", "__setitem__", "__delitem__"}


_MUTATING_CALL = re.compile(
    r"\.\s*(?:" + "|".join(sorted(_MUTATING_METHODS)) + r")\s*\("
)
# `for a.b in` / `for x[0] in` (`for` first, a literal the regex engine skips to, then its word boundary)
_ODD_LOOP_TARGET = re.compile(r"for(?<=\bfor)\s+[^:\n]*?[.\[][^:\n]*?\s+in\s")


def may_mutate(tree: ast.Module, text: str) -> bool:
    """True if any statement could change an existing value in place: item or attribute
    assignment, `del`, augmented assignment, or a call of a mutating method (found in the text,
    conservatively: a mention in a string or comment also counts)."""
    if _MUTATING_CALL.search(text) or _ODD_LOOP_TARGET.search(text):
        return True

    stack: List[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.AugAssign, ast.Delete)):
            return True
        if isinstance(node, ast.Assign) and not all(binds_names(t) for t in node.targets):
            return True
        if isinstance(node, (ast.AnnAssign, ast.For, ast.AsyncFor)) and not binds_names(node.target):
            return True
        for body in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(getattr(node, body, None) or [])
    return False


def assigns_twice(tree: ast.Module) -> bool:
    """Whether a name is the target of two top-level assignments (`a = ...` twice, also as one of
    `a = b = ...`): what can make a config lose a value to a later line of its own (SL909)."""
    seen: set = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    if target.id in seen:
                        return True
                    seen.add(target.id)
    return False


def binds_names(target: ast.AST) -> bool:
    """Whether an assignment target only binds names (`a`, `a, *b`), changing no existing value."""
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(binds_names(t) for t in target.elts)
    if isinstance(target, ast.Starred):
        return binds_names(target.value)
    return isinstance(target, ast.Name)


def is_base_assign(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Assign)
        and isinstance(stmt.targets[0], ast.Name)
        and stmt.targets[0].id == BASE_KEY
    )


_STDLIB = set(getattr(sys, "stdlib_module_names", ())) | {"math", "os", "copy", "platform"}


def is_lazy(tree: ast.Module) -> bool:
    """mmengine's `_is_lazy_import`: pure-Python style unless a `_base_` assignment comes first."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == BASE_KEY:
            return False
        if isinstance(node, ast.With):
            return True
        if isinstance(node, ast.ImportFrom):
            if node.level:
                return True
            if node.module == "mmengine" and [a.name for a in node.names] == ["Config"]:
                continue
            if node.module and node.module.split(".")[0] not in _STDLIB:
                return True
        if isinstance(node, ast.Import):
            if any(a.name.split(".")[0] not in _STDLIB for a in node.names):
                return True
    return False


def is_config_file(path: str) -> bool:
    """Whether a path looks like a config schedlint reads (by suffix)."""
    return path.endswith(CONFIG_SUFFIXES)


