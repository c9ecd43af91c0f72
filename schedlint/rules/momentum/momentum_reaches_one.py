"""SL101 momentum-reaches-one: Momentum or Adam's beta1 reaches 1 (or more), or falls to 0 or below."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, List, Optional, Tuple

from schedlint.model import Finding, Location, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.support import (legacy_loc, legacy_policy, optimizer_refuses_momentum, related_keys,
                                     responsible, span)
from schedlint.rules.windows import param_word
from schedlint.rules.momentum.common import ONE, _ADAMW, _CYCLIC_20E, _extremes, _first, _momentum_values

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.simulate.series import Series

_LEGACY_CYCLIC = """\
optimizer = dict(type='AdamW', lr=0.0018, betas=(0.95, 0.99), weight_decay=0.01)
lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=1, step_ratio_up=0.4)
momentum_config = dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1), cyclic_times=1, step_ratio_up=0.4)
runner = dict(type='EpochBasedRunner', max_epochs=20)
"""

NEAR_ONE = 1e-3  # beta1/momentum this close to 1 averages over ~1000+ steps

FROZEN_AT_ONE = 1e-4  # left this close to 1 for a long tail: the optimizer effectively stops reacting

LONG_STRETCH = 0.10  # share of training near 1 that is reported


def _value(v: float) -> str:
    """A momentum value, with enough digits to tell it from 1."""
    if v != 1.0 and abs(1.0 - v) < 1e-5:
        return f"{v:.12f}".rstrip("0")
    return f"{v:.6g}"


def _cause_location(ctx: Context, iteration: int) -> Tuple[Optional[Location], List[Related], str]:
    """Where the momentum value at `iteration` comes from: (location, related, what set it)."""
    if ctx.plan.generation == "mmcv":
        policy = legacy_policy(ctx, "momentum")
        if policy is None:
            return ctx.plan.optimizer.locs.get("betas") or ctx.plan.optimizer.locs.get("momentum"), [], "the optimizer"
        warmup = policy.args.get("warmup")
        warmup_iters = policy.args.get("warmup_iters", 0)
        if warmup is not None and isinstance(warmup_iters, (int, float)) and iteration < warmup_iters:
            loc = legacy_loc(ctx, policy, "warmup_ratio", "warmup")
            ratio = policy.args.get("warmup_ratio", 0.9)
            return loc, [], f"the momentum warm-up (mmcv divides by warmup_ratio={ratio:g})"
        loc = legacy_loc(ctx, policy, "target_ratio", "min_momentum", "min_momentum_ratio", "max_momentum",
                         "gamma", "policy")
        return loc, [], "momentum_config"
    s = responsible(ctx, "momentum", iteration)
    if s is None:
        return ctx.plan.optimizer.locs.get("betas") or ctx.plan.optimizer.locs.get("momentum"), [], "the optimizer"
    loc = ctx.scheduler_loc(s, "eta_min", "eta_min_ratio", "gamma", "factor", "end_factor", "type")
    related = related_keys(loc, s, ["T_max", "end"])
    return loc, related, f"{s.type} (param_scheduler[{s.index}])"


def _frozen_tail(values: Series) -> int:
    """How many final iterations keep exactly the last value (the schedule has ended)."""
    if len(values) == 0:
        return 0
    changed = (values == values[-1]).last_false()
    return len(values) - (changed + 1) if changed is not None else len(values)


class MomentumReachesOne(Rule):
    """Momentum or Adam's beta1 reaches 1 (or more), or falls to 0 or below.

    Adam divides by its bias correction `1 - beta1**t`: at `beta1 == 1.0` exactly this is 0
    and torch raises `ZeroDivisionError: float division by zero` inside `optimizer.step()`;
    above 1 the correction turns negative and the moment estimate grows instead of averaging
    (silently wrong updates, no error). SGD with `momentum >= 1` never forgets a gradient and
    diverges. torch checks betas only when the optimizer is built, never when a scheduler
    changes them. Typical causes: an mmengine momentum scheduler whose absolute `eta_min=1`
    is reached (the cosine's `T_max` fits inside its window, or a Poly reaches `eta_min` at
    `end - 1`), and mmcv's momentum warm-up, which *divides* by `warmup_ratio` (0.95 / 0.9 =
    1.056). A schedule that ends while beta1 sits near 1 keeps it there for the rest of
    training (the value freezes), which is reported as a warning when it lasts.

    Fix: keep momentum targets below 1 (base-relative values: `eta_min_ratio`, or the base
    beta1 itself), and do not warm up momentum in mmcv (or use `warmup_ratio=1`).
    """

    code = "SL101"
    name = "momentum-reaches-one"
    severity = Severity.ERROR
    summary = "momentum / beta1 reaches 1 or more (Adam divides by zero), or 0 and below"
    invalid = [
        Example(
            cfg(
            _ADAMW,
            """\
            param_scheduler = [
                dict(type='CosineAnnealingMomentum', T_max=8, eta_min=1, begin=0, end=12, by_epoch=True),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=10,
            note="T_max=8 inside a 12-epoch window: the cosine reaches eta_min=1 at epoch 8",
        ),
        Example(
            cfg(
            _LEGACY_CYCLIC,
            """\
            momentum_config = dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1), cyclic_times=1,
                                   step_ratio_up=0.4, warmup='linear', warmup_iters=200)
            """),
            epoch_length=50,
            note="mmcv divides by the warm-up ratio: 0.95 / 0.9 = 1.056",
        ),
        Example(
            {
                "schedule.py": _CYCLIC_20E,
                "config.py": """\
                _base_ = './schedule.py'
                train_cfg = dict(max_epochs=40)
                """,
            },
            epoch_length=10,
            note="beta1 frozen at 0.99998 for the 20 epochs the schedule no longer covers (error: stuck at ~1)",
        ),
    ]
    valid = [
        Example(_CYCLIC_20E, epoch_length=10, note="approaches 1 but T_max == end - begin never reaches it"),
        Example(_LEGACY_CYCLIC, epoch_length=10, note="mmcv cyclic ratios are relative to the base beta1"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if optimizer_refuses_momentum(ctx.plan.optimizer):
            return  # the optimizer is never built: SL310
        values = _momentum_values(ctx)
        if values is None:
            return
        low, high = _extremes(values)
        if high < 1 - NEAR_ONE and low > 1e-12:
            return  # none of the conditions below can hold: spare the scans of the whole curve
        word = param_word(ctx, "momentum")
        beta = ctx.plan.optimizer.momentum_kind == "beta1"
        base = ctx.plan.optimizer.base_momentum
        total = ctx.total_iters
        over = _first(values >= ONE)
        if over is not None:
            yield self._reaches_one(ctx, values, over, word, beta)
            return
        negative = _first(values < 0)
        if negative is not None:
            loc, related, who = _cause_location(ctx, negative)
            if loc is not None:
                msg = (f"{who} drives the {word} below 0 ({fmt(float(values[negative]))} at {ctx.where(negative)}): "
                       f"a negative {word} reverses the running average of the gradients")
                yield self.finding(msg, loc, related)
            return
        if base is not None and base > 0:
            zero = _first(values <= 1e-12)
            if zero is not None:
                loc, related, who = _cause_location(ctx, zero)
                if loc is not None:
                    msg = (f"{who} drives the {word} from {fmt(base)} to 0 at {ctx.where(zero)}: no momentum "
                           f"from there on")
                    yield self.finding(msg, loc, related, severity=Severity.WARNING)
                return
        near = values >= 1 - NEAR_ONE
        count = int(near.sum())
        if total > 0 and count / total > LONG_STRETCH:
            start = _first(near)
            loc, related, who = _cause_location(ctx, start)
            if loc is None:
                return
            frozen = _frozen_tail(values)
            msg = (f"the {word} stays within {NEAR_ONE:g} of 1 (>= {1 - NEAR_ONE:g}) for {span(ctx, count)} "
                   f"({count / total:.0%} of training) from {ctx.where(start)}")
            if frozen > 1 and values[-1] >= 1 - NEAR_ONE:
                msg += (f"; the schedule has ended and the {word} is frozen at {_value(float(values[-1]))} for the last "
                        f"{span(ctx, frozen)}")
            if beta:
                msg += "; Adam then averages gradients over thousands of steps and reacts to almost nothing new"
            stuck = (
                frozen > 1
                and values[-1] >= 1 - FROZEN_AT_ONE
                and frozen / total > ctx.settings.thresholds.tail_fraction
            )
            severity = Severity.ERROR if stuck else Severity.WARNING
            yield self.finding(msg, loc, related + ctx.horizon_related_if_elsewhere(loc), severity=severity)

    def _reaches_one(self, ctx: Context, values: "Series", over: int, word: str, beta: bool) -> Finding:
        peak_at = int(values.argmax())
        peak = float(values[peak_at])
        exact = abs(float(values[over]) - 1.0) <= 1e-12
        loc, related, who = _cause_location(ctx, over)
        if loc is None:
            loc = (ctx.plan.horizon.locs.get("train_cfg") or next(iter(ctx.plan.optimizer.locs.values()), None)
                   or Location(ctx.plan.filename, 1))
        if exact and beta:
            consequence = ("Adam's bias correction 1 - beta1**t is 0 there and torch raises ZeroDivisionError: "
                           "float division by zero in optimizer.step()")
        elif beta:
            consequence = ("Adam's bias correction 1 - beta1**t turns negative and the moment estimate grows "
                           "instead of averaging: silently wrong updates, no error")
        elif exact:
            consequence = "SGD then never forgets a gradient: the velocity accumulates every step"
        else:
            consequence = "SGD's velocity then grows every step: training diverges"
        msg = f"{who} drives the {word} to {_value(float(values[over]))} at {ctx.where(over)}: {consequence}"
        if peak > float(values[over]) + 1e-9:
            msg += f" (peak {_value(peak)} at {ctx.where(peak_at)})"
        frozen = _frozen_tail(values)
        if frozen > 1 and values[-1] >= ONE and ctx.curve.stopped_at is None:
            msg += f"; the schedule has ended and the {word} stays at {_value(float(values[-1]))} for the remaining {span(ctx, frozen)}"
        return self.finding(msg, loc, related)
