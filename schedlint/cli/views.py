"""`schedlint show`, `plot` and `diagnose` (registered on the CLI app)."""

from __future__ import annotations

from typing import List, Optional

import typer

from schedlint.cli.app import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, _fail, _settings, _write, app

_EPOCH_LENGTH_HELP = "Iterations per epoch."
_SCOPE_HELP = "NAME=DIR for `NAME::` bases."
_EXEC_HELP = "Let mmengine execute what cannot be read."


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
    from schedlint.lint.engine import INTERNAL_ERROR

    if any(f.code == INTERNAL_ERROR for f in view.findings):
        raise typer.Exit(EXIT_ERROR)  # a rule crashed: shown as SL999 with the rest, and never exit 0/1
    raise typer.Exit(EXIT_FINDINGS if view.findings else EXIT_CLEAN)


@app.command()
def diagnose(
    run: str = typer.Argument(..., help="A work_dir, a run folder or a log file (scalars.json, .log, .log.json)."),
    config: Optional[str] = typer.Option(None, "--config", help="The training config (default: the one dumped "
                                         "with the run)."),
    fmt: str = typer.Option("text", "--output-format", "--format", help="text or json."),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", help="Write the diagnosis to a file."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, help=_EPOCH_LENGTH_HELP),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help=_SCOPE_HELP),
    allow_exec: bool = typer.Option(False, "--allow-exec", help=_EXEC_HELP),
) -> None:
    """Find a loss rebound in a run and tie it to the schedule (exit 1 when there is one)."""
    import json

    from schedlint.runs.diagnose import DiagnoseError, diagnose_run, diagnosis_json, render_diagnosis

    if fmt not in ("text", "json"):
        raise _fail(f"unknown output format {fmt!r} (choose text or json)")
    settings = _settings([config or run], None, epoch_length=epoch_length, scope_root=scope_root,
                         allow_exec=allow_exec)
    try:
        diag = diagnose_run(run, config, settings, epoch_length)
    except DiagnoseError as exc:
        raise _fail(str(exc))
    text = json.dumps(diagnosis_json(diag), indent=2) if fmt == "json" else render_diagnosis(diag)
    _write(text, output_file)
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
    try:
        render_plot(view, output, run, log_scale=log_scale, diagnosis=diag)
    except OSError as exc:
        raise _fail(f"{output}: cannot write: {exc.strerror or exc}")
    typer.echo(f"wrote {output}")
    if diag is not None and diag.rebound is not None:
        what = "loss diverges" if diag.rebound.diverged else "loss rebound"
        typer.echo(f"{what} at {diag.where(diag.rebound.iter)} (schedlint diagnose {log} for details)")

