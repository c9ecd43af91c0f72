"""Helper variables a config binds again after a base used them.

A config's names are evaluated file by file, bases first, and nothing is evaluated again: a base's
`train_cfg = dict(max_epochs=max_epochs)` holds the `max_epochs` of the base when it was read, so a child
that only writes `max_epochs = 24` changes the top-level name and nothing built from it (mmengine and
mmcv alike, `_base_` and pure-Python configs alike). This module finds those values: the loader notes every
number a file binds again over an inherited one (`rebound_in`), and `stale_values` finds the run-setup values
a base computed from such a name that would differ with its new value.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from schedlint.loader.files import char_col
from schedlint.loader.values import CfgDict, walk_provenance
from schedlint.model import Location

# the top-level keys whose values decide the schedule and the run's length and cadence (what schedlint
# simulates and judges). Not `auto_scale_lr`: its `base_batch_size` is the batch the LR was tuned for, which
# stays when a child changes its batch size; nor the data pipelines a hook switches to (augmentation)
SETUP_KEYS = ("train_cfg", "optim_wrapper", "optimizer", "param_scheduler", "default_hooks", "custom_hooks",
              "runner", "total_epochs", "lr_config", "momentum_config", "evaluation", "checkpoint_config")
_NOT_SETUP = frozenset({"pipeline", "switch_pipeline", "train_pipeline"})
_MAX_SNIPPET = 2_000  # characters of one value's expression worth parsing
_MAX_BITS = 4_096  # integers past this are not evaluated again


@dataclass(frozen=True)
class Rebound:
    """A top-level number a file binds again over the one it inherited."""

    name: str
    old: float
    old_loc: Optional[Location]
    new: float
    new_loc: Location


@dataclass(frozen=True)
class StaleValue:
    """A run-setup value a base computed from a helper that a later file binds again."""

    helpers: Tuple[Rebound, ...]  # the names it was computed from that a later file binds again
    path: Tuple[Any, ...]
    loc: Location  # where the value was computed
    value: Any  # what it is
    expected: Any  # what the same expression gives with the helper's new value
    expression: str = ""  # the expression, as Python writes it


def _number(value: Any) -> bool:
    return type(value) is int or type(value) is float and math.isfinite(value)  # (isfinite of a huge int raises)


def rebound_in(own: CfgDict, inherited: CfgDict, path: str) -> Tuple[Rebound, ...]:
    """The numbers a file (`own`, its top-level names) binds again over inherited ones, with other values."""
    out = []
    for key, value in own.items():
        loc = own.locs.get(key)
        if key not in inherited or loc is None or loc.file != path:
            continue
        old = inherited[key]
        if _number(value) and _number(old) and value != old:
            out.append(Rebound(str(key), old, inherited.locs.get(key), value, loc))
    return tuple(out)


def stale_values(values: Mapping, rebound: Iterable[Rebound], chain: List[str],
                 text_of: Callable[[str], str]) -> List[StaleValue]:
    """The run-setup values of a resolved config that a base computed from a helper a later file binds
    again, and that the helper's final value would change."""
    rebound = [r for r in rebound if r.new_loc.file in chain]
    if not rebound:
        return []
    order = {p: i for i, p in enumerate(chain)}
    lines: Dict[str, Optional[List[str]]] = {}

    def lines_of(path: str) -> Optional[List[str]]:
        if path not in lines:
            try:
                lines[path] = text_of(path).splitlines()
            except Exception:  # the loader's own read: a file it could read before
                lines[path] = None
        return lines[path]

    out: List[StaleValue] = []
    reported: List[Tuple[Any, ...]] = []
    for key in SETUP_KEYS:
        if key not in values:
            continue
        entries = [((key,), getattr(values, "locs", {}).get(key))] + list(walk_provenance(values[key], (key,)))
        for path, loc in entries:
            if loc is None or loc.file not in order or any(path[:len(p)] == p for p in reported) \
                    or not _NOT_SETUP.isdisjoint(p for p in path if isinstance(p, str)):
                continue
            stale = _stale(values, path, loc, rebound, order, lines_of)
            if stale is not None:
                out.append(stale)
                reported.append(path)
    return out


def _stale(values: Mapping, path: Tuple[Any, ...], loc: Location, rebound: List[Rebound], order: Dict[str, int],
           lines_of: Callable[[str], Optional[List[str]]]) -> Optional[StaleValue]:
    later = [r for r in rebound if order.get(r.new_loc.file, -1) > order[loc.file]]
    if not later:
        return None
    snippet = _snippet(loc, lines_of)
    if snippet is None or not any(r.name in snippet for r in later):
        return None
    try:
        expr = ast.parse("(" + snippet + "\n)", mode="eval").body
    except (SyntaxError, ValueError):
        return None
    names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
    # each name once (bound again in several later files: from its value when the value was computed, before
    # the first binding after its file, to its final binding)
    by_name: Dict[str, Rebound] = {}
    for r in sorted(later, key=lambda r: order[r.new_loc.file]):
        first = by_name.get(r.name)
        by_name[r.name] = r if first is None else Rebound(r.name, first.old, first.old_loc, r.new, r.new_loc)
    helpers = [r for name, r in by_name.items() if name in names]
    if not helpers:
        return None
    then_env: Dict[str, Any] = {name: r.old for name, r in by_name.items()}
    value = _lookup(values, path)
    try:
        then = _evaluate(expr, lambda n: then_env[n] if n in then_env else values.get(n))
        now = _evaluate(expr, lambda n: values.get(n))
    except (_Unsupported, ArithmeticError, ValueError, TypeError, OverflowError):
        return None
    if not _equal(then, value) or _equal(now, then):
        return None  # not what produced the value, or the new binding changes nothing
    return StaleValue(tuple(helpers), path, loc, value, now, ast.unparse(expr))


def _lookup(values: Mapping, path: Tuple[Any, ...]) -> Any:
    value: Any = values
    for part in path:
        value = value[part]
    return value


def _snippet(loc: Location, lines_of: Callable[[str], Optional[List[str]]]) -> Optional[str]:
    """The source text of a value (its expression), from its location."""
    if loc.end_line is None or loc.end_col is None or loc.end_line - loc.line > 20:
        return None
    lines = lines_of(loc.file)
    if lines is None or loc.end_line > len(lines):
        return None
    first, last = lines[loc.line - 1], lines[loc.end_line - 1]
    start, end = char_col(first, loc.col), char_col(last, loc.end_col)  # ast counts UTF-8 bytes
    if loc.line == loc.end_line:
        snippet = first[start:end]
    else:
        snippet = "\n".join([first[start:]] + lines[loc.line:loc.end_line - 1] + [last[:end]])
    return snippet if snippet and len(snippet) <= _MAX_SNIPPET else None


class _Unsupported(Exception):
    pass


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_CALLS = {"int": int, "float": float, "round": round, "min": min, "max": max, "abs": abs}


def _evaluate(node: ast.expr, name: Callable[[str], Any]) -> Any:
    """Numbers, names, + - * / // %, small powers, int/float/round/min/max/abs and lists of them; anything
    else is not judged."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name):
        value = name(node.id)
        if not _number(value):
            raise _Unsupported(node.id)
        return value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, name)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        value = _BINARY[type(node.op)](_evaluate(node.left, name), _evaluate(node.right, name))
        if type(value) is int and value.bit_length() > _MAX_BITS:
            raise _Unsupported("a huge integer")  # (a chain of products of config integers)
        return value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exp = _evaluate(node.left, name), _evaluate(node.right, name)
        if abs(exp) > 64 or abs(base) > 1e6:
            raise _Unsupported("power")
        return base ** exp
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _CALLS
            and not node.keywords and 0 < len(node.args) <= 8):
        return _CALLS[node.func.id](*(_evaluate(a, name) for a in node.args))
    if isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) <= 64:
        return [_evaluate(e, name) for e in node.elts]
    raise _Unsupported(type(node).__name__)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if type(a) is int and type(b) is int:
        return a == b
    if _number(a) and _number(b):
        try:
            return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
        except OverflowError:  # a huge int against a float
            return False
    return False
