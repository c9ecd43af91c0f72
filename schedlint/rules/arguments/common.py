"""Shared by the SL3xx rules (example snippets and helpers)."""

from __future__ import annotations

_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"


def _num(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _pos(s, key: str, effective: float) -> str:
    """A position as the config wrote it (epochs for converted schedulers)."""
    value = s.raw.get(key, effective) if s.converted else effective
    return f"{value:g}" if _num(value) else str(value)


_DECAY_TYPES = ("StepLR", "MultiStepLR", "ExponentialLR", "StepParamScheduler", "MultiStepParamScheduler",
                "ExponentialParamScheduler")
