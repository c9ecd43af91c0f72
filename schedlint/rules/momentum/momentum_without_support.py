"""SL103 momentum-without-support: A momentum schedule on an optimizer that has neither `momentum` nor `betas`."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.support import legacy_loc, legacy_policy
from schedlint.rules.windows import schedulers_of
from schedlint.rules.momentum.common import _ADAMW, _momentum_values


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
