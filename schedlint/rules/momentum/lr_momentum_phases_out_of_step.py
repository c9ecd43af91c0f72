"""SL104 lr-momentum-phases-out-of-step: LR and momentum phases that were paired but no longer line up."""

from __future__ import annotations

import math
from typing import Iterator, Optional, Tuple

from schedlint.model import Finding, Related, Severity
from schedlint.plan.model import Scheduler
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.support import raw_position
from schedlint.rules.windows import param_word, schedulers_of, window
from schedlint.rules.momentum.common import _CYCLIC_20E

_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"


class PhasesOutOfStep(Rule):
    """LR and momentum phases that were paired but no longer line up.

    Cyclic and one-cycle schedules move momentum against the LR: the momentum phases share the
    LR phases' `begin`/`end`. When a child config moves the boundaries of one parameter only
    (e.g. `param_scheduler[1].end = 24` for the LR while the momentum phase keeps `end=20`),
    the two stop matching: momentum rises while the LR is still high, or freezes early.

    Fix: move the paired momentum scheduler's boundaries with the LR's (or rescale both).
    """

    code = "SL104"
    name = "lr-momentum-phases-out-of-step"
    severity = Severity.WARNING
    summary = "paired LR and momentum phases no longer share their boundaries"
    generation = "mmengine"
    invalid = [
        Example(
            {
                "schedule.py": _CYCLIC_20E,
                "config.py": """\
                _base_ = './schedule.py'
                _base_.param_scheduler[1].end = 24
                _base_.param_scheduler[1].T_max = 16
                train_cfg = dict(max_epochs=24)
                """,
            },
            epoch_length=10,
        )
    ]
    valid = [
        Example(_CYCLIC_20E, epoch_length=10),
        Example(
            cfg(
            _SGD,
            """\
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
                dict(type='CosineAnnealingLR', T_max=12, begin=0, end=12),
                dict(type='CosineAnnealingMomentum', T_max=6, eta_min=0.85, begin=0, end=6),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """),
            epoch_length=100,
            note="written together, with different boundaries on purpose",
        ),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        from schedlint.rules.windows import is_warmup

        lrs = [s for s in schedulers_of(ctx, "lr") if not is_warmup(s)]
        moms = [s for s in schedulers_of(ctx, "momentum") if not is_warmup(s)]
        if not lrs or len(lrs) != len(moms):
            return
        for lr_s, mom_s in zip(lrs, moms):
            if not _same_origin(lr_s, mom_s):
                return
        for lr_s, mom_s in zip(lrs, moms):
            for key in ("begin", "end"):
                moved = _moved_side(lr_s, mom_s, key)
                if moved is None:
                    continue
                changed, kept = moved
                wc, wk = window(ctx, changed), window(ctx, kept)
                at_changed = wc.start if key == "begin" else wc.stop
                at_kept = wk.start if key == "begin" else wk.stop
                if at_changed == at_kept or not (math.isfinite(at_changed) and math.isfinite(at_kept)):
                    continue
                loc = ctx.scheduler_loc(changed, key)
                other = param_word(ctx, kept.param)
                verb = "begins" if key == "begin" else "ends"
                msg = (f"{changed.type} (param_scheduler[{changed.index}]) was changed to {key}="
                       f"{raw_position(changed, key, getattr(changed, key))} ({ctx.where(at_changed)}) but its paired "
                       f"{other} phase {kept.type} (param_scheduler[{kept.index}]) still {verb} at "
                       f"{ctx.where(at_kept)}: the LR and {param_word(ctx, 'momentum')} phases no longer line up")
                yield self.finding(msg, loc, [Related(ctx.scheduler_loc(kept, key, "type"), f"paired {other} phase")])


def _same_origin(a: Scheduler, b: Scheduler) -> bool:
    """Both schedulers were written in the same file (the schedule they belong to)."""
    la, lb = a.locs.get("self"), b.locs.get("self")
    return la is not None and lb is not None and la.file == lb.file


def _moved_side(lr_s: Scheduler, mom_s: Scheduler, key: str) -> Optional[Tuple[Scheduler, Scheduler]]:
    """(changed, kept) when exactly one of the pair had `key` set outside the file that wrote the pair."""
    home = lr_s.locs["self"].file
    moved = [s for s in (lr_s, mom_s) if key in s.locs and s.locs[key].file != home]
    if len(moved) != 1:
        return None
    changed = moved[0]
    return changed, (mom_s if changed is lr_s else lr_s)
