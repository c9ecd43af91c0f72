"""Resolve OpenMMLab configs statically, with provenance, the way mmengine's `Config.fromfile` does.

Each distinct file is read, parsed and evaluated once per `Loader`; results are cloned for
every config that inherits them, so in-place edits by one child never leak into another.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from schedlint.loader.evaluator import ConfigError, Evaluator, LoadProblem, NeedsExecution, Opaque
from schedlint.loader.values import CfgDict, CfgList, clone, lookup, plain, provenance
from schedlint.model import Location

__all__ = [
    "CfgDict",
    "CfgList",
    "LoadProblem",
    "Loader",
    "ResolvedConfig",
    "lookup",
    "plain",
    "provenance",
]

BASE_KEY = "_base_"
DELETE_KEY = "_delete_"
MAX_FILE_BYTES = 2 * 1024 * 1024
CONFIG_SUFFIXES = (".py", ".json", ".yaml", ".yml")


@dataclass
class ResolvedConfig:
    """A config after inheritance: its values (with provenance) and the files it came from."""

    filename: str
    values: CfgDict
    bases: List[str] = field(default_factory=list)  # direct bases, absolute paths
    chain: List[str] = field(default_factory=list)  # every file that contributed, bases first
    lazy: bool = False
    executed: bool = False  # resolved by running mmengine (--allow-exec)
    notes: List[str] = field(default_factory=list)

    def get(self, *path: Any, default: Any = None) -> Any:
        """The value at `path`, or `default` when absent."""
        try:
            return lookup(self.values, path)
        except (KeyError, IndexError, TypeError):
            return default

    def loc(self, *path: Any) -> Optional[Location]:
        """Where the value at `path` was set last."""
        return provenance(self.values, path)


@dataclass
class _FileResult:
    values: CfgDict
    bases: List[str]
    chain: List[str]
    lazy: bool


_PREDEFINED = re.compile(r"\{\{\s*(fileDirname|fileBasename|fileBasenameNoExtension|fileExtname)\s*\}\}")
_ENV = re.compile(r"\{\{['\"]?\s*\$(\w+)\s*\:\s*(\S*?)\s*['\"]?\}\}")
_BASE_VAR = re.compile(r"\{\{\s*" + BASE_KEY + r"\.([\w\.]+)\s*\}\}")
_PLACEHOLDER_SUFFIX = "_schedlint_base_var"


def find_scope_root(scope: str, scope_roots: Dict[str, str]) -> Optional[str]:
    """The configs folder for a `scope::path` base: a user-given root, else the installed package's
    `.mim/configs` (found without importing the package)."""
    if scope in scope_roots:
        return scope_roots[scope]
    try:
        spec = importlib.util.find_spec(scope)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = os.path.join(location, ".mim", "configs")
        if os.path.isdir(candidate):
            return candidate
    return None


def _checkout_configs(scope: str, including: str) -> Optional[str]:
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


def _decode(path: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise LoadProblem("SL906", f"file is too large to be a config ({len(data)} bytes)", Location(path, 1))
    if b"\x00" in data:
        raise LoadProblem("SL906", "file is binary, not a config", Location(path, 1))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadProblem(
            "SL906", f"file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", Location(path, line)
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


class Loader:
    """Resolves configs; one instance caches every file it has read."""

    def __init__(
        self,
        scope_roots: Optional[Dict[str, str]] = None,
        allow_exec: bool = False,
        environ: Optional[Dict[str, str]] = None,
        overrides: Optional[Dict[str, str]] = None,
    ) -> None:
        self.scope_roots = {k: os.path.abspath(v) for k, v in (scope_roots or {}).items()}
        self.allow_exec = allow_exec
        self.environ = os.environ if environ is None else environ
        self._results: Dict[str, Any] = {}  # path -> _FileResult | LoadProblem
        self._texts: Dict[str, str] = {}
        self._trees: Dict[str, Any] = {}  # path -> ast.Module | LoadProblem
        self._base_lists: Dict[str, List[Tuple[str, Location]]] = {}
        self._lazy_flags: Dict[str, bool] = {}
        self._prepared: Dict[str, Any] = {}  # path -> (text, placeholders) | LoadProblem
        self._mutating: Dict[str, bool] = {}
        # path -> text to read instead of the file on disk (`schedlint fix` checks edits in memory)
        self.overrides = {os.path.abspath(k): v for k, v in (overrides or {}).items()}

    # ------------------------------------------------------------------ public

    def resolve(self, path: str, copy: bool = True) -> ResolvedConfig:
        """Resolve one config file; raises LoadProblem when it cannot be resolved.

        With `copy=False` the values are shared with the loader's cache: read them, never mutate them.
        """
        path = os.path.abspath(path)
        try:
            result = self._load(path, ())
        except LoadProblem as problem:
            if problem.code == "SL904" and self.allow_exec:
                return self._resolve_by_execution(path, problem)
            raise
        return ResolvedConfig(
            filename=path,
            values=clone(result.values) if copy else result.values,
            bases=list(result.bases),
            chain=list(result.chain),
            lazy=result.lazy,
        )

    def text(self, path: str) -> str:
        """The (decoded) text of a file the loader has read."""
        path = os.path.abspath(path)
        if path in self.overrides:
            return self.overrides[path]
        if path not in self._texts:
            with open(path, "rb") as fh:
                self._texts[path] = _decode(path, fh.read())
        return self._texts[path]

    def base_references(self, path: str) -> List[Tuple[str, Location]]:
        """The `_base_` entries of a file: (absolute path of the base, location of the reference).

        Static and cheap: used to find which configs inherit which; unresolvable entries are skipped.
        """
        path = os.path.abspath(path)
        if path not in self._base_lists:
            try:
                refs = self._base_files(path, self._parse(path, self._prepare(path)[0]))
            except LoadProblem:
                refs = []
            out = []
            for ref, loc in refs:
                try:
                    out.append((self._base_path(ref, path, loc), loc))
                except LoadProblem:
                    pass
            if not refs:
                out = [(p, loc) for p, loc in self._lazy_base_references(path)]
            self._base_lists[path] = out
        return self._base_lists[path]

    # ------------------------------------------------------------------ loading

    def _load(self, path: str, stack: Tuple[str, ...]) -> _FileResult:
        if path in stack:
            cycle = list(stack[stack.index(path) :]) + [path]
            raise LoadProblem(
                "SL903",
                "circular inheritance: " + " -> ".join(os.path.basename(p) for p in cycle),
                Location(stack[-1], 1),
                [Location(p, 1) for p in cycle[:-1]],
            )
        cached = self._results.get(path)
        if cached is not None:
            if isinstance(cached, LoadProblem):
                raise cached
            return cached
        try:
            result = self._load_uncached(path, stack + (path,))
        except LoadProblem as problem:
            if problem.code != "SL903":  # a cycle depends on the entry point: do not cache it
                self._results[path] = problem
            raise
        self._results[path] = result
        # the syntax tree is not needed once the file is evaluated; keeping thousands costs memory
        self._trees.pop(path, None)
        return result

    def _prepare(self, path: str) -> Tuple[str, Dict[str, str]]:
        """The file's text after mmengine's textual substitutions, and the base-var placeholders
        (computed once per file; a failure is raised again on every call)."""
        cached = self._prepared.get(path)
        if cached is None:
            try:
                cached = self._prepare_uncached(path)
            except LoadProblem as problem:
                cached = problem
            self._prepared[path] = cached
        if isinstance(cached, LoadProblem):
            raise cached
        return cached

    def _prepare_uncached(self, path: str) -> Tuple[str, Dict[str, str]]:
        if not os.path.isfile(path):
            raise LoadProblem("SL902", f"config file not found: {path}", Location(path, 1))
        try:
            raw = self.text(path)
        except OSError as exc:
            raise LoadProblem("SL906", f"cannot read file: {exc.strerror or exc}", Location(path, 1)) from None
        dirname, basename = os.path.split(path)
        templates = {
            "fileDirname": dirname.replace("\\", "/"),
            "fileBasename": basename,
            "fileBasenameNoExtension": os.path.splitext(basename)[0],
            "fileExtname": os.path.splitext(basename)[1],
        }
        text = _PREDEFINED.sub(lambda m: templates[m.group(1)], raw)

        def env_value(m: "re.Match[str]") -> str:
            name, default = m.group(1), m.group(2)
            value = self.environ.get(name, default)
            if not value:
                raise LoadProblem(
                    "SL907",
                    f"environment variable `{name}` is not set and has no default",
                    Location(path, _line_of(text, m.start())),
                )
            return value

        text = _ENV.sub(env_value, text)
        placeholders: Dict[str, str] = {}

        def base_var(m: "re.Match[str]") -> str:
            placeholder = f"_{m.group(1)}{_PLACEHOLDER_SUFFIX}"
            placeholders[placeholder] = m.group(1)
            return f'"{placeholder}"'

        text = _BASE_VAR.sub(base_var, text)
        return text, placeholders

    def _parse(self, path: str, text: str) -> ast.Module:
        cached = self._trees.get(path)
        if isinstance(cached, LoadProblem):
            raise cached
        if cached is not None:
            return cached
        try:
            raw = self._texts.get(path)
            if raw is not None and raw != text:
                # mmengine parses the file as written before substituting `{{ }}` templates, so
                # e.g. an unquoted `{{$EPOCHS:12}}` is a syntax error there
                ast.parse(raw, filename=path)
            tree = ast.parse(text, filename=path)
        except SyntaxError as exc:
            problem = LoadProblem(
                "SL901", f"syntax error: {exc.msg}", Location(path, exc.lineno or 1, max((exc.offset or 1) - 1, 0))
            )
            self._trees[path] = problem
            raise problem from None
        except (ValueError, RecursionError, MemoryError) as exc:
            problem = LoadProblem("SL901", f"cannot parse: {exc}", Location(path, 1))
            self._trees[path] = problem
            raise problem from None
        self._trees[path] = tree
        return tree

    def _edits_in_place(self, path: str, tree: ast.Module) -> bool:
        """Whether a file may mutate values it did not create (conservative; computed once)."""
        if path not in self._mutating:
            self._mutating[path] = _may_mutate(tree, self._prepare(path)[0])
        return self._mutating[path]

    def _lazy_file(self, path: str) -> bool:
        """Whether the file at `path` is a pure-Python config (False if it cannot be parsed)."""
        if path in self._lazy_flags:
            return self._lazy_flags[path]
        try:
            return self._lazy(path, self._parse(path, self._prepare(path)[0]))
        except LoadProblem:
            return False

    def _lazy(self, path: str, tree: ast.Module) -> bool:
        """Whether a file is a pure-Python (read_base) config; computed once per file."""
        if path not in self._lazy_flags:
            text = self._prepare(path)[0]
            # only an import or a `with` can make a file pure-Python style
            self._lazy_flags[path] = ("import" in text or "with" in text) and _is_lazy(tree)
        return self._lazy_flags[path]

    def _load_uncached(self, path: str, stack: Tuple[str, ...]) -> _FileResult:
        suffix = os.path.splitext(path)[1].lower()
        if suffix in (".json", ".yaml", ".yml"):
            return self._load_data_file(path, stack)
        text, placeholders = self._prepare(path)
        tree = self._parse(path, text)
        if self._lazy(path, tree):
            return self._load_lazy(path, tree, stack)
        bases_ref = self._base_files(path, tree)
        merged = CfgDict()
        chain: List[str] = []
        base_paths: List[str] = []
        for ref, loc in bases_ref:
            base_path = self._base_path(ref, path, loc)
            if not os.path.isfile(base_path):
                raise LoadProblem("SL902", f"base config not found: {ref!r} (tried {base_path})", loc)
            if os.path.splitext(base_path)[1] == ".py" and stack and base_path not in stack:
                if self._lazy_file(base_path):
                    raise LoadProblem(
                        "SL907",
                        "the configs of an inheritance chain must all be `_base_` style or all pure-Python "
                        f"(read_base) style; {os.path.basename(base_path)} is pure-Python",
                        loc,
                    )
            result = self._load(base_path, stack)
            duplicates = set(merged) & set(result.values)
            if duplicates:
                raise LoadProblem(
                    "SL907",
                    f"bases define the same top-level keys {sorted(duplicates)}: mmengine refuses duplicate keys"
                    " among bases",
                    loc,
                )
            # `_base_` is a ConfigDict in mmengine; a child that never edits inherited values in place
            # can share them with the cache (nothing downstream mutates resolved values)
            base_values = clone(result.values, config=True) if self._edits_in_place(path, tree) else result.values
            for key, value in base_values.items():
                merged.set(key, value, base_values.locs.get(key))
            for p in result.chain:
                if p not in chain:
                    chain.append(p)
            base_paths.append(base_path)
        namespace = CfgDict()
        merged.config = True  # its values were cloned as ConfigDicts already
        namespace[BASE_KEY] = merged
        body = [stmt for stmt in tree.body if not _is_base_assign(stmt)]
        evaluator = Evaluator(path, namespace)
        try:
            evaluator.run(body)
        except NeedsExecution as exc:
            raise LoadProblem("SL904", f"needs execution: {exc.reason}", evaluator.loc(exc.node or tree)) from None
        except ConfigError as exc:
            raise LoadProblem("SL907", f"config error: {exc.reason}", evaluator.loc(exc.node or tree)) from None
        own = CfgDict()
        for key, value in namespace.items():
            if key == BASE_KEY or str(key).startswith("__") or isinstance(value, Opaque):
                continue
            own.set(key, value, namespace.locs.get(key))
        if placeholders:
            own = _substitute_placeholders(own, placeholders, merged, path)
        values = merge_a_into_b(own, merged, path)
        values = _drop_dunder(values)
        chain.append(path)
        return _FileResult(values=values, bases=base_paths, chain=chain, lazy=False)

    def _load_data_file(self, path: str, stack: Tuple[str, ...]) -> _FileResult:
        text = self.text(path)
        try:
            if path.endswith(".json"):
                data = json.loads(text)
            else:
                import yaml

                data = yaml.safe_load(text)
        except Exception as exc:
            raise LoadProblem("SL901", f"cannot parse: {exc}", Location(path, 1)) from None
        if not isinstance(data, dict):
            raise LoadProblem("SL907", "config file does not hold a mapping", Location(path, 1))
        values = _wrap(data, Location(path, 1))
        refs = values.pop(BASE_KEY, [])
        refs = refs if isinstance(refs, list) else [refs]
        merged = CfgDict()
        chain: List[str] = []
        for ref in refs:
            loc = Location(path, 1)
            base_path = self._base_path(str(ref), path, loc)
            if not os.path.isfile(base_path):
                raise LoadProblem("SL902", f"base config not found: {ref!r} (tried {base_path})", loc)
            result = self._load(base_path, stack)
            for key, value in clone(result.values).items():
                merged.set(key, value, result.values.locs.get(key))
            chain.extend(p for p in result.chain if p not in chain)
        values = merge_a_into_b(values, merged, path)
        chain.append(path)
        return _FileResult(values=values, bases=[], chain=chain, lazy=False)

    def _base_files(self, path: str, tree: ast.Module) -> List[Tuple[str, Location]]:
        stmt = next((s for s in tree.body if _is_base_assign(s)), None)
        if stmt is None:
            return []
        value = stmt.value  # type: ignore[attr-defined]
        try:
            refs = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, RecursionError):
            # mmengine evals the expression on its own (e.g. 'a_' + 'b.py'); no names are defined
            try:
                refs = plain(Evaluator(path, CfgDict()).eval(value))
            except (NeedsExecution, ConfigError):
                raise LoadProblem(
                    "SL904", "needs execution: `_base_` must be a string or a list of strings", _loc(path, value)
                ) from None
        if isinstance(refs, str):
            return [(refs, _loc(path, value))]
        if isinstance(refs, (list, tuple)) and all(isinstance(r, str) for r in refs):
            elts = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value] * len(refs)
            return [(r, _loc(path, e)) for r, e in zip(refs, elts)]
        raise LoadProblem("SL907", "`_base_` must be a string or a list of strings", _loc(path, value))

    def _base_path(self, ref: str, including: str, loc: Location) -> str:
        if "::" in ref:
            scope, _, rel = ref.partition("::")
            root = find_scope_root(scope, self.scope_roots) or _checkout_configs(scope, including)
            if root is None:
                raise LoadProblem(
                    "SL905",
                    f"unknown scope `{scope}` in {ref!r}: package `{scope}` is not installed; "
                    f"pass --scope-root {scope}=DIR (its configs folder)",
                    loc,
                )
            return os.path.normpath(os.path.join(root, rel))
        return os.path.normpath(os.path.join(os.path.dirname(including), os.path.expanduser(ref)))

    # ------------------------------------------------------------------ pure-Python configs

    def _lazy_module_path(self, module: str, level: int, including: str, loc: Location) -> str:
        if level > 0:
            base_dir = os.path.dirname(including)
            return os.path.normpath(
                os.path.join(base_dir, *([".."] * (level - 1)), module.replace(".", "/") + ".py")
            )
        parts = module.split(".")
        if len(parts) >= 2:
            for candidate in self._module_candidates(parts, including):
                if os.path.isfile(candidate):
                    return candidate
            root = find_scope_root(parts[0], {})
            if root is not None:
                package_dir = os.path.dirname(os.path.dirname(root))
                return os.path.join(package_dir, *parts[1:]) + ".py"
        raise LoadProblem(
            "SL905",
            f"cannot locate base module `{module}` without importing it: install `{parts[0]}`, check from a "
            f"source checkout that contains `{parts[0]}/`, or pass --scope-root {parts[0]}=DIR",
            loc,
        )

    def _module_candidates(self, parts: List[str], including: str) -> List[str]:
        """Files a read_base import `pkg.configs.x` may name: under a `--scope-root pkg=DIR` (the
        checkout, the package, or its configs folder), then in a source checkout above the config."""
        out: List[str] = []
        root = self.scope_roots.get(parts[0])
        if root is not None:
            out.append(os.path.join(root, *parts) + ".py")  # DIR = the checkout
            out.append(os.path.join(root, *parts[1:]) + ".py")  # DIR = the package
            if len(parts) > 2 and parts[1] == "configs":
                out.append(os.path.join(root, *parts[2:]) + ".py")  # DIR = its configs folder
        here = os.path.dirname(os.path.abspath(including))
        while True:
            if os.path.isfile(os.path.join(here, parts[0], "__init__.py")):
                out.append(os.path.join(here, *parts) + ".py")
                break
            parent = os.path.dirname(here)
            if parent == here:
                break
            here = parent
        return out

    def _lazy_base_references(self, path: str) -> List[Tuple[str, Location]]:
        try:
            tree = self._parse(path, self._prepare(path)[0])
        except LoadProblem:
            return []
        out = []
        for stmt in tree.body:
            if isinstance(stmt, ast.With):
                for inner in stmt.body:
                    if isinstance(inner, ast.ImportFrom):
                        loc = _loc(path, inner)
                        try:
                            out.append((self._lazy_module_path(inner.module or "", inner.level, path, loc), loc))
                        except LoadProblem:
                            pass
        return out

    def _load_lazy(self, path: str, tree: ast.Module, stack: Tuple[str, ...]) -> _FileResult:
        chain: List[str] = []
        bases: List[str] = []

        def import_hook(stmt: ast.AST, namespace: CfgDict) -> None:
            if not isinstance(stmt, ast.ImportFrom):
                raise NeedsExecution(stmt, "only `from ... import ...` inside `with read_base():`")
            loc = _loc(path, stmt)
            module_path = self._lazy_module_path(stmt.module or "", stmt.level, path, loc)
            if not os.path.isfile(module_path):
                raise LoadProblem("SL902", f"base module not found: {stmt.module!r} (tried {module_path})", loc)
            result = self._load(module_path, stack)
            base_values = clone(result.values, config=True)  # imported bases are ConfigDicts in mmengine
            bases.append(module_path)
            chain.extend(p for p in result.chain if p not in chain)
            for alias in stmt.names:
                if alias.name == "*":
                    for key, value in base_values.items():
                        if not str(key).startswith("_"):
                            namespace.set(key, value, base_values.locs.get(key))
                elif alias.name in base_values:
                    namespace.set(alias.asname or alias.name, base_values[alias.name], base_values.locs.get(alias.name))
                else:
                    raise LoadProblem("SL907", f"cannot import name {alias.name!r} from {stmt.module!r}", loc)

        namespace = CfgDict()
        evaluator = Evaluator(path, namespace, import_hook=import_hook)
        try:
            evaluator.run(tree.body)
        except NeedsExecution as exc:
            raise LoadProblem("SL904", f"needs execution: {exc.reason}", evaluator.loc(exc.node or tree)) from None
        except ConfigError as exc:
            raise LoadProblem("SL907", f"config error: {exc.reason}", evaluator.loc(exc.node or tree)) from None
        values = CfgDict()
        for key, value in namespace.items():
            if str(key).startswith("__") or isinstance(value, Opaque):
                continue
            values.set(key, value, namespace.locs.get(key))
        chain.append(path)
        return _FileResult(values=values, bases=bases, chain=chain, lazy=True)

    # ------------------------------------------------------------------ --allow-exec

    def _resolve_by_execution(self, path: str, problem: LoadProblem) -> ResolvedConfig:
        try:
            from mmengine.config import Config  # heavy; only when asked to execute; whatever mmengine is installed
        except ImportError:
            raise LoadProblem(
                "SL904",
                f"{problem.message}; --allow-exec needs mmengine (or mmengine-lite), which is not installed: "
                "pip install 'schedlint[exec]'",
                problem.location,
            ) from None
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
        values = _wrap(_strip_scope(data), None)
        self._locate_top_level(path, values)
        return ResolvedConfig(
            filename=path,
            values=values,
            executed=True,
            notes=[f"resolved by executing the config with mmengine ({problem.message} at {problem.location})"],
        )

    def _locate_top_level(self, path: str, values: CfgDict) -> None:
        """Best-effort provenance after execution: the last top-level assignment of each key."""
        try:
            tree = self._parse(path, self._prepare(path)[0])
        except LoadProblem:
            return
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and target.id in values:
                        values.locs[target.id] = _loc(path, stmt.value)


def merge_a_into_b(a: CfgDict, b: CfgDict, path: str = "") -> CfgDict:
    """mmengine's `Config._merge_a_into_b`: dicts merge key by key (child wins), everything else
    replaces; a child dict with `_delete_=True` replaces the inherited dict whole."""
    b = b.shallow_copy() if isinstance(b, CfgDict) else _wrap(b, None)
    for key, value in a.items():
        loc = a.locs.get(key) if isinstance(a, CfgDict) else None
        if isinstance(value, dict):
            # mmengine pops `_delete_` only when the key exists in the base (the quirk is kept); the
            # child's dict may be shared with a cached base, so it is copied rather than popped
            delete = False
            if key in b and DELETE_KEY in value:
                delete = value[DELETE_KEY]
                value = value.shallow_copy() if isinstance(value, CfgDict) else CfgDict(value)
                value.remove(DELETE_KEY)
            if key in b and not delete:
                if not isinstance(b[key], dict):
                    raise LoadProblem(
                        "SL907",
                        f"`{key}` is a dict here but a {type(b[key]).__name__} in the base config: mmengine "
                        "raises TypeError; add `_delete_=True` to replace it",
                        loc or Location(path, 1),
                    )
                merged = merge_a_into_b(value if isinstance(value, CfgDict) else _wrap(value, loc), b[key], path)
                b.set(key, merged, loc or b.locs.get(key))
            else:
                b.set(key, value, loc)
        else:
            b.set(key, value, loc)
    return b


def _substitute_placeholders(value: Any, placeholders: Dict[str, str], base: CfgDict, path: str) -> Any:
    """Replace `{{_base_.x}}` placeholders (whole values only) with the base's values."""

    def resolve(placeholder: str) -> Tuple[Any, Optional[Location]]:
        dotted = placeholders[placeholder]
        parts = dotted.split(".")
        try:
            found = lookup(base, parts)
        except (KeyError, IndexError, TypeError):
            raise LoadProblem("SL907", f"`{{{{_base_.{dotted}}}}}` is not defined in the bases", Location(path, 1))
        return clone(found), provenance(base, parts)

    if isinstance(value, dict):
        out = CfgDict()
        for k, v in value.items():
            loc = value.locs.get(k) if isinstance(value, CfgDict) else None
            if isinstance(v, str) and v in placeholders:
                new, new_loc = resolve(v)
                out.set(k, new, loc or new_loc)
            else:
                out.set(k, _substitute_placeholders(v, placeholders, base, path), loc)
        return out
    if isinstance(value, list):
        items, locs = [], []
        for i, v in enumerate(value):
            loc = value.locs[i] if isinstance(value, CfgList) and i < len(value.locs) else None
            if isinstance(v, str) and v in placeholders:
                v, _ = resolve(v)
            else:
                v = _substitute_placeholders(v, placeholders, base, path)
            items.append(v)
            locs.append(loc)
        return CfgList(items, locs)
    if isinstance(value, tuple):
        return tuple(
            resolve(v)[0] if isinstance(v, str) and v in placeholders else _substitute_placeholders(v, placeholders, base, path)
            for v in value
        )
    return value


def _drop_dunder(values: CfgDict) -> CfgDict:
    for key in [k for k in values if str(k).startswith("__")]:
        values.remove(key)
    return values


def _wrap(value: Any, loc: Optional[Location]) -> Any:
    if isinstance(value, dict):
        out = CfgDict()
        for k, v in value.items():
            out.set(k, _wrap(v, loc), loc)
        return out
    if isinstance(value, list):
        return CfgList([_wrap(v, loc) for v in value], [loc] * len(value))
    return value


def _strip_scope(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_scope(v) for k, v in value.items() if k != "_scope_"}
    if isinstance(value, list):
        return [_strip_scope(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_strip_scope(v) for v in value)
    return value


def _loc(path: str, node: ast.AST) -> Location:
    return Location(
        path,
        getattr(node, "lineno", 1),
        getattr(node, "col_offset", 0),
        getattr(node, "end_lineno", None),
        getattr(node, "end_col_offset", None),
    )


_MUTATING_METHODS = {"update", "pop", "popitem", "setdefault", "append", "extend", "insert", "remove", "clear",
                     "sort", "reverse", "__setitem__", "__delitem__"}


_MUTATING_CALL = re.compile(
    r"\.\s*(?:" + "|".join(sorted(_MUTATING_METHODS)) + r")\s*\("
)
_ODD_LOOP_TARGET = re.compile(r"\bfor\s+[^:\n]*?[.\[][^:\n]*?\s+in\s")  # `for a.b in` / `for x[0] in`


def _may_mutate(tree: ast.Module, text: str) -> bool:
    """True if any statement could change an existing value in place: item or attribute
    assignment, `del`, augmented assignment, or a call of a mutating method (found in the text,
    conservatively: a mention in a string or comment also counts)."""
    if _MUTATING_CALL.search(text) or _ODD_LOOP_TARGET.search(text):
        return True

    def non_name_target(target: ast.AST) -> bool:
        if isinstance(target, (ast.Tuple, ast.List)):
            return any(non_name_target(t) for t in target.elts)
        if isinstance(target, ast.Starred):
            return non_name_target(target.value)
        return not isinstance(target, ast.Name)

    stack: List[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.AugAssign, ast.Delete)):
            return True
        if isinstance(node, ast.Assign) and any(non_name_target(t) for t in node.targets):
            return True
        if isinstance(node, (ast.AnnAssign, ast.For, ast.AsyncFor)) and non_name_target(node.target):
            return True
        for body in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(getattr(node, body, None) or [])
    return False


def _is_base_assign(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Assign)
        and isinstance(stmt.targets[0], ast.Name)
        and stmt.targets[0].id == BASE_KEY
    )


_STDLIB = set(getattr(sys, "stdlib_module_names", ())) | {"math", "os", "copy", "platform"}


def _is_lazy(tree: ast.Module) -> bool:
    """mmengine's `_is_lazy_import`: pure-Python style unless a `_base_` assignment comes first."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id == BASE_KEY:
            return False
        if isinstance(node, ast.With):
            return True
        if isinstance(node, ast.ImportFrom):
            if node.level:
                return True
            if node.module == "mmengine" and [a.name for a in node.names] == ["Config"]:
                continue
            if node.module and node.module.split(".")[0] not in _STDLIB:
                return True
        if isinstance(node, ast.Import):
            if any(a.name.split(".")[0] not in _STDLIB for a in node.names):
                return True
    return False


def is_config_file(path: str) -> bool:
    """Whether a path looks like a config schedlint reads (by suffix)."""
    return path.endswith(CONFIG_SUFFIXES)


