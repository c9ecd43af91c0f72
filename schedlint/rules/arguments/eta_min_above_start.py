"""SL307 eta-min-above-start: A decaying scheduler whose target (`eta_min`, `min_lr`) is above the LR it starts from."""

from __future__ import annotations

from typing import Iterator, Optional

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.arguments.common import _DECAY_TYPES, _SGD, _num

_FLOOR_TYPES = ("CosineAnnealingLR", "PolyLR", "CosineRestartLR", "CosineAnnealingParamScheduler",
                "PolyParamScheduler", "CosineRestartParamScheduler", "PolyLRRatio")

_LEGACY_FLOORS = ("CosineAnnealing", "Poly", "FlatCosineAnnealing", "CosineRestart", "LinearAnnealing", "YOLOX",
                  "CosineAnnealingCooldown")


class EtaMinAboveStart(Rule):
    """A decaying scheduler whose target (`eta_min`, `min_lr`) is above the LR it starts from.

    Cosine, poly and linear annealing move the LR *towards* their target: a target above the
    starting LR turns the decay into a ramp up, and the run ends at a higher LR than it started
    with. The deliberate ramp of cyclic schedules — an upward first phase (`eta_min = lr * 10`)
    followed by a decaying phase — is recognised and not reported.

    Fix: a target below the starting LR (`eta_min=lr * 1e-2`, or `eta_min_ratio` / `min_lr_ratio`
    < 1); check for a unit slip (`eta_min=1e-4` written as `1e4`).
    """

    code = "SL307"
    name = "eta-min-above-start"
    severity = Severity.ERROR
    summary = "a decay's target LR is above the LR it starts from (the LR rises)"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min=0.2, begin=0, end=12)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        ),
        Example(
            """\
            optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
            lr_config = dict(policy='poly', power=0.9, min_lr=0.1, by_epoch=False)
            runner = dict(type='IterBasedRunner', max_iters=1000)
            """,
        ),
    ]
    valid = [
        Example(
            cfg(
            """\
            lr = 0.0018
            optim_wrapper = dict(optimizer=dict(type='AdamW', lr=lr, betas=(0.95, 0.99), weight_decay=0.01))
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min=lr * 10, begin=0, end=8),
                dict(type='CosineAnnealingLR', T_max=12, eta_min=lr * 1e-4, begin=8, end=20),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=20)
            """),
            epoch_length=10,
            note="the cyclic ramp: up to lr * 10, then a decay",
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.generation == "mmcv":
            yield from self._legacy(ctx)
            return
        from schedlint.rules.windows import value_at, window

        lr_scheds = [s for s in ctx.plan.schedulers if s.param == "lr"]
        for s in lr_scheds:
            if s.type not in _FLOOR_TYPES:
                continue
            w = window(ctx, s)
            if w.start >= ctx.total_iters:
                continue
            # a warm-up overlapping the start lowers the LR there on purpose: judge after it
            from schedlint.rules.windows import is_warmup

            settled = w.start
            for other in lr_scheds:
                if other is not s and is_warmup(other):
                    ow = window(ctx, other)
                    if ow.start <= settled < ow.stop:
                        settled = ow.stop
            start = value_at(ctx, "lr", settled) if settled < ctx.total_iters else ctx.plan.optimizer.lr
            floor = _floor(ctx, s)
            if start is None or floor is None or start < 0 or floor <= start * (1 + 1e-9):
                continue  # (a negative LR is SL310)
            if self._followed_by_decay(ctx, s, w, lr_scheds):
                continue  # the designed ramp of a cyclic / one-cycle schedule
            key = "eta_min" if "eta_min" in s.raw or "eta_min_ratio" not in s.raw else "eta_min_ratio"
            written = s.raw.get(key, s.args.get(key, 0))
            written = format(written, "g") if _num(written) else written
            msg = (f"{s.type} (param_scheduler[{s.index}]) anneals towards {key}={written} "
                   f"(LR {fmt(floor)}), above the LR {fmt(start)} it starts from at {ctx.where(w.start)}: the LR "
                   f"rises instead of decaying, and no later phase brings it down")
            yield self.finding(msg, ctx.scheduler_loc(s, key, "type"))

    @staticmethod
    def _followed_by_decay(ctx: Context, s, w, lr_scheds) -> bool:
        """Whether a later LR scheduler (as planned, even past the horizon) brings the LR down again."""
        from schedlint.rules.windows import window

        peak = _floor(ctx, s)
        for other in lr_scheds:
            if other is s or window(ctx, other).start < w.stop - 1e-9:
                continue
            if other.type in _FLOOR_TYPES:
                floor = _floor(ctx, other)
                if floor is not None and peak is not None and floor < peak:
                    return True
            elif other.type in _DECAY_TYPES:
                gamma = other.args.get("gamma", 0.1)
                if _num(gamma) and 0 < gamma < 1:
                    return True
            elif other.type.startswith("Linear"):
                start, end = other.args.get("start_factor", 1 / 3), other.args.get("end_factor", 1.0)
                if _num(start) and _num(end) and end < start:
                    return True
        return False

    def _legacy(self, ctx: Context) -> Iterator[Finding]:
        base = ctx.plan.optimizer.lr
        for policy in ctx.plan.legacy:
            if policy.param != "lr" or policy.policy not in _LEGACY_FLOORS:
                continue
            floor = None
            if _num(policy.args.get("min_lr")):
                floor, key = float(policy.args["min_lr"]), "min_lr"
            elif _num(policy.args.get("min_lr_ratio")):
                floor, key = base * float(policy.args["min_lr_ratio"]), "min_lr_ratio"
            if floor is None or base <= 0 or floor <= base * (1 + 1e-9):
                continue
            loc = policy.locs.get(key) or policy.locs.get("self")
            if loc is None:
                continue
            msg = (f"lr_config policy='{policy.raw.get('policy')}' anneals towards {key}={policy.args[key]:g} "
                   f"(LR {fmt(floor)}), above the optimizer LR {fmt(base)}: the LR rises during training instead of "
                   "decaying")
            yield self.finding(msg, loc)


def _floor(ctx: Context, s) -> Optional[float]:
    """The LR a floor-type scheduler anneals towards (absolute), or None when unknown."""
    ratio = s.args.get("eta_min_ratio")
    if _num(ratio):
        # per-group base_value * ratio, the base being the optimizer's initial LR (param_scheduler.py:L683-686)
        return ctx.plan.optimizer.lr * float(ratio)
    eta_min = s.args.get("eta_min", 0)
    return float(eta_min) if _num(eta_min) else None
