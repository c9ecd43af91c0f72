"""`schedlint fix` (registered on the CLI app): parse options, call `schedlint.fix.fix_paths`, report."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

from schedlint.cli.typer_app import escape, escape_keep_lines, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, _fail, _progress_callback, _progress_done, _settings, app

_SELECT_HELP = "Rule codes or prefixes to fix and report (comma-separated; ALL for every rule)."


@app.command()
def fix(
    paths: List[str] = typer.Argument(None, help="Config files or folders (default: the current folder)."),
    rescale: bool = typer.Option(
        False, "--rescale", help="Scale schedule positions written for an older training length to the current one."
    ),
    cosine: bool = typer.Option(
        False, "--cosine", help="Replace a step decay that does not fit the training length by a cosine with the same final LR."
    ),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply unsafe fixes (momentum targets)."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff of the changes; write nothing."),
    show_fixes: bool = typer.Option(False, "--show-fixes", help="List every fix applied, and the ones refused."),
    select: Optional[List[str]] = typer.Option(None, "--select", help=_SELECT_HELP),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Rule codes or prefixes to disable."),
    extend_select: Optional[List[str]] = typer.Option(None, "--extend-select", help="Rules to enable on top."),
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
        None, "--dependents/--no-dependents", help="Also check the configs that inherit a given file."
    ),
    config: Optional[str] = typer.Option(None, "--config", help="Use this schedlint.toml / pyproject.toml."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore every schedlint config file."),
    exit_zero: bool = typer.Option(False, "--exit-zero", help="Exit 0 even when findings remain (or, with --diff, "
                                                             "changes are pending)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print the remaining findings only, no summary."),
    no_cache: bool = typer.Option(
        False, "--no-cache", help="Accepted as in `check`; fix always lints afresh and never uses the findings cache."
    ),
) -> None:
    """Fix schedules that do not fit the training length (safe fixes; more with the options)."""
    from schedlint.lint.engine import UsageError
    from schedlint.fix.engine import fix_paths
    from schedlint.fix.propose import FixOptions
    from schedlint.report import render_concise

    paths = paths or ["."]
    settings = _settings(paths, config, select, ignore, extend_select, epoch_length, scope_root, allow_exec,
                         dependents, isolated, gpus=gpus, batch_size=batch_size, exclude=exclude,
                         extend_exclude=extend_exclude)
    options = FixOptions(rescale=rescale, cosine=cosine, unsafe=unsafe_fixes)
    try:
        result = fix_paths(paths, settings, options, write=not diff, progress=_progress_callback())
    except UsageError as exc:
        raise _fail(str(exc))
    finally:
        _progress_done()
    errors = result.internal_errors + result.remaining.internal_errors
    for message in errors:
        typer.echo(f"schedlint: {escape(message)}", err=True)
    for message in result.write_errors:
        typer.echo(f"schedlint: error: {escape(message)}", err=True)

    n_fixed = sum(a.count for a in result.applied)
    if diff:
        text = result.diff
        if text:
            typer.echo(escape_keep_lines(text), nl=False)
        if not quiet:
            files = len(result.changes)
            typer.echo(
                f"Would fix {n_fixed} finding{'s' if n_fixed != 1 else ''} in {files} file{'s' if files != 1 else ''}."
                if files else "No fixes available.",
                err=True,
            )
        if show_fixes:
            _show(result, err=True)
        if errors:
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(EXIT_FINDINGS if result.changes and not exit_zero else EXIT_CLEAN)

    remaining = result.remaining.findings
    body = render_concise(remaining)
    if body:
        typer.echo(body)
    if show_fixes:
        _show(result)
    if not quiet:
        typer.echo(_summary(result, n_fixed, len(remaining), unsafe_fixes, rescale, cosine, bool(errors)))
    if errors or result.write_errors:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if remaining and not exit_zero else EXIT_CLEAN)


def _show(result, err: bool = False) -> None:
    for a in result.applied:
        where = ", ".join(os.path.relpath(f) for f in a.files)
        typer.echo(escape(f"fixed {os.path.relpath(a.config)}: {'/'.join(a.codes)} {a.message} [{where}]"), err=err)
        for reason in a.not_chosen:
            typer.echo(escape(f"  not {reason}"), err=err)
    for r in result.refused:
        typer.echo(escape(f"not fixed {os.path.relpath(r.config)}: {'/'.join(r.codes)} ({r.kind}): {r.reason}"),
                   err=err)


def _summary(result, n_fixed: int, n_remaining: int, unsafe: bool, rescale: bool, cosine: bool,
             errors: bool = False) -> str:
    lines = []
    if result.write_errors:
        written = set(result.written)
        n_fixed = sum(a.count for a in result.applied if set(a.files) <= written)
        failed = len(result.changes) - len(written)
        lines.append(f"Could not write {failed} file{'s' if failed != 1 else ''} (see the errors above): the fixes "
                     f"in {'them' if failed != 1 else 'it'} were not applied; {n_fixed} finding"
                     f"{'s' if n_fixed != 1 else ''} fixed in the files written.")
        return "\n".join(lines)
    if n_fixed:
        files = len(result.written) or len(result.changes)
        lines.append(f"Fixed {n_fixed} finding{'s' if n_fixed != 1 else ''} in {files} "
                     f"file{'s' if files != 1 else ''} ({n_remaining} remaining).")
    elif n_remaining:
        lines.append(f"Found {n_remaining} finding{'s' if n_remaining != 1 else ''}; none was fixed.")
    elif not errors and not result.write_errors:
        lines.append("All checks passed!")
    hints = []
    shown = result.remaining.findings
    if any(f.fix is not None and f.fix.applicability == "unsafe" for f in shown) and not unsafe:
        hints.append("--unsafe-fixes")
    if any(f.fix is not None and "--rescale" in f.fix.message for f in shown) and not rescale:
        hints.append("--rescale")
    if hints:
        lines.append(f"More fixes are available with {' / '.join(hints)}.")
    if result.refused:
        lines.append(f"{len(result.refused)} fix{'es' if len(result.refused) != 1 else ''} could not be applied "
                     "safely (--show-fixes says why).")
    return "\n".join(lines)


__all__ = ["fix", "EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS"]
