"""Shared analysis of scheduler windows in global iterations, used by several rule families."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, List, Optional

from schedlint.plan.model import Scheduler
from schedlint.rules.base import Context

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.simulate.series import Series

WARMUP_TYPES = {"LinearLR", "LinearMomentum", "LinearParamScheduler", "QuadraticWarmupLR",
                "QuadraticWarmupMomentum", "QuadraticWarmupParamScheduler", "ConstantLR", "ConstantMomentum",
                "ConstantParamScheduler"}
COSINE_TYPES = {"CosineAnnealingLR", "CosineAnnealingMomentum", "CosineAnnealingParamScheduler"}
STEP_TYPES = {"MultiStepLR", "MultiStepMomentum", "MultiStepParamScheduler", "StepLR", "StepMomentum",
              "StepParamScheduler"}
INF_END = 1e9


@dataclass
class Window:
    """Where a scheduler acts, in global iterations: [start, stop) (stop may be past training)."""

    scheduler: Scheduler
    start: float
    stop: float

    @property
    def unbounded(self) -> bool:
        return self.scheduler.end >= INF_END


def window(ctx: Context, s: Scheduler) -> Window:
    """The iterations during which a scheduler's values are in effect."""
    if s.by_epoch and ctx.plan.horizon.loop == "iter":
        # epoch schedulers are applied once at construction and never stepped again
        return Window(s, 0.0 if s.begin <= 0 else math.inf, 1.0 if s.begin <= 0 else math.inf)
    begin = math.ceil(s.begin)
    end = math.ceil(s.end) if s.end < INF_END else math.inf
    scale = ctx.epoch_length if s.by_epoch else 1
    return Window(s, begin * scale, end * scale if end != math.inf else math.inf)


def is_warmup(s: Scheduler) -> bool:
    """A warm-up: a ramp or a reduced constant factor that starts training and restores the value."""
    if s.type not in WARMUP_TYPES or s.begin > 0:
        return False
    if s.type.startswith("Quadratic"):
        return True
    if s.type.startswith("Linear"):
        start = s.args.get("start_factor", 1 / 3)
        end = s.args.get("end_factor", 1.0)
        return isinstance(start, (int, float)) and isinstance(end, (int, float)) and start < end
    factor = s.args.get("factor", 1 / 3)
    return isinstance(factor, (int, float)) and factor < 1


def is_flat(s: Scheduler) -> bool:
    """A scheduler that deliberately holds the value (ConstantLR(factor=1) and the like)."""
    if s.type.startswith("Constant"):
        return s.args.get("factor", 1 / 3) == 1
    if s.type.startswith("Linear"):
        return s.args.get("start_factor", 1 / 3) == s.args.get("end_factor", 1.0)
    return False


def values_of(ctx: Context, param: str) -> Optional[Series]:
    """The simulated values of 'lr' or 'momentum' (runs of equal values; None without momentum)."""
    return ctx.curve.series(param)


def value_at(ctx: Context, param: str, iteration: float) -> Optional[float]:
    values = values_of(ctx, param)
    if values is None or len(values) == 0:
        return None
    i = int(min(max(iteration, 0), len(values) - 1))
    return float(values[i])


def param_word(ctx: Context, param: str) -> str:
    if param == "lr":
        return "LR"
    return "beta1" if ctx.plan.optimizer.momentum_kind == "beta1" else "momentum"


def schedulers_of(ctx: Context, param: str) -> List[Scheduler]:
    return [s for s in ctx.plan.schedulers if s.param == param]


def position(s: Scheduler, value: float) -> str:
    """A position in the scheduler's own unit: 'epoch 12' / 'iteration 500'."""
    unit = "epoch" if s.by_epoch and not s.converted else "iteration"
    return f"{unit} {value:g}"


def same_file(a, b) -> bool:
    return a is not None and b is not None and a.file == b.file
