"""Torch-free simulation of mmcv 1.7.2's LR and momentum updater hooks (mmcv-1.x configs).

`simulate_legacy(plan)` gives the value of param group 0's `lr` and momentum (SGD `momentum`
or Adam-family `betas[0]`) during every training iteration, as `mmcv.runner` would set them
under `EpochBasedRunner` or `IterBasedRunner` (reference §5):

* every policy is a closed-form function of (progress, base value): `progress` is `runner.epoch`
  for `by_epoch=True` hooks (computed in `before_train_epoch`) and `runner.iter` otherwise
  (computed in `before_train_iter`); length-relative policies read `runner.max_epochs` /
  `runner.max_iters`, so they follow the training length; `step` milestones do not;
* warm-up counts iterations and scales the regular value (LR: multiplies; momentum: *divides* by
  the ratio); `warmup_by_epoch` converts epochs with the epoch length at the first epoch;
* `IterBasedRunner` never calls `before_train_epoch`: a `by_epoch=True` hook never updates;
* errors mmcv raises at build time, in `before_run`, or in the middle of training are reported
  as `LegacyError`s with the iteration training stops at.

The policies are the units of `schedlint.simulate.policies` (one module per policy).
Line references are to `mmcv/runner/hooks/lr_updater.py` / `momentum_updater.py` at v1.7.2.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np

from schedlint.plan.mmcv import LR_POLICIES, MOMENTUM_POLICIES, hook_name
from schedlint.plan.model import LegacyPolicy, Plan
from schedlint.simulate.policies import hook_class
from schedlint.simulate.policies.base import _BuildError, _Hook, _Run, _Unsupported
from schedlint.simulate.builder import SeriesBuilder
from schedlint.simulate.series import Series
from schedlint.simulate.results import Curve, SimulationError, Unsimulated

__all__ = ["LegacyError", "misnamed_policy", "simulate_legacy"]


class LegacyError(SimulationError):
    """A crash mmcv would hit: `param` says which hook, `kind` which problem, `key` which argument.

    Kinds owned by specific rules: 'momentum-support' (SL103), 'restart-periods' (SL402),
    'policy-name' (SL404); everything else is a generic crash (SL302).
    """

    param: str
    kind: str
    key: Optional[str]

    def __new__(cls, text: str, *, param: str, kind: str = "crash", key: Optional[str] = None) -> "LegacyError":
        obj = super().__new__(cls, text, None)
        obj.param = param
        obj.kind = kind
        obj.key = key
        return obj


def misnamed_policy(param: str, policy: LegacyPolicy) -> Optional[str]:
    """The registered policy a name was meant to be, when mmcv cannot find the written one
    ('cosineannealing' -> 'CosineAnnealing'); None when the name is fine or unknown."""
    table = LR_POLICIES if param == "lr" else MOMENTUM_POLICIES
    if policy.policy in table:
        return None
    written = policy.raw.get("policy")
    if not isinstance(written, str):
        return None
    squashed = written.replace("_", "").replace("-", "").lower()
    for name in table:
        if name.lower() == squashed:
            return name
    return None


def _initial(param: str, plan: Plan) -> Optional[float]:
    opt = plan.optimizer
    if param == "lr":
        return float(opt.lr)
    base = opt.base_momentum
    if opt.momentum_kind is not None and base is None:
        base = 0.9 if opt.momentum_kind == "beta1" else 0.0
    return base


def _simulate_hook(hook: _Hook, run: _Run, initial: float) -> Tuple[Series, Optional[Tuple[int, str]]]:
    """Values of one hook's parameter during every iteration; (iteration, message) of a crash."""
    N = run.N
    held = Series.constant(N, float(initial))
    if N == 0:
        return held, None
    if hook.warmup_by_epoch and run.loop == "iter":
        # IterBasedRunner never runs before_train_epoch, so warmup_iters stays None (lr_updater.py:L141)
        return held, (0, "AssertionError: warmup_by_epoch=True needs before_train_epoch, which "
                         "IterBasedRunner never calls (warmup_iters stays None)")
    if hook.by_epoch and run.loop == "iter":
        return held, None  # before_train_epoch never runs: the value is never updated
    iters = hook.warmup_iters
    if hook.warmup is None and (isinstance(iters, bool) or not isinstance(iters, (int, float))):
        W = 0  # not a number, never read without a warm-up (`self.warmup is None or ...` short-circuits)
    else:  # (with a warm-up: a positive number, checked when the hook was built; YOLOX reads it anyway)
        W = int(iters * run.L) if hook.warmup_by_epoch else int(iters or 0)
    hook.effective_warmup = W
    failure = None
    if hook.by_epoch:
        # one value per epoch (runs of an epoch's iterations), the warm-up iterations one by one
        epochs = np.arange(run.max_epochs, dtype=np.int64)
        per_epoch, fail = hook.regular(epochs, run)
        if fail is not None:
            failure = (int(epochs[fail[0]]) * run.L, fail[1])
        out = SeriesBuilder(N)
        n = min(W, N) if hook.warmup is not None and W > 0 else 0
        if n:
            out.dense(0, hook.warm(np.arange(n, dtype=np.int64),
                                   per_epoch[np.arange(n, dtype=np.int64) // run.L].astype(np.float64), W))
        starts = np.maximum(epochs * run.L, n)
        out.runs(per_epoch.astype(np.float64), starts, N)
        return out.build(), failure
    values = np.empty(N, dtype=np.float64)
    for start in range(0, N, _BLOCK):  # a block at a time: the policy's temporaries stay a block long
        stop = min(start + _BLOCK, N)
        positions = np.arange(start, stop, dtype=np.int64)
        regular, fail = hook.regular(positions, run)
        if fail is not None and failure is None:
            failure = (start + fail[0], fail[1])
        values[start:stop] = regular
        n = min(W, stop) if hook.warmup is not None else 0
        if n > start:
            values[start:n] = hook.warm(positions[: n - start], np.asarray(regular[: n - start], dtype=np.float64), W)
    return Series.from_array(values), failure


#: iterations a per-iteration policy is evaluated for at once
_BLOCK = 1 << 20


def _describe_stop(param: str, message: str, iteration: int, run: _Run) -> str:
    who = "lr_config" if param == "lr" else "momentum_config"
    if run.loop == "epoch":
        when = f"at iteration {iteration} (epoch {iteration // run.L}, 0-based)"
    else:
        when = f"at iteration {iteration}"
    if iteration == 0:
        return f"{who}: mmcv raises {message} {when}: training stops before the first iteration"
    return f"{who}: mmcv raises {message} {when}; iterations {iteration}..{run.N - 1} never run"


def simulate_legacy(plan: Plan) -> Curve:
    """Per-iteration lr and momentum of param group 0 under mmcv 1.7.2's updater hooks."""
    run = _Run(plan)
    errors: List[str] = []
    unsimulated: List[Unsimulated] = []
    results: Dict[str, Optional[Series]] = {}
    failures: List[Tuple[int, str, str, str]] = []
    policies = {p.param: p for p in plan.legacy}
    for param in ("lr", "momentum"):
        initial = _initial(param, plan)
        policy = policies.get(param)
        if param == "momentum" and initial is None:
            results[param] = None
            if policy is None:
                continue
            if plan.optimizer.known:
                # before_run reads group['betas'][0] when there is no 'momentum' (momentum_updater.py:L129-135);
                # OneCycle checks optimizer.defaults first and raises ValueError
                message = ("ValueError: optimizer must support momentum with option enabled"
                           if policy.policy == "OneCycle" else "KeyError: 'betas'")
                errors.append(LegacyError(
                    f"momentum_config: mmcv raises {message} in before_run ({plan.optimizer.type} has neither "
                    "momentum nor betas): training never starts",
                    param=param, kind="momentum-support", key="policy"))
            else:
                unsimulated.append(Unsimulated(-1, hook_name(param, policy.policy), 0,
                                               f"optimizer type {plan.optimizer.type!r} is not known to schedlint"))
            continue
        results[param] = Series.constant(run.N, float(initial))
        if policy is None:
            continue
        if "policy" not in policy.raw:
            errors.append(LegacyError(f"{policy.path[0]} has no `policy`: mmcv raises AssertionError when "
                                      "registering the hooks", param=param, key="self"))
            continue
        factory = hook_class(policy.policy, param)
        if factory is None:
            meant = misnamed_policy(param, policy)
            if meant is not None:
                errors.append(LegacyError(
                    f"{policy.path[0]}: mmcv raises KeyError: '{hook_name(param, policy.policy)} is not in the hook "
                    f"registry' (did you mean policy='{meant}'?)", param=param, kind="policy-name", key="policy"))
            unsimulated.append(Unsimulated(-1, hook_name(param, policy.policy), 0,
                                           f"policy {policy.raw.get('policy')!r} is not an mmcv policy schedlint knows"))
            continue
        try:
            hook = factory(policy, param)
            group_value = hook.before_run(run, float(initial))
        except _BuildError as exc:
            errors.append(LegacyError(f"{policy.path[0]}: mmcv raises {exc} when building the hooks: training "
                                      "never starts", param=param, kind=exc.kind, key=exc.key))
            continue
        except _Unsupported as exc:
            unsimulated.append(Unsimulated(-1, hook_name(param, policy.policy), 0, str(exc)))
            continue
        values, failure = _simulate_hook(hook, run, group_value)
        results[param] = values
        if failure is not None:
            iteration, message = failure
            kind = hook.crash_kind
            failures.append((iteration, param, message, kind))
    stopped_at = None
    if failures:
        iteration, param, message, kind = min(failures, key=lambda f: (f[0], f[1] != "lr"))
        key = "periods" if kind == "restart-periods" else "policy"
        errors.append(LegacyError(_describe_stop(param, message, iteration, run), param=param, kind=kind, key=key))
        if iteration < run.N:
            stopped_at = iteration
            results = {p: None if values is None else values.hold_from(iteration) for p, values in results.items()}
    lr = results.get("lr")
    return Curve(
        epoch_length=run.L,
        iterations=run.N,
        lr=lr if lr is not None else Series.constant(run.N, 0.0),
        momentum=results.get("momentum"),
        unsimulated=unsimulated,
        errors=errors,
        stopped_at=stopped_at,
    )

