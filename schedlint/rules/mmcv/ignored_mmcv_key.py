"""SL407 ignored-mmcv-key: an mmcv-1.x key in an mmengine config, which mmengine never reads."""

from __future__ import annotations

from typing import Any, Iterator, List

from schedlint.model import Finding, Location, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.mmcv.common import _num

_MMENGINE_1X = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11])]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
"""


_OLD_KEYS = ("runner", "total_epochs", "lr_config", "momentum_config", "optimizer_config")


def _text(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if abs(value) < 10**15 else f"<an integer of {len(str(abs(value)))} digits>"
    return f"{value:g}" if _num(value) else repr(value)


def _finite_length(value: Any) -> bool:
    """A length worth comparing: a finite positive number (other values are another rule's, or nobody's)."""
    return _num(value) and 0 < value < float("inf")


class IgnoredMmcvKey(Rule):
    """An mmcv-1.x key in an mmengine config: mmengine never reads it, whatever it says.

    A config ported from mmcv 1.x, or a child written in the old style over an mmengine base, keeps
    `runner = dict(max_epochs=20)`, `total_epochs`, `lr_config = dict(step=[16, 19])`,
    `momentum_config` or `optimizer_config = dict(grad_clip=...)`. mmengine trains `train_cfg`'s
    length with `param_scheduler`'s schedule and clips gradients by `optim_wrapper.clip_grad`; the
    old keys are silently ignored. mmdetection3d 1.x's own nuImages `…coco-20e_nuim` configs set
    `runner.max_epochs=20` and `lr_config.step=[16, 19]` over the 12-epoch mmdet schedule, and
    train 12 epochs with decays at 8 and 11.

    A child that writes `optimizer = dict(lr=0.02)` over a base whose `optim_wrapper = dict(optimizer=
    optimizer)` already took the base's helper changes nothing either: mmengine builds
    `optim_wrapper.optimizer` (a warning; a base's helper left behind by a child that replaced the
    wrapper is not reported).

    An old length that differs from the one trained is an error; an old schedule or gradient
    clipping that is not applied is a warning. An old key that repeats what is trained is harmless
    and not reported.

    Fix: set the length in `train_cfg` (`train_cfg = dict(max_epochs=20)`), the schedule in
    `param_scheduler`, gradient clipping in `optim_wrapper = dict(clip_grad=dict(max_norm=35))`,
    and delete the old keys.
    """

    code = "SL407"
    name = "ignored-mmcv-key"
    severity = Severity.ERROR
    summary = "an mmcv-1.x key (runner, total_epochs, lr_config, ...) in an mmengine config, which ignores it"
    generation = "mmengine"
    invalid = [
        Example({"base.py": _MMENGINE_1X, "config.py": """\
            _base_ = './base.py'
            runner = dict(max_epochs=20)
            lr_config = dict(step=[16, 19])
            """}, epoch_length=100, note="the length and the schedule of the old generation: 12 epochs train"),
        Example(cfg(_MMENGINE_1X, "optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2))\n"),
                epoch_length=100, note="the gradient clipping is not applied"),
    ]
    valid = [
        Example({"base.py": _MMENGINE_1X, "config.py": """\
            _base_ = './base.py'
            train_cfg = dict(max_epochs=20)
            param_scheduler = [dict(type='MultiStepLR', begin=0, end=20, by_epoch=True, milestones=[16, 19])]
            """}, epoch_length=100),
        Example(cfg(_MMENGINE_1X, "total_epochs = 12\nlr_config = None\n"), epoch_length=100,
                note="an old key that repeats the length trained, and one set to None"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        yield from self._optimizer(ctx)
        if not any(key in ctx.resolved.values for key in _OLD_KEYS):
            return
        yield from self._length(ctx)
        yield from self._schedules(ctx)
        yield from self._grad_clip(ctx)

    def _optimizer(self, ctx: Context) -> Iterator[Finding]:
        """A top-level `optimizer` whose settings differ from the `optim_wrapper.optimizer` mmengine builds: a
        child's `optimizer = dict(lr=0.02)` merges into the base's helper after the base's optim_wrapper took it
        (cls_KD: weight_decay 5e-4 set, 1e-4 trained). The helper pattern (`optim_wrapper = dict(optimizer=
        optimizer)`, the same values) is not reported."""
        old, trained = ctx.resolved.get("optimizer"), ctx.resolved.get("optim_wrapper", "optimizer")
        if not isinstance(old, dict) or not isinstance(trained, dict):
            return
        chain = list(ctx.resolved.chain)

        def later(k: str) -> bool:
            """The `optimizer` value was set in a file after the one optim_wrapper's was (a child writing the old
            key over a base's wrapper); the other way round is a child that replaced the wrapper and left the
            base's helper behind (mmseg 1.x's schedules: nothing meant, nothing lost)."""
            mine, theirs = ctx.resolved.loc("optimizer", k), ctx.resolved.loc("optim_wrapper", "optimizer", k)
            if mine is None or theirs is None or mine.file not in chain or theirs.file not in chain:
                return False
            return chain.index(mine.file) > chain.index(theirs.file)

        differ = [k for k in old if isinstance(k, str) and not k.startswith("_") and k in trained
                  and old[k] != trained[k] and later(k)]
        if not differ:
            return
        loc = ctx.resolved.loc("optimizer", differ[0])
        set_here = ", ".join(f"{k}={_text(old[k])}" for k in differ)
        used = ", ".join(f"{k}={_text(trained[k])}" for k in differ)
        related = [Related(at, "the optimizer mmengine builds is set here")
                   for at in [ctx.resolved.loc("optim_wrapper", "optimizer", differ[0])] if at is not None and at != loc]
        msg = (f"optimizer is an mmcv-1.x key that mmengine ignores: it builds optim_wrapper.optimizer ({used}), not "
               f"optimizer's {set_here}; set them in optim_wrapper = dict(optimizer=dict(...))")
        yield self.finding(msg, loc, related, severity=Severity.WARNING)

    def _length(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        trained = ctx.horizon_text
        runner = ctx.resolved.get("runner")
        stated = []
        if isinstance(runner, dict):
            for key, unit in (("max_epochs", "epoch"), ("max_iters", "iter")):
                if _finite_length(runner.get(key)):
                    stated.append((("runner", key), f"runner.{key}", runner[key], unit))
        if _finite_length(ctx.resolved.get("total_epochs")):
            stated.append((("total_epochs",), "total_epochs", ctx.resolved.get("total_epochs"), "epoch"))
        for path, name, value, unit in stated:
            same = value == (h.max_epochs if h.loop == "epoch" else h.max_iters) and unit == h.loop
            loc = ctx.resolved.loc(*path)
            if same or loc is None:
                continue
            words = f"{_text(value)} {'epochs' if unit == 'epoch' else 'iterations'}"
            msg = (f"{name}={_text(value)} is an mmcv-1.x key that mmengine ignores: training runs {trained} "
                   f"(train_cfg), not {words}; set train_cfg = dict({'max_epochs' if unit == 'epoch' else 'max_iters'}"
                   f"={_text(value)}) if {words} is meant, and delete {path[0]}")
            yield self.finding(msg, loc, ctx.horizon_related_if_elsewhere(loc))

    def _schedules(self, ctx: Context) -> Iterator[Finding]:
        for key, param in (("lr_config", "lr"), ("momentum_config", "momentum")):
            value = ctx.resolved.get(key)
            loc = ctx.resolved.loc(key)
            if not isinstance(value, dict) or not value or loc is None:
                continue
            follows = [s for s in ctx.plan.schedulers if s.param == param]
            word = "LR" if param == "lr" else "momentum"
            if follows:
                names = ", ".join(dict.fromkeys(s.type for s in follows))
                now = f"the {word} follows param_scheduler ({names})"
            else:
                now = f"the {word} follows no scheduler (constant)" if param == "lr" else f"the {word} stays constant"
            settings = ", ".join(f"{k}={_text(v)}" for k, v in value.items() if not str(k).startswith("_"))
            msg = (f"{key} is an mmcv-1.x key that mmengine ignores: {now}, not {key}'s "
                   f"{settings or 'settings'}; write the schedule in param_scheduler and delete {key}")
            related: List[Related] = []
            if follows:
                first = follows[0].locs.get("self")
                if isinstance(first, Location) and first.file != loc.file:
                    related.append(Related(first, "the schedule mmengine runs is set here"))
            yield self.finding(msg, loc, related, severity=Severity.WARNING)

    def _grad_clip(self, ctx: Context) -> Iterator[Finding]:
        old = ctx.resolved.get("optimizer_config")
        if not isinstance(old, dict) or not isinstance(old.get("grad_clip"), dict):
            return
        wrapper = ctx.resolved.get("optim_wrapper")
        if isinstance(wrapper, dict) and wrapper.get("clip_grad") is not None:
            return
        loc = ctx.resolved.loc("optimizer_config", "grad_clip") or ctx.resolved.loc("optimizer_config")
        if loc is None:
            return
        clip = ", ".join(f"{k}={_text(v)}" for k, v in old["grad_clip"].items())
        msg = (f"optimizer_config is an mmcv-1.x key that mmengine ignores: gradients are not clipped "
               f"(grad_clip {clip} is never applied); write optim_wrapper = dict(clip_grad=dict({clip}))")
        yield self.finding(msg, loc, severity=Severity.WARNING)
