"""The momentum repair (SL102, unsafe): an absolute momentum target that is really a ported
mmcv ratio becomes relative to the base momentum."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Optional

from schedlint.fix.transforms import Change, Transform, _fmt, _number, config_dict, schedulers_at
from schedlint.model import Finding
from schedlint.plan.model import Scheduler

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.rules.base import Context

_RATIO_TYPES = {"CosineAnnealingMomentum", "CosineRestartMomentum"}  # accept eta_min_ratio
_ABSOLUTE_ONLY_TYPES = {"PolyMomentum"}  # eta_min only: write base-relative absolute values
# (the ParamScheduler spellings need param_name='momentum' and are left alone)


def momentum_repair(ctx: "Context", finding: Finding) -> Optional[Transform]:
    """Turn an absolute momentum target that is really an mmcv ratio (`0.85 / 0.95`, `1`) into a
    base-relative one: `eta_min_ratio` where the scheduler has it, else base x ratio."""
    base = ctx.plan.optimizer.base_momentum
    if base is None or not 0 < base < 1:
        return None
    changes: Dict[int, Change] = {}
    for s in schedulers_at(ctx, finding):
        if s.param != "momentum" or not _looks_like_ratio(s):
            continue
        old = config_dict(ctx, s)
        ratio = old.get("eta_min")
        new: Dict[str, Any] = {}
        if s.type in _RATIO_TYPES:
            for key, value in old.items():
                new["eta_min_ratio" if key == "eta_min" else key] = value
            note = f"eta_min={_fmt(ratio)} -> eta_min_ratio={_fmt(ratio)} (target {base * ratio:.4g})"
        else:
            new = dict(old)
            new["eta_min"] = float(f"{base * ratio:.12g}")
            note = f"eta_min {_fmt(ratio)} -> {_fmt(new['eta_min'])} (= {_fmt(base)} x {ratio:.6g})"
        changes[s.index] = Change(s.index, s.path, old, new, [note])
    if not changes:
        return None
    summary = f"make the momentum target relative to the base momentum {_fmt(base)} (an mmcv-1.x ratio written as an absolute value)"
    return Transform("momentum", "unsafe", summary, changes, [finding],
                     done="with momentum targets relative to the base momentum")


def _looks_like_ratio(s: Scheduler) -> bool:
    """An absolute momentum target that reads as an mmcv ratio of the base (1, or 0.85 / 0.95)."""
    if s.type not in _RATIO_TYPES | _ABSOLUTE_ONLY_TYPES:
        return False
    value = s.raw.get("eta_min")
    if not _number(value) or "eta_min_ratio" in s.raw:
        return False
    return 1 <= value <= 1.2 or abs(value - 0.85 / 0.95) < 1e-9



__all__ = ["momentum_repair"]
