"""What a config may call: safe builtins, pure functions of a few standard modules, and the methods
of config dicts, lists, strings and numbers, each bounded by the per-file budget."""

from __future__ import annotations

import ast
import math
import operator
import posixpath
import string
from typing import Any, Callable, Dict, Optional

from schedlint.loader import budget
from schedlint.loader.errors import ConfigError, NeedsExecution, Opaque
from schedlint.loader.values import CfgDict, CfgList, Unevaluated, clone
from schedlint.model import Location

# Passed (under a key no keyword argument can have) to methods marked `wants_keyword_locations`,
# so that `cfg.update(max_epochs=24)` records where 24 was written.
KEYWORD_LOCATIONS = "<keyword locations>"


def _safe_range(*args: Any) -> range:
    r = range(*args)
    budget.check_length(len(r), "range")
    return r


def _safe_sum(iterable: Any, start: Any = 0) -> Any:
    """`sum`, linear and bounded also for lists, tuples and strings (`sum(lists, [])`)."""
    items = list(iterable)
    if isinstance(start, (list, tuple, str, bytes)):
        total = len(start) + sum(len(i) for i in items if isinstance(i, (list, tuple, str, bytes)))
        budget.check_length(total, "string" if isinstance(start, (str, bytes)) else "list")
        if isinstance(start, list):
            out = CfgList(start)
            for item in items:
                if not isinstance(item, list):
                    raise TypeError(f'can only concatenate list (not "{type(item).__name__}") to list')
                out.extend(item)
            out.sync_locs()
            return out
    else:
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                budget.check_int_bits(item.bit_length())
    return sum(items, start)


def _safe_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    budget.predict_pow(base, exp, mod)
    return pow(base, exp) if mod is None else pow(base, exp, mod)


def _safe_format(value: Any, spec: str = "") -> str:
    budget.check_format_spec(str(spec))
    return format(value, spec)


def _sorted(iterable: Any, *, key: Any = None, reverse: bool = False) -> CfgList:
    if key is not None:
        raise NeedsExecution(None, "sorted() with a key function")
    return CfgList(sorted(iterable, reverse=bool(reverse)))


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

_NO_DEFAULT = object()


def _config_attribute(obj: Any, name: Any) -> Any:
    """`obj.name` of what mmengine holds as a ConfigDict while the config runs (`_base_` and what comes from
    it: a key, or a dict method), `_NO_DEFAULT` when it has none; anything else is not evaluated (mmrazor's
    `getattr(_base_, 'custom_hooks', [])`)."""
    if not isinstance(name, str):
        raise TypeError("attribute name must be a string")
    if name.startswith("_") or not isinstance(obj, CfgDict) or not obj.config:  # (a plain dict has no attributes)
        raise NeedsExecution(None, f"getattr/hasattr of `{name}`" if name.startswith("_") else
                             "getattr/hasattr of a value that is not a ConfigDict")
    if name in obj:
        return obj[name]
    method = dict_method(obj, name)
    return _NO_DEFAULT if method is None else method


def _getattr(obj: Any, name: Any, default: Any = _NO_DEFAULT) -> Any:
    value = _config_attribute(obj, name)
    if type(value) is Unevaluated:
        raise NeedsExecution(None, f"`{name}` was not evaluated")
    if value is _NO_DEFAULT:
        if default is _NO_DEFAULT:
            raise ConfigError(None, f"AttributeError: config dict has no key '{name}'")
        return default
    return value


def _hasattr(obj: Any, name: Any) -> bool:
    return _config_attribute(obj, name) is not _NO_DEFAULT

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
    "sum": _safe_sum,
    "abs": abs,
    "round": round,
    "pow": _safe_pow,
    "format": _safe_format,
    "divmod": divmod,
    "zip": lambda *a: CfgList(zip(*a)),
    "enumerate": lambda it, start=0: CfgList(enumerate(it, start)),
    "sorted": _sorted,
    "reversed": lambda it: CfgList(reversed(list(it))),
    "any": any,
    "all": all,
    "isinstance": _isinstance,
    "repr": repr,
    "print": _noop_print,
    "hasattr": _hasattr,  # (only of config dicts)
    "getattr": _getattr,
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

_UNSET = object()


def _environment_default(key: Any = _UNSET, default: Any = _UNSET) -> Any:
    """`os.getenv(key, default)` / `os.environ.get(key, default)` of a config read as if the variable were unset:
    its default. The environment of the machine running schedlint is never read (a config from a pull request
    could copy a secret into a message); without a default the value needs execution."""
    if default is _UNSET:
        raise NeedsExecution(None, f"environment variable {key!r} without a default")
    return default


# Pure functions of the few standard modules configs use; nothing else of a module is reachable.
SAFE_MODULE_ATTRS: Dict[Any, Any] = {("math", k): v for k, v in _SAFE_MATH.items()}
SAFE_MODULE_ATTRS.update(
    {
        ("os", "path"): Opaque("module", "os.path"),
        # (a data path under an environment variable: MagicMaster's os.getenv('INPUT_PATH', './'))
        ("os", "getenv"): _environment_default,
        ("os", "environ"): Opaque("module", "os.environ"),
        ("os.environ", "get"): _environment_default,
        ("copy", "deepcopy"): lambda v, memo=None: clone(v),
        ("copy", "copy"): lambda v: v.shallow_copy() if isinstance(v, (CfgDict, CfgList)) else v,
        ("os.path", "join"): posixpath.join,
        ("os.path", "basename"): posixpath.basename,
        ("os.path", "dirname"): posixpath.dirname,
        ("os.path", "splitext"): posixpath.splitext,
        ("os.path", "split"): posixpath.split,
    }
)

STR_METHODS = {
    "format", "join", "replace", "split", "rsplit", "strip", "lstrip", "rstrip", "startswith",
    "endswith", "lower", "upper", "title", "capitalize", "zfill", "count", "find", "rfind",
    "index", "isdigit", "splitlines", "center", "ljust", "rjust", "partition", "rpartition",
}
TUPLE_METHODS = {"index", "count"}
NUM_METHODS = {"is_integer", "real", "imag", "bit_length"}


class _FieldFormatter(string.Formatter):
    """`str.format` without attribute lookups in replacement fields: `'{0.__class__...}'.format(x)`
    would read any attribute of anything reachable (environment variables, modules)."""

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        if "." in field_name:
            raise NeedsExecution(None, f"attribute lookup `{{{field_name}}}` in a format string")
        return super().get_field(field_name, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> Any:
        budget.check_format_spec(format_spec)
        return super().format_field(value, format_spec)


FORMATTER = _FieldFormatter()

BINOPS: Dict[type, Callable[[Any, Any], Any]] = {
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
CMPOPS: Dict[type, Callable[[Any, Any], Any]] = {
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



def dict_method(obj: CfgDict, attr: str) -> Optional[Callable[..., Any]]:
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
            keyword_locations = kwargs.pop(KEYWORD_LOCATIONS, {})
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
        obj.set(key, hook(value), loc)


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
            obj.set(key, hook(value), loc)


_DELETE = "_delete_"


def hook(value: Any) -> Any:
    """What an mmengine `ConfigDict` stores when given `value` (`ConfigDict._hook`): a plain dict
    becomes a new ConfigDict, lists and tuples are rebuilt, ConfigDicts are stored as they are."""
    if isinstance(value, CfgDict):
        if value.config:
            return value
        new = CfgDict()
        new.config = True
        for k, v in value.items():
            new.set(k, hook(v), value.locs.get(k))
        return new
    if isinstance(value, CfgList):
        return CfgList([hook(v) for v in value], value.locs)
    if isinstance(value, tuple):
        return tuple(hook(v) for v in value)
    return value


def list_method(obj: CfgList, attr: str) -> Optional[Callable[..., Any]]:
    if attr == "append":
        return lambda v: obj.add(v, None)
    if attr == "extend":

        def extend(values: Any) -> None:
            values = values if isinstance(values, (list, tuple)) else list(values)
            budget.check_length(len(obj) + len(values), "list")
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


def _width_method(name: str) -> Callable[[str, Any], Any]:
    def bounded(text: str, width: Any, *args: Any) -> Any:
        if isinstance(width, int):
            budget.check_length(width, "string")
        return getattr(text, name)(width, *args)

    return bounded


def _join(sep: Any, items: Any) -> Any:
    items = list(items)
    budget.check_length(len(items), "list")
    budget.check_length(len(sep) * len(items) + sum(len(i) for i in items if isinstance(i, (str, bytes))), "string")
    return sep.join(items)


def _replace(text: Any, old: Any, new: Any, count: int = -1) -> Any:
    hits = text.count(old) + (1 if not old else 0)
    if count is not None and count >= 0:
        hits = min(hits, count)
    budget.check_length(len(text) + hits * max(len(new) - len(old), 0), "string")
    return text.replace(old, new, count)


_BOUNDED_STR_METHODS: Dict[str, Callable[..., Any]] = {
    "zfill": _width_method("zfill"),
    "ljust": _width_method("ljust"),
    "rjust": _width_method("rjust"),
    "center": _width_method("center"),
    "join": _join,
    "replace": _replace,
}


def str_method(text: str, attr: str) -> Optional[Callable[..., Any]]:
    """The bound method `attr` of a string, bounded where its result can grow; None if not allowed."""
    if attr == "format":
        return lambda *args, **kwargs: FORMATTER.format(text, *args, **kwargs)
    if attr in _BOUNDED_STR_METHODS:
        method = _BOUNDED_STR_METHODS[attr]
        return lambda *args: method(text, *args)
    if attr in STR_METHODS:
        return getattr(text, attr)
    return None
