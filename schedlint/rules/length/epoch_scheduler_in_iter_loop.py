"""SL007 epoch-scheduler-in-iter-loop: An epoch-based scheduler (`by_epoch=True`, the default) under `IterBasedTrainLoop`."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import param_word, value_at
from schedlint.rules.length.common import _SGD


class EpochSchedulerInIterLoop(Rule):
    """An epoch-based scheduler (`by_epoch=True`, the default) under `IterBasedTrainLoop`.

    The iteration loop calls the epoch hooks only once, after the last iteration: every
    epoch-based scheduler is applied at construction and then frozen for the whole run. A
    warm-up stays at its start factor; a decay never happens.

    Fix: `by_epoch=False` with positions in iterations, or `convert_to_iter_based=True`.
    """

    code = "SL007"
    name = "epoch-scheduler-in-iter-loop"
    severity = Severity.ERROR
    summary = "an epoch-based scheduler under IterBasedTrainLoop never steps"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000)]
            train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
            """)
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000, by_epoch=False)]
            train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
            """)
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.horizon.loop != "iter":
            return
        for s in ctx.plan.schedulers:
            if not s.by_epoch or s.type.startswith("ReduceOnPlateau"):
                continue
            word = param_word(ctx, s.param)
            value = value_at(ctx, s.param, 0)
            end = value_at(ctx, s.param, ctx.total_iters - 1)
            loc = ctx.scheduler_loc(s, "by_epoch", "type", "self")
            if value is not None and end is not None and value != end:
                # another (iteration) scheduler moves the value: only this one's changes are lost
                outcome = f"its changes never happen (the {word} ends at {fmt(end)}, moved by the others)"
            else:
                outcome = f"the {word} stays at {fmt(value)} for all {ctx.total_iters} iterations"
            msg = (
                f"{s.type} is epoch-based (by_epoch={'True' if 'by_epoch' in s.raw else 'True by default'}) "
                f"but training uses IterBasedTrainLoop: it is applied once and never steps, so {outcome}; "
                "set by_epoch=False"
            )
            yield self.finding(msg, loc)
