"""Shared vocabulary of every part: locations, findings and fixes.

Everything else imports data from here, not logic. Locations and findings are plain
dataclasses (they are created by the thousand while loading); the plan is pydantic.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Dict, List, Literal, Optional, Tuple



@dataclass(frozen=True, init=False)
class Location:
    """A span in a config file: 1-based lines, 0-based columns (like Python's ast)."""

    file: str
    line: int
    col: int = 0
    end_line: Optional[int] = None
    end_col: Optional[int] = None

    def __init__(self, file: str, line: int, col: int = 0, end_line: Optional[int] = None,
                 end_col: Optional[int] = None) -> None:
        # the loader makes one per value it reads: set without the frozen dataclass's generated checks
        # (and not through `__dict__`, which would give each instance a dict of its own: 40% more memory)
        put = object.__setattr__
        put(self, "file", file)
        put(self, "line", line)
        put(self, "col", col)
        put(self, "end_line", end_line)
        put(self, "end_col", end_col)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col + 1}"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass
class Edit:
    """Replace the text of `file` between two (line, col) positions; 1-based lines, 0-based cols."""

    file: str
    content: str
    location: Tuple[int, int]
    end_location: Tuple[int, int]


@dataclass
class Fix:
    applicability: Literal["safe", "unsafe", "display-only"]
    message: str
    edits: List[Edit] = field(default_factory=list)

    @staticmethod
    def needing(option: str, text: str) -> str:
        """The message of a fix only `schedlint fix OPTION` makes (`--rescale`, `--cosine`)."""
        return f"with `schedlint fix {option}`: {text}"

    @property
    def option(self) -> Optional[str]:
        """The option of `schedlint fix` this fix needs (None: plain `schedlint fix`), from its message."""
        if self.message.startswith("with `schedlint fix --"):
            return self.message[len("with `schedlint fix "):].split("`", 1)[0]
        return None


@dataclass
class Related:
    """Another place that matters for a finding, e.g. where `max_epochs` was changed."""

    location: Location
    message: str


@dataclass
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    related: List[Related] = field(default_factory=list)
    configs: List[str] = field(default_factory=list)  # leaf configs affected (for shared bases)
    fix: Optional[Fix] = None
    # its fix was not computed: an earlier config of the run has the same finding, and when findings
    # are merged the first one's fix is shown (see `Linter.fixes_tried`)
    deferred: bool = field(default=False, compare=False, repr=False)

    def sort_key(self) -> tuple:
        return (self.location.file, self.location.line, self.location.col, self.code)

    def merge_key(self) -> tuple:
        """Findings with the same key are one finding of several configs (`merge_findings`)."""
        return (self.code, self.location.file, self.location.line, self.location.col, self.message)
