"""Vectorised versions of the scalar math the simulated libraries call, equal to it element by element."""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

_NEAR_TROUGH = -1 + 1e-4


def cosines(x: np.ndarray) -> np.ndarray:
    """`math.cos` (what mmengine and mmcv call) of every element.

    numpy's cos is the C library's on most machines, so equal; where a SIMD variant may differ by an
    ulp, only values near a trough matter (`1 + cos(x)` turns an ulp into a large relative error), so
    those few are recomputed with `math.cos`.
    """
    values = np.cos(x)
    for i in np.flatnonzero(values < _NEAR_TROUGH).tolist():
        values[i] = math.cos(float(x[i]))
    return values


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """`np.unique` of a 1-D integer array (sorted, each value once) without importing numpy.ma, which
    `np.unique` does on first use (10 ms of a one-config run's start-up)."""
    out = np.sort(values)
    if out.size < 2:
        return out
    keep = np.empty(out.size, dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def periods_of(cumulative: list, positions: np.ndarray) -> np.ndarray:
    """The period each position falls in, as mmengine's and mmcv's `get_position_from_periods` loop finds it: the
    first period whose cumulative end is past the position, -1 past them all. By bisection over the running maximum
    of the ends, which has the same first end past a position (negative periods included): the loop over periods
    was quadratic."""
    ends = np.maximum.accumulate(np.array(cumulative, dtype=np.float64))
    index = np.searchsorted(ends, positions, side="right")
    index[index >= len(ends)] = -1
    return index


def constant(n: int, value: float) -> np.ndarray:
    """`n` copies of `value` as a read-only array that takes no memory (a broadcast view): most
    momentum curves never change, and a long run would otherwise spend 8 bytes per iteration."""
    return np.broadcast_to(np.float64(value), (n,))


def positive_powers(bases: np.ndarray, power: Any) -> Optional[np.ndarray]:
    """`b ** power` for every element when all of them are real and finite (None otherwise: the caller
    falls back to Python's pow, which raises or turns complex exactly where the library would)."""
    if not isinstance(power, (int, float)) or isinstance(power, bool) or not math.isfinite(power):
        return None
    if bases.size == 0:
        return np.zeros(0)
    low = float(bases.min())
    if not (low > 0 or (low == 0 and power > 0)):
        return None
    # both are the C library's pow on positive finite bases (numpy's SIMD variants are within an ulp)
    with np.errstate(all="ignore"):
        values = np.power(np.asarray(bases, dtype=np.float64), float(power))
    return values if np.isfinite(values).all() else None
