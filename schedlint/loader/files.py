"""Reading config files safely: regular files only (never a FIFO, device or socket, never blocking),
at most `MAX_FILE_BYTES` read, then decoded; and mmengine's textual `{{ }}` substitutions."""

from __future__ import annotations

import os
import re
import stat
from typing import Callable, Dict, List, Mapping, Optional, Tuple

from schedlint.loader.budget import MAX_FILE_BYTES
from schedlint.loader.errors import LoadProblem
from schedlint.model import Location

BASE_KEY = "_base_"
PLACEHOLDER_SUFFIX = "_schedlint_base_var"

_PREDEFINED = re.compile(r"\{\{\s*(fileDirname|fileBasename|fileBasenameNoExtension|fileExtname)\s*\}\}")
_ENV = re.compile(r"\{\{['\"]?\s*\$(\w+)\s*\:\s*(\S*?)\s*['\"]?\}\}")
_BASE_VAR = re.compile(r"\{\{\s*" + BASE_KEY + r"\.([\w\.]+)\s*\}\}")

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def special_kind(mode: int) -> str:
    """What a non-regular file is, in words ('' for a regular file)."""
    if stat.S_ISREG(mode):
        return ""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


# whole files a folder walk read (`read_bytes(..., keep=True)`) for the next reader of each, e.g. the
# loader after discovery: absolute path -> (inode, size, mtime_ns, bytes); taken once, at most _MAX_KEPT bytes
_KEPT: Dict[str, Tuple[int, int, int, bytes]] = {}
_MAX_KEPT = 16 * 1024 * 1024
_kept_bytes = [0]

# the content hash of each whole file read while a findings cache wants them (`hash_reads`): absolute path ->
# (size, mtime_ns, hash) of its last read, so the cache keys findings by the bytes they came from without
# reading every file again
_READ_HASHES: Dict[str, Tuple[int, int, str]] = {}
_hashing = [False]


def hash_reads(on: bool) -> None:
    """Hash every whole file read from now on (`read_hash`), or stop; either way the hashes of earlier reads
    are forgotten (a run that stopped early never left them to the next)."""
    _hashing[0] = on
    _READ_HASHES.clear()


def content_hash(data: bytes) -> str:
    """The content hash of a file's bytes (the findings cache's key of a file)."""
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_hash(path: str) -> Optional[Tuple[int, int, str]]:
    """(size, mtime_ns, content hash) of the last whole read of `path` (absolute) while hashing, if any."""
    return _READ_HASHES.get(path)


def read_bytes(path: str, limit: int = MAX_FILE_BYTES, head: bool = False, keep: bool = False,
               peek: bool = False) -> bytes:
    """At most `limit` bytes of a regular file; raises LoadProblem (SL906) for anything else.

    The file is stat-ed before it is opened (a FIFO or device is never opened), opened without
    blocking, checked again on the open descriptor, and never read past `limit` (+1 to detect an
    oversized file). With `head=True` a larger file is not an error: its first `limit` bytes are returned.
    With `keep=True` a whole file read is kept for the next call that reads it (the loader reads the
    configs a folder walk has just read): that call stats the file and takes the bytes if the file is
    still the same inode, size and modification time, else reads it again. `peek=True` takes them and
    leaves them kept (a reader that only looks, before the one they are kept for).
    """
    loc = Location(path, 1)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LoadProblem("SL906", f"cannot read file: {exc.strerror or exc}", loc) from None
    kind = special_kind(st.st_mode)
    if kind:
        raise LoadProblem("SL906", f"not a config file: {kind}", loc)
    if _KEPT:
        kept = _KEPT.get(_kept_key(path))
        if kept is not None:
            same = kept[:3] == (st.st_ino, st.st_size, st.st_mtime_ns) and len(kept[3]) <= limit
            if not (peek and same):  # taken, or stale
                release_kept(path)
            if same:
                return kept[3]
    if st.st_size > limit and not head:
        raise LoadProblem("SL906", f"file is too large to be a config ({st.st_size} bytes, limit {limit})", loc)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise LoadProblem("SL906", f"cannot read file: {exc.strerror or exc}", loc) from None
    try:
        kind = special_kind(os.fstat(fd).st_mode)
        if kind:  # swapped between stat and open
            raise LoadProblem("SL906", f"not a config file: {kind}", loc)
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise LoadProblem("SL906", f"cannot read file: {exc.strerror or exc}", loc) from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        if head:
            return data[:limit]
        raise LoadProblem("SL906", f"file is too large to be a config (more than {limit} bytes)", loc)
    if keep and len(data) == st.st_size and _kept_bytes[0] + len(data) <= _MAX_KEPT:
        _KEPT[_kept_key(path)] = (st.st_ino, st.st_size, st.st_mtime_ns, data)
        _kept_bytes[0] += len(data)
    if _hashing[0]:
        _READ_HASHES[_kept_key(path)] = (st.st_size, st.st_mtime_ns, content_hash(data))
    return data


def _kept_key(path: str) -> str:
    """The key of a file's kept bytes: its absolute path (as given when it is one: the folder walk's and
    the loader's paths are absolute already)."""
    return path if os.path.isabs(path) else os.path.abspath(path)


def release_kept(path: str) -> None:
    """Drop what `read_bytes(path, keep=True)` kept (no later reader wants it)."""
    kept = _KEPT.pop(_kept_key(path), None)
    if kept is not None:
        _kept_bytes[0] -= len(kept[3])


def release_all_kept() -> None:
    """Drop everything `read_bytes(..., keep=True)` kept, and stop hashing reads (the end of a run)."""
    _KEPT.clear()
    _kept_bytes[0] = 0
    hash_reads(False)


def decode(path: str, data: bytes) -> str:
    """The text of a config file's bytes; LoadProblem (SL906) for binary, non-UTF-8 or oversized data."""
    if len(data) > MAX_FILE_BYTES:
        raise LoadProblem("SL906", f"file is too large to be a config ({len(data)} bytes)", Location(path, 1))
    if b"\x00" in data:
        raise LoadProblem("SL906", "file is binary, not a config", Location(path, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadProblem(
            "SL906", f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", Location(path, line)
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def read_text(path: str, peek: bool = False) -> str:
    """The decoded text of a config file (see `read_bytes` and `decode`)."""
    return decode(path, read_bytes(path, peek=peek))


def char_col(line: str, byte_col: int) -> int:
    """The character offset in `line` of a UTF-8 byte offset (Python's ast counts columns in bytes)."""
    if line.isascii():
        return byte_col
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def line_of(text: str, offset: int) -> int:
    """The 1-based line of a character offset."""
    return text.count("\n", 0, offset) + 1


def _substitute_env(path: str, text: str, replace: Callable[["re.Match[str]"], str]) -> str:
    """`_ENV.sub(replace, text)` without the regex's quadratic backtracking on hostile text (a line of
    `{{$a:` repeated): a match always ends at the first `}}` after its `{{`, so each candidate is
    matched against that segment only, and the total work is bounded."""
    if "{{" not in text or "$" not in text:
        return text
    pieces: List[str] = []
    cursor = search = work = 0
    budget = 16 * len(text) + 65536
    while True:
        start = text.find("{{", search)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            break
        work += end + 2 - start
        if work > budget:
            raise LoadProblem("SL908", "resource limit: too many `{{ }}` templates to substitute",
                              Location(path, line_of(text, start)))
        match = _ENV.fullmatch(text, start, end + 2)
        if match is None:
            search = start + 1
            continue
        pieces.append(text[cursor:start])
        pieces.append(replace(match))
        cursor = search = end + 2
    pieces.append(text[cursor:])
    return "".join(pieces)


def substitute(path: str, raw: str, environ: Mapping[str, str]) -> Tuple[str, Dict[str, str]]:
    """mmengine's textual substitutions of a config's text (`{{fileDirname}}`, `{{$ENV:default}}`,
    `{{_base_.x}}` as a placeholder string) and the placeholders made for base variables."""
    dirname, basename = os.path.split(path)
    templates = {
        "fileDirname": dirname.replace("\\", "/"),
        "fileBasename": basename,
        "fileBasenameNoExtension": os.path.splitext(basename)[0],
        "fileExtname": os.path.splitext(basename)[1],
    }
    text = _PREDEFINED.sub(lambda m: templates[m.group(1)], raw)

    def env_value(m: "re.Match[str]") -> str:
        name, default = m.group(1), m.group(2)
        value = environ.get(name, default)
        if not value:
            raise LoadProblem(
                "SL907",
                f"environment variable `{name}` is not set and has no default",
                Location(path, line_of(text, m.start())),
            )
        return value

    text = _substitute_env(path, text, env_value)
    if len(text) > 2 * MAX_FILE_BYTES:
        raise LoadProblem("SL908", "the file grows too large after its `{{ }}` substitutions", Location(path, 1))
    placeholders: Dict[str, str] = {}

    def base_var(m: "re.Match[str]") -> str:
        placeholder = f"_{m.group(1)}{PLACEHOLDER_SUFFIX}"
        placeholders[placeholder] = m.group(1)
        return f'"{placeholder}"'

    text = _BASE_VAR.sub(base_var, text)
    return text, placeholders
