"""Tell Python scripts (conversion and analysis tools) and other frameworks' configs from OpenMMLab
configs by imports and code shape.

A repository root holds `tools/model_converters/*.py` (`model = torch.load(...)`), analysis
scripts with argparse, benchmarks... that assign `model` or `data` at top level like a config.
Configs never parse arguments, run `__main__` blocks, print, or call into modules they imported
whole (`torch.save(...)`); they build dicts and, at most, edit them (`model.update(...)`).
Repositories that mix frameworks also hold detectron2 / detrex LazyConfig files, Hydra or Lightning
configs: their imports tell them apart (a file named on the command line is still checked).
"""

from __future__ import annotations

import ast
from typing import Set

# modules only scripts import (whole-module imports; configs import classes from packages)
SCRIPT_MODULES = {"argparse", "sys", "subprocess", "shutil", "pickle", "tqdm", "multiprocessing", "glob",
                  "time", "logging", "click", "typer", "fire"}
# frameworks whose configs are Python files too, never OpenMMLab's (a file importing one is not linted
# in a folder walk)
FOREIGN_CONFIG_MODULES = {"detectron2", "detrex", "omegaconf", "hydra", "lightning", "pytorch_lightning",
                          "tensorflow", "keras", "jax", "flax", "ml_collections", "fvcore"}
# module names a config may call into (path helpers, constants)
CONFIG_SAFE_MODULES = {"os", "osp", "os.path", "math", "copy", "mmengine", "mmcv"}
SCRIPT_BUILTINS = {"print", "exec", "open", "input", "exit", "quit", "main"}


def _imported_modules(tree: ast.Module) -> Set[str]:
    """Names bound by whole-module imports (`import torch`, `import numpy as np`)."""
    out: Set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                out.add(alias.asname or alias.name.split(".")[0])
    return out


def _is_main_guard(stmt: ast.stmt) -> bool:
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    names = [n.id for n in ast.walk(stmt.test) if isinstance(n, ast.Name)]
    return "__name__" in names


def _called_module(call: ast.Call, modules: Set[str]) -> bool:
    """Whether a call goes into a whole-imported module other than path/math helpers."""
    func = call.func
    while isinstance(func, ast.Attribute):
        func = func.value
    return isinstance(func, ast.Name) and func.id in modules and func.id not in CONFIG_SAFE_MODULES \
        and call.func is not func


def looks_like_script(tree: ast.Module, inherits: bool = False) -> bool:
    """Whether a module's top level is a script's rather than a config's. A module that `inherits` (assigns
    `_base_`, which only configs do) is a script only with a `__main__` guard, a foreign framework's import or a
    call of a script builtin (`print(...)`): an official PETR config starts with an IDE's stray
    `from pickle import FALSE`, and mmdet3d configs build `np.array(...)` values."""
    modules = _imported_modules(tree)
    imported_roots = {m for stmt in tree.body if isinstance(stmt, ast.Import) for m in
                      (a.name.split(".")[0] for a in stmt.names)}
    imported_roots |= {(stmt.module or "").split(".")[0] for stmt in tree.body if isinstance(stmt, ast.ImportFrom)}
    if imported_roots & (FOREIGN_CONFIG_MODULES if inherits else SCRIPT_MODULES | FOREIGN_CONFIG_MODULES):
        return True
    for stmt in tree.body:
        if inherits:
            call = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
            if _is_main_guard(stmt) or isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and \
                    call.func.id in SCRIPT_BUILTINS:
                return True
            continue
        if _is_main_guard(stmt):
            return True
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            func = stmt.value.func
            if isinstance(func, ast.Name) and func.id in SCRIPT_BUILTINS:
                return True
            if _called_module(stmt.value, modules):
                return True
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Call):
            if _called_module(stmt.value, modules):
                return True  # model = torch.load(...)
            func = stmt.value.func
            if isinstance(func, ast.Name) and func.id in SCRIPT_BUILTINS:
                return True
    return False
