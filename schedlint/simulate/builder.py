"""Building a `Series` block by block as the runner steps (`SeriesBuilder`), and the series whose long
decays are computed only when asked (`LazySeries`)."""

from __future__ import annotations

import bisect
from typing import Any, Callable, List, Optional

import numpy as np

from schedlint.simulate.series import Series, _run_starts

__all__ = ["LazySeries", "SeriesBuilder"]


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
