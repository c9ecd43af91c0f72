"""Bounds on what a plan may ask the simulator to do: a run of 3e9 iterations or a milestones
list of 10^6 entries is reported (SL908) instead of being simulated for minutes or gigabytes, and so is a
position (a milestone, `T_max`, a warm-up length) that is NaN, infinite or absurdly large, which no
simulated run can step to.

The bounds are far above real trainings (the longest OpenMMLab schedules are a few million
iterations with a handful of milestones); raise them here if the simulator stops depending on
the run's length.
"""

from __future__ import annotations

from typing import Any, Optional, Tuple

#: iterations of one run the simulator is asked to step through
MAX_SIMULATED_ITERS = 20_000_000
#: elements of one list argument of a scheduler (milestones, periods, restart weights, ...)
MAX_LIST_ARGUMENT = 10_000
#: schedulers (and mmcv-1.x policies) of one plan
MAX_SCHEDULERS = 1_000
#: the largest position (epoch or iteration: a milestone, `T_max`, a warm-up length) that is simulated; a
#: schedule position past it, or one that is NaN or infinite, is reported (SL908) rather than stepped through
MAX_POSITION = 10**12
#: scheduler / policy arguments that are positions or lengths in epochs or iterations
POSITION_KEYS = frozenset({"begin", "end", "T_max", "milestones", "step_size", "step", "periods", "total_steps",
                           "total_iters", "warmup_iters", "cyclic_times", "patience", "cooldown"})


def _bad_position(value: Any) -> bool:
    """A number that cannot be a position in a simulated run (NaN, infinite, or absurdly large)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False  # not a number at all: the simulator reports what the library does with it
    if isinstance(value, float) and value != value:
        return True
    return not -MAX_POSITION <= value <= MAX_POSITION


def simulation_cost_problem(plan: Any) -> Optional[str]:
    """Why simulating `plan` would cost too much (a sentence), or None when it is within bounds."""
    found = cost_problem(plan)
    return None if found is None else found[0]


def cost_problem(plan: Any) -> Optional[Tuple[str, Any]]:
    """(why simulating `plan` would cost too much or cannot be done, the location of the value responsible or
    None for the training length), or None when it is within bounds."""
    total = plan.horizon.total_iters
    if total > MAX_SIMULATED_ITERS:
        return (f"training runs {total:,} iterations; schedlint simulates at most {MAX_SIMULATED_ITERS:,} "
                "(check max_epochs / max_iters and the iterations per epoch)"), None
    units = list(plan.schedulers) + list(getattr(plan, "legacy", []))
    if len(units) > MAX_SCHEDULERS:
        return f"{len(units):,} schedulers; schedlint simulates at most {MAX_SCHEDULERS:,}", None
    for unit in units:
        who = getattr(unit, "type", None) or getattr(unit, "policy", "a scheduler")
        written = {k: v for k, v in dict(getattr(unit, "raw", {}) or {}).items() if k in ("begin", "end")}
        for name, value in list(dict(getattr(unit, "args", {}) or {}).items()) + list(written.items()):
            if isinstance(value, (list, tuple)) and len(value) > MAX_LIST_ARGUMENT:
                return (f"`{name}` of {who} has {len(value):,} entries; schedlint simulates at most "
                        f"{MAX_LIST_ARGUMENT:,}"), _loc(unit, name)
            if name in POSITION_KEYS:
                values = value if isinstance(value, (list, tuple)) else [value]
                bad = next((v for v in values if _bad_position(v)), None)
                if bad is not None:
                    return (f"`{name}={value!r}` of {who} is not a position schedlint can simulate (NaN, infinite or "
                            f"beyond {MAX_POSITION:.0e} epochs or iterations)"), _loc(unit, name)
    return None


def _loc(unit: Any, key: str) -> Any:
    locs = getattr(unit, "locs", {}) or {}
    return locs.get(key) or locs.get("self")
