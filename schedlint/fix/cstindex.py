"""A config file parsed by libcst for editing, with the positions and parents of its nodes computed per
top-level statement when first asked for.

Most configs are a list of simple top-level statements (`_base_ = [...]`, `model = dict(...)`,
`param_scheduler = [...]`). Such a file is cut at its logical lines (Python's own parser tells where each
ends) and each statement is parsed by libcst when an edit first needs it: a fix touches a statement or two,
and libcst's parse of a large `model = dict(...)` costs several times Python's. Files with compound
statements, old-Mac or Windows line ends, backslash continuations, no line end at the end or `__future__`
imports are parsed whole.
Either way the statements are libcst's own (`module` assembles the whole module on demand: the tests hold
it equal to libcst's parse of the file).
"""

from __future__ import annotations

import ast
import re
from typing import Any, Dict, List, Optional, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider


class CannotEdit(Exception):
    """The file cannot be edited this way (reason in the message)."""


CHUNKED = True  # cut files of simple statements at their logical lines (tests compare with False)

_COMPOUND = tuple(getattr(ast, name) for name in ("FunctionDef", "AsyncFunctionDef", "ClassDef", "If", "For",
                                                  "AsyncFor", "While", "With", "AsyncWith", "Try", "TryStar",
                                                  "Match") if hasattr(ast, name))


def _logical_lines(text: str) -> Optional[List[Tuple[int, int]]]:
    """(last line, number of statements) of each logical line of a file made of simple top-level statements
    (statements joined by `;` share one); None when the file is to be parsed whole."""
    # (a backslash at a line's end may continue a logical line past its last token, where `ast` does not see
    # it end: such files are parsed whole)
    if not CHUNKED or not text.endswith("\n") or "\r" in text or "__future__" in text or "\\\n" in text:
        return None
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    out: List[Tuple[int, int]] = []
    for node in body:
        if isinstance(node, _COMPOUND) or node.end_lineno is None:
            return None
        if out and node.lineno == out[-1][0]:  # after a `;`: a new logical line starts on a new line
            out[-1] = (node.end_lineno, out[-1][1] + 1)
        else:
            out.append((node.end_lineno, 1))
    return out or None


def _positions(module: cst.Module) -> Tuple[Dict[cst.CSTNode, Any], Dict[cst.CSTNode, cst.CSTNode]]:
    """libcst's `PositionProvider` code ranges of a module's nodes, and each node's parent: both from the
    provider's own computation (one code generation, which visits every node inside its parent's), without
    `MetadataWrapper`'s resolution around it and without libcst's child lists (each a visitor run), which
    cost more than the code generation; through the wrapper and the child lists when that is not possible (a
    libcst without these internals). Held equal to `PositionProvider` and `ParentNodeProvider` by the tests."""
    try:
        provider = PositionProvider()
        provider._computed = {}
        state = _Tracking(default_indent=module.default_indent, default_newline=module.default_newline,
                          provider=provider)
        state.nodes, state.parents = [], {}
        module._codegen(state)
        if provider._computed and not state.nodes:
            return provider._computed, state.parents
    except Exception:  # pragma: no cover - another libcst
        pass
    positions = dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))
    parents: Dict[cst.CSTNode, cst.CSTNode] = {}
    stack: List[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        for child in node.children:
            parents[child] = node
            stack.append(child)
    return positions, parents


try:
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    class _Tracking(PositionProvidingCodegenState):  # type: ignore[misc]
        """The position provider's code generation state, noting each node's parent (the node whose code
        generation it happens in)."""

        def before_codegen(self, node: cst.CSTNode) -> None:
            super().before_codegen(node)
            if self.nodes:
                self.parents[node] = self.nodes[-1]
            self.nodes.append(node)

        def after_codegen(self, node: cst.CSTNode) -> None:
            super().after_codegen(node)
            self.nodes.pop()
except Exception:  # pragma: no cover - another libcst: `_positions` takes the public way
    _Tracking = None  # type: ignore[assignment,misc]


class Parsed:
    """A module parsed by libcst (whole, or statement by statement as asked: see the module docstring),
    with the positions and parents of each top-level statement's nodes computed when first asked for
    (resolving libcst metadata costs several times the parse; an edit needs it for a statement or two)."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.module_text = text
        self._offsets: Optional[List[int]] = None
        self._positions: Dict[int, Dict[cst.CSTNode, Any]] = {}
        self._where: Dict[cst.CSTNode, int] = {}  # node -> its statement's number (statements resolved so far)
        self._parents: Dict[cst.CSTNode, cst.CSTNode] = {}
        self.number: Dict[cst.CSTNode, int] = {}  # top-level statement -> its number
        # the lines each top-level statement spans in the file (its leading comments and blank lines included)
        self.spans: List[Tuple[int, int]] = []
        lines = _logical_lines(text)
        self.chunked = lines is not None
        if lines is not None:
            try:
                self._cut(text, lines)
            except CannotEdit:  # (not seen: the tests hold the pieces to libcst's parse of the whole file)
                self.chunked, self.spans, self.number = False, [], {}
        if not self.chunked:
            self._parse_whole(text)

    # -- the two ways of parsing --------------------------------------------------------------------

    def _parse_whole(self, text: str) -> None:
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError as exc:
            raise CannotEdit(f"{self.path}: libcst cannot parse it ({exc.message})") from None
        self._module: Optional[cst.Module] = module
        self.config = module  # what code is generated and parsed with (default line end and indent)
        self._stmts: List[Optional[cst.BaseStatement]] = list(module.body)
        self.number = {stmt: i for i, stmt in enumerate(module.body)}
        line = 1 + len(module.header)  # each header item is one (blank or comment) line
        starts = _statement_starts(module, text)
        for i, stmt in enumerate(module.body):
            if starts is not None and i + 1 < len(starts):
                lines = starts[i + 1] - starts[i]
            else:  # the last statement, or the parser's positions could not be matched: libcst's own code
                lines = module.code_for_node(stmt).count("\n")
            self.spans.append((line, line + max(lines, 1) - 1))
            line += lines

    def _cut(self, text: str, lines: List[Tuple[int, int]]) -> None:
        """Cut the text after each logical line (the last piece holds the file's trailing comments too);
        parse the first piece (the file's header)."""
        starts = self.line_offsets()
        self._pieces: List[Tuple[int, int, int]] = []  # (start, end) in the text, number of statements
        begin = 0
        for k, (last, count) in enumerate(lines):
            end = len(text) if k == len(lines) - 1 else starts[last]
            self._pieces.append((begin, end, count))
            begin = end
        self._module = None
        self._stmts = [None] * len(lines)
        self._footer: List[cst.EmptyLine] = []
        head = self._piece(0)
        self.config = head.with_changes(header=[], body=[], footer=[])
        previous = len(head.header)
        for last, _ in lines:
            self.spans.append((previous + 1, last))
            previous = last

    def _piece(self, i: int) -> cst.Module:
        """Parse piece `i`: one logical line and the comments and blank lines before it."""
        begin, end, count = self._pieces[i]
        try:
            piece = cst.parse_module(self.module_text[begin:end])
        except cst.ParserSyntaxError as exc:
            raise CannotEdit(f"{self.path}: libcst cannot parse it ({exc.message})") from None
        last = i == len(self._pieces) - 1
        stmt = piece.body[0] if len(piece.body) == 1 else None
        if (not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != count
                or (piece.footer and not last)):
            raise CannotEdit(f"{self.path}: libcst and Python do not cut the file into the same statements")
        if i == 0:
            self._head = piece  # its header is the file's
        elif piece.header:  # lines before a later statement are its own in the whole file
            stmt = stmt.with_changes(leading_lines=[*piece.header, *stmt.leading_lines])
        if last:
            self._footer = list(piece.footer)
        self._stmts[i] = stmt
        self.number[stmt] = i
        return piece

    # -- statements and the whole module ------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self._stmts)

    def stmt(self, i: int) -> cst.BaseStatement:
        """Top-level statement `i` (parsed now if it was not)."""
        found = self._stmts[i]
        if found is None:
            self._piece(i)
            found = self._stmts[i]
        return found  # type: ignore[return-value]

    def parsed(self, i: int) -> Optional[cst.BaseStatement]:
        """Top-level statement `i` if it was parsed already."""
        return self._stmts[i]

    @property
    def module(self) -> cst.Module:
        """The whole module (assembled from the statements when the file was cut, parsing the rest)."""
        if self._module is None:
            body = [self.stmt(i) for i in range(self.count)]
            self._module = self._head.with_changes(body=body, footer=self._footer)
        return self._module

    @property
    def root(self) -> cst.Module:
        """What top-level statements have as parent: the module (a bare one, without statements, when the
        file was cut: asking for a parent must not parse the whole file)."""
        return self.config if self.chunked else self.module

    # -- positions and parents ----------------------------------------------------------------------

    def _resolve(self, i: int) -> Dict[cst.CSTNode, Any]:
        """Positions (relative to top-level statement `i`'s first line: see `shift`) and parents of the nodes
        of top-level statement `i`."""
        if i not in self._positions:
            stmt = self.stmt(i)
            alone = self.root.with_changes(header=[], footer=[], body=[stmt], has_trailing_newline=True)
            positions, parents = _positions(alone)
            positions.pop(alone, None)
            parents[stmt] = self.root
            self._parents.update(parents)
            for node in positions:
                self._where[node] = i
            self._positions[i] = positions
        return self._positions[i]

    def shift(self, i: int) -> int:
        """What to add to the line of a position of statement `i`'s nodes to make it the line in the file."""
        return self.spans[i][0] - 1

    def line_offsets(self) -> List[int]:
        """The offset in the text of each line's start (lines end at "\n")."""
        if self._offsets is None:
            text = self.module_text
            self._offsets = [0] + [m.end() for m in re.finditer("\n", text)]
        return self._offsets

    def positions_near(self, line: int) -> Tuple[Dict[cst.CSTNode, Any], int]:
        """Positions of the nodes of the top-level statement spanning `line` (empty if none does), and the
        `shift` of their lines."""
        for i, (first, last) in enumerate(self.spans):
            if first <= line <= last:
                return self._resolve(i), first - 1
        return {}, 0

    def owner(self, node: cst.CSTNode) -> int:
        if node in self._where:
            return self._where[node]
        if node in self.number:
            return self.number[node]
        for i in range(self.count):  # a node never located: find its statement
            if node in self._resolve(i):
                return i
        raise CannotEdit("a node outside the file")

    def position(self, node: cst.CSTNode) -> Any:
        """The code range of any node of the module (lines in the file)."""
        from libcst.metadata import CodeRange

        i = self.owner(node)
        rng, shift = self._resolve(i)[node], self.shift(i)
        return CodeRange((rng.start.line + shift, rng.start.column), (rng.end.line + shift, rng.end.column))

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The node's parent (the module for a top-level statement, None for the module)."""
        if node is self._module or node is self.root:
            return None
        if node not in self._parents:
            self._resolve(self.owner(node))
        return self._parents.get(node)


def _statement_starts(module: cst.Module, text: str) -> Optional[List[int]]:
    """The first line of each top-level statement, its leading comments and blank lines included, from
    the Python parser's positions (generating each statement's code to count its lines costs more than
    parsing the file); None when they cannot be matched to libcst's statements (then the caller counts)."""
    if "\r" in text.replace("\r\n", ""):  # a lone CR ends a line for the parser, not for the count
        return None
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    starts: List[int] = []
    k = 0
    for stmt in module.body:
        if k >= len(body):
            return None
        node = body[k]
        first = node.lineno
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.decorator_list:
            first = min([first] + [d.lineno for d in node.decorator_list])
        k += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        starts.append(first - len(stmt.leading_lines))
    if k != len(body) or not starts or starts[0] != 1 + len(module.header):
        return None
    if any(b <= a for a, b in zip(starts, starts[1:])):
        return None
    return starts


_PARSED: Dict[Tuple[str, str], Parsed] = {}


def parse(path: str, text: str) -> Parsed:
    """The file's statements and their lazily computed position/parent metadata, parsed once per text (trees
    are immutable; rewrites live in each Document)."""
    key = (path, text)
    if key not in _PARSED:
        parsed = Parsed(path, text)
        if len(_PARSED) > 64:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = parsed
    return _PARSED[key]
