"""SL001 milestone-unreached: A step decay planned at or after the point where its scheduler stops."""

from __future__ import annotations

import math
from typing import Callable, Iterator, List, Tuple

from schedlint.model import Finding, Related, Severity
from schedlint.rules.base import Context, Example, Rule, fmt
from schedlint.rules.mmcv.common import _STEP_1X
from schedlint.rules.mmcv.schedule_outlives_run import FAR_BEYOND, legacy_steps_after_end
from schedlint.rules.windows import STEP_TYPES, param_word, position, same_file, value_at, window

_BASE_1X = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
"""


_NO_END_2X = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[16, 22], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=24)
"""


class MilestoneUnreached(Rule):
    """A step decay planned at or after the point where its scheduler stops.

    mmengine steps a scheduler only while `begin <= step < end`. A `MultiStepLR` whose
    milestones lie at or behind its `end` never applies them: the LR simply never decays, and
    nothing warns. This typically happens when a config raises `max_epochs` and the milestones
    but inherits the base schedule's `end` (e.g. `_base_.param_scheduler[1].milestones = [16, 23]`
    over a base `MultiStepLR(end=12)`).

    A step scheduler without `end` ends with training: a run shortened under it (`max_epochs=12`
    over `milestones=[16, 22]`) never reaches its decays either (`schedlint fix --rescale` moves them).

    mmcv-1.x configs: `lr_config = dict(policy='step', step=[16, 22])` positions are absolute,
    so a step after the end of training (a run shortened without updating `step`) never happens.
    When every step lies 10x or more past the end (a short fine-tuning stage over the base
    training's `step=[60000, 80000]`, as in mmfewshot), a constant LR is likely meant: a warning.

    Fix: extend `end` to cover the milestones (usually the new training length), or remove
    `end` so the Runner uses `max_epochs`; in mmcv-1.x configs, steps inside the run.
    """

    code = "SL001"
    needs_length = True
    fix_applicability = "safe"
    name = "milestone-unreached"
    severity = Severity.ERROR
    summary = "a planned step decay lies at or behind its scheduler's `end` and never happens"
    invalid = [
        Example(
            {
                "base.py": _BASE_1X,
                "config.py": """\
                _base_ = './base.py'
                _base_.param_scheduler[1].milestones = [16, 22]
                train_cfg = dict(max_epochs=24)
                """,
            },
            epoch_length=100,
            fixed="""\
            _base_ = './base.py'
            _base_.param_scheduler[1].milestones = [16, 22]
            _base_.param_scheduler[1].end = 24
            train_cfg = dict(max_epochs=24)
            """,
        ),
        Example(_STEP_1X.replace("step=[8, 11]", "step=[16, 22]"), epoch_length=100, note="mmcv-1.x `lr_config`"),
        Example(
            {
                "base.py": _NO_END_2X,
                "config.py": """\
                _base_ = './base.py'
                train_cfg = dict(max_epochs=12)
                """,
            },
            epoch_length=100,
            note="no `end`: the scheduler ends with the shortened run, before its milestones",
        ),
    ]
    valid = [
        Example(_NO_END_2X.replace("milestones=[16, 22]", "milestones=[8, 16, 24]"), epoch_length=100,
                note="a milestone at the very end would only apply after the last step: harmless"),
        Example(_BASE_1X, epoch_length=100),
        Example(
            {
                "base.py": _BASE_1X,
                "config.py": """\
                _base_ = './base.py'
                _base_.param_scheduler[1].milestones = [16, 22]
                _base_.param_scheduler[1].end = 24
                train_cfg = dict(max_epochs=24)
                """,
            },
            epoch_length=100,
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.generation == "mmcv":
            yield from legacy_steps_after_end(self, ctx)
            return
        horizon_iters = ctx.total_iters
        for s in ctx.plan.schedulers:
            if s.type not in STEP_TYPES:
                continue
            gamma = s.args.get("gamma", 0.1)
            if gamma == 1 and not isinstance(gamma, bool):
                continue  # a step that changes nothing (SL305 says so): no decay is lost
            if s.end_defaulted:
                yield from self._past_the_run(ctx, s)
                continue
            w = window(ctx, s)
            if w.start >= horizon_iters:
                continue
            scale = w.stop / s.end if s.end and math.isfinite(w.stop) else (ctx.epoch_length if s.by_epoch else 1)
            planned = self._decays(s)
            lost = [p for p in planned if p >= s.end and p * scale < horizon_iters]
            if not lost:
                yield from self._past_end_and_run(ctx, s, planned, scale)
                continue
            param = param_word(ctx, s.param)
            last_value = value_at(ctx, s.param, horizon_iters - 1)
            kept = [p for p in planned if p < s.end]
            where = _positions(s, lost)
            msg = (
                f"{s.type} stops at end={s.end:g} ({position(s, s.end)}), so the decay"
                f"{'s' if len(lost) > 1 else ''} planned at {where} never happen"
                f"{'s' if len(lost) == 1 else ''}"
            )
            if not kept:
                msg += f": the {param} stays at {fmt(last_value)} for all of training ({ctx.horizon_text})"
            else:
                msg += f": the {param} ends at {fmt(last_value)} instead of decaying further"
            loc = ctx.scheduler_loc(s, "end")
            related: List[Related] = []
            for key in ("milestones", "step_size"):
                if key in s.locs and not same_file(s.locs[key], loc) or (
                    key in s.locs and s.locs[key].line != loc.line
                ):
                    related.append(Related(s.locs[key], f"{key} set here"))
            related += ctx.horizon_related_if_elsewhere(loc)
            yield self.finding(msg, loc, related)

    def _past_the_run(self, ctx: Context, s) -> Iterator[Finding]:
        """A step scheduler without `end` (the Runner ends it with training) whose decays lie past the end of
        training: a run shortened without its milestones. A decay exactly at the end would apply after
        the last step anyway: not reported."""
        if s.by_epoch and ctx.plan.horizon.loop == "iter" or not s.end or s.begin >= s.end:
            return  # SL007 / nothing runs
        planned = self._decays(s)
        lost = [p for p in planned if p > s.end]
        if not lost:
            return
        kept = [p for p in planned if p < s.end]
        param = param_word(ctx, s.param)
        last_value = value_at(ctx, s.param, ctx.total_iters - 1)
        where = _positions(s, lost)
        msg = (f"{s.type} has no `end`, so it ends with training at {position(s, s.end)}; the "
               f"decay{'s' if len(lost) > 1 else ''} planned at {where} never happen{'s' if len(lost) == 1 else ''}")
        outcome, severity = _outcome(param, last_value, bool(kept), min(lost) >= FAR_BEYOND * s.end,
                                     lambda: min(lost) / s.end, f": the {param} stays at {fmt(last_value)} for all of training ({ctx.horizon_text})",
                                     ": the")
        far = min(lost) >= FAR_BEYOND * s.end  # (the outcome then says whose run the milestones belong to)
        msg += outcome + ("" if far else "; the milestones were written for a longer run")
        loc = ctx.scheduler_loc(s, "milestones", "step_size")
        yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=severity)

    def _past_end_and_run(self, ctx: Context, s, planned: List[float], scale: float) -> Iterator[Finding]:
        """Decays past both the scheduler's `end` and the end of training (`milestones=[30]`, `end=20`, 24 epochs):
        lost whatever `end` says, like the decays of a scheduler without `end` past the run."""
        horizon = ctx.total_iters
        lost = [p for p in planned if p >= s.end and p * scale > horizon]
        if not lost or s.by_epoch and ctx.plan.horizon.loop == "iter":
            return
        kept = [p for p in planned if p < s.end and p * scale < horizon]
        param = param_word(ctx, s.param)
        last_value = value_at(ctx, s.param, horizon - 1)
        where = _positions(s, lost)
        msg = (f"{s.type} plans the decay{'s' if len(lost) > 1 else ''} at {where} past both its end={s.end:g} and "
               f"the end of training ({ctx.horizon_text}): {'they never happen' if len(lost) > 1 else 'it never happens'}")
        outcome, severity = _outcome(param, last_value, bool(kept), min(lost) * scale >= FAR_BEYOND * horizon,
                                     lambda: min(lost) * scale / horizon, f", and the {param} stays at {fmt(last_value)} for all of training", ", and the")
        msg += outcome
        loc = ctx.scheduler_loc(s, "milestones", "step_size")
        yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=severity)

    @staticmethod
    def _decays(s) -> List[float]:  # noqa: D401
        """Absolute positions (scheduler unit) where the scheduler plans a decay."""
        begin = s.begin
        if s.type.startswith("MultiStep"):
            milestones = s.args.get("milestones")
            if not isinstance(milestones, (list, tuple)):
                return []  # mmengine cannot build it (SL302)
            return sorted(begin + m for m in milestones if isinstance(m, (int, float)) and not isinstance(m, bool))
        step = s.args.get("step_size")
        if not isinstance(step, (int, float)) or step <= 0:
            return []
        return [begin + step]


def _outcome(param: str, last_value: float, kept: bool, far: bool, times: Callable[[], float], stays: str,
             joint: str) -> Tuple[str, Severity]:
    """(what the lost decays leave, severity) of decays past the run: the value `stays` for all of training when
    none is kept (a warning when the first lost one is `far` beyond the run, `times()` its length: a constant value
    may be meant), else it ends above where it was to go (`joint` leads into that)."""
    if kept:
        return f"{joint} {param} ends at {fmt(last_value)} instead of decaying further", Severity.ERROR
    if far:
        return (f"{stays}; the milestones belong to a run {times():.0f}x longer: a constant {param} may be meant",
                Severity.WARNING)
    return stays, Severity.ERROR


def _positions(s, values: List[float]) -> str:
    """'epochs 16 and 23' / 'epoch 16' in the scheduler's own unit."""
    unit = "epoch" if s.by_epoch and not s.converted else "iteration"
    shown = [f"{v:g}" for v in values[:4]]
    if len(values) > 4:
        shown.append("...")
    if len(shown) == 1:
        return f"{unit} {shown[0]}"
    return f"{unit}s {', '.join(shown[:-1])} and {shown[-1]}"
