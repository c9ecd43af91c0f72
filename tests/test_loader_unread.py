"""The linter's loader leaves unread values unevaluated (`Loader(unread=...)`, `detect.deferrable`).

What it must hold: every value the linter reads equals the whole evaluation's; an error is never
reported that the whole evaluation would not report; a read of a value left unevaluated (by name, by
attribute, by subscript, through a `{{_base_.x}}` placeholder, copied out of `_base_`, merged into)
makes the loader evaluate the file whole, so nothing unevaluated reaches a name the linter reads.
"""

from __future__ import annotations

import ast
import glob
import json
import os
import textwrap
from pathlib import Path
from typing import Dict

import pytest

from schedlint.lint.engine import UNREAD_NAMES, Linter
from schedlint.loader import LoadProblem, Loader, plain
from schedlint.loader.detect import deferrable
from schedlint.loader.values import Unevaluated

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

MODEL = """
model = dict(
    type='RetinaNet',  # a comment naming model
    backbone=dict(type='ResNet', depth=50, init_cfg=dict(checkpoint='model.pth')),
    bbox_head=dict(num_classes=80))
"""
SCHEDULE = """
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], end=12)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
"""


def write(root: Path, files: Dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def both(path: Path):
    """(whole result or problem, result or problem with `model` unread)."""
    out = []
    for loader in (Loader(), Loader(unread=UNREAD_NAMES)):
        try:
            out.append(loader.resolve(str(path)))
        except LoadProblem as problem:
            out.append(problem)
    return out


def assert_same_reads(path: Path) -> None:
    """Everything but an unevaluated `model` equals the whole evaluation (problems too)."""
    whole, deferred = both(path)
    if isinstance(whole, LoadProblem) or isinstance(deferred, LoadProblem):
        assert isinstance(deferred, LoadProblem), f"{path}: only the whole evaluation fails: {whole.message}"
        assert isinstance(whole, LoadProblem), f"{path}: only the deferred evaluation fails: {deferred.message}"
        assert (whole.code, whole.message, whole.location) == (deferred.code, deferred.message, deferred.location)
        return
    assert list(whole.values) == list(deferred.values), path
    for key, value in deferred.values.items():
        if type(value) is Unevaluated:
            assert key in UNREAD_NAMES, (path, key)
            continue
        assert plain(value) == plain(whole.values[key]), (path, key)
        assert deferred.loc(key) == whole.loc(key), (path, key)
    assert deferred.chain == whole.chain and deferred.bases == whole.bases


# ------------------------------------------------------------------------------ which statements are deferred


def names_deferred(text: str):
    text = textwrap.dedent(text).lstrip("\n")
    body = ast.parse(text).body
    return sorted(s.targets[0].id for s in deferrable(body, text, frozenset({"model", "other"})))


def test_a_top_level_model_nothing_reads_is_deferred():
    assert names_deferred(MODEL + SCHEDULE) == ["model"]
    # comments between statements, and strings or comments inside its own value, do not count
    assert names_deferred("# model settings\n" + MODEL + "# the model ends here\nx = 1\n") == ["model"]


@pytest.mark.parametrize("use", [
    "model['neck'] = dict(type='FPN')",  # an edit in place
    "detector = model",  # a read
    "for model in [1, 2]:\n    pass",  # bound again by a loop
    "del model",
    "cfg = dict(m='x', n=model)",
    "if True:\n    model = dict()",  # assigned again in a block
    "x = 1; y = model",  # two statements on one line
    "w = dict(  # model\n  a=1)",  # a comment inside another statement keeps it, conservatively
])
def test_a_name_written_in_another_statement_is_evaluated(use):
    assert names_deferred(MODEL + use + "\n") == []


@pytest.mark.parametrize("value", [
    "dict(a=base.pop('x'))",  # a method call may change another value
    "dict(a=(n := 3))",  # an assignment expression binds another name
    "dict(a=lst.\n  append(1))",
])
def test_a_value_whose_evaluation_may_change_something_else_is_evaluated(value):
    assert names_deferred(f"base = dict(x=1)\nlst = []\nmodel = {value}\n") == []


def test_only_single_name_top_level_assignments_are_deferred():
    assert names_deferred("model, other = dict(), dict()\n") == []
    assert names_deferred("model = other = dict()\n") == []
    assert names_deferred("if True:\n    model = dict()\n") == []
    assert names_deferred("model: dict = dict()\n") == []
    assert names_deferred("model = dict(a=1)\nmodel = dict(a=2)\nother = 3\n") == ["model", "model", "other"]


def test_a_text_with_carriage_returns_defers_nothing():
    text = "x = 1\r" + MODEL.replace("\n", "\r\n")
    assert deferrable(ast.parse(text).body, text, frozenset({"model"})) == set()


# ------------------------------------------------------------------------------ the loader


def test_the_linter_loader_leaves_model_unevaluated(tmp_path):
    write(tmp_path, {"_base_/models/retina.py": MODEL, "_base_/schedules/s.py": SCHEDULE,
                     "a.py": "_base_ = ['./_base_/models/retina.py', './_base_/schedules/s.py']\n"
                             "model = dict(bbox_head=dict(num_classes=3))\n"})
    resolved = Linter().loader.resolve(str(tmp_path / "a.py"))
    assert type(resolved.values["model"]) is Unevaluated
    assert resolved.get("param_scheduler", 0, "milestones") == [8, 11]
    assert resolved.loc("model").line == 2  # where the child set it, as evaluated
    assert_same_reads(tmp_path / "a.py")


def test_an_error_in_an_unread_value_is_not_reported(tmp_path):
    # mmengine would fail on the NameError; the linter reads no `model`, and `schedlint resolve` evaluates it
    write(tmp_path, {"a.py": SCHEDULE + "model = dict(backbone=undefined_name)\n"})
    whole, deferred = both(tmp_path / "a.py")
    assert isinstance(whole, LoadProblem) and whole.code == "SL907"
    assert type(deferred.values["model"]) is Unevaluated


@pytest.mark.parametrize("child", [
    # the child reads the base's model by attribute, subscript, placeholder, or a copy of `_base_`
    "optim_wrapper = dict(optimizer=dict(type='SGD', lr=_base_.model.backbone.depth / 500))",
    "optim_wrapper = dict(optimizer=dict(type='SGD', lr=_base_['model']['backbone']['depth'] / 500))",
    "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs={{_base_.model.backbone.depth}})",
    "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, head={{_base_.model}})",
    "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1), held=_base_.get('model'))",
    "held = dict(**_base_)",
    "held = list(_base_.values())",
    # in place: an inherited value the linter reads is given the base's model
    "_base_.train_cfg['head'] = _base_.get('model')",
    # the child's own model is evaluated (it is edited later) and merges into the base's
    "model = dict(bbox_head=dict(num_classes=3))\nmodel['neck'] = dict(type='FPN')",
    # a later statement reads the child's deferred model: found when evaluating
    "model = dict(bbox_head=dict(num_classes=3))\nexec_ = [m for m in [model]]",
    "detector = _base_.model\ndetector.backbone.depth = 101",
    "del _base_.model",
])
def test_a_read_of_an_unevaluated_value_evaluates_the_file_whole(tmp_path, child):
    write(tmp_path, {"_base_/models/retina.py": MODEL, "_base_/schedules/s.py": SCHEDULE,
                     "a.py": "_base_ = ['./_base_/models/retina.py', './_base_/schedules/s.py']\n" + child + "\n"})
    assert_same_reads(tmp_path / "a.py")


def test_a_grandchild_sees_the_same_values_after_a_whole_evaluation_of_its_base(tmp_path):
    write(tmp_path, {"_base_/models/retina.py": MODEL, "_base_/schedules/s.py": SCHEDULE,
                     "mid.py": "_base_ = ['./_base_/models/retina.py', './_base_/schedules/s.py']\n"
                               "depth = _base_.model.backbone.depth\n",
                     "leaf.py": "_base_ = './mid.py'\nmodel = dict(neck=dict(type='FPN'))\n"
                                "train_cfg = dict(max_epochs={{_base_.depth}})\n",
                     "other.py": "_base_ = './_base_/models/retina.py'\n" + SCHEDULE})
    for name in ("leaf.py", "mid.py", "other.py"):
        assert_same_reads(tmp_path / name)
    loader = Loader(unread=UNREAD_NAMES)  # one loader: the base is cached deferred, then wanted whole
    for name in ("other.py", "leaf.py", "mid.py"):
        resolved = loader.resolve(str(tmp_path / name))
        assert plain(resolved.values["train_cfg"]) == plain(Loader().resolve(str(tmp_path / name)).values["train_cfg"])


def test_pure_python_configs_import_whole_values(tmp_path):
    write(tmp_path, {"base/__init__.py": "", "base/m.py": MODEL + SCHEDULE,
                     "leaf.py": "from mmengine.config import read_base\nwith read_base():\n    from .base.m import *\n"
                                "train_cfg.update(max_epochs=model.backbone.depth)\n"})
    assert_same_reads(tmp_path / "leaf.py")


def test_every_shipped_and_test_config_reads_the_same():
    paths = sorted(glob.glob(os.path.join(REPO, "fixtures", "**", "*.py"), recursive=True)
                   + glob.glob(os.path.join(REPO, "examples", "**", "*.py"), recursive=True))
    assert len(paths) > 50
    for path in paths:
        assert_same_reads(Path(path))


def test_the_resolve_command_evaluates_everything(tmp_path):
    from schedlint.lint.resolve import resolve_files

    write(tmp_path, {"a.py": MODEL + SCHEDULE})
    lines = []
    assert resolve_files([str(tmp_path / "a.py")], [], False, "json", False, {}, lines.append)
    assert json.loads(lines[0])["values"]["model"]["backbone"]["depth"] == 50


def test_reading_below_an_unevaluated_name_is_a_loud_bug(tmp_path):
    write(tmp_path, {"a.py": MODEL + SCHEDULE})
    resolved = Linter().loader.resolve(str(tmp_path / "a.py"))
    with pytest.raises(RuntimeError, match="UNREAD_NAMES"):
        resolved.get("model", "backbone", "depth")
    assert resolved.get("train_cfg", "max_epochs") == 12


@pytest.mark.parametrize("order", [("x.py", "a.py"), ("a.py", "x.py")])
def test_no_answer_depends_on_which_config_is_resolved_first(tmp_path, order):
    # the base's model is broken: the child reading it fails like the whole evaluation, the other does not,
    # whichever the loader meets first (a worker of a parallel run meets them in another order)
    write(tmp_path, {"base.py": SCHEDULE + "model = dict(backbone=undefined_name)\n",
                     "a.py": "_base_ = './base.py'\nhead = _base_.model\n",
                     "x.py": "_base_ = './base.py'\nmodel = dict(neck=1)\n"})
    loader = Loader(unread=UNREAD_NAMES)
    answers: Dict[str, set] = {}
    for name in order + order:
        try:
            answers.setdefault(name, set()).add(repr(plain(loader.resolve(str(tmp_path / name)).get("train_cfg"))))
        except LoadProblem as problem:
            answers.setdefault(name, set()).add(problem.code)
    train_cfg = {"type": "EpochBasedTrainLoop", "max_epochs": 12, "val_interval": 1}
    assert answers == {"a.py": {"SL907"}, "x.py": {repr(train_cfg)}}
