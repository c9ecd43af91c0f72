"""Where a fix is written: libcst edits in place (the node behind each value's provenance, in the
file that set it), or an override in the leaf config (`_base_.param_scheduler[i].key = value`
statements when the leaf already writes that way, else the whole `param_scheduler` list, since
mmengine replaces lists). Existing statements are edited; new ones are added only when none exists."""

from __future__ import annotations

import ast
import os

import libcst as cst
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Tuple

from schedlint.fix.cst import CannotEdit, Document, dict_keys, text_edits
from schedlint.fix.render import (Code, Style, detect_style, eval_with_base as _eval_with_base, is_expression, names_in,
                                  prefix_names as _prefix_names, render, safe_eval as _safe_eval, uses_only_constants)
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
    """A transform written into files: their new texts, the edits (for `check`'s JSON), and how
    to say where."""

    how: str  # 'in place' or 'override'
    edits: List[Edit]
    description: str
    files: List[str] = field(default_factory=list)
    texts: Dict[str, str] = field(default_factory=dict)  # file -> its text with the fix


def placements(ctx: "Context", transform: Transform, text_of: TextOf, editable: Editable,
               reasons: Optional[List[str]] = None) -> Iterator[Placement]:
    """Ways to write `transform`, preferred first: in place when every value lives in an editable
    file, then as an override in the leaf config. Built one at a time (a caller that takes the
    first never pays for the second); none when neither is possible (the reasons are appended to
    `reasons`)."""
    for how, build in (("in place", in_place), ("override", override)):
        try:
            placement = build(ctx, transform, text_of, editable)
        except (CannotPlace, CannotEdit, SyntaxError, ValueError) as exc:
            if reasons is not None:
                reasons.append(f"{how}: {exc}")
            continue
        if placement is not None and placement.edits:
            yield placement


def _rel(path: str, start: Optional[str] = None) -> str:
    try:
        return os.path.relpath(path, start) if start else os.path.basename(path)
    except ValueError:
        return path


class _Files:
    """The documents (libcst) and styles of the files being edited, read once."""

    def __init__(self, text_of: TextOf) -> None:
        self.text_of = text_of
        self.docs: Dict[str, Document] = {}
        self.styles: Dict[str, Style] = {}

    def doc(self, path: str) -> Document:
        """The file parsed by libcst (its queued rewrites are shared by every edit of one placement)."""
        if path not in self.docs:
            self.docs[path] = Document(path, self.text_of(path))
        return self.docs[path]

    def style(self, path: str) -> Style:
        """The file's own style (for values written anew)."""
        if path not in self.styles:
            self.styles[path] = detect_style(self.text_of(path))
        return self.styles[path]

    def placement(self, how: str, description: str) -> Optional[Placement]:
        """The placement made of every queued rewrite (None when nothing changes)."""
        texts, edits = {}, []
        for path, doc in sorted(self.docs.items()):
            new = doc.result()
            if new != doc.text:
                texts[path] = new
                edits.extend(text_edits(path, doc.text, new))
        if not texts:
            return None
        return Placement(how, edits, description.format(where=", ".join(_rel(f) for f in texts)), sorted(texts), texts)


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


def _node(files: _Files, loc: Optional[Location], editable: Editable) -> Tuple[Document, Any]:
    """The document and the libcst node behind a value's location."""
    if loc is None or loc.end_line is None or loc.end_col is None:
        raise CannotPlace("value without a precise location")
    if not editable(loc.file):
        raise CannotPlace(f"{loc.file} may not be edited")
    doc = files.doc(loc.file)
    for line in range(loc.line, loc.end_line + 1):
        if "{{" in (doc.text.splitlines() or [""])[min(line, len(doc.text.splitlines())) - 1]:
            raise CannotPlace("a line with `{{ }}` templates")
    return doc, doc.node_at(loc)


def _value_code(value: Any, files: _Files, doc: Document, node: Any, expression: Optional[str] = None) -> str:
    """Source for a new value at `node`: `expression` (kept a function of its names) or the value."""
    if expression is not None:
        return expression
    style = files.style(doc.path)
    level = 1 if doc.line_of(node) != doc.line_of(doc.statement_of(node)) else 0
    return render(value, style, level)


def in_place(ctx: "Context", transform: Transform, text_of: TextOf, editable: Editable) -> Optional[Placement]:
    """Edit each changed value where it is written (the node its provenance points at)."""
    files = _Files(text_of)
    users = _location_users(ctx)
    new_of: Dict[Tuple[int, str], Any] = {}
    for s in ctx.plan.schedulers:
        change = transform.changes.get(s.index)
        current = change.new if change else config_dict(ctx, s)
        for key, value in current.items():
            new_of[(s.index, key)] = value
    touched: Dict[Tuple[Any, ...], Any] = {}
    marked: set = set()

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
        if change.replaces_type or (removed and not renamed) or (added and not renamed):
            _edit_element(ctx, change, files, editable)
            continue
        for key in change.changed_keys:
            source = removed[0] if renamed and key == added[0] else key
            loc = ctx.resolved.loc(*change.path, source)
            doc, node = _node(files, loc, editable)
            if not doc.key_is_written(node, source):
                raise CannotPlace(f"`{source}` is not written next to its value")
            if not guard_shared(loc, change.index, source, change.new[key]):
                continue
            if transform.kind == "rescale" and doc.statement_of(node) not in marked:
                marked.add(doc.statement_of(node))
                _refresh_marker(ctx, doc, doc.statement_of(node), transform)
            if source != key:
                doc.rename_key(node, source, key)
            else:
                kept = change.expressions.get(key)
                if kept is None and doc.path == ctx.resolved.filename:
                    kept = _leaf_expression(ctx, change.path, key, change.new[key], doc, text_of)
                doc.replace(node, _value_code(change.new[key], files, doc, node, kept))
    return files.placement("in place", "in {where}")


def _element(ctx: "Context", change: Change, files: _Files, editable: Editable) -> Tuple[Document, Any]:
    """The dict a scheduler is written as, when every one of its values is written in it."""
    loc = ctx.resolved.loc(*change.path)
    doc, node = _node(files, loc, editable)
    keys = dict_keys(node)
    if keys is None:
        raise CannotPlace("the scheduler is not written as a dict display")
    if set(keys) != set(change.old):
        raise CannotPlace("the scheduler's keys are not all written in its dict")
    for key in change.old:  # every value must come from this very dict, not a later statement
        key_loc = ctx.resolved.loc(*change.path, key)
        if key_loc is None or key_loc.file != doc.path or key_loc.end_line is None:
            raise CannotPlace(f"`{key}` of the scheduler is set elsewhere")
        if doc.parent(doc.parent(doc.node_at(key_loc))) is not node:
            raise CannotPlace(f"`{key}` of the scheduler is set elsewhere")
    sharing = [u for u in _location_users(ctx).get(_loc_key(loc), []) if u[1] == "self"]
    if len(sharing) > 1:
        raise CannotPlace("one dict written for several schedulers (a comprehension or a loop)")
    return doc, node


def _edit_element(ctx: "Context", change: Change, files: _Files, editable: Editable) -> None:
    """Rewrite a scheduler's dict item by item: unchanged items stay as written (comments too)."""
    doc, node = _element(ctx, change, files, editable)
    removed = change.removed_keys
    items: List[Tuple[str, Optional[str], Optional[str]]] = []
    style = files.style(doc.path)
    style = Style(isinstance(node, ast.Call) or type(node).__name__ == "Call", style.quote, style.indent,
                  style.newline, style.width)
    level = 2 if doc.multiline(node) else 1
    for key, value in change.new.items():
        if key in change.old:
            same = change.old[key] == value and key not in change.expressions
            items.append((key, key, None if same else change.expressions.get(key) or render(value, style, level)))
            continue
        twin = next((r for r in removed if change.old[r] == value and r.split("_")[0] == key.split("_")[0]), None)
        if twin is not None:  # eta_min -> eta_min_ratio: the same value under another key
            removed = [r for r in removed if r != twin]
            items.append((key, twin, None))
        else:
            items.append((key, None, change.expressions.get(key) or render(value, style, level)))
    doc.edit_dict(node, items)


# ---------------------------------------------------------------------------------------------
# override in the leaf


def _index_text(path: Tuple[Any, ...], style: Style) -> str:
    out = ""
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else f"[{render(part, style)}]"
    return out


def _norm(code: str) -> str:
    return "".join(code.split()).replace('"', "'")


def override(ctx: "Context", transform: Transform, text_of: TextOf, editable: Editable) -> Optional[Placement]:
    """Write the fixed schedulers into the leaf config itself (editing the statements it already
    has for them)."""
    leaf = ctx.resolved.filename
    if not editable(leaf):
        raise CannotPlace(f"{leaf} may not be edited")
    if ctx.resolved.lazy or ctx.resolved.executed:
        raise CannotPlace("pure-Python (read_base) or executed configs are not rewritten")
    paths = [c.path for c in transform.changes.values()]
    if not paths or any(p[0] != "param_scheduler" or len(p) > 2 for p in paths):
        raise CannotPlace("only a single param_scheduler list is rewritten")
    files = _Files(text_of)
    doc = files.doc(leaf)
    style = files.style(leaf)
    statements = doc.statements()
    if not any(target == "_base_" for _, target in statements):
        raise CannotPlace("the leaf has no _base_")
    own = [stmt for stmt, target in statements if target == "param_scheduler"]
    attribute_edits = [stmt for stmt, target in statements if target.startswith("_base_.param_scheduler")]
    if attribute_edits and not own:
        return _attribute_override(ctx, transform, files, doc, style, statements, text_of)
    return _list_override(ctx, transform, files, doc, style, statements, own, text_of)


def _attribute_override(ctx: "Context", transform: Transform, files: _Files, doc: Document, style: Style,
                        statements: List[Tuple[Any, str]], text_of: TextOf) -> Optional[Placement]:
    existing = {_norm(target): stmt for stmt, target in statements}
    after = [stmt for stmt, target in statements if target.startswith("_base_.param_scheduler")][-1]
    lines: List[str] = []
    shown: List[str] = []
    for change in sorted(transform.changes.values(), key=lambda c: c.index):
        target = "_base_.param_scheduler" + _index_text(change.path, style)
        if change.replaces_type or change.removed_keys:
            values = _values_for_leaf(ctx, change.path, change.new, change.old, doc, text_of)
            assignments = [(target, render(values, style, 0))]
        else:
            assignments = [(f"{target}.{key}", change.expressions.get(key) or render(change.new[key], style, 0))
                           for key in change.changed_keys]
        for name, code in assignments:
            shown.append(f"{name} = {code}")
            stmt = existing.get(_norm(name))
            value = doc.assigned_value(stmt) if stmt is not None else None
            if value is not None:
                doc.replace(value, code)  # the leaf already sets it: change that statement
            else:
                lines.append(f"{name} = {code}")
    if lines:
        doc.insert_after(after, "\n".join(lines))
    text = "; ".join(shown) if len(shown) <= 2 else f"{len(shown)} statements"
    return files.placement("override", f"`{text}` in {{where}}")


def _list_override(ctx: "Context", transform: Transform, files: _Files, doc: Document, style: Style,
                   statements: List[Tuple[Any, str]], own: List[Any], text_of: TextOf) -> Optional[Placement]:
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
        values = _values_for_leaf(ctx, path, new, old, doc, text_of)
        if change is not None:
            values.update({k: Code(e) for k, e in change.expressions.items()})
        rendered.append(values)
    nl = "\n"
    items = [style.indent + render(d, style, 1) for d in rendered]
    code = "[" + nl + ("," + nl).join(items) + "," + nl + "]"
    if own:  # the leaf already writes the list: change that statement
        stmt = own[-1]
        target = doc.assigned_value(stmt)
        if target is None:
            raise CannotPlace("the leaf's param_scheduler statement is not a plain assignment")
        doc.replace(target, code)
        _refresh_marker(ctx, doc, stmt, transform)
        return files.placement("override", "in the param_scheduler of {where}")
    comment = _marker(ctx, doc, transform)
    horizon = ctx.plan.horizon.locs.get("max_epochs") or ctx.plan.horizon.locs.get("max_iters") or \
        ctx.plan.horizon.locs.get("train_cfg")
    after = None
    if horizon is not None and horizon.file == doc.path:
        lines_after = [stmt for stmt, _ in statements if doc.line_of(stmt) <= horizon.line <= doc.last_line_of(stmt)]
        after = lines_after[0] if lines_after else None
        later = [stmt for stmt, target in statements if "param_scheduler" in target and after is not None
                 and doc.line_of(stmt) > doc.last_line_of(after)]
        if later:
            after = None
    doc.insert_after(after, nl + comment + nl + "param_scheduler = " + code + nl)
    return files.placement("override", "as a param_scheduler override in {where}")


def _refresh_marker(ctx: "Context", doc: Document, stmt: Any, transform: Transform) -> None:
    """Keep the comment of a list an earlier rescale wrote in step (a later `--rescale` reads it)."""
    if transform.kind != "rescale" or not any(
            ln.comment is not None and ln.comment.value.startswith("# schedlint fix:") for ln in stmt.leading_lines):
        return
    text = _marker(ctx, doc, transform)
    doc.rewrite(stmt, lambda st: st.with_changes(leading_lines=[
        ln.with_changes(comment=cst.Comment(text))
        if ln.comment is not None and ln.comment.value.startswith("# schedlint fix:") else ln
        for ln in st.leading_lines]))


def _marker(ctx: "Context", doc: Document, transform: Transform) -> str:
    """The comment above a list the fixer wrote (it names the length a rescale was made for)."""
    list_file = (ctx.resolved.loc("param_scheduler") or Location(doc.path, 1)).file
    origin = f" of {_rel(list_file, os.path.dirname(doc.path))}" if list_file != doc.path else ""
    return f"# schedlint fix: the param_scheduler{origin}, {transform.done}"


def _plain(value: Any) -> Any:
    from schedlint.loader.values import plain

    return plain(value)


def _values_for_leaf(ctx: "Context", path: Tuple[Any, ...], new: Dict[str, Any], old: Dict[str, Any],
                     leaf: Document, text_of: TextOf) -> Dict[str, Any]:
    """The dict to write into the leaf: unchanged values keep their expression where it means the
    same in the leaf (constants, or `_base_.name` for a base helper), else the resolved value."""
    out: Dict[str, Any] = {}
    for key, value in new.items():
        out[key] = value
        if key not in old:
            continue
        if old[key] != value:  # a new value: keep the expression when it means the new value in the leaf
            code = _leaf_expression(ctx, path, key, value, leaf, text_of)
        else:
            code = _portable_expression(ctx, path, key, value, leaf, text_of)
        if code is not None:
            out[key] = code
    return out


def _leaf_expression(ctx: "Context", path: Tuple[Any, ...], key: str, value: Any, leaf: Document,
                     text_of: TextOf) -> Optional[Code]:
    """An expression of the leaf's own variables that gives the new value, so that a later change
    of the length carries over: the value's own expression (`T_max=max_epochs // 2` when the
    leaf's `max_epochs` gives it), it scaled by a whole factor, or `end - begin` for `T_max`."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    texts: Dict[str, str] = {}
    for name in (key, "end", "begin"):
        loc = ctx.resolved.loc(*path, name)
        if loc is None or loc.end_line is None:
            continue
        try:
            doc = leaf if loc.file == leaf.path else Document(loc.file, text_of(loc.file))
            texts[name] = doc.code(doc.node_at(loc)).strip()
        except Exception:
            continue
    candidates = []
    own = texts.get(key)
    if own is not None:
        candidates.append(own)
    if key in ("T_max", "total_steps") and "end" in texts:
        begin = texts.get("begin", "0")
        candidates.append(texts["end"] if begin == "0" else f"{texts['end']} - {begin}")
    old = ctx.resolved.get(*path, key)
    if own is not None and isinstance(old, int) and not isinstance(old, bool) and old and isinstance(value, int) \
            and value % old == 0:
        candidates.append(f"({own}) * {value // old}" if any(c in own for c in "+-") else f"{own} * {value // old}")
    for text in candidates:
        names = set(names_in(text))
        if not names or "{{" in text or "\n" in text:
            continue
        env: Dict[str, Any] = {}
        for name in names:
            name_loc = ctx.resolved.loc(name)
            env[name] = ctx.resolved.get(name)
            if name_loc is None or name_loc.file != leaf.path or not isinstance(env[name], (int, float)) \
                    or isinstance(env[name], bool):
                env = {}
                break
        if not env:
            continue
        result = _safe_eval(text, env)
        if result is not None and result == value and type(result) is type(value):
            return Code(text)
    return None


def _portable_expression(ctx: "Context", path: Tuple[Any, ...], key: str, value: Any, leaf: Document,
                         text_of: TextOf) -> Optional[Code]:
    if isinstance(value, (str, bool)) or value is None or not isinstance(value, (int, float)):
        return None
    loc = ctx.resolved.loc(*path, key)
    if loc is None or loc.end_line is None or loc.end_line != loc.line:
        return None
    try:
        doc = leaf if loc.file == leaf.path else Document(loc.file, text_of(loc.file))
        text = doc.code(doc.node_at(loc))
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
