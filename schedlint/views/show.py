"""`schedlint show`: one config's schedule at a glance, in a terminal (80 columns is enough).

The horizon, the optimizer, a table of the scheduler phases with the values the simulated curve
takes there, unicode block plots of the LR and momentum over training, the notable events, and the
config's findings: what a person pastes into an issue.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from schedlint.runs.events import Event, Phase, param_word, phases, schedule_events, span_text, value_text
from schedlint.model import Finding
from schedlint.plan.model import Plan
from schedlint.lint.settings import Settings

__all__ = ["ScheduleView", "load_view", "config_findings", "render_show", "block_plot", "nice_ticks"]

_BLOCKS = " ▁▂▃▄▅▆▇█"
_GUTTER = 10  # characters left of the plot area (value labels and the axis)


@dataclass
class ScheduleView:
    """Everything the viewing commands show about one config."""

    path: str
    plan: Plan
    curve: Any  # schedlint.simulate.Curve
    phases: List[Phase]
    events: List[Event]
    findings: List[Finding] = field(default_factory=list)
    lr_multipliers: Dict[str, float] = field(default_factory=dict)  # paramwise_cfg lr_mult per key


def config_findings(path: str, settings: Settings, fixes: bool = False) -> List[Finding]:
    """The findings `schedlint check PATH` reports (selection and `# noqa` applied), for this file only;
    `fixes`: with the fix `schedlint fix` would make attached to each, as `check` shows them."""
    from schedlint.lint.engine import check_paths

    own = settings.updated(dependents=False)
    if fixes:
        from schedlint.fix import attach_fixes

        return check_paths([path], own, on_file=attach_fixes).findings
    return check_paths([path], own).findings  # a crashing rule is an SL999 finding, shown with the others


def load_view(path: str, settings: Settings, with_findings: bool = True, fixes: bool = False) -> ScheduleView:
    """Simulate a config and collect its phases, events and findings (CurveError when it cannot be);
    `fixes`: the findings carry their fixes (what `diagnose` suggests running)."""
    from schedlint.views.curve import load_config, lr_multipliers

    plan, curve, resolved = load_config(path, settings)
    findings = config_findings(path, settings, fixes) if with_findings else []
    return ScheduleView(path, plan, curve, phases(plan, curve), schedule_events(plan, curve, findings), findings,
                        lr_multipliers(resolved, plan.generation))


# ---------------------------------------------------------------------------------------------
# terminal plots
# ---------------------------------------------------------------------------------------------


def nice_ticks(upper: float, count: int = 5) -> List[float]:
    """Round tick positions from 0 to `upper` (about `count` of them)."""
    if upper <= 0:
        return [0.0]
    raw = upper / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = []
    k = 0
    while k * step <= upper * (1 + 1e-9):
        ticks.append(k * step)
        k += 1
    return ticks


def _columns(values: Any, width: int) -> np.ndarray:
    """`values` (an array, or a curve's Series: one slice expanded at a time) averaged into `width` equal
    slices."""
    n = len(values)
    edges = np.linspace(0, n, width + 1)
    out = np.empty(width)
    for c in range(width):
        a = int(edges[c])
        b = max(a + 1, int(edges[c + 1]))
        out[c] = float(np.mean(np.asarray(values[a:min(b, n)], dtype=float)))
    return out


def block_plot(values: Any, width: int, height: int, lo: float, hi: float) -> List[str]:
    """Rows (top first) of a bar plot of `values` squeezed into `width` columns, with eighth-block resolution."""
    cols = _columns(values, width)
    span = hi - lo if hi > lo else 1.0
    levels = np.clip(np.round((cols - lo) / span * height * 8), 1, height * 8).astype(int)
    rows = []
    for r in range(height - 1, -1, -1):
        cells = np.clip(levels - r * 8, 0, 8)
        rows.append("".join(_BLOCKS[c] for c in cells))
    return rows


def _tick_text(value: float, unit: str) -> str:
    if unit == "iteration" and value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _axis(total_units: float, width: int, unit: str) -> Tuple[str, str]:
    """The x axis line and its labels for a plot `width` columns wide covering [0, total_units]."""
    ticks = nice_ticks(total_units, max(2, min(8, width // 12)))
    line = ["─"] * width
    labels = [" "] * (width + 8)
    for t in ticks:
        col = min(width - 1, int(round(t / total_units * (width - 1)))) if total_units else 0
        line[col] = "┬"
        text = _tick_text(t, unit)
        start = max(0, min(col - len(text) // 2, width + 8 - len(text)))
        if all(ch == " " for ch in labels[max(0, start - 1):start + len(text) + 1]):
            labels[start:start + len(text)] = list(text)
    return "└" + "".join(line), "".join(labels).rstrip()


def _plot_block(console: Any, title: str, values: Any, plan: Plan, boundaries: Sequence[int],
                marks: Sequence[Tuple[int, int, str]], height: int, style: str) -> None:
    from rich.text import Text

    width = max(20, console.width - _GUTTER - 1)
    total = len(values)
    lo, hi = float(values.min()), float(values.max())
    console.print(Text(title, style="bold"))
    if not math.isfinite(lo) or not math.isfinite(hi):
        console.print("  (not a finite value; nothing to plot)")
        return
    if hi - lo <= 1e-12 * max(abs(hi), 1e-30):
        console.print(f"  constant {value_text(hi)} for the whole run")
        return
    rows = block_plot(values, width, height, lo, hi)
    col_of = lambda it: min(width - 1, int(it / total * width))  # noqa: E731
    hot = np.zeros(width, dtype=bool)
    for start, stop, _ in marks:
        hot[col_of(start):col_of(max(start, stop - 1)) + 1] = True
    for r, row in enumerate(rows):
        label = value_text(hi) if r == 0 else value_text(lo) if r == len(rows) - 1 else ""
        line = Text(f"{label:>{_GUTTER - 1}}" + ("┤" if label else "│"), style="dim")
        for c, ch in enumerate(row):
            line.append(ch, style="yellow" if hot[c] else style)
        console.print(line, no_wrap=True, overflow="crop")
    unit = "epoch" if plan.horizon.loop == "epoch" else "iteration"
    total_units = total / plan.horizon.epoch_length if unit == "epoch" else total
    axis, labels = _axis(total_units, width, unit)
    console.print(Text(" " * (_GUTTER - 1) + axis, style="dim"), no_wrap=True, overflow="crop")
    console.print(Text(" " * _GUTTER + labels, style="dim"), no_wrap=True, overflow="crop")
    marker = [" "] * width
    for b in boundaries:
        if 0 < b < total:
            marker[col_of(b)] = "^"
    for start, _, _ in marks:
        marker[col_of(start)] = "!"
    if any(ch != " " for ch in marker):
        legend = []
        if "^" in marker:
            legend.append("^ a scheduler begins or ends")
        if "!" in marker:
            legend.append("! see events")
        console.print(Text(" " * _GUTTER + "".join(marker).rstrip(), style="cyan"), no_wrap=True, overflow="crop")
        console.print(Text(" " * _GUTTER + ", ".join(legend), style="dim"), overflow="fold")


# ---------------------------------------------------------------------------------------------
# the whole view
# ---------------------------------------------------------------------------------------------


def _relpath(path: Optional[str]) -> str:
    from schedlint.report import escape_controls, relpath

    return escape_controls(relpath(path)) if path else "?"


def _loop_name(plan: Plan) -> str:
    if plan.generation == "mmcv":
        return "EpochBasedRunner" if plan.horizon.loop == "epoch" else "IterBasedRunner"
    return "EpochBasedTrainLoop" if plan.horizon.loop == "epoch" else "IterBasedTrainLoop"


def horizon_lines(plan: Plan) -> List[str]:
    """The training length and cadence, in words."""
    h = plan.horizon
    if h.loop == "epoch":
        lines = [f"{_loop_name(plan)}: {h.max_epochs} epochs x {h.epoch_length} iterations = {h.total_iters} "
                 "iterations"]
    elif h.iterations_from_epochs:
        epochs = (h.max_iters or 0) / max(1, h.epoch_length)
        lines = [f"TrainLoop (iteration-based): {epochs:.3g} epochs x {h.epoch_length} iterations = {h.max_iters} "
                 "iterations"]
    else:
        lines = [f"{_loop_name(plan)}: {h.max_iters} iterations"]
    lines.append(f"epoch length {h.epoch_length}: {h.epoch_length_source}")
    cadence = []
    unit = "epoch" if h.loop == "epoch" else "iteration"
    if h.val_interval:
        cadence.append(f"validation every {h.val_interval} {unit}{'s' if h.val_interval != 1 else ''}"
                       + (f" from {unit} {h.val_begin}" if h.val_begin > 1 else ""))
    if h.checkpoint_interval and h.checkpoint_interval > 0 and h.checkpoint_by_epoch and h.loop == "iter" and \
            plan.generation == "mmengine" and not h.iterations_from_epochs:
        cadence.append("checkpoint at the end only (the hook counts epochs; the loop's one epoch ends there)")
    elif h.checkpoint_interval and h.checkpoint_interval > 0:
        ck_unit = "epoch" if h.checkpoint_by_epoch else "iteration"
        cadence.append(f"checkpoint every {h.checkpoint_interval} {ck_unit}{'s' if h.checkpoint_interval != 1 else ''}")
    if cadence:
        lines.append(", ".join(cadence))
    return lines


def optimizer_line(plan: Plan) -> str:
    """The optimizer's type, LR and momentum/betas, in words."""
    o = plan.optimizer
    parts = [o.type, f"lr {value_text(o.lr)}"]
    if o.lr_scale != 1.0:
        parts[-1] += f" (x{o.lr_scale:g} by auto_scale_lr)"
    if o.momentum_kind == "momentum":
        parts.append(f"momentum {value_text(o.momentum)}")
    elif o.betas is not None:
        parts.append(f"betas ({o.betas[0]:g}, {o.betas[1]:g})")
    text = ", ".join(parts)
    if any(s.param == "momentum" for s in plan.schedulers) or any(p.param == "momentum" for p in plan.legacy):
        text += f"; the momentum schedule drives {param_word(plan, 'momentum')}"
    return text


def _range_text(plan: Plan, phase: Phase) -> Tuple[str, str]:
    if not phase.active:
        return "never", "never"
    its = f"{phase.start}-{phase.stop}"
    if plan.horizon.loop == "epoch":
        length = plan.horizon.epoch_length
        return f"{_epochs(phase.start / length)}-{_epochs(phase.stop / length)}", its
    return "", its


def _epochs(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):d}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value >= 0.01 else f"{value:.1g}"


def _phase_table(view: ScheduleView, width: int) -> Any:
    from rich import box
    from rich.table import Table

    plan = view.plan
    epoch_loop = plan.horizon.loop == "epoch"
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False, padding=(0, 1),
                  collapse_padding=True)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("scheduler", no_wrap=True, overflow="ellipsis")
    table.add_column("param", no_wrap=True)
    if epoch_loop:
        table.add_column("epochs", no_wrap=True)
    table.add_column("iters", overflow="fold")
    table.add_column("start → end", overflow="fold")
    table.add_column("line", overflow="fold")
    one_file = len({ph.location.file for ph in view.phases if ph.location}) == 1
    for ph in view.phases:
        epochs, its = _range_text(plan, ph)
        values = "-" if not ph.active else f"{value_text(ph.start_value)} → {value_text(ph.end_value)}"
        if ph.location is None:
            where_text = "?"
        elif one_file:
            where_text = str(ph.location.line)
        else:
            where_text = f"{os.path.basename(ph.location.file)}:{ph.location.line}"
        cells = ["" if ph.index is None else str(ph.index), ph.type, param_word(plan, ph.param)]
        if epoch_loop:
            cells.append(epochs)
        cells += [its, values, where_text]
        table.add_row(*cells, style=None if ph.active else "dim")
    return table


def render_show(view: ScheduleView, console: Any) -> None:
    """Print the view of one config with rich, fitting the console's width."""
    from rich.text import Text

    console.print(Text(_relpath(view.path), style="bold"), overflow="fold")
    _print_summary(view.plan, console)
    console.print()
    if view.phases:
        _print_phases(view, console)
    elif view.plan.scheduler_hook is not None and view.plan.scheduler_hook_enabled:
        console.print(Text(f"The LR is set by {view.plan.scheduler_hook.type} (default_hooks.param_scheduler), whose "
                           "formula schedlint does not have: the curves below hold the optimizer's values.",
                           style="bold"), overflow="fold")
    else:
        console.print(Text("No LR or momentum scheduler: the values stay as the optimizer sets them.", style="bold"))
    console.print()
    notable = [e for e in view.events if e.notable]
    _print_curves(view, notable, console)
    _print_events_and_notes(view, notable, console)
    render_findings(view.findings, console)


def _print_summary(plan: Any, console: Any) -> None:
    """The horizon, the optimizer and (mmcv-1.x) the config generation, as a two-column grid."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for i, line in enumerate(horizon_lines(plan)):
        grid.add_row("horizon" if i == 0 else "", line)
    grid.add_row("optimizer", optimizer_line(plan))
    if plan.generation == "mmcv":
        grid.add_row("config", "mmcv-1.x (lr_config / momentum_config hooks)")
    console.print(grid)


def _print_phases(view: ScheduleView, console: Any) -> None:
    """The phase table, then the file(s) its line numbers are in."""
    from rich.text import Text

    console.print(Text("Phases", style="bold"))
    console.print(_phase_table(view, console.width))
    files = sorted({ph.location.file for ph in view.phases if ph.location})
    if len(files) == 1:
        line = f"  line: in {_relpath(files[0])}"
        if len(line) > console.width:
            console.print(Text("  line: in", style="dim"))
            line = f"    {_relpath(files[0])}"
        console.print(Text(line, style="dim"), overflow="fold")
    for f in files if len(files) > 1 else []:
        console.print(Text(f"  {os.path.basename(_relpath(f))} = {_relpath(f)}", style="dim"), overflow="fold")


def _print_curves(view: ScheduleView, notable: List[Any], console: Any) -> None:
    """A text plot of the LR and of the momentum (when simulated), with the scheduler boundaries and the
    notable events marked."""
    plan, curve = view.plan, view.curve
    for param, height, style in (("lr", 8, "cyan"), ("momentum", 5, "magenta")):
        values = curve.series(param)  # (its extremes and one column at a time: never the whole run expanded)
        if values is None or len(values) == 0:
            continue
        word = param_word(plan, param)
        bounds = sorted({b for ph in view.phases if ph.param == param and ph.active for b in (ph.start, ph.stop)})
        marks = [(int(e.start), int(e.stop if e.stop is not None else e.start + 1), e.label)
                 for e in notable if e.param == param]
        title = f"{word} over {span_text(plan, plan.horizon.total_iters)}" + (" (yellow: see events)" if marks else "")
        _plot_block(console, title, values, plan, bounds, marks, height, style)
        console.print()


def _print_events_and_notes(view: ScheduleView, notable: List[Any], console: Any) -> None:
    """The notable events (with the codes explaining them) and the notes: the plan's, the schedulers not
    simulated, the simulation's errors."""
    from rich.text import Text

    plan, curve = view.plan, view.curve
    notes = list(plan.notes)
    notes += [f"not simulated: {u.type} (param_scheduler[{u.index}]): {u.reason}" for u in curve.unsimulated]
    notes += [str(e) for e in curve.errors]
    if notable:
        console.print(Text("Events", style="bold"))
        console.print(_bullets([(e.message + (f" ({', '.join(e.codes)})" if e.codes else "")) for e in notable],
                               "!"))
        console.print()
    if notes:
        console.print(Text("Notes", style="bold"))
        console.print(_bullets(notes, "-"))
        console.print()


def _bullets(items: Sequence[str], mark: str, indent: int = 2) -> Any:
    """Items with a hanging indent (continuation lines start under the text, not under the mark)."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 1), pad_edge=False)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for item in items:
        grid.add_row(" " * (indent - 1) + mark, Text(item))
    return grid


def render_findings(findings: List[Finding], console: Any) -> None:
    """Findings wrapped to the console width (no code frames: short enough to paste)."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from schedlint.report import summary_line

    style = {"error": "bold red", "warning": "bold yellow", "info": "bold blue"}
    if findings:
        console.print(Text("Findings", style="bold"))
    for f in findings:
        loc = f.location
        head = Text()
        head.append(f"{_relpath(loc.file)}:{loc.line}:{loc.col + 1}: ", style="bold")
        head.append(f.code, style=style[f.severity.value])
        head.append(f" ({f.name})", style="dim")
        console.print(head, overflow="fold")
        console.print(Padding(Text(f.message), (0, 0, 0, 2)))
        extra = Table.grid(padding=(0, 1), pad_edge=False)
        extra.add_column(no_wrap=True)
        extra.add_column(overflow="fold")
        for r in f.related:
            extra.add_row(Text(" related", style="cyan"),
                          Text(f"{_relpath(r.location.file)}:{r.location.line}: {r.message}"))
        if f.fix is not None:
            tag = "fix" if f.fix.applicability == "safe" else f"{f.fix.applicability} fix"
            extra.add_row(Text(f" {tag}", style="green"), Text(f.fix.message))
        if extra.row_count:
            console.print(extra)
        console.print()
    console.print(summary_line(findings, 1), overflow="fold")
