"""SL311 (what mmengine's Runner cannot build), SL407 (mmcv-1.x keys mmengine ignores) and the file-name
lengths SL012 reads, each with the sound counterpart that must stay quiet."""

from __future__ import annotations

import os
import textwrap

import pytest

from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings
from schedlint.rules.length.file_name_length_mismatch import lengths_in_name

SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
STEP = "param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11])]\n"
BASE_1X = SGD + STEP + "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)\n"
LAZY_HEAD = "from mmengine.config import read_base\nwith read_base():\n    from .base import *\n"


def lint(tmp_path, files, checked="config.py"):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    result = check_paths([os.fspath(tmp_path / checked)], Settings(dependents=False, epoch_length=10))
    assert not result.internal_errors
    return result.findings


def of(findings, code):
    return [f for f in findings if f.code == code]


# -- SL012: a width multiplier before the GPUs x batch part is not a schedule -----------------------

@pytest.mark.parametrize("name,expected", [
    ("shufflenet-v1-1x_16xb64_in1k.py", []),
    ("shufflenet_v2_1x_b64x16_linearlr_bn_nowd_imagenet.py", []),
    ("fcos3d_r101_caffe_fpn_gn-head_dcn_2x8_1x_nus-mono3d.py", [12]),
    ("rtmdet_l_8xb32-300e_coco.py", [300]),
    ("htc_x101-64x4d-dconv-c3-c5_fpn_ms-400-1400-16xb1-20e_coco.py", [20]),
    ("petr_r50_704x256-48ep.py", [48]),
])
def test_lengths_after_the_batch_part_only(name, expected):
    assert lengths_in_name(name) == expected


@pytest.mark.parametrize("name,expected", [
    ("flashocc-stbase-4d-stereo-512x1408_4x4_1e-2.py", []),  # weight decay 1e-2, not one epoch
    ("yolo_world_v2_l_vlpan_bn_2e-3_100e_4x8gpus_obj365v1_goldg_train_lvis_minival.py", [100]),
    ("stable-diffusion_ddim_denoisingunet-tomesd_5e-1.py", []),
    ("htc_r50_fpn_coco-20e-1x_nuim.py", [12]),  # 20e is COCO pre-training's; 1x on nuImages
    ("model_lr-1e-2-12e_coco.py", [12]),
    ("model_1e_coco.py", [1]),
])
def test_scientific_notation_in_the_name_is_not_a_length(name, expected):
    assert lengths_in_name(name) == expected


def test_width_multiplier_in_the_name_is_not_a_length(tmp_path):
    body = SGD + "param_scheduler = [dict(type='CosineAnnealingLR', T_max=300, by_epoch=True)]\n" \
                 "train_cfg = dict(by_epoch=True, max_epochs=300)\n"
    assert not of(lint(tmp_path, {"shufflenet-v1-1x_16xb64_in1k.py": body}, "shufflenet-v1-1x_16xb64_in1k.py"),
                  "SL012")
    assert of(lint(tmp_path, {"shufflenet-v1_16xb64-1x_in1k.py": body}, "shufflenet-v1_16xb64-1x_in1k.py"),
              "SL012")


@pytest.mark.parametrize("name,severity", [
    ("selsa_faster_rcnn_r50_dc5_1x_imagenetvid.py", "info"),  # an Nx: mmtracking counts 7 epochs per x
    ("selsa_faster_rcnn_r50_dc5-12e_imagenetvid.py", "warning"),  # written out
])
def test_nx_mismatch_is_information_and_a_written_length_a_warning(tmp_path, name, severity):
    body = SGD + "param_scheduler = [dict(type='MultiStepLR', milestones=[2, 5], by_epoch=True)]\n" \
                 "train_cfg = dict(by_epoch=True, max_epochs=7)\n"
    found = of(lint(tmp_path, {name: body}, name), "SL012")
    assert [f.severity.value for f in found] == [severity]


# -- SL311 runner-build-fails -------------------------------------------------------------------

def test_type_added_over_an_inherited_by_epoch_is_reported_where_the_type_was_added(tmp_path):
    base = SGD + STEP + "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
    found = of(lint(tmp_path, {"base.py": base, "config.py": """\
        _base_ = './base.py'
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)
        """}), "SL311")
    assert len(found) == 1 and found[0].severity.value == "error"
    assert found[0].location.file.endswith("config.py") and found[0].location.line == 2
    assert "drop type here" in found[0].message
    assert [r.location.file.endswith("base.py") for r in found[0].related] == [True]


LEGACY_1X = """\
optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
lr_config = dict(policy='step', step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
"""


@pytest.mark.parametrize("child,line", [
    ("lr_config = dict(by_epoch=False, step=[60000, 80000])\nrunner = dict(type='IterBasedRunner', max_iters=90000)\n", 3),
    ("runner = dict(max_iters=9000)\n", 2),
])
def test_mmcv_runner_with_both_lengths_is_a_build_failure_in_the_child(tmp_path, child, line):
    """UIS-Mamba's mask2former switches to IterBasedRunner over a base's EpochBasedRunner(max_epochs=36): the dicts
    merge, and mmcv's BaseRunner raises ValueError('Only one of `max_epochs` or `max_iters` can be set.')."""
    found = of(lint(tmp_path, {"base.py": LEGACY_1X, "config.py": "_base_ = './base.py'\n" + child}), "SL311")
    assert [(os.path.basename(f.location.file), f.location.line) for f in found] == [("config.py", line)]
    assert "Only one of `max_epochs` or `max_iters`" in found[0].message and "_delete_=True" in found[0].message
    assert [os.path.basename(r.location.file) for r in found[0].related] == ["base.py"]


@pytest.mark.parametrize("child", [
    "runner = dict(_delete_=True, type='IterBasedRunner', max_iters=90000)\n",
    "runner = dict(type='IterBasedRunner', max_epochs=None, max_iters=90000)\n",
])
def test_mmcv_runner_with_one_length_builds(tmp_path, child):
    assert not of(lint(tmp_path, {"base.py": LEGACY_1X, "config.py": "_base_ = './base.py'\n" + child}), "SL311")


def test_missing_optimizer_reports_only_the_build_failure(tmp_path):
    """Without an optimizer the LR is unknown: an upward 'decay' from the assumed lr 0 (SL307) and the
    like must not be reported, only the KeyError the Runner raises."""
    base = SGD + "param_scheduler = [dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True)]\n" \
                 "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
    base = base.replace("type='SGD'", "type=SGD").replace(
        "param_scheduler = [dict(type='CosineAnnealingLR'", "param_scheduler = [dict(type=CosineAnnealingLR")
    base = "from torch.optim import SGD\nfrom mmengine.optim import CosineAnnealingLR\n" + base
    findings = lint(tmp_path, {"base.py": base, "config.py": LAZY_HEAD + "optim_wrapper = dict(clip_grad=None)\n"})
    assert [f.code for f in findings] == ["SL311"]
    assert "optim_wrapper.update" in findings[0].message


def test_optimizer_that_is_not_a_dict(tmp_path):
    config = "optim_wrapper = dict(optimizer=None)\n" + STEP + "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
    findings = lint(tmp_path, {"config.py": config})
    assert [f.code for f in findings] == ["SL311"] and "None" in findings[0].message


def test_custom_constructor_without_optimizer_is_not_judged(tmp_path):
    config = "optim_wrapper = dict(constructor='MultiOptimWrapperConstructor')\n" + STEP + \
             "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
    assert lint(tmp_path, {"config.py": config}) == []


@pytest.mark.parametrize("train_cfg,loop", [
    ("dict(by_epoch=False, max_iters=1000, val_interval=100)", "iter"),
    ("dict(by_epoch=True, max_epochs=12)", "epoch"),
    ("dict(type='IterBasedTrainLoop', max_iters=1000)", "iter"),
])
def test_loop_kind_without_by_epoch_follows_mmengine(tmp_path, train_cfg, loop):
    from schedlint.lint.engine import Linter

    path = tmp_path / "config.py"
    path.write_text(SGD + "param_scheduler = [dict(type='PolyLR', eta_min=0, by_epoch=False)]\n"
                    f"train_cfg = {train_cfg}\n")
    linter = Linter(Settings(epoch_length=10))
    resolved, problems = linter.resolve(os.fspath(path))
    assert not problems
    assert linter.plan_for(resolved, os.fspath(path)).horizon.loop == loop
    assert not of(lint(tmp_path, {"config.py": path.read_text()}), "SL311")


@pytest.mark.parametrize("train_cfg,loop", [("dict(max_epochs=12)", "epoch"), ("dict(max_iters=1000, val_interval=100)", "iter")])
def test_a_length_without_loop_kind_is_a_build_failure(tmp_path, train_cfg, loop):
    """mmengine's Runner pops `by_epoch` without a default (checked: Runner.build_train_loop of mmengine 0.10.7 raises
    KeyError: 'by_epoch' for dict(max_iters=10)); `max_iters` alone passed as an iteration loop. Simulated as the
    loop its length key means."""
    from schedlint.lint.engine import Linter

    text = SGD + STEP + f"train_cfg = {train_cfg}\n"
    found = of(lint(tmp_path, {"config.py": text}), "SL311")
    assert len(found) == 1 and "KeyError: 'by_epoch'" in found[0].message, [f.message for f in found]
    linter = Linter(Settings(epoch_length=10))
    resolved, _ = linter.resolve(os.fspath(tmp_path / "config.py"))
    assert linter.plan_for(resolved, os.fspath(tmp_path / "config.py")).horizon.loop == loop


# -- SL407 ignored-mmcv-key -----------------------------------------------------------------------

def test_ported_length_that_differs_is_an_error_with_the_trained_length(tmp_path):
    found = of(lint(tmp_path, {"base.py": BASE_1X, "config.py": """\
        _base_ = './base.py'
        runner = dict(type='EpochBasedRunner', max_epochs=20)
        """}), "SL407")
    assert len(found) == 1 and found[0].severity.value == "error"
    assert "training runs 12 epochs" in found[0].message and "not 20 epochs" in found[0].message
    assert [r.location.file.endswith("base.py") for r in found[0].related] == [True]


def test_iteration_runner_of_another_length(tmp_path):
    config = SGD + "param_scheduler = [dict(type='PolyLR', eta_min=1e-4, by_epoch=False)]\n" \
                   "train_cfg = dict(type='IterBasedTrainLoop', max_iters=160000)\n" \
                   "runner = dict(type='IterBasedRunner', max_iters=320000)\n"
    found = of(lint(tmp_path, {"config.py": config}), "SL407")
    assert len(found) == 1 and "not 320000 iterations" in found[0].message


@pytest.mark.parametrize("extra", [
    "runner = dict(type='EpochBasedRunner', max_epochs=12)\n",
    "total_epochs = 12\n",
    "lr_config = None\nmomentum_config = None\n",
    "optimizer_config = dict(grad_clip=None)\n",
])
def test_old_keys_that_change_nothing_stay_quiet(tmp_path, extra):
    assert not of(lint(tmp_path, {"config.py": BASE_1X + extra}), "SL407")


def test_grad_clip_is_quiet_when_the_optim_wrapper_clips(tmp_path):
    config = BASE_1X + "optim_wrapper = dict(clip_grad=dict(max_norm=35))\n" \
                       "optimizer_config = dict(grad_clip=dict(max_norm=35))\n"
    assert not of(lint(tmp_path, {"config.py": config}), "SL407")
    lost = of(lint(tmp_path, {"config.py": BASE_1X + "optimizer_config = dict(grad_clip=dict(max_norm=35))\n"}),
              "SL407")
    assert len(lost) == 1 and lost[0].severity.value == "warning"


def test_mmcv_configs_are_not_judged_by_the_mmengine_rule(tmp_path):
    legacy = "optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\nlr_config = dict(policy='step', step=[8, 11])\n" \
             "runner = dict(type='EpochBasedRunner', max_epochs=12)\noptimizer_config = dict(grad_clip=dict(max_norm=3))\n"
    assert not of(lint(tmp_path, {"config.py": legacy}), "SL407")


# -- SL312 trailing-comma-tuple -------------------------------------------------------------------

def test_stray_comma_on_a_dataloader_is_an_error_and_the_name_check_sees_through_it(tmp_path):
    """The RepeatDataset inside the stray tuple still explains a `240e` name over 24 epochs (no SL012)."""
    body = SGD + "param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True)]\n" \
                 "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=24)\n" \
                 "train_dataloader = dict(batch_size=2, dataset=dict(type='RepeatDataset', times=10, " \
                 "dataset=dict(type='X'))),\n"
    name = "slowonly_r50_8xb16-u48-240e_gym-limb.py"
    findings = lint(tmp_path, {name: body}, name)
    assert [f.code for f in findings] == ["SL312"]
    assert findings[0].location.line == 4


def test_helper_variables_holding_a_tuple_of_dicts_stay_quiet(tmp_path):
    config = BASE_1X + "_ffn_cfg_ = dict(type='FFN', embed_dims=256),\nlog_processor = dict(by_epoch=True)\n"
    assert not of(lint(tmp_path, {"config.py": config}), "SL312")


@pytest.mark.parametrize("key", ["train_cfg", "optim_wrapper"])
def test_stray_comma_on_a_key_the_plan_needs_is_still_reported(tmp_path, key):
    """Without a dict train_cfg / optim_wrapper there is no training plan: the stray tuple is reported anyway."""
    config = BASE_1X + {"train_cfg": "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12),\n",
                        "optim_wrapper": "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02)),\n"}[key]
    findings = lint(tmp_path, {"config.py": config})
    assert [(f.code, f.location.line) for f in findings if f.code != "SL909"] == [("SL312", 4)]


def test_huge_or_odd_old_lengths_are_handled(tmp_path):
    findings = lint(tmp_path, {"config.py": BASE_1X + "runner = dict(max_iters=10**400)\ntotal_epochs = float('inf')\n"})
    assert not of(findings, "SL999")
    assert [f.message.count("401 digits") > 0 for f in of(findings, "SL407")] == [True]


OPTIMIZER_HELPER_BASE = (
    "optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)\n"
    "optim_wrapper = dict(optimizer=optimizer)\n"
    "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11], by_epoch=True)]\n"
    "train_cfg = dict(by_epoch=True, max_epochs=12)\n")


def test_an_optimizer_a_child_writes_over_a_bases_wrapper_is_ignored_sl407(tmp_path):
    """cls_KD: the child's `optimizer = dict(weight_decay=5e-4)` merges into the base's helper after the base's
    optim_wrapper took it; mmengine trains with 1e-4 (Config.fromfile agrees)."""
    found = of(lint(tmp_path, {"base.py": OPTIMIZER_HELPER_BASE,
                               "config.py": "_base_ = './base.py'\noptimizer = dict(lr=0.02, weight_decay=5e-4)\n"}),
               "SL407")
    assert [(os.path.basename(f.location.file), f.location.line, f.severity.value) for f in found] == [
        ("config.py", 2, "warning")]
    assert "builds optim_wrapper.optimizer (lr=0.01, weight_decay=0.0001), not optimizer's lr=0.02" in found[0].message


def test_a_base_optimizer_helper_left_behind_by_a_replaced_wrapper_is_not_sl407(tmp_path):
    """mmseg 1.x: the schedule base has `optimizer = dict(type='SGD', ...)` and `optim_wrapper =
    dict(optimizer=optimizer)`; a child replaces the wrapper (AdamW). The helper is stale, and nothing is lost."""
    child = ("_base_ = './base.py'\noptim_wrapper = dict(_delete_=True, type='OptimWrapper', "
             "optimizer=dict(type='AdamW', lr=6e-5, weight_decay=0.01))\n")
    assert not of(lint(tmp_path, {"base.py": OPTIMIZER_HELPER_BASE, "config.py": child}), "SL407")
    assert not of(lint(tmp_path, {"base.py": OPTIMIZER_HELPER_BASE, "config.py": "_base_ = './base.py'\n"}), "SL407")
