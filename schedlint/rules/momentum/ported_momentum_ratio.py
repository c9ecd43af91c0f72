"""SL102 ported-momentum-ratio: Absolute momentum targets that are really mmcv-1.x ratios."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.windows import param_word, schedulers_of, window
from schedlint.rules.momentum.common import ONE, _ADAMW, _CYCLIC_20E, _first, _momentum_values

MOMENTUM_TYPES_WITH_FLOOR = ("CosineAnnealingMomentum", "PolyMomentum", "CosineRestartMomentum",
                             "CosineAnnealingParamScheduler", "PolyParamScheduler", "CosineRestartParamScheduler")

CANONICAL_RATIO = 0.85 / 0.95  # mmcv's default cyclic momentum target_ratio[0]


class PortedMomentumRatio(Rule):
    """Absolute momentum targets that are really mmcv-1.x ratios.

    mmcv's cyclic momentum policy took `target_ratio=(0.85 / 0.95, 1)`: *ratios* of the base
    momentum (beta1 0.95 -> 0.85 -> 0.95). Ported to mmengine as
    `CosineAnnealingMomentum(eta_min=0.85 / 0.95)` then `CosineAnnealingMomentum(eta_min=1)`,
    the same numbers become absolute values: beta1 goes 0.95 -> 0.895 -> towards 1.0
    (mmdetection3d#3115), and reaches exactly 1.0 — a crash — as soon as the cosine's `T_max`
    fits inside its window. A momentum target of 1 is never meant as an absolute value.

    Fix: `eta_min_ratio=0.85 / 0.95` and `eta_min_ratio=1` (CosineAnnealing ratios are relative
    to the optimizer's beta1), or the intended absolute values (0.85 and 0.95 for beta1 0.95).
    """

    code = "SL102"
    fix_applicability = "unsafe"
    name = "ported-momentum-ratio"
    severity = Severity.WARNING
    summary = "absolute momentum targets that look like mmcv ratios (eta_min=0.85/0.95, eta_min=1)"
    generation = "mmengine"
    invalid = [
        Example(_CYCLIC_20E, epoch_length=10, note="beta1 0.95 -> 0.895 -> 0.99998 instead of 0.95 -> 0.85 -> 0.95"),
    ]
    valid = [
        Example(
            cfg(
            _ADAMW,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingMomentum', T_max=8, eta_min_ratio=0.85 / 0.95, begin=0, end=8),
                dict(type='CosineAnnealingMomentum', T_max=12, eta_min_ratio=1.0, begin=8, end=20),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=20)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        base = ctx.plan.optimizer.base_momentum
        if base is None:
            return
        word = param_word(ctx, "momentum")
        values = _momentum_values(ctx)
        for s in schedulers_of(ctx, "momentum"):
            if s.type not in MOMENTUM_TYPES_WITH_FLOOR or "eta_min" not in s.raw:
                continue
            eta_min = s.args.get("eta_min")
            if not isinstance(eta_min, (int, float)) or isinstance(eta_min, bool):
                continue
            ratio_like = eta_min >= 1 or abs(eta_min - CANONICAL_RATIO) < 1e-9
            if not ratio_like:
                continue
            w = window(ctx, s)
            if w.start >= ctx.total_iters:
                continue
            reached = None
            if values is not None:
                lo, hi = int(w.start), int(min(w.stop, len(values)))
                segment = values[lo:hi]
                hit = _first(segment >= ONE)
                reached = lo + hit if hit is not None else None
            meant = base * eta_min
            ratio_fix = "eta_min_ratio" if s.type.startswith("CosineAnnealing") or s.type.startswith("CosineRestart") else None
            fix_text = (f"{ratio_fix}={eta_min:.6g}" if ratio_fix else f"eta_min={meant:.4g}")
            msg = (f"{s.type} eta_min={eta_min:.6g} is an absolute {word}, but it looks like an mmcv ratio of the base "
                   f"{word} ({fmt(base)}): meant {fmt(base)} x {eta_min:.6g} = {meant:.4g}?")
            if reached is not None:
                msg += (f" As written the {word} reaches {float(values[reached]):.6g} at {ctx.where(reached)}")
                severity = Severity.ERROR
            else:
                msg += f" As written the {word} heads for {eta_min:.6g} instead of {meant:.4g}"
                severity = Severity.WARNING
            msg += f"; write {fix_text}"
            yield self.finding(msg, ctx.scheduler_loc(s, "eta_min"), severity=severity)
