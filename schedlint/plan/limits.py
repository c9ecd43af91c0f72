"""Bounds on what a plan may ask the simulator to do: a run of 3e9 iterations or a milestones
list of 10^6 entries is reported (SL908) instead of being simulated for minutes or gigabytes.

The bounds are far above real trainings (the longest OpenMMLab schedules are a few million
iterations with a handful of milestones); raise them here if the simulator stops depending on
the run's length.
"""

from __future__ import annotations

from typing import Any, Optional

#: iterations of one run the simulator is asked to step through
MAX_SIMULATED_ITERS = 20_000_000
#: elements of one list argument of a scheduler (milestones, periods, restart weights, ...)
MAX_LIST_ARGUMENT = 10_000
#: schedulers (and mmcv-1.x policies) of one plan
MAX_SCHEDULERS = 1_000


def simulation_cost_problem(plan: Any) -> Optional[str]:
    """Why simulating `plan` would cost too much (a sentence), or None when it is within bounds."""
    total = plan.horizon.total_iters
    if total > MAX_SIMULATED_ITERS:
        return (f"training runs {total:,} iterations; schedlint simulates at most {MAX_SIMULATED_ITERS:,} "
                "(check max_epochs / max_iters and the iterations per epoch)")
    units = list(plan.schedulers) + list(getattr(plan, "legacy", []))
    if len(units) > MAX_SCHEDULERS:
        return f"{len(units):,} schedulers; schedlint simulates at most {MAX_SCHEDULERS:,}"
    for unit in units:
        for name, value in dict(getattr(unit, "args", {}) or {}).items():
            if isinstance(value, (list, tuple)) and len(value) > MAX_LIST_ARGUMENT:
                return (f"`{name}` of {getattr(unit, 'type', None) or getattr(unit, 'policy', 'a scheduler')} has "
                        f"{len(value):,} entries; schedlint simulates at most {MAX_LIST_ARGUMENT:,}")
    return None
