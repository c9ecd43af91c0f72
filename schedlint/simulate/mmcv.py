"""Torch-free simulation of mmcv 1.7.2's LR and momentum updater hooks (mmcv-1.x configs).

`simulate_legacy(plan)` gives the value of param group 0's `lr` and momentum (SGD `momentum`
or Adam-family `betas[0]`) during every training iteration, as `mmcv.runner` would set them
under `EpochBasedRunner` or `IterBasedRunner` (reference §5):

* every policy is a closed-form function of (progress, base value): `progress` is `runner.epoch`
  for `by_epoch=True` hooks (computed in `before_train_epoch`) and `runner.iter` otherwise
  (computed in `before_train_iter`); length-relative policies read `runner.max_epochs` /
  `runner.max_iters`, so they follow the training length; `step` milestones do not;
* warm-up counts iterations and scales the regular value (LR: multiplies; momentum: *divides* by
  the ratio); `warmup_by_epoch` converts epochs with the epoch length at the first epoch;
* `IterBasedRunner` never calls `before_train_epoch`: a `by_epoch=True` hook never updates;
* errors mmcv raises at build time, in `before_run`, or in the middle of training are reported
  as `LegacyError`s with the iteration training stops at.

Line references are to `mmcv/runner/hooks/lr_updater.py` / `momentum_updater.py` at v1.7.2.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

from schedlint.plan.mmcv import ITERATION_ONLY, LR_BASE_KWARGS, LR_POLICIES, MOMENTUM_BASE_KWARGS, MOMENTUM_POLICIES, hook_name
from schedlint.plan.model import LegacyPolicy, Plan
from schedlint.simulate import Curve, SimulationError, Unsimulated

__all__ = ["LegacyError", "simulate_legacy"]


class LegacyError(SimulationError):
    """A crash mmcv would hit: `param` says which hook, `kind` which problem, `key` which argument.

    Kinds owned by specific rules: 'momentum-support' (SL103), 'restart-periods' (SL402),
    'policy-name' (SL404); everything else is a generic crash (SL302).
    """

    param: str
    kind: str
    key: Optional[str]

    def __new__(cls, text: str, *, param: str, kind: str = "crash", key: Optional[str] = None) -> "LegacyError":
        obj = super().__new__(cls, text, None)
        obj.param = param
        obj.kind = kind
        obj.key = key
        return obj


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
    # Python's math.cos (what mmcv calls) rather than numpy's, which may differ by an ulp.
    return np.fromiter(map(math.cos, (math.pi * f).tolist()), dtype=np.float64, count=f.size)


def _annealing_cos(start: Any, end: Any, factor: np.ndarray, weight: Any = 1.0) -> np.ndarray:
    """mmcv's `annealing_cos` (lr_updater.py:L708-726) on arrays."""
    return end + 0.5 * weight * (start - end) * (_cosines(factor) + 1)


def _annealing_linear(start: Any, end: Any, factor: np.ndarray) -> np.ndarray:
    return start + (end - start) * factor


def _pow(base: float, exponents: np.ndarray) -> np.ndarray:
    """`base ** e` with Python's float pow for every e."""
    return np.array([base**e for e in exponents.tolist()], dtype=np.float64)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


class _Hook:
    """One mmcv updater hook acting on param group 0."""

    own_kwargs: Tuple[str, ...] = ()
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
            return None
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


class _Fixed(_Hook):
    def regular(self, p, run):
        return np.full(p.size, self.base, dtype=np.float64), None


class _Step(_Hook):
    own_kwargs = ("step", "gamma", "min_lr")

    def validate(self):
        step = self.args.get("step")
        if "step" not in self.args:
            raise _BuildError("TypeError: __init__() missing 1 required positional argument: 'step'", "step")
        if isinstance(step, list):
            if not all(isinstance(s, int) for s in step) or not all(s > 0 for s in step):
                raise _BuildError("AssertionError: every `step` must be a positive int", "step")
        elif isinstance(step, int) and not isinstance(step, bool):
            if step <= 0:
                raise _BuildError("AssertionError: `step` must be positive", "step")
        else:
            raise _BuildError('TypeError: "step" must be a list or integer', "step")
        self.step = step
        self.gamma = self.number("gamma", 0.1 if self.param == "lr" else 0.5)
        self.floor = self.number("min_lr" if self.param == "lr" else "min_momentum")

    def regular(self, p, run):
        if isinstance(self.step, int):
            exponent = p // self.step
        else:
            exponent = np.full(p.size, len(self.step), dtype=np.int64)
            for i in range(len(self.step) - 1, -1, -1):  # the first step with progress < s wins
                exponent[p < self.step[i]] = i
        table = {int(e): self.base * (self.gamma ** int(e)) for e in np.unique(exponent)}
        values = np.array([table[int(e)] for e in exponent.tolist()], dtype=np.float64)
        if self.floor is not None:
            values = np.maximum(values, self.floor)
        return values, None


class _MomentumStep(_Step):
    own_kwargs = ("step", "gamma", "min_momentum")


class _Exp(_Hook):
    own_kwargs = ("gamma",)

    def validate(self):
        self.gamma = self.number("gamma", required=True)

    def regular(self, p, run):
        return self.base * _pow(self.gamma, p), None


class _Poly(_Hook):
    own_kwargs = ("power", "min_lr")

    def validate(self):
        self.power = self.number("power", 1.0)
        self.floor = self.number("min_lr", 0.0)

    def regular(self, p, run):
        P = self.progress_max(run)
        coeff = np.array([(1 - x / P) ** self.power for x in p.tolist()], dtype=np.float64)
        return (self.base - self.floor) * coeff + self.floor, None


class _Inv(_Hook):
    own_kwargs = ("gamma", "power")

    def validate(self):
        self.gamma = self.number("gamma", required=True)
        self.power = self.number("power", 1.0)

    def regular(self, p, run):
        values = []
        for i, x in enumerate(p.tolist()):
            v = self.base * (1 + self.gamma * x) ** (-self.power)
            if isinstance(v, complex):
                return np.array(values + [values[-1] if values else self.base] * (p.size - i)), (
                    i, "the Inv policy gives a complex learning rate ((1 + gamma * progress) < 0)")
            values.append(v)
        return np.array(values, dtype=np.float64), None


class _CosineAnnealing(_Hook):
    own_kwargs = ("min_lr", "min_lr_ratio")

    def validate(self):
        self.target_args("lr" if self.param == "lr" else "momentum")

    def regular(self, p, run):
        return _annealing_cos(self.base, self.target(), p / self.progress_max(run)), None


class _MomentumCosineAnnealing(_CosineAnnealing):
    own_kwargs = ("min_momentum", "min_momentum_ratio")


class _LinearAnnealing(_CosineAnnealing):
    def regular(self, p, run):
        return _annealing_linear(self.base, self.target(), p / self.progress_max(run)), None


class _MomentumLinearAnnealing(_LinearAnnealing):
    own_kwargs = ("min_momentum", "min_momentum_ratio")


class _FlatCosineAnnealing(_Hook):
    own_kwargs = ("start_percent", "min_lr", "min_lr_ratio")

    def validate(self):
        self.target_args("lr")
        start = self.args.get("start_percent", 0.75)
        if not isinstance(start, float) or start < 0 or start > 1:
            raise _BuildError(f"ValueError: expected float between 0 and 1 start_percent, but got {start}",
                              "start_percent")
        self.start_percent = start

    def regular(self, p, run):
        P = self.progress_max(run)
        start = round(P * self.start_percent)
        values = np.full(p.size, self.base, dtype=np.float64)
        annealing = p - start >= 0
        if annealing.any():
            values[annealing] = _annealing_cos(self.base, self.target(), (p[annealing] - start) / (P - start))
        return values, None


class _CosineRestart(_Hook):
    own_kwargs = ("periods", "restart_weights", "min_lr", "min_lr_ratio")

    def validate(self):
        self.target_args("lr")
        periods = self.args.get("periods")
        if "periods" not in self.args:
            raise _BuildError("TypeError: __init__() missing 1 required positional argument: 'periods'", "periods")
        weights = self.args.get("restart_weights", [1])
        if not isinstance(periods, (list, tuple)) or not all(_is_number(x) for x in periods):
            raise _Unsupported(f"periods={periods!r} is not a list of numbers")
        if not isinstance(weights, (list, tuple)) or not all(_is_number(x) for x in weights):
            raise _Unsupported(f"restart_weights={weights!r} is not a list of numbers")
        if len(periods) != len(weights):
            raise _BuildError("AssertionError: periods and restart_weights should have the same length.", "periods")
        self.periods = list(periods)
        self.weights = list(weights)
        self.cumulative = [sum(self.periods[0 : i + 1]) for i in range(len(self.periods))]

    def regular(self, p, run):
        values = np.full(p.size, np.nan)
        index = np.full(p.size, -1)
        for i in range(len(self.cumulative) - 1, -1, -1):
            index[p < self.cumulative[i]] = i
        failure = None
        beyond = np.flatnonzero(index < 0)
        if beyond.size:
            first = int(beyond[0])
            failure = (first, f"ValueError: Current iteration {int(p[first])} exceeds cumulative_periods "
                              f"{self.cumulative}")
        inside = index >= 0
        idx = index[inside]
        restarts = np.array([0] + self.cumulative[:-1], dtype=np.float64)[idx]
        lengths = np.array(self.periods, dtype=np.float64)[idx]
        weights = np.array(self.weights, dtype=np.float64)[idx]
        alpha = np.minimum((p[inside] - restarts) / lengths, 1)
        values[inside] = _annealing_cos(self.base, self.target(), alpha, weights)
        return values, failure


class _Cyclic(_Hook):
    own_kwargs = ("target_ratio", "cyclic_times", "step_ratio_up", "anneal_strategy", "gamma")
    default_by_epoch = False

    def validate(self):
        default = (10, 1e-4) if self.param == "lr" else (0.85 / 0.95, 1.0)
        ratio = self.args.get("target_ratio", default)
        if isinstance(ratio, float):
            ratio = (ratio, ratio / 1e5)
        elif isinstance(ratio, tuple):
            ratio = (ratio[0], ratio[0] / 1e5) if len(ratio) == 1 else ratio
        else:
            raise _BuildError(f"ValueError: target_ratio should be either float or tuple, got "
                              f"{type(ratio).__name__}", "target_ratio")
        if len(ratio) != 2 or not all(_is_number(r) for r in ratio):
            raise _BuildError('AssertionError: "target_ratio" must be list or tuple of two floats', "target_ratio")
        self.target_ratio = ratio
        self.cyclic_times = self.args.get("cyclic_times", 1)
        if not isinstance(self.cyclic_times, int):
            raise _Unsupported(f"cyclic_times={self.cyclic_times!r} is not an integer")
        self.step_ratio_up = self.number("step_ratio_up", 0.4)
        if not 0 <= self.step_ratio_up < 1.0:
            raise _BuildError('AssertionError: "step_ratio_up" must be in range [0,1)', "step_ratio_up")
        self.gamma = self.number("gamma", 1.0)
        if self.param == "lr" and not 0 < self.gamma <= 1:
            raise _BuildError('AssertionError: "gamma" must be in range (0, 1]', "gamma")
        anneal = self.args.get("anneal_strategy", "cos")
        if anneal not in ("cos", "linear"):
            raise _BuildError(f'ValueError: anneal_strategy must be one of "cos" or "linear", instead got {anneal}',
                              "anneal_strategy")
        self.anneal = anneal
        if self.args.get("by_epoch", False):
            raise _BuildError('AssertionError: currently only support "by_epoch" = False', "by_epoch")

    def before_run(self, run, initial):
        self.base = initial
        if self.cyclic_times == 0:
            raise _BuildError("ZeroDivisionError: integer division or modulo by zero (cyclic_times=0)",
                              "cyclic_times")
        self.per_phase = run.max_iters // self.cyclic_times
        up = int(self.step_ratio_up * self.per_phase)
        self.phases = [(0, up, 1, self.target_ratio[0]),
                       (up, self.per_phase, self.target_ratio[0], self.target_ratio[1])]
        return initial

    def regular(self, p, run):
        if self.per_phase == 0:
            return np.full(p.size, self.base, dtype=np.float64), (
                0, f"ZeroDivisionError: integer division or modulo by zero ({run.max_iters} iterations // "
                   f"cyclic_times={self.cyclic_times} is 0)")
        current = p % self.per_phase
        cycle = p // self.per_phase
        scale = np.array([self.gamma ** int(c) for c in cycle.tolist()], dtype=np.float64)
        values = np.full(p.size, np.nan)
        for start, end, start_ratio, end_ratio in self.phases:
            inside = (start <= current) & (current < end)
            if not inside.any():
                continue
            s = scale[inside]
            # lr_updater.py:L519-538: the phase starting at 0 scales its end, the other its start
            if start == 0:
                start_r, end_r = np.full(s.size, float(start_ratio)), 1 - s + end_ratio * s
            else:
                start_r, end_r = 1 - s + start_ratio * s, np.full(s.size, float(end_ratio))
            factor = (current[inside] - start) / (end - start)
            anneal = _annealing_cos if self.anneal == "cos" else _annealing_linear
            values[inside] = anneal(self.base * start_r, self.base * end_r, factor)
        return values, None


class _OneCycle(_Hook):
    own_kwargs = ("max_lr", "total_steps", "pct_start", "anneal_strategy", "div_factor", "final_div_factor",
                  "three_phase")
    default_by_epoch = False

    def validate(self):
        if self.args.get("by_epoch", False):
            raise _BuildError('AssertionError: currently only support "by_epoch" = False', "by_epoch")
        if "max_lr" not in self.args:
            raise _BuildError("TypeError: __init__() missing 1 required positional argument: 'max_lr'", "max_lr")
        max_lr = self.args["max_lr"]
        if not (_is_number(max_lr) or isinstance(max_lr, (list, dict))):
            raise _BuildError(f"ValueError: the type of max_lr must be the one of list or dict, but got "
                              f"{type(max_lr).__name__}", "max_lr")
        self.max_lr = max_lr
        total = self.args.get("total_steps")
        if total is not None and not isinstance(total, int):
            raise _BuildError(f"ValueError: the type of total_steps must be int, but got {type(total).__name__}",
                              "total_steps")
        self.total_steps = total
        self.pct_start = _pct_start(self.args)
        self.anneal = _anneal_strategy(self.args)
        self.div_factor = self.number("div_factor", 25)
        self.final_div_factor = self.number("final_div_factor", 1e4)
        self.three_phase = bool(self.args.get("three_phase", False))

    def before_run(self, run, initial):
        total = self.total_steps if self.total_steps is not None else run.max_iters
        if total < run.max_iters:
            raise _BuildError(f"ValueError: The total steps must be greater than or equal to max iterations "
                              f"{run.max_iters} of runner, but total steps is {total}.", "total_steps")
        max_lr = _first_group(self.max_lr, run.optimizer.type, "max_lr")
        self.base = max_lr / self.div_factor
        T, pct, div = total, self.pct_start, self.div_factor
        if self.three_phase:
            self.phases = [(float(pct * T) - 1, 1, div), (float(2 * pct * T) - 2, div, 1),
                           (T - 1, 1, 1 / self.final_div_factor)]
        else:
            self.phases = [(float(pct * T) - 1, 1, div), (T - 1, div, 1 / self.final_div_factor)]
        return self.base  # the group keeps its lr until the first before_train_iter

    def regular(self, p, run):
        values = np.full(p.size, np.nan)
        assigned = np.zeros(p.size, dtype=bool)
        start = 0.0
        failure = None
        anneal = _annealing_cos if self.anneal == "cos" else _annealing_linear
        for end, start_ratio, end_ratio in self.phases:
            here = ~assigned & (p <= end)
            if here.any():
                if end == start:
                    failure = (int(np.flatnonzero(here)[0]), "ZeroDivisionError: float division by zero "
                                                             "(a OneCycle phase of zero length)")
                    break
                values[here] = anneal(self.base * start_ratio, self.base * end_ratio, (p[here] - start) / (end - start))
                assigned |= here
            start = end
        return values, failure


class _MomentumCyclic(_Cyclic):
    pass


class _MomentumOneCycle(_Hook):
    own_kwargs = ("base_momentum", "max_momentum", "pct_start", "anneal_strategy", "three_phase")
    default_by_epoch = False

    def validate(self):
        if self.args.get("by_epoch", False):
            raise _BuildError('AssertionError: currently only support "by_epoch" = False', "by_epoch")
        for key, default in (("base_momentum", 0.85), ("max_momentum", 0.95)):
            value = self.args.get(key, default)
            if not isinstance(value, (float, list, dict)):
                raise _BuildError(f"ValueError: {key} must be the type among of float, list or dict.", key)
            setattr(self, key, value)
        self.pct_start = _pct_start(self.args)
        self.anneal = _anneal_strategy(self.args)
        self.three_phase = bool(self.args.get("three_phase", False))

    def before_run(self, run, initial):
        if run.optimizer.momentum_kind is None:
            raise _BuildError("ValueError: optimizer must support momentum with option enabled",
                              kind="momentum-support")
        low = _first_group(self.base_momentum, run.optimizer.type, "base_momentum")
        high = _first_group(self.max_momentum, run.optimizer.type, "max_momentum")
        self.values = {"base": low, "max": high}
        T, pct = run.max_iters, self.pct_start
        if self.three_phase:
            self.phases = [(float(pct * T) - 1, "max", "base"), (float(2 * pct * T) - 2, "base", "max"),
                           (T - 1, "max", "max")]
        else:
            self.phases = [(float(pct * T) - 1, "max", "base"), (T - 1, "base", "max")]
        self.base = high
        return high  # before_run writes max_momentum into the group (momentum_updater.py:L470-500)

    def regular(self, p, run):
        values = np.full(p.size, np.nan)
        assigned = np.zeros(p.size, dtype=bool)
        start = 0.0
        failure = None
        anneal = _annealing_cos if self.anneal == "cos" else _annealing_linear
        for i, (end, start_key, end_key) in enumerate(self.phases):
            last = i == len(self.phases) - 1
            here = ~assigned & ((p <= end) | last)
            if here.any():
                if end == start:
                    failure = (int(np.flatnonzero(here)[0]), "ZeroDivisionError: float division by zero "
                                                             "(a OneCycle phase of zero length)")
                    break
                values[here] = anneal(self.values[start_key], self.values[end_key], (p[here] - start) / (end - start))
                assigned |= here
            start = end
        return values, failure


class _YOLOX(_CosineAnnealing):
    """mmdet 2.x YOLOXLrUpdaterHook: cosine after a quadratic warm-up, flat for the last epochs."""

    own_kwargs = ("num_last_epochs", "min_lr", "min_lr_ratio")

    def validate(self):
        self.num_last_epochs = self.number("num_last_epochs", required=True)
        super().validate()

    def regular(self, p, run):
        last_iter = run.L * self.num_last_epochs
        max_progress = self.progress_max(run)
        W = self.effective_warmup
        progress = p + 1
        target = self.target()
        values = np.full(p.size, float(target))
        cosine = progress < max_progress - last_iter
        if cosine.any():
            span = max_progress - W - last_iter
            if span == 0:
                return values, (int(np.flatnonzero(cosine)[0]), "ZeroDivisionError: float division by zero")
            values[cosine] = _annealing_cos(self.base, target, (progress[cosine] - W) / span)
        return values, None

    def warm(self, i, regular, W):
        # yolox_lrupdater_hook.py: base_lr * ratio * ((i + 1) / W) ** 2, whatever the regular value
        return self.base * (self.warmup_ratio * ((i + 1) / float(W)) ** 2)


class _CosineAnnealingCooldown(_CosineAnnealing):
    """mmcls 0.x CosineAnnealingCooldownLrUpdaterHook."""

    own_kwargs = ("min_lr", "min_lr_ratio", "cool_down_ratio", "cool_down_time")

    def validate(self):
        super().validate()
        self.cool_down_ratio = self.number("cool_down_ratio", 0.1)
        self.cool_down_time = self.number("cool_down_time", 10)

    def regular(self, p, run):
        P = self.progress_max(run)
        target = self.target()
        values = np.full(p.size, float(target * self.cool_down_ratio))
        annealing = ~(p > P - self.cool_down_time)
        if annealing.any():
            values[annealing] = _annealing_cos(self.base, target, p[annealing] / (P - self.cool_down_time))
        return values, None


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


_LR_HOOKS: Dict[str, Callable[..., _Hook]] = {
    "Fixed": _Fixed,
    "Step": _Step,
    "Exp": _Exp,
    "Poly": _Poly,
    "Inv": _Inv,
    "CosineAnnealing": _CosineAnnealing,
    "FlatCosineAnnealing": _FlatCosineAnnealing,
    "CosineRestart": _CosineRestart,
    "Cyclic": _Cyclic,
    "OneCycle": _OneCycle,
    "LinearAnnealing": _LinearAnnealing,
    "YOLOX": _YOLOX,
    "CosineAnnealingCooldown": _CosineAnnealingCooldown,
}
_MOMENTUM_HOOKS: Dict[str, Callable[..., _Hook]] = {
    "Step": _MomentumStep,
    "CosineAnnealing": _MomentumCosineAnnealing,
    "LinearAnnealing": _MomentumLinearAnnealing,
    "Cyclic": _MomentumCyclic,
    "OneCycle": _MomentumOneCycle,
}
assert set(_LR_HOOKS) == set(LR_POLICIES) and set(_MOMENTUM_HOOKS) == set(MOMENTUM_POLICIES)
assert all(name in _LR_HOOKS for name in ITERATION_ONLY)


def misnamed_policy(param: str, policy: LegacyPolicy) -> Optional[str]:
    """The registered policy a name was meant to be, when mmcv cannot find the written one
    ('cosineannealing' -> 'CosineAnnealing'); None when the name is fine or unknown."""
    table = LR_POLICIES if param == "lr" else MOMENTUM_POLICIES
    if policy.policy in table:
        return None
    written = policy.raw.get("policy")
    if not isinstance(written, str):
        return None
    squashed = written.replace("_", "").replace("-", "").lower()
    for name in table:
        if name.lower() == squashed:
            return name
    return None


def _initial(param: str, plan: Plan) -> Optional[float]:
    opt = plan.optimizer
    if param == "lr":
        return float(opt.lr)
    base = opt.base_momentum
    if opt.momentum_kind is not None and base is None:
        base = 0.9 if opt.momentum_kind == "beta1" else 0.0
    return base


def _simulate_hook(hook: _Hook, run: _Run, initial: float) -> Tuple[np.ndarray, Optional[Tuple[int, str]]]:
    """Values of one hook's parameter during every iteration; (iteration, message) of a crash."""
    N = run.N
    values = np.full(N, float(initial))
    if N == 0:
        return values, None
    if hook.warmup_by_epoch and run.loop == "iter":
        # IterBasedRunner never runs before_train_epoch, so warmup_iters stays None (lr_updater.py:L141)
        return values, (0, "AssertionError: warmup_by_epoch=True needs before_train_epoch, which "
                           "IterBasedRunner never calls (warmup_iters stays None)")
    if hook.by_epoch and run.loop == "iter":
        return values, None  # before_train_epoch never runs: the value is never updated
    W = int(hook.warmup_iters * run.L) if hook.warmup_by_epoch else int(hook.warmup_iters or 0)
    hook.effective_warmup = W
    failure = None
    if hook.by_epoch:
        epochs = np.arange(run.max_epochs, dtype=np.int64)
        per_epoch, fail = hook.regular(epochs, run)
        regular = per_epoch[np.arange(N, dtype=np.int64) // run.L]
        if fail is not None:
            failure = (int(epochs[fail[0]]) * run.L, fail[1])
    else:
        regular, fail = hook.regular(np.arange(N, dtype=np.int64), run)
        if fail is not None:
            failure = fail
    values = regular.astype(np.float64, copy=True)
    if hook.warmup is not None and W > 0:
        n = min(W, N)
        values[:n] = hook.warm(np.arange(n, dtype=np.int64), regular[:n], W)
    return values, failure


def _describe_stop(param: str, message: str, iteration: int, run: _Run) -> str:
    who = "lr_config" if param == "lr" else "momentum_config"
    if run.loop == "epoch":
        when = f"at iteration {iteration} (epoch {iteration // run.L}, 0-based)"
    else:
        when = f"at iteration {iteration}"
    if iteration == 0:
        return f"{who}: mmcv raises {message} {when}: training stops before the first iteration"
    return f"{who}: mmcv raises {message} {when}; iterations {iteration}..{run.N - 1} never run"


def simulate_legacy(plan: Plan) -> Curve:
    """Per-iteration lr and momentum of param group 0 under mmcv 1.7.2's updater hooks."""
    run = _Run(plan)
    errors: List[str] = []
    unsimulated: List[Unsimulated] = []
    results: Dict[str, Optional[np.ndarray]] = {}
    failures: List[Tuple[int, str, str, str]] = []
    policies = {p.param: p for p in plan.legacy}
    for param in ("lr", "momentum"):
        initial = _initial(param, plan)
        policy = policies.get(param)
        if param == "momentum" and initial is None:
            results[param] = None
            if policy is None:
                continue
            if plan.optimizer.known:
                # before_run reads group['betas'][0] when there is no 'momentum' (momentum_updater.py:L129-135);
                # OneCycle checks optimizer.defaults first and raises ValueError
                message = ("ValueError: optimizer must support momentum with option enabled"
                           if policy.policy == "OneCycle" else "KeyError: 'betas'")
                errors.append(LegacyError(
                    f"momentum_config: mmcv raises {message} in before_run ({plan.optimizer.type} has neither "
                    "momentum nor betas): training never starts",
                    param=param, kind="momentum-support", key="policy"))
            else:
                unsimulated.append(Unsimulated(-1, hook_name(param, policy.policy), 0,
                                               f"optimizer type {plan.optimizer.type!r} is not known to schedlint"))
            continue
        values = np.full(run.N, float(initial))
        results[param] = values
        if policy is None:
            continue
        if "policy" not in policy.raw:
            errors.append(LegacyError(f"{policy.path[0]} has no `policy`: mmcv raises AssertionError when "
                                      "registering the hooks", param=param, key="self"))
            continue
        table = _LR_HOOKS if param == "lr" else _MOMENTUM_HOOKS
        factory = table.get(policy.policy)
        if factory is None:
            meant = misnamed_policy(param, policy)
            if meant is not None:
                errors.append(LegacyError(
                    f"{policy.path[0]}: mmcv raises KeyError: '{hook_name(param, policy.policy)} is not in the hook "
                    f"registry' (did you mean policy='{meant}'?)", param=param, kind="policy-name", key="policy"))
            unsimulated.append(Unsimulated(-1, hook_name(param, policy.policy), 0,
                                           f"policy {policy.raw.get('policy')!r} is not an mmcv policy schedlint knows"))
            continue
        try:
            hook = factory(policy, param)
            group_value = hook.before_run(run, float(initial))
        except _BuildError as exc:
            errors.append(LegacyError(f"{policy.path[0]}: mmcv raises {exc} when building the hooks: training "
                                      "never starts", param=param, kind=exc.kind, key=exc.key))
            continue
        except _Unsupported as exc:
            unsimulated.append(Unsimulated(-1, hook_name(param, policy.policy), 0, str(exc)))
            continue
        values, failure = _simulate_hook(hook, run, group_value)
        results[param] = values
        if failure is not None:
            iteration, message = failure
            kind = "restart-periods" if isinstance(hook, _CosineRestart) and "cumulative_periods" in message else "crash"
            failures.append((iteration, param, message, kind))
    stopped_at = None
    if failures:
        iteration, param, message, kind = min(failures, key=lambda f: (f[0], f[1] != "lr"))
        key = "periods" if kind == "restart-periods" else "policy"
        errors.append(LegacyError(_describe_stop(param, message, iteration, run), param=param, kind=kind, key=key))
        if iteration < run.N:
            stopped_at = iteration
            for values in results.values():
                if values is not None and iteration > 0:
                    values[iteration:] = values[iteration - 1]
    lr = results.get("lr")
    return Curve(
        epoch_length=run.L,
        iterations=run.N,
        lr=lr if lr is not None else np.zeros(run.N),
        momentum=results.get("momentum"),
        unsimulated=unsimulated,
        errors=errors,
        stopped_at=stopped_at,
    )
