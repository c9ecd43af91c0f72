"""Scheduler hooks of the ecosystem that replace mmengine's ParamSchedulerHook, as data.

mmyolo schedules the LR of most of its configs with a hook (`param_scheduler = None`,
`default_hooks.param_scheduler = dict(type='YOLOv5ParamSchedulerHook', max_epochs=...)`).
Each known hook lists its arguments with the defaults of its `__init__` (mmyolo 0.6,
`mmyolo/engine/hooks/*_param_scheduler_hook.py`) and the argument that states the length the
hook's formula is written for. The formulas live in `schedlint.simulate.hooks`.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from schedlint.loader import ResolvedConfig
from schedlint.loader.values import plain
from schedlint.model import Location
from schedlint.plan.model import SchedulerHook

# hook type -> (defaults of its arguments, the argument holding the length in epochs)
SCHEDULER_HOOKS: Dict[str, Dict[str, Any]] = {
    "YOLOv5ParamSchedulerHook": {
        "defaults": dict(scheduler_type="linear", lr_factor=0.01, max_epochs=300, warmup_epochs=3,
                         warmup_bias_lr=0.1, warmup_momentum=0.8, warmup_mim_iter=1000),
        "length_key": "max_epochs",
    },
    "PPYOLOEParamSchedulerHook": {
        "defaults": dict(warmup_min_iter=1000, start_factor=0.0, warmup_epochs=5, min_lr_ratio=0.0,
                         total_epochs=360),
        "length_key": "total_epochs",
    },
}

# the standard hook (and names that are known to behave like it)
_STANDARD = ("ParamSchedulerHook",)


def length_key(hook_type: str) -> Optional[str]:
    """The argument of a known scheduler hook that states the run length it is written for."""
    entry = SCHEDULER_HOOKS.get(hook_type)
    return entry["length_key"] if entry else None


def scheduler_hook(resolved: ResolvedConfig) -> Optional[SchedulerHook]:
    """The hook that replaces ParamSchedulerHook in `default_hooks.param_scheduler`, if any."""
    hook = resolved.get("default_hooks", "param_scheduler")
    if not isinstance(hook, dict):
        return None
    kind = str(hook.get("type", "")).rsplit(".", 1)[-1]
    if not kind or kind in _STANDARD:
        return None
    raw = {k: plain(v) for k, v in hook.items() if k != "_scope_" and isinstance(k, str)}  # (other keys: SL311)
    args = {k: v for k, v in raw.items() if k != "type"}
    entry = SCHEDULER_HOOKS.get(kind)
    if entry is not None:
        args = {**entry["defaults"], **args}
    locs: Dict[str, Location] = {}
    path = ("default_hooks", "param_scheduler")
    self_loc = resolved.loc(*path)
    if self_loc is not None:
        locs["self"] = self_loc
    for key in raw:
        loc = resolved.loc(*path, key)
        if loc is not None:
            locs[key] = loc
    return SchedulerHook(type=kind, known=entry is not None, args=args, raw=raw, path=path, locs=locs)
