"""SL105 absolute-floor-defeats-scaling: An absolute LR target (`eta_min`, `min_lr`, OneCycle's peak) shared by parameter groups whose LRs differ."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional, Tuple

from schedlint.model import Finding, Severity
from schedlint.rules.base import Context, Example, Rule, cfg, fmt
from schedlint.rules.support import legacy_loc, legacy_policy, stop_iteration
from schedlint.rules.windows import schedulers_of, window

_FLOOR_LR_TYPES = ("CosineAnnealingLR", "PolyLR", "CosineRestartLR", "CosineAnnealingParamScheduler",
                   "PolyParamScheduler", "CosineRestartParamScheduler")

_LEGACY_FLOOR_POLICIES = ("CosineAnnealing", "Poly", "FlatCosineAnnealing", "CosineRestart", "LinearAnnealing",
                          "YOLOX", "CosineAnnealingCooldown")

# schedules whose every value comes from an absolute peak (one number for every group, the optimizer's lr unused)
_PEAK_LR_TYPES = ("OneCycleLR", "OneCycleParamScheduler")
_LEGACY_PEAK_POLICIES = ("OneCycle",)
_PEAK_TAIL = ("; a scalar peak is one LR for every group (a list needs one value per param group, and paramwise_cfg "
              "makes one per parameter): warm up and anneal with schedulers that scale each group's own LR "
              "(LinearLR, then CosineAnnealingLR with eta_min_ratio / min_lr_ratio)")


def _lr_multipliers(ctx: Context) -> Dict[str, float]:
    """Per-group LR multipliers from paramwise_cfg: key -> lr_mult (only those != 1)."""
    if ctx.plan.generation == "mmcv":
        paramwise = ctx.resolved.get("optimizer", "paramwise_cfg")
    else:
        paramwise = ctx.resolved.get("optim_wrapper", "paramwise_cfg")
    out: Dict[str, float] = {}
    if not isinstance(paramwise, dict):
        return out
    custom = paramwise.get("custom_keys")
    if isinstance(custom, dict):
        for key, value in custom.items():
            if isinstance(value, dict):
                mult = value.get("lr_mult")
                if isinstance(mult, (int, float)) and not isinstance(mult, bool) and mult != 1:
                    out[str(key)] = float(mult)
    for key in ("bias_lr_mult",):
        mult = paramwise.get(key)
        if isinstance(mult, (int, float)) and not isinstance(mult, bool) and mult != 1:
            out[key.replace("_lr_mult", "")] = float(mult)
    return out


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}

#: a frozen group (lr_mult=0) whose LR stays below this share of the LR's peak barely moves: information only
_NEGLIGIBLE = 1e-3


class AbsoluteFloorDefeatsScaling(Rule):
    """An absolute LR target (`eta_min`, `min_lr`, OneCycle's peak) shared by parameter groups whose LRs differ.

    `paramwise_cfg` multipliers (`lr_mult`) and `auto_scale_lr` scale each group's starting LR,
    but an absolute `eta_min` is the same number for every group and is not scaled: a backbone
    at `lr_mult=0.1` is annealed to the head's floor — it decays 10x less, does not decay at all,
    or even rises (mmdetection3d#3059: a cyclic ramp to `eta_min=lr*100` lifts an `lr_mult=0.1`
    backbone 1000x). OneCycle goes further: a scalar `eta_max` (mmengine) or `max_lr` (mmcv 1.x)
    sets every group's whole curve, the optimizer's `lr` unused, so every `lr_mult` is lost (a
    frozen `lr_mult=0` group trains) and `auto_scale_lr` changes nothing. The group's own curve is
    simulated (schedulers act on every group with the same arguments). Reported as a warning where
    the group's LR stops decaying, rises, ends far from its intended share of the LR, or peaks
    where every group peaks; as information where only the final ratio drifts, where a frozen
    group's LR stays below a thousandth of the LR's peak, or where only `auto_scale_lr` is lost.

    Fix: `eta_min_ratio` (mmengine CosineAnnealing / CosineRestart) or `min_lr_ratio` (mmcv),
    which apply per group; for OneCycle, a warm-up and an annealing scheduler that scale each
    group's own LR.
    """

    code = "SL105"
    name = "absolute-floor-defeats-scaling"
    severity = Severity.WARNING
    summary = "an absolute eta_min/min_lr (or OneCycle peak) ignores paramwise lr_mult or auto_scale_lr"
    invalid = [
        Example(
            cfg(
            """\
            lr = 1e-4
            optim_wrapper = dict(
                optimizer=dict(type='AdamW', lr=lr, weight_decay=0.01),
                paramwise_cfg=dict(custom_keys={'img_backbone': dict(lr_mult=0.1)}))
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min=lr * 100, begin=0, end=8),
                dict(type='CosineAnnealingLR', T_max=12, eta_min=lr, begin=8, end=20),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=20)
            """),
            epoch_length=10,
        ),
        Example(
            cfg(
            """\
            optim_wrapper = dict(
                optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.01),
                paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
            param_scheduler = [
                dict(type='OneCycleLR', eta_max=0.01, total_steps=20, by_epoch=True, convert_to_iter_based=True),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=20)
            """),
            epoch_length=10,
            note="OneCycle's scalar eta_max sets every group's LR: the backbone peaks at 0.01 with the head",
        ),
    ]
    valid = [
        Example(
            cfg(
            """\
            lr = 1e-4
            optim_wrapper = dict(
                optimizer=dict(type='AdamW', lr=lr, weight_decay=0.01),
                paramwise_cfg=dict(custom_keys={'img_backbone': dict(lr_mult=0.1)}))
            param_scheduler = [
                dict(type='CosineAnnealingLR', T_max=8, eta_min_ratio=100, begin=0, end=8),
                dict(type='CosineAnnealingLR', T_max=12, eta_min_ratio=1e-4, begin=8, end=20),
            ]
            train_cfg = dict(by_epoch=True, max_epochs=20)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        targets = [t for t in self._targets(ctx) if t[1] is not None]
        if not targets:
            return
        mults = _lr_multipliers(ctx)
        if mults:
            curves: Dict[float, Any] = {}  # lr_mult -> the group's simulated LR (one simulation per multiplier)
            effects = [(self._group_effect(ctx, target, key, mult, curves), target[1], mult)
                       for target in targets for key, mult in mults.items()]
            effects = [(e, loc, mult) for e, loc, mult in effects if e is not None]
            if effects:  # the most severe; a frozen group (lr_mult=0) that trains before any other group
                (severity, msg), loc, _ = max(effects, key=lambda item: (_RANK[item[0][0]], item[2] == 0))
                yield self.finding(msg, loc, severity=severity)
            return
        opt = ctx.plan.optimizer
        if opt.lr_scale_source is not None:
            value, loc, who, _, _, peak = targets[0]
            if opt.lr_scale != 1:
                scales = f"auto_scale_lr scales the lr by {opt.lr_scale:g} ({opt.lr_scale_source}; to {fmt(opt.lr)})"
            else:  # (on the GPU count assumed here the factor is 1; on any other batch it is not)
                scales = f"auto_scale_lr scales the lr with the total batch (x1 here: {opt.lr_scale_source})"
            if peak:
                msg = (f"{who} sets the LR from the absolute peak {fmt(value)}, never from the optimizer's lr: "
                       f"{scales} and the schedule does not change with it, so the LR no longer follows the batch "
                       "size")
            else:
                msg = (f"{who} has the absolute target {fmt(value)}, but {scales}: the target is not scaled with "
                       "it, so the schedule's shape changes with the batch size"
                       + _ratio_advice(ctx, who, "which scales with it"))
            yield self.finding(msg, loc, severity=Severity.INFO)

    @staticmethod
    def _group_effect(ctx: Context, target: Tuple[float, Any, str, int, int, bool], key: str,
                      mult: float, curves: Dict[float, Any]) -> Optional[Tuple[Severity, str]]:
        """(severity, message) for the parameter group at `lr_mult=mult` during the phase [lo, hi) of one
        absolute target, from the group's own simulated curve."""
        from schedlint.simulate import simulate

        floor, _, who, lo, hi, peak = target

        stop = stop_iteration(ctx)
        lr = ctx.curve.series("lr")
        hi = min(hi, stop, len(lr))
        if hi - lo < 2:
            return None
        main = lr[lo:hi]
        if mult not in curves:
            opt = ctx.plan.optimizer.model_copy(update={"lr": ctx.plan.optimizer.lr * mult})
            curves[mult] = simulate(ctx.plan.model_copy(update={"optimizer": opt}), remember=False).series("lr")
        group = curves[mult][lo:hi]
        if len(group) != len(main):
            return None
        tail = _ratio_advice(ctx, who, "which applies per group")
        label = f"the '{key}' group (lr_mult={mult:g})"
        if mult == 0:
            g_peak, m_peak = float(group.max()), float(main.max())
            if g_peak <= 0:
                return None
            towards = "sets every parameter group's LR from" if peak else "moves every parameter group towards"
            msg = (f"{who} {towards} the absolute {fmt(floor)}: {label} should stay frozen but its LR reaches "
                   f"{fmt(g_peak)}")
            if m_peak > 0 and g_peak < _NEGLIGIBLE * m_peak:  # (TCM's text encoder: 1e-07 under an LR of 0.007)
                return Severity.INFO, (msg + f", {g_peak / m_peak:.2g}x the LR's peak: next to nothing, but not frozen"
                                       + (_PEAK_TAIL if peak else tail))
            return Severity.WARNING, msg + (_PEAK_TAIL if peak else tail)
        if peak:  # the whole curve is absolute: the group peaks where every group peaks
            m_peak, g_peak = float(main.max()), float(group.max())
            if m_peak <= 0:
                return None
            off = g_peak / (mult * m_peak)  # > 1: the group trains faster than meant (a backbone meant slower)
            if 0.5 * (1 + 1e-9) < off < 2 * (1 - 1e-9):
                return None
            return (Severity.WARNING if off > 1 else Severity.INFO), (
                f"{who} sets every parameter group's LR from the absolute peak {fmt(floor)}: {label} peaks at "
                f"{fmt(g_peak)}, not at {fmt(mult * m_peak)} ({mult:g}x the LR), so its lr_mult has no effect"
                + _PEAK_TAIL)
        # measure from where the LR peaks inside the phase: a warm-up that overlaps the phase must
        # not count as the start (its first value is tiny, which turned decays into "rises")
        start = int(main.argmax())
        if 0 < start < len(main) - 1 and float(main[-1]) < float(main[start]):
            main, group = main[start:], group[start:]  # (a ramp phase keeps its start)
        m0, m_end, m_peak = float(main[0]), float(main[-1]), float(main.max())
        g0, g_end, g_peak = float(group[0]), float(group[-1]), float(group.max())
        if min(m0, m_end, g0, g_end) <= 0:
            return None
        m_amp, g_amp = m_peak / m0, g_peak / g0
        m_decay, g_decay = m0 / m_end, g0 / g_end
        if g_amp > 1 + 1e-9 and g_amp > 2 * m_amp:
            effect = f"is ramped {g_amp:.3g}x ({fmt(g0)} -> {fmt(g_peak)}) where the LR is ramped {m_amp:.3g}x"
            severity = Severity.WARNING
        elif g_end >= g0 * (1 - 1e-9) and m_decay > 1 + 1e-9:
            change = "rises" if g_end > g0 * (1 + 1e-9) else "never decays"
            effect = f"{change} ({fmt(g0)} -> {fmt(g_end)}) where the LR decays {m_decay:.3g}x"
            severity = Severity.WARNING
        elif m_decay <= 1 + 1e-9:
            return None  # the LR does not decay in this phase: nothing to compare
        elif g_decay < m_decay / 2:
            effect = f"decays only {g_decay:.3g}x ({fmt(g0)} -> {fmt(g_end)}) where the LR decays {m_decay:.3g}x"
            severity = Severity.WARNING if g_decay < 10 else Severity.INFO
        elif g_decay > m_decay * 2:
            effect = f"decays {g_decay:.3g}x ({fmt(g0)} -> {fmt(g_end)}) where the LR decays {m_decay:.3g}x"
            severity = Severity.INFO
        else:
            return None
        msg = (f"{who} anneals every parameter group towards the absolute {fmt(floor)}: {label} {effect}, so it no "
               f"longer trains at {mult:g}x the LR" + tail)
        return severity, msg

    @staticmethod
    def _targets(ctx: Context):
        """(absolute value, location, description, first iteration, stop iteration, is a peak) of every LR
        phase with an absolute non-zero target: a floor (a legacy policy's phase starts after its warm-up),
        or OneCycle's scalar peak, which sets the whole curve."""
        if ctx.plan.generation == "mmcv":
            policy = legacy_policy(ctx, "lr")
            if policy is None:
                return
            peak = policy.policy in _LEGACY_PEAK_POLICIES
            if not peak and policy.policy not in _LEGACY_FLOOR_POLICIES:
                return
            key = "max_lr" if peak else "min_lr"
            value = policy.args.get(key)
            if _positive(value) and key in policy.raw:
                warmup = policy.args.get("warmup_iters", 0) if policy.args.get("warmup") and not peak else 0
                if policy.args.get("warmup_by_epoch"):
                    warmup = warmup * ctx.epoch_length
                lo = int(warmup) if isinstance(warmup, (int, float)) else 0
                yield (float(value), legacy_loc(ctx, policy, key), f"lr_config policy='{policy.raw.get('policy')}'",
                       lo, ctx.total_iters, peak)
            return
        for s in schedulers_of(ctx, "lr"):
            peak = s.type in _PEAK_LR_TYPES
            key = "eta_max" if peak else "eta_min"
            if not (peak or s.type in _FLOOR_LR_TYPES) or key not in s.raw:
                continue
            value = s.args.get(key)
            if not _positive(value):
                continue
            w = window(ctx, s)
            if w.start >= ctx.total_iters:
                continue
            hi = int(min(w.stop, ctx.total_iters))
            yield float(value), ctx.scheduler_loc(s, key), f"{s.type} (param_scheduler[{s.index}])", int(w.start), hi, peak


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


# the schedules that take their floor as a ratio of each group's LR (mmengine: eta_min_ratio; mmcv: min_lr_ratio)
_HAS_RATIO = ("CosineAnnealing", "CosineRestart", "FlatCosineAnnealing")


def _ratio_advice(ctx: Context, who: str, why: str) -> str:
    """'; use a ratio (eta_min_ratio), <why>' for a schedule that takes one; PolyLR and mmcv's poly have none."""
    if any(name in who for name in _HAS_RATIO):
        return f"; use a ratio ({'min_lr_ratio' if ctx.plan.generation == 'mmcv' else 'eta_min_ratio'}), {why}"
    return "; this schedule takes no ratio: set the floor to 0 or to a value that suits every group"
