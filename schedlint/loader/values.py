"""Config values with provenance: dicts and lists that remember where each entry was set."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from schedlint.model import Location


class CfgDict(dict):
    """A config dict; `locs[key]` is where the value under `key` was last set.

    `config` marks what mmengine holds as a `ConfigDict` while a config runs (whatever comes from
    `_base_` or from a read_base import), as opposed to a plain `dict` the config builds itself: the
    two differ in `update` (nested dicts merge) and `pop` (a missing key gives None).
    """

    __slots__ = ("locs", "config")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.locs: Dict[Any, Location] = {}
        self.config = False

    def set(self, key: Any, value: Any, loc: Optional[Location]) -> None:
        self[key] = value
        if loc is not None:
            self.locs[key] = loc
        else:
            self.locs.pop(key, None)

    def remove(self, key: Any) -> Any:
        self.locs.pop(key, None)
        return dict.pop(self, key)

    def shallow_copy(self) -> "CfgDict":
        new = CfgDict(self)
        new.locs = dict(self.locs)
        new.config = self.config
        return new

    def __repr__(self) -> str:
        return dict.__repr__(self)


class CfgList(list):
    """A config list; `locs[i]` is where element `i` was last set."""

    __slots__ = ("locs",)

    def __init__(self, items: Iterable[Any] = (), locs: Optional[List[Optional[Location]]] = None) -> None:
        super().__init__(items)
        self.locs: List[Optional[Location]] = list(locs) if locs is not None else [None] * len(self)

    def add(self, value: Any, loc: Optional[Location]) -> None:
        self.append(value)
        self.locs.append(loc)

    def shallow_copy(self) -> "CfgList":
        return CfgList(self, self.locs)

    def sync_locs(self) -> None:
        """Pad or trim `locs` after an operation that cannot track positions (sort, slices)."""
        n = len(self)
        if len(self.locs) != n:
            self.locs = (self.locs + [None] * n)[:n]

    def __repr__(self) -> str:
        return list.__repr__(self)


class Unevaluated:
    """The value of a top-level assignment the loader was asked not to evaluate (`Loader(unread=...)`):
    nothing in its file reads it, and the caller never will. A leaf: copied, merged over and measured
    as one cell, never looked into (the loader evaluates the file again when anything tries)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}: not evaluated>"


def holds_unevaluated(value: Any) -> bool:
    """Whether an `Unevaluated` is `value` or anywhere inside it."""
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if type(item) is Unevaluated:
            return True
        if isinstance(item, (dict, list, tuple, set, frozenset)):
            if id(item) in seen:  # a part shared (or, in a hostile config, a cycle) is looked at once
                continue
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
    return False


_LEAF_TYPES = (str, int, float, bool, type(None))


def clone(value: Any, config: Optional[bool] = None) -> Any:
    """A deep copy of a config value, provenance included (leaves are immutable and shared).

    With `config=True` every dict of the copy is marked as an mmengine ConfigDict (see `mark_config`).
    """
    if isinstance(value, _LEAF_TYPES):
        return value
    if isinstance(value, dict):
        new = CfgDict()
        setitem = dict.__setitem__
        for k, v in value.items():
            setitem(new, k, v if isinstance(v, _LEAF_TYPES) else clone(v, config))
        if isinstance(value, CfgDict):
            new.locs = dict(value.locs)
            new.config = value.config if config is None else config
        elif config is not None:
            new.config = config
        return new
    if isinstance(value, list):
        items = [v if isinstance(v, _LEAF_TYPES) else clone(v, config) for v in value]
        return CfgList(items, value.locs if isinstance(value, CfgList) else None)
    if isinstance(value, tuple) and any(isinstance(v, (dict, list, tuple)) for v in value):
        return tuple(clone(v, config) for v in value)
    return value


def mark_config(value: Any) -> Any:
    """Mark every dict in `value` as an mmengine `ConfigDict` (see `CfgDict.config`); returns `value`."""
    if isinstance(value, CfgDict):
        value.config = True
        for v in value.values():
            mark_config(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            mark_config(v)
    return value


def plain(value: Any) -> Any:
    """The value as ordinary dicts, lists and tuples (what mmengine's `to_dict()` gives)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    return value


def lookup(root: Any, path: Iterable[Any]) -> Any:
    """The value at `path` (keys and list indices) below `root`; KeyError/IndexError if absent."""
    value = root
    for part in path:
        value = value[part]
    return value


def provenance(root: Any, path: Iterable[Any]) -> Optional[Location]:
    """Where the value at `path` was set: the most specific location recorded along the path."""
    found: Optional[Location] = None
    value = root
    for part in path:
        loc = None
        if isinstance(value, CfgDict):
            loc = value.locs.get(part)
        elif isinstance(value, CfgList) and isinstance(part, int) and -len(value) <= part < len(value):
            loc = value.locs[part]
        if loc is not None:
            found = loc
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            break
    return found


def walk_provenance(value: Any, prefix: tuple = ()) -> Iterable[tuple]:
    """Yield `(path, location)` for every entry below `value` that has a recorded location."""
    if isinstance(value, CfgDict):
        for k, v in value.items():
            loc = value.locs.get(k)
            if loc is not None:
                yield prefix + (k,), loc
            yield from walk_provenance(v, prefix + (k,))
    elif isinstance(value, CfgList):
        for i, v in enumerate(value):
            loc = value.locs[i] if i < len(value.locs) else None
            if loc is not None:
                yield prefix + (i,), loc
            yield from walk_provenance(v, prefix + (i,))
