"""The libcst editing layer: nodes found from loader locations (UTF-8 byte columns), rewrites that
keep comments, quotes and line endings, and edits that reproduce the new text."""

from __future__ import annotations

import ast

from schedlint.fix.cst import Document, apply_text_edits, text_edits
from schedlint.model import Location


def loc_of(text: str, needle: str) -> Location:
    """The ast location of the first expression whose source is `needle`."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and ast.get_source_segment(text, node) == needle:
            return Location("f.py", node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)
    raise AssertionError(needle)


def test_byte_columns_after_non_ascii():
    text = "x = dict(name='αβγ', end=12)  # ü\n"
    doc = Document("f.py", text)
    doc.replace(doc.node_at(loc_of(text, "12")), "24")
    assert doc.result() == "x = dict(name='αβγ', end=24)  # ü\n"


def test_rename_keeps_quotes_and_comments():
    text = 'm = {"type": "CosineAnnealingMomentum",  # ported\n     "eta_min": 0.89}\n'
    doc = Document("f.py", text)
    value = doc.node_at(loc_of(text, "0.89"))
    doc.rename_key(value, "eta_min", "eta_min_ratio")
    assert doc.result() == 'm = {"type": "CosineAnnealingMomentum",  # ported\n     "eta_min_ratio": 0.89}\n'


def test_added_key_follows_the_layout_and_crlf():
    text = "s = dict(\r\n    type='MultiStepLR',\r\n    end=12,  # one year\r\n    gamma=0.1)\r\n"
    doc = Document("f.py", text)
    node = doc.node_at(loc_of(text.replace("\r\n", "\n"), text.replace("\r\n", "\n")[4:-1]))
    doc.edit_dict(node, [("type", "type", None), ("end", "end", "24"), ("gamma", "gamma", None),
                         ("convert_to_iter_based", None, "True")])
    assert doc.result() == ("s = dict(\r\n    type='MultiStepLR',\r\n    end=24,  # one year\r\n    gamma=0.1,\r\n"
                            "    convert_to_iter_based=True)\r\n")


def test_insert_after_keeps_crlf_and_spacing():
    text = "_base_ = './b.py'\r\ntrain_cfg = dict(max_epochs=24)\r\nval_cfg = dict()\r\n"
    doc = Document("f.py", text)
    stmt = [s for s, target in doc.statements() if target == "train_cfg"][0]
    doc.insert_after(stmt, "\n# note\nparam_scheduler = [\n    dict(type='X'),\n]\n")
    out = doc.result()
    assert "\n" not in out.replace("\r\n", "")
    assert out == ("_base_ = './b.py'\r\ntrain_cfg = dict(max_epochs=24)\r\n\r\n# note\r\nparam_scheduler = [\r\n"
                   "    dict(type='X'),\r\n]\r\n\r\nval_cfg = dict()\r\n")


def test_edits_reproduce_the_new_text():
    old = "a = 1\nb = dict(end=12)\nc = 3\n"
    new = "a = 1\nb = dict(end=24)\nc = 3\nd = 4\n"
    edits = text_edits("f.py", old, new)
    assert apply_text_edits(old, edits) == new
    assert edits[0].location == (2, 13) and edits[0].content == "24"
