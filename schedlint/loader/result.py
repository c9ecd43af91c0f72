"""A resolved config: its values with provenance, and the files it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from schedlint.loader.errors import Opaque
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
    # (location, error message) of each `_base_` of the chain that only mmcv 1.x reads: one that reads names set
    # above it (mmengine evaluates `_base_` alone: NameError), one in a file that imports a package (mmengine
    # loads it as a pure-Python config: ConfigParsingError)
    named_bases: List[Any] = field(default_factory=list)
    # the top-level names a pure-Python config (or a base it imports from) binds by an import statement:
    # mmengine's imported names, which its print_config and dump leave out
    imported: frozenset = frozenset()

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


@dataclass
class FileResult:
    """What one file gives (the `Loader`'s answer per file, before it is cloned for a config)."""

    values: CfgDict
    bases: List[str]
    chain: List[str]
    lazy: bool
    #: an upper bound of the size of `values` (budget.measure), what a child inheriting it adds
    cells: int = 0
    #: whether `values` holds an `Unevaluated` (see `Loader.unread`), from this file or a base
    deferred: bool = False
    rebound: tuple = ()  # numbers this file or a base binds again over inherited ones (`helpers.Rebound`)
    #: the functions and classes a pure-Python file defines (or imports): no config values, but `read_base`
    #: imports them from it (xtuner's `from .map_fn import multi_turn_1_map_fn`)
    definitions: Optional[Dict[str, Opaque]] = None
    imported: frozenset = frozenset()  # `ResolvedConfig.imported`


def definitions(namespace: CfgDict) -> Dict[str, Opaque]:
    """The functions and classes a file binds (`FileResult.definitions`)."""
    return {str(key): value for key, value in namespace.items()
            if isinstance(value, Opaque) and value.kind in ("function", "class") and not str(key).startswith("__")}
