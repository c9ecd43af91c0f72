"""Speed mechanisms shown on the shipped fixtures and on edge texts (the rest is in
test_speed_mechanisms.py): the `_base_` statement read alone gives what a whole parse gives, and a
finding merged from several configs shows the fix its first shown config gets, also when that
config's own fix was deferred."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from schedlint.fix import attach_fixes
from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings
from schedlint.loader import Loader
from schedlint.loader.detect import base_statement


def _quick_base_files(loader, path, text):
    """The `_base_` entries of a file from its `_base_ = ...` statement alone, as the loader reads them
    (`Loader._base_references`); None when the statement cannot be told apart on the text."""
    tree = base_statement(text)
    return None if tree is None else loader._base_files(path, tree)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "configs"


# -- the `_base_` statement read alone (dependents of a file are found without parsing every file)


@pytest.mark.parametrize("text", [
    "_base_ = './a.py'\nx = 1\n",
    "# comment\n_base_ = [\n    './a.py',  # the model\n    '../b/c.py',\n]\nx = 1\n",
    "_base_ = [\n    './long_'\n    'name.py'\n]\n",
    "x = 1\n_base_ = ('./a.py', './b.py')\n",
])
def test_the_base_statement_read_alone_gives_what_the_whole_parse_gives(tmp_path, text):
    path = tmp_path / "cfg.py"
    path.write_text(text)
    loader = Loader(scope_roots={})
    quick = _quick_base_files(loader, str(path), text)
    assert quick is not None
    assert quick == loader._base_files(str(path), loader._parse(str(path), text))


@pytest.mark.parametrize("text", [
    '"""\n_base_ = \'./doc.py\'\n"""\n_base_ = \'./a.py\'\n',  # after a triple-quoted string
    "_base_ = './a.py'\n_base_ = './b.py'\n",  # assigned twice
    "from mmengine.config import read_base\nwith read_base():\n    from .a import *\n",
])
def test_the_base_statement_is_not_guessed_when_the_text_is_ambiguous(tmp_path, text):
    path = tmp_path / "cfg.py"
    path.write_text(text)
    assert _quick_base_files(Loader(scope_roots={}), str(path), text) is None


# -- fixes of merged findings ---------------------------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES, root / "configs")
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    return root / "configs"


def _check(paths, cache: bool = False):
    settings = Settings(dependents=False, jobs=1)
    found = check_paths([str(p) for p in paths], settings, on_file=attach_fixes, cache=cache).findings
    return [f for f in found if f.code == "SL102"]


def _edits(finding):
    return None if finding.fix is None else [(e.file, e.content, e.location, e.end_location) for e in finding.fix.edits]


def test_a_finding_merged_from_several_configs_shows_the_first_configs_fix(tmp_path):
    configs = _tree(tmp_path)
    folder = configs / "pointpillars"
    first, second = sorted(folder.glob("*.py"))
    merged = _check([folder])
    assert merged and all(len(f.configs) == 2 and f.fix is not None for f in merged)
    alone = {f.merge_key(): _edits(f) for f in _check([first])}
    assert {f.merge_key(): _edits(f) for f in merged} == alone


def test_a_deferred_fix_is_computed_when_its_finding_is_the_one_shown(tmp_path):
    # the first config silences SL102: the finding shown is the second config's, whose fix was deferred
    configs = _tree(tmp_path)
    folder = configs / "pointpillars"
    first, second = sorted(folder.glob("*.py"))
    first.write_text("# schedlint: noqa: SL102\n" + first.read_text())
    shown = _check([folder])
    assert shown and all(f.configs == [str(second)] for f in shown)
    assert all(f.fix is not None and not f.deferred for f in shown)
    alone = {f.merge_key(): _edits(f) for f in _check([second])}
    assert {f.merge_key(): _edits(f) for f in shown} == alone


# -- the curve cache ------------------------------------------------------------------------------


def test_a_cache_hit_gives_the_curve_a_fresh_simulation_gives(tmp_path):
    import numpy as np

    from schedlint.lint.engine import Linter
    from schedlint.simulate import engine as simulation

    path = tmp_path / "cfg.py"
    path.write_text(
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
        "param_scheduler = [dict(type='MultiStepLR', by_epoch=True, begin=0, end=100, milestones=[60, 90])]\n"
        "train_cfg = dict(by_epoch=True, max_epochs=100)\n")
    linter = Linter(Settings(epoch_length=5000))
    resolved, _ = linter.resolve(str(path))
    plan = linter.plan_for(resolved, str(path))
    simulation._CACHE.clear()
    first = simulation.simulate(plan)
    assert first.series("lr").runs == 3 and first.nbytes < 100  # 500,000 iterations held as 3 runs
    assert next(iter(simulation._CACHE.values())) is first
    second = simulation.simulate(plan)
    assert np.array_equal(second.lr, first.lr) and np.array_equal(second.momentum, first.momentum)
    assert second.lr.tolist()[::100000] == [0.02] * 3 + [0.002] * 2 and not second.lr.flags.writeable


# -- curves held as runs --------------------------------------------------------------------------


def test_check_judges_every_fixture_without_expanding_a_curve(tmp_path, monkeypatch):
    """The rules, the fixes and their verification read the runs of a curve (`Curve.series`): no
    curve of the shipped tree is ever expanded to one number per iteration during `check`."""
    from schedlint.simulate import engine as simulation
    from schedlint.simulate.results import Curve

    def run():
        simulation._CACHE.clear()
        settings = Settings(dependents=False, jobs=1)
        found = check_paths([str(FIXTURES)], settings, on_file=attach_fixes, cache=False).findings
        return sorted((f.code, f.location.file, f.location.line, f.message, _edits(f) is not None) for f in found)

    plain = run()

    def expanded(self):
        raise AssertionError("a curve was expanded during check")

    monkeypatch.setattr(Curve, "lr", property(expanded))
    monkeypatch.setattr(Curve, "momentum", property(expanded))
    assert run() == plain
    assert len({code for code, *_ in plain}) >= 15 and "SL999" not in {code for code, *_ in plain}
