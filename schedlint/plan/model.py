"""The training plan: what a resolved config says training will do (pydantic)."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, Tuple

from pydantic import BaseModel, ConfigDict, Field

from schedlint.model import Location


# --------------------------------------------------------------------------------------------
# The training plan: what a resolved config says training will do.
# --------------------------------------------------------------------------------------------


class PlanModel(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    # field name -> where its value was set (provenance); only fields read from the config
    locs: Dict[str, Location] = Field(default_factory=dict)


class Horizon(PlanModel):
    """Length and cadence of training."""

    loop: Literal["epoch", "iter"]
    max_epochs: Optional[int] = None  # EpochBasedTrainLoop (or legacy EpochBasedRunner)
    max_iters: Optional[int] = None  # IterBasedTrainLoop (or legacy IterBasedRunner)
    # an iteration loop of `max_epochs * epoch_length` iterations (xtuner's TrainLoop given max_epochs)
    iterations_from_epochs: bool = False
    # the length is not known: the config sets none (1 epoch / iteration is assumed), or a hook changes it at run
    # time (mmaction2 0.x multigrid); the rules that judge the length are not run (see plan notes)
    length_assumed: bool = False
    # mmcv 1.x `total_epochs` where it disagrees with `runner.max_epochs` (SL401: which one trains depends on the
    # code base); the rules that judge the length report only what also holds at this length
    disputed_max_epochs: Optional[int] = None
    epoch_length: int  # iterations per epoch (batches per epoch per rank)
    epoch_length_source: str  # human text: where epoch_length came from
    val_interval: Optional[int] = None
    val_begin: int = 1
    checkpoint_interval: Optional[int] = None
    checkpoint_by_epoch: bool = True
    dynamic_intervals: Optional[List[Tuple[int, int]]] = None

    @property
    def total_iters(self) -> int:
        """Number of training iterations in the whole run."""
        if self.loop == "iter":
            return int(self.max_iters or 0)
        return int(self.max_epochs or 0) * self.epoch_length

    @property
    def runner_max_epochs(self) -> int:
        """`runner.max_epochs` as mmengine reports it (1 under IterBasedTrainLoop)."""
        return 1 if self.loop == "iter" else int(self.max_epochs or 0)

    @property
    def runner_max_iters(self) -> int:
        return self.total_iters


class Optimizer(PlanModel):
    type: str
    lr: float  # initial lr of param group 0, after auto_scale_lr if enabled
    momentum: Optional[float] = None  # SGD-style momentum (None if the optimizer has none)
    betas: Optional[Tuple[float, float]] = None  # Adam-family betas
    # which value a momentum scheduler drives: 'momentum', 'beta1', or None (no momentum support)
    momentum_kind: Optional[Literal["momentum", "beta1"]] = None
    lr_scale: float = 1.0  # auto_scale_lr factor already applied to lr
    # how auto_scale_lr's factor was found (GPUs and their source x batch / base_batch_size); None: not enabled
    lr_scale_source: Optional[str] = None
    known: bool = True  # a torch optimizer whose momentum support we know
    missing: bool = False  # the config names no optimizer (SGD with lr 0 assumed; mmengine fails to build it)
    # `lr`, `momentum` and `betas` as the config wrote them (before defaults, checks and auto_scale_lr)
    raw: Dict[str, Any] = Field(default_factory=dict)

    @property
    def base_momentum(self) -> Optional[float]:
        if self.momentum_kind == "momentum":
            return self.momentum
        if self.momentum_kind == "beta1" and self.betas is not None:
            return self.betas[0]
        return None


class Scheduler(PlanModel):
    """One mmengine parameter scheduler, normalised the way the Runner builds it.

    `begin`, `end` and the position arguments in `args` (milestones, step_size, T_max,
    total_steps, periods) are *effective* values: the Runner's default `end` applied and
    `convert_to_iter_based` already converted (so `by_epoch` is False after conversion).
    `raw` keeps the config's own dict for reporting and fixing.
    """

    index: int  # position in the param_scheduler list
    type: str  # class name without scope, e.g. 'CosineAnnealingLR'
    param: Literal["lr", "momentum"]
    by_epoch: bool  # effective stepping unit after conversion
    converted: bool = False  # convert_to_iter_based was applied
    begin: float = 0
    end: float = 1e9  # effective end (INF = 1e9 when unbounded)
    end_defaulted: bool = False  # end came from the Runner's default (max_epochs / max_iters)
    args: Dict[str, Any] = Field(default_factory=dict)  # effective class arguments
    raw: Dict[str, Any] = Field(default_factory=dict)  # the config dict as written/resolved
    path: Tuple[Any, ...] = ()  # where it lives in the config, e.g. ('param_scheduler', 1)
    scope: Optional[str] = None  # registry scope: the type's prefix ('mmdet.X') or the config's default_scope


class LegacyPolicy(PlanModel):
    """An mmcv-1.x `lr_config` / `momentum_config` hook (closed-form policies)."""

    param: Literal["lr", "momentum"]
    policy: str  # normalised class prefix, e.g. 'Step', 'CosineAnnealing', 'Cyclic'
    by_epoch: bool = True
    args: Dict[str, Any] = Field(default_factory=dict)
    raw: Dict[str, Any] = Field(default_factory=dict)
    path: Tuple[Any, ...] = ()


class SchedulerHook(PlanModel):
    """A hook that replaces mmengine's ParamSchedulerHook (`default_hooks.param_scheduler.type`).

    `args` are the hook's arguments with its own defaults filled in (for the hooks schedlint
    knows); `known` is False for a hook whose formula schedlint does not have.
    """

    type: str  # class name without scope, e.g. 'YOLOv5ParamSchedulerHook'
    known: bool = False
    args: Dict[str, Any] = Field(default_factory=dict)
    raw: Dict[str, Any] = Field(default_factory=dict)
    path: Tuple[Any, ...] = ("default_hooks", "param_scheduler")


class Plan(PlanModel):
    """Everything the simulator and the rules need to know about one config."""

    filename: str
    generation: Literal["mmengine", "mmcv"] = "mmengine"
    horizon: Horizon
    optimizer: Optimizer
    schedulers: List[Scheduler] = Field(default_factory=list)
    legacy: List[LegacyPolicy] = Field(default_factory=list)
    scheduler_hook_enabled: bool = True  # default_hooks.param_scheduler not None
    scheduler_hook: Optional[SchedulerHook] = None  # a hook that replaces ParamSchedulerHook
    notes: List[str] = Field(default_factory=list)  # assumptions made while building the plan
