"""Shared by the SL0xx rules (example snippets and helpers)."""

from __future__ import annotations

from schedlint.rules.base import Context

_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"


def _raw(s, key: str, effective: float) -> str:
    """A position as the config wrote it (epochs for converted schedulers)."""
    value = s.raw.get(key, effective) if s.converted else effective
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _span(ctx: Context, iterations: float) -> str:
    if ctx.plan.horizon.loop == "iter":
        return f"{int(iterations)} iterations"
    epochs = iterations / ctx.epoch_length
    return f"{epochs:g} epochs" if abs(epochs - round(epochs)) < 1e-9 else f"{epochs:.1f} epochs"
