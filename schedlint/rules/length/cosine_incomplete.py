"""SL006 cosine-incomplete: `T_max` longer than the scheduler's window: the cosine stops far above its target."""

from __future__ import annotations

import math
from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import COSINE_TYPES, param_word, value_at, window
from schedlint.rules.length.common import _SGD, _raw


class CosineIncomplete(Rule):
    """`T_max` longer than the scheduler's window: the cosine stops far above its target.

    The scheduler stops stepping at `end`, long before its cosine reaches `eta_min`; the value is
    then held for the rest of the window or training. Often `end` was shortened (or inherited)
    while `T_max` kept an older length.

    Fix: set `T_max` to `end - begin` (or omit it).
    """

    code = "SL006"
    needs_length = True
    fix_applicability = "safe"
    name = "cosine-incomplete"
    severity = Severity.WARNING
    summary = "`T_max` is longer than the scheduler's window, so the cosine stops far above its target"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=48, eta_min=0, begin=0, end=24)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
            fixed=cfg(_SGD, """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, eta_min=0, begin=0, end=24)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, eta_min=0, begin=0, end=24)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for s in ctx.plan.schedulers:
            if s.type not in COSINE_TYPES or s.end >= 1e9:
                continue
            t_max = s.args.get("T_max")
            if not isinstance(t_max, (int, float)) or t_max <= 0:
                continue
            span = s.end - s.begin
            if t_max <= span:
                continue
            remaining = (1 + math.cos(math.pi * min(span - 1, t_max) / t_max)) / 2
            if remaining <= ctx.settings.thresholds.cosine_margin:
                continue
            w = window(ctx, s)
            if w.start >= ctx.total_iters:
                continue
            word = param_word(ctx, s.param)
            loc = ctx.scheduler_loc(s, "T_max", "end")
            last = value_at(ctx, s.param, min(w.stop, ctx.total_iters) - 1)
            msg = (
                f"T_max={_raw(s, 'T_max', t_max)} is longer than {s.type}'s window "
                f"(begin={_raw(s, 'begin', s.begin)}, end={_raw(s, 'end', s.end)}): "
                f"the {word} stops at {fmt(last)}, {remaining:.0%} of the way from its target back to its start"
            )
            yield self.finding(msg, loc)
