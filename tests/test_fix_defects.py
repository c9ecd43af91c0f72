"""The ten defects of issue 13, each judged against mmengine's real schedulers (torch CPU), with
every param group where the config scales groups (`paramwise_cfg` lr_mult)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import List

import numpy as np
import pytest

from schedlint.fix.engine import fix_paths
from schedlint.fix.propose import FixOptions
from schedlint.lint.engine import Linter, check_paths
from schedlint.lint.settings import Settings

torch = pytest.importorskip("torch")
pytest.importorskip("mmengine")

EPOCH = 20  # iterations per epoch in every test

BASE_1X = """\
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
"""


def write(root: Path, files: dict) -> None:
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")


def mmengine_lrs(path: Path, mults: List[float] = (1.0, 0.1)) -> np.ndarray:
    """LR of every param group at every iteration, from mmengine's own schedulers stepped the way
    its ParamSchedulerHook steps them."""
    import mmengine.optim  # noqa: F401  (registers the schedulers)
    from mmengine.config import Config
    from mmengine.registry import PARAM_SCHEDULERS

    cfg = Config.fromfile(os.fspath(path))
    lr = cfg.optim_wrapper.optimizer.lr
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in mults]
    opt = torch.optim.SGD([{"params": [p], "lr": lr * m} for p, m in zip(params, mults)], lr=lr, momentum=0.9)
    schedulers = []
    for c in cfg.param_scheduler:
        c = dict(c)
        cls = PARAM_SCHEDULERS.get(c.pop("type"))
        if c.pop("convert_to_iter_based", False):
            schedulers.append(cls.build_iter_from_epoch(opt, epoch_length=EPOCH, **c))
        else:
            schedulers.append(cls(opt, **c))
    out = []
    for _ in range(cfg.train_cfg.max_epochs):
        for _ in range(EPOCH):
            out.append([g["lr"] for g in opt.param_groups])
            for s in schedulers:
                if not s.by_epoch:
                    s.step()
        for s in schedulers:
            if s.by_epoch:
                s.step()
    return np.array(out)


def settings() -> Settings:
    return Settings(epoch_length=EPOCH)


def codes(path: Path) -> List[str]:
    return [f.code for f in check_paths([os.fspath(path)], settings()).findings]


# 1 + 10: --cosine is relative per group and ends at the promised LR at iteration resolution
def test_cosine_relative_in_every_group_and_stepped_per_iteration(tmp_path):
    write(tmp_path, {"base.py": BASE_1X, "leaf.py": "_base_ = './base.py'\ntrain_cfg = dict(max_epochs=24)\n"})
    result = fix_paths([os.fspath(tmp_path / "leaf.py")], settings(), FixOptions(cosine=True))
    assert result.applied and not result.refused
    text = (tmp_path / "leaf.py").read_text()
    assert "eta_min_ratio=0.01" in text and "convert_to_iter_based=True" in text and "eta_min=" not in text
    lrs = mmengine_lrs(tmp_path / "leaf.py")
    for group, mult in enumerate((1.0, 0.1)):
        target = 0.02 * mult * 0.01
        assert lrs[-1, group] == pytest.approx(target, rel=0.02)  # the last iteration, not the last epoch
        assert lrs[-EPOCH, group] > lrs[-1, group]  # the last epoch still decays
    assert "SL105" not in codes(tmp_path / "leaf.py")


def test_cosine_keeps_a_step_decay_whose_milestones_fit_once_its_end_is_extended(tmp_path):
    """mmdet's 2x over the 1x base: milestones [16, 22] fit 24 epochs, only the inherited end=12 cuts them.
    The safe fix (end=24) keeps the author's steps; --cosine does not replace them."""
    write(tmp_path, {"base.py": BASE_1X, "leaf.py": "_base_ = './base.py'\n_base_.param_scheduler[1].milestones = "
                                                    "[16, 22]\ntrain_cfg = dict(max_epochs=24)\n"})
    result = fix_paths([os.fspath(tmp_path / "leaf.py")], settings(), FixOptions(cosine=True))
    assert result.applied and not result.refused
    text = (tmp_path / "leaf.py").read_text()
    assert "CosineAnnealingLR" not in text and "_base_.param_scheduler[1].end = 24" in text
    lrs = mmengine_lrs(tmp_path / "leaf.py")
    assert lrs[16 * EPOCH, 0] == pytest.approx(0.002) and lrs[-1, 0] == pytest.approx(0.0002)


def test_no_length_rewrite_when_the_length_itself_is_stale(tmp_path):
    """SR-TOD's ssj-90k: the child binds `max_iters = 90000` again after the base computed train_cfg from 270000
    (SL015). The schedule written for 90000 is right; stretching it to the stale 270000 (--cosine, --rescale)
    would make the wrong run longer, so neither is offered."""
    base = """\
max_iters = 270000
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False, milestones=[243000, 256500])]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
"""
    leaf = """\
_base_ = './base.py'
max_iters = 90000
param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False, milestones=[81000, 85500])]
"""
    write(tmp_path, {"base.py": base, "leaf.py": leaf})
    assert {"SL015", "SL004"} <= set(codes(tmp_path / "leaf.py"))
    result = fix_paths([os.fspath(tmp_path / "leaf.py")], settings(), FixOptions(cosine=True, rescale=True))
    assert not result.applied
    assert (tmp_path / "leaf.py").read_text() == textwrap.dedent(leaf)


# 2: a second --rescale after another length change rescales again
def test_second_rescale_follows_the_new_length(tmp_path):
    write(tmp_path, {"base.py": BASE_1X, "leaf.py": "_base_ = './base.py'\ntrain_cfg = dict(max_epochs=24)\n"})
    leaf = tmp_path / "leaf.py"
    fix_paths([os.fspath(leaf)], settings(), FixOptions(rescale=True))
    leaf.write_text(leaf.read_text().replace("max_epochs=24", "max_epochs=36"))
    result = fix_paths([os.fspath(leaf)], settings(), FixOptions(rescale=True))
    assert result.applied, result.refused
    lrs = mmengine_lrs(leaf)
    for group, mult in enumerate((1.0, 0.1)):
        assert lrs[24 * EPOCH, group] == pytest.approx(0.02 * mult * 0.1)  # decays at 24 = 8/12 of 36
        assert lrs[24 * EPOCH - 1, group] == pytest.approx(0.02 * mult)
        assert lrs[-1, group] == pytest.approx(0.02 * mult * 0.01)  # second decay at 33
    assert "rescaled from 24 to 36 epochs" in leaf.read_text()
    assert not codes(leaf)


# 3: counts match what was written when the fixed config is itself inherited
def test_counts_when_the_fixed_config_is_inherited(tmp_path):
    write(tmp_path, {
        "base.py": BASE_1X,
        "mid.py": "_base_ = './base.py'\n_base_.param_scheduler[1].milestones = [16, 22]\ntrain_cfg = dict(max_epochs=24)\n",
        "leaf.py": "_base_ = './mid.py'\nval_cfg = dict()\n",
    })
    before = {n: (tmp_path / n).read_text() for n in ("base.py", "leaf.py")}
    checked = check_paths([os.fspath(tmp_path)], settings()).findings
    result = fix_paths([os.fspath(tmp_path)], settings())
    assert not result.remaining.findings
    assert not result.refused  # nothing "could not be applied" next to "0 remaining"
    # the inherited config is fixed once, and that fixes the config inheriting it too
    assert [os.path.basename(a.config) for a in result.applied] == ["mid.py"]
    assert {n: (tmp_path / n).read_text() for n in ("base.py", "leaf.py")} == before
    assert sum(a.count for a in result.applied) == len(checked)  # counted the way check counts
    for name in ("mid.py", "leaf.py"):
        lrs = mmengine_lrs(tmp_path / name)
        assert lrs[-1, 0] == pytest.approx(0.02 * 0.01) and lrs[-1, 1] == pytest.approx(0.002 * 0.01)


# 4: check shows the fix that fix writes
def test_check_fix_is_the_fix_written(tmp_path):
    write(tmp_path, {"base.py": BASE_1X,
                     "leaf.py": "_base_ = './base.py'\n_base_.param_scheduler[1].milestones = [16, 22]\n"
                                "train_cfg = dict(max_epochs=24)\n"})
    from schedlint.fix import attach_fixes
    from schedlint.fix.cst import apply_text_edits

    leaf = tmp_path / "leaf.py"
    finding = next(f for f in Linter(settings(), on_file=attach_fixes).lint_file(os.fspath(leaf)) if f.fix)
    shown = apply_text_edits(leaf.read_text(), finding.fix.edits, os.fspath(leaf))
    fix_paths([os.fspath(leaf)], settings())
    assert leaf.read_text() == shown


# 5: writing over a symlinked config keeps the link
def test_symlinked_config_stays_a_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    write(real, {"base.py": BASE_1X,
                 "leaf.py": "_base_ = './base.py'\n_base_.param_scheduler[1].milestones = [16, 22]\n"
                            "train_cfg = dict(max_epochs=24)\n"})
    link = real / "link.py"
    link.symlink_to("leaf.py")
    result = fix_paths([os.fspath(link)], settings())
    assert result.written and link.is_symlink()
    assert "end = 24" in (real / "leaf.py").read_text()


# 6: shrinking 1x -> 3 epochs must not write a double decay
def test_no_duplicate_milestones(tmp_path):
    write(tmp_path, {"base.py": BASE_1X, "leaf.py": "_base_ = './base.py'\ntrain_cfg = dict(max_epochs=3)\n"})
    before = (tmp_path / "leaf.py").read_text()
    result = fix_paths([os.fspath(tmp_path / "leaf.py")], settings(), FixOptions(rescale=True))
    text = (tmp_path / "leaf.py").read_text()
    assert "[2, 2]" not in text
    if text == before:
        assert any("double decay" in r.reason or "SL304" in r.reason for r in result.refused)
    else:
        assert "SL304" not in codes(tmp_path / "leaf.py")


# 7: a fix that leaves every curve as it is, is not a fix
def test_a_no_op_is_refused(tmp_path):
    from schedlint.fix.transforms import Transform
    from schedlint.fix.verify import check_curves

    write(tmp_path, {"config.py": BASE_1X})
    linter = Linter(settings(), on_file=None)
    seen = {}
    linter2 = Linter(settings(), on_file=lambda findings, ctx, linter=None: seen.setdefault("ctx", ctx))
    linter2.lint_file(os.fspath(tmp_path / "config.py"))
    ctx = seen["ctx"]
    assert "no-op" in check_curves(ctx, ctx, Transform("rescale", "safe", "x"))
    assert linter is not None


# 8: existing statements are edited, not appended twice
def test_existing_statement_is_edited(tmp_path):
    write(tmp_path, {"base.py": BASE_1X,
                     "leaf.py": "_base_ = './base.py'\n_base_.param_scheduler[1].milestones = [16, 22]\n"
                                "_base_.param_scheduler[1].end = 12  # kept from 1x\n"
                                "train_cfg = dict(max_epochs=24)\n"})
    fix_paths([os.fspath(tmp_path / "leaf.py")], settings())
    text = (tmp_path / "leaf.py").read_text()
    assert text.count("param_scheduler[1].end") == 1
    assert "_base_.param_scheduler[1].end = 24  # kept from 1x" in text


# 9: expressions stay expressions
def test_expression_stays_a_function_of_the_variable(tmp_path):
    base = BASE_1X.replace(
        "dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1)",
        "dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs // 2 * 2, by_epoch=True, eta_min=0)",
    ).replace("optim_wrapper = dict(", "max_epochs = 12\noptim_wrapper = dict(").replace("max_epochs=12", "max_epochs=max_epochs")
    write(tmp_path, {"base.py": base,
                     "leaf.py": "_base_ = './base.py'\nmax_epochs = 24\ntrain_cfg = dict(max_epochs=max_epochs)\n"})
    result = fix_paths([os.fspath(tmp_path / "leaf.py")], settings(), FixOptions(rescale=True))
    text = (tmp_path / "leaf.py").read_text()
    assert result.applied, result.refused
    assert "T_max=max_epochs // 2 * 2" in text and "end=max_epochs" in text
    lrs = mmengine_lrs(tmp_path / "leaf.py")
    assert lrs[-1, 1] < 0.002 * 0.01  # annealed to ~0 over the 24 epochs, backbone group too


def test_in_place_tmax_becomes_the_expression_of_its_range(tmp_path):
    """`T_max=max_epochs // 2` under `end=max_epochs` (a cosine restarting mid-run) becomes
    `T_max=max_epochs`, not `T_max=24`: the next length change carries over."""
    write(tmp_path, {"one.py": """\
max_epochs = 24
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9),
                     paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs // 2, begin=0, end=max_epochs, by_epoch=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
"""})
    fix_paths([os.fspath(tmp_path / "one.py")], settings())
    text = (tmp_path / "one.py").read_text()
    assert "T_max=max_epochs," in text
    lrs = mmengine_lrs(tmp_path / "one.py")
    assert np.all(np.diff(lrs[::EPOCH, 0]) <= 0) and np.all(np.diff(lrs[::EPOCH, 1]) <= 0)  # no restart
    (tmp_path / "one.py").write_text(text.replace("max_epochs = 24", "max_epochs = 36"))
    assert "SL005" not in codes(tmp_path / "one.py")
