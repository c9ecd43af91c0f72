"""Values as Python source in a file's own style (dict(...) or {...}, quotes, indent, line ending),
and small helpers about expressions. The editing itself is libcst's (`schedlint.fix.cst`)."""

from __future__ import annotations

import ast
import io
import keyword
import math
import tokenize
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional


# ---------------------------------------------------------------------------------------------
# the file's style


@dataclass
class Style:
    """How a file writes things: dict(...) or {...}, which quote, indent unit, line ending."""

    dict_call: bool = True
    quote: str = "'"
    indent: str = "    "
    newline: str = "\n"
    width: int = 100


def detect_style(text: str, fallback: Optional[Style] = None) -> Style:
    """The dominant style of a config file (the fallback's where the file says nothing)."""
    base = fallback or Style()
    style = Style(base.dict_call, base.quote, base.indent, "\r\n" if "\r\n" in text else "\n", base.width)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return style
    calls = sum(1 for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                and n.func.id == "dict")
    literals = sum(1 for n in ast.walk(tree) if isinstance(n, ast.Dict))
    if calls or literals:
        style.dict_call = calls >= literals
    singles = doubles = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING:
                body = tok.string.lstrip("rRbBuUfF")
                if body.startswith(("'''", '"""')):
                    continue
                if body.startswith("'"):
                    singles += 1
                elif body.startswith('"'):
                    doubles += 1
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    if singles or doubles:
        style.quote = "'" if singles >= doubles else '"'
    indents = []
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if stripped and line != stripped and not stripped.startswith("#"):
            indents.append(line[: len(line) - len(stripped)])
    if indents:
        unit = min(indents, key=len)
        if unit.strip(" ") == "" and len(unit) in (2, 4, 8) or unit == "\t":
            style.indent = unit
    return style


# ---------------------------------------------------------------------------------------------
# rendering values as Python source


class Code(str):
    """Source text to insert verbatim (an expression kept from the original file)."""


def number_text(value: Any) -> str:
    """A number as short, exact source text: 16, 24.0, 0.018, 2e-06."""
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return "float('inf')" if value > 0 else "-float('inf')"
        if math.isnan(value):
            return "float('nan')"
        return repr(value)
    return repr(value)


def tidy_float(value: float) -> float:
    """A float rounded to 12 significant digits (0.0002000000000000001 -> 0.0002)."""
    if not isinstance(value, float) or value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.12g}")


def string_text(value: str, quote: str) -> str:
    """A string literal in the given quote character (the other one when the text contains it)."""
    text = repr(value)
    if text[0] == quote:
        return text
    other = text[0]
    inner = text[1:-1]
    if quote in inner:
        return text
    return quote + inner.replace("\\" + other, other) + quote


def render(value: Any, style: Style, level: int = 0, wrap: bool = False) -> str:
    """`value` as source text in the given style; nested containers are laid out to fit the width
    (`wrap`: one item per line at the top level, as the text it replaces was written)."""
    flat = _render_flat(value, style)
    if not wrap and "\n" not in flat and len(style.indent * level) + len(flat) <= style.width:
        return flat
    return _render_wrapped(value, style, level)


def _is_identifier(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _render_flat(value: Any, style: Style) -> str:
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, dict):
        if style.dict_call and all(_is_identifier(k) for k in value):
            return "dict(" + ", ".join(f"{k}={_render_flat(v, style)}" for k, v in value.items()) + ")"
        return "{" + ", ".join(f"{_render_flat(k, style)}: {_render_flat(v, style)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_render_flat(v, style) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_render_flat(v, style) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str):
        return string_text(value, style.quote)
    if value is None or isinstance(value, (bool, int, float)):
        return number_text(value)
    raise ValueError(f"cannot write a {type(value).__name__} into a config")


def _render_wrapped(value: Any, style: Style, level: int) -> str:
    pad = style.indent * (level + 1)
    close = style.indent * level
    nl = style.newline
    if isinstance(value, dict):
        if style.dict_call and all(_is_identifier(k) for k in value):
            items = [f"{pad}{k}={render(v, style, level + 1)}" for k, v in value.items()]
            return "dict(" + nl + ("," + nl).join(items) + ")"
        items = [f"{pad}{_render_flat(k, style)}: {render(v, style, level + 1)}" for k, v in value.items()]
        return "{" + nl + ("," + nl).join(items) + "," + nl + close + "}"
    if isinstance(value, (list, tuple)):
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        items = [f"{pad}{render(v, style, level + 1)}" for v in value]
        return opening + nl + ("," + nl).join(items) + "," + nl + close + closing
    return _render_flat(value, style)


def is_expression(text: str) -> bool:
    """Whether the text parses as one Python expression."""
    try:
        ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return False
    return True


def uses_only_constants(text: str) -> bool:
    """Whether an expression's text is made of numeric/string constants and operators only."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return False
    allowed = (ast.Expression, ast.Constant, ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop, ast.Tuple,
               ast.List, ast.Load)
    return all(isinstance(n, allowed) for n in ast.walk(tree))


def names_in(text: str) -> List[str]:
    """The bare names an expression reads."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return []
    return [n.id for n in ast.walk(tree) if isinstance(n, ast.Name)]


def unified_diff(path: str, old: str, new: str, label: Optional[str] = None) -> str:
    """A unified diff of one file (line endings shown as they are)."""
    import difflib

    name = label or path
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), fromfile=f"a/{name}", tofile=f"b/{name}"
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# evaluating small arithmetic expressions (never running config code)


def prefix_names(text: str) -> str:
    """`lr * 1e-4` -> `_base_.lr * 1e-4`, keeping the rest of the expression as written."""
    import libcst as cst

    class Prefix(cst.CSTTransformer):
        def leave_Name(self, original: cst.Name, updated: cst.Name) -> Any:
            return cst.Attribute(value=cst.Name("_base_"), attr=updated)

        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> Any:
            return updated.with_changes(attr=original.attr)  # only the leftmost name is a variable

    return cst.parse_module(text).visit(Prefix()).code if "\n" in text else \
        cst.Module([]).code_for_node(cst.parse_expression(text).visit(Prefix()))


def eval_with_base(ctx: Any, text: str) -> Any:
    """An arithmetic expression of `_base_.name` values (numbers of the resolved config), or None."""
    tree = ast.parse(text.strip(), mode="eval")

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "_base_":
            value = ctx.resolved.get(node.attr)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError
            return value
        return _arith(node, ev)

    try:
        return ev(tree.body)
    except Exception:
        return None


def safe_eval(text: str, env: Dict[str, Any]) -> Any:
    """An arithmetic expression of numbers and the names in `env`, or None."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None

    def ev(node: ast.AST) -> Any:
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise ValueError(node.id)
            return env[node.id]
        return _arith(node, ev)

    try:
        return ev(tree.body)
    except Exception:
        return None


def _arith(node: ast.AST, ev: Callable[[ast.AST], Any]) -> Any:
    import operator

    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in ops:
        return ops[type(node.op)](ev(node.left), ev(node.right))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        right = ev(node.right)
        if abs(right) > 100:
            raise ValueError("exponent")
        return ev(node.left) ** right
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = ev(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    raise ValueError(type(node).__name__)
