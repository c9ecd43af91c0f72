"""`schedlint plot`: a PNG of the LR and momentum over training, with the loss of a real run.

Panels share the x axis (epochs, or iterations for iteration-based loops): the schedulers as bars
(when each acts), the LR (linear or log), momentum/beta1, and with a run log the raw and smoothed
training loss with the main validation metric on a twin axis. Scheduler boundaries are dotted lines
through every panel; the events that matter (a scheduler stopping early, beta1 reaching 1, a cosine
climbing back, the loss rebound) are marked where they bite. matplotlib is imported here only
(the optional `plot` extra) and drawn on the Agg canvas, never through pyplot.
"""

from __future__ import annotations

import math
import os
import textwrap
from typing import Any, List, Sequence, Tuple

import numpy as np

from schedlint.runs.events import Event, param_word, value_text
from schedlint.views.plotkit import (_ALERT, _LOG_COLOR, _LR_COLOR, _MOM_COLOR, _legend_above, _obstacles,  # noqa: F401
                                     _thin, free_spot, thin_index)
from schedlint.views.runpanel import _draw_run

__all__ = ["PlotUnavailable", "render_plot", "render_run_plot", "default_output", "require_matplotlib", "free_spot"]

class PlotUnavailable(Exception):
    """matplotlib is not installed."""


def require_matplotlib() -> None:
    """Raise PlotUnavailable (with the install command) when matplotlib cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotUnavailable(
            'plotting needs matplotlib, which is not installed: pip install "schedlint[plot]"'
        ) from None


def default_output(config: str) -> str:
    """`<config (or run) stem>_schedule.png` in the current folder."""
    stem = os.path.splitext(os.path.basename(config))[0]
    return f"{stem}_schedule.png"


def render_plot(view: Any, output: str, log: Any = None, log_scale: bool = False, diagnosis: Any = None,
                dpi: int = 110) -> str:
    """Draw the schedule of `view` (and the run `log`, if given) into a PNG at `output`; returns the path."""
    require_matplotlib()
    plan, curve = view.plan, view.curve
    total = int(curve.iterations)
    epoch_loop = plan.horizon.loop == "epoch"
    length = plan.horizon.epoch_length if epoch_loop else 1
    unit = "epoch" if epoch_loop else "iteration"

    def to_x(iterations: Any) -> Any:
        return np.asarray(iterations, dtype=float) / length

    # the curves as their Series: the points drawn are sampled, never the whole run expanded
    lr, momentum = curve.series("lr"), curve.series("momentum")
    show_momentum = momentum is not None and len(momentum) and float(momentum.max()) - float(momentum.min()) > 1e-12
    phases = [p for p in view.phases]
    fig, height, bottom_margin, panels = _config_figure(view, phases, show_momentum, log is not None, dpi)
    axes, ax_phases, ax_lr, ax_mom, ax_loss = panels
    drawn = thin_index(total)
    x_drawn = to_x(drawn)
    x_end = total / length
    _config_titles(fig, view, momentum, show_momentum, height)
    if ax_phases is not None:
        _draw_phases(ax_phases, plan, phases, to_x, x_end)
    _draw_config_lr(ax_lr, lr, x_drawn, np.asarray(lr.sample(drawn), dtype=float), log, to_x, log_scale)
    if ax_mom is not None:
        _draw_config_momentum(ax_mom, plan, momentum, x_drawn, np.asarray(momentum.sample(drawn), dtype=float), log,
                              to_x)
    _draw_boundaries(axes, phases, total, length, x_end)
    # -- events where they bite
    notable = [e for e in view.events if e.notable]
    _mark_events(ax_lr, [e for e in notable if e.param == "lr"], lr, to_x, total)
    if ax_mom is not None:
        _mark_events(ax_mom, [e for e in notable if e.param == "momentum"], momentum, to_x, total)
    if ax_loss is not None:
        _draw_run(ax_loss, log, to_x, diagnosis, unit)
    _finish_axes(axes, (ax_lr, ax_mom), unit)
    if view.findings:
        _findings_text(fig, view.findings, bottom_margin)
    fig.savefig(output, dpi=dpi)
    return output


def _config_figure(view: Any, phases: List[Any], show_momentum: Any, has_log: bool, dpi: int
                   ) -> Tuple[Any, float, float, Tuple[List[Any], Any, Any, Any, Any]]:
    """(figure, height, bottom margin, panels) of a config plot: the panels are (all axes, phases, LR,
    momentum, loss), the optional ones None when not drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ratios: List[float] = [max(0.9, 0.32 * len(phases) + 0.35)] if phases else []
    ratios += [3.0]
    if show_momentum:
        ratios.append(1.9)
    if has_log:
        ratios.append(3.0)
    height = 1.2 + sum(ratios) * 0.95 + (0.35 * min(4, len(view.findings)) if view.findings else 0)
    fig = Figure(figsize=(11.5, height), dpi=dpi)
    FigureCanvasAgg(fig)
    bottom_margin = (0.5 + 0.3 * min(4, len(view.findings))) / height if view.findings else 0.55 / height
    grid = fig.add_gridspec(len(ratios), 1, height_ratios=ratios, hspace=0.32, left=0.085, right=0.9,
                            top=1 - 0.95 / height, bottom=bottom_margin + 0.35 / height)
    return fig, height, bottom_margin, _config_panels(fig, grid, bool(phases), show_momentum, has_log)


def _config_panels(fig: Any, grid: Any, has_phases: bool, show_momentum: Any, has_log: bool
                   ) -> Tuple[List[Any], Any, Any, Any, Any]:
    """(all axes, phases, LR, momentum, loss) added to the rows of `grid`, top to bottom (None: not drawn)."""
    axes = []
    row = 0
    ax_phases = None
    if has_phases:
        ax_phases = fig.add_subplot(grid[row])
        row += 1
        axes.append(ax_phases)
    ax_lr = fig.add_subplot(grid[row], sharex=ax_phases) if ax_phases is not None else fig.add_subplot(grid[row])
    row += 1
    axes.append(ax_lr)
    ax_mom = None
    if show_momentum:
        ax_mom = fig.add_subplot(grid[row], sharex=ax_lr)
        row += 1
        axes.append(ax_mom)
    ax_loss = None
    if has_log:
        ax_loss = fig.add_subplot(grid[row], sharex=ax_lr)
        axes.append(ax_loss)
    return axes, ax_phases, ax_lr, ax_mom, ax_loss


def _config_titles(fig: Any, view: Any, momentum: Any, show_momentum: Any, height: float) -> None:
    """The config's name as the title, and a subtitle: optimizer, constant momentum, horizon, epoch length."""
    from schedlint.views.show import optimizer_line

    plan = view.plan
    epoch_loop = plan.horizon.loop == "epoch"
    name = os.path.basename(view.path)
    horizon = (f"{plan.horizon.max_epochs} epochs x {plan.horizon.epoch_length} it" if epoch_loop
               else f"{plan.horizon.max_iters} iterations")
    fig.suptitle(name, x=0.085, y=1 - 0.18 / height, ha="left", fontsize=13, fontweight="bold")
    subtitle = optimizer_line(plan)
    if momentum is not None and not show_momentum and len(momentum):
        subtitle += f" ({param_word(plan, 'momentum')} constant)"
    subtitle += f"  |  {horizon}"
    if epoch_loop or any(s.converted for s in plan.schedulers):
        subtitle += f"; epoch length {plan.horizon.epoch_length_source}"
    fig.text(0.085, 1 - 0.36 / height, "\n".join(textwrap.wrap(subtitle, 150)[:2]), ha="left", va="top",
             fontsize=8.5, color="#444444", linespacing=1.4)


def _draw_config_lr(ax: Any, lr: Any, xs: np.ndarray, ys: np.ndarray, log: Any, to_x: Any, log_scale: bool) -> None:
    """The simulated LR (`lr`, its points drawn at `xs`: `ys`), the run's logged LR as dots over it, and the y scale
    (linear from 0, or log)."""
    ax.plot(xs, ys, color=_LR_COLOR, lw=1.8, label="LR (simulated from the config)", zorder=3)
    if log is not None and log.has("lr"):
        lx, lv = log.series("lr")
        lx, lv = _thin(to_x(lx - 1), lv, 400)
        ax.plot(lx, lv, ".", color=_LOG_COLOR, ms=3.5, alpha=0.8, label="LR (logged)", zorder=2)
    if log_scale:
        lowest = float(lr.min())  # (exact; where the LR reaches 0, the lowest positive point drawn)
        positive = ys[ys > 0]
        if lowest > 0 or len(positive):
            ax.set_yscale("log")
            ax.set_ylim(bottom=(lowest if lowest > 0 else float(positive.min())) / 3)
    else:
        ax.set_ylim(bottom=0)
    ax.set_ylabel("LR" + (" (log)" if log_scale else ""), fontsize=10)


def _draw_config_momentum(ax: Any, plan: Any, mom: Any, xs: np.ndarray, ys: np.ndarray, log: Any, to_x: Any
                          ) -> None:
    """The simulated momentum (beta1; `mom`, its points drawn at `xs`: `ys`), the logged one as dots, and a red
    line at 1 when it gets there."""
    word = param_word(plan, "momentum")
    ax.plot(xs, ys, color=_MOM_COLOR, lw=1.8, label=f"{word} (simulated)", zorder=3)
    if log is not None and log.has("momentum"):
        mx, mv = log.series("momentum")
        mx, mv = _thin(to_x(mx - 1), mv, 400)
        ax.plot(mx, mv, ".", color=_LOG_COLOR, ms=3, alpha=0.7, label=f"{word} (logged)", zorder=4)
    if float(mom.max()) >= 0.99:
        ax.axhline(1.0, color=_ALERT, lw=0.8, ls=(0, (4, 3)), alpha=0.6)
    lo, hi = float(mom.min()), float(mom.max())
    pad = max(hi - lo, 1e-3) * 0.25
    ax.set_ylim(lo - pad, max(hi, 1.0 if hi >= 0.99 else hi) + pad)
    ax.set_ylabel(word, fontsize=10)


def _draw_boundaries(axes: Sequence[Any], phases: Sequence[Any], total: int, length: int, x_end: float) -> None:
    """Dotted scheduler boundaries through every panel, the common x range, grid and tick size."""
    bounds = sorted({b for p in phases if p.active for b in (p.start, p.stop) if 0 < b < total})
    for ax in axes:
        for b in bounds:
            ax.axvline(b / length, color="#888888", lw=0.8, ls=":", zorder=1)
        ax.set_xlim(0, x_end)
        ax.grid(axis="y", color="#eeeeee", lw=0.6)
        ax.tick_params(labelsize=9)


def _finish_axes(axes: Sequence[Any], legended: Sequence[Any], unit: str) -> None:
    """Legends above the `legended` panels (None skipped), the x label on the last panel only."""
    for ax in legended:
        if ax is not None:
            _legend_above(ax, ax.get_legend_handles_labels()[0])
    last = axes[-1]
    last.set_xlabel(f"{unit}s", fontsize=10)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)


def render_run_plot(log: Any, output: str, log_scale: bool = False, diagnosis: Any = None, dpi: int = 110) -> str:
    """Draw a run without a config: its logged LR (and momentum), loss and main metric, with the LR's events."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    epoch_loop = log.loop == "epoch" and bool(log.epoch_length)
    length = log.epoch_length if epoch_loop else 1
    unit = "epoch" if epoch_loop else "iteration"
    total = max(int(log.total_iters), 1)

    def to_x(iterations: Any) -> Any:
        return np.asarray(iterations, dtype=float) / length

    show_lr = log.has("lr")
    mx, mv = log.series("momentum")
    show_momentum = len(mv) > 1 and float(np.ptp(mv)) > 1e-12
    ratios = ([2.4] if show_lr else []) + ([1.6] if show_momentum else []) + [3.0]
    height = 1.3 + sum(ratios) * 0.95
    fig = Figure(figsize=(11.5, height), dpi=dpi)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(len(ratios), 1, height_ratios=ratios, hspace=0.32, left=0.085, right=0.9,
                            top=1 - 0.95 / height, bottom=0.75 / height)
    axes = [fig.add_subplot(grid[k]) for k in range(len(ratios))]
    for ax in axes[1:]:
        ax.sharex(axes[0])
    _run_titles(fig, log, total, epoch_loop, height)
    row = 0
    if show_lr:
        _draw_logged_lr(axes[row], log, to_x, total, log_scale, diagnosis)
        row += 1
    if show_momentum:
        ax_mom = axes[row]
        row += 1
        ax_mom.plot(to_x(mx - 1), mv, color=_MOM_COLOR, lw=1.6, label="momentum (logged)", zorder=3)
        ax_mom.set_ylabel("momentum", fontsize=10)
        _legend_above(ax_mom, ax_mom.get_legend_handles_labels()[0])
    _draw_run(axes[row], log, to_x, diagnosis, unit)
    for ax in axes:
        ax.set_xlim(0, total / length)
        ax.grid(axis="y", color="#eeeeee", lw=0.6)
        ax.tick_params(labelsize=9)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel(f"{unit}s", fontsize=10)
    fig.savefig(output, dpi=dpi)
    return output


def _run_titles(fig: Any, log: Any, total: int, epoch_loop: bool, height: float) -> None:
    """The run's name as the title, and a subtitle: format, file, points, epoch length, no config."""
    fig.suptitle(os.path.basename(log.run_dir) or os.path.basename(log.path), x=0.085, y=1 - 0.18 / height,
                 ha="left", fontsize=13, fontweight="bold")
    subtitle = f"{log.format_name}: {os.path.basename(log.path)}  |  {len(log.iters)} points to iteration {total}"
    if epoch_loop:
        subtitle += f"; {log.epoch_length} iterations per epoch ({log.epoch_length_source})"
    subtitle += "  |  no config: the logged values only"
    fig.text(0.085, 1 - 0.36 / height, "\n".join(textwrap.wrap(subtitle, 150)[:2]), ha="left", va="top",
             fontsize=8.5, color="#444444", linespacing=1.4)


def _draw_logged_lr(ax: Any, log: Any, to_x: Any, total: int, log_scale: bool, diagnosis: Any) -> None:
    """The logged LR (linear from 0, or log), with the notable events the diagnosis read from it."""
    lx, lv = log.series("lr")
    ax.plot(to_x(lx - 1), lv, color=_LR_COLOR, lw=1.6, marker=".", ms=2.5, label="LR (logged)", zorder=3)
    if log_scale and (lv > 0).any():
        ax.set_yscale("log")
    else:
        ax.set_ylim(bottom=0)
    ax.set_ylabel("LR" + (" (log)" if log_scale else ""), fontsize=10)
    per_iter = np.interp(np.arange(total), lx - 1, lv)
    events = [e for e in getattr(diagnosis, "run_events", []) if e.notable and e.param == "lr"]
    _mark_events(ax, events, per_iter, to_x, total)
    _legend_above(ax, ax.get_legend_handles_labels()[0])


def _draw_phases(ax: Any, plan: Any, phases: Sequence[Any], to_x: Any, x_end: float) -> None:
    """One bar per scheduler (rows in config order), labelled inside or beside the bar."""
    n = len(phases)
    for row, ph in enumerate(phases):
        y = n - 1 - row
        color = _LR_COLOR if ph.param == "lr" else _MOM_COLOR
        label = f"[{ph.index}] {ph.type}" if ph.index is not None else ph.type
        if not ph.active:
            ax.text(0.005 * x_end, y, f"{label}: never active", va="center", fontsize=8, color="#999999")
            continue
        x0, x1 = float(to_x(ph.start)), float(to_x(ph.stop))
        ax.barh(y, x1 - x0, left=x0, height=0.62, color=color, alpha=0.22, edgecolor=color, lw=0.8)
        if math.isfinite(ph.planned_stop) and ph.planned_stop > ph.stop:
            ax.text(x1, y, " ▶ cut by the end of training", va="center", ha="right", fontsize=7.5, color=_ALERT)
        text = f"{label}  {param_word(plan, ph.param)} {value_text(ph.start_value)} → {value_text(ph.end_value)}"
        needed = len(text) * 0.0075 * x_end  # about the width of the label, in x units
        if x1 - x0 > needed:
            ax.text(x0 + 0.006 * x_end, y, text, va="center", ha="left", fontsize=8, color="#222222")
        elif x1 + needed < x_end:
            ax.text(x1 + 0.006 * x_end, y, text, va="center", ha="left", fontsize=8, color="#222222")
        else:
            ax.text(x0 - 0.006 * x_end, y, text, va="center", ha="right", fontsize=8, color="#222222")
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_yticks([])
    ax.set_ylabel("schedulers", fontsize=9)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _mark_events(ax: Any, events: Sequence[Event], values: Any, to_x: Any, total: int) -> None:
    """Shade each notable stretch and point a label at where it starts; events close together share a label."""
    span = float(to_x(total))
    groups: List[List[Event]] = []
    for e in sorted(events, key=lambda e: e.start):
        if groups and float(to_x(e.start)) - float(to_x(groups[-1][0].start)) < 0.04 * span:
            groups[-1].append(e)
        else:
            groups.append([e])
    for e in events:
        if e.stop is not None and e.stop > e.start:
            ax.axvspan(float(to_x(e.start)), float(to_x(min(e.stop, total))), color=_ALERT, alpha=0.06, lw=0,
                       zorder=0)
    obstacles = _obstacles([ax])
    taken: List[Tuple[float, float, float, float]] = []
    for group in groups:
        labels = []
        for e in group:
            text = e.label + (f" ({', '.join(e.codes)})" if e.codes else "")
            if text not in labels:
                labels.append(text)
        label = " · ".join(labels)
        x0 = float(to_x(group[0].start))
        y = float(values[int(min(max(group[0].start, 0), len(values) - 1))])
        fx, fy = free_spot(ax, label, (x0, y), obstacles, taken)
        ax.annotate(
            label, xy=(x0, y), xycoords="data", xytext=(fx, fy), textcoords="axes fraction",
            ha="right" if fx > 0.5 else "left", va="center", fontsize=8.5, color=_ALERT,
            arrowprops=dict(arrowstyle="->", color=_ALERT, lw=0.9, shrinkA=2, shrinkB=3),
            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85), zorder=6,
        )
        ax.plot([x0], [y], "o", ms=4, color=_ALERT, zorder=5)


def _findings_text(fig: Any, findings: Sequence[Any], bottom: float) -> None:
    lines = []
    for f in findings[:4]:
        lines.append(textwrap.shorten(f"{f.code} {f.message}", 165, placeholder=" …"))
    if len(findings) > 4:
        lines.append(f"… and {len(findings) - 4} more (schedlint check)")
    fig.text(0.085, bottom * 0.55, "\n".join(lines), ha="left", va="center", fontsize=8.5, color="#8b0000",
             linespacing=1.5)
