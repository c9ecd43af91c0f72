"""SL201 val-interval-past-horizon: Validation that effectively never runs during training."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.cadence.common import _SCHEDULE, _elsewhere, _horizon_units


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
    needs_length = True
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


def _severity(value: int, length: int) -> Severity:
    """`length + 1` is the idiom for "only at the end" / "never" (information); anything else a warning."""
    return Severity.INFO if value == length + 1 else Severity.WARNING
