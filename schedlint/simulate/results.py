"""What a simulation returns: the per-iteration curve, what could not be simulated, and crashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional

import numpy as np

from schedlint.simulate.series import Series

__all__ = ["Curve", "SimulationError", "Unsimulated"]


@dataclass
class Unsimulated:
    """A scheduler whose effect is not simulated (it is treated as leaving the value unchanged)."""

    index: int  # position in the param_scheduler list
    type: str
    from_iter: int  # first iteration the scheduler could have acted on
    reason: str


class SimulationError(str):
    """A crash mmengine would hit, as its message; `index` is the scheduler's param_scheduler position, `key`
    the argument at fault when one is."""

    index: Optional[int]
    key: Optional[str]

    def __new__(cls, text: str, index: Optional[int] = None, key: Optional[str] = None) -> "SimulationError":
        obj = super().__new__(cls, text)
        obj.index = index
        obj.key = key
        return obj


class Curve:
    """Per-iteration values of param group 0 over a whole training run.

    `lr[i]` / `momentum[i]` is the value used *during* iteration `i`. `errors` lists crashes
    mmengine would hit: build-time errors (the offending scheduler is left out and the rest is
    simulated) and run-time errors (values are held from the first iteration that would never
    run, `stopped_at`).

    The values are held as `Series` (runs of equal values: a run of millions of iterations stepped
    per epoch is a few hundred numbers); `series(param)` is what the rules read. `lr` and `momentum`
    expand to one number per iteration on every access (for the curve, show and plot views).
    """

    __slots__ = ("epoch_length", "iterations", "_lr", "_momentum", "unsimulated", "errors", "stopped_at")

    def __init__(
        self,
        epoch_length: int,
        iterations: int,
        lr: Any,
        momentum: Any,
        unsimulated: Optional[List[Unsimulated]] = None,
        errors: Optional[List[str]] = None,
        stopped_at: Optional[int] = None,  # first iteration that never runs because of a run-time error
    ) -> None:
        self.epoch_length = epoch_length
        self.iterations = iterations
        self._lr = Series.from_array(lr)
        self._momentum = None if momentum is None else Series.from_array(momentum)
        self.unsimulated = list(unsimulated or [])
        self.errors = list(errors or [])
        self.stopped_at = stopped_at

    def series(self, param: str) -> Optional[Series]:
        """The values of 'lr' or 'momentum' (None: the optimizer has no momentum)."""
        return self._lr if param == "lr" else self._momentum

    @property
    def lr(self) -> np.ndarray:
        return np.asarray(self._lr)

    @property
    def momentum(self) -> Optional[np.ndarray]:
        return None if self._momentum is None else np.asarray(self._momentum)

    @property
    def nbytes(self) -> int:
        return self._lr.nbytes + (0 if self._momentum is None else self._momentum.nbytes)

    def with_values(self, lr: Series, momentum: Optional[Series]) -> "Curve":
        return Curve(self.epoch_length, self.iterations, lr, momentum, self.unsimulated, self.errors, self.stopped_at)

    def epoch_values(self, param: str = "lr") -> np.ndarray:
        """Value of `param` ('lr' or 'momentum') at the first iteration of each epoch."""
        values = self.series(param)
        if values is None:
            raise ValueError(f"the optimizer has no {param!r} to report")
        return np.array(values[:: max(1, self.epoch_length)])
