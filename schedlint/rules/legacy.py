"""SL4xx: problems of mmcv-1.x configs (`lr_config`, `momentum_config`, `runner`, `evaluation`)."""

from __future__ import annotations

import difflib
from typing import Iterator, List, Optional

from schedlint.plan.mmcv import ITERATION_ONLY, LR_POLICIES, MOMENTUM_POLICIES, hook_name
from schedlint.model import Finding, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.support import legacy_loc, legacy_policy
from schedlint.rules.windows import value_at

_SGD = "optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)\n"
_STEP_1X = _SGD + """\
lr_config = dict(policy='step', warmup='linear', warmup_iters=500, warmup_ratio=0.001, step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
"""


def _num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class LegacyRule(Rule):
    """Base of the mmcv-1.x rules (they see `plan.legacy`, not `plan.schedulers`)."""

    generation = "mmcv"


class TotalEpochsMismatch(LegacyRule):
    """`total_epochs` and `runner.max_epochs` disagree.

    mmdet 2.x (and the codebases built on it) asserts `cfg.total_epochs == cfg.runner.max_epochs`
    (`compat_runner_args`) and refuses to start; codebases that still pass `total_epochs` to
    `runner.run` (mmdet 1.x, mmpose 0.x) train `total_epochs` and ignore `runner`. Usually a
    child raised one of them and forgot the other. schedlint simulates `runner.max_epochs`.

    Fix: set the length once, in `runner = dict(type='EpochBasedRunner', max_epochs=N)`, and
    delete `total_epochs`.
    """

    code = "SL401"
    name = "total-epochs-mismatch"
    severity = Severity.ERROR
    summary = "legacy total_epochs differs from runner.max_epochs"
    invalid = [Example(_STEP_1X + "total_epochs = 24\n", epoch_length=100)]
    valid = [Example(_STEP_1X + "total_epochs = 12\n", epoch_length=100)]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.resolved.get("total_epochs")
        runner = ctx.resolved.get("runner")
        if not _num(total) or not isinstance(runner, dict) or not _num(runner.get("max_epochs")):
            return
        max_epochs = runner["max_epochs"]
        if total == max_epochs:
            return
        loc = ctx.resolved.loc("total_epochs")
        runner_loc = ctx.resolved.loc("runner", "max_epochs")
        if loc is None:
            return
        related = [Related(runner_loc, f"runner.max_epochs={max_epochs:g} set here")] if runner_loc else []
        msg = (f"total_epochs={total:g} but runner.max_epochs={max_epochs:g}: mmdet 2.x asserts they are equal and "
               f"refuses to start; code that passes total_epochs to runner.run (mmpose 0.x, mmdet 1.x) trains "
               f"{total:g} epochs and ignores runner. schedlint simulates {max_epochs:g}; keep one of them")
        yield self.finding(msg, loc, related)


class RestartPeriodsTooShort(LegacyRule):
    """mmcv `CosineRestart` periods that end before training does.

    mmcv's CosineRestart LR hook raises `ValueError: Current iteration N exceeds
    cumulative_periods [...]` as soon as the progress reaches `sum(periods)`: training crashes
    in the middle (mmengine's CosineRestart would just freeze the LR instead).

    Fix: make `periods` add up to the training length (`max_epochs`, or `max_iters` with
    `by_epoch=False`).
    """

    code = "SL402"
    name = "restart-periods-too-short"
    severity = Severity.ERROR
    summary = "mmcv CosineRestart periods end before training does (crash mid-run)"
    invalid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='CosineRestart', periods=[15, 15], restart_weights=[1.0, 0.5], min_lr=1e-5)
            runner = dict(type='EpochBasedRunner', max_epochs=36)
            """),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='CosineRestart', periods=[18, 18], restart_weights=[1.0, 0.5], min_lr=1e-5)
            runner = dict(type='EpochBasedRunner', max_epochs=36)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for error in ctx.curve.errors:
            if getattr(error, "kind", None) != "restart-periods":
                continue
            policy = legacy_policy(ctx, getattr(error, "param", "lr"))
            loc = legacy_loc(ctx, policy, "periods")
            if loc is None:
                continue
            periods = policy.args.get("periods")
            unit = "epochs" if policy.by_epoch else "iterations"
            covered = sum(p for p in periods if _num(p)) if isinstance(periods, list) else None
            length = ctx.plan.horizon.max_epochs if policy.by_epoch else ctx.total_iters
            msg = f"periods={periods} cover {covered:g} {unit} but training runs {length} {unit}: {error}"
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc))


class CyclicLeftover(LegacyRule):
    """mmcv `cyclic` with a training length that `cyclic_times` does not divide.

    mmcv's cyclic hooks split `runner.max_iters // cyclic_times` iterations per cycle; the
    `max_iters % cyclic_times` iterations left over start a new cycle: at the very end of
    training the LR jumps back to its base value and starts climbing (momentum drops back).
    Under `EpochBasedRunner`, `max_iters` is epochs x iterations per epoch, so the verdict
    depends on the epoch length (information when it is only estimated).

    Fix: `cyclic_times=1`, or a length divisible by `cyclic_times`.
    """

    code = "SL403"
    name = "cyclic-leftover-iterations"
    severity = Severity.WARNING
    summary = "mmcv cyclic: max_iters % cyclic_times leftover iterations restart the cycle at the end"
    invalid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=3, step_ratio_up=0.4)
            runner = dict(type='IterBasedRunner', max_iters=1000)
            """),
        )
    ]
    valid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=4, step_ratio_up=0.4)
            runner = dict(type='IterBasedRunner', max_iters=1000)
            """),
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.total_iters
        for policy in ctx.plan.legacy:
            times = policy.args.get("cyclic_times", 1)
            if policy.policy != "Cyclic" or not isinstance(times, int) or times <= 1 or total < times:
                continue
            leftover = total % times
            if leftover == 0:
                continue
            loc = legacy_loc(ctx, policy, "cyclic_times")
            if loc is None:
                continue
            param = "LR" if policy.param == "lr" else "momentum"
            last = total - leftover
            before = value_at(ctx, policy.param, last - 1)
            after = value_at(ctx, policy.param, last)
            msg = (f"cyclic_times={times} does not divide the {total} training iterations: the last {leftover} "
                   f"iteration{'s' if leftover > 1 else ''} start a new cycle, the {param} jumps from {fmt(before)} "
                   f"back to {fmt(after)} at iteration {last}")
            estimated = ctx.plan.horizon.loop == "epoch" and not ctx.plan.horizon.epoch_length_source.startswith("given")
            if ctx.plan.horizon.loop == "epoch":
                msg += f" [epoch length {ctx.epoch_length}: {ctx.plan.horizon.epoch_length_source}]"
            yield self.finding(msg, loc, severity=Severity.INFO if estimated else self.severity)


class PolicyName(LegacyRule):
    """A `policy` name mmcv cannot find.

    mmcv builds `<policy>LrUpdaterHook` (`<policy>MomentumUpdaterHook`); an all-lower-case name
    is `.title()`-cased first, which works for one-word policies (`'step'`, `'cyclic'`) but not
    for multi-word ones: `'cosineannealing'` becomes `CosineannealingLrUpdaterHook` and mmcv
    raises `KeyError: ... is not in the hook registry` before training starts. A name that
    matches no mmcv policy (e.g. the old `'cosine'`) is reported as a warning: unless a
    downstream package registers it, it fails the same way; its effect is not simulated.

    Fix: the CamelCase name (`'CosineAnnealing'`, `'OneCycle'`, `'FlatCosineAnnealing'`, ...).
    """

    code = "SL404"
    name = "legacy-policy-name"
    severity = Severity.ERROR
    summary = "an lr_config/momentum_config policy name mmcv cannot find (e.g. 'cosineannealing')"
    invalid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='cosineannealing', min_lr=1e-5)
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='CosineAnnealing', min_lr=1e-5)
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        from schedlint.simulate.mmcv import misnamed_policy

        for policy in ctx.plan.legacy:
            table = LR_POLICIES if policy.param == "lr" else MOMENTUM_POLICIES
            if policy.policy in table or "policy" not in policy.raw:
                continue
            loc = legacy_loc(ctx, policy, "policy")
            if loc is None:
                continue
            written = policy.raw.get("policy")
            hook = hook_name(policy.param, policy.policy)
            meant = misnamed_policy(policy.param, policy)
            if meant is not None:
                msg = (f"policy={written!r} makes mmcv look up {hook}, which does not exist: KeyError before training "
                       f"starts (only one-word names are title-cased); write policy='{meant}'")
                yield self.finding(msg, loc)
                continue
            near = difflib.get_close_matches(str(policy.policy), list(table), n=1, cutoff=0.6)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            msg = (f"policy={written!r} needs a hook named {hook}, which mmcv does not have: unless a package you "
                   f"import registers it, mmcv raises KeyError before training starts; its effect is not simulated"
                   f"{hint}")
            yield self.finding(msg, loc, severity=Severity.WARNING)


class FinalEpochNotEvaluated(LegacyRule):
    """mmcv `evaluation.interval` that does not reach the end of training.

    mmcv's EvalHook evaluates after every `interval` epochs (iterations under
    `IterBasedRunner`) and, unlike mmengine, does *not* force the last one: with
    `max_epochs=12, interval=5` the weights after epochs 11-12 are never evaluated, so the
    reported metric is not that of the model you ship; an interval larger than the run never
    evaluates at all.

    Fix: an interval that divides the training length (or `start` so that the last epoch lands
    on the grid).
    """

    code = "SL405"
    name = "final-epoch-not-evaluated"
    severity = Severity.WARNING
    summary = "mmcv evaluation.interval does not divide the run: the final weights are never evaluated"
    invalid = [Example(_STEP_1X + "evaluation = dict(interval=5, metric='bbox')\n", epoch_length=100)]
    valid = [Example(_STEP_1X + "evaluation = dict(interval=4, metric='bbox')\n", epoch_length=100)]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        interval = h.val_interval
        loc = h.locs.get("val_interval")
        if interval is None or interval <= 0 or loc is None:
            return
        length = int(h.max_epochs or 0) if h.loop == "epoch" else int(h.max_iters or 0)
        unit = "epoch" if h.loop == "epoch" else "iteration"
        if length <= 0:
            return
        start = ctx.resolved.get("evaluation", "start")
        evaluated = _evaluated(length, interval, start if _num(start) else None, h.dynamic_intervals)
        if evaluated and evaluated[-1] == length:
            return
        if not evaluated:
            msg = (f"evaluation interval={interval} with {length} {unit}s of training: mmcv never evaluates during "
                   f"training (it does not force the last {unit})")
        else:
            msg = (f"evaluation interval={interval} does not divide the {length} {unit}s of training: the last "
                   f"evaluation is after {unit} {evaluated[-1]}, the final weights ({unit} {length}) are never "
                   f"evaluated (mmcv, unlike mmengine, does not force the last {unit})")
        yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc))


def _evaluated(length: int, interval: int, start: Optional[int], dynamic) -> List[int]:
    """The 1-based epochs (iterations) after which mmcv's EvalHook evaluates."""
    import bisect

    milestones = [0] + [m for m, _ in (dynamic or [])]
    intervals = [interval] + [i for _, i in (dynamic or [])]
    out = []
    for done in range(1, length + 1):
        current = intervals[bisect.bisect(milestones, done) - 1] if dynamic else interval
        if current <= 0:
            continue
        if start is None:
            if done % current == 0:
                out.append(done)
        elif done >= start and (done - start) % current == 0:
            out.append(done)
    return out


class EpochPolicyUnderIterRunner(LegacyRule):
    """An epoch-based mmcv policy under `IterBasedRunner`.

    `IterBasedRunner` never calls `before_train_epoch`, where epoch-based hooks compute their
    value: the LR (momentum) stays at the optimizer's value for the whole run — no decay, and
    no warm-up either. `IterBasedRunner` defaults `lr_config` to `by_epoch=False`, so this
    happens to an `lr_config` with an explicit `by_epoch=True` and to a `momentum_config`
    without `by_epoch=False` (its default stays `True`).

    Fix: `by_epoch=False` (positions such as `step` then count iterations).
    """

    code = "SL406"
    name = "epoch-policy-under-iter-runner"
    severity = Severity.ERROR
    summary = "a by_epoch=True mmcv policy under IterBasedRunner never updates"
    invalid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='poly', power=0.9, min_lr=1e-4, by_epoch=True)
            runner = dict(type='IterBasedRunner', max_iters=40000)
            """),
        ),
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='poly', power=0.9, min_lr=1e-4)
            momentum_config = dict(policy='CosineAnnealing', min_momentum_ratio=0.9)
            runner = dict(type='IterBasedRunner', max_iters=40000)
            """),
        ),
    ]
    valid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='poly', power=0.9, min_lr=1e-4)
            runner = dict(type='IterBasedRunner', max_iters=40000)
            """),
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.horizon.loop != "iter":
            return
        for policy in ctx.plan.legacy:
            if not policy.by_epoch or policy.policy in ITERATION_ONLY or policy.policy == "Fixed":
                continue
            if policy.policy not in (LR_POLICIES if policy.param == "lr" else MOMENTUM_POLICIES):
                continue
            loc = legacy_loc(ctx, policy, "by_epoch", "policy")
            if loc is None:
                continue
            word = "LR" if policy.param == "lr" else "momentum"
            value = value_at(ctx, policy.param, 0)
            explicit = "by_epoch=True" if "by_epoch" in policy.raw else "by_epoch=True by default for momentum_config"
            msg = (f"{policy.path[0]} policy='{policy.raw.get('policy')}' is epoch-based ({explicit}) but the runner is "
                   f"IterBasedRunner, which never starts an epoch for it: the {word} stays at {fmt(value)} for all "
                   f"{ctx.total_iters} iterations (no warm-up either); set by_epoch=False")
            yield self.finding(msg, loc)


class LegacyScheduleOutlivesRun(LegacyRule):
    """mmcv step milestones or a warm-up that training never reaches.

    mmcv's `step` positions are absolute (they do not scale with `max_epochs`): a step at or
    after the last epoch never happens, and a run shortened without updating `step` keeps its
    LR. A warm-up longer than training means the LR never reaches its base value (one covering
    more than half of training is reported as a warning).

    Fix: steps inside the run (e.g. at 2/3 and 11/12 of it), a warm-up much shorter than it.
    """

    code = "SL407"
    name = "legacy-schedule-outlives-run"
    severity = Severity.ERROR
    summary = "mmcv step milestones after the end of training, or a warm-up longer than it"
    invalid = [
        Example(_STEP_1X.replace("step=[8, 11]", "step=[16, 22]"), epoch_length=100),
        Example(_STEP_1X.replace("warmup_iters=500", "warmup_iters=5000"), epoch_length=100),
    ]
    valid = [Example(_STEP_1X, epoch_length=100)]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        total = ctx.total_iters
        if total <= 0:
            return
        for policy in ctx.plan.legacy:
            word = "LR" if policy.param == "lr" else "momentum"
            if policy.policy == "Step" and not (policy.by_epoch and h.loop == "iter"):
                yield from self._steps(ctx, policy, word)
            yield from self._warmup(ctx, policy, word, total)

    def _steps(self, ctx: Context, policy, word: str) -> Iterator[Finding]:
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
        if not kept:
            msg += f" and the {word} stays at {fmt(final)} for all of training"
        else:
            msg += f" and the {word} ends at {fmt(final)}"
        yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc))

    def _warmup(self, ctx: Context, policy, word: str, total: int) -> Iterator[Finding]:
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
        if length >= total:
            reached = value_at(ctx, policy.param, total - 1)
            msg = (f"the {word} warm-up lasts {length} iterations but training has {total}: the {word} never reaches "
                   f"its scheduled value (it ends at {fmt(reached)})")
            yield self.finding(msg + note, loc)
        else:
            msg = f"the {word} warm-up covers {share:.0%} of training ({length} of {total} iterations)"
            yield self.finding(msg + note, loc, severity=Severity.WARNING)


__all__ = [
    "CyclicLeftover",
    "EpochPolicyUnderIterRunner",
    "FinalEpochNotEvaluated",
    "LegacyScheduleOutlivesRun",
    "PolicyName",
    "RestartPeriodsTooShort",
    "TotalEpochsMismatch",
]
