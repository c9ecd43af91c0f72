"""SL012 file-name-length-mismatch: The file name states a training length the config does not train."""

from __future__ import annotations

import functools
import os
import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

from schedlint.model import Finding, Location, Related, Severity
from schedlint.rules.base import Context, Example, Rule, cfg
from schedlint.rules.length.common import _SGD
from schedlint.rules.support import unwrap_stray_tuple

# `_24e_`, `-48ep`, `_300e.py`, `cyclic-20e`; `_1x_`, `_2x` (mmdet: 12 epochs per x), never `2x8`, never a
# number in scientific notation (`_2e-4_80e`: an LR of 2e-4, 80 epochs; YOLO-World, FlashOCC)
_EPOCHS = re.compile(r"(?:^|[_-])(?P<n>\d+)(?:ep(?:ochs?)?|e(?!-\d+(?:[_.-]|$)))(?=[_.-]|$)")
_SCHEDULE_X = re.compile(r"(?:^|[_-])(?P<n>[1-9])x(?=[_.-]|$)")
EPOCHS_PER_X = 12
# one epoch more than the name is a convention (mmdet's grid_rcnn `2x` trains 25, `scratch_6x` 73)
EXTRA_EPOCHS = 1
# names of multi-stage recipes, where the file's length is the whole recipe's (not this stage's)
# (`finetune`, `finetuning`, `_ft_`, and YOLO-World's `1280ft`: fine-tuned at 1280 px)
_STAGED = re.compile(r"stage|pretrain|fine-?tun|(?:^|[_-]|\d)ft(?:[_-]|$)|distill|warmup|resume", re.IGNORECASE)


# a length right after a dataset name is the pre-training's (`..._coco-20e_nuim`: 20 epochs on COCO)
_PRETRAIN_DATASETS = {"coco", "in1k", "in21k", "imagenet", "objects365", "o365", "lvis", "cityscapes", "voc",
                      "nus", "nuim", "kitti", "waymo", "ade20k", "sa1b"}


def _pretraining(name: str, start: int) -> bool:
    before = re.split(r"[_-]", name[:start].rstrip("_-"))
    return bool(before) and before[-1].lower() in _PRETRAIN_DATASETS


# the GPUs x batch of the training settings (`8xb16`, mmcls 0.x `b64x16`, older `2x8`): OpenMMLab names put
# the schedule after it, so an `Nx` before it belongs to the model (`shufflenet-v1-1x_16xb64`: a width)
_BATCH = re.compile(r"(?:^|[_-])(?:\d{1,3}xb\d{1,4}|b\d{1,4}x\d{1,3}|\d{1,2}x\d{1,2})(?=[_.-]|$)")


def _lengths_in_name(filename: str) -> List[int]:
    return sorted(set(_stated(os.path.basename(filename))))


def _stated(filename: str) -> Dict[int, bool]:
    """Each training length the name states, and whether it is written out (`-24e`) rather than an `Nx`."""
    return dict(_stated_in(os.path.basename(filename)))


@functools.lru_cache(maxsize=4096)  # the names of shared bases are read for every config inheriting them
def _stated_in(basename: str) -> Tuple[Tuple[int, bool], ...]:
    name = os.path.splitext(basename)[0]
    batch = _BATCH.search(name)
    settings = batch.start() if batch else 0

    def counts(m: "re.Match[str]") -> bool:
        return m.start("n") >= settings and not _pretraining(name, m.start("n"))

    found: Dict[int, bool] = {}
    for m in _SCHEDULE_X.finditer(name):
        if counts(m):
            found[int(m.group("n")) * EPOCHS_PER_X] = False
    for m in _EPOCHS.finditer(name):
        if counts(m):
            found[int(m.group("n"))] = True
    return tuple(found.items())


def _wraps_repeat(dataset: Any) -> bool:
    if isinstance(dataset, (list, tuple)):
        return any(_wraps_repeat(d) for d in dataset)
    if not isinstance(dataset, dict):
        return False
    if str(dataset.get("type", "")).endswith("RepeatDataset") or "times" in dataset:
        return True
    return any(_wraps_repeat(dataset.get(k)) for k in ("dataset", "datasets"))


class FileNameLengthMismatch(Rule):
    """The file name states a training length the config does not train.

    OpenMMLab names carry the schedule (`_1x_` = 12 epochs, `_2x_`, `-24e_`, `-300e_`); tools,
    papers and people read it. A config named `…-48ep.py` that trains 24 epochs was usually copied
    and its length edited without the name (or the other way round): one of them is wrong.

    Stays quiet where the name legitimately differs: an `Nx` before the GPUs x batch part, which is
    the model's (`shufflenet-v1-1x_16xb64_in1k`: a width), a dataset wrapped in `RepeatDataset`
    (12 epochs x3 named `3x`), iteration-based loops, one epoch more or less than the name (mmdet's
    `grid_rcnn…2x` trains 25), several lengths in one name, a length that
    follows a dataset name (`coco-20e_nuim`: the pre-training's), and multi-stage recipes: names
    with `stage2`, `finetune`, `pretrain`, and a config that sets its own length over a base whose
    name states the length it inherits (BEVFusion's lidar-cam stage, 6 epochs, named after the
    20-epoch lidar stage it extends).

    An `Nx` is read as 12N epochs, mmdet's convention on COCO; other projects count their x
    otherwise (mmtracking's `1x` on ImageNet VID trains 7 epochs), so a mismatch of an `Nx` is
    information, and one of a length written out (`-24e`) a warning.

    Fix: rename the file, or train the length its name promises.
    """

    code = "SL012"
    needs_length = True
    name = "file-name-length-mismatch"
    severity = Severity.WARNING
    summary = "the file name states a training length (`-48e`, `_2x`) the config does not train"
    invalid = [
        Example({"petr_r50_704x256-48ep.py": cfg(_SGD, """\
                    param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, by_epoch=True)]
                    train_cfg = dict(by_epoch=True, max_epochs=24)
                    """)}, epoch_length=10, checked="petr_r50_704x256-48ep.py"),
    ]
    valid = [
        Example({"petr_r50_704x256-24ep.py": cfg(_SGD, """\
                    param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, by_epoch=True)]
                    train_cfg = dict(by_epoch=True, max_epochs=24)
                    """)}, epoch_length=10, checked="petr_r50_704x256-24ep.py"),
        Example({"retinanet_r50_fpn_3x_coco.py": cfg(_SGD, """\
                    param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11], by_epoch=True)]
                    train_cfg = dict(by_epoch=True, max_epochs=12)
                    train_dataloader = dict(batch_size=2, dataset=dict(type='RepeatDataset', times=3,
                                                                       dataset=dict(type='CocoDataset')))
                    """)}, checked="retinanet_r50_fpn_3x_coco.py", note="RepeatDataset: 12 epochs x3"),
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        h = ctx.plan.horizon
        if h.loop != "epoch" or not h.max_epochs:
            return
        name = os.path.basename(ctx.plan.filename)
        stated = _lengths_in_name(name)
        if len(stated) != 1 or abs(stated[0] - h.max_epochs) <= EXTRA_EPOCHS or _STAGED.search(name):
            return
        loc = h.locs.get("max_epochs")
        if loc is not None and loc.file == ctx.plan.filename and any(
            stated[0] in _lengths_in_name(base) for base in ctx.resolved.chain if base != ctx.plan.filename
        ):
            return  # the name comes from a base that trains that length; this stage changes it on purpose
        loader = unwrap_stray_tuple(ctx.resolved.get("train_dataloader"))
        dataset = loader.get("dataset") if isinstance(loader, dict) else None
        if dataset is None:
            dataset = ctx.resolved.get("data", "train")
        if _wraps_repeat(dataset):
            return
        loc = h.locs.get("max_epochs")
        here = Location(ctx.plan.filename, 1)
        related: List[Related] = []
        if loc is None or loc.file != ctx.plan.filename:
            if loc is not None:
                related.append(Related(loc, f"training length set here: {h.max_epochs} epochs"))
            loc = here
        if _stated(name)[stated[0]]:
            msg = (f"the file name {name!r} states {stated[0]} epochs but the config trains {h.max_epochs}: "
                   "rename the file or train the length it promises")
            yield self.finding(msg, loc, related)
        else:  # `Nx` is 12N epochs in mmdet's (COCO) convention; projects and datasets use other units
            msg = (f"the file name {name!r} states {stated[0] // EPOCHS_PER_X}x, {stated[0]} epochs in mmdet's "
                   f"convention (12 per x), but the config trains {h.max_epochs}: rename the file or train the "
                   "length it promises, unless this project counts its x otherwise")
            yield self.finding(msg, loc, related, severity=Severity.INFO)


def lengths_in_name(filename: str) -> Optional[List[int]]:
    """Training lengths (epochs) a config's file name states (for tests and tools)."""
    return _lengths_in_name(filename)
