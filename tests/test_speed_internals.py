"""The mechanisms that make `check` fast and lean, each shown to keep the results exact: the value
budget's size memo, inherited sizes, loaders that reuse a parent's resolved chains, leaves dropped
after a tree run, the `_base_` statement read alone, libcst metadata per statement, deferred fixes
of merged findings, and the default number of workers."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path
from typing import Dict

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from schedlint.fix import attach_fixes
from schedlint.fix.cst import Document, _Parsed
from schedlint.lint import engine
from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings
from schedlint.loader import LoadProblem, Loader, plain
from schedlint.loader.core import _quick_base_files
from schedlint.model import Location

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "configs"


def write(root: Path, files: Dict[str, str]) -> Dict[str, Path]:
    out = {}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        out[rel] = path
    return out


def load_problem(path: Path) -> LoadProblem:
    with pytest.raises(LoadProblem) as info:
        Loader(scope_roots={}).resolve(str(path))
    return info.value


# -- the value budget ---------------------------------------------------------------------------


def test_doubling_by_names_alone_is_counted_at_every_reference(tmp_path):
    files = write(tmp_path, {
        "big.py": "a = []\nfor _ in range(40):\n    a = [a, a]\n",
        "small.py": "a = []\nfor _ in range(5):\n    a = [a, a]\n",
    })
    assert load_problem(files["big.py"]).code == "SL908"
    assert len(plain(Loader(scope_roots={}).resolve(str(files["small.py"])).values["a"])) == 2


@pytest.mark.parametrize("mutation", ["x.append([0] * 99000)", "x[0] = [0] * 99000"])
def test_a_value_mutated_after_it_was_measured_is_measured_again(tmp_path, mutation):
    # y is measured small (10 references to a 2-cell list); once x grows, z holds ~11 million cells:
    # a size remembered from before the mutation would let it through
    files = write(tmp_path, {"cfg.py": f"""
        x = [0]
        y = [x, x, x, x, x, x, x, x, x, x]
        {mutation}
        z = [y, y, y, y, y, y, y, y, y, y, y]
        """})
    problem = load_problem(files["cfg.py"])
    assert problem.code == "SL908"
    assert problem.location.line == 4


def test_nested_values_resolve_unchanged(tmp_path):
    files = write(tmp_path, {"cfg.py": """
        depth = 50
        model = dict(backbone=dict(depth=depth, out=[1, 2, 3]), head=dict(num=80, loss=dict(w=1.0)))
        model['head']['num'] = 3
        pipeline = [dict(type='A'), dict(type='B', keys=('x', 'y'))]
        data = dict(train=dict(pipeline=pipeline), val=dict(pipeline=pipeline))
        """})
    values = plain(Loader(scope_roots={}).resolve(str(files["cfg.py"])).values)
    assert values["model"] == {"backbone": {"depth": 50, "out": [1, 2, 3]}, "head": {"num": 3, "loss": {"w": 1.0}}}
    assert values["data"]["val"]["pipeline"][1] == {"type": "B", "keys": ("x", "y")}


def test_inherited_values_count_toward_the_bound(tmp_path):
    keys = lambda prefix, n: "".join(f"{prefix}{i} = [0] * 90000\n" for i in range(n))  # noqa: E731
    files = write(tmp_path, {
        "base.py": keys("b", 7),
        "child_big.py": "_base_ = './base.py'\n" + keys("c", 6),
        "child_small.py": "_base_ = './base.py'\n" + keys("c", 2),
    })
    loader = Loader(scope_roots={})
    assert len(loader.resolve(str(files["base.py"])).values) == 7
    assert len(loader.resolve(str(files["child_small.py"])).values) == 9
    problem = load_problem(files["child_big.py"])
    assert problem.code == "SL908" and "with its bases" in problem.message


# -- loaders sharing resolved chains ------------------------------------------------------------

CHAIN = {
    "base.py": "lr = 0.01\noptim_wrapper = dict(optimizer=dict(type='SGD', lr=lr))\n",
    "child.py": "_base_ = './base.py'\ntrain_cfg = dict(max_epochs=12)\n",
    "other.py": "x = 1\n",
}


def test_a_loader_reuses_its_parents_chains_unless_a_file_of_them_is_overridden(tmp_path):
    files = write(tmp_path, CHAIN)
    parent = Loader(scope_roots={})
    shared = parent.resolve(str(files["child.py"]), copy=False).values
    unrelated = Loader(scope_roots={}, overrides={str(files["other.py"]): "x = 2\n"}, parent=parent)
    assert unrelated.parent is parent
    assert unrelated.resolve(str(files["child.py"]), copy=False).values is shared
    edited = Loader(scope_roots={}, overrides={str(files["base.py"]): CHAIN["base.py"].replace("0.01", "0.5")},
                    parent=parent)
    values = edited.resolve(str(files["child.py"]), copy=False).values
    assert values is not shared and values["optim_wrapper"]["optimizer"]["lr"] == 0.5
    assert parent.resolve(str(files["child.py"])).values["optim_wrapper"]["optimizer"]["lr"] == 0.01
    # a parent that resolves differently is not used
    assert Loader(scope_roots={"mmdet": str(tmp_path)}, parent=parent).parent is None


def test_forget_drops_a_leaf_and_keeps_what_is_inherited(tmp_path):
    files = write(tmp_path, CHAIN)
    loader = Loader(scope_roots={})
    before = plain(loader.resolve(str(files["child.py"])).values)
    loader.forget(str(files["child.py"]))
    loader.forget(str(files["base.py"]))
    assert str(files["child.py"]) not in loader._results
    assert str(files["base.py"]) in loader._results
    assert plain(loader.resolve(str(files["child.py"])).values) == before


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


# -- libcst metadata per statement ---------------------------------------------------------------

CST_TEXTS = [
    "# header comment\n\n_base_ = ['./a.py']\n\n# about the schedule\nparam_scheduler = [\n"
    "    dict(type='LinearLR', start_factor=0.001,  # warm-up\n         by_epoch=False, begin=0, end=500),\n"
    "]\nif True:\n    x = 1\nelse:\n    x = 2\na = 1; b = dict(c=2)\n",
    "train_cfg = dict(max_epochs=12)\r\n\r\nlr = 0.02  # base lr\r\n",
    "x = {\n  'k': [1,\n        2],\n}\n\n\n\ny = x  # trailing\n",
]


@pytest.mark.parametrize("text", CST_TEXTS)
def test_positions_and_parents_per_statement_equal_libcsts_own(text):
    parsed = _Parsed("cfg.py", text)
    wrapper = MetadataWrapper(parsed.module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    header = {id(n) for line in parsed.module.header for n in _subtree(line)}
    checked = 0
    for node, rng in positions.items():
        if node is parsed.module or id(node) in header:
            continue
        assert parsed.position(node) == rng
        assert parsed.parent(node) is parents[node]
        checked += 1
    assert checked > 10


def _subtree(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _subtree(child)


def test_an_edit_through_the_per_statement_index_changes_only_that_value():
    text = CST_TEXTS[0]
    doc = Document("cfg.py", text)
    line = text.splitlines().index("         by_epoch=False, begin=0, end=500),") + 1
    col = text.splitlines()[line - 1].index("500")
    doc.replace(doc.node_at(Location("cfg.py", line, col, line, col + 3)), "1000")
    assert doc.result() == text.replace("end=500", "end=1000")


# -- text pre-filters ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("_base_ = './x.py'\nparam_scheduler = []\n", True),
    ("import argparse\nmodel = dict()\n", False),
    ("model = dict(); print(model)\n", False),
    ("model = dict()\nprint(model)\n", False),
    ("model = dict()\ndef helper():\n    return 1\n", False),
])
def test_looks_like_config(tmp_path, text, expected):
    path = tmp_path / "f.py"
    path.write_text(text)
    assert engine.looks_like_config(str(path)) is expected


@pytest.mark.parametrize("text, names", [
    ("a = dict(x=1)\nb = 2\na = dict(y=2)\n", ["a"]),
    ("a = dict(x=1); a = dict(y=2)\n", ["a"]),
    ("b = dict(x=1)\na = b = dict(y=2)\n", ["b"]),
    ("model = dict(\ntype='A',\n)\nx = dict(\ntype='B',\n)\n", []),
])
def test_duplicate_top_level_keys_are_found_past_the_text_filter(tmp_path, text, names):
    from schedlint.rules.loading.duplicate_top_level_key import _duplicates

    path = tmp_path / f"f{len(text)}.py"
    path.write_text(text)
    assert [d[0] for d in _duplicates(str(path), os.path.getmtime(path))] == names


# -- workers -----------------------------------------------------------------------------------


def test_default_workers_follow_cores_and_tree_size_not_the_load_average(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (100.0, 100.0, 100.0), raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert engine.default_workers(10_000) == 2
    assert engine.default_workers(10) == 1


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
