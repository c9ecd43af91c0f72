"""SL402 restart-periods-too-short: mmcv `CosineRestart` periods that end before training does."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, cfg
from schedlint.rules.support import legacy_loc, legacy_policy
from schedlint.rules.mmcv.common import LegacyRule, _SGD, _num


class RestartPeriodsTooShort(LegacyRule):
    """mmcv `CosineRestart` periods that end before training does.

    mmcv's CosineRestart LR hook raises `ValueError: Current iteration N exceeds
    cumulative_periods [...]` as soon as the progress reaches `sum(periods)`: training crashes
    in the middle (mmengine's CosineRestart would just freeze the LR instead).

    Fix: make `periods` add up to the training length (`max_epochs`, or `max_iters` with
    `by_epoch=False`).
    """

    code = "SL402"
    needs_length = True
    name = "restart-periods-too-short"
    severity = Severity.ERROR
    summary = "mmcv CosineRestart periods end before training does (crash mid-run)"
    invalid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='CosineRestart', periods=[15, 15], restart_weights=[1.0, 0.5], min_lr=1e-5)
            runner = dict(type='EpochBasedRunner', max_epochs=36)
            """),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='CosineRestart', periods=[18, 18], restart_weights=[1.0, 0.5], min_lr=1e-5)
            runner = dict(type='EpochBasedRunner', max_epochs=36)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for error in ctx.curve.errors:
            if getattr(error, "kind", None) != "restart-periods":
                continue
            policy = legacy_policy(ctx, getattr(error, "param", "lr"))
            loc = legacy_loc(ctx, policy, "periods")
            if loc is None:
                continue
            periods = policy.args.get("periods")
            unit = "epochs" if policy.by_epoch else "iterations"
            covered = sum(p for p in periods if _num(p)) if isinstance(periods, list) else None
            length = ctx.plan.horizon.max_epochs if policy.by_epoch else ctx.total_iters
            msg = f"periods={periods} cover {covered:g} {unit} but training runs {length} {unit}: {error}"
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc))
