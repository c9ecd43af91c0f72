"""Which configs of a project inherit which: the configs `check ONE` re-checks, and those a fix must keep sound.

A project's files are asked lazily: `Inheritance.dependents` reads what each file's text tells of its bases
(`detect.base_names`, no parse) and parses only the files that may name one of the files asked about, or whose
bases the text cannot tell. The answers are the same as asking every file (`inheritance_index`).
"""

from __future__ import annotations

import os
from typing import Callable, Dict, Iterable, List, Optional, Set

from schedlint.lint.cache import FindingsCache
from schedlint.loader import Loader, LoadProblem, read_bytes
from schedlint.loader.detect import base_names


def _may_inherit(path: str) -> bool:
    """A cheap pre-filter: only files that mention `_base_` or `read_base` can inherit anything."""
    try:
        data = read_bytes(path, peek=True)  # (the loader may read it later: what a folder walk kept stays)
    except LoadProblem:
        return False
    return b"_base_" in data or b"read_base" in data


def _names(path: str) -> Optional[str]:
    """`detect.base_names` of a file ("" for a file that cannot be read: it inherits nothing)."""
    if not path.endswith(".py"):
        return None
    try:
        data = read_bytes(path, peek=True)  # (what a folder walk kept for the loader stays kept)
    except LoadProblem:
        return ""
    return base_names(data)


class Inheritance:
    """The direct bases of the files of one project, asked as needed (through `loader`, and the `cache` of
    file facts when given); kept for every later question (the fixer asks once for every file it edits)."""

    def __init__(self, loader: Loader, cache: Optional[FindingsCache] = None) -> None:
        self.loader = loader
        self.cache = cache
        self._absolute: Dict[str, str] = {}
        self._names: Dict[str, Optional[str]] = {}  # absolute path -> `_names`
        self._bases: Dict[str, Set[str]] = {}  # absolute path -> absolute paths of its direct bases

    def absolute(self, path: str) -> str:
        found = self._absolute.get(path)
        if found is None:
            found = self._absolute[path] = os.path.abspath(path)
        return found

    def names(self, path: str) -> Optional[str]:
        """What the file's text tells of its bases (`detect.base_names`), once per file."""
        if path not in self._names:
            self._names[path] = _names(path) if self.cache is None else self.cache.fact("names", path, _names)
        return self._names[path]

    def direct(self, path: str) -> Set[str]:
        """The absolute paths of the files `path` (absolute) inherits directly; files that cannot be parsed
        inherit nothing."""
        found = self._bases.get(path)
        if found is None:
            found = self._bases[path] = _direct(self.loader, path, self.cache)
        return found

    def dependents(self, files: Iterable[str], universe: Iterable[str],
                   keep: Optional[Callable[[str], bool]] = None) -> List[str]:
        """Configs in `universe` that inherit (directly or transitively) any of `files`, sorted (see
        `dependents`)."""
        targets = {self.absolute(f) for f in files}
        pending = [p for p in dict.fromkeys(self.absolute(p) for p in universe) if p not in targets]
        found: Set[str] = set()
        frontier = set(targets)
        while frontier and pending:
            # a file names each of its bases by its file name: only a file whose `_base_` statement holds
            # the name of a file of the frontier, or whose bases its text cannot tell, may inherit one
            wanted = {os.path.basename(f) for f in frontier}
            inheriting = set()
            for path in pending:
                names = self.names(path)
                if names == "" or (names is not None and not any(w in names for w in wanted)):
                    continue
                if self.direct(path) & frontier and (keep is None or keep(path)):
                    inheriting.add(path)
            found |= inheriting
            pending = [p for p in pending if p not in inheriting]
            frontier = inheriting
        return sorted(found)


def _direct(loader: Loader, path: str, cache: Optional[FindingsCache]) -> Set[str]:
    known = loader.known_bases(path)  # a config the loader resolved: no need to read it again
    if known is not None:
        return {os.path.abspath(base) for base in known}
    if not (_may_inherit(path) if cache is None else cache.fact("inherits", path, _may_inherit)):
        return set()

    def bases_of(path: str) -> List[str]:
        return sorted({os.path.abspath(base) for base, _ in loader.base_references(path)})

    try:
        return set(bases_of(path) if cache is None else cache.fact("bases", path, bases_of))
    except Exception:  # an unreadable or odd file: it inherits nothing we can see
        return set()


def inheritance_index(loader: Loader, universe: Iterable[str], cache: Optional[FindingsCache] = None,
                      memo: Optional[Dict[str, Set[str]]] = None) -> Dict[str, Set[str]]:
    """Each file of `universe` that inherits anything -> its direct bases (absolute paths).

    Files that cannot be parsed inherit nothing. The `cache` keeps each file's direct bases while the
    file is unchanged; `memo` (path -> bases, empty for none) keeps them for the caller, who asks about
    many universes of one project.
    """
    inherits: Dict[str, Set[str]] = {}
    for path in universe:
        if memo is None:
            path = os.path.abspath(path)
            bases = _direct(loader, path, cache)
        else:
            bases = memo.get(path)  # type: ignore[assignment]  (memo keys are absolute: asked as given first)
            if bases is None:
                path = os.path.abspath(path)
                bases = memo.get(path)  # type: ignore[assignment]
                if bases is None:
                    bases = memo[path] = _direct(loader, path, cache)
        if bases:
            inherits[path] = bases
    return inherits


def dependents(
    loader: Loader, files: Iterable[str], universe: Iterable[str], cache: Optional[FindingsCache] = None,
    keep: Optional[Callable[[str], bool]] = None, index: Optional[Dict[str, Set[str]]] = None,
) -> List[str]:
    """Configs in `universe` that inherit (directly or transitively) any of `files`, sorted.

    `files` themselves are never returned. Files that cannot be parsed inherit nothing. The `cache`
    keeps each file's direct bases while the file is unchanged; `index` is `inheritance_index` of
    `universe`, when the caller has built it (else the files are asked lazily: `Inheritance`). `keep`
    (whether a file is a config, e.g. `config_test()`) is asked only of the files that inherit: a file
    it rejects is neither returned nor passes the inheritance on, exactly as if `universe` held only the
    files it keeps.
    """
    if index is None:
        return Inheritance(loader, cache).dependents(files, universe, keep)
    targets: Set[str] = {os.path.abspath(f) for f in files}
    found: Set[str] = set()
    frontier = set(targets)
    while frontier:
        frontier = {f for f, bases in index.items()
                    if f not in found and f not in targets and bases & frontier and (keep is None or keep(f))}
        found |= frontier
    return sorted(found)


__all__ = ["Inheritance", "dependents", "inheritance_index"]
