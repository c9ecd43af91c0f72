"""SL005 cosine-restart: `T_max` shorter than the cosine's active range: the value climbs back up."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import COSINE_TYPES, param_word, value_at, values_of, window
from schedlint.rules.length.common import _SGD, _raw


class CosineRestart(Rule):
    """`T_max` shorter than the cosine's active range: the value climbs back up.

    mmengine's CosineAnnealing is periodic: past `T_max` the learning rate rises again and is
    back at its starting value at `2*T_max`. With `T_max=12` and the scheduler active for 24
    epochs, the LR reaches its minimum at epoch 12 and is back at ~98% of the base by epoch 23 —
    a classic cause of a loss that falls, then rises. Typical source: `T_max` hard-coded while
    `end` is omitted (the Runner then uses `max_epochs`) or raised in a child config.

    Fix: set `T_max` to the active range (`end - begin`), or omit `T_max`.
    """

    code = "SL005"
    needs_length = True
    fix_applicability = "safe"
    name = "cosine-restart"
    severity = Severity.ERROR
    summary = "`T_max` is shorter than the cosine's active range, so the value climbs back"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min=1e-5, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
            fixed=cfg(_SGD, """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, eta_min=1e-5, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
        )
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, eta_min=1e-5, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.total_iters
        for s in ctx.plan.schedulers:
            if s.type not in COSINE_TYPES:
                continue
            t_max = s.args.get("T_max")
            if not isinstance(t_max, (int, float)) or t_max <= 0:
                continue
            w = window(ctx, s)
            stop = min(w.stop, total)
            scale = ctx.epoch_length if s.by_epoch else 1
            if s.by_epoch and ctx.plan.horizon.loop == "iter":
                continue
            rise_at = w.start + (t_max + 1) * scale  # first step whose value is above the trough
            if rise_at >= stop:
                continue
            word = param_word(ctx, s.param)
            values = values_of(ctx, s.param)
            if values is None:
                continue
            segment = values[int(w.start) : int(stop)]
            if len(segment) == 0:
                continue
            trough_i = int(w.start + t_max * scale)
            trough = value_at(ctx, s.param, trough_i)
            final = float(segment[-1])
            loc = ctx.scheduler_loc(s, "T_max", "end")
            msg = (
                f"T_max={_raw(s, 'T_max', t_max)} is shorter than {s.type}'s active range "
                f"({ctx.where(w.start)} to {ctx.where(stop)}): the {word} reaches {fmt(trough)} at "
                f"{ctx.where(trough_i)}, then climbs back to {fmt(final)} by {ctx.where(stop)}"
            )
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc) if s.end_defaulted else [])
