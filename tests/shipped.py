"""The config texts this repository ships (`fixtures/`, `examples/`, `tests/fix_cases`): a corpus for tests that
hold a shortcut equal to the slow way on every real file."""

from __future__ import annotations

from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[1]


def shipped_config_texts() -> List[str]:
    """Every `.py` file of the shipped trees that reads as UTF-8."""
    texts = []
    for folder in ("fixtures", "examples", "tests/fix_cases"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            try:
                texts.append(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, OSError):
                pass
    return texts
