"""SL312 trailing-comma-tuple: a run-setup key that a stray trailing comma made a 1-tuple."""

from __future__ import annotations

from typing import Iterator

from schedlint.loader.detect import stray_tuples
from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD

_SCHEDULE = """\
param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11], by_epoch=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
"""

class TrailingCommaTuple(Rule):
    """A run-setup key that a stray comma after `dict(...)` turned into a tuple.

    `train_dataloader = dict(batch_size=16, ...),` is a 1-tuple holding the dict, not the dict: Python
    reads the trailing comma as a tuple. The config loads, `print_config` shows it, and the run
    fails only when the Runner builds that part (`AttributeError: 'tuple' object has no attribute
    'pop'`, `TypeError: train_loop should be a Loop object or dict`) after the job got its GPUs.
    mmaction2's posec3d `slowonly_r50_8xb16-u48-240e_gym-limb.py` has one on `train_dataloader`.

    Only the keys the Runner (or mmcv 1.x's training entry points) builds from a dict are judged:
    a helper variable holding a tuple of dicts may be meant.

    Fix: delete the comma after the closing parenthesis.
    """

    code = "SL312"
    name = "trailing-comma-tuple"
    severity = Severity.ERROR
    summary = "`key = dict(...),`: a stray trailing comma makes a run-setup dict a 1-tuple (the run fails)"
    invalid = [
        Example(cfg(_SGD, _SCHEDULE, """\
            train_dataloader = dict(
                batch_size=16,
                dataset=dict(type='RepeatDataset', times=10, dataset=dict(type='PoseDataset'))),
            """), epoch_length=10),
    ]
    valid = [
        Example(cfg(_SGD, _SCHEDULE, """\
            ffn_cfg = dict(type='FFN', embed_dims=256),
            train_dataloader = dict(batch_size=16, dataset=dict(type='PoseDataset'))
            """), epoch_length=10, note="a helper variable may hold a tuple of dicts"),
    ]

    # judged on the values alone (`ctx.plan` may be None): a stray tuple may hide the very keys a plan needs,
    # and the engine then runs this rule only
    def check(self, ctx: Context) -> Iterator[Finding]:
        for key in stray_tuples(ctx.resolved.values):
            loc = ctx.resolved.loc(key)
            if loc is None:
                continue
            msg = (f"{key} is a tuple holding one dict, not a dict: the comma after its `dict(...)` makes a 1-tuple. "
                   "The config loads, but the run fails when the Runner builds it; delete the trailing comma")
            yield self.finding(msg, loc)
