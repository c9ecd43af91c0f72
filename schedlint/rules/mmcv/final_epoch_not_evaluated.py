"""SL405 final-epoch-not-evaluated: mmcv `evaluation.interval` that does not reach the end of training."""

from __future__ import annotations

from typing import Iterator, List, Optional

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example
from schedlint.rules.mmcv.common import LegacyRule, _STEP_1X, _num


class FinalEpochNotEvaluated(LegacyRule):
    """mmcv `evaluation.interval` that does not reach the end of training.

    mmcv's EvalHook evaluates after every `interval` epochs (iterations under
    `IterBasedRunner`) and, unlike mmengine, does *not* force the last one: with
    `max_epochs=12, interval=5` the weights after epochs 11-12 are never evaluated, so the
    reported metric is not that of the model you ship. An interval (or `start`) past the end of the
    run never evaluates at all: that is reported as information, since it is often meant (evaluation
    left to a test run after training, as with mmdetection3d 0.x's nuScenes dataset bases, which set
    `interval=24` for schedules of 20 epochs).

    Fix: an interval that divides the training length (or `start` so that the last epoch lands
    on the grid).
    """

    code = "SL405"
    needs_length = True
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
                   f"training (it does not force the last {unit}); if that is meant, nothing to do")
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc), severity=Severity.INFO)
            return
        why = (f"evaluation interval={interval} does not divide the {length} {unit}s of training" if start is None
               or not _num(start) else f"evaluation every {interval} {unit}s from start={start} misses the end of "
               f"training ({unit} {length})")
        msg = (f"{why}: the last evaluation is after {unit} {evaluated[-1]}, the final weights ({unit} {length}) are never "
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
