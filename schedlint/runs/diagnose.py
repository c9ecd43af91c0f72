"""`schedlint diagnose`: find a loss rebound in a real run and say whether the schedule explains it.

The run is read in whatever format it was logged (`schedlint.runs.readers`); the rebound is found
with a noise model of the log (`schedlint.runs.rebound`). Around it we put what the schedule was
doing there: the events of the config's findings (`schedlint.runs.events`: the rules decide what
matters) and the events of the logged LR itself (`schedlint.runs.lrlog`: a warm restart, a climb, a
freeze), the validation trend and gradient norm (`schedlint.runs.trends`), and the findings as
likely causes with the command that fixes them. The verdict is one of rebound / healthy /
over-fitting / inconclusive (too short, too noisy), worded from the numbers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from schedlint.lint.settings import Settings
from schedlint.model import Finding
from schedlint.runs.assemble import epoch_length_from_steps
from schedlint.runs.events import Event
from schedlint.runs.lrlog import compare_lr, lr_events, momentum_events
from schedlint.runs.model import RunLog
from schedlint.runs.readers import RunLogError, read_run
from schedlint.runs.rebound import MIN_POINTS, Levels, Rebound, find_rebound, loss_levels, smooth, smoothing_window
from schedlint.runs.render import diagnosis_json, render_diagnosis
from schedlint.runs.trends import grad_norm_trend, validation_trend
from schedlint.runs.verdict import findings_tail, validation_text, write_verdict

__all__ = ["Diagnosis", "Rebound", "diagnose_run", "find_rebound", "smooth", "smoothing_window",
           "validation_trend", "diagnosis_json", "render_diagnosis", "DiagnoseError"]

# Findings that change the LR or momentum the run trains with (SL2xx cadence findings cannot cause a rebound).
_SCHEDULE_CODES = ("SL0", "SL1", "SL3", "SL4")
_SNAP_KINDS = ("restart", "rise", "cosine-climb")  # LR going up: the loss turns where the LR does


class DiagnoseError(Exception):
    """The run or the config cannot be used (exit code 2)."""


@dataclass
class Diagnosis:
    """Everything `diagnose` found about one run."""

    log: RunLog
    config: Optional[str]
    config_source: str  # 'given', 'dumped with the run', 'carried in ...' or ''
    rebound: Optional[Rebound]
    kind: str  # 'schedule', 'optimisation', 'over-fitting', 'collapse', 'healthy', 'inconclusive'
    verdict: str
    lr: Optional[float] = None
    lr_source: str = ""
    momentum: Optional[float] = None
    momentum_source: str = ""
    momentum_word: str = "momentum"
    events: List[Event] = field(default_factory=list)  # schedule and LR events near the rebound
    findings: List[Finding] = field(default_factory=list)  # the config's findings
    causes: List[Finding] = field(default_factory=list)  # findings tied to the events near the rebound
    validation: Optional[Dict[str, Any]] = None
    grad_norm: Optional[Dict[str, Any]] = None
    fixes: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    plan: Any = None
    curve: Any = None
    view: Any = None  # schedlint.views.show.ScheduleView of the config, when there is one
    run_events: List[Event] = field(default_factory=list)  # every event read from the logged LR/momentum
    levels: Optional[Levels] = None

    @property
    def state(self) -> str:
        """'rebound', 'healthy', 'over-fitting' or 'inconclusive'."""
        if self.rebound is not None:
            return "rebound"
        return self.kind if self.kind in ("healthy", "over-fitting") else "inconclusive"

    def where(self, iteration: float) -> str:
        """A position in the run, in epochs trained when the run has them."""
        return self.log.where(iteration)


def _resolve_config(log: RunLog, config: Optional[str]) -> Tuple[Optional[str], str]:
    if config:
        if not os.path.isfile(config):
            raise DiagnoseError(f"{config}: no such file")
        return config, "given"
    if log.config:
        return log.config, log.config_source or "dumped with the run"
    return None, ""


def _load(config_path: str, settings: Settings, epoch_length: Optional[int], source: str):
    from schedlint.views.show import load_view

    from schedlint.plan.epochs import GivenLength

    given = GivenLength(epoch_length, f"from the run log ({source})") if epoch_length else None
    run_settings = settings if not epoch_length else settings.updated(epoch_length=given)
    return load_view(config_path, run_settings, fixes=True)


def _view_for(log: RunLog, config_path: str, config_source: str, settings: Settings, given_length: Optional[int],
              notes: List[str]):
    """The config's view at the run's epoch length; teaches the log its epoch length when only the config can."""
    from schedlint.views.curve import CurveError

    length = log.epoch_length if (log.loop == "epoch" and not given_length) else None
    source = log.epoch_length_source
    if length is None and not given_length and log.loader_length:
        length, source = log.loader_length, f"the [i/{log.loader_length}] headers: len(train_dataloader)"
    try:
        view = _load(config_path, settings, length, source)
        return _fit_to_config(log, view, config_path, settings, given_length)
    except CurveError as exc:
        if config_source == "given":
            raise DiagnoseError(str(exc)) from None
        notes.append(f"the config {config_source} cannot be simulated ({exc}); schedule events not checked")
        return None


def _fit_to_config(log: RunLog, view: Any, config_path: str, settings: Settings, given_length: Optional[int]):
    """Reconcile the log's loop and epoch length with the config's (`view`, simulated at the log's length);
    returns the view to use (simulated again when the log's reading changed)."""
    h = view.plan.horizon
    if h.loop == "iter" and log.loop == "epoch" and log.kind in ("scalars.json", "tensorboard"):
        log.as_iteration_loop("the config trains by iterations: the log's `epoch` counts passes over the data, "
                              "not the loop's epochs")
        view = _load(config_path, settings, None, "")
    epochs = (h.max_iters or 0) / max(1, h.epoch_length)  # (the max_epochs of such a loop: max_iters is computed)
    if h.iterations_from_epochs and not given_length and log.max_iters and epochs > 0:
        # xtuner's TrainLoop runs int(max_epochs x len(train_dataloader)) iterations: the text log's `[i/N]`
        # headers give N, hence the epoch length the schedulers counted in epochs convert with
        inferred = max(1, int(round(log.max_iters / epochs)))
        if inferred != h.epoch_length:
            view = _load(config_path, settings, inferred,
                         f"the {log.max_iters} planned iterations of the text log / max_epochs={epochs:g} of "
                         "the config (an iteration loop of max_epochs x len(train_dataloader))")
    elif _length_needs_config(log, h, given_length):
        inferred, source = _length_from_config(log, h)
        log.loop, log.epoch_length, log.epoch_length_source = "epoch", inferred, source
        if source.startswith("the logged steps:"):  # exact: each line's epoch follows
            log.epochs_known, log.epochs = True, (log.iters - 1) // inferred + 1
        view = _load(config_path, settings, inferred, source)
    elif _length_is_config_estimate(log, h, given_length):
        log.epoch_length = h.epoch_length  # the log cannot tell (one unfinished epoch): the config's estimate
        log.epoch_length_source = f"the config's estimate ({h.epoch_length_source})"
    return view


def _length_needs_config(log: RunLog, h: Any, given_length: Optional[int]) -> bool:
    """An epoch-loop config and a log that cannot tell epochs at all (none given, no headers, never-ending
    epochs excepted): the epoch length is inferred from the config."""
    return bool(h.loop == "epoch" and not log.epoch_length and not given_length and h.max_epochs and log.total_iters
                and not log.epochs_known and not any("never ends" in n for n in log.notes))


def _length_is_config_estimate(log: RunLog, h: Any, given_length: Optional[int]) -> bool:
    """A log that knows its epochs but not their length (one unfinished epoch) and a config whose estimate
    (not a default) covers it."""
    return bool(h.loop == "epoch" and log.loop == "epoch" and not log.epoch_length and not given_length
                and len(log.iters) and not h.epoch_length_source.startswith("default")
                and log.total_iters <= h.epoch_length * max(int(log.epochs.max()), 1))


_AS_IF_FINISHED = "(as if the run finished)"  # a length that makes the log's end the plan's: never compared with it


def _length_from_config(log: RunLog, horizon: Any) -> Tuple[int, str]:
    """Iterations per epoch of a log without epochs, under the config's epoch loop."""
    total, epochs = log.total_iters, horizon.max_epochs
    if log.max_iters and log.max_iters >= total:  # `Iter(train) [i/N]` of the text log: N planned iterations
        by_planned = max(1, int(round(log.max_iters / epochs)))
        return by_planned, f"the {log.max_iters} planned iterations of the text log / max_epochs={epochs} of the config"
    loss = log.carried.get("loss")  # (training lines: mmcv logs the LR alone at each validation too, off the rhythm)
    by_steps = epoch_length_from_steps(log.iters if loss is None or not loss.any() else log.iters[loss])
    if by_steps:
        return by_steps, f"the logged steps: their rhythm breaks where epoch 2 starts, after iteration {by_steps}"
    by_total = max(1, int(round(total / epochs)))
    text = f"the {total} logged iterations / max_epochs={epochs} of the config {_AS_IF_FINISHED}"
    if log.val_by == "iter" and len(log.val_steps) >= 2 and horizon.val_interval:
        by_val = int(round(float(np.median(np.diff(log.val_steps))) / horizon.val_interval))
        if by_val > 0 and abs(by_val - by_total) > 0.05 * by_val:
            return by_val, (f"the validation every {horizon.val_interval} epoch(s) of the config, every {by_val * horizon.val_interval} "
                            "logged iterations")
    return by_total, text


def diagnose_run(run: str, config: Optional[str] = None, settings: Optional[Settings] = None,
                 epoch_length: Optional[int] = None) -> Diagnosis:
    """Diagnose a run (work_dir, run folder or log file); DiagnoseError when the input is unusable."""
    settings = settings or Settings()
    hook_notes: List[str] = []
    epoch_length, config = _hook_facts(run, epoch_length, config, hook_notes)
    log = _read_with_loss(run, epoch_length)
    loss_name = log.loss_name
    notes = list(log.notes) + hook_notes + _non_finite_losses(log, loss_name)
    view, config_path, config_source = _config_view(log, config, settings, epoch_length, notes)
    plan, curve, schedule, findings = _view_parts(view)
    word = "beta1" if plan is not None and plan.optimizer.momentum_kind == "beta1" else "momentum"
    if view is not None:
        _compare_with_config(log, view, notes)
    _against_planned_length(log, plan, notes)
    length = log.epoch_length if log.loop == "epoch" else None
    tail = settings.thresholds.tail_fraction
    run_events = lr_events(log, tail) + momentum_events(log, word)
    events_all = _merge_events(schedule, run_events, log)
    x, loss, warming = _loss_to_judge(log, loss_name or "loss", events_all, run_events, notes)
    rebound = None if warming else find_rebound(x, loss, length)
    rose_with_lr = None
    if rebound is not None and rebound.rising and not rebound.diverged and not warming:
        # a loss that never fell, in a log that ends while the LR still warms up: too early to call it
        warming = [e for e in run_events if e.kind == "warmup-end" and len(log.iters) and e.start >= log.total_iters]
        if warming:
            rose_with_lr, rebound = (rebound.loss_start, rebound.loss_end), None
    schedule_findings = [f for f in findings if f.code.startswith(_SCHEDULE_CODES)]
    diag = Diagnosis(log, config_path, config_source, rebound, "healthy", "", findings=findings, notes=notes,
                     momentum_word=word, plan=plan, curve=curve, view=view, run_events=run_events,
                     levels=loss_levels(x, loss))
    since = _explain_rebound(diag, events_all, schedule_findings, length) if rebound is not None else None
    diag.validation = validation_trend(log, since)
    diag.grad_norm = grad_norm_trend(log, rebound.iter if rebound else None)
    write_verdict(diag, loss_name or "loss", schedule_findings)
    if warming:
        _still_warming(diag, warming[0], rose_with_lr, loss_name or "loss")
    elif diag.kind == "over-fitting":
        _drop_while_lr_climbs(diag, loss_name or "loss")
    return diag


def _drop_while_lr_climbs(diag: Diagnosis, loss_name: str) -> None:
    """An over-fitting verdict on a metric that falls while the logged LR climbs (a cyclic or one-cycle schedule's
    rising phase) is the schedule's doing as much as over-fitting: inconclusive, saying so."""
    val, log = diag.validation, diag.log
    if val is None or not log.has("lr") or (val["unit"] == "epoch" and not log.epoch_length):
        return
    scale = log.epoch_length if val["unit"] == "epoch" else 1
    x, lr = log.series("lr")
    inside = (x >= val["best_at"] * scale) & (x <= val["final_at"] * scale)
    if inside.sum() < 2:
        return
    first, last = float(lr[inside][0]), float(lr[inside][-1])
    if not last > 1.2 * first:
        return
    diag.kind = "inconclusive"
    diag.verdict = (f"Inconclusive: {diag.levels.phrase(loss_name)}, and {validation_text(val)}, a drop while the "
                    f"logged LR climbs from {first:.3g} to {last:.3g}: the schedule's rising LR explains it as much as "
                    "over-fitting would." + findings_tail(diag.verdict))


def _non_finite_losses(log: RunLog, loss_name: Optional[str]) -> List[str]:
    """Notes on training losses logged as nan or inf: they are left out of every judgement (a divergence
    that lasts is a rebound of its own; scattered ones, an fp16 run's skipped steps, are said here)."""
    notes = []
    if loss_name != "loss" and "loss" in log.train:
        x, values = log.logged("loss")
        if len(values):
            notes.append(f"the total `loss` is nan or inf on all {len(values)} lines that log it: judged on "
                         f"`{loss_name}` instead" if loss_name else
                         f"the total `loss` is nan or inf on all {len(values)} lines that log it")
    if loss_name is not None:
        x, values = log.logged(loss_name)
        bad = ~np.isfinite(values)
        if bad.any() and not bad.all():
            notes.append(f"{int(bad.sum())} of the {len(values)} logged `{loss_name}` values are nan or inf (the "
                         f"first at {log.where(float(x[bad][0]))}): left out of the judgement")
    return notes


def _hook_facts(run: str, epoch_length: Optional[int], config: Optional[str], notes: List[str]
                ) -> Tuple[Optional[int], Optional[str]]:
    """The exact epoch length and config a SchedLintHook recorded for this run (`schedlint.json`), where
    the user gave none: they beat any estimate from the log or from the dataset."""
    from schedlint.runs.record import read_report

    folder = run if os.path.isdir(run) else os.path.dirname(os.path.abspath(run))
    report = read_report(folder) if os.path.isdir(folder) else None
    facts = report.get("facts") if isinstance(report, dict) else None
    if not isinstance(facts, dict):
        return epoch_length, config
    recorded = facts.get("epoch_length")
    if epoch_length is None and isinstance(recorded, int) and recorded > 0:
        epoch_length = recorded
        notes.append(f"epoch length {recorded} recorded by SchedLintHook at run time "
                     f"({facts.get('epoch_length_source') or 'len(train_dataloader)'})")
    path = facts.get("config")
    if config is None and isinstance(path, str) and os.path.isfile(path):
        config = path
        notes.append(f"config {path} recorded by SchedLintHook ({facts.get('config_source') or 'the run'})")
    return epoch_length, config


def _view_parts(view: Any) -> Tuple[Any, Any, List[Event], List[Finding]]:
    """(plan, curve, schedule events, findings) of the config's view; (None, None, [], []) without one."""
    if not view:
        return None, None, [], []
    return view.plan, view.curve, list(view.events), list(view.findings)


def _loss_to_judge(log: RunLog, loss_name: str, events_all: List[Event], run_events: List[Event], notes: List[str]
                   ) -> Tuple[np.ndarray, np.ndarray, List[Event]]:
    """(x, loss, warming): the logged loss from where it can be judged (after a rise the LR warm-up explains),
    and the run's warm-up ends past the end of the log when the loss rose with the LR (then nothing is judged)."""
    x, loss = log.logged(loss_name)
    before = len(notes)
    x, loss = _after_warmup_rise(x, loss, events_all + run_events, log, notes)
    warming = [e for e in run_events if e.kind == "warmup-end" and len(log.iters) and e.start >= log.total_iters
               and len(notes) > before]  # the loss rose with the LR, and the log ends before the warm-up does
    return x, loss, warming


def _read_with_loss(run: str, epoch_length: Optional[int]) -> RunLog:
    """The run's log; DiagnoseError when it cannot be read or has no training loss (a validation-only log
    with metrics is accepted)."""
    try:
        log = read_run(run, epoch_length)
    except RunLogError as exc:
        raise DiagnoseError(str(exc)) from None
    if log.loss_name is None and not (len(log.iters) == 0 and log.metrics):
        raise DiagnoseError(f"{log.path}: the log has no training loss")
    return log


def _config_view(log: RunLog, config: Optional[str], settings: Settings, epoch_length: Optional[int],
                 notes: List[str]) -> Tuple[Any, Optional[str], str]:
    """(view, config path, where it came from) of the run's config; (None, None, "") with a note when there
    is none or it cannot be simulated."""
    config_path, config_source = _resolve_config(log, config)
    view = _view_for(log, config_path, config_source, settings, epoch_length, notes) if config_path else None
    if view is None:
        config_path, config_source = None, ""
        if not any("cannot be simulated" in n for n in notes):
            notes.append("no config given or found with the run: LR and momentum come from the log only "
                         "(pass --config to check the schedule)")
    return view, config_path, config_source


def _against_planned_length(log: RunLog, plan: Any, notes: List[str]) -> None:
    """Note a log that runs past the config's planned iterations, or one that ends well before the planned length
    (the config's, else its own `[i/N]` headers): a run stopped, killed or still going, judged on what ran (a
    rebound after the end cannot be seen)."""
    if _AS_IF_FINISHED in log.epoch_length_source:
        return
    if plan is not None and plan.horizon.total_iters and log.total_iters > plan.horizon.total_iters * 1.01:
        notes.append(f"the log runs to iteration {log.total_iters}, past the {plan.horizon.total_iters} "
                     "iterations the config plans")
    if plan is not None and plan.horizon.loop == "epoch":
        # in epochs, which the log states (an epoch length the config's plan had to guess would skew iterations)
        if not log.epochs_known or not len(log.epochs) or not plan.horizon.max_epochs:
            return
        done, planned, unit = int(np.max(log.epochs)), int(plan.horizon.max_epochs), "epoch"
        source = "the config plans"
    else:
        done, unit = log.total_iters, "iteration"
        planned, source = (plan.horizon.total_iters, "the config plans") if plan is not None else (
            log.max_iters, "its headers plan")
    if not planned or not done or done >= 0.95 * planned:
        return
    notes.append(f"the log ends at {unit} {done} of the {planned} {source} ({done / planned:.0%}): a run "
                 "stopped early, or still running, judged on what ran")


def _compare_with_config(log: RunLog, view: Any, notes: List[str]) -> None:
    """Note where the logged LR departs from the simulated one."""
    plan = view.plan
    mismatch = compare_lr(log, plan.optimizer.lr, view.curve.series("lr"), view.lr_multipliers)
    if mismatch:
        notes.append(mismatch)


def _explain_rebound(diag: Diagnosis, events_all: List[Event], schedule_findings: List[Finding],
                     length: Optional[int]) -> Optional[float]:
    """Tie the rebound to the events near it (their findings become the causes) and read the LR and momentum
    there; returns where the validation trend starts (epoch or iteration; None when it cannot be placed)."""
    log, rebound = diag.log, diag.rebound
    tolerance = max(length or 0, 0.1 * max(log.total_iters, 1))
    if not rebound.diverged:
        _snap(rebound, events_all, tolerance, length)
    diag.events = [_warmup_cause(e, rebound) for e in _near(events_all, rebound.iter, tolerance)]
    diag.lr, diag.lr_source = _value_at(log, diag.curve, "lr", rebound.iter)
    diag.momentum, diag.momentum_source = _value_at(log, diag.curve, "momentum", rebound.iter)
    codes = {c for e in diag.events for c in e.codes}
    diag.causes = [f for f in schedule_findings if f.code in codes]
    since = rebound.iter / length if log.val_by == "epoch" and length else rebound.iter
    if log.val_by == "epoch" and not length:
        since = None
    return since


def _still_warming(diag: Diagnosis, warming: Event, rose: Optional[Tuple[float, float]] = None,
                   loss_name: str = "loss") -> None:
    """Make the verdict inconclusive: the log ends while the LR is still warming up (`rose`: the loss rose
    from the start, with the LR, from and to these levels)."""
    if diag.kind == "over-fitting":
        # a metric that drops while the LR still climbs is the warm-up's doing as much as anything: not over-fitting
        judged = (f"{diag.levels.phrase(loss_name)}, and {validation_text(diag.validation)}, a drop while the LR "
                  "still rises that says nothing of over-fitting yet." + findings_tail(diag.verdict))
    elif rose is not None:
        judged = f"the training {loss_name} rises with it, from {rose[0]:.4g} to {rose[1]:.4g}"
    else:
        judged = diag.verdict[0].lower() + diag.verdict[1:]
    diag.kind = "inconclusive"
    diag.verdict = (f"Inconclusive: the log ends while the LR is still warming up (it reaches "
                    f"{warming.message.rsplit(' to ', 1)[-1]}), too early to judge the loss; " + judged)


def _after_warmup_rise(x: np.ndarray, loss: np.ndarray, events: List[Event], log: RunLog, notes: List[str]
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """The loss from its peak on, when it climbs while the LR warms up (quality focal loss and others start
    low and rise as the LR does): a rise the warm-up explains is neither a rebound nor the level to fall from."""
    ends = [e.start for e in events if e.kind == "warmup-end" and e.param == "lr"]
    finite = np.isfinite(loss)
    if not ends or finite.sum() < 6:
        return x, loss
    warm_end = min(ends)
    xs, vs = x[finite], loss[finite]
    s = smooth(vs) if len(vs) >= 5 else vs
    during = np.flatnonzero(xs <= 1.2 * warm_end)
    if len(during) < 3:
        return x, loss
    peak = int(during[np.argmax(s[during])])
    first = float(np.median(vs[:3]))
    if peak < 2 or s[peak] < 1.5 * first:
        return x, loss
    ending = (f"the log ends at {log.where(log.total_iters)}, before the warm-up does" if max(ends) >= log.total_iters
              else f"the warm-up ends at {log.where(warm_end)}")
    notes.append(f"the training loss rises while the LR warms up ({first:.4g} to {float(s[peak]):.4g} by "
                 f"{log.where(xs[peak])}, {ending}): judged from that peak on")
    keep = x >= xs[peak]
    return x[keep], loss[keep]


def _merge_events(schedule: List[Event], run: List[Event], log: RunLog) -> List[Event]:
    """Schedule events plus the run's own; with a config, a run event the schedule already explains is dropped."""
    if not schedule:
        return list(run)
    out = list(schedule)
    close = max(log.epoch_length or 0, 0.02 * max(log.total_iters, 1))
    for e in run:
        if e.kind == "frozen" and any(s.kind == "frozen" and s.param == e.param for s in schedule):
            continue
        if any(s.param == e.param and abs(s.start - e.start) <= close and (s.codes or s.notable) for s in schedule):
            continue
        out.append(e)
    out.sort(key=lambda e: (e.start, e.kind))
    return out


def _snap(rebound: Rebound, events: List[Event], tolerance: float, length: Optional[int]) -> None:
    """Place the turn where the LR starts going up, when it does so between the fitted turn and the point
    where the loss is half-way up its rise (a knee fit puts a step-like rise early)."""
    late = max(rebound.confirmed or rebound.iter, rebound.iter)
    ups = [e for e in events if e.kind in _SNAP_KINDS and e.param == "lr"
           and rebound.iter - tolerance <= e.start <= late + (length or 0)]
    if not ups:
        return
    before = [e for e in ups if e.start <= late]
    best = max(before, key=lambda e: e.start) if before else min(ups, key=lambda e: e.start)
    moved = int(best.start)
    rebound.rise_iters += rebound.iter - moved
    rebound.iter = moved
    rebound.epoch = moved / length if length else None


def _warmup_cause(event: Event, rebound: Rebound) -> Event:
    """A warm-up still raising the LR where the loss turns up explains the turn (the LR climbs, the loss follows)."""
    if event.kind != "warmup-end" or event.param != "lr" or rebound.diverged or rebound.iter > event.start:
        return event
    return replace(event, notable=True, short=f"the loss turns up while the LR is still warming up ({event.message})")


def _near(events: List[Event], at: int, tolerance: float) -> List[Event]:
    out = []
    for e in events:
        # (a warm-up covers the run up to its end: a turn inside it happens while the LR still climbs)
        covers = e.start <= at <= e.stop if e.stop is not None else e.kind == "warmup-end" and at <= e.start
        if abs(e.start - at) <= tolerance or covers:
            out.append(e)
    return out


def _value_at(log: RunLog, curve: Any, name: str, at: int) -> Tuple[Optional[float], str]:
    if log.has(name):
        x, v = log.series(name)
        k = int(np.searchsorted(x, at))
        k = min(max(k, 0), len(v) - 1)
        return float(v[k]), "logged"
    values = None if curve is None else curve.series(name)
    if values is not None and len(values):
        return float(values[int(min(max(at - 1, 0), len(values) - 1))]), "simulated from the config"
    return None, ""


__all__ += ["MIN_POINTS"]
