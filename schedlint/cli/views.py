"""`schedlint show`, `plot` and `diagnose` (registered on the CLI app)."""

from __future__ import annotations

import os

from typing import List, Optional

import typer

from schedlint.cli.app import escape, EXIT_CLEAN, EXIT_FINDINGS, _fail, _settings, app

_EPOCH_LENGTH_HELP = "Iterations per epoch."
_SCOPE_HELP = "NAME=DIR for `NAME::` bases."
_EXEC_HELP = "RUNS ARBITRARY CODE: let mmengine execute configs the static resolver cannot read (only for configs you trust)."


@app.command()
def show(
    path: str = typer.Argument(..., help="A config file."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, help=_EPOCH_LENGTH_HELP),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help=_SCOPE_HELP),
    allow_exec: bool = typer.Option(False, "--allow-exec", help=_EXEC_HELP),
    width: Optional[int] = typer.Option(None, "--width", min=40, help="Output width in columns (default: terminal)."),
) -> None:
    """Show a config's schedule: horizon, phases, LR and momentum plots, findings."""
    from rich.console import Console

    from schedlint.views.curve import CurveError
    from schedlint.views.show import load_view, render_show

    settings = _settings([path], None, epoch_length=epoch_length, scope_root=scope_root, allow_exec=allow_exec)
    try:
        view = load_view(path, settings)
    except CurveError as exc:
        raise _fail(str(exc))
    console = Console(highlight=False, width=width) if width else Console(highlight=False)
    render_show(view, console)
    raise typer.Exit(EXIT_FINDINGS if view.findings else EXIT_CLEAN)


@app.command()
def diagnose(
    run: str = typer.Argument(..., help="A work_dir, a run folder or a log file (scalars.json, .log, .log.json)."),
    config: Optional[str] = typer.Option(None, "--config", help="The training config (default: the one dumped "
                                         "with the run)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, help=_EPOCH_LENGTH_HELP),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help=_SCOPE_HELP),
    allow_exec: bool = typer.Option(False, "--allow-exec", help=_EXEC_HELP),
) -> None:
    """Find a loss rebound in a run and tie it to the schedule (exit 1 when there is one)."""
    import json

    from schedlint.runs.diagnose import DiagnoseError, diagnose_run, diagnosis_json, render_diagnosis

    if fmt not in ("text", "json"):
        raise _fail(f"unknown format {fmt!r} (choose text or json)")
    settings = _settings([config or run], None, epoch_length=epoch_length, scope_root=scope_root,
                         allow_exec=allow_exec)
    try:
        diag = diagnose_run(run, config, settings, epoch_length)
    except DiagnoseError as exc:
        raise _fail(str(exc))
    if fmt == "json":
        typer.echo(json.dumps(diagnosis_json(diag), indent=2))
    else:
        typer.echo(render_diagnosis(diag))
    raise typer.Exit(EXIT_FINDINGS if diag.rebound is not None else EXIT_CLEAN)


@app.command()
def plot(
    path: str = typer.Argument(..., help="A config file."),
    log: Optional[str] = typer.Option(None, "--log", help="A run (work_dir, run folder or log file) to overlay."),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o",
                                              help="The PNG to write (default: <config stem>_schedule.png)."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, help=_EPOCH_LENGTH_HELP),
    log_scale: bool = typer.Option(False, "--log-scale", help="Plot the LR on a log scale."),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help=_SCOPE_HELP),
    allow_exec: bool = typer.Option(False, "--allow-exec", help=_EXEC_HELP),
) -> None:
    """Plot the LR and momentum over training (with a run's loss and validation metric) to a PNG."""
    from schedlint.views.curve import CurveError
    from schedlint.views.plot import PlotUnavailable, default_output, render_plot, require_matplotlib

    try:
        require_matplotlib()
    except PlotUnavailable as exc:
        raise _fail(str(exc))
    settings = _settings([path], None, epoch_length=epoch_length, scope_root=scope_root, allow_exec=allow_exec)
    run = diag = None
    if log is not None:
        from schedlint.runs.diagnose import DiagnoseError, diagnose_run

        try:
            diag = diagnose_run(log, path, settings, epoch_length)
        except DiagnoseError as exc:
            raise _fail(str(exc))
        run = diag.log
        view = diag.view
    else:
        from schedlint.views.show import load_view

        try:
            view = load_view(path, settings)
        except CurveError as exc:
            raise _fail(str(exc))
    output = output_file or default_output(path)
    _write_plot(view, output, run, log_scale, diag)
    typer.echo(f"wrote {escape(output)}")
    if diag is not None and diag.rebound is not None:
        what = "loss diverges" if diag.rebound.diverged else "loss rebound"
        typer.echo(f"{what} at {diag.where(diag.rebound.iter)} (schedlint diagnose {log} for details)")


_IMAGE_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp", "svgz")


def _write_plot(view, output: str, run, log_scale: bool, diag) -> None:
    """Draw into a private temp folder, then write through the safe writer (symlinks, links, modes)."""
    import tempfile

    from schedlint.fix.fileio import WriteError, write_atomic
    from schedlint.views.plot import render_plot

    ext = os.path.splitext(output)[1].lower().lstrip(".")
    if ext not in _IMAGE_FORMATS:
        raise _fail(f"{output}: unknown image format {('.' + ext) if ext else '(no extension)'!r}; "
                    f"use one of {', '.join('.' + e for e in _IMAGE_FORMATS)}")
    with tempfile.TemporaryDirectory(prefix="schedlint-plot-") as folder:
        drawn = os.path.join(folder, "plot." + ext)
        try:
            render_plot(view, drawn, run, log_scale=log_scale, diagnosis=diag)
            with open(drawn, "rb") as fh:
                data = fh.read()
        except (OSError, ValueError) as exc:
            raise _fail(f"{output}: cannot draw the plot: {exc}")
        try:
            write_atomic(output, data)
        except WriteError as exc:
            raise _fail(str(exc))
