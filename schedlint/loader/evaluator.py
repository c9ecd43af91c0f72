"""A static evaluator for the Python subset that OpenMMLab configs are written in.

It never imports, never calls a function it does not know, and never reads an attribute of
anything but the config's own values: whatever needs more raises `NeedsExecution` naming the
line. Containers it builds are `CfgDict`/`CfgList`, so every entry remembers where it was set.
All work is charged to a per-file `Budget` (see `budget.py`).
"""

from __future__ import annotations

import ast
import builtins
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from schedlint.loader import budget
from schedlint.loader.errors import describe as _describe
from schedlint.loader.errors import (
    BudgetExceeded,
    ConfigError,
    EvaluatorBug,
    ImportedName,
    LoadProblem,
    LoopBreak,
    LoopContinue,
    NeedsExecution,
    Opaque,
)
from schedlint.loader.safe import (
    CMPOPS,
    BINOPS,
    KEYWORD_LOCATIONS,
    NUM_METHODS,
    SAFE_BUILTINS,
    SAFE_MODULE_ATTRS,
    TUPLE_METHODS,
    dict_method,
    list_method,
    str_method,
    _safe_format,
    _to_dict,
)
from schedlint.loader.statements import USER_ERRORS, Statements
from schedlint.loader.values import CfgDict, CfgList, Unevaluated, plain
from schedlint.model import Location

__all__ = [
    "BudgetExceeded", "ConfigError", "Evaluator", "EvaluatorBug", "ImportedName", "LoadProblem", "LoopBreak",
    "LoopContinue", "NeedsExecution", "Opaque", "SAFE_BUILTINS",
]

_EXPR_HANDLERS: Dict[type, Callable[..., Any]] = {}  # ast node type -> Evaluator.expr_* (dispatch cache)
_PYTHON_BUILTINS = frozenset(dir(builtins))
#: expressions whose result may be large: checked against the budget
_CHECKED = frozenset({ast.BinOp, ast.Call, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp,
                      ast.DictComp, ast.GeneratorExp, ast.JoinedStr, ast.Subscript})


class Evaluator(Statements):
    """Evaluates the statements of one config file into `namespace` (a CfgDict)."""

    def __init__(
        self,
        filename: str,
        namespace: CfgDict,
        import_hook: Optional[Callable[[ast.AST, CfgDict], None]] = None,
        cost: Optional[budget.Budget] = None,
    ) -> None:
        self.filename = filename
        self.ns = namespace
        self.scopes: List[Dict[str, Any]] = []  # comprehension scopes
        self.import_hook = import_hook  # handles `with read_base():` blocks (lazy configs)
        self.lazy = import_hook is not None
        self.budget = cost or budget.Budget()
        self.read_base = False  # whether `_base_` was read by name (its values may be copied anywhere)
        self.imported: set = set()  # names bound by import statements (lazy configs: mmengine's imported names)

    # ---------------------------------------------------------------- helpers

    def loc(self, node: ast.AST) -> Location:
        try:
            return Location(self.filename, node.lineno, node.col_offset, node.end_lineno,  # type: ignore[attr-defined]
                            node.end_col_offset)  # type: ignore[attr-defined]
        except AttributeError:  # a node without a position (e.g. a comprehension clause)
            return Location(
                self.filename,
                getattr(node, "lineno", 1),
                getattr(node, "col_offset", 0),
                getattr(node, "end_lineno", None),
                getattr(node, "end_col_offset", None),
            )

    def run(self, body: List[ast.stmt], deferred: Optional[Set[ast.stmt]] = None) -> None:
        """Run `body`; the top-level assignments in `deferred` bind their name to an `Unevaluated`."""
        for stmt in body:
            if deferred and stmt in deferred:
                name = stmt.targets[0].id  # type: ignore[attr-defined]
                self.ns.set(name, Unevaluated(name), self.loc(stmt.value))  # type: ignore[attr-defined]
                continue
            self.exec_stmt(stmt)

    def run_file(self, body: List[ast.stmt], tree: ast.Module, skip: Optional[str] = None,
                 deferred: Optional[Set[ast.stmt]] = None) -> int:
        """Run a file's statements (see `run`) and measure the namespace they leave (but its `skip`
        entry); returns that size. What stops it becomes a load problem at the line where it stopped.

        `EvaluatorBug` (a bug in schedlint) is not a load problem: it reaches the lint engine (SL999).
        """
        try:
            self.run(body, deferred)
            ns = self.ns
            return self.budget.check({k: v for k, v in ns.items() if k != skip} if skip in ns else ns, tree)
        except NeedsExecution as exc:
            raise LoadProblem("SL904", f"needs execution: {exc.reason}", self.loc(exc.node or tree)) from None
        except ConfigError as exc:
            raise LoadProblem("SL907", f"config error: {exc.reason}", self.loc(exc.node or tree)) from None
        except BudgetExceeded as exc:
            raise LoadProblem("SL908", f"resource limit: {exc.reason}", self.loc(exc.node or tree)) from None
        except RecursionError:
            raise LoadProblem("SL908", "resource limit: nested too deeply to evaluate", self.loc(tree)) from None
        except MemoryError:
            raise LoadProblem("SL908", "resource limit: out of memory while evaluating", self.loc(tree)) from None

    def apply(self, node: ast.AST, func: Callable[..., Any], *args: Any) -> Any:
        """`func(*args)` for an operation of the config: Python's own errors become ConfigError."""
        try:
            return func(*args)
        except (NeedsExecution, ConfigError, LoadProblem, BudgetExceeded, EvaluatorBug):
            raise
        except RecursionError:
            raise BudgetExceeded(node, "value nested too deeply") from None
        except USER_ERRORS as exc:
            raise ConfigError(node, f"{type(exc).__name__}: {exc}") from None

    def iterate(self, value: Any, node: ast.AST) -> List[Any]:
        """The items of an iterable of the config, bounded."""
        if isinstance(value, (Opaque, ImportedName)):
            raise NeedsExecution(node, f"iteration over {_describe(value)}")
        if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset, range)):
            budget.check_length(len(value), "list", node)
        items = self.apply(node, list, value)
        self.budget.step(node, len(items) // 16)
        return items

    # ---------------------------------------------------------------- expressions

    def eval(self, node: ast.AST) -> Any:
        if type(node) is ast.Constant:  # the commonest node: one step, nothing to check
            cost = self.budget
            cost.steps += 1
            if cost.steps > budget.MAX_STEPS:
                cost.step(node)
            return node.value  # type: ignore[attr-defined]
        handler = _EXPR_HANDLERS.get(type(node))
        if handler is None:
            handler = getattr(Evaluator, "expr_" + type(node).__name__, None)
            if handler is None:
                raise NeedsExecution(node, f"`{type(node).__name__}` expressions are not evaluated statically")
            _EXPR_HANDLERS[type(node)] = handler
        cost = self.budget
        cost.steps += 1
        if cost.steps > budget.MAX_STEPS:
            cost.step(node)
        cost.depth += 1
        try:
            if cost.depth > budget.MAX_EXPR_DEPTH:
                raise BudgetExceeded(node, f"expression nested more than {budget.MAX_EXPR_DEPTH} levels deep")
            value = handler(self, node)
        finally:
            cost.depth -= 1
        if type(node) in _CHECKED:
            cost.check(value, node)
        return value

    def expr_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def expr_Name(self, node: ast.Name) -> Any:
        name = node.id
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.ns:
            value = self.ns[name]
            if name == "_base_":
                self.read_base = True
            elif type(value) is Unevaluated:
                raise NeedsExecution(node, f"`{name}` was not evaluated")
            return value
        if name in SAFE_BUILTINS and SAFE_BUILTINS[name] is not None:
            return SAFE_BUILTINS[name]
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        if name in _PYTHON_BUILTINS:  # mmengine would find it; this evaluator does not run it
            raise NeedsExecution(node, f"builtin `{name}` is not evaluated statically")
        raise ConfigError(node, f"NameError: name '{name}' is not defined")

    def expr_List(self, node: ast.List) -> CfgList:
        out = CfgList()
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                src = self.eval(elt.value)
                self._check_unpacked(src, elt.value)
                for i, v in enumerate(src):
                    out.add(v, src.locs[i] if isinstance(src, CfgList) else self.loc(elt))
            else:
                out.add(self.eval(elt), self.loc(elt))
        return out

    def expr_Tuple(self, node: ast.Tuple) -> tuple:
        out: List[Any] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                value = self.eval(elt.value)
                self._check_unpacked(value, elt.value)
                out.extend(value)
            else:
                out.append(self.eval(elt))
        return tuple(out)

    def expr_Set(self, node: ast.Set) -> set:
        return set(self.expr_Tuple(node))  # type: ignore[arg-type]

    def expr_Dict(self, node: ast.Dict) -> CfgDict:
        out = CfgDict()
        for key_node, value_node in zip(node.keys, node.values):
            if key_node is None:  # {**other}
                src = self.eval(value_node)
                self._merge_kwargs(out, src, value_node)
            else:
                out.set(self.eval(key_node), self.eval(value_node), self.loc(value_node))
        return out

    def _merge_kwargs(self, out: CfgDict, src: Any, node: ast.AST) -> None:
        self._check_unpacked(src, node)
        if not isinstance(src, dict):
            raise ConfigError(node, f"TypeError: '{type(src).__name__}' object is not a mapping")
        for k, v in src.items():
            loc = src.locs.get(k) if isinstance(src, CfgDict) else None
            out.set(k, v, loc or self.loc(node))

    def expr_BinOp(self, node: ast.BinOp) -> Any:
        left = self.eval(node.left)
        right = self.eval(node.right)
        self._check_operand(left, node.left)
        self._check_operand(right, node.right)
        op = BINOPS.get(type(node.op))
        if op is None:
            raise NeedsExecution(node, "unsupported operator")
        budget.predict_binop(type(node.op).__name__, left, right, node)
        result = self.apply(node, op, left, right)
        if isinstance(result, list) and not isinstance(result, CfgList):
            locs: List[Optional[Location]] = []
            if isinstance(node.op, ast.Add):
                for part in (left, right):
                    locs.extend(part.locs if isinstance(part, CfgList) else [None] * len(part))
            result = CfgList(result, locs if len(locs) == len(result) else None)
        return result

    def expr_UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not value
        self._check_operand(value, node.operand)
        if isinstance(node.op, ast.USub):
            return self.apply(node, lambda v: -v, value)
        if isinstance(node.op, ast.UAdd):
            return self.apply(node, lambda v: +v, value)
        if isinstance(node.op, ast.Invert):
            return self.apply(node, lambda v: ~v, value)
        raise NeedsExecution(node, "unsupported operator")

    def expr_BoolOp(self, node: ast.BoolOp) -> Any:
        value: Any = None
        for sub in node.values:
            value = self.eval(sub)
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value

    def expr_Compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op_node, comp in zip(node.ops, node.comparators):
            right = self.eval(comp)
            if isinstance(op_node, (ast.In, ast.NotIn)):
                self._check_operand(right, comp)
            if not self.apply(node, CMPOPS[type(op_node)], left, right):
                return False
            left = right
        return True

    def expr_IfExp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if self.eval(node.test) else self.eval(node.orelse)

    def expr_JoinedStr(self, node: ast.JoinedStr) -> str:
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                parts.append(self.expr_FormattedValue(value))  # type: ignore[arg-type]
        return "".join(parts)

    def expr_FormattedValue(self, node: ast.FormattedValue) -> str:
        value = self.eval(node.value)
        self._check_operand(value, node.value)
        if node.conversion == ord("r"):
            value = repr(value)
        elif node.conversion == ord("s"):
            value = str(value)
        elif node.conversion == ord("a"):
            value = ascii(value)
        spec = self.expr_JoinedStr(node.format_spec) if node.format_spec is not None else ""  # type: ignore[arg-type]
        return self.apply(node, _safe_format, value, spec)

    def expr_Subscript(self, node: ast.Subscript) -> Any:
        obj = self.eval(node.value)
        key = self.eval(node.slice)
        if isinstance(obj, (Opaque, ImportedName)):
            raise NeedsExecution(node, f"subscript of {obj!r}")
        try:
            result = obj[key]
        except KeyError:
            raise ConfigError(node, f"KeyError: {key!r}") from None
        except USER_ERRORS as exc:
            raise ConfigError(node, f"{type(exc).__name__}: {exc}") from None
        if isinstance(key, slice) and isinstance(obj, CfgList):
            return CfgList(result, obj.locs[key])
        if type(result) is Unevaluated:
            raise NeedsExecution(node, f"`{key}` was not evaluated")
        return result

    def expr_Slice(self, node: ast.Slice) -> slice:
        return slice(
            self.eval(node.lower) if node.lower else None,
            self.eval(node.upper) if node.upper else None,
            self.eval(node.step) if node.step else None,
        )

    def expr_Index(self, node: Any) -> Any:  # Python < 3.9
        return self.eval(node.value)

    def expr_Starred(self, node: ast.Starred) -> Any:
        raise NeedsExecution(node, "starred expression in this position")

    def expr_Lambda(self, node: ast.Lambda) -> Opaque:
        return Opaque("function", "<lambda>")

    def expr_Attribute(self, node: ast.Attribute) -> Any:
        obj = self.eval(node.value)
        attr = node.attr
        if attr.startswith("_"):
            raise NeedsExecution(node, f"access to attribute `{attr}`")
        if isinstance(obj, CfgDict):
            method = dict_method(obj, attr)
            if method is not None:
                return method
            if attr in obj:
                value = obj[attr]
                if type(value) is Unevaluated:
                    raise NeedsExecution(node, f"`{attr}` was not evaluated")
                return value
            raise ConfigError(node, f"AttributeError: config dict has no key '{attr}'")
        if isinstance(obj, CfgList):
            method = list_method(obj, attr)
            if method is not None:
                return method
        elif isinstance(obj, str) and str_method(obj, attr) is not None:
            return str_method(obj, attr)
        elif isinstance(obj, tuple) and attr in TUPLE_METHODS:
            return getattr(obj, attr)
        elif isinstance(obj, (int, float)) and not isinstance(obj, bool) and attr in NUM_METHODS:
            return getattr(obj, attr)
        elif isinstance(obj, Opaque) and obj.kind == "module" and (obj.name, attr) in SAFE_MODULE_ATTRS:
            return SAFE_MODULE_ATTRS[(obj.name, attr)]
        elif isinstance(obj, ImportedName):
            return ImportedName(str(obj), attr)
        plain = list if isinstance(obj, CfgList) else type(obj)
        if plain in (list, str, tuple, int, float, bool, type(None)) and not hasattr(plain, attr):
            # what no execution can make work (`vis_backends.update(...)` on a list): Python's own error
            raise ConfigError(node, f"AttributeError: '{plain.__name__}' object has no attribute '{attr}'")
        raise NeedsExecution(node, f"attribute `{attr}` of {_describe(obj)}")

    def expr_Call(self, node: ast.Call) -> Any:
        func = self.eval(node.func)
        args: List[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.iterate(self.eval(a.value), a))
            else:
                args.append(self.eval(a))
        if func is _to_dict:
            return self._call_dict(node, args)
        kwargs: Dict[str, Any] = {}
        keyword_locations: Dict[str, Location] = {}
        for kw in node.keywords:
            if kw.arg is None:
                src = self.eval(kw.value)
                self._check_unpacked(src, kw.value)
                if not isinstance(src, dict):
                    raise ConfigError(kw.value, "TypeError: argument after ** must be a mapping")
                kwargs.update(src)
                if isinstance(src, CfgDict):
                    keyword_locations.update(src.locs)
            else:
                kwargs[kw.arg] = self.eval(kw.value)
                keyword_locations[kw.arg] = self.loc(kw.value)
        if getattr(func, "wants_keyword_locations", False):
            kwargs[KEYWORD_LOCATIONS] = keyword_locations
        if isinstance(func, (Opaque, ImportedName)) or not callable(func):
            if isinstance(func, ImportedName) and self.lazy:
                raise NeedsExecution(node, f"call of imported `{func}`")
            raise NeedsExecution(node, f"call of {_describe(func)}")
        self.budget.forget()  # a method may mutate values already measured
        try:
            result = func(*args, **kwargs)
        except (LoadProblem, EvaluatorBug):
            raise
        except (NeedsExecution, ConfigError, BudgetExceeded) as exc:
            if exc.node is None:
                exc.node = node
            raise
        except TypeError as exc:  # often a signature this evaluator does not model (e.g. a `key=`)
            raise NeedsExecution(node, f"call not evaluated statically ({exc})") from None
        except RecursionError:
            raise BudgetExceeded(node, "value nested too deeply") from None
        except USER_ERRORS as exc:
            raise ConfigError(node, f"{type(exc).__name__}: {exc}") from None
        if isinstance(result, list) and not isinstance(result, CfgList):
            return CfgList(result)
        if isinstance(result, dict) and not isinstance(result, CfgDict):
            return _to_dict(result)
        return result

    def _call_dict(self, node: ast.Call, args: List[Any]) -> CfgDict:
        if len(args) > 1:
            raise ConfigError(node, "TypeError: dict expected at most 1 argument")
        out = _to_dict(*args) if args else CfgDict()
        if args and not isinstance(args[0], CfgDict):
            for k in out:
                out.locs[k] = self.loc(node.args[0])
        for kw in node.keywords:
            if kw.arg is None:
                self._merge_kwargs(out, self.eval(kw.value), kw.value)
            else:
                out.set(kw.arg, self.eval(kw.value), self.loc(kw.value))
        return out

    # comprehensions ---------------------------------------------------------

    def _comprehension(self, generators: List[ast.comprehension]) -> Iterator[None]:
        self.scopes.append({})
        try:
            yield from self._gen(generators, 0)
        finally:
            self.scopes.pop()

    def _gen(self, generators: List[ast.comprehension], i: int) -> Iterator[None]:
        if i == len(generators):
            yield None
            return
        comp = generators[i]
        iterable = self.eval(comp.iter)
        for item in self.iterate(iterable, comp.iter):
            self.budget.step(comp)
            self.assign(comp.target, item, self.loc(comp.target))
            if all(self.eval(cond) for cond in comp.ifs):
                yield from self._gen(generators, i + 1)

    def expr_ListComp(self, node: ast.ListComp) -> CfgList:
        out = CfgList()
        for _ in self._comprehension(node.generators):
            out.add(self.eval(node.elt), self.loc(node.elt))
            if len(out) > budget.MAX_LEN:
                budget.check_length(len(out), "list", node)
        return out

    def expr_GeneratorExp(self, node: ast.GeneratorExp) -> CfgList:
        return self.expr_ListComp(node)  # type: ignore[arg-type]

    def expr_SetComp(self, node: ast.SetComp) -> set:
        return {self.eval(node.elt) for _ in self._comprehension(node.generators)}

    def expr_DictComp(self, node: ast.DictComp) -> CfgDict:
        out = CfgDict()
        for _ in self._comprehension(node.generators):
            out.set(self.eval(node.key), self.eval(node.value), self.loc(node.value))
        return out

    # checks -----------------------------------------------------------------

    def _check_operand(self, value: Any, node: ast.AST) -> None:
        if isinstance(value, (Opaque, ImportedName)):
            raise NeedsExecution(node, f"operation on {_describe(value)}")

    @staticmethod
    def _check_unpacked(value: Any, node: ast.AST) -> None:
        """`**x` / `*x` of a value only execution knows (an imported name: a real module's dict under mmcv 1.x
        and classic configs, which run the import): a config that needs execution, not a config error."""
        if isinstance(value, (Opaque, ImportedName)):
            raise NeedsExecution(node, f"unpacking of {_describe(value)}")






def base_value(path: str, tree: ast.Module, stmt: ast.stmt) -> Tuple[Any, Optional[str]]:
    """The value of the file's `_base_` assignment `stmt`, and None, or the NameError mmengine raises on it
    when it reads names the file sets above it (read then as mmcv 1.x reads it). mmengine evaluates the
    expression on its own (`'a_' + 'b.py'` is fine); mmcv 1.x runs the file first."""
    value = stmt.value  # type: ignore[attr-defined]
    try:
        return ast.literal_eval(value), None
    except (ValueError, TypeError, SyntaxError, RecursionError):
        pass
    try:
        return plain(Evaluator(path, CfgDict()).eval(value)), None
    except ConfigError as exc:
        return plain(_base_with_names(path, tree, stmt)), exc.reason


def _base_with_names(path: str, tree: ast.Module, stmt: ast.stmt) -> Any:
    """The value of `_base_` as mmcv 1.x reads it: it runs the whole file first, so `_base_` may name strings
    the file set above it (`_base_ = [f"{mmdet_base}/models/...", ...]`, SoftTeacher). Only the plain
    top-level assignments above `_base_` are evaluated, each on its own (one that fails is left out).
    Raises what evaluating `_base_` raises when a name it needs is still missing."""
    namespace = CfgDict()
    evaluator = Evaluator(path, namespace)
    for before in tree.body:
        if before is stmt:
            break
        if isinstance(before, ast.Assign) and len(before.targets) == 1 and isinstance(before.targets[0], ast.Name):
            try:
                namespace[before.targets[0].id] = evaluator.eval(before.value)
            except (NeedsExecution, ConfigError, TypeError, ValueError, ArithmeticError):
                continue
    return evaluator.eval(stmt.value)  # type: ignore[attr-defined]
