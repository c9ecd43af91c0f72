"""The resource budget of evaluating one config file: total work, value sizes, nesting depth.

Every bound is checked *before* the costly operation where the cost can be predicted (`10**10**8`,
`'x' * 10**9`, `'a'.zfill(10**9)`, `1 << 10**10`), and on every value built otherwise. Exceeding a
bound raises `BudgetExceeded`, which the loader reports as SL908 at the line being evaluated.
"""

from __future__ import annotations

from typing import Any, Optional

from schedlint.loader.errors import BudgetExceeded

#: evaluation steps (expressions, statements, loop iterations, elements built) for one file
MAX_STEPS = 200_000
#: bits of any integer (about 3,000 decimal digits)
MAX_INT_BITS = 10_000
#: characters of a string, bytes of a bytes value
MAX_STR = 1_000_000
#: elements of one list, tuple, set or dict
MAX_LEN = 100_000
#: cells of one value counted as a tree (shared parts counted at every reference), strings by size
MAX_CELLS = 1_000_000
#: nesting of values
MAX_DEPTH = 100
#: nesting of expressions while evaluating (a long `a + b + c + ...` nests one level per term)
MAX_EXPR_DEPTH = 150
#: files in one inheritance chain (a config, its base, the base's base, ...)
MAX_INHERITANCE = 32
#: size of a config file read from disk
MAX_FILE_BYTES = 2 * 1024 * 1024


class Budget:
    """Counts the work spent on one file; `step()` raises once the budget is spent."""

    __slots__ = ("steps", "depth", "sizes")

    def __init__(self) -> None:
        self.steps = 0
        self.depth = 0
        # sizes of the containers measured since the last possible mutation (see `measure`)
        self.sizes: dict = {}

    def forget(self) -> None:
        """Values may have been mutated (a statement ran, a method was called): measure afresh."""
        if self.sizes:
            self.sizes = {}

    def check(self, value: Any, node: Any = None) -> int:
        """`check_value`, charging the walk over nested values to the step budget; returns the size."""
        if not isinstance(value, _CONTAINERS):
            check_value(value, node)
            return 1
        walked = [0]
        cells = measure(value, MAX_CELLS, node, walked, self.sizes)
        self.step(node, walked[0] // 8)
        if cells > MAX_CELLS:
            raise BudgetExceeded(node, f"a value of more than {MAX_CELLS:,} elements (counting nested ones)")
        return cells

    def step(self, node: Any = None, count: int = 1) -> None:
        """Charge `count` steps (raises BudgetExceeded past MAX_STEPS)."""
        self.steps += count
        if self.steps > MAX_STEPS:
            raise BudgetExceeded(node, f"evaluating this file takes more than {MAX_STEPS:,} steps")


def check_int_bits(bits: int, node: Any = None) -> None:
    """Refuse an integer result of `bits` bits."""
    if bits > MAX_INT_BITS:
        raise BudgetExceeded(node, f"an integer of about {bits:,} bits (more than {MAX_INT_BITS:,})")


def check_length(length: int, what: str = "value", node: Any = None) -> None:
    """Refuse a string or container of `length` characters/elements."""
    limit = MAX_STR if what == "string" else MAX_LEN
    if length > limit:
        raise BudgetExceeded(node, f"a {what} of {length:,} elements (more than {limit:,})")


def predict_binop(op: str, left: Any, right: Any, node: Any = None) -> None:
    """Refuse `left op right` when its result would be too large (checked before computing it)."""
    if op == "Pow" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        check_int_bits(left.bit_length() * right, node)
    elif op == "LShift" and _is_int(left) and _is_int(right) and left:
        check_int_bits(left.bit_length() + max(right, 0), node)
    elif op == "Mult":
        if _is_int(left) and _is_int(right):
            check_int_bits(left.bit_length() + right.bit_length(), node)
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, list, tuple)) and _is_int(n) and n > 0:
                check_length(len(seq) * n, "string" if isinstance(seq, (str, bytes)) else "list", node)
    elif op == "Add":
        if isinstance(left, (str, bytes)) and isinstance(right, (str, bytes)):
            check_length(len(left) + len(right), "string", node)
        elif isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            check_length(len(left) + len(right), "list", node)
    elif op == "Mod" and isinstance(left, (str, bytes)):
        # printf-style formatting: widths and precisions can blow up the result
        check_format_spec(str(left), node)


def predict_pow(base: Any, exp: Any, mod: Any = None, node: Any = None) -> None:
    """`pow(base, exp[, mod])`: modular powers stay small; others as `base ** exp`."""
    if mod is None:
        predict_binop("Pow", base, exp, node)


def check_format_spec(spec: str, node: Any = None) -> None:
    """Refuse format specs or printf formats whose widths/precisions exceed MAX_STR."""
    number = ""
    for ch in spec + " ":
        if ch.isdigit():
            number += ch
            continue
        if number and len(number) > 6 or number and int(number) > MAX_STR:
            raise BudgetExceeded(node, f"a format width or precision of {number[:20]} (more than {MAX_STR:,})")
        number = ""


def check_value(value: Any, node: Any = None) -> None:
    """Refuse a value that is too large or too deeply nested (walks containers without recursion;
    a part shared by several references is walked once and counted at each)."""
    if isinstance(value, (bool, float, type(None))):
        return
    if _is_int(value):
        check_int_bits(value.bit_length(), node)
        return
    if isinstance(value, (str, bytes)):
        check_length(len(value), "string", node)
        return
    if not isinstance(value, (list, tuple, dict, set, frozenset)):
        return
    cells = measure(value, MAX_CELLS, node)
    if cells > MAX_CELLS:
        raise BudgetExceeded(node, f"a value of more than {MAX_CELLS:,} elements (counting nested ones)")


def measure(value: Any, limit: int, node: Any = None, walked: Optional[list] = None,
            memo: Optional[dict] = None) -> int:
    """The size of `value` as a tree (elements, nested elements, strings by length/64), stopping
    early once it passes `limit`; raises BudgetExceeded for nesting deeper than MAX_DEPTH.

    `memo` (id -> (size, height, container)) carries the sizes of containers measured earlier and
    not mutated since (see `Budget.check`): a value built level by level is then walked once, not
    once per level. A part shared by several references is walked once and counted at each."""
    if not isinstance(value, _CONTAINERS):
        return 1
    sizes: dict = {} if memo is None else memo
    hit = sizes.get(id(value))
    if hit is not None:
        return hit[0]
    # iterative post-order walk: (container, depth, its pending children, its size and height so far); a
    # container whose children are all leaves or measured already is sized on its first visit, the others
    # when their pending (unmeasured) children are
    stack: list = [(value, 0, None, 0, 0)]
    steps = 0
    while stack:
        item, depth, pending, size, height = stack.pop()
        if id(item) in sizes:
            continue  # a shared part, measured since it was pushed
        if pending is None:
            if depth > MAX_DEPTH:
                raise BudgetExceeded(node, f"a value nested more than {MAX_DEPTH} levels deep")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else list(item)
            if len(children) > MAX_LEN:
                check_length(len(children), "list", node)
            steps += 1 + len(children)
            size, height, pending = 1, 0, []
            for c in children:
                kind = type(c)
                if kind is str:
                    if len(c) > MAX_STR:
                        check_length(len(c), "string", node)
                    size += 1 + len(c) // 64
                elif kind is float or kind is bool or c is None:
                    size += 1
                elif kind is int:
                    bits = c.bit_length()
                    if bits > MAX_INT_BITS:
                        check_int_bits(bits, node)
                    size += 1 + bits // 512
                elif isinstance(c, _CONTAINERS):
                    known = sizes.get(id(c))
                    if known is None:
                        pending.append(c)
                    elif depth + 1 + known[1] > MAX_DEPTH:
                        raise BudgetExceeded(node, f"a value nested more than {MAX_DEPTH} levels deep")
                    else:
                        size += known[0]
                        if known[1] >= height:
                            height = known[1] + 1
                else:
                    size += _leaf_size(c, node)
            if pending:
                stack.append((item, depth, pending, size, height))
                stack.extend((c, depth + 1, None, 0, 0) for c in pending)
                continue
        else:
            for c in pending:
                known = sizes[id(c)]
                size += known[0]
                if known[1] >= height:
                    height = known[1] + 1
                if size > limit:
                    break
        sizes[id(item)] = (min(size, limit + 1), height, item)  # the container keeps its id unique
    if walked is not None:
        walked[0] += steps
    return sizes[id(value)][0]


_CONTAINERS = (list, tuple, dict, set, frozenset)


def _leaf_size(value: Any, node: Any) -> int:
    if isinstance(value, (str, bytes)):
        check_length(len(value), "string", node)
        return 1 + len(value) // 64
    if _is_int(value):
        check_int_bits(value.bit_length(), node)
        return 1 + value.bit_length() // 512
    return 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
