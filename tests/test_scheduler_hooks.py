"""mmyolo's scheduler hooks: exact simulation (against a literal transcription of the hook loop),
their length check (SL011), unknown hooks (SL308) and lists that replaced their base (SL309)."""

from __future__ import annotations

import math
import os
import textwrap

import numpy as np
import pytest

from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings
from schedlint.loader import Loader
from schedlint.plan.mmengine import build_plan
from schedlint.simulate import simulate


def _plan(tmp_path, text, epoch_length):
    path = tmp_path / "config.py"
    path.write_text(textwrap.dedent(text))
    return build_plan(Loader().resolve(os.fspath(path)), epoch_length)


def _codes(tmp_path, files, epoch_length=20):
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    result = check_paths([os.fspath(tmp_path / "config.py")], Settings(dependents=False, epoch_length=epoch_length))
    return {(f.code, f.severity.value) for f in result.findings}, result.findings


def _runner_loop_yolov5(base_lr, base_m, n_epochs, length, scheduler_type="linear", lr_factor=0.01,
                        max_epochs=300, warmup_epochs=3, warmup_momentum=0.8, warmup_mim_iter=1000):
    """mmyolo's YOLOv5ParamSchedulerHook driven the way mmengine's EpochBasedTrainLoop calls it."""
    if scheduler_type == "linear":
        fn = lambda x: (1 - x / max_epochs) * (1.0 - lr_factor) + lr_factor  # noqa: E731
    else:
        fn = lambda x: ((1 - math.cos(x * math.pi / max_epochs)) / 2) * (lr_factor - 1) + 1  # noqa: E731
    group = {"lr": base_lr, "momentum": base_m}
    warmup_end = False
    lrs, moms = [], []
    it = 0
    for epoch in range(n_epochs):
        for _ in range(length):
            w = max(round(warmup_epochs * length), warmup_mim_iter)
            if it <= w:
                group["lr"] = np.interp(it, [0, w], [0.0, base_lr * fn(epoch)])
                group["momentum"] = np.interp(it, [0, w], [warmup_momentum, base_m])
            else:
                warmup_end = True
            lrs.append(group["lr"])
            moms.append(group["momentum"])
            it += 1
        if warmup_end:
            group["lr"] = base_lr * fn(epoch)
    return np.array(lrs), np.array(moms)


def _runner_loop_ppyoloe(base_lr, n_epochs, length, warmup_min_iter=1000, start_factor=0.0, warmup_epochs=5,
                         min_lr_ratio=0.0, total_epochs=360):
    lrs = []
    floor = base_lr * min_lr_ratio
    for it in range(n_epochs * length):
        w = max(round(warmup_epochs * length), warmup_min_iter)
        if it <= w:
            alpha = it / w
            lr = base_lr * (start_factor * (1 - alpha) + alpha)
        else:
            total = total_epochs * length
            lr = floor + (base_lr - floor) * 0.5 * (math.cos((it - w) * math.pi / (total - w)) + 1.0)
        lrs.append(lr)
    return np.array(lrs)


YOLOV5 = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.937, nesterov=True))
param_scheduler = None
default_hooks = dict(param_scheduler=dict(type='YOLOv5ParamSchedulerHook', scheduler_type='{kind}',
                                          lr_factor=0.01, max_epochs={hook}, warmup_mim_iter={mim}))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs={train}, val_interval=10)
"""


@pytest.mark.parametrize("kind,hook,train,length,mim", [
    ("linear", 30, 30, 37, 100), ("cosine", 30, 30, 37, 100), ("linear", 30, 20, 11, 1000),
    ("linear", 10, 14, 50, 10), ("cosine", 10, 25, 7, 0),
])
def test_yolov5_hook_matches_the_hook_loop(tmp_path, kind, hook, train, length, mim):
    plan = _plan(tmp_path, YOLOV5.format(kind=kind, hook=hook, train=train, mim=mim), length)
    curve = simulate(plan)
    lr, mom = _runner_loop_yolov5(0.01, 0.937, train, length, kind, max_epochs=hook, warmup_mim_iter=mim)
    np.testing.assert_allclose(curve.lr, lr, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(curve.momentum, mom, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("total,train,length,mim", [(96, 80, 23, 1000), (60, 80, 31, 100), (12, 12, 5, 10)])
def test_ppyoloe_hook_matches_the_hook_loop(tmp_path, total, train, length, mim):
    plan = _plan(tmp_path, f"""\
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.001, momentum=0.9))
        param_scheduler = None
        default_hooks = dict(param_scheduler=dict(type='PPYOLOEParamSchedulerHook', warmup_min_iter={mim},
                                                  start_factor=0., warmup_epochs=5, min_lr_ratio=0.0,
                                                  total_epochs={total}))
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs={train})
        """, length)
    curve = simulate(plan)
    np.testing.assert_allclose(curve.lr, _runner_loop_ppyoloe(0.001, train, length, warmup_min_iter=mim,
                                                              total_epochs=total), rtol=1e-12, atol=1e-15)


def test_hook_is_not_a_constant_lr(tmp_path):
    plan = _plan(tmp_path, YOLOV5.format(kind="linear", hook=300, train=300, mim=1000), 100)
    curve = simulate(plan)
    assert curve.lr[-1] == pytest.approx(0.01 * (0.01 + (2 / 300) * 0.99))  # epoch 299 trains at fn(298)
    assert curve.lr.max() <= 0.01


def test_length_mismatch_flagged_and_matching_hook_quiet(tmp_path):
    codes, findings = _codes(tmp_path, {"config.py": YOLOV5.format(kind="linear", hook=300, train=100, mim=1000)})
    assert ("SL011", "warning") in codes
    (tmp_path / "config.py").write_text(YOLOV5.format(kind="linear", hook=100, train=300, mim=1000))
    codes, findings = _codes(tmp_path, {})
    assert ("SL011", "error") in codes
    assert any("negative" in f.message for f in findings if f.code == "SL011")
    codes, _ = _codes(tmp_path, {"config.py": YOLOV5.format(kind="linear", hook=100, train=100, mim=1000)})
    assert not codes


def test_child_that_changes_max_epochs_but_not_the_hook(tmp_path):
    base = """\
        max_epochs = 300
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.937, nesterov=True))
        param_scheduler = None
        default_hooks = dict(param_scheduler=dict(type='YOLOv5ParamSchedulerHook', max_epochs=max_epochs))
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
        """
    codes, findings = _codes(tmp_path, {"base.py": base, "config.py": """\
        _base_ = './base.py'
        max_epochs = 40
        train_cfg = dict(max_epochs=max_epochs)
        """})
    assert ("SL011", "warning") in codes
    finding = next(f for f in findings if f.code == "SL011")
    assert finding.location.file.endswith("base.py")
    codes, _ = _codes(tmp_path, {"config.py": """\
        _base_ = './base.py'
        max_epochs = 40
        train_cfg = dict(max_epochs=max_epochs)
        default_hooks = dict(param_scheduler=dict(max_epochs=max_epochs))
        """})
    assert "SL011" not in {c for c, _ in codes}


def test_ppyoloe_stretch_is_quiet_and_a_shorter_hook_is_an_error(tmp_path):
    text = """\
        max_epochs = 80
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.001, momentum=0.9))
        param_scheduler = None
        default_hooks = dict(param_scheduler=dict(type='PPYOLOEParamSchedulerHook', total_epochs={total}))
        train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
        """
    codes, _ = _codes(tmp_path, {"config.py": text.format(total="int(max_epochs * 1.2)")})
    assert not codes
    codes, _ = _codes(tmp_path, {"config.py": text.format(total=40)}, epoch_length=200)
    assert ("SL011", "error") in codes


def test_unknown_hook_is_said_not_simulated(tmp_path):
    codes, findings = _codes(tmp_path, {"config.py": """\
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
        param_scheduler = None
        default_hooks = dict(param_scheduler=dict(type='mmdet3d.MyCosineHook', max_epochs=36))
        train_cfg = dict(by_epoch=True, max_epochs=36)
        """})
    assert ("SL308", "warning") in codes
    assert "MyCosineHook" in next(f.message for f in findings if f.code == "SL308")


def test_replaced_scheduler_list_is_an_error_with_the_index_remedy(tmp_path):
    base = """\
        optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
        param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11])]
        train_cfg = dict(by_epoch=True, max_epochs=12)
        """
    codes, findings = _codes(tmp_path, {"base.py": base, "config.py": """\
        _base_ = './base.py'
        param_scheduler = [dict(milestones=[30])]
        train_cfg = dict(max_epochs=40)
        """})
    assert ("SL309", "error") in codes
    assert "SL301" not in {c for c, _ in codes}
    msg = next(f.message for f in findings if f.code == "SL309")
    assert "_base_.param_scheduler[0].milestones = [30]" in msg
    codes, _ = _codes(tmp_path, {"config.py": """\
        _base_ = './base.py'
        param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[30, 36])]
        train_cfg = dict(max_epochs=40)
        """})
    assert "SL309" not in {c for c, _ in codes}


def test_yolov5_hook_with_a_misspelled_keyword_crashes_at_build(tmp_path):
    text = YOLOV5.format(kind="linear", hook=100, train=100, mim=10).replace("warmup_mim_iter", "warmup_min_iter")
    codes, findings = _codes(tmp_path, {"config.py": text})
    crash = next(f for f in findings if f.code == "SL302")
    assert crash.severity.value == "error" and "warmup_mim_iter" in crash.message and crash.location.line == 3
    codes, _ = _codes(tmp_path, {"config.py": YOLOV5.format(kind="linear", hook=100, train=100, mim=10)})
    assert "SL302" not in {c for c, _ in codes}
