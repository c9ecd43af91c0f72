"""The run's panel of `schedlint plot`: the training loss, the main validation metric and the rebound."""

from __future__ import annotations

from typing import Any, List, Tuple

import numpy as np

from schedlint.views.plotkit import _ALERT, _LOSS_COLOR, _VAL_COLOR, _legend_above, _obstacles, _short_metric, free_spot


def _draw_run(ax: Any, log: Any, to_x: Any, diagnosis: Any, unit: str) -> None:
    """The run's panel: the raw and smoothed training loss, the main validation metric on a twin axis (best
    marked), the rebound marked and labelled, and one legend for all of it."""
    name, lx, smoothed, handles = _draw_loss(ax, log, to_x)
    twin = _draw_validation(ax, log, to_x, unit, handles)
    rebound = getattr(diagnosis, "rebound", None)
    if rebound is not None and name is not None:
        _mark_rebound(ax, twin, log, to_x, unit, rebound, lx, smoothed)
    _legend_above(ax, handles)


def _draw_loss(ax: Any, log: Any, to_x: Any) -> Tuple[Any, Any, Any, List[Any]]:
    """(loss name, iterations, smoothed loss, legend handles) of the training loss drawn raw and smoothed
    (the name None, nothing drawn, when the log has no loss)."""
    from schedlint.runs.diagnose import smooth

    name = "loss" if log.has("loss") else (log.loss_parts[0] if log.loss_parts else None)
    handles = []
    lx = smoothed = None
    if name is not None:
        lx, lv = log.series(name)
        ax.plot(to_x(lx), lv, color="#999999", lw=0.6, alpha=0.5, zorder=2)
        smoothed = smooth(lv) if len(lv) >= 5 else lv
        (h,) = ax.plot(to_x(lx), smoothed, color=_LOSS_COLOR, lw=1.8, label=f"train {name} (smoothed)", zorder=3)
        handles.append(h)
        lo, hi = np.percentile(lv, [0.5, 99.5]) if len(lv) else (0, 1)
        pad = (hi - lo) * 0.08 or 0.1
        ax.set_ylim(lo - pad, hi + pad)
    ax.set_ylabel(f"train {name or 'loss'}", fontsize=10)
    return name, lx, smoothed, handles


def _draw_validation(ax: Any, log: Any, to_x: Any, unit: str, handles: List[Any]) -> Any:
    """The main validation metric on a twin axis, its best value starred (handles appended); returns the
    twin axis (None without a metric)."""
    from schedlint.runs.readers import lower_is_better, primary_metric

    metric = primary_metric(log.metrics)
    if metric is None:
        return None
    steps, values = log.val_steps, log.val[metric]
    keep = np.isfinite(values)
    vx = steps[keep] if log.val_by == "epoch" else to_x(steps[keep])
    if unit != "epoch" and log.val_by == "epoch" and log.epoch_length:
        vx = steps[keep] * log.epoch_length
    twin = ax.twinx()
    (h,) = twin.plot(vx, values[keep], "o-", color=_VAL_COLOR, ms=4, lw=1.3,
                     label=f"val {_short_metric(metric)} ({'lower' if lower_is_better(metric) else 'higher'} "
                           "is better)", zorder=4)
    handles.append(h)
    if keep.any():
        best = int(np.argmin(values[keep]) if lower_is_better(metric) else np.argmax(values[keep]))
        twin.plot([vx[best]], [values[keep][best]], "*", ms=13, color=_VAL_COLOR, zorder=5)
        handles.append(twin.plot([], [], "*", ms=10, color=_VAL_COLOR, ls="none", label="best validation")[0])
    twin.set_ylabel(f"val {_short_metric(metric)}", color=_VAL_COLOR, fontsize=10)
    twin.tick_params(axis="y", colors=_VAL_COLOR, labelsize=9)
    if keep.any():
        lo, hi = float(values[keep].min()), float(values[keep].max())
        pad = (hi - lo) * 0.12 or abs(hi) * 0.05 or 1.0
        twin.set_ylim(lo - pad, hi + pad)
    return twin


def _mark_rebound(ax: Any, twin: Any, log: Any, to_x: Any, unit: str, rebound: Any, lx: Any, smoothed: Any) -> None:
    """Shade the run from the rebound on, circle the turn on the smoothed loss and label it where the label
    covers the fewest points."""
    rx = float(to_x(rebound.iter))
    ry = float(np.interp(rebound.iter, lx, smoothed)) if len(lx) else 0.0
    ax.axvspan(rx, float(to_x(log.total_iters)), color=_ALERT, alpha=0.07, lw=0, zorder=0)
    ax.plot([rx], [ry], "o", ms=8, mfc="none", mec=_ALERT, mew=2, zorder=5)
    where = f"{unit} {rx:.1f}" if unit == "epoch" else f"iteration {int(rebound.iter)}"
    label = (f"loss becomes nan/inf here ({where})" if rebound.diverged
             else f"loss turns up here ({where}; +{rebound.rise_pct:.0f}% by the end)")
    fx, fy = free_spot(ax, label, (rx, ry), _obstacles([ax] + ([twin] if twin is not None else [])), [], 9)
    ax.annotate(label, xy=(rx, ry), xytext=(fx, fy), textcoords="axes fraction",
                ha="right" if fx > 0.5 else "left", va="center", fontsize=9, color=_ALERT,
                arrowprops=dict(arrowstyle="->", color=_ALERT, lw=1.0),
                bbox=dict(boxstyle="round,pad=0.25", fc="white", ec=_ALERT, lw=0.6, alpha=0.9), zorder=6)
