"""The step decay -> cosine rewrite (`fix --cosine`): a cosine to the end of training with the same
final LR, relative to each param group's own LR, stepped per iteration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Collection, Dict, List, Optional

from schedlint.fix.transforms import Change, Transform, _fmt, _number, _same_kind, config_dict, raw_horizon, schedulers_at
from schedlint.model import Finding
from schedlint.rules.windows import STEP_TYPES

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.rules.base import Context


def cosine_swap(ctx: "Context", findings: List[Finding], keep: Collection[int] = ()) -> Optional[Transform]:
    """Replace the step decays the findings point at by a cosine to the end of training with the
    same final LR (`eta_min = base_lr * gamma ** decays`); warm-ups, and the schedulers `keep` names
    (by index), are kept."""
    changes: Dict[int, Change] = {}
    base_lr = ctx.plan.optimizer.lr / (ctx.plan.optimizer.lr_scale or 1.0)
    targeted: List[Finding] = []
    for finding in findings:
        for s in schedulers_at(ctx, finding, STEP_TYPES):
            if s.param != "lr" or s.index in changes or s.index in keep:
                continue
            old = config_dict(ctx, s)
            horizon = raw_horizon(ctx, s)
            begin = old.get("begin", 0)
            if horizon is None or not _number(begin) or begin >= horizon:
                continue
            gamma = old.get("gamma", 0.1)
            if not _number(gamma) or not 0 < gamma < 1:
                continue
            if "milestones" in old:
                milestones = old.get("milestones")
                if not isinstance(milestones, (list, tuple)) or not all(_number(m) for m in milestones):
                    continue
                decays = sum(1 for m in milestones if m > 0)
            else:
                step = old.get("step_size")
                if not _number(step) or step <= 0:
                    continue
                decays = int((horizon - begin - 1) // step)
            if decays == 0:
                continue
            ratio = float(f"{gamma ** decays:.12g}")
            eta_min = float(f"{base_lr * ratio:.12g}")
            type_text = str(old.get("type", ""))
            prefix = type_text.rsplit(".", 1)[0] + "." if "." in type_text else ""
            per_iteration = bool(old.get("by_epoch", True)) and ctx.plan.horizon.loop == "epoch"
            new: Dict[str, Any] = {}
            span = horizon - begin
            for key, value in old.items():
                if key == "type":
                    new[key] = prefix + "CosineAnnealingLR"
                elif key in ("milestones", "step_size"):
                    if "end" in old:
                        new["T_max"] = _same_kind(old.get("end", 1), span)
                    # relative to each param group's own LR (lr_mult groups keep decaying)
                    new["eta_min_ratio"] = ratio
                elif key in ("gamma", "eta_min"):
                    continue
                elif key == "end":
                    new[key] = _same_kind(value, horizon)
                else:
                    new[key] = value
            if per_iteration:  # a smooth curve: the last epoch ends at the promised final LR
                new["convert_to_iter_based"] = True
            notes = [f"{old.get('type')} -> {new['type']} from {_fmt(begin)} to {_fmt(horizon)}",
                     f"eta_min_ratio {_fmt(ratio)} = {_fmt(gamma)}^{decays} (final LR {_fmt(eta_min)} for lr {_fmt(base_lr)})"]
            if per_iteration:
                notes.append("convert_to_iter_based=True")
            changes[s.index] = Change(s.index, s.path, old, new, notes)
            targeted.append(finding)
    if not changes:
        return None
    summary = ("replace the step decay by a cosine to the end of training with the same final LR "
               "(relative to each param group's LR)")
    return Transform("cosine", "display-only", summary, changes, targeted, option="--cosine",
                     done="with the step decay replaced by a cosine to the end of training (same final LR)")


__all__ = ["cosine_swap"]
