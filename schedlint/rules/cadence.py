"""SL2xx: validation and checkpoint cadence against the length of training."""

from __future__ import annotations

from typing import Iterator, Optional

from schedlint.model import Finding, Location, Severity
from schedlint.rules.base import Context, Example, Rule, cfg

_SCHEDULE = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]
val_cfg = dict()
val_dataloader = dict(batch_size=1)
"""


def _horizon_units(ctx: Context) -> tuple:
    """(number of training units, unit word) of the loop: epochs or iterations; 0 when the
    config does not set the length (a base meant to be completed by its children)."""
    h = ctx.plan.horizon
    if any("no max_" in note for note in ctx.plan.notes):
        return 0, "epoch"
    if h.loop == "iter":
        return int(h.max_iters or 0), "iteration"
    return int(h.max_epochs or 0), "epoch"


class ValIntervalPastHorizon(Rule):
    """Validation that effectively never runs during training.

    mmengine validates after every `val_interval` epochs (iterations under
    `IterBasedTrainLoop`) from `val_begin` on, and always after the last one. A `val_interval`
    larger than the run therefore validates only once, at the very end: you cannot tell
    over-fitting from optimisation trouble while training. A `val_begin` past the run means no
    validation at all. `length + 1`, the idiom for "only at the end" / "no validation", is reported
    as information. (mmcv-1.x `evaluation` does not force the last epoch: see SL405.)

    Fix: a `val_interval` that divides the training length into several checks.
    """

    code = "SL201"
    name = "val-interval-past-horizon"
    severity = Severity.WARNING
    summary = "val_interval / val_begin larger than the run: validation only at the end, or never"
    generation = "mmengine"
    invalid = [
        Example(cfg(_SCHEDULE, "train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=50)\n"), epoch_length=10),
        Example(cfg(_SCHEDULE, "train_cfg = dict(by_epoch=True, max_epochs=12, val_begin=20)\n"), epoch_length=10),
    ]
    valid = [
        Example(cfg(_SCHEDULE, "train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=12)\n"), epoch_length=10),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        if h.val_interval is None:
            return
        length, unit = _horizon_units(ctx)
        if length <= 0:
            return
        related = ctx.horizon_related()
        begin_loc = h.locs.get("val_begin")
        if begin_loc is not None and h.val_begin > length:
            msg = (f"val_begin={h.val_begin} is past the end of training ({length} {unit}s): validation never runs "
                   "(mmengine validates the last " + unit + " only from val_begin on)")
            yield self.finding(msg, begin_loc, _elsewhere(related, begin_loc), severity=_severity(h.val_begin, length))
            return
        loc = h.locs.get("val_interval")
        if loc is None or h.val_interval <= length:
            return
        if any(m < length and i <= length for m, i in (h.dynamic_intervals or [])):
            return  # a dynamic interval takes over before the end
        msg = (f"val_interval={h.val_interval} is larger than the {length} {unit}s of training: validation runs only "
               f"once, after the last {unit} (mmengine always validates the last one), so the run cannot be "
               "watched while it trains")
        yield self.finding(msg, loc, _elsewhere(related, loc), severity=_severity(h.val_interval, length))


class CheckpointIntervalPastHorizon(Rule):
    """A checkpoint interval larger than the run: only the final checkpoint is saved.

    mmengine's CheckpointHook (and mmcv's) saves every `interval` epochs (iterations with
    `by_epoch=False`) plus the last one (`save_last=True`). With an interval larger than the
    run nothing is saved before the end: a crash or a preemption loses all of it, and there is
    no intermediate checkpoint to compare or resume from. With `save_last=False` no checkpoint
    is saved at all (reported as an error). An interval inherited from a shared runtime file by a
    short run (a fine-tune, a smoke test) is reported as information.

    Fix: an interval that divides the training length.
    """

    code = "SL202"
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
        if any("no max_" in note for note in ctx.plan.notes):
            return  # the length is left to the configs that inherit this one
        if h.checkpoint_by_epoch:
            if h.loop == "iter":
                return  # an epoch cadence under an iteration loop: out of this rule's scope
            length, unit, note = int(h.max_epochs or 0), "epoch", ""
        else:
            length, unit = ctx.total_iters, "iteration"
            note = ctx.epoch_length_note() if h.loop == "epoch" else ""
        if length <= 0 or interval <= length:
            return
        key = ("checkpoint_config",) if ctx.plan.generation == "mmcv" else ("default_hooks", "checkpoint")
        save_last = ctx.resolved.get(*key, "save_last", default=True)
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


class DynamicIntervalPastHorizon(Rule):
    """A `dynamic_intervals` switch planned after training ends.

    `dynamic_intervals=[(milestone, interval)]` changes the validation interval from the
    milestone on (mmengine loops, mmdet's EvalHook) — YOLOX-style configs validate every epoch
    during their last, flat-LR epochs. When `max_epochs` is lowered without recomputing the
    milestone, the switch never happens.

    Fix: compute the milestone from the training length (`max_epochs - num_last_epochs`).
    """

    code = "SL203"
    name = "dynamic-interval-past-horizon"
    severity = Severity.WARNING
    summary = "a dynamic_intervals milestone lies after the end of training"
    invalid = [
        Example(
            cfg(
                _SCHEDULE,
                "train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10, dynamic_intervals=[(285, 1)])\n",
            ),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(
                _SCHEDULE,
                "train_cfg = dict(by_epoch=True, max_epochs=300, val_interval=10, dynamic_intervals=[(285, 1)])\n",
            ),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        if not h.dynamic_intervals:
            return
        length, unit = _horizon_units(ctx)
        loc = h.locs.get("dynamic_intervals")
        if length <= 0 or loc is None:
            return
        late = [(m, i) for m, i in h.dynamic_intervals if m > length]
        if not late:
            return
        milestone, interval = late[0]
        msg = (f"dynamic_intervals switches to interval {interval} at {unit} {milestone}, after training ends at "
               f"{unit} {length}: the switch never happens")
        yield self.finding(msg, loc, _elsewhere(ctx.horizon_related(), loc))


def _severity(value: int, length: int) -> Severity:
    """`length + 1` is the idiom for "only at the end" / "never" (information); anything else a warning."""
    return Severity.INFO if value == length + 1 else Severity.WARNING


def _elsewhere(related, loc: Optional[Location]):
    """Keep the horizon's related line only when it is not the reported line."""
    return [r for r in related if loc is None or r.location.file != loc.file or r.location.line != loc.line]
