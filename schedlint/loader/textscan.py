"""Fast text searches whose pattern cannot start with a literal.

Python's regex engine skips ahead to a pattern's literal prefix with a fast scan; a pattern starting with
`^` (multi-line) or `\\b` has none and is tried at every position, 5-20x slower over a tree's texts. These
give the same answer (a match somewhere or not) with a literal prefix: a line start is the text's start or
a newline (`^` of `re.M` matches nowhere else), and a word start is the word itself, then checked by a
look-behind.
"""

from __future__ import annotations

import re
from typing import AnyStr, Generic, Iterable


class LineStart(Generic[AnyStr]):
    """`re.compile("^(?:" + pattern + ")", re.M).search(text)` as a bool, `pattern` str or bytes."""

    __slots__ = ("_first", "_later")

    def __init__(self, pattern: AnyStr, flags: int = 0) -> None:
        if isinstance(pattern, str):
            body, newline = "(?:%s)" % pattern, "\n"
        else:
            body, newline = b"(?:%s)" % pattern, b"\n"  # type: ignore[assignment]
        self._first = re.compile(body, flags | re.M)  # at the start of the text
        self._later = re.compile(newline + body, flags | re.M)  # after a newline: "\n" is a literal prefix

    def search(self, text: AnyStr) -> bool:
        return self._first.match(text) is not None or self._later.search(text) is not None


def word_pattern(word: str, guard: str = "") -> "re.Pattern[str]":
    """`\\bword\\b` (then the look-ahead `guard`, if any), with the word as the literal prefix: the word
    itself, then a look-behind for the boundary before it. Compiled once per word (re's own cache)."""
    literal = re.escape(word)
    return re.compile(literal + r"(?<=\b" + literal + r")" + guard + r"\b")


class Words:
    """Whether any of `words` occurs as a whole word (`\\bword\\b`, in bytes), each optionally followed by
    a negative look-ahead given in `not_followed` (e.g. `open` but not `open-mmlab:`)."""

    __slots__ = ("_words",)

    def __init__(self, words: Iterable[str], not_followed: dict = None) -> None:  # type: ignore[assignment]
        not_followed = not_followed or {}
        self._words = []
        for word in sorted(words):
            guard = f"(?!{not_followed[word]})" if word in not_followed else ""
            pattern = word_pattern(word, guard)
            self._words.append((word.encode(), re.compile(pattern.pattern.encode())))

    def search(self, text: bytes) -> bool:
        return any(word in text and pattern.search(text) is not None for word, pattern in self._words)
