"""The `schedlint` command line: parses options and calls the library. No logic lives here."""

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


def _fail(message: str) -> "typer.Exit":
    typer.echo(f"schedlint: error: {message}", err=True)
    return typer.Exit(EXIT_ERROR)


def _split(values: Optional[List[str]]) -> List[str]:
    out: List[str] = []
    for value in values or []:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def _scope_roots(values: Optional[List[str]]) -> dict:
    roots = {}
    for value in values or []:
        name, sep, folder = value.partition("=")
        if not sep or not name or not folder:
            raise _fail(f"--scope-root expects NAME=DIR, got {value!r}")
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
):
    """Settings from the nearest config file, overridden by the command line."""
    from schedlint.settings import SettingsError, find_config_file, load_settings

    try:
        path = config if config else find_config_file(paths[0] if paths else os.getcwd())
        if config and not os.path.isfile(config):
            raise SettingsError(f"{config}: no such file")
        settings = load_settings(path)
    except SettingsError as exc:
        raise _fail(str(exc))
    if select:
        settings.select = _split(select)
    if ignore:
        settings.ignore = settings.ignore + _split(ignore)
    if extend_select:
        settings.extend_select = settings.extend_select + _split(extend_select)
    if epoch_length is not None:
        settings.epoch_length = epoch_length
    if scope_root:
        settings.scope_roots = {**settings.scope_roots, **_scope_roots(scope_root)}
    if allow_exec is not None:
        settings.allow_exec = allow_exec
    if dependents is not None:
        settings.dependents = dependents
    from schedlint.rules import all_rules

    known = set(all_rules())
    for selector in (settings.select or []) + settings.ignore + settings.extend_select:
        if selector.upper() != "ALL" and not any(code.startswith(selector.upper()) for code in known):
            raise _fail(f"unknown rule selector {selector!r}")
    return settings


def _write(text: str, output_file: Optional[str]) -> None:
    if output_file:
        from schedlint.fileio import write_atomic

        write_atomic(output_file, text + ("\n" if text and not text.endswith("\n") else ""))
    elif text:
        typer.echo(text)


_FORMAT_HELP = "Output format: full, concise, json, github or sarif."
_SELECT_HELP = "Rule codes or prefixes to enable (comma-separated; ALL for every rule)."


@app.command()
def check(
    paths: List[str] = typer.Argument(None, help="Config files or folders (default: the current folder)."),
    output_format: str = typer.Option("full", "--output-format", help=_FORMAT_HELP),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", help="Write the report to a file."),
    select: Optional[List[str]] = typer.Option(None, "--select", help=_SELECT_HELP),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Rule codes or prefixes to disable."),
    extend_select: Optional[List[str]] = typer.Option(None, "--extend-select", help="Rules to enable on top."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, help="Iterations per epoch."),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help="NAME=DIR for `NAME::` bases."),
    allow_exec: Optional[bool] = typer.Option(
        None, "--allow-exec/--no-allow-exec", help="Let mmengine execute configs the static resolver cannot read."
    ),
    dependents: Optional[bool] = typer.Option(
        None, "--dependents/--no-dependents", help="Also lint the configs that inherit a given file."
    ),
    config: Optional[str] = typer.Option(None, "--config", help="Use this schedlint.toml / pyproject.toml."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings."),
    statistics: bool = typer.Option(False, "--statistics", help="Show a count per rule instead of the findings."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print findings only, no summary."),
) -> None:
    """Check configs for schedule problems."""
    from schedlint.check import UsageError, check_paths
    from schedlint.report import FORMATS, render, render_full, statistics as render_statistics

    paths = paths or ["."]
    if output_format not in FORMATS:
        raise _fail(f"unknown output format {output_format!r} (choose from {', '.join(FORMATS)})")
    settings = _settings(paths, config, select, ignore, extend_select, epoch_length, scope_root, allow_exec,
                         dependents)
    try:
        result = check_paths(paths, settings, progress=_progress_callback())
    except UsageError as exc:
        raise _fail(str(exc))
    finally:
        _progress_done()
    for message in result.internal_errors:
        typer.echo(f"schedlint: {message}", err=True)
    findings = result.findings
    if statistics:
        _write(render_statistics(findings), output_file)
    elif output_format == "full" and not output_file:
        from rich.console import Console

        from schedlint.check import Linter

        console = Console(highlight=False)
        reader = Linter(settings).loader.text
        if quiet:
            findings_only = render(findings, "concise", len(result.files)) or ""
            typer.echo("\n".join(findings_only.splitlines()[: len(findings)]))
        else:
            render_full(findings, console, reader, len(result.files))
    else:
        text = render(findings, "concise" if output_format == "full" else output_format, len(result.files))
        _write(text or "", output_file)
    if result.internal_errors:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if findings and not exit_zero else EXIT_CLEAN)


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


@app.command()
def resolve(
    paths: List[str] = typer.Argument(..., help="Config files."),
    key: Optional[List[str]] = typer.Option(None, "--key", "-k", help="Only this key (dotted path); repeatable."),
    show_provenance: bool = typer.Option(False, "--provenance", help="Say where every value was set."),
    fmt: str = typer.Option("text", "--format", help="text or json (one object per line per file)."),
    allow_exec: bool = typer.Option(False, "--allow-exec", help="Let mmengine execute what cannot be read."),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help="NAME=DIR for `NAME::` bases."),
) -> None:
    """Print the resolved config (a safe print_config), optionally with provenance."""
    from schedlint.resolve_cmd import resolve_files

    if fmt not in ("text", "json"):
        raise _fail(f"unknown format {fmt!r} (choose text or json)")
    ok = resolve_files(paths, key or [], show_provenance, fmt, allow_exec, _scope_roots(scope_root), typer.echo)
    raise typer.Exit(EXIT_CLEAN if ok else EXIT_FINDINGS)


@app.command()
def curve(
    path: str = typer.Argument(..., help="A config file."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, help="Iterations per epoch."),
    every: int = typer.Option(1, "--every", min=1, help="Keep every K-th iteration (csv only)."),
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", help="Write to a file."),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help="NAME=DIR for `NAME::` bases."),
    allow_exec: bool = typer.Option(False, "--allow-exec", help="Let mmengine execute what cannot be read."),
) -> None:
    """Print the simulated per-iteration LR and momentum."""
    from schedlint.curve_cmd import CurveError, render_curve

    if fmt not in ("csv", "json"):
        raise _fail(f"unknown format {fmt!r} (choose csv or json)")
    settings = _settings([path], None, epoch_length=epoch_length, scope_root=scope_root, allow_exec=allow_exec)
    try:
        text = render_curve(path, settings, fmt, every)
    except CurveError as exc:
        raise _fail(str(exc))
    _write(text, output_file)


@app.command()
def rule(
    code: Optional[str] = typer.Argument(None, help="A rule code (SL001) or name (milestone-unreached)."),
    all_rules_flag: bool = typer.Option(False, "--all", help="Every rule."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Explain a rule (or all of them)."""
    from schedlint.ruledocs import render_rule_docs

    if fmt not in ("text", "json"):
        raise _fail(f"unknown format {fmt!r} (choose text or json)")
    if not code and not all_rules_flag:
        raise _fail("give a rule code or --all")
    text = render_rule_docs(None if all_rules_flag else code, fmt)
    if text is None:
        raise _fail(f"unknown rule {code!r}")
    typer.echo(text)


# Commands defined in their own modules register themselves on `app` (imports stay light: each
# command imports libcst / matplotlib inside its function).
from schedlint.commands import fix as _fix_commands, view as _view_commands  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        typer.echo("interrupted", err=True)
        sys.exit(EXIT_ERROR)
