"""A fix is judged on the simulated curve, not only on the finding it answers.

Every param group is simulated (group 0, and one per `paramwise_cfg` LR multiplier: a group at
`lr_mult=0.1` starts at a tenth of the LR and must follow the same schedule relative to it). A fix
is refused when it changes nothing on any curve (a no-op is not a fix), writes duplicate
milestones (a double decay), leaves the LR of a group frozen where the fix promised a decay, or
misses the final value it promised at iteration resolution.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, List, Optional

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.fix.transforms import Transform
    from schedlint.rules.base import Context

#: evenly spaced iterations compared first when telling a fix from a no-op (the full comparison, at every
#: iteration where either curve changes, runs only when these agree)
_PROBES = 4096


def group_multipliers(ctx: "Context") -> List[float]:
    """LR multipliers of the param groups: 1 (group 0) and every `lr_mult` of `paramwise_cfg`."""
    where = ("optimizer", "paramwise_cfg") if ctx.plan.generation == "mmcv" else ("optim_wrapper", "paramwise_cfg")
    paramwise = ctx.resolved.get(*where)
    out = [1.0]
    if isinstance(paramwise, dict):
        values = []
        custom = paramwise.get("custom_keys")
        if isinstance(custom, dict):
            values += [v.get("lr_mult") for v in custom.values() if isinstance(v, dict)]
        values.append(paramwise.get("bias_lr_mult"))
        for mult in values:
            if isinstance(mult, (int, float)) and not isinstance(mult, bool) and mult > 0 and float(mult) not in out:
                out.append(float(mult))
    return out


def group_curves(ctx: "Context", param: str = "lr") -> List[Any]:
    """The simulated per-iteration values of `param` for every param group (None when unknown)."""
    from schedlint.simulate import simulate

    plan = ctx.plan
    out = []
    for mult in group_multipliers(ctx):
        if mult == 1.0 or param != "lr":
            curve = ctx.curve
        else:
            optimizer = plan.optimizer.model_copy(update={"lr": plan.optimizer.lr * mult})
            curve = simulate(plan.model_copy(update={"optimizer": optimizer}), remember=False)
        out.append(curve.series(param))
    return out


def duplicate_milestones(ctx: "Context") -> Optional[str]:
    """A scheduler with the same milestone twice (MultiStepLR decays twice there), if any."""
    for s in ctx.plan.schedulers:
        milestones = s.raw.get("milestones")
        if isinstance(milestones, (list, tuple)) and len(set(map(repr, milestones))) < len(milestones):
            return f"param_scheduler[{s.index}] would get milestones {list(milestones)} (a double decay)"
    return None


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if len(a) != len(b):
        return False

    def close(at: np.ndarray) -> bool:
        x, y = a.sample(at), b.sample(at)
        return bool((abs(x - y) <= 1e-12 * (abs(x) + abs(y) + 1e-30)).all())

    if len(a) and not close(np.unique(np.linspace(0, len(a) - 1, _PROBES).astype(np.int64))):
        return False  # (a fix changes the curve somewhere a few thousand evenly spaced iterations see, mostly)
    return close(a.change_points(b))  # (both are constant between these iterations)


def check_curves(before: "Context", after: "Context", transform: "Transform") -> Optional[str]:
    """None when the fixed config's curves keep the fix's promise, else why not."""
    problem = duplicate_milestones(after)
    if problem:
        return problem
    param = "momentum" if transform.kind == "momentum" else "lr"
    old, new = group_curves(before, param), group_curves(after, param)
    if all(_same(a, b) for a, b in zip(old, new)) and len(old) == len(new):
        return f"a no-op: the {param} curve of every param group would stay exactly as it is"
    if transform.kind == "cosine":
        return _check_cosine(after, transform, new)
    return None


def _check_cosine(after: "Context", transform: "Transform", curves: List[Any]) -> Optional[str]:
    """The cosine ends at its promised final LR in every group, at iteration resolution."""
    ratios = [c.new.get("eta_min_ratio") for c in transform.changes.values()]
    ratios = [r for r in ratios if isinstance(r, (int, float))]
    if len(ratios) != 1:
        return None
    base = after.plan.optimizer.lr
    for mult, values in zip(group_multipliers(after), curves):
        if values is None or not len(values):
            continue
        start, target = base * mult, base * mult * ratios[0]
        last = float(values[-1])
        if not math.isfinite(last) or abs(last - target) > 0.02 * abs(start - target) + 1e-15:
            return (f"the group at {mult:g}x would end training at LR {last:.3g}, not the promised "
                    f"{target:.3g}")
    return None


__all__ = ["check_curves", "duplicate_milestones", "group_curves", "group_multipliers"]
