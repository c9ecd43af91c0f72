"""SL010 schedule-overlap-gap: Schedulers of one parameter that overlap in an order-dependent way, or leave a gap."""

from __future__ import annotations

import math
from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import COSINE_TYPES, is_flat, is_warmup, param_word, schedulers_of, value_at, values_of, window
from schedlint.rules.length.common import _SGD, _span


class ScheduleOverlapGap(Rule):
    """Schedulers of one parameter that overlap in an order-dependent way, or leave a gap.

    Multiplicative schedulers compose as a product, whatever their order; but a cosine or poly
    with a non-zero floor, OneCycle and CosineRestart are not multiplicative: when their window
    overlaps another scheduler's, the result depends on the list order and can exceed the base
    LR. A gap between two decay phases holds the value for the gap's length, which is rarely meant.
    """

    code = "SL010"
    needs_length = True
    name = "schedule-overlap-gap"
    severity = Severity.WARNING
    summary = "schedulers of one parameter overlap order-dependently (LR above base) or leave a gap"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min=0.01, begin=0, end=8),
                dict(type='LinearLR', start_factor=0.1, begin=0, end=4),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=8)
            """),
            epoch_length=5,
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min=0.002, begin=0, end=8),
                dict(type='CosineAnnealingLR', T_max=8, eta_min=0.0002, begin=16, end=24),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=5,
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.1, begin=0, end=4),
                dict(type='CosineAnnealingLR', T_max=4, eta_min=0.001, begin=4, end=8),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=8)
            """),
            epoch_length=5,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.total_iters
        base = {"lr": ctx.plan.optimizer.lr, "momentum": ctx.plan.optimizer.base_momentum}
        for param in ("lr", "momentum"):
            values = values_of(ctx, param)
            scheds = schedulers_of(ctx, param)
            if values is None or len(scheds) < 2 or base[param] is None:
                continue
            reported = False
            overlap = _order_dependent_overlap(ctx, scheds)
            if overlap is not None and param == "lr" and base[param] > 0:
                s, lo, hi = overlap
                seg = values[int(lo) : int(min(hi, total))]
                peak_i = int(lo + seg.argmax()) if len(seg) else 0
                if len(seg) and values[peak_i] > base[param] * (1 + 1e-6):
                    loc = ctx.scheduler_loc(s, "eta_min", "eta_min_ratio", "type", "self")
                    msg = (
                        f"overlapping {param_word(ctx, param)} schedulers compose order-dependently: "
                        f"{s.type} is not multiplicative, and the {param_word(ctx, param)} peaks at "
                        f"{fmt(float(values[peak_i]))} at {ctx.where(peak_i)}, "
                        f"{values[peak_i] / base[param] - 1:.1%} above the base {fmt(base[param])}"
                    )
                    yield self.finding(msg, loc, severity=Severity.ERROR)
                    reported = True
            if reported:
                continue
            covering = [window(ctx, s) for s in scheds if not is_warmup(s)]
            decays = sorted((w for w in covering if not is_flat(w.scheduler)), key=lambda w: w.start)
            for prev, nxt in zip(decays, decays[1:]):
                gap_start, gap_stop = prev.stop, min(nxt.start, total)
                if not (math.isfinite(gap_start) and gap_start < gap_stop):
                    continue
                if any(w.start <= gap_start and w.stop >= gap_stop for w in covering):
                    continue  # a deliberate flat (or other) scheduler covers the hold
                s = nxt.scheduler
                loc = ctx.scheduler_loc(s, "begin")
                msg = (
                    f"nothing schedules the {param_word(ctx, param)} between {ctx.where(gap_start)} "
                    f"and {ctx.where(gap_stop)}: it is held at "
                    f"{fmt(value_at(ctx, param, gap_start))} for {_span(ctx, gap_stop - gap_start)}"
                )
                yield self.finding(msg, loc)
                break


def _order_dependent_overlap(ctx: Context, scheds):
    """(non-multiplicative scheduler, overlap start, overlap stop) for the first such overlap."""
    windows = [window(ctx, s) for s in scheds]
    for i, a in enumerate(windows):
        if not _non_multiplicative(a.scheduler):
            continue
        for j, b in enumerate(windows):
            if i == j:
                continue
            lo, hi = max(a.start, b.start), min(a.stop, b.stop)
            if lo < hi:
                return a.scheduler, lo, hi
    return None


def _non_multiplicative(s) -> bool:
    if s.type in COSINE_TYPES or s.type.startswith("Poly"):
        return bool(s.args.get("eta_min") or s.args.get("eta_min_ratio"))
    return s.type.startswith(("OneCycle", "CosineRestart"))
