"""SL310 invalid-optimizer-value: An optimizer `lr`, `momentum` or `betas` that the optimizer rejects or
that turns the weights into NaN."""

from __future__ import annotations

import math
from typing import Any, Iterator, Optional

from schedlint.loader.files import PLACEHOLDER_SUFFIX
from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _num
from schedlint.rules.support import CHECKS_BETAS, CHECKS_MOMENTUM, TORCH_CHECKED

_SCHEDULE = """\
param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, by_epoch=True, begin=0, end=12)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
"""

def _text(value: Any) -> str:
    if isinstance(value, str) and value.startswith('"_') and value.endswith(PLACEHOLDER_SUFFIX + '"'):
        # mmengine substitutes a quoted '{{_base_.x}}' inside the quotes: the value stays a string
        name = value[2 : -len(PLACEHOLDER_SUFFIX) - 1]
        return (f"'{{{{_base_.{name}}}}}' (quoted: mmengine substitutes inside the quotes and keeps a string; "
                "drop the quotes)")
    if _huge(value):
        return f"<an integer of {len(str(abs(value)))} digits>"
    return repr(value) if not _num(value) else f"{value:g}"


def _huge(value: Any) -> bool:
    """An int too large for a float (torch fails converting it at the first step)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e300


class InvalidOptimizerValue(Rule):
    """An optimizer `lr`, `momentum` or `betas` that the optimizer rejects or that turns the weights into NaN.

    The schedule starts from the optimizer's values, so a bad one spoils the whole run. torch's
    optimizers refuse a negative `lr` (`ValueError: Invalid learning rate`) and, except SGD, a NaN one
    when the Runner builds them; SGD accepts a NaN `lr` and an infinite `lr` passes every optimizer:
    the first step then makes every weight NaN. A string (`lr='0.01'`, as read from an environment
    variable or a YAML file) fails with a `TypeError`. SGD and RMSprop refuse a negative `momentum`,
    the Adam family a beta outside [0, 1) (`Invalid beta parameter at index 0`). mmengine builds the
    optimizer only when training starts, after the dataset and model are built.

    Momentum and beta1 that a momentum schedule later drives to 1 are SL101.

    Fix: a finite, non-negative number (`lr=0.01`, `betas=(0.9, 0.999)`).
    """

    code = "SL310"
    name = "invalid-optimizer-value"
    severity = Severity.ERROR
    summary = "optimizer lr / momentum / betas that the optimizer rejects or that make the weights NaN"
    invalid = [
        Example(cfg("optim_wrapper = dict(optimizer=dict(type='AdamW', lr=-1e-4, weight_decay=0.05))\n", _SCHEDULE),
                epoch_length=10),
        Example(cfg("optim_wrapper = dict(optimizer=dict(type='SGD', lr=float('nan'), momentum=0.9))\n", _SCHEDULE),
                epoch_length=10, note="SGD accepts a NaN lr: the first step makes every weight NaN"),
        Example(cfg("optim_wrapper = dict(optimizer=dict(type='SGD', lr='0.02', momentum=0.9))\n", _SCHEDULE),
                epoch_length=10, note="a string, as read from an environment variable"),
        Example(cfg("optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 1.0)))\n", _SCHEDULE),
                epoch_length=10),
        Example(cfg("optimizer = dict(type='SGD', lr=0.02, momentum=-0.9)\n",
                    "lr_config = dict(policy='step', step=[8, 11])\n",
                    "runner = dict(type='EpochBasedRunner', max_epochs=12)\n"),
                epoch_length=10, note="mmcv 1.x"),
    ]
    valid = [
        Example(cfg("optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999)))\n", _SCHEDULE),
                epoch_length=10),
        Example(cfg("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.0, momentum=0.0))\n", _SCHEDULE),
                epoch_length=10, note="lr 0 is legal (a frozen stage, or an lr set per parameter group)"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        opt = ctx.plan.optimizer
        raw = opt.raw
        where = opt.locs.get("self")
        checked = opt.type in TORCH_CHECKED
        if "lr" in raw:
            problem = self._lr(opt.type, raw["lr"], checked)
            loc = opt.locs.get("lr") or where
            if problem is not None and loc is not None:
                yield self.finding(f"{opt.type} lr={_text(raw['lr'])}: {problem}", loc)
        if "momentum" in raw and opt.type in CHECKS_MOMENTUM:
            value = raw["momentum"]
            loc = opt.locs.get("momentum") or where
            if loc is not None:
                if not _num(value):
                    yield self.finding(f"{opt.type} momentum={_text(value)} is not a number: building the optimizer "
                                       "fails with a TypeError", loc)
                elif isinstance(value, float) and math.isnan(value):
                    yield self.finding(f"{opt.type} momentum=nan: the first step makes every weight NaN", loc)
                elif _huge(value):
                    yield self.finding(f"{opt.type} momentum={_text(value)} is too large for a float: the first "
                                       "step fails", loc)
                elif value < 0:
                    yield self.finding(f"{opt.type} momentum={value:g} is negative: torch raises `ValueError: Invalid "
                                       f"momentum value: {value}` when the Runner builds the optimizer", loc)
        if "betas" in raw and opt.type in CHECKS_BETAS:
            loc = opt.locs.get("betas") or where
            message = self._betas(opt.type, raw["betas"])
            if message is not None and loc is not None:
                yield self.finding(message, loc)

    @staticmethod
    def _lr(kind: str, value: Any, checked: bool) -> Optional[str]:
        if not _num(value):
            what = "a string" if isinstance(value, str) else "not a number"
            return (f"{what}: building the optimizer fails with a TypeError" if checked else
                    f"{what}: the schedulers cannot scale it") + " (schedlint simulated lr 0)"
        if isinstance(value, float) and math.isnan(value):  # (an int of any size is finite)
            if checked and kind != "SGD":
                return ("torch raises `ValueError: Invalid learning rate: nan` when the Runner builds the optimizer "
                        "(schedlint simulated lr 0)")
            return "the first step makes every weight NaN (schedlint simulated lr 0)"
        if _huge(value):
            return "too large for a float: the first step fails (schedlint simulated lr 0)"
        if isinstance(value, float) and math.isinf(value):
            return "an infinite LR makes every weight inf or NaN at the first step (schedlint simulated lr 0)"
        if value < 0:
            if checked:
                return (f"torch raises `ValueError: Invalid learning rate: {value}` when the Runner builds the "
                        "optimizer")
            return "a negative LR climbs the loss instead of descending it"
        return None

    @staticmethod
    def _betas(kind: str, betas: Any) -> Optional[str]:
        if not isinstance(betas, (list, tuple)) or len(betas) != 2 or not all(_num(b) for b in betas):
            return f"{kind} betas={_text(betas)} is not a pair of numbers: building the optimizer fails"
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:  # NaN fails this too, as in torch
                shown = ", ".join(_text(b) for b in betas)
                torch_text = _text(beta) if _huge(beta) else beta  # torch prints the value as Python does
                return (f"{kind} betas=({shown}): beta{i + 1} = {_text(beta)} is outside [0, 1): torch raises "
                        f"`ValueError: Invalid beta parameter at index {i}: {torch_text}` when the Runner builds "
                        "the optimizer")
        return None
