"""SL3xx: scheduler arguments that mmengine rejects, crashes on, or cannot be simulated."""

from __future__ import annotations

import difflib
from typing import Iterator, List, Optional

from schedlint.model import Finding, Location, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt

_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"

KNOWN_TYPES = sorted(
    {
        f"{family}{suffix}"
        for family in ("Step", "MultiStep", "Constant", "Exponential", "CosineAnnealing", "Linear", "Poly",
                       "CosineRestart", "ReduceOnPlateau")
        for suffix in ("LR", "Momentum", "ParamScheduler")
    }
    | {"OneCycleLR", "OneCycleParamScheduler", "QuadraticWarmupLR", "QuadraticWarmupMomentum",
       "QuadraticWarmupParamScheduler", "PolyLRRatio"}
)


class UnknownSchedulerType(Rule):
    """A scheduler type schedlint does not know, so its effect is not simulated.

    Either a typo (mmengine then fails with `KeyError: ... is not in the parameter scheduler
    registry`) or a custom scheduler from a downstream package. The finding says from which
    step the simulated curve no longer reflects the config, and suggests a near name.
    """

    code = "SL301"
    name = "unknown-scheduler-type"
    severity = Severity.WARNING
    summary = "unknown scheduler type; its effect is not simulated"
    generation = "mmengine"  # mmcv-1.x policy names: SL404
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='CosineAnnealingLr', T_max=12, by_epoch=True)]
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
            param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, by_epoch=True)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for item in ctx.curve.unsimulated:
            if item.type in KNOWN_TYPES:
                continue  # known but not simulated (e.g. ReduceOnPlateau): said by the curve notes
            s = ctx.plan.schedulers[item.index] if item.index < len(ctx.plan.schedulers) else None
            loc = ctx.scheduler_loc(s, "type") if s is not None else ctx.plan.horizon.locs.get("train_cfg")
            if loc is None:
                continue
            near = difflib.get_close_matches(item.type, KNOWN_TYPES, n=1, cutoff=0.75)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            msg = (
                f"unknown scheduler type '{item.type}': its effect from {ctx.where(item.from_iter)} on is not "
                f"simulated{hint}"
            )
            severity = Severity.ERROR if near else self.severity
            yield self.finding(msg, loc, severity=severity)


# Crashes another rule explains better: SL103 (momentum support), SL303 (begin >= end),
# SL402 (mmcv CosineRestart periods), SL404 (mmcv policy names).
_OWNED_KINDS = ("momentum-support", "restart-periods", "policy-name")
_OWNED_TEXT = ("optimizer must support momentum", "end should be larger than begin")


def owned_elsewhere(error: str) -> bool:
    """Whether a simulated crash is reported by a more specific rule than SL302."""
    return getattr(error, "kind", None) in _OWNED_KINDS or any(text in error for text in _OWNED_TEXT)


class SchedulerCrash(Rule):
    """The training framework would raise while building or stepping the schedule.

    mmengine: OneCycle stepped past `total_steps`, `LinearLR(start_factor=0)` dividing by zero
    at its second step, `ConstantLR(factor=0)`, invalid arguments. mmcv 1.x (`lr_config` /
    `momentum_config`): hook arguments the hook rejects (a key leaked from a base `lr_config`
    without `_delete_=True` is a `TypeError`), `cyclic`/`OneCycle` with `by_epoch=True`,
    OneCycle `total_steps` below the run, `warmup_by_epoch` under `IterBasedRunner`. Better
    to learn it now than after the first epoch of a long job. (Crashes with their own rule:
    SL103, SL303, SL402, SL404.)
    """

    code = "SL302"
    name = "scheduler-crash"
    severity = Severity.ERROR
    summary = "mmengine (or mmcv) would raise while building or stepping a scheduler"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='LinearLR', start_factor=0, begin=0, end=5)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        ),
        Example(
            """\
            optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
            lr_config = dict(policy='CosineAnnealing', min_lr=0, step=[8, 11])
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """,
            epoch_length=10,
            note="`step` leaked from a base lr_config: CosineAnnealingLrUpdaterHook gets an unexpected keyword",
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11])]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for error in ctx.curve.errors:
            if owned_elsewhere(error):
                continue
            loc = _error_location(ctx, error)
            if loc is None:
                continue
            yield self.finding(str(error), loc)


def _error_location(ctx: Context, error) -> Optional[Location]:
    """Where a simulated crash comes from in the config."""
    if ctx.plan.generation == "mmcv":
        policy = next((p for p in ctx.plan.legacy if p.param == getattr(error, "param", "lr")), None)
        if policy is not None:
            key = getattr(error, "key", None)
            loc = policy.locs.get(key) if key else None
            return loc or policy.locs.get("policy") or policy.locs.get("self")
        return ctx.plan.horizon.locs.get("train_cfg")
    index = getattr(error, "index", None)
    s = ctx.plan.schedulers[index] if isinstance(index, int) and index < len(ctx.plan.schedulers) else None
    loc = ctx.scheduler_loc(s, "type") if s is not None else None
    if loc is None:
        loc = next((x.locs.get("self") for x in ctx.plan.schedulers if "self" in x.locs), None)
    if loc is None:
        loc = ctx.plan.horizon.locs.get("train_cfg")
    return loc


def _num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _pos(s, key: str, effective: float) -> str:
    """A position as the config wrote it (epochs for converted schedulers)."""
    value = s.raw.get(key, effective) if s.converted else effective
    return f"{value:g}" if _num(value) else str(value)


class BeginNotBeforeEnd(Rule):
    """A scheduler whose `end` is not after its `begin`.

    mmengine raises `ValueError: end should be larger than begin` while building the
    schedulers, so training never starts. Often `end` is computed from a helper that became 0
    (`warmup_iters = 0` giving `LinearLR(begin=0, end=0)`), or `end` is omitted and the Runner's
    default (`max_epochs`, or 1 under `IterBasedTrainLoop`) is not after `begin`.

    Fix: remove the scheduler (e.g. no warm-up), or give it an `end` after `begin`.
    """

    code = "SL303"
    name = "begin-not-before-end"
    severity = Severity.ERROR
    summary = "a scheduler's end is not after its begin (mmengine ValueError at build)"
    generation = "mmengine"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            warmup_iters = 0
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=warmup_iters),
                dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11]),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        ),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='ConstantLR', factor=0.5, begin=12)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
            note="no end: the Runner uses max_epochs=12, which is not after begin=12",
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11])]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for s in ctx.plan.schedulers:
            if s.end > s.begin:
                continue
            if s.end_defaulted:
                default = "max_epochs" if s.by_epoch or s.converted else "max_iters"
                loop_note = " (1 under IterBasedTrainLoop)" if ctx.plan.horizon.loop == "iter" and default == "max_epochs" else ""
                end_text = f"no end, so the Runner uses {default}={_pos(s, 'end', s.end)}{loop_note}"
            else:
                end_text = f"end={_pos(s, 'end', s.end)}"
            msg = (f"{s.type} (param_scheduler[{s.index}]) has begin={_pos(s, 'begin', s.begin)} and {end_text}: "
                   "mmengine raises ValueError('end should be larger than begin') while building the schedulers, so "
                   "training never starts")
            yield self.finding(msg, ctx.scheduler_loc(s, "end", "begin", "type"))


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
            elif len(set(steps)) != len(steps):
                gamma = policy.args.get("gamma", 0.1 if policy.param == "lr" else 0.5)
                msg = (f"step={steps} repeats a step: the value is multiplied by gamma**2 = {gamma ** 2:g} at once "
                       "there; list each step once")
                yield self.finding(msg, loc)


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


_DECAY_TYPES = ("StepLR", "MultiStepLR", "ExponentialLR", "StepParamScheduler", "MultiStepParamScheduler",
                "ExponentialParamScheduler")


class NonDecayingGamma(Rule):
    """`gamma >= 1` (or `<= 0`) in a step or exponential LR decay.

    `StepLR`, `MultiStepLR`, `ExponentialLR` (and mmcv's `step` / `exp` policies) multiply the LR
    by `gamma` at each step. `gamma=10` (a "divide by 10" misread as a factor) multiplies the LR
    by 10 at every milestone — training usually diverges; `gamma=1` makes the scheduler a no-op;
    `gamma <= 0` sets the LR to 0 or flips its sign.

    Fix: `gamma=0.1` for "divide by 10".
    """

    code = "SL305"
    name = "non-decaying-gamma"
    severity = Severity.ERROR
    summary = "gamma >= 1 (or <= 0) in a step/exponential LR decay"
    invalid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11], gamma=10)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        ),
        Example(
            """\
            optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
            lr_config = dict(policy='step', step=[8, 11], gamma=1)
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """,
            epoch_length=10,
        ),
    ]
    valid = [
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [dict(type='ExponentialLR', gamma=0.95, begin=0, end=12)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        items = []
        if ctx.plan.generation == "mmcv":
            for policy in ctx.plan.legacy:
                if policy.param == "lr" and policy.policy in ("Step", "Exp"):
                    gamma = policy.args.get("gamma", 0.1 if policy.policy == "Step" else None)
                    loc = policy.locs.get("gamma") or policy.locs.get("policy") or policy.locs.get("self")
                    items.append((f"lr_config policy='{policy.raw.get('policy')}'", gamma, loc))
        else:
            for s in ctx.plan.schedulers:
                if s.param != "lr" or s.type not in _DECAY_TYPES:
                    continue
                gamma = s.args.get("gamma", 0.1 if not s.type.startswith("Exponential") else None)
                items.append((f"{s.type} (param_scheduler[{s.index}])", gamma, ctx.scheduler_loc(s, "gamma", "type")))
        lr = ctx.curve.lr
        base = ctx.plan.optimizer.lr
        for who, gamma, loc in items:
            if not _num(gamma) or loc is None or 0 < gamma < 1:
                continue
            if gamma == 1:
                msg = f"{who} has gamma=1: it never changes the LR (decay by gamma=0.1?)"
                yield self.finding(msg, loc, severity=Severity.WARNING)
            elif gamma > 1:
                peak = float(lr.max()) if len(lr) else base
                msg = (f"{who} has gamma={gamma:g}: each step multiplies the LR by {gamma:g} instead of dividing it")
                if peak > base * (1 + 1e-9):
                    msg += f"; the LR grows from {fmt(base)} to {fmt(peak)}"
                msg += f" (decay by gamma={1 / gamma:g}?)"
                yield self.finding(msg, loc)
            else:
                msg = f"{who} has gamma={gamma:g}: the first step sets the LR to {'0' if gamma == 0 else 'a negative value'}"
                yield self.finding(msg, loc)


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
            if start is None or floor is None or floor <= start * (1 + 1e-9):
                continue
            if self._followed_by_decay(ctx, s, w, lr_scheds):
                continue  # the designed ramp of a cyclic / one-cycle schedule
            key = "eta_min" if "eta_min" in s.raw else "eta_min_ratio"
            msg = (f"{s.type} (param_scheduler[{s.index}]) anneals towards {key}={s.raw.get(key):g} "
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
