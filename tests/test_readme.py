"""The README's quoted `schedlint check` sessions are what the command prints today."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _sessions():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    out = []
    for block in re.findall(r"```\n(\$ schedlint check .*?)```", text, re.S):
        command, _, output = block.partition("\n")
        out.append(pytest.param(command[2:], output, id=command[2:60]))
    return out


def test_the_readme_quotes_check_sessions():
    assert len(_sessions()) >= 2


@pytest.mark.parametrize("command,output", _sessions())
def test_readme_session_is_current(command, output):
    args = shlex.split(command)[1:]
    proc = subprocess.run([sys.executable, "-m", "schedlint", *args, "--no-cache"], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.stdout == output, proc.stderr
