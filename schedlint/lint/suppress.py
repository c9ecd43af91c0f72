"""Inline suppression, like flake8/ruff's `noqa`.

- `# noqa: SL001` (or a bare `# noqa`) on the reported line, or on any line of the statement that
  holds it: a finding inside a multi-line `param_scheduler = [dict(...), ...]` can be silenced from
  any line of that assignment, e.g. its last one;
- also on a related line inside the config being checked (e.g. the line that changed `max_epochs`);
- `# schedlint: noqa` (optionally `: SL001,SL004`) on a line of its own anywhere in a file silences
  the file's findings, and, in the config being checked, every finding reported for that config.

Only real comments count (a `# noqa` inside a string does not). Codes may be prefixes (`SL0`).
A bare `noqa` never hides a load failure (SL901-SL908, SL999): only naming the code does.
A `Suppressions` object caches each file's comments and statements for one run.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Callable, Dict, List, Optional, Set, Tuple

from schedlint.model import Finding, Location

_CODES = r"[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+|\s+[A-Z]+[0-9]+)*"
_NOQA = re.compile(r"#\s*noqa(?:\s*:\s*(?P<codes>" + _CODES + r"))?", re.IGNORECASE)
_FILE_NOQA = re.compile(r"^#\s*schedlint\s*:\s*noqa(?:\s*:\s*(?P<codes>" + _CODES + r"))?\s*$", re.IGNORECASE)


def _codes(text: Optional[str]) -> List[str]:
    return [c.upper() for c in re.split(r"[\s,]+", text or "") if c]


# A config that could not be loaded was never checked: a bare `noqa` (often there for flake8's line
# length on a `_base_` or import line) must not turn that into "All checks passed!".
LOAD_FAILURES = frozenset({"SL901", "SL902", "SL903", "SL904", "SL905", "SL906", "SL907", "SL908", "SL999"})


def _matches(code: str, codes: List[str]) -> bool:
    """An empty list is a bare `noqa`: it matches every code except load failures (SL901-SL908, SL999)."""
    if not codes:
        return code.upper() not in LOAD_FAILURES
    return any(code.upper().startswith(c) for c in codes)


# a line that may hold a file-level `noqa` (confirmed by tokenizing, only when it matters); blanks never span
# lines here, so that no search runs over many lines from each line start
_FILE_NOQA_TEXT = re.compile(r"^[^\S\n]*#[^\S\n]*schedlint[^\S\n]*:[^\S\n]*noqa", re.IGNORECASE | re.MULTILINE)
# characters other than "\n" that some of Python's line counts take for a line break
_ODD_BREAKS = ("\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


class _FileInfo:
    """What one file's comments say: `noqa` (line -> codes of each `# noqa` comment on it, [] = bare),
    `file_level` (codes of `# schedlint: noqa`, [] = all; None: absent) and `statements` ((first, last) line
    of every statement, headers only for compound ones). Each is found when first needed: the comments are
    tokenized only when a line that may hold one is asked about (tokenizing is slow, and most findings are
    nowhere near a `noqa`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        odd = any(c in text for c in _ODD_BREAKS)  # (lines told apart by "\n" alone: else every line may)
        # the lines that may hold a `noqa` comment (a `#` and `noqa` on them)
        self.lines: Optional[Set[int]] = None if odd else {
            number for number, line in enumerate(text.split("\n"), 1) if "#" in line and "noqa" in line.lower()}
        self.maybe_file_level = odd or _FILE_NOQA_TEXT.search(text) is not None
        self._comments: Optional[Tuple[Dict[int, List[List[str]]], Optional[List[str]]]] = None
        self._statements: Optional[List[Tuple[int, int]]] = None

    def _scan(self) -> Tuple[Dict[int, List[List[str]]], Optional[List[str]]]:
        if self._comments is None:
            noqa: Dict[int, List[List[str]]] = {}
            file_level: Optional[List[str]] = None
            lines = self.text.splitlines()
            for line, comment in _comments(self.text):
                own_line = 0 < line <= len(lines) and lines[line - 1].lstrip().startswith("#")
                m = _FILE_NOQA.match(comment.strip()) if own_line else None
                if m:
                    codes = _codes(m.group("codes"))
                    file_level = [] if not codes or file_level == [] else (file_level or []) + codes
                    continue
                for m in _NOQA.finditer(comment):
                    noqa.setdefault(line, []).append(_codes(m.group("codes")))
            self._comments = (noqa, file_level)
        return self._comments

    @property
    def file_level(self) -> Optional[List[str]]:
        return self._scan()[1] if self.maybe_file_level else None

    def noqa_between(self, first: int, last: int) -> Dict[int, List[List[str]]]:
        """The `noqa` comments on lines `first`..`last`."""
        if self.lines is not None and not any(first <= line <= last for line in self.lines):
            return {}
        noqa = self._scan()[0]
        return {line: noqa[line] for line in range(first, last + 1) if line in noqa}

    @property
    def statements(self) -> List[Tuple[int, int]]:
        if self._statements is None:
            self._statements = _statements(self.text) if self.lines is None or self.lines else []
        return self._statements


def _comments(text: str) -> List[Tuple[int, str]]:
    """(line, text) of each comment; falls back to a line scan when the file does not tokenize."""
    try:
        return [
            (tok.start[0], tok.string)
            for tok in tokenize.generate_tokens(io.StringIO(text).readline)
            if tok.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        out = []
        for number, line in enumerate(text.splitlines(), 1):
            index = line.find("#")
            if index >= 0:
                out.append((number, line[index:]))
        return out


def _statements(text: str) -> List[Tuple[int, int]]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    spans = []
    stack: List[ast.AST] = list(tree.body)
    while stack:  # statements are found in the bodies of statements (and of their handlers and cases)
        node = stack.pop()
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, name, None) or ():
                stack.append(child)
        if isinstance(node, ast.stmt):
            spans.append(_span(node))
    return spans


def _span(node: ast.stmt) -> Tuple[int, int]:
    """The lines of a statement a `noqa` on which covers it: a compound statement's header only, so that a
    noqa on `if x:` covers not the block."""
    last = node.end_lineno or node.lineno
    body = getattr(node, "body", None)
    if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
        first_child = min([body[0].lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        last = max(node.lineno, first_child - 1)
    return node.lineno, last


def _scan(text: str) -> Optional[_FileInfo]:
    if "noqa" not in text.lower():
        return None  # nothing to find: skip tokenizing and parsing
    return _FileInfo(text)


class Suppressions:
    """Decides whether a finding is silenced by a comment; caches what it reads (one per run)."""

    def __init__(self, read_text: Callable[[str], str]) -> None:
        self._read_text = read_text
        self._files: Dict[str, Optional[_FileInfo]] = {}

    def _info(self, path: str) -> Optional[_FileInfo]:
        if path not in self._files:
            try:
                text = self._read_text(path)
            except Exception:  # unreadable files cannot carry suppressions
                self._files[path] = None
            else:
                self._files[path] = _scan(text)
        return self._files[path]

    def _statement_lines(self, info: _FileInfo, loc: Location) -> Tuple[int, int]:
        """The lines of the location, widened to the innermost statement that contains its first line."""
        first, last = loc.line, max(loc.end_line or loc.line, loc.line)
        best: Optional[Tuple[int, int]] = None
        for start, end in info.statements:
            if start <= loc.line <= end and (best is None or end - start < best[1] - best[0]):
                best = (start, end)
        if best is not None:
            first, last = min(first, best[0]), max(last, best[1])
        return first, last

    def _line_noqa(self, code: str, loc: Location, whole_statement: bool = True) -> bool:
        info = self._info(loc.file)
        if info is None:
            return False
        first, last = self._statement_lines(info, loc) if whole_statement else (loc.line, loc.line)
        for codes_on_line in info.noqa_between(first, last).values():
            for codes in codes_on_line:
                if _matches(code, codes):
                    return True
        return False

    def file_level(self, path: str, code: str) -> bool:
        """Whether a `# schedlint: noqa` in `path` covers `code`."""
        info = self._info(path)
        return info is not None and info.file_level is not None and _matches(code, info.file_level)

    def is_suppressed(self, finding: Finding) -> bool:
        """Whether a `noqa` comment silences the finding (for the configs in `finding.configs`)."""
        loc = finding.location
        if self.file_level(loc.file, finding.code) or self._line_noqa(finding.code, loc):
            return True
        for config in finding.configs:
            if config == loc.file:
                continue
            if self.file_level(config, finding.code):
                return True
            for related in finding.related:
                if related.location.file == config and self._line_noqa(finding.code, related.location):
                    return True
        return False


def is_suppressed(read_text: Callable[[str], str], finding: Finding) -> bool:
    """One-off check without a shared cache (use `Suppressions` for many findings)."""
    return Suppressions(read_text).is_suppressed(finding)


__all__ = ["Suppressions", "is_suppressed"]
