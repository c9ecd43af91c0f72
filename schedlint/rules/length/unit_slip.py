"""SL008 unit-slip: Positions in the wrong unit: iteration-sized numbers in an epoch scheduler, or epoch-sized"""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.windows import is_warmup
from schedlint.rules.length.common import _SGD


class UnitSlip(Rule):
    """Positions in the wrong unit: iteration-sized numbers in an epoch scheduler, or epoch-sized
    numbers in an iteration scheduler.

    `PolyLR(end=20000)` without `by_epoch=False` under a 100-epoch run means 20000 *epochs*: the
    LR barely moves. `CosineAnnealingLR(T_max=12, end=12, by_epoch=False)` under 12 epochs runs
    the whole schedule in the first 12 iterations.

    Fix: set `by_epoch` to match the numbers, or use `convert_to_iter_based=True` for epoch
    numbers applied per iteration.
    """

    code = "SL008"
    name = "unit-slip"
    severity = Severity.ERROR
    summary = "scheduler positions are in the wrong unit (epochs vs iterations)"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=20000)]
            train_cfg = dict(by_epoch=True, max_epochs=100)
            """),
            epoch_length=200,
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, begin=0, end=12, by_epoch=False)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=200,
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
                dict(type='CosineAnnealingLR', T_max=100, begin=0, end=100),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=100)
            """),
            epoch_length=200,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        if h.loop != "epoch" or not h.max_epochs:
            return
        for s in ctx.plan.schedulers:
            if s.converted:
                continue
            explicit = [s.end] if not s.end_defaulted and s.end < 1e9 else []
            if s.by_epoch:
                big = [v for v in explicit if v >= 10 * h.max_epochs and v >= 500]
                if not big:
                    continue
                loc = ctx.scheduler_loc(s, "end")
                msg = (
                    f"{s.type} counts in epochs (by_epoch=True) but end={big[0]:g} is "
                    f"{big[0] / h.max_epochs:.0f}x the {h.max_epochs}-epoch training: these look like "
                    f"iterations; set by_epoch=False"
                )
                yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc))
            else:
                if not explicit or ctx.epoch_length <= 1 or is_warmup(s):
                    continue
                end = explicit[0]
                if end > h.max_epochs or end * 100 > ctx.total_iters and end != h.max_epochs:
                    continue
                if end != h.max_epochs and end * 10 > ctx.epoch_length:
                    continue
                loc = ctx.scheduler_loc(s, "end")
                msg = (
                    f"{s.type} counts in iterations (by_epoch=False) but end={end:g} looks like epochs "
                    f"(training has {h.max_epochs} epochs): the whole schedule runs in the first "
                    f"{end:g} iterations of {ctx.total_iters}; use by_epoch=True or convert_to_iter_based=True"
                    + ctx.epoch_length_note()
                )
                yield self.finding(
                    msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=ctx.guarded(self.severity)
                )
