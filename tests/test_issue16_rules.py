"""Rules and plan points of issue 16, each with a sound counter-example that stays quiet."""

from __future__ import annotations

import os
import textwrap

import pytest

from schedlint.lint.engine import Linter, check_paths
from schedlint.lint.settings import Settings
from schedlint.rules.length.file_name_length_mismatch import lengths_in_name

SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"


def lint(tmp_path, files, checked="config.py", epoch_length=10, **settings):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    result = check_paths([os.fspath(tmp_path / checked)],
                         Settings(dependents=False, epoch_length=epoch_length, **settings))
    return result.findings


def codes(findings):
    return {f.code for f in findings}


# -- SL012 file-name-length-mismatch ------------------------------------------------------------

@pytest.mark.parametrize("name,expected", [
    ("petr_vovnet_gridmask_p4_800x320-48ep.py", [48]),
    ("faster-rcnn_r50_fpn_1x_coco.py", [12]),
    ("hv_pointpillars_secfpn_6x8_160e_kitti-3d-3class.py", [160]),
    ("centerpoint_0075voxel_second_secfpn_4x8_cyclic_20e_nus.py", [20]),
    ("yolox_s_8x8_300e_coco.py", [300]),
    ("mask-rcnn_r50_fpn_ms-poly-3x_coco.py", [36]),
    ("bevformer_base.py", []),
    ("pointpillars_2x8_nus.py", []),
])
def test_lengths_read_from_file_names(name, expected):
    assert lengths_in_name(name) == expected


BODY = SGD + "param_scheduler = [dict(type='CosineAnnealingLR', T_max={n}, by_epoch=True)]\n" \
             "train_cfg = dict(by_epoch=True, max_epochs={n})\n"


def test_file_name_mismatch_flagged_and_quiet_on_sound_patterns(tmp_path):
    found = lint(tmp_path, {"petr_r50-48ep.py": BODY.format(n=24)}, "petr_r50-48ep.py")
    assert "SL012" in codes(found)
    assert "SL012" not in codes(lint(tmp_path, {"petr_r50-24ep.py": BODY.format(n=24)}, "petr_r50-24ep.py"))
    # an iteration-based loop
    iters = SGD + "param_scheduler = [dict(type='CosineAnnealingLR', T_max=2000, by_epoch=False)]\n" \
                  "train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000)\n"
    assert "SL012" not in codes(lint(tmp_path, {"streampetr_r50-24e.py": iters}, "streampetr_r50-24e.py"))
    # a two-stage recipe names the whole recipe
    assert "SL012" not in codes(lint(tmp_path, {"bevfusion_stage2-24e.py": BODY.format(n=6)}, "bevfusion_stage2-24e.py"))
    # RepeatDataset (mmdet3d votenet: 36 epochs x5 named 180e? no: the name states the wrapper's total)
    repeat = BODY.format(n=12) + "train_dataloader = dict(batch_size=2, dataset=dict(type='RepeatDataset', times=3, " \
                                 "dataset=dict(type='CocoDataset')))\n"
    assert "SL012" not in codes(lint(tmp_path, {"retinanet_3x_coco.py": repeat}, "retinanet_3x_coco.py"))
    # a base meant to be completed by its children (no max_epochs)
    base = SGD + "param_scheduler = [dict(type='CosineAnnealingLR', T_max=24, by_epoch=True)]\ntrain_cfg = dict(by_epoch=True)\n"
    assert "SL012" not in codes(lint(tmp_path, {"schedule-48e.py": base}, "schedule-48e.py"))


def test_file_name_mismatch_points_at_the_length_in_the_base(tmp_path):
    found = lint(tmp_path, {"base.py": BODY.format(n=24), "petr-48ep.py": "_base_ = './base.py'\n"}, "petr-48ep.py")
    f = next(f for f in found if f.code == "SL012")
    assert f.location.file.endswith("petr-48ep.py") and f.location.line == 1
    assert f.related and f.related[0].location.file.endswith("base.py")


# -- SL013 milestones-offset-by-begin ------------------------------------------------------------

def test_milestones_offset_by_begin(tmp_path):
    text = SGD + """\
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=True, begin=0, end=2),
    dict(type='MultiStepLR', by_epoch=True, begin=2, milestones={ms}),
]
train_cfg = dict(by_epoch=True, max_epochs=24)
"""
    found = lint(tmp_path, {"config.py": text.format(ms=[16, 22])})
    f = next(f for f in found if f.code == "SL013")
    assert f.severity.value == "error" and "milestones=[14, 20]" in f.message and "milestone 22 falls at epoch 24" in f.message
    assert "SL013" not in codes(lint(tmp_path, {"config.py": text.format(ms=[14, 20])}))


def test_offset_within_an_explicit_end_is_sl001_not_sl013(tmp_path):
    text = SGD + """\
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, begin=2, end=12, milestones=[8, 11])]
train_cfg = dict(by_epoch=True, max_epochs=24)
"""
    found = codes(lint(tmp_path, {"config.py": text}))
    assert "SL001" in found and "SL013" not in found


# -- SL909 duplicate-top-level-key --------------------------------------------------------------

def test_duplicate_key_in_a_base_is_reported_at_the_lost_line(tmp_path):
    base = SGD + """\
train_cfg = dict(by_epoch=True, max_epochs=300)
param_scheduler = None
default_hooks = dict(param_scheduler=dict(type='YOLOv5ParamSchedulerHook', max_epochs=300))
custom_hooks = [dict(type='EMAHook')]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10))
"""
    found = lint(tmp_path, {"base.py": base, "config.py": "_base_ = './base.py'\n"})
    f = next(f for f in found if f.code == "SL909")
    assert f.location.file.endswith("base.py") and f.location.line == 4 and "param_scheduler" in f.message
    assert f.severity.value == "warning"


def test_reassignment_that_reads_the_earlier_value_is_quiet(tmp_path):
    text = SGD + """\
train_cfg = dict(by_epoch=True, max_epochs=12)
param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]
model = dict(type='A', depth=50)
model = dict(model, depth=101)
lr = 0.01
scaled = lr * 2
lr = 0.02
"""
    assert "SL909" not in codes(lint(tmp_path, {"config.py": text}))


def test_same_value_twice_is_quiet_and_full_reset_is_info(tmp_path):
    text = SGD + """\
train_cfg = dict(by_epoch=True, max_epochs=12)
param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]
dataset_type = 'CocoDataset'
dataset_type = 'CocoDataset'
text_model_name = '../pretrained_models/clip-vit-base-patch32'
text_model_name = 'openai/clip-vit-base-patch32'
default_hooks = dict(checkpoint=dict(interval=1))
default_hooks = dict(checkpoint=dict(interval=2))
"""
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL909"]
    assert [(f.location.line, f.severity.value) for f in found] == [(8, "info")]


# -- SL105 arithmetic -------------------------------------------------------------------------

def test_sl105_measures_the_decay_from_the_peak_not_the_warmup(tmp_path):
    text = """\
lr = 2e-4
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=lr, weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'img_backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='CosineAnnealingLR', T_max=24, eta_min=lr * 1e-3, begin=0, end=24, by_epoch=True),
]
train_cfg = dict(by_epoch=True, max_epochs=24)
"""
    f = next(f for f in lint(tmp_path, {"config.py": text}, epoch_length=100) if f.code == "SL105")
    # from the peak: the backbone starts at 2e-05 (0.1 x 2e-4), not at the warm-up's first 6.67e-06
    assert "(1.87e-05 ->" in f.message or "(2e-05 ->" in f.message
    assert "6.67e-06" not in f.message


def test_sl105_quiet_with_ratio(tmp_path):
    text = """\
lr = 2e-4
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=lr, weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'img_backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=500),
    dict(type='CosineAnnealingLR', T_max=24, eta_min_ratio=1e-3, begin=0, end=24, by_epoch=True),
]
train_cfg = dict(by_epoch=True, max_epochs=24)
"""
    assert "SL105" not in codes(lint(tmp_path, {"config.py": text}, epoch_length=100))


ONECYCLE = """\
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={paramwise}))
param_scheduler = [
    dict(type='OneCycleLR', eta_max=0.01, total_steps=200, by_epoch=False, begin=0, end=200),
]
train_cfg = dict(by_epoch=False, max_iters=200)
"""


def test_sl105_onecycle_scalar_peak_loses_lr_mult(tmp_path):
    """mmengine's OneCycle sets every group's curve from eta_max (the optimizer's lr unused): a backbone at
    lr_mult=0.1 peaks at the head's 0.01, 10x what the config means."""
    text = ONECYCLE.format(paramwise="{'backbone': dict(lr_mult=0.1)}")
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL105"]
    assert [(f.location.line, f.severity.value) for f in found] == [(5, "warning")], [f.message for f in found]
    assert "the 'backbone' group (lr_mult=0.1) peaks at 0.01, not at 0.001 (0.1x the LR)" in found[0].message
    assert "LinearLR" in found[0].message  # the fix: schedulers that scale each group's own LR


def test_sl105_onecycle_frozen_group_trains(tmp_path):
    text = ONECYCLE.format(paramwise="{'backbone': dict(lr_mult=0.0)}")
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL105"]
    assert len(found) == 1 and found[0].severity.value == "warning"
    assert "should stay frozen but its LR reaches 0.01" in found[0].message


@pytest.mark.parametrize("eta_min,severity", [(1e-7, "info"), (1e-4, "warning")])
def test_sl105_frozen_group_at_a_negligible_floor_is_information(tmp_path, eta_min, severity):
    """A frozen group (lr_mult=0) annealed towards eta_min=1e-7 under an LR of 0.01 reaches a hundred-thousandth
    of the LR: not frozen, but next to nothing (TCM's text encoder, 184 configs); 1e-4 stays a warning."""
    text = f"""\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9),
                     paramwise_cfg=dict(custom_keys={{'text_encoder': dict(lr_mult=0.0)}}))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min={eta_min!r}, by_epoch=True, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
"""
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL105"]
    assert [f.severity.value for f in found] == [severity], found
    assert "should stay frozen but its LR reaches" in found[0].message
    assert ("next to nothing" in found[0].message) == (severity == "info")


def test_sl105_onecycle_group_meant_faster_is_information(tmp_path):
    text = ONECYCLE.format(paramwise="{'head': dict(lr_mult=10.0)}")
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL105"]
    assert [f.severity.value for f in found] == ["info"]
    assert "peaks at 0.01, not at 0.1 (10x the LR)" in found[0].message


def test_sl105_onecycle_quiet_without_multipliers_or_when_close(tmp_path):
    assert "SL105" not in codes(lint(tmp_path, {"config.py": ONECYCLE.format(paramwise="{}")}))
    text = ONECYCLE.format(paramwise="{'neck': dict(lr_mult=1.5)}")  # within 2x: not judged
    assert "SL105" not in codes(lint(tmp_path, {"config.py": text}))


def test_sl105_mmcv_onecycle_scalar_max_lr_loses_lr_mult(tmp_path):
    text = """\
optimizer = dict(type='AdamW', lr=1e-3, weight_decay=0.01,
                 paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
lr_config = dict(policy='OneCycle', max_lr=0.01, by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=200)
"""
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL105"]
    assert [(f.location.line, f.severity.value) for f in found] == [(3, "warning")], [f.message for f in found]
    assert "lr_config policy='OneCycle'" in found[0].message and "peaks at 0.01, not at 0.001" in found[0].message


def test_sl105_onecycle_ignores_auto_scale_lr(tmp_path):
    text = ONECYCLE.format(paramwise="{}") + (
        "train_dataloader = dict(batch_size=4, dataset=dict(type='D'))\n"
        "auto_scale_lr = dict(enable=True, base_batch_size=16)\n")
    found = [f for f in lint(tmp_path, {"config.py": text}, gpus=1) if f.code == "SL105"]
    assert [(f.location.line, f.severity.value) for f in found] == [(5, "info")], [f.message for f in found]
    assert "auto_scale_lr scales the lr by 0.25" in found[0].message
    assert "never from the optimizer's lr" in found[0].message


# -- optimizer defaults -----------------------------------------------------------------------

def test_omitted_lr_is_the_optimizers_default(tmp_path):
    (tmp_path / "config.py").write_text("""\
optim_wrapper = dict(optimizer=dict(type='Adam'))
param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]
train_cfg = dict(by_epoch=True, max_epochs=12)
""")
    linter = Linter(Settings(dependents=False, epoch_length=10))
    resolved, _ = linter.resolve(os.fspath(tmp_path / "config.py"))
    plan = linter.plan_for(resolved, os.fspath(tmp_path / "config.py"))
    assert plan.optimizer.lr == pytest.approx(1e-3)
    assert plan.optimizer.betas == (0.9, 0.999)
    assert any("own default" in n for n in plan.notes)
    (tmp_path / "config.py").write_text("""\
optim_wrapper = dict(optimizer=dict(type='Adam', lr=0.0004))
train_cfg = dict(by_epoch=True, max_epochs=12)
""")
    linter = Linter(Settings(dependents=False, epoch_length=10))  # a fresh loader (files are cached per run)
    resolved, _ = linter.resolve(os.fspath(tmp_path / "config.py"))
    assert linter.plan_for(resolved, os.fspath(tmp_path / "config.py")).optimizer.lr == pytest.approx(4e-4)


# -- one code per defect across generations ----------------------------------------------------

LEGACY = """\
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001)
lr_config = dict(policy='step', warmup='linear', warmup_iters={warmup}, warmup_ratio=0.001, step={step})
runner = dict(type='EpochBasedRunner', max_epochs=12)
"""


def test_mmcv_step_after_end_is_sl001_and_ignorable_like_mmengine(tmp_path):
    found = lint(tmp_path, {"config.py": LEGACY.format(warmup=500, step=[16, 22])}, epoch_length=100)
    assert "SL001" in codes(found)
    found = lint(tmp_path, {"config.py": LEGACY.format(warmup=500, step=[16, 22])}, epoch_length=100,
                 ignore=["SL001"])
    assert "SL001" not in codes(found)
    assert "SL001" not in codes(lint(tmp_path, {"config.py": LEGACY.format(warmup=500, step=[8, 11])}, epoch_length=100))


def test_mmcv_warmup_longer_than_run_is_sl009(tmp_path):
    found = lint(tmp_path, {"config.py": LEGACY.format(warmup=5000, step=[8, 11])}, epoch_length=100)
    assert [f.severity.value for f in found if f.code == "SL009"] == ["error"]
    assert "SL009" not in codes(lint(tmp_path, {"config.py": LEGACY.format(warmup=500, step=[8, 11])}, epoch_length=100))


@pytest.mark.parametrize("text", [
    SGD + "param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[8, 11])]\n"
          "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)\n",
    LEGACY.format(warmup=500, step=[8, 11]).replace("policy='step',", "policy='step', by_epoch=False,"),
])
def test_step_decays_in_iterations_that_look_like_epochs_are_sl008(tmp_path, text):
    """MultiStepLR / mmcv step with by_epoch=False and milestones [8, 11] under 12 epochs: both decays fall in
    the first 11 iterations (the same slip SL008 reports for `end`), in both generations."""
    found = [f for f in lint(tmp_path, {"config.py": text}, epoch_length=100) if f.code == "SL008"]
    assert [(f.location.line, f.severity.value) for f in found] == [(2, "error")], [f.message for f in found]
    assert "look like epochs (training has 12 epochs): every decay happens in the first 11 iterations of 1200" \
        in found[0].message


def test_step_decays_all_in_the_first_percent_of_an_iteration_run_are_a_warning(tmp_path):
    text = """\
optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
lr_config = dict(policy='step', by_epoch=False, step=[200, 400])
runner = dict(type='IterBasedRunner', max_iters=60000)
"""
    all_found = lint(tmp_path, {"config.py": text})
    found = [f for f in all_found if f.code == "SL008"]
    assert [(f.location.line, f.severity.value) for f in found] == [(2, "warning")]
    assert "SL004" not in codes(all_found)  # one defect, one finding (not also SL004's long tail)
    assert "all within the first 0.67% of the 60000-iteration run" in found[0].message


@pytest.mark.parametrize("text", [
    # iteration milestones where an iteration schedule puts them
    SGD + "param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[800, 1100])]\n"
          "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)\n",
    # epochs, counted in epochs
    SGD + "param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11])]\n"
          "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)\n",
    # epoch milestones converted to iterations
    SGD + "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11], convert_to_iter_based=True)]\n"
          "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)\n",
    # a gamma above 1 is not a decay (SL305's business)
    SGD + "param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[8, 11], gamma=2.0)]\n"
          "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12)\n",
    # a periodic mmcv step (an int)
    LEGACY.format(warmup=500, step=3).replace("policy='step',", "policy='step', by_epoch=False,"),
])
def test_step_decays_in_their_own_unit_are_not_sl008(tmp_path, text):
    assert "SL008" not in codes(lint(tmp_path, {"config.py": text}, epoch_length=100))


@pytest.mark.parametrize("text,line", [
    (LEGACY.format(warmup=500, step=[8, 11]).replace("max_epochs=12", "max_epochs=48"), 2),
    (SGD + "param_scheduler = [\n"
           "    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),\n"
           "    dict(type='MultiStepLR', begin=0, end=48, by_epoch=True, milestones=[8, 11])]\n"
           "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=48)\n", 4),
])
def test_a_step_decay_whose_last_milestone_leaves_most_of_the_run_frozen_is_sl004(tmp_path, text, line):
    """UIS-Mamba raised its 1x base to 48 epochs and kept step=[8, 11]: the LR sits at 1% for 77% of the run, and
    only `MultiStepLR(end=12)` was reported (the same curve with end=48, no end, or an mmcv step passed)."""
    found = [f for f in lint(tmp_path, {"config.py": text}, epoch_length=100) if f.code == "SL004"]
    assert [(f.location.line, f.severity.value) for f in found] == [(line, "warning")], [f.message for f in found]
    assert "decays for the last time at epoch 11 (iteration 1100) but training runs 48 epochs" in found[0].message
    assert "(77% of training)" in found[0].message


@pytest.mark.parametrize("text", [
    LEGACY.format(warmup=500, step=[8, 11]),  # 1x: 8% after the last decay
    LEGACY.format(warmup=500, step=[30, 60, 90]).replace("max_epochs=12", "max_epochs=100"),
    LEGACY.format(warmup=500, step=[20, 40]).replace("max_epochs=12", "max_epochs=100"),  # 60%: a planned stage
    LEGACY.format(warmup=500, step=3).replace("max_epochs=12", "max_epochs=48"),  # periodic
])
def test_step_decays_that_fill_the_run_are_not_sl004(tmp_path, text):
    assert "SL004" not in codes(lint(tmp_path, {"config.py": text}, epoch_length=100))


def test_a_length_raised_over_a_bases_milestones_is_sl004_from_half_the_run(tmp_path):
    """A 100-epoch base's milestones [30, 60, 90] under a child's max_epochs=300 (a real run: the LR sat at 1e-4
    from epoch 91 on): 70% of the run after the last decay. Only over three quarters was reported, while the same
    curve with `end=100` was SL004. When the length and the milestones are set in one file, 70% may be a planned
    low-LR stage (mmfewshot's step=[20000, 40000] of 100000 iterations) and stays quiet."""
    base = SGD + ("param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)\n"
                  "train_cfg = dict(by_epoch=True, max_epochs=100)\n")
    files = {"base.py": base, "config.py": "_base_ = './base.py'\ntrain_cfg = dict(max_epochs=300)\n"}
    found = [f for f in lint(tmp_path, files, epoch_length=100) if f.code == "SL004"]
    assert [(os.path.basename(f.location.file), f.location.line, f.severity.value) for f in found] == [
        ("base.py", 2, "error")], [f.message for f in found]
    assert "(70% of training)" in found[0].message and "set in different files" in found[0].message
    same_file = base.replace("max_epochs=100", "max_epochs=300")
    assert "SL004" not in codes(lint(tmp_path, {"config.py": same_file}, epoch_length=100))
    half = {"base.py": base, "config.py": "_base_ = './base.py'\ntrain_cfg = dict(max_epochs=180)\n"}  # 50%
    assert "SL004" not in codes(lint(tmp_path, half, epoch_length=100))


def test_a_cosine_restart_whose_periods_end_before_training_is_sl004(tmp_path):
    """mmagic's pcdnet: CosineRestartLR periods=[300000] under 600000 iterations. After its last period mmengine
    keeps the value (checked with mmengine: 1.05e-7 from there on); the run's window went to the end, so nothing
    was said, while the same curve as CosineAnnealingLR(end=300000) was SL004."""
    text = """\
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-4, betas=(0.9, 0.99)))
param_scheduler = dict(type='CosineRestartLR', by_epoch=False, periods=[300000], restart_weights=[1], eta_min=1e-7)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600000)
"""
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL004"]
    assert [f.location.line for f in found] == [2]
    assert "stops by iteration 300000 but training runs 600000 iterations" in found[0].message
    periods = text.replace("periods=[300000], restart_weights=[1]", "periods=[300000, 300000], restart_weights=[1, 0.5]")
    assert "SL004" not in codes(lint(tmp_path, {"config.py": periods}))


@pytest.mark.parametrize("milestones,ends", [("[30]", "stays at 0.02 for all of training"),
                                             ("[8, 30]", "ends at 0.002 instead of decaying further")])
def test_a_milestone_past_both_end_and_training_is_sl001(tmp_path, milestones, ends):
    """`milestones=[30], end=20` under 24 epochs passed, while [22] (inside training) and [30] without `end` were
    SL001: the decay is lost either way."""
    text = SGD + (f"param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones={milestones}, gamma=0.1, "
                  "begin=0, end=20)\ntrain_cfg = dict(by_epoch=True, max_epochs=24)\n")
    found = [f for f in lint(tmp_path, {"config.py": text}, epoch_length=100) if f.code == "SL001"]
    assert [(f.location.line, f.severity.value) for f in found] == [(2, "error")], [f.message for f in found]
    assert "past both its end=20 and the end of training (24 epochs)" in found[0].message and ends in found[0].message


@pytest.mark.parametrize("text", [
    # mmedit 0.x (RealBasicVSR): `total_iters` for the length, `optimizers` per model part, a constant LR as step
    "optimizers = dict(generator=dict(type='Adam', lr=5e-5, betas=(0.9, 0.99)))\ntotal_iters = 150000\n"
    "lr_config = dict(policy='Step', by_epoch=False, step=[400000], gamma=1)\n",
    SGD + "param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[400000], gamma=1)]\n"
          "train_cfg = dict(type='IterBasedTrainLoop', max_iters=150000)\n",
])
def test_a_step_of_gamma_1_past_the_end_is_a_constant_lr(tmp_path, text):
    """mmedit's way of writing a constant LR (6 copies in stored repositories): a step with gamma=1 past the end of
    training. No decay is lost (no SL001 error) and no gamma would make it decay (SL305 said 'decay by gamma=0.1?').
    A gamma=1 step inside training stays SL305."""
    found = codes(lint(tmp_path, {"config.py": text}))
    assert "SL305" not in found and "SL001" not in found, found
    inside = text.replace("400000", "100000")
    assert "SL305" in codes(lint(tmp_path, {"config.py": inside}))


def test_mmcv_total_iters_and_optimizers_are_a_training_config(tmp_path):
    """mmseg before 0.13 and mmedit 0.x set the length with `total_iters` (no runner) and mmedit names its
    optimizers `optimizers`: such configs were 'All checks passed' unchecked (mmcv raises at iteration 300000 here)."""
    text = ("optimizers = dict(generator=dict(type='Adam', lr=2e-4, betas=(0.9, 0.99)))\ntotal_iters = 600000\n"
            "lr_config = dict(policy='CosineRestart', by_epoch=False, periods=[300000], restart_weights=[1], "
            "min_lr=1e-7)\n")
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL402"]
    assert len(found) == 1 and "training runs 600000 iterations" in found[0].message
    seg = ("optimizer = dict(type='SGD', lr=0.01, momentum=0.9)\n"
           "lr_config = dict(policy='step', step=[80000], by_epoch=False)\ntotal_iters = 60000\n")
    assert "SL001" in codes(lint(tmp_path, {"config.py": seg}))


# -- scripts are not configs --------------------------------------------------------------------

def test_scripts_at_a_repository_root_are_not_linted_as_configs(tmp_path):
    from schedlint.lint.engine import discover

    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "convert.py").write_text("import torch\nmodel = torch.load('a.pth')\ntorch.save(model, 'b.pth')\n")
    (tools / "analyze.py").write_text("import argparse\nparser = argparse.ArgumentParser()\nmodel = 'x'\n")
    (tools / "run.py").write_text("model = dict(type='A')\nif __name__ == '__main__':\n    pass\n")
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "new_style.py").write_text(
        "from mmengine.config import read_base\nfrom torch.optim import SGD\nwith read_base():\n"
        "    from .base import *\noptim_wrapper = dict(optimizer=dict(type=SGD, lr=0.01))\n")
    (configs / "old_style.py").write_text(
        "import os.path as osp\ndata_root = osp.join('data', 'coco')\nmodel = dict(type='A')\nmodel.update(depth=1)\n")
    # configs that inherit are configs whatever they import: PETR's petrv2_BEVseg.py starts with an IDE's stray
    # `from pickle import FALSE`; mmdet3d configs build numpy arrays (both were skipped without a word)
    (configs / "petrv2_seg.py").write_text("from pickle import FALSE\n_base_ = ['./base.py']\n"
                                           "runner = dict(type='EpochBasedRunner', max_epochs=50)\n")
    (configs / "voxels.py").write_text("import numpy as np\n_base_ = './base.py'\nvoxel_size = np.array([0.1, 0.1])\n")
    (tools / "dump.py").write_text("_base_ = './x.py'\nif __name__ == '__main__':\n    print(_base_)\n")
    found = sorted(os.path.relpath(f, tmp_path) for f in discover([os.fspath(tmp_path)]))
    assert found == ["configs/new_style.py", "configs/old_style.py", "configs/petrv2_seg.py", "configs/voxels.py"]


def test_concise_output_names_the_configs_a_base_finding_affects(tmp_path):
    from schedlint.report import render_concise

    base = SGD + "param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], end=12)]\n"
    (tmp_path / "base.py").write_text(base + "train_cfg = dict(by_epoch=True, max_epochs=12)\n")
    (tmp_path / "child_24e.py").write_text("_base_ = './base.py'\ntrain_cfg = dict(max_epochs=24)\n")
    result = check_paths([os.fspath(tmp_path)], Settings(dependents=False, epoch_length=10))
    text = render_concise(result.findings)
    line = next(line for line in text.splitlines() if "base.py" in line.split(":")[0])
    assert "affects" in line and "child_24e.py" in line
    # a finding in the config itself names nothing more
    (tmp_path / "solo.py").write_text(base + "train_cfg = dict(by_epoch=True, max_epochs=24)\n")
    result = check_paths([os.fspath(tmp_path / "solo.py")], Settings(dependents=False, epoch_length=10))
    assert result.findings and "affects" not in render_concise(result.findings)


# -- loader: ConfigDict.merge, read_base from source checkouts and scope roots ------------------

SCHEDULE_1X = """\
from mmengine.optim.scheduler.lr_scheduler import LinearLR, MultiStepLR
from mmengine.runner.loops import EpochBasedTrainLoop
from torch.optim.sgd import SGD
train_cfg = dict(type=EpochBasedTrainLoop, max_epochs=12, val_interval=1)
param_scheduler = [
    dict(type=LinearLR, start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type=MultiStepLR, begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.02, momentum=0.9, weight_decay=0.0001))
"""
CHILD = """\
from mmengine.config import read_base
with read_base():
    from mmdet.configs._base_.schedule_1x import *
train_cfg.merge(dict(max_epochs=24))
param_scheduler[1].merge(dict(end={end}, milestones=[16, 22]))
optim_wrapper.merge(dict(optimizer=dict(lr=0.01)))
"""


def _checkout(tmp_path):
    (tmp_path / "repo" / "mmdet" / "configs" / "_base_").mkdir(parents=True)
    (tmp_path / "repo" / "mmdet" / "__init__.py").write_text("")
    (tmp_path / "repo" / "mmdet" / "configs" / "_base_" / "schedule_1x.py").write_text(SCHEDULE_1X)
    (tmp_path / "repo" / "projects" / "p").mkdir(parents=True)


def test_config_dict_merge_and_read_base_from_a_source_checkout(tmp_path):
    _checkout(tmp_path)
    child = tmp_path / "repo" / "projects" / "p" / "a.py"
    child.write_text(CHILD.format(end=24))
    findings = check_paths([os.fspath(child)], Settings(dependents=False, epoch_length=100)).findings
    assert not findings, [f"{f.code} {f.message}" for f in findings]
    linter = Linter(Settings(dependents=False, epoch_length=100))
    resolved, _ = linter.resolve(os.fspath(child))
    plan = linter.plan_for(resolved, os.fspath(child))
    assert plan.horizon.max_epochs == 24 and plan.optimizer.lr == pytest.approx(0.01)
    assert plan.optimizer.momentum == pytest.approx(0.9)  # merged, not replaced
    assert plan.schedulers[1].args["milestones"] == [16, 22] and plan.schedulers[1].end == 24
    # the merge really is understood: a forgotten end is caught
    child.write_text(CHILD.format(end=12))
    assert "SL001" in codes(check_paths([os.fspath(child)], Settings(dependents=False, epoch_length=100)).findings)


def test_read_base_outside_a_checkout_says_how_to_fix_it_and_scope_root_resolves_it(tmp_path):
    _checkout(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.py").write_text(CHILD.format(end=24))
    findings = check_paths([os.fspath(elsewhere / "a.py")], Settings(dependents=False, epoch_length=100)).findings
    assert [f.code for f in findings] == ["SL905"] and "--scope-root mmdet=DIR" in findings[0].message
    for root in ("repo", "repo/mmdet", "repo/mmdet/configs"):
        settings = Settings(dependents=False, epoch_length=100, scope_roots={"mmdet": os.fspath(tmp_path / root)})
        assert not check_paths([os.fspath(elsewhere / "a.py")], settings).findings, root


def test_merge_on_a_plain_dict_is_still_an_error(tmp_path):
    (tmp_path / "config.py").write_text(SGD + "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
                                        "train_cfg.merge(dict(max_epochs=24))\n")
    assert "SL907" in codes(check_paths([os.fspath(tmp_path / "config.py")], Settings(dependents=False)).findings)


def test_scope_base_resolves_from_a_source_checkout_of_that_package(tmp_path):
    (tmp_path / "mmyolo").mkdir()
    (tmp_path / "mmyolo" / "__init__.py").write_text("")
    (tmp_path / "configs" / "yolov5").mkdir(parents=True)
    (tmp_path / "configs" / "yolov5" / "base.py").write_text(SGD + "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
                                                         "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\n")
    (tmp_path / "projects" / "x").mkdir(parents=True)
    child = tmp_path / "projects" / "x" / "c.py"
    child.write_text("_base_ = 'mmyolo::yolov5/base.py'\ntrain_cfg = dict(max_epochs=12)\n")
    assert not check_paths([os.fspath(child)], Settings(dependents=False, epoch_length=10)).findings
    # outside a checkout the scope is still unknown
    (tmp_path / "mmyolo" / "__init__.py").unlink()
    assert codes(check_paths([os.fspath(child)], Settings(dependents=False, epoch_length=10)).findings) == {"SL905"}


def test_file_name_quiet_on_pretraining_lengths_load_from_and_second_stages(tmp_path):
    assert lengths_in_name("cascade-mask-rcnn-r50-fpn_coco-20e_nuim.py") == []
    assert "SL012" not in codes(lint(tmp_path, {"m_coco-20e_nuim.py": BODY.format(n=12)}, "m_coco-20e_nuim.py"))
    # load_from alone is no stage sign (3D configs load pre-trained backbones with it)
    loads = BODY.format(n=24) + "load_from = 'ckpts/fcos3d_vovnet.pth'\n"
    assert "SL012" in codes(lint(tmp_path, {"bevformerv2-r50-t2-48ep.py": loads}, "bevformerv2-r50-t2-48ep.py"))
    # BEVFusion: the lidar-cam stage inherits the 20-epoch lidar config (and its name) and trains 6
    base = "bevfusion_lidar_8xb4-cyclic-20e_nus-3d.py"
    files = {base: BODY.format(n=20),
             "bevfusion_lidar-cam_8xb4-cyclic-20e_nus-3d.py": f"_base_ = ['./{base}']\ntrain_cfg = dict(max_epochs=6)\n"}
    assert "SL012" not in codes(lint(tmp_path, files, "bevfusion_lidar-cam_8xb4-cyclic-20e_nus-3d.py"))
    # but a copy named 48ep that trains 24 (BEVFormer v2 t2-48ep) is reported
    files = {"v2-t2-24ep.py": BODY.format(n=24), "v2-t2-48ep.py": BODY.format(n=24)}
    assert "SL012" in codes(lint(tmp_path, files, "v2-t2-48ep.py"))


def test_file_name_one_extra_epoch_is_a_convention(tmp_path):
    assert "SL012" not in codes(lint(tmp_path, {"grid_rcnn_r50_fpn_gn-head_2x_coco.py": BODY.format(n=25)},
                                     "grid_rcnn_r50_fpn_gn-head_2x_coco.py"))
    assert "SL012" in codes(lint(tmp_path, {"co_dino_5scale_lsj_swin_large_3x_lvis.py": BODY.format(n=12)},
                                 "co_dino_5scale_lsj_swin_large_3x_lvis.py"))


def test_sl105_tpvformer_warmup_from_1e5_reports_the_decay_from_the_cosine_start(tmp_path):
    text = """\
lr = 2e-4
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=lr, weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-5, by_epoch=False, begin=0, end=500),
    dict(type='CosineAnnealingLR', T_max=2400, eta_min=1e-6, begin=0, end=2400, by_epoch=False),
]
train_cfg = dict(by_epoch=True, max_epochs=24)
"""
    f = next(f for f in lint(tmp_path, {"config.py": text}, epoch_length=100) if f.code == "SL105")
    # from the LR's peak after the warm-up (about 0.9x the base here), not from the warm-up's 2e-09
    assert "decays only 18" in f.message and "-> 1e-06) where the LR decays 18" in f.message
    assert "2e-09" not in f.message and "2e-10" not in f.message


@pytest.mark.parametrize("train_cfg,expected", [
    # mmdet 3.x's pure-Python ms_3x_coco: max_iters given to an epoch loop (SL311), no length of its own
    ("train_cfg = dict(type='EpochBasedTrainLoop', max_iters=12, val_interval=1)\n", {"SL311"}),
    ("train_cfg = dict(type='EpochBasedTrainLoop', val_interval=1)\n", set()),
    ("runner = dict(type='EpochBasedRunner')\n", set()),
])
def test_no_length_rule_judges_an_assumed_length(tmp_path, train_cfg, expected):
    """Without a length the plan assumes 1 epoch: SL004 said the LR 'is frozen for 98% of training' and SL009 that
    the warm-up 'ends after training ends at epoch 1', of a run that sets no length (and cannot start)."""
    schedule = ("param_scheduler = [dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),\n"
                "    dict(type='MultiStepLR', begin=0, end=12, by_epoch=False, milestones=[9, 11], gamma=0.1)]\n")
    if train_cfg.startswith("runner"):
        schedule = "lr_config = dict(policy='step', warmup='linear', warmup_iters=500, step=[8, 11])\n"
        text = "optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\n" + schedule + train_cfg
    else:
        text = SGD + schedule + train_cfg
    found = codes(lint(tmp_path, {"config.py": text}, epoch_length=5000))
    assert found == expected, found


@pytest.mark.parametrize("name", ["det_l_1e-3_80e_8gpus_all_finetuning_coco.py", "det_l_2e-3_100e_4x8gpus_o365_1280ft_lvis.py",
                                  "det_l_80e_finetune_coco.py", "det_l_80e_ft_coco.py"])
def test_fine_tuning_names_state_the_pre_training_length(tmp_path, name):
    """YOLO-World fine-tunes its 100e model for 20 epochs as `..._100e_..._1280ft_lvis.py` (and `_finetuning_`):
    SL012 said the name states 100 epochs, while `finetune` and `_ft_` were recognised."""
    text = SGD + "param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True)]\n" \
                 "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20)\n"
    assert "SL012" not in codes(lint(tmp_path, {name: text}, name))
    assert "SL012" in codes(lint(tmp_path, {"det_l_80e_coco.py": text}, "det_l_80e_coco.py"))


@pytest.mark.parametrize("schedule,advice", [
    ("param_scheduler = [dict(type='PolyLR', power=0.9, begin=0, end=10000, eta_min=1e-5, by_epoch=False)]\n",
     "this schedule takes no ratio"),
    ("param_scheduler = [dict(type='CosineAnnealingLR', T_max=10000, eta_min=1e-5, by_epoch=False)]\n",
     "use a ratio (eta_min_ratio), which applies per group"),
])
def test_sl105_offers_a_ratio_only_where_the_schedule_takes_one(tmp_path, schedule, advice):
    """SL105 advised 'use a ratio (eta_min_ratio / min_lr_ratio)' for PolyLR and mmcv's poly, which take none
    (PolyLR(eta_min_ratio=...) raises TypeError)."""
    text = ("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9), "
            "paramwise_cfg=dict(custom_keys={'head': dict(lr_mult=10.)}))\n" + schedule +
            "train_cfg = dict(type='IterBasedTrainLoop', max_iters=10000)\n")
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL105"]
    assert len(found) == 1 and advice in found[0].message, [f.message for f in found]


def test_sl007_says_the_value_the_other_schedulers_leave(tmp_path):
    """PMTrack's reid config: an iteration warm-up to 0.1, then an epoch MultiStepLR under an iteration loop.
    SL007 said 'the LR stays at 0.0001 for all 140000 iterations' (the warm-up's start); it ends at 0.1."""
    text = ("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))\nparam_scheduler = [\n"
            "    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),\n"
            "    dict(type='MultiStepLR', begin=0, end=6, by_epoch=True, milestones=[5], gamma=0.1)]\n"
            "train_cfg = dict(type='IterBasedTrainLoop', max_iters=140000)\n")
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL007"]
    assert len(found) == 1 and "the LR ends at 0.1" in found[0].message and "0.0001" not in found[0].message
    alone = text.replace("    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),\n", "")
    found = [f for f in lint(tmp_path, {"config.py": alone}) if f.code == "SL007"]
    assert len(found) == 1 and "stays at 0.1 for all 140000 iterations" in found[0].message


def test_sl001_says_once_whose_run_the_milestones_belong_to(tmp_path):
    """med_selfsup: milestones [120, 160] under 4 epochs read '...belong to a run 30x longer: a constant LR may be
    meant; the milestones were written for a longer run'."""
    text = SGD + ("param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[120, 160], gamma=0.1)]\n"
                  "train_cfg = dict(by_epoch=True, max_epochs=4)\n")
    found = [f for f in lint(tmp_path, {"config.py": text}) if f.code == "SL001"]
    assert len(found) == 1 and "30x longer" in found[0].message and "written for a longer run" not in found[0].message
    near = text.replace("[120, 160]", "[5, 6]")
    found = [f for f in lint(tmp_path, {"config.py": near}) if f.code == "SL001"]
    assert len(found) == 1 and found[0].message.endswith("the milestones were written for a longer run")
