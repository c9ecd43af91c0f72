"""SL306 non-positive-period: A cosine period (`T_max`, `periods`) that is zero or negative."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD, _num, _pos


class NonPositivePeriod(Rule):
    """A cosine period (`T_max`, `periods`) that is zero or negative.

    mmengine silently replaces `T_max=0` by `end - begin` (`T_max or (end - begin)`); a negative
    `T_max` gives a meaningless curve. A `CosineRestart` period of 0 or less never runs (mmengine)
    or breaks the restart positions (mmcv).

    Fix: a positive `T_max` (usually `end - begin`, or omit it), positive `periods`.
    """

    code = "SL306"
    name = "non-positive-period"
    severity = Severity.ERROR
    summary = "T_max or a restart period <= 0"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=-12, begin=0, end=12)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, begin=0, end=12)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.generation == "mmcv":
            for policy in ctx.plan.legacy:
                periods = policy.args.get("periods")
                if policy.policy == "CosineRestart" and isinstance(periods, list) and any(
                    _num(p) and p <= 0 for p in periods
                ):
                    loc = policy.locs.get("periods") or policy.locs.get("self")
                    if loc is not None:
                        yield self.finding(f"CosineRestart periods={periods} has a period <= 0", loc)
            return
        for s in ctx.plan.schedulers:
            t_max = s.raw.get("T_max")
            if s.type.startswith("CosineAnnealing") and _num(t_max) and t_max <= 0:
                loc = ctx.scheduler_loc(s, "T_max")
                if t_max == 0:
                    msg = (f"{s.type} has T_max=0: mmengine silently uses end - begin = "
                           f"{_pos(s, 'end', s.end - s.begin) if s.end < 1e9 else 'unbounded'} instead; "
                           "remove T_max or set it")
                    yield self.finding(msg, loc, severity=Severity.WARNING)
                else:
                    yield self.finding(f"{s.type} has T_max={t_max:g}: a cosine period must be positive", loc)
            periods = s.raw.get("periods")
            if s.type.startswith("CosineRestart") and isinstance(periods, (list, tuple)):
                bad = [p for p in periods if _num(p) and p <= 0]
                if bad:
                    yield self.finding(f"{s.type} periods={list(periods)} has a period <= 0",
                                       ctx.scheduler_loc(s, "periods"))
