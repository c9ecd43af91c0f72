"""Building a `Series` block by block as the runner steps (`SeriesBuilder`), and the series whose long
decays are computed only when asked (`LazySeries`)."""

from __future__ import annotations

import bisect
from typing import Any, Callable, Iterator, List, Optional, Tuple

import numpy as np

from schedlint.simulate.series import Series, _run_starts

__all__ = ["LazySeries", "SeriesBuilder"]


class SeriesBuilder:
    """Collects a series from left to right, a block at a time, without one number per iteration for
    values that do not change: `runs` adds run values with their first iterations, `dense` one value per
    iteration, `deferred` a formula for one value per iteration computed when asked (then `build` gives a
    `LazySeries`). Parts come in order from iteration 0; a value holds until the next part, the last one
    to the end (after a crash, the value of the last iteration that ran). Dense parts are written in
    place into one per-iteration array reserved on the first of them (untouched pages take no memory),
    so building never holds more than the plain array."""

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

    def _part_values(self, values: Any, first: int, a: int, b: int) -> np.ndarray:
        """The values of iterations a..b-1 of a dense part (`values` None) or a deferred part from `first`."""
        if values is None:
            return self._out[a:b]  # type: ignore[index]
        return np.asarray(values(np.arange(a - first, b - first, dtype=np.int64)), dtype=np.float64)

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
        return self._part_values(values, first, i, i + 1)[0]

    def sample(self, index: np.ndarray) -> Optional[np.ndarray]:
        """The values of the iterations `index` (an in-range integer array), without building the series: each
        part answers its own iterations (a deferred part from its formula); None when one lies before the first
        part (then the series is built)."""
        if index.size * 4 > self.size:
            return None  # (most of the series: building it costs no more)
        firsts = np.asarray(self._firsts, dtype=np.int64)
        k = np.searchsorted(firsts, index, side="right") - 1
        if index.size and int(k.min()) < 0:
            return None
        out = np.empty(index.size, dtype=np.float64)
        order = np.argsort(k, kind="stable")
        ks = k[order]
        bounds = np.flatnonzero(np.diff(ks)) + 1
        for lo, hi in zip(np.concatenate(([0], bounds)), np.concatenate((bounds, [ks.size]))):
            if lo >= hi:
                continue
            values, starts, first, end = self._parts[int(ks[lo])]
            chosen = order[lo:hi]
            at = np.minimum(index[chosen], end - 1)  # between parts (or after the last) the value holds
            if starts is not None:
                out[chosen] = values[np.searchsorted(starts, at, side="right") - 1]
            elif values is None:
                out[chosen] = self._out[at]  # type: ignore[index]
            else:
                out[chosen] = np.asarray(values(at - first), dtype=np.float64)
        return out

    def _release(self) -> None:
        """Drop the parts once built; a lazy series' builder keeps them (its windows still read them)."""
        if not self._deferred:
            self._out, self._parts = None, []

    def _segments(self, lo: int, hi: int) -> Iterator[Tuple[int, int, int, bool]]:
        """(a, b, k, gap) covering iterations lo..hi-1 in order: iterations a..b-1 of part k, or (gap) of
        the stretch after part k where its last value holds."""
        k = bisect.bisect_right(self._firsts, lo) - 1
        at = lo
        while at < hi:
            end = self._parts[k][3]
            if at < end:
                yield at, min(hi, end), k, False
                at = min(hi, end)
                continue
            following = self._parts[k + 1][2] if k + 1 < len(self._parts) else self.size
            if at < following:
                yield at, min(hi, following), k, True
                at = min(hi, following)
            k += 1

    def values_between(self, lo: int, hi: int) -> np.ndarray:
        """The values of iterations lo..hi-1 (0 <= lo < hi <= size), without building the whole series: a
        window of a long run holds only its own iterations."""
        out = np.empty(hi - lo)
        for a, b, k, gap in self._segments(lo, hi):
            values, starts, first, end = self._parts[k]
            if gap:
                out[a - lo:b - lo] = self.value_at(a)
            elif starts is not None:
                i0, i1 = _runs_between(starts, a, b)
                bounds = np.append(np.maximum(starts[i0:i1], a), b)
                out[a - lo:b - lo] = np.repeat(values[i0:i1], np.diff(bounds))
            else:
                out[a - lo:b - lo] = self._part_values(values, first, a, b)
        return out

    def extreme(self, lo: int, hi: int, largest: bool) -> Optional[Tuple[Any, int]]:
        """(value, iteration) of the max (`largest`) or min of iterations lo..hi-1 as numpy gives them on
        the values (a NaN wins, the first occurrence counts), without building the series: a deferred
        part is monotone (`values_at.monotone`), so its extremes are at its ends. None when a deferred
        part there does not say which way it goes."""
        best: Optional[Tuple[Any, int]] = None
        for a, b, k, gap in self._segments(lo, hi):
            values, starts, first, end = self._parts[k]
            if gap:
                candidate = (self.value_at(a), a)
            elif starts is not None:
                i0, i1 = _runs_between(starts, a, b)
                j = int(values[i0:i1].argmax() if largest else values[i0:i1].argmin())
                candidate = (values[i0 + j], max(int(starts[i0 + j]), a))
            elif values is None:
                window = self._out[a:b]  # type: ignore[index]
                j = int(window.argmax() if largest else window.argmin())
                candidate = (window[j], a + j)
            else:
                direction = getattr(values, "monotone", 0)
                if not direction:
                    return None
                candidate = _monotone_extreme(values, first, a, b, direction < 0 if largest else direction > 0)
            if best is None or (not np.isnan(best[0]) and (np.isnan(candidate[0]) or (
                    candidate[0] > best[0] if largest else candidate[0] < best[0]))):
                best = candidate
        return best

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
                    out[first:end] = self._part_values(values, first, first, end)
                elif values is not None:
                    bounds = np.append(starts, end).tolist()
                    for value, lo, hi in zip(values.tolist(), bounds[:-1], bounds[1:]):
                        out[lo:hi] = value
            if self._end < self.size:
                out[self._end:] = out[self._end - 1]
            self._release()
            return Series(out, None, self.size)
        values, starts = [], []
        for part_values, part_starts, first, end in self._parts:
            if part_starts is None:
                part = self._part_values(part_values, first, first, end)
                part_starts = _run_starts(part)
                part_values = part[part_starts]
                part_starts = part_starts + first
            values.append(part_values)
            starts.append(part_starts)
        self._release()
        return Series.from_runs(np.concatenate(values), np.concatenate(starts), self.size)


_VALUES, _STARTS = Series.values, Series.starts  # the slots of a plain series


class LazySeries(Series):
    """A series with deferred parts (`SeriesBuilder.deferred`): a single iteration, a window and the
    extremes of a window are answered from the parts (what the rules ask of a long decay); anything
    else builds the values once (of the window only, for a window), the same numbers. `on_build(extra_bytes)`
    is called then (the curve cache counts what it holds)."""

    __slots__ = ("_builder", "on_build", "_lo", "_whole")

    def __init__(self, builder: SeriesBuilder, lo: int = 0, size: Optional[int] = None) -> None:  # noqa: D107
        self._builder: Optional[SeriesBuilder] = builder
        self._whole = size is None  # the builder's own series (it alone builds it), else a window of it
        self._lo = lo  # a window: iterations lo.. of the builder's series
        self.size = builder.size - lo if size is None else size
        self.on_build: Optional[Callable[[int], None]] = None

    def _built(self) -> None:
        builder = self._builder
        if builder is None:
            return
        before = builder.held_bytes
        if self._whole:
            series = builder._build()
        else:
            series = Series.from_array(builder.values_between(self._lo, self._lo + self.size))
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
                value = builder.value_at(self._lo + i)
                if value is not None:
                    return value
        return super().__getitem__(key)

    def sample(self, index: Any) -> np.ndarray:
        builder = self._builder
        if builder is not None and self._starts_at_zero():
            index = np.asarray(index, dtype=np.int64)
            if index.size and (index.min() < -self.size or index.max() >= self.size):
                raise IndexError(f"index out of bounds for a series of {self.size} iterations")
            found = builder.sample(np.where(index < 0, index + self.size, index) + self._lo)
            if found is not None:
                return found
        return super().sample(index)

    def _window(self, lo: int, hi: int) -> Series:
        if self._builder is not None and self._starts_at_zero():
            if hi <= lo:
                return Series(np.zeros(0), None, 0)
            return LazySeries(self._builder, self._lo + lo, hi - lo)
        return super()._window(lo, hi)

    def _starts_at_zero(self) -> bool:
        parts = self._builder._parts if self._builder is not None else []
        return bool(parts) and parts[0][2] == 0  # (the runner's series always do)

    def _extreme(self, largest: bool) -> Optional[Tuple[Any, int]]:
        if self._builder is None or self.size == 0 or not self._starts_at_zero():
            return None
        return self._builder.extreme(self._lo, self._lo + self.size, largest)

    def max(self) -> Any:
        found = self._extreme(True)
        return super().max() if found is None else found[0]

    def min(self) -> Any:
        found = self._extreme(False)
        return super().min() if found is None else found[0]

    def argmax(self) -> int:
        found = self._extreme(True)
        return super().argmax() if found is None else found[1] - self._lo

    def argmin(self) -> int:
        found = self._extreme(False)
        return super().argmin() if found is None else found[1] - self._lo

    def __reduce__(self):
        return (Series, (self.values, self.starts, self.size))


def _runs_between(starts: np.ndarray, a: int, b: int) -> Tuple[int, int]:
    """The runs (i0..i1-1) holding iterations a..b-1."""
    return int(np.searchsorted(starts, a, side="right")) - 1, int(np.searchsorted(starts, b - 1, side="right"))


def _monotone_extreme(values_at: Callable[[np.ndarray], np.ndarray], first: int, a: int, b: int,
                      at_start: bool) -> Tuple[Any, int]:
    """The extreme of a monotone deferred part over iterations a..b-1: its first value (`at_start`), or
    its last value at the first iteration holding it (found by bisection: equal values are a suffix)."""

    def value(i: int) -> Any:
        return np.float64(values_at(np.array([i - first], dtype=np.int64))[0])

    if at_start:
        return value(a), a
    target = value(b - 1)
    low, high = a, b - 1
    while low < high:
        middle = (low + high) // 2
        if value(middle) == target:
            high = middle
        else:
            low = middle + 1
    return target, low
