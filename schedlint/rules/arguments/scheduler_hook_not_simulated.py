"""SL308 scheduler-hook-not-simulated: A custom scheduler hook replaces ParamSchedulerHook."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.plan.hooks import SCHEDULER_HOOKS
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD


class SchedulerHookNotSimulated(Rule):
    """A custom scheduler hook drives the LR, and schedlint does not know its formula.

    `default_hooks.param_scheduler = dict(type='MyParamSchedulerHook')` replaces mmengine's
    hook; whatever it does to the LR and momentum is not in the simulated curve, so the length
    checks of this config are blind (the curve shows the constant base LR). schedlint
    simulates `YOLOv5ParamSchedulerHook` and `PPYOLOEParamSchedulerHook` exactly.

    Fix: nothing to change in the config; check the hook's length arguments by hand (or ignore
    SL308 for the project).
    """

    code = "SL308"
    name = "scheduler-hook-not-simulated"
    severity = Severity.WARNING
    summary = "a custom scheduler hook replaces ParamSchedulerHook; its LR is not simulated"
    generation = "mmengine"
    invalid = [
        Example(cfg(_SGD, """\
            param_scheduler = None
            default_hooks = dict(param_scheduler=dict(type='MyWarmupCosineHook', max_epochs=36))
            train_cfg = dict(by_epoch=True, max_epochs=36)
            """), epoch_length=10),
    ]
    valid = [
        Example(cfg(_SGD, """\
            param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]
            default_hooks = dict(param_scheduler=dict(type='ParamSchedulerHook'))
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """), epoch_length=10),
        Example(cfg(_SGD, """\
            param_scheduler = None
            default_hooks = dict(param_scheduler=dict(type='YOLOv5ParamSchedulerHook', max_epochs=300))
            train_cfg = dict(by_epoch=True, max_epochs=300)
            """), epoch_length=10),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        hook = ctx.plan.scheduler_hook
        if hook is None or hook.known:
            return
        loc = hook.locs.get("type") or hook.locs.get("self")
        if loc is None:
            return
        known = ", ".join(sorted(SCHEDULER_HOOKS))
        ignored = " (param_scheduler is still simulated as if the standard hook stepped it)" if ctx.plan.schedulers else ""
        msg = (f"default_hooks.param_scheduler is {hook.type}, a scheduler hook schedlint does not simulate: "
               f"the LR it produces is not checked against the training length{ignored}; known hooks: {known}")
        yield self.finding(msg, loc)
