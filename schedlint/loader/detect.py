"""Cheap static facts about a parsed config: its `_base_` assignment, whether it is a pure-Python
(read_base) config, whether it may edit inherited values in place."""

from __future__ import annotations

import ast
import bisect
import re
import sys
from typing import Any, Dict, FrozenSet, List, Optional, Set

from schedlint.loader.errors import LoadProblem
from schedlint.loader.files import BASE_KEY, decode
from schedlint.loader.textscan import word_pattern

CONFIG_SUFFIXES = (".py", ".json", ".yaml", ".yml")

_MUTATING_METHODS = {"update", "pop", "popitem", "setdefault", "append", "extend", "insert", "remove", "clear",
                     "sort", "reverse", "__setitem__", "__delitem__"}


_MUTATING_CALL = re.compile(
    r"\.\s*(?:" + "|".join(sorted(_MUTATING_METHODS)) + r")\s*\("
)
# `getattr(_base_, 'x', ...)` / `hasattr(...)`: only an mmengine ConfigDict answers them, so inherited values are
# copied and marked as ConfigDicts (`CfgDict.config`), as for a file that edits them
_ATTRIBUTE_BY_NAME = re.compile(r"\b(?:getattr|hasattr)\s*\(")
# `for a.b in` / `for x[0] in` (`for` first, a literal the regex engine skips to, then its word boundary)
_ODD_LOOP_TARGET = re.compile(r"for(?<=\bfor)\s+[^:\n]*?[.\[][^:\n]*?\s+in\s")


def may_mutate(tree: ast.Module, text: str) -> bool:
    """True if any statement could change an existing value in place: item or attribute
    assignment, `del`, augmented assignment, or a call of a mutating method (found in the text,
    conservatively: a mention in a string or comment also counts); or reads attributes by name."""
    if _MUTATING_CALL.search(text) or _ODD_LOOP_TARGET.search(text) or _ATTRIBUTE_BY_NAME.search(text):
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


# a method call (which may change a value in place) or an assignment expression, as written
_METHOD_CALL = re.compile(r"\.\s*[A-Za-z_]\w*\s*\(")
_WALRUS = re.compile(":=")


def deferrable(body: List[ast.stmt], text: str, names: FrozenSet[str]) -> Set[ast.stmt]:
    """The top-level `NAME = value` statements, NAME one of `names`, whose value may be left unevaluated:
    evaluating it could change nothing else (the lines of the statement hold no method call and no `:=`:
    a conservative test on the text), and no other statement is written with NAME on its lines (comments
    between statements do not count). `text` is what `body` was parsed from.

    A read this text test lets through is caught when evaluating: the evaluator refuses to read an
    `Unevaluated`, and the loader then evaluates the file whole. Only what evaluating the value itself
    would change must be found here."""
    candidates: Dict[str, List[ast.stmt]] = {}
    for stmt in body:
        if type(stmt) is ast.Assign and len(stmt.targets) == 1:
            target = stmt.targets[0]
            if type(target) is ast.Name and target.id in names:
                candidates.setdefault(target.id, []).append(stmt)
    if not candidates or "\r" in text:  # (lines are counted by "\n" below)
        return set()
    starts = [stmt.lineno for stmt in body]
    own = {id(s): s.targets[0].id for stmts in candidates.values() for s in stmts}  # type: ignore[attr-defined]
    kept: Set[str] = set()

    def statements_on(line: int) -> List[ast.stmt]:
        i = bisect.bisect_right(starts, line) - 1
        out = []
        while i >= 0 and (body[i].end_lineno or body[i].lineno) >= line:
            out.append(body[i])
            i -= 1
        return out

    for name in candidates:
        for m in word_pattern(name).finditer(text):
            for stmt in statements_on(text.count("\n", 0, m.start()) + 1):
                if id(stmt) not in own:
                    kept.add(name)
    for impure in (_METHOD_CALL, _WALRUS) if ":=" in text else (_METHOD_CALL,):
        for m in impure.finditer(text):
            for stmt in statements_on(text.count("\n", 0, m.start()) + 1):
                if id(stmt) in own:
                    kept.add(own[id(stmt)])
    return {s for name, stmts in candidates.items() if name not in kept for s in stmts}


_BASE_LINE = re.compile(r"^_base_[ \t]*=", re.M)


def inherits_nothing(text: str) -> bool:
    """No `_base_` name (an ASCII text has no other spelling of it: only non-ASCII identifiers are
    normalised) and no `with` block: the file inherits nothing, whatever else it holds (most bases of
    a tree)."""
    return text.isascii() and "_base_" not in text and "with" not in text


# one string literal with no escape, no line break and no `{` (mmengine substitutes `{{ }}` templates first)
_PLAIN_STR = rb"""(?:'[^'\\\r\n{]*'|"[^"\\\r\n{]*")"""
# blanks, line breaks and comments (a comment runs to its line's end: it cannot be split into several, which
# made a failing search try every split of a comment of many `#`, exponentially)
_GAP = rb"(?:[ \t\r\n]|#[^\r\n]*(?=[\r\n]|\Z))*"
_PLAIN_ITEMS = rb"(?:" + _GAP + _PLAIN_STR + _GAP + rb",)*(?:" + _GAP + _PLAIN_STR + rb")?" + _GAP
# a `_base_` statement of string literals alone: a string, or a list or tuple of them separated by commas
_PLAIN_BASE = re.compile(
    rb"^_base_[ \t]*=[ \t]*(?:" + _PLAIN_STR + rb"|\[" + _PLAIN_ITEMS + rb"\]|\(" + _PLAIN_ITEMS + rb"\))"
    rb"[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\Z)",
    re.M,
)
_BASE_ASSIGN = re.compile(rb"_base_\s*=(?!=)")
# a `{{ }}` template mmengine replaces with text before parsing: a file name, or an environment variable's value
_WRITING_TEMPLATE = re.compile(rb"\{\{\s*file(?:Dirname|Basename|BasenameNoExtension|Extname)\s*\}\}|\{\{['\"]?\s*\$")
# a top-level `with` block, which may import bases (`Loader._lazy_base_references`): at a line start, where
# only a form feed may come first (Python counts the indentation from the last one)
_TOP_WITH = re.compile(rb"^(?:[ \t\f]*\f)?with\b", re.M)


def base_names(data: bytes) -> Optional[str]:
    """What a `.py` config's bytes tell, unparsed, of the files it inherits: "" when it inherits none, else a
    text holding the file name of each base it names (its `_base_` statement); None when that cannot be
    told from the text (the file is parsed: `Loader.base_references`).

    Bases come from the first top-level assignment to `_base_`, else from the imports in a top-level `with`
    block. A file is told without parsing when: it has no `with` block at a line start that may import, and
    no `{{ }}` template that writes text (a file name, an environment variable); then it inherits nothing
    when no `_base_` may begin a top-level assignment (on an ASCII text; else when the module's symbol table
    assigns none), and it names its bases when its one assignment to `_base_` is of string literals with no
    escape, as a whole line. A file without `_base_` in its bytes is taken to inherit nothing, as the index
    of a project does (an identifier spelled with other characters that normalise to `_base_` is not looked
    for)."""
    may_import = b"import" in data and _TOP_WITH.search(data) is not None  # bases imported in a `with` block
    if b"_base_" not in data and not may_import:
        return ""
    if may_import or _WRITING_TEMPLATE.search(data):
        return None
    if data.isascii():
        targets = _possible_base_targets(data)
        if not targets:  # `_base_` only in strings, attributes, other names, nested code
            return ""
        if len(targets) == 1 and len(_BASE_ASSIGN.findall(data)) == 1:
            found = _PLAIN_BASE.match(data, targets[0])
            if found is not None:
                return found.group().decode("ascii")
    return None if _assigns_base(data) else ""


_BASE_WORD = re.compile(rb"_base_")
_BEFORE = frozenset(b" \t\f(\\")  # what may come between a line start (or `;`) and a top-level `_base_`
_AFTER = frozenset(b" \t\f\r\n)\\")  # and between it and its `=` (also comments)


def _possible_base_targets(data: bytes) -> List[int]:
    """Where a `_base_` may be the target of a top-level assignment (the first two): only blanks, opening
    parentheses and line continuations between it and a line start or a `;`, then only blanks, line breaks,
    closing parentheses and comments up to an `=` that is not `==`. Scanned in one pass (each character is
    looked at a bounded number of times: a regex searched from every line start would be quadratic on a
    hostile file of blank lines)."""
    n = len(data)
    out: List[int] = []
    for m in _BASE_WORD.finditer(data):
        i = m.start() - 1
        while i >= 0 and data[i] in _BEFORE:
            i -= 1
        if i >= 0 and data[i] not in (0x0A, 0x0D, 0x3B):  # "\n", "\r" (a line end too, for Python), ";"
            continue
        j = m.end()
        while j < n:
            c = data[j]
            if c in _AFTER:
                j += 1
            elif c == 0x23:  # "#": a comment, to the end of its line
                k = data.find(b"\n", j)
                j = n if k < 0 else k + 1
            else:
                break
        if j < n and data[j] == 0x3D and data[j + 1 : j + 2] != b"=":
            out.append(m.start())
            if len(out) == 2:
                break
    return out


def _assigns_base(data: bytes) -> bool:
    """Whether the module's own scope may assign `_base_` (its symbol table, which costs under half a parse:
    what a file holding `_base_ = ...` lines only in strings or functions needs). A file whose symbol table
    cannot be built may (the compiler refuses more than the parser the loader uses); one the loader cannot
    read as text (binary, not UTF-8) inherits nothing."""
    import symtable

    try:
        text = decode("config", data)
    except LoadProblem:
        return False
    try:
        table = symtable.symtable(text, "config", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True
    try:
        return table.lookup(BASE_KEY).is_assigned()
    except KeyError:
        return False


def base_statement(text: str) -> Optional[ast.Module]:
    """A module of the file's `_base_ = ...` statement alone, at its lines (a file need not be parsed whole
    to know what it inherits: `_base_` is evaluated on its own); None when that statement cannot be told
    apart on the text (no single one, after a triple-quoted string, a pure-Python config)."""
    found = _BASE_LINE.findall(text)
    if len(found) != 1 or "read_base" in text:
        return None
    start = _BASE_LINE.search(text).start()  # type: ignore[union-attr]
    if '"""' in text[:start] or "'''" in text[:start]:
        return None
    padding = "\n" * text.count("\n", 0, start)  # parsed at its own lines
    lines = text[start:].split("\n", 80)[:80]
    # first where its brackets close (as counted on the text: a guess, then every length up to 80 lines)
    depth, guess = 0, 0
    for i, line in enumerate(lines):
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        if depth <= 0:
            guess = i + 1
            break
    for end in ([guess] if guess else []) + list(range(1, len(lines) + 1)):
        try:
            tree = ast.parse(padding + "\n".join(lines[:end]))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if len(tree.body) != 1 or not is_base_assign(tree.body[0]):
            return None
        return tree
    return None


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


def is_standard_module(name: str) -> bool:
    """Whether `name` is a module of Python's standard library (mmengine's `_is_builtin_module`: imported
    for real even in a pure-Python config)."""
    return name.split(".")[0] in _STDLIB


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
            if node.module and not is_standard_module(node.module):
                return True
        if isinstance(node, ast.Import):
            if any(not is_standard_module(a.name) for a in node.names):
                return True
    return False


LAZY_BASE_ERROR = (
    "config error: ConfigParsingError: this config imports a package, so mmengine loads it as a pure-Python config, "
    "which cannot inherit with `_base_` (mmcv 1.x could); use `with read_base():` for its bases, or drop the import")


def classic_base_of_lazy(tree: ast.Module) -> Optional[ast.stmt]:
    """The `_base_` assignment of a file `is_lazy` calls pure-Python (for a package it imports) that has no
    `with read_base():`: mmengine raises ConfigParsingError (LAZY_BASE_ERROR), mmcv 1.x runs it and inherits."""
    if any(isinstance(s, ast.With) for s in tree.body):
        return None
    return next((s for s in tree.body if is_base_assign(s)), None)


def is_config_file(path: str) -> bool:
    """Whether a path looks like a config schedlint reads (by suffix)."""
    return path.endswith(CONFIG_SUFFIXES)


# top-level keys the Runner (mmengine) or mmcv 1.x's training entry points build from a dict; a helper
# variable holding a tuple of dicts (`_ffn_cfg_ = dict(...),`, passed where tuples are accepted) is not one,
# nor `model`, which the linter does not evaluate
RUN_SETUP_DICT_KEYS = (
    "train_dataloader", "val_dataloader", "test_dataloader", "train_cfg", "val_cfg", "test_cfg",
    "optim_wrapper", "default_hooks", "env_cfg", "auto_scale_lr", "log_processor", "visualizer", "randomness",
    "data", "optimizer", "optimizer_config", "lr_config", "momentum_config", "runner", "evaluation",
    "checkpoint_config", "log_config",
)


def is_stray_tuple(value: Any) -> bool:
    """A 1-tuple around a dict: `key = dict(...),`, a stray comma."""
    return type(value) is tuple and len(value) == 1 and isinstance(value[0], dict)


def stray_tuples(values: Dict) -> List[str]:
    """The run-setup keys whose value is a stray 1-tuple around a dict."""
    return [key for key in RUN_SETUP_DICT_KEYS if is_stray_tuple(values.get(key))]
