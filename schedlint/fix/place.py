"""Where a fix is written: text edits in place (the file that set each value), or an override
in the leaf config (`_base_.param_scheduler[i].key = value` statements when the leaf already
writes that way, else the whole `param_scheduler` list, since mmengine replaces lists)."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from schedlint.fix.text import (
    Code,
    EditConflict,
    Source,
    Style,
    detect_style,
    is_expression,
    key_before,
    names_in,
    render,
    uses_only_constants,
)
from schedlint.fix.transforms import Change, Transform, config_dict
from schedlint.model import Edit, Location

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.rules.base import Context

TextOf = Callable[[str], str]
Editable = Callable[[str], bool]


class CannotPlace(Exception):
    """The fix cannot be written this way (reason in the message)."""


@dataclass
class Placement:
    """Text edits that write a transform into files, and how to say where."""

    how: str  # 'in place' or 'override'
    edits: List[Edit]
    description: str
    files: List[str] = field(default_factory=list)


def placements(ctx: "Context", transform: Transform, text_of: TextOf, editable: Editable,
               reasons: Optional[List[str]] = None) -> List[Placement]:
    """Ways to write `transform`, preferred first: in place when every value lives in an editable
    file, then as an override in the leaf config. Empty when neither is possible (the reasons
    are appended to `reasons`)."""
    out: List[Placement] = []
    for how, build in (("in place", in_place), ("override", override)):
        try:
            placement = build(ctx, transform, text_of, editable)
        except (CannotPlace, EditConflict, SyntaxError, ValueError) as exc:
            if reasons is not None:
                reasons.append(f"{how}: {exc}")
            continue
        if placement is not None and placement.edits:
            out.append(placement)
    return out


def _rel(path: str, start: Optional[str] = None) -> str:
    try:
        return os.path.relpath(path, start) if start else os.path.basename(path)
    except ValueError:
        return path


# ---------------------------------------------------------------------------------------------
# in place


def _loc_key(loc: Location) -> Tuple[Any, ...]:
    return (loc.file, loc.line, loc.col, loc.end_line, loc.end_col)


def _location_users(ctx: "Context") -> Dict[Tuple[Any, ...], List[Tuple[int, str]]]:
    """Every scheduler value location -> the (scheduler, key) pairs whose value was set there."""
    users: Dict[Tuple[Any, ...], List[Tuple[int, str]]] = {}
    for s in ctx.plan.schedulers:
        cfg = ctx.resolved.get(*s.path)
        if not isinstance(cfg, dict):
            continue
        for key in list(cfg) + ["self"]:
            loc = ctx.resolved.loc(*s.path) if key == "self" else ctx.resolved.loc(*s.path, key)
            if loc is not None:
                users.setdefault(_loc_key(loc), []).append((s.index, key))
    return users


class _Files:
    """Sources and styles of the files being edited, read once."""

    def __init__(self, text_of: TextOf) -> None:
        self.text_of = text_of
        self.sources: Dict[str, Source] = {}
        self.styles: Dict[str, Style] = {}

    def source(self, path: str) -> Source:
        """The file's text (refused for old-Mac line endings)."""
        if path not in self.sources:
            src = Source(path, self.text_of(path))
            if src.has_lone_cr:
                raise CannotPlace(f"{path}: old-Mac line endings")
            self.sources[path] = src
        return self.sources[path]

    def style(self, path: str) -> Style:
        """The file's own style."""
        if path not in self.styles:
            self.styles[path] = detect_style(self.source(path).text)
        return self.styles[path]


def _checked_span(files: _Files, loc: Optional[Location], editable: Editable) -> Tuple[Source, int, int]:
    if loc is None or loc.end_line is None or loc.end_col is None:
        raise CannotPlace("value without a precise location")
    if not editable(loc.file):
        raise CannotPlace(f"{loc.file} may not be edited")
    src = files.source(loc.file)
    for line in range(loc.line, loc.end_line + 1):
        if "{{" in src.line_text(line):
            raise CannotPlace("a line with `{{ }}` templates")
    start, end = src.span(loc)
    if not is_expression(src.text[start:end]):
        raise CannotPlace("the location is not an expression")
    return src, start, end


def _level(src: Source, offset: int, style: Style) -> int:
    line, _ = src.position(offset)
    text = src.line_text(line)
    indent = len(text) - len(text.lstrip(" \t"))
    return indent // max(1, len(style.indent))


def in_place(ctx: "Context", transform: Transform, text_of: TextOf, editable: Editable) -> Optional[Placement]:
    """Edit each changed value where it is written."""
    files = _Files(text_of)
    users = _location_users(ctx)
    new_of: Dict[Tuple[int, str], Any] = {}
    for s in ctx.plan.schedulers:
        change = transform.changes.get(s.index)
        current = change.new if change else config_dict(ctx, s)
        for key, value in current.items():
            new_of[(s.index, key)] = value
    edits: List[Edit] = []
    touched: Dict[Tuple[Any, ...], Any] = {}

    def guard_shared(loc: Location, index: int, key: str, value: Any) -> bool:
        """False when the location also sets a value that must not change (a loop, a shared helper)."""
        for other in users.get(_loc_key(loc), []):
            if other == (index, key):
                continue
            if other[1] == "self" or new_of.get(other, object()) != value:
                raise CannotPlace("a value written once for several schedulers that need different values")
        if _loc_key(loc) in touched:
            if touched[_loc_key(loc)] != value:
                raise CannotPlace("conflicting values for one location")
            return False
        touched[_loc_key(loc)] = value
        return True

    for change in transform.changes.values():
        removed, added = change.removed_keys, [k for k in change.new if k not in change.old]
        renamed = (
            len(removed) == 1 and len(added) == 1 and change.new[added[0]] == change.old[removed[0]]
            and list(change.new).index(added[0]) == list(change.old).index(removed[0])
        )
        if change.replaces_type or (removed and not renamed):
            edits.append(_replace_element(ctx, change, files, editable))
            continue
        for key in change.changed_keys:
            if renamed and key == added[0]:
                loc = ctx.resolved.loc(*change.path, removed[0])
                src, start, end = _checked_span(files, loc, editable)
                span = key_before(src, start, removed[0])
                if span is None or not guard_shared(loc, change.index, removed[0], change.new[key]):
                    raise CannotPlace("cannot find the key to rename")
                edits.append(src.edit(span[0], span[1], key))
            elif key in change.old:
                loc = ctx.resolved.loc(*change.path, key)
                src, start, end = _checked_span(files, loc, editable)
                if key_before(src, start, key) is None:
                    raise CannotPlace(f"`{key}` is not written next to its value")
                if not guard_shared(loc, change.index, key, change.new[key]):
                    continue
                style = files.style(src.path)
                edits.append(src.edit(start, end, render(change.new[key], style, _level(src, start, style))))
            else:
                edits.append(_add_key(ctx, change, key, files, editable))
    if not edits:
        return None
    edited = sorted({e.file for e in edits})
    where = ", ".join(_rel(f) for f in edited)
    return Placement("in place", edits, f"in {where}", edited)


def _element(ctx: "Context", change: Change, files: _Files, editable: Editable) -> Tuple[Source, int, int, ast.AST]:
    loc = ctx.resolved.loc(*change.path)
    src, start, end = _checked_span(files, loc, editable)
    node = ast.parse(src.text[start:end].strip(), mode="eval").body
    is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args
    if not (is_call or isinstance(node, ast.Dict)) or any(
        k is None for k in getattr(node, "keys", [])
    ) or any(kw.arg is None for kw in getattr(node, "keywords", [])):
        raise CannotPlace("the scheduler is not written as a dict display")
    written = [kw.arg for kw in node.keywords] if is_call else [
        k.value for k in node.keys if isinstance(k, ast.Constant)
    ]
    if set(written) != set(change.old):
        raise CannotPlace("the scheduler's keys are not all written in its dict")
    for key in change.old:  # every value must come from this very dict, not a later statement
        key_loc = ctx.resolved.loc(*change.path, key)
        if key_loc is None or key_loc.file != src.path or key_loc.end_line is None:
            raise CannotPlace(f"`{key}` of the scheduler is set elsewhere")
        a, b = src.span(key_loc)
        if not (start <= a and b <= end):
            raise CannotPlace(f"`{key}` of the scheduler is set elsewhere")
    sharing = [u for u in _location_users(ctx).get(_loc_key(loc), []) if u[1] == "self"]
    if len(sharing) > 1:
        raise CannotPlace("one dict written for several schedulers (a comprehension or a loop)")
    return src, start, end, node


def _replace_element(ctx: "Context", change: Change, files: _Files, editable: Editable) -> Edit:
    src, start, end, node = _element(ctx, change, files, editable)
    style = files.style(src.path)
    style = Style(isinstance(node, ast.Call), style.quote, style.indent, style.newline, style.width)
    values: Dict[str, Any] = {}
    for key, value in change.new.items():
        values[key] = value
        if key in change.old and change.old[key] == value:
            loc = ctx.resolved.loc(*change.path, key)
            if loc is not None and loc.file == src.path and loc.end_line is not None:
                try:
                    a, b = src.span(loc)
                except EditConflict:
                    continue
                if start <= a and b <= end and "\n" not in src.text[a:b]:
                    values[key] = Code(src.text[a:b])
    multiline = "\n" in src.text[start:end] and _one_item_per_line(node)
    return src.edit(start, end, render(values, style, _level(src, start, style), wrap=multiline))


def _one_item_per_line(node: ast.AST) -> bool:
    items = node.keywords if isinstance(node, ast.Call) else node.values
    lines = [getattr(i, "lineno", 0) for i in items]
    return len(set(lines)) == len(lines) and lines[0] != node.lineno


def _add_key(ctx: "Context", change: Change, key: str, files: _Files, editable: Editable) -> Edit:
    src, start, end, node = _element(ctx, change, files, editable)
    style = files.style(src.path)
    items = node.keywords if isinstance(node, ast.Call) else node.values
    if not items:
        raise CannotPlace("empty dict")
    text = src.text[start:end]
    # positions inside the element's own text (parsed on its own, so line 1 starts at `start`)
    sub = Source(src.path, text)
    last = items[-1]
    last_end = sub.offset(last.end_lineno, sub.char_col(last.end_lineno, last.end_col_offset))
    value_text = render(change.new[key], style, _level(src, start, style) + 1)
    item = f"{key}={value_text}" if isinstance(node, ast.Call) else f"{style.quote}{key}{style.quote}: {value_text}"
    first_line = node.lineno
    last_line = last.lineno
    tail = text[last_end:]
    has_comma = tail.lstrip(" \t").startswith(",")
    if last_line == first_line:
        insert_at, content = last_end, f", {item}"
    else:
        first = items[-1] if isinstance(node, ast.Call) else node.keys[-1]
        indent_line = sub.line_text(first.lineno)
        indent = indent_line[: len(indent_line) - len(indent_line.lstrip(" \t"))]
        if has_comma:
            insert_at = last_end + tail.index(",") + 1
            content = f"{src.newline}{indent}{item},"
        else:
            insert_at, content = last_end, f",{src.newline}{indent}{item}"
    return src.edit(start + insert_at, start + insert_at, content)


# ---------------------------------------------------------------------------------------------
# override in the leaf


def _top_level_targets(tree: ast.Module) -> List[Tuple[ast.stmt, str]]:
    out = []
    for stmt in tree.body:
        targets: List[ast.AST] = []
        if isinstance(stmt, ast.Assign):
            targets = list(stmt.targets)
        elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
            targets = [stmt.target]
        elif isinstance(stmt, ast.Delete):
            targets = list(stmt.targets)
        elif isinstance(stmt, ast.Expr):
            targets = [stmt.value]
        for t in targets:
            try:
                out.append((stmt, ast.unparse(t)))
            except Exception:  # pragma: no cover - unparse of odd nodes
                continue
    return out


def _index_text(path: Tuple[Any, ...], style: Style) -> str:
    out = ""
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else f"[{render(part, style)}]"
    return out


def override(ctx: "Context", transform: Transform, text_of: TextOf, editable: Editable) -> Optional[Placement]:
    """Write the fixed schedulers into the leaf config itself."""
    leaf = ctx.resolved.filename
    if not editable(leaf):
        raise CannotPlace(f"{leaf} may not be edited")
    if ctx.resolved.lazy or ctx.resolved.executed:
        raise CannotPlace("pure-Python (read_base) or executed configs are not rewritten")
    paths = [c.path for c in transform.changes.values()]
    if not paths or any(p[0] != "param_scheduler" or len(p) > 2 for p in paths):
        raise CannotPlace("only a single param_scheduler list is rewritten")
    files = _Files(text_of)
    src = files.source(leaf)
    tree = src.tree
    style = files.style(leaf)
    if not _base_keys(src):
        raise CannotPlace("the leaf has no _base_")
    statements = _top_level_targets(tree)
    own = [stmt for stmt, target in statements if target == "param_scheduler"]
    in_place_edits = [stmt for stmt, target in statements if target.startswith("_base_.param_scheduler")]
    if in_place_edits and not own:
        return _attribute_override(ctx, transform, src, style, in_place_edits[-1], text_of)
    return _list_override(ctx, transform, src, style, statements, text_of)


def _base_keys(src: Source) -> bool:
    return any(
        isinstance(s, ast.Assign) and isinstance(s.targets[0], ast.Name) and s.targets[0].id == "_base_"
        for s in src.tree.body
    )


def _attribute_override(ctx: "Context", transform: Transform, src: Source, style: Style,
                        after: ast.stmt, text_of: TextOf) -> Placement:
    lines: List[str] = []
    for change in sorted(transform.changes.values(), key=lambda c: c.index):
        target = "_base_.param_scheduler" + _index_text(change.path, style)
        if change.replaces_type or change.removed_keys:
            values = _values_for_leaf(ctx, change.path, change.new, change.old, src, text_of)
            lines.append(f"{target} = {render(values, style, 0)}")
            continue
        for key in change.changed_keys:
            lines.append(f"{target}.{key} = {render(change.new[key], style, 0)}")
    nl = src.newline
    at = src.insertion_after(after)
    prefix = nl if at == len(src.text) and src.text and not src.text.endswith("\n") else ""
    content = prefix + nl.join(lines) + nl
    shown = "; ".join(lines) if len(lines) <= 2 else f"{len(lines)} statements"
    return Placement("override", [src.edit(at, at, content)], f"`{shown}` in {_rel(src.path)}", [src.path])


def _list_override(ctx: "Context", transform: Transform, src: Source, style: Style,
                   statements: List[Tuple[ast.stmt, str]], text_of: TextOf) -> Placement:
    value = ctx.resolved.get("param_scheduler")
    if isinstance(value, dict) and "type" in value:
        entries = [(("param_scheduler",), value)]
    elif isinstance(value, list):
        entries = [(("param_scheduler", i), v) for i, v in enumerate(value)]
    else:
        raise CannotPlace("param_scheduler is neither a list nor a dict")
    by_path = {c.path: c for c in transform.changes.values()}
    rendered: List[Dict[str, Any]] = []
    for path, cfg in entries:
        if not isinstance(cfg, dict):
            raise CannotPlace("a param_scheduler entry is not a dict")
        change = by_path.get(path)
        old = {k: v for k, v in _plain(cfg).items() if k != "_scope_"}
        new = change.new if change else old
        rendered.append(_values_for_leaf(ctx, path, new, old, src, text_of))
    nl = src.newline
    items = [style.indent + render(d, style, 1) for d in rendered]
    code = "param_scheduler = [" + nl + ("," + nl).join(items) + "," + nl + "]"
    list_file = (ctx.resolved.loc("param_scheduler") or Location(src.path, 1)).file
    origin = f" of {_rel(list_file, os.path.dirname(src.path))}" if list_file != src.path else ""
    comment = f"# schedlint fix: the param_scheduler{origin}, {transform.done}"
    horizon = ctx.plan.horizon.locs.get("max_epochs") or ctx.plan.horizon.locs.get("max_iters") or \
        ctx.plan.horizon.locs.get("train_cfg")
    after = None
    if horizon is not None and horizon.file == src.path:
        after = src.top_level_statement(horizon.line)
        later = [stmt for stmt, target in statements if "param_scheduler" in target and after is not None
                 and stmt.lineno > (after.end_lineno or after.lineno)]
        if later:
            after = None
    if after is None:
        at = len(src.text)
    else:
        at = src.insertion_after(after)
    prefix = ""
    if at == len(src.text):
        if src.text and not src.text.endswith("\n"):
            prefix = nl
    block = prefix + nl + comment + nl + code + nl
    if at < len(src.text) and src.text[at:].split("\n", 1)[0].strip():
        block += nl
    return Placement("override", [src.edit(at, at, block)],
                     f"as a param_scheduler override in {_rel(src.path)}", [src.path])


def _plain(value: Any) -> Any:
    from schedlint.loader.values import plain

    return plain(value)


def _values_for_leaf(ctx: "Context", path: Tuple[Any, ...], new: Dict[str, Any], old: Dict[str, Any],
                     leaf: Source, text_of: TextOf) -> Dict[str, Any]:
    """The dict to write into the leaf: unchanged values keep their expression where it means the
    same in the leaf (constants, or `_base_.name` for a base helper), else the resolved value."""
    out: Dict[str, Any] = {}
    for key, value in new.items():
        out[key] = value
        if key not in old or old[key] != value:
            continue
        code = _portable_expression(ctx, path, key, value, leaf, text_of)
        if code is not None:
            out[key] = code
    return out


def _portable_expression(ctx: "Context", path: Tuple[Any, ...], key: str, value: Any, leaf: Source,
                         text_of: TextOf) -> Optional[Code]:
    if isinstance(value, (str, bool)) or value is None or not isinstance(value, (int, float)):
        return None
    loc = ctx.resolved.loc(*path, key)
    if loc is None or loc.end_line is None or loc.end_line != loc.line:
        return None
    try:
        src = leaf if loc.file == leaf.path else Source(loc.file, text_of(loc.file))
        text = src.segment(loc)
    except Exception:
        return None
    if "{{" in text or not is_expression(text):
        return None
    if uses_only_constants(text):
        return Code(text.strip()) if _safe_eval(text, {}) == value else None
    names = set(names_in(text))
    if loc.file == leaf.path:
        if names == {"_base_"} and _eval_with_base(ctx, text) == value:
            return Code(text.strip())
        return None
    # a helper of a base file (`lr * 10`): `_base_.lr * 10` means the same in the leaf
    env: Dict[str, Any] = {}
    for name in names:
        name_loc = ctx.resolved.loc(name)
        if name == "_base_" or name_loc is None or name_loc.file == leaf.path:
            return None
        env[name] = ctx.resolved.get(name)
        if not isinstance(env[name], (int, float)) or isinstance(env[name], bool):
            return None
    result = _safe_eval(text, env)
    if result is None or result != value or type(result) is not type(value):
        return None
    return Code(_prefix_names(text.strip()))


def _prefix_names(text: str) -> str:
    """`lr * 1e-4` -> `_base_.lr * 1e-4`, keeping the rest of the text as written."""
    tree = ast.parse(text, mode="eval")
    src = Source("", text)
    starts = sorted(
        (src.offset(n.lineno, src.char_col(n.lineno, n.col_offset)) for n in ast.walk(tree) if isinstance(n, ast.Name)),
        reverse=True,
    )
    for at in starts:
        text = text[:at] + "_base_." + text[at:]
    return text


def _eval_with_base(ctx: "Context", text: str) -> Any:
    tree = ast.parse(text.strip(), mode="eval")

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "_base_":
            value = ctx.resolved.get(node.attr)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError
            return value
        return _arith(node, ev)

    try:
        return ev(tree.body)
    except Exception:
        return None


def _safe_eval(text: str, env: Dict[str, Any]) -> Any:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise ValueError(node.id)
            return env[node.id]
        return _arith(node, ev)

    try:
        return ev(tree.body)
    except Exception:
        return None


def _arith(node: ast.AST, ev: Callable[[ast.AST], Any]) -> Any:
    import operator

    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in ops:
        return ops[type(node.op)](ev(node.left), ev(node.right))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        right = ev(node.right)
        if abs(right) > 100:
            raise ValueError("exponent")
        return ev(node.left) ** right
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = ev(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    raise ValueError(type(node).__name__)
