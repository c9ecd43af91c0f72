"""How the validation metric and the gradient norm move, judged with the noise model of the loss.

The metric's noise is the robust spread of its evaluation-to-evaluation changes (a steady trend
removed); a drop from the best counts only beyond that noise, and the final level is the median
of the last evaluations, so one bad evaluation is not over-fitting and a 20% drop at the end is.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional

import numpy as np

from schedlint.runs.model import RunLog, lower_is_better, primary_metric

__all__ = ["validation_trend", "grad_norm_trend"]


def _running_residual(score: np.ndarray, width: int) -> float:
    """1.4826 x the median absolute residual around a running median of `width` points."""
    half = width // 2
    med = np.array([np.median(score[k - half:k + half + 1]) for k in range(half, len(score) - half)])
    return float(1.4826 * np.median(np.abs(score[half:len(score) - half] - med)))


def _metric_noise(score: np.ndarray) -> float:
    """Robust spread of evaluation-to-evaluation noise: residuals around a 3-point running median (5+ points),
    with 9+ points at least those around a 5-point one, else the spread of the changes with their median (a
    steady trend) removed. (A metric that swings widely leaves a 3-point median on its own point half the
    time: rtmdet on a tiny set, its mAP swinging 0.26-0.67, got a noise of 0.03, and one low last evaluation
    became 'over-fitting'.)"""
    if len(score) >= 5:
        noise = _running_residual(score, 3) * 1.5  # a 3-point median hugs its middle point
        return max(noise, _running_residual(score, 5)) if len(score) >= 9 else noise
    d = np.diff(score)
    if len(d) < 2:
        return 0.0
    return float(1.4826 * np.median(np.abs(d - np.median(d)))) / math.sqrt(2)


def _never_learned(values: np.ndarray, lower: bool) -> bool:
    """A score (higher is better) on a 0-1 or 0-100 scale that never reached 2% of it over 3+ evaluations: a
    detector at 0.7% mAP for 12 epochs learned nothing validation measures (a broken evaluation, class mapping,
    or model); its rises and falls are noise, neither collapse nor over-fitting."""
    if lower or len(values) < 3 or float(np.min(values)) < 0:
        return False
    top = float(np.max(values))
    scale = 1.0 if top <= 1.0 else 100.0 if top <= 100.0 else None
    if scale is None or top >= 0.02 * scale:
        return False
    climbing = np.mean(np.diff(values) > 0) >= 0.75 and values[-1] >= 3 * max(values[0], 1e-12)
    return not climbing  # (a metric climbing steadily from near zero is learning, early in a run)


def _resolution(score: np.ndarray) -> float:
    """The smallest step between the metric's distinct values: what its printing rounds to (mAP printed with three
    decimals moves by 0.001 at least). A metric flipping between two printed values has no spread around its
    running median, and one such step looked like a drop beyond the noise (0.003 -> 0.002: 'over-fitting')."""
    distinct = np.unique(score)
    if len(distinct) < 2:
        return 0.0
    return float(np.min(np.diff(distinct)))


def _improved(score: np.ndarray, noise: float) -> bool:
    """Whether the metric ends clearly above where it started: the medians of up to three evaluations at each
    end (a best at the last evaluation leaves no evaluations after it to take a level from, which made the
    comparison one of two single values), apart by twice their noise: 'better' only describes the run."""
    k = max(1, min(3, len(score) // 3))
    start, final = float(np.median(score[:k])), float(np.median(score[-k:]))
    return final - start > max(2.0 * 1.2533 * noise * math.sqrt(2.0 / k), 1e-12)


def validation_trend(log: RunLog, since: Optional[float] = None) -> Optional[Dict[str, Any]]:
    """How the main validation metric moved: best, final, and whether it got worse (since a step, if given)."""
    metric = primary_metric(log.metrics)
    if metric is None:
        return None
    steps, values = log.val_steps, log.val[metric]
    keep = np.isfinite(values)
    steps, values = steps[keep], values[keep]
    if len(values) == 0:
        return None
    lower = lower_is_better(metric)
    score = -values if lower else values
    b = int(np.argmax(score))
    unit = "epoch" if log.val_by == "epoch" else "iteration"
    out: Dict[str, Any] = {
        "metric": metric, "higher_is_better": not lower, "unit": unit, "evaluations": int(len(values)),
        "first": float(values[0]), "best": float(values[b]), "best_at": float(steps[b]),
        "final": float(values[-1]), "final_at": float(steps[-1]), "trend": "unknown",
    }
    if _never_learned(values, lower):
        out["trend"] = "never-learned"
        return out
    if len(values) < 3:
        return out
    noise = _metric_noise(score[len(score) // 2:]) if len(score) >= 8 else _metric_noise(score)  # near the plateau
    after = score[b + 1:]
    k = max(1, min(3, len(after)))
    final_level = float(np.median(score[-k:]))
    start_level = float(np.median(score[:k]))
    step = _resolution(score)
    threshold = max(3.0 * 1.2533 * noise * math.sqrt(1.0 / k + 1.0), 0.01 * abs(float(values[b])), 1.5 * step, 1e-12)
    out["noise"] = noise
    best = float(values[b])
    final = float(values[-1])
    # the level the run held from its best on: a lucky evaluation in a noisy phase, the phase falling back below
    # where the run ends, is no level it fell from (a one-off 0.286 among 0.22s, the run ending at 0.237)
    held = float(np.median(score[b:b + 5])) + max(noise, step) >= final_level  # (a fall to where it ends is held)
    collapsed = (final < 0.5 * best) if not lower else (final > 2.0 * best)
    if len(after) and score[b] - final_level > threshold and held and collapsed and best > 0:
        out["trend"] = "collapsed"  # a fall by half or more: a broken model, not the slow decline of over-fitting
    elif len(after) and score[b] - final_level > threshold and held:
        out["trend"] = "worse"
    elif len(after) and score[b] - float(score[-1]) > max(3.0 * noise, 0.05 * abs(best), 1.5 * step) and held:
        out["trend"] = "last-drop"  # one bad evaluation at the end: worth saying, not over-fitting
    elif _improved(score, noise if len(score) >= 5 else min(noise, 0.02 * abs(best))):
        # (with fewer than 5 evaluations the spread of the changes is mostly the climb itself: mIoU 23 -> 54 -> 46
        # had a 'noise' of 20 and was 'flat'; a change of a few % of the best is what tells then)
        out["trend"] = "better"
    else:
        out["trend"] = "flat"
    if since is not None:
        before = steps <= since + 1e-9
        later = steps > since + 1e-9
        if before.any() and later.sum() >= 1:
            ref = float(np.max(score[before]))
            out["at_rebound"] = float(values[before][int(np.argmax(score[before]))])
            out["worse_after_rebound"] = bool(ref - final_level > threshold)
    return out


def grad_norm_trend(log: RunLog, at_iter: Optional[int]) -> Optional[Dict[str, Any]]:
    """The logged gradient norm before and after a position (or at the start and the end)."""
    if not log.has("grad_norm"):
        return None
    x, g = log.series("grad_norm")
    if len(g) < 6:
        return None
    n = len(g)
    seg = max(3, n // 10)
    if at_iter is not None:
        before = g[x <= at_iter][-seg:]
        if len(before) == 0:
            before = g[:seg]
    else:
        before = g[:seg]
    end = g[-seg:]
    b, e = float(np.median(before)), float(np.median(end))
    ratio = e / b if b > 0 else math.inf
    return {"before": b, "end": e, "ratio": ratio, "max": float(np.max(g)),
            "trend": "rising" if ratio > 1.5 else "falling" if ratio < 1 / 1.5 else "steady"}

