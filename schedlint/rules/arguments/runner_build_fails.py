"""SL311 runner-build-fails: an `optim_wrapper` or `train_cfg` mmengine's Runner cannot build."""

from __future__ import annotations

from typing import Any, Iterator, Optional, Tuple

from schedlint.model import Finding, Location, Related, Severity
from schedlint.plan.mmengine import scheduler_entries
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.arguments.common import _SGD

_SCHEDULE = "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11], by_epoch=True)]\n"
_BASE = cfg(_SGD, _SCHEDULE, "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)\n")
_LAZY_BASE = """\
from mmengine.optim import MultiStepLR
from torch.optim import SGD
optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.02, momentum=0.9))
param_scheduler = [dict(type=MultiStepLR, milestones=[8, 11], by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
"""
_LAZY_HEAD = """\
from mmengine.config import read_base
with read_base():
    from .base import *
"""
# the optim-wrapper constructor that requires `optimizer` (custom ones may build without it)
_DEFAULT_CONSTRUCTORS = ("", "DefaultOptimWrapperConstructor")


def _short(value: Any) -> str:
    return getattr(value, "__name__", None) or str(value).rsplit(".", 1)[-1]  # (an ImportedName: its last part)


class RunnerBuildFails(Rule):
    """An `optim_wrapper`, `train_cfg` or scheduler that the Runner cannot build: the run dies at start.

    mmengine builds the optimizer and the training loop only when `runner.train()` starts, after
    the dataset and the model are built (on a cluster: after the job waited for its GPUs).

    * `optim_wrapper` without `optimizer`: the default constructor fails with `KeyError: 'optimizer'`.
    * `train_cfg` with both `type` and `by_epoch`: `RuntimeError: Only one of type or by_epoch can
      exist in loop_cfg`. Typical: a child writes `train_cfg = dict(by_epoch=True, max_epochs=36)` over
      a base that names `type='EpochBasedTrainLoop'` (mmengine merges the two dicts).
    * `train_cfg` with a length but neither: the Runner pops `by_epoch` to choose the loop and fails
      with `KeyError: 'by_epoch'` (every mmengine release, 0.10 included), with `max_epochs` or
      `max_iters` alike.
    * A key that is not a string (`{'type': 'SGD', 1: 0.9}`) in a dict the run builds as keyword
      arguments (`train_cfg`, `optim_wrapper` and its `optimizer`, each `param_scheduler` entry, a
      scheduler hook; mmcv 1.x: `optimizer`, `optimizer_config`, `lr_config`, `momentum_config`,
      `runner`): `TypeError: keywords must be strings`.
    * mmcv 1.x: a `runner` with both `max_epochs` and `max_iters` (a child switching to
      `IterBasedRunner` over a base's `EpochBasedRunner` dict, which merges): `ValueError: Only
      one of max_epochs or max_iters can be set`.
    * An argument mmengine's `EpochBasedTrainLoop` / `IterBasedTrainLoop` does not take
      (`type=EpochBasedTrainLoop, max_iters=12`, mmdet 3.3's pure-Python `ms_3x_coco`; a misspelt
      `val_intervl`): `TypeError` when the loop is built.

    In pure-Python (`read_base`) configs the first and last usually come from an assignment:
    `optim_wrapper = dict(clip_grad=...)` replaces the inherited dict whole (nothing is merged), and
    drops its `optimizer`; `optim_wrapper.update(clip_grad=...)` changes it.

    The optimizer's LR is unknown without an optimizer, so nothing else is judged on such a config.

    Fix: name the optimizer; keep one of `type` and `by_epoch`; in pure-Python configs, `.update()`
    the inherited dict.
    """

    code = "SL311"
    name = "runner-build-fails"
    severity = Severity.ERROR
    summary = ("an optim_wrapper without optimizer, a train_cfg with both or neither `type` and `by_epoch`, an mmcv "
               "runner with both lengths, or a key that is not a string where the run expects keyword arguments")
    invalid = [
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            train_cfg = dict(by_epoch=True, max_epochs=36)
            """}, epoch_length=100, note="the base names the loop type; the child adds by_epoch"),
        Example({"base.py": _LAZY_BASE, "config.py": _LAZY_HEAD + "optim_wrapper = dict(clip_grad=dict(max_norm=5.0))\n"},
                epoch_length=100, note="pure-Python config: the assignment replaces the inherited optim_wrapper"),
        Example({"base.py": _LAZY_BASE, "config.py": _LAZY_HEAD + "train_cfg = dict(max_epochs=24)\n"},
                epoch_length=100, note="pure-Python config: the assignment drops by_epoch"),
    ]
    valid = [
        Example({"base.py": _BASE, "config.py": """\
            _base_ = './base.py'
            train_cfg = dict(max_epochs=14)
            """}, epoch_length=100),
        Example({"base.py": _LAZY_BASE, "config.py": _LAZY_HEAD + "optim_wrapper.update(clip_grad=dict(max_norm=5.0))\n"
                                                     "train_cfg.update(max_epochs=14)\n"}, epoch_length=100),
        Example(cfg(_SGD, "param_scheduler = [dict(type='PolyLR', eta_min=1e-4, by_epoch=False)]\n",
                    "train_cfg = dict(by_epoch=False, max_iters=1000, val_interval=100)\n"),
                note="by_epoch=False with max_iters: an iteration-based loop"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.plan.generation == "mmengine":
            yield from self._optimizer(ctx)
            yield from self._loop(ctx)
        else:
            yield from self._legacy_runner(ctx)
        yield from self._keywords(ctx)

    def _legacy_runner(self, ctx: Context) -> Iterator[Finding]:
        """mmcv 1.x: a runner given both lengths (a child switching the runner type over a base's dict, which
        merges, keeps the base's length)."""
        runner = ctx.resolved.get("runner")
        if not (isinstance(runner, dict) and runner.get("max_epochs") is not None
                and runner.get("max_iters") is not None):
            return
        stray = "max_epochs" if "Iter" in str(runner.get("type", "")) else "max_iters"
        kept = "max_iters" if stray == "max_epochs" else "max_epochs"
        locs = {k: ctx.resolved.loc("runner", k) for k in (stray, kept)}
        advice = ""
        if locs[stray] is not None and locs[kept] is not None and locs[stray].file != locs[kept].file:
            # one length set in a child over the other, inherited (the dicts merge): the fix goes in the child
            chain = list(ctx.resolved.chain)
            order = {k: chain.index(loc.file) if loc.file in chain else -1 for k, loc in locs.items()}
            child, base = sorted(locs, key=lambda k: order[k], reverse=True)
            at = locs[child]
            related = [Related(locs[base], f"{base}={runner[base]!r} inherited from here (the dicts merge)")]
            advice = f"; write `runner = dict(_delete_=True, ...)` here, or {base}=None"
        else:
            at = locs[stray] or locs[kept] or ctx.resolved.loc("runner") or Location(ctx.plan.filename, 1)
            related = [Related(locs[kept], f"{kept}={runner[kept]!r} set here")] if locs[kept] not in (None, at) else []
        yield self.finding(f"runner has both max_epochs={runner['max_epochs']!r} and max_iters={runner['max_iters']!r}: "
                           "mmcv's BaseRunner raises ValueError('Only one of `max_epochs` or `max_iters` can be set.') "
                           f"when the run builds it{advice}", at, related)

    def _keywords(self, ctx: Context) -> Iterator[Finding]:
        """A key that is not a string in a dict the Runner builds by calling `cls(**the_dict)`."""
        for path, value in _built_dicts(ctx):
            keys = [k for k in value if not isinstance(k, str)]  # (None is such a key too)
            if not keys:
                continue
            key = keys[0]
            where = _path_text(path)
            loc = ctx.resolved.loc(*path, key) or ctx.resolved.loc(*path) or Location(ctx.plan.filename, 1)
            yield self.finding(f"{where} has the key {key!r} ({type(key).__name__}): the run passes {where} as "
                               "keyword arguments when it builds it, and Python raises TypeError: keywords must be "
                               "strings; write the key as a string", loc)

    def _replaced(self, ctx: Context, key: str, loc: Optional[Location]) -> str:
        """Why a pure-Python config lost inherited keys (said when it assigns `key` itself)."""
        if not ctx.resolved.lazy or not ctx.resolved.bases or loc is None or loc.file != ctx.plan.filename:
            return ""
        return (f" In a pure-Python config `{key} = dict(...)` replaces an inherited {key} whole (nothing is merged):"
                f" write `{key}.update(...)` to change it")

    def _optimizer(self, ctx: Context) -> Iterator[Finding]:
        wrapper = ctx.resolved.get("optim_wrapper")
        if not isinstance(wrapper, dict):
            return
        if "optimizer" in wrapper:
            if not isinstance(wrapper["optimizer"], dict) and ctx.plan.optimizer.missing:
                loc = ctx.resolved.loc("optim_wrapper", "optimizer") or Location(ctx.plan.filename, 1)
                yield self.finding(f"optim_wrapper.optimizer is {wrapper['optimizer']!r}, not an optimizer dict: "
                                   "mmengine fails when the run builds the optimizer, so nothing trains", loc)
            return
        if _short(wrapper.get("constructor", "")) not in _DEFAULT_CONSTRUCTORS:
            return  # a custom constructor may build from other keys
        if any(isinstance(v, dict) and "optimizer" in v for v in wrapper.values()):
            return  # several optimizers (MultiOptimWrapperConstructor-style sub-wrappers)
        loc = ctx.resolved.loc("optim_wrapper") or Location(ctx.plan.filename, 1)
        keys = ", ".join(str(k) for k in wrapper) or "nothing"
        msg = (f"optim_wrapper has no `optimizer` (it holds {keys}): mmengine fails with KeyError: 'optimizer' "
               "when the run builds the optimizer, so nothing trains." + self._replaced(ctx, "optim_wrapper", loc))
        yield self.finding(msg, loc)

    def _loop(self, ctx: Context) -> Iterator[Finding]:
        train = ctx.resolved.get("train_cfg")
        if not isinstance(train, dict):
            return
        loc = ctx.resolved.loc("train_cfg") or Location(ctx.plan.filename, 1)
        if "type" in train and "by_epoch" in train:
            epoch_loc = ctx.resolved.loc("train_cfg", "by_epoch") or loc
            type_loc = ctx.resolved.loc("train_cfg", "type") or loc
            kind = _short(train["type"])
            if type_loc.file == ctx.plan.filename and epoch_loc.file != ctx.plan.filename:
                # this config added the type to an inherited by_epoch, which no merge can remove
                at, other, other_text = type_loc, epoch_loc, f"by_epoch={train['by_epoch']!r} inherited from here"
                advice = ("drop type here (by_epoch already chooses the loop), or replace train_cfg whole "
                          "with `_delete_=True`")
            else:
                at, other, other_text = epoch_loc, type_loc, f"loop type set here: {kind}"
                advice = "delete by_epoch (the loop type already says it)"
            related = [Related(other, other_text)] if other != at else []
            msg = (f"train_cfg has both type={kind!r} and by_epoch={train['by_epoch']!r}: mmengine's Runner raises "
                   "RuntimeError('Only one of `type` or `by_epoch` can exist in `loop_cfg`') when it builds the "
                   f"training loop; {advice}")
            yield self.finding(msg, at, related)
        elif "type" not in train and "by_epoch" not in train and ("max_epochs" in train or "max_iters" in train):
            key = "max_epochs" if "max_epochs" in train else "max_iters"
            at = ctx.resolved.loc("train_cfg", key) or loc
            loop = "by_epoch=True or type='EpochBasedTrainLoop'" if key == "max_epochs" else \
                "by_epoch=False or type='IterBasedTrainLoop'"
            msg = (f"train_cfg has {key} but neither `type` nor `by_epoch`: mmengine's Runner pops `by_epoch` to "
                   f"choose the loop and fails with KeyError: 'by_epoch' when it builds the training loop; add {loop}."
                   + self._replaced(ctx, "train_cfg", loc))
            yield self.finding(msg, at)
        else:
            yield from self._loop_arguments(ctx, train, loc)

    def _loop_arguments(self, ctx: Context, train: dict, loc: Location) -> Iterator[Finding]:
        """mmengine's own loops called with an argument they do not take (a missing length is not judged: a
        base leaves it to the configs that inherit it, as mmagic's gen_default_runtime)."""
        kind = _short(train["type"]) if "type" in train else (
            "EpochBasedTrainLoop" if train.get("by_epoch") else "IterBasedTrainLoop" if "by_epoch" in train else None)
        takes = _LOOP_ARGUMENTS.get(kind or "")
        if takes is None:
            return  # a project's own loop: its arguments are unknown
        length = takes[0]
        extra = [k for k in train if isinstance(k, str) and k not in takes + ("type", "by_epoch", "_scope_")]
        if extra:
            at = ctx.resolved.loc("train_cfg", extra[0]) or loc
            yield self.finding(f"train_cfg builds mmengine's {kind}, which does not take {extra[0]!r} (it takes "
                               f"{', '.join(takes)}): TypeError when the Runner builds the training loop"
                               + (f"; an {kind} counts its length in {length}" if extra[0] in _LENGTHS else ""), at)


# the dicts a run builds as keyword arguments, by config generation
_MMENGINE_BUILT = (("train_cfg",), ("optim_wrapper",), ("optim_wrapper", "optimizer"), ("default_hooks", "param_scheduler"))
_MMCV_BUILT = (("optimizer",), ("optimizer_config",), ("lr_config",), ("momentum_config",), ("runner",))


def _built_dicts(ctx: Context) -> Iterator[Tuple[Tuple[Any, ...], dict]]:
    if ctx.plan.generation == "mmcv":
        paths: Any = _MMCV_BUILT
    else:
        paths = _MMENGINE_BUILT + tuple(path for path, _ in scheduler_entries(ctx.resolved))
    for path in paths:
        value = ctx.resolved.get(*path)
        if isinstance(value, dict):
            yield path, value


def _path_text(path: Tuple[Any, ...]) -> str:
    return path[0] + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:])


# the arguments of mmengine's training loops besides runner and dataloader (mmengine 0.10), the length first
_LOOP_ARGUMENTS = {"EpochBasedTrainLoop": ("max_epochs", "val_begin", "val_interval", "dynamic_intervals"),
                   "IterBasedTrainLoop": ("max_iters", "val_begin", "val_interval", "dynamic_intervals")}
_LENGTHS = ("max_epochs", "max_iters")
