"""Columns in characters: Python's ast counts a column in UTF-8 bytes, while editors, GitHub annotations
and SARIF (`columnKind: unicodeCodePoints`) count characters. A finding's columns are turned into
characters once, where it is made, on lines that are not ASCII."""

from __future__ import annotations

from typing import Callable, Dict, List, Optional

from schedlint.loader.files import char_col
from schedlint.model import Finding, Location, Related


def in_characters(findings: List[Finding], text_of: Callable[[str], str]) -> None:
    """Rewrite the columns of `findings` (and of their related locations) in characters, in place."""
    lines: Dict[str, Optional[List[str]]] = {}
    for f in findings:
        f.location = _converted(f.location, text_of, lines)
        if f.related:
            f.related = [Related(_converted(r.location, text_of, lines), r.message) for r in f.related]


def _converted(loc: Location, text_of: Callable[[str], str], cache: Dict[str, Optional[List[str]]]) -> Location:
    if loc.file not in cache:
        try:
            text = text_of(loc.file)
        except Exception:  # a file the loader could not read (its own finding says so): columns as they are
            text = None
        cache[loc.file] = None if text is None or text.isascii() else text.splitlines()
    lines = cache[loc.file]
    if lines is None:
        return loc
    col = _char_col(lines, loc.line, loc.col)
    end_col = None if loc.end_col is None else _char_col(lines, loc.end_line or loc.line, loc.end_col)
    if col == loc.col and end_col == loc.end_col:
        return loc
    return Location(loc.file, loc.line, col, loc.end_line, end_col)


def _char_col(lines: List[str], line: int, byte_col: int) -> int:
    return char_col(lines[line - 1], byte_col) if 0 < line <= len(lines) else byte_col
