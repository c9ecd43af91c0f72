"""`schedlint resolve`, `curve` and `rule`: what a config resolves to, its curve, the rule docs."""

from __future__ import annotations

import os
import sys
from typing import List, Optional

import typer

from schedlint.cli import common
from schedlint.cli.typer_app import as_typer_exit, escape_keep_lines, EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, _fail, _progress_callback, _progress_done, _scope_roots, _settings, _write, app


@app.command()
def resolve(
    paths: List[str] = typer.Argument(..., help="Config files."),
    key: Optional[List[str]] = typer.Option(None, "--key", "-k", help="Only this key (dotted path); repeatable."),
    show_provenance: bool = typer.Option(False, "--provenance", help="Say where every value was set."),
    fmt: str = typer.Option("text", "--output-format", "--format",
                            help="text, or json (one object per line per file)."),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", help="Write to a file."),
    allow_exec: bool = typer.Option(False, "--allow-exec", help="RUNS ARBITRARY CODE: let mmengine execute configs the static resolver cannot read (only for configs you trust)."),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help="NAME=DIR for `NAME::` bases."),
) -> None:
    """Print the resolved config (a safe print_config), optionally with provenance."""
    from schedlint.lint.resolve import resolve_files

    if fmt not in ("text", "json"):
        raise _fail(f"unknown output format {fmt!r} (choose text or json)")
    lines: List[str] = []
    echo = lines.append if output_file else (lambda text: typer.echo(escape_keep_lines(text)))
    ok = resolve_files(paths, key or [], show_provenance, fmt, allow_exec, _scope_roots(scope_root), echo)
    if output_file:
        _write("".join(line + "\n" for line in lines), output_file)
    raise typer.Exit(EXIT_CLEAN if ok else EXIT_FINDINGS)


@app.command()
def curve(
    path: str = typer.Argument(..., help="A config file."),
    epoch_length: Optional[int] = typer.Option(None, "--epoch-length", min=1, help="Iterations per epoch."),
    every: int = typer.Option(1, "--every", min=1, help="Keep every K-th iteration (csv only)."),
    fmt: str = typer.Option("csv", "--output-format", "--format", help="csv or json."),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", help="Write to a file."),
    scope_root: Optional[List[str]] = typer.Option(None, "--scope-root", help="NAME=DIR for `NAME::` bases."),
    allow_exec: bool = typer.Option(False, "--allow-exec", help="RUNS ARBITRARY CODE: let mmengine execute configs the static resolver cannot read (only for configs you trust)."),
) -> None:
    """Print the simulated per-iteration LR and momentum."""
    from schedlint.views.curve import CurveError, curve_chunks

    if fmt not in ("csv", "json"):
        raise _fail(f"unknown output format {fmt!r} (choose csv or json)")
    settings = _settings([path], None, epoch_length=epoch_length, scope_root=scope_root, allow_exec=allow_exec)
    try:
        chunks = curve_chunks(path, settings, fmt, every)
    except CurveError as exc:
        raise _fail(str(exc))
    with as_typer_exit():
        common.write_chunks(chunks, output_file)


@app.command()
def rule(
    code: Optional[str] = typer.Argument(None, help="A rule code (SL001) or name (milestone-unreached)."),
    all_rules_flag: bool = typer.Option(False, "--all", help="Every rule."),
    fmt: str = typer.Option("text", "--output-format", "--format", help="text (markdown) or json."),
    output_file: Optional[str] = typer.Option(None, "--output-file", "-o", help="Write to a file."),
) -> None:
    """Explain a rule (or all of them)."""
    from schedlint.report.ruledocs import render_rule_docs, unknown_rule_message

    if fmt not in ("text", "json"):
        raise _fail(f"unknown output format {fmt!r} (choose text or json)")
    if code and all_rules_flag:
        raise _fail("give a rule code or --all, not both")
    if not code and not all_rules_flag:
        raise _fail("give a rule code or --all")
    text = render_rule_docs(None if all_rules_flag else code, fmt)
    if text is None:
        raise _fail(unknown_rule_message(code or ""))
    _write(text, output_file)
