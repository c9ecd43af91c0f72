"""Safe writes for `fix` and `-o FILE`.

- A regular file is replaced atomically: a temp file in the same folder (named with the writing
  process id), fsync, rename over the target; mode and (where possible) owner are kept. A new file
  gets the mode `open()` would give it (0666 less the umask), not the temp file's private 0600.
- A symlink is followed: its target is written, the link stays a link.
- A file with several hard links is rewritten in place (after the new text was written and synced
  to a temp file), so every link keeps seeing the same file.
- A read-only file (no write bit) is refused, even for root; so is a folder, a FIFO, a socket or a
  block device. A character device (`/dev/null`, `/dev/stdout`) is written to as it is, never replaced.
- Temp files left by a killed run are removed by the next write into the same folder (their
  writer's process id is gone).

Every refusal or failure raises `WriteError` (an OSError) naming the file; callers report it and exit 2.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from typing import Iterable, Iterator, Optional, Union

TEMP_PREFIX = ".schedlint-"
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"^\.schedlint-(\d+)-[^/]*\.tmp$")


class WriteError(OSError):
    """A file was not written; the message says which and why."""


class FileChangedError(WriteError):
    """The file was modified by someone else between reading and writing."""


def _chunks(data: Union[str, bytes, Iterable[str]]) -> Iterator[bytes]:
    if isinstance(data, bytes):
        yield data
    elif isinstance(data, str):
        yield data.encode("utf-8")
    else:
        for text in data:
            yield text.encode("utf-8")


def write_atomic(path: str, data: Union[str, bytes, Iterable[str]], expect_mtime_ns: Optional[int] = None) -> None:
    """Write `data` (text, bytes, or text in pieces, streamed: a long curve is never held whole) to `path`
    safely (see the module docstring); refuse if the file changed since `expect_mtime_ns`. Raises WriteError."""
    raw = _chunks(data)
    target = os.path.realpath(path)  # through symlinks: the file they point at
    try:
        st: Optional[os.stat_result] = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise WriteError(f"{path}: cannot write: {exc.strerror or exc}") from None
    if st is not None:
        if expect_mtime_ns is not None and st.st_mtime_ns != expect_mtime_ns:
            raise FileChangedError(f"{path} changed on disk; not written")
        if stat.S_ISCHR(st.st_mode):
            _write_device(path, target, raw)
            return
        if not stat.S_ISREG(st.st_mode):
            raise WriteError(f"{path}: cannot write: not a regular file")
        if not st.st_mode & 0o222:
            raise WriteError(f"{path}: cannot write: the file is read-only")
    directory = os.path.dirname(target) or "."
    sweep_stale_temp_files(directory)
    tmp = _temp_file(path, directory, raw, st)
    try:
        if st is not None and st.st_nlink > 1:
            _rewrite_in_place(target, tmp)
        else:
            os.replace(tmp, target)
    except OSError as exc:
        raise WriteError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        _unlink_quietly(tmp)


def _temp_file(path: str, directory: str, raw: Iterable[bytes], st: Optional[os.stat_result]) -> str:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=directory)
    except OSError as exc:
        raise WriteError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in raw:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        if st is None:
            os.chmod(tmp, 0o666 & ~current_umask())  # as `open(path, "w")` would create it
        else:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            if hasattr(os, "chown"):
                try:
                    os.chown(tmp, st.st_uid, st.st_gid)
                except OSError:
                    pass  # not permitted for an ordinary user: the file becomes theirs
    except BaseException as exc:
        _unlink_quietly(tmp)
        if isinstance(exc, OSError):
            raise WriteError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise
    return tmp


def current_umask() -> int:
    """The process umask, read without changing it where the system tells it (Linux), else set and restored."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_all(fd: int, raw: bytes) -> None:
    view = memoryview(raw)
    while view:
        view = view[os.write(fd, view):]


def _rewrite_in_place(target: str, tmp: str) -> None:
    """Overwrite a hard-linked file's contents with the temp file's (the new text is already safe there)."""
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.ftruncate(fd, 0)
        with open(tmp, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                _write_all(fd, block)
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_device(path: str, target: str, raw: Iterable[bytes]) -> None:
    try:
        fd = os.open(target, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise WriteError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        for chunk in raw:
            _write_all(fd, chunk)
    except OSError as exc:
        raise WriteError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def sweep_stale_temp_files(directory: str) -> int:
    """Remove temp files of this module in `directory` whose writing process is gone; how many."""
    removed = 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        match = _TEMP_NAME.match(name)
        if match is None or _alive(int(match.group(1))):
            continue
        if _unlink_quietly(os.path.join(directory, name)):
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    except OSError:
        return True
    return True


def _unlink_quietly(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return False
    except OSError:
        return False
