"""SL909 duplicate-top-level-key: A top-level key assigned twice in one file: the first value is lost."""

from __future__ import annotations

import ast
import functools
import os
import re
from collections import Counter
from typing import Dict, Iterator, List, Optional, Set, Tuple

from schedlint.loader.textscan import LineStart
from schedlint.model import Finding, Location, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg

_HOOK = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.937))
param_scheduler = None
train_cfg = dict(by_epoch=True, max_epochs=300)
"""


def _keywords(node: ast.AST) -> Optional[List[str]]:
    """The keys of a `dict(...)` call or `{...}` literal (None for anything else)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        return [k.arg for k in node.keywords if k.arg]
    if isinstance(node, ast.Dict):
        return [k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return None


# a top-level `name = ...` (top-level statements start at column 0), and what may hide one from it
_ASSIGNED = re.compile(r"^\ufeff?((?!\d)\w+)[ \t]*=(?!=)", re.M)
# `;`, `\`, a form feed, `(a) = v` and `a = b = v` may hide a top-level assignment from `_ASSIGNED`
_HIDDEN_AT_LINE_START = LineStart(r"\(|\ufeff?(?!\d)\w+[ \t]*=[ \t(]*(?!\d)\w+[ \t)]*=(?!=)")


def _hidden(text: str) -> bool:
    return ";" in text or "\\\n" in text or "\f" in text or _HIDDEN_AT_LINE_START.search(text)


def _may_repeat(text: str) -> bool:
    """Whether a top-level name may be assigned twice (cheap, on the text; False only when it is not)."""
    names = _ASSIGNED.findall(text)
    return len(names) != len(set(names)) or _hidden(text)


@functools.lru_cache(maxsize=512)
def _duplicates(path: str, mtime: float) -> Tuple[Tuple[str, int, int, Tuple[str, ...]], ...]:
    """(name, first line, second line, keys only the first sets) of each lost top-level assignment."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
        if not _may_repeat(text):
            return ()
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return ()
    body = tree.body
    out = []
    assigned = Counter(t.id for stmt in body if isinstance(stmt, ast.Assign) for t in stmt.targets
                       if isinstance(t, ast.Name))
    # per statement, computed once when first needed: the names it reads, and whether it declares a global
    seen: Dict[int, Tuple[Set[str], bool]] = {}

    def facts(j: int) -> Tuple[Set[str], bool]:
        if j not in seen:
            nodes = list(ast.walk(body[j]))
            seen[j] = ({n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)},
                       any(isinstance(n, (ast.Global, ast.Nonlocal)) for n in nodes))
        return seen[j]

    for i, stmt in enumerate(body):
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        if assigned[name] < 2:
            continue  # never assigned again
        for j in range(i + 1, len(body)):
            later = body[j]
            reads, scoped = facts(j)
            if name in reads:
                break  # the first value is read (or the later one builds on it)
            targets = later.targets if isinstance(later, ast.Assign) else []
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                toggle = isinstance(stmt.value, ast.Constant) and isinstance(later.value, ast.Constant)
                if ast.dump(stmt.value) != ast.dump(later.value) and not toggle:
                    first, second = _keywords(stmt.value), _keywords(later.value)
                    lost = tuple(k for k in first if k not in second) if first is not None and second is not None else ()
                    out.append((name, stmt.lineno, later.lineno, lost))
                break
            if scoped:
                break
    return tuple(out)


def lost_assignments(path: str) -> Tuple[Tuple[str, int, int, Tuple[str, ...]], ...]:
    """(name, first line, second line, keys only the first sets) of each top-level assignment of the file
    that a later one replaces without reading it."""
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        return ()
    return _duplicates(path, mtime)


class DuplicateTopLevelKey(Rule):
    """A top-level key assigned twice in one config file: the first value is silently lost.

    A config is a Python module: the second `default_hooks = dict(...)` replaces the first one
    entirely (inheritance merges with the *base*, not with an earlier line of the same file).
    Whatever only the first assignment set is gone; mmyolo configs lose a scheduler hook this way.
    Assignments that read the earlier value (`model = dict(model, ...)`) are not reported, nor a
    constant set twice (`text_model_name = 'local/path'` then `= 'hub/name'`: the toggle idiom).

    Fix: merge the two assignments into one.
    """

    code = "SL909"
    name = "duplicate-top-level-key"
    severity = Severity.WARNING
    summary = "a top-level key assigned twice in one file; the first value is lost"
    invalid = [
        Example(cfg(_HOOK, """\
            default_hooks = dict(param_scheduler=dict(type='YOLOv5ParamSchedulerHook', max_epochs=300))
            default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10))
            """), epoch_length=10),
    ]
    valid = [
        Example(cfg(_HOOK, """\
            default_hooks = dict(param_scheduler=dict(type='YOLOv5ParamSchedulerHook', max_epochs=300),
                                 checkpoint=dict(type='CheckpointHook', interval=10))
            """), epoch_length=10),
        Example(cfg(_HOOK, """\
            lr = 0.01
            lr = lr * 2
            default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10))
            default_hooks.update(logger=dict(type='LoggerHook'))
            """), epoch_length=10, note="the second assignment reads the first"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        # the loader says which files of the chain assign a top-level name twice (from the trees it parsed)
        twice = ctx.resolved.assigned_twice
        for path in dict.fromkeys(ctx.resolved.chain or [ctx.plan.filename]):
            if not path.endswith(".py") or (twice is not None and path not in twice):
                continue
            for name, first, second, lost in lost_assignments(path):
                what = (f"the keys only the first set ({', '.join(lost)}) are lost" if lost
                        else "the first value is never used")
                msg = (f"`{name}` is assigned twice in this file (lines {first} and {second}): Python keeps only the "
                       f"last assignment, so {what}; merge them into one")
                # keys only the first dict set are a loss (warning); a value fully re-set is dead code (info)
                severity = Severity.WARNING if lost else Severity.INFO
                yield self.finding(msg, Location(path, first), [Related(Location(path, second), "assigned again here")],
                                   severity=severity)

