"""SL1xx: momentum and optimizer, judged on the simulated momentum / beta1 curve."""

from __future__ import annotations

import math
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np

from schedlint.model import Finding, Location, Related, Severity
from schedlint.plan.model import Scheduler
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.support import (
    legacy_loc,
    legacy_policy,
    raw_position,
    related_keys,
    responsible,
    span,
    stop_iteration,
)
from schedlint.rules.windows import param_word, schedulers_of, window

_ADAMW = "optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.0018, betas=(0.95, 0.99), weight_decay=0.01))\n"
_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"

# mmdet3d's official cyclic schedule (mmengine port): beta1 annealed to 0.85/0.95, then towards 1.
_CYCLIC_20E = """\
lr = 0.0018
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=lr, betas=(0.95, 0.99), weight_decay=0.01))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=8, eta_min=lr * 10, begin=0, end=8, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=12, eta_min=lr * 1e-4, begin=8, end=20, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingMomentum', T_max=8, eta_min=0.85 / 0.95, begin=0, end=8, by_epoch=True,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingMomentum', T_max=12, eta_min=1, begin=8, end=20, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=5)
"""

_LEGACY_CYCLIC = """\
optimizer = dict(type='AdamW', lr=0.0018, betas=(0.95, 0.99), weight_decay=0.01)
lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=1, step_ratio_up=0.4)
momentum_config = dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1), cyclic_times=1, step_ratio_up=0.4)
runner = dict(type='EpochBasedRunner', max_epochs=20)
"""

NEAR_ONE = 1e-3  # beta1/momentum this close to 1 averages over ~1000+ steps
FROZEN_AT_ONE = 1e-4  # left this close to 1 for a long tail: the optimizer effectively stops reacting
ONE = 1.0 - 1e-12
LONG_STRETCH = 0.10  # share of training near 1 that is reported
MOMENTUM_TYPES_WITH_FLOOR = ("CosineAnnealingMomentum", "PolyMomentum", "CosineRestartMomentum",
                             "CosineAnnealingParamScheduler", "PolyParamScheduler", "CosineRestartParamScheduler")
CANONICAL_RATIO = 0.85 / 0.95  # mmcv's default cyclic momentum target_ratio[0]


def _momentum_values(ctx: Context) -> Optional[np.ndarray]:
    values = ctx.curve.momentum
    if values is None or len(values) == 0:
        return None
    return values[: max(1, stop_iteration(ctx))]


def _value(v: float) -> str:
    """A momentum value, with enough digits to tell it from 1."""
    if v != 1.0 and abs(1.0 - v) < 1e-5:
        return f"{v:.12f}".rstrip("0")
    return f"{v:.6g}"


def _first(mask: np.ndarray) -> Optional[int]:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _cause_location(ctx: Context, iteration: int) -> Tuple[Optional[Location], List[Related], str]:
    """Where the momentum value at `iteration` comes from: (location, related, what set it)."""
    if ctx.plan.generation == "mmcv":
        policy = legacy_policy(ctx, "momentum")
        if policy is None:
            return ctx.plan.optimizer.locs.get("betas") or ctx.plan.optimizer.locs.get("momentum"), [], "the optimizer"
        warmup = policy.args.get("warmup")
        warmup_iters = policy.args.get("warmup_iters", 0)
        if warmup is not None and isinstance(warmup_iters, (int, float)) and iteration < warmup_iters:
            loc = legacy_loc(ctx, policy, "warmup_ratio", "warmup")
            ratio = policy.args.get("warmup_ratio", 0.9)
            return loc, [], f"the momentum warm-up (mmcv divides by warmup_ratio={ratio:g})"
        loc = legacy_loc(ctx, policy, "target_ratio", "min_momentum", "min_momentum_ratio", "max_momentum",
                         "gamma", "policy")
        return loc, [], "momentum_config"
    s = responsible(ctx, "momentum", iteration)
    if s is None:
        return ctx.plan.optimizer.locs.get("betas") or ctx.plan.optimizer.locs.get("momentum"), [], "the optimizer"
    loc = ctx.scheduler_loc(s, "eta_min", "eta_min_ratio", "gamma", "factor", "end_factor", "type")
    related = related_keys(loc, s, ["T_max", "end"])
    return loc, related, f"{s.type} (param_scheduler[{s.index}])"


def _frozen_tail(values: np.ndarray) -> int:
    """How many final iterations keep exactly the last value (the schedule has ended)."""
    if values.size == 0:
        return 0
    changed = np.flatnonzero(values != values[-1])
    return int(values.size - (changed[-1] + 1)) if changed.size else int(values.size)


class MomentumReachesOne(Rule):
    """Momentum or Adam's beta1 reaches 1 (or more), or falls to 0 or below.

    Adam divides by its bias correction `1 - beta1**t`: at `beta1 == 1.0` exactly this is 0
    and torch raises `ZeroDivisionError: float division by zero` inside `optimizer.step()`;
    above 1 the correction turns negative and the moment estimate grows instead of averaging
    (silently wrong updates, no error). SGD with `momentum >= 1` never forgets a gradient and
    diverges. torch checks betas only when the optimizer is built, never when a scheduler
    changes them. Typical causes: an mmengine momentum scheduler whose absolute `eta_min=1`
    is reached (the cosine's `T_max` fits inside its window, or a Poly reaches `eta_min` at
    `end - 1`), and mmcv's momentum warm-up, which *divides* by `warmup_ratio` (0.95 / 0.9 =
    1.056). A schedule that ends while beta1 sits near 1 keeps it there for the rest of
    training (the value freezes), which is reported as a warning when it lasts.

    Fix: keep momentum targets below 1 (base-relative values: `eta_min_ratio`, or the base
    beta1 itself), and do not warm up momentum in mmcv (or use `warmup_ratio=1`).
    """

    code = "SL101"
    name = "momentum-reaches-one"
    severity = Severity.ERROR
    summary = "momentum / beta1 reaches 1 or more (Adam divides by zero), or 0 and below"
    invalid = [
        Example(
            cfg(
            _ADAMW,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingMomentum', T_max=8, eta_min=1, begin=0, end=12, by_epoch=True),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
            note="T_max=8 inside a 12-epoch window: the cosine reaches eta_min=1 at epoch 8",
        ),
        Example(
            cfg(
            _LEGACY_CYCLIC,
            """\
            momentum_config = dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1), cyclic_times=1,
                                   step_ratio_up=0.4, warmup='linear', warmup_iters=200)
            """),
            epoch_length=50,
            note="mmcv divides by the warm-up ratio: 0.95 / 0.9 = 1.056",
        ),
        Example(
            {
                "schedule.py": _CYCLIC_20E,
                "config.py": """\
                _base_ = './schedule.py'
                train_cfg = dict(max_epochs=40)
                """,
            },
            epoch_length=10,
            note="beta1 frozen at 0.99998 for the 20 epochs the schedule no longer covers (error: stuck at ~1)",
        ),
    ]
    valid = [
        Example(_CYCLIC_20E, epoch_length=10, note="approaches 1 but T_max == end - begin never reaches it"),
        Example(_LEGACY_CYCLIC, epoch_length=10, note="mmcv cyclic ratios are relative to the base beta1"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        values = _momentum_values(ctx)
        if values is None:
            return
        word = param_word(ctx, "momentum")
        beta = ctx.plan.optimizer.momentum_kind == "beta1"
        base = ctx.plan.optimizer.base_momentum
        total = ctx.total_iters
        over = _first(values >= ONE)
        if over is not None:
            yield self._reaches_one(ctx, values, over, word, beta)
            return
        negative = _first(values < 0)
        if negative is not None:
            loc, related, who = _cause_location(ctx, negative)
            if loc is not None:
                msg = (f"{who} drives the {word} below 0 ({fmt(float(values[negative]))} at {ctx.where(negative)}): "
                       f"a negative {word} reverses the running average of the gradients")
                yield self.finding(msg, loc, related)
            return
        if base is not None and base > 0:
            zero = _first(values <= 1e-12)
            if zero is not None:
                loc, related, who = _cause_location(ctx, zero)
                if loc is not None:
                    msg = (f"{who} drives the {word} from {fmt(base)} to 0 at {ctx.where(zero)}: no momentum "
                           f"from there on")
                    yield self.finding(msg, loc, related, severity=Severity.WARNING)
                return
        near = values >= 1 - NEAR_ONE
        count = int(near.sum())
        if total > 0 and count / total > LONG_STRETCH:
            start = _first(near)
            loc, related, who = _cause_location(ctx, start)
            if loc is None:
                return
            frozen = _frozen_tail(values)
            msg = (f"the {word} stays within {NEAR_ONE:g} of 1 (>= {1 - NEAR_ONE:g}) for {span(ctx, count)} "
                   f"({count / total:.0%} of training) from {ctx.where(start)}")
            if frozen > 1 and values[-1] >= 1 - NEAR_ONE:
                msg += (f"; the schedule has ended and the {word} is frozen at {_value(float(values[-1]))} for the last "
                        f"{span(ctx, frozen)}")
            if beta:
                msg += "; Adam then averages gradients over thousands of steps and reacts to almost nothing new"
            stuck = (
                frozen > 1
                and values[-1] >= 1 - FROZEN_AT_ONE
                and frozen / total > ctx.settings.thresholds.tail_fraction
            )
            severity = Severity.ERROR if stuck else Severity.WARNING
            yield self.finding(msg, loc, related + ctx.horizon_related_if_elsewhere(loc), severity=severity)

    def _reaches_one(self, ctx: Context, values: np.ndarray, over: int, word: str, beta: bool) -> Finding:
        peak_at = int(np.argmax(values))
        peak = float(values[peak_at])
        exact = abs(float(values[over]) - 1.0) <= 1e-12
        loc, related, who = _cause_location(ctx, over)
        if loc is None:
            loc = (ctx.plan.horizon.locs.get("train_cfg") or next(iter(ctx.plan.optimizer.locs.values()), None)
                   or Location(ctx.plan.filename, 1))
        if exact and beta:
            consequence = ("Adam's bias correction 1 - beta1**t is 0 there and torch raises ZeroDivisionError: "
                           "float division by zero in optimizer.step()")
        elif beta:
            consequence = ("Adam's bias correction 1 - beta1**t turns negative and the moment estimate grows "
                           "instead of averaging: silently wrong updates, no error")
        elif exact:
            consequence = "SGD then never forgets a gradient: the velocity accumulates every step"
        else:
            consequence = "SGD's velocity then grows every step: training diverges"
        msg = f"{who} drives the {word} to {_value(float(values[over]))} at {ctx.where(over)}: {consequence}"
        if peak > float(values[over]) + 1e-9:
            msg += f" (peak {_value(peak)} at {ctx.where(peak_at)})"
        frozen = _frozen_tail(values)
        if frozen > 1 and values[-1] >= ONE and ctx.curve.stopped_at is None:
            msg += f"; the schedule has ended and the {word} stays at {_value(float(values[-1]))} for the remaining {span(ctx, frozen)}"
        return self.finding(msg, loc, related)


class PortedMomentumRatio(Rule):
    """Absolute momentum targets that are really mmcv-1.x ratios.

    mmcv's cyclic momentum policy took `target_ratio=(0.85 / 0.95, 1)`: *ratios* of the base
    momentum (beta1 0.95 -> 0.85 -> 0.95). Ported to mmengine as
    `CosineAnnealingMomentum(eta_min=0.85 / 0.95)` then `CosineAnnealingMomentum(eta_min=1)`,
    the same numbers become absolute values: beta1 goes 0.95 -> 0.895 -> towards 1.0
    (mmdetection3d#3115), and reaches exactly 1.0 — a crash — as soon as the cosine's `T_max`
    fits inside its window. A momentum target of 1 is never meant as an absolute value.

    Fix: `eta_min_ratio=0.85 / 0.95` and `eta_min_ratio=1` (CosineAnnealing ratios are relative
    to the optimizer's beta1), or the intended absolute values (0.85 and 0.95 for beta1 0.95).
    """

    code = "SL102"
    name = "ported-momentum-ratio"
    severity = Severity.WARNING
    fix_applicability = "unsafe"
    summary = "absolute momentum targets that look like mmcv ratios (eta_min=0.85/0.95, eta_min=1)"
    generation = "mmengine"
    invalid = [
        Example(_CYCLIC_20E, epoch_length=10, note="beta1 0.95 -> 0.895 -> 0.99998 instead of 0.95 -> 0.85 -> 0.95"),
    ]
    valid = [
        Example(
            cfg(
            _ADAMW,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingMomentum', T_max=8, eta_min_ratio=0.85 / 0.95, begin=0, end=8),
                dict(type='CosineAnnealingMomentum', T_max=12, eta_min_ratio=1.0, begin=8, end=20),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=20)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        base = ctx.plan.optimizer.base_momentum
        if base is None:
            return
        word = param_word(ctx, "momentum")
        values = _momentum_values(ctx)
        for s in schedulers_of(ctx, "momentum"):
            if s.type not in MOMENTUM_TYPES_WITH_FLOOR or "eta_min" not in s.raw:
                continue
            eta_min = s.args.get("eta_min")
            if not isinstance(eta_min, (int, float)) or isinstance(eta_min, bool):
                continue
            ratio_like = eta_min >= 1 or abs(eta_min - CANONICAL_RATIO) < 1e-9
            if not ratio_like:
                continue
            w = window(ctx, s)
            if w.start >= ctx.total_iters:
                continue
            reached = None
            if values is not None:
                lo, hi = int(w.start), int(min(w.stop, len(values)))
                segment = values[lo:hi]
                hit = _first(segment >= ONE)
                reached = lo + hit if hit is not None else None
            meant = base * eta_min
            ratio_fix = "eta_min_ratio" if s.type.startswith("CosineAnnealing") or s.type.startswith("CosineRestart") else None
            fix_text = (f"{ratio_fix}={eta_min:.6g}" if ratio_fix else f"eta_min={meant:.4g}")
            msg = (f"{s.type} eta_min={eta_min:.6g} is an absolute {word}, but it looks like an mmcv ratio of the base "
                   f"{word} ({fmt(base)}): meant {fmt(base)} x {eta_min:.6g} = {meant:.4g}?")
            if reached is not None:
                msg += (f" As written the {word} reaches {float(values[reached]):.6g} at {ctx.where(reached)}")
                severity = Severity.ERROR
            else:
                msg += f" As written the {word} heads for {eta_min:.6g} instead of {meant:.4g}"
                severity = Severity.WARNING
            msg += f"; write {fix_text}"
            yield self.finding(msg, ctx.scheduler_loc(s, "eta_min"), severity=severity)


class MomentumWithoutSupport(Rule):
    """A momentum schedule on an optimizer that has neither `momentum` nor `betas`.

    mmengine raises `ValueError: optimizer must support momentum when using momentum
    scheduler` when it builds a momentum scheduler for Adagrad, Adadelta, ASGD, ...; mmcv's
    momentum hook raises `KeyError: 'betas'` in `before_run` (OneCycle: `ValueError`). Either
    way training never starts. Usually the optimizer was replaced (`_delete_=True`) under an
    inherited momentum schedule. An SGD optimizer without `momentum` (torch's default 0) is
    reported as a warning: multiplicative momentum schedules leave it at 0.

    Fix: remove the momentum schedulers (or `momentum_config=None`), or use an optimizer with
    momentum / betas.
    """

    code = "SL103"
    name = "momentum-without-support"
    severity = Severity.ERROR
    summary = "a momentum schedule on an optimizer without momentum or betas"
    invalid = [
        Example(
            cfg(
            """\
            optim_wrapper = dict(optimizer=dict(type='Adagrad', lr=0.01))
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=12, begin=0, end=12),
                dict(type='CosineAnnealingMomentum', T_max=12, eta_min=0.85, begin=0, end=12),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        ),
        Example(
            """\
            optimizer = dict(type='Adagrad', lr=0.01)
            lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4))
            momentum_config = dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1))
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """,
            epoch_length=10,
        ),
    ]
    valid = [
        Example(
            cfg(
            _ADAMW,
            """\
            param_scheduler = [dict(type='CosineAnnealingMomentum', T_max=12, eta_min=0.85, begin=0, end=12)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        opt = ctx.plan.optimizer
        if ctx.plan.generation == "mmcv":
            for error in ctx.curve.errors:
                if getattr(error, "kind", None) == "momentum-support":
                    loc = legacy_loc(ctx, legacy_policy(ctx, "momentum"), "policy")
                    if loc is not None:
                        related = [Related(opt.locs["type"], f"optimizer {opt.type} set here")] if "type" in opt.locs else []
                        yield self.finding(f"{error}; remove momentum_config (momentum_config = None)", loc, related)
            return
        scheds = schedulers_of(ctx, "momentum")
        if not scheds:
            return
        related = [Related(opt.locs["type"], f"optimizer {opt.type} set here")] if "type" in opt.locs else []
        if opt.momentum_kind is None and opt.known:
            for s in scheds:
                msg = (f"{s.type} (param_scheduler[{s.index}]) schedules momentum, but {opt.type} has neither momentum "
                       "nor betas: mmengine raises ValueError('optimizer must support momentum when using momentum "
                       "scheduler') while building the schedulers, so training never starts; remove the momentum "
                       "schedulers")
                yield self.finding(msg, ctx.scheduler_loc(s, "type"), related)
            return
        if opt.momentum_kind == "momentum" and not opt.momentum and "momentum" not in opt.locs:
            values = _momentum_values(ctx)
            peak = float(values.max()) if values is not None else 0.0
            s = scheds[0]
            if peak <= 1e-12:
                effect = "every multiplicative step leaves it at 0: the momentum schedulers do nothing"
            else:
                effect = f"the schedulers move it from 0 up to {fmt(peak)}, not from a base momentum"
            msg = (f"{s.type} (param_scheduler[{s.index}]) schedules the momentum of {opt.type}, whose momentum is "
                   f"0 (torch's default; the config sets none): {effect}; set momentum=0.9 (or the intended value)")
            yield self.finding(msg, ctx.scheduler_loc(s, "type"), related, severity=Severity.WARNING)


class PhasesOutOfStep(Rule):
    """LR and momentum phases that were paired but no longer line up.

    Cyclic and one-cycle schedules move momentum against the LR: the momentum phases share the
    LR phases' `begin`/`end`. When a child config moves the boundaries of one parameter only
    (e.g. `param_scheduler[1].end = 24` for the LR while the momentum phase keeps `end=20`),
    the two stop matching: momentum rises while the LR is still high, or freezes early.

    Fix: move the paired momentum scheduler's boundaries with the LR's (or rescale both).
    """

    code = "SL104"
    name = "lr-momentum-phases-out-of-step"
    severity = Severity.WARNING
    summary = "paired LR and momentum phases no longer share their boundaries"
    generation = "mmengine"
    invalid = [
        Example(
            {
                "schedule.py": _CYCLIC_20E,
                "config.py": """\
                _base_ = './schedule.py'
                _base_.param_scheduler[1].end = 24
                _base_.param_scheduler[1].T_max = 16
                train_cfg = dict(max_epochs=24)
                """,
            },
            epoch_length=10,
        )
    ]
    valid = [
        Example(_CYCLIC_20E, epoch_length=10),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
                dict(type='CosineAnnealingLR', T_max=12, begin=0, end=12),
                dict(type='CosineAnnealingMomentum', T_max=6, eta_min=0.85, begin=0, end=6),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=100,
            note="written together, with different boundaries on purpose",
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        from schedlint.rules.windows import is_warmup

        lrs = [s for s in schedulers_of(ctx, "lr") if not is_warmup(s)]
        moms = [s for s in schedulers_of(ctx, "momentum") if not is_warmup(s)]
        if not lrs or len(lrs) != len(moms):
            return
        for lr_s, mom_s in zip(lrs, moms):
            if not _same_origin(lr_s, mom_s):
                return
        for lr_s, mom_s in zip(lrs, moms):
            for key in ("begin", "end"):
                moved = _moved_side(lr_s, mom_s, key)
                if moved is None:
                    continue
                changed, kept = moved
                wc, wk = window(ctx, changed), window(ctx, kept)
                at_changed = wc.start if key == "begin" else wc.stop
                at_kept = wk.start if key == "begin" else wk.stop
                if at_changed == at_kept or not (math.isfinite(at_changed) and math.isfinite(at_kept)):
                    continue
                loc = ctx.scheduler_loc(changed, key)
                other = param_word(ctx, kept.param)
                verb = "begins" if key == "begin" else "ends"
                msg = (f"{changed.type} (param_scheduler[{changed.index}]) was changed to {key}="
                       f"{raw_position(changed, key, getattr(changed, key))} ({ctx.where(at_changed)}) but its paired "
                       f"{other} phase {kept.type} (param_scheduler[{kept.index}]) still {verb} at "
                       f"{ctx.where(at_kept)}: the LR and {param_word(ctx, 'momentum')} phases no longer line up")
                yield self.finding(msg, loc, [Related(ctx.scheduler_loc(kept, key, "type"), f"paired {other} phase")])


def _same_origin(a: Scheduler, b: Scheduler) -> bool:
    """Both schedulers were written in the same file (the schedule they belong to)."""
    la, lb = a.locs.get("self"), b.locs.get("self")
    return la is not None and lb is not None and la.file == lb.file


def _moved_side(lr_s: Scheduler, mom_s: Scheduler, key: str) -> Optional[Tuple[Scheduler, Scheduler]]:
    """(changed, kept) when exactly one of the pair had `key` set outside the file that wrote the pair."""
    home = lr_s.locs["self"].file
    moved = [s for s in (lr_s, mom_s) if key in s.locs and s.locs[key].file != home]
    if len(moved) != 1:
        return None
    changed = moved[0]
    return changed, (mom_s if changed is lr_s else lr_s)


_FLOOR_LR_TYPES = ("CosineAnnealingLR", "PolyLR", "CosineRestartLR", "CosineAnnealingParamScheduler",
                   "PolyParamScheduler", "CosineRestartParamScheduler")
_LEGACY_FLOOR_POLICIES = ("CosineAnnealing", "Poly", "FlatCosineAnnealing", "CosineRestart", "LinearAnnealing",
                          "YOLOX", "CosineAnnealingCooldown")


def _lr_multipliers(ctx: Context) -> Dict[str, float]:
    """Per-group LR multipliers from paramwise_cfg: key -> lr_mult (only those != 1)."""
    if ctx.plan.generation == "mmcv":
        paramwise = ctx.resolved.get("optimizer", "paramwise_cfg")
    else:
        paramwise = ctx.resolved.get("optim_wrapper", "paramwise_cfg")
    out: Dict[str, float] = {}
    if not isinstance(paramwise, dict):
        return out
    custom = paramwise.get("custom_keys")
    if isinstance(custom, dict):
        for key, value in custom.items():
            if isinstance(value, dict):
                mult = value.get("lr_mult")
                if isinstance(mult, (int, float)) and not isinstance(mult, bool) and mult != 1:
                    out[str(key)] = float(mult)
    for key in ("bias_lr_mult",):
        mult = paramwise.get(key)
        if isinstance(mult, (int, float)) and not isinstance(mult, bool) and mult != 1:
            out[key.replace("_lr_mult", "")] = float(mult)
    return out


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class AbsoluteFloorDefeatsScaling(Rule):
    """An absolute LR target (`eta_min`, `min_lr`) shared by parameter groups whose LRs differ.

    `paramwise_cfg` multipliers (`lr_mult`) and `auto_scale_lr` scale each group's starting LR,
    but an absolute `eta_min` is the same number for every group and is not scaled: a backbone
    at `lr_mult=0.1` is annealed to the head's floor — it decays 10x less, does not decay at all,
    or even rises (mmdetection3d#3059: a cyclic ramp to `eta_min=lr*100` lifts an `lr_mult=0.1`
    backbone 1000x). The group's own curve is simulated (schedulers act on every group with the
    same arguments). Reported as a warning where the group's LR stops decaying, rises, or ends
    far from its intended share of the LR; as information where only the final ratio drifts.

    Fix: `eta_min_ratio` (mmengine CosineAnnealing / CosineRestart) or `min_lr_ratio` (mmcv),
    which apply per group.
    """

    code = "SL105"
    name = "absolute-floor-defeats-scaling"
    severity = Severity.WARNING
    summary = "an absolute eta_min/min_lr ignores paramwise lr_mult or auto_scale_lr"
    invalid = [
        Example(
            cfg(
            """\
            lr = 1e-4
            optim_wrapper = dict(
                optimizer=dict(type='AdamW', lr=lr, weight_decay=0.01),
                paramwise_cfg=dict(custom_keys={'img_backbone': dict(lr_mult=0.1)}))
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min=lr * 100, begin=0, end=8),
                dict(type='CosineAnnealingLR', T_max=12, eta_min=lr, begin=8, end=20),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=20)
            """),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(
            """\
            lr = 1e-4
            optim_wrapper = dict(
                optimizer=dict(type='AdamW', lr=lr, weight_decay=0.01),
                paramwise_cfg=dict(custom_keys={'img_backbone': dict(lr_mult=0.1)}))
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min_ratio=100, begin=0, end=8),
                dict(type='CosineAnnealingLR', T_max=12, eta_min_ratio=1e-4, begin=8, end=20),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=20)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        floors = [f for f in self._floors(ctx) if f[1] is not None]
        if not floors:
            return
        mults = _lr_multipliers(ctx)
        if mults:
            effects = [(self._group_effect(ctx, floor, who, lo, hi, key, mult), loc)
                       for floor, loc, who, lo, hi in floors for key, mult in mults.items()]
            effects = [(e, loc) for e, loc in effects if e is not None]
            if effects:
                (severity, msg), loc = max(effects, key=lambda item: _RANK[item[0][0]])
                yield self.finding(msg, loc, severity=severity)
            return
        scale = ctx.plan.optimizer.lr_scale
        if scale != 1:
            floor, loc, who, _, _ = floors[0]
            msg = (f"{who} has the absolute target {fmt(floor)}, but auto_scale_lr scales the LR by {scale:g} "
                   f"(to {fmt(ctx.plan.optimizer.lr)}): the target is not scaled with it, so the schedule's shape "
                   "changes with the batch size; use a ratio (eta_min_ratio / min_lr_ratio)")
            yield self.finding(msg, loc, severity=Severity.INFO)

    @staticmethod
    def _group_effect(ctx: Context, floor: float, who: str, lo: int, hi: int, key: str,
                      mult: float) -> Optional[Tuple[Severity, str]]:
        """(severity, message) for the parameter group at `lr_mult=mult` during one phase [lo, hi),
        from the group's own simulated curve."""
        from schedlint.simulate import simulate

        stop = stop_iteration(ctx)
        hi = min(hi, stop, len(ctx.curve.lr))
        if hi - lo < 2:
            return None
        main = ctx.curve.lr[lo:hi]
        opt = ctx.plan.optimizer.model_copy(update={"lr": ctx.plan.optimizer.lr * mult})
        group = simulate(ctx.plan.model_copy(update={"optimizer": opt})).lr[lo:hi]
        if len(group) != len(main):
            return None
        tail = "; use a ratio (eta_min_ratio / min_lr_ratio), which applies per group"
        label = f"the '{key}' group (lr_mult={mult:g})"
        if mult == 0:
            if group.max() <= 0:
                return None
            return Severity.WARNING, (f"{who} moves every parameter group towards the absolute {fmt(floor)}: {label} "
                                      f"should stay frozen but its LR reaches {fmt(float(group.max()))}" + tail)
        m0, m_end, m_peak = float(main[0]), float(main[-1]), float(main.max())
        g0, g_end, g_peak = float(group[0]), float(group[-1]), float(group.max())
        if min(m0, m_end, g0, g_end) <= 0:
            return None
        m_amp, g_amp = m_peak / m0, g_peak / g0
        m_decay, g_decay = m0 / m_end, g0 / g_end
        if g_amp > 1 + 1e-9 and g_amp > 2 * m_amp:
            effect = f"is ramped {g_amp:.3g}x ({fmt(g0)} -> {fmt(g_peak)}) where the LR is ramped {m_amp:.3g}x"
            severity = Severity.WARNING
        elif g_end >= g0 * (1 - 1e-9) and m_decay > 1 + 1e-9:
            change = "rises" if g_end > g0 * (1 + 1e-9) else "never decays"
            effect = f"{change} ({fmt(g0)} -> {fmt(g_end)}) where the LR decays {m_decay:.3g}x"
            severity = Severity.WARNING
        elif g_decay < m_decay / 2:
            effect = f"decays only {g_decay:.3g}x ({fmt(g0)} -> {fmt(g_end)}) where the LR decays {m_decay:.3g}x"
            severity = Severity.WARNING if g_decay < 10 else Severity.INFO
        elif g_decay > m_decay * 2:
            effect = f"decays {g_decay:.3g}x ({fmt(g0)} -> {fmt(g_end)}) where the LR decays {m_decay:.3g}x"
            severity = Severity.INFO
        else:
            return None
        msg = (f"{who} anneals every parameter group towards the absolute {fmt(floor)}: {label} {effect}, so it no "
               f"longer trains at {mult:g}x the LR" + tail)
        return severity, msg

    @staticmethod
    def _floors(ctx: Context):
        """(absolute floor, location, description, first iteration, stop iteration) of every LR phase
        with an absolute non-zero target (a legacy policy's phase starts after its warm-up)."""
        if ctx.plan.generation == "mmcv":
            policy = legacy_policy(ctx, "lr")
            if policy is None or policy.policy not in _LEGACY_FLOOR_POLICIES:
                return
            floor = policy.args.get("min_lr")
            if isinstance(floor, (int, float)) and not isinstance(floor, bool) and floor > 0 and "min_lr" in policy.raw:
                warmup = policy.args.get("warmup_iters", 0) if policy.args.get("warmup") else 0
                if policy.args.get("warmup_by_epoch"):
                    warmup = warmup * ctx.epoch_length
                lo = int(warmup) if isinstance(warmup, (int, float)) else 0
                yield (float(floor), legacy_loc(ctx, policy, "min_lr"), f"lr_config policy='{policy.raw.get('policy')}'",
                       lo, ctx.total_iters)
            return
        for s in schedulers_of(ctx, "lr"):
            if s.type not in _FLOOR_LR_TYPES or "eta_min" not in s.raw:
                continue
            floor = s.args.get("eta_min")
            if not isinstance(floor, (int, float)) or isinstance(floor, bool) or floor <= 0:
                continue
            w = window(ctx, s)
            if w.start >= ctx.total_iters:
                continue
            hi = int(min(w.stop, ctx.total_iters))
            yield float(floor), ctx.scheduler_loc(s, "eta_min"), f"{s.type} (param_scheduler[{s.index}])", int(w.start), hi
