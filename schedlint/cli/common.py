"""What the commands share without typer: exit codes, output, failures, settings from options, progress.

The plain `check` path (`schedlint.cli.argv`) runs on this module alone, so a pre-commit call never
imports typer; the typer app (`schedlint.cli.typer_app`) wraps the same functions.
"""

from __future__ import annotations

import os
import sys
from typing import Iterable, List, Optional, Union

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Exit(Exception):
    """The end of a command with an exit code (whatever it had to say is already printed)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    """Print a line to stdout (or stderr), never failing on a character the stream cannot encode."""
    stream = sys.stderr if err else sys.stdout
    text = text + ("\n" if nl else "")
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding, "replace"))
    stream.flush()


def escape(text: str) -> str:
    """Text from inputs made safe for a terminal: control characters (ESC, CR, BEL, ...) escaped."""
    from schedlint.report import escape_controls

    return escape_controls(text)


def escape_keep_lines(text: str) -> str:
    """`escape` for multi-line text (a diff): newlines and tabs kept."""
    from schedlint.report import escape_controls

    return escape_controls(text, keep="\n\t")


def fail(message: str) -> Exit:
    """Print an error and return the exit (exit code 2) to raise."""
    echo(f"schedlint: error: {escape(message)}", err=True)
    return Exit(EXIT_ERROR)


def scope_roots(values: Optional[List[str]]) -> dict:
    roots = {}
    for value in values or []:
        name, sep, folder = value.partition("=")
        if not sep or not name or not folder:
            raise fail(f"--scope-root expects NAME=DIR, got {value!r}")
        if not os.path.isdir(folder):
            raise fail(f"--scope-root {value}: no such folder {folder!r}")
        roots[name] = os.path.abspath(folder)
    return roots


def settings_from_options(
    paths: List[str],
    config: Optional[str],
    select: Optional[List[str]] = None,
    ignore: Optional[List[str]] = None,
    extend_select: Optional[List[str]] = None,
    epoch_length: Optional[int] = None,
    scope_root: Optional[List[str]] = None,
    allow_exec: Optional[bool] = None,
    dependents: Optional[bool] = None,
    isolated: bool = False,
    **extra,
):
    """Settings from the nearest (or the given) config file, overridden by the command line."""
    from schedlint.lint.settings import SettingsError, resolve_settings

    try:
        settings = resolve_settings(
            paths,
            config,
            isolated,
            select=select or None,
            ignore=ignore or None,
            extend_select=extend_select or None,
            epoch_length=epoch_length,
            scope_roots=scope_roots(scope_root) or None,
            allow_exec=allow_exec,
            dependents=dependents,
            **{k: v for k, v in extra.items() if v},
        )
    except SettingsError as exc:
        raise fail(str(exc))
    for note in settings.notes:
        echo(f"schedlint: warning: {escape(note)}", err=True)
    return settings


def write(text: Union[str, Iterable[str]], output_file: Optional[str]) -> None:
    """The report to `output_file` (atomically; text in pieces is streamed as it is) or to stdout (control
    characters escaped)."""
    if output_file:
        from schedlint.fix.fileio import WriteError, write_atomic

        try:
            if isinstance(text, str):
                text += "\n" if text and not text.endswith("\n") else ""
            write_atomic(output_file, text)
        except WriteError as exc:
            raise fail(str(exc))
        except OSError as exc:
            raise fail(f"{output_file}: cannot write: {exc.strerror or exc}")
    elif text:
        echo(escape_keep_lines(text))  # a terminal never receives control characters from inputs


def write_chunks(chunks: Iterable[str], output_file: Optional[str]) -> None:
    """Text made piece by piece (a long curve) to `output_file` (atomically, streamed) or to stdout."""
    if output_file:
        write(chunks, output_file)
        return
    out = sys.stdout
    for chunk in chunks:
        out.write(escape_keep_lines(chunk))


_progress = {"bar": None, "count": 0}


def progress_callback():
    """A progress bar on stderr for large trees, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def tick(path: str) -> None:
        _progress["count"] += 1
        if _progress["count"] == 50 and _progress["bar"] is None:
            from rich.console import Console
            from rich.progress import Progress

            bar = Progress(console=Console(stderr=True), transient=True)
            bar.start()
            _progress["bar"] = (bar, bar.add_task("checking", total=None))
        if _progress["bar"] is not None:
            bar, task = _progress["bar"]
            bar.update(task, advance=1, description=os.path.basename(path)[:40])

    return tick


def progress_done() -> None:
    if _progress["bar"] is not None:
        _progress["bar"][0].stop()
        _progress["bar"] = None
