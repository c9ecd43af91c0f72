"""SL015: helpers bound again after a base computed run settings from them (loader.helpers + the rule).

Each case is checked against what mmengine itself loads where that matters: the base's values stay."""

from __future__ import annotations

import os
import textwrap

import pytest

from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings
from schedlint.loader import Loader

BASE = """\
max_epochs = 12
base_lr = 0.02
interval = 2
optim_wrapper = dict(optimizer=dict(type='SGD', lr=base_lr, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
                        milestones=[int(max_epochs * 2 / 3), max_epochs - 1])]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=interval)
"""


def write(tmp_path, files):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return os.fspath(tmp_path / "config.py")


def stale(tmp_path, files):
    return {(s.path, tuple(h.name for h in s.helpers)): (s.value, s.expected)
            for s in Loader().resolve(write(tmp_path, files)).stale}


def findings(tmp_path, files):
    result = check_paths([write(tmp_path, files)], Settings(dependents=False, epoch_length=10))
    assert not result.internal_errors
    return [f for f in result.findings if f.code == "SL015"]


def test_values_computed_from_a_rebound_helper_are_found_with_what_they_would_be(tmp_path):
    got = stale(tmp_path, {"base.py": BASE, "config.py": "_base_ = './base.py'\nmax_epochs = 24\n"})
    assert got == {
        (("train_cfg", "max_epochs"), ("max_epochs",)): (12, 24),
        (("param_scheduler", 0, "end"), ("max_epochs",)): (12, 24),
        (("param_scheduler", 0, "milestones"), ("max_epochs",)): ([8, 11], [16, 23]),
    }


def test_values_set_again_in_the_child_are_not_stale(tmp_path):
    files = {"base.py": BASE, "config.py": """\
        _base_ = './base.py'
        max_epochs = 24
        train_cfg = dict(max_epochs=max_epochs)
        param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[16, 22])]
        """}
    assert stale(tmp_path, files) == {}
    assert findings(tmp_path, files) == []


def test_a_helper_bound_again_to_the_same_value_changes_nothing(tmp_path):
    assert stale(tmp_path, {"base.py": BASE, "config.py": "_base_ = './base.py'\nmax_epochs = 12\n"}) == {}


def test_the_value_at_the_time_of_the_base_is_used_along_a_chain(tmp_path):
    """a -> b (max_epochs = 24, train_cfg again) -> config (max_epochs = 36): only what b computed is stale,
    with b's 24, not a's 12."""
    files = {"a.py": BASE, "b.py": """\
        _base_ = './a.py'
        max_epochs = 24
        train_cfg = dict(max_epochs=max_epochs)
        param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[16, 22])]
        """, "config.py": "_base_ = './b.py'\nmax_epochs = 36\n"}
    got = stale(tmp_path, files)
    assert got == {(("train_cfg", "max_epochs"), ("max_epochs",)): (24, 36),
                   (("param_scheduler", 0, "end"), ("max_epochs",)): (24, 36)}


def test_a_helper_bound_again_along_a_chain_is_named_once(tmp_path):
    """a (computes from max_epochs = 12) -> b (max_epochs = 24) -> config (max_epochs = 36): the config's
    finding is at its own binding, from a's 12 to its 36 (it named max_epochs twice, with the two bindings)."""
    files = {"a.py": BASE, "b.py": "_base_ = './a.py'\nmax_epochs = 24\n",
             "config.py": "_base_ = './b.py'\nmax_epochs = 36\n"}
    assert stale(tmp_path, files)[(("train_cfg", "max_epochs"), ("max_epochs",))] == (12, 36)
    found = findings(tmp_path, files)
    assert [f.location.line for f in found] == [2] and found[0].location.file.endswith("config.py")
    assert found[0].message.startswith("max_epochs = 36 does not change what a.py computed from max_epochs = 12:")


def test_pure_python_configs_keep_the_base_values_too(tmp_path):
    base = "from mmengine.optim import MultiStepLR\n" + BASE.replace("type='MultiStepLR'", "type=MultiStepLR")
    files = {"base.py": base, "config.py": """\
        from mmengine.config import read_base
        with read_base():
            from .base import *
        max_epochs = 24
        """}
    found = findings(tmp_path, files)
    assert len(found) == 1 and "train_cfg.update(max_epochs=max_epochs)" in found[0].message


def test_the_finding_is_at_the_binding_with_the_stale_values_related(tmp_path):
    files = {"base.py": BASE, "config.py": "_base_ = './base.py'\nmax_epochs = 24\ninterval = 4\n"}
    found = findings(tmp_path, files)
    by_line = {f.location.line: f for f in found}
    assert sorted(by_line) == [2, 3]
    assert by_line[2].severity.value == "error" and by_line[3].severity.value == "warning"  # length / cadence
    assert all(r.location.file.endswith("base.py") for r in by_line[2].related)
    assert "train_cfg.max_epochs (12, not 24)" in by_line[2].message


def test_a_value_set_again_but_lost_to_a_second_assignment_points_at_that_assignment(tmp_path):
    """The child does set train_cfg again, but a later `train_cfg =` in the same file replaces it: 'set those
    values again here' would be wrong advice, the two assignments must be merged (SL909 reports the loss)."""
    files = {"base.py": BASE, "config.py": """\
        _base_ = './base.py'
        max_epochs = 24
        param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[16, 23])]
        train_cfg = dict(max_epochs=max_epochs)
        train_cfg = dict(val_interval=4)
        """}
    found = findings(tmp_path, files)
    assert len(found) == 1, [f.message for f in found]
    assert ("line 4 of this file sets train_cfg.max_epochs again, but the `train_cfg =` at line 5 replaces that "
            "whole assignment (SL909); merge the two") in found[0].message
    assert "set those values again here" not in found[0].message


@pytest.mark.parametrize("expression", [
    "sum([max_epochs, 0])",  # a call outside int/float/round/min/max/abs
    "{'a': max_epochs}['a']",
    "max_epochs if True else 0",
])
def test_expressions_that_are_not_plain_arithmetic_are_not_judged(tmp_path, expression):
    base = BASE.replace("val_interval=interval", f"val_interval={expression}")
    files = {"base.py": base, "config.py": "_base_ = './base.py'\nmax_epochs = 24\n"}
    got = stale(tmp_path, files)
    assert not any(path == ("train_cfg", "val_interval") for path, _ in got)


def test_batch_the_lr_was_tuned_for_is_not_judged(tmp_path):
    """auto_scale_lr.base_batch_size is the reference batch: it stays when a child changes its batch size."""
    base = BASE + "batch = 32\nauto_scale_lr = dict(enable=True, base_batch_size=8 * batch)\n"
    assert stale(tmp_path, {"base.py": base, "config.py": "_base_ = './base.py'\nbatch = 12\n"}) == {}


def test_values_after_non_ascii_text_on_their_line_are_read(tmp_path):
    """ast's columns count UTF-8 bytes: the expression is cut at the right characters all the same."""
    base = BASE.replace("train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs",
                        "train_cfg = dict(type='EpochBasedTrainLoop', note='训练轮数', max_epochs=max_epochs")
    got = stale(tmp_path, {"base.py": base, "config.py": "_base_ = './base.py'\nmax_epochs = 24\n"})
    assert got[(("train_cfg", "max_epochs"), ("max_epochs",))] == (12, 24)


def test_a_hostile_expression_is_bounded(tmp_path):
    """Values computed from huge integers are not evaluated again past a size (the loader already refuses
    integers past 10,000 bits and expressions nested past 150 levels): quick, and nothing is reported."""
    import time

    base = BASE + "big = 2 ** 3000\ntrain_cfg.update(val_interval=(big * big * big) % 7 + interval)\n"
    start = time.process_time()
    got = stale(tmp_path, {"base.py": base, "config.py": "_base_ = './base.py'\nbig = 2 ** 3001\n"})
    assert time.process_time() - start < 30
    assert not any(path == ("train_cfg", "val_interval") for path, _ in got)


def test_huge_integers_bound_again_are_compared_without_overflow(tmp_path):
    """A helper holding an integer too large for a float (the loader allows 10,000 bits) bound again:
    compared exactly, never converted to a float (it raised OverflowError out of the loader)."""
    base = BASE + "big = 2 ** 2000\nunit = 2 ** 1996\ntotal_epochs = big // unit\n"
    got = stale(tmp_path, {"base.py": base, "config.py": "_base_ = './base.py'\nbig = 2 ** 2001\n"})
    assert got == {(("total_epochs",), ("big",)): (16, 32)}
