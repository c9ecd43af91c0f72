"""Render findings: full (code frames), concise, json, github annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any, Dict, List, Optional

from schedlint import __version__
from schedlint.model import Finding, Location

FORMATS = ("full", "concise", "json", "github", "sarif")
DOCS_URL = "docs/rules.md#{code}"  # rule docs ship in the repository; `schedlint rule CODE` prints them


def relpath(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _loc_json(loc: Location) -> Dict[str, Any]:
    return {"row": loc.line, "column": loc.col + 1}


def _end_json(loc: Location) -> Dict[str, Any]:
    return {"row": loc.end_line or loc.line, "column": (loc.end_col if loc.end_col is not None else loc.col) + 1}


def finding_to_json(f: Finding) -> Dict[str, Any]:
    """A finding shaped like ruff's JSON output, plus severity, related and configs."""
    fix = None
    if f.fix is not None:
        fix = {
            "applicability": f.fix.applicability,
            "message": f.fix.message,
            "edits": [
                {
                    "filename": e.file,
                    "content": e.content,
                    "location": {"row": e.location[0], "column": e.location[1] + 1},
                    "end_location": {"row": e.end_location[0], "column": e.end_location[1] + 1},
                }
                for e in f.fix.edits
            ],
        }
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        "filename": f.location.file,
        "location": _loc_json(f.location),
        "end_location": _end_json(f.location),
        "fix": fix,
        "url": DOCS_URL.format(code=f.code.lower()),
        "related": [
            {"filename": r.location.file, "location": _loc_json(r.location), "message": r.message} for r in f.related
        ],
        "configs": list(f.configs),
    }


def render_json(findings: List[Finding]) -> str:
    return json.dumps([finding_to_json(f) for f in findings], indent=2)


def render_concise(findings: List[Finding]) -> str:
    lines = []
    for f in findings:
        lines.append(f"{relpath(f.location.file)}:{f.location.line}:{f.location.col + 1}: {f.code} {f.message}")
    return "\n".join(lines)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: List[Finding]) -> str:
    """GitHub workflow commands: one `::error|warning|notice ...::message` line per finding."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in findings:
        props = [
            f"title={_escape_property(f'schedlint ({f.code})')}",
            f"file={_escape_property(relpath(f.location.file))}",
            f"line={f.location.line}",
            f"col={f.location.col + 1}",
        ]
        if f.location.end_line:
            props.append(f"endLine={f.location.end_line}")
        message = f"{f.code} {f.message}"
        for r in f.related:
            message += f"\n{relpath(r.location.file)}:{r.location.line}: {r.message}"
        lines.append(f"::{level[f.severity.value]} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)


def render_sarif(findings: List[Finding]) -> str:
    """A SARIF 2.1.0 log with every rule described and one result per finding."""
    from schedlint.rules import all_rules

    rules = list(all_rules().values())
    index = {r.code: i for i, r in enumerate(rules)}
    level = {"error": "error", "warning": "warning", "info": "note"}

    def physical(loc: Location) -> Dict[str, Any]:
        region: Dict[str, Any] = {"startLine": loc.line, "startColumn": loc.col + 1}
        if loc.end_line:
            region["endLine"] = loc.end_line
        if loc.end_col is not None:
            region["endColumn"] = loc.end_col + 1
        return {"physicalLocation": {"artifactLocation": {"uri": relpath(loc.file).replace(os.sep, "/")},
                                     "region": region}}

    results = []
    for f in findings:
        result: Dict[str, Any] = {
            "ruleId": f.code,
            "level": level[f.severity.value],
            "message": {"text": f.message},
            "locations": [physical(f.location)],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.related:
            result["relatedLocations"] = [
                dict(physical(r.location), id=i, message={"text": r.message}) for i, r in enumerate(f.related)
            ]
        results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "schedlint",
                        "version": __version__,
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "fullDescription": {"text": r.doc().split("\n\n")[0]},
                                "help": {"text": r.doc(), "markdown": r.doc()},
                                "defaultConfiguration": {"level": level[r.severity.value]},
                            }
                            for r in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)


def statistics(findings: List[Finding]) -> str:
    """`--statistics`: a count per code, most frequent first."""
    counts = Counter((f.code, f.name) for f in findings)
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "\n".join(f"{n:>{width}}\t{code}\t{name}" for (code, name), n in counts.most_common())


def summary_line(findings: List[Finding], files: int) -> str:
    if not findings:
        return f"All checks passed! ({files} config{'s' if files != 1 else ''} checked)"
    by = Counter(f.severity.value for f in findings)
    parts = [f"{by[s]} {s}{'s' if by[s] != 1 else ''}" for s in ("error", "warning", "info") if by[s]]
    fixable = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    text = f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) in {files} configs."
    if fixable:
        text += f"\n[*] {fixable} fixable with `schedlint fix`."
    return text


def render_full(findings: List[Finding], console: Any, read_text: Any, files: int) -> None:
    """Rich output: each finding with a code frame around the responsible line and its related lines."""
    from rich.markup import escape
    from rich.syntax import Syntax

    style = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}
    for f in findings:
        loc = f.location
        console.print(
            f"[bold]{escape(relpath(loc.file))}:{loc.line}:{loc.col + 1}[/bold]: "
            f"[{style[f.severity.value]}]{f.code}[/] [dim]({f.name})[/dim] {escape(f.message)}",
            soft_wrap=True,
        )
        _frame(console, read_text, loc, Syntax)
        for r in f.related:
            console.print(
                f"  [cyan]related[/cyan] {escape(relpath(r.location.file))}:{r.location.line}: {escape(r.message)}",
                soft_wrap=True,
            )
            _frame(console, read_text, r.location, Syntax, context=0)
        if len(f.configs) > 1 or (f.configs and f.configs[0] != loc.file):
            shown = ", ".join(relpath(c) for c in f.configs[:5])
            more = f" and {len(f.configs) - 5} more" if len(f.configs) > 5 else ""
            console.print(f"  [dim]affects: {escape(shown)}{more}[/dim]", soft_wrap=True)
        if f.fix is not None:
            tag = "fix" if f.fix.applicability == "safe" else f"{f.fix.applicability} fix"
            console.print(f"  [green]{tag}[/green]: {escape(f.fix.message)}", soft_wrap=True)
        console.print()
    console.print(summary_line(findings, files))


def _frame(console: Any, read_text: Any, loc: Location, syntax_cls: Any, context: int = 1) -> None:
    try:
        text = read_text(loc.file)
    except Exception:
        return
    lines = text.splitlines()
    if not (1 <= loc.line <= len(lines)):
        return
    first = max(1, loc.line - context)
    last = min(len(lines), max(loc.end_line or loc.line, loc.line) + context)
    if last - first > 8:
        last = first + 8
    console.print(
        syntax_cls(
            text,
            "python",
            line_numbers=True,
            line_range=(first, last),
            highlight_lines={loc.line},
            theme="ansi_dark",
            word_wrap=True,
            background_color="default",
        )
    )


def render(findings: List[Finding], fmt: str, files: int = 0) -> Optional[str]:
    """Text for the machine formats and `concise`; None for `full` (printed with rich)."""
    if fmt == "json":
        return render_json(findings)
    if fmt == "concise":
        body = render_concise(findings)
        return (body + "\n" if body else "") + summary_line(findings, files)
    if fmt == "github":
        return render_github(findings)
    if fmt == "sarif":
        return render_sarif(findings)
    return None
