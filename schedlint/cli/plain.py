"""`schedlint check` without typer: the command's body, and the parse of a plain check command line.

`schedlint check a.py b.py` (as pre-commit runs it) is parsed here, so the run never imports typer
(about half of a one-config run's time on a small machine). Anything this parser does not read
exactly as typer would (help, a value that looks like an option, an unusual number, a repeated single
option, an unknown option, ...) returns None and goes to the typer app, which has the final word.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional

from schedlint.cli.common import (
    EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, echo, escape, fail, progress_callback, progress_done,
    settings_from_options, write,
)

#: long option -> (parameter, kind): "str", "int" (a positive integer), "list" (repeatable), or the
#: value a flag sets
_VALUE_OPTIONS = {
    "--output-format": ("output_format", "str"), "--output-file": ("output_file", "str"), "-o": ("output_file", "str"),
    "--select": ("select", "list"), "--ignore": ("ignore", "list"), "--extend-select": ("extend_select", "list"),
    "--epoch-length": ("epoch_length", "int"), "--scope-root": ("scope_root", "list"), "--gpus": ("gpus", "int"),
    "--batch-size": ("batch_size", "int"), "--exclude": ("exclude", "list"),
    "--extend-exclude": ("extend_exclude", "list"), "--config": ("config", "str"), "--jobs": ("jobs", "int"),
    "-j": ("jobs", "int"),
}
_FLAGS = {
    "--allow-exec": ("allow_exec", True), "--no-allow-exec": ("allow_exec", False),
    "--dependents": ("dependents", True), "--no-dependents": ("dependents", False),
    "--isolated": ("isolated", True), "--exit-zero": ("exit_zero", True), "--statistics": ("statistics", True),
    "--quiet": ("quiet", True), "-q": ("quiet", True), "--no-cache": ("no_cache", True),
}
_POSITIVE = re.compile(r"[1-9][0-9]{0,17}\Z")

DEFAULTS = dict(
    paths=None, output_format="full", output_file=None, select=None, ignore=None, extend_select=None,
    epoch_length=None, scope_root=None, gpus=None, batch_size=None, exclude=None, extend_exclude=None,
    allow_exec=None, dependents=None, config=None, isolated=False, exit_zero=False, statistics=False, quiet=False,
    jobs=None, no_cache=False,
)


def parse_check(argv: List[str]) -> Optional[Dict[str, object]]:
    """The parameters of `run_check` for `argv` (`["check", ...]`), or None: leave it to typer."""
    if not argv or argv[0] != "check":
        return None
    options: Dict[str, object] = dict(DEFAULTS)
    seen = set()
    paths: List[str] = []
    args = list(argv[1:])
    while args:
        arg = args.pop(0)
        if arg == "--":  # the rest are paths, as typer reads them (the GitHub action passes `-- PATHS`)
            if not all(args):
                return None
            paths.extend(args)
            break
        if not arg or arg == "-":
            return None
        if not arg.startswith("-"):
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg[:2], "", arg[2:])
        if name in _FLAGS and not eq and not value:
            key, flag = _FLAGS[name]
            if key in seen:
                return None
            seen.add(key)
            options[key] = flag
            continue
        if name not in _VALUE_OPTIONS:
            return None
        key, kind = _VALUE_OPTIONS[name]
        if not eq and not value:
            if not args:
                return None
            value = args.pop(0)
        if not value or value.startswith("-"):
            return None
        if kind == "list":
            options[key] = [*(options[key] or []), value]
            continue
        if key in seen:
            return None
        seen.add(key)
        if kind == "int":
            if not _POSITIVE.match(value):
                return None
            options[key] = int(value)
        else:
            options[key] = value
    options["paths"] = paths or None
    return options


def run_check(
    paths: Optional[List[str]], output_format: str, output_file: Optional[str], select: Optional[List[str]],
    ignore: Optional[List[str]], extend_select: Optional[List[str]], epoch_length: Optional[int],
    scope_root: Optional[List[str]], gpus: Optional[int], batch_size: Optional[int], exclude: Optional[List[str]],
    extend_exclude: Optional[List[str]], allow_exec: Optional[bool], dependents: Optional[bool],
    config: Optional[str], isolated: bool, exit_zero: bool, statistics: bool, quiet: bool, jobs: Optional[int],
    no_cache: bool,
) -> int:
    """`schedlint check`: prints the report and returns the exit code (raises `common.Exit` on bad usage)."""
    from schedlint import report
    from schedlint.fix import attach_fixes
    from schedlint.lint.engine import UsageError, check_paths, project_root

    paths = paths or ["."]
    if output_format not in report.FORMATS:
        raise fail(f"unknown output format {output_format!r} (choose from {', '.join(report.FORMATS)})")
    if config is not None and isolated:
        raise fail("--config and --isolated cannot be used together")
    settings = settings_from_options(paths, config, select, ignore, extend_select, epoch_length, scope_root,
                                     allow_exec, dependents, isolated, gpus=gpus, batch_size=batch_size,
                                     exclude=exclude, extend_exclude=extend_exclude)
    if jobs is not None:
        settings.jobs = jobs
    try:
        result = check_paths(paths, settings, progress=progress_callback(), on_file=attach_fixes,
                             cache=not no_cache)
    except UsageError as exc:
        raise fail(str(exc))
    finally:
        progress_done()
    for message in result.internal_errors:
        echo(f"schedlint: {escape(message)}", err=True)
    findings = result.findings
    counts = dict(files=len(result.files), dependents=len(result.dependents))
    # code frames: the checked files and their project (a base next to them), never a file elsewhere
    frame_roots = list(paths) + [project_root(paths)]
    if statistics:
        write(report.statistics(findings, "json" if output_format == "json" else "text"), output_file)
    elif output_format == "full" and not output_file and not findings:
        if not quiet:  # nothing to frame: the summary alone, without loading rich (the clean pre-commit run)
            echo(report.summary_line(findings, **counts))
    elif output_format == "full" and not output_file:
        from rich.console import Console

        from schedlint.loader import Loader

        report.render_full(findings, Console(highlight=False), Loader().text, summary=not quiet,
                           frame_roots=frame_roots, **counts)
    else:
        from schedlint.loader import Loader

        text = report.render(findings, output_format, summary=not quiet, read_text=Loader().text,
                             internal_errors=result.internal_errors, frame_roots=frame_roots, **counts)
        write(text, output_file)
    if result.internal_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if findings and not exit_zero else EXIT_CLEAN
