"""Where `pkg::path` bases and `from pkg.configs.x import *` modules live, found WITHOUT importing
anything: `sys.path` folders and editable-install mappings are looked at as files only (an import,
even `importlib.util.find_spec` of a dotted name, would run the package's `__init__.py`)."""

from __future__ import annotations

import ast
import functools
import os
import sys
from typing import Dict, List, Optional, Tuple

_MAX_FINDER_BYTES = 256 * 1024


def _is_identifier(name: str) -> bool:
    return bool(name) and name.isidentifier()


@functools.lru_cache(maxsize=8)
def _editable_mappings(entries: Tuple[str, ...]) -> Dict[str, str]:
    """Top-level package -> folder of setuptools' editable installs (`__editable___*_finder.py`,
    whose `MAPPING = {...}` is read as a literal, never run)."""
    found: Dict[str, str] = {}
    for entry in entries:
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for name in names:
            if not (name.startswith("__editable__") and name.endswith("_finder.py")):
                continue
            path = os.path.join(entry, name)
            try:
                if os.path.getsize(path) > _MAX_FINDER_BYTES:
                    continue
                with open(path, "rb") as fh:
                    tree = ast.parse(fh.read())
            except (OSError, SyntaxError, ValueError, RecursionError):
                continue
            for stmt in tree.body:
                if isinstance(stmt, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "MAPPING" for t in stmt.targets
                ):
                    try:
                        mapping = ast.literal_eval(stmt.value)
                    except (ValueError, TypeError, SyntaxError, RecursionError):
                        continue
                    if isinstance(mapping, dict):
                        found.update({k: v for k, v in mapping.items() if isinstance(k, str) and isinstance(v, str)})
    return found


def package_dirs(name: str, search_path: Optional[List[str]] = None) -> List[str]:
    """Folders of the top-level package `name` on `search_path` (default `sys.path`), in order."""
    if not _is_identifier(name):
        return []
    entries = [e or os.getcwd() for e in (sys.path if search_path is None else search_path)]
    out: List[str] = []
    for entry in entries:
        candidate = os.path.join(entry, name)
        if os.path.isdir(candidate) and candidate not in out:
            out.append(candidate)
    mapped = _editable_mappings(tuple(e for e in entries if os.path.isdir(e))).get(name)
    if mapped and os.path.isdir(mapped) and mapped not in out:
        out.append(mapped)
    return out


def find_scope_root(scope: str, scope_roots: Dict[str, str]) -> Optional[str]:
    """The configs folder for a `scope::path` base: a user-given root, else the installed package's
    `.mim/configs` (found without importing the package)."""
    if scope in scope_roots:
        return scope_roots[scope]
    for folder in package_dirs(scope):
        candidate = os.path.join(folder, ".mim", "configs")
        if os.path.isdir(candidate):
            return candidate
    return None


def find_module_file(module: str) -> Optional[str]:
    """The file of an absolute dotted module (`mmdet.configs._base_.x`) of an installed package,
    found without importing it; None when not found."""
    parts = module.split(".")
    if len(parts) < 2 or not all(_is_identifier(p) for p in parts):
        return None
    for folder in package_dirs(parts[0]):
        base = os.path.join(folder, *parts[1:])
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(candidate):
                return candidate
    return None


def checkout_configs(scope: str, including: str) -> Optional[str]:
    """The `configs` folder of a source checkout of `scope` above the including file (a config of
    mmyolo's own `projects/` naming `mmyolo::yolov5/...` while mmyolo is not installed)."""
    here = os.path.dirname(os.path.abspath(including))
    while True:
        if os.path.isfile(os.path.join(here, scope, "__init__.py")) and os.path.isdir(os.path.join(here, "configs")):
            return os.path.join(here, "configs")
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def module_candidates(parts: List[str], including: str, scope_roots: Dict[str, str]) -> List[str]:
    """Files a read_base import `pkg.configs.x` may name: under a `--scope-root pkg=DIR` (the
    checkout, the package, or its configs folder), then in a source checkout above the config (`pkg` a
    package there, or a folder holding the module: a namespace package)."""
    out: List[str] = []
    root = scope_roots.get(parts[0])
    if root is not None:
        out.append(os.path.join(root, *parts) + ".py")  # DIR = the checkout
        out.append(os.path.join(root, *parts[1:]) + ".py")  # DIR = the package
        if len(parts) > 2 and parts[1] == "configs":
            out.append(os.path.join(root, *parts[2:]) + ".py")  # DIR = its configs folder
    here = os.path.dirname(os.path.abspath(including))
    while True:
        # a package of the checkout, or a namespace package (a folder without __init__.py) holding the module,
        # as Python finds them from the checkout's root on sys.path
        if os.path.isfile(os.path.join(here, parts[0], "__init__.py")) or \
                os.path.isfile(os.path.join(here, *parts) + ".py"):
            out.append(os.path.join(here, *parts) + ".py")
            break
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    return out
