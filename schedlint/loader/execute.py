"""The `--allow-exec` fallback: mmengine (full or lite, whichever is importable) executes the config.

Only ever called when the user asked for execution on the command line or in a user-level config.
"""

from __future__ import annotations

import ast
from typing import Optional

from schedlint.loader.errors import LoadProblem
from schedlint.loader.merge import node_loc, strip_scope, wrap
from schedlint.loader.result import ResolvedConfig
from schedlint.loader.values import CfgDict

INSTALL_HINT = "install mmengine (`pip install \"schedlint[exec]\"` or `pip install mmengine`) to use --allow-exec"


def resolve_by_execution(path: str, problem: LoadProblem, tree: Optional[ast.Module]) -> ResolvedConfig:
    """Resolve `path` by running it with mmengine's `Config.fromfile` (custom imports off)."""
    try:
        from mmengine.config import Config  # heavy; only when asked to execute
    except ImportError:
        raise LoadProblem("SL904", f"{problem.message}; {INSTALL_HINT}", problem.location) from None
    how = "executing the config with mmengine"
    try:
        data = _fromfile(Config, path)
    except BaseException as exc:  # the config's own code may raise anything
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        data, failure = _as_classic(Config, path, tree, exc)
        if data is None:
            raise LoadProblem(
                "SL904",
                f"{problem.message}; executing it with mmengine failed too: {failure}",
                problem.location,
            ) from None
        how += " as a classic config (lazy imports off: its imports run, as mmcv 1.x runs them)"
    values = wrap(strip_scope(data), None)
    if tree is not None:
        _locate_top_level(path, tree, values)
    return ResolvedConfig(
        filename=path,
        values=values,
        executed=True,
        notes=[f"resolved by {how} ({problem.message} at {problem.location})"],
    )


def _fromfile(config_cls, path: str, **kwargs) -> dict:
    return config_cls.fromfile(path, import_custom_modules=False, **kwargs).to_dict()


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else f"{type(exc).__name__} (raised without a message)"


def _as_classic(config_cls, path: str, tree: Optional[ast.Module], exc: BaseException):
    """(values, "") of a config without `read_base` that mmengine read as a pure-Python one (a top-level
    `import datetime` makes it lazy: calling `datetime.datetime.now()` raises a bare RuntimeError) and that runs
    with lazy imports off, as mmcv 1.x runs it; else (None, what failed)."""
    uses_read_base = tree is not None and any(
        isinstance(node, ast.Name) and node.id == "read_base" for node in ast.walk(tree))
    if tree is None or uses_read_base:
        return None, _failure(exc)
    try:
        return _fromfile(config_cls, path, lazy_import=False), ""
    except BaseException as again:  # (a mmengine without `lazy_import` raises TypeError: the first failure stands)
        if isinstance(again, (KeyboardInterrupt, SystemExit)):
            raise
        return None, _failure(exc if isinstance(again, TypeError) and "lazy_import" in str(again) else again)


def _locate_top_level(path: str, tree: ast.Module, values: CfgDict) -> None:
    """Best-effort provenance after execution: the last top-level assignment of each key."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id in values:
                    values.locs[target.id] = node_loc(path, stmt.value)
