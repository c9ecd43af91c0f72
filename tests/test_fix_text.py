"""The plain-text editing helpers behind `schedlint fix`."""

from __future__ import annotations

import pytest

from schedlint.fix.text import (
    Code,
    EditConflict,
    Source,
    Style,
    apply_edits,
    detect_style,
    key_before,
    render,
    uses_only_constants,
)
from schedlint.model import Edit, Location


def test_ast_byte_columns_become_character_columns():
    text = "é = 1; x = dict(end=12)\n"
    src = Source("f.py", text)
    byte_col = text.encode("utf-8").index(b"12")
    start, end = src.span(Location("f.py", 1, byte_col, 1, byte_col + 2))
    assert text[start:end] == "12"


def test_crlf_offsets_and_insertion():
    text = "a = 1\r\nb = 2\r\n"
    src = Source("f.py", text)
    assert src.newline == "\r\n"
    assert src.line_text(2) == "b = 2"
    at = src.insertion_after(src.tree.body[0])
    assert text[:at] == "a = 1\r\n"


def test_apply_edits_in_any_order_and_refuse_overlaps():
    text = "x = dict(begin=0, end=12)\n"
    edits = [Edit("f.py", "24", (1, 22), (1, 24)), Edit("f.py", "1", (1, 15), (1, 16))]
    assert apply_edits(text, edits, "f.py") == "x = dict(begin=1, end=24)\n"
    with pytest.raises(EditConflict):
        apply_edits(text, [Edit("f.py", "a", (1, 10), (1, 20)), Edit("f.py", "b", (1, 15), (1, 16))], "f.py")


def test_detect_style():
    style = detect_style('cfg = {"a": 1, "b": {"c": "x"}}\r\nif True:\n  y = 2\n')
    assert (style.dict_call, style.quote, style.indent, style.newline) == (False, '"', "  ", "\r\n")
    style = detect_style("cfg = dict(a='x', b=dict(c=1))\n")
    assert (style.dict_call, style.quote) == (True, "'")


def test_render_layouts_and_styles():
    value = {"type": "MultiStepLR", "milestones": [16, 22], "gamma": 0.1, "by_epoch": True, "x": None}
    assert render(value, Style()) == "dict(type='MultiStepLR', milestones=[16, 22], gamma=0.1, by_epoch=True, x=None)"
    assert render(value, Style(dict_call=False, quote='"')) == (
        '{"type": "MultiStepLR", "milestones": [16, 22], "gamma": 0.1, "by_epoch": True, "x": None}'
    )
    wrapped = render({"type": "CosineAnnealingLR", "eta_min": Code("lr * 1e-4")}, Style(), 1, wrap=True)
    assert wrapped == "dict(\n        type='CosineAnnealingLR',\n        eta_min=lr * 1e-4)"
    assert render((1,), Style()) == "(1,)"
    assert render("it's", Style()) == '"it\'s"'


def test_key_before_finds_the_key_in_every_spelling():
    for text in ("dict(end=12)", "{'end': 12}", "_base_.param_scheduler[1].end = 12", "x['end'] = 12"):
        src = Source("f.py", text)
        start = text.index("12")
        span = key_before(src, start, "end")
        assert span is not None and text[span[0]:span[1]] == "end", text
    src = Source("f.py", "dict(begin=12)")
    assert key_before(src, src.text.index("12"), "end") is None
    src = Source("f.py", "dict(xend=12)")
    assert key_before(src, src.text.index("12"), "end") is None


def test_uses_only_constants():
    assert uses_only_constants("0.85 / 0.95") and uses_only_constants("-1e-4")
    assert not uses_only_constants("lr * 10") and not uses_only_constants("f(1)")
