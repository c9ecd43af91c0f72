"""Train-split sizes of well-known datasets, to estimate iterations per epoch statically.

Sizes are the number of samples in the standard training split as OpenMMLab loads it
(annotation files of the official data preparation). They only feed an *estimate*; every
verdict that depends on it says so, and `--epoch-length` overrides it.
"""

from __future__ import annotations

# dataset `type` (without scope) -> (train samples, human name)
TRAIN_SPLIT_SIZES = {
    # 3D (mmdet3d)
    "KittiDataset": (3712, "KITTI 3D train"),
    "NuScenesDataset": (28130, "nuScenes train"),
    "WaymoDataset": (158081, "Waymo train frames"),
    "LyftDataset": (18900, "Lyft train"),
    "ScanNetDataset": (1201, "ScanNet train"),
    "ScanNetSegDataset": (1201, "ScanNet train"),
    "S3DISDataset": (204, "S3DIS areas 1-4,6 rooms"),  # sized by its info files, per area (plan/epochs.py)
    "S3DISSegDataset": (204, "S3DIS train rooms"),
    "SUNRGBDDataset": (5285, "SUN RGB-D train"),
    "SemanticKittiDataset": (19130, "SemanticKITTI train"),
    # 2D detection / instance segmentation (mmdet, mmyolo)
    "CocoDataset": (117266, "COCO train2017 (images with annotations)"),
    "LVISV1Dataset": (100170, "LVIS v1 train"),
    "LVISDataset": (100170, "LVIS v1 train"),
    "VOCDataset": (16551, "VOC07+12 trainval"),  # sized by its ann_file (plan/epochs.py)
    "CityscapesDataset": (2975, "Cityscapes train"),
    "Objects365V2Dataset": (1742289, "Objects365 v2 train"),
    "OpenImagesDataset": (1743042, "Open Images v6 train"),
    "OpenImagesChallengeDataset": (1743042, "Open Images challenge 2019 train"),
    "Objects365V1Dataset": (608606, "Objects365 v1 train"),
    "LVISV05Dataset": (56864, "LVIS v0.5 train"),
    "CocoPanopticDataset": (118287, "COCO panoptic train2017"),
    "CocoSegDataset": (118287, "COCO-Stuff train2017"),
    "ADE20KSegDataset": (20210, "ADE20K train"),
    "ADE20KInstanceDataset": (20210, "ADE20K train"),
    "ADE20KPanopticDataset": (20210, "ADE20K train"),
    "V3DetDataset": (183354, "V3Det train"),
    "WIDERFaceDataset": (12880, "WIDER FACE train"),
    "iSAIDDataset": (28029, "iSAID train patches"),
    "CrowdHumanDataset": (15000, "CrowdHuman train"),
    # semantic segmentation (mmseg)
    "ADE20KDataset": (20210, "ADE20K train"),
    "PascalVOCDataset": (1464, "Pascal VOC 2012 train"),  # sized by its split file (plan/epochs.py)
    "PascalContextDataset": (4996, "Pascal Context train"),
    "PascalContextDataset59": (4996, "Pascal Context train"),
    "COCOStuffDataset": (118287, "COCO-Stuff 164k train"),
    "LoveDADataset": (2522, "LoveDA train"),
    "PotsdamDataset": (3456, "Potsdam train patches"),
    "DRIVEDataset": (20, "DRIVE train"),
    "STAREDataset": (10, "STARE train"),
    "ChaseDB1Dataset": (20, "CHASE_DB1 train"),
    "HRFDataset": (15, "HRF train"),
    # classification (mmpretrain / mmcls)
    "ImageNet": (1281167, "ImageNet-1k train"),
    "ImageNet21k": (14197122, "ImageNet-21k"),
    "CIFAR10": (50000, "CIFAR-10 train"),
    "CIFAR100": (50000, "CIFAR-100 train"),
    "MNIST": (60000, "MNIST train"),
    "CUB": (5994, "CUB-200-2011 train"),
    "StanfordCars": (8144, "Stanford Cars train"),
    # mmyolo's YOLOv5<X>Dataset is looked up as <X>Dataset (plan/epochs.py); COCO with
    # `filter_empty_gt=False` (mmyolo's YOLO recipes) keeps every image: 118287
    # rotated detection (mmrotate 1.x); DOTA after the official 1024x1024 split (gap 200), empty patches filtered
    "DOTADataset": (12800, "DOTA-v1.0 trainval, 1024x1024 patches (approx.)"),
    "DOTAv15Dataset": (12800, "DOTA-v1.5 trainval, 1024x1024 patches (approx.)"),
    "HRSCDataset": (617, "HRSC2016 trainval"),  # sized by its image-set file (plan/epochs.py)
    "DIORDataset": (11725, "DIOR trainval"),
    # pose (mmpose): person instances
    "CocoWholeBodyDataset": (118287, "COCO-WholeBody train images"),
    "MpiiDataset": (22246, "MPII train"),
}

# Dataset types of downstream projects, by a part of their name (BEVFormer's CustomNuScenesDataset,
# MapTR's CustomNuScenesLocalMapDataset, UniAD's NuScenesE2EDataset, BEVDet's NuScenesDatasetOccpancy,
# StreamPETR, SparseBEV, PETR, VAD ...): they read the standard annotation files of the dataset named.
# Checked in order; the first match wins. (name part, excluded part, size, human name)
TRAIN_SPLIT_BY_NAME = (
    ("NuScenesMono", None, 168780, "nuScenes train camera images (28130 samples x 6 cameras)"),
    ("NuScenes", "Mono", 28130, "nuScenes train"),
    ("Waymo", None, 158081, "Waymo train frames"),
    ("Kitti", "Semantic", 3712, "KITTI 3D train"),
    ("Lyft", None, 18900, "Lyft train"),
)

# Wrappers that resample their dataset: type -> (factor per known inner dataset name, human text).
# CBGS (class-balanced grouping and sampling) duplicates samples of rare classes; on the nuScenes
# train split with the 10 detection classes it yields about 4.4 times the samples.
RESAMPLING_WRAPPERS = {
    "CBGSDataset": ({"nuScenes train": 4.4}, "CBGS resampling"),
}

# When nothing is known: what `check` assumes for iterations per epoch (documented in the README).
DEFAULT_EPOCH_LENGTH = 1000

# When the number of GPUs is not in the file name: mmengine configs are written for 8 GPUs.
DEFAULT_GPUS = 8
#: how an epoch length estimated on DEFAULT_GPUS says so (the rules that judge a share of the run read it)
GPUS_ASSUMED = "GPUs assumed"
