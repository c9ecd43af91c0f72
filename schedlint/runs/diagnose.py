"""`schedlint diagnose`: find a loss rebound in a real run and say whether the schedule explains it.

A rebound is a clear minimum of the smoothed training loss followed by a rise that lasts (a
share of the run) and goes well beyond the noise of the log. Around it we put what the schedule
was doing there (from the log, or simulated from the config: a scheduler stopping, the LR frozen,
a cosine climbing back, momentum/beta1 near 1, a warm-up ending), the validation trend (worse
validation with a rising training loss is optimisation trouble; worse validation with a falling
training loss is over-fitting, not the schedule), the gradient norm when logged, and the config's
findings as likely causes with the command that fixes them.
"""

from __future__ import annotations

import math
import os
import textwrap
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from schedlint.runs.events import MOMENTUM_NEAR_ONE, Event, value_text
from schedlint.model import Finding
from schedlint.runs.readers import RunLog, lower_is_better, primary_metric, read_run
from schedlint.lint.settings import Settings

__all__ = ["Diagnosis", "Rebound", "diagnose_run", "find_rebound", "smooth", "smoothing_window",
           "validation_trend", "diagnosis_json", "render_diagnosis", "DiagnoseError"]

_MAX_POINTS = 4000  # longer logs are binned (by median) before smoothing
_MIN_POINTS = 12  # fewer logged points cannot show a sustained rise

# Findings that change the LR or momentum the run trains with (SL2xx cadence findings cannot cause a rebound).
_SCHEDULE_CODES = ("SL0", "SL1", "SL3", "SL4")
_RESCALE_CODES = {"SL004"}


class DiagnoseError(Exception):
    """The run or the config cannot be used (exit code 2)."""


# ---------------------------------------------------------------------------------------------
# the rebound
# ---------------------------------------------------------------------------------------------


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
        }


def smoothing_window(n: int) -> int:
    """Points per smoothing window for a series of n points: 4 % of the run, odd, at least 5."""
    w = max(5, int(round(n / 25)))
    return w if w % 2 else w + 1


def _rolling(values: np.ndarray, window: int, func) -> np.ndarray:
    """`func` over a centred window; the window shrinks at the edges (no padding bias)."""
    n = len(values)
    half = window // 2
    if n == 0:
        return values.copy()
    out = np.empty(n)
    if n > window:
        view = np.lib.stride_tricks.sliding_window_view(values, window)
        out[half:n - half] = func(view, axis=1)
    for i in list(range(min(half, n))) + list(range(max(half, n - half), n)):
        out[i] = func(values[max(0, i - half):i + half + 1])
    return out


def smooth(values: np.ndarray, window: Optional[int] = None) -> np.ndarray:
    """A robust smoothing of a loss curve: rolling median (spikes do not move it), then a short rolling mean."""
    values = np.asarray(values, dtype=float)
    window = window or smoothing_window(len(values))
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
    if n < _MIN_POINTS:
        return None
    w = smoothing_window(n)
    s = smooth(v, w)
    noise = float(1.4826 * np.median(np.abs(v - s))) or float(np.std(v - s)) or 1e-12
    m = int(np.argmin(s))
    min_tail = max(2 * w, int(math.ceil(0.05 * n)))
    if n - 1 - m < min_tail or m < w // 2:
        return None
    end_seg = v[-max(w, n // 20):]
    start_level = float(np.median(v[:w]))
    min_level = float(s[m])
    end_level = float(np.median(end_seg))
    rise, drop = end_level - min_level, start_level - min_level
    se = 1.2533 * noise * math.sqrt(1.0 / len(end_seg) + 1.0 / w)
    threshold = max(4.0 * se, 0.05 * max(drop, 0.0), 0.02 * abs(min_level))
    if drop <= threshold or rise <= threshold:
        return None
    post = s[m:]
    late = post[2 * len(post) // 3:]
    if np.mean(late >= min_level + rise / 3) < 0.8:
        return None  # a bump that came back down, not a rebound
    onset = _turning_point(x, v, s, m, min_level + 2.0 * 1.2533 * noise / math.sqrt(w))
    it = int(x[onset])
    return Rebound(
        iter=it, epoch=it / epoch_length if epoch_length else None, loss_start=start_level, loss_min=min_level,
        loss_end=end_level, rise=rise, noise=noise, threshold=threshold, rise_iters=int(x[-1] - x[onset]),
    )


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


# ---------------------------------------------------------------------------------------------
# validation and gradient norm
# ---------------------------------------------------------------------------------------------


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
    if len(values) < 3:
        return out
    spread = float(np.median(np.abs(np.diff(score)))) if len(score) > 1 else 0.0
    tol = max(1.5 * spread, 0.01 * abs(float(values[b])), 1e-12)
    after = score[b + 1:]
    if b < len(values) - 2 and score[b] - score[-1] > tol and np.median(after) < score[b] - tol / 2:
        out["trend"] = "worse"
    elif score[-1] - score[0] > tol:
        out["trend"] = "better"
    else:
        out["trend"] = "flat"
    if since is not None:
        before = steps <= since + 1e-9
        later = steps > since + 1e-9
        if before.any() and later.sum() >= 1:
            ref = float(np.max(score[before]))
            out["at_rebound"] = float(values[before][int(np.argmax(score[before]))])
            out["worse_after_rebound"] = bool(score[-1] < ref - tol)
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


# ---------------------------------------------------------------------------------------------
# the diagnosis
# ---------------------------------------------------------------------------------------------


@dataclass
class Diagnosis:
    """Everything `diagnose` found about one run."""

    log: RunLog
    config: Optional[str]
    config_source: str  # 'given', 'dumped with the run' or ''
    rebound: Optional[Rebound]
    kind: str  # 'schedule', 'optimisation', 'over-fitting', 'healthy', 'inconclusive'
    verdict: str
    lr: Optional[float] = None
    lr_source: str = ""
    momentum: Optional[float] = None
    momentum_source: str = ""
    momentum_word: str = "momentum"
    events: List[Event] = field(default_factory=list)  # schedule events near the rebound
    findings: List[Finding] = field(default_factory=list)  # the config's findings
    causes: List[Finding] = field(default_factory=list)  # findings tied to the events near the rebound
    validation: Optional[Dict[str, Any]] = None
    grad_norm: Optional[Dict[str, Any]] = None
    fixes: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    plan: Any = None
    curve: Any = None
    view: Any = None  # schedlint.views.show.ScheduleView of the config, when there is one

    def where(self, iteration: float) -> str:
        """A position in the run, in epochs when the run has them."""
        length = self.log.epoch_length if self.log.loop == "epoch" else None
        if length:
            epoch = iteration / length
            text = f"{epoch:g}" if abs(epoch - round(epoch)) < 1e-9 else f"{epoch:.1f}"
            return f"epoch {text} (iteration {int(iteration)})"
        return f"iteration {int(iteration)}"


def _resolve_config(log: RunLog, config: Optional[str]) -> Tuple[Optional[str], str]:
    if config:
        if not os.path.isfile(config):
            raise DiagnoseError(f"{config}: no such file")
        return config, "given"
    if log.config:
        return log.config, "dumped with the run"
    return None, ""


def _log_events(log: RunLog, word: str) -> List[Event]:
    """Events read from the logged LR and momentum (when there is no config to simulate)."""
    events: List[Event] = []
    total = log.total_iters
    d = Diagnosis(log, None, "", None, "", "")
    if log.has("lr"):
        x, lr = log.series("lr")
        if len(lr) >= 4:
            changes = np.flatnonzero(np.abs(np.diff(lr)) > 1e-9 * np.maximum(np.abs(lr[1:]), 1e-30))
            frozen_from = int(x[changes[-1] + 1]) if len(changes) else int(x[0])
            if total and (total - frozen_from) / total > 0.1 and len(changes):
                events.append(Event("frozen", "lr", frozen_from, total, "LR frozen (log)",
                                    f"the logged LR stops changing at {d.where(frozen_from)} and stays at "
                                    f"{value_text(float(lr[-1]))} to the end of the log", notable=True,
                                    short=f"the logged LR frozen at {value_text(float(lr[-1]))} from "
                                          f"{d.where(frozen_from)}"))
    if log.has("momentum"):
        x, mom = log.series("momentum")
        near = np.flatnonzero(mom >= MOMENTUM_NEAR_ONE)
        if len(near):
            first = int(x[near[0]])
            events.append(Event("momentum-near-one", "momentum", first, int(x[near[-1]]), f"{word} → 1",
                                f"the logged {word} reaches {MOMENTUM_NEAR_ONE:g} at {d.where(first)} (peak "
                                f"{value_text(float(mom.max()))})", notable=True,
                                short=f"the logged {word} at {MOMENTUM_NEAR_ONE:g} or above from {d.where(first)}"))
    return events


def _near(events: List[Event], at: int, tolerance: float) -> List[Event]:
    out = []
    for e in events:
        covers = e.stop is not None and e.start <= at <= e.stop
        if abs(e.start - at) <= tolerance or covers:
            out.append(e)
    return out


def _value_at(log: RunLog, curve: Any, name: str, at: int) -> Tuple[Optional[float], str]:
    if log.has(name):
        x, v = log.series(name)
        k = int(np.searchsorted(x, at))
        k = min(max(k, 0), len(v) - 1)
        return float(v[k]), "logged"
    values = None if curve is None else (curve.lr if name == "lr" else curve.momentum)
    if values is not None and len(values):
        return float(values[int(min(max(at - 1, 0), len(values) - 1))]), "simulated from the config"
    return None, ""


def _lr_mismatch(log: RunLog, curve: Any) -> Optional[str]:
    if curve is None or not log.has("lr"):
        return None
    x, lr = log.series("lr")
    idx = np.clip(x.astype(int) - 1, 0, len(curve.lr) - 1)
    inside = x - 1 < len(curve.lr)
    if not inside.any():
        return None
    sim = np.asarray(curve.lr)[idx[inside]]
    logged = lr[inside]
    rel = np.abs(logged - sim) / np.maximum(np.abs(sim), np.abs(logged)).clip(min=1e-30)
    worst = float(np.median(rel))
    if worst > 0.05:
        k = int(np.argmax(rel))
        return (f"the logged LR differs from the config's simulated LR (median difference {worst:.0%}; e.g. "
                f"{value_text(float(logged[k]))} logged vs {value_text(float(sim[k]))} simulated at iteration "
                f"{int(x[inside][k])}): is this the config that was trained, with this epoch length?")
    return None


def diagnose_run(run: str, config: Optional[str] = None, settings: Optional[Settings] = None,
                 epoch_length: Optional[int] = None) -> Diagnosis:
    """Diagnose a run (work_dir, run folder or log file); DiagnoseError when the input is unusable."""
    from schedlint.views.curve import CurveError
    from schedlint.runs.readers import RunLogError

    settings = settings or Settings()
    try:
        log = read_run(run, epoch_length)
    except RunLogError as exc:
        raise DiagnoseError(str(exc)) from None
    if not log.has("loss") and not log.loss_parts:
        raise DiagnoseError(f"{log.path}: the log has no training loss")
    config_path, config_source = _resolve_config(log, config)
    notes = list(log.notes)
    view = None
    if config_path:
        run_settings = settings
        if not epoch_length and log.epoch_length and log.loop == "epoch":
            run_settings = settings.model_copy(update={"epoch_length": log.epoch_length})
        try:
            from schedlint.views.show import load_view

            view = load_view(config_path, run_settings)
            if run_settings is not settings:
                view.plan.horizon.epoch_length_source = f"from the run log ({log.epoch_length_source})"
        except CurveError as exc:
            if config_source == "given":
                raise DiagnoseError(str(exc)) from None
            notes.append(f"the config dumped with the run cannot be simulated ({exc}); schedule events not checked")
            config_path, config_source = None, ""
    else:
        notes.append("no config given or found in the run folder: LR and momentum come from the log only "
                     "(pass --config to check the schedule)")
    plan = view.plan if view else None
    curve = view.curve if view else None
    word = "beta1" if plan is not None and plan.optimizer.momentum_kind == "beta1" else "momentum"
    if view is not None:
        mismatch = _lr_mismatch(log, curve)
        if mismatch:
            notes.append(mismatch)
        if plan.horizon.total_iters and log.total_iters > plan.horizon.total_iters * 1.01:
            notes.append(f"the log runs to iteration {log.total_iters}, past the {plan.horizon.total_iters} "
                         "iterations the config plans")
    loss_name = "loss" if log.has("loss") else log.loss_parts[0]
    x, loss = log.logged(loss_name)
    length = log.epoch_length if log.loop == "epoch" else None
    rebound = find_rebound(x, loss, length)

    events_all = list(view.events) if view else _log_events(log, word)
    findings = list(view.findings) if view else []
    schedule_findings = [f for f in findings if f.code.startswith(_SCHEDULE_CODES)]
    diag = Diagnosis(log, config_path, config_source, rebound, "healthy", "", findings=findings, notes=notes,
                     momentum_word=word, plan=plan, curve=curve, view=view)
    since = None
    if rebound is not None:
        tolerance = max(length or 0, 0.1 * max(log.total_iters, 1))
        diag.events = _near(events_all, rebound.iter, tolerance)
        diag.lr, diag.lr_source = _value_at(log, curve, "lr", rebound.iter)
        diag.momentum, diag.momentum_source = _value_at(log, curve, "momentum", rebound.iter)
        codes = {c for e in diag.events for c in e.codes}
        diag.causes = [f for f in schedule_findings if f.code in codes]
        since = rebound.iter / length if log.val_by == "epoch" and length else rebound.iter
        if log.val_by == "epoch" and not length:
            since = None
    diag.validation = validation_trend(log, since)
    diag.grad_norm = grad_norm_trend(log, rebound.iter if rebound else None)
    _verdict(diag, loss_name, x, loss, schedule_findings)
    return diag


def _fix_commands(diag: Diagnosis, findings: List[Finding]) -> List[str]:
    target = diag.config or "CONFIG"
    dumped = diag.config_source == "dumped with the run"
    shown = "<the config you trained>" if dumped else target
    fixes: List[str] = []
    if any(f.code in _RESCALE_CODES for f in findings):
        fixes.append(f"schedlint fix --rescale {shown}")
    other = [f for f in findings if f.code not in _RESCALE_CODES and f.fix is not None]
    if other:
        unsafe = any(f.fix.applicability != "safe" for f in other)
        fixes.append(f"schedlint fix {shown}" + (" --unsafe-fixes" if unsafe else ""))
    if fixes and dumped:
        from schedlint.report import relpath

        diag.notes.append(f"{relpath(target)} is the flattened copy mmengine dumped with the run: fix the config you "
                          "trained from (or its _base_ schedule), not this copy")
    return fixes


def _verdict(diag: Diagnosis, loss_name: str, x: np.ndarray, loss: np.ndarray,
             schedule_findings: List[Finding]) -> None:
    finite = np.isfinite(loss)
    x, loss = x[finite], loss[finite]
    r = diag.rebound
    val = diag.validation
    val_text = ""
    if val is not None and val["trend"] != "unknown":
        unit = val["unit"]
        if val["best_at"] == val["final_at"]:
            val_text = f"{val['metric']} is at its best at the last evaluation ({val['final']:.4g}, {unit} " \
                       f"{val['final_at']:g})"
        else:
            val_text = (f"{val['metric']} is best at {unit} {val['best_at']:g} ({val['best']:.4g}) and "
                        f"{val['final']:.4g} at {unit} {val['final_at']:g}")
    if r is None:
        s = smooth(loss) if len(loss) >= 5 else loss
        falls = (f"the training {loss_name} falls from {float(s[0]):.4g} to {float(s[-1]):.4g}"
                 if len(s) else f"no training {loss_name}")
        if val is not None and val["trend"] == "worse":
            diag.kind = "over-fitting"
            diag.verdict = (f"No loss rebound: {falls}, but {val_text}. That is over-fitting, not a schedule "
                            "problem: the model fits the training data better while validation gets worse. Keep "
                            "the best checkpoint, stop earlier, or add regularisation/augmentation.")
        else:
            diag.kind = "healthy"
            diag.verdict = f"No loss rebound: {falls}" + (f"; {val_text}" if val_text else "") + "."
        if schedule_findings:
            diag.verdict += (f" The config still has {len(schedule_findings)} schedule finding"
                             f"{'s' if len(schedule_findings) != 1 else ''} (below).")
            diag.fixes = _fix_commands(diag, schedule_findings)
        return
    where = diag.where(r.iter)
    if r.diverged:
        head = (f"The training {loss_name} becomes nan/inf at {where} and stays so to the end of the log: training "
                f"diverged (lowest loss before it {r.loss_min:.4g}).")
    else:
        head = (f"The training {loss_name} turns up at {where}: from a smoothed minimum of {r.loss_min:.4g} it rises "
                f"to {r.loss_end:.4g} by the end of the log (+{r.rise_pct:.0f}%, about {r.rise / r.noise:.0f}x the "
                "noise).")
    explained = [e for e in diag.events if e.codes or e.notable]
    if explained:
        diag.kind = "schedule"
        causes = ", ".join(e.short or e.message for e in explained)
        text = f"{head} Around it: {causes}."
        if diag.causes:
            codes = ", ".join(sorted({f.code for f in diag.causes}))
            text += f" The config's findings ({codes}) explain it: a schedule problem."
    elif diag.events:
        diag.kind = "optimisation"
        text = (f"{head} Near it: " + ", ".join(e.short or e.message for e in diag.events) +
                ". Nothing in the schedule is flagged; look at the LR level there and at the data.")
    else:
        diag.kind = "optimisation"
        text = (f"{head} The schedule does nothing special there" + (" (no config to check)" if diag.config is None
                                                                      else "") +
                "; look at the data pipeline, the loss weights and the gradient norm.")
    if val is not None and val.get("worse_after_rebound"):
        text += (f" Validation agrees ({val['metric']} {val.get('at_rebound', val['best']):.4g} at the rebound, "
                 f"{val['final']:.4g} at the end): optimisation trouble, not over-fitting.")
    elif val is not None and "worse_after_rebound" in val:
        text += f" Validation did not get worse after it ({val_text})."
    g = diag.grad_norm
    if g is not None and g["trend"] != "steady":
        text += f" The gradient norm is {g['trend']} ({g['before']:.3g} before, {g['end']:.3g} at the end)."
    diag.verdict = text
    diag.fixes = _fix_commands(diag, diag.causes or (schedule_findings if diag.kind == "schedule" else []))


# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------


def diagnosis_json(diag: Diagnosis) -> Dict[str, Any]:
    """The diagnosis as plain data (`--format json`)."""
    from schedlint.report import finding_to_json

    log = diag.log
    rebound = None
    if diag.rebound is not None:
        rebound = diag.rebound.to_json()
        rebound.update({"lr": diag.lr, "lr_source": diag.lr_source or None, "momentum": diag.momentum,
                        "momentum_source": diag.momentum_source or None, "momentum_name": diag.momentum_word})
    return {
        "run": {
            "log": log.path, "format": log.kind, "loop": log.loop, "iterations": log.total_iters,
            "epoch_length": log.epoch_length, "epoch_length_source": log.epoch_length_source or None,
            "points": int(len(log.iters)), "skipped_lines": log.skipped,
            "config": diag.config, "config_source": diag.config_source or None,
        },
        "rebound": rebound,
        "events": [e.to_json(diag.plan) for e in diag.events],
        "findings": [finding_to_json(f) for f in diag.findings],
        "causes": [f.code for f in diag.causes],
        "validation": diag.validation,
        "grad_norm": diag.grad_norm,
        "kind": diag.kind,
        "verdict": diag.verdict,
        "fix": diag.fixes,
        "notes": diag.notes,
    }


def _wrap(text: str, indent: str = "", width: int = 88) -> List[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False) or [indent]


def render_diagnosis(diag: Diagnosis, width: int = 88) -> str:
    """The diagnosis as text for a terminal or an issue."""
    from schedlint.report import relpath

    log = diag.log
    lines: List[str] = []
    shape = f"{len(log.iters)} points to iteration {log.total_iters}"
    if log.loop == "epoch" and log.epoch_length:
        shape += f", {log.epoch_length} iterations per epoch ({log.epoch_length_source})"
    lines += _wrap(f"run: {relpath(log.path)} ({log.kind}; {shape})", "", width)
    if diag.config:
        lines += _wrap(f"config: {relpath(diag.config)} ({diag.config_source})", "", width)
    lines.append("")
    r = diag.rebound
    if r is not None and r.diverged:
        lines += _wrap(f"Loss diverges at {diag.where(r.iter)}: nan/inf from there to the end of the log (lowest "
                       f"loss before it {r.loss_min:.4g})", "", width)
    elif r is not None:
        lines += _wrap(f"Loss rebound at {diag.where(r.iter)}: smoothed loss {r.loss_start:.4g} -> "
                       f"{r.loss_min:.4g} (minimum) -> {r.loss_end:.4g} (end), +{r.rise_pct:.0f}%; noise "
                       f"{r.noise:.3g}", "", width)
    if r is not None:
        if diag.lr is not None:
            text = f"LR there: {value_text(diag.lr)} ({diag.lr_source})"
            if diag.momentum is not None:
                text += f"; {diag.momentum_word}: {value_text(diag.momentum)} ({diag.momentum_source})"
            lines += _wrap(text, "  ", width)
        if diag.events:
            lines.append("  schedule events near it:")
            for e in diag.events:
                mark = "!" if (e.codes or e.notable) else "-"
                codes = f" ({', '.join(e.codes)})" if e.codes else ""
                lines += _wrap(f"{mark} {e.message}{codes}", "    ", width)
    else:
        lines.append("No loss rebound.")
    v = diag.validation
    if v is not None:
        lines += _wrap(f"validation: {v['metric']} ({'higher' if v['higher_is_better'] else 'lower'} is better) "
                       f"{v['first']:.4g} -> best {v['best']:.4g} at {v['unit']} {v['best_at']:g} -> "
                       f"{v['final']:.4g} at {v['unit']} {v['final_at']:g} ({v['trend']})", "  ", width)
    g = diag.grad_norm
    if g is not None:
        lines += _wrap(f"grad_norm: {g['before']:.3g} {'before the rebound' if r else 'at the start'}, "
                       f"{g['end']:.3g} at the end ({g['trend']})", "  ", width)
    lines.append("")
    causes = diag.causes
    others = [f for f in diag.findings if f not in causes]
    if causes:
        lines.append("likely causes (config findings):")
        for f in causes:
            lines += _wrap(f"{relpath(f.location.file)}:{f.location.line}:{f.location.col + 1}: {f.code} "
                           f"{f.message}", "  ", width)
    if others:
        lines.append("other config findings:" if causes else "config findings:")
        for f in others:
            lines += _wrap(f"{relpath(f.location.file)}:{f.location.line}:{f.location.col + 1}: {f.code} "
                           f"{f.message}", "  ", width)
    if causes or others:
        lines.append("")
    lines += _wrap(f"verdict: {diag.verdict}", "", width)
    for fix in diag.fixes:
        lines.append(f"fix: {fix}")
    for note in diag.notes:
        lines += _wrap(f"note: {note}", "", width)
    return "\n".join(lines)
