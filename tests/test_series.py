"""`Series` (per-iteration values held as runs) answers as numpy does on the expanded array."""

import numpy as np
import pytest

from schedlint.simulate.builder import SeriesBuilder
from schedlint.simulate.series import Series

SPECIAL = np.repeat(np.array([0.02, -0.0, 0.0, np.nan, 2e-4, 2e-4, 1.0]), [400, 5, 5, 10, 300, 1, 7])


def _bits(a):
    return np.asarray(a, dtype=np.float64).view(np.int64)


@pytest.mark.parametrize("array", [SPECIAL, np.cos(np.linspace(0, 3, 500)), np.full(9, 0.5), np.zeros(0),
                                   np.broadcast_to(np.float64(0.9), (10**6,))])
def test_a_series_expands_to_its_array_bit_for_bit(array):
    s = Series.from_array(array)
    assert len(s) == array.size and np.array_equal(_bits(s), _bits(array))
    if array.size:
        assert s.nbytes <= max(array.nbytes, 16)


def test_runs_are_merged_only_for_identical_bits():
    s = Series.from_array(SPECIAL)
    assert s.runs == 6  # -0.0 and 0.0 stay apart, the two equal 2e-4 runs are one
    assert Series.from_array(np.cos(np.linspace(0, 3, 500))).starts is None  # every value distinct: dense


@pytest.mark.parametrize("key", [0, 5, 399, 400, 404, 405, 420, -1, -8, slice(None), slice(3, 410), slice(404, 406),
                                 slice(-20, None), slice(10, 5), slice(0, None, 7), slice(3, 700, 100)])
def test_indexing_and_windows_match_numpy(key):
    s = Series.from_array(SPECIAL)
    got, want = s[key], SPECIAL[key]
    assert np.array_equal(_bits(np.asarray(got)), _bits(want))
    if isinstance(key, slice) and (key.step or 1) == 1:
        assert isinstance(got, Series) and len(got) == want.size


def test_out_of_range_raises_index_error():
    s = Series.from_array(SPECIAL)
    with pytest.raises(IndexError):
        s[len(SPECIAL)]
    with pytest.raises(IndexError):
        s.sample([0, -len(SPECIAL) - 1])


@pytest.mark.parametrize("array", [SPECIAL, np.array([3.0, 1.0, 1.0, 3.0, 0.5, 0.5]), np.cos(np.linspace(0, 9, 50))])
def test_extremes_and_their_first_positions_match_numpy(array):
    s = Series.from_array(array)
    for name in ("min", "max", "argmin", "argmax"):
        assert np.array_equal(getattr(s, name)(), getattr(array, name)(), equal_nan=True), name


@pytest.mark.parametrize("threshold", [0.0, 2e-4, 0.5, 1.0])
def test_comparisons_counts_and_first_last_positions(threshold):
    s = Series.from_array(SPECIAL)
    for mask, want in ((s >= threshold, SPECIAL >= threshold), (s < threshold, SPECIAL < threshold),
                       (s != threshold, SPECIAL != threshold), (s == threshold, SPECIAL == threshold)):
        assert np.array_equal(np.asarray(mask), want)
        assert mask.sum() == want.sum() and mask.any() == want.any() and mask.all() == want.all()
        hits = np.flatnonzero(want)
        assert mask.first_true() == (int(hits[0]) if hits.size else None)
        misses = np.flatnonzero(~want)
        assert mask.last_false() == (int(misses[-1]) if misses.size else None)


@pytest.mark.parametrize("at", [0, 1, 400, 403, len(SPECIAL) - 1, len(SPECIAL)])
def test_hold_from_keeps_the_value_before_a_crash(at):
    want = SPECIAL.copy()
    if 0 < at < want.size:
        want[at:] = want[at - 1]
    assert np.array_equal(_bits(Series.from_array(SPECIAL).hold_from(at)), _bits(want))


def test_bits_equal_tells_signed_zeros_apart():
    a = Series.from_array(SPECIAL)
    flipped = SPECIAL.copy()
    flipped[401] = 0.0
    assert a.bits_equal(Series.from_array(SPECIAL.copy()))
    assert not a.bits_equal(Series.from_array(flipped))


def test_the_builder_holds_runs_and_turns_dense_when_most_values_differ():
    b = SeriesBuilder(1000)
    b.runs(np.array([1.0, 2.0, 3.0]), np.array([0, 10, 10]), 20)  # the empty run of 2.0 is dropped
    b.runs(np.array([3.0, 4.0]), np.array([20, 30]), 600)
    s = b.build()
    want = np.repeat([1.0, 3.0, 4.0], [10, 20, 970])  # the last value held to the end
    assert s.runs == 3 and np.array_equal(np.asarray(s), want)
    b = SeriesBuilder(1000)
    b.runs(np.array([1.0]), np.array([0]), 100)
    smooth = np.linspace(0, 1, 800)
    b.dense(100, smooth)
    s = b.build()
    assert s.starts is None and np.array_equal(np.asarray(s), np.concatenate([np.ones(100), smooth, np.ones(100)]))


def test_the_builder_holds_a_value_across_a_gap_between_parts():
    for dense_tail in (False, True):
        b = SeriesBuilder(100)
        b.dense(0, np.linspace(1, 2, 60))
        tail = np.linspace(3, 4, 20) if dense_tail else np.array([3.0])
        if dense_tail:
            b.dense(70, tail)
        else:
            b.runs(tail, np.array([70]), 90)
        want = np.concatenate([np.linspace(1, 2, 60), np.full(10, 2.0),
                               tail if dense_tail else np.full(20, 3.0), np.full(10, tail[-1])])
        assert np.array_equal(np.asarray(b.build()), want)


@pytest.mark.parametrize("seed", range(40))
def test_one_floor_run_equals_the_classified_runs_bit_for_bit(seed, monkeypatch):
    """The shortcut for one scheduler decaying to one floor gives exactly what `_affine_runs` makes of it
    step class by step class (and declines anything else)."""
    import schedlint.simulate.runner as runner

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    floor = float(rng.choice([0.0, 1e-4, 0.05, -0.0, rng.uniform(0, 1)]))
    a = rng.uniform(0.5, 1.0, n)
    c = np.full(n, floor)
    d = np.zeros(n)
    if seed % 4 == 1:
        a[rng.integers(0, n)] = 0.0  # an absolute step: not one run
    if seed % 4 == 2:
        d[rng.integers(0, n)] = 1e-3  # an increment: not one run
    if seed % 4 == 3 and n > 2:
        c[n // 2:] = floor + 0.01  # a second floor: not one run
    v = float(rng.uniform(0.01, 1.0))
    fast = runner._ParamRun._affine_runs(v, [c], [a], [d])
    monkeypatch.setattr(runner, "_one_floor_run", lambda *args: None)
    classified = runner._ParamRun._affine_runs(v, [c], [a], [d])
    assert np.asarray(fast).tobytes() == np.asarray(classified).tobytes()


@pytest.mark.parametrize("seed", range(20))
def test_sorted_unique_is_numpys_unique_for_integers(seed):
    from schedlint.simulate.numeric import sorted_unique

    rng = np.random.default_rng(seed)
    values = rng.integers(-(10 ** 12), 10 ** 12, int(rng.integers(0, 60))) // int(rng.integers(1, 10 ** 12))
    out = sorted_unique(values)
    assert out.dtype == np.unique(values).dtype and np.array_equal(out, np.unique(values))


@pytest.mark.parametrize("seed", range(60))
def test_polys_consecutive_steps_equal_its_general_steps_bit_for_bit(seed, monkeypatch):
    """PolyLR's shortcut for consecutive steps gives the general path's coefficients exactly, and declines
    a window that divides by zero, leaves the reals or starts at step 0."""
    from schedlint.simulate.schedulers.poly import _PolyLR

    rng = np.random.default_rng(seed)
    poly = object.__new__(_PolyLR)
    poly.total_iters = int(rng.integers(0, 2000))
    poly.power = float(rng.choice([0.9, 1.0, 2.0, 0.5, -1.0, 0.0, rng.uniform(0.1, 3)]))
    poly.eta_min = float(rng.choice([0.0, 1e-4, rng.uniform(0, 0.01)]))
    first = int(rng.integers(0, poly.total_iters + 40))
    t = np.arange(first, first + int(rng.integers(1, 3000)), dtype=np.int64)
    fast = poly.steps(t, None)
    monkeypatch.setattr(_PolyLR, "_consecutive_steps", lambda self, t: None)
    general = poly.steps(t, None)
    assert fast.failure == general.failure
    valid = t.size if general.failure is None else general.failure[0]
    for x, y in ((fast.a, general.a), (fast.c, general.c), (fast.d, general.d)):
        assert np.asarray(x[:valid]).tobytes() == np.asarray(y[:valid]).tobytes()


def _lazy_builder(rng, size):
    """A builder with runs, dense and deferred parts (and gaps where the value holds), like the runner's."""
    from schedlint.simulate.builder import SeriesBuilder

    b = SeriesBuilder(size)
    b.runs(np.array([0.5]), np.zeros(1, dtype=np.int64), 1)  # parts start at iteration 0
    at = 1
    while at < size:
        n = int(rng.integers(1, max(2, size // 4)))
        kind = rng.integers(0, 4)
        if kind == 0:
            k = int(rng.integers(1, 4))
            starts = np.sort(rng.choice(np.arange(at, at + n), size=min(k, n), replace=False))
            starts[0] = at
            b.runs(rng.uniform(0, 1, starts.size), starts.astype(np.int64), at + n)
        elif kind == 1:
            b.dense(at, rng.uniform(0, 1, n))
        elif kind == 2:
            scale, first = float(rng.uniform(0.5, 2)), at
            b.deferred(at, n, lambda offsets, s=scale, f=first: np.cos(s * (f + offsets)) * s)
        at += n + int(rng.integers(0, 3))  # kind 3: a gap, the value holds
    return b


@pytest.mark.parametrize("seed", range(40))
def test_a_lazy_series_answers_each_iteration_as_its_built_values(seed):
    """`LazySeries`: a single iteration is answered from its part, bit for bit what building gives, and
    building is counted once to `on_build`; anything but an iteration builds it."""
    from schedlint.simulate.builder import LazySeries

    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 400))
    b = _lazy_builder(np.random.default_rng([seed, 1]), size)
    if not b._deferred:
        b.deferred(size - 1, 1, lambda offsets: np.full(offsets.size, 0.25))
    lazy = b.build()
    assert isinstance(lazy, LazySeries)
    grew = []
    lazy.on_build = grew.append
    held = lazy.nbytes
    points = [lazy[i] for i in range(size)] + [lazy[-1], lazy[-size]]
    assert lazy._builder is not None and not grew  # single iterations do not build it
    built = np.asarray(lazy)
    assert lazy._builder is None and grew == [lazy.nbytes - held]
    assert np.array(points[:size]).tobytes() == built.tobytes()
    assert points[-2] == built[-1] and points[-1] == built[0]
    again = _lazy_builder(np.random.default_rng([seed, 1]), size)
    if not again._deferred:
        again.deferred(size - 1, 1, lambda offsets: np.full(offsets.size, 0.25))
    other = again.build()
    assert float(other.max()) == float(built.max()) and int(other.argmin()) == int(built.argmin())
    import pickle

    assert np.asarray(pickle.loads(pickle.dumps(lazy))).tobytes() == built.tobytes()


@pytest.mark.parametrize("seed", range(40))
def test_a_lazy_series_samples_iterations_as_its_built_values(seed):
    """`sample` (and a stepped slice) of a lazy series, or of a window of it, is answered part by part without
    building it (diagnose compared a 20-line log with a 19M-iteration plan by building 152 MB): bit for bit
    the built values, negative indices and repeats included."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(40, 400))
    b = _lazy_builder(np.random.default_rng([seed, 2]), size)
    if not b._deferred:
        b.deferred(size - 1, 1, lambda offsets: np.full(offsets.size, 0.25))
    lazy = b.build()
    index = rng.integers(-size, size, int(rng.integers(0, max(1, size // 4))))
    lo = int(rng.integers(0, size - 1))
    window = lazy[lo:size]
    got, stepped, in_window = lazy.sample(index), lazy[::5], window.sample(np.arange(0, size - lo, 5))
    assert lazy._builder is not None  # nothing built (a quarter of the series or more would build it)
    many = _lazy_builder(np.random.default_rng([seed, 2]), size)
    if not many._deferred:
        many.deferred(size - 1, 1, lambda offsets: np.full(offsets.size, 0.25))
    everything = many.build().sample(np.arange(size))
    built = np.asarray(lazy)
    assert got.tobytes() == built[index].tobytes()
    assert np.asarray(stepped).tobytes() == built[::5].tobytes()
    assert in_window.tobytes() == built[lo::5].tobytes()
    assert everything.tobytes() == built.tobytes()
    with pytest.raises(IndexError):
        b2 = _lazy_builder(np.random.default_rng([seed, 2]), size)
        b2.deferred(size - 1, 1, lambda offsets: np.full(offsets.size, 0.25))
        b2.build().sample(np.array([size]))


@pytest.mark.parametrize("seed", range(90))
def test_closed_forms_equal_stepping_within_rounding(seed):
    """The closed forms of PolyLR and CosineAnnealingLR give the stepped values to 1e-12 (relative to the
    distance travelled) and decline windows where a step would raise or the recursion does not telescope."""
    from schedlint.simulate.schedulers.cosine_annealing import _CosineAnnealingLR
    from schedlint.simulate.schedulers.poly import _PolyLR
    import schedlint.simulate.runner as runner

    rng = np.random.default_rng(seed)
    if seed % 2:
        unit = object.__new__(_PolyLR)
        unit.total_iters = int(rng.integers(2, 5000))
        unit.power = float(rng.choice([0.9, 1.0, 2.0, 0.5, -1.0, 0.0, rng.uniform(0.1, 3)]))
        unit.eta_min = float(rng.choice([0.0, 1e-4]))
        horizon = unit.total_iters
    else:
        unit = object.__new__(_CosineAnnealingLR)
        unit.T_max = int(rng.integers(1, 5000)) if seed % 4 else float(rng.uniform(1, 5000))
        unit.eta_min, unit.eta_min_ratio, unit.base = float(rng.choice([0.0, 1e-4])), None, 0.1
        horizon = int(unit.T_max) + 3
    if seed % 3 == 0:  # anywhere, also past the end (a step raises) or from step 0
        first, count = int(rng.integers(0, horizon + 3)), int(rng.integers(1, 3000))
    else:  # within the schedule
        first = int(rng.integers(1, max(2, horizon)))
        count = int(rng.integers(1, max(2, horizon - first + 1)))
    t = np.arange(first, first + count, dtype=np.int64)
    v = float(rng.uniform(0.01, 1.0))
    values_at = unit.closed_form(t, v)
    st = unit.steps(t, None)
    stepped = runner._ParamRun._affine_runs(v, [st.c], [st.a], [st.d]) if st.failure is None else None
    if values_at is None:
        return
    assert stepped is not None  # a closed form is only given where no step raises
    got = values_at(np.arange(t.size, dtype=np.int64))
    floor = float(unit.floor())
    assert np.allclose(got, stepped, rtol=0, atol=1e-12 * abs(v - floor) + 1e-300)
    assert got.tobytes() == np.concatenate([values_at(np.array([j])) for j in range(t.size)]).tobytes()
    # monotone the way it says (a window's extremes are then at its ends: `SeriesBuilder.extreme`)
    assert (np.diff(got) <= 0).all() if values_at.monotone < 0 else (np.diff(got) >= 0).all()


def test_a_built_lazy_curve_is_counted_by_the_curve_cache(tmp_path):
    """A cached curve whose deferred values are built later adds their bytes to the cache's count."""
    import schedlint.simulate.engine as engine
    from schedlint.lint.engine import build_any_plan
    from schedlint.loader import Loader
    from schedlint.simulate.builder import LazySeries

    path = tmp_path / "poly.py"
    path.write_text("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9))\n"
                    "param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=50000, "
                    "by_epoch=False)]\ntrain_cfg = dict(type='IterBasedTrainLoop', max_iters=50000)\n")
    plan = build_any_plan(Loader(scope_roots={}).resolve(str(path)), 1000)
    engine._CACHE.clear()
    engine._cache_bytes = 0
    lr = engine.simulate(plan).series("lr")
    assert isinstance(lr, LazySeries) and engine._cache_bytes < 1000
    assert lr[25_000] == np.asarray(lr)[25_000]
    assert engine._cache_bytes == sum(c.nbytes for c in engine._CACHE.values()) >= 50_000 * 8


@pytest.mark.parametrize("epoch_length, most_events", [(1000, 1000), (1, 1 << 15)])
def test_epoch_schedules_are_stepped_in_blocks_of_epochs_not_iterations(tmp_path, monkeypatch, epoch_length,
                                                                          most_events):
    """With no iteration scheduler stepping, a block spans up to _CHUNK epochs (few blocks for a long
    run, and never more than _CHUNK events in one)."""
    import schedlint.simulate.engine as engine
    import schedlint.simulate.runner as runner
    from schedlint.lint.engine import build_any_plan
    from schedlint.loader import Loader

    path = tmp_path / "steps.py"
    path.write_text("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
                    "param_scheduler = [dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),\n"
                    "                   dict(type='MultiStepLR', by_epoch=True, begin=0, end=1000, milestones=[800, 900])]\n"
                    "train_cfg = dict(by_epoch=True, max_epochs=1000)\n")
    plan = build_any_plan(Loader(scope_roots={}).resolve(str(path)), epoch_length)
    blocks = []
    real = runner._ParamRun._run_block

    def counted(self, out, v, g0, g1, tracks):
        blocks.append((g1 - g0, sum(t.positions.size for t in tracks)))
        return real(self, out, v, g0, g1, tracks)

    monkeypatch.setattr(runner._ParamRun, "_run_block", counted)
    lr = np.asarray(engine._simulate(plan).series("lr"))
    lr_blocks = blocks[: len(blocks) // 2] if len(blocks) % 2 == 0 else blocks
    assert max(events for _, events in blocks) <= most_events
    if epoch_length == 1000:
        assert len(lr_blocks) <= 4  # the warm-up, then the epochs in one or two blocks
    assert lr[-1] == pytest.approx(0.02 * 0.01) and lr[799 * epoch_length] == pytest.approx(0.02)


def _monotone(fn, direction):
    fn.monotone = direction
    return fn


def _windowed_builder(seed: int, size: int):
    """A builder like the runner's, with monotone deferred parts (decays and rises, some ending on a
    plateau of equal values) beside runs and dense parts."""
    from schedlint.simulate.builder import SeriesBuilder

    rng = np.random.default_rng([seed, 2])
    b = SeriesBuilder(size)
    b.runs(np.array([0.5]), np.zeros(1, dtype=np.int64), 1)
    at = 1
    while at < size:
        n = int(rng.integers(1, max(2, size // 3)))
        kind = int(rng.integers(0, 5)) if at > 1 else int(rng.integers(2, 4))  # one deferred part at least
        if kind == 0:
            b.runs(rng.choice([0.1, 0.5, 0.9, np.nan]) * np.ones(1), np.array([at]), at + n)
        elif kind == 1:
            b.dense(at, rng.uniform(0, 1, n))
        elif kind in (2, 3):
            top, slope, stop = float(rng.uniform(0.2, 1.0)), float(rng.uniform(0, 0.02)), float(rng.uniform(0, 0.3))
            sign = -1 if kind == 2 else 1
            b.deferred(at, n, _monotone(
                lambda o, t=top, s=slope, p=stop, g=sign: np.maximum(t - s * o, p) if g < 0 else np.minimum(
                    p + s * o, t), sign))
        at += n + int(rng.integers(0, 3))
    return b


@pytest.mark.parametrize("seed", range(60))
def test_windows_and_extremes_of_a_lazy_series_are_answered_as_numpy_does_on_its_values(seed):
    """A window of a lazy series stays lazy; its iterations, values and extremes (first occurrence, NaN
    first) equal numpy's on the built values, and neither building it nor the whole series spoils the other."""
    from schedlint.simulate.builder import LazySeries

    def made():
        return _windowed_builder(seed, size).build()

    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 300))
    lazy, full = made(), np.asarray(made())
    bounds = [(lo, int(rng.integers(lo + 1, size + 1))) for lo in rng.integers(0, size, 6).tolist()]
    windows = [lazy[lo:hi] for lo, hi in bounds]
    for (lo, hi), window in zip(bounds, windows):
        assert isinstance(window, LazySeries) and window._builder is not None
        want = full[lo:hi]
        for name in ("max", "min", "argmax", "argmin"):
            got, expected = getattr(window, name)(), getattr(want, name)()
            assert (np.isnan(got) and np.isnan(expected)) or got == expected, (name, lo, hi)
        assert window._builder is not None  # extremes did not build it
        j = int(rng.integers(0, hi - lo))
        assert np.asarray(window[j]).tobytes() == want[j].tobytes()
    if seed % 2:
        assert np.asarray(lazy).tobytes() == full.tobytes()  # the whole series built first: its windows still answer
    for (lo, hi), window in zip(bounds, windows):
        assert np.asarray(window).tobytes() == full[lo:hi].tobytes()


def test_a_window_over_the_whole_lazy_series_and_the_series_build_apart():
    """`series[0:len]` is a window like any other: building it and the series itself (in either order)
    gives the same values, each built once."""
    from schedlint.simulate.builder import SeriesBuilder

    for window_first in (True, False):
        b = SeriesBuilder(600)
        b.runs(np.array([0.5]), np.zeros(1, dtype=np.int64), 1)
        b.dense(1, np.linspace(0.5, 1.0, 299))
        b.deferred(300, 300, _monotone(lambda o: 1.0 - o / 1000.0, -1))
        lazy = b.build()
        window = lazy[0:600]
        first, second = (window, lazy) if window_first else (lazy, window)
        assert np.asarray(first).tobytes() == np.asarray(second).tobytes()


@pytest.mark.parametrize("T_max, last", [(10.5, 11), (10.5, 10), (10, 10), (10, 11), (1000.25, 1001)])
def test_a_cosine_closed_form_stops_at_t_max_where_the_cosine_turns(T_max, last):
    """Past T_max (a fractional T_max lets one more step in before the trough) the cosine rises again:
    such a window is stepped, so a closed form is always monotone."""
    from schedlint.simulate.schedulers.cosine_annealing import _CosineAnnealingLR

    unit = object.__new__(_CosineAnnealingLR)
    unit.T_max, unit.eta_min, unit.eta_min_ratio, unit.base = T_max, 0.0, None, 0.1
    values_at = unit.closed_form(np.arange(1, last + 1, dtype=np.int64), 0.1)
    assert (values_at is None) == (last > T_max)
    if values_at is not None:
        assert (np.diff(values_at(np.arange(last, dtype=np.int64))) <= 0).all()


def test_an_empty_window_of_a_lazy_series_builds_nothing():
    from schedlint.simulate.builder import SeriesBuilder

    b = SeriesBuilder(100)
    b.runs(np.array([0.5]), np.zeros(1, dtype=np.int64), 1)
    b.deferred(1, 99, _monotone(lambda o: 1.0 - o / 100.0, -1))
    lazy = b.build()
    empty = lazy[40:40]
    assert len(empty) == 0 and np.asarray(empty).size == 0 and lazy._builder is not None
    assert len(lazy[10:20][5:5]) == 0 and lazy._builder is not None


def test_a_fix_is_told_from_a_no_op_at_every_iteration_not_only_at_the_probes():
    """fix's no-op check compares a few thousand evenly spaced iterations first (a periodic cosine over 19M
    iterations took 9 s to compare at every one); a difference between the probes still counts."""
    from schedlint.fix import verify
    from schedlint.simulate.series import Series

    base = np.linspace(1.0, 0.0, 100_003)
    other = base.copy()
    other[12_345] += 1e-6  # between two probes
    assert 12_345 not in set(np.linspace(0, base.size - 1, verify._PROBES).astype(np.int64))
    assert verify._same(Series.from_array(base), Series.from_array(base.copy()))
    assert not verify._same(Series.from_array(base), Series.from_array(other))
    assert not verify._same(Series.from_array(base), Series.from_array(base[::-1].copy()))
