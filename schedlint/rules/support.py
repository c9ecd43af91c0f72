"""Helpers shared by the SL1xx-SL4xx rules: spans in words, legacy (mmcv 1.x) policies and their lines."""

from __future__ import annotations

import math
from typing import Any, List, Optional

from schedlint.loader.detect import is_stray_tuple
from schedlint.model import Location, Related
from schedlint.plan.model import LegacyPolicy, Optimizer, Scheduler
from schedlint.rules.base import Context
from schedlint.rules.windows import schedulers_of, window


# torch optimizers that check their arguments when built (`torch/optim/*.py`: `if not 0.0 <= lr: raise
# ValueError(f"Invalid learning rate: {lr}")`; SGD only tests `lr < 0.0`, so a NaN lr passes there)
TORCH_CHECKED = frozenset({"SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SparseAdam", "Adagrad", "Adadelta",
                           "ASGD", "Rprop", "RMSprop"})
CHECKS_MOMENTUM = frozenset({"SGD", "RMSprop"})  # `if not 0.0 <= momentum: raise ValueError("Invalid momentum value")`
CHECKS_BETAS = frozenset({"Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SparseAdam"})  # each beta in [0, 1)


def optimizer_refuses_momentum(opt: Optimizer) -> bool:
    """Whether torch refuses to build the optimizer with its own momentum / beta1 (SL310 reports it)."""
    base = opt.base_momentum
    if base is None or ("momentum" not in opt.raw and "betas" not in opt.raw):
        return False
    if opt.momentum_kind == "momentum" and opt.type in CHECKS_MOMENTUM:
        return not 0.0 <= base
    if opt.momentum_kind == "beta1" and opt.type in CHECKS_BETAS:
        return not 0.0 <= base < 1.0
    return False


def span(ctx: Context, iterations: float) -> str:
    """A length of training in its natural unit: '20 epochs' / '4000 iterations'."""
    if ctx.plan.horizon.loop == "iter":
        return f"{int(iterations)} iterations"
    epochs = iterations / ctx.epoch_length
    return f"{epochs:g} epochs" if abs(epochs - round(epochs)) < 1e-9 else f"{epochs:.1f} epochs"


def raw_position(s: Scheduler, key: str, effective: float) -> str:
    """A position as the config wrote it (epochs for converted schedulers)."""
    value = s.raw.get(key, effective) if s.converted else effective
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def legacy_policy(ctx: Context, param: str) -> Optional[LegacyPolicy]:
    """The mmcv-1.x `lr_config` ('lr') or `momentum_config` ('momentum') of the plan."""
    return next((p for p in ctx.plan.legacy if p.param == param), None)


def legacy_loc(ctx: Context, policy: Optional[LegacyPolicy], *keys: str) -> Optional[Location]:
    """The most specific location among `keys` of a legacy policy (then the policy dict itself)."""
    if policy is None:
        return None
    for key in keys:
        if key in policy.locs:
            return policy.locs[key]
    return policy.locs.get("policy") or policy.locs.get("self")


def responsible(ctx: Context, param: str, iteration: float) -> Optional[Scheduler]:
    """The mmengine scheduler that set the value in effect at `iteration`: the last-listed one active
    there, else the one that stopped most recently before it."""
    active = []
    ended = []
    for s in schedulers_of(ctx, param):
        w = window(ctx, s)
        if w.start <= iteration < w.stop:
            active.append(s)
        elif w.stop <= iteration and math.isfinite(w.stop):
            ended.append((w.stop, s))
    if active:
        return active[-1]
    if ended:
        return max(ended, key=lambda pair: pair[0])[1]
    return None


def related_keys(loc: Location, s: Scheduler, keys: List[str], what: str = "set here") -> List[Related]:
    """Related locations for a scheduler's `keys` that are not the reported line itself."""
    out = []
    for key in keys:
        other = s.locs.get(key)
        if other is not None and (other.file != loc.file or other.line != loc.line):
            out.append(Related(other, f"{key} {what}"))
    return out


def stop_iteration(ctx: Context) -> int:
    """The iteration training stops at: the end, or the first iteration a crash prevents."""
    stopped = ctx.curve.stopped_at
    return int(stopped) if stopped is not None else ctx.total_iters


def unwrap_stray_tuple(value: Any) -> Any:
    """A value as the config meant it: a 1-tuple around a dict (`key = dict(...),`, a stray comma that SL312
    reports) is looked through."""
    return value[0] if is_stray_tuple(value) else value


def numbers(value: Any) -> Optional[List[float]]:
    """A non-empty list or tuple of plain numbers as floats (milestones, mmcv `step`, periods); None otherwise."""
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    return [float(v) for v in value]
