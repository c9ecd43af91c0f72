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
    isolated: bool = False,
):
    """Settings from the nearest (or the given) config file, overridden by the command line."""
    from schedlint.settings import SettingsError, resolve_settings

    try:
        return resolve_settings(
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
        )
    except SettingsError as exc:
        raise _fail(str(exc))


def _write(text: str, output_file: Optional[str]) -> None:
    if output_file:
        from schedlint.fileio import write_atomic

        try:
            write_atomic(output_file, text + ("\n" if text and not text.endswith("\n") else ""))
        except OSError as exc:
            raise _fail(f"{output_file}: cannot write: {exc.strerror or exc}")
    elif text:
        typer.echo(text)


_FORMAT_HELP = "Output format: full, concise, json, github or sarif."
_SELECT_HELP = "Rule codes or prefixes to enable, replacing the config file's selection (comma-separated; ALL)."


@app.command()
def check(
    paths: List[str] = typer.Argument(None, help="Config files or folders (default: the current folder)."),
    output_format: str = typer.Option("full", "--output-format", help=_FORMAT_HELP),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", help="Write the report to a file."),
    select: Optional[List[str]] = typer.Option(None, "--select", help=_SELECT_HELP),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Rule codes or prefixes to disable."),
    extend_select: Optional[List[str]] = typer.Option(
        None, "--extend-select", help="Rule codes or prefixes to enable on top of the selection."
    ),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, help="Iterations per epoch."),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help="NAME=DIR for `NAME::` bases."),
    allow_exec: Optional[bool] = typer.Option(
        None, "--allow-exec/--no-allow-exec", help="Let mmengine execute configs the static resolver cannot read."
    ),
    dependents: Optional[bool] = typer.Option(
        None, "--dependents/--no-dependents", help="Also lint the configs that inherit a given file (default: on)."
    ),
    config: Optional[str] = typer.Option(None, "--config", help="Use this schedlint.toml / pyproject.toml."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore every config file."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when there are findings."),
    statistics: bool = typer.Option(False, "--statistics", help="Show a count per rule instead of the findings."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the findings only, without the summary."),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", min=1, help="Worker processes for large trees (default: one per core)."
    ),
) -> None:
    """Check configs for schedule problems."""
    from schedlint import report
    from schedlint.check import UsageError, check_paths

    paths = paths or ["."]
    if output_format not in report.FORMATS:
        raise _fail(f"unknown output format {output_format!r} (choose from {', '.join(report.FORMATS)})")
    if config is not None and isolated:
        raise _fail("--config and --isolated cannot be used together")
    settings = _settings(paths, config, select, ignore, extend_select, epoch_length, scope_root, allow_exec,
                         dependents, isolated)
    if jobs is not None:
        settings.jobs = jobs
    try:
        result = check_paths(paths, settings, progress=_progress_callback())
    except UsageError as exc:
        raise _fail(str(exc))
    finally:
        _progress_done()
    for message in result.internal_errors:
        typer.echo(f"schedlint: {message}", err=True)
    findings = result.findings
    counts = dict(files=len(result.files), dependents=len(result.dependents))
    if statistics:
        _write(report.statistics(findings, "json" if output_format == "json" else "text"), output_file)
    elif output_format == "full" and not output_file:
        from rich.console import Console

        from schedlint.loader import Loader

        report.render_full(findings, Console(highlight=False), Loader().text, summary=not quiet, **counts)
    else:
        from schedlint.loader import Loader

        text = report.render(findings, output_format, summary=not quiet, read_text=Loader().text,
                             internal_errors=result.internal_errors, **counts)
        _write(text, output_file)
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
    fmt: str = typer.Option("text", "--format", "--output-format", help="text (markdown) or json."),
) -> None:
    """Explain a rule (or all of them)."""
    from schedlint.ruledocs import render_rule_docs, unknown_rule_message

    if fmt not in ("text", "json"):
        raise _fail(f"unknown format {fmt!r} (choose text or json)")
    if code and all_rules_flag:
        raise _fail("give a rule code or --all, not both")
    if not code and not all_rules_flag:
        raise _fail("give a rule code or --all")
    text = render_rule_docs(None if all_rules_flag else code, fmt)
    if text is None:
        raise _fail(unknown_rule_message(code or ""))
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
