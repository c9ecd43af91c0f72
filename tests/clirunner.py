"""Run the `schedlint` command line in-process (typer's runner): fast, and the same code path as the
console script. A few end-to-end tests still spawn `python -m schedlint` (see test_fixtures_findings,
test_action, test_precommit)."""

from __future__ import annotations

import os
import subprocess
from typing import Optional

from typer.testing import CliRunner

from schedlint.cli import app


def run_cli(*args: str, cwd: Optional[os.PathLike] = None) -> subprocess.CompletedProcess:
    """`schedlint ARGS` in `cwd`, as a CompletedProcess (returncode, stdout, stderr)."""
    previous = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, [os.fspath(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)
