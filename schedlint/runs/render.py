"""The diagnosis as text (for a terminal or an issue) and as plain data (`--output-format json`)."""

from __future__ import annotations

import textwrap
from typing import Any, Dict, List

from schedlint.runs.events import value_text
from schedlint.runs.model import position_text

__all__ = ["diagnosis_json", "render_diagnosis"]


def diagnosis_json(diag: Any) -> Dict[str, Any]:
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
            "log": log.path, "source": log.source or log.path, "format": log.kind, "format_name": log.format_name,
            "loop": log.loop, "iterations": log.total_iters,
            "epoch_length": log.epoch_length, "epoch_length_source": log.epoch_length_source or None,
            "points": int(len(log.iters)), "skipped_lines": log.skipped,
            "config": diag.config, "config_source": diag.config_source or None,
        },
        "rebound": rebound,
        "events": [e.to_json(diag.plan) for e in diag.events],
        "run_events": [e.to_json(diag.plan) for e in diag.run_events],
        "loss_levels": None if diag.levels is None else {
            "start": diag.levels.start, "lowest": diag.levels.low, "end": diag.levels.end,
            "noise": diag.levels.noise, "trend": diag.levels.trend, "points": diag.levels.points},
        "findings": [finding_to_json(f) for f in diag.findings],
        "causes": [f.code for f in diag.causes],
        "validation": diag.validation,
        "grad_norm": diag.grad_norm,
        "state": diag.state,
        "kind": diag.kind,
        "verdict": diag.verdict,
        "fix": diag.fixes,
        "notes": diag.notes,
    }


def _wrap(text: str, indent: str = "", width: int = 88) -> List[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False, break_long_words=False) or [indent]


def render_diagnosis(diag: Any, width: int = 88) -> str:
    """The diagnosis as text for a terminal or an issue."""
    lines = _header_lines(diag, width)
    lines += _rebound_lines(diag, width)
    lines += _trend_lines(diag, width)
    lines.append("")
    lines += _finding_lines(diag, width)
    lines += _wrap(f"verdict: {diag.verdict}", "", width)
    for fix in diag.fixes:
        lines.append(f"fix: {fix}")
    for note in diag.notes:
        lines += _wrap(f"note: {note}", "", width)
    return "\n".join(lines)


def _header_lines(diag: Any, width: int) -> List[str]:
    """The run read (file, format, points, epoch length) and the config used, then a blank line."""
    from schedlint.report import relpath

    log = diag.log
    lines: List[str] = []
    shape = f"{len(log.iters)} points to iteration {log.total_iters}"
    if log.loop == "epoch" and log.epoch_length:
        shape += f", {log.epoch_length} iterations per epoch ({log.epoch_length_source})"
    source = relpath(log.path) + (log.source[len(log.path):] if log.source.startswith(log.path) else "")
    lines += _wrap(f"run: {source} ({log.format_name}; {shape})", "", width)
    if diag.config:
        text = f"config: {relpath(diag.config)} ({diag.config_source}"
        plan = getattr(diag, "plan", None)
        if plan is not None and not (log.loop == "epoch" and log.epoch_length) and (
                plan.horizon.iterations_from_epochs or any(s.converted for s in plan.schedulers)):
            # an iteration log, and a config whose schedule is counted in epochs: the length it was simulated at
            text += f"; simulated at {plan.horizon.epoch_length} iterations per epoch: {plan.horizon.epoch_length_source}"
        lines += _wrap(text + ")", "", width)
    lines.append("")
    return lines


def _rebound_lines(diag: Any, width: int) -> List[str]:
    """What the loss does (rises from the start, diverges, rebounds) with the LR and the events there, or
    that there is no rebound."""
    r = diag.rebound
    if r is None:
        return ["No verdict on a rebound (inconclusive)." if diag.state == "inconclusive" else "No loss rebound."]
    if r.rising:
        lines = _wrap(f"Loss rises from the start: {r.loss_start:.4g} -> {r.loss_end:.4g} (end), lowest "
                      f"{r.loss_min:.4g} at {diag.where(r.iter)}; noise {r.noise:.3g}", "", width)
    elif r.diverged:
        lines = _wrap(f"Loss diverges at {diag.where(r.iter)}: nan/inf from there to the end of the log (lowest "
                      f"loss before it {r.loss_min:.4g})", "", width)
    else:
        lines = _wrap(f"Loss rebound at {diag.where(r.iter)}: smoothed loss {r.loss_start:.4g} -> "
                      f"{r.loss_min:.4g} (minimum) -> {r.loss_end:.4g} (end), +{r.rise_pct:.0f}%; noise "
                      f"{r.noise:.3g}", "", width)
    if diag.lr is not None:
        text = f"LR there: {value_text(diag.lr)} ({diag.lr_source})"
        if diag.momentum is not None:
            text += f"; {diag.momentum_word}: {value_text(diag.momentum)} ({diag.momentum_source})"
        lines += _wrap(text, "  ", width)
    if diag.events:
        lines.append("  schedule and LR events near it:")
        for e in diag.events:
            mark = "!" if (e.codes or e.notable) else "-"
            codes = f" ({', '.join(e.codes)})" if e.codes else ""
            lines += _wrap(f"{mark} {e.message}{codes}", "    ", width)
    return lines


def _trend_lines(diag: Any, width: int) -> List[str]:
    """The validation metric's trend and the gradient norm's, when known."""
    lines: List[str] = []
    v = diag.validation
    if v is not None:
        lines += _wrap(f"validation: {v['metric']} ({'higher' if v['higher_is_better'] else 'lower'} is better) "
                       f"{v['first']:.4g} -> best {v['best']:.4g} at {v['unit']} {position_text(v['best_at'])} -> "
                       f"{v['final']:.4g} at {v['unit']} {position_text(v['final_at'])} ({v['trend']})", "  ", width)
    g = diag.grad_norm
    if g is not None:
        lines += _wrap(f"grad_norm: {g['before']:.3g} {'before the rebound' if diag.rebound else 'at the start'}, "
                       f"{g['end']:.3g} at the end ({g['trend']})", "  ", width)
    return lines


def _finding_lines(diag: Any, width: int) -> List[str]:
    """The config findings, the likely causes first, then a blank line (nothing when there are none)."""
    from schedlint.report import relpath

    causes = diag.causes
    others = [f for f in diag.findings if f not in causes]
    lines: List[str] = []
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
    return lines
