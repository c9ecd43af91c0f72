"""The common part of every mmengine scheduler unit: arguments, construction, step maps.

A unit is a `_Stepper` subclass in its own module of this package, decorated with `@register`;
it names its `family` (class names are the family plus `LR`, `Momentum` or `ParamScheduler`,
or the explicit `class_names`), its `arguments`, validates them in `validate` (raising
`_BuildError` where mmengine's constructor raises, `_Unsupported` where schedlint cannot
simulate) and gives the exact step maps of its recursive `_get_value` in `steps`.
Section numbers refer to /work/shared/reference/mmengine-schedules.md; `param_scheduler.py:Lx`
to `mmengine/optim/scheduler/param_scheduler.py` at v0.10.7.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Dict, Optional, Tuple, Type

import numpy as np

from schedlint.plan.model import Scheduler
from schedlint.simulate.numeric import cosines as _cosines  # noqa: F401  (re-exported to the units)

# the arguments every scheduler class takes besides its own `arguments` (`type`, `convert_to_iter_based`,
# `epoch_length` and `_scope_` are the builder's)
COMMON_ARGUMENTS = ("begin", "end", "by_epoch", "last_step", "verbose")

INF = int(1e9)  # mmengine's "unbounded" end (param_scheduler.py:L20)

class _BuildError(Exception):
    """mmengine would raise while constructing this scheduler (`key`: the argument at fault, if one is)."""

    def __init__(self, message: str, key: Optional[str] = None) -> None:
        super().__init__(message)
        self.key = key


class _Unsupported(Exception):
    """We cannot simulate this scheduler (message is the reason)."""


@dataclass
class _Group:
    """The parts of `optimizer.param_groups[0]` that schedulers of one parameter read and write."""

    value: float
    initial: Optional[float] = None  # group['initial_<param>']
    onecycle: Dict[str, float] = field(default_factory=dict)  # 'initial' / 'max' / 'min' for OneCycle


@dataclass
class _Steps:
    """Step maps `v -> (v - c) * a + c + d`, one per requested local step.

    `failure` is (offset, message) of the first step that raises in mmengine; entries from that
    offset on are meaningless.
    """

    c: np.ndarray
    a: np.ndarray
    d: np.ndarray
    failure: Optional[Tuple[int, str]] = None


def _identity_steps(n: int) -> _Steps:
    return _Steps(np.zeros(n), np.ones(n), np.zeros(n))


def _first(mask: np.ndarray) -> Optional[int]:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _number(args: Dict[str, Any], key: str, default: Any = None, *, required: bool = False) -> Any:
    """An argument that must be a real number (or None when allowed)."""
    if key not in args:
        if required:
            raise _BuildError(f"TypeError: missing required argument {key!r}")
        return default
    value = args[key]
    if value is None and not required:
        if default is None:
            return None  # an optional argument left unset
        # None where the class computes with a number: mmengine fails on it (when built or first stepped)
        raise _BuildError(f"TypeError: {key}=None where a number is expected")
    if isinstance(value, (int, float)):
        return value
    raise _Unsupported(f"argument {key}={value!r} is not a number")


class _Stepper:
    """One constructed scheduler acting on one parameter of param group 0."""

    family: ClassVar[str] = ""  # class names: family + 'LR' / 'Momentum' / 'ParamScheduler'
    class_names: ClassVar[Dict[str, str]] = {}  # explicit class name -> flavour, replaces the suffixes
    arguments: ClassVar[Tuple[str, ...]] = ()  # the keyword arguments the class reads (besides begin/end/by_epoch)

    steps_at_construction = True  # ReduceOnPlateau does not call step() in __init__
    metric_driven = False  # steps follow validation metrics: never stepped here, reported as unsimulated

    def __init__(self, spec: Scheduler, family: str):
        self._check_keywords(spec)
        self.spec = spec
        self.index = spec.index
        self.type = spec.type
        self.family = family
        self.by_epoch = bool(spec.by_epoch)
        self.begin = spec.begin
        self.end = spec.end
        self.args = dict(spec.args or {})
        self.base: float = 0.0  # base_values[0]
        if self.end <= self.begin:
            raise _BuildError(
                f"ValueError: end should be larger than begin, but got begin={self.begin}, end={self.end}"
            )
        # `begin <= _global_step < end` (param_scheduler.py:L209) on integer global steps.
        self.g_first = max(0, math.ceil(self.begin))
        self.g_stop = min(math.ceil(self.end), 1 << 62)
        last_step = self.args.get("last_step", -1)
        if last_step != -1:
            raise _Unsupported(f"last_step={last_step!r} (resuming without a state dict) is not simulated")
        self.validate()

    def validate(self) -> None:
        """Raise _BuildError for arguments mmengine rejects in the constructor."""

    def _check_keywords(self, spec: Scheduler) -> None:
        """Python's own check of the call `cls(optimizer, **args)`, before the constructor runs: an argument
        the class does not take (a typo such as `gama=0.1`), `param_name` given to an LR/momentum class
        (which passes its own), or missing from a generic `*ParamScheduler` (where it is required)."""
        generic = str(spec.type).rsplit(".", 1)[-1].endswith("ParamScheduler")
        takes = set(self.arguments) | set(COMMON_ARGUMENTS) | ({"param_name"} if generic else set())
        for key in spec.args:
            if key == "param_name" and not generic:
                raise _BuildError("TypeError: got multiple values for argument 'param_name' (an LR or momentum "
                                  "scheduler sets it itself)", key)
            if key not in takes:
                close = difflib.get_close_matches(key, sorted(takes), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                takes_text = ", ".join(list(self.arguments) + list(COMMON_ARGUMENTS))
                raise _BuildError(f"TypeError: unexpected keyword argument {key!r} ({hint}{spec.type} takes "
                                  f"{takes_text})", key)
        if generic and spec.raw and "param_name" not in spec.raw:  # (a plan made by hand has no raw config)
            raise _BuildError("TypeError: missing 1 required argument: 'param_name'", "type")

    def construct(self, group: _Group) -> None:
        """Record `initial_<param>` the way `_ParamScheduler.__init__` does (param_scheduler.py:L77-91)."""
        if group.initial is None:
            group.initial = group.value
        self.base = group.initial

    def steps(self, t: np.ndarray, group: _Group) -> _Steps:
        """Step maps for the local steps `t` (int64, consecutive)."""
        raise NotImplementedError

    def closed_form(self, t: np.ndarray, value: float) -> Optional[Callable[[np.ndarray], np.ndarray]]:
        """The values after the consecutive local steps `t` stepped alone from `value`, as a function of
        offsets into `t` (`values_at(j)`: the value after step `t[j]`), where the class's recursion has a
        closed form (equal to stepping it within float rounding: the product of its factors telescopes)
        and no step raises; None otherwise (the steps are taken one by one). Purely multiplicative classes
        (LinearLR, ExponentialLR, the step decays) have none on purpose: chained products are mmengine's
        own arithmetic, bit for bit, and their warm-ups are short."""
        return None


REGISTRY: Dict[str, Type[_Stepper]] = {}


def register(cls: Type[_Stepper]) -> Type[_Stepper]:
    """Add a scheduler unit to the catalogue under its family name."""
    if cls.family in REGISTRY:
        raise ValueError(f"scheduler family {cls.family!r} registered twice")
    REGISTRY[cls.family] = cls
    return cls
