"""SL3xx: scheduler arguments that mmengine rejects, crashes on, or cannot be simulated."""

from __future__ import annotations

import difflib
from typing import Iterator

from schedlint.model import Finding, Severity
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


class SchedulerCrash(Rule):
    """mmengine would raise while building or stepping the schedulers of this config.

    Examples: `begin >= end` (ValueError at build), OneCycle stepped past `total_steps`,
    `LinearLR(start_factor=0)` dividing by zero at its second step, a momentum scheduler on an
    optimizer without momentum. Better to learn it now than after the first epoch of a long job.
    """

    code = "SL302"
    name = "scheduler-crash"
    severity = Severity.ERROR
    summary = "mmengine would raise while building or stepping a scheduler"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=12, end=12, milestones=[8, 11])]
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
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11])]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for error in ctx.curve.errors:
            index = getattr(error, "index", None)
            s = ctx.plan.schedulers[index] if isinstance(index, int) and index < len(ctx.plan.schedulers) else None
            loc = ctx.scheduler_loc(s, "type") if s is not None else None
            if loc is None:
                loc = next((x.locs.get("self") for x in ctx.plan.schedulers if "self" in x.locs), None)
            if loc is None:
                loc = ctx.plan.horizon.locs.get("train_cfg")
            if loc is None:
                continue
            yield self.finding(str(error), loc)
