"""Typed settings values, checked by hand (no pydantic: settings are read on every run, and a warm
pre-commit run should not pay pydantic's import for a handful of keys).

A `Field` names a setting (its Python name and the key it has in a TOML file) and how its value is
checked. `validate_table` turns a table into values or a list of `Problem`s, with the messages pydantic
gives for the same input (they have been the documented ones), checking every key before failing.
Numbers are read as TOML gives them; a string holding a number is accepted too, as before.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

Loc = Tuple[str, ...]


class Invalid(Exception):
    """One value is wrong: `loc` is its key path below the field, `message` what is wrong."""

    def __init__(self, message: str, loc: Loc = ()) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc


@dataclass
class Problem:
    loc: Loc  # the key path, TOML keys (aliases) first
    kind: str  # "unknown" for a key that is not a setting, else "invalid"
    message: str
    value: Any = None


Check = Callable[[Any], Any]

_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


def string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid("Input should be a valid string")
    return value


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    if isinstance(value, (str, int, float)):
        raise Invalid("Input should be a valid boolean, unable to interpret input")
    raise Invalid("Input should be a valid boolean")


def positive_int(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid("Input should be a valid integer")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise Invalid("Input should be a valid integer, unable to parse string as an integer") from None
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("Input should be a finite number")
        if value != int(value):
            raise Invalid("Input should be a valid integer, got a number with a fractional part")
        value = int(value)
    elif not isinstance(value, int):
        raise Invalid("Input should be a valid integer")
    if value <= 0:
        raise Invalid("Input should be greater than 0")
    return value


def fraction(value: Any) -> float:
    """A finite number in [0, 1]."""
    if isinstance(value, bool):
        raise Invalid("Input should be a valid number")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise Invalid("Input should be a valid number, unable to parse string as a number") from None
    elif not isinstance(value, (int, float)):
        raise Invalid("Input should be a valid number")
    value = float(value)
    if not math.isfinite(value):
        raise Invalid("Input should be a finite number")
    if value < 0:
        raise Invalid("Input should be greater than or equal to 0")
    if value > 1:
        raise Invalid("Input should be less than or equal to 1")
    return value


def optional(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def list_of(check: Check) -> Check:
    def run(value: Any) -> list:
        if not isinstance(value, (list, tuple)):
            raise Invalid("Input should be a valid list")
        out = []
        for i, item in enumerate(value):
            try:
                out.append(check(item))
            except Invalid as exc:
                raise Invalid(exc.message, (str(i),) + exc.loc) from None
        return out

    return run


def dict_of(check: Check) -> Check:
    def run(value: Any) -> dict:
        if not isinstance(value, dict):
            raise Invalid("Input should be a valid dictionary")
        out = {}
        for key, item in value.items():
            try:
                out[string(key)] = check(item)
            except Invalid as exc:
                raise Invalid(exc.message, (str(key),) + exc.loc) from None
        return out

    return run


@dataclass(frozen=True)
class Field:
    name: str  # the Python attribute
    alias: str  # the TOML key
    check: Check
    default: Any = None  # copied for each new object

    def fresh_default(self) -> Any:
        return copy.deepcopy(self.default)


def validate_table(table: Any, fields: Sequence[Field], nested: Optional[Dict[str, Sequence[Field]]] = None
                   ) -> Tuple[Dict[str, Any], List[Problem]]:
    """The values of `table` by Python name (only the keys given), and every problem found.

    A key is a field's TOML key or its Python name. `nested` names fields whose value is itself a
    table of `fields` (checked the same way, problems prefixed with the field's key).
    """
    nested = nested or {}
    by_key = {f.alias: f for f in fields}
    by_key.update({f.name: f for f in fields if f.name not in by_key})
    values: Dict[str, Any] = {}
    problems: List[Problem] = []
    for key, value in table.items():
        field = by_key.get(key)
        if field is None:
            problems.append(Problem((str(key),), "unknown", "Extra inputs are not permitted", value))
            continue
        if field.name in nested:
            if not isinstance(value, dict):
                problems.append(Problem((str(key),), "invalid", "Input should be a valid dictionary", value))
                continue
            inner, inner_problems = validate_table(value, nested[field.name])
            problems += [Problem((str(key),) + p.loc, p.kind, p.message, p.value) for p in inner_problems]
            values[field.name] = inner
            continue
        try:
            values[field.name] = field.check(value)
        except Invalid as exc:
            problems.append(Problem((str(key),) + exc.loc, "invalid", exc.message, _at(value, exc.loc)))
    return values, problems


def _at(value: Any, loc: Loc) -> Any:
    """The offending value inside `value` at `loc` (what an error message quotes)."""
    for part in loc:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return value
    return value
