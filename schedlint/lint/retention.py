"""Memory of a tree run: which files a config may inherit (by their literal names), and when what was
read of a file can be dropped (after the last config of the run that may inherit it)."""

from __future__ import annotations

import functools
import os
import re
from typing import Any, Dict, List, Sequence, Tuple

from schedlint.loader import LoadProblem, read_bytes

# the end of a `'....py'` string literal; its start is the nearest quote before (searched from each end: a
# search from each quote read every string of a config; names end in `.py` in few of them)
_PY_END = re.compile(rb"""\.py['"]""")


# files whose names a folder walk noted while it read them (`note_head`), until a run asks for them
_NOTED: Dict[str, List[str]] = {}
_MAX_NOTED = 20_000  # (past it, Retention reads the file itself)


def note_head(path: str, head: bytes) -> None:
    """Note the files the config at `path` may inherit, from the `head` of it just read: the run's
    `Retention` then does not read it again."""
    if len(_NOTED) < _MAX_NOTED:
        _NOTED[os.path.abspath(path)] = _refs_in(path, head)


def _literal_refs(path: str) -> List[str]:
    """Files the config may inherit: every `'....py'` string literal in it, resolved against its folder
    (cheap, on the text; a base named otherwise is only read twice)."""
    noted = _NOTED.pop(os.path.abspath(path), None)
    if noted is not None:
        return noted
    try:
        data = read_bytes(path, 256 * 1024, head=True)
    except LoadProblem:
        return []
    return _refs_in(path, data)


def _refs_in(path: str, data: bytes) -> List[str]:
    folder = os.path.dirname(os.path.abspath(path))
    out = []
    for ref in _py_literals(data):
        try:
            name = ref.decode("utf-8").split("::")[-1]
        except UnicodeDecodeError:
            continue
        out.append(_joined(folder, name))
    return out


def _py_literals(data: bytes) -> List[bytes]:
    """Every text between two quotes, on one line, of 1 to 400 characters then `.py` (a string literal naming a
    .py file, or a stretch between two literals that ends so: a name too many only keeps a file a little
    longer)."""
    out = []
    for m in _PY_END.finditer(data):
        end = m.start() + 3
        low = max(0, end - 404)
        start = max(data.rfind(b"'", low, m.start()), data.rfind(b'"', low, m.start()))
        if start >= 0 and end - start > 4 and data.find(b"\n", start, end) < 0:
            out.append(data[start + 1 : end])
    return out


@functools.lru_cache(maxsize=1 << 16)
def _joined(folder: str, name: str) -> str:
    """A name resolved against a folder (the configs of a folder name the same bases)."""
    return os.path.normpath(os.path.join(folder, os.path.expanduser(name)))


class Retention:
    """Memory of a tree run: what was read of a file is kept while a later config of the run may inherit
    it, and dropped after its last user (the files a config inherits, directly or through its bases, by
    their literal names), so a run holds the bases of the configs around the current one, not of the
    whole tree. A process lints its files in run order (a worker, a subsequence of it)."""

    def __init__(self, files: Sequence[str] = ()) -> None:
        self.index = {os.path.abspath(p): i for i, p in enumerate(files)}
        refs = {p: _literal_refs(p) for p in self.index}
        last = dict(self.index)  # a file is needed at least while it is linted
        for p, named in refs.items():
            for r in named:
                last[r] = max(last.get(r, -1), self.index[p])
        for _ in range(64):  # a file inherited by a base is needed as long as that base
            changed = False
            for p, named in refs.items():
                for r in named:
                    if last.get(r, -1) < last[p]:
                        last[r] = last[p]
                        changed = True
            if not changed:
                break
        self._refs, self._last = refs, last
        self.release: Dict[int, List[str]] = {}
        for path, i in last.items():
            self.release.setdefault(i, []).append(path)
        self.done = -1  # files up to this position are linted (by this process or another)

    def part(self, chunk: Sequence[str]) -> Tuple[Dict[str, int], Dict[str, int]]:
        """What a worker needs to know of the run to lint `chunk` (contiguous files of the run): their
        positions, and the last position needing each file they may inherit (`merge` takes it)."""
        index = {p: self.index[p] for p in map(os.path.abspath, chunk) if p in self.index}
        last: Dict[str, int] = {}
        stack = list(index)
        while stack:
            path = stack.pop()
            if path not in last and path in self._last:
                last[path] = self._last[path]
                stack.extend(self._refs.get(path, ()))
        return index, last

    def merge(self, index: Dict[str, int], last: Dict[str, int]) -> None:
        """Take a `part` of the run's retention (a worker's, empty at first, learns it chunk by chunk: the
        files a chunk may inherit are needed up to a position past the chunk's start, so nothing is missed)."""
        self.index.update(index)
        for path, i in last.items():
            if path not in self._last:
                self._last[path] = i
                self.release.setdefault(i, []).append(path)

    def after(self, linter: Any, path: str) -> None:
        """`path` is linted: drop the files no later config of the run inherits."""
        i = self.index.get(os.path.abspath(path))
        if i is None:
            return
        for j in range(self.done + 1, i + 1):
            for name in self.release.get(j, ()):
                linter.loader.forget(name, shared=True)
        self.done = max(self.done, i)


__all__ = ["Retention"]
