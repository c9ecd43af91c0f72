"""SL203 dynamic-interval-past-horizon: A `dynamic_intervals` switch planned after training ends."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.cadence.common import _SCHEDULE, _elsewhere, _horizon_units


class DynamicIntervalPastHorizon(Rule):
    """A `dynamic_intervals` switch planned after training ends.

    `dynamic_intervals=[(milestone, interval)]` changes the validation interval from the
    milestone on (mmengine loops, mmdet's EvalHook) — YOLOX-style configs validate every epoch
    during their last, flat-LR epochs. When `max_epochs` is lowered without recomputing the
    milestone, the switch never happens.

    Fix: compute the milestone from the training length (`max_epochs - num_last_epochs`).
    """

    code = "SL203"
    needs_length = True
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
