"""The fast text searches give the same verdicts as the plain regexes they replace."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from schedlint.lint import shape
from schedlint.lint.scripts import SCRIPT_BUILTINS
from schedlint.loader import detect
from schedlint.loader.textscan import LineStart, Words
from schedlint.rules.loading import duplicate_top_level_key as sl909

ROOT = Path(__file__).resolve().parent.parent

# the plain patterns (what the fast searches must agree with)
SCRIPT_HINT = re.compile(rb"^(?:import|from)\s|__name__|;|\f|\\\n|\b(?:" + "|".join(
    sorted(SCRIPT_BUILTINS)).replace("open", "open(?!-mmlab:)").encode() + rb")\b", re.M)
MODULE_CODE = re.compile(rb"^(?:def|class|async\s+def)\s", re.M)
ODD_LOOP_TARGET = re.compile(r"\bfor\s+[^:\n]*?[.\[][^:\n]*?\s+in\s")
HIDDEN = re.compile(r";|\\\n|\f|^\(|^\ufeff?(?!\d)\w+[ \t]*=[ \t(]*(?!\d)\w+[ \t)]*=(?!=)", re.M)

PIECES = ["import", "from", " ", "\t", "\n", "\r\n", "__name__", ";", "\f", "\\\n", "print", "open",
          "open-mmlab:", "-mmlab:", "exec", "exit", "quit", "input", "main", "x", "_", "a1", "1", "(", ")",
          "=", "==", "def", "class", "async", "for", "in", ".", "[", "]", ":", "\ufeff", "é", "b = c = d",
          "a.b", "#", "'", "dict(", "reprint", "opener", "mainly", "fork", "inform"]


def _texts(n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        yield "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))


def _configs():
    return [p.read_text(encoding="utf-8", errors="replace")
            for folder in ("fixtures", "examples", "tests") for p in sorted((ROOT / folder).rglob("*.py"))]


def test_the_fast_searches_agree_with_the_plain_regexes_on_random_and_real_texts():
    texts = [*_texts(20000, 14), *_configs()]
    for text in texts:
        data = text.encode("utf-8")
        assert shape._script_hint(data) == bool(SCRIPT_HINT.search(data)), text
        assert shape._MODULE_CODE.search(data) == bool(MODULE_CODE.search(data)), text
        assert bool(detect._ODD_LOOP_TARGET.search(text)) == bool(ODD_LOOP_TARGET.search(text)), text
        assert sl909._hidden(text) == bool(HIDDEN.search(text)), text


@pytest.mark.parametrize("pattern, text, expected", [
    ("ab", "ab", True), ("ab", "x\nab", True), ("ab", "xab", False), ("ab", "x\rab", False), ("a|b", "\nb", True),
    ("", "", True),
])
def test_line_start_matches_where_a_multiline_caret_does(pattern, text, expected):
    for p, t in ((pattern, text), (pattern.encode(), text.encode())):
        assert LineStart(p).search(t) is expected
        assert bool(re.compile("^(?:" + pattern + ")", re.M).search(text)) is expected


@pytest.mark.parametrize("text, expected", [
    (b"print", True), (b"x=print(1)", True), (b"reprint", False), (b"printer", False), (b"_print", False),
    (b"open-mmlab://x", False), (b"open-mmlab://x open(f)", True), (b"open-mm", True), (b"", False),
])
def test_words_are_found_as_whole_words(text, expected):
    assert Words(["print", "open"], {"open": "-mmlab:"}).search(text) is expected
