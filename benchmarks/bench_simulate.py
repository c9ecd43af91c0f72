"""Time `schedlint.simulate.simulate` on a 1.6M-iteration run (200 epochs x 8000 iterations).

Not a test: prints wall-clock times next to baselines measured in the same process, so the
numbers are comparable across machines:

* numpy baseline: `numpy.cumsum` over a float64 array of the same length;
* Python baseline: a plain Python loop of 1.6M float multiplications.

Usage: python benchmarks/bench_simulate.py [--repeat N]
"""

from __future__ import annotations

import argparse
import time
from typing import Callable, List

import numpy as np

from schedlint.plan.model import Horizon, Optimizer, Plan, Scheduler
from schedlint.simulate import _simulate

EPOCHS = 200
EPOCH_LENGTH = 8000
ITERATIONS = EPOCHS * EPOCH_LENGTH


def best_time(func: Callable[[], object], repeat: int) -> float:
    """Fastest of `repeat` wall-clock runs of `func`, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def make_plan(schedulers: List[Scheduler]) -> Plan:
    """A 200-epoch x 8000-iteration SGD plan with the given schedulers."""
    return Plan(
        filename="bench.py",
        horizon=Horizon(loop="epoch", max_epochs=EPOCHS, epoch_length=EPOCH_LENGTH, epoch_length_source="bench"),
        optimizer=Optimizer(type="SGD", lr=0.02, momentum=0.9, momentum_kind="momentum"),
        schedulers=schedulers,
    )


def plans() -> dict:
    """The benchmarked plans by name."""
    return {
        "epoch schedulers only (MultiStepLR + CosineAnnealingMomentum, per epoch)": make_plan(
            [
                Scheduler(index=0, type="MultiStepLR", param="lr", by_epoch=True, end=EPOCHS,
                          args=dict(milestones=[120, 170], gamma=0.1)),
                Scheduler(index=1, type="CosineAnnealingMomentum", param="momentum", by_epoch=True, end=EPOCHS,
                          args=dict(eta_min=0.85)),
            ]
        ),
        "iteration warm-up + cosine over the whole run (eta_min=0)": make_plan(
            [
                Scheduler(index=0, type="LinearLR", param="lr", by_epoch=False, end=1000, args=dict(start_factor=0.001)),
                Scheduler(index=1, type="CosineAnnealingLR", param="lr", by_epoch=False, end=ITERATIONS,
                          converted=True, args=dict(T_max=ITERATIONS, eta_min=0.0)),
            ]
        ),
        "iteration cosine over the whole run with eta_min>0 (affine steps)": make_plan(
            [
                Scheduler(index=0, type="CosineAnnealingLR", param="lr", by_epoch=False, end=ITERATIONS,
                          converted=True, args=dict(eta_min=1e-5)),
            ]
        ),
        "iteration cosine restarts, 2000 periods of 800 iterations": make_plan(
            [
                Scheduler(index=0, type="CosineRestartLR", param="lr", by_epoch=False, end=ITERATIONS,
                          args=dict(periods=[800] * 2000, restart_weights=[1.0] * 2000, eta_min=1e-5)),
            ]
        ),
    }


def python_multiplications() -> float:
    """Baseline: 1.6M float multiplications in a plain Python loop."""
    value = 1.0
    for _ in range(ITERATIONS):
        value *= 0.9999999
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best is reported)")
    repeat = parser.parse_args().repeat

    ones = np.ones(ITERATIONS)
    numpy_baseline = best_time(lambda: np.cumsum(ones), repeat)
    python_baseline = best_time(python_multiplications, repeat)
    print(f"{ITERATIONS:,} iterations ({EPOCHS} epochs x {EPOCH_LENGTH}); best of {repeat}")
    print(f"  baseline numpy.cumsum:                 {numpy_baseline * 1e3:9.2f} ms")
    print(f"  baseline Python loop of multiplications: {python_baseline * 1e3:7.2f} ms")
    # memory baseline: the two float64 curves (lr, momentum) the result must hold anyway
    output_bytes = 2 * ITERATIONS * 8
    print(f"  memory baseline: the lr + momentum arrays themselves, {output_bytes / 2**20:.1f} MiB")
    for name, plan in plans().items():
        print(f"  simulate: {name}")
        # uncached: the simulation itself; a decay with a closed form is computed when asked, so the
        # curve the rules read and every value of it (what `curve`, `show`, `plot` ask) are timed apart
        for label, run in (("curve as the rules read it", lambda: _simulate(plan)),
                           ("with every value built", lambda: _in_full(_simulate(plan)))):
            seconds = best_time(run, repeat)
            peak = peak_bytes(run)
            print(
                f"      {label:<27} {seconds * 1e3:9.2f} ms   = {seconds / numpy_baseline:7.1f} x numpy.cumsum"
                f"   = {seconds / python_baseline:5.2f} x Python loop;"
                f"   peak memory {peak / 2**20:6.1f} MiB = {peak / output_bytes:4.1f} x the output arrays"
            )


def _in_full(curve) -> None:
    for param in ("lr", "momentum"):
        series = curve.series(param)
        if series is not None:
            np.asarray(series)


def peak_bytes(func) -> int:
    """Peak memory allocated while `func` runs (numpy buffers included), via tracemalloc."""
    import tracemalloc

    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


if __name__ == "__main__":
    main()
