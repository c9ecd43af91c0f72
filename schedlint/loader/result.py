"""A resolved config: its values with provenance, and the files it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, List, Optional

from schedlint.loader.values import CfgDict, Unevaluated, lookup, provenance
from schedlint.model import Location


@dataclass
class ResolvedConfig:
    """A config after inheritance: its values (with provenance) and the files it came from."""

    filename: str
    values: CfgDict
    bases: List[str] = field(default_factory=list)  # direct bases, absolute paths
    chain: List[str] = field(default_factory=list)  # every file that contributed, bases first
    lazy: bool = False
    executed: bool = False  # resolved by running mmengine (--allow-exec)
    notes: List[str] = field(default_factory=list)
    # the .py files of `chain` whose top level assigns a name twice (None: not known, e.g. executed)
    assigned_twice: Optional[List[str]] = None
    # run-setup values a base computed from a helper a later file binds again (`helpers.StaleValue`)
    stale: List[Any] = field(default_factory=list)
    # (location, NameError) of each `_base_` of the chain that reads names set above it: mmcv 1.x runs the file
    # first and reads it; mmengine evaluates `_base_` alone and fails
    named_bases: List[Any] = field(default_factory=list)

    def get(self, *path: Any, default: Any = None) -> Any:
        """The value at `path`, or `default` when absent. Reading below a name the loader left unevaluated
        (`Loader(unread=...)`) is a bug of the reader, never a silent `default`."""
        if path and type(self.values.get(path[0])) is Unevaluated:
            raise RuntimeError(f"`{path[0]}` is not evaluated for the linter (schedlint.lint.engine.UNREAD_NAMES): "
                               "a rule or plan reading it must have it removed from there")
        try:
            return lookup(self.values, path)
        except (KeyError, IndexError, TypeError):
            return default

    def loc(self, *path: Any) -> Optional[Location]:
        """Where the value at `path` was set last."""
        return provenance(self.values, path)
