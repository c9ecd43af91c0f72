"""Editing config files with libcst: find the node behind a loader location, change it (or the
statement that owns it), and let libcst keep everything else (formatting, comments, quotes,
line endings) as written.

Loader locations are Python `ast` positions: 1-based lines, 0-based columns counted in UTF-8
bytes. libcst positions count columns in characters; `Document.node_at` converts.
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst

from schedlint.fix.cstindex import CannotEdit, parse
from schedlint.loader.files import char_col
from schedlint.model import Edit, Location

Rewrite = Callable[[cst.CSTNode], Union[cst.CSTNode, cst.RemovalSentinel]]
DictNode = Union[cst.Call, cst.Dict]


class Document:
    """One config file parsed by libcst, with the rewrites queued for it."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        if "\r" in text.replace("\r\n", ""):
            raise CannotEdit(f"{path}: old-Mac line endings")
        self._index = parse(path, text)
        self._config = self._index.config  # the module's line end and indent, for code written anew
        self._lines = text.splitlines()
        self._rewrites: Dict[cst.CSTNode, List[Rewrite]] = {}
        self._after: Dict[cst.CSTNode, List[cst.BaseStatement]] = {}
        self._appended: List[cst.BaseStatement] = []
        self._spaced: set = set()

    # -- finding nodes -------------------------------------------------------------------------

    def _char_col(self, line: int, byte_col: int) -> int:
        if not 1 <= line <= len(self._lines):
            raise CannotEdit(f"{self.path}: no line {line}")
        return char_col(self._lines[line - 1], byte_col)

    def node_at(self, loc: Location) -> cst.BaseExpression:
        """The expression a loader location spans (parentheses included)."""
        if loc.end_line is None or loc.end_col is None:
            raise CannotEdit("value without a precise location")
        start = (loc.line, self._char_col(loc.line, loc.col))
        end = (loc.end_line, self._char_col(loc.end_line, loc.end_col))
        best: Optional[cst.BaseExpression] = None
        best_size: Tuple[int, int] = (1 << 30, 0)
        positions, shift = self._index.positions_near(loc.line)
        for node, rng in positions.items():
            if not isinstance(node, cst.BaseExpression):
                continue
            a, b = (rng.start.line + shift, rng.start.column), (rng.end.line + shift, rng.end.column)
            if a <= start and end <= b:
                size = (b[0] - a[0], b[1] - a[1] if b[0] == a[0] else b[1])
                if (a, b) == (start, end) or best is None or size < best_size:
                    best, best_size = node, size
                    if (a, b) == (start, end):
                        break
        if best is None:
            raise CannotEdit(f"{self.path}:{loc.line}: no expression there")
        return best

    @property
    def module(self) -> cst.Module:
        """The whole module (a file parsed statement by statement is parsed whole for this)."""
        return self._index.module

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The node's parent in the tree (None for the module)."""
        return self._index.parent(node)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement:
        """The top-level statement that owns a node."""
        current: Optional[cst.CSTNode] = node
        while current is not None:
            parent = self.parent(current)
            if isinstance(parent, cst.Module) and isinstance(current, cst.BaseStatement):
                return current
            current = parent
        raise CannotEdit(f"{self.path}: not inside a top-level statement")

    def line_of(self, node: cst.CSTNode) -> int:
        """The first line of a node."""
        return self._index.position(node).start.line

    def last_line_of(self, node: cst.CSTNode) -> int:
        """The last line of a node."""
        return self._index.position(node).end.line

    def multiline(self, node: cst.CSTNode) -> bool:
        """Whether a node spans several lines."""
        rng = self._index.position(node)
        return rng.end.line > rng.start.line

    def statements(self) -> List[Tuple[cst.BaseStatement, str]]:
        """Top-level statements with the source of their (first) target: ('param_scheduler', ...)."""
        out = []
        for stmt in (self._index.stmt(i) for i in range(self._index.count)):
            if not isinstance(stmt, cst.SimpleStatementLine) or not stmt.body:
                continue
            small = stmt.body[0]
            target: Optional[cst.CSTNode] = None
            if isinstance(small, cst.Assign):
                target = small.targets[0].target
            elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
                target = small.target
            elif isinstance(small, cst.Expr):
                target = small.value
            if target is not None:
                out.append((stmt, self._config.code_for_node(target).strip()))
        return out

    def assigned_value(self, stmt: cst.BaseStatement) -> Optional[cst.BaseExpression]:
        """The value of a simple `target = value` statement."""
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
            return stmt.body[0].value
        return None

    def code(self, node: cst.CSTNode) -> str:
        """The source of a node as written."""
        return self._config.code_for_node(node)

    # -- queuing rewrites ----------------------------------------------------------------------

    def rewrite(self, node: cst.CSTNode, how: Rewrite) -> None:
        """Queue a rewrite of `node` (applied to the node with its own children already rewritten)."""
        self._rewrites.setdefault(node, []).append(how)

    def replace(self, node: cst.CSTNode, code: str) -> None:
        """Replace an expression by source code (an expression)."""
        new = parse_expression(code, self._config)
        self.rewrite(node, lambda old: new.with_changes(lpar=old.lpar, rpar=old.rpar) if old.lpar and not new.lpar else new)

    def rename_key(self, value: cst.CSTNode, old: str, new: str) -> None:
        """Rename the key a value is written under: `old=v`, `'old': v`, `x.old = v`, `x['old'] = v`."""
        parent = self.parent(value)
        if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value == old:
            self.rewrite(parent, lambda a: a.with_changes(keyword=cst.Name(new)))
            return
        if isinstance(parent, cst.DictElement) and _string_value(parent.key) == old:
            key = parent.key
            self.rewrite(key, lambda k: k.with_changes(value=_requote(k.value, new)))
            return
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
            if isinstance(target, cst.Attribute) and target.attr.value == old:
                self.rewrite(target.attr, lambda n: n.with_changes(value=new))
                return
            if isinstance(target, cst.Subscript) and len(target.slice) == 1:
                index = target.slice[0].slice
                if isinstance(index, cst.Index) and _string_value(index.value) == old:
                    self.rewrite(index.value, lambda k: k.with_changes(value=_requote(k.value, new)))
                    return
        raise CannotEdit(f"`{old}` is not written next to its value")

    def key_is_written(self, value: cst.CSTNode, key: str) -> bool:
        """Whether `value` is written right after its key (not computed for several keys at once)."""
        parent = self.parent(value)
        if isinstance(parent, cst.Arg):
            return parent.keyword is not None and parent.keyword.value == key
        if isinstance(parent, cst.DictElement):
            return _string_value(parent.key) == key
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
            if isinstance(target, cst.Attribute):
                return target.attr.value == key
            if isinstance(target, cst.Subscript) and len(target.slice) == 1:
                index = target.slice[0].slice
                return isinstance(index, cst.Index) and _string_value(index.value) == key
        return False

    def edit_dict(self, node: DictNode, items: Sequence[Tuple[str, Optional[str], Optional[str]]]) -> None:
        """Rewrite a `dict(...)` call or `{...}` display item by item: `items` are (key, key it
        comes from or None for a new one, new value source or None to keep the value). Items not
        listed are dropped; kept items keep their formatting and comments."""
        module = self._config

        def build(updated: cst.CSTNode) -> cst.CSTNode:
            is_call = isinstance(updated, cst.Call)
            elements = list(updated.args if is_call else updated.elements)
            by_key = {_element_key(e): e for e in elements}
            out = []
            for key, source, code in items:
                value = parse_expression(code, module) if code is not None else None
                if source is not None and source in by_key:
                    element = by_key[source]
                    if key != source:
                        element = (element.with_changes(keyword=cst.Name(key)) if is_call else
                                   element.with_changes(key=element.key.with_changes(
                                       value=_requote(element.key.value, key))))
                    if value is not None:
                        element = element.with_changes(value=value)
                elif value is None:
                    raise CannotEdit(f"no value for `{key}`")
                elif is_call:
                    element = cst.Arg(value, keyword=cst.Name(key), equal=_NO_SPACE_EQUAL)
                else:
                    quote = _quote_of(elements)
                    element = cst.DictElement(cst.SimpleString(f"{quote}{key}{quote}"), value,
                                              whitespace_before_colon=cst.SimpleWhitespace(""),
                                              whitespace_after_colon=cst.SimpleWhitespace(" "))
                out.append(element)
            commas = _commas([e.comma for e in elements], len(out))
            out = [e.with_changes(comma=c) for e, c in zip(out, commas)]
            return updated.with_changes(args=out) if is_call else updated.with_changes(elements=out)

        if not dict_keys(node):
            raise CannotEdit("the scheduler is not written as a dict display")
        self.rewrite(node, build)

    def insert_after(self, stmt: Optional[cst.BaseStatement], code: str) -> None:
        """Insert statements (source code, may start with blank and comment lines) after a
        top-level statement, or at the end of the file when `stmt` is None. A statement that
        follows a block starting with a blank line is kept apart from it by one."""
        module = self._config
        code = _newlines(code if code.endswith("\n") else code + "\n", module)
        try:
            parsed = list(cst.parse_module("pass" + module.default_newline + code, config=module.config_for_parsing).body[1:])
        except cst.ParserSyntaxError as exc:
            raise CannotEdit(f"cannot write `{code.strip()}`: {exc.message}") from None
        if parsed and code.startswith(module.default_newline):
            self._spaced.add(stmt)
        if stmt is None:
            self._appended.extend(parsed)
        else:
            self._after.setdefault(stmt, []).extend(parsed)

    # -- applying ------------------------------------------------------------------------------

    def _rewritten(self) -> cst.Module:
        """The module with the queued rewrites applied, visiting only the statements they are in."""
        if not self._rewrites:
            return self.module
        try:
            owners = sorted({self._index.owner(node) for node in self._rewrites})
        except CannotEdit:  # a node outside any statement: rewrite the whole module
            return self.module.visit(_Apply(self._rewrites))
        body = list(self.module.body)
        for i in owners:
            body[i] = body[i].visit(_Apply(self._rewrites))
        return self.module.with_changes(body=body)

    def result(self) -> str:
        """The file's text with every queued rewrite applied."""
        if not (self._rewrites or self._after or self._appended):
            return self.text
        if self._index.chunked:
            return self._pieced()
        new = self.assembled()
        spliced = self._spliced(new)
        return new.code if spliced is None else spliced

    def assembled(self) -> cst.Module:
        """The whole module with every queued rewrite and insertion (its `code` is what `result` gives)."""
        new = self._rewritten()
        if self._after or self._appended:
            originals = list(self.module.body)
            body: List[cst.BaseStatement] = []
            space = False
            for original, stmt in zip(originals, new.body):
                if space and not stmt.leading_lines:
                    stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
                body.append(stmt)
                body.extend(self._after.get(original, []))
                space = original in self._spaced and original in self._after
            if self._appended:
                body.extend(self._appended)
                new = new.with_changes(has_trailing_newline=True)
            new = new.with_changes(body=body)
        return new

    def _written(self, i: int) -> str:
        """Top-level statement `i` as written, its leading comments and blank lines included."""
        first, last = self._index.spans[i]
        starts = self._index.line_offsets()
        return self.text[starts[first - 1] : starts[last] if last < len(starts) else len(self.text)]

    def _pieced(self) -> str:
        """`result` of a file parsed statement by statement: the statements an edit leaves alone as written,
        the rewritten and inserted ones as libcst writes them, in `assembled` order (the tests hold it equal
        to `assembled().code`), without parsing the statements no edit touches."""
        index, config = self._index, self._config
        try:
            owners = {index.owner(node) for node in self._rewrites}
        except CannotEdit:  # a node outside any statement
            return self.assembled().code
        starts, spans = index.line_offsets(), index.spans
        parts = [self.text[: starts[spans[0][0] - 1]]]
        space = False
        for i in range(index.count):
            original = index.parsed(i) if not space else index.stmt(i)
            stmt = original.visit(_Apply(self._rewrites)) if i in owners and original is not None else original
            if space and stmt is not None and not stmt.leading_lines:
                stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
            parts.append(self._written(i) if stmt is original else config.code_for_node(stmt))
            inserted = self._after.get(original, []) if original is not None else []
            parts.extend(config.code_for_node(s) for s in inserted)
            space = bool(inserted) and original in self._spaced
        parts.extend(config.code_for_node(s) for s in self._appended)
        last = spans[-1][1]
        parts.append(self.text[starts[last] if last < len(starts) else len(self.text) :])
        return "".join(parts)

    def _spliced(self, new: cst.Module) -> Optional[str]:
        """`new.code` with the statements `new` shares with the parsed module taken from the text as written
        (generating a large file's code costs more than the edit): the rewritten and inserted statements
        are generated. None when that cannot be done safely: a changed header, footer or line end at the
        end of the file, or a changed statement whose lines (`Parsed.spans`) do not hold its code."""
        module = self.module
        if (new.header is not module.header or new.footer is not module.footer or not module.has_trailing_newline
                or not new.has_trailing_newline or len(self._index.spans) != len(module.body) or not module.body):
            return None
        starts = self._index.line_offsets()
        spans = self._index.spans
        written = self._written
        number = {id(stmt): i for i, stmt in enumerate(module.body)}
        kept = {id(stmt) for stmt in new.body}
        for i, original in enumerate(module.body):
            if id(original) not in kept and written(i) != module.code_for_node(original):
                return None  # the spans do not hold this statement's code: generate the whole file
        parts = [self.text[: starts[spans[0][0] - 1]]]
        for stmt in new.body:
            i = number.get(id(stmt))
            parts.append(written(i) if i is not None and module.body[i] is stmt else new.code_for_node(stmt))
        parts.append(self.text[starts[spans[-1][1]] if spans[-1][1] < len(starts) else len(self.text) :])
        return "".join(parts)


class _Apply(cst.CSTTransformer):
    def __init__(self, rewrites: Dict[cst.CSTNode, List[Rewrite]]) -> None:
        super().__init__()
        self.rewrites = rewrites

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        node: Any = updated_node
        for how in self.rewrites.get(original_node, []):
            node = how(node)
        return node


_NO_SPACE_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def parse_expression(code: str, module: Optional[cst.Module] = None) -> cst.BaseExpression:
    """An expression node from source code (in the module's parsing config, so line endings match)."""
    try:
        if module is not None:
            return cst.parse_expression(_newlines(code, module), config=module.config_for_parsing)
        return cst.parse_expression(code)
    except cst.ParserSyntaxError as exc:
        raise CannotEdit(f"cannot write `{code}`: {exc.message}") from None


def _newlines(code: str, module: cst.Module) -> str:
    """Source code with the module's own line ending."""
    return code.replace("\r\n", "\n").replace("\n", module.default_newline)


def dict_keys(node: cst.CSTNode) -> Optional[List[str]]:
    """The keys of a `dict(k=v, ...)` call or a `{'k': v}` display with constant keys, else None."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "dict":
        if any(a.keyword is None or a.star for a in node.args):
            return None
        return [a.keyword.value for a in node.args]
    if isinstance(node, cst.Dict):
        keys = [_element_key(e) for e in node.elements]
        return None if any(k is None for k in keys) else keys  # type: ignore[return-value]
    return None


def _element_key(element: Any) -> Optional[str]:
    if isinstance(element, cst.Arg):
        return element.keyword.value if element.keyword is not None else None
    if isinstance(element, cst.DictElement):
        return _string_value(element.key)
    return None


def _string_value(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _requote(literal: str, text: str) -> str:
    prefix = literal[: len(literal) - len(literal.lstrip("rRbBuU"))]
    quote = literal[len(prefix)]
    return f"{prefix}{quote}{text}{quote}"


def _quote_of(elements: List[Any]) -> str:
    for e in elements:
        if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString):
            return e.key.value.lstrip("rRbBuU")[0]
    return "'"


def _commas(old: List[Any], n: int) -> List[Any]:
    """Commas for `n` items, laid out like the old ones (separators, then the trailing one)."""
    if not old:
        sep = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        return [sep] * (n - 1) + [cst.MaybeSentinel.DEFAULT] if n else []
    separators = [c for c in old[:-1] if isinstance(c, cst.Comma)]
    default = separators[-1] if separators else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    plain = [c for c in separators if not _has_comment(c)]
    if plain:
        default = plain[-1]
    elif isinstance(default.whitespace_after, cst.ParenthesizedWhitespace):  # a new comma takes no comment
        default = default.with_changes(whitespace_after=default.whitespace_after.with_changes(
            first_line=cst.TrailingWhitespace(), empty_lines=[]))
    if len(old) == 1 and isinstance(old[0], cst.Comma) and n > 1:
        default = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    out = [separators[i] if i < len(separators) else default for i in range(n - 1)]
    out.append(old[-1])
    return out[:n]


def _has_comment(comma: Any) -> bool:
    space = comma.whitespace_after
    return isinstance(space, cst.ParenthesizedWhitespace) and (
        space.first_line.comment is not None or any(e.comment is not None for e in space.empty_lines))


def text_edits(path: str, old: str, new: str) -> List[Edit]:
    """The edits (1-based lines, 0-based character columns) that turn `old` into `new`, one per
    changed region."""
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    new_starts = [0]
    for line in new_lines:
        new_starts.append(new_starts[-1] + len(line))
    edits: List[Edit] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a, b = starts[i1], starts[i2]
        seg_old, seg_new = old[a:b], new[new_starts[j1]:new_starts[j2]]
        p = 0
        while p < min(len(seg_old), len(seg_new)) and seg_old[p] == seg_new[p]:
            p += 1
        s = 0
        while s < min(len(seg_old), len(seg_new)) - p and seg_old[-1 - s] == seg_new[-1 - s]:
            s += 1
        edits.append(Edit(path, seg_new[p:len(seg_new) - s], _position(old, a + p), _position(old, b - s)))
    return edits


def _position(text: str, offset: int) -> Tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start


def apply_text_edits(text: str, edits: Sequence[Edit], path: Optional[str] = None) -> str:
    """`text` with edits made by `text_edits` (of file `path`; all when None) applied (for tests
    and for clients of the JSON)."""
    edits = [e for e in edits if path is None or e.file == path]
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    spans = sorted(((starts[e.location[0] - 1] + e.location[1], starts[e.end_location[0] - 1] + e.end_location[1],
                     e.content) for e in edits), reverse=True)
    for a, b, content in spans:
        text = text[:a] + content + text[b:]
    return text


__all__ = ["CannotEdit", "Document", "apply_text_edits", "dict_keys", "parse_expression", "text_edits"]
