"""Cyclic: up to `target_ratio[0]`, down to `target_ratio[1]`, `cyclic_times` over the run (iterations only)."""

from __future__ import annotations

import numpy as np

from schedlint.simulate.policies.base import _BuildError, _Unsupported, _annealing_cos, _annealing_linear, _is_number, register, _Hook


@register("Cyclic", "lr")
class _Cyclic(_Hook):
    own_kwargs = ("target_ratio", "cyclic_times", "step_ratio_up", "anneal_strategy", "gamma")
    default_by_epoch = False

    def validate(self):
        default = (10, 1e-4) if self.param == "lr" else (0.85 / 0.95, 1.0)
        ratio = self.args.get("target_ratio", default)
        if isinstance(ratio, float):
            ratio = (ratio, ratio / 1e5)
        elif isinstance(ratio, tuple):
            ratio = (ratio[0], ratio[0] / 1e5) if len(ratio) == 1 else ratio
        else:
            raise _BuildError(f"ValueError: target_ratio should be either float or tuple, got "
                              f"{type(ratio).__name__}", "target_ratio")
        if len(ratio) != 2 or not all(_is_number(r) for r in ratio):
            raise _BuildError('AssertionError: "target_ratio" must be list or tuple of two floats', "target_ratio")
        self.target_ratio = ratio
        self.cyclic_times = self.args.get("cyclic_times", 1)
        if not isinstance(self.cyclic_times, int):
            raise _Unsupported(f"cyclic_times={self.cyclic_times!r} is not an integer")
        self.step_ratio_up = self.number("step_ratio_up", 0.4)
        if not 0 <= self.step_ratio_up < 1.0:
            raise _BuildError('AssertionError: "step_ratio_up" must be in range [0,1)', "step_ratio_up")
        self.gamma = self.number("gamma", 1.0)
        if self.param == "lr" and not 0 < self.gamma <= 1:
            raise _BuildError('AssertionError: "gamma" must be in range (0, 1]', "gamma")
        anneal = self.args.get("anneal_strategy", "cos")
        if anneal not in ("cos", "linear"):
            raise _BuildError(f'ValueError: anneal_strategy must be one of "cos" or "linear", instead got {anneal}',
                              "anneal_strategy")
        self.anneal = anneal
        if self.args.get("by_epoch", False):
            raise _BuildError('AssertionError: currently only support "by_epoch" = False', "by_epoch")

    def before_run(self, run, initial):
        self.base = initial
        if self.cyclic_times == 0:
            raise _BuildError("ZeroDivisionError: integer division or modulo by zero (cyclic_times=0)",
                              "cyclic_times")
        self.per_phase = run.max_iters // self.cyclic_times
        up = int(self.step_ratio_up * self.per_phase)
        self.phases = [(0, up, 1, self.target_ratio[0]),
                       (up, self.per_phase, self.target_ratio[0], self.target_ratio[1])]
        return initial

    def regular(self, p, run):
        if self.per_phase == 0:
            return np.full(p.size, self.base, dtype=np.float64), (
                0, f"ZeroDivisionError: integer division or modulo by zero ({run.max_iters} iterations // "
                   f"cyclic_times={self.cyclic_times} is 0)")
        current = p % self.per_phase
        cycle = p // self.per_phase
        cycles = int(cycle.max(initial=0)) + 1
        scale = np.array([self.gamma ** c for c in range(cycles)], dtype=np.float64)[cycle]  # (Python's pow, per cycle)
        values = np.full(p.size, np.nan)
        for start, end, start_ratio, end_ratio in self.phases:
            inside = (start <= current) & (current < end)
            if not inside.any():
                continue
            s = scale[inside]
            # lr_updater.py:L519-538: the phase starting at 0 scales its end, the other its start
            if start == 0:
                start_r, end_r = np.full(s.size, float(start_ratio)), 1 - s + end_ratio * s
            else:
                start_r, end_r = 1 - s + start_ratio * s, np.full(s.size, float(end_ratio))
            factor = (current[inside] - start) / (end - start)
            anneal = _annealing_cos if self.anneal == "cos" else _annealing_linear
            values[inside] = anneal(self.base * start_r, self.base * end_r, factor)
        return values, None


@register("Cyclic", "momentum")
class _MomentumCyclic(_Cyclic):
    pass

