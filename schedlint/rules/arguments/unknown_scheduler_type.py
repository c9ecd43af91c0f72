"""SL301 unknown-scheduler-type: A scheduler type schedlint does not know, so its effect is not simulated."""

from __future__ import annotations

import difflib
from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD

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
            if not item.type:
                continue  # no type at all: a list that replaced its base (SL309)
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
