"""Atomic writes: a temp file in the same folder, fsync, rename over the target (mode kept)."""

from __future__ import annotations

import os
import stat
import tempfile
from typing import Optional, Union


def write_atomic(path: str, data: Union[str, bytes], expect_mtime_ns: Optional[int] = None) -> None:
    """Replace `path` with `data` atomically; refuse if it changed since `expect_mtime_ns`."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    mode = None
    if os.path.exists(path):
        st = os.stat(path)
        mode = stat.S_IMODE(st.st_mode)
        if expect_mtime_ns is not None and st.st_mtime_ns != expect_mtime_ns:
            raise FileChangedError(f"{path} changed on disk; not written")
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=".schedlint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class FileChangedError(Exception):
    """The file was modified by someone else between reading and writing."""
