"""The mmengine Runner's stepping of one parameter of param group 0 through training.

Every scheduler step is an affine map `v -> (v - c) * a + c + d` whose coefficients depend only
on the scheduler's local step (and on values fixed once all schedulers are built), so coefficients
are computed with numpy for a whole run of steps; steps that leave the value untouched are
skipped, purely multiplicative (or purely additive) runs use `numpy.multiply.accumulate`
(sequential, so rounding matches mmengine's step-by-step products), and only genuinely affine
runs are iterated in Python. A decay stepping alone whose recursion telescopes (PolyLR, and
CosineAnnealingLR before its first trough: `_Stepper.closed_form`) is not stepped at all: its values
come from the closed form, within float rounding of the steps, when they are asked for
(`SeriesBuilder.deferred`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from schedlint.simulate.numeric import sorted_unique
from schedlint.simulate.schedulers.base import _Group, _Stepper
from schedlint.simulate.builder import SeriesBuilder
from schedlint.simulate.series import Series

def _one_floor_run(v: float, c: np.ndarray, a: np.ndarray, d: np.ndarray) -> Optional[np.ndarray]:
    """The usual decay of one scheduler to one floor (cosine, poly, exp, step: `d == 0`, `a != 0`, one
    `c`) in one product, as `_affine_runs` would make it of its single floor run, without classifying
    every step first; None for anything else."""
    n = c.size
    if n < 2 or d.any() or not (c == c[0]).all() or not a.all():
        return None
    return _floor_product(v, float(c[0]), a)


# A floor run is multiplied out only while the distance to the floor stays above this fraction of the
# floor wherever a later step grows it again (see `_floor_product`).
_CANCELLATION = 1e-4


def _floor_product(v: float, floor: float, a: np.ndarray) -> Optional[np.ndarray]:
    """The values after each step `v -> (v - floor) * a + floor`, the distance to the floor multiplied
    out in one sequential product; None where that could differ from mmengine's step-by-step values by
    more than float rounding.

    mmengine rounds every value, so a value that comes within an ulp of the floor keeps an error of an
    ulp of the floor in its distance to it; a later step that grows the distance (a cosine just past a
    trough it nearly touched: `T_max` just off an integer) multiplies that error with it, and the product,
    which never rounds the distance to the floor, ends elsewhere (9e-7 relative for `T_max=0.99999`).
    Those runs must be stepped one by one."""
    factors = np.empty(a.size + 1)
    factors[0] = v - floor
    factors[1:] = a
    np.multiply.accumulate(factors, out=factors)
    if floor != 0:
        growing = np.flatnonzero(np.abs(a) > 1)
        if growing.size:
            # the distances before the last growing step (factors[k] is the distance before step k)
            before = np.abs(factors[: int(growing[-1]) + 1])
            if float(before.min()) < _CANCELLATION * abs(floor):
                return None
    values = factors[1:]
    values += floor
    return values


_CHUNK = 1 << 15  # iterations handled per vectorised block (bounds temporary memory: 256 KiB per array)
_FLOOR, _ABSOLUTE, _INCREMENT = 1, 2, 3  # kinds of single-scheduler runs in `_affine_runs`


@dataclass(order=True)
class _Failure:
    """A run-time exception; ordered by when it happens in the Runner."""

    event: int  # global iteration event: 0 = construction, g = step after iteration g-1
    phase: int  # 0 = iteration schedulers (after_train_iter), 1 = epoch schedulers (after_train_epoch)
    index: int  # position in the param_scheduler list
    message: str = field(compare=False)
    local_step: int = field(compare=False, default=0)
    type: str = field(compare=False, default="")


@dataclass
class _Track:
    """A stepper's activity inside one block of global iteration events."""

    stepper: _Stepper
    phase: int
    positions: np.ndarray  # offsets in the block where the scheduler is in-window
    local_steps: np.ndarray  # its `last_step` at those offsets


class _ParamRun:
    """Simulates one parameter ('lr' or 'momentum') of param group 0 through the Runner's events."""

    def __init__(
        self,
        initial_value: float,
        steppers: Sequence[_Stepper],
        *,
        total_iters: int,
        epoch_length: int,
        loop: str,
        hook_enabled: bool,
    ):
        self.group = _Group(value=float(initial_value))
        self.steppers = list(steppers)
        self.N = total_iters
        self.L = max(1, epoch_length)
        self.loop = loop
        self.hook_enabled = hook_enabled
        self.failure: Optional[_Failure] = None

    # -- public --------------------------------------------------------------------------------

    def run(self) -> Series:
        """Values during each iteration; sets `self.failure` to the first run-time crash, if any."""
        if not self.steppers or not self._construct() or self.N == 0 or not self.hook_enabled:
            return Series.constant(self.N, self.group.value)
        out = SeriesBuilder(self.N)
        out.runs(np.array([self.group.value]), np.zeros(1, dtype=np.int64), 1)
        v = self.group.value
        # Events g = 1..N: iteration schedulers step after iteration g-1; event N only matters
        # for crashes (the hook also steps after the last iteration / epoch). After a crash the
        # value of the last iteration that ran is held (the series builder holds the last value).
        # a block ends where an iteration scheduler starts or stops, so that after a warmup the decay
        # that follows it is stepped alone (one product), not through the maps of several schedulers
        iteration_steppers = [s for s in self.steppers if not s.by_epoch and not s.metric_driven]
        bounds = sorted({b for s in iteration_steppers for b in (s.g_first, s.g_stop) if 1 < b <= self.N})
        g = 1
        while g <= self.N:
            # a block holds _CHUNK events: iterations while an iteration scheduler steps, else epochs
            stepping = any(s.g_first <= g < s.g_stop for s in iteration_steppers)
            g_end = min(g + (_CHUNK if stepping else _CHUNK * self.L), self.N + 1)
            while bounds and bounds[0] <= g:
                bounds.pop(0)
            if bounds and bounds[0] < g_end:
                g_end = bounds[0]
            tracks = self._tracks(g, g_end)
            v, stop = self._run_block(out, v, g, g_end, tracks)
            if stop is not None:
                break
            g = g_end
        return out.build()

    # -- construction --------------------------------------------------------------------------

    def _construct(self) -> bool:
        group = self.group
        for s in self.steppers:
            s.construct(group)
            if s.steps_at_construction and s.g_first == 0 < s.g_stop:
                st = s.steps(np.zeros(1, dtype=np.int64), group)
                if st.failure is not None:
                    self.failure = _Failure(0, 0, s.index, st.failure[1], 0, s.type)
                    return False
                c = float(st.c[0])
                group.value = (group.value - c) * float(st.a[0]) + c + float(st.d[0])
        return True

    # -- stepping ------------------------------------------------------------------------------

    def _epoch_events(self, g0: int, g1: int) -> Tuple[np.ndarray, np.ndarray]:
        """(event g, epoch global step) pairs in [g0, g1) at which epoch schedulers step."""
        if self.loop == "epoch":
            first_e = -(-g0 // self.L)
            last_e = (g1 - 1) // self.L
            epochs = np.arange(max(first_e, 1), last_e + 1, dtype=np.int64)
            return epochs * self.L, epochs
        # IterBasedTrainLoop calls after_train_epoch once, after the last iteration (loops.py:L271-300)
        if g0 <= self.N < g1:
            return np.array([self.N], dtype=np.int64), np.array([1], dtype=np.int64)
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    def _tracks(self, g0: int, g1: int) -> List[_Track]:
        """Stepping activity in events [g0, g1), in the order the hook applies it at each event."""
        iteration_tracks: List[_Track] = []
        epoch_tracks: List[_Track] = []
        events = None
        for s in self.steppers:
            if s.metric_driven:
                continue  # only counts epochs until metrics arrive (§1.5)
            if not s.by_epoch:
                lo, hi = max(g0, s.g_first), min(g1, s.g_stop)
                if lo < hi:
                    positions = np.arange(lo - g0, hi - g0, dtype=np.int64)
                    iteration_tracks.append(_Track(s, 0, positions, positions + (g0 - s.g_first)))
            else:
                if events is None:
                    events = self._epoch_events(g0, g1)
                event_g, epoch = events
                inside = (epoch >= s.g_first) & (epoch < s.g_stop)
                if inside.any():
                    epoch_tracks.append(_Track(s, 1, event_g[inside] - g0, epoch[inside] - s.g_first))
        return iteration_tracks + epoch_tracks

    def _run_block(
        self, out: SeriesBuilder, v: float, g0: int, g1: int, tracks: List[_Track]
    ) -> Tuple[float, Optional[int]]:
        """Apply events [g0, g1) to `v`, adding the values during iterations g0.. to `out`; returns
        (v, g of a crash or None)."""
        n = g1 - g0
        write_end = min(g1, self.N)
        if not tracks:
            out.runs(np.array([v]), np.array([g0], dtype=np.int64), write_end)
            return v, None
        if len(tracks) == 1 and tracks[0].phase == 0:
            return self._run_alone(out, v, g0, g1, tracks[0])

        # Step maps per track over the events where any track steps (the union of their positions: one
        # per epoch for an epoch scheduler), identity where a track does not step there; all the block's
        # iterations when an iteration scheduler steps at most of them.
        if len(tracks) == 1:
            events = tracks[0].positions
        elif sum(t.positions.size for t in tracks) * 4 >= n:
            events = np.arange(n, dtype=np.int64)
        else:
            events = sorted_unique(np.concatenate([t.positions for t in tracks]))
        dense = events.size == n
        m = events.size
        maps = []
        failure: Optional[_Failure] = None
        for tr in tracks:
            st = tr.stepper.steps(tr.local_steps, self.group)
            at = tr.positions if dense else np.searchsorted(events, tr.positions)
            c, a, d = np.zeros(m), np.ones(m), np.zeros(m)
            c[at], a[at], d[at] = st.c, st.a, st.d
            maps.append((c, a, d))
            if st.failure is not None:
                offset, message = st.failure
                candidate = _Failure(
                    g0 + int(tr.positions[offset]),
                    tr.phase,
                    tr.stepper.index,
                    message,
                    int(tr.local_steps[offset]),
                    tr.stepper.type,
                )
                if failure is None or candidate < failure:
                    failure = candidate
        stop = None
        if failure is not None:
            self.failure = failure
            stop = failure.event
            n = stop - g0  # the crashing event's partial updates are never used
            write_end = min(stop, self.N)
            m = int(np.searchsorted(events, n))
            events = events[:m]
            maps = [(c[:m], a[:m], d[:m]) for c, a, d in maps]
            if n == 0:
                return v, stop

        changes = np.zeros(m, dtype=bool)
        for c, a, d in maps:
            changes |= (c != 0) | (a != 1) | (d != 0)
        positions = np.flatnonzero(changes)
        if positions.size == 0:
            out.runs(np.array([v]), np.array([g0], dtype=np.int64), write_end)
            return v, stop
        cs = [c[positions] for c, _, _ in maps]
        As = [a[positions] for _, a, _ in maps]
        ds = [d[positions] for _, _, d in maps]
        k = len(maps)
        no_offset = not any(x.any() for x in cs)
        if no_offset and not any(x.any() for x in ds):
            # Purely multiplicative: sequential accumulate = mmengine's step-by-step products.
            factors = np.empty(positions.size * k + 1)
            factors[0] = v
            factors[1:] = np.stack(As, axis=1).ravel()
            stepped = np.multiply.accumulate(factors)[k::k]
        elif no_offset and all((x == 1).all() for x in As):
            terms = np.empty(positions.size * k + 1)
            terms[0] = v
            terms[1:] = np.stack(ds, axis=1).ravel()
            stepped = np.add.accumulate(terms)[k::k]
        else:
            stepped = self._affine_runs(v, cs, As, ds)
        table = np.empty(positions.size + 1)
        table[0] = v
        table[1:] = stepped
        # the value during event r is the table entry after the last change at or before r
        starts = np.empty(positions.size + 1, dtype=np.int64)
        starts[0] = g0
        starts[1:] = events[positions] + g0
        out.runs(table, starts, write_end)
        return float(stepped[-1]), stop

    def _run_alone(self, out: SeriesBuilder, v: float, g0: int, g1: int, track: _Track) -> Tuple[float, Optional[int]]:
        """`_run_block` for one iteration scheduler stepping alone (its steps are consecutive events):
        the same arithmetic without the dense per-block maps; a decay with a closed form is not stepped
        at all: its values are computed when asked (`SeriesBuilder.deferred`)."""
        start = g0 + int(track.positions[0])
        if start == g0:
            values_at = track.stepper.closed_form(track.local_steps, v)
            if values_at is not None:
                out.deferred(start, min(g1, self.N) - start, values_at)
                return float(values_at(np.array([track.positions.size - 1], dtype=np.int64))[0]), None
        st = track.stepper.steps(track.local_steps, self.group)
        steps = track.positions.size
        stop = None
        if st.failure is not None:
            offset, message = st.failure
            self.failure = _Failure(start + offset, 0, track.stepper.index, message, int(track.local_steps[offset]),
                                    track.stepper.type)
            stop = start + offset
            steps = offset
        write_end = min(g1 if stop is None else stop, self.N)
        c, a, d = st.c[:steps], st.a[:steps], st.d[:steps]
        if g0 == start:
            whole = _one_floor_run(v, c, a, d)
            if whole is not None and (c[0] != 0 or not (a == 1).any()):  # every step changes the value
                out.dense(start, whole[: max(0, write_end - start)])
                return float(whole[-1]), stop
        changes = (c != 0) | (a != 1) | (d != 0)
        moving = np.flatnonzero(changes)
        table = np.empty(moving.size + 1)
        table[0] = v
        if moving.size == steps:
            table[1:] = self._affine_runs(v, [c], [a], [d])
        elif moving.size:
            table[1:] = self._affine_runs(v, [c[moving]], [a[moving]], [d[moving]])
        # v until the scheduler's first step, then the value after each step that changes it (held after
        # its last step)
        if moving.size == steps and g0 == start:
            out.runs(table[:1], np.array([g0], dtype=np.int64), start)
            out.dense(start, table[1 : 1 + max(0, write_end - start)])
        else:
            starts = np.empty(moving.size + 1, dtype=np.int64)
            starts[0] = g0
            starts[1:] = moving + start
            out.runs(table, starts, write_end)
        return float(table[-1]), stop

    @classmethod
    def _affine_runs(cls, v: float, cs, As, ds) -> np.ndarray:
        """Step through affine maps. Runs where a single scheduler acts alone are vectorised: with a
        fixed floor the distance to the floor is multiplied (equal to mmengine's recursion within float
        rounding); absolute values (`a == 0`) and pure increments (`v + d`, a sequential sum) are exact;
        the rest goes step by step."""
        n = cs[0].size
        if len(cs) == 1:  # one scheduler: every step given here is its own
            c_at, a_at, d_at = cs[0], As[0], ds[0]
            whole = _one_floor_run(v, c_at, a_at, d_at)
            if whole is not None:
                return whole
            which = np.zeros(n, dtype=np.int8)
            single = (c_at != 0) | (a_at != 1) | (d_at != 0)
        else:
            active = np.stack([(c != 0) | (a != 1) | (d != 0) for c, a, d in zip(cs, As, ds)])
            which = active.argmax(axis=0)
            c_at = np.choose(which, cs)
            a_at = np.choose(which, As)
            d_at = np.choose(which, ds)
            single = active.sum(axis=0) == 1
        kind = np.zeros(n, dtype=np.int8)  # 0: step by step
        kind[single & (d_at == 0)] = _FLOOR
        kind[single & (a_at == 0)] = _ABSOLUTE
        kind[single & (a_at == 1) & (c_at == 0) & (d_at != 0)] = _INCREMENT
        key_change = np.ones(n, dtype=bool)
        key_change[1:] = (kind[1:] != kind[:-1]) | (which[1:] != which[:-1]) | (
            (kind[1:] == _FLOOR) & (c_at[1:] != c_at[:-1]))
        starts = np.flatnonzero(key_change).tolist() + [n]
        out = np.empty(n)
        for lo, hi in zip(starts, starts[1:]):
            how = int(kind[lo])
            if how == _ABSOLUTE:
                out[lo:hi] = c_at[lo:hi] + d_at[lo:hi]  # ((v - c) * 0 + c) + d
            elif how == _INCREMENT and hi - lo > 1:
                terms = np.empty(hi - lo + 1)
                terms[0] = v
                terms[1:] = d_at[lo:hi]
                out[lo:hi] = np.add.accumulate(terms)[1:]
            elif how == _FLOOR and hi - lo > 1 and (run := _floor_product(v, float(c_at[lo]), a_at[lo:hi])) is not None:
                out[lo:hi] = run
            else:
                out[lo:hi] = cls._affine_loop(v, [c[lo:hi] for c in cs], [a[lo:hi] for a in As],
                                              [d[lo:hi] for d in ds])
            v = float(out[hi - 1])
        return out

    @staticmethod
    def _affine_loop(v: float, cs, As, ds) -> List[float]:
        out: List[float] = []
        append = out.append
        if len(cs) == 1:
            for c, a, d in zip(cs[0].tolist(), As[0].tolist(), ds[0].tolist()):
                v = (v - c) * a + c + d
                append(v)
            return out
        columns = [(c.tolist(), a.tolist(), d.tolist()) for c, a, d in zip(cs, As, ds)]
        for i in range(cs[0].size):
            for c_list, a_list, d_list in columns:
                c = c_list[i]
                v = (v - c) * a_list[i] + c + d_list[i]
            append(v)
        return out
