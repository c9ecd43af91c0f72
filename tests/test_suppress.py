"""Inline suppression: `# noqa` on the line or statement, related lines, file-level `# schedlint: noqa`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from schedlint.lint.engine import check_paths
from schedlint.model import Finding, Location, Related, Severity
from schedlint.lint.settings import Settings
from schedlint.lint.suppress import Suppressions

# SL001 is reported at `end=12` (line 6); the statement spans lines 2-10
MULTILINE = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(
        type='MultiStepLR',
        begin=0,
        end=12,
        by_epoch=True,
        milestones=[16, 22],
        gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=1)
"""
REPORTED_LINE = 6


def with_comment(line: int, comment: str, text: str = MULTILINE) -> str:
    lines = text.splitlines()
    lines[line - 1] += "  " + comment
    return "\n".join(lines) + "\n"


def codes_for(tmp_path: Path, text: str, name: str = "config.py") -> list:
    path = tmp_path / name
    path.write_text(text)
    return [f.code for f in check_paths([str(path)], Settings()).findings]


def test_unsuppressed_baseline(tmp_path):
    assert codes_for(tmp_path, MULTILINE) == ["SL001"]


@pytest.mark.parametrize(
    "line,comment",
    [
        (REPORTED_LINE, "# noqa: SL001"),
        (REPORTED_LINE, "# noqa"),
        (REPORTED_LINE, "# NOQA:SL001"),
        (REPORTED_LINE, "# noqa: E501, SL001"),
        (REPORTED_LINE, "# noqa: SL0"),
        (10, "# noqa: SL001"),  # the statement's last line
        (2, "# noqa: SL001"),  # its first line
        (9, "# noqa"),
        (8, "# type: ignore  # noqa: SL001 the decays are intentionally dropped"),
    ],
)
def test_noqa_on_the_line_or_statement_suppresses(tmp_path, line, comment):
    assert codes_for(tmp_path, with_comment(line, comment)) == []


@pytest.mark.parametrize(
    "line,comment",
    [
        (REPORTED_LINE, "# noqa: SL004"),
        (REPORTED_LINE, "# noqa: E501"),
        (1, "# noqa"),  # another statement
        (11, "# noqa: SL001"),  # another statement
        (REPORTED_LINE, "# no qa"),
    ],
)
def test_noqa_elsewhere_or_for_other_codes_does_not(tmp_path, line, comment):
    assert codes_for(tmp_path, with_comment(line, comment)) == ["SL001"]


def test_noqa_inside_a_string_does_not_count(tmp_path):
    text = MULTILINE.replace("type='MultiStepLR',", "type='MultiStepLR',  # real comment\n        _note='# noqa',")
    # `_note` is an argument MultiStepLR does not take (SL302 at that line): the string hides neither finding
    assert sorted(codes_for(tmp_path, text)) == ["SL001", "SL302"]


@pytest.mark.parametrize(
    "directive,expected",
    [
        ("# schedlint: noqa", []),
        ("# schedlint: noqa: SL001,SL004", []),
        ("# schedlint: noqa: SL004", ["SL001"]),
        ("#schedlint:noqa:SL0", []),
    ],
)
def test_file_level_directive(tmp_path, directive, expected):
    assert codes_for(tmp_path, directive + "\n" + MULTILINE) == expected


def test_file_level_directive_must_be_on_its_own_line(tmp_path):
    text = MULTILINE.replace("optim_wrapper = dict(", "x = 1  # schedlint: noqa: SL001\noptim_wrapper = dict(", 1)
    assert codes_for(tmp_path, text) == ["SL001"]


BASE = MULTILINE.replace("max_epochs=24", "max_epochs=12").replace("[16, 22]", "[8, 11]")
LEAF = "_base_ = './base.py'\n_base_.param_scheduler[0].milestones = [16, 22]\ntrain_cfg = dict(max_epochs=24)\n"


def _leaf_tree(tmp_path: Path, leaf_a: str, leaf_b: str = LEAF) -> list:
    (tmp_path / "base.py").write_text(BASE)
    (tmp_path / "a.py").write_text(leaf_a)
    (tmp_path / "b.py").write_text(leaf_b)
    return check_paths([str(tmp_path / "a.py"), str(tmp_path / "b.py")], Settings()).findings


def test_file_level_directive_in_a_leaf_covers_findings_in_its_base_for_that_leaf_only(tmp_path):
    findings = _leaf_tree(tmp_path, "# schedlint: noqa: SL001\n" + LEAF)
    assert [f.code for f in findings] == ["SL001"]
    assert findings[0].location.file == str(tmp_path / "base.py")
    assert [os.path.basename(c) for c in findings[0].configs] == ["b.py"]


def test_noqa_on_a_related_line_of_the_checked_config(tmp_path):
    # the leaf's milestones line is a related location of the SL001 reported in base.py
    leaf = LEAF.replace("[16, 22]\n", "[16, 22]  # noqa: SL001\n")
    findings = _leaf_tree(tmp_path, leaf)
    assert [os.path.basename(c) for f in findings for c in f.configs] == ["b.py"]


def test_suppressions_are_read_fresh_on_every_run(tmp_path):
    path = tmp_path / "config.py"
    path.write_text(MULTILINE)
    assert [f.code for f in check_paths([str(path)], Settings()).findings] == ["SL001"]
    path.write_text(with_comment(REPORTED_LINE, "# noqa: SL001"))
    assert check_paths([str(path)], Settings()).findings == []
    path.write_text(MULTILINE)
    assert [f.code for f in check_paths([str(path)], Settings()).findings] == ["SL001"]


def test_suppressions_unit_on_text_that_does_not_parse():
    texts = {"/x/broken.py": "x = (\n  1,  # noqa: SL901\n"}
    s = Suppressions(texts.__getitem__)
    f = Finding("SL901", "syntax-error", Severity.ERROR, "bad", Location("/x/broken.py", 2))
    assert s.is_suppressed(f)
    g = Finding("SL901", "syntax-error", Severity.ERROR, "bad", Location("/x/broken.py", 1))
    assert not s.is_suppressed(g)
    missing = Finding("SL901", "syntax-error", Severity.ERROR, "bad", Location("/x/gone.py", 1),
                      related=[Related(Location("/x/gone.py", 1), "x")])
    assert not s.is_suppressed(missing)


def test_compound_statement_header_does_not_cover_its_body():
    text = "if True:  # noqa: SL001\n    lr = 0.1\n    x = 2\n"
    s = Suppressions({"/c.py": text}.__getitem__)
    body = Finding("SL001", "n", Severity.ERROR, "m", Location("/c.py", 3))
    header = Finding("SL001", "n", Severity.ERROR, "m", Location("/c.py", 1))
    assert not s.is_suppressed(body) and s.is_suppressed(header)


def test_noqa_from_the_command_line(tmp_path):
    (tmp_path / "c.py").write_text(with_comment(10, "# noqa: SL001"))
    result = subprocess.run([sys.executable, "-m", "schedlint", "check", "c.py"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout


def test_noqa_in_a_crlf_file(tmp_path):
    text = with_comment(10, "# noqa: SL001").replace("\n", "\r\n")
    path = tmp_path / "config.py"
    path.write_bytes(text.encode())
    assert check_paths([str(path)], Settings()).findings == []
    path.write_bytes(MULTILINE.replace("\n", "\r\n").encode())
    assert [f.code for f in check_paths([str(path)], Settings()).findings] == ["SL001"]


def test_bare_noqa_never_hides_a_load_failure(tmp_path):
    """A flake8 `# noqa` on a `_base_` line (line length) must not silence SL902; naming the code does."""
    import os

    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings

    config = tmp_path / "config.py"
    config.write_text("_base_ = ['../_base_/models/a_very_long_name_that_does_not_exist.py']  # noqa\n")
    codes = [f.code for f in check_paths([os.fspath(config)], Settings(dependents=False)).findings]
    assert codes == ["SL902"]
    config.write_text("_base_ = ['../_base_/models/a_very_long_name_that_does_not_exist.py']  # noqa: SL902\n")
    assert not check_paths([os.fspath(config)], Settings(dependents=False)).findings
    # a bare noqa still silences an ordinary finding on its line
    config.write_text(
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
        "param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[8, 11], end=12)]  # noqa\n"
        "train_cfg = dict(by_epoch=True, max_epochs=24)\n"
    )
    assert not check_paths([os.fspath(config)], Settings(dependents=False, epoch_length=10)).findings


# texts where a `noqa` is where it counts, in a string, after odd line breaks, in a file that does not tokenize
LAZY_TEXTS = [
    MULTILINE,
    with_comment(3, "# noqa: SL001"),
    with_comment(9, "# NOQA"),
    "# schedlint: noqa: SL0\n" + MULTILINE,
    "x = '# noqa'\ns = '''\n# schedlint: noqa\n'''\n" + MULTILINE,
    MULTILINE.replace("\n", "\r\n").replace("begin=0,", "begin=0,  # noqa"),
    MULTILINE.replace("\n", "\r").replace("begin=0,", "begin=0,  # noqa"),
    "a = 1\x0c# noqa\n" + MULTILINE,
    "\x0c# schedlint: noqa\n" + MULTILINE,
    "x = (\n  1,  # noqa: SL001\n" + MULTILINE,  # does not tokenize: the line scan
    "x = (\r  1,  # noqa: SL001\r" + MULTILINE,  # the line scan, which counts "\r" as a line break
    "def f():\n    try:\n        pass  # noqa\n    except E:\n        y = 1  # noqa: SL9\n" + MULTILINE,
    "match x:\n    case 1:\n        y = 2  # noqa\n" + MULTILINE,
]


def _eager(text: str, code: str, line: int, end_line: int):
    """Whether a finding at these lines is silenced, read the slow way: every comment tokenized, every
    statement of the tree (as `Suppressions` did before it read comments only where they count)."""
    import ast

    from schedlint.lint import suppress

    info = suppress._FileInfo(text)
    info.lines = None  # every line may hold one
    info.maybe_file_level = True
    try:
        spans = [suppress._span(node) for node in ast.walk(ast.parse(text)) if isinstance(node, ast.stmt)]
    except SyntaxError:
        spans = []
    info._statements = spans
    found = Suppressions(lambda p: text)
    found._files["c.py"] = info
    return found.is_suppressed(_finding(code, line, end_line))


def _finding(code: str, line: int, end_line: int) -> Finding:
    return Finding(code=code, name="x", severity=Severity.WARNING, message="m",
                   location=Location("c.py", line, 0, end_line, 0))


def test_comments_read_only_where_they_count_silence_the_same_findings():
    for text in LAZY_TEXTS:
        lines = text.count("\n") + text.count("\r") + 2
        for code in ("SL001", "SL004", "SL901"):
            for line in range(1, lines):
                for end in (line, line + 2):
                    lazy = Suppressions(lambda p: text).is_suppressed(_finding(code, line, end))
                    assert lazy == _eager(text, code, line, end), (text, code, line, end)
    # and a finding far from the only `noqa` of a file is told without tokenizing the file
    from schedlint.lint import suppress

    text = with_comment(11, "# noqa: SL001")
    found = Suppressions(lambda p: text)
    assert not found.is_suppressed(_finding("SL001", 1, 1))
    assert found._files["c.py"]._comments is None
    assert found.is_suppressed(_finding("SL001", 11, 11)) and found._files["c.py"]._comments is not None
    assert isinstance(found._files["c.py"], suppress._FileInfo)


def test_hostile_texts_are_read_for_noqa_in_one_pass():
    """A long line of `#` or many blank lines (a search from each `#` or each line start over the rest would
    not end for hours) are read once: the verdicts are the same as on a plain file."""
    for filler in ("#" * 200_000 + "\n", "\n" * 200_000, " \n" * 100_000):
        text = with_comment(REPORTED_LINE, "# noqa: SL001") + filler
        found = Suppressions(lambda p: text)
        assert found.is_suppressed(_finding("SL001", REPORTED_LINE, REPORTED_LINE))
        assert not found.is_suppressed(_finding("SL004", REPORTED_LINE, REPORTED_LINE))
        assert not found.file_level("c.py", "SL001")
