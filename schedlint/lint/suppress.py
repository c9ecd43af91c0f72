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
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

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


@dataclass
class _FileInfo:
    noqa: Dict[int, List[List[str]]]  # line -> codes of each `# noqa` comment on it ([] = bare)
    file_level: Optional[List[str]]  # codes of `# schedlint: noqa` ([] = all); None: absent
    statements: List[Tuple[int, int]]  # (first, last) line of every statement, headers only for compound ones


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
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        last = node.end_lineno or node.lineno
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            # a compound statement: its header only, so that a noqa on `if x:` covers not the block
            first_child = min([body[0].lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            last = max(node.lineno, first_child - 1)
        spans.append((node.lineno, last))
    return spans


def _scan(text: str) -> _FileInfo:
    if "noqa" not in text.lower():
        return _FileInfo({}, None, [])  # nothing to find: skip tokenizing and parsing
    noqa: Dict[int, List[List[str]]] = {}
    file_level: Optional[List[str]] = None
    lines = text.splitlines()
    for line, comment in _comments(text):
        own_line = 0 < line <= len(lines) and lines[line - 1].lstrip().startswith("#")
        m = _FILE_NOQA.match(comment.strip()) if own_line else None
        if m:
            codes = _codes(m.group("codes"))
            file_level = [] if not codes or file_level == [] else (file_level or []) + codes
            continue
        for m in _NOQA.finditer(comment):
            noqa.setdefault(line, []).append(_codes(m.group("codes")))
    return _FileInfo(noqa, file_level, _statements(text))


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
        for number in range(first, last + 1):
            for codes in info.noqa.get(number, ()):
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
