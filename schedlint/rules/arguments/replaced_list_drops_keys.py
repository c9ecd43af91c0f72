"""SL309 replaced-list-drops-keys: A list entry without `type`: it replaced an inherited entry."""

from __future__ import annotations

from typing import Any, Iterator, List, Tuple

from schedlint.model import Finding, Location, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD

_BASE = cfg(_SGD, """\
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=12)
""")

# lists whose entries mmengine builds from a registry (each needs its `type`)
BUILT_LISTS = ("param_scheduler", "custom_hooks")


def _value_text(value: Any) -> str:
    return repr(value) if not isinstance(value, float) else f"{value:g}"


class ReplacedListDropsKeys(Rule):
    """A list entry that has no `type`: it replaced an inherited entry instead of changing it.

    mmengine merges dicts key by key but *replaces* lists. `param_scheduler = [dict(milestones=[30])]`
    over a base list does not change the base scheduler's milestones: it throws the base list
    away, and the new entry has no `type`, so the run dies with `KeyError` when the schedulers
    (or custom hooks) are built, after the dataset and model were loaded.

    Fix: edit the inherited entry by index (`_base_.param_scheduler[1].milestones = [30]`, in
    configs that use `_base_` variables) or write the whole dict, with its `type`, in the new list.
    """

    code = "SL309"
    name = "replaced-list-drops-keys"
    severity = Severity.ERROR
    summary = "a list entry without `type` (mmengine replaces lists): the run fails when it is built"
    generation = "mmengine"
    invalid = [
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            param_scheduler = [dict(by_epoch=False, begin=0, end=500), dict(milestones=[16, 22])]
            train_cfg = dict(max_epochs=24)
            """}, epoch_length=100),
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            custom_hooks = [dict(priority=49)]
            """}, epoch_length=100),
    ]
    valid = [
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            param_scheduler = [
                dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
                dict(type='MultiStepLR', by_epoch=True, milestones=[16, 22], gamma=0.1),
            ]
            train_cfg = dict(max_epochs=24)
            """}, epoch_length=100),
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            _base_.param_scheduler[1].milestones = [16, 22]
            train_cfg = dict(max_epochs=24)
            """}, epoch_length=100),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        for key, index, entry, loc in self._untyped(ctx):
            edits = "; ".join(f"_base_.{key}[{index}].{k} = {_value_text(v)}" for k, v in entry.items()
                              if not str(k).startswith("_"))
            inherited = bool(ctx.resolved.bases)
            why = (" mmengine replaces lists instead of merging them, so an entry meant to change an inherited "
                   "one replaces it and loses its `type` and other keys;" if inherited else "")
            msg = (f"{key}[{index}] has no `type`:{why} the run fails with KeyError when it is built. "
                   f"Edit the inherited entry by index ({edits or f'_base_.{key}[{index}].<key> = ...'}) "
                   "or write the whole dict with its `type`")
            yield self.finding(msg, loc)

    @staticmethod
    def _untyped(ctx: Context) -> List[Tuple[str, Any, dict, Location]]:
        out = []
        for key in BUILT_LISTS:
            value = ctx.resolved.get(key)
            if not isinstance(value, (list, tuple)):
                continue
            for index, entry in enumerate(value):
                if not isinstance(entry, dict) or "type" in entry:
                    continue
                loc = ctx.resolved.loc(key, index) or ctx.resolved.loc(key)
                if loc is not None:
                    out.append((key, index, {k: v for k, v in entry.items()}, loc))
        return out
