"""SL008 unit-slip: Positions in the wrong unit: iteration-sized numbers in an epoch scheduler, or epoch-sized"""

from __future__ import annotations

from typing import Any, Iterator, List, Optional

from schedlint.model import Finding, Location, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.support import legacy_loc, legacy_policy, numbers
from schedlint.rules.windows import is_warmup
from schedlint.rules.length.common import _SGD

_EARLY = 0.01  # every decay within the first 1% of the iterations: not a schedule anyone plans


def _milestone_list(value: Any) -> Optional[List[float]]:
    found = numbers(value)
    return found if found is not None and all(v > 0 for v in found) else None


def _decays(gamma: Any) -> bool:
    return isinstance(gamma, (int, float)) and not isinstance(gamma, bool) and 0 <= gamma < 1


class UnitSlip(Rule):
    """Positions in the wrong unit: iteration-sized numbers in an epoch scheduler, or epoch-sized
    numbers in an iteration scheduler.

    `PolyLR(end=20000)` without `by_epoch=False` under a 100-epoch run means 20000 *epochs*: the
    LR barely moves. `CosineAnnealingLR(T_max=12, end=12, by_epoch=False)` under 12 epochs runs
    the whole schedule in the first 12 iterations. Step decays too: `MultiStepLR(by_epoch=False,
    milestones=[8, 11])` (mmcv 1.x: `lr_config = dict(policy='step', by_epoch=False, step=[8, 11])`)
    under 12 epochs decays twice in the first 11 iterations; under an iteration loop, decays that
    all fall in the first 1% of training (`step=[200, 400]` copied from a 600-epoch config into a
    60000-iteration run) are reported as a warning.

    Fix: set `by_epoch` to match the numbers, or use `convert_to_iter_based=True` for epoch
    numbers applied per iteration.
    """

    code = "SL008"
    needs_length = True
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
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11], by_epoch=False)]
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
        yield from self._milestones(ctx)
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

    def _milestones(self, ctx: Context) -> Iterator[Finding]:
        """Step decays counted in iterations whose positions look like epochs (an epoch loop) or all fall in the
        first 1% of the run (an iteration loop)."""
        if ctx.plan.generation == "mmcv":
            policy = legacy_policy(ctx, "lr")
            if policy is None or policy.policy != "Step" or policy.args.get("by_epoch", True):
                return
            steps = _milestone_list(policy.args.get("step"))  # (an int step decays periodically)
            if steps is not None and _decays(policy.args.get("gamma", 0.1)):
                yield from self._early(ctx, f"lr_config policy='{policy.raw.get('policy')}'", "step", steps, 0.0,
                                       legacy_loc(ctx, policy, "step"))
            return
        for s in ctx.plan.schedulers:
            if s.by_epoch or s.converted or not s.type.startswith("MultiStep"):
                continue
            steps = _milestone_list(s.args.get("milestones"))
            if steps is not None and _decays(s.args.get("gamma", 0.1)):
                yield from self._early(ctx, ctx.describe(s), "milestones", steps, float(s.begin),
                                       ctx.scheduler_loc(s, "milestones"))

    def _early(self, ctx: Context, who: str, key: str, steps: List[float], begin: float,
               loc: Optional[Location]) -> Iterator[Finding]:
        h = ctx.plan.horizon
        total = ctx.total_iters
        last = begin + max(steps)
        if loc is None or total <= 0 or last > total * _EARLY:
            return
        written = "[" + ", ".join(f"{v:g}" for v in steps) + "]"
        if h.loop == "epoch" and not h.iterations_from_epochs:
            if not h.max_epochs or ctx.epoch_length <= 1 or max(steps) > h.max_epochs:
                return
            msg = (f"{who} counts in iterations (by_epoch=False) but {key}={written} look like epochs (training has "
                   f"{h.max_epochs} epochs): every decay happens in the first {last:g} iterations of {total}; use "
                   "by_epoch=True" + (" or convert_to_iter_based=True" if ctx.plan.generation == "mmengine" else "")
                   + ctx.epoch_length_note())
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=ctx.guarded(self.severity))
            return
        msg = (f"{who} decays at {key}={written} (iterations), all within the first {100 * last / total:.2g}% of the "
               f"{total}-iteration run: the rest of training is at the final LR. Are these epochs? (an iteration "
               "schedule places its decays near the end, e.g. at 2/3 and 8/9 of the run)")
        yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=Severity.WARNING)
