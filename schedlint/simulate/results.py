"""What a simulation returns: the per-iteration curve, what could not be simulated, and crashes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

__all__ = ["Curve", "SimulationError", "Unsimulated"]


@dataclass
class Unsimulated:
    """A scheduler whose effect is not simulated (it is treated as leaving the value unchanged)."""

    index: int  # position in the param_scheduler list
    type: str
    from_iter: int  # first iteration the scheduler could have acted on
    reason: str


class SimulationError(str):
    """A crash mmengine would hit, as its message; `index` is the scheduler's param_scheduler position."""

    index: Optional[int]

    def __new__(cls, text: str, index: Optional[int] = None) -> "SimulationError":
        obj = super().__new__(cls, text)
        obj.index = index
        return obj


@dataclass
class Curve:
    """Per-iteration values of param group 0 over a whole training run.

    `lr[i]` / `momentum[i]` is the value used *during* iteration `i`. `errors` lists crashes
    mmengine would hit: build-time errors (the offending scheduler is left out and the rest is
    simulated) and run-time errors (values are held from the first iteration that would never
    run, `stopped_at`).
    """

    epoch_length: int
    iterations: int
    lr: np.ndarray
    momentum: Optional[np.ndarray]
    unsimulated: List[Unsimulated] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    stopped_at: Optional[int] = None  # first iteration that never runs because of a run-time error

    def epoch_values(self, param: str = "lr") -> np.ndarray:
        """Value of `param` ('lr' or 'momentum') at the first iteration of each epoch."""
        values = self.lr if param == "lr" else self.momentum
        if values is None:
            raise ValueError(f"the optimizer has no {param!r} to report")
        return values[:: max(1, self.epoch_length)].copy()
