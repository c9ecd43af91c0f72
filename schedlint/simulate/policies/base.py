"""The common part of every mmcv-1.x updater-hook policy unit: arguments, warm-up, the runner's view.

A unit is a `_Hook` subclass in its own module of this package, registered with
`@register(policy, param)` ('lr' for `<P>LrUpdaterHook`, 'momentum' for `<P>MomentumUpdaterHook`);
it lists its own keyword arguments in `own_kwargs`, validates them in `validate` (raising
`_BuildError` where mmcv raises, `_Unsupported` where schedlint cannot simulate) and gives the
closed-form value for a progress (epoch or iteration) in `regular`.
Line references are to `mmcv/runner/hooks/lr_updater.py` / `momentum_updater.py` at v1.7.2.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Dict, Optional, Tuple, Type

import numpy as np

from schedlint.plan.mmcv import LR_BASE_KWARGS, MOMENTUM_BASE_KWARGS, hook_name
from schedlint.plan.model import LegacyPolicy, Plan
from schedlint.simulate.numeric import cosines


class _BuildError(Exception):
    """mmcv raises while building the hook or in its `before_run` (training never starts)."""

    def __init__(self, message: str, key: Optional[str] = None, kind: str = "crash") -> None:
        super().__init__(message)
        self.key = key
        self.kind = kind


class _Unsupported(Exception):
    """The hook cannot be simulated (message is the reason)."""


class _Run:
    """What a hook reads from the runner."""

    def __init__(self, plan: Plan) -> None:
        h = plan.horizon
        self.loop = h.loop
        self.L = max(1, int(h.epoch_length))
        self.N = h.total_iters
        self.max_iters = self.N
        self.max_epochs = int(h.max_epochs or 0) if h.loop == "epoch" else None
        self.optimizer = plan.optimizer


def _cosines(f: np.ndarray) -> np.ndarray:
    # math.cos(math.pi * f), as mmcv computes it
    return cosines(math.pi * f)


def _annealing_cos(start: Any, end: Any, factor: np.ndarray, weight: Any = 1.0) -> np.ndarray:
    """mmcv's `annealing_cos` (lr_updater.py:L708-726) on arrays."""
    return end + 0.5 * weight * (start - end) * (_cosines(factor) + 1)


def _annealing_linear(start: Any, end: Any, factor: np.ndarray) -> np.ndarray:
    return start + (end - start) * factor


def _pow(base: float, exponents: np.ndarray) -> np.ndarray:
    """`base ** e` with Python's float pow for every e."""
    if base > 0:
        with np.errstate(all="ignore"):
            fast = np.power(float(base), exponents.astype(np.float64))
        if np.isfinite(fast).all():
            return fast
    return np.array([base**e for e in exponents.tolist()], dtype=np.float64)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


class _Hook:
    """One mmcv updater hook acting on param group 0."""

    own_kwargs: Tuple[str, ...] = ()  # the policy's own keyword arguments (the base hook's are accepted too)
    crash_kind = "crash"  # how a crash while training is classified (see LegacyError)
    default_by_epoch = True

    def __init__(self, policy: LegacyPolicy, param: str) -> None:
        self.policy = policy
        self.param = param
        self.args = dict(policy.args)
        base_kwargs = LR_BASE_KWARGS if param == "lr" else MOMENTUM_BASE_KWARGS
        allowed = set(self.own_kwargs) | set(base_kwargs)
        for key in self.args:
            if key not in allowed:
                raise _BuildError(
                    f"TypeError: {hook_name(param, policy.policy)}.__init__() got an unexpected keyword "
                    f"argument '{key}'",
                    key,
                )
        self.validate()
        self.by_epoch = self.args.get("by_epoch", self.default_by_epoch)
        self.warmup = self.args.get("warmup")
        self.warmup_iters = self.args.get("warmup_iters", 0)
        self.warmup_ratio = self.args.get("warmup_ratio", 0.1 if param == "lr" else 0.9)
        self.warmup_by_epoch = bool(self.args.get("warmup_by_epoch", False)) if param == "lr" else False
        if self.warmup is not None:
            if self.warmup not in ("constant", "linear", "exp"):
                raise _BuildError(
                    f'ValueError: "{self.warmup}" is not a supported type for warming up, valid types are '
                    '"constant", "linear" and "exp"',
                    "warmup",
                )
            if not _is_number(self.warmup_iters) or not self.warmup_iters > 0:
                raise _BuildError('AssertionError: "warmup_iters" must be a positive integer', "warmup_iters")
            if not _is_number(self.warmup_ratio) or not 0 < self.warmup_ratio <= 1.0:
                raise _BuildError('AssertionError: "warmup_ratio" must be in range (0,1]', "warmup_ratio")
        self.base = 0.0

    # -- arguments ------------------------------------------------------------------------------

    def validate(self) -> None:
        """Raise _BuildError for what the hook's constructor rejects."""

    def number(self, key: str, default: Any = None, *, required: bool = False) -> Any:
        if key not in self.args:
            if required:
                raise _BuildError(f"TypeError: __init__() missing 1 required positional argument: '{key}'", key)
            return default
        value = self.args[key]
        if value is None and not required:
            if default is None:
                return None  # an optional argument left unset
            # None where the hook computes with a number: mmcv fails on it (when built or first used)
            raise _BuildError(f"TypeError: {key}=None where a number is expected", key)
        if not _is_number(value):
            raise _Unsupported(f"argument {key}={value!r} is not a number")
        return value

    def target_args(self, prefix: str) -> None:
        """`min_<x>` xor `min_<x>_ratio` (asserted by every annealing hook)."""
        self.min_value = self.number(f"min_{prefix}")
        self.min_ratio = self.number(f"min_{prefix}_ratio")
        if not ((self.min_value is None) ^ (self.min_ratio is None)):
            raise _BuildError(f"AssertionError: exactly one of min_{prefix} / min_{prefix}_ratio must be given",
                              f"min_{prefix}")

    def target(self) -> float:
        return self.base * self.min_ratio if self.min_ratio is not None else self.min_value

    # -- runner ---------------------------------------------------------------------------------

    def before_run(self, run: _Run, initial: float) -> float:
        """Record the base value; returns the group value after before_run."""
        self.base = initial
        return initial

    def progress_max(self, run: _Run) -> float:
        return run.max_epochs if self.by_epoch else run.max_iters

    def regular(self, p: np.ndarray, run: _Run) -> Tuple[np.ndarray, Optional[Tuple[int, str]]]:
        """Values for progress values `p`; (offset, message) of the first one mmcv raises on."""
        raise NotImplementedError

    def warm(self, i: np.ndarray, regular: np.ndarray, W: int) -> np.ndarray:
        """Warm-up values during iterations `i` (< W) given the regular values."""
        ratio = self.warmup_ratio
        if self.warmup == "constant":
            factor = np.full(i.size, ratio, dtype=np.float64)
        elif self.warmup == "linear":
            factor = 1 - (1 - i / W) * (1 - ratio)
        else:
            factor = np.array([ratio ** (1 - x / W) for x in i.tolist()], dtype=np.float64)
        # lr_updater.py:L87-107 multiplies; momentum_updater.py:L80-101 divides
        return regular * factor if self.param == "lr" else regular / factor


def _pct_start(args: Dict[str, Any]) -> float:
    pct = args.get("pct_start", 0.3)
    if not isinstance(pct, float) or pct < 0 or pct > 1:
        raise _BuildError(f"ValueError: expected float between 0 and 1 pct_start, but got {pct}", "pct_start")
    return pct


def _anneal_strategy(args: Dict[str, Any]) -> str:
    anneal = args.get("anneal_strategy", "cos")
    if anneal not in ("cos", "linear"):
        raise _BuildError(f'ValueError: anneal_strategy must be one of "cos" or "linear", instead got {anneal}',
                          "anneal_strategy")
    return anneal


def _first_group(value: Any, optimizer_type: str, key: str) -> float:
    """Group 0's value of a per-group argument (mmcv `format_param`)."""
    if isinstance(value, dict):
        if optimizer_type not in value:
            raise _BuildError(f"KeyError: {optimizer_type} is not found in {list(value)} ({key})", key)
        value = value[optimizer_type]
    if isinstance(value, (list, tuple)):
        if not value:
            raise _BuildError(f"ValueError: expected one value per param group for {key}, got 0", key)
        value = value[0]
    if not _is_number(value):
        raise _Unsupported(f"{key}={value!r} is not a number")
    return float(value)


REGISTRY: Dict[Tuple[str, str], Type[_Hook]] = {}


def register(policy: str, param: str) -> Callable[[Type[_Hook]], Type[_Hook]]:
    """Add a hook unit to the catalogue as policy `policy` of `param` ('lr' or 'momentum')."""

    def add(cls: Type[_Hook]) -> Type[_Hook]:
        if (policy, param) in REGISTRY:
            raise ValueError(f"policy {policy!r} for {param!r} registered twice")
        REGISTRY[(policy, param)] = cls
        return cls

    return add
