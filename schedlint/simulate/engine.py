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

import dataclasses
import math
from collections import OrderedDict
from typing import Any, Dict, List, Tuple

import numpy as np

from schedlint.plan.model import Plan, Scheduler
from schedlint.simulate.hooks import simulate_hook, simulates
from schedlint.simulate.mmcv import simulate_legacy
from schedlint.simulate.results import Curve, SimulationError, Unsimulated
from schedlint.simulate.runner import _Failure, _ParamRun
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


_CACHE: "OrderedDict[str, Tuple[Curve, Any, Any]]" = OrderedDict()
# upper bound on the memory held by cached curves (peak memory); a curve stepped once per epoch is held
# run-length encoded (a few values for millions of iterations), and a curve larger than this is not kept
_CACHE_BYTES = 16 * 1024 * 1024


def simulate(plan: Plan) -> Curve:
    """The exact per-iteration lr and momentum of param group 0 (see `_simulate`).

    Configs of one project share schedules, so results are memoised on everything the curve
    depends on; the arrays handed out are read-only.
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
        curve, lr, momentum = cached
        if lr is curve.lr and momentum is curve.momentum:
            return curve
        return dataclasses.replace(curve, lr=_unpack(lr), momentum=_unpack(momentum))
    curve = _simulate(plan)
    for values in (curve.lr, curve.momentum):
        if values is not None:
            values.flags.writeable = False
    entry = (curve, _pack(curve.lr), _pack(curve.momentum))
    if _entry_bytes(entry) > _CACHE_BYTES:
        return curve
    if entry[1] is not curve.lr or entry[2] is not curve.momentum:  # keep the packed arrays, not the curve's
        entry = (dataclasses.replace(curve, lr=np.zeros(0), momentum=None), entry[1], entry[2])
    _CACHE[key] = entry
    while sum(_entry_bytes(e) for e in _CACHE.values()) > _CACHE_BYTES:
        _CACHE.popitem(last=False)
    return curve


def _pack(values: Any) -> Any:
    """`values`, or (run values, run lengths) when that is at least 8 times smaller. Runs are of
    bit-identical values (a -0.0 stays -0.0, a NaN its payload)."""
    if values is None or values.size < 64 or values.dtype != np.float64 or not values.flags.c_contiguous:
        return values  # (a constant curve is a broadcast view: not contiguous, and one value already)
    bits = values.view(np.int64)
    cuts = np.flatnonzero(bits[1:] != bits[:-1]) + 1
    if (cuts.size + 1) * 8 > values.size:
        return values
    starts = np.concatenate(([0], cuts))
    return values[starts].copy(), np.diff(np.append(starts, values.size))


def _unpack(packed: Any) -> Any:
    if not isinstance(packed, tuple):
        return packed
    values = np.repeat(packed[0], packed[1])
    values.flags.writeable = False
    return values


def _entry_bytes(entry: Tuple[Curve, Any, Any]) -> int:
    """Memory a cached curve holds (a constant curve is a broadcast view of one value)."""
    total = 0
    for packed in entry[1:]:
        for v in (packed if isinstance(packed, tuple) else (packed,)):
            if v is not None:
                total += v.itemsize if v.strides == (0,) else v.nbytes
    return total


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
                SimulationError(f"{spec.type} (param_scheduler[{spec.index}]) raises {exc} while being built", spec.index)
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
                if first.event > 0 and values.flags.writeable:  # (a constant curve stays as it is)
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
