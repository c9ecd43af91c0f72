"""`schedlint curve`: the simulated per-iteration LR and momentum as CSV or JSON."""

from __future__ import annotations

import json

from schedlint.lint.engine import Linter
from schedlint.lint.settings import Settings


class CurveError(Exception):
    """The config cannot be simulated (not loadable, or not a training config)."""


def simulate_config(path: str, settings: Settings):
    """(plan, curve) of one config, or CurveError naming the problem."""
    plan, curve, _ = load_config(path, settings)
    return plan, curve


def lr_multipliers(resolved, generation: str) -> dict:
    """Per-group LR multipliers of `paramwise_cfg` (custom_keys lr_mult, bias_lr_mult): name -> mult != 1."""
    paramwise = resolved.get("optimizer" if generation == "mmcv" else "optim_wrapper", "paramwise_cfg")
    out = {}
    if not isinstance(paramwise, dict):
        return out
    custom = paramwise.get("custom_keys")
    items = list(custom.items()) if isinstance(custom, dict) else []
    items += [(key.replace("_lr_mult", ""), {"lr_mult": paramwise.get(key)}) for key in ("bias_lr_mult",)]
    for key, value in items:
        mult = value.get("lr_mult") if isinstance(value, dict) else None
        if isinstance(mult, (int, float)) and not isinstance(mult, bool) and mult not in (0, 1):
            out[str(key)] = float(mult)
    return out


def load_config(path: str, settings: Settings):
    """(plan, curve, resolved config) of one config, or CurveError naming the problem."""
    from schedlint.simulate import simulate

    linter = Linter(settings)
    resolved, problems = linter.resolve(path)
    if resolved is None:
        p = problems[0]
        raise CurveError(f"{p.location}: {p.code} {p.message}")
    plan = linter.plan_for(resolved, path)
    if plan is None:
        raise CurveError(f"{path}: not a training config (no train_cfg/optimizer, nor runner/lr_config)")
    from schedlint.plan.limits import simulation_cost_problem

    too_costly = simulation_cost_problem(plan)
    if too_costly is not None:  # a run of 3e9 iterations is reported, never simulated
        raise CurveError(f"{path}: SL908 resource limit: {too_costly}")
    return plan, simulate(plan), resolved


def render_curve(path: str, settings: Settings, fmt: str, every: int = 1) -> str:
    """The curve of a config: JSON `{"iterations", "epoch_length", "lr", "momentum"}` or CSV rows."""
    plan, curve = simulate_config(path, settings)
    lr, momentum = curve.lr, curve.momentum  # (each access expands the whole curve: once here)
    if fmt == "json":
        return json.dumps(
            {
                "iterations": int(curve.iterations),
                "epoch_length": int(curve.epoch_length),
                "epoch_length_source": plan.horizon.epoch_length_source,
                "lr": lr.tolist(),
                "momentum": None if momentum is None else momentum.tolist(),
            }
        )
    lines = ["iteration,epoch,lr" + (",momentum" if momentum is not None else "")]
    length = curve.epoch_length
    for i in range(0, int(curve.iterations), every):
        row = f"{i},{i // length},{float(lr[i])!r}"
        if momentum is not None:
            row += f",{float(momentum[i])!r}"
        lines.append(row)
    return "\n".join(lines)
