"""A static evaluator for the Python subset that OpenMMLab configs are written in.

It never imports, never calls a function it does not know, and never reads an attribute of
anything but the config's own values: whatever needs more raises `NeedsExecution` naming the
line. Containers it builds are `CfgDict`/`CfgList`, so every entry remembers where it was set.
"""

from __future__ import annotations

import ast
import math
import operator
import posixpath
import string
from typing import Any, Callable, Dict, Iterator, List, Optional

from schedlint.loader.values import CfgDict, CfgList, clone
from schedlint.model import Location


class NeedsExecution(Exception):
    """The config uses something only real execution could evaluate."""

    def __init__(self, node: Optional[ast.AST], reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class LoadProblem(Exception):
    """A config that cannot be resolved; `code` is the SL9xx finding it becomes."""

    def __init__(self, code: str, message: str, location: Location, related: Optional[List[Location]] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.location = location
        self.related = related or []


class ConfigError(Exception):
    """The config itself is wrong: mmengine would fail on it too (NameError, KeyError, ...)."""

    def __init__(self, node: Optional[ast.AST], reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


class Opaque:
    """A value the evaluator holds but must not look into: a module, a function, a class."""

    __slots__ = ("kind", "name")

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}>"


class ImportedName:
    """A name imported by a pure-Python (read_base) config, e.g. `LinearLR` from mmengine.

    mmengine keeps it as a LazyObject; when dumped it becomes '<module>.<name>'.
    """

    __slots__ = ("module", "name")

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImportedName) and (self.module, self.name) == (other.module, other.name)

    def __hash__(self) -> int:
        return hash((self.module, self.name))


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


_MAX_LOOP = 1_000_000

# Passed (under a key no keyword argument can have) to methods marked `wants_keyword_locations`,
# so that `cfg.update(max_epochs=24)` records where 24 was written.
_KEYWORD_LOCATIONS = "<keyword locations>"


def _safe_range(*args: Any) -> range:
    r = range(*args)
    if len(r) > _MAX_LOOP:
        raise NeedsExecution(None, f"range of {len(r)} elements is too large to evaluate")
    return r


def _to_dict(*args: Any, **kwargs: Any) -> CfgDict:
    out = CfgDict()
    if args:
        src = args[0]
        if isinstance(src, dict):
            for k, v in src.items():
                out.set(k, v, src.locs.get(k) if isinstance(src, CfgDict) else None)
        else:
            for k, v in src:
                out[k] = v
    for k, v in kwargs.items():
        out[k] = v
    return out


def _to_list(iterable: Any = ()) -> CfgList:
    if isinstance(iterable, CfgList):
        return iterable.shallow_copy()
    return CfgList(iterable)


def _isinstance(value: Any, types: Any) -> bool:
    if not isinstance(types, tuple):
        types = (types,)
    if not all(t in _SAFE_TYPES for t in types):
        raise NeedsExecution(None, "isinstance() with an unknown type")
    mapped = tuple(dict if t is _to_dict else list if t is _to_list else t for t in types)
    return isinstance(value, mapped)


def _noop_print(*args: Any, **kwargs: Any) -> None:
    return None


_SAFE_TYPES = {_to_dict, _to_list, tuple, set, frozenset, int, float, str, bool}

SAFE_BUILTINS: Dict[str, Any] = {
    "dict": _to_dict,
    "list": _to_list,
    "tuple": tuple,
    "set": set,
    "frozenset": frozenset,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "len": len,
    "range": _safe_range,
    "min": min,
    "max": max,
    "sum": sum,
    "abs": abs,
    "round": round,
    "pow": pow,
    "divmod": divmod,
    "zip": lambda *a: CfgList(zip(*a)),
    "enumerate": lambda it, start=0: CfgList(enumerate(it, start)),
    "sorted": lambda it, reverse=False: CfgList(sorted(it, reverse=reverse)),
    "reversed": lambda it: CfgList(reversed(list(it))),
    "any": any,
    "all": all,
    "isinstance": _isinstance,
    "repr": repr,
    "print": _noop_print,
    "hasattr": None,  # handled specially (only on config dicts)
}

_SAFE_MATH = {
    "pi": math.pi,
    "e": math.e,
    "inf": math.inf,
    "sqrt": math.sqrt,
    "ceil": math.ceil,
    "floor": math.floor,
    "log": math.log,
    "log2": math.log2,
    "log10": math.log10,
    "exp": math.exp,
    "cos": math.cos,
    "sin": math.sin,
    "isclose": math.isclose,
}

# Pure functions of the few standard modules configs use; nothing else of a module is reachable.
_SAFE_MODULE_ATTRS: Dict[Any, Any] = {("math", k): v for k, v in _SAFE_MATH.items()}
_SAFE_MODULE_ATTRS.update(
    {
        ("os", "path"): Opaque("module", "os.path"),
        ("copy", "deepcopy"): lambda v, memo=None: clone(v),
        ("copy", "copy"): lambda v: v.shallow_copy() if isinstance(v, (CfgDict, CfgList)) else v,
        ("os.path", "join"): posixpath.join,
        ("os.path", "basename"): posixpath.basename,
        ("os.path", "dirname"): posixpath.dirname,
        ("os.path", "splitext"): posixpath.splitext,
        ("os.path", "split"): posixpath.split,
    }
)

_STR_METHODS = {
    "format", "join", "replace", "split", "rsplit", "strip", "lstrip", "rstrip", "startswith",
    "endswith", "lower", "upper", "title", "capitalize", "zfill", "count", "find", "rfind",
    "index", "isdigit", "splitlines", "center", "ljust", "rjust", "partition", "rpartition",
}
_TUPLE_METHODS = {"index", "count"}
_NUM_METHODS = {"is_integer", "real", "imag", "bit_length"}


class _FieldFormatter(string.Formatter):
    """`str.format` without attribute lookups in replacement fields: `'{0.__class__...}'.format(x)`
    would read any attribute of anything reachable (environment variables, modules)."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        if "." in field_name:
            raise NeedsExecution(None, f"attribute lookup `{{{field_name}}}` in a format string")
        return super().get_field(field_name, args, kwargs)


_FORMATTER = _FieldFormatter()

_BINOPS: Dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_CMPOPS: Dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


_EXPR_HANDLERS: Dict[type, Callable[..., Any]] = {}  # ast node type -> Evaluator.expr_* (dispatch cache)


class Evaluator:
    """Evaluates the statements of one config file into `namespace` (a CfgDict)."""

    def __init__(
        self,
        filename: str,
        namespace: CfgDict,
        import_hook: Optional[Callable[[ast.AST, CfgDict], None]] = None,
    ) -> None:
        self.filename = filename
        self.ns = namespace
        self.scopes: List[Dict[str, Any]] = []  # comprehension scopes
        self.import_hook = import_hook  # handles `with read_base():` blocks (lazy configs)
        self.lazy = import_hook is not None

    # ---------------------------------------------------------------- helpers

    def loc(self, node: ast.AST) -> Location:
        return Location(
            self.filename,
            getattr(node, "lineno", 1),
            getattr(node, "col_offset", 0),
            getattr(node, "end_lineno", None),
            getattr(node, "end_col_offset", None),
        )

    # ---------------------------------------------------------------- statements

    def run(self, body: List[ast.stmt]) -> None:
        for stmt in body:
            self.exec_stmt(stmt)

    def exec_stmt(self, node: ast.stmt) -> None:
        method = getattr(self, "stmt_" + type(node).__name__, None)
        if method is None:
            raise NeedsExecution(node, f"`{type(node).__name__}` statements are not evaluated statically")
        try:
            method(node)
        except (NeedsExecution, ConfigError, LoadProblem, _Break, _Continue):
            raise
        except RecursionError:
            raise NeedsExecution(node, "expression nested too deeply")
        except Exception as exc:  # an error Python itself would raise while running the config
            raise ConfigError(node, f"{type(exc).__name__}: {exc}") from None

    def stmt_Expr(self, node: ast.Expr) -> None:
        self.eval(node.value)

    def stmt_Pass(self, node: ast.Pass) -> None:
        pass

    def stmt_Break(self, node: ast.Break) -> None:
        raise _Break()

    def stmt_Continue(self, node: ast.Continue) -> None:
        raise _Continue()

    def stmt_Assign(self, node: ast.Assign) -> None:
        value = self.eval(node.value)
        for target in node.targets:
            self.assign(target, value, self.loc(node.value))

    def stmt_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.assign(node.target, self.eval(node.value), self.loc(node.value))

    def stmt_AugAssign(self, node: ast.AugAssign) -> None:
        current = self.eval(_as_load(node.target))
        rhs = self.eval(node.value)
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise NeedsExecution(node, "unsupported operator")
        if isinstance(current, CfgList) and isinstance(node.op, ast.Add):
            # `lst += other` extends the same list object in place
            locs = rhs.locs if isinstance(rhs, CfgList) else [self.loc(node.value)] * len(rhs)
            current.extend(rhs)
            current.locs.extend(locs)
            return
        self.assign(node.target, op(current, rhs), self.loc(node))

    def stmt_If(self, node: ast.If) -> None:
        self.run(node.body if self.eval(node.test) else node.orelse)

    def stmt_For(self, node: ast.For) -> None:
        iterable = self.eval(node.iter)
        self._check_iterable(iterable, node.iter)
        broke = False
        for count, item in enumerate(list(iterable)):
            if count > _MAX_LOOP:
                raise NeedsExecution(node, "loop too long to evaluate")
            self.assign(node.target, item, self.loc(node.target))
            try:
                self.run(node.body)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke:
            self.run(node.orelse)

    def stmt_While(self, node: ast.While) -> None:
        count = 0
        while self.eval(node.test):
            count += 1
            if count > _MAX_LOOP:
                raise NeedsExecution(node, "loop too long to evaluate")
            try:
                self.run(node.body)
            except _Break:
                return
            except _Continue:
                continue
        self.run(node.orelse)

    def stmt_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.ns.remove(target.id)
            elif isinstance(target, ast.Subscript):
                obj = self.eval(target.value)
                key = self.eval(target.slice)
                if isinstance(obj, CfgDict):
                    obj.remove(key)
                elif isinstance(obj, CfgList) and isinstance(key, int):
                    del obj[key]
                    del obj.locs[key]
                else:
                    raise NeedsExecution(node, "del on this value is not evaluated statically")
            elif isinstance(target, ast.Attribute):
                obj = self.eval(target.value)
                if not isinstance(obj, CfgDict):
                    raise NeedsExecution(node, "del of an attribute is not evaluated statically")
                obj.remove(target.attr)
            else:
                raise NeedsExecution(node, "del target is not evaluated statically")

    def stmt_Assert(self, node: ast.Assert) -> None:
        if not self.eval(node.test):
            raise ConfigError(node, "AssertionError: assertion in the config failed")

    def stmt_Import(self, node: ast.Import) -> None:
        if self.lazy:
            raise NeedsExecution(node, "plain `import` in a pure-Python config")
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            self.ns[bound] = Opaque("module", alias.name)  # dropped from the result, like mmengine

    def stmt_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                raise NeedsExecution(node, f"`from {module} import *` outside `with read_base():`")
            bound = alias.asname or alias.name
            if self.lazy:
                self.ns.set(bound, ImportedName(module, alias.name), self.loc(node))
            else:
                self.ns[bound] = Opaque("module", f"{module}.{alias.name}")

    def stmt_With(self, node: ast.With) -> None:
        expr = node.items[0].context_expr if node.items else None
        is_read_base = (
            isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "read_base"
        )
        if not is_read_base or self.import_hook is None:
            raise NeedsExecution(node, "only `with read_base():` is understood")
        for stmt in node.body:
            self.import_hook(stmt, self.ns)

    def stmt_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.ns[node.name] = Opaque("function", node.name)

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, node: ast.ClassDef) -> None:
        self.ns[node.name] = Opaque("class", node.name)

    # ---------------------------------------------------------------- assignment

    def assign(self, target: ast.AST, value: Any, loc: Location) -> None:
        if isinstance(target, ast.Name):
            if self.scopes:
                self.scopes[-1][target.id] = value
            else:
                self.ns.set(target.id, value, loc)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value)
        elif isinstance(target, ast.Subscript):
            obj = self.eval(target.value)
            key = self.eval(target.slice)
            self._setitem(target, obj, key, value, loc)
        elif isinstance(target, ast.Attribute):
            obj = self.eval(target.value)
            if not isinstance(obj, CfgDict):
                raise NeedsExecution(target, "attribute assignment on something that is not a config dict")
            obj.set(target.attr, _hook(value) if obj.config else value, loc)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, loc)
        else:
            raise NeedsExecution(target, "assignment target is not evaluated statically")

    def _unpack(self, target: ast.AST, value: Any) -> None:
        items = list(value)
        elts = target.elts  # type: ignore[attr-defined]
        star = [i for i, e in enumerate(elts) if isinstance(e, ast.Starred)]
        if star:
            s = star[0]
            after = len(elts) - s - 1
            parts = items[:s] + [CfgList(items[s : len(items) - after])] + items[len(items) - after :]
        else:
            if len(items) != len(elts):
                raise ConfigError(target, f"ValueError: cannot unpack {len(items)} values into {len(elts)}")
            parts = items
        for elt, part in zip(elts, parts):
            self.assign(elt, part, self.loc(elt))

    def _setitem(self, node: ast.AST, obj: Any, key: Any, value: Any, loc: Location) -> None:
        if isinstance(obj, CfgDict):
            obj.set(key, _hook(value) if obj.config else value, loc)
        elif isinstance(obj, CfgList):
            if isinstance(key, slice):
                obj[key] = value
                obj.sync_locs()
            else:
                obj[key] = value
                obj.locs[key] = loc
        elif isinstance(obj, (dict, list)):
            obj[key] = value
        else:
            raise NeedsExecution(node, f"item assignment on a {type(obj).__name__}")

    # ---------------------------------------------------------------- expressions

    def eval(self, node: ast.AST) -> Any:
        handler = _EXPR_HANDLERS.get(type(node))
        if handler is None:
            handler = getattr(Evaluator, "expr_" + type(node).__name__, None)
            if handler is None:
                raise NeedsExecution(node, f"`{type(node).__name__}` expressions are not evaluated statically")
            _EXPR_HANDLERS[type(node)] = handler
        return handler(self, node)

    def expr_Constant(self, node: ast.Constant) -> Any:
        return node.value

    def expr_Name(self, node: ast.Name) -> Any:
        name = node.id
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.ns:
            return self.ns[name]
        if name in SAFE_BUILTINS and SAFE_BUILTINS[name] is not None:
            return SAFE_BUILTINS[name]
        if name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        raise ConfigError(node, f"NameError: name '{name}' is not defined")

    def expr_List(self, node: ast.List) -> CfgList:
        out = CfgList()
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                src = self.eval(elt.value)
                for i, v in enumerate(src):
                    out.add(v, src.locs[i] if isinstance(src, CfgList) else self.loc(elt))
            else:
                out.add(self.eval(elt), self.loc(elt))
        return out

    def expr_Tuple(self, node: ast.Tuple) -> tuple:
        out: List[Any] = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                out.extend(self.eval(elt.value))
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
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise NeedsExecution(node, "unsupported operator")
        if isinstance(node.op, ast.Pow) and isinstance(right, (int, float)) and abs(right) > 10_000:
            raise NeedsExecution(node, "exponent too large to evaluate")
        if isinstance(node.op, ast.Mult):
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > _MAX_LOOP:
                    raise NeedsExecution(node, "sequence too large to evaluate")
        try:
            result = op(left, right)
        except Exception as exc:
            raise ConfigError(node, f"{type(exc).__name__}: {exc}") from None
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
            return -value
        if isinstance(node.op, ast.UAdd):
            return +value
        if isinstance(node.op, ast.Invert):
            return ~value
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
            if not _CMPOPS[type(op_node)](left, right):
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
        return format(value, spec)

    def expr_Subscript(self, node: ast.Subscript) -> Any:
        obj = self.eval(node.value)
        key = self.eval(node.slice)
        if isinstance(obj, (Opaque, ImportedName)):
            raise NeedsExecution(node, f"subscript of {obj!r}")
        try:
            result = obj[key]
        except KeyError:
            raise ConfigError(node, f"KeyError: {key!r}") from None
        except Exception as exc:
            raise ConfigError(node, f"{type(exc).__name__}: {exc}") from None
        if isinstance(key, slice) and isinstance(obj, CfgList):
            return CfgList(result, obj.locs[key])
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
            method = _dict_method(obj, attr)
            if method is not None:
                return method
            if attr in obj:
                return obj[attr]
            raise ConfigError(node, f"AttributeError: config dict has no key '{attr}'")
        if isinstance(obj, CfgList):
            method = _list_method(obj, attr)
            if method is not None:
                return method
        elif isinstance(obj, str) and attr == "format":
            return lambda *args, **kwargs: _FORMATTER.format(obj, *args, **kwargs)
        elif isinstance(obj, str) and attr in _STR_METHODS:
            return getattr(obj, attr)
        elif isinstance(obj, tuple) and attr in _TUPLE_METHODS:
            return getattr(obj, attr)
        elif isinstance(obj, (int, float)) and not isinstance(obj, bool) and attr in _NUM_METHODS:
            return getattr(obj, attr)
        elif isinstance(obj, Opaque) and obj.kind == "module" and (obj.name, attr) in _SAFE_MODULE_ATTRS:
            return _SAFE_MODULE_ATTRS[(obj.name, attr)]
        elif isinstance(obj, ImportedName):
            return ImportedName(str(obj), attr)
        raise NeedsExecution(node, f"attribute `{attr}` of {_describe(obj)}")

    def expr_Call(self, node: ast.Call) -> Any:
        func = self.eval(node.func)
        args: List[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                args.extend(self.eval(a.value))
            else:
                args.append(self.eval(a))
        if func is _to_dict:
            return self._call_dict(node, args)
        kwargs: Dict[str, Any] = {}
        keyword_locations: Dict[str, Location] = {}
        for kw in node.keywords:
            if kw.arg is None:
                src = self.eval(kw.value)
                if not isinstance(src, dict):
                    raise ConfigError(kw.value, "TypeError: argument after ** must be a mapping")
                kwargs.update(src)
                if isinstance(src, CfgDict):
                    keyword_locations.update(src.locs)
            else:
                kwargs[kw.arg] = self.eval(kw.value)
                keyword_locations[kw.arg] = self.loc(kw.value)
        if getattr(func, "wants_keyword_locations", False):
            kwargs[_KEYWORD_LOCATIONS] = keyword_locations
        if isinstance(func, (Opaque, ImportedName)) or not callable(func):
            if isinstance(func, ImportedName) and self.lazy:
                raise NeedsExecution(node, f"call of imported `{func}`")
            raise NeedsExecution(node, f"call of {_describe(func)}")
        try:
            result = func(*args, **kwargs)
        except LoadProblem:
            raise
        except (NeedsExecution, ConfigError) as exc:
            if exc.node is None:
                exc.node = node
            raise
        except Exception as exc:
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
        self._check_iterable(iterable, comp.iter)
        for item in list(iterable):
            self.assign(comp.target, item, self.loc(comp.target))
            if all(self.eval(cond) for cond in comp.ifs):
                yield from self._gen(generators, i + 1)

    def expr_ListComp(self, node: ast.ListComp) -> CfgList:
        out = CfgList()
        for _ in self._comprehension(node.generators):
            out.add(self.eval(node.elt), self.loc(node.elt))
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

    def _check_iterable(self, value: Any, node: ast.AST) -> None:
        if isinstance(value, (Opaque, ImportedName)):
            raise NeedsExecution(node, f"iteration over {_describe(value)}")


def _as_load(target: ast.AST) -> ast.AST:
    """The same target as an expression to read (for `x += 1`)."""
    return target


def _describe(value: Any) -> str:
    if isinstance(value, Opaque):
        return f"{value.kind} `{value.name}`"
    if isinstance(value, ImportedName):
        return f"imported `{value}`"
    return f"a {type(value).__name__}"


def _dict_method(obj: CfgDict, attr: str) -> Optional[Callable[..., Any]]:
    if attr == "get":
        return obj.get
    if attr == "keys":
        return lambda: CfgList(obj.keys())
    if attr == "values":
        return lambda: CfgList(obj.values())
    if attr == "items":
        return lambda: CfgList(obj.items())
    if attr == "copy":
        return obj.shallow_copy
    if attr == "update":

        def update(*args: Any, **kwargs: Any) -> None:
            keyword_locations = kwargs.pop(_KEYWORD_LOCATIONS, {})
            if len(args) > 1:
                raise TypeError(f"update expected at most 1 argument, got {len(args)}")
            for src in args + (kwargs,):
                items = src.items() if isinstance(src, dict) else src
                for k, v in items:
                    if isinstance(src, CfgDict):
                        loc = src.locs.get(k)
                    else:
                        loc = keyword_locations.get(k) if src is kwargs else None
                    if obj.config:
                        _config_dict_update(obj, k, v, loc)
                    else:
                        obj.set(k, v, loc)

        update.wants_keyword_locations = True  # type: ignore[attr-defined]
        return update
    if attr == "pop":

        def pop(key: Any, *default: Any) -> Any:
            if key in obj:
                return obj.remove(key)
            if default:
                return default[0]
            if obj.config:
                return None  # ConfigDict.pop(key, default=None)
            raise KeyError(key)

        return pop
    if attr == "merge" and obj.config:

        def merge(other: Any) -> None:
            """mmengine >= 0.8 `ConfigDict.merge`: dicts merge key by key (`_delete_` replaces), the rest replaces."""
            if not isinstance(other, dict):
                raise TypeError(f"merge expects a dict, got {type(other).__name__}")
            _config_dict_merge(obj, other)

        return merge
    if attr == "setdefault":

        def setdefault(key: Any, default: Any = None) -> Any:
            if key not in obj:
                obj.set(key, default, None)
            return obj[key]

        return setdefault
    return None


def _config_dict_update(obj: CfgDict, key: Any, value: Any, loc: Optional[Location]) -> None:
    """One entry of mmengine's `ConfigDict.update`: a dict over a dict merges key by key (recursively),
    anything else replaces."""
    current = obj.get(key)
    if key in obj and isinstance(current, CfgDict) and isinstance(value, dict):
        for k, v in value.items():
            _config_dict_update(current, k, v, value.locs.get(k) if isinstance(value, CfgDict) else None)
    else:
        obj.set(key, _hook(value), loc)


def _config_dict_merge(obj: CfgDict, other: dict) -> None:
    """mmengine's `ConfigDict.merge(other)` (`_merge_a_into_b`) on a resolved ConfigDict, in place."""
    if other.get(_DELETE):
        for key in list(obj.keys()):
            obj.remove(key)
    for key, value in other.items():
        if key == _DELETE:
            continue
        loc = other.locs.get(key) if isinstance(other, CfgDict) else None
        current = obj.get(key)
        if isinstance(value, dict) and isinstance(current, CfgDict) and not value.get(_DELETE):
            _config_dict_merge(current, value)
        else:
            if isinstance(value, dict) and _DELETE in value:
                value = CfgDict({k: v for k, v in value.items() if k != _DELETE})
            obj.set(key, _hook(value), loc)


_DELETE = "_delete_"


def _hook(value: Any) -> Any:
    """What an mmengine `ConfigDict` stores when given `value` (`ConfigDict._hook`): a plain dict
    becomes a new ConfigDict, lists and tuples are rebuilt, ConfigDicts are stored as they are."""
    if isinstance(value, CfgDict):
        if value.config:
            return value
        new = CfgDict()
        new.config = True
        for k, v in value.items():
            new.set(k, _hook(v), value.locs.get(k))
        return new
    if isinstance(value, CfgList):
        return CfgList([_hook(v) for v in value], value.locs)
    if isinstance(value, tuple):
        return tuple(_hook(v) for v in value)
    return value


def _list_method(obj: CfgList, attr: str) -> Optional[Callable[..., Any]]:
    if attr == "append":
        return lambda v: obj.add(v, None)
    if attr == "extend":

        def extend(values: Any) -> None:
            locs = values.locs if isinstance(values, CfgList) else [None] * len(list(values))
            obj.extend(values)
            obj.locs.extend(locs)

        return extend
    if attr == "insert":

        def insert(i: int, v: Any) -> None:
            obj.insert(i, v)
            obj.locs.insert(i, None)

        return insert
    if attr == "pop":

        def pop(i: int = -1) -> Any:
            obj.locs.pop(i)
            return list.pop(obj, i)

        return pop
    if attr == "copy":
        return obj.shallow_copy
    if attr in ("index", "count"):
        return getattr(obj, attr)
    if attr in ("reverse", "sort", "remove", "clear"):

        def mutate(*args: Any, **kwargs: Any) -> None:
            getattr(list, attr)(obj, *args, **kwargs)
            obj.sync_locs()

        return mutate
    return None
