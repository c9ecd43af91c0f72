"""SL305 non-decaying-gamma: `gamma >= 1` (or `<= 0`) in a step or exponential LR decay."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.arguments.common import _DECAY_TYPES, _SGD, _num
from schedlint.rules.support import numbers


class NonDecayingGamma(Rule):
    """`gamma >= 1` (or `<= 0`) in a step or exponential LR decay.

    `StepLR`, `MultiStepLR`, `ExponentialLR` (and mmcv's `step` / `exp` policies) multiply the LR
    by `gamma` at each step. `gamma=10` (a "divide by 10" misread as a factor) multiplies the LR
    by 10 at every milestone — training usually diverges; `gamma=1` makes the scheduler a no-op;
    `gamma <= 0` sets the LR to 0 or flips its sign.

    Fix: `gamma=0.1` for "divide by 10".
    """

    code = "SL305"
    name = "non-decaying-gamma"
    severity = Severity.ERROR
    summary = "gamma >= 1 (or <= 0) in a step/exponential LR decay"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11], gamma=10)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        ),
        Example(
            """\
            optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
            lr_config = dict(policy='step', step=[8, 11], gamma=1)
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """,
            epoch_length=10,
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='ExponentialLR', gamma=0.95, begin=0, end=12)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        items = []
        if ctx.plan.generation == "mmcv":
            for policy in ctx.plan.legacy:
                if policy.param == "lr" and policy.policy in ("Step", "Exp"):
                    gamma = policy.args.get("gamma", 0.1 if policy.policy == "Step" else None)
                    loc = policy.locs.get("gamma") or policy.locs.get("policy") or policy.locs.get("self")
                    steps = policy.args.get("step")
                    steps = [float(steps)] if _num(steps) else numbers(steps)
                    scale = ctx.epoch_length if policy.args.get("by_epoch", True) else 1
                    first = min(steps) * scale if steps and policy.policy == "Step" else None
                    items.append((f"lr_config policy='{policy.raw.get('policy')}'", gamma, loc, first))
        else:
            for s in ctx.plan.schedulers:
                if s.param != "lr" or s.type not in _DECAY_TYPES:
                    continue
                gamma = s.args.get("gamma", 0.1 if not s.type.startswith("Exponential") else None)
                steps = numbers(s.args.get("milestones")) or ([float(s.args["step_size"])] if _num(s.args.get("step_size"))
                                                               else None)
                scale = ctx.epoch_length if s.by_epoch else 1
                first = (s.begin + min(steps)) * scale if steps and not s.type.startswith("Exponential") else None
                items.append((f"{s.type} (param_scheduler[{s.index}])", gamma, ctx.scheduler_loc(s, "gamma", "type"), first))
        lr = ctx.curve.series("lr")
        base = ctx.plan.optimizer.lr
        for who, gamma, loc, first in items:
            if not _num(gamma) or loc is None or 0 < gamma < 1:
                continue
            if gamma == 1 and first is not None and first >= ctx.total_iters:
                continue  # no step within training whatever gamma says: a constant LR written as a step (mmedit's idiom)
            if gamma == 1:
                msg = f"{who} has gamma=1: it never changes the LR (decay by gamma=0.1?)"
                yield self.finding(msg, loc, severity=Severity.WARNING)
            elif gamma > 1:
                peak = float(lr.max()) if len(lr) else base
                msg = (f"{who} has gamma={gamma:g}: each step multiplies the LR by {gamma:g} instead of dividing it")
                if peak > base * (1 + 1e-9):
                    msg += f"; the LR grows from {fmt(base)} to {fmt(peak)}"
                msg += f" (decay by gamma={1 / gamma:g}?)"
                yield self.finding(msg, loc)
            else:
                msg = f"{who} has gamma={gamma:g}: the first step sets the LR to {'0' if gamma == 0 else 'a negative value'}"
                yield self.finding(msg, loc)
