"""Torch-free, exact simulation of the parameter schedules of OpenMMLab configs.

One catalogue of scheduler types, one unit (module) per type:
- `schedlint.simulate.schedulers`: mmengine 0.10.7 parameter schedulers (`StepLR`, `CosineAnnealingMomentum`,
  ..., and downstream ones such as mmdet's `QuadraticWarmupLR`), stepped by `runner` the way the
  Runner's ParamSchedulerHook does (`engine.simulate`);
- `schedlint.simulate.policies`: mmcv 1.7.2 LR / momentum updater-hook policies (`lr_config=dict(policy=...)`),
  run by `schedlint.simulate.mmcv.simulate_legacy`.
Both give a `Curve`: the exact per-iteration lr and momentum of param group 0.
"""

from __future__ import annotations

from schedlint.simulate.engine import _simulate, simulate  # noqa: F401  (_simulate: uncached, for benchmarks)
from schedlint.simulate.results import Curve, SimulationError, Unsimulated
from schedlint.simulate.schedulers.base import INF

__all__ = ["Curve", "INF", "SimulationError", "Unsimulated", "simulate"]
