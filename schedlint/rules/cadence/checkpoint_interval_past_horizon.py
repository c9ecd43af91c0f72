"""SL202 checkpoint-interval-past-horizon: A checkpoint interval larger than the run: only the final checkpoint is saved."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.cadence.common import _SCHEDULE, _elsewhere


class CheckpointIntervalPastHorizon(Rule):
    """A checkpoint interval larger than the run: only the final checkpoint is saved.

    mmengine's CheckpointHook (and mmcv's) saves every `interval` epochs (iterations with
    `by_epoch=False`) plus the last one (`save_last=True`). With an interval larger than the
    run nothing is saved before the end: a crash or a preemption loses all of it, and there is
    no intermediate checkpoint to compare or resume from. With `save_last=False` no checkpoint
    is saved at all (reported as an error). An interval inherited from a shared runtime file by a
    short run (a fine-tune, a smoke test) is reported as information. An interval in iterations is not
    judged when the run's iterations rest on a default epoch length (the dataset's size is unknown:
    give `--epoch-length`), nor with `save_best` (the best checkpoint is saved after every validation).

    The same happens to a hook counting epochs (`by_epoch=True`, CheckpointHook's default) under
    mmengine's IterBasedTrainLoop: the loop's one epoch ends at the last iteration, so a runtime's
    `CheckpointHook(interval=1)` inherited by an iteration-based run saves nothing before the end.

    Fix: an interval that divides the training length.
    """

    code = "SL202"
    needs_length = True
    name = "checkpoint-interval-past-horizon"
    severity = Severity.WARNING
    summary = "checkpoint interval larger than the run: only the final checkpoint (or none)"
    invalid = [
        Example(
            cfg(
                _SCHEDULE,
                """\
                train_cfg = dict(by_epoch=True, max_epochs=12)
                default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=24))
                """,
            ),
            epoch_length=10,
        ),
        Example(
            """\
            optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
            lr_config = dict(policy='step', step=[8, 11])
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            checkpoint_config = dict(interval=24)
            """,
            epoch_length=10,
        ),
    ]
    valid = [
        Example(
            cfg(
                _SCHEDULE,
                """\
                train_cfg = dict(by_epoch=True, max_epochs=12)
                default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=4))
                """,
            ),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        interval = h.checkpoint_interval
        loc = h.locs.get("checkpoint_interval")
        if interval is None or interval <= 0 or loc is None:
            return
        if h.checkpoint_by_epoch:
            if h.loop == "iter":
                yield from self._epochs_under_iterations(ctx, loc)
                return
            length, unit, note = int(h.max_epochs or 0), "epoch", ""
        else:
            if ctx.total_iters_is_guess:
                return  # the run's iterations rest on a default epoch length: an iteration interval is not judged
            length, unit = ctx.total_iters, "iteration"
            note = ctx.epoch_length_note() if h.loop == "epoch" else ""
        if length <= 0 or interval <= length:
            return
        key = ("checkpoint_config",) if ctx.plan.generation == "mmcv" else ("default_hooks", "checkpoint")
        save_last = ctx.resolved.get(*key, "save_last", default=True)
        if ctx.resolved.get(*key, "save_best") and h.val_interval is not None and save_last is not False:
            return  # the best checkpoint is saved after every validation: an interval past the run is deliberate
        if save_last is False:
            msg = (f"checkpoint interval={interval} is larger than the {length} {unit}s of training and "
                   "save_last=False: no checkpoint is saved at all")
            severity = Severity.ERROR
        else:
            msg = (f"checkpoint interval={interval} is larger than the {length} {unit}s of training: only the "
                   "final checkpoint is saved (save_last), nothing before it")
            # an interval written for this run is a mistake; a runtime default inherited by a short run is not
            severity = self.severity if loc.file == ctx.plan.filename else Severity.INFO
        yield self.finding(msg + note, loc, _elsewhere(ctx.horizon_related(), loc), severity=severity)

    def _epochs_under_iterations(self, ctx: Context, loc) -> Iterator[Finding]:
        """mmengine: a CheckpointHook counting epochs (by_epoch=True, its default) under IterBasedTrainLoop, whose
        only epoch ends at the last iteration (the loop calls after_train_epoch once): nothing is saved before the
        end of training (MixPL's 180k-iteration configs under the runtime's CheckpointHook(interval=1))."""
        if ctx.plan.generation != "mmengine" or ctx.plan.horizon.iterations_from_epochs:
            return
        save_last = ctx.resolved.get("default_hooks", "checkpoint", "save_last", default=True)
        interval = ctx.plan.horizon.checkpoint_interval
        saved = ("no checkpoint is saved at all" if save_last is False and interval != 1
                 else "the only checkpoint is the final one")
        msg = (f"the checkpoint hook counts epochs (by_epoch=True{'' if 'by_epoch' in (ctx.resolved.get('default_hooks', 'checkpoint') or {}) else ' by default'}) "
               f"but training uses IterBasedTrainLoop, whose one epoch ends at iteration {ctx.total_iters}: {saved} "
               "(a crash loses the whole run); set by_epoch=False with an interval in iterations")
        yield self.finding(msg, loc, _elsewhere(ctx.horizon_related(), loc), severity=Severity.WARNING)
