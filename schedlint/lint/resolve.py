"""`schedlint resolve`: a safe print_config, with provenance on request."""

from __future__ import annotations

import json
import os
import pprint
from typing import Any, Callable, Dict, List

from schedlint.loader import Loader, LoadProblem, ResolvedConfig
from schedlint.loader.values import plain, walk_provenance
from schedlint.report import finding_to_json, relpath


def jsonable(value: Any) -> Any:
    """Plain JSON data: tuples as lists, anything unusual as its string."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _select(resolved: ResolvedConfig, keys: List[str]) -> Dict[str, Any]:
    if not keys:  # (as mmengine's print_config: without the names a pure-Python config imports)
        return {k: v for k, v in resolved.values.items() if k not in resolved.imported}
    out: Dict[str, Any] = {}
    for key in keys:
        parts = [int(p) if p.lstrip("-").isdigit() else p for p in key.split(".")]
        value = resolved.get(*parts, default=KeyError)
        if value is not KeyError:
            out[key] = value
    return out


def _provenance(resolved: ResolvedConfig, keys: List[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    prefixes = [tuple(int(p) if p.isdigit() else p for p in k.split(".")) for k in keys]
    for path, loc in walk_provenance(resolved.values):
        if prefixes and not any(path[: len(p)] == p for p in prefixes):
            continue
        out[".".join(str(p) for p in path)] = f"{relpath(loc.file)}:{loc.line}:{loc.col + 1}"
    return out


def resolve_files(
    paths: List[str],
    keys: List[str],
    show_provenance: bool,
    fmt: str,
    allow_exec: bool,
    scope_roots: Dict[str, str],
    echo: Callable[[str], None],
) -> bool:
    """Print each file's resolved values; returns False if any file could not be resolved."""
    from schedlint.lint.engine import _load_finding

    loader = Loader(scope_roots=scope_roots, allow_exec=allow_exec)
    ok = True
    for path in paths:
        if not os.path.isfile(path):
            finding = {"code": "SL902", "message": f"config file not found: {path}", "filename": path}
            echo(json.dumps({"filename": path, "findings": [finding]}) if fmt == "json" else f"{path}: not found")
            ok = False
            continue
        try:
            resolved = loader.resolve(path)
        except LoadProblem as problem:
            ok = False
            finding = _load_finding(problem)
            if fmt == "json":
                echo(json.dumps({"filename": path, "findings": [finding_to_json(finding)]}))
            else:
                loc = finding.location
                echo(f"{relpath(loc.file)}:{loc.line}:{loc.col + 1}: {finding.code} {finding.message}")
            continue
        values = _select(resolved, keys)
        if fmt == "json":
            record: Dict[str, Any] = {"filename": path, "values": jsonable(plain(values))}
            if show_provenance:
                record["provenance"] = _provenance(resolved, keys)
                record["chain"] = [relpath(p) for p in resolved.chain]
            if resolved.executed:
                record["executed"] = True
            echo(json.dumps(record))
            continue
        echo(f"# {relpath(path)}")
        if show_provenance and resolved.chain:
            echo("# inherits: " + " -> ".join(relpath(p) for p in resolved.chain))
        for note in resolved.notes:
            echo(f"# note: {note}")
        prov = _provenance(resolved, keys) if show_provenance else {}
        for key, value in values.items():
            text = pprint.pformat(jsonable(plain(value)), width=100, sort_dicts=False)
            echo(f"{key} = {text}")
            if show_provenance:
                for dotted, where in prov.items():
                    if dotted == str(key) or dotted.startswith(f"{key}."):
                        echo(f"#   {dotted}  <- {where}")
        echo("")
    return ok
