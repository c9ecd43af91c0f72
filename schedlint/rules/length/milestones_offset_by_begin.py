"""SL013 milestones-offset-by-begin: Milestones counted from a non-zero `begin` land past the end."""

from __future__ import annotations

from typing import Iterator, List

from schedlint.model import Finding, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.length.common import _SGD
from schedlint.rules.windows import value_at

_MULTISTEP = ("MultiStepLR", "MultiStepMomentum", "MultiStepParamScheduler")


def _num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class MilestonesOffsetByBegin(Rule):
    """Milestones written as absolute positions in a scheduler that starts later.

    mmengine counts `milestones` from the scheduler's `begin`: `MultiStepLR(begin=5,
    milestones=[8, 11])` decays at epochs 13 and 16, not 8 and 11. When those shifted positions
    fall after the end of training (while the written numbers lie inside it) the decays never
    happen: the milestones were written as absolute epochs.

    Fix: subtract `begin` from the milestones (`milestones=[3, 6]` for decays at 8 and 11).
    """

    code = "SL013"
    name = "milestones-offset-by-begin"
    severity = Severity.ERROR
    summary = "milestones counted from a non-zero begin land after the end of training"
    generation = "mmengine"
    invalid = [
        Example(cfg(_SGD, """\
            param_scheduler = [
                dict(type='ConstantLR', factor=0.1, by_epoch=True, begin=0, end=5),
                dict(type='MultiStepLR', by_epoch=True, begin=5, milestones=[8, 11], gamma=0.1),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """), epoch_length=10),
    ]
    valid = [
        Example(cfg(_SGD, """\
            param_scheduler = [
                dict(type='ConstantLR', factor=0.1, by_epoch=True, begin=0, end=5),
                dict(type='MultiStepLR', by_epoch=True, begin=5, milestones=[3, 6], gamma=0.1),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """), epoch_length=10),
        Example(cfg(_SGD, """\
            param_scheduler = [dict(type='MultiStepLR', by_epoch=True, begin=0, milestones=[8, 11], gamma=0.1)]
            train_cfg = dict(by_epoch=True, max_epochs=12)
            """), epoch_length=10),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for s in ctx.plan.schedulers:
            if s.type not in _MULTISTEP or not _num(s.begin) or s.begin <= 0:
                continue
            if s.by_epoch and ctx.plan.horizon.loop == "iter":
                continue  # SL007
            per_unit = ctx.epoch_length if s.by_epoch else 1
            horizon = ctx.total_iters / per_unit
            limit = min(s.end, horizon) if _num(s.end) else horizon
            written = s.args.get("milestones")
            milestones = [m for m in written if _num(m)] if isinstance(written, (list, tuple)) else []
            lost: List[float] = []
            for m in milestones:
                shifted = s.begin + m
                if shifted < limit or not (s.begin < m < limit):
                    continue
                if not s.end_defaulted and s.end < horizon and shifted < horizon:
                    continue  # behind the scheduler's own end: SL001 says it
                lost.append(m)
            if not lost:
                continue
            raw_begin = s.raw.get("begin", s.begin)
            unit = "epoch" if s.by_epoch or s.converted else "iteration"
            scale = ctx.epoch_length if s.converted else 1
            shown = [f"{m / scale:g}" for m in lost]
            at = [f"{(s.begin + m) / scale:g}" for m in lost]
            rel = [f"{(m - s.begin) / scale:g}" for m in milestones if m > s.begin]
            param = "LR" if s.param == "lr" else "momentum"
            final = value_at(ctx, s.param, ctx.total_iters - 1)
            msg = (f"{ctx.describe(s)} begins at {unit} {raw_begin} and counts milestones from there: "
                   f"milestone{'s' if len(lost) > 1 else ''} {', '.join(shown)} fall{'' if len(lost) > 1 else 's'} "
                   f"at {unit}{'s' if len(lost) > 1 else ''} {', '.join(at)}, after training ends "
                   f"({ctx.horizon_text}), so the decay{'s never happen' if len(lost) > 1 else ' never happens'} "
                   f"(the {param} ends at {fmt(final)}); for decays at {unit}s {', '.join(f'{m / scale:g}' for m in milestones)} "
                   f"write milestones={[float(r) if '.' in r else int(r) for r in rel]}")
            loc = ctx.scheduler_loc(s, "milestones")
            related = []
            if "begin" in s.locs and s.locs["begin"].line != loc.line:
                related.append(Related(s.locs["begin"], f"begin={raw_begin} set here"))
            yield self.finding(msg, loc, related + ctx.horizon_related_if_elsewhere(loc))
