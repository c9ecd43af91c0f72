"""`schedlint hook CONFIG`: enable SchedLintHook in a config (registered on the CLI app)."""

from __future__ import annotations

import difflib
import os
from typing import List

import typer

from schedlint.cli.typer_app import escape, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, _fail, app


@app.command()
def hook(
    paths: List[str] = typer.Argument(..., help="Config files to enable the hook in."),
    strict: bool = typer.Option(False, "--strict", help="Stop training before the first iteration on an error finding."),
    diff: bool = typer.Option(False, "--diff", help="Show the change, write nothing (exit 1 when there is one)."),
) -> None:
    """Enable SchedLintHook: the schedule checked with the run's exact facts, and the loss watched, at run time."""
    from schedlint.fix.fileio import write_atomic
    from schedlint.runs.enable import HookSetupError, enable_hook

    changed = failed = 0
    for path in paths:
        if not os.path.isfile(path):
            raise _fail(f"{path}: no such file")
        try:
            setup = enable_hook(path, strict=strict)
        except (HookSetupError, OSError, UnicodeDecodeError) as exc:
            typer.echo(f"schedlint: error: {exc}", err=True)
            failed += 1
            continue
        if setup.new_text is None:
            typer.echo(setup.message, err=diff)
            continue
        changed += 1
        if diff:
            typer.echo("".join(difflib.unified_diff(setup.old_text.splitlines(True), setup.new_text.splitlines(True),
                                                    f"a/{path}", f"b/{path}")), nl=False)
            continue
        try:
            write_atomic(path, setup.new_text)
        except OSError as exc:  # WriteError names the file and the reason itself
            message = str(exc) if exc.strerror is None else f"{path}: cannot write: {exc.strerror}"
            typer.echo(f"schedlint: error: {escape(message)}", err=True)
            failed += 1
            continue
        typer.echo(setup.message)
    if failed:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if diff and changed else EXIT_CLEAN)
