"""SL011 scheduler-hook-length-mismatch: A scheduler hook written for another training length."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.plan.hooks import length_key
from schedlint.rules.base import Context, Example, Rule, fmt

_YOLOV5 = """\
max_epochs = {train}
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.937, nesterov=True))
param_scheduler = None
default_hooks = dict(
    param_scheduler=dict(type='YOLOv5ParamSchedulerHook', scheduler_type='{kind}', lr_factor=0.01,
                         max_epochs={hook}))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
"""
_PPYOLOE = """\
max_epochs = {train}
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.001, momentum=0.9, nesterov=False))
param_scheduler = None
default_hooks = dict(
    param_scheduler=dict(type='PPYOLOEParamSchedulerHook', warmup_min_iter=1000, start_factor=0.,
                         warmup_epochs=5, min_lr_ratio=0.0, total_epochs={hook}))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=10)
"""
PPYOLOE_STRETCH = 1.2  # PPYOLOE's recipe sets total_epochs = int(max_epochs * 1.2) on purpose


class SchedulerHookLengthMismatch(Rule):
    """A scheduler hook (mmyolo) whose own length argument no longer matches the run.

    mmyolo configs schedule the LR with `YOLOv5ParamSchedulerHook(max_epochs=...)` or
    `PPYOLOEParamSchedulerHook(total_epochs=...)` in `default_hooks.param_scheduler` instead of
    `param_scheduler`. The hook computes the LR from its *own* length, not from `train_cfg`:
    a child that changes `max_epochs` and forgets the hook either stops the decay half-way
    (shorter run) or drives the formula past its end (longer run): YOLOv5's linear decay falls
    below `lr_factor` and on to zero and negative LRs, its cosine and PPYOLOE's cosine climb back
    towards the base LR. PPYOLOE's recipe deliberately sets `total_epochs = int(max_epochs * 1.2)`;
    up to that stretch the hook is quiet.

    Fix: `default_hooks = dict(param_scheduler=dict(max_epochs=max_epochs))` (or `total_epochs`).
    """

    code = "SL011"
    needs_length = True
    name = "scheduler-hook-length-mismatch"
    severity = Severity.ERROR
    summary = "a scheduler hook's max_epochs/total_epochs differs from the training length"
    generation = "mmengine"
    invalid = [
        Example(_YOLOV5.format(train=100, hook=300, kind="linear"), epoch_length=50,
                note="shorter run: the decay stops at a third"),
        Example(_YOLOV5.format(train=300, hook=100, kind="cosine"), epoch_length=50,
                note="longer run: the cosine climbs back"),
        Example(_PPYOLOE.format(train=80, hook=60), epoch_length=50),
    ]
    valid = [
        Example(_YOLOV5.format(train=300, hook="max_epochs", kind="linear"), epoch_length=50),
        Example(_PPYOLOE.format(train=80, hook="int(max_epochs * 1.2)"), epoch_length=50,
                note="PPYOLOE's deliberate x1.2"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        hook = ctx.plan.scheduler_hook
        h = ctx.plan.horizon
        if hook is None or not hook.known or h.loop != "epoch":
            return
        key = length_key(hook.type)
        stated = hook.args.get(key)
        if not isinstance(stated, (int, float)) or isinstance(stated, bool) or stated <= 0:
            return
        train = int(h.max_epochs or 0)
        if train <= 0 or stated == train:
            return
        ppyoloe = hook.type.startswith("PPYOLOE")
        if ppyoloe and train < stated <= int(train * PPYOLOE_STRETCH) + 1:
            return
        curve = ctx.curve
        base = ctx.plan.optimizer.lr
        lr = curve.series("lr")
        if not len(lr) or base <= 0:
            return
        final = float(lr[-1])
        head = f"{hook.type} {key}={stated:g} but training runs {train} epochs"
        if train > stated:
            cut = min(len(lr) - 1, int(stated * curve.epoch_length))
            past = lr[cut:]
            planned_end = float(lr[cut - 1]) if cut > 0 else base
            severity = Severity.ERROR
            if past.min() < 0:
                where = cut + int(past.argmin())
                tail = (f": past epoch {stated:g} the hook's formula keeps going and the LR falls to "
                        f"{fmt(float(past.min()))} by {ctx.where(where)} (a negative LR trains backwards)")
            elif past.max() > planned_end * 1.5 and past.max() > base * 0.05:
                where = cut + int(past.argmax())
                tail = (f": past epoch {stated:g} the cosine climbs back to {fmt(float(past.max()))} "
                        f"({float(past.max()) / base:.0%} of the base {fmt(base)}) by {ctx.where(where)}")
            else:
                tail = (f": past epoch {stated:g} the formula overshoots its target and the LR ends at "
                        f"{fmt(final)}")
                severity = Severity.WARNING
        else:
            tail = (f": the decay planned over {stated:g} epochs is cut off and the LR ends at {fmt(final)} "
                    f"({final / base:.0%} of the base {fmt(base)}) instead of decaying to its target")
            severity = Severity.WARNING
        loc = hook.locs.get(key) or hook.locs.get("self")
        if loc is None:
            return
        related = ctx.horizon_related_if_elsewhere(loc)
        if key not in hook.raw:
            tail += f" ({key} is the hook's default)"
        # the verdict does not depend on the epoch length; the LR values do (through the warm-up)
        if ctx.epoch_length_is_guess:
            tail += ctx.epoch_length_note()
        yield self.finding(head + tail, loc, related, severity=severity)
