"""Render findings: full (code frames), concise, json, github annotations, SARIF 2.1.0, statistics.

Every renderer returns text (or prints to a rich console, for `full` on a terminal) and reads
nothing but the findings and, for code frames, the files' text.
"""

from __future__ import annotations

import io
import json
import os
import pathlib
import urllib.parse
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Sequence

from schedlint import __version__
from schedlint.model import Finding, Location

FORMATS = ("full", "concise", "json", "github", "sarif")
#: the rule docs (docs/rules.md of the project, also printed offline by `schedlint rule CODE`)
DOCS_URL = "https://github.com/schedlint/schedlint/blob/main/docs/rules.md#{code}"


def rule_url(code: str) -> str:
    """The absolute address of a rule's documentation."""
    return DOCS_URL.format(code=code.lower())
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

ReadText = Callable[[str], str]

#: longest source line shown in a code frame (the rest is cut with an ellipsis)
MAX_FRAME_LINE = 200

_CONTROL = {c: f"\\x{c:02x}" for c in list(range(0x20)) + [0x7F]}
_CONTROL.update({c: f"\\x{c:02x}" for c in range(0x80, 0xA0)})
_CONTROL.update({c: f"\\u{c:04x}" for c in (0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F),
                                            *range(0x2066, 0x206A), 0xFEFF)})


def escape_controls(text: str, keep: str = "") -> str:
    """`text` (from a config, a file name, a log) safe to print on a terminal: control characters
    (ESC, CR, BEL, backspace, C1 codes) and bidirectional overrides shown as `\\xNN`; `keep` lists
    characters left alone (e.g. a tab in a code frame)."""
    table = _CONTROL if not keep else {c: v for c, v in _CONTROL.items() if chr(c) not in keep}
    return str(text).translate(table)


def _safe_line(line: str) -> str:
    line = escape_controls(line, keep="\t")
    return line if len(line) <= MAX_FRAME_LINE else line[: MAX_FRAME_LINE - 1] + "…"


def relpath(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------------------------
# JSON (ruff-shaped)
# --------------------------------------------------------------------------------------------


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
        "url": rule_url(f.code),
        "related": [
            {"filename": r.location.file, "location": _loc_json(r.location), "message": r.message} for r in f.related
        ],
        "configs": list(f.configs),
    }


def render_json(findings: List[Finding]) -> str:
    """A JSON array of findings (see `finding_to_json`)."""
    return json.dumps([finding_to_json(f) for f in findings], indent=2)


# --------------------------------------------------------------------------------------------
# concise and the summary
# --------------------------------------------------------------------------------------------


def _affected(f: Finding, shown: int = 3) -> str:
    """' (affects a.py, b.py and 4 more)' for a finding in a file other than the config(s) it is about."""
    if not f.configs or (len(f.configs) == 1 and f.configs[0] == f.location.file):
        return ""
    names = ", ".join(relpath(c) for c in f.configs[:shown])
    more = f" and {len(f.configs) - shown} more" if len(f.configs) > shown else ""
    return f" (affects {names}{more})"


def render_concise(findings: List[Finding]) -> str:
    """One `path:line:col: CODE message` line per finding; a finding in a shared base names the
    configs it affects."""
    return "\n".join(
        f"{escape_controls(relpath(f.location.file))}:{f.location.line}:{f.location.col + 1}: {f.code} "
        f"{escape_controls(f.message + _affected(f))}"
        for f in findings
    )


def summary_line(findings: List[Finding], files: int, dependents: int = 0) -> str:
    """The closing line(s) of the human formats: counts by severity, configs checked, fixable."""
    checked = _plural(files, "config") + " checked"
    if dependents:
        checked += f", {dependents} of them because they inherit a given file"
    if not findings:
        return f"All checks passed! ({checked})"
    by = Counter(f.severity.value for f in findings)
    parts = [_plural(by[s], s) for s in ("error", "warning", "info") if by[s]]
    text = f"Found {_plural(len(findings), 'finding')} ({', '.join(parts)}); {checked}."
    fixable = sum(1 for f in findings if f.fix is not None and f.fix.applicability == "safe")
    if fixable:
        text += f"\n[*] {fixable} fixable with `schedlint fix`."
    return text


# --------------------------------------------------------------------------------------------
# full: code frames (rich)
# --------------------------------------------------------------------------------------------


def render_full(
    findings: List[Finding],
    console: Any,
    read_text: ReadText,
    files: int,
    summary: bool = True,
    dependents: int = 0,
    frame_roots: Optional[Sequence[str]] = None,
) -> None:
    """Rich output: each finding with a code frame around the responsible line and its related lines.

    With `frame_roots`, frames are shown only for files inside those files or folders (the checked
    tree): a `_base_` pointing at a system file never gets its lines printed. Control characters of
    messages, file names and frames are escaped; long frame lines are cut.
    """
    from rich.markup import escape as _markup_escape
    from rich.syntax import Syntax

    def escape(text: str) -> str:
        return _markup_escape(escape_controls(text))

    roots = [os.path.abspath(r) for r in frame_roots] if frame_roots is not None else None

    def shown_text(path: str) -> str:
        if roots is not None and not any(_inside(path, r) for r in roots):
            raise PermissionError("outside the checked tree")
        return read_text(path)

    style = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}
    for f in findings:
        loc = f.location
        console.print(
            f"[bold]{escape(relpath(loc.file))}:{loc.line}:{loc.col + 1}[/bold]: "
            f"[{style[f.severity.value]}]{f.code}[/] [dim]({f.name})[/dim] {escape(f.message)}",
            soft_wrap=True,
        )
        _frame(console, shown_text, loc, Syntax)
        for r in f.related:
            console.print(
                f"  [cyan]related[/cyan] {escape(relpath(r.location.file))}:{r.location.line}: {escape(r.message)}",
                soft_wrap=True,
            )
            _frame(console, shown_text, r.location, Syntax, context=0)
        if len(f.configs) > 1 or (f.configs and f.configs[0] != loc.file):
            shown = ", ".join(relpath(c) for c in f.configs[:5])
            more = f" and {len(f.configs) - 5} more" if len(f.configs) > 5 else ""
            console.print(f"  [dim]affects: {escape(shown)}{more}[/dim]", soft_wrap=True)
        if f.fix is not None:
            tag = "fix" if f.fix.applicability == "safe" else f"{f.fix.applicability} fix"
            console.print(f"  [green]{tag}[/green]: {escape(f.fix.message)}", soft_wrap=True)
        console.print()
    if summary:
        for line in summary_line(findings, files, dependents).split("\n"):  # each line escaped on its own
            console.print(escape(line), soft_wrap=True)


def _inside(path: str, root: str) -> bool:
    path = os.path.abspath(path)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def render_full_text(
    findings: List[Finding], read_text: ReadText, files: int, summary: bool = True, dependents: int = 0,
    frame_roots: Optional[Sequence[str]] = None,
) -> str:
    """The `full` format as plain text (no colours), e.g. for `-o FILE`."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False, color_system=None, highlight=False, width=120)
    render_full(findings, console, read_text, files, summary, dependents, frame_roots)
    return buffer.getvalue().rstrip("\n")


def _frame(console: Any, read_text: ReadText, loc: Location, syntax_cls: Any, context: int = 1) -> None:
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
    # only the lines shown, escaped and cut (line numbers kept with start_line)
    shown = "\n".join(_safe_line(line) for line in lines[first - 1 : last])
    console.print(
        syntax_cls(
            shown,
            "python",
            line_numbers=True,
            start_line=first,
            highlight_lines={loc.line},
            theme="ansi_dark",
            word_wrap=True,
            background_color="default",
        )
    )


# --------------------------------------------------------------------------------------------
# GitHub workflow commands
# --------------------------------------------------------------------------------------------


def _escape_data(text: str) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escape_controls(text)  # other control characters (ESC, ...) never reach the log


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: List[Finding]) -> str:
    """GitHub workflow commands: one `::error|warning|notice title=...,file=...::message` line per finding."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for f in findings:
        loc = f.location
        props = [
            ("title", f"schedlint ({f.code})"),
            ("file", relpath(loc.file)),
            ("line", str(loc.line)),
            ("col", str(loc.col + 1)),
        ]
        if loc.end_line and loc.end_line >= loc.line:
            props.append(("endLine", str(loc.end_line)))
            if loc.end_line == loc.line and loc.end_col is not None:
                props.append(("endColumn", str(loc.end_col + 1)))
        message = f"{f.code} {f.message}"
        for r in f.related:
            message += f"\n{relpath(r.location.file)}:{r.location.line}: {r.message}"
        if len(f.configs) > 1 or (f.configs and f.configs[0] != loc.file):
            message += "\naffects: " + ", ".join(relpath(c) for c in f.configs)
        text = ",".join(f"{key}={_escape_property(value)}" for key, value in props)
        lines.append(f"::{level[f.severity.value]} {text}::{_escape_data(message)}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# SARIF 2.1.0
# --------------------------------------------------------------------------------------------


def _artifact(path: str) -> Dict[str, Any]:
    """A SARIF artifactLocation: relative to the working directory (`%SRCROOT%`) when below it."""
    rel = relpath(path)
    # file names that are not UTF-8 (surrogate-escaped bytes) are percent-encoded as their bytes
    quoted = urllib.parse.quote(rel.replace(os.sep, "/"), encoding="utf-8", errors="surrogateescape")
    if os.path.isabs(rel):
        return {"uri": "file://" + quoted}
    return {"uri": quoted, "uriBaseId": "%SRCROOT%"}


def _region(start: tuple, end: tuple) -> Dict[str, Any]:
    return {"startLine": start[0], "startColumn": start[1] + 1, "endLine": end[0], "endColumn": end[1] + 1}


def _physical(loc: Location) -> Dict[str, Any]:
    region: Dict[str, Any] = {"startLine": loc.line, "startColumn": loc.col + 1}
    if loc.end_line and loc.end_line >= loc.line:
        region["endLine"] = loc.end_line
        if loc.end_col is not None and (loc.end_line > loc.line or loc.end_col >= loc.col):
            region["endColumn"] = loc.end_col + 1
    return {"physicalLocation": {"artifactLocation": _artifact(loc.file), "region": region}}


def _sarif_rule(rule: Any, level: Dict[str, str]) -> Dict[str, Any]:
    from schedlint.report.ruledocs import rule_text

    doc = rule.doc()
    return {
        "id": rule.code,
        "name": rule.name,
        "helpUri": rule_url(rule.code),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc.split("\n\n")[0] if doc else rule.summary},
        "help": {"text": doc or rule.summary, "markdown": rule_text(rule)},
        "defaultConfiguration": {"level": level[rule.severity.value]},
        "properties": {"tags": [_family(rule.code)], "fixable": bool(rule.fixable),
                       "fixApplicability": rule.fix_applicability},
    }


def _family(code: str) -> str:
    families = {"0": "schedule-length", "1": "momentum-optimizer", "2": "cadence", "3": "scheduler-arguments",
                "4": "legacy", "9": "loading"}
    return families.get(code[2:3], "other")


def _sarif_fix(f: Finding) -> Optional[Dict[str, Any]]:
    if f.fix is None or not f.fix.edits:
        return None
    changes: Dict[str, List[Dict[str, Any]]] = {}
    for e in f.fix.edits:
        changes.setdefault(e.file, []).append(
            {"deletedRegion": _region(e.location, e.end_location), "insertedContent": {"text": e.content}}
        )
    return {
        "description": {"text": f.fix.message},
        "artifactChanges": [{"artifactLocation": _artifact(p), "replacements": r} for p, r in changes.items()],
    }


def render_sarif(findings: List[Finding], internal_errors: Sequence[str] = ()) -> str:
    """A SARIF 2.1.0 log: every rule described (from the rule units) and one result per finding."""
    from schedlint.rules import all_rules

    rules = list(all_rules().values())
    index = {r.code: i for i, r in enumerate(rules)}
    level = {"error": "error", "warning": "warning", "info": "note"}
    results = []
    for f in findings:
        result: Dict[str, Any] = {
            "ruleId": f.code,
            "level": level[f.severity.value],
            "message": {"text": f.message},
            "locations": [_physical(f.location)],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.related:
            result["relatedLocations"] = [
                dict(_physical(r.location), id=i, message={"text": r.message}) for i, r in enumerate(f.related)
            ]
        fix = _sarif_fix(f)
        if fix is not None:
            result["fixes"] = [fix]
        result["properties"] = {"severity": f.severity.value, "configs": [relpath(c) for c in f.configs]}
        results.append(result)
    base = pathlib.Path(os.getcwd()).as_uri().rstrip("/") + "/"
    invocation: Dict[str, Any] = {"executionSuccessful": not internal_errors}
    if internal_errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": text}} for text in internal_errors
        ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "schedlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_sarif_rule(r, level) for r in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base}},
                "columnKind": "unicodeCodePoints",  # columns count characters (lint.columns)
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2)


# --------------------------------------------------------------------------------------------
# statistics and dispatch
# --------------------------------------------------------------------------------------------


def statistics_data(findings: List[Finding]) -> List[Dict[str, Any]]:
    """A count per code, most frequent first (ties in code order)."""
    counts = Counter(f.code for f in findings)
    names = {f.code: f.name for f in findings}
    fixable = {f.code for f in findings if f.fix is not None and f.fix.applicability == "safe"}
    order = sorted(counts, key=lambda code: (-counts[code], code))
    return [{"code": c, "name": names[c], "count": counts[c], "fixable": c in fixable} for c in order]


def statistics(findings: List[Finding], fmt: str = "text") -> str:
    """`--statistics`: `count<TAB>code<TAB>[*] name` lines (`[*]`: fixable), or a JSON array with `fmt='json'`."""
    data = statistics_data(findings)
    if fmt == "json":
        return json.dumps(data, indent=2)
    width = max((len(str(d["count"])) for d in data), default=1)
    return "\n".join(
        f"{d['count']:>{width}}\t{d['code']}\t{'[*] ' if d['fixable'] else ''}{d['name']}" for d in data
    )


def render(
    findings: List[Finding],
    fmt: str,
    files: int = 0,
    summary: bool = True,
    read_text: Optional[ReadText] = None,
    dependents: int = 0,
    internal_errors: Sequence[str] = (),
    frame_roots: Optional[Sequence[str]] = None,
) -> str:
    """The report in one of FORMATS as text. `summary=False` (`--quiet`) drops the closing summary
    of the human formats; `read_text` gives the code frames of `full` (without it, `full` is `concise`)."""
    if fmt == "json":
        return render_json(findings)
    if fmt == "github":
        return render_github(findings)
    if fmt == "sarif":
        return render_sarif(findings, internal_errors)
    if fmt == "full" and read_text is not None:
        return render_full_text(findings, read_text, files, summary, dependents, frame_roots)
    if fmt in ("full", "concise"):
        body = render_concise(findings)
        tail = summary_line(findings, files, dependents) if summary else ""
        return "\n".join(part for part in (body, tail) if part)
    raise ValueError(f"unknown output format {fmt!r}")
