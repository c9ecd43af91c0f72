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

import bisect
import operator
from typing import Any, Callable, List, Optional, Tuple

import numpy as np

from schedlint.simulate.numeric import sorted_unique

__all__ = ["LazySeries", "Series", "SeriesBuilder"]

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


_VALUES, _STARTS = Series.values, Series.starts  # the slots of a plain series


class LazySeries(Series):
    """A series with deferred parts (`SeriesBuilder.deferred`): a single iteration is answered from its
    part (`series[i]`, what most rules ask of a long decay) and anything else builds the series once, with
    the same values. `on_build(extra_bytes)` is called then (the curve cache counts what it holds)."""

    __slots__ = ("_builder", "on_build")

    def __init__(self, builder: "SeriesBuilder") -> None:  # noqa: D107 (no call of Series.__init__)
        self._builder: Optional[SeriesBuilder] = builder
        self.size = builder.size
        self.on_build: Optional[Callable[[int], None]] = None

    def _built(self) -> None:
        builder = self._builder
        if builder is None:
            return
        before = builder.held_bytes
        series = builder._build()
        _VALUES.__set__(self, series.values)
        _STARTS.__set__(self, series.starts)
        self._builder = None
        if self.on_build is not None:
            self.on_build(self.nbytes - before)

    @property  # type: ignore[override]
    def values(self) -> np.ndarray:
        self._built()
        return _VALUES.__get__(self)

    @property  # type: ignore[override]
    def starts(self) -> Optional[np.ndarray]:
        self._built()
        return _STARTS.__get__(self)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float64)

    @property
    def nbytes(self) -> int:
        return self._builder.held_bytes if self._builder is not None else super().nbytes

    def __getitem__(self, key: Any) -> Any:
        builder = self._builder
        if builder is not None and isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            i = int(key) + (self.size if int(key) < 0 else 0)
            if 0 <= i < self.size:
                value = builder.value_at(i)
                if value is not None:
                    return value
        return super().__getitem__(key)

    def __reduce__(self):
        return (Series, (self.values, self.starts, self.size))


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


class SeriesBuilder:
    """Collects a series from left to right, a block at a time, without one number per iteration for
    values that do not change: `runs` adds run values with their first iterations, `dense` one value per
    iteration. Parts come in order from iteration 0; a value holds until the next part, the last one to
    the end (after a crash, the value of the last iteration that ran). Dense parts are written in place
    into one per-iteration array reserved on the first of them (untouched pages take no memory), so
    building never holds more than the plain array."""

    def __init__(self, size: int) -> None:
        self.size = int(size)
        # (values, starts, first, end): runs; (None, None, first, end): a dense part, in `_out`;
        # (values_at, None, first, end): a deferred part (`deferred`)
        self._parts: list = []
        self._count = 0  # values held: run values plus dense iterations
        self._out: Optional[np.ndarray] = None
        self._end = 0  # end of the last part
        self._deferred = False
        self._first_list: Optional[List[int]] = None  # first iterations of the parts (for `value_at`)

    def runs(self, values: np.ndarray, starts: np.ndarray, end: int) -> None:
        """`values[k]` from iteration `starts[k]` (ascending) to the next start, the last one to `end`
        (exclusive); empty runs and runs past the series are dropped."""
        end = min(int(end), self.size)
        stops = np.empty_like(starts)
        stops[:-1] = starts[1:]
        if stops.size:
            stops[-1] = end
        keep = (stops > starts) & (starts < end)
        if not keep.all():
            values, starts, stops = values[keep], starts[keep], stops[keep]
        if not values.size:
            return
        covered = int(stops[-1] - starts[0])
        if covered >= 256 and values.size * 2 > covered:  # mostly distinct: per iteration is the smaller
            self.dense(int(starts[0]), np.repeat(values, stops - starts))
            return
        self._parts.append((np.array(values, dtype=np.float64), np.array(starts, dtype=np.int64), int(starts[0]),
                            int(stops[-1])))
        self._count += values.size
        self._end = int(stops[-1])

    def dense(self, first: int, values: np.ndarray) -> None:
        """One value per iteration from iteration `first` on."""
        values = values[: max(0, self.size - first)]
        if not values.size:
            return
        if self._out is None:
            self._out = np.empty(self.size)
        end = first + values.size
        self._out[first:end] = values
        self._parts.append((None, None, first, end))
        self._count += values.size
        self._end = end

    def deferred(self, first: int, count: int, values_at: Callable[[np.ndarray], np.ndarray]) -> None:
        """One value per iteration for `count` iterations from `first`, computed only when asked:
        `values_at(offsets)` gives the values of iterations `first + offsets` (the same numbers whichever
        offsets are asked together). Until then the series answers single iterations from it."""
        count = min(int(count), self.size - first)
        if count <= 0:
            return
        self._parts.append((values_at, None, first, first + count))
        self._count += count
        self._end = first + count
        self._deferred = True

    def build(self) -> Series:
        if self._deferred:
            return LazySeries(self)  # the builder is the lazy series' from now on
        return self._build()

    def _part_values(self, values: Any, first: int, end: int) -> np.ndarray:
        """The per-iteration values of a dense or deferred part."""
        if values is None:
            return self._out[first:end]  # type: ignore[index]
        return np.asarray(values(np.arange(end - first, dtype=np.int64)), dtype=np.float64)

    def value_at(self, i: int) -> Any:
        """The value of iteration `i` (in range), without building the series."""
        k = bisect.bisect_right(self._firsts, i) - 1
        if k < 0:
            return None  # before the first part (parts start at iteration 0): build the series
        values, starts, first, end = self._parts[k]
        if i >= end:  # between parts (or after the last) the value holds
            i = end - 1
        if starts is not None:
            return values[int(np.searchsorted(starts, i, side="right")) - 1]
        if values is None:
            return self._out[i]  # type: ignore[index]
        return np.float64(values(np.array([i - first], dtype=np.int64))[0])

    @property
    def _firsts(self) -> List[int]:
        if self._first_list is None:
            self._first_list = [part[2] for part in self._parts]
        return self._first_list

    @property
    def held_bytes(self) -> int:
        """Memory held before the series is built (run parts and dense parts; a deferred part is a formula)."""
        runs = sum(v.nbytes + s.nbytes for v, s, _, _ in self._parts if s is not None)
        return runs + (0 if self._out is None else self._out.nbytes)

    def _build(self) -> Series:
        if not self._parts:
            return Series.constant(self.size, 0.0)
        if self._count * 2 > self.size:  # mostly distinct values: one per iteration
            out = self._out if self._out is not None else np.empty(self.size)
            previous = 0
            for values, starts, first, end in self._parts:
                if first > previous > 0:  # between parts the value holds
                    out[previous:first] = out[previous - 1]
                previous = end
                if starts is None and values is not None:
                    out[first:end] = self._part_values(values, first, end)
                elif values is not None:
                    bounds = np.append(starts, end).tolist()
                    for value, lo, hi in zip(values.tolist(), bounds[:-1], bounds[1:]):
                        out[lo:hi] = value
            if self._end < self.size:
                out[self._end:] = out[self._end - 1]
            self._out, self._parts = None, []
            return Series(out, None, self.size)
        values, starts = [], []
        for part_values, part_starts, first, end in self._parts:
            if part_starts is None:
                part = self._part_values(part_values, first, end)
                part_starts = _run_starts(part)
                part_values = part[part_starts]
                part_starts = part_starts + first
            values.append(part_values)
            starts.append(part_starts)
        self._out, self._parts = None, []
        return Series.from_runs(np.concatenate(values), np.concatenate(starts), self.size)
