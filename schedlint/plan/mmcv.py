"""Build the training plan of an mmcv-1.x config (`lr_config`, `momentum_config`, `runner`, ...).

mmcv 1.x schedules are hooks, not schedulers: `lr_config=dict(policy=P, ...)` becomes
`<P>LrUpdaterHook` (`momentum_config` likewise `<P>MomentumUpdaterHook`), each a closed-form
function of (progress, base value). The plan keeps them as `LegacyPolicy` entries with the
arguments mmcv would pass, and a horizon read from `runner` (or the older `total_epochs`),
`evaluation` and `checkpoint_config`. `schedlint.simulate.mmcv` turns it into a curve.
Section numbers refer to /work/shared/reference/mmengine-schedules.md (§5 is mmcv 1.7.2).
"""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

from schedlint.loader import ResolvedConfig
from schedlint.loader.values import plain
from schedlint.model import Location
from schedlint.plan.model import Horizon, LegacyPolicy, Optimizer, Plan
from schedlint.plan.epochs import estimate_epoch_length, gpu_count, gpus_and_batch

__all__ = [
    "LR_POLICIES",
    "MOMENTUM_POLICIES",
    "build_legacy_plan",
    "has_legacy_plan",
    "hook_name",
    "policy_class",
]

# Keyword arguments of the mmcv 1.7.2 base hooks (lr_updater.py:L27-31, momentum_updater.py:L11-15).
LR_BASE_KWARGS = ("by_epoch", "warmup", "warmup_iters", "warmup_ratio", "warmup_by_epoch")
MOMENTUM_BASE_KWARGS = ("by_epoch", "warmup", "warmup_iters", "warmup_ratio")

# policy class prefix -> its own keyword arguments (the base hook's are accepted too).
# YOLOX is mmdet 2.x's YOLOXLrUpdaterHook (mmdet/core/hook/yolox_lrupdater_hook.py) and
# CosineAnnealingCooldown is mmcls 0.x's hook (mmcls/core/hook/lr_updater.py).
LR_POLICIES: Dict[str, Tuple[str, ...]] = {
    "Fixed": (),
    "Step": ("step", "gamma", "min_lr"),
    "Exp": ("gamma",),
    "Poly": ("power", "min_lr"),
    "Inv": ("gamma", "power"),
    "CosineAnnealing": ("min_lr", "min_lr_ratio"),
    "FlatCosineAnnealing": ("start_percent", "min_lr", "min_lr_ratio"),
    "CosineRestart": ("periods", "restart_weights", "min_lr", "min_lr_ratio"),
    "Cyclic": ("target_ratio", "cyclic_times", "step_ratio_up", "anneal_strategy", "gamma"),
    "OneCycle": ("max_lr", "total_steps", "pct_start", "anneal_strategy", "div_factor", "final_div_factor",
                 "three_phase"),
    "LinearAnnealing": ("min_lr", "min_lr_ratio"),
    "YOLOX": ("num_last_epochs", "min_lr", "min_lr_ratio"),
    "CosineAnnealingCooldown": ("min_lr", "min_lr_ratio", "cool_down_ratio", "cool_down_time"),
}
# policies whose hook an OpenMMLab library of the mmcv-1.x era registers itself (not simulated)
DOWNSTREAM_LR_POLICIES: Dict[str, str] = {
    "StepFixCosineAnnealing": "mmselfsup 0.x (and openmixup)",
    "TIN": "mmaction2 0.x",
    "SiameseRPN": "mmtrack",
    "Linear": "mmedit 0.x (pix2pix, CycleGAN)",
    "Reduce": "mmedit 0.x",
}
MOMENTUM_POLICIES: Dict[str, Tuple[str, ...]] = {
    "Step": ("step", "gamma", "min_momentum"),
    "CosineAnnealing": ("min_momentum", "min_momentum_ratio"),
    "LinearAnnealing": ("min_momentum", "min_momentum_ratio"),
    "Cyclic": ("target_ratio", "cyclic_times", "step_ratio_up", "anneal_strategy", "gamma"),
    "OneCycle": ("base_momentum", "max_momentum", "pct_start", "anneal_strategy", "three_phase"),
}
# Policies whose hooks default to by_epoch=False (and assert it).
ITERATION_ONLY = ("Cyclic", "OneCycle")

_LEGACY_KEYS = ("lr_config", "momentum_config", "runner", "total_epochs")

def policy_class(policy: Any) -> Optional[str]:
    """The hook class prefix mmcv builds for a `policy` value: all-lower-case names are
    `.title()`-cased, others are kept as written (base_runner.py:L412-431); None if not a string."""
    if not isinstance(policy, str):
        return None
    return policy.title() if policy == policy.lower() else policy


def hook_name(param: str, policy: Any) -> str:
    """'StepLrUpdaterHook' / 'CyclicMomentumUpdaterHook' for a policy value."""
    prefix = policy_class(policy) or str(policy)
    return prefix + ("LrUpdaterHook" if param == "lr" else "MomentumUpdaterHook")


def has_legacy_plan(resolved: ResolvedConfig) -> bool:
    """Whether the config describes mmcv-1.x training: an `optimizer` and a training length
    (`runner` or `total_epochs`)."""
    if not isinstance(_optimizers_key(resolved), dict):
        return False
    return (isinstance(resolved.get("runner"), dict) or _number(resolved.get("total_epochs")) is not None
            or _number(resolved.get("total_iters")) is not None)


def _optimizers_key(resolved: ResolvedConfig) -> Any:
    """`optimizer`, or mmedit 0.x's `optimizers` (one per model part: `dict(generator=dict(type='Adam', ...))`)."""
    optimizer = resolved.get("optimizer")
    return optimizer if optimizer is not None else resolved.get("optimizers")


def build_legacy_plan(resolved: ResolvedConfig, epoch_length: Optional[int] = None, gpus: Optional[int] = None,
                      batch_size: Optional[int] = None) -> Plan:
    """The training plan of an mmcv-1.x config (generation 'mmcv', schedules in `plan.legacy`)."""
    notes: List[str] = []
    horizon = _horizon(resolved, epoch_length, notes, gpus, batch_size)
    optimizer = _optimizer(resolved, notes, gpus, batch_size)
    iter_runner = horizon.loop == "iter"
    legacy = [p for p in (_policy(resolved, "lr", "lr_config", iter_runner),
                          _policy(resolved, "momentum", "momentum_config", iter_runner)) if p]
    return Plan(
        filename=resolved.filename,
        generation="mmcv",
        horizon=horizon,
        optimizer=optimizer,
        legacy=legacy,
        notes=notes,
    )


# ---------------------------------------------------------------------------------------------
# horizon


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def _int(value: Any) -> Optional[int]:
    number = _number(value)
    return int(number) if number is not None else None


def _horizon(resolved: ResolvedConfig, epoch_length: Optional[int], notes: List[str], gpus: Optional[int] = None,
             batch_size: Optional[int] = None) -> Horizon:
    runner = resolved.get("runner")
    locs: Dict[str, Location] = {}
    total_epochs = _int(resolved.get("total_epochs"))
    max_epochs = max_iters = None
    assumed = False  # no length in the config: 1 is assumed
    disputed = None
    if isinstance(runner, dict):
        kind = str(runner.get("type", "EpochBasedRunner")).rsplit(".", 1)[-1]
        loop = "iter" if "IterBased" in kind else "epoch"
        loc = resolved.loc("runner", "type") or resolved.loc("runner")
        if loc is not None:
            locs["loop"] = loc
            locs["train_cfg"] = resolved.loc("runner") or loc
        if loop == "iter":
            max_iters = _int(runner.get("max_iters"))
            if max_iters is None:
                notes.append("runner has no max_iters; assuming 1")
                max_iters, assumed = 1, True
            elif resolved.loc("runner", "max_iters") is not None:
                locs["max_iters"] = resolved.loc("runner", "max_iters")
        else:
            max_epochs = _int(runner.get("max_epochs"))
            if max_epochs is not None and resolved.loc("runner", "max_epochs") is not None:
                locs["max_epochs"] = resolved.loc("runner", "max_epochs")
            if max_epochs is None:
                max_epochs = total_epochs
                if max_epochs is not None and resolved.loc("total_epochs") is not None:
                    locs["max_epochs"] = resolved.loc("total_epochs")
            if max_epochs is None:
                notes.append("runner has no max_epochs; assuming 1")
                max_epochs, assumed = 1, True
            elif total_epochs is not None and total_epochs > 0 and total_epochs != max_epochs:
                disputed = total_epochs
                notes.append(f"total_epochs={total_epochs} and runner.max_epochs={max_epochs} disagree (SL401): "
                             f"{max_epochs} epochs are simulated; the schedule's fit to the length is reported only "
                             f"where it fails at both lengths")
    elif total_epochs is None and _int(resolved.get("total_iters")) is not None:
        # mmseg before 0.13 and mmedit 0.x: `total_iters` (train_segmentor: IterBasedRunner(max_iters=total_iters);
        # mmedit's runner.run(..., cfg.total_iters))
        loop = "iter"
        max_iters = _int(resolved.get("total_iters"))
        loc = resolved.loc("total_iters")
        if loc is not None:
            locs["max_iters"] = locs["train_cfg"] = loc
    else:
        # mmdet 2.x compat_runner_args: runner = EpochBasedRunner(max_epochs=total_epochs)
        loop = "epoch"
        max_epochs, assumed = total_epochs or 1, total_epochs is None
        loc = resolved.loc("total_epochs")
        if loc is not None:
            locs["max_epochs"] = loc
    length, source = _epoch_length(resolved, epoch_length, gpus, batch_size)
    if loop == "iter":
        source += " (iteration-based runner: only used for epoch-based positions)"
    multigrid = resolved.get("multigrid")
    if isinstance(multigrid, dict) and multigrid.get("long_cycle"):
        # mmaction2 0.x's LongShortCycleHook: it sets the runner's max_epochs to int(max_epochs * epoch_factor) and
        # replaces the step LR hook with its RelativeStepLrUpdaterHook; neither is simulated
        notes.append("multigrid long_cycle (mmaction2 0.x) changes the length and the LR steps at run time: "
                     "the length is not judged")
        assumed = True

    evaluation = resolved.get("evaluation")
    val_interval = None
    val_begin = 1
    dynamic = None
    if isinstance(evaluation, dict):
        val_interval = _int(evaluation.get("interval", 1))
        start = _int(evaluation.get("start"))
        if start is not None:
            val_begin = start
            loc = resolved.loc("evaluation", "start")
            if loc is not None:
                locs["val_begin"] = loc
        loc = resolved.loc("evaluation", "interval") or resolved.loc("evaluation")
        if loc is not None:
            locs["val_interval"] = loc
        dyn = evaluation.get("dynamic_intervals")
        if isinstance(dyn, (list, tuple)):
            try:
                dynamic = [(int(a), int(b)) for a, b in dyn]
                loc = resolved.loc("evaluation", "dynamic_intervals")
                if loc is not None:
                    locs["dynamic_intervals"] = loc
            except (TypeError, ValueError):
                notes.append("evaluation.dynamic_intervals is not a list of (milestone, interval) pairs")
    ckpt = resolved.get("checkpoint_config")
    ckpt_interval = None
    ckpt_by_epoch = True
    if isinstance(ckpt, dict):
        ckpt_interval = _int(ckpt.get("interval", -1))
        # IterBasedRunner.register_training_hooks: checkpoint_config.setdefault('by_epoch', False)
        ckpt_by_epoch = bool(ckpt.get("by_epoch", loop != "iter"))
        loc = resolved.loc("checkpoint_config", "interval")
        if loc is not None:
            locs["checkpoint_interval"] = loc
    return Horizon(
        loop=loop,
        max_epochs=max_epochs if loop == "epoch" else None,
        max_iters=max_iters if loop == "iter" else None,
        length_assumed=assumed,
        disputed_max_epochs=disputed,
        epoch_length=length,
        epoch_length_source=source,
        val_interval=val_interval,
        val_begin=val_begin,
        checkpoint_interval=ckpt_interval,
        checkpoint_by_epoch=ckpt_by_epoch,
        dynamic_intervals=dynamic,
        locs=locs,
    )


def _train_batch(data: Any) -> Optional[int]:
    loader = data.get("train_dataloader")
    batch = _int(loader.get("samples_per_gpu")) if isinstance(loader, dict) else None
    return batch or _int(data.get("samples_per_gpu")) or _int(data.get("imgs_per_gpu"))


def _epoch_length(resolved: ResolvedConfig, given: Optional[int], gpus: Optional[int] = None,
                  batch_size: Optional[int] = None) -> Tuple[int, str]:
    data = resolved.get("data")
    if not isinstance(data, dict):
        return estimate_epoch_length(resolved, given, None, None, gpus, batch_size, missing="no `data` section")
    return estimate_epoch_length(resolved, given, data.get("train"), _train_batch(data), gpus, batch_size)


# ---------------------------------------------------------------------------------------------
# optimizer


def _optimizer(resolved: ResolvedConfig, notes: List[str], gpus: Optional[int] = None,
               batch_size: Optional[int] = None) -> Optimizer:
    from schedlint.plan.mmengine import auto_scale_factor, optimizer_from

    key = "optimizer" if resolved.get("optimizer") is not None else "optimizers"
    opt = resolved.get(key)
    path: Tuple[Any, ...] = (key,)
    if isinstance(opt, dict) and "type" not in opt:
        # several optimizers (GANs): dict(generator=dict(type=...), ...); simulate the first
        for name, sub in opt.items():
            if isinstance(sub, dict) and "type" in sub:
                opt, path = sub, (key, name)
                notes.append(f"several optimizers; the schedule is simulated for `{name}`")
                break
    if not isinstance(opt, dict):
        opt = {"type": "SGD", "lr": 0.0}
        notes.append("no optimizer; assuming SGD with lr 0")
    scale, source = 1.0, None
    auto = resolved.get("auto_scale_lr")
    if isinstance(auto, dict) and auto.get("enable"):
        data = resolved.get("data")
        batch = _int(data.get("samples_per_gpu")) if isinstance(data, dict) else None
        name_gpus, name_batch = gpus_and_batch(resolved.filename, batch)
        per_gpu = batch_size or batch or name_batch or 1
        scale, source = auto_scale_factor(auto, gpu_count(resolved, per_gpu, gpus, name_gpus), per_gpu, notes)
    return optimizer_from(resolved, opt, path, notes, scale, source)


# ---------------------------------------------------------------------------------------------
# policies


def _policy(resolved: ResolvedConfig, param: str, key: str, iter_runner: bool) -> Optional[LegacyPolicy]:
    cfg = resolved.get(key)
    if not isinstance(cfg, dict):
        return None
    raw = {k: plain(v) for k, v in cfg.items() if k != "_scope_" and isinstance(k, str)}  # (other keys: SL311)
    policy = cfg.get("policy")
    prefix = policy_class(policy)
    table = LR_POLICIES if param == "lr" else MOMENTUM_POLICIES
    default_by_epoch = prefix not in ITERATION_ONLY if prefix in table else True
    args = {k: v for k, v in raw.items() if k != "policy"}
    runner = resolved.get("runner")
    if param == "lr" and isinstance(runner, dict) and str(runner.get("type", "")).startswith("MultiLoader"):
        # mmrazor 0.x's MultiLoader runners pop `freeze_optimizers` before building the LR hook
        # (mmrazor/core/runners/epoch_based_runner.py: register_lr_hook)
        args.pop("freeze_optimizers", None)
    if iter_runner and param == "lr" and "by_epoch" not in args:
        # IterBasedRunner.register_training_hooks: lr_config.setdefault('by_epoch', False) (not momentum_config)
        args["by_epoch"] = False
    by_epoch = args.get("by_epoch", default_by_epoch)
    locs: Dict[str, Location] = {}
    self_loc = resolved.loc(key)
    if self_loc is not None:
        locs["self"] = self_loc
    for k in raw:
        loc = resolved.loc(key, k)
        if loc is not None:
            locs[k] = loc
    return LegacyPolicy(
        param=param,
        policy=prefix if prefix is not None else repr(policy),
        by_epoch=bool(by_epoch),
        args=args,
        raw=raw,
        path=(key,),
        locs=locs,
    )
