"""The training plan: horizon, epoch length, optimizer and normalised schedulers."""

from __future__ import annotations

import os
import textwrap

import pytest

from schedlint.loader import Loader
from schedlint.plan.mmengine import PlanError, build_plan, has_plan

SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"


def _source(text: str) -> str:
    """Dedent a test config; a leading SGD line (unindented) is kept as it is."""
    prefix = SGD if text.startswith(SGD) else ""
    return prefix + textwrap.dedent(text[len(prefix):]).lstrip("\n")


def plan_of(tmp_path, text, name="config.py", epoch_length=None, files=None):
    for extra, body in (files or {}).items():
        (tmp_path / extra).write_text(_source(body))
    path = tmp_path / name
    path.write_text(_source(text))
    return build_plan(Loader().resolve(os.fspath(path)), epoch_length)


def test_default_end_is_the_runner_horizon_in_the_scheduler_unit(tmp_path):
    plan = plan_of(
        tmp_path,
        SGD
        + """
        param_scheduler = [
            dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
            dict(type='CosineAnnealingLR', by_epoch=True),
            dict(type='PolyLR', by_epoch=False),
        ]
        train_cfg = dict(by_epoch=True, max_epochs=12)
        """,
        epoch_length=10,
    )
    warmup, cosine, poly = plan.schedulers
    assert (warmup.end, warmup.end_defaulted) == (50, False)
    assert (cosine.end, cosine.end_defaulted, cosine.by_epoch) == (12, True, True)
    assert (poly.end, poly.end_defaulted) == (120, True)  # max_iters = 12 epochs x 10


def test_iteration_loop_reports_one_epoch_to_epoch_schedulers(tmp_path):
    plan = plan_of(
        tmp_path,
        SGD
        + """
        param_scheduler = [dict(type='CosineAnnealingLR', convert_to_iter_based=True)]
        train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=100)
        """,
        epoch_length=40,
    )
    (s,) = plan.schedulers
    assert plan.horizon.loop == "iter" and plan.horizon.total_iters == 1000
    # the Runner's default end is max_epochs = 1 under the iteration loop, converted: 1 x 40
    assert (s.end, s.by_epoch, s.converted) == (40, False, True)


def test_convert_to_iter_based_scales_every_position(tmp_path):
    plan = plan_of(
        tmp_path,
        SGD
        + """
        param_scheduler = [
            dict(type='MultiStepLR', milestones=[8, 11], begin=1, end=12, convert_to_iter_based=True),
            dict(type='CosineAnnealingLR', T_max=2.5, begin=12, end=14.5, convert_to_iter_based=True),
        ]
        train_cfg = dict(by_epoch=True, max_epochs=16)
        """,
        epoch_length=10,
    )
    multistep, cosine = plan.schedulers
    assert (multistep.begin, multistep.end, multistep.args["milestones"]) == (10, 120, [80, 110])
    assert (cosine.begin, cosine.end, cosine.args["T_max"]) == (120, 145, 25.0)
    assert multistep.raw["milestones"] == [8, 11]  # the config's own numbers are kept for messages


def test_epoch_length_estimated_from_a_known_dataset_and_the_file_name(tmp_path):
    plan = plan_of(
        tmp_path,
        SGD
        + """
        train_dataloader = dict(batch_size=6, dataset=dict(type='RepeatDataset', times=2,
                                dataset=dict(type='KittiDataset')))
        train_cfg = dict(by_epoch=True, max_epochs=80)
        """,
        name="pointpillars_4xb6-80e_kitti.py",
    )
    # 3712 KITTI training samples x2 repeats / (6 per GPU x 4 GPUs) = 309.3 -> 310
    assert plan.horizon.epoch_length == 310
    assert "KITTI" in plan.horizon.epoch_length_source and "4 GPUs" in plan.horizon.epoch_length_source


def test_epoch_length_defaults_and_says_so(tmp_path):
    plan = plan_of(tmp_path, SGD + "train_cfg = dict(by_epoch=True, max_epochs=3)\n")
    assert plan.horizon.epoch_length == 1000
    assert plan.horizon.epoch_length_source.startswith("default")


def test_given_epoch_length_wins(tmp_path):
    plan = plan_of(
        tmp_path,
        SGD + "train_dataloader = dict(batch_size=2, dataset=dict(type='CocoDataset'))\n"
        "train_cfg = dict(by_epoch=True, max_epochs=3)\n",
        epoch_length=123,
    )
    assert plan.horizon.epoch_length == 123


@pytest.mark.parametrize(
    "optimizer, kind, base",
    [
        ("dict(type='SGD', lr=0.1)", "momentum", 0.0),
        ("dict(type='SGD', lr=0.1, momentum=0.9)", "momentum", 0.9),
        ("dict(type='AdamW', lr=1e-3)", "beta1", 0.9),
        ("dict(type='AdamW', lr=1e-3, betas=(0.95, 0.99))", "beta1", 0.95),
        ("dict(type='Adagrad', lr=0.1)", None, None),
    ],
)
def test_optimizer_momentum_kind(tmp_path, optimizer, kind, base):
    plan = plan_of(tmp_path, f"optim_wrapper = dict(optimizer={optimizer})\ntrain_cfg = dict(max_epochs=1, by_epoch=True)\n")
    assert plan.optimizer.momentum_kind == kind
    assert plan.optimizer.base_momentum == base


def test_auto_scale_lr_when_enabled(tmp_path):
    plan = plan_of(
        tmp_path,
        SGD
        + """
        train_dataloader = dict(batch_size=4)
        auto_scale_lr = dict(enable=True, base_batch_size=16)
        train_cfg = dict(by_epoch=True, max_epochs=12)
        """,
        name="x_8xb4-1x.py",
    )
    assert plan.optimizer.lr == pytest.approx(0.02 * 32 / 16)


def test_scoped_types_and_default_scope(tmp_path):
    plan = plan_of(
        tmp_path,
        SGD
        + """
        default_scope = 'mmpose'
        param_scheduler = [dict(type='mmdet.QuadraticWarmupLR', end=5), dict(type='ConstantLR', factor=2.5)]
        train_cfg = dict(by_epoch=True, max_epochs=12)
        """,
    )
    warmup, constant = plan.schedulers
    assert (warmup.type, warmup.scope) == ("QuadraticWarmupLR", "mmdet")
    assert (constant.type, constant.scope) == ("ConstantLR", "mmpose")


def test_provenance_of_plan_fields(tmp_path):
    plan = plan_of(
        tmp_path,
        """
        _base_ = './schedule.py'
        train_cfg = dict(max_epochs=24)
        """,
        files={
            "schedule.py": SGD
            + "param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11])]\n"
            "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
        },
    )
    (s,) = plan.schedulers
    assert os.path.basename(s.locs["end"].file) == "schedule.py" and s.locs["end"].line == 2
    assert os.path.basename(plan.horizon.locs["max_epochs"].file) == "config.py"
    assert plan.horizon.locs["max_epochs"].line == 2


def test_param_scheduler_per_optimizer_uses_the_first(tmp_path):
    plan = plan_of(
        tmp_path,
        """
        optim_wrapper = dict(generator=dict(optimizer=dict(type='Adam', lr=1e-4)),
                             discriminator=dict(optimizer=dict(type='Adam', lr=4e-4)))
        param_scheduler = dict(generator=[dict(type='LinearLR', start_factor=0.5, end=4)],
                               discriminator=dict(type='ConstantLR', factor=0.5))
        train_cfg = dict(by_epoch=True, max_epochs=8)
        """,
    )
    assert plan.optimizer.lr == 1e-4
    assert [s.type for s in plan.schedulers] == ["LinearLR"]
    assert any("several optimizers" in n for n in plan.notes)


def test_param_scheduler_per_optimizer_is_the_simulated_optimizers(tmp_path):
    """mmengine builds `param_scheduler[name]` for optimizer `name`: written in another order, the schedulers
    simulated are still the first optimizer's, never the other optimizer's on its LR."""
    plan = plan_of(
        tmp_path,
        """
        optim_wrapper = dict(generator=dict(optimizer=dict(type='Adam', lr=1e-4)),
                             discriminator=dict(optimizer=dict(type='Adam', lr=4e-4)))
        param_scheduler = dict(discriminator=dict(type='ConstantLR', factor=0.5),
                               generator=[dict(type='LinearLR', start_factor=0.5, end=4)])
        train_cfg = dict(by_epoch=True, max_epochs=8)
        """,
    )
    assert plan.optimizer.lr == 1e-4
    assert [(s.type, s.path) for s in plan.schedulers] == [("LinearLR", ("param_scheduler", "generator", 0))]


def test_no_plan_without_train_cfg(tmp_path):
    path = tmp_path / "model.py"
    path.write_text("model = dict(type='X')\n")
    resolved = Loader().resolve(os.fspath(path))
    assert not has_plan(resolved)
    with pytest.raises(PlanError):
        build_plan(resolved)


XTUNER = """\
from mmengine.optim import AmpOptimWrapper, CosineAnnealingLR, LinearLR
from torch.optim import AdamW
from xtuner.engine.runner import TrainLoop

max_epochs = {epochs}
optim_wrapper = dict(type=AmpOptimWrapper, optimizer=dict(type=AdamW, lr=2e-4))
param_scheduler = [
    dict(type=LinearLR, start_factor=1e-5, by_epoch=True, begin=0, end=0.03 * max_epochs, convert_to_iter_based=True),
    dict(type=CosineAnnealingLR, eta_min=0.0, by_epoch=True, begin=0.03 * max_epochs, end=max_epochs,
         convert_to_iter_based=True),
]
train_cfg = dict(type=TrainLoop, {length})
default_hooks = dict(checkpoint=dict(interval=500, by_epoch=False))
"""


def test_xtuner_train_loop_counts_its_epochs_in_iterations(tmp_path):
    # xtuner's TrainLoop is an IterBasedTrainLoop of int(max_epochs * len(train_dataloader)) iterations
    plan = plan_of(tmp_path, XTUNER.format(epochs=1.5, length="max_epochs=max_epochs"), epoch_length=400)
    h = plan.horizon
    assert (h.loop, h.max_iters, h.iterations_from_epochs, h.total_iters) == ("iter", 600, True, 600)
    assert [(s.begin, s.end) for s in plan.schedulers] == [(0, 18), (18, 600)]
    assert h.locs["max_iters"].line == 12  # (train_cfg's max_epochs)
    # as a dumped config writes it (mmengine's registry imports a dotted type)
    dumped = XTUNER.format(epochs=1.5, length="max_epochs=max_epochs").replace(
        "type=TrainLoop", "type='xtuner.engine.runner.TrainLoop'")
    assert plan_of(tmp_path, dumped, epoch_length=400).horizon.max_iters == 600
    # given max_iters, it is a plain iteration loop
    plan = plan_of(tmp_path, XTUNER.format(epochs=3, length="max_iters=16"), epoch_length=400)
    assert (plan.horizon.loop, plan.horizon.max_iters, plan.horizon.iterations_from_epochs) == ("iter", 16, False)


def test_xtuner_cadence_is_not_judged_on_a_default_epoch_length(tmp_path):
    from schedlint.lint.engine import Linter
    from schedlint.lint.settings import Settings

    def lint_file(path, epoch_length=None):
        return Linter(Settings(epoch_length=epoch_length)).lint_file(path)

    path = tmp_path / "xtuner.py"
    path.write_text(XTUNER.format(epochs=1, length="max_epochs=max_epochs"))
    # iterations of an unknown dataset (the default 1000 per epoch): the interval of 500 is not judged
    assert [f.code for f in lint_file(str(path))] == []
    path.write_text(XTUNER.format(epochs=1, length="max_epochs=max_epochs").replace("interval=500", "interval=5000"))
    assert [f.code for f in lint_file(str(path))] == []
    found = lint_file(str(path), epoch_length=200)
    assert [f.code for f in found] == ["SL202"] and "the 200 iterations of training" in found[0].message
    # a fixed length of 16 iterations against a schedule converted from epochs: the verdicts rest on the
    # default epoch length, said and held to warnings
    path.write_text(XTUNER.format(epochs=3, length="max_iters=16").replace("interval=500", "interval=8"))
    found = lint_file(str(path))
    assert sorted((f.code, f.severity.value) for f in found) == [("SL002", "warning"), ("SL009", "warning")]
    assert all("[epoch length 1000: default" in f.message for f in found)
    path.write_text(XTUNER.format(epochs=3, length="max_iters=1600").replace("interval=500", "interval=8"))
    found = lint_file(str(path))
    assert [(f.code, f.severity.value) for f in found] == [("SL003", "warning")]
    assert "[epoch length 1000: default" in found[0].message
    assert [(f.code, f.severity.value) for f in lint_file(str(path), epoch_length=2000)] == [("SL003", "error")]


def test_a_verdict_in_epochs_on_both_sides_does_not_rest_on_a_default_epoch_length(tmp_path):
    from schedlint.lint.engine import Linter

    path = tmp_path / "config.py"
    path.write_text(SGD + "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
                    "param_scheduler = [dict(type='CosineAnnealingLR', T_max=4, by_epoch=True, begin=20, end=24, "
                    "convert_to_iter_based=True)]\n")
    found = [f for f in Linter().lint_file(str(path)) if f.code == "SL002"]
    assert [(f.severity.value, "[epoch length" in f.message) for f in found] == [("error", False)]
    path.write_text(path.read_text().replace("begin=20, end=24, convert_to_iter_based=True", "begin=20000, end=24000,"
                                             " by_epoch=False").replace("T_max=4, by_epoch=True, ", "T_max=4000, "))
    found = [f for f in Linter().lint_file(str(path)) if f.code == "SL002"]
    assert [(f.severity.value, "[epoch length 1000: default" in f.message) for f in found] == [("warning", True)]


@pytest.mark.parametrize("text", [
    "optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\n"
    "lr_config = dict(policy='step', warmup='linear', warmup_iters=4000, warmup_ratio=0.001, step=[6])\n"
    "runner = dict(type='EpochBasedRunner', max_epochs=7)\n",
    SGD + "train_cfg = dict(by_epoch=True, max_epochs=7)\n"
    "param_scheduler = [dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=4000),\n"
    "                   dict(type='MultiStepLR', milestones=[6], by_epoch=True)]\n",
])
def test_a_warmup_share_of_a_guessed_length_is_not_judged(tmp_path, text):
    # UniverseNet's mva2023 configs: 4000 warm-up iterations in 7 epochs of an unknown dataset
    from schedlint.lint.engine import Linter
    from schedlint.lint.settings import Settings

    path = tmp_path / "config.py"
    path.write_text(text)
    codes = lambda **kw: [(f.code, f.severity.value) for f in Linter(Settings(**kw)).lint_file(str(path))  # noqa: E731
                          if f.code == "SL009"]
    assert codes() == []
    assert codes(epoch_length=1000) == [("SL009", "warning")]  # 57% of 7000 iterations
    assert codes(epoch_length=500) == [("SL009", "error")]  # past the 3500 iterations of training
    path.write_text(text.replace("4000", "8000"))
    assert codes() == [("SL009", "warning")]  # past the end on the guess too: said, as a warning


def test_a_truncated_schedule_under_a_warmup_measures_its_change_from_the_base_lr(tmp_path):
    # mmpose-style: MultiStepLR from iteration 0 under a LinearLR warm-up, run cut to 120 of 210 epochs
    # (its share was measured from the warm-up's 0.001x start: "11000% of the planned change is lost")
    from schedlint.lint.engine import Linter
    from schedlint.lint.settings import Settings

    path = tmp_path / "config.py"
    path.write_text("optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))\n"
                    "param_scheduler = [dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),\n"
                    "    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True)]\n"
                    "train_cfg = dict(max_epochs=120, by_epoch=True)\n")
    found = [f for f in Linter(Settings(epoch_length=1000)).lint_file(str(path)) if f.code == "SL003"]
    assert len(found) == 1 and "(100x the planned value, 100% of the planned change is lost)" in found[0].message


def test_a_base_without_a_length_and_save_best_are_not_judged_on_the_run_length(tmp_path):
    # CDMT's mmpose model bases (train_cfg without max_epochs: its children set it) got SL003 on an assumed
    # 1 epoch; `save_best` saves a checkpoint after every validation whatever the interval (SL202)
    from schedlint.lint.engine import Linter
    from schedlint.lint.settings import Settings

    path = tmp_path / "config.py"
    path.write_text("optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))\n"
                    "param_scheduler = [dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200])]\n"
                    "train_cfg = dict(by_epoch=True)\n")
    assert [f.code for f in Linter(Settings(epoch_length=100)).lint_file(str(path)) if f.code == "SL003"] == []
    path.write_text(SGD + "train_cfg = dict(by_epoch=True, max_epochs=12)\nval_cfg = dict()\nval_dataloader = dict()\n"
                    "default_hooks = dict(checkpoint=dict(type='CheckpointHook', interval=24, save_best='auto'))\n")
    codes = lambda: [f.code for f in Linter(Settings(epoch_length=100)).lint_file(str(path))]  # noqa: E731
    assert "SL202" not in codes()
    path.write_text(path.read_text().replace(", save_best='auto'", ""))
    assert "SL202" in codes()
