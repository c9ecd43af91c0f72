"""The `Loader`: resolves a config and its `_base_` chain statically, with provenance, the way
mmengine's `Config.fromfile` does, within a resource budget per file.

Each distinct file is read, parsed and evaluated once per `Loader`; results are cloned for
every config that inherits them, so in-place edits by one child never leak into another.
"""

from __future__ import annotations

import ast
import json
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple

from schedlint.loader import budget
from schedlint.loader.detect import CONFIG_SUFFIXES, assigns_twice, base_statement, deferrable, is_base_assign
from schedlint.loader.detect import LAZY_BASE_ERROR, classic_base_of_lazy, is_lazy, may_mutate
from schedlint.loader.detect import inherits_nothing as _inherits_nothing
from schedlint.loader.errors import BudgetExceeded, ConfigError, LoadProblem, NeedsExecution, Opaque
from schedlint.loader.evaluator import Evaluator, base_value
from schedlint.loader.execute import resolve_by_execution
from schedlint.loader.files import BASE_KEY, read_text, substitute
from schedlint.loader.helpers import rebound_in, stale_values
from schedlint.loader.merge import drop_dunder, merge_a_into_b, node_loc, substitute_placeholders, wrap
from schedlint.loader.result import FileResult as _FileResult, ResolvedConfig, definitions as _definitions
from schedlint.loader.scopes import checkout_configs, find_module_file, find_scope_root, module_candidates
from schedlint.loader.values import CfgDict, Unevaluated, clone, holds_unevaluated
from schedlint.model import Location


class Loader:
    """Resolves configs; one instance caches every file it has read."""

    def __init__(
        self,
        scope_roots: Optional[Dict[str, str]] = None,
        allow_exec: bool = False,
        environ: Optional[Dict[str, str]] = None,
        overrides: Optional[Dict[str, str]] = None,
        parent: Optional["Loader"] = None,
        unread: Iterable[str] = (),
    ) -> None:
        self.scope_roots = {k: os.path.abspath(v) for k, v in (scope_roots or {}).items()}
        self.allow_exec = allow_exec
        self.environ = os.environ if environ is None else environ
        self._results: Dict[str, Any] = {}  # path -> _FileResult | LoadProblem
        self._whole: Dict[str, Any] = {}  # the same, evaluated whole, where it differs (see `_load`)
        self._texts: Dict[str, str] = {}
        self._trees: Dict[str, Any] = {}  # path -> ast.Module | LoadProblem
        self._base_lists: Dict[str, List[Tuple[str, Location]]] = {}
        self._peeking = False  # reading only to answer `base_references`
        self._lazy_flags: Dict[str, bool] = {}
        self._prepared: Dict[str, Any] = {}  # path -> (text, placeholders) | LoadProblem
        self._mutating: Dict[str, bool] = {}
        # whether a file's top level assigns a name twice (SL909 reads only those files), kept once parsed
        self._twice: Dict[str, bool] = {}
        self._named_bases: Dict[str, Tuple[Location, str]] = {}  # `_base_` read with the names above it (mmcv 1.x)
        self._inherited: set = set()  # files in the chain of a config resolved so far (bases)
        # path -> text to read instead of the file on disk (`schedlint fix` checks edits in memory)
        self.overrides = {os.path.abspath(k): v for k, v in (overrides or {}).items()}
        # top-level names the caller never reads (the linter: `model`): an assignment to one of them whose
        # value nothing else in its file reads is not evaluated (`detect.deferrable`); the name holds an
        # `Unevaluated`. What evaluating it would have reported (an error, a resource limit) is not
        # reported; anything else that would read it makes the loader evaluate the file (and its bases) whole
        self.unread = frozenset(unread)
        # a loader of the files on disk with the same settings, whose results this one reuses for every
        # file whose chain has no overridden file (`schedlint fix` checks many candidate edits)
        self.parent = parent if parent is not None and parent._same_settings(self) else None

    def _same_settings(self, other: "Loader") -> bool:
        return (not self.overrides and self.parent is None and self.scope_roots == other.scope_roots
                and self.allow_exec == other.allow_exec and self.environ is other.environ
                and self.unread == other.unread)

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
                tree = None
                try:
                    tree = self._parse(path, self._prepare(path)[0])
                except LoadProblem:
                    pass
                return resolve_by_execution(path, problem, tree)
            raise
        return ResolvedConfig(
            filename=path,
            values=clone(result.values) if copy else result.values,
            bases=list(result.bases),
            chain=list(result.chain),
            lazy=result.lazy,
            assigned_twice=self._assigned_twice(result.chain),
            stale=stale_values(result.values, result.rebound, result.chain, self.text),
            named_bases=[self._named_bases[p] for p in result.chain if p in self._named_bases],
            imported=result.imported,
        )

    def _assigned_twice(self, chain: List[str]) -> Optional[List[str]]:
        """The .py files of `chain` whose top level assigns a name twice (None when one was not parsed here)."""
        out = []
        for p in chain:
            if not p.endswith(".py"):
                continue
            twice = self._twice.get(p)
            if twice is None and self.parent is not None:
                twice = self.parent._twice.get(p)
            if twice is None:
                return None
            if twice:
                out.append(p)
        return out

    def text(self, path: str) -> str:
        """The (decoded) text of a file the loader has read."""
        path = os.path.abspath(path)
        if path in self.overrides:
            return self.overrides[path]
        if path not in self._texts:
            self._texts[path] = read_text(path, peek=self._peeking)
        return self._texts[path]

    def base_references(self, path: str) -> List[Tuple[str, Location]]:
        """The `_base_` entries of a file: (absolute path of the base, location of the reference).

        Static and cheap: used to find which configs inherit which; unresolvable entries are skipped.
        """
        path = os.path.abspath(path)
        if path not in self._base_lists:
            # what is read here only to answer this is not kept (asked of every file of a project,
            # it would hold the whole project's text); a file being resolved keeps what it had
            read_before = path in self._texts or path in self._results
            self._peeking = not read_before  # what a folder walk kept of it stays for when it is resolved
            try:
                self._base_lists[path] = self._base_references(path)
            finally:
                self._peeking = False
            if not read_before and path not in self.overrides:
                for cache in (self._texts, self._prepared, self._trees, self._lazy_flags):
                    cache.pop(path, None)
        return self._base_lists[path]

    def known_bases(self, path: str) -> Optional[List[str]]:
        """The bases `base_references` gives for `path` when the loader has them already (no reading)."""
        known = self._base_lists.get(os.path.abspath(path))
        return None if known is None else [base for base, _ in known]

    def _base_references(self, path: str) -> List[Tuple[str, Location]]:
        try:
            text = self._prepare(path)[0]
            if _inherits_nothing(text):
                return []  # not parsed
            tree = base_statement(text)  # the `_base_ = ...` statement alone, when the text tells it apart
            try:
                refs = self._base_files(path, tree if tree is not None else self._parse(path, text))
            except LoadProblem:  # (it may name values the file sets above it: mmcv 1.x reads those)
                refs = self._base_files(path, self._parse(path, text)) if tree is not None else []
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
        return out

    # ------------------------------------------------------------------ loading

    def _load(self, path: str, stack: Tuple[str, ...], whole: bool = False) -> _FileResult:
        """The result of one file; `whole`: with every value evaluated (no `Unevaluated`).

        With `unread` names, a file's own answer is its deferred evaluation's, or, when that fails, its
        whole evaluation's; a base evaluated whole for a child that reads what it left unevaluated keeps
        its own answer for every other child (`_whole` holds the whole answers), so no finding depends
        on which configs a run resolves first."""
        whole = whole and bool(self.unread)
        if path in stack:
            cycle = list(stack[stack.index(path) :]) + [path]
            raise LoadProblem(
                "SL903",
                "circular inheritance: " + " -> ".join(os.path.basename(p) for p in cycle),
                Location(stack[-1], 1),
                [Location(p, 1) for p in cycle[:-1]],
            )
        cached = self._cached(path, whole)
        if cached is not None:
            if isinstance(cached, LoadProblem):
                raise cached
            return cached
        if len(stack) >= budget.MAX_INHERITANCE:
            raise LoadProblem(
                "SL908",
                f"inheritance deeper than {budget.MAX_INHERITANCE} levels: "
                + " -> ".join(os.path.basename(p) for p in (stack[:2] + ("...",) + stack[-2:] + (path,))),
                Location(stack[-1], 1),
                [Location(stack[0], 1)],
            )
        try:
            try:
                try:
                    result = self._load_uncached(path, stack + (path,), whole or not self.unread)
                except LoadProblem as problem:
                    if whole or not self.unread or problem.code == "SL903":
                        raise
                    # what stopped it may have been reading a value left unevaluated: evaluate it whole
                    result = self._load(path, stack, True)
            except RecursionError:
                raise LoadProblem("SL908", "inheritance or values nested too deeply to resolve", Location(path, 1)) from None
        except LoadProblem as problem:
            if problem.code != "SL903":  # a cycle depends on the entry point: do not cache it
                (self._whole if whole else self._results)[path] = problem
            raise
        if whole:
            self._whole[path] = result
            self._results.setdefault(path, result)  # evaluated whole, it also answers for its own evaluation
        else:
            self._results[path] = result
        self._inherited.update(result.chain[:-1])
        # the syntax tree is not needed once the file is evaluated; keeping thousands costs memory
        self._trees.pop(path, None)
        return result

    def _cached(self, path: str, whole: bool) -> Any:
        """The cached answer for `path` (a `_FileResult` or the LoadProblem), None when there is none."""
        if whole:
            found = self._whole.get(path)
            if found is not None:
                return found
        cached = self._results.get(path)
        if cached is None and self.parent is not None:
            found = self.parent._results.get(path)
            if isinstance(found, _FileResult) and self.overrides.keys().isdisjoint(found.chain):
                self._results[path] = cached = found  # shared: values are never mutated once resolved
        if whole and isinstance(cached, _FileResult) and cached.deferred:
            return None  # (a problem in `_results` is always a whole evaluation's)
        return cached

    def forget(self, path: str, shared: bool = False) -> None:
        """Drop what was read of `path` unless a config resolved so far inherits it (`shared`: also then;
        the caller knows no later config needs it). Resolving it again later reads it again."""
        path = os.path.abspath(path)
        if path in self.overrides or (path in self._inherited and not shared):
            return
        self._inherited.discard(path)
        for cache in (self._results, self._whole, self._texts, self._prepared, self._trees, self._lazy_flags,
                      self._mutating):
            cache.pop(path, None)

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
        if not os.path.lexists(path):
            raise LoadProblem("SL902", f"config file not found: {path}", Location(path, 1))
        return substitute(path, self.text(path), self.environ)

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
            self._mutating[path] = may_mutate(tree, self._prepare(path)[0])
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
            lazy = ("import" in text or "with" in text) and is_lazy(tree)
            base = classic_base_of_lazy(tree) if lazy else None
            if base is not None:  # read as mmcv 1.x reads it; an error under mmengine (`named_bases`)
                lazy = False
                self._named_bases[path] = (node_loc(path, base), LAZY_BASE_ERROR)
            self._lazy_flags[path] = lazy
        return self._lazy_flags[path]

    def _load_uncached(self, path: str, stack: Tuple[str, ...], whole: bool) -> _FileResult:
        suffix = os.path.splitext(path)[1].lower()
        if suffix in (".json", ".yaml", ".yml"):
            return self._load_data_file(path, stack, whole)
        text, placeholders = self._prepare(path)
        tree = self._parse(path, text)
        self._twice[path] = assigns_twice(tree)
        if self._lazy(path, tree):
            return self._load_lazy(path, tree, stack)
        bases_ref = self._base_files(path, tree)
        refs: List[Tuple[str, Location]] = []
        base_deferred, base_cells, rebound = False, 0, ()
        merged = CfgDict()
        chain: List[str] = []
        base_paths: List[str] = []
        for ref, loc in bases_ref:
            base_path = self._base_path(ref, path, loc)
            if not isinstance(self._results.get(base_path), _FileResult) and not os.path.lexists(base_path):
                raise LoadProblem("SL902", f"base config not found: {ref!r} (tried {base_path})", loc)
            if os.path.splitext(base_path)[1] == ".py" and stack and base_path not in stack:
                if self._lazy_file(base_path):
                    if self._named_bases.get(path, (None, ""))[1] == LAZY_BASE_ERROR:  # its own _base_ fails
                        raise LoadProblem("SL907", LAZY_BASE_ERROR.split("config error: ", 1)[-1], loc)
                    raise LoadProblem(
                        "SL907",
                        "the configs of an inheritance chain must all be `_base_` style or all pure-Python "
                        f"(read_base) style; {os.path.basename(base_path)} is pure-Python",
                        loc,
                    )
            result = self._load(base_path, stack, whole)
            base_deferred, rebound = base_deferred or result.deferred, rebound + result.rebound
            base_cells += result.cells
            duplicates = set(merged) & set(result.values)
            if duplicates:
                raise LoadProblem(
                    "SL907",
                    f"bases define the same top-level keys {sorted(duplicates)}: mmengine and mmcv refuse duplicate keys"
                    " among bases (KeyError)",
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
            refs.append((base_path, loc))
        # what `base_references` would read the file again for (asked of every file of a project by the
        # fixer, to verify an edit on the configs inheriting it)
        self._base_lists.setdefault(path, refs)
        namespace = CfgDict()
        merged.config = True  # its values were cloned as ConfigDicts already
        namespace[BASE_KEY] = merged
        body = [stmt for stmt in tree.body if not is_base_assign(stmt)]
        deferred = None if whole else deferrable(body, text, self.unread)
        evaluator = Evaluator(path, namespace)
        if self._edits_in_place(path, tree):  # inherited values may grow: measure them with the file's own
            cells = evaluator.run_file(body, tree, deferred=deferred)
        else:  # inherited values are as their files left them, measured there
            cells = evaluator.run_file(body, tree, skip=BASE_KEY, deferred=deferred) + base_cells
            if cells > budget.MAX_CELLS:
                raise LoadProblem("SL908", f"resource limit: the config with its bases holds more than "
                                           f"{budget.MAX_CELLS:,} values", Location(path, 1))
        own = CfgDict()
        definitions = _definitions(namespace) if not bases_ref else None  # (a file `read_base` may import)
        for key, value in namespace.items():
            if key == BASE_KEY or str(key).startswith("__") or isinstance(value, Opaque):
                continue
            own.set(key, value, namespace.locs.get(key))
        if placeholders:
            own = substitute_placeholders(own, placeholders, merged, path)
        rebound += rebound_in(own, merged, path)
        values = drop_dunder(merge_a_into_b(own, merged, path))
        if base_deferred and (evaluator.read_base or placeholders):
            # an inherited `Unevaluated` may have been copied (or, editing in place, set) under a name the
            # caller reads: then this file is evaluated whole (see `_load`)
            self._check_unread_only(values if self._edits_in_place(path, tree) else own, path)
        chain.append(path)
        return _FileResult(values=values, bases=base_paths, chain=chain, lazy=False, cells=cells,
                           deferred=bool(deferred) or base_deferred, rebound=rebound, definitions=definitions)

    def _check_unread_only(self, values: CfgDict, path: str) -> None:
        """Raise a LoadProblem when an `Unevaluated` is anywhere but directly under an unread name."""
        for key, value in values.items():
            if type(value) is Unevaluated and key in self.unread:
                continue
            if holds_unevaluated(value):
                raise LoadProblem("SL904", f"`{key}` holds a value left unevaluated", Location(path, 1))

    def _load_data_file(self, path: str, stack: Tuple[str, ...], whole: bool) -> _FileResult:
        text = self.text(path)
        try:
            if path.endswith(".json"):
                data = json.loads(text)
            else:
                import yaml

                data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C: fast, bounded
        except RecursionError:
            raise LoadProblem("SL908", "data nested too deeply to read", Location(path, 1)) from None
        except Exception as exc:
            raise LoadProblem("SL901", "cannot parse: " + " ".join(str(exc).split()), Location(path, 1)) from None
        try:
            # a YAML alias bomb is small as written and huge when expanded
            cells = budget.measure(data, budget.MAX_CELLS)
            if cells > budget.MAX_CELLS:
                raise BudgetExceeded(None, f"a value of more than {budget.MAX_CELLS:,} elements (counting nested ones)")
        except BudgetExceeded as exc:
            raise LoadProblem("SL908", f"resource limit: {exc.reason}", Location(path, 1)) from None
        if not isinstance(data, dict):
            raise LoadProblem("SL907", "config file does not hold a mapping", Location(path, 1))
        values = wrap(data, Location(path, 1))
        refs = values.pop(BASE_KEY, [])
        refs = refs if isinstance(refs, list) else [refs]
        merged = CfgDict()
        chain: List[str] = []
        deferred = False
        for ref in refs:
            loc = Location(path, 1)
            base_path = self._base_path(str(ref), path, loc)
            if not os.path.lexists(base_path):
                raise LoadProblem("SL902", f"base config not found: {ref!r} (tried {base_path})", loc)
            result = self._load(base_path, stack, whole)
            deferred = deferred or result.deferred
            cells += result.cells
            for key, value in clone(result.values).items():
                merged.set(key, value, result.values.locs.get(key))
            chain.extend(p for p in result.chain if p not in chain)
        values = merge_a_into_b(values, merged, path)
        chain.append(path)
        return _FileResult(values=values, bases=[], chain=chain, lazy=False, cells=cells, deferred=deferred)

    def _base_files(self, path: str, tree: ast.Module) -> List[Tuple[str, Location]]:
        stmt = next((s for s in tree.body if is_base_assign(s)), None)
        if stmt is None:
            return []
        value = stmt.value  # type: ignore[attr-defined]
        try:
            refs, name_error = base_value(path, tree, stmt)
        except BudgetExceeded as exc:
            raise LoadProblem("SL908", f"resource limit: {exc.reason}", node_loc(path, value)) from None
        except (NeedsExecution, ConfigError, TypeError, ValueError, ArithmeticError):
            raise LoadProblem(
                "SL904", "needs execution: `_base_` must be a string or a list of strings", node_loc(path, value)
            ) from None
        if name_error is not None:  # read as mmcv 1.x reads it; an error under mmengine (`named_bases`)
            self._named_bases[path] = (node_loc(path, value), (
                f"config error: {name_error}: mmengine evaluates `_base_` on its own, before the file runs (mmcv "
                "1.x ran the file first and read it); write the paths out"))
        if isinstance(refs, str):
            return [(refs, node_loc(path, value))]
        if isinstance(refs, (list, tuple)) and all(isinstance(r, str) for r in refs):
            elts = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value] * len(refs)
            return [(r, node_loc(path, e)) for r, e in zip(refs, elts)]
        raise LoadProblem("SL907", "`_base_` must be a string or a list of strings", node_loc(path, value))

    def _base_path(self, ref: str, including: str, loc: Location) -> str:
        if "::" in ref:
            scope, _, rel = ref.partition("::")
            root = find_scope_root(scope, self.scope_roots) or checkout_configs(scope, including)
            if root is None:
                raise LoadProblem(
                    "SL905",
                    f"unknown scope `{scope}` in {ref!r}: package `{scope}` is not installed; "
                    f"pass --scope-root {scope}=DIR (its configs folder)",
                    loc,
                )
            path = os.path.normpath(os.path.join(root, rel))
        else:
            path = os.path.normpath(os.path.join(os.path.dirname(including), os.path.expanduser(ref)))
        if not ref.endswith(CONFIG_SUFFIXES) and os.path.isdir(path):  # `_base_ = ''`: a template to fill in
            raise LoadProblem("SL902", f"base config {ref!r} names a folder ({path}), not a config file", loc)
        return path

    # ------------------------------------------------------------------ pure-Python configs

    def _lazy_module_path(self, module: str, level: int, including: str, loc: Location) -> str:
        if level > 0:
            base_dir = os.path.dirname(including)
            return os.path.normpath(
                os.path.join(base_dir, *([".."] * (level - 1)), module.replace(".", "/") + ".py")
            )
        parts = module.split(".")
        if len(parts) >= 2:
            for candidate in module_candidates(parts, including, self.scope_roots):
                if os.path.isfile(candidate):
                    return candidate
        found = find_module_file(module)
        if found is None:
            raise LoadProblem(
                "SL905",
                f"cannot locate base module `{module}` without importing it: install `{parts[0]}`, check from a "
                f"source checkout that contains `{parts[0]}/`, or pass --scope-root {parts[0]}=DIR",
                loc,
            )
        return found

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
                        loc = node_loc(path, inner)
                        try:
                            out.append((self._lazy_module_path(inner.module or "", inner.level, path, loc), loc))
                        except LoadProblem:
                            pass
        return out

    def _load_lazy(self, path: str, tree: ast.Module, stack: Tuple[str, ...]) -> _FileResult:
        chain: List[str] = []
        bases: List[str] = []
        imported, rebound = CfgDict(), []  # the names the bases gave, and their own `Rebound`s
        imported_names: set = set()  # the names bound by import statements here and in the bases

        def import_hook(stmt: ast.AST, namespace: CfgDict) -> None:
            if not isinstance(stmt, ast.ImportFrom):
                raise NeedsExecution(stmt, "only `from ... import ...` inside `with read_base():`")
            loc = node_loc(path, stmt)
            module_path = self._lazy_module_path(stmt.module or "", stmt.level, path, loc)
            if not os.path.lexists(module_path):
                raise LoadProblem("SL902", f"base module not found: {stmt.module!r} (tried {module_path})", loc)
            result = self._load(module_path, stack, True)  # names imported from it may be read anywhere
            imported_names.update(result.imported)
            base_values = clone(result.values, config=True)  # imported bases are ConfigDicts in mmengine
            bases.append(module_path)
            chain.extend(p for p in result.chain if p not in chain)
            rebound.extend(result.rebound)
            for alias in stmt.names:
                if alias.name == "*":
                    for key, value in base_values.items():
                        if not str(key).startswith("_"):
                            namespace.set(key, value, base_values.locs.get(key))
                            imported.set(key, value, base_values.locs.get(key))
                    for key, value in (result.definitions or {}).items():
                        if not key.startswith("_") and key not in namespace:
                            namespace[key] = value
                elif alias.name in base_values:
                    name, loc = alias.asname or alias.name, base_values.locs.get(alias.name)
                    namespace.set(name, base_values[alias.name], loc)
                    imported.set(name, base_values[alias.name], loc)
                elif alias.name in (result.definitions or {}):
                    namespace[alias.asname or alias.name] = result.definitions[alias.name]  # type: ignore[index]
                else:
                    raise LoadProblem("SL907", f"cannot import name {alias.name!r} from {stmt.module!r}", loc)

        namespace = CfgDict()
        evaluator = Evaluator(path, namespace, import_hook=import_hook)
        cells = evaluator.run_file(tree.body, tree)
        values = CfgDict()
        for key, value in namespace.items():
            if str(key).startswith("__") or isinstance(value, Opaque):
                continue
            values.set(key, value, namespace.locs.get(key))
        chain.append(path)
        rebound.extend(rebound_in(values, imported, path))
        return _FileResult(values=values, bases=bases, chain=chain, lazy=True, cells=cells, rebound=tuple(rebound),
                           definitions=_definitions(namespace), imported=frozenset(imported_names | evaluator.imported))

