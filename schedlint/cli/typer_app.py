"""The typer app and what every command shares: exit codes, settings from options, output, progress."""

from __future__ import annotations

import contextlib
from typing import List, Optional

import typer

from schedlint import __version__
from schedlint.cli import common
from schedlint.cli.common import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, escape, escape_keep_lines  # noqa: F401
from schedlint.cli.common import progress_callback as _progress_callback, progress_done as _progress_done  # noqa: F401

app = typer.Typer(
    name="schedlint",
    help="Lint and fix learning-rate and momentum schedules in OpenMMLab training configs.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"schedlint {__version__}")
        raise typer.Exit(EXIT_CLEAN)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """schedlint: the schedule linter to run before a multi-day training job."""


@contextlib.contextmanager
def as_typer_exit():
    """A `common.Exit` raised inside becomes typer's (the commands run inside typer's app)."""
    try:
        yield
    except common.Exit as exc:
        raise typer.Exit(exc.code)


def _fail(message: str) -> "typer.Exit":
    return typer.Exit(common.fail(message).code)


def _scope_roots(values: Optional[List[str]]) -> dict:
    with as_typer_exit():
        return common.scope_roots(values)


def _settings(*args, **kwargs):
    """Settings from the nearest (or the given) config file, overridden by the command line."""
    with as_typer_exit():
        return common.settings_from_options(*args, **kwargs)


def _write(text: str, output_file: Optional[str]) -> None:
    with as_typer_exit():
        common.write(text, output_file)


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
