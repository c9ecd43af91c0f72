"""A persistent, ruff-style cache of the findings of each config file.

An entry holds the findings of one config (before selection and `noqa`, which are applied on every
run) together with the content hash of every file its result depends on: the config and its whole
`_base_` chain. It is used only while all of those hashes still match, so editing one `_base_`
schedule recomputes exactly the configs that inherit it. Entries live in one JSON file per
combination of what else the findings depend on (schedlint's version and code, the settings that
change findings, the working directory and the fix attacher), under the cache folder
(`cache-dir`, default `.schedlint_cache` beside the settings file, else in the working directory),
which holds a `.gitignore` of `*`. Writes are atomic (temporary file + rename) and merge with what a
concurrent run saved meanwhile; a damaged or foreign cache file is ignored, never trusted as code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Any, Callable, Dict, List, Optional, Tuple

from schedlint.loader import LoadProblem, read_bytes
from schedlint.loader.files import content_hash, hash_reads, read_hash
from schedlint.model import Edit, Finding, Fix, Location, Related, Severity

DEFAULT_DIR = ".schedlint_cache"
_FORMAT = 1  # bump when the entry layout changes


def _code_fingerprint() -> str:
    """schedlint's version plus the size and mtime of every module, so a changed install or checkout
    never reuses findings computed by other code."""
    import schedlint

    root = os.path.dirname(os.path.abspath(schedlint.__file__))
    parts = [getattr(schedlint, "__version__", "?")]
    stack = [root]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    st = entry.stat()
                    parts.append(f"{entry.path}:{st.st_size}:{st.st_mtime_ns}")
    parts.sort()
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def _machine_secret() -> str:
    """A random key kept in the user's cache folder and mixed into every cache key, so that a cache
    committed to a checked repository (a pull request's forged "no findings") never matches here."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "schedlint", "cache-secret")
    try:
        with open(path, encoding="ascii") as fh:
            secret = fh.read(128).strip()
        if len(secret) >= 32:
            return secret
    except (OSError, UnicodeDecodeError):
        pass
    secret = os.urandom(24).hex()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secret)
    except FileExistsError:  # another process wrote it first (or it is unreadable): use theirs if readable
        try:
            with open(path, encoding="ascii") as fh:
                theirs = fh.read(128).strip()
            return theirs if len(theirs) >= 32 else secret
        except (OSError, UnicodeDecodeError):
            return secret
    except OSError:
        pass  # no writable home: this process's own key (the cache is then private to the run)
    return secret


def cache_key(settings: Any, on_file: Optional[Callable[..., Any]]) -> str:
    """What the findings of a file depend on besides the files themselves."""
    relevant = {
        "format": _FORMAT,
        "secret": _machine_secret(),
        "code": _code_fingerprint(),
        "cwd": os.getcwd(),
        "base_dir": settings.base_dir,  # globs of epoch-length-per-glob are relative to it
        "epoch_length": settings.epoch_length,
        "epoch_length_per_glob": settings.epoch_length_per_glob,
        "scope_roots": settings.scope_roots,
        "gpus": getattr(settings, "gpus", None),  # the epoch-length estimate reads them
        "batch_size": getattr(settings, "batch_size", None),
        "allow_exec": settings.allow_exec,
        "thresholds": settings.thresholds.as_dict(),
        "on_file": None if on_file is None else f"{on_file.__module__}.{getattr(on_file, '__qualname__', on_file)}",
    }
    text = json.dumps(relevant, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def cache_dir_for(settings: Any) -> str:
    """The cache folder of a run: `cache-dir` (relative to the settings file), else the default.

    A checked repository's settings may not make schedlint write elsewhere than in the project or the
    user's cache folder (`cache-dir = "/etc"` or `"../.."` falls back to the default)."""
    configured = getattr(settings, "cache_dir", None)
    default = os.path.join(settings.base_dir, DEFAULT_DIR)
    if not configured:
        return default
    chosen = os.path.realpath(os.path.join(settings.base_dir, os.path.expanduser(configured)))
    user_cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    allowed = [os.path.realpath(settings.base_dir), os.path.realpath(user_cache)]
    if any(chosen == root or chosen.startswith(root.rstrip(os.sep) + os.sep) for root in allowed):
        return chosen
    return default


class FindingsCache:
    """Findings per config file, valid while the content of the file and its bases is unchanged."""

    def __init__(self, directory: str, key: str) -> None:
        self.directory = directory
        self.path = os.path.join(directory, f"findings-{key}.json")
        self._hashes: Dict[str, Optional[str]] = {}
        self._abspaths: Dict[str, str] = {}
        self._stats: Dict[str, Optional[Tuple[int, int]]] = {}
        self._read_stats: Dict[str, Tuple[int, int]] = {}  # (size, mtime_ns) of the read a hash was taken of
        hash_reads(True)  # the loader's reads give the content hashes (until the run's end)
        data = self._read()
        self._entries: Dict[str, Any] = data.get("entries", {})
        self._facts: Dict[str, Any] = data.get("facts", {})  # "kind:path" -> [size, mtime_ns, value]
        self._new: Dict[str, Any] = {}
        self._new_facts: Dict[str, Any] = {}
        self.hits = 0

    @property
    def entries(self) -> int:
        """How many configs the cache holds findings for."""
        return len(self._entries)

    @classmethod
    def for_run(cls, settings: Any, on_file: Optional[Callable[..., Any]] = None) -> "FindingsCache":
        """The cache for a run with these settings (and this fix attacher)."""
        return cls(cache_dir_for(settings), cache_key(settings, on_file))

    # -- lookups ------------------------------------------------------------------------------

    def _absolute(self, path: str) -> str:
        """`os.path.abspath`, once per path and run (every config names the same bases)."""
        found = self._abspaths.get(path)
        if found is None:
            found = self._abspaths[path] = os.path.abspath(path)
        return found

    def file_hash(self, path: str) -> Optional[str]:
        """Content hash of a file (None when it cannot be read); once per file and run."""
        path = self._absolute(path)
        if path not in self._hashes:
            read = read_hash(path)
            if read is not None:  # hashed as this run read it: the bytes its findings come from
                self._read_stats[path] = read[:2]
                self._hashes[path] = read[2]
                return read[2]
            try:
                # read as the loader reads (never a FIFO, a device or a huge file: those are not cached),
                # and what the folder walk kept for the loader stays kept
                self._hashes[path] = content_hash(read_bytes(path, peek=True))
            except LoadProblem:
                self._hashes[path] = None
        return self._hashes[path]

    def _stat(self, path: str) -> Optional[Tuple[int, int]]:
        if path not in self._stats:
            try:
                st = os.stat(path)
                self._stats[path] = (st.st_size, st.st_mtime_ns)
            except OSError:
                self._stats[path] = None
        return self._stats[path]

    def _unchanged(self, path: str, digest: str, size: int, mtime_ns: int) -> bool:
        """Whether a file still has the content hashed as `digest`; an unchanged size and mtime
        spare reading it (as ruff does), anything else compares the content hash."""
        if self._stat(path) == (size, mtime_ns):
            return True
        return self.file_hash(path) == digest

    def fact(self, kind: str, path: str, compute: Callable[[str], Any]) -> Any:
        """`compute(path)` (a JSON value read from the file alone: whether it looks like a config, its
        `_base_` references), remembered while the file's size and mtime stay the same."""
        stat = self._stat(self._absolute(path))
        key = f"{kind}:{path}"
        known = self._facts.get(key)
        if stat is not None and isinstance(known, list) and len(known) == 3 and tuple(known[:2]) == stat:
            return known[2]
        value = compute(path)
        if stat is not None:
            self._facts[key] = self._new_facts[key] = [stat[0], stat[1], value]
        return value

    def get(self, path: str) -> Optional[List[Finding]]:
        """The cached findings of `path`, if the file and every file it depends on are unchanged."""
        entry = self._entries.get(path)
        if not isinstance(entry, dict):
            return None
        try:
            for dep, digest, size, mtime_ns in entry["deps"]:
                if not self._unchanged(dep, digest, size, mtime_ns):
                    return None
            findings = [_finding(f) for f in entry["findings"]]
        except (KeyError, TypeError, ValueError):
            return None
        self.hits += 1
        return findings

    def put(self, path: str, findings: List[Finding], depends_on: List[str]) -> None:
        """Remember the findings of `path`, computed from the files `depends_on` (it included)."""
        deps = []
        for dep in dict.fromkeys([self._absolute(path)] + [self._absolute(d) for d in depends_on]):
            digest = self.file_hash(dep)
            stat = self._read_stats.get(dep) or self._stat(dep)
            if digest is None or stat is None:
                return
            deps.append([dep, digest, stat[0], stat[1]])
        entry = {"deps": deps, "findings": [_plain(f) for f in findings]}
        self._entries[path] = entry
        self._new[path] = entry

    # -- storage ------------------------------------------------------------------------------

    def _read(self) -> Dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError, RecursionError):
            return {}
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return {}
        return {key: data[key] for key in ("entries", "facts") if isinstance(data.get(key), dict)}

    def save(self) -> None:
        """Write the new entries, merged with the file as it is now (another run may have saved)."""
        if not self._new and not self._new_facts:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            ignore = os.path.join(self.directory, ".gitignore")
            if not os.path.exists(ignore):
                _atomic_write(ignore, "# Automatically created by schedlint.\n*\n")
            data = self._read()
            # entries of files that no longer exist are dropped (a renamed or deleted config)
            entries = {p: e for p, e in {**data.get("entries", {}), **self._new}.items() if self._stat(p)}
            facts = {k: f for k, f in {**data.get("facts", {}), **self._new_facts}.items()
                     if self._stat(self._absolute(k.split(":", 1)[1]))}
            _atomic_write(self.path, json.dumps({"format": _FORMAT, "entries": entries, "facts": facts},
                                                separators=(",", ":")))
        except OSError:
            return  # a read-only tree: the run's results stand, nothing is cached
        self._new, self._new_facts = {}, {}


def _atomic_write(path: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the cache from the other users of a shared tree
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# -- findings as JSON ------------------------------------------------------------------------------


def _loc(loc: Location) -> List[Any]:
    return [loc.file, loc.line, loc.col, loc.end_line, loc.end_col]


def _plain(f: Finding) -> Dict[str, Any]:
    out: Dict[str, Any] = {"c": f.code, "n": f.name, "s": f.severity.value, "m": f.message, "l": _loc(f.location)}
    if f.related:
        out["r"] = [[_loc(r.location), r.message] for r in f.related]
    if f.configs:
        out["k"] = list(f.configs)
    if f.deferred:
        out["d"] = 1
    if f.fix is not None:
        out["f"] = [f.fix.applicability, f.fix.message,
                    [[e.file, e.content, list(e.location), list(e.end_location)] for e in f.fix.edits]]
    return out


def _location(raw: List[Any]) -> Location:
    return Location(*raw)


def _finding(raw: Dict[str, Any]) -> Finding:
    fix = None
    if "f" in raw:
        applicability, message, edits = raw["f"]
        fix = Fix(applicability, message, [Edit(e[0], e[1], _pair(e[2]), _pair(e[3])) for e in edits])
    return Finding(
        code=raw["c"], name=raw["n"], severity=Severity(raw["s"]), message=raw["m"], location=_location(raw["l"]),
        related=[Related(_location(loc), message) for loc, message in raw.get("r", [])],
        configs=list(raw.get("k", [])), fix=fix, deferred=bool(raw.get("d")),
    )


def _pair(raw: List[Any]) -> Tuple[int, int]:
    return (int(raw[0]), int(raw[1]))


__all__ = ["DEFAULT_DIR", "FindingsCache", "cache_dir_for", "cache_key"]
