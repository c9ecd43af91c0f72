"""`schedlint check`."""

from __future__ import annotations

from typing import List, Optional

import typer

from schedlint.cli.typer_app import app, as_typer_exit

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
    gpus: Optional[int] = typer.Option(None, "--gpus", min=1, help="GPUs the run trains on (epoch-length estimate)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1, help="Batch per GPU (epoch-length estimate)."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help="Globs to skip in folders (replaces the defaults)."),
    extend_exclude: Optional[List[str]] = typer.Option(None, "--extend-exclude", help="Globs to skip in folders, added."),
    allow_exec: Optional[bool] = typer.Option(
        None, "--allow-exec/--no-allow-exec", help="RUNS ARBITRARY CODE: let mmengine execute configs the static resolver cannot read (only for configs you trust)."
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
        None, "--jobs", "-j", min=1, help="Worker processes (default: by tree size and cores)."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor write the findings cache."),
) -> None:
    """Check configs for schedule problems."""
    from schedlint.cli.plain import run_check

    with as_typer_exit():
        code = run_check(
            paths=paths, output_format=output_format, output_file=output_file, select=select, ignore=ignore,
            extend_select=extend_select, epoch_length=epoch_length, scope_root=scope_root, gpus=gpus,
            batch_size=batch_size, exclude=exclude, extend_exclude=extend_exclude, allow_exec=allow_exec,
            dependents=dependents, config=config, isolated=isolated, exit_zero=exit_zero, statistics=statistics,
            quiet=quiet, jobs=jobs, no_cache=no_cache,
        )
    raise typer.Exit(code)
