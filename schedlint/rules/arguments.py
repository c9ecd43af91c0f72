"""SL3xx: scheduler arguments that mmengine rejects, crashes on, or cannot be simulated."""

from __future__ import annotations

import difflib
from typing import Iterator, List, Optional

from schedlint.model import Finding, Location, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg

_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"

KNOWN_TYPES = sorted(
    {
        f"{family}{suffix}"
        for family in ("Step", "MultiStep", "Constant", "Exponential", "CosineAnnealing", "Linear", "Poly",
                       "CosineRestart", "ReduceOnPlateau")
        for suffix in ("LR", "Momentum", "ParamScheduler")
    }
    | {"OneCycleLR", "OneCycleParamScheduler", "QuadraticWarmupLR", "QuadraticWarmupMomentum",
       "QuadraticWarmupParamScheduler", "PolyLRRatio"}
)


class UnknownSchedulerType(Rule):
    """A scheduler type schedlint does not know, so its effect is not simulated.

    Either a typo (mmengine then fails with `KeyError: ... is not in the parameter scheduler
    registry`) or a custom scheduler from a downstream package. The finding says from which
    step the simulated curve no longer reflects the config, and suggests a near name.
    """

    code = "SL301"
    name = "unknown-scheduler-type"
    severity = Severity.WARNING
    summary = "unknown scheduler type; its effect is not simulated"
    generation = "mmengine"  # mmcv-1.x policy names: SL404
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLr', T_max=12, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for item in ctx.curve.unsimulated:
            if item.type in KNOWN_TYPES:
                continue  # known but not simulated (e.g. ReduceOnPlateau): said by the curve notes
            s = ctx.plan.schedulers[item.index] if item.index < len(ctx.plan.schedulers) else None
            loc = ctx.scheduler_loc(s, "type") if s is not None else ctx.plan.horizon.locs.get("train_cfg")
            if loc is None:
                continue
            near = difflib.get_close_matches(item.type, KNOWN_TYPES, n=1, cutoff=0.75)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            msg = (
                f"unknown scheduler type '{item.type}': its effect from {ctx.where(item.from_iter)} on is not "
                f"simulated{hint}"
            )
            severity = Severity.ERROR if near else self.severity
            yield self.finding(msg, loc, severity=severity)


# Crashes another rule explains better: SL103 (momentum support), SL303 (begin >= end),
# SL402 (mmcv CosineRestart periods), SL404 (mmcv policy names).
_OWNED_KINDS = ("momentum-support", "restart-periods", "policy-name")
_OWNED_TEXT = ("optimizer must support momentum", "end should be larger than begin")


def owned_elsewhere(error: str) -> bool:
    """Whether a simulated crash is reported by a more specific rule than SL302."""
    return getattr(error, "kind", None) in _OWNED_KINDS or any(text in error for text in _OWNED_TEXT)


class SchedulerCrash(Rule):
    """The training framework would raise while building or stepping the schedule.

    mmengine: OneCycle stepped past `total_steps`, `LinearLR(start_factor=0)` dividing by zero
    at its second step, `ConstantLR(factor=0)`, invalid arguments. mmcv 1.x (`lr_config` /
    `momentum_config`): hook arguments the hook rejects (a key leaked from a base `lr_config`
    without `_delete_=True` is a `TypeError`), `cyclic`/`OneCycle` with `by_epoch=True`,
    OneCycle `total_steps` below the run, `warmup_by_epoch` under `IterBasedRunner`. Better
    to learn it now than after the first epoch of a long job. (Crashes with their own rule:
    SL103, SL303, SL402, SL404.)
    """

    code = "SL302"
    name = "scheduler-crash"
    severity = Severity.ERROR
    summary = "mmengine (or mmcv) would raise while building or stepping a scheduler"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='LinearLR', start_factor=0, begin=0, end=5)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        ),
        Example(
            """\
            optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
            lr_config = dict(policy='CosineAnnealing', min_lr=0, step=[8, 11])
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """,
            epoch_length=10,
            note="`step` leaked from a base lr_config: CosineAnnealingLrUpdaterHook gets an unexpected keyword",
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11])]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for error in ctx.curve.errors:
            if owned_elsewhere(error):
                continue
            loc = _error_location(ctx, error)
            if loc is None:
                continue
            yield self.finding(str(error), loc)


def _error_location(ctx: Context, error) -> Optional[Location]:
    """Where a simulated crash comes from in the config."""
    if ctx.plan.generation == "mmcv":
        policy = next((p for p in ctx.plan.legacy if p.param == getattr(error, "param", "lr")), None)
        if policy is not None:
            key = getattr(error, "key", None)
            loc = policy.locs.get(key) if key else None
            return loc or policy.locs.get("policy") or policy.locs.get("self")
        return ctx.plan.horizon.locs.get("train_cfg")
    index = getattr(error, "index", None)
    s = ctx.plan.schedulers[index] if isinstance(index, int) and index < len(ctx.plan.schedulers) else None
    loc = ctx.scheduler_loc(s, "type") if s is not None else None
    if loc is None:
        loc = next((x.locs.get("self") for x in ctx.plan.schedulers if "self" in x.locs), None)
    if loc is None:
        loc = ctx.plan.horizon.locs.get("train_cfg")
    return loc
