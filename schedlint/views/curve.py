"""`schedlint curve`: the simulated per-iteration LR and momentum as CSV or JSON."""

from __future__ import annotations

import json

from schedlint.lint.engine import Linter
from schedlint.lint.settings import Settings


class CurveError(Exception):
    """The config cannot be simulated (not loadable, or not a training config)."""


def simulate_config(path: str, settings: Settings):
    """(plan, curve) of one config, or CurveError naming the problem."""
    from schedlint.simulate import simulate

    linter = Linter(settings)
    resolved, problems = linter.resolve(path)
    if resolved is None:
        p = problems[0]
        raise CurveError(f"{p.location}: {p.code} {p.message}")
    plan = linter.plan_for(resolved, path)
    if plan is None:
        raise CurveError(f"{path}: not a training config (no train_cfg/optimizer, nor runner/lr_config)")
    return plan, simulate(plan)


def render_curve(path: str, settings: Settings, fmt: str, every: int = 1) -> str:
    """The curve of a config: JSON `{"iterations", "epoch_length", "lr", "momentum"}` or CSV rows."""
    plan, curve = simulate_config(path, settings)
    momentum = curve.momentum
    if fmt == "json":
        return json.dumps(
            {
                "iterations": int(curve.iterations),
                "epoch_length": int(curve.epoch_length),
                "epoch_length_source": plan.horizon.epoch_length_source,
                "lr": [float(v) for v in curve.lr],
                "momentum": None if momentum is None else [float(v) for v in momentum],
            }
        )
    lines = ["iteration,epoch,lr" + (",momentum" if momentum is not None else "")]
    length = curve.epoch_length
    for i in range(0, int(curve.iterations), every):
        row = f"{i},{i // length},{float(curve.lr[i])!r}"
        if momentum is not None:
            row += f",{float(momentum[i])!r}"
        lines.append(row)
    return "\n".join(lines)
