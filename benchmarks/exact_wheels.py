"""`schedlint.simulate` against mmengine's real schedulers on every distinct schedule of the wheels' configs.

    python benchmarks/exact_wheels.py [--cap N] [NAME==VERSION ...]

Every leaf config of the given wheels (default: the benchmark trees) is resolved and planned by
schedlint; plans with the same schedule (horizon, optimizer, schedulers) are simulated once. Each
distinct plan is then replayed with mmengine's own scheduler classes around a real torch optimizer,
stepped in Runner order, and both curves must agree to 1e-9 relative (plus 1e-14 of the base value
absolute). Runs longer than `--cap` iterations are re-planned with a shorter epoch length (the
schedule's structure, its arguments and order stay; positions converted from epochs follow).
Schedules with a type mmengine alone does not register (mmdet, mmseg), with unsimulated parts, or
with crashes are counted and skipped. Needs torch and mmengine.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wheels import BENCHMARK_TREES, configs_dir, leaf_configs, scope_roots  # noqa: E402

from schedlint.lint.engine import Linter  # noqa: E402
from schedlint.lint.settings import Settings  # noqa: E402
from schedlint.plan import build_any_plan  # noqa: E402
from schedlint.simulate import _simulate  # noqa: E402


def schedule_key(plan) -> str:
    return plan.model_dump_json(
        include={"generation", "horizon", "optimizer", "schedulers", "scheduler_hook_enabled"},
        exclude={"horizon": {"locs", "epoch_length_source"}, "optimizer": {"locs"},
                 "schedulers": {"__all__": {"locs", "raw", "path"}}})


def mmengine_curve(plan):
    """(lr, momentum or None) per iteration from mmengine's scheduler classes."""
    import numpy as np
    import torch
    from mmengine.optim import OptimWrapper
    from mmengine.registry import PARAM_SCHEDULERS

    opt = plan.optimizer
    model = torch.nn.Linear(1, 1)
    if opt.momentum_kind == "beta1":
        optimizer = torch.optim.AdamW(model.parameters(), lr=opt.lr, betas=tuple(opt.betas))
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=opt.lr, momentum=opt.momentum or 0.0)
    wrapper = OptimWrapper(optimizer)
    schedulers = []
    for s in plan.schedulers:
        entry = dict(s.args, type=s.type, begin=_int(s.begin), end=_int(s.end), by_epoch=s.by_epoch)
        schedulers.append(PARAM_SCHEDULERS.build(entry, default_args=dict(optimizer=wrapper)))
    h = plan.horizon
    N, L = h.total_iters, max(1, int(h.epoch_length))
    group = optimizer.param_groups[0]
    lr, mom = np.empty(N), np.empty(N)
    for g in range(N):
        lr[g] = group["lr"]
        mom[g] = group["betas"][0] if "betas" in group else group["momentum"]
        if not plan.scheduler_hook_enabled:
            continue
        for s in schedulers:
            if not s.by_epoch:
                s.step()
        if h.loop == "epoch" and (g + 1) % L == 0:
            for s in schedulers:
                if s.by_epoch:
                    s.step()
    return lr, (mom if opt.momentum_kind is not None else None)


def _int(x):
    return int(x) if float(x).is_integer() else x


def main() -> int:
    import mmengine.optim  # noqa: F401  (registers the schedulers)
    import numpy as np
    from mmengine.registry import PARAM_SCHEDULERS

    parser = argparse.ArgumentParser()
    parser.add_argument("--cap", type=int, default=200_000)
    parser.add_argument("specs", nargs="*")
    ns = parser.parse_args()
    specs = ns.specs or BENCHMARK_TREES
    roots = scope_roots(specs)
    linter = Linter(Settings(scope_roots=roots))
    plans, configs = {}, 0
    for spec in specs:
        for path in leaf_configs(configs_dir(spec)):
            resolved, problems = linter.resolve(path)
            if resolved is None:
                continue
            plan = build_any_plan(resolved, None)
            if plan is None or plan.generation != "mmengine":
                continue
            configs += 1
            if plan.horizon.total_iters > ns.cap and plan.horizon.loop == "epoch":
                length = max(1, ns.cap // max(1, int(plan.horizon.max_epochs or 1)))
                plan = build_any_plan(resolved, min(length, int(plan.horizon.epoch_length)))
            plans.setdefault(schedule_key(plan), (path, plan))
    registered = set(PARAM_SCHEDULERS.module_dict)
    counts = dict(compared=0, equal=0, foreign_type=0, unsimulated_or_crash=0, too_long=0)
    worst = 0.0
    start = time.perf_counter()
    for path, plan in plans.values():
        if any(s.type not in registered for s in plan.schedulers):
            counts["foreign_type"] += 1
            continue
        if plan.horizon.total_iters > ns.cap:
            counts["too_long"] += 1
            continue
        curve = _simulate(plan)
        if curve.errors or curve.unsimulated:
            counts["unsimulated_or_crash"] += 1
            continue
        ref_lr, ref_mom = mmengine_curve(plan)
        counts["compared"] += 1
        scale = abs(plan.optimizer.lr) or 1.0
        pairs = [(curve.lr, ref_lr, scale)]
        if ref_mom is not None and curve.momentum is not None:
            pairs.append((curve.momentum, ref_mom, 1.0))
        ok = True
        for got, ref, s in pairs:
            if got.shape != ref.shape or not np.allclose(got, ref, rtol=1e-9, atol=1e-14 * s):
                ok = False
            if got.shape == ref.shape and got.size:
                rel = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)
                worst = max(worst, float(rel[np.abs(got - ref) > 1e-14 * s].max(initial=0.0)))
        if ok:
            counts["equal"] += 1
        else:
            print(f"DIFFERENT: {path}")
    print(f"{configs} mmengine-era leaf configs, {len(plans)} distinct schedules; "
          + ", ".join(f"{k}: {v}" for k, v in counts.items())
          + f"; worst relative difference {worst:.2e}; {time.perf_counter() - start:.0f} s")
    return 0 if counts["equal"] == counts["compared"] else 1


if __name__ == "__main__":
    sys.exit(main())
