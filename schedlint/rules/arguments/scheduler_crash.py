"""SL302 scheduler-crash: The training framework would raise while building or stepping the schedule."""

from __future__ import annotations

from typing import Iterator, Optional

from schedlint.model import Finding, Location, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD

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
    at its second step, `ConstantLR(factor=0)`, invalid arguments, an argument the class does not
    take (`gama=0.1`: `TypeError`, with the name it probably meant), `param_name` given to an LR or
    momentum class or missing from a generic `*ParamScheduler`. mmcv 1.x (`lr_config` /
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
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11], gama=0.1)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
            note="a misspelt argument: TypeError when the Runner builds the scheduler",
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
    hook = ctx.plan.scheduler_hook
    if hook is not None and str(error).startswith(hook.type):
        return hook.locs.get("self") or hook.locs.get("type")
    if ctx.plan.generation == "mmcv":
        policy = next((p for p in ctx.plan.legacy if p.param == getattr(error, "param", "lr")), None)
        if policy is not None:
            key = getattr(error, "key", None)
            loc = policy.locs.get(key) if key else None
            return loc or policy.locs.get("policy") or policy.locs.get("self")
        return ctx.plan.horizon.locs.get("train_cfg")
    index = getattr(error, "index", None)
    s = ctx.plan.schedulers[index] if isinstance(index, int) and index < len(ctx.plan.schedulers) else None
    key = getattr(error, "key", None)
    loc = ctx.scheduler_loc(s, *([key] if key else []), "type") if s is not None else None
    if loc is None:
        loc = next((x.locs.get("self") for x in ctx.plan.schedulers if "self" in x.locs), None)
    if loc is None:
        loc = ctx.plan.horizon.locs.get("train_cfg")
    return loc
