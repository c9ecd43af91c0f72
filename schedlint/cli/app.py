"""The typer app and what every command shares: exit codes, settings from options, output, progress."""

from __future__ import annotations

import os
import sys
from typing import List, Optional

import typer

from schedlint import __version__

app = typer.Typer(
    name="schedlint",
    help="Lint and fix learning-rate and momentum schedules in OpenMMLab training configs.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _version(value: bool) -> None:
    if value:
        typer.echo(f"schedlint {__version__}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """schedlint: the schedule linter to run before a multi-day training job."""


def escape(text: str) -> str:
    """Text from inputs made safe for a terminal: control characters (ESC, CR, BEL, ...) escaped."""
    from schedlint.report import escape_controls

    return escape_controls(text)


def escape_keep_lines(text: str) -> str:
    """`escape` for multi-line text (a diff): newlines and tabs kept."""
    from schedlint.report import escape_controls

    return escape_controls(text, keep="\n\t")


def _fail(message: str) -> "typer.Exit":
    typer.echo(f"schedlint: error: {escape(message)}", err=True)
    return typer.Exit(EXIT_ERROR)


def _scope_roots(values: Optional[List[str]]) -> dict:
    roots = {}
    for value in values or []:
        name, sep, folder = value.partition("=")
        if not sep or not name or not folder:
            raise _fail(f"--scope-root expects NAME=DIR, got {value!r}")
        if not os.path.isdir(folder):
            raise _fail(f"--scope-root {value}: no such folder {folder!r}")
        roots[name] = os.path.abspath(folder)
    return roots


def _settings(
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
            scope_roots=_scope_roots(scope_root) or None,
            allow_exec=allow_exec,
            dependents=dependents,
            **{k: v for k, v in extra.items() if v},
        )
    except SettingsError as exc:
        raise _fail(str(exc))
    for note in settings.notes:
        typer.echo(f"schedlint: warning: {escape(note)}", err=True)
    return settings


def _write(text: str, output_file: Optional[str]) -> None:
    if output_file:
        from schedlint.fix.fileio import WriteError, write_atomic

        try:
            write_atomic(output_file, text + ("\n" if text and not text.endswith("\n") else ""))
        except WriteError as exc:
            raise _fail(str(exc))
        except OSError as exc:
            raise _fail(f"{output_file}: cannot write: {exc.strerror or exc}")
    elif text:
        typer.echo(escape_keep_lines(text))  # a terminal never receives control characters from inputs


_progress = {"bar": None, "count": 0}


def _progress_callback():
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


def _progress_done() -> None:
    if _progress["bar"] is not None:
        _progress["bar"][0].stop()
        _progress["bar"] = None


#: metavars shown in `--help`, by parameter name (typer's own are `<list[str]>`-like)
METAVARS = {
    "paths": "PATH", "path": "PATH", "output_format": "FORMAT", "fmt": "FORMAT", "output_file": "FILE",
    "select": "CODES", "ignore": "CODES", "extend_select": "CODES", "exclude": "GLOB", "extend_exclude": "GLOB",
    "epoch_length": "N", "scope_root": "NAME=DIR", "config": "FILE", "jobs": "N", "key": "KEY", "every": "K",
    "code": "CODE", "log": "RUN", "width": "COLUMNS", "gpus": "N", "batch_size": "N", "cache_dir": "DIR",
}


def readable_metavars(typer_app: typer.Typer) -> None:
    """Give every option and argument of every command a plain metavar (`PATH`, `CODES`, `N`, ...)."""
    import inspect

    for command in typer_app.registered_commands:
        for name, param in inspect.signature(command.callback).parameters.items():
            info = param.default
            if isinstance(info, (typer.models.OptionInfo, typer.models.ArgumentInfo)) and info.metavar is None:
                if param.annotation in (bool, "bool", "Optional[bool]") or isinstance(info.default, bool):
                    continue
                info.metavar = METAVARS.get(name, name.upper())
    argument = typer.core.TyperArgument
    typed = getattr(argument, "display_type_rich", None)  # typer >= 0.29 prints `PATH <list[str]>` otherwise
    if typed is not None and not getattr(argument, "_schedlint_plain", False):
        argument.display_type_rich = lambda self, ctx: None if self.metavar else typed(self, ctx)
        argument._schedlint_plain = True
