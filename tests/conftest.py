"""Session set-up shared by every test module."""

from __future__ import annotations


def pytest_configure(config):
    """Import yapf once in the controlling process, before pytest-xdist starts its workers.

    mmengine (the test oracle) imports yapf, which on its first import in a new environment writes its
    grammar tables to a pickle in the user's cache (its grammar file is newer than any pickle there). Two
    workers collecting test modules that import mmengine at once then race: one reads the pickle while the
    other is still writing it (`EOFError: Ran out of input` at collection, seen on a fresh `.ci/run`).
    """
    if hasattr(config, "workerinput"):
        return  # a worker: the controller has done it
    try:
        import yapf  # noqa: F401
    except Exception:  # not installed, or its cache unwritable: the tests that need it say so themselves
        pass
