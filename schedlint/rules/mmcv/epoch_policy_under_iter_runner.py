"""SL406 epoch-policy-under-iter-runner: An epoch-based mmcv policy under `IterBasedRunner`."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.plan.mmcv import ITERATION_ONLY, LR_POLICIES, MOMENTUM_POLICIES
from schedlint.rules.base import Context, Example, cfg, fmt
from schedlint.rules.support import legacy_loc
from schedlint.rules.windows import value_at
from schedlint.rules.mmcv.common import LegacyRule, _SGD


class EpochPolicyUnderIterRunner(LegacyRule):
    """An epoch-based mmcv policy under `IterBasedRunner`.

    `IterBasedRunner` never calls `before_train_epoch`, where epoch-based hooks compute their
    value: the LR (momentum) stays at the optimizer's value for the whole run — no decay, and
    no warm-up either. `IterBasedRunner` defaults `lr_config` to `by_epoch=False`, so this
    happens to an `lr_config` with an explicit `by_epoch=True` and to a `momentum_config`
    without `by_epoch=False` (its default stays `True`).

    Fix: `by_epoch=False` (positions such as `step` then count iterations).
    """

    code = "SL406"
    name = "epoch-policy-under-iter-runner"
    severity = Severity.ERROR
    summary = "a by_epoch=True mmcv policy under IterBasedRunner never updates"
    invalid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='poly', power=0.9, min_lr=1e-4, by_epoch=True)
            runner = dict(type='IterBasedRunner', max_iters=40000)
            """),
        ),
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='poly', power=0.9, min_lr=1e-4)
            momentum_config = dict(policy='CosineAnnealing', min_momentum_ratio=0.9)
            runner = dict(type='IterBasedRunner', max_iters=40000)
            """),
        ),
    ]
    valid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='poly', power=0.9, min_lr=1e-4)
            runner = dict(type='IterBasedRunner', max_iters=40000)
            """),
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.horizon.loop != "iter":
            return
        for policy in ctx.plan.legacy:
            if not policy.by_epoch or policy.policy in ITERATION_ONLY or policy.policy == "Fixed":
                continue
            if policy.policy not in (LR_POLICIES if policy.param == "lr" else MOMENTUM_POLICIES):
                continue
            loc = legacy_loc(ctx, policy, "by_epoch", "policy")
            if loc is None:
                continue
            word = "LR" if policy.param == "lr" else "momentum"
            value = value_at(ctx, policy.param, 0)
            explicit = "by_epoch=True" if "by_epoch" in policy.raw else "by_epoch=True by default for momentum_config"
            msg = (f"{policy.path[0]} policy='{policy.raw.get('policy')}' is epoch-based ({explicit}) but the runner is "
                   f"IterBasedRunner, which never starts an epoch for it: the {word} stays at {fmt(value)} for all "
                   f"{ctx.total_iters} iterations (no warm-up either); set by_epoch=False")
            yield self.finding(msg, loc)
