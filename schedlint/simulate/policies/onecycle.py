"""OneCycle: torch's one-cycle policy (iterations only): LR up to max_lr and down; momentum the mirror."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.policies.base import _BuildError, _anneal_strategy, _annealing_cos, _annealing_linear, _first_group, _is_number, _pct_start, register, _Hook


@register("OneCycle", "lr")
class _OneCycle(_Hook):
    own_kwargs = ("max_lr", "total_steps", "pct_start", "anneal_strategy", "div_factor", "final_div_factor",
                  "three_phase")
    default_by_epoch = False

    def validate(self):
        if self.args.get("by_epoch", False):
            raise _BuildError('AssertionError: currently only support "by_epoch" = False', "by_epoch")
        if "max_lr" not in self.args:
            raise _BuildError("TypeError: __init__() missing 1 required positional argument: 'max_lr'", "max_lr")
        max_lr = self.args["max_lr"]
        if not (_is_number(max_lr) or isinstance(max_lr, (list, dict))):
            raise _BuildError(f"ValueError: the type of max_lr must be the one of list or dict, but got "
                              f"{type(max_lr).__name__}", "max_lr")
        self.max_lr = max_lr
        total = self.args.get("total_steps")
        if total is not None and not isinstance(total, int):
            raise _BuildError(f"ValueError: the type of total_steps must be int, but got {type(total).__name__}",
                              "total_steps")
        self.total_steps = total
        self.pct_start = _pct_start(self.args)
        self.anneal = _anneal_strategy(self.args)
        self.div_factor = self.number("div_factor", 25)
        self.final_div_factor = self.number("final_div_factor", 1e4)
        self.three_phase = bool(self.args.get("three_phase", False))

    def before_run(self, run, initial):
        total = self.total_steps if self.total_steps is not None else run.max_iters
        if total < run.max_iters:
            raise _BuildError(f"ValueError: The total steps must be greater than or equal to max iterations "
                              f"{run.max_iters} of runner, but total steps is {total}.", "total_steps")
        max_lr = _first_group(self.max_lr, run.optimizer.type, "max_lr")
        self.base = max_lr / self.div_factor
        T, pct, div = total, self.pct_start, self.div_factor
        if self.three_phase:
            self.phases = [(float(pct * T) - 1, 1, div), (float(2 * pct * T) - 2, div, 1),
                           (T - 1, 1, 1 / self.final_div_factor)]
        else:
            self.phases = [(float(pct * T) - 1, 1, div), (T - 1, div, 1 / self.final_div_factor)]
        return self.base  # the group keeps its lr until the first before_train_iter

    def regular(self, p, run):
        values = np.full(p.size, np.nan)
        assigned = np.zeros(p.size, dtype=bool)
        start = 0.0
        failure = None
        anneal = _annealing_cos if self.anneal == "cos" else _annealing_linear
        for end, start_ratio, end_ratio in self.phases:
            here = ~assigned & (p <= end)
            if here.any():
                if end == start:
                    failure = (int(np.flatnonzero(here)[0]), "ZeroDivisionError: float division by zero "
                                                             "(a OneCycle phase of zero length)")
                    break
                values[here] = anneal(self.base * start_ratio, self.base * end_ratio, (p[here] - start) / (end - start))
                assigned |= here
            start = end
        return values, failure


@register("OneCycle", "momentum")
class _MomentumOneCycle(_Hook):
    own_kwargs = ("base_momentum", "max_momentum", "pct_start", "anneal_strategy", "three_phase")
    default_by_epoch = False

    def validate(self):
        if self.args.get("by_epoch", False):
            raise _BuildError('AssertionError: currently only support "by_epoch" = False', "by_epoch")
        for key, default in (("base_momentum", 0.85), ("max_momentum", 0.95)):
            value = self.args.get(key, default)
            if not isinstance(value, (float, list, dict)):
                raise _BuildError(f"ValueError: {key} must be the type among of float, list or dict.", key)
            setattr(self, key, value)
        self.pct_start = _pct_start(self.args)
        self.anneal = _anneal_strategy(self.args)
        self.three_phase = bool(self.args.get("three_phase", False))

    def before_run(self, run, initial):
        if run.optimizer.momentum_kind is None:
            raise _BuildError("ValueError: optimizer must support momentum with option enabled",
                              kind="momentum-support")
        low = _first_group(self.base_momentum, run.optimizer.type, "base_momentum")
        high = _first_group(self.max_momentum, run.optimizer.type, "max_momentum")
        self.values = {"base": low, "max": high}
        T, pct = run.max_iters, self.pct_start
        if self.three_phase:
            self.phases = [(float(pct * T) - 1, "max", "base"), (float(2 * pct * T) - 2, "base", "max"),
                           (T - 1, "max", "max")]
        else:
            self.phases = [(float(pct * T) - 1, "max", "base"), (T - 1, "base", "max")]
        self.base = high
        return high  # before_run writes max_momentum into the group (momentum_updater.py:L470-500)

    def regular(self, p, run):
        values = np.full(p.size, np.nan)
        assigned = np.zeros(p.size, dtype=bool)
        start = 0.0
        failure = None
        anneal = _annealing_cos if self.anneal == "cos" else _annealing_linear
        for i, (end, start_key, end_key) in enumerate(self.phases):
            last = i == len(self.phases) - 1
            here = ~assigned & ((p <= end) | last)
            if here.any():
                if end == start:
                    failure = (int(np.flatnonzero(here)[0]), "ZeroDivisionError: float division by zero "
                                                             "(a OneCycle phase of zero length)")
                    break
                values[here] = anneal(self.values[start_key], self.values[end_key], (p[here] - start) / (end - start))
                assigned |= here
            start = end
        return values, failure

