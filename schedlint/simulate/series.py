"""Per-iteration values held as runs: a whole training run without one number per iteration.

A schedule stepped once per epoch keeps its value for thousands of iterations, and a step schedule
for hundreds of thousands; a run of millions of iterations is a few hundred runs. `Series` holds
`values[k]` for the iterations `starts[k] .. starts[k + 1] - 1` (a curve whose value changes at most
iterations is held densely, one value per iteration, `starts` None) and answers what the rules ask of
a curve (a value, a window, extremes, the first iteration past a threshold, how many iterations are
above it) from the runs, with numpy's results and semantics (first occurrence of an extreme, NaN
propagation). Values are never recomputed: they are the simulator's, bit for bit; `numpy.asarray`
expands a series to the plain per-iteration array (for `curve`, `show`, `plot`).
"""

from __future__ import annotations

import operator
from typing import Any, Optional, Tuple

import numpy as np

from schedlint.simulate.numeric import sorted_unique

__all__ = ["Series"]

_EMPTY_STARTS = np.zeros(0, dtype=np.int64)


class Series:
    """Read-only per-iteration values of one parameter, run-length encoded (see the module)."""

    __slots__ = ("values", "starts", "size")
    __hash__ = None  # type: ignore[assignment]  # comparisons are element-wise, as numpy's

    def __init__(self, values: np.ndarray, starts: Optional[np.ndarray], size: int) -> None:
        values.flags.writeable = False
        if starts is not None:
            starts.flags.writeable = False
        self.values = values
        self.starts = starts  # None: one value per iteration
        self.size = int(size)

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def constant(cls, size: int, value: float) -> "Series":
        if size <= 0:
            return cls(np.zeros(0), _EMPTY_STARTS.copy(), 0)
        return cls(np.array([value], dtype=np.float64), np.zeros(1, dtype=np.int64), size)

    @classmethod
    def from_array(cls, array: Any) -> "Series":
        """A series of the per-iteration `array` (runs of bit-identical values are merged when that is at
        least half the size)."""
        if isinstance(array, Series):
            return array
        values = np.asarray(array)
        if values.ndim != 1:
            values = values.reshape(-1)
        size = values.size
        if size == 0:
            return cls(np.zeros(0, dtype=values.dtype), _EMPTY_STARTS.copy(), 0)
        if values.strides == (0,):  # a broadcast constant
            return cls(values[:1].copy(), np.zeros(1, dtype=np.int64), size)
        starts = _run_starts(values)
        if starts.size * 2 > size:
            return cls(values, None, size)  # (the series owns the array from now on: it is made read-only)
        return cls(values[starts], starts, size)

    @classmethod
    def from_runs(cls, values: np.ndarray, starts: np.ndarray, size: int) -> "Series":
        """From run values and their first iterations (empty runs and repeated values are merged away)."""
        if size <= 0 or values.size == 0:
            return cls.constant(0, 0.0)
        stops = np.empty_like(starts)
        stops[:-1] = starts[1:]
        stops[-1] = size
        keep = stops > starts
        if not keep.all():
            values, starts = values[keep], starts[keep]
        if values.size > 1:
            same = _same_bits(values[1:], values[:-1])
            if same.any():
                first = np.ones(values.size, dtype=bool)
                first[1:] = ~same
                values, starts = values[first], starts[first]
        if values.size * 2 > size:  # mostly distinct: one value per iteration takes less memory
            return cls(np.repeat(values, np.diff(np.append(starts, size))), None, size)
        return cls(np.ascontiguousarray(values), np.ascontiguousarray(starts, dtype=np.int64), size)

    # -- numpy-like access -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.size

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    @property
    def shape(self) -> Tuple[int]:
        return (self.size,)

    @property
    def ndim(self) -> int:
        return 1

    @property
    def nbytes(self) -> int:
        """Memory held (not the size of the expanded array)."""
        return int(self.values.nbytes + (0 if self.starts is None else self.starts.nbytes))

    @property
    def runs(self) -> int:
        return int(self.values.size)

    def lengths(self) -> np.ndarray:
        if self.starts is None:
            return np.ones(self.size, dtype=np.int64)
        return np.diff(np.append(self.starts, self.size))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        if self.starts is None:
            out = self.values
        else:
            out = np.repeat(self.values, self.lengths())
            out.flags.writeable = False
        if dtype is not None and out.dtype != dtype:
            out = out.astype(dtype)
        elif copy:
            out = out.copy()
        return out

    def tolist(self) -> list:
        return np.asarray(self).tolist()

    def __iter__(self):
        return iter(np.asarray(self))

    def __repr__(self) -> str:
        return f"Series(size={self.size}, runs={self.runs}, dtype={self.dtype})"

    def _run_of(self, index: Any) -> Any:
        """The run holding each iteration of `index` (an int or an integer array, already in range)."""
        if self.starts is None:
            return index
        return np.searchsorted(self.starts, index, side="right") - 1

    def sample(self, index: Any) -> np.ndarray:
        """The values at the given iterations (an integer array; negative counts from the end)."""
        index = np.asarray(index, dtype=np.int64)
        if index.size and (index.min() < -self.size or index.max() >= self.size):
            raise IndexError(f"index out of bounds for a series of {self.size} iterations")
        index = np.where(index < 0, index + self.size, index)
        return self.values[self._run_of(index)]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, slice):
            start, stop, step = key.indices(self.size)
            if step == 1:
                return self._window(start, stop)
            return self.sample(np.arange(start, stop, step, dtype=np.int64))
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            i = int(key)
            if i < 0:
                i += self.size
            if not 0 <= i < self.size:
                raise IndexError(f"index {int(key)} is out of bounds for a series of {self.size} iterations")
            return self.values[int(self._run_of(i))]
        return self.sample(key)

    def _window(self, lo: int, hi: int) -> "Series":
        if hi <= lo:
            return Series(self.values[:0], None if self.starts is None else _EMPTY_STARTS.copy(), 0)
        if self.starts is None:
            return Series(self.values[lo:hi], None, hi - lo)
        a, b = int(self._run_of(lo)), int(self._run_of(hi - 1))
        starts = self.starts[a : b + 1] - lo
        starts[0] = 0
        return Series(self.values[a : b + 1], starts, hi - lo)

    def min(self) -> Any:
        return self.values.min()

    def max(self) -> Any:
        return self.values.max()

    def argmin(self) -> int:
        return self._iteration_of(int(self.values.argmin()))

    def argmax(self) -> int:
        return self._iteration_of(int(self.values.argmax()))

    def _iteration_of(self, run: int) -> int:
        return run if self.starts is None else int(self.starts[run])

    def sum(self) -> Any:
        """The number of true iterations of a boolean series (a float sum is numpy's, on the expanded array)."""
        if self.values.dtype == np.bool_:
            if self.starts is None:
                return np.int64(self.values.sum())
            return np.int64(self.lengths()[self.values].sum())
        return np.asarray(self).sum()

    def any(self) -> bool:
        return bool(self.values.any())

    def all(self) -> bool:
        return bool(self.values.all())

    def nonzero(self) -> Tuple[np.ndarray]:
        return np.asarray(self).nonzero()

    def first_true(self) -> Optional[int]:
        """First iteration whose (boolean) value is true, None when there is none."""
        hits = np.flatnonzero(self.values)
        return self._iteration_of(int(hits[0])) if hits.size else None

    def last_false(self) -> Optional[int]:
        """Last iteration whose (boolean) value is false, None when there is none."""
        misses = np.flatnonzero(~self.values.astype(bool))
        if not misses.size:
            return None
        run = int(misses[-1])
        if self.starts is None:
            return run
        return (int(self.starts[run + 1]) if run + 1 < self.runs else self.size) - 1

    def _compare(self, other: Any, op: Any) -> "Series":
        if isinstance(other, Series) or (isinstance(other, np.ndarray) and other.ndim):
            return Series.from_array(op(np.asarray(self), np.asarray(other)))
        return Series(op(self.values, other), self.starts, self.size)

    def __ge__(self, other: Any) -> "Series":
        return self._compare(other, operator.ge)

    def __gt__(self, other: Any) -> "Series":
        return self._compare(other, operator.gt)

    def __le__(self, other: Any) -> "Series":
        return self._compare(other, operator.le)

    def __lt__(self, other: Any) -> "Series":
        return self._compare(other, operator.lt)

    def __eq__(self, other: Any) -> "Series":  # type: ignore[override]
        return self._compare(other, operator.eq)

    def __ne__(self, other: Any) -> "Series":  # type: ignore[override]
        return self._compare(other, operator.ne)

    # -- whole-series operations --------------------------------------------------------------------

    def hold_from(self, iteration: int) -> "Series":
        """The series with the value of `iteration - 1` held from `iteration` to the end."""
        if not 0 < iteration < self.size:
            return self
        last = self[iteration - 1]
        head = self._window(0, iteration)
        values = np.append(head.values, last)
        starts = np.append(head.starts if head.starts is not None else np.arange(iteration, dtype=np.int64), iteration)
        return Series.from_runs(values, starts, self.size)

    def bits_equal(self, other: "Series") -> bool:
        """Equal bit for bit at every iteration (NaN payloads and -0.0 included)."""
        if self.size != other.size:
            return False
        cuts = self.change_points(other)
        return bool(_same_bits(self.sample(cuts), other.sample(cuts)).all())

    def change_points(self, other: "Series") -> np.ndarray:
        """The iterations where either series may change value (every iteration of a dense one)."""
        if self.starts is None or other.starts is None:
            return np.arange(self.size, dtype=np.int64)
        return sorted_unique(np.concatenate([self.starts, other.starts]))


def _run_starts(values: np.ndarray) -> np.ndarray:
    if values.dtype == np.float64:
        bits = values.view(np.int64)
        change = bits[1:] != bits[:-1]
    else:
        change = values[1:] != values[:-1]
    starts = np.empty(int(change.sum()) + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = np.flatnonzero(change) + 1
    return starts


def _same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype == np.float64 and b.dtype == np.float64:
        return a.view(np.int64) == b.view(np.int64)
    return a == b
