"""Torch-free, exact simulation of mmengine 0.10.7 parameter schedulers.

`simulate(plan)` reproduces what the mmengine Runner does to param group 0's `lr` and
momentum (SGD `momentum` or Adam-family `betas[0]`) at every training iteration: the
construction step of every scheduler in list order, the `[begin, end)` window test on
`_global_step`, `last_step` counting in-window steps only, each class's *recursive*
`_get_value` (so chaining, the cosine trough branch, periodicity past `T_max` and order
dependence come out exactly as in mmengine), and the ParamSchedulerHook's stepping order.

Section numbers below refer to /work/shared/reference/mmengine-schedules.md; `param_scheduler.py:Lx`
to `mmengine/optim/scheduler/param_scheduler.py` at v0.10.7.

How it stays fast: every scheduler step is an affine map `v -> (v - c) * a + c + d` whose
coefficients depend only on the scheduler's local step (and on values fixed once all schedulers
are built), so coefficients are computed with numpy for a whole run of steps; steps that leave the
value untouched are skipped, purely multiplicative (or purely additive) runs use
`numpy.multiply.accumulate` (sequential, so rounding matches mmengine's step-by-step products), and
only genuinely affine runs are iterated in Python.
"""

from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from schedlint.plan.model import Plan, Scheduler
from schedlint.simulate.hooks import simulate_hook, simulates

__all__ = ["Curve", "Unsimulated", "simulate", "INF"]

INF = int(1e9)  # mmengine's "unbounded" end (param_scheduler.py:L20)

_CHUNK = 1 << 18  # iterations handled per vectorised block (bounds temporary memory)

_FAMILIES = {
    "Step",
    "MultiStep",
    "Constant",
    "Exponential",
    "CosineAnnealing",
    "Linear",
    "Poly",
    "OneCycle",
    "CosineRestart",
    "ReduceOnPlateau",
    "QuadraticWarmup",  # mmdet/engine/schedulers/quadratic_warmup.py
}


# --------------------------------------------------------------------------------------------
# Public result types
# --------------------------------------------------------------------------------------------


@dataclass
class Unsimulated:
    """A scheduler whose effect is not simulated (it is treated as leaving the value unchanged)."""

    index: int  # position in the param_scheduler list
    type: str
    from_iter: int  # first iteration the scheduler could have acted on
    reason: str


class SimulationError(str):
    """A crash mmengine would hit, as its message; `index` is the scheduler's param_scheduler position."""

    index: Optional[int]

    def __new__(cls, text: str, index: Optional[int] = None) -> "SimulationError":
        obj = super().__new__(cls, text)
        obj.index = index
        return obj


@dataclass
class Curve:
    """Per-iteration values of param group 0 over a whole training run.

    `lr[i]` / `momentum[i]` is the value used *during* iteration `i`. `errors` lists crashes
    mmengine would hit: build-time errors (the offending scheduler is left out and the rest is
    simulated) and run-time errors (values are held from the first iteration that would never
    run, `stopped_at`).
    """

    epoch_length: int
    iterations: int
    lr: np.ndarray
    momentum: Optional[np.ndarray]
    unsimulated: List[Unsimulated] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    stopped_at: Optional[int] = None  # first iteration that never runs because of a run-time error

    def epoch_values(self, param: str = "lr") -> np.ndarray:
        """Value of `param` ('lr' or 'momentum') at the first iteration of each epoch."""
        values = self.lr if param == "lr" else self.momentum
        if values is None:
            raise ValueError(f"the optimizer has no {param!r} to report")
        return values[:: max(1, self.epoch_length)].copy()


# --------------------------------------------------------------------------------------------
# Internal machinery
# --------------------------------------------------------------------------------------------


class _BuildError(Exception):
    """mmengine would raise while constructing this scheduler."""


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


def _math_map(func: Callable[[float], float], x: np.ndarray) -> np.ndarray:
    # Python's math functions (the ones mmengine calls) rather than numpy's vectorised ones, which
    # may differ by an ulp; near a cosine trough `1 + cos(x)` amplifies an ulp into ~1e-5 relative.
    return np.fromiter(map(func, x.tolist()), dtype=np.float64, count=x.size)


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
        return None
    if isinstance(value, (int, float)):
        return value
    raise _Unsupported(f"argument {key}={value!r} is not a number")


class _Stepper:
    """One constructed scheduler acting on one parameter of param group 0."""

    steps_at_construction = True  # ReduceOnPlateau does not call step() in __init__

    def __init__(self, spec: Scheduler, family: str):
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

    def construct(self, group: _Group) -> None:
        """Record `initial_<param>` the way `_ParamScheduler.__init__` does (param_scheduler.py:L77-91)."""
        if group.initial is None:
            group.initial = group.value
        self.base = group.initial

    def steps(self, t: np.ndarray, group: _Group) -> _Steps:
        """Step maps for the local steps `t` (int64, consecutive)."""
        raise NotImplementedError


class _StepLR(_Stepper):
    def validate(self) -> None:
        self.step_size = _number(self.args, "step_size", required=True)
        self.gamma = _number(self.args, "gamma", 0.1)

    def steps(self, t, group):
        out = _identity_steps(t.size)
        if self.step_size == 0:
            # `last_step % step_size` raises once last_step != 0 (param_scheduler.py:L299)
            bad = _first(t != 0)
            if bad is not None:
                out.failure = (bad, "ZeroDivisionError: modulo by step_size=0")
            return out
        hit = (t != 0) & (np.mod(t, self.step_size) == 0)
        out.a[hit] = self.gamma
        return out


class _MultiStepLR(_Stepper):
    def validate(self) -> None:
        milestones = self.args.get("milestones")
        if milestones is None:
            raise _BuildError("TypeError: missing required argument 'milestones'")
        if not isinstance(milestones, (list, tuple)) or not all(
            isinstance(m, (int, float)) for m in milestones
        ):
            raise _Unsupported(f"milestones={milestones!r} is not a list of numbers")
        self.milestones = Counter(milestones)
        self.gamma = _number(self.args, "gamma", 0.1)

    def steps(self, t, group):
        out = _identity_steps(t.size)
        if t.size == 0:
            return out
        t0, consecutive = int(t[0]), int(t[-1]) - int(t[0]) + 1 == t.size
        for milestone, count in self.milestones.items():
            if not math.isfinite(milestone) or milestone != int(milestone):
                continue  # `last_step in milestones` never holds for a fractional milestone
            if consecutive:
                if t0 <= milestone < t0 + t.size:
                    out.a[int(milestone) - t0] = self.gamma**count
            else:
                out.a[t == milestone] = self.gamma**count
        return out


class _ConstantLR(_Stepper):
    def validate(self) -> None:
        self.factor = _number(self.args, "factor", 1.0 / 3)
        # mmpose registers its own ConstantLR/ConstantParamScheduler without the [0, 1] restriction
        unrestricted = self.spec.scope == "mmpose"
        if (self.factor > 1.0 and not unrestricted) or self.factor < 0:
            raise _BuildError("ValueError: Constant multiplicative factor should between 0 and 1.")
        self.total_iters = self.end - self.begin - 1

    def steps(self, t, group):
        out = _identity_steps(t.size)
        out.a[t == 0] = self.factor
        restore = (t == self.total_iters) & (t != 0)
        if self.factor == 0:
            bad = _first(restore)
            if bad is not None:
                out.failure = (bad, "ZeroDivisionError: float division by zero (1.0 / factor, factor=0)")
            return out
        out.a[restore] = 1.0 / self.factor
        return out


class _ExponentialLR(_Stepper):
    def validate(self) -> None:
        self.gamma = _number(self.args, "gamma", required=True)

    def steps(self, t, group):
        out = _identity_steps(t.size)
        out.a[t != 0] = self.gamma
        return out


class _CosineAnnealingLR(_Stepper):
    def validate(self) -> None:
        eta_min = _number(self.args, "eta_min")
        eta_min_ratio = _number(self.args, "eta_min_ratio")
        if eta_min is None and eta_min_ratio is None:
            eta_min = 0.0
        if not ((eta_min is None) ^ (eta_min_ratio is None)):
            raise _BuildError("AssertionError: Either `eta_min` or `eta_min_ratio should be specified")
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        self.T_max = _number(self.args, "T_max") or (self.end - self.begin)  # L638

    def floor(self) -> float:
        """eta_min for group 0 (per-group `base * eta_min_ratio`, L683-686)."""
        return self.eta_min if self.eta_min_ratio is None else self.base * self.eta_min_ratio

    def steps(self, t, group):
        out = _identity_steps(t.size)
        if t.size == 0:
            return out
        T = self.T_max
        floor = self.floor()
        if int(t[-1]) - int(t[0]) + 1 == t.size:
            # consecutive steps: cos(pi*(t-1)/T) of step t is cos(pi*t/T) of step t-1
            cosines = _math_map(math.cos, math.pi * np.arange(int(t[0]) - 1, int(t[-1]) + 1) / T)
            ratio_num, ratio_den = 1 + cosines[1:], 1 + cosines[:-1]
        else:
            ratio_num = 1 + _math_map(math.cos, math.pi * t / T)
            ratio_den = 1 + _math_map(math.cos, math.pi * (t - 1) / T)
        moving = t != 0
        # The step right after each trough adds (base - eta_min)(1 - cos(pi/T))/2 using base_values,
        # not the current value (L692-699): this is what makes the curve periodic past T_max.
        trough = moving & (np.mod(t - 1 - T, 2 * T) == 0)
        ratio_steps = moving & ~trough
        out.d[trough] = (self.base - floor) * (1 - math.cos(math.pi / T)) / 2
        bad = _first(ratio_steps & (ratio_den == 0))
        if bad is not None:
            out.failure = (bad, "ZeroDivisionError: float division by zero (cosine ratio)")
            ratio_steps[bad:] = False
        with np.errstate(divide="ignore", invalid="ignore"):
            out.a[ratio_steps] = ratio_num[ratio_steps] / ratio_den[ratio_steps]
        out.c[ratio_steps] = floor
        return out


class _LinearLR(_Stepper):
    def validate(self) -> None:
        self.start_factor = _number(self.args, "start_factor", 1.0 / 3)
        self.end_factor = _number(self.args, "end_factor", 1.0)
        if self.start_factor > 1.0 or self.start_factor < 0:
            raise _BuildError("ValueError: Starting multiplicative factor should between 0 and 1.")
        if self.end_factor > 1.0 or self.end_factor < 0:
            raise _BuildError("ValueError: Ending multiplicative factor should between 0 and 1.")
        self.total_iters = self.end - self.begin - 1

    def steps(self, t, group):
        out = _identity_steps(t.size)
        s, e = self.start_factor, self.end_factor
        out.a[t == 0] = s
        later = t != 0
        # L799-803: v * (1 + (e - s) / (T*s + (t-1)*(e-s)))
        denominator = self.total_iters * s + (t - 1) * (e - s)
        bad = _first(later & (denominator == 0))
        if bad is not None:
            out.failure = (bad, "ZeroDivisionError: float division by zero (LinearLR factor ratio)")
            later[bad:] = False
        out.a[later] = 1.0 + (e - s) / denominator[later]
        return out


def _powers(bases: np.ndarray, power: float) -> Tuple[np.ndarray, Optional[int]]:
    """`base ** power` with Python's float pow; index of the first one Python cannot do as a float."""
    try:
        values = list(map(pow, bases.tolist(), repeat(power)))
        return np.array(values, dtype=np.float64), None
    except (ZeroDivisionError, TypeError, OverflowError):
        pass
    result = np.empty(bases.size)
    for i, b in enumerate(bases.tolist()):
        try:
            r = b**power
        except (ZeroDivisionError, OverflowError):
            return result, i
        if isinstance(r, complex):
            return result, i
        result[i] = r
    return result, None  # pragma: no cover - the fast path would have succeeded


class _PolyLR(_Stepper):
    def validate(self) -> None:
        self.eta_min = _number(self.args, "eta_min", 0)
        self.power = _number(self.args, "power", 1.0)
        self.total_iters = self.end - self.begin - 1

    def floor(self) -> float:
        """eta_min for group 0."""
        return self.eta_min

    def steps(self, t, group):
        out = _identity_steps(t.size)
        later = t != 0
        remaining = self.total_iters - t + 1
        bad = _first(later & (remaining == 0))
        if bad is not None:
            out.failure = (bad, "ZeroDivisionError: division by zero (PolyLR 1/(T - t + 1))")
            later[bad:] = False
        idx = np.flatnonzero(later)
        factors, pow_bad = _powers(1 - 1 / remaining[idx], self.power)
        if pow_bad is not None:
            bad_at = int(idx[pow_bad])
            # Python returns a complex number (or raises) here; a complex lr breaks the optimizer.
            if out.failure is None or bad_at < out.failure[0]:
                out.failure = (bad_at, f"PolyLR factor (1 - 1/(T-t+1))**{self.power} is not a real number")
            idx = idx[:pow_bad]
            factors = factors[:pow_bad]
        out.a[idx] = factors
        out.c[idx] = self.floor()
        return out


class _PolyLRRatio(_PolyLR):
    """mmseg's PolyLRRatio (mmseg/engine/schedulers/poly_ratio_scheduler.py): Poly with a per-base floor."""

    def validate(self) -> None:
        super().validate()
        self.eta_min_ratio = _number(self.args, "eta_min_ratio")

    def floor(self) -> float:
        return self.eta_min if self.eta_min_ratio is None else self.base * self.eta_min_ratio


class _OneCycleLR(_Stepper):
    def validate(self) -> None:
        if self.spec.param != "lr":
            raise _BuildError(
                "AssertionError: OneCycle only works for learning rate updating, but got patam_name as momentum"
            )
        eta_max = self.args.get("eta_max", 0)
        if isinstance(eta_max, (list, tuple)) and eta_max:
            eta_max = eta_max[0]  # one value per param group; group 0 is simulated
        if not isinstance(eta_max, (int, float)):
            raise _Unsupported(f"eta_max={eta_max!r} is not a number")
        self.eta_max = eta_max
        self.div_factor = _number(self.args, "div_factor", 25.0)
        self.final_div_factor = _number(self.args, "final_div_factor", 1e4)
        total_steps = self.args.get("total_steps")
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise _BuildError(f"ValueError: Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        else:
            self.total_steps = self.end - self.begin
        pct_start = self.args.get("pct_start", 0.3)
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise _BuildError(f"ValueError: Expected float between 0 and 1 pct_start, but got {pct_start}")
        anneal = self.args.get("anneal_strategy", "cos")
        if anneal not in ("cos", "linear"):
            raise _BuildError(
                f'ValueError: anneal_strategy must by one of "cos" or "linear", instead got {anneal}'
            )
        self.anneal = anneal
        N = self.total_steps
        # (end_step, start key, end key), L1004-1034
        if self.args.get("three_phase", False):
            self.phases = [
                (float(pct_start * N) - 1, "initial", "max"),
                (float(2 * pct_start * N) - 2, "max", "initial"),
                (N - 1, "initial", "min"),
            ]
        else:
            self.phases = [(float(pct_start * N) - 1, "initial", "max"), (N - 1, "max", "min")]

    def construct(self, group: _Group) -> None:
        # Overwrites initial_lr (and max/min) before the base class's setdefault (L1036-1044), so
        # this and every later-built scheduler sees eta_max/div_factor as the base.
        group.initial = self.eta_max / self.div_factor
        group.onecycle = {
            "initial": group.initial,
            "max": self.eta_max,
            "min": group.initial / self.final_div_factor,
        }
        self.base = group.initial

    def steps(self, t, group):
        out = _identity_steps(t.size)
        # phase = first one with t <= end_step, else the last (L1122-1131)
        phase = np.full(t.size, len(self.phases) - 1)
        for i in range(len(self.phases) - 2, -1, -1):
            phase[t <= self.phases[i][0]] = i
        end_steps = np.array([p[0] for p in self.phases], dtype=np.float64)
        start_steps = np.concatenate([[0.0], end_steps[:-1]])
        span = end_steps[phase] - start_steps[phase]
        failures = []
        too_far = _first(t > self.total_steps)  # checked before the phases (L1115-1118)
        if too_far is not None:
            failures.append((too_far, 0, f"ValueError: Tried to step {int(t[too_far]) + 1} times. "
                                         f"The specified number of total steps is {self.total_steps}"))
        empty_phase = _first(span == 0)
        if empty_phase is not None:
            failures.append((empty_phase, 1, "ZeroDivisionError: division by zero (OneCycle phase of zero length)"))
        n = t.size
        if failures:
            offset, _, message = min(failures)
            out.failure = (offset, message)
            n = offset
        phase, span = phase[:n], span[:n]
        pct = (t[:n] - start_steps[phase]) / span
        start_values = np.array([group.onecycle[p[1]] for p in self.phases])[phase]
        end_values = np.array([group.onecycle[p[2]] for p in self.phases])[phase]
        if self.anneal == "cos":
            values = end_values + (start_values - end_values) / 2.0 * (_math_map(math.cos, math.pi * pct) + 1)
        else:
            values = (end_values - start_values) * pct + start_values
        # an absolute value, as the step map (v - 0) * 0 + 0 + value
        out.a[:n] = 0.0
        out.d[:n] = values
        return out


class _CosineRestartLR(_Stepper):
    def validate(self) -> None:
        periods = self.args.get("periods")
        if periods is None:
            raise _BuildError("TypeError: missing required argument 'periods'")
        if not isinstance(periods, (list, tuple)) or not all(isinstance(p, (int, float)) for p in periods):
            raise _Unsupported(f"periods={periods!r} is not a list of numbers")
        weights = self.args.get("restart_weights", (1,))
        if not isinstance(weights, (list, tuple)) or not all(isinstance(w, (int, float)) for w in weights):
            raise _Unsupported(f"restart_weights={weights!r} is not a list of numbers")
        eta_min = _number(self.args, "eta_min")
        eta_min_ratio = _number(self.args, "eta_min_ratio")
        if not ((eta_min is None) ^ (eta_min_ratio is None)):
            raise _BuildError("AssertionError: exactly one of eta_min / eta_min_ratio must be given (L1182)")
        if len(periods) != len(weights):
            raise _BuildError("AssertionError: periods and restart_weights should have the same length.")
        self.periods = list(periods)
        self.weights = list(weights)
        self.eta_min = eta_min
        self.eta_min_ratio = eta_min_ratio
        self.cumulative = [sum(self.periods[0 : i + 1]) for i in range(len(self.periods))]

    def steps(self, t, group):
        out = _identity_steps(t.size)
        floor = self.eta_min if self.eta_min_ratio is None else self.base * self.eta_min_ratio
        period_index = np.full(t.size, -1)
        for i, cumulative in enumerate(self.cumulative):
            period_index[(period_index < 0) & (t < cumulative)] = i
        # past sum(periods): get_position_from_periods returns None, value left frozen (L1236-1239)
        inside = period_index >= 0
        idx = period_index[inside]
        restarts = np.array([0] + self.cumulative[:-1])[idx]
        lengths = np.array(self.periods)[idx]
        weights = np.array(self.weights, dtype=np.float64)[idx]
        step = t[inside] - restarts
        positions = np.flatnonzero(inside)
        restart = step == 0
        out.a[positions[restart]] = 0.0
        out.d[positions[restart]] = self.base * weights[restart]
        cosine = ~restart
        s, P = step[cosine], lengths[cosine]
        num = 1 + _math_map(math.cos, math.pi * s / P)
        den = 1 + _math_map(math.cos, math.pi * (s - 1) / P)
        where = positions[cosine]
        bad = _first(den == 0)
        if bad is not None:
            out.failure = (int(where[bad]), "ZeroDivisionError: float division by zero (cosine ratio)")
            keep = where < where[bad]
            where, num, den = where[keep], num[keep], den[keep]
        out.a[where] = num / den
        out.c[where] = floor
        return out


class _QuadraticWarmupLR(_Stepper):
    def validate(self) -> None:
        if self.end >= INF:
            raise _BuildError("ValueError: ``end`` must be less than infinity (QuadraticWarmup)")
        self.total_iters = self.end - self.begin

    def steps(self, t, group):
        # mmdet quadratic_warmup.py: t=0 -> base*(2t+1)/T**2 (absolute); else v + base*(2t+1)/T**2
        out = _identity_steps(t.size)
        increments = self.base * (2 * t + 1) / self.total_iters**2
        out.d[:] = increments
        out.a[t == 0] = 0.0
        return out


class _ReduceOnPlateauLR(_Stepper):
    steps_at_construction = False

    def validate(self) -> None:
        if not self.by_epoch:
            raise _BuildError(f"AssertionError: Now {self.type} only support by_epoch=True")
        factor = _number(self.args, "factor", 0.1)
        if factor >= 1.0:
            raise _BuildError("ValueError: Factor should be < 1.0.")

    def steps(self, t, group):
        return _identity_steps(t.size)


_STEPPERS = {
    "Step": _StepLR,
    "MultiStep": _MultiStepLR,
    "Constant": _ConstantLR,
    "Exponential": _ExponentialLR,
    "CosineAnnealing": _CosineAnnealingLR,
    "Linear": _LinearLR,
    "Poly": _PolyLR,
    "PolyRatio": _PolyLRRatio,
    "OneCycle": _OneCycleLR,
    "CosineRestart": _CosineRestartLR,
    "ReduceOnPlateau": _ReduceOnPlateauLR,
    "QuadraticWarmup": _QuadraticWarmupLR,
}


def _parse_type(name: str) -> Optional[Tuple[str, str]]:
    """(family, flavour) of a scheduler class name; flavour is 'lr', 'momentum' or 'generic'."""
    name = str(name).rsplit(".", 1)[-1]  # tolerate scopes such as 'mmdet.QuadraticWarmupLR'
    if name == "PolyLRRatio":
        return "PolyRatio", "lr"
    for suffix, flavour in (("ParamScheduler", "generic"), ("LR", "lr"), ("Momentum", "momentum")):
        if name.endswith(suffix) and name[: -len(suffix)] in _FAMILIES:
            return name[: -len(suffix)], flavour
    return None


@dataclass(order=True)
class _Failure:
    """A run-time exception; ordered by when it happens in the Runner."""

    event: int  # global iteration event: 0 = construction, g = step after iteration g-1
    phase: int  # 0 = iteration schedulers (after_train_iter), 1 = epoch schedulers (after_train_epoch)
    index: int  # position in the param_scheduler list
    message: str = field(compare=False)
    local_step: int = field(compare=False, default=0)
    type: str = field(compare=False, default="")


@dataclass
class _Track:
    """A stepper's activity inside one block of global iteration events."""

    stepper: _Stepper
    phase: int
    positions: np.ndarray  # offsets in the block where the scheduler is in-window
    local_steps: np.ndarray  # its `last_step` at those offsets


class _ParamRun:
    """Simulates one parameter ('lr' or 'momentum') of param group 0 through the Runner's events."""

    def __init__(
        self,
        initial_value: float,
        steppers: Sequence[_Stepper],
        *,
        total_iters: int,
        epoch_length: int,
        loop: str,
        hook_enabled: bool,
    ):
        self.group = _Group(value=float(initial_value))
        self.steppers = list(steppers)
        self.N = total_iters
        self.L = max(1, epoch_length)
        self.loop = loop
        self.hook_enabled = hook_enabled
        self.failure: Optional[_Failure] = None

    # -- public --------------------------------------------------------------------------------

    def run(self) -> np.ndarray:
        """Values during each iteration; sets `self.failure` to the first run-time crash, if any."""
        values = np.empty(self.N)
        if not self._construct():
            values[:] = self.group.value
            return values
        if self.N == 0:
            return values
        values[0] = self.group.value
        if not self.hook_enabled:
            values[1:] = self.group.value
            return values
        v = self.group.value
        # Events g = 1..N: iteration schedulers step after iteration g-1; event N only matters
        # for crashes (the hook also steps after the last iteration / epoch).
        g = 1
        while g <= self.N:
            g_end = min(g + _CHUNK, self.N + 1)
            tracks = self._tracks(g, g_end)
            v, stop = self._run_block(values, v, g, g_end, tracks)
            if stop is not None:
                if stop < self.N:
                    values[stop:] = values[stop - 1]
                break
            g = g_end
        return values

    # -- construction --------------------------------------------------------------------------

    def _construct(self) -> bool:
        group = self.group
        for s in self.steppers:
            s.construct(group)
            if s.steps_at_construction and s.g_first == 0 < s.g_stop:
                st = s.steps(np.zeros(1, dtype=np.int64), group)
                if st.failure is not None:
                    self.failure = _Failure(0, 0, s.index, st.failure[1], 0, s.type)
                    return False
                c = float(st.c[0])
                group.value = (group.value - c) * float(st.a[0]) + c + float(st.d[0])
        return True

    # -- stepping ------------------------------------------------------------------------------

    def _epoch_events(self, g0: int, g1: int) -> Tuple[np.ndarray, np.ndarray]:
        """(event g, epoch global step) pairs in [g0, g1) at which epoch schedulers step."""
        if self.loop == "epoch":
            first_e = -(-g0 // self.L)
            last_e = (g1 - 1) // self.L
            epochs = np.arange(max(first_e, 1), last_e + 1, dtype=np.int64)
            return epochs * self.L, epochs
        # IterBasedTrainLoop calls after_train_epoch once, after the last iteration (loops.py:L271-300)
        if g0 <= self.N < g1:
            return np.array([self.N], dtype=np.int64), np.array([1], dtype=np.int64)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    def _tracks(self, g0: int, g1: int) -> List[_Track]:
        """Stepping activity in events [g0, g1), in the order the hook applies it at each event."""
        iteration_tracks: List[_Track] = []
        epoch_tracks: List[_Track] = []
        events = None
        for s in self.steppers:
            if isinstance(s, _ReduceOnPlateauLR):
                continue  # only counts epochs until metrics arrive (§1.5)
            if not s.by_epoch:
                lo, hi = max(g0, s.g_first), min(g1, s.g_stop)
                if lo < hi:
                    positions = np.arange(lo - g0, hi - g0, dtype=np.int64)
                    iteration_tracks.append(_Track(s, 0, positions, positions + (g0 - s.g_first)))
            else:
                if events is None:
                    events = self._epoch_events(g0, g1)
                event_g, epoch = events
                inside = (epoch >= s.g_first) & (epoch < s.g_stop)
                if inside.any():
                    epoch_tracks.append(_Track(s, 1, event_g[inside] - g0, epoch[inside] - s.g_first))
        return iteration_tracks + epoch_tracks

    def _run_block(
        self, values: np.ndarray, v: float, g0: int, g1: int, tracks: List[_Track]
    ) -> Tuple[float, Optional[int]]:
        """Apply events [g0, g1) to `v`, writing `values[g]`; returns (v, g of a crash or None)."""
        n = g1 - g0
        write_end = min(g1, self.N)
        if not tracks:
            values[g0:write_end] = v
            return v, None

        # Dense per-block step maps per track, identity where the scheduler does not step.
        maps = []
        failure: Optional[_Failure] = None
        for tr in tracks:
            st = tr.stepper.steps(tr.local_steps, self.group)
            c, a, d = np.zeros(n), np.ones(n), np.zeros(n)
            c[tr.positions], a[tr.positions], d[tr.positions] = st.c, st.a, st.d
            maps.append((c, a, d))
            if st.failure is not None:
                offset, message = st.failure
                candidate = _Failure(
                    g0 + int(tr.positions[offset]),
                    tr.phase,
                    tr.stepper.index,
                    message,
                    int(tr.local_steps[offset]),
                    tr.stepper.type,
                )
                if failure is None or candidate < failure:
                    failure = candidate
        stop = None
        if failure is not None:
            self.failure = failure
            stop = failure.event
            n = stop - g0  # the crashing event's partial updates are never used
            write_end = min(stop, self.N)
            maps = [(c[:n], a[:n], d[:n]) for c, a, d in maps]
            if n == 0:
                return v, stop

        changes = np.zeros(n, dtype=bool)
        for c, a, d in maps:
            changes |= (c != 0) | (a != 1) | (d != 0)
        positions = np.flatnonzero(changes)
        if positions.size == 0:
            values[g0:write_end] = v
            return v, stop
        cs = [c[positions] for c, _, _ in maps]
        As = [a[positions] for _, a, _ in maps]
        ds = [d[positions] for _, _, d in maps]
        k = len(maps)
        no_offset = not any(x.any() for x in cs)
        if no_offset and not any(x.any() for x in ds):
            # Purely multiplicative: sequential accumulate = mmengine's step-by-step products.
            factors = np.empty(positions.size * k + 1)
            factors[0] = v
            factors[1:] = np.stack(As, axis=1).ravel()
            stepped = np.multiply.accumulate(factors)[k::k]
        elif no_offset and all((x == 1).all() for x in As):
            terms = np.empty(positions.size * k + 1)
            terms[0] = v
            terms[1:] = np.stack(ds, axis=1).ravel()
            stepped = np.add.accumulate(terms)[k::k]
        else:
            stepped = self._affine_runs(v, cs, As, ds)
        table = np.empty(positions.size + 1)
        table[0] = v
        table[1:] = stepped
        block_values = table[np.cumsum(changes)]
        values[g0:write_end] = block_values[: write_end - g0]
        return float(stepped[-1]), stop

    @classmethod
    def _affine_runs(cls, v: float, cs, As, ds) -> np.ndarray:
        """Step through affine maps; runs where a single scheduler with a fixed floor acts alone are
        vectorised (the distance to the floor is multiplied, equal to mmengine's recursion within
        float rounding), the rest goes step by step."""
        n = cs[0].size
        active = np.stack([(c != 0) | (a != 1) | (d != 0) for c, a, d in zip(cs, As, ds)])
        which = active.argmax(axis=0)
        c_at = np.choose(which, cs)
        a_at = np.choose(which, As)
        d_at = np.choose(which, ds)
        simple = (active.sum(axis=0) == 1) & (d_at == 0)
        key_change = np.ones(n, dtype=bool)
        key_change[1:] = (simple[1:] != simple[:-1]) | (which[1:] != which[:-1]) | (c_at[1:] != c_at[:-1])
        starts = np.flatnonzero(key_change).tolist() + [n]
        out = np.empty(n)
        for lo, hi in zip(starts, starts[1:]):
            if simple[lo] and hi - lo > 1:
                floor = float(c_at[lo])
                factors = np.empty(hi - lo + 1)
                factors[0] = v - floor
                factors[1:] = a_at[lo:hi]
                out[lo:hi] = np.multiply.accumulate(factors)[1:] + floor
            else:
                out[lo:hi] = cls._affine_loop(v, [c[lo:hi] for c in cs], [a[lo:hi] for a in As],
                                              [d[lo:hi] for d in ds])
            v = float(out[hi - 1])
        return out

    @staticmethod
    def _affine_loop(v: float, cs, As, ds) -> List[float]:
        out: List[float] = []
        append = out.append
        if len(cs) == 1:
            for c, a, d in zip(cs[0].tolist(), As[0].tolist(), ds[0].tolist()):
                v = (v - c) * a + c + d
                append(v)
            return out
        columns = [(c.tolist(), a.tolist(), d.tolist()) for c, a, d in zip(cs, As, ds)]
        for i in range(cs[0].size):
            for c_list, a_list, d_list in columns:
                c = c_list[i]
                v = (v - c) * a_list[i] + c + d_list[i]
            append(v)
        return out


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _from_iter(spec: Scheduler, epoch_length: int) -> int:
    first = max(0, math.ceil(spec.begin)) if spec.begin < INF else INF
    return int(first * epoch_length) if spec.by_epoch else int(first)


def _describe_failure(f: _Failure, total_iters: int, epoch_length: int, loop: str) -> str:
    who = f"{f.type} (param_scheduler[{f.index}])"
    if f.event == 0:
        when = "in its construction step; training never starts"
    else:
        if f.phase == 0:
            when = f"in its step after iteration {f.event - 1} (0-based; last_step={f.local_step})"
        elif loop == "epoch":
            when = f"in its step at the end of epoch {f.event // epoch_length} (1-based; last_step={f.local_step})"
        else:
            when = f"in the after_train_epoch step that IterBasedTrainLoop runs at the end (last_step={f.local_step})"
        if f.event >= total_iters:
            when += "; all iterations have run, but training crashes before finishing"
        else:
            when += f"; training crashes, iterations {f.event}..{total_iters - 1} never run"
    return f"{who} raises {f.message} {when}"


_CACHE: "OrderedDict[str, Curve]" = OrderedDict()
_CACHE_BYTES = 64 * 1024 * 1024  # upper bound on the memory held by cached curves


def simulate(plan: Plan) -> Curve:
    """The exact per-iteration lr and momentum of param group 0 (see `_simulate`).

    Configs of one project share schedules, so results are memoised on everything the curve
    depends on; the cached arrays are read-only.
    """
    key = plan.model_dump_json(include={"generation", "horizon", "optimizer", "schedulers", "legacy",
                                        "scheduler_hook_enabled", "scheduler_hook"},
                               exclude={"horizon": {"locs", "epoch_length_source"},
                                        "optimizer": {"locs"},
                                        "schedulers": {"__all__": {"locs", "raw", "path"}},
                                        "legacy": {"__all__": {"locs", "raw", "path"}},
                                        "scheduler_hook": {"locs", "raw", "path"}})
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    curve = _simulate(plan)
    for values in (curve.lr, curve.momentum):
        if values is not None:
            values.flags.writeable = False
    _CACHE[key] = curve
    while len(_CACHE) > 1 and sum(_curve_bytes(c) for c in _CACHE.values()) > _CACHE_BYTES:
        _CACHE.popitem(last=False)
    return curve


def _curve_bytes(curve: Curve) -> int:
    return sum(v.nbytes for v in (curve.lr, curve.momentum) if v is not None)


def _simulate(plan: Plan) -> Curve:
    """Per-iteration lr and momentum of param group 0 under mmengine 0.10.7's Runner.

    Momentum means SGD-style `momentum` or Adam-family `betas[0]` (`plan.optimizer.momentum_kind`);
    it is None when the optimizer has neither. Schedulers that cannot be simulated leave the value
    unchanged and are listed in `Curve.unsimulated`.
    """
    if plan.generation == "mmcv":
        from schedlint.simulate.mmcv import simulate_legacy
        return simulate_legacy(plan)
    if simulates(plan):  # a scheduler hook (mmyolo) drives the LR instead of param_scheduler
        lr, momentum, errors = simulate_hook(plan)
        return Curve(max(1, int(plan.horizon.epoch_length)), plan.horizon.total_iters, lr, momentum, errors=errors)
    horizon = plan.horizon
    N = horizon.total_iters
    L = max(1, int(horizon.epoch_length))
    optimizer = plan.optimizer
    errors: List[str] = []
    unsimulated: List[Unsimulated] = []
    by_param: Dict[str, List[_Stepper]] = {"lr": [], "momentum": []}

    momentum_kind = optimizer.momentum_kind
    base_momentum = optimizer.base_momentum
    if momentum_kind is not None and base_momentum is None:
        base_momentum = 0.9 if momentum_kind == "beta1" else 0.0  # torch defaults (Adam betas, SGD)

    for spec in plan.schedulers:
        parsed = _parse_type(spec.type)
        if parsed is None:
            unsimulated.append(
                Unsimulated(spec.index, spec.type, _from_iter(spec, L), f"unknown scheduler type {spec.type!r}")
            )
            continue
        family, flavour = parsed
        param = spec.param if flavour == "generic" else flavour
        if param == "momentum" and momentum_kind is None and not getattr(optimizer, "known", True):
            unsimulated.append(
                Unsimulated(
                    spec.index,
                    spec.type,
                    _from_iter(spec, L),
                    f"optimizer type {optimizer.type!r} is not known to schedlint: cannot tell whether it has "
                    "momentum or betas (mmengine raises ValueError if it has neither)",
                )
            )
            continue
        if param == "momentum" and momentum_kind is None:
            errors.append(
                SimulationError(
                    f"{spec.type} (param_scheduler[{spec.index}]) raises ValueError: optimizer must support "
                    f"momentum when using momentum scheduler ({optimizer.type} has neither momentum nor betas)",
                    spec.index,
                )
            )
            continue
        if param == "momentum" and momentum_kind == "beta1" and flavour == "generic":
            unsimulated.append(
                Unsimulated(
                    spec.index,
                    spec.type,
                    _from_iter(spec, L),
                    "a generic ParamScheduler on 'momentum' writes group['momentum'], which Adam-family "
                    "optimizers ignore (only *Momentum classes sync betas[0]); it raises KeyError "
                    "unless a *Momentum scheduler was built before it",
                )
            )
            continue
        try:
            stepper = _STEPPERS[family](spec, family)
        except _BuildError as exc:
            errors.append(
                SimulationError(f"{spec.type} (param_scheduler[{spec.index}]) raises {exc} while being built", spec.index)
            )
            continue
        except _Unsupported as exc:
            unsimulated.append(Unsimulated(spec.index, spec.type, _from_iter(spec, L), str(exc)))
            continue
        if family == "ReduceOnPlateau":
            unsimulated.append(
                Unsimulated(
                    spec.index,
                    spec.type,
                    _from_iter(spec, L),
                    "reductions depend on validation metrics; simulated as constant (no reductions)",
                )
            )
        by_param[param].append(stepper)

    runs: Dict[str, _ParamRun] = {}
    results: Dict[str, np.ndarray] = {}
    initial = {"lr": optimizer.lr, "momentum": base_momentum}
    for param in ("lr", "momentum"):
        if param == "momentum" and momentum_kind is None:
            continue
        runs[param] = _ParamRun(
            initial[param],
            by_param[param],
            total_iters=N,
            epoch_length=L,
            loop=horizon.loop,
            hook_enabled=plan.scheduler_hook_enabled,
        )
        results[param] = runs[param].run()

    failures = [r.failure for r in runs.values() if r.failure is not None]
    stopped_at = None
    if failures:
        first = min(failures)
        errors.append(SimulationError(_describe_failure(first, N, L, horizon.loop), first.index))
        if first.event < N:
            stopped_at = first.event
            # a crash in one parameter's scheduler stops training for both
            for values in results.values():
                if first.event > 0:
                    values[first.event :] = values[first.event - 1]

    return Curve(
        epoch_length=L,
        iterations=N,
        lr=results["lr"],
        momentum=results.get("momentum"),
        unsimulated=sorted(unsimulated, key=lambda u: u.index),
        errors=errors,
        stopped_at=stopped_at,
    )
