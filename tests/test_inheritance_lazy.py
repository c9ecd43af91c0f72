"""The configs that inherit a file, found lazily (`schedlint.lint.inherit`): a file is parsed only when its text
may name a file asked about, or cannot tell what it inherits (`detect.base_names`). Held to the answers of
asking every file (`inheritance_index`), and to the bases the loader finds in each text."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Dict, List

import pytest

from schedlint.lint import inherit
from schedlint.lint.engine import check_paths, config_test, discover
from schedlint.lint.settings import Settings
from schedlint.loader import Loader
from schedlint.loader.detect import base_names

ROOT = Path(__file__).resolve().parent.parent

# texts whose bases the text tells: (text, the file names it names)
PLAIN = {
    "one string": ("_base_ = './a.py'\nlr = 0.1\n", ["a.py"]),
    "a list": ("_base_ = [\n    '../_base_/models/a.py', \"b.py\",  # the schedule\n    # 'old.py',\n]\n", ["a.py", "b.py"]),
    "a tuple": ("lr = 1\n_base_ = ('mmdet::retinanet/a.py',)\n", ["a.py"]),
    "windows line ends": ("_base_ = ['./a.py',\r\n    './b.py']\r\nlr = 0.1\r\n", ["a.py", "b.py"]),
    "empty": ("_base_ = []\n", []),
    "a comment after": ("_base_ = 'a.py'  # inherits a\n", ["a.py"]),
    "in a module's code": ("x = dict(\n_base_ = ['./a.py']\n)\n", ["a.py"]),  # (not a statement: a superset)
}
# texts the text cannot tell: parsed
UNTOLD = {
    "an escape": "_base_ = ['./\\x61.py']\n",
    "implicit concatenation": "_base_ = ['./a' '.py']\n",
    "a sum": "_base_ = ['./a' + '.py']\n",
    "a sum after the list": "_base_ = ['./a.py'] + ['./b.py']\n",
    "a template": "_base_ = ['{{ fileDirname }}/a.py']\n",
    "a template elsewhere": "_base_ = ['./a.py']\nname = '{{ fileBasename }}'\n",
    "two assignments": "_base_ = ['./a.py']\n_base_ = ['./b.py']\n",
    "a decoy and one after a semicolon": "x = dict(\n_base_ = ['./a.py'])\ny = 1; _base_ = ['./b.py']\n",
    "after a semicolon": "y = 1; _base_ = ['./b.py']\n",
    "chained": "_base_ = x = ['./a.py']\n",
    "a conditional": "_base_ = ['./a.py'] if True else ['./b.py']\n",
    "a continuation": "_base_ = \\\n    ['./a.py']\n",
    "read_base": "from mmengine.config import read_base\nwith read_base():\n    from .a import *\n",
    "imports in a with block after a form feed": "x = 1\n  \x0cwith open('x') as f:\n    from .a import *\n",
    "an import in a with block": "with open('x') as f:\n    import os\n",
    "non-ASCII": "_base_ = ['./a.py']  # é\n",
    "an f-string": "_base_ = [f'./{1}.py']\n",
    "a name": "_base_ = name\n",
    "an empty list and imports in a with block": "_base_ = []\nwith open('x') as f:\n    from .a import *\n",
    "parenthesised": "(\n  # the bases\n  _base_\n) = ['./a' '.py']\n",
    "after a semicolon and a continuation": "x = 1; \\\n  _base_ = ['./a' '.py']\n",
    "nested": "if True:\n    _base_ = ['./a.py']\n",
    "a template writing text": "_base_ = ['./a.py']\nx = '{{ fileBasename }}'\n",
    "an environment template": "_base_ = ['./a.py']\nx = {{$EPOCHS:12}}\n",
    "non-ASCII, assigned": "# \u00e9\n_base_ = ['./a.py']\n",
    "a decoy in a string, the real one parenthesised": "T = \"\"\"\n_base_ = ['./a.py']\n\"\"\"\n(_base_) = ['./b.py']\n",
    "a decoy in a string, the real one after a comment in brackets": ("T = \"\"\"\n_base_ = ['./a.py']\n\"\"\"\n"
                                                                      "(_base_  # c\n) = ['./b.py']\n"),
    "old Mac line ends": "x = 1\r_base_ = ['./a' '.py']\r",
    "a module the compiler refuses": "_base_ = ['./a' '.py']\nnonlocal x\n",
}
NOTHING = {
    "no base": "lr = 0.1\nmodel = dict(type='A')\n",
    "a with block without import": "with_cp = True\n",
    "only in strings and names": "import os\nx = '_base_ = 1'\nmy_base_ = 2\nd = dict(_base_=1)\ny = cfg._base_\n",
    "a comparison": "import os\nok = _base_ == 1\n",
    "non-ASCII, in strings": "# \u00e9\nx = \"\"\"\n_base_ = ['./a.py']\n\"\"\"\n",
    "a template in a string": "import os\nx = '{{_base_.lr}}'\n_base = 1\n",
    "with blocks in functions": "import os\n\ndef f():\n    with open('x') as fh:\n        from os import path\n",
    "in functions and strings at line starts": "import os\n\ndef f():\n    _base_ = 1\n\nTEXT = \"\"\"\n_base_ = ['./a.py']\n\"\"\"\n",
}


def test_what_a_text_tells_of_its_bases():
    for name, (text, bases) in PLAIN.items():
        told = base_names(text.encode())
        assert told is not None, name
        assert all(b in told for b in bases), name
    for name, text in UNTOLD.items():
        assert base_names(text.encode("utf-8")) is None, name
    for name, text in NOTHING.items():
        assert base_names(text.encode("utf-8")) == "", name
    # as the index of a project (`inheritance_index`) does, a `_base_` spelled with characters that normalise to
    # it is not looked for
    assert base_names("_base\uff3f = ['./a.py']\n".encode("utf-8")) == ""


def _texts() -> Dict[str, str]:
    """Every text above, plus every config shipped in fixtures/ and examples/."""
    out = {f"plain-{k}": t for k, (t, _) in PLAIN.items()}
    out.update({f"untold-{k}": t for k, t in UNTOLD.items()})
    out.update({f"nothing-{k}": t for k, t in NOTHING.items()})
    for folder in ("fixtures", "examples"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            out[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8", errors="replace")
    return out


def test_a_text_told_names_every_base_the_loader_finds(tmp_path):
    """Whenever `base_names` answers, the file name of every base the loader finds in the same text is in its
    answer ("" for none): the lazy search never misses a config that inherits."""
    told = 0
    for i, (name, text) in enumerate(_texts().items()):
        folder = tmp_path / str(i) / "configs"
        folder.mkdir(parents=True)
        path = folder / "config.py"
        path.write_bytes(text.encode("utf-8"))
        for base in ("a.py", "b.py", "old.py"):
            (folder / base).write_text("lr = 0.1\n")
        names = base_names(path.read_bytes())
        if names is None:
            continue
        told += 1
        bases = Loader(scope_roots={}).base_references(str(path))
        assert all(os.path.basename(b) in names for b, _ in bases), name
        assert names or not bases, name
    assert told > 20


def _project(tmp_path: Path) -> List[str]:
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    return discover([str(tmp_path)], configs_only=False)


def test_lazy_dependents_equal_asking_every_file(tmp_path):
    universe = _project(tmp_path)
    index = inherit.inheritance_index(Loader(scope_roots={}), universe)
    targets = sorted({b for bases in index.values() for b in bases})
    assert len(targets) > 10
    lazy = inherit.Inheritance(Loader(scope_roots={}))
    for target in targets:
        whole = inherit.dependents(Loader(scope_roots={}), [target], universe,
                                   index={k: v for k, v in index.items() if k != target})
        assert lazy.dependents([target], universe) == whole, target
        assert inherit.dependents(Loader(scope_roots={}), [target], universe) == whole, target
    keep = lambda p: "schedules" not in p  # noqa: E731  (a rejected file does not pass the inheritance on)
    for target in targets:
        whole = inherit.dependents(Loader(scope_roots={}), [target], universe, keep=keep,
                                   index={k: v for k, v in index.items() if k != target})
        assert inherit.Inheritance(Loader(scope_roots={})).dependents([target], universe, keep) == whole


def test_only_files_that_may_name_the_file_asked_about_are_parsed(tmp_path, monkeypatch):
    files = {
        "base.py": "lr = 0.1\n",
        "child.py": "_base_ = ['./base.py']\n",
        "grandchild.py": "_base_ = './child.py'\n",
        "other.py": "_base_ = ['./unrelated.py']\n",
        "unrelated.py": "lr = 0.2\n",
        "odd.py": "_base_ = ['./ba' 'se.py']\n",  # the text cannot tell: parsed, and it inherits
        "code.py": "import os\n\ndef f():\n    return 1\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    universe = sorted(str(tmp_path / n) for n in files)
    loader = Loader(scope_roots={})
    asked: List[str] = []
    real = loader.base_references
    monkeypatch.setattr(loader, "base_references", lambda p: asked.append(os.path.basename(p)) or real(p))
    found = inherit.Inheritance(loader).dependents([str(tmp_path / "base.py")], universe)
    assert [os.path.basename(p) for p in found] == ["child.py", "grandchild.py", "odd.py"]
    assert sorted(set(asked)) == ["child.py", "grandchild.py", "odd.py"]


@pytest.mark.parametrize("cache", [False, True])
def test_check_of_one_file_rechecks_the_same_dependents(tmp_path, monkeypatch, cache):
    """`check ONE` lints ONE and the configs inheriting it, found lazily (and, with the cache, from the file
    facts it keeps): the same configs as asking every file of the project."""
    universe = _project(tmp_path)
    monkeypatch.chdir(tmp_path)
    index = inherit.inheritance_index(Loader(scope_roots={}), universe)
    base = next(b for b in sorted({b for bases in index.values() for b in bases}) if "_base_/schedules" in b)
    expected = inherit.dependents(Loader(scope_roots={}), [base], universe, keep=config_test(),
                                  index={k: v for k, v in index.items() if k != base})
    assert len(expected) > 1
    for _ in range(2 if cache else 1):  # with the cache: cold, then from the kept facts
        assert check_paths([base], Settings(), cache=cache).dependents == expected


class _Counted(bytes):
    """Bytes that count how often a single byte is read."""

    reads = 0

    def __getitem__(self, index):
        if isinstance(index, int):
            _Counted.reads += 1
        return bytes.__getitem__(self, index)


HOSTILE = {
    "blank lines after a mention": b"x = _base_\n" + b"\n" * 100_000 + b"y = 1\n",
    "parentheses and comments": b"x = _base_\n" + b"(#c\n" * 50_000 + b"y\n",
    "many mentions": b"x = " + b"_base_ " * 50_000 + b"\n",
    "blanks before each mention": (b" " * 50 + b"_base_.x\n") * 5_000,
    "an open list": b"_base_ = [" + b" " * 200_000,
    "semicolons": b"x = 1; " * 50_000 + b"_base_.y\n",
    # a comment of many `#` in an unclosed `_base_` list (every split of it was tried: 24 took 3.6 s, doubling
    # with each one more)
    "a comment of hashes": b"_base_ = [ './a.py' " + b"#" * 100_000 + b"\n",
    "comment lines with hashes": b"_base_ = [\n" + b"  # a # b # c\n" * 20_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_telling_a_hostile_text_reads_each_byte_a_bounded_number_of_times(name):
    """(a regex searched from every line start read the blank lines after each one again: 40,000 blank lines
    took 28 s)"""
    from schedlint.loader import detect

    data = _Counted(HOSTILE[name])
    _Counted.reads = 0
    detect._possible_base_targets(data)
    assert _Counted.reads <= 3 * len(data)
    assert base_names(HOSTILE[name]) in ("", None)  # (the regexes too: it ends)


def test_read_base_import_of_a_namespace_package_in_the_checkout(tmp_path):
    """`from config.base.runtime import *` where `config/` has no __init__.py (a namespace package, found by
    Python from the checkout's root): the base is the file in the checkout, found without importing."""
    from schedlint.loader import Loader

    (tmp_path / "config" / "base").mkdir(parents=True)
    (tmp_path / "config" / "maptr").mkdir()
    (tmp_path / "config" / "base" / "runtime.py").write_text("max_epochs = 24\ndefault_scope = 'mmdet3d'\n")
    leaf = tmp_path / "config" / "maptr" / "leaf.py"
    leaf.write_text("from mmengine import read_base\n\nwith read_base():\n    from config.base.runtime import *\n\n"
                    "train_cfg = dict(by_epoch=True, max_epochs=max_epochs)\n")
    resolved = Loader().resolve(str(leaf))
    assert resolved.get("train_cfg", "max_epochs") == 24
    assert str(tmp_path / "config" / "base" / "runtime.py") in resolved.chain
