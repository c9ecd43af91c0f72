"""mmcv-1.x step positions after the end of training, warm-ups longer than it, and CosineRestart periods
that outlast it.

The same defects as SL001 (a planned decay that never happens), SL009 (a warm-up longer than the
run) and SL003 (a schedule cut before its planned change) in mmengine configs, so they carry those
codes: `--ignore SL001` and `# noqa: SL009` work the same for both config generations. SL001, SL003
and SL009 call these for mmcv-1.x plans.
"""

from __future__ import annotations

import math
from typing import Iterator, List

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Rule, fmt
from schedlint.rules.support import legacy_loc
from schedlint.rules.windows import value_at
from schedlint.rules.mmcv.common import _num


FAR_BEYOND = 10  # steps this many times past the end of training belong to another recipe


def legacy_steps_after_end(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """mmcv `step` positions after the end of training (reported by `rule`, SL001)."""
    h = ctx.plan.horizon
    if ctx.total_iters <= 0:
        return
    for policy in ctx.plan.legacy:
        word = "LR" if policy.param == "lr" else "momentum"
        gamma = policy.args.get("gamma", 0.1)
        if gamma == 1 and not isinstance(gamma, bool):
            continue  # a step that changes nothing (a constant LR written as a step; SL305 says so): none is lost
        if policy.policy == "Step" and not (policy.by_epoch and h.loop == "iter"):
            yield from _steps_of(rule, ctx, policy, word)


def legacy_warmup_too_long(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """mmcv warm-ups covering most of training or more (reported by `rule`, SL009)."""
    total = ctx.total_iters
    if total <= 0:
        return
    for policy in ctx.plan.legacy:
        word = "LR" if policy.param == "lr" else "momentum"
        yield from _warmup_of(rule, ctx, policy, word, total)


def _steps_of(rule, ctx: Context, policy, word: str) -> Iterator[Finding]:
    h = ctx.plan.horizon
    steps = policy.args.get("step")
    length = int(h.max_epochs or 0) if policy.by_epoch else ctx.total_iters
    unit = "epoch" if policy.by_epoch else "iteration"
    # a step exactly at the end of training is the end boundary (as SL001 treats a milestone at the horizon)
    if isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
        lost = [steps] if steps > length else []
        kept: List[int] = [] if lost else [steps]
    elif isinstance(steps, list) and all(isinstance(s, int) for s in steps):
        lost = [s for s in steps if s > length]
        kept = [s for s in steps if s < length]
    else:
        return
    if not lost or length <= 0:
        return
    loc = legacy_loc(ctx, policy, "step")
    if loc is None:
        return
    final = value_at(ctx, policy.param, ctx.total_iters - 1)
    shown = ", ".join(str(s) for s in lost)
    msg = (f"step {shown} {'is' if len(lost) == 1 else 'are'} after the end of training ({length} {unit}s): mmcv steps are absolute positions, so "
           f"{'this decay never happens' if len(lost) == 1 else 'these decays never happen'}")
    severity = Severity.ERROR
    if not kept:
        msg += f" and the {word} stays at {fmt(final)} for all of training"
        if min(lost) >= FAR_BEYOND * length:
            # steps of a recipe many times longer (a short fine-tuning stage over the base training's
            # schedule): a constant LR is likely meant; said, not called an error
            severity = Severity.WARNING
            msg += (f"; the steps belong to a run {min(lost) // length}x longer: if a constant {word} is meant, "
                    "write policy='fixed'")
    else:
        msg += f" and the {word} ends at {fmt(final)}"
    yield rule.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=severity)

def _warmup_of(rule, ctx: Context, policy, word: str, total: int) -> Iterator[Finding]:
    warmup = policy.args.get("warmup")
    iters = policy.args.get("warmup_iters", 0)
    if warmup is None or not _num(iters) or iters <= 0:
        return
    if policy.by_epoch and ctx.plan.horizon.loop == "iter":
        return  # SL406: the hook never runs
    by_epoch = bool(policy.args.get("warmup_by_epoch", False))
    length = int(iters * ctx.epoch_length) if by_epoch else int(iters)
    share = length / total
    if share <= ctx.settings.thresholds.warmup_fraction:
        return
    loc = legacy_loc(ctx, policy, "warmup_iters", "warmup")
    if loc is None:
        return
    note = ""
    if ctx.plan.horizon.loop == "epoch" or by_epoch:
        note = ctx.epoch_length_note() or f" [epoch length {ctx.epoch_length}: {ctx.plan.horizon.epoch_length_source}]"
    # iterations of warm-up against epochs of training (or the reverse): the share rests on the epoch length
    guessed = ctx.epoch_length_is_guess and (ctx.plan.horizon.loop == "epoch") != by_epoch
    if length >= total:
        reached = value_at(ctx, policy.param, total - 1)
        msg = (f"the {word} warm-up lasts {length} iterations but training has {total}: the {word} never reaches "
               f"its scheduled value (it ends at {fmt(reached)})")
        yield rule.finding(msg + note, loc, severity=ctx.guarded(Severity.ERROR) if guessed else Severity.ERROR)
    elif not guessed:  # (a share of a guessed length is not judged)
        msg = f"the {word} warm-up covers {share:.0%} of training ({length} of {total} iterations)"
        yield rule.finding(msg + note, loc, severity=Severity.WARNING)


def legacy_restart_cut(rule: Rule, ctx: Context) -> Iterator[Finding]:
    """mmcv `CosineRestart` periods that run past the end of training, so that the last period training
    reaches is cut before it anneals (reported by `rule`, SL003; periods that end before training
    are SL402's crash)."""
    h = ctx.plan.horizon
    total = ctx.total_iters
    for policy in ctx.plan.legacy:
        periods = policy.args.get("periods")
        if policy.policy != "CosineRestart" or not isinstance(periods, list) or not periods \
                or not all(_num(p) and p > 0 for p in periods) or (policy.by_epoch and h.loop == "iter"):
            continue
        length = int(h.max_epochs or 0) if policy.by_epoch else total
        scale = ctx.epoch_length if policy.by_epoch else 1  # iterations per unit of the periods
        ends = [sum(periods[:k + 1]) for k in range(len(periods))]
        if length <= 0 or total <= 0 or ends[-1] <= length:
            continue
        k = next(i for i, end in enumerate(ends) if end > length - 1)  # the period of the last step
        start = ends[k - 1] if k else 0
        first, last = value_at(ctx, policy.param, start * scale), value_at(ctx, policy.param, total - 1)
        target = policy.args.get("min_lr")
        if _num(policy.args.get("min_lr_ratio")):
            target = ctx.plan.optimizer.lr * policy.args["min_lr_ratio"]
        if first is None or last is None or not _num(target):
            continue
        # the value the period's last step would have (mmcv's annealing_cos from the period's first value; a
        # period that fits the run exactly ends there too, a step short of the target)
        alpha = (ends[k] - 1 - start) / periods[k]
        floor = target + (first - target) * 0.5 * (math.cos(math.pi * alpha) + 1)
        if abs(first - floor) <= 1e-12 * max(abs(first), 1e-30):
            continue
        lost = abs(last - floor) / abs(first - floor)
        if lost <= ctx.settings.thresholds.lost_change:
            continue
        unit = "epoch" if policy.by_epoch else "iteration"
        loc = legacy_loc(ctx, policy, "periods")
        if loc is None:
            continue
        msg = (f"CosineRestart periods={periods} run to {unit} {ends[-1]:g} but training ends at {unit} {length}, "
               f"inside the period from {unit} {start:g} to {ends[k]:g}: the LR ends at {fmt(last)} instead of "
               f"annealing to {fmt(floor)} ({lost:.0%} of that period's change is lost)")
        severity = Severity.ERROR if lost >= 0.5 else Severity.WARNING
        if not policy.by_epoch and h.loop == "epoch":
            msg += ctx.epoch_length_note()
            severity = ctx.guarded(severity)
        yield rule.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=severity)
