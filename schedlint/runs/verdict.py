"""The verdict of a diagnosis in words: every verb follows the numbers it sits next to.

States: a rebound (the loss turns up and stays up, rises from the start, or diverges), healthy (it
falls beyond its noise), over-fitting (it falls while validation gets worse beyond the metric's
noise), inconclusive (too few points, or no change beyond the noise).
"""

from __future__ import annotations

import math

from typing import Any, List, Tuple

import numpy as np

from schedlint.model import Finding
from schedlint.runs.model import position_text
from schedlint.runs.rebound import MIN_POINTS

__all__ = ["write_verdict", "fix_commands", "validation_text"]

def fix_commands(diag: Any, findings: List[Finding]) -> List[str]:
    """The `schedlint fix` commands answering these findings (for the config the user trained from)."""
    target = diag.config or "CONFIG"
    dumped = diag.config_source != "given"
    shown = "<the config you trained>" if dumped else target
    fixes: List[str] = []
    fixable = [f for f in findings if f.fix is not None]
    # the fixes that need an option (`--rescale`; an mmcv lr_config gets none), then the plain ones
    for option in dict.fromkeys(f.fix.option for f in fixable if f.fix.option):
        fixes.append(f"schedlint fix {option} {shown}")
    other = [f for f in fixable if f.fix.option is None]
    if other:
        unsafe = any(f.fix.applicability != "safe" for f in other)
        fixes.append(f"schedlint fix {shown}" + (" --unsafe-fixes" if unsafe else ""))
    if fixes and dumped:
        from schedlint.report import relpath

        diag.notes.append(f"{relpath(target)} is the flattened copy of the config {diag.config_source}: fix the "
                          "config you trained from (or its _base_ schedule); `schedlint fix --rescale` on the copy "
                          "shows the same change")
    return fixes


def validation_text(val: Any) -> str:
    """How the main validation metric moved, in words ('' without one)."""
    if val is None or val["trend"] == "unknown":
        return ""
    unit = val["unit"]
    if val["best_at"] == val["final_at"]:
        return f"{val['metric']} is at its best at the last evaluation ({val['final']:.4g}, {unit} {position_text(val['final_at'])})"
    text = (f"{val['metric']} is best at {unit} {position_text(val['best_at'])} ({val['best']:.4g}) and {val['final']:.4g} at "
            f"{unit} {position_text(val['final_at'])}")
    if val["trend"] == "last-drop" and val["best"]:
        text += (f" (the last evaluation is {abs(val['best'] - val['final']) / abs(val['best']):.0%} worse than the "
                 "best; keep the best checkpoint)")
    return text


def write_verdict(diag: Any, loss_name: str, schedule_findings: List[Finding]) -> None:
    """Set `diag.kind`, `diag.verdict` and `diag.fixes`."""
    if diag.rebound is None:
        _no_rebound(diag, loss_name, schedule_findings)
    else:
        _rebound(diag, loss_name, schedule_findings)


_FINDINGS_TAIL = " The config still has"


def findings_tail(verdict: str) -> str:
    """The sentence a verdict ends with about the config's schedule findings ('' when it has none): what a
    verdict rewritten after the fact keeps."""
    at = verdict.find(_FINDINGS_TAIL)
    return verdict[at:] if at >= 0 else ""


def _no_rebound(diag: Any, loss_name: str, schedule_findings: List[Finding]) -> None:
    diag.kind, diag.verdict = _no_rebound_verdict(diag, loss_name)
    if schedule_findings:
        diag.verdict += (f"{_FINDINGS_TAIL} {len(schedule_findings)} schedule finding"
                         f"{'s' if len(schedule_findings) != 1 else ''} (below).")
        diag.fixes = fix_commands(diag, schedule_findings)


def _and(val_text: str) -> str:
    """'; <validation text>' when there is one."""
    return f"; {val_text}" if val_text else ""


def _short_but_falling(levels: Any, val: Any) -> bool:
    """A log too short to judge a rebound whose loss still falls far beyond the noise (validation not worse)."""
    return (4 <= levels.points < MIN_POINTS and levels.trend == "falls"
            and (levels.points >= 6 and levels.end < 0.8 * levels.start or levels.end < 0.5 * levels.start)
            and (val is None or val["trend"] not in ("worse", "collapsed")))


def _no_rebound_verdict(diag: Any, loss_name: str) -> Tuple[str, str]:
    """(kind, verdict) of a run without a rebound, from the loss levels and the validation trend."""
    levels = diag.levels
    val = diag.validation
    val_text = validation_text(val)
    phrase = levels.phrase(loss_name) if levels is not None else f"no training {loss_name}"
    if levels is None and val is not None:
        return "inconclusive", (f"Inconclusive: the log has no training lines, so no training loss to judge; "
                                f"{val_text or 'only ' + str(val['evaluations']) + ' validation result(s)'}.")
    if levels is not None and _short_but_falling(levels, val):
        return "healthy", (f"No loss rebound so far: {phrase} over only {levels.points} logged points, a fall well "
                           "beyond their noise" + _and(val_text) + ".")
    if levels is None or levels.points < MIN_POINTS:
        count = 0 if levels is None else levels.points
        return "inconclusive", (f"Inconclusive: only {count} logged training point{'s' if count != 1 else ''}, too "
                                f"few to tell a rebound from noise; {phrase}.")
    if levels.trend == "falls":
        return _falling_verdict(diag, loss_name, phrase, val, val_text)
    if levels.trend == "flat":
        return "inconclusive", (f"Inconclusive: {phrase}; the log shows neither a fall nor a rebound beyond the noise"
                                + _and(val_text) + ".")
    return "inconclusive", (f"Inconclusive: {phrase}, but not as a sustained rise from a clear minimum (it moves "
                            f"within about {levels.noise:.2g} of noise)" + _and(val_text) + ".")


def _falling_verdict(diag: Any, loss_name: str, phrase: str, val: Any, val_text: str) -> Tuple[str, str]:
    """(kind, verdict) of a falling training loss: collapse or over-fitting when validation says so, else healthy
    (saying where the lowest level was when the loss rose a little after it)."""
    levels = diag.levels
    if val is not None and val["trend"] == "never-learned":
        return "inconclusive", (f"No loss rebound: {phrase}, but {val['metric']} never rises above {val['best']:.4g} "
                                f"in {val['evaluations']} evaluations: the model never learned what validation "
                                "measures (an evaluation set-up, class mapping or model problem?); its moves are "
                                "noise, and the schedule cannot be judged by them.")
    if val is not None and val["trend"] == "collapsed":
        return "collapse", (f"No loss rebound: {phrase}, but {val_text}: validation collapses, far beyond the gradual "
                            "decline of over-fitting. The model broke while the training loss recovered" +
                            _spike_text(diag, loss_name) + "; look at the gradient norm, the loss scale (fp16) and "
                            "the data around it.")
    if val is not None and val["trend"] == "worse":
        return "over-fitting", (f"No loss rebound: {phrase}, but {val_text}, a drop beyond the metric's noise. That "
                                "is over-fitting, not a schedule problem: the model fits the training data better "
                                "while validation gets worse. Keep the best checkpoint, stop earlier, or add "
                                "regularisation/augmentation.")
    late = ""
    if levels.end - levels.low > levels.threshold:
        late = (f" (its lowest level, {levels.low:.4g}, is at {diag.where(levels.low_at)}: the rise to "
                f"{levels.end:.4g} after it is too small or too short-lived against the noise to call a "
                "rebound)")
    return "healthy", f"No loss rebound: {phrase}{late}" + _and(val_text) + "."


def _spike_text(diag: Any, loss_name: str) -> str:
    """' (the loss spikes to 151 at iteration 2120)' when one logged loss towers over the rest."""
    x, v = diag.log.series(loss_name)
    if len(v) < 5:
        return ""
    k = int(v.argmax())
    neighbours = [v[j] for j in (k - 1, k + 1) if 0 <= j < len(v)]
    # (the first logged loss is where training starts, not a spike; a spike towers over its neighbours too)
    if k > 0 and v[k] > 5 * float(np.median(v)) and v[k] > 2 * max(neighbours):
        return f" (the {loss_name} spikes to {v[k]:.4g} at {diag.where(x[k])})"
    return ""


def _head(diag: Any, loss_name: str) -> str:
    r = diag.rebound
    where = diag.where(r.iter)
    if r.diverged:
        return (f"The training {loss_name} becomes nan/inf at {where} and stays so to the end of the log: training "
                f"diverged (lowest loss before it {r.loss_min:.4g}).")
    if r.rising:
        start = min(r.loss_start, r.loss_min)  # (a smoothed start above the lowest point, the first, read wrong)
        return (f"The training {loss_name} never falls: it rises from {start:.4g} at the start to "
                f"{r.loss_end:.4g} by the end of the log (lowest {r.loss_min:.4g} at {where}; {_against_noise(r)}).")
    return (f"The training {loss_name} turns up at {where}: from a smoothed minimum of {r.loss_min:.4g} it rises "
            f"to {r.loss_end:.4g} by the end of the log (+{r.rise_pct:.0f}%, {_against_noise(r)}).")


def _against_noise(r: Any) -> str:
    """'about 12x the noise'; a loss with (next to) no noise, flat but for a jump, rises 'far beyond its noise'."""
    ratio = r.rise / r.noise if r.noise > 0 else math.inf
    return f"about {ratio:.0f}x the noise" if ratio < 1000 else "far beyond its noise"


def _rebound(diag: Any, loss_name: str, schedule_findings: List[Finding]) -> None:
    diag.kind, text = _rebound_cause(diag, _head(diag, loss_name))
    text += _rebound_evidence(diag)
    diag.verdict = text
    diag.fixes = fix_commands(diag, diag.causes or (schedule_findings if diag.kind == "schedule" else []))


def _rebound_cause(diag: Any, head: str) -> Tuple[str, str]:
    """(kind, text): 'schedule' when events near the rebound are explained (by findings or the logged LR),
    else 'optimisation', with what happens around it."""
    explained = [e for e in diag.events if e.codes or e.notable]
    if explained:
        causes = ", ".join(e.short or e.message for e in explained)
        text = f"{head} Around it: {causes}."
        if diag.causes:
            codes = ", ".join(sorted({f.code for f in diag.causes}))
            text += f" The config's findings ({codes}) explain it: a schedule problem."
        elif diag.config is None:
            text += " The logged LR explains it: the schedule (no config to check which line; pass --config)."
        else:
            text += " The logged LR explains it: the schedule the run actually trained with."
        return "schedule", text
    if diag.events:
        return "optimisation", (f"{head} Near it: " + ", ".join(e.short or e.message for e in diag.events) +
                                ". Nothing in the schedule is flagged; look at the LR level there and at the data.")
    return "optimisation", (f"{head} The schedule does nothing special there" +
                            (" (no config to check; the logged LR shows no change there)" if diag.config is None
                             else "") +
                            "; look at the data pipeline, the loss weights and the gradient norm.")


def _rebound_evidence(diag: Any) -> str:
    """What validation and the gradient norm add about the rebound ('' when nothing)."""
    text = ""
    val = diag.validation
    if val is not None and val.get("worse_after_rebound"):
        text += (f" Validation agrees ({val['metric']} {val.get('at_rebound', val['best']):.4g} at the rebound, "
                 f"{val['final']:.4g} at the end): optimisation trouble, not over-fitting.")
    elif val is not None and "worse_after_rebound" in val:
        text += f" Validation did not get worse after it ({validation_text(val)})."
    g = diag.grad_norm
    if g is not None and g["trend"] != "steady":
        text += f" The gradient norm is {g['trend']} ({g['before']:.3g} before, {g['end']:.3g} at the end)."
    return text
