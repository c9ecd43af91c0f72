"""The arguments a scheduler class takes (SL302) and keys that cannot be keyword arguments (SL311).

The Runner builds every scheduler, the optimizer, the loop and the mmcv hooks by calling
`cls(**the_dict)`: Python itself rejects an argument the class does not take and a key that is not
a string, before the constructor runs. schedlint's catalogue of argument names is checked against
mmengine's own signatures (the oracle), and each failure against mmengine's own exception.
"""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest

from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings
from schedlint.simulate.schedulers import class_names, stepper_class
from schedlint.simulate.schedulers.base import COMMON_ARGUMENTS

SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
LOOP = "train_cfg = dict(by_epoch=True, max_epochs=12)\n"


def findings(tmp_path: Path, text: str, name: str = "config.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    result = check_paths([str(path)], Settings())
    assert not result.internal_errors
    return result.findings


def _mmengine_classes():
    torch = pytest.importorskip("torch")  # noqa: F841
    import mmengine.optim.scheduler as schedulers

    names = class_names()
    return [(name, getattr(schedulers, name)) for name in sorted(names) if hasattr(schedulers, name)]


def _keywords(cls) -> set:
    """The keyword arguments a call `cls(optimizer, **kwargs)` accepts, following the LR/momentum mixins'
    `*args, **kwargs` to the generic class they pass them to."""
    if cls.__name__.endswith(("LR", "Momentum")):
        generic = next(c for c in cls.__mro__[1:] if c.__name__.endswith("ParamScheduler"))
        return _keywords(generic) - {"param_name"}
    params = inspect.signature(cls.__init__).parameters
    return set(params) - {"self", "optimizer"}


def test_catalogue_arguments_are_mmengines_signatures():
    classes = _mmengine_classes()
    assert len(classes) >= 29  # every family in LR, Momentum and ParamScheduler form (no OneCycleMomentum)
    for name, cls in classes:
        family, flavour = class_names()[name]
        ours = set(stepper_class(family).arguments) | set(COMMON_ARGUMENTS)
        if flavour == "generic":
            ours.add("param_name")
        assert ours == _keywords(cls), name


@pytest.mark.parametrize("type_,extra,expected", [
    ("MultiStepLR", "milestones=[8, 11], gama=0.1", "unexpected keyword argument 'gama'"),
    ("CosineAnnealingLR", "T_max=12, param_name='lr'", "multiple values for argument 'param_name'"),
    ("LinearParamScheduler", "start_factor=0.1", "missing 1 required"),
])
def test_call_errors_match_mmengine(tmp_path, type_, extra, expected):
    torch = pytest.importorskip("torch")
    import mmengine.optim.scheduler as schedulers

    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.02, momentum=0.9)
    kwargs = eval(f"dict({extra})")  # noqa: S307  (the test's own literal)
    with pytest.raises(TypeError, match=expected.split(" '")[0]):
        getattr(schedulers, type_)(optimizer, begin=0, end=12, **kwargs)
    found = [f for f in findings(tmp_path, SGD + f"param_scheduler = [dict(type='{type_}', begin=0, end=12, {extra})]\n"
                                 + LOOP) if f.code == "SL302"]
    assert len(found) == 1 and expected in found[0].message, found


def test_misspelt_argument_points_at_it_and_names_the_likely_one(tmp_path):
    text = SGD + "param_scheduler = [dict(\n    type='MultiStepLR', milestones=[8, 11],\n    gama=0.1)]\n" + LOOP
    found = [f for f in findings(tmp_path, text) if f.code == "SL302"]
    assert len(found) == 1
    assert (found[0].location.line, found[0].location.col) == (4, 9)  # the value, as for every argument
    assert "did you mean 'gamma'?" in found[0].message


def test_every_argument_a_class_takes_is_quiet(tmp_path):
    text = SGD + """\
        param_scheduler = [
            dict(type='LinearLR', start_factor=0.1, end_factor=1.0, begin=0, end=2, by_epoch=True,
                 last_step=-1, verbose=False),
            dict(type='CosineAnnealingParamScheduler', param_name='lr', T_max=10, eta_min=0.0, begin=2, end=12),
            dict(type='ReduceOnPlateauLR', monitor='loss', rule='less', factor=0.5, patience=2, threshold=1e-4,
                 threshold_rule='rel', cooldown=0, min_value=0.0, eps=1e-8, begin=0, end=12),
        ]
        """ + LOOP
    assert not [f for f in findings(tmp_path, text) if f.code == "SL302"]


@pytest.mark.parametrize("text,where", [
    (SGD + "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11], **{0.1: 'gamma'})]\n" + LOOP,
     "param_scheduler[0]"),
    (SGD + "param_scheduler = dict(type='LinearLR', start_factor=0.1, end=2, **{3: 1})\n" + LOOP, "param_scheduler"),
    ("optim_wrapper = dict(optimizer={'type': 'SGD', 'lr': 0.02, 5: 1})\n" + LOOP, "optim_wrapper.optimizer"),
    (SGD + "train_cfg = {'by_epoch': True, 'max_epochs': 12, 2.5: 1}\n", "train_cfg"),
    (SGD + LOOP + "default_hooks = dict(param_scheduler={'type': 'YOLOv5ParamSchedulerHook', 1: 2})\n",
     "default_hooks.param_scheduler"),
    ("optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\nlr_config = {'policy': 'step', 'step': [8, 11], 4: 1}\n"
     "runner = dict(type='EpochBasedRunner', max_epochs=12)\n", "lr_config"),
    ("optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\nlr_config = dict(policy='step', step=[8, 11])\n"
     "momentum_config = {'policy': 'cyclic', None: 1}\nrunner = dict(type='EpochBasedRunner', max_epochs=12)\n",
     "momentum_config"),
])
def test_a_key_that_is_not_a_string_is_a_build_failure_not_a_crash(tmp_path, text, where):
    found = findings(tmp_path, text)
    assert not [f for f in found if f.code == "SL999"]
    keyword = [f for f in found if f.code == "SL311"]
    assert len(keyword) == 1 and keyword[0].message.startswith(f"{where} has the key"), keyword
    assert "keywords must be strings" in keyword[0].message


def test_keyword_error_is_pythons_own():
    def build(**kwargs):
        return kwargs

    with pytest.raises(TypeError, match="keywords must be strings"):
        build(**{1: 2})


def test_a_class_given_as_an_argument_is_judged_not_a_crash(tmp_path):
    """A pure-Python config can pass an imported class where a value belongs: the plan then holds a
    value JSON cannot hold, which the simulator's memo key could not serialise (an SL999 in 7 rules)."""
    text = """\
        from mmengine.optim.scheduler import MultiStepLR
        from torch.optim import SGD
        optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.02, momentum=0.9))
        param_scheduler = [dict(type=MultiStepLR, begin=0, end=12, by_epoch=True, milestones=[8, 11], step=MultiStepLR)]
        train_cfg = dict(by_epoch=True, max_epochs=12)
        """
    found = findings(tmp_path, text)
    assert [f.code for f in found] == ["SL302"]
    assert "unexpected keyword argument 'step'" in found[0].message


@pytest.mark.parametrize("train_cfg,reported", [
    ("dict(type='EpochBasedTrainLoop', max_iters=12, val_interval=1)", "does not take 'max_iters'"),
    ("dict(by_epoch=True, max_epochs=12, val_intervl=1)", "does not take 'val_intervl'"),
    ("dict(by_epoch=False, max_iters=1000, val_interval=100)", None),
    ("dict(by_epoch=False, val_begin=1, val_interval=10000)", None),  # a base: children give max_iters
    ("dict(type='MyProjectLoop', max_iters=12, anything=1)", None),  # a project's own loop
])
def test_train_loop_arguments(tmp_path, train_cfg, reported):
    torch = pytest.importorskip("torch")  # noqa: F841
    from mmengine.runner.loops import EpochBasedTrainLoop, IterBasedTrainLoop

    assert set(inspect.signature(EpochBasedTrainLoop.__init__).parameters) - {"self", "runner", "dataloader"} == \
        {"max_epochs", "val_begin", "val_interval", "dynamic_intervals"}
    assert set(inspect.signature(IterBasedTrainLoop.__init__).parameters) - {"self", "runner", "dataloader"} == \
        {"max_iters", "val_begin", "val_interval", "dynamic_intervals"}
    found = [f for f in findings(tmp_path, SGD + "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\n"
                                 + f"train_cfg = {train_cfg}\n") if f.code == "SL311"]
    assert [reported in f.message for f in found] == ([True] if reported else [])
