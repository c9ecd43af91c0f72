"""Exact per-iteration LR/momentum of the scheduler hooks that replace ParamSchedulerHook.

Transcribed from mmyolo 0.6 (`mmyolo/engine/hooks/yolov5_param_scheduler_hook.py`,
`ppyoloe_param_scheduler_hook.py`) for param group 0 (the weights group of mmyolo's optimizer
constructors). `runner.iter` / `runner.epoch` are 0-based when `before_train_iter` runs;
`after_train_epoch` of epoch `e` sees `runner.epoch == e` and sets the LR of epoch `e + 1`.
"""

from __future__ import annotations

import math
from typing import Callable, List, Optional, Tuple

import numpy as np

from schedlint.plan.model import Plan


YOLOV5_ARGS = ("scheduler_type", "lr_factor", "max_epochs", "warmup_epochs", "warmup_bias_lr", "warmup_momentum",
               "warmup_mim_iter")


def _yolov5_fn(kind: str, lr_factor: float, max_epochs: float) -> Callable[[np.ndarray], np.ndarray]:
    if kind == "cosine":
        return lambda x: ((1 - np.cos(x * math.pi / max_epochs)) / 2) * (lr_factor - 1) + 1
    return lambda x: (1 - x / max_epochs) * (1.0 - lr_factor) + lr_factor


def warmup_iters(args: dict, epoch_length: int, min_key: str) -> int:
    """The hooks' warm-up length: max(round(warmup_epochs x len(dataloader)), minimum)."""
    return max(int(round(float(args["warmup_epochs"]) * epoch_length)), int(args[min_key]))


def _yolov5(plan: Plan, n: int, length: int) -> Tuple[np.ndarray, Optional[np.ndarray], List[str]]:
    args = plan.scheduler_hook.args
    errors: List[str] = []
    # any other keyword goes to the LR function through **kwargs: TypeError when the hook is built
    unexpected = sorted(set(args) - set(YOLOV5_ARGS) - {"priority"})
    if unexpected:
        hint = " (the hook spells it warmup_mim_iter)" if "warmup_min_iter" in unexpected else ""
        errors.append(f"YOLOv5ParamSchedulerHook raises TypeError when it is built: unexpected keyword "
                      f"{', '.join(unexpected)}{hint}")
    kind = str(args.get("scheduler_type", "linear"))
    if kind not in ("linear", "cosine"):
        errors.append(f"YOLOv5ParamSchedulerHook raises AssertionError: scheduler_type {kind!r} is not "
                      "'linear' or 'cosine'")
        kind = "linear"
    max_epochs = float(args["max_epochs"]) or 1e-12
    fn = _yolov5_fn(kind, float(args["lr_factor"]), max_epochs)
    base = plan.optimizer.lr
    i = np.arange(n, dtype=np.float64)
    epoch = np.floor(i / length)
    w = warmup_iters(args, length, "warmup_mim_iter")
    lr = np.empty(n)
    warm = i <= w
    lr[warm] = base * fn(epoch[warm]) * (i[warm] / w if w > 0 else 1.0)
    after = ~warm
    if after.any():
        # the warm-up ends at iteration w + 1; from then on, each epoch end sets fn(epoch) for the next
        held = base * fn(np.floor(w / length))
        last_epoch_end = epoch * length - 1  # last iteration of the previous epoch
        lr[after] = np.where(last_epoch_end[after] >= w + 1, base * fn(epoch[after] - 1), held)
    momentum = None
    if plan.optimizer.momentum_kind == "momentum" and plan.optimizer.momentum is not None:
        base_m = plan.optimizer.momentum
        momentum = np.full(n, base_m)
        start = float(args["warmup_momentum"])
        momentum[warm] = start + (base_m - start) * (i[warm] / w if w > 0 else 1.0)
    elif plan.optimizer.momentum_kind == "beta1":
        momentum = np.full(n, plan.optimizer.base_momentum)
    return lr, momentum, errors


def _ppyoloe(plan: Plan, n: int, length: int) -> Tuple[np.ndarray, Optional[np.ndarray], List[str]]:
    args = plan.scheduler_hook.args
    errors: List[str] = []
    base = plan.optimizer.lr
    floor = base * float(args["min_lr_ratio"])
    i = np.arange(n, dtype=np.float64)
    w = warmup_iters(args, length, "warmup_min_iter")
    total = float(args["total_epochs"]) * length
    lr = np.empty(n)
    warm = i <= w
    alpha = i[warm] / w if w > 0 else np.ones(int(warm.sum()))
    start = float(args["start_factor"])
    lr[warm] = base * (start * (1 - alpha) + alpha)
    after = ~warm
    if after.any():
        if total == w:
            errors.append("PPYOLOEParamSchedulerHook raises ZeroDivisionError after the warm-up: "
                          "total_epochs x epoch length equals the warm-up length")
            lr[after] = lr[warm][-1]
        else:
            lr[after] = floor + (base - floor) * 0.5 * (np.cos((i[after] - w) * math.pi / (total - w)) + 1.0)
    momentum = None
    if plan.optimizer.momentum_kind is not None:
        momentum = np.full(n, plan.optimizer.base_momentum if plan.optimizer.base_momentum is not None else 0.0)
    return lr, momentum, errors


HOOK_SIMULATORS = {"YOLOv5ParamSchedulerHook": _yolov5, "PPYOLOEParamSchedulerHook": _ppyoloe}


def simulates(plan: Plan) -> bool:
    """Whether the plan's LR is driven by a scheduler hook this module simulates."""
    return plan.scheduler_hook is not None and plan.scheduler_hook.type in HOOK_SIMULATORS


def simulate_hook(plan: Plan) -> Tuple[np.ndarray, Optional[np.ndarray], List[str]]:
    """(lr, momentum, crashes) per iteration of a plan whose LR a known scheduler hook drives."""
    n = plan.horizon.total_iters
    length = max(1, int(plan.horizon.epoch_length))
    return HOOK_SIMULATORS[plan.scheduler_hook.type](plan, n, length)
