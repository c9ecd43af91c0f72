"""SL304 unsorted-milestones: Step milestones out of order, or repeated."""

from __future__ import annotations

from typing import Iterator, List

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD, _num

_MULTISTEP = ("MultiStepLR", "MultiStepMomentum", "MultiStepParamScheduler")


class UnsortedMilestones(Rule):
    """Step milestones out of order, or repeated.

    mmcv's `step` policy applies a decay when the progress passes the listed steps *in order*:
    with `step=[22, 16]` the LR does not decay at 16 and drops twice at 22. mmengine's
    MultiStepLR counts milestones as a multiset, so order does not matter there (reported as
    information: it reads wrong and breaks if ported to mmcv), but a repeated milestone decays
    by `gamma**2` at once (`milestones=[8, 8]` was probably `[8, 11]`).

    Fix: list each milestone once, in increasing order.
    """

    code = "SL304"
    name = "unsorted-milestones"
    severity = Severity.WARNING
    summary = "milestones out of order (mmcv skips decays) or repeated (decays twice at once)"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=24, milestones=[16, 16])]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
        ),
        Example(
            """\
            optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
            lr_config = dict(policy='step', step=[22, 16])
            runner = dict(type='EpochBasedRunner', max_epochs=24)
            """,
            epoch_length=10,
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=24, milestones=[16, 22])]
            train_cfg = dict(by_epoch=True, max_epochs=24)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.generation == "mmcv":
            yield from self._legacy(ctx)
            return
        for s in ctx.plan.schedulers:
            if s.type not in _MULTISTEP:
                continue
            milestones = s.raw.get("milestones")
            if not isinstance(milestones, (list, tuple)) or not all(_num(m) for m in milestones):
                continue
            loc = ctx.scheduler_loc(s, "milestones")
            shown = list(milestones)
            repeated = sorted({m for m in milestones if list(milestones).count(m) > 1})
            gamma = s.args.get("gamma", 0.1)
            if repeated:
                msg = (f"milestones={shown} repeat {', '.join(f'{m:g}' for m in repeated)}: MultiStepLR counts each "
                       f"occurrence, so the value is multiplied by gamma**2 = {gamma ** 2:g} at once there; list each "
                       "milestone once")
                yield self.finding(msg, loc)
            elif list(milestones) != sorted(milestones):
                msg = (f"milestones={shown} are not in increasing order: mmengine's MultiStepLR does not mind (it "
                       f"decays at {', '.join(f'{m:g}' for m in sorted(milestones))}), but the list reads wrong and an "
                       "mmcv `step` list in this order skips decays; sort it")
                yield self.finding(msg, loc, severity=Severity.INFO)

    def _legacy(self, ctx: Context) -> Iterator[Finding]:
        for policy in ctx.plan.legacy:
            if policy.policy != "Step":
                continue
            steps = policy.args.get("step")
            if not isinstance(steps, list) or not steps or not all(isinstance(x, int) for x in steps):
                continue
            loc = policy.locs.get("step") or policy.locs.get("self")
            if loc is None:
                continue
            unit = "epoch" if policy.by_epoch else "iteration"
            if steps != sorted(steps):
                actual = _legacy_decays(steps)
                msg = (f"step={steps} is not in increasing order: mmcv decays when the {unit} passes the steps in "
                       f"list order, so the value changes only at {_decay_text(actual, unit)} instead of at "
                       f"{', '.join(str(x) for x in sorted(set(steps)))}; sort it")
                yield self.finding(msg, loc, severity=Severity.ERROR)
            elif len(set(steps)) != len(steps) and _repeat_applies(steps, unit, ctx.plan.horizon):
                gamma = policy.args.get("gamma", 0.1 if policy.param == "lr" else 0.5)
                msg = (f"step={steps} repeats a step: the value is multiplied by gamma**2 = {gamma ** 2:g} at once "
                       "there; list each step once")
                yield self.finding(msg, loc)


def _repeat_applies(steps: List[int], unit: str, horizon) -> bool:
    """Whether a repeated step falls inside training (one at or past its end never applies: step=[5000, 5000] under
    max_iters=5000 changes nothing)."""
    length = (horizon.max_epochs if horizon.loop == "epoch" else 1) if unit == "epoch" else horizon.total_iters
    repeated = [x for x in set(steps) if steps.count(x) > 1]
    return not length or horizon.length_assumed or min(repeated) < length


def _legacy_decays(steps: List[int]) -> List[tuple]:
    """(progress, number of decays applied from there) where mmcv's step exponent changes."""
    out = []
    previous = 0
    for progress in range(0, max(steps) + 1):
        exponent = len(steps)
        for i, s in enumerate(steps):
            if progress < s:
                exponent = i
                break
        if exponent != previous:
            out.append((progress, exponent - previous))
            previous = exponent
    return out


def _decay_text(changes: List[tuple], unit: str) -> str:
    parts = [f"{unit} {p}" + (f" (x gamma**{n})" if n != 1 else "") for p, n in changes]
    return ", ".join(parts) if parts else "no point"
