"""Iterations per epoch, estimated statically for both config generations, with its source.

The order of precedence: the user's number (`--epoch-length`, `epoch-length-per-glob`), a length
the config states itself (`num_iters_per_epoch = 28130 // (8 * 2)`, BEVFormer/StreamPETR style),
then the train split size of a known dataset (`schedlint.plan.datasets`, through the wrappers
RepeatDataset / ConcatDataset / CBGSDataset) divided by batch x GPUs. GPUs and batch come from
`--gpus` / `--batch-size`, the config, then the file name (`8xb2`, `b32x8`, `NxM` disambiguated by
the config's own batch), then `auto_scale_lr.base_batch_size` / batch (the total batch the LR is tuned
for), else 8 GPUs. Every estimate says where each number came from.
"""

from __future__ import annotations

import math
import os
import re
from typing import Any, List, Optional, Tuple

from schedlint.loader import ResolvedConfig
from schedlint.plan.datasets import (
    DEFAULT_EPOCH_LENGTH,
    DEFAULT_GPUS,
    GPUS_ASSUMED,
    RESAMPLING_WRAPPERS,
    TRAIN_SPLIT_BY_NAME,
    TRAIN_SPLIT_SIZES,
)

# GPU count and per-GPU batch as OpenMMLab file names spell them
_GPUS_X_BATCH = re.compile(r"(?:^|[_-])(?P<gpus>\d+)xb(?P<batch>\d+)(?:[_-]|$)")  # 8xb32 (mmengine era)
_BATCH_X_GPUS = re.compile(r"(?:^|[_-])b(?P<batch>\d+)x(?P<gpus>\d+)(?:[_-]|$)")  # b32x8 (older mmcls)
_N_X_M = re.compile(r"(?:^|[_-])(?P<a>\d{1,2})x(?P<b>\d{1,2})(?:[_-]|$)")  # 8x8 (mmdet 2.x), 6x8 (mmdet3d 0.x)

# keys a config states its own epoch length / GPU count under (downstream 3D projects)
STATED_KEYS = ("num_iters_per_epoch",)
STATED_GPUS = "num_gpus"
NUSCENES_TRAIN, NUSCENES_VAL = 28130, 6019
COCO_ALL_IMAGES = 118287  # train2017 including images without annotations
VOC_AUG_TRAIN = 10582  # mmseg's aug.txt (Pascal VOC 2012 + SBD, without VOC val)


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return int(value)


def gpus_and_batch(filename: str, batch: Optional[int] = None) -> Tuple[Optional[int], Optional[int]]:
    """(GPU count, batch per GPU) from a config's file name, or (None, None).

    `NxM` is ambiguous: mmdet 2.x writes GPUs x batch (`yolox_s_8x8`), mmdet3d 0.x batch x GPUs
    (`pointpillars_6x8`, `2x16`). With the config's own `batch`, the other number is the GPU count;
    without it, `NxM` is read as GPUs x batch.
    """
    name = os.path.splitext(os.path.basename(filename))[0]
    for pattern in (_GPUS_X_BATCH, _BATCH_X_GPUS):
        match = pattern.search(name)
        if match:
            return int(match.group("gpus")), int(match.group("batch"))
    match = _N_X_M.search(name)
    if match:
        a, b = int(match.group("a")), int(match.group("b"))
        if batch is not None and a == batch and b != batch:
            return b, a
        return a, b
    return None, None


def _by_name(kind: str) -> Optional[Tuple[int, str]]:
    for part, excluded, size, human in TRAIN_SPLIT_BY_NAME:
        if part in kind and (excluded is None or excluded not in kind):
            return size, human
    return None


def dataset_size(dataset: Any) -> Tuple[Optional[float], str]:
    """Samples per epoch of a (possibly wrapped) dataset config, and how that was found.

    A list of datasets (mmcv 1.x `data.train = [...]`) is concatenated, like a ConcatDataset.
    """
    if isinstance(dataset, (list, tuple)):
        return _concatenated(dataset)
    if not isinstance(dataset, dict):
        return None, ""
    kind = str(dataset.get("type", "")).rsplit(".", 1)[-1]
    if kind == "RepeatDataset" or "times" in dataset and "dataset" in dataset:
        size, how = dataset_size(dataset.get("dataset"))
        times = dataset.get("times", 1)
        if size is None or not isinstance(times, (int, float)):
            return None, ""
        return size * times, f"{how} x{times} (RepeatDataset)"
    if kind == "ConcatDataset" or isinstance(dataset.get("datasets"), list):
        return _concatenated(dataset.get("datasets") or [])
    if "dataset" in dataset and isinstance(dataset["dataset"], dict):
        size, how = dataset_size(dataset["dataset"])
        if size is None:
            return None, ""
        factors, human = RESAMPLING_WRAPPERS.get(kind, ({}, ""))
        factor = next((f for name, f in factors.items() if how.startswith(name)), None)
        if factor is not None:
            return size * factor, f"{how} x~{factor:g} ({human})"
        if kind:
            how += f" (inside {kind}, assumed to keep the size)"
        return size, how
    if kind not in TRAIN_SPLIT_SIZES and kind.startswith("YOLOv5") and kind[len("YOLOv5"):] in TRAIN_SPLIT_SIZES:
        kind = kind[len("YOLOv5"):]  # mmyolo's YOLOv5<X>Dataset is mmdet's <X>Dataset with batch shapes
    known = TRAIN_SPLIT_SIZES.get(kind) or _by_name(kind)
    if known is None or (kind == "CocoDataset" and _custom_coco(dataset.get("ann_file"))):
        return None, ""  # (a custom dataset in COCO format, e.g. mmyolo's cat tutorial, is not COCO)
    size, name = known
    by_file = _SIZED_BY_FILES.get(kind)
    if by_file is not None:  # a type whose size its annotation files tell (a project's own files: unknown)
        sized = by_file(dataset)
        if sized is None:
            return None, ""
        size, name = sized
    if kind not in TRAIN_SPLIT_SIZES:
        name += f" (from the type name {kind})"
    if name.startswith("nuScenes train"):
        size, name = _nuscenes_split(dataset.get("ann_file"), size, name)
    elif kind == "CocoDataset" and _keeps_empty_images(dataset):
        size, name = COCO_ALL_IMAGES, "COCO train2017 (all images: filter_empty_gt=False)"
    if kind == "CocoDataset":
        size, name = _coco_semi_split(dataset.get("ann_file"), size, name)
    interval = dataset.get("load_interval", 1)
    if isinstance(interval, int) and interval > 1:
        return math.ceil(size / interval), f"{name} ({size} samples, load_interval {interval})"
    return float(size), f"{name} ({size} samples)"


def _files(value: Any) -> List[str]:
    """The file names an `ann_file` (or mmseg 0.x `split`) holds: one, or a list of them."""
    return [str(f) for f in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(f, str) and f]


def _nuscenes_split(ann_file: Any, size: int, name: str) -> Tuple[int, str]:
    """nuScenes by its info file: `*trainval*` or [train, val] is train + val."""
    names = [os.path.basename(f) for f in _files(ann_file)]
    if any("trainval" in n for n in names) or (any("train" in n for n in names) and any("val" in n.replace("trainval", "")
                                                                                          and "train" not in n for n in names)):
        return NUSCENES_TRAIN + NUSCENES_VAL, f"nuScenes train + val by ann_file {', '.join(names)}"
    return size, name


def _voc_segmentation_split(dataset: dict) -> Optional[Tuple[int, str]]:
    """mmseg's PascalVOCDataset by its split file (`ann_file`, mmseg 0.x `split`): `train.txt` (1464 images)
    or the SBD-augmented `aug.txt` (10582). Any other annotation (a COCO json: BoxInstSeg's own detection
    dataset of that name reads VOC+SBD) is another dataset of the same name: None."""
    names = [os.path.basename(f) for f in _files(dataset.get("ann_file")) + _files(dataset.get("split"))]
    if names and all(n == "aug.txt" for n in names):
        return VOC_AUG_TRAIN, "Pascal VOC 2012 + SBD aug.txt"
    if names and all(n == "train.txt" for n in names):
        return TRAIN_SPLIT_SIZES["PascalVOCDataset"]
    if sorted(set(names)) == ["aug.txt", "train.txt"]:  # (mmseg 0.x split=[train, aug]: concatenated)
        return TRAIN_SPLIT_SIZES["PascalVOCDataset"][0] + VOC_AUG_TRAIN, "Pascal VOC 2012 train.txt + aug.txt"
    return None


# mmdet's VOCDataset: image-set files of the official VOC devkit
_VOC_DETECTION_SETS = {("VOC2007", "trainval"): 5011, ("VOC2012", "trainval"): 11540, ("VOC2007", "train"): 2501,
                       ("VOC2012", "train"): 5717, ("VOC2007", "val"): 2510, ("VOC2012", "val"): 5823,
                       ("VOC2007", "test"): 4952}


def _voc_detection_split(dataset: dict) -> Optional[Tuple[int, str]]:
    """mmdet's VOCDataset by its image-set files (`VOC2007/ImageSets/Main/trainval.txt` ...): mmdet 2.x lists
    both years in one dataset, mmdet 3.x concatenates one dataset per year. Files of another dataset in
    VOC format (a project's own data): None."""
    sizes = []
    for f in _files(dataset.get("ann_file")):
        stem = os.path.splitext(os.path.basename(f))[0]
        year = next((y for y in ("VOC2007", "VOC2012") if y in f), None)
        if (year, stem) not in _VOC_DETECTION_SETS:
            return None
        sizes.append((_VOC_DETECTION_SETS[(year, stem)], f"Pascal {year} {stem}"))
    if not sizes:
        return None
    return sum(n for n, _ in sizes), " + ".join(name for _, name in sizes)


# rotated-detection datasets by their image-set files (mmrotate: `ImageSets/Main/train.txt` ...): images per split
_IMAGE_SETS = {
    "DIORDataset": ("DIOR", {"train": 5862, "val": 5863, "trainval": 11725, "test": 11738}),
    "HRSCDataset": ("HRSC2016", {"train": 436, "val": 181, "trainval": 617, "test": 444}),
}


def _image_set_split(dataset: dict) -> Optional[Tuple[int, str]]:
    """DIOR / HRSC2016 by the image-set file the dataset reads (point2rbox's DIOR concatenates train.txt and
    val.txt, one dataset each); without one, the trainval split; another file (a project's own list): None."""
    label, sets = _IMAGE_SETS[str(dataset.get("type", "")).rsplit(".", 1)[-1]]
    files = _files(dataset.get("ann_file"))
    if not files:
        return sets["trainval"], f"{label} trainval"
    stems = [os.path.splitext(os.path.basename(f))[0] for f in files]
    if not all(stem in sets for stem in stems):
        return None
    return sum(sets[stem] for stem in stems), " + ".join(f"{label} {stem}" for stem in stems)


# S3DIS rooms per area (mmdet3d's S3DISDataset: one sample per room, one info file per area)
_S3DIS_ROOMS = {1: 44, 2: 40, 3: 23, 4: 49, 5: 68, 6: 48}


def _s3dis_areas(dataset: dict) -> Optional[Tuple[int, str]]:
    """mmdet3d's S3DISDataset by its info files (`s3dis_infos_Area_1.pkl`; mmdet3d's s3dis-3d concatenates one
    dataset per training area, each was taken for all five)."""
    files = _files(dataset.get("ann_file"))
    areas = [re.search(r"Area_(\d)", os.path.basename(f)) for f in files]
    if not files or not all(a and int(a.group(1)) in _S3DIS_ROOMS for a in areas):
        return None
    numbers = [int(a.group(1)) for a in areas]  # type: ignore[union-attr]
    return sum(_S3DIS_ROOMS[n] for n in numbers), "S3DIS " + ", ".join(f"Area_{n}" for n in numbers) + " rooms"


def _custom_coco(ann_file: Any) -> bool:
    """A COCO-format dataset whose annotation file is not COCO's train split."""
    return isinstance(ann_file, str) and "train2017" not in ann_file and "instances_train" not in ann_file


_COCO_SEMI_SPLIT = re.compile(r"train2017\.\d+@(?P<percent>\d+(?:\.\d+)?)(?P<unlabeled>-unlabeled)?\.json$")


def _coco_semi_split(ann_file: Any, size: int, name: str) -> Tuple[int, str]:
    """mmdet's semi-supervised COCO splits (`instances_train2017.1@10.json`: 10% of train2017 labeled, and its
    `-unlabeled` rest)."""
    found = _COCO_SEMI_SPLIT.search(ann_file) if isinstance(ann_file, str) else None
    if found is None:
        return size, name
    percent = min(100.0, float(found.group("percent")))
    share = 100.0 - percent if found.group("unlabeled") else percent
    return round(size * share / 100), f"{share:g}% of {name} ({os.path.basename(ann_file)})"


def _keeps_empty_images(dataset: dict) -> bool:
    cfg = dataset.get("filter_cfg")
    return isinstance(cfg, dict) and cfg.get("filter_empty_gt") is False


def _concatenated(datasets: Any) -> Tuple[Optional[float], str]:
    total, hows = 0.0, []
    for sub in datasets:
        size, how = dataset_size(sub)
        if size is None:
            return None, ""
        total += size
        hows.append(how)
    return (total, " + ".join(hows)) if hows else (None, "")


def stated_epoch_length(resolved: ResolvedConfig) -> Tuple[Optional[int], str]:
    """An epoch length the config states itself (`num_iters_per_epoch = ...`), with where."""
    for key in STATED_KEYS:
        value = _int(resolved.get(key))
        if value is not None and value > 0:
            loc = resolved.loc(key)
            where = f" ({os.path.basename(loc.file)}:{loc.line})" if loc is not None else ""
            return value, f"stated in the config: {key} = {value}{where}"
    return None, ""


class GivenLength(int):
    """An epoch length the caller knows, with where it knows it from (`diagnose`: the run's log), for the
    reports that quote its source."""

    source: str

    def __new__(cls, value: int, source: str) -> "GivenLength":
        obj = super().__new__(cls, value)
        obj.source = source
        return obj

    def __reduce__(self):  # (settings are deep-copied: keep the source)
        return (GivenLength, (int(self), self.source))


def estimate_epoch_length(
    resolved: ResolvedConfig,
    given: Optional[int],
    dataset: Any,
    config_batch: Optional[int],
    gpus: Optional[int] = None,
    batch_size: Optional[int] = None,
    missing: str = "no train_dataloader",
) -> Tuple[int, str]:
    """(iterations per epoch, where that number came from) for one config."""
    if given:
        return int(given), getattr(given, "source", None) or "given (--epoch-length / schedlint config)"
    stated, how = stated_epoch_length(resolved)
    if stated is not None:
        return stated, how
    if dataset is None:
        return DEFAULT_EPOCH_LENGTH, f"default {DEFAULT_EPOCH_LENGTH} ({missing})"
    size, how = dataset_size(dataset)
    if size is None:
        return DEFAULT_EPOCH_LENGTH, f"default {DEFAULT_EPOCH_LENGTH} (dataset size unknown; use --epoch-length)"
    name_gpus, name_batch = gpus_and_batch(resolved.filename, config_batch)
    if batch_size:
        batch, batch_note = batch_size, f"batch {batch_size} (--batch-size)"
    elif config_batch:
        batch, batch_note = config_batch, f"batch {config_batch}"
    elif name_batch:
        batch, batch_note = name_batch, f"batch {name_batch} from the file name"
    else:
        batch, batch_note = 1, "batch 1 assumed"
    gpus, gpu_note = gpu_count(resolved, batch, gpus, name_gpus)
    length = max(1, math.ceil(size / (batch * gpus)))
    return length, f"estimated: {how} / ({batch_note} x {gpu_note})"


def gpu_count(resolved: ResolvedConfig, batch: int, gpus: Optional[int] = None,
              name_gpus: Optional[int] = None) -> Tuple[int, str]:
    """(GPUs the config trains on, where that number came from), for its epoch length and its
    `auto_scale_lr` factor alike: --gpus, `num_gpus` in the config, the file name, then
    `auto_scale_lr.base_batch_size` / `batch` (the total batch the LR is tuned for: mmrotate's
    base_batch_size=8 with batch 8 is 1 GPU), else DEFAULT_GPUS, said to be assumed."""
    if gpus:
        return gpus, f"{gpus} GPUs (--gpus)"
    stated = _int(resolved.get(STATED_GPUS))
    if stated and stated > 0:
        return stated, f"{stated} GPUs (num_gpus in the config)"
    if name_gpus:
        return name_gpus, f"{name_gpus} GPUs from the file name"
    base_batch = _int(resolved.get("auto_scale_lr", "base_batch_size"))
    if base_batch and batch > 0 and base_batch >= batch and base_batch % batch == 0:
        count = base_batch // batch
        return count, f"{count} GPUs from auto_scale_lr.base_batch_size {base_batch} / batch {batch}"
    return DEFAULT_GPUS, f"{DEFAULT_GPUS} {GPUS_ASSUMED} (use --gpus)"


# dataset types sized by their annotation files rather than by their type name alone
_SIZED_BY_FILES = {"PascalVOCDataset": _voc_segmentation_split, "VOCDataset": _voc_detection_split,
                   "S3DISDataset": _s3dis_areas, "DIORDataset": _image_set_split, "HRSCDataset": _image_set_split}
