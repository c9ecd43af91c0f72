"""Tests for schedlint.simulate: hand-computed values, and agreement with real mmengine schedulers."""

from __future__ import annotations

import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pytest

from schedlint.plan.model import Horizon, Optimizer, Plan, Scheduler
from schedlint.simulate import INF, simulate

try:  # the oracle needs torch + mmengine; the hand-computed tests do not
    import torch  # noqa: F401

    HAVE_TORCH = True
except ImportError:  # pragma: no cover
    HAVE_TORCH = False

needs_torch = pytest.mark.skipif(not HAVE_TORCH, reason="torch not installed")


# --------------------------------------------------------------------------------------------
# Plan builders
# --------------------------------------------------------------------------------------------


def sgd(lr: float = 1.0, momentum: float = 0.9) -> Optimizer:
    return Optimizer(type="SGD", lr=lr, momentum=momentum, momentum_kind="momentum")


def adamw(lr: float = 1.0, betas: Tuple[float, float] = (0.95, 0.99)) -> Optimizer:
    return Optimizer(type="AdamW", lr=lr, betas=betas, momentum_kind="beta1")


def adagrad(lr: float = 1.0) -> Optimizer:
    return Optimizer(type="Adagrad", lr=lr)


def sched(type: str, *, by_epoch: bool = True, begin: float = 0, end: float = INF, param: Optional[str] = None, **args: Any) -> Dict[str, Any]:
    if param is None:
        param = "momentum" if type.endswith("Momentum") else "lr"
    return dict(type=type, param=param, by_epoch=by_epoch, begin=begin, end=end, args=args)


def make_plan(
    schedulers: List[Dict[str, Any]],
    *,
    epochs: int = 12,
    epoch_length: int = 1,
    loop: str = "epoch",
    max_iters: Optional[int] = None,
    optimizer: Optional[Optimizer] = None,
    hook: bool = True,
) -> Plan:
    if loop == "epoch":
        horizon = Horizon(loop="epoch", max_epochs=epochs, epoch_length=epoch_length, epoch_length_source="test")
    else:
        horizon = Horizon(loop="iter", max_iters=max_iters, epoch_length=epoch_length, epoch_length_source="test")
    return Plan(
        filename="test.py",
        horizon=horizon,
        optimizer=optimizer or sgd(),
        schedulers=[Scheduler(index=i, **s) for i, s in enumerate(schedulers)],
        scheduler_hook_enabled=hook,
    )


# --------------------------------------------------------------------------------------------
# Oracle: real torch optimizer + real mmengine schedulers, driven in Runner order
# --------------------------------------------------------------------------------------------


def _extra_scheduler_classes() -> Dict[str, type]:
    """mmdet / mmseg schedulers (not installed), transcribed on top of mmengine's machinery."""
    from mmengine.optim.scheduler import PolyLR
    from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
    from mmengine.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
    from mmengine.optim.scheduler.param_scheduler import _ParamScheduler

    class QuadraticWarmupParamScheduler(_ParamScheduler):  # mmdet/engine/schedulers/quadratic_warmup.py
        def __init__(self, optimizer, param_name, begin=0, end=INF, last_step=-1, by_epoch=True, verbose=False):
            if end >= INF:
                raise ValueError("``end`` must be less than infinity")
            self.total_iters = end - begin
            super().__init__(optimizer=optimizer, param_name=param_name, begin=begin, end=end,
                             last_step=last_step, by_epoch=by_epoch, verbose=verbose)

        def _get_value(self):
            if self.last_step == 0:
                return [b * (2 * self.last_step + 1) / self.total_iters**2 for b in self.base_values]
            return [g[self.param_name] + b * (2 * self.last_step + 1) / self.total_iters**2
                    for b, g in zip(self.base_values, self.optimizer.param_groups)]

    class QuadraticWarmupLR(LRSchedulerMixin, QuadraticWarmupParamScheduler):
        pass

    class QuadraticWarmupMomentum(MomentumSchedulerMixin, QuadraticWarmupParamScheduler):
        pass

    class PolyLRRatio(PolyLR):  # mmseg/engine/schedulers/poly_ratio_scheduler.py
        def __init__(self, eta_min_ratio=None, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.eta_min_ratio = eta_min_ratio

        def _get_value(self):
            if self.last_step == 0:
                return [g[self.param_name] for g in self.optimizer.param_groups]
            out = []
            for b, g in zip(self.base_values, self.optimizer.param_groups):
                eta_min = self.eta_min if self.eta_min_ratio is None else b * self.eta_min_ratio
                ratio = (1 - 1 / (self.total_iters - self.last_step + 1)) ** self.power
                out.append((g[self.param_name] - eta_min) * ratio + eta_min)
            return out

    return {
        "QuadraticWarmupParamScheduler": QuadraticWarmupParamScheduler,
        "QuadraticWarmupLR": QuadraticWarmupLR,
        "QuadraticWarmupMomentum": QuadraticWarmupMomentum,
        "PolyLRRatio": PolyLRRatio,
    }


def _as_int_if_integral(x: float) -> Any:
    return int(x) if float(x) == int(x) else x


def oracle(plan: Plan) -> Tuple[np.ndarray, Optional[np.ndarray], Optional[int]]:
    """(lr, momentum, first iteration that never runs or None) from real mmengine schedulers."""
    torch = pytest.importorskip("torch")
    import mmengine.optim.scheduler as mm_schedulers
    from mmengine.optim import OptimWrapper

    model = torch.nn.Linear(1, 1)
    opt = plan.optimizer
    if opt.momentum_kind == "beta1":
        optimizer = torch.optim.AdamW(model.parameters(), lr=opt.lr, betas=tuple(opt.betas))
    elif opt.momentum_kind == "momentum":
        optimizer = torch.optim.SGD(model.parameters(), lr=opt.lr, momentum=opt.momentum)
    else:
        optimizer = torch.optim.Adagrad(model.parameters(), lr=opt.lr)
    wrapper = OptimWrapper(optimizer)
    group = optimizer.param_groups[0]
    extra = _extra_scheduler_classes()

    def read_momentum() -> Optional[float]:
        if opt.momentum_kind == "beta1":
            return group["betas"][0]
        if opt.momentum_kind == "momentum":
            return group["momentum"]
        return None

    N, L = plan.horizon.total_iters, plan.horizon.epoch_length
    lr = np.empty(N)
    momentum = np.empty(N) if opt.momentum_kind else None

    schedulers = []
    try:
        for s in plan.schedulers:
            cls = extra.get(s.type) or getattr(mm_schedulers, s.type)
            kwargs = dict(s.args)
            kwargs.update(begin=_as_int_if_integral(s.begin), end=_as_int_if_integral(s.end), by_epoch=s.by_epoch)
            if s.type.endswith("ParamScheduler"):
                kwargs["param_name"] = s.param
            schedulers.append(cls(optimizer=wrapper, **kwargs))  # the Runner builds with keywords only
    except (ArithmeticError, ValueError):  # a crash in a construction step
        lr[:] = group["lr"]
        if momentum is not None:
            momentum[:] = read_momentum()
        return lr, momentum, 0
    iteration_schedulers = [s for s in schedulers if not s.by_epoch]
    epoch_schedulers = [s for s in schedulers if s.by_epoch]

    stopped_at = None
    for i in range(N):
        lr[i] = group["lr"]
        if momentum is not None:
            momentum[i] = read_momentum()
        wrapper.step()  # no gradients: a no-op that keeps mmengine's step-order check quiet
        if not plan.scheduler_hook_enabled:
            continue
        try:
            for s in iteration_schedulers:
                s.step()
            if plan.horizon.loop == "epoch" and (i + 1) % L == 0:
                for s in epoch_schedulers:
                    s.step()
            if plan.horizon.loop == "iter" and i == N - 1:
                for s in epoch_schedulers:  # IterBasedTrainLoop's single after_train_epoch
                    s.step()
        except (ArithmeticError, ValueError):
            if i + 1 < N:
                stopped_at = i + 1
                lr[i + 1 :] = lr[i]
                if momentum is not None:
                    momentum[i + 1 :] = momentum[i]
            break
    return lr, momentum, stopped_at


def assert_matches_oracle(plan: Plan) -> None:
    curve = simulate(plan)
    ref_lr, ref_momentum, ref_stop = oracle(plan)
    assert curve.stopped_at == ref_stop, curve.errors
    scale = max(1.0, float(np.abs(ref_lr).max(initial=0)))
    np.testing.assert_allclose(curve.lr, ref_lr, rtol=1e-9, atol=1e-14 * scale)
    if ref_momentum is None:
        assert curve.momentum is None
    else:
        np.testing.assert_allclose(curve.momentum, ref_momentum, rtol=1e-9, atol=1e-14)


# --------------------------------------------------------------------------------------------
# Oracle comparisons: one case per class and per tricky composition
# --------------------------------------------------------------------------------------------

ORACLE_CASES = {
    # -- composition ---------------------------------------------------------------------------
    "warmup_iter_plus_multistep": make_plan(
        [sched("LinearLR", by_epoch=False, end=4, start_factor=0.25), sched("MultiStepLR", end=3, milestones=[1, 2])],
        epochs=3, epoch_length=4,
    ),
    "warmup_spanning_epochs_plus_multistep": make_plan(
        [sched("LinearLR", by_epoch=False, end=50, start_factor=0.001), sched("MultiStepLR", end=12, milestones=[8, 11])],
        epochs=12, epoch_length=10,
    ),
    "overlap_cosine_eta_min_before_warmup": make_plan(
        [sched("CosineAnnealingLR", end=12, T_max=8, eta_min=0.5), sched("LinearLR", end=4, start_factor=0.1)],
    ),
    "overlap_warmup_before_cosine_eta_min": make_plan(
        [sched("LinearLR", end=4, start_factor=0.1), sched("CosineAnnealingLR", end=12, T_max=8, eta_min=0.5)],
    ),
    "overlap_iter_warmup_epoch_cosine_eta_min": make_plan(
        [sched("LinearLR", by_epoch=False, end=7, start_factor=0.1), sched("CosineAnnealingLR", end=6, eta_min=0.05)],
        epochs=6, epoch_length=3,
    ),
    "constant_then_cosine_trough_uses_base": make_plan(
        [sched("ConstantLR", end=100, factor=0.5), sched("CosineAnnealingLR", end=100, T_max=2)], epochs=9,
    ),
    "cosine_after_warmup_begin_offset": make_plan(
        [sched("LinearLR", by_epoch=False, end=10, start_factor=0.01),
         sched("CosineAnnealingLR", by_epoch=False, begin=10, end=40, eta_min=1e-3)],
        epochs=8, epoch_length=5,
    ),
    # -- cosine --------------------------------------------------------------------------------
    "cosine_periodic_past_T_max": make_plan([sched("CosineAnnealingLR", end=12, T_max=4)]),
    "cosine_default_T_max": make_plan([sched("CosineAnnealingLR", end=12, eta_min=0.01)], epochs=15),
    "cosine_float_T_max": make_plan([sched("CosineAnnealingLR", end=24, T_max=9.6, eta_min=0.1)], epochs=24),
    "cosine_iter_float_T_max": make_plan(
        [sched("CosineAnnealingLR", by_epoch=False, end=60, T_max=17.5, eta_min=0.01)], epochs=6, epoch_length=10,
    ),
    "cosine_eta_min_ratio": make_plan([sched("CosineAnnealingLR", end=10, eta_min_ratio=0.05)], optimizer=sgd(lr=0.02)),
    "cosine_upwards_eta_min_above_lr": make_plan([sched("CosineAnnealingLR", end=8, eta_min=10.0)], epochs=10),
    "cosine_restart_frozen_after_periods": make_plan(
        [sched("CosineRestartLR", periods=[5, 10], restart_weights=[1, 0.5], eta_min=0.01)], epochs=20,
    ),
    "cosine_restart_many_float_periods": make_plan(
        [sched("CosineRestartLR", by_epoch=False, periods=[3, 2.5, 4] * 40, restart_weights=[1, 0.5, 0.25] * 40,
               eta_min=0.001)], epochs=20, epoch_length=20,
    ),
    "cosine_restart_a_negative_period": make_plan(  # the first period whose end is past the step, not a bisection
        [sched("CosineRestartLR", periods=[6, -4, 5, 9], restart_weights=[1, 0.9, 0.8, 0.7], eta_min=0.01)],
        epochs=20,
    ),
    "cosine_restart_iter_ratio_after_warmup": make_plan(
        [sched("LinearLR", by_epoch=False, end=6, start_factor=0.1),
         sched("CosineRestartLR", by_epoch=False, periods=[8, 8, 16], restart_weights=[1, 0.7, 0.3], eta_min_ratio=0.1)],
        epochs=10, epoch_length=4,
    ),
    # -- OneCycle ------------------------------------------------------------------------------
    "onecycle_iter": make_plan(
        [sched("OneCycleLR", by_epoch=False, end=40, eta_max=0.1)], epochs=4, epoch_length=10, optimizer=sgd(lr=0.5),
    ),
    "onecycle_three_phase_linear": make_plan(
        [sched("OneCycleLR", by_epoch=False, end=30, eta_max=2.0, pct_start=0.25, three_phase=True,
               anneal_strategy="linear", total_steps=30)],
        epochs=4, epoch_length=10,
    ),
    "onecycle_overrides_base_of_later": make_plan(
        [sched("OneCycleLR", end=12, eta_max=0.2), sched("CosineAnnealingLR", end=12, T_max=3, eta_min_ratio=0.1)],
    ),
    "onecycle_default_eta_max_is_zero": make_plan([sched("OneCycleLR", by_epoch=False, end=20)], epochs=2, epoch_length=10),
    "onecycle_tried_to_step": make_plan(
        [sched("OneCycleLR", by_epoch=False, end=30, eta_max=1.0, total_steps=20)], epochs=3, epoch_length=10,
    ),
    # -- multiplicative families ---------------------------------------------------------------
    "multistep_begin_offset": make_plan([sched("MultiStepLR", begin=5, milestones=[3, 5, 5], gamma=0.5)], epochs=14),
    "multistep_milestone_zero": make_plan([sched("MultiStepLR", milestones=[0, 2])], epochs=4),
    "linear_begin_offset": make_plan([sched("LinearLR", begin=2, end=6, start_factor=0.25)], epochs=8),
    "linear_end_is_begin_plus_one": make_plan([sched("LinearLR", begin=3, end=4, start_factor=0.5)], epochs=8),
    "linear_decreasing": make_plan([sched("LinearLR", end=10, start_factor=1.0, end_factor=0.0)], epochs=12),
    "linear_unbounded_end": make_plan([sched("LinearLR", start_factor=0.1, by_epoch=False)], epochs=2, epoch_length=5),
    "constant": make_plan([sched("ConstantLR", end=5, factor=0.5)], epochs=8),
    "constant_end_is_begin_plus_one": make_plan([sched("ConstantLR", begin=0, end=1, factor=0.5)], epochs=4),
    "constant_float_end": make_plan([sched("ConstantLR", end=5.5, factor=0.5)], epochs=8),
    "step": make_plan([sched("StepLR", step_size=3, gamma=0.5)], epochs=12),
    "step_iter_converted": make_plan(
        [sched("StepLR", by_epoch=False, begin=3, end=50, step_size=7, gamma=0.7)], epochs=5, epoch_length=10,
    ),
    "exponential": make_plan([sched("ExponentialLR", end=9, gamma=0.9)], epochs=12),
    "exponential_iter": make_plan(
        [sched("ExponentialLR", by_epoch=False, begin=4, end=33, gamma=0.97)], epochs=4, epoch_length=10,
    ),
    "poly": make_plan([sched("PolyLR", end=10, power=2.0, eta_min=0.01)], epochs=12),
    "poly_iter_after_warmup_overlap": make_plan(
        [sched("LinearLR", by_epoch=False, end=15, start_factor=0.2),
         sched("PolyLR", by_epoch=False, end=60, power=0.9, eta_min=1e-4)],
        epochs=6, epoch_length=10,
    ),
    "generic_param_scheduler_names": make_plan(
        [sched("LinearParamScheduler", param="lr", end=3, start_factor=0.5),
         sched("CosineAnnealingParamScheduler", param="momentum", end=10, eta_min=0.5)],
        epochs=10,
    ),
    "mmdet_quadratic_warmup_then_cosine": make_plan(
        [sched("QuadraticWarmupLR", by_epoch=False, end=8), sched("CosineAnnealingLR", begin=2, end=6, eta_min=0.05)],
        epochs=6, epoch_length=4,
    ),
    "mmseg_poly_ratio": make_plan(
        [sched("PolyLRRatio", by_epoch=False, end=40, power=1.0, eta_min_ratio=0.1)], epochs=5, epoch_length=10,
    ),
    # -- momentum ------------------------------------------------------------------------------
    "momentum_cosine_betas": make_plan(
        [sched("CosineAnnealingLR", by_epoch=False, end=40, eta_min=1e-3),
         sched("CosineAnnealingMomentum", by_epoch=False, end=40, T_max=16, eta_min=0.85)],
        epochs=4, epoch_length=10, optimizer=adamw(),
    ),
    "momentum_cyclic_mmdet3d_style": make_plan(
        [sched("CosineAnnealingLR", end=4, eta_min=10.0), sched("CosineAnnealingLR", begin=4, end=10, eta_min=1e-4),
         sched("CosineAnnealingMomentum", end=4, eta_min=0.85 / 0.95), sched("CosineAnnealingMomentum", begin=4, end=10, eta_min=1)],
        epochs=10, epoch_length=3, optimizer=adamw(lr=1e-3),
    ),
    "momentum_sgd_linear_and_step": make_plan(
        [sched("LinearMomentum", by_epoch=False, end=12, start_factor=0.5),
         sched("StepMomentum", step_size=2, gamma=0.9), sched("ExponentialMomentum", begin=3, gamma=0.99)],
        epochs=6, epoch_length=3,
    ),
    "momentum_quadratic_and_constant": make_plan(
        [sched("QuadraticWarmupMomentum", end=4), sched("ConstantMomentum", begin=4, end=8, factor=0.9)],
        epochs=9,
    ),
    # -- runner wiring -------------------------------------------------------------------------
    "iter_loop_freezes_epoch_schedulers": make_plan(
        [sched("LinearLR", end=5, start_factor=0.1), sched("CosineAnnealingLR", by_epoch=False, end=10, eta_min=0.01)],
        loop="iter", max_iters=10, epoch_length=4,
    ),
    "iter_loop_converted_schedule": make_plan(
        [sched("LinearLR", by_epoch=False, end=5, start_factor=0.1),
         sched("MultiStepLR", by_epoch=False, end=25, milestones=[12, 18])],
        loop="iter", max_iters=25, epoch_length=4,
    ),
    "hook_disabled": make_plan(
        [sched("LinearLR", by_epoch=False, end=5, start_factor=0.1), sched("MultiStepLR", milestones=[1])],
        epochs=3, epoch_length=4, hook=False,
    ),
    "reduce_on_plateau_constant": make_plan(
        [sched("LinearLR", by_epoch=False, end=5, start_factor=0.1), sched("ReduceOnPlateauLR", monitor="loss")],
        epochs=3, epoch_length=4,
    ),
    # -- run-time crashes ----------------------------------------------------------------------
    "crash_linear_start_factor_zero": make_plan(
        [sched("LinearLR", by_epoch=False, end=10, start_factor=0.0)], epochs=3, epoch_length=4,
    ),
    "crash_constant_factor_zero": make_plan([sched("ConstantLR", end=5, factor=0.0)], epochs=8),
    "crash_step_size_zero_stops_momentum_too": make_plan(
        [sched("CosineAnnealingMomentum", by_epoch=False, end=12, eta_min=0.5), sched("StepLR", begin=1, step_size=0)],
        epochs=4, epoch_length=3,
    ),
    "crash_onecycle_empty_warmup_phase_at_construction": make_plan(
        [sched("OneCycleLR", by_epoch=False, end=10, eta_max=1.0, pct_start=0.1)], epochs=1, epoch_length=10,
    ),
    "crash_after_last_iteration": make_plan(
        [sched("OneCycleLR", by_epoch=False, end=11, eta_max=1.0, total_steps=9)], epochs=1, epoch_length=10,
    ),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(ORACLE_CASES))
def test_matches_mmengine(name: str) -> None:
    assert_matches_oracle(ORACLE_CASES[name])


@needs_torch
def test_common_case_is_exact_to_rounding() -> None:
    """Warm-up then a floored cosine: the vectorised path (distance to the floor multiplied) agrees
    with mmengine's step-by-step recursion to a few ulps — far inside the 1e-9 contract."""
    plan = make_plan(
        [sched("LinearLR", by_epoch=False, end=500, start_factor=0.001),
         sched("CosineAnnealingLR", by_epoch=False, begin=500, end=3000, eta_min=1e-5)],
        epochs=10, epoch_length=300, optimizer=sgd(lr=0.02),
    )
    ref_lr, _, _ = oracle(plan)
    got = simulate(plan).lr
    np.testing.assert_allclose(got, ref_lr, rtol=1e-12, atol=0)
    assert np.array_equal(got[:500], ref_lr[:500])  # the multiplicative warm-up stays bit-exact


# --------------------------------------------------------------------------------------------
# Random schedules against the oracle
# --------------------------------------------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_unit = st.floats(0.0, 1.0, allow_nan=False)
_positive_unit = st.floats(0.05, 1.0, allow_nan=False)


@st.composite
def random_scheduler(draw: Any) -> Dict[str, Any]:
    family = draw(st.sampled_from(["Step", "MultiStep", "Constant", "Exponential", "Linear", "CosineAnnealing", "Poly",
                                   "CosineRestart"]))
    param = draw(st.sampled_from(["lr", "lr", "momentum"]))
    type_name = family + ("LR" if param == "lr" else "Momentum")
    by_epoch = draw(st.booleans())
    begin = draw(st.integers(0, 6))
    end = draw(st.one_of(st.integers(begin + 1, begin + 14), st.just(INF)))
    args: Dict[str, Any] = {}
    if family == "Step":
        args = dict(step_size=draw(st.integers(1, 5)), gamma=draw(_positive_unit))
    elif family == "MultiStep":
        args = dict(milestones=sorted(draw(st.lists(st.integers(0, 12), min_size=1, max_size=3))), gamma=draw(_positive_unit))
    elif family == "Constant":
        args = dict(factor=draw(_unit))
    elif family == "Exponential":
        args = dict(gamma=draw(st.floats(0.5, 1.0)))
    elif family == "Linear":
        args = dict(start_factor=draw(_unit), end_factor=draw(_unit))
    elif family == "CosineAnnealing":
        if draw(st.booleans()):
            args["T_max"] = draw(st.one_of(st.integers(1, 12), st.floats(0.5, 12.0)))
        floor = draw(st.sampled_from(["none", "eta_min", "eta_min_ratio"]))
        if floor == "eta_min":
            args["eta_min"] = draw(st.floats(0.0, 1.2))
        elif floor == "eta_min_ratio":
            args["eta_min_ratio"] = draw(st.floats(0.0, 1.2))
    elif family == "Poly":
        args = dict(eta_min=draw(st.floats(0.0, 0.5)), power=draw(st.sampled_from([0.5, 0.9, 1.0, 2.0])))
    elif family == "CosineRestart":
        periods = draw(st.lists(st.one_of(st.integers(1, 6), st.floats(0.5, 6.0)), min_size=1, max_size=4))
        args = dict(periods=periods, restart_weights=draw(st.lists(_unit, min_size=len(periods), max_size=len(periods))),
                    eta_min=draw(st.floats(0.0, 0.5)))
    return sched(type_name, param=param, by_epoch=by_epoch, begin=begin, end=end, **args)


@needs_torch
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    schedulers=st.lists(random_scheduler(), min_size=1, max_size=3),
    epochs=st.integers(1, 8),
    epoch_length=st.integers(1, 5),
    loop=st.sampled_from(["epoch", "epoch", "iter"]),
    use_adam=st.booleans(),
)
def test_random_schedules_match_mmengine(schedulers, epochs, epoch_length, loop, use_adam) -> None:
    plan = make_plan(
        schedulers,
        epochs=epochs,
        epoch_length=epoch_length,
        loop=loop,
        max_iters=epochs * epoch_length,
        optimizer=adamw(lr=0.1) if use_adam else sgd(lr=0.1),
    )
    assert_matches_oracle(plan)


@needs_torch
@pytest.mark.parametrize("T_max", [0.99999, 2.00001, 3.99999])
@pytest.mark.parametrize("eta_min", [1.0, 0.3])
def test_cosine_that_nearly_touches_its_floor_matches_mmengine(T_max: float, eta_min: float) -> None:
    # found by Hypothesis: a T_max just off an integer brings the value within an ulp of eta_min, and
    # the steps after it grow that ulp by 1e9; a product of distances was 9e-7 off mmengine
    plan = make_plan([sched("StepLR", step_size=1, gamma=1.0), sched("CosineAnnealingLR", T_max=T_max, eta_min=eta_min)],
                     epochs=8, epoch_length=3, loop="epoch", max_iters=24, optimizer=sgd(lr=0.1))
    assert_matches_oracle(plan)


# --------------------------------------------------------------------------------------------
# Hand-computed values from the reference (no torch needed)
# --------------------------------------------------------------------------------------------


def lr_of(schedulers: List[Dict[str, Any]], **kw: Any) -> np.ndarray:
    return simulate(make_plan(schedulers, **kw)).lr


def test_cosine_past_a_near_trough_is_stepped_as_mmengine_steps_it() -> None:
    # mmengine's recursion, step by step, in Python floats (CosineAnnealingLR.get_lr, not at a trough)
    T, floor, value, expected = 2.00001, 1.0, 0.1, [0.1]
    for t in range(1, 12):
        value = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T)) * (value - floor) + floor
        expected.append(value)
    lr = lr_of([sched("CosineAnnealingLR", T_max=T, eta_min=floor)], epochs=12, optimizer=sgd(lr=0.1))
    np.testing.assert_allclose(lr, expected, rtol=1e-12)


def test_cosine_is_periodic_past_T_max() -> None:
    lr = lr_of([sched("CosineAnnealingLR", end=12, T_max=4)])
    expected = [1, 0.8535533905932737, 0.5, 0.14644660940672627, 0, 0.14644660940672627, 0.5, 0.8535533905932737, 1,
                0.8535533905932737, 0.5, 0.14644660940672627]
    np.testing.assert_allclose(lr, expected, atol=1e-12)


def test_linear_reaches_end_factor_at_end_minus_one() -> None:
    lr = lr_of([sched("LinearLR", by_epoch=False, end=500, start_factor=0.001)], epochs=1, epoch_length=600)
    assert lr[0] == pytest.approx(0.001)
    assert lr[498] < 1.0
    assert lr[499] == pytest.approx(1.0, rel=1e-12)
    assert np.all(lr[499:] == lr[499])
    np.testing.assert_allclose(lr[:500], 0.001 + 0.999 * np.arange(500) / 499, rtol=1e-9)


def test_cosine_default_T_max_never_reaches_eta_min() -> None:
    lr = lr_of([sched("CosineAnnealingLR", end=12, eta_min=0.0)], epochs=14)
    last = (1 + math.cos(math.pi * 11 / 12)) / 2
    assert lr[11] == pytest.approx(last, rel=1e-9)
    assert lr.min() == pytest.approx(last, rel=1e-9)  # held after end
    assert last == pytest.approx(0.01704, abs=1e-5)


def test_constant_restores_at_end_minus_one() -> None:
    lr = lr_of([sched("ConstantLR", end=5, factor=0.5)], epochs=7)
    np.testing.assert_allclose(lr, [0.5, 0.5, 0.5, 0.5, 1, 1, 1])


def test_end_is_begin_plus_one_never_recovers() -> None:
    np.testing.assert_allclose(lr_of([sched("LinearLR", end=1, start_factor=0.25)], epochs=4), [0.25] * 4)
    np.testing.assert_allclose(lr_of([sched("ConstantLR", end=1, factor=0.5)], epochs=4), [0.5] * 4)


def test_unbounded_end_makes_linear_and_poly_constant() -> None:
    np.testing.assert_allclose(lr_of([sched("LinearLR", start_factor=0.1)], epochs=5), [0.1] * 5)
    assert np.allclose(lr_of([sched("PolyLR", eta_min=0.0)], epochs=5), 1.0, rtol=1e-8)


def test_poly_reaches_eta_min_at_end_minus_one() -> None:
    lr = lr_of([sched("PolyLR", end=6, eta_min=0.1, power=2.0)], epochs=8)
    expected = [0.1 + 0.9 * (1 - t / 5) ** 2 for t in range(6)] + [0.1, 0.1]
    np.testing.assert_allclose(lr, expected, rtol=1e-12)


def test_exponential_ends_at_gamma_to_the_window() -> None:
    lr = lr_of([sched("ExponentialLR", end=4, gamma=0.5)], epochs=6)
    np.testing.assert_allclose(lr, [1, 0.5, 0.25, 0.125, 0.125, 0.125])


def test_iteration_warmup_times_epoch_multistep() -> None:
    lr = lr_of(
        [sched("LinearLR", by_epoch=False, end=4, start_factor=0.25), sched("MultiStepLR", end=3, milestones=[1, 2])],
        epochs=3, epoch_length=4,
    )
    np.testing.assert_allclose(lr, [0.25, 0.5, 0.75, 1] + [0.1] * 4 + [0.01] * 4, rtol=1e-12)


def test_overlap_with_eta_min_is_order_dependent() -> None:
    cosine = sched("CosineAnnealingLR", end=12, T_max=8, eta_min=0.5)
    warmup = sched("LinearLR", end=4, start_factor=0.1)
    before = lr_of([cosine, warmup])
    after = lr_of([warmup, cosine])
    np.testing.assert_allclose(before[:4], [0.1, 0.46, 0.81, 1.078], atol=5e-3)
    np.testing.assert_allclose(after[:5], [0.1, 0.40, 0.68, 0.89, 0.78], atol=1e-2)
    assert before.max() > 1.0 and after.max() < 1.0


def test_cosine_trough_branch_uses_base_not_scaled_value() -> None:
    lr = lr_of([sched("ConstantLR", end=100, factor=0.5), sched("CosineAnnealingLR", end=100, T_max=2)], epochs=5)
    np.testing.assert_allclose(lr, [0.5, 0.25, 0.0, 0.5, 1.0], atol=1e-12)


def test_begin_offsets_every_formula() -> None:
    lr = lr_of([sched("MultiStepLR", begin=5, milestones=[8])], epochs=15)
    assert lr[12] == 1.0 and lr[13] == pytest.approx(0.1)
    lr = lr_of([sched("LinearLR", begin=2, end=6, start_factor=0.25)], epochs=6)
    np.testing.assert_allclose(lr, [1, 1, 0.25, 0.5, 0.75, 1])


def test_iter_loop_freezes_epoch_schedulers() -> None:
    lr = lr_of([sched("LinearLR", end=5, start_factor=0.1)], loop="iter", max_iters=10, epoch_length=4)
    np.testing.assert_allclose(lr, [0.1] * 10)


def test_hook_disabled_keeps_construction_value() -> None:
    lr = lr_of([sched("LinearLR", by_epoch=False, end=5, start_factor=0.1)], epochs=2, epoch_length=5, hook=False)
    np.testing.assert_allclose(lr, [0.1] * 10)


def test_onecycle_default_eta_max_gives_zero_lr() -> None:
    lr = lr_of([sched("OneCycleLR", by_epoch=False, end=20)], epochs=2, epoch_length=10)
    assert np.all(lr == 0.0)


def test_onecycle_peaks_at_eta_max() -> None:
    lr = lr_of([sched("OneCycleLR", by_epoch=False, end=100, eta_max=0.1)], epochs=1, epoch_length=100)
    assert lr[0] == pytest.approx(0.1 / 25)
    assert lr[29] == pytest.approx(0.1)
    assert lr[99] == pytest.approx(0.1 / 25 / 1e4)


def test_onecycle_too_few_total_steps_is_a_crash() -> None:
    curve = simulate(make_plan([sched("OneCycleLR", by_epoch=False, end=30, eta_max=1.0, total_steps=20)],
                               epochs=3, epoch_length=10))
    assert curve.stopped_at == 21
    assert "Tried to step 22 times" in curve.errors[0]
    assert np.all(curve.lr[21:] == curve.lr[20])


def test_linear_start_factor_zero_crashes_at_second_step() -> None:
    curve = simulate(make_plan([sched("LinearLR", by_epoch=False, end=10, start_factor=0.0)], epochs=1, epoch_length=5))
    assert curve.stopped_at == 1 and "ZeroDivisionError" in curve.errors[0]


def test_cosine_restart_jumps_and_freezes() -> None:
    lr = lr_of([sched("CosineRestartLR", periods=[4, 4], restart_weights=[1, 0.5], eta_min=0.0)], epochs=10)
    expected = [(1 + math.cos(math.pi * s / 4)) / 2 for s in range(4)]
    expected += [0.5 * (1 + math.cos(math.pi * s / 4)) / 2 for s in range(4)]
    expected += [expected[-1]] * 2
    np.testing.assert_allclose(lr, expected, atol=1e-12)


def test_quadratic_warmup_reaches_base() -> None:
    lr = lr_of([sched("mmdet.QuadraticWarmupLR", by_epoch=False, end=5)], epochs=2, epoch_length=5)
    np.testing.assert_allclose(lr, [(t + 1) ** 2 / 25 for t in range(5)] + [1.0] * 5, rtol=1e-12)


def test_poly_lr_ratio_floor_follows_base() -> None:
    lr = lr_of([sched("PolyLRRatio", end=5, eta_min_ratio=0.1)], epochs=6, optimizer=sgd(lr=0.01))
    np.testing.assert_allclose(lr, [0.01 * (0.1 + 0.9 * (1 - t / 4)) for t in range(5)] + [0.001], rtol=1e-12)


def test_momentum_with_betas_and_epoch_values() -> None:
    curve = simulate(make_plan([sched("CosineAnnealingMomentum", end=4, eta_min=0.85)], epochs=4, epoch_length=3,
                               optimizer=adamw(betas=(0.95, 0.99))))
    expected = [0.85 + 0.1 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(4)]
    np.testing.assert_allclose(curve.epoch_values("momentum"), expected, rtol=1e-12)
    np.testing.assert_allclose(curve.momentum, np.repeat(expected, 3), rtol=1e-12)
    np.testing.assert_allclose(curve.epoch_values(), [1.0] * 4)


def test_momentum_scheduler_without_momentum_is_an_error() -> None:
    curve = simulate(make_plan([sched("LinearLR", end=3, start_factor=0.5), sched("CosineAnnealingMomentum", end=3)],
                               epochs=3, optimizer=adagrad()))
    assert curve.momentum is None
    assert any("optimizer must support momentum" in e for e in curve.errors)
    np.testing.assert_allclose(curve.lr, [0.5, 0.75, 1.0])


def test_momentum_scheduler_on_unknown_optimizer_is_unsimulated() -> None:
    optimizer = Optimizer(type="MyOptimizer", lr=1.0, known=False)
    curve = simulate(make_plan([sched("CosineAnnealingMomentum", end=3)], epochs=3, optimizer=optimizer))
    assert curve.errors == [] and curve.momentum is None
    assert "not known" in curve.unsimulated[0].reason


def test_build_errors_are_reported() -> None:
    curve = simulate(make_plan([sched("LinearLR", end=3, start_factor=1.5), sched("StepLR", end=3, step_size=1)], epochs=3))
    assert "Starting multiplicative factor" in curve.errors[0]
    np.testing.assert_allclose(curve.lr, [1.0, 0.1, 0.01])
    curve = simulate(make_plan([sched("CosineAnnealingLR", end=3, eta_min=0.0, eta_min_ratio=0.1)], epochs=3))
    assert "eta_min" in curve.errors[0]
    curve = simulate(make_plan([sched("ConstantLR", begin=3, end=3)], epochs=3))
    assert "end should be larger than begin" in curve.errors[0]


def test_unknown_and_metric_driven_schedulers_are_unsimulated() -> None:
    curve = simulate(make_plan(
        [sched("WarmupCosineLR", by_epoch=False, begin=5), sched("ReduceOnPlateauLR", begin=2, factor=0.5)],
        epochs=4, epoch_length=10,
    ))
    assert [(u.index, u.from_iter) for u in curve.unsimulated] == [(0, 5), (1, 20)]
    assert "validation metrics" in curve.unsimulated[1].reason
    assert np.all(curve.lr == 1.0)


def test_scoped_type_names_are_accepted() -> None:
    np.testing.assert_allclose(lr_of([sched("mmengine.ExponentialLR", end=3, gamma=0.5)], epochs=3), [1, 0.5, 0.25])


def test_long_run_has_expected_shape() -> None:
    plan = make_plan(
        [sched("LinearLR", by_epoch=False, end=1000, start_factor=0.001),
         sched("CosineAnnealingLR", by_epoch=False, begin=1000, end=400_000, eta_min=1e-6)],
        epochs=50, epoch_length=8000, optimizer=sgd(lr=0.1),
    )
    curve = simulate(plan)
    assert curve.lr.shape == (400_000,) and curve.lr.dtype == np.float64
    closed = 1e-6 + (0.1 - 1e-6) * (1 + np.cos(np.pi * np.arange(399_000) / 399_000)) / 2
    np.testing.assert_allclose(curve.lr[1000:], closed, rtol=1e-9)
    assert len(curve.epoch_values()) == 50


def test_generic_scheduler_of_another_hyper_parameter_leaves_lr_alone() -> None:
    """mmpretrain's MobileOne anneals weight decay with CosineAnnealingParamScheduler(param_name='weight_decay');
    the plan lists it, but neither lr nor momentum may move (mmengine writes group['weight_decay'])."""
    plan = make_plan([sched("CosineAnnealingParamScheduler", end=5, param_name="weight_decay", eta_min=1e-5),
                      sched("CosineAnnealingParamScheduler", end=5, param_name="lr", eta_min=0.0)], epochs=5)
    curve = simulate(plan)
    expected = [(1 + math.cos(math.pi * t / 5)) / 2 for t in range(5)]
    np.testing.assert_allclose(curve.lr, expected, rtol=1e-12)
    assert not curve.unsimulated and not curve.errors


# --------------------------------------------------------------------------------------------
# The catalogue: one unit per scheduler type / policy, found on import
# --------------------------------------------------------------------------------------------


def test_every_scheduler_unit_is_registered_under_its_class_names() -> None:
    import pkgutil

    import schedlint.simulate.schedulers as units
    from schedlint.simulate.schedulers import REGISTRY, class_names, parse_type

    modules = {m.name for m in pkgutil.iter_modules(units.__path__)} - {"base"}
    assert len(REGISTRY) == len(modules)  # one unit per module
    assert {cls.__module__.rsplit(".", 1)[-1] for cls in REGISTRY.values()} == modules
    names = class_names()
    for family in ("Step", "MultiStep", "Constant", "Exponential", "CosineAnnealing", "Linear", "Poly", "OneCycle",
                   "CosineRestart", "ReduceOnPlateau", "QuadraticWarmup"):
        assert names[f"{family}LR"] == (family, "lr")
        assert names[f"{family}Momentum"] == (family, "momentum")
        assert names[f"{family}ParamScheduler"] == (family, "generic")
    assert parse_type("mmseg.PolyLRRatio") == ("PolyRatio", "lr")
    assert parse_type("PolyRatioMomentum") is None and parse_type("WarmupLR") is None
    assert all(isinstance(cls.arguments, tuple) for cls in REGISTRY.values())


def test_every_mmcv_policy_unit_matches_the_plan_tables() -> None:
    from schedlint.plan.mmcv import LR_POLICIES, MOMENTUM_POLICIES
    from schedlint.simulate.policies import REGISTRY, hook_class

    assert {p for p, param in REGISTRY if param == "lr"} == set(LR_POLICIES)
    assert {p for p, param in REGISTRY if param == "momentum"} == set(MOMENTUM_POLICIES)
    for policy, kwargs in LR_POLICIES.items():
        assert set(hook_class(policy, "lr").own_kwargs) == set(kwargs)
    assert hook_class("Poly", "momentum") is None


def test_vectorised_math_equals_the_scalar_calls() -> None:
    from schedlint.simulate.numeric import cosines, positive_powers

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-50, 50, 20_000), math.pi * np.arange(-5, 200_000, 37) / 7919.0,
                        [math.pi, math.pi * (1 - 1e-9), 3 * math.pi]])
    got = cosines(x)
    assert got.tolist() == [math.cos(v) for v in x.tolist()] or np.allclose(got, np.cos(x), rtol=0, atol=2e-16)
    near = np.abs(x - math.pi) < 1e-3
    assert got[near].tolist() == [math.cos(v) for v in x[near].tolist()]  # the troughs are always math.cos
    bases = rng.uniform(0, 1, 10_000)
    for power in (0.9, 1, 2.0, 1e-3):
        fast = positive_powers(bases, power)
        np.testing.assert_allclose(fast, [b**power for b in bases.tolist()], rtol=4e-16, atol=0)
    assert positive_powers(np.array([-0.5, 0.5]), 0.9) is None  # Python gives a complex number here
    assert positive_powers(np.array([0.0, 0.5]), -1.0) is None  # Python raises ZeroDivisionError
    assert positive_powers(bases, float("nan")) is None
