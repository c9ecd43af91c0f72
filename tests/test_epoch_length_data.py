"""Epoch length as data: downstream dataset types, CBGS / Repeat / Concat wrappers, lengths a config
states itself, NxM file names read with the config's batch, --gpus / --batch-size; exclude settings."""

from __future__ import annotations

import os
import textwrap

import pytest
from typer.testing import CliRunner

from schedlint.cli import app
from schedlint.lint.engine import Linter, check_paths, discover
from schedlint.lint.settings import Settings
from schedlint.plan.epochs import gpus_and_batch

SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
TRAIN = "train_cfg = dict(by_epoch=True, max_epochs=24)\nparam_scheduler = [dict(type='MultiStepLR', milestones=[16, 22])]\n"


def horizon(tmp_path, text, name="config.py", **settings):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    linter = Linter(Settings(dependents=False, **settings))
    resolved, problems = linter.resolve(os.fspath(path))
    assert not problems
    return linter.plan_for(resolved, os.fspath(path)).horizon


def test_bev_dataset_type_is_nuscenes_by_name(tmp_path):
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=1, dataset=dict(type='CustomNuScenesDataset'))
""", name="bevformer_base_8xb1.py")
    assert h.epoch_length == 28130 // 8 + 1
    assert "nuScenes train" in h.epoch_length_source and "CustomNuScenesDataset" in h.epoch_length_source


def test_unknown_dataset_keeps_the_default_and_says_so(tmp_path):
    h = horizon(tmp_path, SGD + TRAIN + "train_dataloader = dict(batch_size=2, dataset=dict(type='MyDataset'))\n")
    assert h.epoch_length == 1000 and h.epoch_length_source.startswith("default")


def test_cbgs_resamples_nuscenes_about_4_4x(tmp_path):
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=4, dataset=dict(type='CBGSDataset', dataset=dict(type='NuScenesDataset')))
""", name="centerpoint_8xb4.py")
    assert h.epoch_length == pytest.approx(28130 * 4.4 / 32, rel=0.01)
    assert "CBGS" in h.epoch_length_source
    # another wrapper keeps the size (and says so)
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=4, dataset=dict(type='ClassBalancedDataset', dataset=dict(type='NuScenesDataset')))
""", name="centerpoint_8xb4.py")
    assert h.epoch_length == pytest.approx(28130 / 32, abs=1)
    assert "assumed to keep the size" in h.epoch_length_source


def test_repeat_and_concat_wrappers(tmp_path):
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=2, dataset=dict(type='RepeatDataset', times=3,
    dataset=dict(type='ConcatDataset', datasets=[dict(type='HRSCDataset'), dict(type='HRSCDataset')])))
""", name="x_1xb2.py")
    assert h.epoch_length == 617 * 2 * 3 // 2
    assert "x3 (RepeatDataset)" in h.epoch_length_source


def test_mmyolo_and_mmrotate_types(tmp_path):
    h = horizon(tmp_path, SGD + TRAIN + "train_dataloader = dict(batch_size=16, dataset=dict(type='YOLOv5CocoDataset'))\n",
                name="yolov5_s-v61_syncbn_8xb16-300e_coco.py")
    assert h.epoch_length == -(-117266 // 128)
    h = horizon(tmp_path, SGD + TRAIN + "train_dataloader = dict(batch_size=2, dataset=dict(type='DOTADataset'))\n",
                name="rotated-retinanet_r50_fpn_1x_dota.py")
    assert "DOTA" in h.epoch_length_source and h.epoch_length != 1000


def test_stated_num_iters_per_epoch_wins_over_the_estimate(tmp_path):
    h = horizon(tmp_path, SGD + """\
num_gpus = 8
batch_size = 2
num_iters_per_epoch = 28130 // (num_gpus * batch_size)
train_cfg = dict(by_epoch=False, type='IterBasedTrainLoop', max_iters=24 * num_iters_per_epoch)
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, convert_to_iter_based=True, T_max=24)]
train_dataloader = dict(batch_size=batch_size, dataset=dict(type='CustomNuScenesDataset'))
""")
    assert h.epoch_length == 28130 // 16
    assert "num_iters_per_epoch" in h.epoch_length_source and "config.py:4" in h.epoch_length_source
    # the user's number still wins
    h = horizon(tmp_path, SGD + "num_iters_per_epoch = 1758\n" + TRAIN, epoch_length=77)
    assert h.epoch_length == 77


@pytest.mark.parametrize("name,batch,expected", [
    ("hv_pointpillars_secfpn_6x8_160e_kitti-3d-3class.py", 6, (8, 6)),  # mmdet3d 0.x: batch x GPUs
    ("centerpoint_02pillar_second_secfpn_4x8_cyclic_20e_nus.py", 4, (8, 4)),
    ("fcos3d_r101_caffe_fpn_gn-head_dcn_2x8_1x_nus-mono3d.py", 2, (8, 2)),
    ("yolox_s_8x8_300e_coco.py", 8, (8, 8)),  # mmdet 2.x: GPUs x batch
    ("ssd300_2x16_24e_coco.py", 16, (2, 16)),
    ("pointpillars_2x16.py", 2, (16, 2)),
    ("yolox_s_8x8_300e_coco.py", None, (8, 8)),
    ("faster-rcnn_r50_fpn_8xb2-1x_coco.py", 2, (8, 2)),
])
def test_nxm_file_names_read_with_the_configs_batch(name, batch, expected):
    assert gpus_and_batch(name, batch) == expected


def test_legacy_6x8_reads_8_gpus(tmp_path):
    h = horizon(tmp_path, """\
optimizer = dict(type='AdamW', lr=0.001, weight_decay=0.01)
lr_config = dict(policy='step', step=[140])
runner = dict(type='EpochBasedRunner', max_epochs=160)
data = dict(samples_per_gpu=6, train=dict(type='KittiDataset'))
""", name="hv_pointpillars_secfpn_6x8_160e_kitti-3d-3class.py")
    assert h.epoch_length == -(-3712 // 48)
    assert "8 GPUs from the file name" in h.epoch_length_source


def test_gpus_and_batch_size_options(tmp_path):
    text = SGD + TRAIN + "train_dataloader = dict(batch_size=2, dataset=dict(type='CocoDataset'))\n"
    h = horizon(tmp_path, text, name="x_8xb2.py", gpus=4, batch_size=4)
    assert h.epoch_length == -(-117266 // 16)
    assert "--gpus" in h.epoch_length_source and "--batch-size" in h.epoch_length_source
    (tmp_path / "config.py").write_text(text)
    result = CliRunner().invoke(app, ["check", os.fspath(tmp_path / "config.py"), "--gpus", "16", "--isolated",
                                      "--output-format", "json"])
    assert result.exit_code in (0, 1), result.output


def test_extend_exclude_and_exclude(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "tests" / "data").mkdir(parents=True)
    for p in ("configs/a.py", "tests/data/b.py"):
        (tmp_path / p).write_text(SGD + TRAIN)
    names = lambda files: sorted(os.path.relpath(f, tmp_path) for f in files)  # noqa: E731
    (tmp_path / "configs/._a.py").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")  # AppleDouble
    assert names(discover([os.fspath(tmp_path)])) == ["configs/a.py", "tests/data/b.py"]
    settings = Settings(extend_exclude=["tests/"])
    settings._source = os.fspath(tmp_path / "schedlint.toml")
    assert names(discover([os.fspath(tmp_path)], settings)) == ["configs/a.py"]
    settings = Settings(exclude=["b.py"])
    assert names(discover([os.fspath(tmp_path)], settings)) == ["configs/a.py"]
    # a file given by name is always checked
    assert names(discover([os.fspath(tmp_path / "tests/data/b.py")], settings)) == ["tests/data/b.py"]
    # the CLI option
    result = CliRunner().invoke(app, ["check", os.fspath(tmp_path), "--isolated", "--extend-exclude", "data",
                                      "--epoch-length", "10", "--output-format", "concise"])
    assert "1 config checked" in result.output, result.output


def test_scope_root_must_exist(tmp_path):
    (tmp_path / "config.py").write_text(SGD + TRAIN)
    result = CliRunner().invoke(app, ["check", os.fspath(tmp_path / "config.py"), "--isolated",
                                      "--scope-root", f"mmdet={tmp_path / 'nope'}"])
    assert result.exit_code == 2
    assert "no such folder" in result.output
    (tmp_path / "mmdet").mkdir()
    result = CliRunner().invoke(app, ["check", os.fspath(tmp_path / "config.py"), "--isolated",
                                      "--scope-root", f"mmdet={tmp_path / 'mmdet'}", "--epoch-length", "10"])
    assert result.exit_code in (0, 1)


def test_gpus_from_auto_scale_lr_base_batch_when_the_name_has_none(tmp_path):
    text = SGD + TRAIN + ("train_dataloader = dict(batch_size=8, dataset=dict(type='HRSCDataset'))\n"
                          "auto_scale_lr = dict(enable=False, base_batch_size=8)\n")
    h = horizon(tmp_path, text, name="rotated_rtmdet_l-3x-hrsc.py")
    assert h.epoch_length == -(-617 // 8)
    assert "auto_scale_lr.base_batch_size 8" in h.epoch_length_source
    # the file name still wins over it
    h = horizon(tmp_path, text, name="rotated_rtmdet_l_8xb8-3x-hrsc.py")
    assert h.epoch_length == -(-617 // 64)


def test_nuscenes_trainval_by_ann_file_and_coco_with_empty_images(tmp_path):
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=1, dataset=dict(type='CustomNuScenesDataset',
                                                   ann_file=['data/nuscenes_infos_train.pkl', 'data/nuscenes_infos_val.pkl']))
""", name="x_8xb1.py")
    assert h.epoch_length == -(-(28130 + 6019) // 8) and "train + val" in h.epoch_length_source
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=1, dataset=dict(type='CustomNuScenesDataset', ann_file='data/nuscenes_infos_train.pkl'))
""", name="x_8xb1.py")
    assert h.epoch_length == -(-28130 // 8)
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=16, dataset=dict(type='YOLOv5CocoDataset',
                                                    filter_cfg=dict(filter_empty_gt=False, min_size=32)))
""", name="yolov8_s_syncbn_fast_8xb16-500e_coco.py")
    assert h.epoch_length == -(-118287 // 128) and "filter_empty_gt=False" in h.epoch_length_source


def test_num_gpus_stated_in_the_config(tmp_path):
    h = horizon(tmp_path, SGD + TRAIN + """\
num_gpus = 4
train_dataloader = dict(batch_size=2, dataset=dict(type='CustomNuScenesDataset'))
""")
    assert h.epoch_length == -(-28130 // 8) and "num_gpus in the config" in h.epoch_length_source


def test_a_custom_dataset_in_coco_format_is_not_coco(tmp_path):
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=12, dataset=dict(type='YOLOv5CocoDataset', data_root='data/cat/',
                                                    ann_file='annotations/trainval.json'))
""", name="ppyoloe_plus_s_fast_1xb12-40e_cat.py")
    assert h.epoch_length == 1000 and "unknown" in h.epoch_length_source
    h = horizon(tmp_path, SGD + TRAIN + """\
train_dataloader = dict(batch_size=2, dataset=dict(type='CocoDataset', ann_file='annotations/instances_train2017.json'))
""", name="x_8xb2.py")
    assert h.epoch_length == -(-117266 // 16)


@pytest.mark.parametrize("dataset,expected", [
    (dict(type='PascalVOCDataset', ann_file='ImageSets/Segmentation/train.txt'), 1464),
    (dict(type='PascalVOCDataset', ann_file='ImageSets/Segmentation/aug.txt'), 10582),
    (dict(type='PascalVOCDataset', split=['ImageSets/Segmentation/train.txt', 'ImageSets/Segmentation/aug.txt']),
     1464 + 10582),  # mmseg 0.x pascal_voc12_aug: the two splits concatenated
    (dict(type='ConcatDataset', datasets=[dict(type='PascalVOCDataset', ann_file='ImageSets/Segmentation/train.txt'),
                                          dict(type='PascalVOCDataset', ann_file='ImageSets/Segmentation/aug.txt')]),
     1464 + 10582),  # mmseg 1.x pascal_voc12_aug
    # a project's own detection dataset of the same name, on a COCO json of VOC + SBD (BoxInstSeg): not estimated
    (dict(type='PascalVOCDataset', ann_file='/data/VOC/annotations/voc_2012_train.json'), None),
])
def test_pascal_voc_segmentation_by_its_split_file(dataset, expected):
    from schedlint.plan.epochs import dataset_size

    size, _ = dataset_size(dataset)
    assert size == expected


_VOC07 = 'VOC2007/ImageSets/Main/trainval.txt'
_VOC12 = 'VOC2012/ImageSets/Main/trainval.txt'


@pytest.mark.parametrize("dataset,expected", [
    (dict(type='VOCDataset', ann_file=['data/VOCdevkit/' + _VOC07, 'data/VOCdevkit/' + _VOC12]), 16551),  # mmdet 2.x
    # mmdet 3.x voc0712: one dataset per year, concatenated (each was taken for both years: 33102)
    (dict(type='ConcatDataset', datasets=[dict(type='VOCDataset', ann_file=_VOC07),
                                          dict(type='VOCDataset', ann_file=_VOC12)]), 16551),
    (dict(type='VOCDataset', ann_file=_VOC07), 5011),
    (dict(type='VOCDataset', ann_file='data/my_defects/ImageSets/Main/train.txt'), None),  # a project's own data
])
def test_pascal_voc_detection_by_its_image_sets(dataset, expected):
    from schedlint.plan.epochs import dataset_size

    size, _ = dataset_size(dataset)
    assert size == expected


@pytest.mark.parametrize("dataset,expected", [
    # point2rbox-v2's DIOR: train.txt and val.txt, one dataset each (each was taken for trainval: 23450)
    (dict(type='ConcatDataset', datasets=[dict(type='DIORDataset', ann_file='ImageSets/Main/train.txt'),
                                          dict(type='DIORDataset', ann_file='ImageSets/Main/val.txt')]), 11725),
    (dict(type='DIORDataset', ann_file='ImageSets/Main/trainval.txt'), 11725),
    (dict(type='DIORDataset'), 11725),  # no image-set file: the trainval split
    (dict(type='HRSCDataset', ann_file='ImageSets/train.txt'), 436),
    (dict(type='HRSCDataset', ann_file='ImageSets/trainval.txt'), 617),
    (dict(type='HRSCDataset', ann_file='ImageSets/my_ships.txt'), None),  # a project's own list
])
def test_rotated_detection_datasets_by_their_image_sets(dataset, expected):
    from schedlint.plan.epochs import dataset_size

    size, _ = dataset_size(dataset)
    assert size == expected


def test_s3dis_detection_by_its_area_files():
    """mmdet3d's s3dis-3d: one S3DISDataset per training area, concatenated (each was sized as all five)."""
    from schedlint.plan.epochs import dataset_size

    areas = dict(type='ConcatDataset', datasets=[dict(type='S3DISDataset', ann_file=f's3dis_infos_Area_{i}.pkl')
                                                 for i in (1, 2, 3, 4, 6)])
    assert dataset_size(areas)[0] == 204  # the rooms of areas 1-4 and 6
    assert dataset_size(dict(type='RepeatDataset', times=13, dataset=areas))[0] == 204 * 13
    assert dataset_size(dict(type='S3DISDataset', ann_file='my_scans.pkl'))[0] is None


def test_coco_semi_supervised_splits_are_a_share_of_train2017():
    from schedlint.plan.epochs import dataset_size

    labeled, how = dataset_size(dict(type='CocoDataset', ann_file='semi_anns/instances_train2017.1@10.json'))
    unlabeled, _ = dataset_size(dict(type='CocoDataset', ann_file='semi_anns/instances_train2017.1@10-unlabeled.json'))
    full, _ = dataset_size(dict(type='CocoDataset', ann_file='annotations/instances_train2017.json'))
    assert labeled == round(full * 0.1) and unlabeled == round(full * 0.9) and "10% of COCO" in how


def test_an_epoch_length_from_a_run_log_is_quoted_as_such(tmp_path):
    """diagnose simulates the run's config at the log's epoch length: the findings say where it came from (they
    said 'given (--epoch-length / schedlint config)' though nothing was given)."""
    from schedlint.plan.epochs import GivenLength

    (tmp_path / "config.py").write_text(
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
        "param_scheduler = [dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=5000)]\n"
        "train_cfg = dict(by_epoch=True, max_epochs=12)\n")
    settings = Settings().updated(epoch_length=GivenLength(268, "from the run log (its [i/268] headers)"))
    found = check_paths([str(tmp_path / "config.py")], settings).findings
    assert any("[epoch length 268: from the run log (its [i/268] headers)]" in f.message for f in found), \
        [f.message for f in found]


def test_auto_scale_lr_without_a_known_batch_keeps_the_lr_as_written(tmp_path):
    """A schedule fragment (no train_dataloader) with auto_scale_lr: the scale was guessed as 8 GPUs x batch 1
    over base_batch_size 1024, and a cosine to eta_min=1e-5 from lr 1e-3 became an SL307 'the LR rises'."""
    (tmp_path / "schedule_300e_bs1024.py").write_text(
        "optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05))\n"
        "param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=0, end=300)]\n"
        "train_cfg = dict(by_epoch=True, max_epochs=300)\n"
        "auto_scale_lr = dict(base_batch_size=1024, enable=True)\n")
    found = check_paths([str(tmp_path / "schedule_300e_bs1024.py")], Settings()).findings
    assert not [f for f in found if f.code in ("SL307", "SL105")], [f.message for f in found]


def _plan(tmp_path, text, name="config.py", **settings):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    linter = Linter(Settings(dependents=False, **settings))
    resolved, problems = linter.resolve(os.fspath(path))
    assert not problems
    return linter.plan_for(resolved, os.fspath(path))


_ROTATED_HRSC = """\
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.004, weight_decay=0.05))
param_scheduler = [dict(type='CosineAnnealingLR', eta_min=0.0002, begin=0, end=36, T_max=36, by_epoch=True)]
train_cfg = dict(by_epoch=True, max_epochs=36)
train_dataloader = dict(batch_size=8, dataset=dict(type='HRSCDataset'))
auto_scale_lr = dict(enable=True, base_batch_size=8)
"""


def test_auto_scale_lr_and_epoch_length_assume_one_gpu_count(tmp_path):
    """The epoch length read 1 GPU from base_batch_size 8 / batch 8, while auto_scale_lr's factor assumed 8
    GPUs: `show` said '1 GPUs' beside 'lr x8 by auto_scale_lr' (SqueezeTime's K400 configs). One count
    serves both, with its source in each note."""
    plan = _plan(tmp_path, _ROTATED_HRSC)
    assert "1 GPUs from auto_scale_lr.base_batch_size 8 / batch 8" in plan.horizon.epoch_length_source
    assert plan.optimizer.lr_scale == 1 and plan.optimizer.lr == pytest.approx(0.004)
    assert plan.optimizer.lr_scale_source.startswith("1 GPUs from auto_scale_lr.base_batch_size 8 / batch 8")
    named = _plan(tmp_path, _ROTATED_HRSC, name="rtmdet_4xb8.py")
    assert named.optimizer.lr_scale == 4 and "4 GPUs from the file name" in named.optimizer.lr_scale_source
    assert "4 GPUs from the file name" in named.horizon.epoch_length_source
    given = _plan(tmp_path, _ROTATED_HRSC, gpus=2)
    assert given.optimizer.lr_scale == 2 and "2 GPUs (--gpus)" in given.optimizer.lr_scale_source


def test_auto_scale_lr_on_an_assumed_gpu_count_says_so(tmp_path):
    plan = _plan(tmp_path, _ROTATED_HRSC.replace("base_batch_size=8", "base_batch_size=12"))
    assert plan.optimizer.lr_scale == pytest.approx(8 * 8 / 12)
    assert "GPUs assumed" in plan.optimizer.lr_scale_source
    assert any("auto_scale_lr enabled" in n and "GPUs assumed" in n for n in plan.notes)


def test_absolute_floor_under_auto_scale_lr_is_reported_at_factor_one(tmp_path):
    """auto_scale_lr scales the LR with the run's batch; an absolute eta_min does not follow it, even where the
    assumed GPU count makes this config's factor 1."""
    path = tmp_path / "config.py"
    path.write_text(_ROTATED_HRSC)
    found = [f for f in check_paths([os.fspath(path)], Settings(dependents=False)).findings if f.code == "SL105"]
    assert len(found) == 1 and "with the total batch (x1 here: 1 GPUs from" in found[0].message, found


@pytest.mark.parametrize("dataloader,settings,expected", [
    ("", {}, "epoch 3 but"),  # a bare default of 1000 per epoch: no iteration number
    ("train_dataloader = dict(batch_size=2, dataset=dict(type='CocoDataset'))\n", {}, "epoch 3 (iteration ~"),
    ("", {"epoch_length": 500}, "epoch 3 (iteration 1500)"),
])
def test_positions_quote_iterations_only_as_exact_as_the_epoch_length(tmp_path, dataloader, settings, expected):
    """SL004 said 'epoch 11 (iteration 11000)' on the default epoch length of 1000, as if measured."""
    path = tmp_path / "config.py"
    path.write_text(SGD + "train_cfg = dict(by_epoch=True, max_epochs=24)\n"
                    "param_scheduler = [dict(type='MultiStepLR', milestones=[2, 3], gamma=0.1)]\n" + dataloader)
    found = [f for f in check_paths([os.fspath(path)], Settings(dependents=False, **settings)).findings
             if f.code == "SL004"]
    assert len(found) == 1 and expected in found[0].message, found
