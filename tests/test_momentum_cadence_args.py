"""SL1xx momentum, SL2xx cadence, SL3xx argument and SL4xx legacy rules: behaviour beyond the inline examples."""

from __future__ import annotations

import os
import textwrap
from typing import List, Optional

import pytest

from schedlint.lint.engine import Linter
from schedlint.model import Finding
from schedlint.lint.settings import Settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures", "configs")

ADAMW = "optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.0018, betas=(0.95, 0.99), weight_decay=0.01))\n"
SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"


def lint(tmp_path, files, epoch_length: Optional[int] = 10) -> List[Finding]:
    """Findings for `config.py` of a small tree written to tmp_path."""
    if isinstance(files, str):
        files = {"config.py": files}
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return Linter(Settings(epoch_length=epoch_length)).lint_file(os.fspath(tmp_path / "config.py"))


def fixture(path: str, epoch_length: Optional[int] = None) -> List[Finding]:
    return Linter(Settings(epoch_length=epoch_length)).lint_file(os.path.join(FIXTURES, path))


def of(findings: List[Finding], code: str) -> List[Finding]:
    return [f for f in findings if f.code == code]


def severities(findings: List[Finding], code: str) -> List[str]:
    return sorted(f.severity.value for f in of(findings, code))


# ---------------------------------------------------------------------------------------- SL101


def test_beta1_exactly_one_is_an_adam_crash(tmp_path):
    findings = lint(tmp_path, ADAMW + """\
param_scheduler = [dict(type='PolyMomentum', eta_min=1, power=1.0, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
""")
    (f,) = of(findings, "SL101")
    assert f.severity.value == "error"
    # PolyMomentum reaches eta_min at end - 1 = epoch 11
    assert "to 1 at epoch 11" in f.message and "ZeroDivisionError" in f.message


def test_sgd_momentum_above_one_diverges(tmp_path):
    findings = lint(tmp_path, SGD + """\
param_scheduler = [dict(type='CosineAnnealingMomentum', T_max=12, eta_min=1.2, begin=0, end=24)]
train_cfg = dict(by_epoch=True, max_epochs=24)
""")
    (f,) = of(findings, "SL101")
    assert "diverges" in f.message


def test_official_cyclic_approaches_one_but_is_not_reported():
    for path in ("pointpillars/pointpillars_hv-secfpn_4xb8-cyclic-40e_kitti-3d-3class.py",
                 "second/second_hv-secfpn_4xb16-cyclic-30e_kitti-3d-3class.py"):
        findings = fixture(path)
        assert not of(findings, "SL101"), [f.message for f in of(findings, "SL101")]
        assert not [f for f in findings if f.severity.value == "error"]


def test_stale_horizon_freezes_beta1_near_one():
    """Left within 1e-4 of 1 for half of training once the schedule ends: an error, not a nuance."""
    findings = fixture("user/pointpillars_cyclic-20e_to-40e.py")
    (f,) = of(findings, "SL101")
    assert f.severity.value == "error" and "frozen at 0.99999" in f.message


def test_beta1_briefly_near_one_is_only_a_warning(tmp_path):
    """Near 1 for a long stretch but not left there by a frozen tail: a warning."""
    config = ADAMW + """\
param_scheduler = [
    dict(type='CosineAnnealingMomentum', T_max=9, eta_min=0.9999, begin=0, end=10),
    dict(type='ConstantMomentum', factor=1.0, begin=10, end=20),
    dict(type='CosineAnnealingMomentum', T_max=20, eta_min=0.9, begin=20, end=40),
]
train_cfg = dict(by_epoch=True, max_epochs=40)
"""
    findings = lint(tmp_path, config)
    assert severities(findings, "SL101") == ["warning"]


def test_decay_end_24_reaches_one():
    findings = fixture("user/pointpillars_cyclic-20e_decay-end-24.py")
    assert "error" in severities(findings, "SL101")
    assert not of(findings, "SL104")  # both paired phases were moved together


# ---------------------------------------------------------------------------------------- SL102


def test_ported_ratio_is_a_warning_until_it_reaches_one(tmp_path):
    base = ADAMW + """\
param_scheduler = [
    dict(type='CosineAnnealingMomentum', T_max=8, eta_min=0.85 / 0.95, begin=0, end=8),
    dict(type='CosineAnnealingMomentum', T_max=12, eta_min=1, begin=8, end={end}),
]
train_cfg = dict(by_epoch=True, max_epochs={end})
"""
    quiet = lint(tmp_path, base.format(end=20))
    assert severities(quiet, "SL102") == ["warning", "warning"]
    assert "meant 0.95 x 1 = 0.95" in of(quiet, "SL102")[1].message
    loud = lint(tmp_path, base.format(end=24))
    assert severities(loud, "SL102") == ["error", "warning"]


# ---------------------------------------------------------------------------------------- SL103 / SL302


def test_momentum_without_support_is_reported_once_per_scheduler():
    findings = fixture("user/pointpillars_cyclic-20e_adagrad.py")
    assert len(of(findings, "SL103")) == 2
    assert not of(findings, "SL302")


def test_sgd_without_momentum_warns(tmp_path):
    findings = lint(tmp_path, """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02))
param_scheduler = [dict(type='CosineAnnealingMomentum', T_max=12, eta_min=0.85, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
""")
    (f,) = of(findings, "SL103")
    assert f.severity.value == "warning" and "from 0 up to" in f.message


# ---------------------------------------------------------------------------------------- SL104


def test_paired_phases_written_apart_are_not_compared(tmp_path):
    findings = lint(tmp_path, {
        "schedule.py": ADAMW + """\
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=8, eta_min=0.018, begin=0, end=8),
    dict(type='CosineAnnealingMomentum', T_max=8, eta_min=0.85, begin=0, end=8),
]
train_cfg = dict(by_epoch=True, max_epochs=8)
""",
        "config.py": """\
_base_ = './schedule.py'
_base_.param_scheduler[0].end = 10
_base_.param_scheduler[1].end = 10
train_cfg = dict(max_epochs=10)
""",
    })
    assert not of(findings, "SL104")


# ---------------------------------------------------------------------------------------- SL105


def test_auto_scale_lr_with_absolute_floor_is_information(tmp_path):
    findings = lint(tmp_path, {"config.py": SGD + """\
param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min=1e-4, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
train_dataloader = dict(batch_size=4)
auto_scale_lr = dict(enable=True, base_batch_size=16)
"""})
    assert severities(findings, "SL105") == ["info"]


def test_lr_mult_zero_group_starts_training(tmp_path):
    findings = lint(tmp_path, """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9),
                     paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.0)}))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min=1e-4, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
""")
    (f,) = of(findings, "SL105")
    assert f.severity.value == "warning" and "should stay frozen" in f.message


def test_frozen_group_that_trains_is_the_one_reported(tmp_path):
    """DenseCLIP: a backbone at 0.1 (warning) listed before a text encoder at 0.0 that the absolute min_lr of
    mmcv's poly lifts from 0 (also a warning): the frozen group that trains is what the finding says."""
    findings = lint(tmp_path, """\
optimizer = dict(type='AdamW', lr=1e-4, weight_decay=1e-4,
                 paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1), 'text_encoder': dict(lr_mult=0.0)}))
lr_config = dict(policy='poly', power=1.0, min_lr=1e-6, by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=1000)
""")
    (f,) = of(findings, "SL105")
    assert "'text_encoder' group (lr_mult=0) should stay frozen" in f.message


# ---------------------------------------------------------------------------------------- SL2xx


SCHEDULE = SGD + """\
param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]
val_cfg = dict()
val_dataloader = dict(batch_size=1)
"""


def test_validation_only_at_the_end_idiom_is_information(tmp_path):
    findings = lint(tmp_path, SCHEDULE + "train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=13)\n")
    assert severities(findings, "SL201") == ["info"]
    findings = lint(tmp_path, SCHEDULE + "train_cfg = dict(by_epoch=True, max_epochs=12, val_begin=13)\n")
    assert severities(findings, "SL201") == ["info"]


def test_dynamic_interval_before_the_end_keeps_validation(tmp_path):
    findings = lint(tmp_path, SCHEDULE + (
        "train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=50, dynamic_intervals=[(6, 2)])\n"))
    assert not of(findings, "SL201")


def test_no_cadence_verdict_without_a_training_length(tmp_path):
    findings = lint(tmp_path, SGD + """\
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=None, val_interval=20)
val_cfg = dict(type='ValLoop')
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=50))
""")
    assert not of(findings, "SL201") and not of(findings, "SL202")


def test_inherited_checkpoint_interval_is_information(tmp_path):
    findings = lint(tmp_path, {
        "runtime.py": "default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=10000, by_epoch=False))\n",
        "config.py": "_base_ = './runtime.py'\n" + SGD + "train_cfg = dict(by_epoch=False, max_iters=1000)\n",
    })
    assert severities(findings, "SL202") == ["info"]


def test_no_checkpoint_at_all_is_an_error(tmp_path):
    findings = lint(tmp_path, SCHEDULE + """\
train_cfg = dict(by_epoch=True, max_epochs=12)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=24, save_last=False))
""")
    assert severities(findings, "SL202") == ["error"]


# ---------------------------------------------------------------------------------------- SL3xx


def test_begin_after_end_is_sl303_not_sl302():
    findings = fixture("user/faster-rcnn_1x_warmup-iters-0.py")
    assert of(findings, "SL303") and not of(findings, "SL302")


def test_mmengine_unsorted_milestones_are_information():
    findings = fixture("user/faster-rcnn_2x_milestones-22-16.py")
    assert severities(findings, "SL304") == ["info"]


def test_mmcv_unsorted_steps_name_the_real_decays(tmp_path):
    findings = lint(tmp_path, """\
optimizer = dict(type='SGD', lr=0.02, momentum=0.9)
lr_config = dict(policy='step', step=[22, 16, 30])
runner = dict(type='EpochBasedRunner', max_epochs=36)
""")
    (f,) = of(findings, "SL304")
    # mmcv's exponent is the index of the first step greater than the epoch: 0 until 22, then 2, then 3
    assert f.severity.value == "error" and "epoch 22 (x gamma**2), epoch 30" in f.message


def test_gamma_one_is_a_no_op_warning(tmp_path):
    findings = lint(tmp_path, SGD + """\
param_scheduler = [dict(type='StepLR', step_size=4, gamma=1.0, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
""")
    assert severities(findings, "SL305") == ["warning"]


def test_t_max_zero_is_silently_replaced(tmp_path):
    findings = lint(tmp_path, SGD + """\
param_scheduler = [dict(type='CosineAnnealingLR', T_max=0, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
""")
    (f,) = of(findings, "SL306")
    assert f.severity.value == "warning" and "end - begin = 12" in f.message


@pytest.mark.parametrize("path", ["user/centerpoint_cyclic-20e_finetune-6e.py",
                                  "pointpillars/pointpillars_hv-secfpn_4xb8-cyclic-40e_kitti-3d-3class.py"])
def test_cyclic_ramp_is_not_an_eta_min_defect(path):
    assert not of(fixture(path), "SL307")


def test_eta_min_ratio_above_one_without_a_decay(tmp_path):
    findings = lint(tmp_path, SGD + """\
param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, eta_min_ratio=5, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
""")
    assert severities(findings, "SL307") == ["error"]


# ---------------------------------------------------------------------------------------- SL4xx

LEGACY_SGD = "optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\n"


def test_cyclic_leftover_is_information_when_the_epoch_length_is_a_guess(tmp_path):
    text = LEGACY_SGD + """\
lr_config = dict(policy='cyclic', cyclic_times=3)
runner = dict(type='EpochBasedRunner', max_epochs=10)
"""
    assert severities(lint(tmp_path, text, epoch_length=None), "SL403") == ["info"]
    assert severities(lint(tmp_path, text, epoch_length=100), "SL403") == ["warning"]
    assert not of(lint(tmp_path, text, epoch_length=99), "SL403")


def test_unknown_policy_name_is_a_warning(tmp_path):
    findings = lint(tmp_path, LEGACY_SGD + """\
lr_config = dict(policy='cosine', target_lr=0)
runner = dict(type='EpochBasedRunner', max_epochs=12)
""")
    assert severities(findings, "SL404") == ["warning"]
    assert not of(findings, "SL302")


@pytest.mark.parametrize("evaluation,expected", [
    ("dict(interval=4)", []),
    ("dict(interval=5)", ["warning"]),
    ("dict(interval=5, start=2)", []),  # evaluates after 2, 7, 12
    ("dict(interval=20)", ["info"]),  # never evaluates: often meant (evaluation left to a test run)
    ("dict(interval=4, start=13)", ["info"]),
    ("dict(interval=5, dynamic_intervals=[(10, 1)])", []),
])
def test_final_epoch_evaluation(tmp_path, evaluation, expected):
    findings = lint(tmp_path, LEGACY_SGD + f"""\
lr_config = dict(policy='step', step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
evaluation = {evaluation}
""")
    assert severities(findings, "SL405") == expected


def test_iter_runner_lr_config_defaults_to_iterations(tmp_path):
    findings = lint(tmp_path, LEGACY_SGD + """\
lr_config = dict(policy='step', step=[60000, 80000], warmup='linear', warmup_iters=500)
runner = dict(type='IterBasedRunner', max_iters=90000)
""")
    assert not of(findings, "SL406") and not of(findings, "SL001") and not of(findings, "SL009")


def test_step_at_the_last_epoch_is_the_end_boundary(tmp_path):
    findings = lint(tmp_path, LEGACY_SGD + """\
lr_config = dict(policy='step', step=[30, 60, 90])
runner = dict(type='EpochBasedRunner', max_epochs=90)
""")
    assert not of(findings, "SL001")


def test_legacy_warmup_covering_most_of_training_warns(tmp_path):
    findings = lint(tmp_path, LEGACY_SGD + """\
lr_config = dict(policy='step', step=[8], warmup='linear', warmup_iters=700)
runner = dict(type='EpochBasedRunner', max_epochs=10)
""", epoch_length=100)
    assert severities(findings, "SL009") == ["warning"]


# -- SL004 and a warm-up that is still moving the LR -------------------------------------------

_WARMUP_OUTLASTS = SGD + """\
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end={warmup_end}, by_epoch=True),
    dict(type='CosineAnnealingLR', T_max=10, eta_min=1e-4, begin=0, end=10, by_epoch=True),
]
train_cfg = dict(by_epoch=True, max_epochs=40)
"""


def test_sl004_is_quiet_while_a_long_warm_up_still_raises_the_lr(tmp_path):
    found = lint(tmp_path, _WARMUP_OUTLASTS.format(warmup_end=38))
    assert not of(found, "SL004")  # the LR is not frozen until epoch 38: the too-long warm-up is SL009's
    assert of(found, "SL009")


def test_sl004_measures_the_frozen_tail_from_the_warm_ups_end(tmp_path):
    found = of(lint(tmp_path, _WARMUP_OUTLASTS.format(warmup_end=20)), "SL004")
    assert len(found) == 1 and "stops by epoch 20" in found[0].message
    assert "for the last 20 epochs (50% of training)" in found[0].message


# ---------------------------------------------------------------------------------------- SL310

_COSINE_12 = """\
param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, by_epoch=True, begin=0, end=12)]
train_cfg = dict(by_epoch=True, max_epochs=12)
"""


@pytest.mark.parametrize("optimizer, expected", [
    ("type='SGD', lr=float('nan'), momentum=0.9", "every weight NaN"),  # SGD accepts a NaN lr
    ("type='AdamW', lr=float('nan')", "Invalid learning rate: nan"),  # the Adam family does not
    ("type='SGD', lr=float('inf'), momentum=0.9", "inf or NaN"),
    ("type='SGD', lr=-0.1, momentum=0.9", "Invalid learning rate: -0.1"),
    ("type='SGD', lr='0.1', momentum=0.9", "TypeError"),
    ("type='SGD', lr=None, momentum=0.9", "not a number"),
    ("type='SGD', lr=0.1, momentum=-0.5", "Invalid momentum value: -0.5"),
    ("type='SGD', lr=0.1, momentum=float('nan')", "every weight NaN"),
    ("type='Adam', lr=0.1, betas=(0.9, 1.5)", "Invalid beta parameter at index 1: 1.5"),
    ("type='AdamW', lr=0.1, betas=(float('nan'), 0.999)", "Invalid beta parameter at index 0: nan"),
    ("type='AdamW', lr=0.1, betas='0.9'", "not a pair of numbers"),
    ("type='SGD', lr=10**400, momentum=0.9", "integer of 401 digits"),  # beyond float range
    ("type='SGD', lr=0.1, momentum=10**400", "too large for a float"),
    ("type='AdamW', lr=0.1, betas=(0.9, 10**400)", "beta2 = <an integer of 401 digits>"),
])
def test_an_optimizer_value_torch_refuses_or_that_makes_nan_weights_is_sl310(tmp_path, optimizer, expected):
    findings = lint(tmp_path, f"optim_wrapper = dict(optimizer=dict({optimizer}))\n" + _COSINE_12)
    assert [f.code for f in findings] == ["SL310"], findings  # nothing else, and no internal error
    assert expected in findings[0].message
    assert findings[0].location.line == 1


def test_sl310_on_an_mmcv_config_and_through_a_base(tmp_path):
    findings = lint(tmp_path, {
        "base.py": "optimizer = dict(type='SGD', lr=-0.02, momentum=0.9)\n",
        "config.py": """\
_base_ = './base.py'
lr_config = dict(policy='step', step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
""",
    })
    assert [f.code for f in findings] == ["SL310"]
    assert findings[0].location.file.endswith("base.py")


@pytest.mark.parametrize("optimizer", [
    "type='SGD', lr=0.0, momentum=0.0",  # a frozen stage
    "type='Lion', lr=1e-4, betas=(0.95, 0.98)",
    "type='MyOptimizer', lr=0.01, momentum=-1",  # an optimizer schedlint does not know: its own rules
])
def test_sl310_leaves_legal_and_unknown_optimizers_alone(tmp_path, optimizer):
    findings = lint(tmp_path, f"optim_wrapper = dict(optimizer=dict({optimizer}))\n" + _COSINE_12)
    assert not of(findings, "SL310")


def test_a_negative_lr_below_a_default_eta_min_is_no_internal_error(tmp_path):
    # SL307 used to crash formatting the eta_min the config never wrote
    findings = lint(tmp_path, "optim_wrapper = dict(optimizer=dict(type='MyOptimizer', lr=-0.1))\n" + _COSINE_12)
    assert not of(findings, "SL999")
    assert [f.code for f in findings] == ["SL310"]


def test_a_quoted_base_template_lr_stays_a_string_as_in_mmengine(tmp_path):
    # mmengine substitutes '{{_base_.base_lr}}' inside the quotes: the lr is the text '"_base_lr_..."'
    findings = lint(tmp_path, {
        "base.py": "base_lr = 0.01\n",
        "config.py": "_base_ = './base.py'\n"
                     "optim_wrapper = dict(optimizer=dict(type='SGD', lr='{{_base_.base_lr}}', momentum=0.9))\n"
                     + _COSINE_12,
    })
    assert [f.code for f in findings] == ["SL310"]
    assert "'{{_base_.base_lr}}' (quoted" in findings[0].message
    unquoted = lint(tmp_path, {"config.py": "_base_ = './base.py'\n"
                                            "optim_wrapper = dict(optimizer=dict(type='SGD', lr={{_base_.base_lr}}, "
                                            "momentum=0.9))\n" + _COSINE_12})
    assert not of(unquoted, "SL310")


def test_an_epoch_checkpoint_hook_under_an_iteration_loop_saves_only_at_the_end(tmp_path):
    """MixPL's 180k-iteration configs inherit the runtime's CheckpointHook(interval=1) (by_epoch=True by default):
    IterBasedTrainLoop calls after_train_epoch once, after the last iteration, so nothing is saved before it; it
    passed silently and `show` said 'checkpoint every 1 epoch'."""
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings
    from schedlint.views.show import horizon_lines, load_view

    path = tmp_path / "config.py"
    text = ("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))\n"
            "param_scheduler = [dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500)]\n"
            "train_cfg = dict(type='IterBasedTrainLoop', max_iters=180000, val_interval=5000)\n"
            "default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=1{}))\n")
    path.write_text(text.format(""))
    found = [f for f in check_paths([str(path)], Settings(dependents=False)).findings if f.code == "SL202"]
    assert len(found) == 1 and "the only checkpoint is the final one" in found[0].message
    assert any("checkpoint at the end only" in line for line in horizon_lines(load_view(str(path), Settings()).plan))
    path.write_text(text.format(", by_epoch=False").replace("interval=1", "interval=10000"))
    assert not [f for f in check_paths([str(path)], Settings(dependents=False)).findings if f.code == "SL202"]


def test_final_evaluation_missed_through_start_names_the_start(tmp_path):
    """interval=4 divides 12 epochs; from start=3 the evaluations are 3, 7, 11: the message said the interval does
    not divide the run."""
    findings = lint(tmp_path, LEGACY_SGD + """\
lr_config = dict(policy='step', step=[8, 11])
runner = dict(type='EpochBasedRunner', max_epochs=12)
evaluation = dict(interval=4, start=3)
""")
    (finding,) = [f for f in findings if f.code == "SL405"]
    assert "from start=3 misses the end of training (epoch 12)" in finding.message
    assert "does not divide" not in finding.message


@pytest.mark.parametrize("step, expected", [("[5000, 5000]", 0), ("[3000, 3000]", 1)])
def test_a_repeated_step_at_the_end_of_training_changes_nothing(tmp_path, step, expected):
    findings = lint(tmp_path, LEGACY_SGD + f"""\
lr_config = dict(policy='step', by_epoch=False, step={step})
runner = dict(type='IterBasedRunner', max_iters=5000)
""")
    assert len([f for f in findings if f.code == "SL304"]) == expected


def test_a_warm_up_share_is_not_judged_on_an_assumed_gpu_count(tmp_path):
    """rotated RTMDet on HRSC (617 images x3, batch 8): on 8 assumed GPUs its 1000-iteration warm-up 'covers 96% of
    training'; the metafile trains on 1 GPU (12%). A share resting on a GPU count nobody stated is not judged."""
    config = """\
train_dataloader = dict(batch_size=8, dataset=dict(type='RepeatDataset', times=3, dataset=dict(
    type='HRSCDataset', data_root='data/hrsc/', ann_file='ImageSets/trainval.txt')))
optim_wrapper = dict(optimizer=dict(type='AdamW', lr=0.004, betas=(0.9, 0.999), weight_decay=0.05))
param_scheduler = [dict(type='LinearLR', start_factor=1e-5, by_epoch=False, begin=0, end=1000),
                   dict(type='CosineAnnealingLR', eta_min=0.0002, begin=18, end=36, T_max=18, by_epoch=True,
                        convert_to_iter_based=True)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=36, val_interval=12)
"""
    assert not [f for f in lint(tmp_path, config, epoch_length=None) if f.code == "SL009"]
    assert [f for f in lint(tmp_path, config, epoch_length=29) if f.code == "SL009"]  # a length given: judged
