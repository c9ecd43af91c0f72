"""The mechanisms that make `check` fast, each held to the results it must not change: the loader's
value-size memo (forgotten around anything that may mutate), inherited sizes, loaders reusing a
parent's resolved chains, `Loader.forget`, libcst metadata resolved per statement, the text
pre-filters of `looks_like_config` and SL909, the default number of workers, and fixes deferred
for findings merged from several configs (also through the findings cache).

Every tree is written by the test into `tmp_path`. Where a mechanism is a shortcut, the test also
compares it with the slow path it stands for (the memo disabled, the text filter bypassed, libcst's
whole-module metadata, a run without the cache)."""

from __future__ import annotations

import ast
import os
import textwrap
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

import schedlint.fix.propose as propose
import schedlint.rules.loading.duplicate_top_level_key as sl909
from schedlint.fix import attach_fixes
from schedlint.fix.cst import Document
from schedlint.fix.cstindex import Parsed, _statement_starts, parse
from schedlint.lint import engine, retention, shape
from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings, load_settings
from schedlint.loader import LoadProblem, Loader, budget, plain
from schedlint.model import Location
from shipped import shipped_config_texts

# ---------------------------------------------------------------------------------------------- helpers


def write(root: Path, files: Dict[str, str]) -> Dict[str, Path]:
    """Write dedented files below `root`; return their paths by name (like test_loader.write_tree)."""
    out = {}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        out[rel] = path
    return out


def outcome(path: Path) -> object:
    """'loaded', or (code, line) of the load problem."""
    try:
        Loader(scope_roots={}).resolve(str(path), copy=False)
    except LoadProblem as problem:
        return (problem.code, problem.location.line)
    return "loaded"


def load_problem(path: Path, loader: Optional[Loader] = None) -> LoadProblem:
    with pytest.raises(LoadProblem) as info:
        (loader or Loader(scope_roots={})).resolve(str(path))
    return info.value


@pytest.fixture
def no_memo(monkeypatch):
    """Switch the size memo off (every check measures from scratch): the slow path the memo stands for."""
    measure = budget.measure

    def measure_without_memo(value, limit, node=None, walked=None, memo=None):
        return measure(value, limit, node, walked, None)

    def disable():
        monkeypatch.setattr(budget, "measure", measure_without_memo)

    return disable


# ---------------------------------------------------------------------------------------------- 1. size memo

Y = "y = [x, x, x, x, x, x, x, x, x, x]"
Z = "z = [y, y, y, y, y, y, y, y, y, y, y]"  # 11 * 10 references to x: ~11 million cells once x is big


def test_doubling_by_names_alone_is_counted_at_every_reference(tmp_path):
    files = write(tmp_path, {
        "big.py": "a = []\nfor _ in range(40):\n    a = [a, a]\n",
        "small.py": "a = []\nfor _ in range(5):\n    a = [a, a]\n",
    })
    problem = load_problem(files["big.py"])
    assert problem.code == "SL908"
    assert problem.location.line == 3  # refused while doubling, not after 2**40 cells
    a = plain(Loader(scope_roots={}).resolve(str(files["small.py"])).values["a"])
    depth = 0
    while a:
        assert len(a) == 2 and a[0] == a[1]
        a, depth = a[0], depth + 1
    assert depth == 5


# ~99,000 cells as a tree (99 references to one list), cheap to build
BIG = "[[0] * 1000] * 99"

# (mutation written between `y` and `z`, the line where the problem must be reported)
MUTATIONS = [
    pytest.param(["x.append(BIG)"], 4, id="method-call"),
    pytest.param(["x[0] = BIG"], 4, id="subscript-assignment"),
    pytest.param(["x.append(dict(a=0))", "x[1].a = BIG"], 5, id="attribute-assignment"),
    pytest.param(["x.extend([BIG])"], 4, id="extend"),
    pytest.param(["x += [BIG]"], 4, id="augmented-assignment"),
    pytest.param(["x[0:1] = [BIG]"], 4, id="slice-assignment"),
    pytest.param(["x, x[0] = x, BIG"], 4, id="tuple-target"),
    pytest.param(["q = [x.append(BIG)]"], 4, id="call-inside-an-assignment"),
    pytest.param(["v = [x.append(BIG) for _ in range(1)]"], 4, id="call-inside-a-comprehension"),
    pytest.param(["if x.append(BIG) is None:", "    pass"], 5, id="call-in-an-if-test"),
    pytest.param(["del x[0]", "x.insert(0, BIG)"], 5, id="del-then-insert"),
    # a subscript target mutates without a statement of its own or a call (fixed in b2e079c: the memo was kept,
    # the comprehension case loaded holding ~10.9 million cells, the loop case was reported at line 1)
    pytest.param(["w = [0 for x[0] in [BIG]]"], 4, id="comprehension-subscript-target"),
    pytest.param(["for x[0] in [0, BIG]:", "    " + Z], 4, id="for-loop-subscript-target"),
    pytest.param(["x.append(dict(a=0))", "for x[1].a in [0, BIG]:", "    " + Z], 5,
                 id="for-loop-attribute-target"),
]


@pytest.mark.parametrize("mutation, line", MUTATIONS)
def test_a_value_mutated_after_it_was_measured_is_measured_again(tmp_path, no_memo, mutation, line):
    # y is measured small (10 references to a 1-element list); after x grows, z holds ~11 million cells:
    # a size remembered from before the mutation would let z through
    lines = [m.replace("BIG", BIG) for m in mutation]
    text = "\n".join(["x = [0]", Y, *lines] + ([] if any(Z in m for m in lines) else [Z])) + "\n"
    path = write(tmp_path, {"cfg.py": text})["cfg.py"]
    assert outcome(path) == ("SL908", line)
    no_memo()  # and it is what measuring everything afresh finds
    assert outcome(path) == ("SL908", line)


@pytest.mark.parametrize("mutation", ["x.append([0] * 99000)", "x[0] = [0] * 99000"])
def test_a_flat_list_added_after_measuring_is_refused_where_it_is_used(tmp_path, mutation):
    path = write(tmp_path, {"cfg.py": "\n".join(["x = [0]", Y, mutation, Z]) + "\n"})["cfg.py"]
    problem = load_problem(path)
    assert problem.code == "SL908" and problem.location.line == 4
    assert "more than 1,000,000 elements" in problem.message


def test_a_small_mutation_is_not_refused(tmp_path):
    # the same statements with a small growth: measured afresh, still well within the budget
    text = "x = [0]\n" + Y + "\nx.append([0] * 9)\nx[0] = [1] * 9\n" + Z + "\n"
    path = write(tmp_path, {"cfg.py": text})["cfg.py"]
    values = plain(Loader(scope_roots={}).resolve(str(path)).values)
    assert values["z"][10][9] == [[1] * 9, [0] * 9]


def test_nested_config_values_resolve_unchanged(tmp_path):
    files = write(tmp_path, {"cfg.py": """
        depth = 50
        model = dict(backbone=dict(depth=depth, out=[1, 2, 3]), head=dict(num=80, loss=dict(w=1.0)))
        model['head']['num'] = 3
        model.backbone.out.append(4)
        pipeline = [dict(type='A'), dict(type='B', keys=('x', 'y'))]
        data = dict(train=dict(pipeline=pipeline), val=dict(pipeline=pipeline, batch=[8] * 4))
        stages = [[i] * i for i in range(4)]
        """})
    values = plain(Loader(scope_roots={}).resolve(str(files["cfg.py"])).values)
    assert values["model"] == {"backbone": {"depth": 50, "out": [1, 2, 3, 4]},
                               "head": {"num": 3, "loss": {"w": 1.0}}}
    assert values["data"] == {"train": {"pipeline": [{"type": "A"}, {"type": "B", "keys": ("x", "y")}]},
                              "val": {"pipeline": [{"type": "A"}, {"type": "B", "keys": ("x", "y")}],
                                      "batch": [8, 8, 8, 8]}}
    assert values["stages"] == [[], [1], [2, 2], [3, 3, 3]]


def test_a_value_built_level_by_level_is_walked_once_not_once_per_level(tmp_path):
    # each level adds 1,000 cells; measured from scratch at every level this walks ~4 million cells
    # (more than the step budget, SL908), with the memo ~90,000
    path = write(tmp_path, {"cfg.py": "a = []\nfor i in range(90):\n    a = [a] + [0] * 1000\n"})["cfg.py"]
    values = Loader(scope_roots={}).resolve(str(path), copy=False).values
    assert len(values["a"]) == 1001 and len(values["a"][0]) == 1001


def test_measure_reuses_the_memo_and_forget_drops_it():
    inner = [[0] * 100 for _ in range(10)]
    memo: dict = {}
    walked = [0]
    assert budget.measure(inner, budget.MAX_CELLS, None, walked, memo) == 1 + 10 * 101
    assert walked[0] == 11 + 10 * 101  # 1 + children per container
    outer = [inner, inner, inner]
    walked = [0]
    assert budget.measure(outer, budget.MAX_CELLS, None, walked, memo) == 1 + 3 * 1011
    assert walked[0] == 4  # only the new level: its three children are known
    cost = budget.Budget()
    assert cost.check(outer) == 1 + 3 * 1011
    inner[0].extend([0] * 100)
    assert cost.check(outer) == 1 + 3 * 1011  # stale by design until forgotten
    cost.forget()
    assert cost.sizes == {}
    assert cost.check(outer) == 1 + 3 * 1111


# ---------------------------------------------------------------------------------------------- 2. inherited sizes

# ~90,000 cells each (100 references to one 900-element list: counted as a tree, built cheaply)
def _keys(prefix: str, n: int) -> str:
    return "".join(f"{prefix}{i} = [[0] * 900] * 100\n" for i in range(n))


def test_inherited_values_count_toward_the_bound(tmp_path):
    files = write(tmp_path, {
        "base.py": _keys("b", 7),  # ~630,000 cells
        "child_big.py": "_base_ = './base.py'\n" + _keys("c", 6),  # + ~540,000
        "child_small.py": "_base_ = './base.py'\n" + _keys("c", 2),  # + ~180,000
    })
    loader = Loader(scope_roots={})
    assert len(loader.resolve(str(files["base.py"]), copy=False).values) == 7
    assert len(loader.resolve(str(files["child_small.py"]), copy=False).values) == 9
    problem = load_problem(files["child_big.py"], loader)
    assert problem.code == "SL908"
    assert "with its bases holds more than 1,000,000" in problem.message
    assert problem.location.file == str(files["child_big.py"])
    # the base alone is still fine in the same loader, and the child's problem is cached, not recomputed as ok
    assert len(loader.resolve(str(files["base.py"]), copy=False).values) == 7
    assert load_problem(files["child_big.py"], loader).code == "SL908"


def test_inherited_sizes_add_up_along_the_chain(tmp_path):
    # grand (~360k) <- middle (+~360k) <- leaf: each file alone is small, the chain is not
    files = write(tmp_path, {
        "grand.py": _keys("g", 4),
        "middle.py": "_base_ = './grand.py'\n" + _keys("m", 4),
        "leaf_big.py": "_base_ = './middle.py'\n" + _keys("l", 4),
        "leaf_small.py": "_base_ = './middle.py'\n" + _keys("l", 2),
    })
    assert outcome(files["leaf_small.py"]) == "loaded"
    assert outcome(files["leaf_big.py"]) == ("SL908", 1)


# ---------------------------------------------------------------------------------------------- 3. parent loaders

CHAIN = {
    "grand.py": "momentum = 0.9\n",
    "base.py": "_base_ = './grand.py'\nlr = 0.01\noptim_wrapper = dict(optimizer=dict(type='SGD', lr=lr))\n",
    "child.py": "_base_ = './base.py'\ntrain_cfg = dict(max_epochs=12)\n",
    "other.py": "x = 1\n",
}


def test_a_loader_reuses_its_parents_results_for_chains_without_overridden_files(tmp_path):
    files = write(tmp_path, CHAIN)
    child, base = str(files["child.py"]), str(files["base.py"])
    parent = Loader(scope_roots={})
    parent.resolve(child)
    shared = parent.resolve(child, copy=False).values

    unrelated = Loader(scope_roots={}, overrides={str(files["other.py"]): "x = 2\n"}, parent=parent)
    assert unrelated.parent is parent
    assert unrelated.resolve(child, copy=False).values is shared
    copied = unrelated.resolve(child).values
    assert copied is not shared and plain(copied) == plain(shared)
    assert plain(unrelated.resolve(str(files["other.py"])).values) == {"x": 2}

    edited = Loader(scope_roots={}, overrides={base: CHAIN["base.py"].replace("lr = 0.01", "lr = 0.5")},
                    parent=parent)
    values = edited.resolve(child, copy=False).values
    assert values is not shared
    assert values["optim_wrapper"]["optimizer"]["lr"] == 0.5 and values["momentum"] == 0.9
    # a file further up the chain counts too
    grand_edit = Loader(scope_roots={}, overrides={str(files["grand.py"]): "momentum = 0.5\n"}, parent=parent)
    assert grand_edit.resolve(child).values["momentum"] == 0.5
    # the parent's own results are untouched
    assert parent.resolve(child, copy=False).values is shared
    assert shared["optim_wrapper"]["optimizer"]["lr"] == 0.01 and shared["momentum"] == 0.9


def test_a_parent_that_resolves_differently_is_not_used(tmp_path):
    files = write(tmp_path, CHAIN)
    parent = Loader(scope_roots={})
    parent.resolve(str(files["child.py"]))
    assert Loader(scope_roots={"mmdet": str(tmp_path)}, parent=parent).parent is None
    assert Loader(scope_roots={}, allow_exec=True, parent=parent).parent is None
    assert Loader(scope_roots={}, environ={}, parent=parent).parent is None
    with_overrides = Loader(scope_roots={}, overrides={str(files["other.py"]): "x = 3\n"})
    assert Loader(scope_roots={}, parent=with_overrides).parent is None  # its results are not the disk's
    assert Loader(scope_roots={}, parent=parent).parent is parent


def test_a_parents_load_problem_is_not_reused_by_a_loader_that_overrides_the_file(tmp_path):
    files = write(tmp_path, {"broken.py": "_base_ = './base.py'\nx = (\n", "base.py": "y = 1\n"})
    parent = Loader(scope_roots={})
    assert load_problem(files["broken.py"], parent).code == "SL901"
    fixed = Loader(scope_roots={}, overrides={str(files["broken.py"]): "_base_ = './base.py'\nx = 2\n"},
                   parent=parent)
    assert plain(fixed.resolve(str(files["broken.py"])).values) == {"y": 1, "x": 2}


# ---------------------------------------------------------------------------------------------- 4. forget


def test_forget_drops_a_leaf_and_keeps_what_is_inherited(tmp_path):
    files = write(tmp_path, CHAIN)
    child, base = str(files["child.py"]), str(files["base.py"])
    loader = Loader(scope_roots={})
    before = plain(loader.resolve(child).values)
    base_result = loader._results[base]
    loader.forget(child)
    loader.forget(base)
    assert child not in loader._results and child not in loader._texts
    assert loader._results[base] is base_result
    assert plain(loader.resolve(child).values) == before
    assert loader._results[base] is base_result  # the base was not read again


def test_a_forgotten_leaf_is_read_again_and_a_kept_one_is_not(tmp_path):
    files = write(tmp_path, CHAIN)
    child = str(files["child.py"])
    loader = Loader(scope_roots={})
    loader.resolve(child)
    files["child.py"].write_text(CHAIN["child.py"].replace("12", "24"))
    assert loader.resolve(child).values["train_cfg"]["max_epochs"] == 12  # cached
    loader.forget(child)
    assert loader.resolve(child).values["train_cfg"]["max_epochs"] == 24


def test_forget_keeps_an_overridden_file(tmp_path):
    files = write(tmp_path, CHAIN)
    other = str(files["other.py"])
    loader = Loader(scope_roots={}, overrides={other: "x = 5\n"})
    loader.resolve(other)
    loader.forget(other)
    assert other in loader._results
    assert loader.resolve(other).values["x"] == 5


def test_a_tree_run_keeps_a_base_until_its_last_user_then_drops_it(tmp_path):
    """`Retention`: a base stays read while a later config of the run inherits it (also through another
    base) and is dropped after its last user; the findings are those of a run that keeps everything."""
    files = write(tmp_path, {
        "_base_/sched.py": "param_scheduler = [dict(type='MultiStepLR', by_epoch=True, begin=0, end=12, "
                           "milestones=[8, 11])]\ntrain_cfg = dict(by_epoch=True, max_epochs=12)\n",
        "_base_/mid.py": "_base_ = ['./sched.py']\noptim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, "
                         "momentum=0.9))\n",
        "a/one.py": "_base_ = ['../_base_/mid.py']\ntrain_cfg = dict(max_epochs=24)\n",
        "b/two.py": "_base_ = ['../_base_/mid.py']\n",
        "c/three.py": "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))\n"
                      "param_scheduler = [dict(type='LinearLR', by_epoch=False, begin=0, end=500)]\n"
                      "train_cfg = dict(by_epoch=True, max_epochs=12)\n",
    })
    order = [str(files[name]) for name in ("_base_/mid.py", "_base_/sched.py", "a/one.py", "b/two.py", "c/three.py")]
    retention = engine.Retention(order)
    linter = engine.Linter(Settings(dependents=False, jobs=1))
    loaded, found = [], []
    for path in order:
        found.append([(f.code, f.message) for f in engine._lint_one(linter, path, [])])
        retention.after(linter, path)
        loaded.append({os.path.relpath(p, tmp_path) for p in linter.loader._results})
    sched, mid = os.path.join("_base_", "sched.py"), os.path.join("_base_", "mid.py")
    assert sched in loaded[2] and mid in loaded[2]  # two.py inherits both (sched through mid)
    assert loaded[3] == loaded[4] == set()  # two.py was their last user
    kept = engine.Linter(Settings(dependents=False, jobs=1))
    assert [[(f.code, f.message) for f in engine._lint_one(kept, p, [])] for p in order] == found
    assert any(found)


def test_the_memory_of_a_tree_run_uses_the_names_noted_by_the_folder_walk(tmp_path, monkeypatch):
    """The folder walk notes what each config names while it reads it: `Retention` reads no file again,
    and plans the same releases as from the files themselves."""
    write(tmp_path, {
        "_base_/sched.py": "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\n",
        "_base_/mid.py": "_base_ = ['./sched.py']\noptim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02))\n",
        "a/one.py": "_base_ = ['../_base_/mid.py']\ntrain_cfg = dict(max_epochs=24)\n",
        "b/two.py": "_base_ = ['../_base_/mid.py', \"../_base_/sched.py\"]\n",
        "tools/tool.py": "import argparse\nprint('../_base_/mid.py')\n",
    })
    retention._NOTED.clear()
    files = engine.discover([str(tmp_path)])
    assert {os.path.relpath(p, tmp_path) for p in retention._NOTED} == {
        os.path.join(*p.split("/")) for p in ("_base_/sched.py", "_base_/mid.py", "a/one.py", "b/two.py")}
    reads: List[str] = []
    monkeypatch.setattr(retention, "read_bytes", lambda path, *a, **k: reads.append(path) or b"")
    from_notes = retention.Retention(files).release
    assert reads == [] and retention._NOTED == {}
    monkeypatch.undo()
    assert retention.Retention(files).release == from_notes


# ---------------------------------------------------------------------------------------------- 5. libcst metadata

CST_TEXTS = {
    "header-and-comments": (
        "# header comment\n# another\n\n_base_ = ['./a.py']\n\n\n# about the schedule\nparam_scheduler = [\n"
        "    dict(type='LinearLR', start_factor=0.001,  # warm-up\n         by_epoch=False, begin=0, end=500),\n"
        "]\n"),
    "multi-line-dict-call": "model = dict(\n    type='A',  # c\n    backbone=dict(\n        depth=50),\n)\nx = 1\n",
    "compound-if": "if True:\n    x = 1\n    # end of block\nelse:\n    x = 2\n# after\ny = dict(a=x)\n",
    "semicolons": "a = 1; b = dict(c=2); c = [a,\n  b]\nd = 4\n",
    "crlf": "# h\r\n\r\ntrain_cfg = dict(max_epochs=12)\r\n\r\nlr = dict(\r\n    a=0.02,  # base lr\r\n)\r\n",
    "footer-and-no-final-newline": "a = 1\nb = dict(x=2)\n\n# footer\n",
    "continuation-and-strings": "a = 1 + \\\n    2\ns = '''line1\nline2\n'''\nt = 'é' + 'αβ'; u = dict(k=t)\n",
    "loop-and-blank-lines": "for i in range(3):\n\ta = i\n\n\n\nb = [\n  1,\n  2,\n]\n",
    "read-base": "from mmengine.config import read_base\n\nwith read_base():\n    from .a import *  # noqa\n\nx = 1\n",
    "decorators-and-classes": ("import functools\n\n# a helper\n@functools.lru_cache()\n# between\n@functools.wraps(\n"
                               "    print)\ndef f(x):\n    return dict(a=x)\n\n\nclass C:\n    pass\n\n"
                               "try:\n    y = 1\nexcept Exception:  # c\n    y = 2\nz = dict(k=y)\n"),
}


def _subtree(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _subtree(child)


def _span(rng) -> Tuple[int, int, int, int]:
    return (rng.start.line, rng.start.column, rng.end.line, rng.end.column)


@pytest.mark.parametrize("text", CST_TEXTS.values(), ids=CST_TEXTS.keys())
def test_positions_and_parents_per_statement_equal_libcsts_whole_module_metadata(text):
    parsed = Parsed("cfg.py", text)
    wrapper = MetadataWrapper(parsed.module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    outside = {id(n) for part in (parsed.module.header, parsed.module.footer) for line in part
               for n in _subtree(line)}
    checked = 0
    for node, rng in positions.items():
        if node is parsed.module or id(node) in outside:
            continue
        assert _span(parsed.position(node)) == _span(rng), (type(node).__name__, parsed.module.code_for_node(node))
        # (a file parsed statement by statement gives its statements a bare module as parent)
        expected = parsed.root if parents[node] is parsed.module else parents[node]
        assert parsed.parent(node) is expected, type(node).__name__
        checked += 1
    assert checked >= 20
    assert parsed.parent(parsed.module) is None and parsed.parent(parsed.root) is None
    for stmt in parsed.module.body:
        assert parsed.parent(stmt) is parsed.root


def _counted_spans(module: cst.Module) -> List[Tuple[int, int]]:
    """Each top-level statement's lines counted on libcst's own code of it (what the parser's positions
    stand for)."""
    line, out = 1 + len(module.header), []
    for stmt in module.body:
        lines = module.code_for_node(stmt).count("\n")
        out.append((line, line + max(lines, 1) - 1))
        line += lines
    return out


def _corpus() -> List[str]:
    return list(CST_TEXTS.values()) + shipped_config_texts()


def test_statement_spans_from_the_parsers_positions_equal_libcsts_counted_ones():
    matched = 0
    for text in _corpus():
        try:
            parsed = Parsed("cfg.py", text)
        except Exception:  # not a file libcst parses: not edited either
            continue
        assert parsed.spans == _counted_spans(parsed.module), text[:200]
        matched += _statement_starts(parsed.module, text) is not None
    assert matched > 100  # the parser's positions were used, not only the fallback


@pytest.mark.parametrize("text", CST_TEXTS.values(), ids=CST_TEXTS.keys())
def test_every_expression_is_found_from_its_ast_location(text):
    # the loader's locations (ast, UTF-8 byte columns) through the per-statement index find the node
    # written there, on any line of the file
    source = text.replace("\r\n", "\n")
    doc = Document("cfg.py", text)
    found = 0
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.expr):
            continue
        loc = Location("cfg.py", node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
        cst_node = doc.node_at(loc)
        assert doc.code(cst_node).replace("\r\n", "\n").strip() == ast.get_source_segment(source, node)
        assert doc.line_of(cst_node) == node.lineno and doc.last_line_of(cst_node) == node.end_lineno
        found += 1
    assert found >= 2


def test_an_edit_changes_only_that_value_and_keeps_comments():
    text = CST_TEXTS["header-and-comments"]
    doc = Document("cfg.py", text)
    lines = text.splitlines()
    line = lines.index("         by_epoch=False, begin=0, end=500),") + 1
    col = lines[line - 1].index("500")
    node = doc.node_at(Location("cfg.py", line, col, line, col + 3))
    assert doc.code(node) == "500"
    doc.replace(node, "5")
    assert doc.result() == text.replace("end=500", "end=5")


def test_an_edit_after_non_ascii_text_on_a_later_statement_with_crlf():
    text = "# réglage\r\nname = 'αβγ'\r\nsched = dict(name='é', end=12)  # ü\r\n"
    doc = Document("cfg.py", text)
    line3 = "sched = dict(name='é', end=12)  # ü"
    col = len(line3[: line3.index("12")].encode("utf-8"))  # ast columns are UTF-8 bytes
    doc.replace(doc.node_at(Location("cfg.py", 3, col, 3, col + 2)), "5")
    assert doc.result() == text.replace("end=12", "end=5")


def test_parsed_modules_are_shared_but_edits_are_not():
    text = "a = 1\nb = dict(end=12)  # keep\n"
    assert parse("cfg.py", text) is parse("cfg.py", text)
    first, second = Document("cfg.py", text), Document("cfg.py", text)
    first.replace(first.node_at(Location("cfg.py", 2, 13, 2, 15)), "5")
    assert first.result() == "a = 1\nb = dict(end=5)  # keep\n"
    assert second.result() == text
    third = Document("cfg.py", text)
    third.replace(third.node_at(Location("cfg.py", 1, 4, 1, 5)), "2")
    assert third.result() == "a = 2\nb = dict(end=12)  # keep\n"


# ---------------------------------------------------------------------------------------------- 6. text pre-filters

LOOKS = [
    ("_base_ = './x.py'\nparam_scheduler = []\n", True),
    ("import argparse\nmodel = dict()\n", False),
    ("model = dict(); print(model)\n", False),
    ("model = dict()\nprint(model)\n", False),
    ("model = dict()\nprint (model)\n", False),
    ("model = dict()\nif __name__ == '__main__':\n    pass\n", False),
    ("model = dict()\nstate = open('f')\n", False),
    ("from argparse import ArgumentParser\nmodel = dict()\n", False),
    ("model = dict()\ndef helper():\n    return 1\n", False),
    ("model = dict(type='A')\nmodel.update(b=1)\n", True),
    ("param_scheduler = [dict(type='X')]\nmodel = dict()\nprint_cfg = dict(printed=True)\n", True),
    ("model = dict()\nif True:\n    print(model)\n", True),
    # a builtin call, an import or a statement the text hint once missed (fixed in b2e079c)
    ("model = dict()\n(print)(model)\n", False),
    ("model = dict()\nprint\\\n(model)\n", False),
    ("model = dict()\n\x0cimport sys\n", False),
    # the checkpoint addresses of OpenMMLab configs are no call of `open` (no parse needed for them)
    ("model = dict(init_cfg=dict(checkpoint='open-mmlab://detectron2/resnet50_caffe'))\n", True),
    ("model = dict(init_cfg='open-mmlab://x')\nstate = open('f')\n", False),
    # other frameworks' Python configs (detectron2 / detrex LazyConfig, Hydra): not OpenMMLab's
    ("from detrex.config import get_config\nfrom .models.dino_r50 import model\n"
     "optimizer = get_config('common/optim.py').AdamW\ntrain = get_config('common/train.py').train\n", False),
    ("from detectron2.config import LazyCall as L\nmodel = L(dict)(backbone=None)\n", False),
    ("from omegaconf import OmegaConf\nmodel = dict()\n", False),
    ("from mmengine.config import read_base\nwith read_base():\n    from .._base_.x import *\n"
     "param_scheduler = [dict(type='X')]\n", True),
]


@pytest.mark.parametrize("text, expected", LOOKS)
def test_looks_like_config(tmp_path, text, expected):
    path = tmp_path / "f.py"
    path.write_text(text)
    assert engine.looks_like_config(str(path)) is expected


@pytest.mark.parametrize("text", [t for t, _ in LOOKS])
def test_the_text_shortcut_of_looks_like_config_agrees_with_the_parse(tmp_path, monkeypatch, text):
    path = tmp_path / "f.py"
    path.write_text(text)
    fast = engine.looks_like_config(str(path))
    monkeypatch.setattr(shape, "_script_hint", lambda head: True)  # always decide on the statements
    assert engine.looks_like_config(str(path)) is fast


def _dup_names(path: Path) -> List[str]:
    sl909._duplicates.cache_clear()
    return [d[0] for d in sl909._duplicates(str(path), os.path.getmtime(path))]


DUPLICATES = [
    ("a = dict(x=1)\nb = 2\na = dict(y=2)\n", ["a"]),
    ("a = dict(x=1); a = dict(y=2)\n", ["a"]),
    ("b = dict(x=1)\na = b = dict(y=2)\n", ["b"]),
    ("a = dict(x=1)\nb = c = a = dict(y=2)\n", ["a"]),
    ("a = dict(x=1)\nb = (a) = dict(y=2)\n", ["a"]),
    ("a = dict(x=1)\na \\\n= dict(y=2)\n", ["a"]),
    ("a=dict(x=1)\na\t=dict(y=2)\n", ["a"]),
    ("a = dict(x=1)\nb = [\n1]; a = dict(y=2)\n", ["a"]),
    ("model = dict(\ntype='A',\n)\nx = dict(\ntype='B',\n)\n", []),
    ("a = dict(x=1)\na = dict(a, y=2)\n", []),  # the second reads the first
    # the first assignment binds two names: not reported, with or without the text filter
    ("a = b = dict(x=1)\nb = dict(y=2)\n", []),
    # hidden from the text filter until b2e079c
    ("a = dict(x=1)\n(a) = dict(y=2)\n", ["a"]),
    ("a = dict(x=1)\n\x0ca = dict(y=2)\n", ["a"]),
]


@pytest.mark.parametrize("text, names", DUPLICATES)
def test_duplicate_top_level_keys(tmp_path, text, names):
    path = tmp_path / "f.py"
    path.write_text(text, encoding="utf-8")
    assert _dup_names(path) == names


@pytest.mark.parametrize("text", [t for t, _ in DUPLICATES])
def test_the_text_filter_of_duplicate_keys_agrees_with_the_parse(tmp_path, monkeypatch, text):
    path = tmp_path / "f.py"
    path.write_text(text, encoding="utf-8")
    filtered = _dup_names(path)
    monkeypatch.setattr(sl909, "_may_repeat", lambda _text: True)
    assert _dup_names(path) == filtered


@pytest.mark.parametrize("text", [t for t, _ in DUPLICATES] + ["a = 1\nb = 2\n", "a: int = 1\na = 2\n",
                                                               "a, b = 1, 2\na = 3\n"])
def test_the_loader_says_which_files_may_assign_a_name_twice_and_sl909_reads_only_those(tmp_path, monkeypatch,
                                                                                       text):
    """The loader marks, from the tree it parsed, the files whose top level assigns a name twice; SL909
    reads only those and finds in a chain what it finds reading every file."""
    base = tmp_path / "base.py"
    base.write_text(text, encoding="utf-8")
    child = tmp_path / "child.py"
    child.write_text("_base_ = ['./base.py']\n"
                     "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
                     "param_scheduler = [dict(type='MultiStepLR', by_epoch=True, begin=0, end=12, milestones=[8])]\n"
                     "train_cfg = dict(by_epoch=True, max_epochs=12)\n")
    from schedlint.loader.detect import assigns_twice

    resolved = Loader(scope_roots={}).resolve(str(child))
    assert resolved.assigned_twice == ([str(base)] if assigns_twice(ast.parse(text)) else [])
    assert set(_dup_names(base)) <= set(n for stmt in ast.parse(text).body if isinstance(stmt, ast.Assign)
                                        for n in [t.id for t in stmt.targets if isinstance(t, ast.Name)])
    if _dup_names(base):
        assert resolved.assigned_twice == [str(base)]  # a file SL909 reports is never skipped

    def sl909_findings(gated: bool):
        if not gated:
            monkeypatch.setattr(Loader, "_assigned_twice", lambda self, chain: None)
        sl909._duplicates.cache_clear()
        linter = engine.Linter(Settings(dependents=False, jobs=1, epoch_length=10))
        return [(f.location.line, f.message) for f in linter.lint_file(str(child)) if f.code == "SL909"]

    found = sl909_findings(True)
    assert found == sl909_findings(False)
    assert len(found) == len(_dup_names(base))


def test_duplicate_keys_are_found_in_a_file_with_a_utf8_bom(tmp_path):
    # the loader strips a BOM; SL909 once parsed the file with it and found nothing (fixed in b2e079c)
    path = tmp_path / "f.py"
    path.write_bytes(b"\xef\xbb\xbfa = dict(x=1)\na = dict(y=2)\n")
    assert _dup_names(path) == ["a"]


# ---------------------------------------------------------------------------------------------- 7. workers


def test_default_workers_follow_the_cores_and_the_tree_not_the_load_average(monkeypatch):
    monkeypatch.setattr(os, "getloadavg", lambda: (100.0, 100.0, 100.0), raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert engine.default_workers(10_000) == 2
    assert engine.default_workers(10) == 1
    assert engine.default_workers(0) == 1

    def no_load_average():
        raise AssertionError("the load average was read")

    monkeypatch.setattr(os, "getloadavg", no_load_average, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert engine.default_workers(10_000) == 16
    assert engine.default_workers(2 * engine.FILES_PER_WORKER) == 2


# ---------------------------------------------------------------------------------------------- 8. deferred fixes

SCHEDULE_12E = """\
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
"""
# trains twice as long as the inherited schedule: every LR scheduler stops at epoch 12 (fixable)
LEAF_24E = "_base_ = '../_base_/schedule_12e.py'\ntrain_cfg = dict(max_epochs=24)\n"
LEAVES = ["det/a_24e.py", "det/b_24e.py", "det/c_24e.py"]
# the first leaf with its own schedule that fits its 24 epochs
FITTING = LEAF_24E + ("param_scheduler = [\n    dict(type='MultiStepLR', begin=0, end=24, by_epoch=True, "
                      "milestones=[16, 22], gamma=0.1),\n]\n")


def _project(tmp_path: Path):
    files = write(tmp_path, {"pyproject.toml": "[project]\nname = 'p'\n",
                             "schedlint.toml": "epoch-length = 100\ncache-dir = '.cache'\n",
                             "_base_/schedule_12e.py": SCHEDULE_12E,
                             **{leaf: LEAF_24E for leaf in LEAVES}})
    return files, load_settings(str(files["schedlint.toml"]))


def _check(paths, settings, cache: bool = False):
    return check_paths([str(p) for p in paths], settings, on_file=attach_fixes, cache=cache).findings


def _shape(findings) -> list:
    return [(f.code, (f.location.file, f.location.line, f.location.col, f.location.end_line, f.location.end_col),
             f.message, list(f.configs),
             None if f.fix is None else (f.fix.applicability, f.fix.message,
                                         [(e.file, e.content, tuple(e.location), tuple(e.end_location))
                                          for e in f.fix.edits]))
            for f in findings]


def _fixes(findings) -> dict:
    return {f.merge_key(): _shape([f])[0][4] for f in findings if f.fix is not None}


def test_a_finding_merged_from_several_configs_carries_the_first_configs_fix(tmp_path, monkeypatch):
    files, settings = _project(tmp_path)
    leaves = [str(files[leaf]) for leaf in LEAVES]
    calls: List[str] = []
    verified = propose.attach_verified

    def spy(findings, ctx, *args, **kwargs):
        calls.append(ctx.resolved.filename)
        return verified(findings, ctx, *args, **kwargs)

    monkeypatch.setattr(propose, "attach_verified", spy)
    merged = _check([tmp_path], settings)
    shared = [f for f in merged if f.configs == leaves]
    assert shared, [(f.code, f.configs) for f in merged]
    assert all(f.fix is not None and not f.deferred for f in shared)
    assert all(e.file == leaves[0] for f in shared for e in f.fix.edits)
    assert calls == [leaves[0]]  # the other two leaves' fixes were deferred, never computed

    alone = _fixes(_check([files[LEAVES[0]]], settings))
    assert {f.merge_key(): _shape([f])[0][4] for f in shared} == {k: alone[k] for k in (f.merge_key() for f in shared)}


@pytest.mark.parametrize("change", ["fit", "delete"])
def test_deferred_fixes_through_the_cache_equal_a_run_without_it(tmp_path, change):
    files, settings = _project(tmp_path)
    cold = _check([tmp_path], settings, cache=True)
    assert any(f.fix is not None and len(f.configs) == 3 for f in cold)
    assert any(name.startswith("findings-") for name in os.listdir(tmp_path / ".cache"))
    # the first leaf, whose fix was the one shown, no longer has the finding: the second leaf's comes from
    # the cache with its fix deferred, and must now be computed
    if change == "fit":
        files[LEAVES[0]].write_text(FITTING)
    else:
        files[LEAVES[0]].unlink()
    warm = _check([tmp_path], settings, cache=True)
    fresh = _check([tmp_path], settings, cache=False)
    assert _shape(warm) == _shape(fresh)
    rest = [str(files[leaf]) for leaf in LEAVES[1:]]
    moved = [f for f in warm if f.configs == rest]
    assert moved and all(f.fix is not None and not f.deferred for f in moved)
    assert all(e.file == rest[0] for f in moved for e in f.fix.edits)
    assert not any(str(files[LEAVES[0]]) in f.configs for f in warm)
    # and once more, every file now served from the cache
    assert _shape(_check([tmp_path], settings, cache=True)) == _shape(fresh)


# ------------------------------------------------------------------------ 7. dependents of a given file, lazily

def _project_with_a_script_in_a_chain(tmp_path, monkeypatch, milestones: str) -> List[str]:
    """configs/base.py inherited by other.py (and deep.py through it) and by mid.py, a script that leaf.py
    inherits, beside 20 tools; returns the list the files asked of `looks_like_config` are added to."""
    files = {
        "pyproject.toml": "[project]\nname = 'p'\n",
        "configs/base.py": ("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
                            f"param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones={milestones})]\n"
                            "train_cfg = dict(by_epoch=True, max_epochs=12)\n"),
        "configs/other.py": "_base_ = './base.py'\n",
        "configs/mid.py": "_base_ = './base.py'\nimport sys\nprint(sys.argv)\n",  # a script, not a config
        "configs/leaf.py": "_base_ = './mid.py'\n",  # inherits base.py only through the script
        "configs/deep.py": "_base_ = ['./other.py']\n",
    }
    files.update({f"tools/tool{i}.py": "import argparse\nmodel = dict()\nparser = argparse.ArgumentParser()\n"
                  for i in range(20)})
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    asked: List[str] = []
    real = engine.looks_like_config

    def counting(path: str) -> bool:
        asked.append(os.path.relpath(path, tmp_path))
        return real(path)

    monkeypatch.setattr(engine, "looks_like_config", counting)
    return asked


def test_the_dependents_of_a_given_file_test_only_the_inheriting_files_for_config_shape(tmp_path, monkeypatch):
    """`check base.py` looks for the configs inheriting it over every .py file of the project and asks
    `looks_like_config` only of the files that inherit: a script in the chain stops the inheritance as
    before (it is no config), and the project's other code is never parsed for it."""
    asked = _project_with_a_script_in_a_chain(tmp_path, monkeypatch, "[8, 11]")
    result = check_paths([str(tmp_path / "configs" / "base.py")], Settings(epoch_length=10))
    assert sorted(os.path.relpath(p, tmp_path) for p in result.dependents) == ["configs/deep.py", "configs/other.py"]
    assert sorted(set(asked)) == ["configs/deep.py", "configs/mid.py", "configs/other.py"]


def test_fix_tests_only_the_files_it_needs_for_config_shape(tmp_path, monkeypatch):
    """`fix base.py` (and the fixes `check` attaches) find the configs inheriting an edited file the same
    lazy way: the project's tools are never parsed, a script in the chain still stops the inheritance."""
    from schedlint.fix.engine import fix_paths
    from schedlint.fix.propose import FixOptions

    asked = _project_with_a_script_in_a_chain(tmp_path, monkeypatch, "[8, 14]")
    result = fix_paths([str(tmp_path / "configs" / "base.py")], Settings(epoch_length=10), FixOptions(), write=False)
    assert not result.internal_errors
    assert sorted(os.path.relpath(p, tmp_path) for p in result.remaining.files) == [
        "configs/base.py", "configs/deep.py", "configs/other.py"]
    assert not any(a.startswith("tools/") for a in asked)


def test_asking_what_files_inherit_keeps_none_of_their_text(tmp_path):
    """The dependents search asks every file of a project what it inherits (the fixes `check` attaches do it
    for each edited base): the loader keeps the answer, not the files' text (a tree run held the whole
    project's text: 126 MiB instead of 97 on the wheel trees). A file read before keeps what it had."""
    files = write(tmp_path, CHAIN)
    child, base, other = str(files["child.py"]), str(files["base.py"]), str(files["other.py"])
    loader = Loader(scope_roots={})
    loader.resolve(other)
    grand = str(files["grand.py"])
    index = engine.inheritance_index(loader, [child, base, other])
    assert index == {child: {base}, base: {grand}}
    held = [loader._texts, loader._prepared, loader._trees, loader._lazy_flags]
    assert not any(child in cache or base in cache for cache in held)
    assert other in loader._texts  # resolved before: kept
    assert loader.base_references(child) == [(base, loader.base_references(child)[0][1])]  # the answer is kept
    assert plain(loader.resolve(child).values) == plain(Loader(scope_roots={}).resolve(child).values)
    # the same answers as before, for the same project, when several files are asked about with one index
    assert engine.dependents(loader, [grand], [child, base, other], index=index) == [base, child]
    assert engine.dependents(loader, [base], [child, base, other], index=index) == [child]
    assert engine.dependents(loader, [base], [child, base, other]) == [child]


BASE_TEXTS = {
    "plain-base": "model = dict(type='A')\nlr = 0.1\n",
    "inherits": "_base_ = ['./plain-base.py']\n",
    "base-in-a-string": "x = '_base_'\n",
    "non-ascii-base-name": "_base\uff3f = ['./plain-base.py']\n",  # NFKC: the name is `_base_`
    "with-block": "from mmengine.config import read_base\nwith read_base():\n    from .plain_base import *\n",
    "with-in-a-comment": "# trained with 8 GPUs\nlr = 0.02\n",
    "syntax-error": "model = dict(\n",
    "non-ascii-text": "# é\nlr = 0.02\n",
    "template": "lr = {{ fileBasename }}\n",
}


def test_a_file_that_cannot_inherit_is_not_parsed_and_answers_as_before(tmp_path, monkeypatch):
    """`base_references` answers a text without `_base_` or `with` (ASCII) with no bases and no parse; every
    text answers as the parse-based path does."""
    for name, text in BASE_TEXTS.items():
        (tmp_path / f"{name}.py").write_text(text, encoding="utf-8")
    (tmp_path / "plain_base.py").write_text("lr = 0.1\n")
    paths = sorted(str(p) for p in tmp_path.glob("*.py"))
    import schedlint.loader.core as core

    shortcut = Loader(scope_roots={})
    parsed: List[str] = []
    real_parse = shortcut._parse
    monkeypatch.setattr(shortcut, "_parse", lambda path, text: parsed.append(os.path.basename(path)) or real_parse(path, text))
    fast = {p: shortcut.base_references(p) for p in paths}
    assert "plain-base.py" not in parsed and "with-in-a-comment.py" in parsed and "non-ascii-base-name.py" in parsed
    monkeypatch.setattr(core, "_inherits_nothing", lambda text: False)
    slow = Loader(scope_roots={})
    assert {p: slow.base_references(p) for p in paths} == fast
    assert fast[str(tmp_path / "non-ascii-base-name.py")] and fast[str(tmp_path / "with-block.py")]


# ------------------------------------------------------------------ bytes a folder walk kept for the loader


def test_a_kept_file_is_read_again_when_it_changed(tmp_path, monkeypatch):
    from schedlint.loader import files

    monkeypatch.setattr(files, "_KEPT", {})
    monkeypatch.setattr(files, "_kept_bytes", [0])
    path = tmp_path / "a.py"
    path.write_bytes(b"lr = 0.1\n")
    assert files.read_bytes(str(path), keep=True) == b"lr = 0.1\n"
    assert files.read_bytes(str(path), peek=True) == b"lr = 0.1\n"  # a look leaves it kept
    assert files._kept_bytes == [len(b"lr = 0.1\n")]
    assert files.read_bytes(str(path)) == b"lr = 0.1\n"  # taken from what was kept, once
    assert files._KEPT == {} and files._kept_bytes == [0]
    files.read_bytes(str(path), keep=True)
    path.write_bytes(b"lr = 0.25\n")
    assert files.read_bytes(str(path), peek=True) == b"lr = 0.25\n"  # stale: dropped, read again
    assert files._KEPT == {} and files._kept_bytes == [0]
    for new, mtime in ((b"lr = 0.2\n", None), (b"lr = 0.30\n", None), (b"lr = 0.4\n", 1_000_000)):
        files.read_bytes(str(path), keep=True)
        path.write_bytes(new)  # the same size or not, the same inode
        if mtime is not None:
            os.utime(path, ns=(mtime, mtime))
        assert files.read_bytes(str(path)) == new
    files.read_bytes(str(path), keep=True)
    os.replace(_write(tmp_path / "b.py", b"lr = 0.5\n"), path)  # a new file under the name
    assert files.read_bytes(str(path)) == b"lr = 0.5\n"
    files.read_bytes(str(path), keep=True)
    path.unlink()
    os.mkfifo(path)  # never opened, even with its old bytes kept
    with pytest.raises(LoadProblem, match="FIFO"):
        files.read_bytes(str(path))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_kept_bytes_are_bounded_and_only_configs_are_kept(tmp_path, monkeypatch):
    from schedlint.loader import files

    monkeypatch.setattr(files, "_KEPT", {})
    monkeypatch.setattr(files, "_kept_bytes", [0])
    monkeypatch.setattr(files, "_MAX_KEPT", 100)
    config, tool = tmp_path / "c.py", tmp_path / "tool.py"
    config.write_text("lr = 0.1\noptimizer = dict(type='SGD', lr=lr)\n")
    tool.write_text("import argparse\n\ndef main():\n    pass\n")
    assert shape.looks_like_config(str(config)) and not shape.looks_like_config(str(tool))
    assert list(files._KEPT) == [str(config)] and files._kept_bytes == [config.stat().st_size]
    big = tmp_path / "big.py"
    big.write_text("optimizer = dict(type='SGD', lr=0.1)\n" + "# pad\n" * 20)
    assert shape.looks_like_config(str(big))
    assert str(big) not in files._KEPT  # past the bound: read again later
    assert Loader().resolve(str(config)).get("optimizer", "lr") == 0.1
    assert files._KEPT == {} and files._kept_bytes == [0]


def test_the_bases_a_resolved_config_names_are_what_base_references_reads(tmp_path):
    # the loader keeps the bases of each config it resolves for the fixer's inheritance index
    files = {
        "_base_/s.py": "lr = 0.1\n",
        "_base_/t.py": "optimizer = dict(type='SGD', lr=0.1)\n",
        "pkg/configs/_base_/r.py": "train_cfg = dict(max_epochs=12)\n",
        "a.py": "_base_ = ['./_base_/s.py', './_base_/t.py']\n",
        "b.py": "_base_ = './_base_/s.py'\n",
        "c.py": '"""a docstring first"""\n_base_ = [\n    \'./_base_/t.py\',  # the optimizer\n]\n',
        "d.py": "_base_ = ['./_base_/' + 's.py', 'pkg::_base_/r.py']\n",
        "e.py": "x = 1; _base_ = ['./b.py']\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    roots = {"pkg": str(tmp_path / "pkg" / "configs")}
    loader = Loader(scope_roots=roots)
    for name in ("a.py", "b.py", "c.py", "d.py", "e.py"):
        loader.resolve(str(tmp_path / name))
    fresh = Loader(scope_roots=roots)
    for name in ("a.py", "b.py", "c.py", "d.py", "e.py"):
        path = str(tmp_path / name)
        assert loader._base_lists[path] == fresh.base_references(path), name
    assert [os.path.basename(p) for p, _ in loader.base_references(str(tmp_path / "d.py"))] == ["s.py", "r.py"]


def test_a_run_leaves_nothing_kept(tmp_path):
    from schedlint.loader import files

    for i in range(3):
        (tmp_path / f"c{i}.py").write_text("optimizer = dict(type='SGD', lr=0.1)\n")
    (tmp_path / "tool.py").write_text("import argparse\n\ndef main():\n    pass\n")
    check_paths([str(tmp_path)], Settings())
    assert files._KEPT == {} and files._kept_bytes == [0]
