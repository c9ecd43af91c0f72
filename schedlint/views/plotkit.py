"""Drawing helpers shared by the plots: colours, thinning long series, legends above a panel, and
placing a label where it covers the fewest data points."""

from __future__ import annotations

import math
from typing import Any, List, Sequence, Tuple

import numpy as np

__all__ = ["free_spot"]

_LR_COLOR = "#1f77b4"
_MOM_COLOR = "#8e44ad"
_LOG_COLOR = "#ff7f0e"
_LOSS_COLOR = "#222222"
_VAL_COLOR = "#2ca02c"
_ALERT = "#d62728"
_MAX_POINTS = 5000


def thin_index(n: int, limit: int = _MAX_POINTS) -> np.ndarray:
    """The points of a series of `n` kept for drawing: every one up to `limit`, else evenly strided (the last
    one always)."""
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    step = int(math.ceil(n / limit))
    return np.r_[np.arange(0, n, step, dtype=np.int64), n - 1]


def _thin(x: np.ndarray, y: np.ndarray, limit: int = _MAX_POINTS) -> Tuple[np.ndarray, np.ndarray]:
    if len(x) <= limit:
        return x, y
    idx = thin_index(len(x), limit)
    return x[idx], y[idx]


def _short_metric(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _legend_above(ax: Any, handles: Sequence[Any]) -> None:
    """A one-line legend just above the panel, right-aligned (it never covers data)."""
    if handles:
        ax.legend(handles=list(handles), loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(handles),
                  fontsize=8.5, frameon=False, borderaxespad=0.2, handlelength=1.6, columnspacing=1.2)


def _obstacles(axes: Sequence[Any]) -> np.ndarray:
    """Display coordinates of every plotted data point on these axes (what a label must not cover)."""
    points = [np.zeros((0, 2))]
    for ax in axes:
        ax.get_xlim(), ax.get_ylim()  # settles autoscaled limits before transforming
        for line in ax.get_lines():
            xy = np.asarray(line.get_xydata(), dtype=float)
            xy = xy[np.isfinite(xy).all(axis=1)]
            if len(xy) > 2000:
                xy = xy[:: int(math.ceil(len(xy) / 2000))]
            if len(xy):
                points.append(ax.transData.transform(xy))
    return np.vstack(points)


def free_spot(ax: Any, label: str, target: Tuple[float, float], obstacles: np.ndarray,
              taken: List[Tuple[float, float, float, float]], fontsize: float = 8.5) -> Tuple[float, float]:
    """An (x, y) in axes fraction for a label: few data points under it, no other label, close to its target."""
    fig = ax.figure
    scale = fig.dpi / 72.0
    width = len(label) * fontsize * 0.58 * scale
    height = fontsize * 1.6 * scale
    ax.get_xlim(), ax.get_ylim()
    box = ax.get_window_extent()
    tx, ty = ax.transData.transform(target)
    best, best_cost = (0.5, 0.85), math.inf
    for fy in (0.88, 0.72, 0.56, 0.4, 0.24, 0.1):
        for fx in np.linspace(0.02, 0.98, 25):
            cx, cy = box.x0 + fx * box.width, box.y0 + fy * box.height
            right = fx > 0.5  # anchor: ha='right' on the right half, 'left' on the left half
            x0 = cx - width if right else cx
            x1 = x0 + width
            y0, y1 = cy - height / 2, cy + height / 2
            if x0 < box.x0 or x1 > box.x1:
                continue
            covered = 0
            if len(obstacles):
                inside = ((obstacles[:, 0] >= x0) & (obstacles[:, 0] <= x1) &
                          (obstacles[:, 1] >= y0 - 3) & (obstacles[:, 1] <= y1 + 3))
                covered = int(inside.sum())
            clash = any(not (x1 < a0 or x0 > a1 or y1 < b0 or y0 > b1) for a0, b0, a1, b1 in taken)
            distance = math.hypot((x0 + x1) / 2 - tx, cy - ty) / max(box.width, 1)
            cost = covered * 10 + (1000 if clash else 0) + distance * 5
            if cost < best_cost:
                best, best_cost = (float(fx), fy), cost
                best_box = (x0, y0, x1, y1)
    if best_cost < math.inf:
        taken.append(best_box)
    return best
