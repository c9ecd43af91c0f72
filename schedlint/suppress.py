"""Inline suppression: `# noqa: SL001` on the reported line or statement, `# schedlint: noqa` per file."""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from schedlint.model import Finding

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_FILE_NOQA = re.compile(
    r"^\s*#\s*schedlint:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?\s*$", re.IGNORECASE | re.M
)

_cache: Dict[str, Tuple[List[str], Optional[List[str]]]] = {}


def _codes(text: Optional[str]) -> List[str]:
    return [c.upper() for c in re.split(r"[\s,]+", text or "") if c]


def _matches(code: str, codes: List[str]) -> bool:
    return not codes or any(code.startswith(c) for c in codes)


def is_suppressed(loader, finding: Finding) -> bool:
    """Whether a `noqa` comment on the finding's lines, or a file-level one, silences it."""
    path = finding.location.file
    if path not in _cache:
        try:
            text = loader.text(path)
        except Exception:  # unreadable files cannot carry suppressions
            _cache[path] = ([], None)
        else:
            file_level = None
            m = _FILE_NOQA.search(text)
            if m:
                file_level = _codes(m.group("codes"))
            _cache[path] = (text.splitlines(), file_level)
    lines, file_level = _cache[path]
    if file_level is not None and _matches(finding.code, file_level):
        return True
    first = finding.location.line
    last = finding.location.end_line or first
    for number in range(first, min(last, len(lines)) + 1):
        for m in _NOQA.finditer(lines[number - 1]):
            if _matches(finding.code, _codes(m.group("codes"))):
                return True
    return False


def clear_cache() -> None:
    _cache.clear()
