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
    try:
        cfg = Config.fromfile(path, import_custom_modules=False)
        data = cfg.to_dict()
    except BaseException as exc:  # the config's own code may raise anything
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise LoadProblem(
            "SL904",
            f"{problem.message}; executing it with mmengine failed too: {type(exc).__name__}: {exc}",
            problem.location,
        ) from None
    values = wrap(strip_scope(data), None)
    if tree is not None:
        _locate_top_level(path, tree, values)
    return ResolvedConfig(
        filename=path,
        values=values,
        executed=True,
        notes=[f"resolved by executing the config with mmengine ({problem.message} at {problem.location})"],
    )


def _locate_top_level(path: str, tree: ast.Module, values: CfgDict) -> None:
    """Best-effort provenance after execution: the last top-level assignment of each key."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name) and target.id in values:
                    values.locs[target.id] = node_loc(path, stmt.value)
