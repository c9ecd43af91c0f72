"""SL403 cyclic-leftover-iterations: mmcv `cyclic` with a training length that `cyclic_times` does not divide."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, cfg, fmt
from schedlint.rules.support import legacy_loc
from schedlint.rules.windows import value_at
from schedlint.rules.mmcv.common import LegacyRule, _SGD


class CyclicLeftover(LegacyRule):
    """mmcv `cyclic` with a training length that `cyclic_times` does not divide.

    mmcv's cyclic hooks split `runner.max_iters // cyclic_times` iterations per cycle; the
    `max_iters % cyclic_times` iterations left over start a new cycle: at the very end of
    training the LR jumps back to its base value and starts climbing (momentum drops back).
    Under `EpochBasedRunner`, `max_iters` is epochs x iterations per epoch, so the verdict
    depends on the epoch length (information when it is only estimated).

    Fix: `cyclic_times=1`, or a length divisible by `cyclic_times`.
    """

    code = "SL403"
    needs_length = True
    name = "cyclic-leftover-iterations"
    severity = Severity.WARNING
    summary = "mmcv cyclic: max_iters % cyclic_times leftover iterations restart the cycle at the end"
    invalid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=3, step_ratio_up=0.4)
            runner = dict(type='IterBasedRunner', max_iters=1000)
            """),
        )
    ]
    valid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=4, step_ratio_up=0.4)
            runner = dict(type='IterBasedRunner', max_iters=1000)
            """),
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.total_iters
        for policy in ctx.plan.legacy:
            times = policy.args.get("cyclic_times", 1)
            if policy.policy != "Cyclic" or not isinstance(times, int) or times <= 1 or total < times:
                continue
            leftover = total % times
            if leftover == 0:
                continue
            loc = legacy_loc(ctx, policy, "cyclic_times")
            if loc is None:
                continue
            param = "LR" if policy.param == "lr" else "momentum"
            last = total - leftover
            before = value_at(ctx, policy.param, last - 1)
            after = value_at(ctx, policy.param, last)
            msg = (f"cyclic_times={times} does not divide the {total} training iterations: the last {leftover} "
                   f"iteration{'s' if leftover > 1 else ''} start a new cycle, the {param} jumps from {fmt(before)} "
                   f"back to {fmt(after)} at iteration {last}")
            estimated = ctx.plan.horizon.loop == "epoch" and not ctx.plan.horizon.epoch_length_source.startswith("given")
            if ctx.plan.horizon.loop == "epoch":
                msg += f" [epoch length {ctx.epoch_length}: {ctx.plan.horizon.epoch_length_source}]"
            yield self.finding(msg, loc, severity=Severity.INFO if estimated else self.severity)
