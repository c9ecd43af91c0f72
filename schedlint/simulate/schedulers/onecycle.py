"""OneCycleLR / OneCycleParamScheduler (lr only): warm up to `eta_max`, anneal to the minimum."""

from __future__ import annotations

import math

import numpy as np

from schedlint.simulate.schedulers.base import _BuildError, _Group, _Unsupported, _first, _identity_steps, _cosines, _number, _Stepper, register


@register
class _OneCycleLR(_Stepper):
    family = "OneCycle"
    arguments = ('eta_max', 'total_steps', 'pct_start', 'anneal_strategy', 'div_factor', 'final_div_factor', 'three_phase')

    def validate(self) -> None:
        if self.spec.param != "lr":
            raise _BuildError(
                "AssertionError: OneCycle only works for learning rate updating, but got patam_name as momentum"
            )
        eta_max = self.args.get("eta_max", 0)
        if isinstance(eta_max, (list, tuple)) and eta_max:
            eta_max = eta_max[0]  # one value per param group; group 0 is simulated
        if not isinstance(eta_max, (int, float)):
            raise _Unsupported(f"eta_max={eta_max!r} is not a number")
        self.eta_max = eta_max
        self.div_factor = _number(self.args, "div_factor", 25.0)
        self.final_div_factor = _number(self.args, "final_div_factor", 1e4)
        for key in ("div_factor", "final_div_factor"):  # `eta_max / div_factor`, `initial / final_div_factor`
            value = getattr(self, key)
            if value is None or isinstance(value, bool):
                raise _BuildError(f"TypeError: unsupported operand type(s) for /: {key}={value!r}")
            if value == 0:
                raise _BuildError(f"ZeroDivisionError: float division by zero ({key}=0)")
        total_steps = self.args.get("total_steps")
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise _BuildError(f"ValueError: Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        else:
            self.total_steps = self.end - self.begin
        pct_start = self.args.get("pct_start", 0.3)
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise _BuildError(f"ValueError: Expected float between 0 and 1 pct_start, but got {pct_start}")
        anneal = self.args.get("anneal_strategy", "cos")
        if anneal not in ("cos", "linear"):
            raise _BuildError(
                f'ValueError: anneal_strategy must by one of "cos" or "linear", instead got {anneal}'
            )
        self.anneal = anneal
        N = self.total_steps
        # (end_step, start key, end key), L1004-1034
        if self.args.get("three_phase", False):
            self.phases = [
                (float(pct_start * N) - 1, "initial", "max"),
                (float(2 * pct_start * N) - 2, "max", "initial"),
                (N - 1, "initial", "min"),
            ]
        else:
            self.phases = [(float(pct_start * N) - 1, "initial", "max"), (N - 1, "max", "min")]

    def construct(self, group: _Group) -> None:
        # Overwrites initial_lr (and max/min) before the base class's setdefault (L1036-1044), so
        # this and every later-built scheduler sees eta_max/div_factor as the base.
        group.initial = self.eta_max / self.div_factor
        group.onecycle = {
            "initial": group.initial,
            "max": self.eta_max,
            "min": group.initial / self.final_div_factor,
        }
        self.base = group.initial

    def steps(self, t, group):
        out = _identity_steps(t.size)
        # phase = first one with t <= end_step, else the last (L1122-1131)
        phase = np.full(t.size, len(self.phases) - 1)
        for i in range(len(self.phases) - 2, -1, -1):
            phase[t <= self.phases[i][0]] = i
        end_steps = np.array([p[0] for p in self.phases], dtype=np.float64)
        start_steps = np.concatenate([[0.0], end_steps[:-1]])
        span = end_steps[phase] - start_steps[phase]
        failures = []
        too_far = _first(t > self.total_steps)  # checked before the phases (L1115-1118)
        if too_far is not None:
            failures.append((too_far, 0, f"ValueError: Tried to step {int(t[too_far]) + 1} times. "
                                         f"The specified number of total steps is {self.total_steps}"))
        empty_phase = _first(span == 0)
        if empty_phase is not None:
            failures.append((empty_phase, 1, "ZeroDivisionError: division by zero (OneCycle phase of zero length)"))
        n = t.size
        if failures:
            offset, _, message = min(failures)
            out.failure = (offset, message)
            n = offset
        phase, span = phase[:n], span[:n]
        pct = (t[:n] - start_steps[phase]) / span
        start_values = np.array([group.onecycle[p[1]] for p in self.phases])[phase]
        end_values = np.array([group.onecycle[p[2]] for p in self.phases])[phase]
        if self.anneal == "cos":
            values = end_values + (start_values - end_values) / 2.0 * (_cosines(math.pi * pct) + 1)
        else:
            values = (end_values - start_values) * pct + start_values
        # an absolute value, as the step map (v - 0) * 0 + 0 + value
        out.a[:n] = 0.0
        out.d[:n] = values
        return out
