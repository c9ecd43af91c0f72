"""mmengine's merge of a child config into its bases, `{{_base_.x}}` placeholders, and the small
conversions between plain data and provenance-carrying values."""

from __future__ import annotations

import ast
from typing import Any, Dict, Optional, Tuple

from schedlint.loader.errors import LoadProblem
from schedlint.loader.values import CfgDict, CfgList, clone, lookup, provenance
from schedlint.model import Location

DELETE_KEY = "_delete_"


def merge_a_into_b(a: CfgDict, b: CfgDict, path: str = "") -> CfgDict:
    """mmengine's `Config._merge_a_into_b`: dicts merge key by key (child wins), everything else
    replaces; a child dict with `_delete_=True` replaces the inherited dict whole."""
    b = b.shallow_copy() if isinstance(b, CfgDict) else wrap(b, None)
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
                        f"`{key}` is a dict here but a {type(b[key]).__name__} in the base config: mmengine (and "
                        "mmcv 1.x) raise TypeError; add `_delete_=True` to replace it",
                        loc or Location(path, 1),
                    )
                merged = merge_a_into_b(value if isinstance(value, CfgDict) else wrap(value, loc), b[key], path)
                b.set(key, merged, loc or b.locs.get(key))
            else:
                b.set(key, value, loc)
        else:
            b.set(key, value, loc)
    return b


def substitute_placeholders(value: Any, placeholders: Dict[str, str], base: CfgDict, path: str) -> Any:
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
                out.set(k, substitute_placeholders(v, placeholders, base, path), loc)
        return out
    if isinstance(value, list):
        items, locs = [], []
        for i, v in enumerate(value):
            loc = value.locs[i] if isinstance(value, CfgList) and i < len(value.locs) else None
            if isinstance(v, str) and v in placeholders:
                v, _ = resolve(v)
            else:
                v = substitute_placeholders(v, placeholders, base, path)
            items.append(v)
            locs.append(loc)
        return CfgList(items, locs)
    if isinstance(value, tuple):
        return tuple(
            resolve(v)[0] if isinstance(v, str) and v in placeholders else substitute_placeholders(v, placeholders, base, path)
            for v in value
        )
    return value


def drop_dunder(values: CfgDict) -> CfgDict:
    for key in [k for k in values if str(k).startswith("__")]:
        values.remove(key)
    return values


def wrap(value: Any, loc: Optional[Location]) -> Any:
    if isinstance(value, dict):
        out = CfgDict()
        for k, v in value.items():
            out.set(k, wrap(v, loc), loc)
        return out
    if isinstance(value, list):
        return CfgList([wrap(v, loc) for v in value], [loc] * len(value))
    return value


def strip_scope(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_scope(v) for k, v in value.items() if k != "_scope_"}
    if isinstance(value, list):
        return [strip_scope(v) for v in value]
    if isinstance(value, tuple):
        return tuple(strip_scope(v) for v in value)
    return value


def node_loc(path: str, node: ast.AST) -> Location:
    return Location(
        path,
        getattr(node, "lineno", 1),
        getattr(node, "col_offset", 0),
        getattr(node, "end_lineno", None),
        getattr(node, "end_col_offset", None),
    )

