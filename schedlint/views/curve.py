"""`schedlint curve`: the simulated per-iteration LR and momentum as CSV or JSON."""

from __future__ import annotations

import json
from typing import Any, Iterator, Optional

import numpy as np

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


#: rows of the curve formatted at a time: `curve` streams its output, never holding a long run's text whole
_ROWS = 1 << 16


def render_curve(path: str, settings: Settings, fmt: str, every: int = 1) -> str:
    """The curve of a config as one text (see `curve_chunks`)."""
    return "".join(curve_chunks(path, settings, fmt, every))


def curve_chunks(path: str, settings: Settings, fmt: str, every: int = 1) -> Iterator[str]:
    """The curve of a config, as pieces of text to write one after the other: JSON `{"iterations",
    "epoch_length", "epoch_length_source", "lr", "momentum"}` or CSV rows (every `every`-th iteration), each ending
    in a newline. The config is simulated before this returns (CurveError then); the text is made as it is read."""
    plan, curve = simulate_config(path, settings)
    lr, momentum = curve.lr, curve.momentum  # (each access expands the whole curve: once here)
    if fmt == "json":
        return _json_chunks(plan, curve, lr, momentum)
    return _csv_chunks(curve, lr, momentum, every)


def _json_list(values: np.ndarray) -> Iterator[str]:
    """A JSON list of floats in pieces, as `json.dumps(values.tolist())` writes it."""
    yield "["
    for start in range(0, len(values), _ROWS):
        yield (", " if start else "") + json.dumps(values[start:start + _ROWS].tolist())[1:-1]
    yield "]"


def _json_chunks(plan: Any, curve: Any, lr: np.ndarray, momentum: Optional[np.ndarray]) -> Iterator[str]:
    head = json.dumps({"iterations": int(curve.iterations), "epoch_length": int(curve.epoch_length),
                       "epoch_length_source": plan.horizon.epoch_length_source})
    yield head[:-1] + ', "lr": '
    yield from _json_list(lr)
    yield ', "momentum": '
    if momentum is None:
        yield "null"
    else:
        yield from _json_list(momentum)
    yield "}\n"


def _csv_chunks(curve: Any, lr: np.ndarray, momentum: Optional[np.ndarray], every: int) -> Iterator[str]:
    yield "iteration,epoch,lr" + (",momentum" if momentum is not None else "") + "\n"
    length = int(curve.epoch_length)
    rows = range(0, int(curve.iterations), every)
    for start in range(0, len(rows), _ROWS):
        part = rows[start:start + _ROWS]
        lrs = lr[part.start:part.stop:every].tolist()
        if momentum is None:
            yield "".join(f"{i},{i // length},{v!r}\n" for i, v in zip(part, lrs))
        else:
            moms = momentum[part.start:part.stop:every].tolist()
            yield "".join(f"{i},{i // length},{v!r},{m!r}\n" for i, v, m in zip(part, lrs, moms))
