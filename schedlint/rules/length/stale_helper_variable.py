"""SL015 stale-helper-variable: a helper (`max_epochs = 24`) bound again after a base computed values from it."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Tuple

from schedlint.model import Finding, Related, Severity
from schedlint.rules.base import Context, Example, Rule, fmt
from schedlint.rules.loading.duplicate_top_level_key import lost_assignments

_BASE = """\
max_epochs = 12
base_lr = 0.02
optim_wrapper = dict(optimizer=dict(type='SGD', lr=base_lr, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[8, 11])]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
"""
_SHOWN = 3  # stale values named in the message (all are related locations)
# where a stale value changes the length, the schedule or the LR (an error); elsewhere (cadence, a
# constructor's batch size, a hook's switch epoch) it is a warning
_SCHEDULE_PATHS = (("param_scheduler",), ("runner",), ("total_epochs",), ("lr_config",), ("momentum_config",),
                   ("train_cfg", "max_epochs"), ("train_cfg", "max_iters"), ("optim_wrapper", "optimizer", "lr"),
                   ("optimizer", "lr"), ("default_hooks", "param_scheduler"))


def _decides_schedule(path: Tuple[Any, ...]) -> bool:
    return any(path[:len(p)] == p for p in _SCHEDULE_PATHS)


def _path_text(path: Tuple[Any, ...]) -> str:
    out = str(path[0])
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _value_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return fmt(value) if isinstance(value, float) else str(value)


class StaleHelperVariable(Rule):
    """A helper variable bound again in a child, after a base computed run settings from it.

    A config is evaluated file by file, bases first, and nothing is evaluated again. A base's
    `train_cfg = dict(max_epochs=max_epochs)` holds the base's `max_epochs` from the moment the base
    was read; a child that writes only `max_epochs = 24` changes that top-level name and nothing built
    from it. Training runs the base's length (and its schedule, its LR from `base_lr`, its
    checkpoint `interval` ...), without a word from mmengine. mmdet 3.3's
    `simple_copy_paste/...ssj-90k_coco.py` sets `max_iters = 90000` over its 270k base and trains
    270000 iterations.

    Reported at the new binding, with every value that would change with it (computed again with the
    new value; a value that would stay the same is not reported): an error where the length, the
    schedule or the LR stay the base's, a warning for cadence and other run settings (a
    `dynamic_intervals` switch, a hook's switch epoch, an optimizer constructor's batch size). The
    batch an `auto_scale_lr` was tuned for and the data pipelines are not judged.

    Fix: set the values again in the child (`train_cfg = dict(max_epochs=max_epochs)`,
    `param_scheduler` with `end=max_epochs`), or change the helper in the base.
    """

    code = "SL015"
    name = "stale-helper-variable"
    severity = Severity.ERROR
    summary = "a helper (`max_epochs = 24`) bound again after a base computed the run's settings from it"
    invalid = [
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            max_epochs = 24
            """}, epoch_length=10),
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            base_lr = 0.01
            """}, epoch_length=10),
    ]
    valid = [
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            max_epochs = 24
            train_cfg = dict(max_epochs=max_epochs)
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[16, 22])]
            """}, epoch_length=10),
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            max_epochs = 12
            """}, epoch_length=10, note="bound again to the same value"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        groups: Dict[Tuple[Any, ...], List[Any]] = {}
        for stale in ctx.resolved.stale:
            groups.setdefault(stale.helpers, []).append(stale)
        for helpers, values in groups.items():
            bound = " and ".join(f"{h.name} = {_value_text(h.new)}" for h in helpers)
            was = " and ".join(f"{h.name} = {_value_text(h.old)}" for h in helpers)
            named = ", ".join(f"{_path_text(s.path)} ({_value_text(s.value)}, not {_value_text(s.expected)})"
                              for s in values[:_SHOWN])
            if len(values) > _SHOWN:
                named += f" and {len(values) - _SHOWN} more"
            files = sorted({os.path.basename(s.loc.file) for s in values})
            msg = (f"{bound} {'does' if len(helpers) == 1 else 'do'} not change what {', '.join(files)} computed "
                   f"from {was}: {named}. A config is evaluated file by file and nothing is evaluated again; "
                   + self._remedy(helpers[0].new_loc.file, values, ctx.resolved.lazy))
            related = [Related(s.loc, f"{_path_text(s.path)} computed here from {was}") for s in values]
            related += [Related(h.new_loc, f"{h.name} bound again here") for h in helpers[1:]]
            severity = Severity.ERROR if any(_decides_schedule(s.path) for s in values) else Severity.WARNING
            yield self.finding(msg, helpers[0].new_loc, related, severity=severity)

    @classmethod
    def _remedy(cls, file: str, values: List[Any], lazy: bool) -> str:
        """What to do: set the values again here, unless this file already does and a later assignment of the
        same top-level key throws that away (SL909)."""
        for s in values:
            for name, first, second, lost in lost_assignments(file):
                if name == s.path[0] and len(s.path) > 1 and s.path[1] in lost:
                    return (f"line {first} of this file sets {_path_text(s.path[:2])} again, but the `{name} =` at "
                            f"line {second} replaces that whole assignment (SL909); merge the two")
        return f"set those values again here (e.g. {cls._example(values[0].path, values[0].expression, lazy)})"

    @staticmethod
    def _example(path: Tuple[Any, ...], expression: str, lazy: bool) -> str:
        if all(isinstance(p, str) for p in path[1:]) and len(path) > 1:
            if lazy:  # a pure-Python config replaces a dict it assigns whole (SL311): it updates the inherited one
                return f"{'.'.join(path[:-1])}.update({path[-1]}={expression})"
            inner = f"{path[-1]}={expression}"
            for key in reversed(path[1:-1]):
                inner = f"{key}=dict({inner})"
            return f"{path[0]} = dict({inner})"
        if len(path) == 1:
            return f"{path[0]} = {expression}"
        key = next((p for p in reversed(path) if isinstance(p, str)), None)
        written = f"{key}={expression}" if key else expression
        return f"the whole {path[0]} written again, with {written}"
