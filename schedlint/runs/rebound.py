"""Where a training loss turns up for good: robust smoothing, the noise of the log, the turning point.

A rebound is a clear minimum of the smoothed training loss followed by a rise that lasts (a share
of the run) and goes well beyond the noise of the log; a loss that turns nan/inf and stays so is a
divergence. `loss_levels` gives the start, lowest and end levels with the same noise model, so
every verdict's wording ("falls from", "rises from", "stays within its noise") follows the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

import numpy as np

__all__ = ["Rebound", "Levels", "find_rebound", "loss_levels", "smooth", "smoothing_window", "MIN_POINTS"]

_MAX_POINTS = 4000  # longer logs are binned (by median) before smoothing
MIN_POINTS = 12  # fewer logged points cannot show a sustained rise


@dataclass
class Rebound:
    """A loss rebound: where the smoothed loss bottoms out, and how far it climbs after."""

    iter: int  # global iteration of the smoothed minimum
    epoch: Optional[float]  # the same position in epochs (when the run has epochs)
    loss_start: float  # loss level at the start of the run
    loss_min: float  # smoothed minimum
    loss_end: float  # loss level at the end of the run
    rise: float  # loss_end - loss_min
    noise: float  # robust standard deviation of the logged loss around its smoothed curve
    threshold: float  # the smallest rise that would have counted
    rise_iters: int  # how long the rise lasts (iterations from the minimum to the end of the log)
    diverged: bool = False  # the loss became nan/inf here and stayed so
    rising: bool = False  # the loss never clearly fell: it rises from the start of the log
    confirmed: Optional[int] = None  # first iteration from which the smoothed loss stays half-way up the rise

    @property
    def rise_pct(self) -> float:
        return 100.0 * self.rise / abs(self.loss_min) if self.loss_min else math.inf

    def to_json(self) -> Dict[str, Any]:
        def finite(value: float) -> Optional[float]:
            return value if math.isfinite(value) else None

        return {
            "epoch": None if self.epoch is None else round(self.epoch, 3),
            "iter": self.iter,
            "loss_start": finite(self.loss_start),
            "loss_min": finite(self.loss_min),
            "loss_end": finite(self.loss_end),
            "rise": finite(self.rise),
            "rise_pct": round(self.rise_pct, 2) if math.isfinite(self.rise_pct) else None,
            "noise": finite(self.noise),
            "threshold": finite(self.threshold),
            "rise_iters": self.rise_iters,
            "diverged": self.diverged,
            "rising_from_start": self.rising,
        }


def smoothing_window(n: int) -> int:
    """Points per smoothing window for a series of n points: 4 % of the run, odd, at least 5."""
    w = max(5, int(round(n / 25)))
    return w if w % 2 else w + 1


_ROLLING_CELLS = 1 << 22  # values one step of a rolling window may copy (32 MiB of floats)


def _rolling(values: np.ndarray, window: int, func) -> np.ndarray:
    """`func` over a centred window; the window shrinks at the edges (no padding bias). The windows are
    taken a block of rows at a time, so memory stays bounded whatever the length (a median copies them)."""
    n = len(values)
    half = window // 2
    if n == 0:
        return values.copy()
    out = np.empty(n)
    if n >= window:  # (n == window: one full window, the middle point)
        view = np.lib.stride_tricks.sliding_window_view(values, window)
        rows = max(1, _ROLLING_CELLS // window)
        for start in range(0, len(view), rows):
            out[half + start:half + min(start + rows, len(view))] = func(view[start:start + rows], axis=1)
    for i in list(range(min(half, n))) + list(range(max(half, n - half), n)):
        out[i] = func(values[max(0, i - half):i + half + 1])
    return out


def smooth(values: np.ndarray, window: Optional[int] = None) -> np.ndarray:
    """A robust smoothing of a loss curve: rolling median (spikes do not move it), then a short rolling mean.

    A long series (a per-iteration log of a long run) is smoothed over the medians of `_MAX_POINTS / 2` bins and
    read back at every point: the window is 4 % of the run either way, and time and memory stay bounded."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    if window is None and n > _MAX_POINTS:
        bins = _MAX_POINTS // 2
        edges = np.linspace(0, n, bins + 1).astype(int)
        centres = (edges[:-1] + edges[1:] - 1) / 2.0
        medians = np.array([np.median(values[edges[i]:edges[i + 1]]) for i in range(bins)])
        return np.interp(np.arange(n, dtype=float), centres, smooth(medians))
    window = window or smoothing_window(n)
    med = _rolling(values, window, np.median)
    short = max(3, window // 2) | 1
    return _rolling(med, short, np.mean)


def _binned(x: np.ndarray, v: np.ndarray, limit: int = _MAX_POINTS) -> Tuple[np.ndarray, np.ndarray]:
    """At most `limit` points: medians of consecutive bins (keeps the shape, drops per-iteration noise)."""
    n = len(v)
    if n <= limit:
        return x, v
    bins = limit // 2
    edges = np.linspace(0, n, bins + 1).astype(int)
    xs = np.array([x[edges[i + 1] - 1] for i in range(bins)])
    vs = np.array([np.median(v[edges[i]:edges[i + 1]]) for i in range(bins)])
    return xs, vs


def _divergence(iters: np.ndarray, loss: np.ndarray, epoch_length: Optional[float]) -> Optional[Rebound]:
    """The loss turning nan/inf for good (the last quarter of the log or more), as a rebound to infinity."""
    bad = ~np.isfinite(loss)
    if not bad.any() or bad.all():
        return None
    tail = np.flatnonzero(~bad)
    last_finite = int(tail[-1])
    if last_finite >= len(loss) - 1 or (len(loss) - 1 - last_finite) < max(3, 0.02 * len(loss)):
        return None
    first_bad = last_finite + 1
    finite = loss[:first_bad][np.isfinite(loss[:first_bad])]
    it = int(iters[first_bad])
    low = float(np.min(finite)) if len(finite) else math.nan
    return Rebound(iter=it, epoch=it / epoch_length if epoch_length else None,
                   loss_start=float(finite[0]) if len(finite) else math.nan, loss_min=low, loss_end=math.inf,
                   rise=math.inf, noise=math.nan, threshold=math.nan, rise_iters=int(iters[-1] - it), diverged=True)


def find_rebound(iters: np.ndarray, loss: np.ndarray, epoch_length: Optional[float] = None) -> Optional[Rebound]:
    """The loss rebound of a run, or None when the loss does not clearly turn up and stay up.

    A loss that turns nan/inf and stays so is reported as a rebound with `diverged` set.
    """
    iters = np.asarray(iters, dtype=float)
    loss = np.asarray(loss, dtype=float)
    diverged = _divergence(iters, loss, epoch_length)
    if diverged is not None:
        return diverged
    keep = np.isfinite(loss) & np.isfinite(iters)
    x, v = _binned(iters[keep], loss[keep])
    n = len(v)
    if n < 4:
        return None
    if n < MIN_POINTS:
        return _short_rise(x, v, epoch_length)
    w = smoothing_window(n)
    s = smooth(v, w)
    noise = _noise(v, s)
    m = int(np.argmin(s))
    end_seg = v[-max(w, n // 20):]
    start_level = float(np.median(v[:w]))
    min_level = float(s[m])
    end_level = float(np.median(end_seg))
    rise, drop = end_level - min_level, start_level - min_level
    se = 1.2533 * noise * math.sqrt(1.0 / len(end_seg) + 1.0 / w)
    threshold = max(4.0 * se, 0.05 * max(drop, 0.0), 0.05 * abs(min_level))
    post = s[m:]
    late = post[2 * len(post) // 3:]
    if drop <= threshold or m < w // 2:
        # the loss never clearly falls; rising from the start to the end of the log is a rebound at the start
        if rise > threshold and end_level - start_level > threshold and m <= n // 3 \
                and np.mean(late >= min_level + rise / 3) >= 0.8:
            it = int(x[m])
            return Rebound(iter=it, epoch=it / epoch_length if epoch_length else None, loss_start=start_level,
                           loss_min=min_level, loss_end=end_level, rise=rise, noise=noise, threshold=threshold,
                           rise_iters=int(x[-1] - it), rising=True)
        return None
    min_tail = max(2 * w, int(math.ceil(0.05 * n)))
    if n - 1 - m < min_tail or rise <= threshold:
        return None
    if np.mean(late >= min_level + rise / 3) < 0.8:
        return None  # a bump that came back down, not a rebound
    onset = _turning_point(x, v, s, m, min_level + 2.0 * 1.2533 * noise / math.sqrt(w))
    it = int(x[onset])
    below = np.flatnonzero(s[m:] < min_level + rise / 2)
    confirmed = int(x[min(m + int(below[-1]) + 1, n - 1)]) if len(below) else int(x[m])
    return Rebound(
        iter=it, epoch=it / epoch_length if epoch_length else None, loss_start=start_level, loss_min=min_level,
        loss_end=end_level, rise=rise, noise=noise, threshold=threshold, rise_iters=int(x[-1] - x[onset]),
        confirmed=confirmed,
    )


def _noise(v: np.ndarray, s: np.ndarray) -> float:
    """Robust standard deviation of the logged values around their smoothed curve."""
    return float(1.4826 * np.median(np.abs(v - s))) or float(np.std(v - s)) or 1e-12


def _diff_noise(v: np.ndarray) -> float:
    """Point-to-point noise of a short series, its steady trend removed (robust)."""
    d = np.diff(v)
    return float(1.4826 * np.median(np.abs(d - np.median(d)))) / math.sqrt(2) if len(d) else 0.0


def _short_rise(x: np.ndarray, v: np.ndarray, epoch_length: Optional[float]) -> Optional[Rebound]:
    """A short log (fewer than MIN_POINTS points) that climbs far beyond its point-to-point noise."""
    k = max(1, len(v) // 3)
    first, last = float(np.median(v[:k])), float(np.median(v[-k:]))
    noise = _diff_noise(v) or 1e-12
    m = int(np.argmin(v))
    threshold = max(4.0 * noise, 0.2 * abs(first))
    if last - first <= threshold or m > len(v) // 2:
        return None
    it = int(x[m])
    return Rebound(iter=it, epoch=it / epoch_length if epoch_length else None, loss_start=first,
                   loss_min=float(v[m]), loss_end=last, rise=last - float(v[m]), noise=noise, threshold=threshold,
                   rise_iters=int(x[-1] - it), rising=m <= 1)


@dataclass
class Levels:
    """The loss at the start, its lowest and its end level, with the noise of the log (for honest wording)."""

    start: float
    low: float
    end: float
    noise: float
    threshold: float  # the smallest change that is more than noise
    points: int
    low_at: float = 0.0  # iteration of the lowest (smoothed) level

    @property
    def trend(self) -> str:
        """'falls', 'rises' or 'flat' (within the noise) from the start to the end; 'unknown' under 4 points."""
        if self.points < 4:
            return "unknown"
        if self.start - self.end > self.threshold:
            return "falls"
        if self.end - self.start > self.threshold:
            return "rises"
        return "flat"

    def phrase(self, name: str) -> str:
        """'the training loss falls from 2.1 to 0.61' — the verb always matches the numbers."""
        if self.trend == "falls":
            return f"the training {name} falls from {self.start:.4g} to {self.end:.4g}"
        if self.trend == "rises":
            return f"the training {name} rises from {self.start:.4g} to {self.end:.4g}"
        if self.trend == "unknown":
            return f"the training {name} goes from {self.start:.4g} to {self.end:.4g}"
        change = self.end - self.start
        if abs(change) > max(2.0 * self.noise, 0.5 * self.threshold):  # visible, but within what the noise allows
            verb = "falls" if change < 0 else "rises"
            return (f"the training {name} {verb} from {self.start:.4g} to {self.end:.4g}, not clearly beyond its "
                    f"noise ({self.noise:.2g}) on {self.points} points")
        return (f"the training {name} stays within its noise ({self.start:.4g} at the start, {self.end:.4g} at the "
                f"end, noise {self.noise:.2g})")


def loss_levels(iters: np.ndarray, loss: np.ndarray) -> Optional[Levels]:
    """Start, lowest and end levels of a loss curve, judged with the same noise model as `find_rebound`."""
    iters = np.asarray(iters, dtype=float)
    loss = np.asarray(loss, dtype=float)
    keep = np.isfinite(loss) & np.isfinite(iters)
    x, v = _binned(iters[keep], loss[keep])
    n = len(v)
    if n == 0:
        return None
    if n < MIN_POINTS:
        k = max(1, n // 3)
        noise = _diff_noise(v) if n > 2 else 0.0
        start, end = float(np.median(v[:k])), float(np.median(v[-k:]))
        if (float(v[-1]) - float(v[0])) * (end - start) > 0:
            start, end = float(v[0]), float(v[-1])  # quote logged values when they tell the same story
        return Levels(start, float(np.min(v)), end, noise, max(4.0 * noise, 0.1 * abs(start)), n,
                      float(x[int(np.argmin(v))]))
    w = smoothing_window(n)
    s = smooth(v, w)
    noise = _noise(v, s)
    end_seg = v[-max(w, n // 20):]
    k0 = max(3, w // 2)  # a short first stretch: an early fall is part of the story, not of the start level
    start, end = float(np.median(v[:k0])), float(np.median(end_seg))
    se = 1.2533 * noise * math.sqrt(1.0 / len(end_seg) + 1.0 / k0)
    m = int(np.argmin(s))
    if m >= n - len(end_seg):
        # the lowest level is in the last stretch: the loss is still falling there, and the stretch's median lags
        # behind it (a run ending at 0.30 was said to end at 0.32 after a 'rise' from its lowest level, 0.31)
        end = min(end, float(s[m]))
    return Levels(start, float(s[m]), end, noise, max(3.0 * se, 0.01 * abs(start)), n, float(x[m]))


def _turning_point(x: np.ndarray, v: np.ndarray, s: np.ndarray, m: int, level: float) -> int:
    """Where the loss turns up: the knee of a flat-then-rising fit over the bottom and the rise.

    The smoothed minimum alone is arbitrary on a flat bottom; the knee of `c + b * max(0, x - t)`
    fitted from where the loss first reaches the bottom to the end of the log is not.
    """
    bottom = np.flatnonzero(s[:m + 1] <= level)
    first = int(bottom[0]) if len(bottom) else m
    later = np.flatnonzero(s[m:] <= level)
    last = m + int(later[-1]) if len(later) else m
    xs, ys = x[first:].astype(float), v[first:]
    best, best_sse = m, math.inf
    candidates = np.unique(np.linspace(first, last, min(200, last - first + 1)).astype(int))
    for k in candidates:
        h = np.maximum(0.0, xs - float(x[k]))
        hv = h - h.mean()
        denom = float(hv @ hv)
        if denom <= 0:
            continue
        b = float(hv @ (ys - ys.mean())) / denom
        if b <= 0:
            continue
        resid = ys - ys.mean() - b * hv
        sse = float(resid @ resid)
        if sse < best_sse:
            best, best_sse = int(k), sse
    return best

