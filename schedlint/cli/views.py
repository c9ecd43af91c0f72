"""`schedlint show`, `plot` and `diagnose` (registered on the CLI app)."""

from __future__ import annotations

import os

from typing import List, Optional

import typer

from schedlint.cli.typer_app import escape, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, _fail, _settings, _write, app

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
    from schedlint.lint.engine import INTERNAL_ERROR

    if any(f.code == INTERNAL_ERROR for f in view.findings):
        raise typer.Exit(EXIT_ERROR)  # a rule crashed: shown as SL999 with the rest, and never exit 0/1
    raise typer.Exit(EXIT_FINDINGS if view.findings else EXIT_CLEAN)


def _json_error(message: str, output_file: Optional[str]) -> "typer.Exit":
    """An error as JSON on stdout (or the output file), and on stderr for people: exit 2."""
    import json

    typer.echo(f"schedlint: error: {escape(message)}", err=True)
    _write(json.dumps({"error": message, "exit_code": EXIT_ERROR}, indent=2), output_file)
    return typer.Exit(EXIT_ERROR)


@app.command()
def diagnose(
    run: str = typer.Argument(..., metavar="RUN", help="A work_dir, a run folder (mmengine timestamp, wandb run) or a log file "
                              "(scalars.json, .log, .log.json, output.log, TensorBoard events)."),
    config: Optional[str] = typer.Option(None, "--config", metavar="CONFIG", help="The training config (default: the one saved "
                                         "with the run)."),
    output_format: Optional[str] = typer.Option(None, "--output-format", metavar="text|json",
                                                help="text (default) or json."),
    fmt: Optional[str] = typer.Option(None, "--format", hidden=True, help="Old name of --output-format."),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", metavar="FILE",
                                              help="Write the report to this file."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, metavar="N", help=_EPOCH_LENGTH_HELP),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", metavar="NAME=DIR", help=_SCOPE_HELP),
    allow_exec: bool = typer.Option(False, "--allow-exec", help=_EXEC_HELP),
) -> None:
    """Find a loss rebound in a run and tie it to the schedule (exit 1 when there is one)."""
    import json

    from schedlint.runs.diagnose import DiagnoseError, diagnose_run, diagnosis_json, render_diagnosis

    chosen = output_format or fmt or "text"
    if chosen not in ("text", "json"):
        raise _fail(f"unknown output format {chosen!r} (choose text or json)")
    fail = (lambda message: _json_error(message, output_file)) if chosen == "json" else _fail
    try:
        settings = _settings([config or run], None, epoch_length=epoch_length, scope_root=scope_root,
                             allow_exec=allow_exec)
    except typer.Exit:
        if chosen == "json":
            raise fail("cannot read the settings (see above)")
        raise
    try:
        diag = diagnose_run(run, config, settings, epoch_length)
    except DiagnoseError as exc:
        raise fail(str(exc))
    if chosen == "json":
        _write(json.dumps(diagnosis_json(diag), indent=2), output_file)
    else:
        _write(render_diagnosis(diag), output_file)
    raise typer.Exit(EXIT_FINDINGS if diag.rebound is not None else EXIT_CLEAN)


@app.command()
def plot(
    path: Optional[str] = typer.Argument(None, metavar="CONFIG", help="A config file (optional with --log: the run's own LR is drawn)."),
    log: Optional[str] = typer.Option(None, "--log", metavar="RUN", help="A run (work_dir, run folder or log file) to overlay."),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", metavar="FILE",
                                              help="The PNG to write (default: <config or run name>_schedule.png)."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, metavar="N", help=_EPOCH_LENGTH_HELP),
    log_scale: bool = typer.Option(False, "--log-scale", help="Plot the LR on a log scale."),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", metavar="NAME=DIR", help=_SCOPE_HELP),
    allow_exec: bool = typer.Option(False, "--allow-exec", help=_EXEC_HELP),
) -> None:
    """Plot the LR and momentum over training (with a run's loss and validation metric) to a PNG."""
    from schedlint.views.curve import CurveError
    from schedlint.views.plot import PlotUnavailable, default_output, render_plot, render_run_plot, require_matplotlib

    if path is None and log is None:
        raise _fail("give a config, a run (--log RUN), or both")
    try:
        require_matplotlib()
    except PlotUnavailable as exc:
        raise _fail(str(exc))
    settings = _settings([path or log], None, epoch_length=epoch_length, scope_root=scope_root,
                         allow_exec=allow_exec)
    run = diag = view = None
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
    output = output_file or default_output(path or _run_name(log))
    if view is None:
        _write_plot(lambda drawn: render_run_plot(run, drawn, log_scale=log_scale, diagnosis=diag), output)
    else:
        _write_plot(lambda drawn: render_plot(view, drawn, run, log_scale=log_scale, diagnosis=diag), output)
    typer.echo(f"wrote {escape(output)}")
    if diag is not None and view is None:
        typer.echo("no config given or saved with the run: drew the run's own LR, loss and metric")
    if diag is not None and diag.rebound is not None:
        what = "loss diverges" if diag.rebound.diverged else "loss rebound"
        typer.echo(f"{what} at {diag.where(diag.rebound.iter)} (schedlint diagnose {log} for details)")


_IMAGE_FORMATS = ("png", "svg", "pdf", "jpg", "jpeg", "eps", "ps", "tif", "tiff", "webp", "svgz")


def _write_plot(draw, output: str) -> None:
    """Check the image format, draw into a private temp folder, then write through the safe writer
    (symlinks followed, hard links kept, read-only and special files refused)."""
    import tempfile

    from schedlint.fix.fileio import WriteError, write_atomic

    ext = os.path.splitext(output)[1].lower().lstrip(".")
    if ext not in _IMAGE_FORMATS:
        raise _fail(f"{output}: unknown image format {('.' + ext) if ext else '(no extension)'!r}; "
                    f"use one of {', '.join('.' + e for e in _IMAGE_FORMATS)}")
    with tempfile.TemporaryDirectory(prefix="schedlint-plot-") as folder:
        drawn = os.path.join(folder, "plot." + ext)
        try:
            draw(drawn)
            with open(drawn, "rb") as fh:
                data = fh.read()
        except (OSError, ValueError) as exc:
            raise _fail(f"{output}: cannot draw the plot: {exc}")
        try:
            write_atomic(output, data)
        except WriteError as exc:
            raise _fail(str(exc))


def _run_name(log: str) -> str:
    name = os.path.basename(os.path.normpath(log))
    for suffix in (".log.json", ".json", ".log"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
