"""Torch-free, exact simulation of mmengine 0.10.7 parameter schedulers (the entry point).

`simulate(plan)` reproduces what the mmengine Runner does to param group 0's `lr` and
momentum (SGD `momentum` or Adam-family `betas[0]`) at every training iteration: the
construction step of every scheduler in list order, the `[begin, end)` window test on
`_global_step`, `last_step` counting in-window steps only, each class's *recursive*
`_get_value` (so chaining, the cosine trough branch, periodicity past `T_max` and order
dependence come out exactly as in mmengine), and the ParamSchedulerHook's stepping order.
The scheduler types are the units of `schedlint.simulate.schedulers`; the stepping is in
`schedlint.simulate.runner`; mmcv-1.x plans go to `schedlint.simulate.mmcv`.
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from typing import Dict, List

import numpy as np

from schedlint.plan.model import Plan, Scheduler
from schedlint.simulate.hooks import simulate_hook, simulates
from schedlint.simulate.mmcv import simulate_legacy
from schedlint.simulate.results import Curve, SimulationError, Unsimulated
from schedlint.simulate.runner import _Failure, _ParamRun
from schedlint.simulate.builder import LazySeries
from schedlint.simulate.series import Series
from schedlint.simulate.schedulers import INF, parse_type, stepper_class
from schedlint.simulate.schedulers.base import _BuildError, _Stepper, _Unsupported

__all__ = ["simulate"]


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
# upper bound on the memory held by cached curves (peak memory); curves are held as runs of equal values
# (a few numbers for millions of iterations stepped per epoch), and a larger curve is not kept. Measured
# on the wheel trees (-j 1, 742 simulations of 459 distinct curves, 2.3 s if each ran once): an LRU of
# 4 MiB spends 4.7 s simulating, 8 MiB 3.2 s, 12 MiB 2.7 s; peak memory grows by about 3, 5 and (16 MiB)
# 12 MiB: 8 MiB keeps the run clear of 2x the mmengine loop's memory
_CACHE_BYTES = 8 * 1024 * 1024
_cache_bytes = 0


def _memo_key(plan: Plan) -> str:
    """Everything a curve depends on, as text."""
    return plan.model_dump_json(include={"generation", "horizon", "optimizer", "schedulers", "legacy",
                                         "scheduler_hook_enabled", "scheduler_hook"},
                                exclude={"horizon": {"locs", "epoch_length_source"},
                                         "optimizer": {"locs", "raw", "lr_scale_source"},
                                         "schedulers": {"__all__": {"locs", "raw", "path"}},
                                         "legacy": {"__all__": {"locs", "raw", "path"}},
                                         "scheduler_hook": {"locs", "raw", "path"}})


def simulate(plan: Plan, remember: bool = True) -> Curve:
    """The exact per-iteration lr and momentum of param group 0 (see `_simulate`).

    Configs of one project share schedules, so results are memoised on everything the curve
    depends on; curves are read-only. `remember=False`: a variant a rule builds for itself (another
    param group's LR) is taken from the memo if there, but not kept (it would evict configs' curves).
    """
    global _cache_bytes
    try:
        key = _memo_key(plan)
    except ValueError:  # (pydantic's serialization error) a value JSON cannot hold, e.g. a class as an argument
        return _simulate_quietly(plan)
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    curve = _simulate_quietly(plan)
    size = curve.nbytes
    if size > _CACHE_BYTES or not remember:
        return curve
    _CACHE[key] = curve
    _cache_bytes += size
    for series in (curve.series("lr"), curve.series("momentum")):
        if isinstance(series, LazySeries):  # its deferred values may be built later: count them then
            series.on_build = functools.partial(_grown, key)
    _evict()
    return curve


def _simulate_quietly(plan: Plan) -> Curve:
    """`_simulate` with float arithmetic as Python's: an inf or NaN an absurd value produces is a value (the
    rules judge it), never a numpy RuntimeWarning printed over the report."""
    with np.errstate(all="ignore"):
        return _simulate(plan)


def _grown(key: str, extra: int) -> None:
    """A cached curve's lazy series was built (`LazySeries`): it now holds `extra` more bytes."""
    global _cache_bytes
    if key in _CACHE:
        _cache_bytes += extra
        _evict()


def _evict() -> None:
    global _cache_bytes
    while _cache_bytes > _CACHE_BYTES:
        _cache_bytes -= _CACHE.popitem(last=False)[1].nbytes


def _simulate(plan: Plan) -> Curve:
    """Per-iteration lr and momentum of param group 0 under mmengine 0.10.7's Runner.

    Momentum means SGD-style `momentum` or Adam-family `betas[0]` (`plan.optimizer.momentum_kind`);
    it is None when the optimizer has neither. Schedulers that cannot be simulated leave the value
    unchanged and are listed in `Curve.unsimulated`.
    """
    if plan.generation == "mmcv":
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
        parsed = parse_type(spec.type)
        if parsed is None:
            unsimulated.append(
                Unsimulated(spec.index, spec.type, _from_iter(spec, L), f"unknown scheduler type {spec.type!r}")
            )
            continue
        family, flavour = parsed
        if flavour == "generic" and spec.args.get("param_name", "lr") not in ("lr", "momentum"):
            continue  # drives another hyper-parameter (e.g. weight_decay): lr and momentum are untouched
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
            stepper = stepper_class(family)(spec, family)
        except _BuildError as exc:
            errors.append(
                SimulationError(f"{spec.type} (param_scheduler[{spec.index}]) raises {exc} while being built", spec.index,
                                exc.key)
            )
            continue
        except _Unsupported as exc:
            unsimulated.append(Unsimulated(spec.index, spec.type, _from_iter(spec, L), str(exc)))
            continue
        if stepper.metric_driven:
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
    results: Dict[str, Series] = {}
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
            results = {param: values.hold_from(first.event) for param, values in results.items()}

    return Curve(
        epoch_length=L,
        iterations=N,
        lr=results["lr"],
        momentum=results.get("momentum"),
        unsimulated=sorted(unsimulated, key=lambda u: u.index),
        errors=errors,
        stopped_at=stopped_at,
    )
