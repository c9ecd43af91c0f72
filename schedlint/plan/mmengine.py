"""Build the training plan (horizon, optimizer, schedulers) from a resolved mmengine-style config.

The plan states what mmengine's Runner will build: the Runner's default `end`, the
`convert_to_iter_based` conversion and the iteration count per epoch are applied here, so the
simulator and the rules see effective values. Every field remembers where it was set.
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

from schedlint.loader import ResolvedConfig
from schedlint.loader.errors import ImportedName
from schedlint.loader.values import CfgDict, plain
from schedlint.model import Location
from schedlint.plan.epochs import dataset_size, estimate_epoch_length, gpu_count, gpus_and_batch
from schedlint.plan.hooks import scheduler_hook
from schedlint.plan.model import Horizon, Optimizer, Plan, Scheduler
from schedlint.plan.optimizers import default_of

INF = int(1e9)

# Scheduler arguments that are positions in the scheduler's unit (converted by convert_to_iter_based).
POSITION_ARGS = ("milestones", "step_size", "T_max", "total_steps", "periods")

# torch optimizers: which value a momentum scheduler drives, and its default.
_MOMENTUM_OPTIMIZERS = {"SGD": 0.0, "RMSprop": 0.0}
_BETAS_OPTIMIZERS = {
    "Adam": (0.9, 0.999),
    "AdamW": (0.9, 0.999),
    "Adamax": (0.9, 0.999),
    "NAdam": (0.9, 0.999),
    "RAdam": (0.9, 0.999),
    "SparseAdam": (0.9, 0.999),
    "Lamb": (0.9, 0.999),
    "Lion": (0.9, 0.99),
    "Adafactor": (0.9, 0.999),
}
_NO_MOMENTUM_OPTIMIZERS = {"Adagrad", "Adadelta", "ASGD", "Rprop", "LBFGS"}

class PlanError(Exception):
    """The config has no complete training plan (no train_cfg / optimizer)."""


def short_type(value: Any) -> str:
    """A scheduler/optimizer type without scope or module: 'mmdet.QuadraticWarmupLR' -> 'QuadraticWarmupLR'."""
    text = str(value) if value is not None else ""
    return text.rsplit(".", 1)[-1]


def has_plan(resolved: ResolvedConfig) -> bool:
    """Whether the config describes mmengine-style training (a train_cfg and an optimizer)."""
    return isinstance(resolved.get("train_cfg"), dict) and isinstance(resolved.get("optim_wrapper"), dict)


def build_plan(resolved: ResolvedConfig, epoch_length: Optional[int] = None, gpus: Optional[int] = None,
               batch_size: Optional[int] = None) -> Plan:
    """The training plan of an mmengine-style config. Raises PlanError when it has none."""
    if not has_plan(resolved):
        raise PlanError("no `train_cfg` and `optim_wrapper`: not a complete training config")
    notes: List[str] = []
    horizon = _horizon(resolved, epoch_length, notes, gpus, batch_size)
    optimizer = _optimizer(resolved, notes, gpus, batch_size)
    schedulers = _schedulers(resolved, horizon, notes)
    hooks = resolved.get("default_hooks")
    hook_enabled = not (isinstance(hooks, dict) and "param_scheduler" in hooks and hooks["param_scheduler"] is None)
    hook = scheduler_hook(resolved)
    if hook is not None and hook.known and schedulers:
        notes.append(f"{hook.type} replaces ParamSchedulerHook; param_scheduler is not simulated with it")
    return Plan(
        filename=resolved.filename,
        horizon=horizon,
        optimizer=optimizer,
        schedulers=schedulers,
        scheduler_hook_enabled=hook_enabled,
        scheduler_hook=hook,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# horizon


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return int(value)
    return None


def _horizon(resolved: ResolvedConfig, epoch_length: Optional[int], notes: List[str], gpus: Optional[int] = None,
             batch_size: Optional[int] = None) -> Horizon:
    train_cfg = resolved.get("train_cfg")
    loop_type = short_type(train_cfg.get("type", ""))
    epochs_of_iterations = _counts_epochs_in_iterations(train_cfg.get("type"))
    if epochs_of_iterations:
        loop = "iter"
    elif "type" in train_cfg:
        loop = "iter" if "IterBased" in loop_type else "epoch"
    else:
        # without `type` or `by_epoch` mmengine's Runner fails (KeyError: 'by_epoch', SL311): simulated as the
        # loop its length key means
        by_epoch = train_cfg.get("by_epoch", "max_iters" not in train_cfg or "max_epochs" in train_cfg)
        loop = "epoch" if by_epoch else "iter"
    locs: Dict[str, Location] = {}
    for field_name, key in (("loop", "type" if "type" in train_cfg else "by_epoch"), ("max_epochs", "max_epochs"),
                            ("max_iters", "max_iters"), ("val_interval", "val_interval"),
                            ("val_begin", "val_begin"), ("dynamic_intervals", "dynamic_intervals")):
        loc = resolved.loc("train_cfg", key)
        if loc is not None and key in train_cfg:
            locs[field_name] = loc
    if "train_cfg" not in locs:
        loc = resolved.loc("train_cfg")
        if loc is not None:
            locs["train_cfg"] = loc
    max_epochs = _int(train_cfg.get("max_epochs")) if loop == "epoch" else None
    max_iters = _int(train_cfg.get("max_iters")) if loop == "iter" else None
    length, source = _epoch_length(resolved, epoch_length, gpus, batch_size)
    from_epochs = False
    epochs = train_cfg.get("max_epochs")
    if epochs_of_iterations and max_iters is None and _int(epochs) is not None:
        # xtuner's TrainLoop: an IterBasedTrainLoop of int(max_epochs * len(train_dataloader)) iterations
        max_iters = int(epochs * length)
        notes.append(f"{loop_type} runs max_epochs * {length} iterations per epoch = {max_iters} iterations "
                     f"(an iteration-based loop; epoch length: {source})")
        loc = resolved.loc("train_cfg", "max_epochs")
        if loc is not None:
            locs["max_iters"] = loc
        from_epochs = True
    elif epochs_of_iterations:
        source += " (iteration-based loop: only used by convert_to_iter_based schedulers)"
    assumed = loop == "epoch" and max_epochs is None or loop == "iter" and max_iters is None
    if loop == "epoch" and max_epochs is None:
        notes.append("train_cfg has no max_epochs; assuming 1")
        max_epochs = 1
    if loop == "iter" and max_iters is None:
        notes.append("train_cfg has no max_iters; assuming 1")
        max_iters = 1
    if loop == "iter" and not epochs_of_iterations:
        # under IterBasedTrainLoop an 'epoch' is one pass over the dataloader; only conversions use it
        source += " (iteration-based loop: only used by convert_to_iter_based schedulers)"

    default_val = 1 if loop == "epoch" else 1000
    val_interval = _int(train_cfg.get("val_interval", default_val))
    val_begin = _int(train_cfg.get("val_begin", 1)) or 1
    has_val = isinstance(resolved.get("val_cfg"), dict) or resolved.get("val_dataloader") is not None
    ckpt = resolved.get("default_hooks", "checkpoint")
    ckpt_interval = None
    ckpt_by_epoch = True
    if isinstance(ckpt, dict):
        ckpt_interval = _int(ckpt.get("interval", -1))
        ckpt_by_epoch = bool(ckpt.get("by_epoch", True))
        loc = resolved.loc("default_hooks", "checkpoint", "interval")
        if loc is not None:
            locs["checkpoint_interval"] = loc
    dyn = train_cfg.get("dynamic_intervals")
    dynamic = None
    if isinstance(dyn, (list, tuple)):
        try:
            dynamic = [(int(a), int(b)) for a, b in dyn]
        except (TypeError, ValueError):
            notes.append("train_cfg.dynamic_intervals is not a list of (milestone, interval) pairs")
    return Horizon(
        loop=loop,
        max_epochs=max_epochs,
        max_iters=max_iters,
        iterations_from_epochs=from_epochs,
        length_assumed=assumed,
        epoch_length=length,
        epoch_length_source=source,
        val_interval=val_interval if has_val else None,
        val_begin=val_begin,
        checkpoint_interval=ckpt_interval,
        checkpoint_by_epoch=ckpt_by_epoch,
        dynamic_intervals=dynamic,
        locs=locs,
    )


# train loops of other OpenMMLab projects that count `max_epochs` in iterations: an IterBasedTrainLoop of
# `max_epochs * len(train_dataloader)` iterations (or `max_iters`), validating every `val_interval` iterations
_EPOCHS_IN_ITERATIONS_LOOPS = ("xtuner.engine.runner.TrainLoop", "xtuner.engine.runner.loops.TrainLoop")


def _counts_epochs_in_iterations(loop_type: Any) -> bool:
    """(imported, or its dotted name as a dumped config writes it, which mmengine's registry imports)"""
    return isinstance(loop_type, (ImportedName, str)) and str(loop_type) in _EPOCHS_IN_ITERATIONS_LOOPS


def _epoch_length(resolved: ResolvedConfig, given: Optional[int], gpus: Optional[int] = None,
                  batch_size: Optional[int] = None) -> Tuple[int, str]:
    loader = resolved.get("train_dataloader")
    if not isinstance(loader, dict):
        return estimate_epoch_length(resolved, given, None, None, gpus, batch_size)
    return estimate_epoch_length(resolved, given, loader.get("dataset"), _int(loader.get("batch_size")), gpus,
                                 batch_size)


# ---------------------------------------------------------------------------------------------
# optimizer


def _optimizer(resolved: ResolvedConfig, notes: List[str], gpus: Optional[int] = None,
               batch_size: Optional[int] = None) -> Optimizer:
    wrapper = resolved.get("optim_wrapper")
    path: Tuple[Any, ...] = ("optim_wrapper", "optimizer")
    opt = wrapper.get("optimizer")
    if not isinstance(opt, dict):
        name = _first_optimizer(resolved)  # MultiOptimWrapperConstructor: {name: dict(optimizer=...)}
        if name is not None:
            opt = wrapper.get(name)["optimizer"]
            path = ("optim_wrapper", name, "optimizer")
            notes.append(f"several optimizers; the schedule is simulated for `{name}`")
    missing = not isinstance(opt, dict)
    if missing:
        opt = CfgDict(type="SGD", lr=0.0)
        notes.append("optim_wrapper has no optimizer; assuming SGD with lr 0")
    scale, source = 1.0, None
    auto = resolved.get("auto_scale_lr")
    if isinstance(auto, dict) and auto.get("enable"):
        config_batch = _int(resolved.get("train_dataloader", "batch_size"))
        name_gpus, name_batch = gpus_and_batch(resolved.filename, config_batch)
        batch = batch_size or config_batch or name_batch
        if batch:
            scale, source = auto_scale_factor(auto, gpu_count(resolved, batch, gpus, name_gpus), batch, notes)
        else:  # (a schedule fragment without a dataloader: the LR as written, for base_batch_size)
            notes.append("auto_scale_lr enabled, but the batch is unknown (no train_dataloader.batch_size): "
                         "the LR is taken as written")
    optimizer = optimizer_from(resolved, opt, path, notes, scale, source)
    if missing:
        optimizer.missing = True
    return optimizer


def auto_scale_factor(auto: Dict[str, Any], gpus: Tuple[int, str], batch: int,
                      notes: List[str]) -> Tuple[float, Optional[str]]:
    """mmengine's `auto_scale_lr` factor (GPUs x batch / base_batch_size) and how it was found (None:
    no valid base_batch_size, no scaling), noted in the plan; `gpus` is `epochs.gpu_count`'s (count, source)."""
    gpus, gpu_note = gpus
    base = auto.get("base_batch_size")
    if not isinstance(base, (int, float)) or isinstance(base, bool) or base <= 0:
        return 1.0, None
    try:
        scale = gpus * batch / float(base)
    except OverflowError:
        return 1.0, None
    if not math.isfinite(scale):
        return 1.0, None
    source = f"{gpu_note} x batch {batch} / base_batch_size {base:g}"
    notes.append(f"auto_scale_lr enabled: lr x{scale:g} ({source})")
    return scale, source


def optimizer_from(
    resolved: ResolvedConfig, opt: Any, path: Tuple[Any, ...], notes: List[str], scale: float = 1.0,
    scale_source: Optional[str] = None,
) -> Optimizer:
    """The plan's optimizer from an optimizer dict at `path` (both config generations).

    Which value a momentum scheduler drives follows torch: `momentum` for SGD/RMSprop (and any
    optimizer configured with one), beta1 for the Adam family.
    """
    kind = short_type(opt.get("type", "SGD"))
    if "lr" in opt:
        lr = opt.get("lr")
    elif default_of(kind, "lr") is not None:
        lr = default_of(kind, "lr")
        notes.append(f"optimizer lr not set: {kind}'s own default {lr:g}")
    else:
        lr = 0.0
        notes.append(f"optimizer lr not set and {kind}'s default is unknown; assuming 0")
    if not _is_float(lr):
        notes.append(f"optimizer lr is not a number ({lr!r}); assuming 0")
        lr = 0.0
    locs: Dict[str, Location] = {}
    for key in ("type", "lr", "momentum", "betas", "paramwise_cfg"):
        loc = resolved.loc(*path, key)
        if loc is not None and key in opt:
            locs[key] = loc
    loc = resolved.loc(*path)
    if loc is not None:
        locs["self"] = loc
    momentum = betas = kind_of_momentum = None
    known = True
    if kind in _MOMENTUM_OPTIMIZERS or "momentum" in opt:
        value = opt.get("momentum", default_of(kind, "momentum") or 0.0)
        momentum = float(value) if _is_float(value) else 0.0
        kind_of_momentum = "momentum"
    elif kind in _BETAS_OPTIMIZERS or "betas" in opt:
        raw = opt.get("betas", default_of(kind, "betas") or (0.9, 0.999))
        try:
            betas = (float(raw[0]), float(raw[1])) if isinstance(raw, (list, tuple)) else None
        except (TypeError, ValueError, IndexError, OverflowError):
            betas = None
        if betas is None:
            notes.append(f"optimizer betas {raw!r} not understood")
        else:
            kind_of_momentum = "beta1"
    elif kind not in _NO_MOMENTUM_OPTIMIZERS:
        known = False
    return Optimizer(
        type=kind,
        lr=float(lr) * scale,
        momentum=momentum,
        betas=betas,
        momentum_kind=kind_of_momentum,
        lr_scale=scale,
        lr_scale_source=scale_source,
        known=known,
        locs=locs,
        raw={key: opt.get(key) for key in ("lr", "momentum", "betas") if key in opt},
    )


# ---------------------------------------------------------------------------------------------
# schedulers


def scheduler_param(kind: str, cfg: Dict[str, Any]) -> str:
    """Which value a scheduler type drives: 'lr' or 'momentum'."""
    if kind.endswith("Momentum"):
        return "momentum"
    if kind.endswith("ParamScheduler"):
        return "momentum" if cfg.get("param_name") == "momentum" else "lr"
    return "lr"


def scheduler_entries(resolved: ResolvedConfig) -> List[Tuple[Tuple[Any, ...], Any]]:
    """(path, dict) for every scheduler in `param_scheduler` (one dict, a list, or per optimizer)."""
    value = resolved.get("param_scheduler")
    if value is None:
        return []
    if isinstance(value, dict) and "type" in value:
        return [(("param_scheduler",), value)]
    if isinstance(value, (list, tuple)):
        return [(("param_scheduler", i), v) for i, v in enumerate(value)]
    if isinstance(value, dict):  # per optimizer: mmengine builds `param_scheduler[name]` for each optimizer `name`
        first = _first_optimizer(resolved)
        names = [first] if first is not None and first in value else list(value)
        for name in names:  # the simulated optimizer's schedulers (else the first that are written)
            sub = value.get(name)
            if isinstance(sub, dict):
                return [(("param_scheduler", name), sub)]
            if isinstance(sub, (list, tuple)):
                return [(("param_scheduler", name, i), v) for i, v in enumerate(sub)]
    return []


def _first_optimizer(resolved: ResolvedConfig) -> Optional[str]:
    """The name of the first of several optimizers (`optim_wrapper = dict(generator=dict(optimizer=...), ...)`), the
    one whose schedule is simulated; None for one optimizer."""
    wrapper = resolved.get("optim_wrapper")
    if not isinstance(wrapper, dict) or isinstance(wrapper.get("optimizer"), dict):
        return None
    return next((name for name, sub in wrapper.items() if isinstance(sub, dict) and isinstance(sub.get("optimizer"), dict)),
                None)


def _schedulers(resolved: ResolvedConfig, horizon: Horizon, notes: List[str]) -> List[Scheduler]:
    out: List[Scheduler] = []
    length = horizon.epoch_length
    for index, (path, cfg) in enumerate(scheduler_entries(resolved)):
        if not isinstance(cfg, dict):
            notes.append(f"param_scheduler entry {index} is not a dict")
            continue
        kind = short_type(cfg.get("type", ""))
        type_text = str(cfg.get("type", ""))
        scope = type_text.split(".", 1)[0] if "." in type_text and not isinstance(cfg.get("type"), ImportedName) else None
        scope = scope or (resolved.get("default_scope") if isinstance(resolved.get("default_scope"), str) else None)
        raw = {k: plain(v) for k, v in cfg.items() if k != "_scope_" and isinstance(k, str)}  # (others: SL311)
        by_epoch = bool(cfg.get("by_epoch", True))
        begin = cfg.get("begin", 0)
        end_defaulted = "end" not in cfg
        end = cfg.get("end")
        if end_defaulted:
            end = horizon.runner_max_epochs if by_epoch else horizon.runner_max_iters
        args = {
            k: plain(v)
            for k, v in raw.items()
            if k not in ("type", "by_epoch", "begin", "end", "convert_to_iter_based", "epoch_length")
        }
        converted = False
        if cfg.get("convert_to_iter_based") and by_epoch:
            converted = True
            by_epoch = False
            begin = _in_iters(begin, length)
            if _is_number(end) and end != INF:
                end = _in_iters(end, length)
            for key in POSITION_ARGS:
                value = args.get(key)
                if key == "milestones" and isinstance(value, (list, tuple)):
                    args[key] = [m * length for m in value if _is_number(m)]
                elif key == "periods" and isinstance(value, (list, tuple)):
                    args[key] = [p * length for p in value if _is_number(p)]
                elif _is_number(value):
                    args[key] = value * length
        locs: Dict[str, Location] = {}
        self_loc = resolved.loc(*path)
        if self_loc is not None:
            locs["self"] = self_loc
        for key in raw:
            loc = resolved.loc(*path, key)
            if loc is not None:
                locs[key] = loc
        out.append(
            Scheduler(
                index=index,
                type=kind,
                param=scheduler_param(kind, cfg),
                by_epoch=by_epoch,
                converted=converted,
                begin=begin if _is_float(begin) else 0,
                end=end if _is_float(end) else INF,  # (an absurd one as written stays in `raw`: SL908)
                end_defaulted=end_defaulted,
                args=args,
                raw=raw,
                path=path,
                scope=scope,
                locs=locs,
            )
        )
    return out


def _in_iters(position: Any, length: int) -> Any:
    """An epoch position in iterations (`convert_to_iter_based`); one that overflows stays as it is (SL908)."""
    if not _is_float(position):
        return position
    iters = position * length
    return int(iters) if math.isfinite(iters) else position


def _is_float(value: Any) -> bool:
    """A finite number the plan can hold as a float (an int beyond float range is not)."""
    return _is_number(value) and abs(value) <= 1e300


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)  # an int is finite (and may exceed a float)


__all__ = ["PlanError", "build_plan", "dataset_size", "gpus_and_batch", "has_plan", "scheduler_entries", "scheduler_param", "short_type"]
