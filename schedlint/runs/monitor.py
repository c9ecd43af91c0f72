"""What `SchedLintHook` does inside a running training job, without torch: check and watch.

The hook modules (`schedlint.mmengine`, `schedlint.mmcv`) read the runner's exact facts (the
iterations per epoch from `len(train_dataloader)`, the world size and batch, the `auto_scale_lr`
factor actually applied, every optimizer param group, the schedulers actually built) into a
`RunFacts` and hand it to a `Monitor`, which

* builds the config's plan with those facts instead of estimates, runs every rule on it and says
  which findings stop training (`fail_on`);
* watches the training loss the runner logs (one float per iteration, no extra work) and, once a
  loss rebound starts where the schedule explains it (the LR frozen after the last scheduler
  stopped, beta1/momentum at 0.999 or above, a cosine climbing back), produces one warning naming
  the cause and the fix;
* writes `schedlint.json` (facts, findings, the warning, what was observed) into the run's folder.

The rebound is the one `schedlint diagnose` finds (`schedlint.runs.diagnose.find_rebound`) and the
schedule events are the ones `show`, `plot` and `diagnose` mark (`schedlint.runs.events`).
"""

from __future__ import annotations

import json
import math
import os
from array import array
from typing import Any, Callable, Dict, List, Optional, Tuple

from schedlint.lint.engine import INTERNAL_ERROR, Linter, build_any_plan, internal_finding, merge_findings, select_findings
from schedlint.lint.settings import Settings
from schedlint.model import Finding, Severity
from schedlint.runs.model import position_text
from schedlint.runs.record import (PLOT_NAME, REPORT_NAME, SCHEDULE_KEYS, RunFacts, jsonable, read_report,
                                   same_schedule, write_atomic_text)

__all__ = ["RunFacts", "Monitor", "ScheduleFailure", "REPORT_NAME", "PLOT_NAME", "SCHEDULE_KEYS", "EXPLAINING_KINDS",
           "read_report", "same_schedule", "write_atomic_text"]

#: schedule events that explain a loss rebound (see `schedlint.runs.events`)
EXPLAINING_KINDS = ("frozen", "momentum-near-one", "cosine-climb")

_SEVERITY_RANK = {"info": 0, "warning": 1, "error": 2}
_RESCALE_CODES = {"SL004"}
_EVENT_FIX = {
    "frozen": "let the last scheduler run to the end of training (its `end` = max_epochs/max_iters, or no `end`)",
    "momentum-near-one": "keep beta1/momentum below 0.999 (lower the momentum scheduler's target)",
    "cosine-climb": "make the cosine's T_max equal to its range (or leave T_max out)",
}


class ScheduleFailure(RuntimeError):
    """Raised by the hook before the first iteration when a finding reaches `fail_on` (strict mode)."""


def _number(value: Any) -> Optional[float]:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


class Monitor:
    """Checks a config with a run's exact facts, then watches the run's loss for an explained rebound."""

    def __init__(self, facts: RunFacts, settings: Optional[Settings] = None, fail_on: Optional[str] = None) -> None:
        if fail_on is not None and fail_on not in _SEVERITY_RANK:
            raise ValueError(f"fail_on must be one of {sorted(_SEVERITY_RANK)} or None, got {fail_on!r}")
        self.facts = facts
        self.settings = (settings or Settings()).updated(epoch_length=facts.epoch_length)
        self.fail_on = fail_on
        self.findings: List[Finding] = []
        self.plan: Any = None
        self.curve: Any = None
        self.events: List[Any] = []
        self.notes: List[str] = []
        self.warnings: List[Dict[str, Any]] = []
        self.rebound: Optional[Dict[str, Any]] = None  # the first rebound seen (explained or not)
        self.observed: List[Dict[str, Any]] = []  # per poll: iteration, mean loss since the last poll, lr, momentum
        self.validation: List[Dict[str, Any]] = []
        self.status = "checked"
        self._losses = array("d")
        self._iters = array("d")
        self._since = 0
        self._last_lr: Optional[float] = None
        self._last_momentum: Optional[float] = None
        self._mismatch_noted = False

    # -- before training ------------------------------------------------------------------------

    def check(self) -> List[Finding]:
        """Build the plan with the run's facts, run every rule, keep the selected findings."""
        path = self.facts.config
        if not path:
            self.notes.append("no config file known to the hook: the schedule was not checked (pass config=...)")
            return []
        from schedlint.rules import Context, all_rules

        linter = Linter(self.settings)
        resolved, raw = linter.resolve(path)
        for f in raw:
            f.configs = [path]
        if resolved is not None:
            plan = build_any_plan(resolved, self.facts.epoch_length)
            if plan is None:
                self.notes.append(f"{path}: not a training config; nothing to check")
            else:
                self._apply_facts(plan)
                ctx = Context(resolved, plan, self.settings)
                for rule in all_rules().values():
                    if not rule.applies_to(plan):
                        continue
                    try:
                        found = list(rule.check(ctx))
                    except Exception as exc:  # a bug in one rule: its own finding, the other rules go on
                        found = [internal_finding(path, f"rule {rule.code} ({rule.name})", exc)]
                    for f in found:
                        f.configs = [path]
                    raw.extend(found)
                self.plan, self.curve = plan, ctx.curve
        self.findings = merge_findings(select_findings(raw, self.settings, linter.loader.text))
        if self.plan is not None:
            from schedlint.runs.events import schedule_events

            try:
                self.events = schedule_events(self.plan, self.curve, self.findings,
                                              self.settings.thresholds.tail_fraction)
            except Exception as exc:  # the watch is a bonus; never stop training for it
                self.notes.append(f"schedule events not computed ({type(exc).__name__}: {exc})")
        return self.findings

    def _apply_facts(self, plan: Any) -> None:
        """Put the runner's exact facts into the plan (and note where the config said otherwise)."""
        self._apply_horizon(plan.horizon)
        self._apply_lr_scale(plan)
        group = self.facts.param_groups[0] if self.facts.param_groups else None
        if group is not None:
            self._apply_param_group(plan.optimizer, group)
        facts = self.facts
        if facts.scheduler_hook is not None and plan.generation == "mmengine":
            if plan.scheduler_hook_enabled and not facts.scheduler_hook:
                self.notes.append("no ParamSchedulerHook is registered: the schedulers are never stepped")
            plan.scheduler_hook_enabled = bool(facts.scheduler_hook)
        self._compare_schedulers(plan)

    def _apply_horizon(self, horizon: Any) -> None:
        """The runner's exact epoch length; notes where its loop and lengths differ from the config's."""
        facts = self.facts
        horizon.epoch_length = facts.epoch_length
        horizon.epoch_length_source = f"{facts.epoch_length_source} (exact)"
        if facts.loop != horizon.loop:
            self.notes.append(f"the runner trains by {facts.loop}, the config's plan by {horizon.loop}")
        for name in ("max_epochs", "max_iters"):
            real, planned = getattr(facts, name), getattr(horizon, name)
            if real is not None and planned is not None and int(real) != int(planned):
                self.notes.append(f"the runner's {name} is {real}, the config's {planned}")

    def _apply_lr_scale(self, plan: Any) -> None:
        """The base LR at the run's auto_scale_lr factor (replacing the plan's note on it when it differs)."""
        facts, opt = self.facts, plan.optimizer
        scale = facts.lr_scale if facts.lr_scale is not None else 1.0
        if not opt.lr_scale:
            return
        base = opt.lr / opt.lr_scale
        if abs(scale - opt.lr_scale) > 1e-12 * max(1.0, scale):
            plan.notes = [n for n in plan.notes if not n.startswith("auto_scale_lr enabled")]
            if facts.lr_scale is not None:
                plan.notes.append(f"auto_scale_lr at run time: lr x{scale:g} ({facts.lr_scale_text})")
        opt.lr = base * scale
        opt.lr_scale = scale
        opt.lr_scale_source = facts.lr_scale_text if facts.lr_scale is not None else None

    def _apply_param_group(self, opt: Any, group: Dict[str, Any]) -> None:
        """The first param group's starting momentum (or beta1); a note when its LR is not the config's."""
        start = _number(group.get("initial_lr", group.get("lr")))
        if start is not None and opt.lr and abs(start - opt.lr) > 1e-6 * abs(opt.lr):
            self.notes.append(f"param group 0 starts at lr {start:g}, the config's base lr (scaled) is "
                              f"{opt.lr:g} (paramwise_cfg or a custom optimizer constructor)")
        momentum = _number(group.get("initial_momentum", group.get("momentum")))
        betas = group.get("betas")
        if opt.momentum_kind == "momentum" and momentum is not None:
            opt.momentum = momentum
        elif opt.momentum_kind == "beta1" and isinstance(betas, (list, tuple)) and len(betas) == 2:
            beta1 = _number(group.get("initial_momentum", betas[0]))
            opt.betas = (beta1 if beta1 is not None else float(betas[0]), float(betas[1]))

    def _compare_schedulers(self, plan: Any) -> None:
        built = self.facts.schedulers
        if plan.generation == "mmcv":
            from schedlint.plan.mmcv import hook_name

            planned_hooks = sorted(hook_name(p.param, p.policy) for p in plan.legacy)
            real_hooks = sorted(str(b.get("type")) for b in built)
            if planned_hooks != real_hooks:
                self.notes.append(f"the runner has {', '.join(real_hooks) or 'no updater hook'}; the config plans "
                                  f"{', '.join(planned_hooks) or 'none'}")
            return
        if not built:
            return
        planned = plan.schedulers
        if len(built) != len(planned):
            self.notes.append(f"the runner built {len(built)} schedulers, the config lists {len(planned)}")
            return
        for s, b in zip(planned, built):
            kind = str(b.get("type", ""))
            if kind and kind != s.type:
                self.notes.append(f"scheduler {s.index}: the runner built {kind}, the config says {s.type}")
                continue
            for key in ("begin", "end"):
                real = _number(b.get(key))
                if real is not None and abs(real - float(getattr(s, key))) > 0.5:
                    self.notes.append(f"scheduler {s.index} ({s.type}): the runner's {key} is {real:g}, "
                                      f"schedlint's {getattr(s, key):g}")

    def failing(self) -> List[Finding]:
        """The findings at or above `fail_on` (none when `fail_on` is None)."""
        if self.fail_on is None:
            return []
        floor = _SEVERITY_RANK[self.fail_on]
        # a crash of schedlint itself (SL999) is reported, never a reason to stop someone's training
        return [f for f in self.findings
                if _SEVERITY_RANK.get(f.severity.value, 0) >= floor and f.code != INTERNAL_ERROR]

    def failure(self) -> Optional[ScheduleFailure]:
        """The exception strict mode raises before the first iteration, or None."""
        bad = self.failing()
        if not bad:
            return None
        self.status = "stopped"
        what = "error" if self.fail_on == "error" else f"{self.fail_on}-or-worse"
        lines = [f"schedlint stopped training before the first iteration: {len(bad)} {what} finding"
                 f"{'s' if len(bad) != 1 else ''} in the schedule (fail_on={self.fail_on!r}):"]
        lines += ["  " + line for line in self.finding_lines(bad)]
        target = self.facts.config or "CONFIG"
        lines.append(f"Fix the config (`schedlint fix {target}`, details: `schedlint rule CODE`), or train anyway "
                     "with strict=False / fail_on=None.")
        return ScheduleFailure("\n".join(lines))

    @staticmethod
    def finding_lines(findings: List[Finding]) -> List[str]:
        """`path:line:col: CODE message` for each finding (the concise format of `schedlint check`)."""
        from schedlint.report import render_concise

        return render_concise(findings).splitlines() if findings else []

    def log_messages(self) -> List[Tuple[str, str]]:
        """(level, text) lines for the runner's logger: the facts used, each finding, a summary."""
        f = self.facts
        out: List[Tuple[str, str]] = []
        source = f.epoch_length_source.replace(" at run time", "")
        head = f"schedlint: checked {f.config or 'no config'} with the run's facts: {f.epoch_length} iterations per " \
               f"epoch ({source}), world size {f.world_size}"
        if f.batch_size:
            head += f", batch {f.batch_size} per rank"
        if f.lr_scale is not None:
            head += f", auto_scale_lr x{f.lr_scale:g}"
        if self.plan is not None:
            head += f", lr {self.plan.optimizer.lr:g}"
        out.append(("info", head))
        for note in f.notes + self.notes:
            out.append(("info", f"schedlint: note: {note}"))
        for finding, line in zip(self.findings, self.finding_lines(self.findings)):
            out.append(("warning" if finding.severity != Severity.INFO else "info", f"schedlint: {line}"))
        by: Dict[str, int] = {}
        for finding in self.findings:
            by[finding.severity.value] = by.get(finding.severity.value, 0) + 1
        if self.findings:
            parts = ", ".join(f"{by[s]} {s}{'s' if by[s] != 1 else ''}" for s in ("error", "warning", "info") if s in by)
            out.append(("warning", f"schedlint: {len(self.findings)} finding{'s' if len(self.findings) != 1 else ''} "
                                   f"({parts}); details: schedlint rule CODE"))
        else:
            out.append(("info", "schedlint: the schedule passes every check"))
        return out

    # -- during training ------------------------------------------------------------------------

    def record(self, iteration: int, loss: Any, lr: Any = None, momentum: Any = None) -> None:
        """One training iteration's logged loss (global 0-based iteration); lr/momentum when at hand."""
        value = _number(loss)
        if value is None and loss is not None:
            try:
                value = float(loss)  # nan/inf: a divergence is a rebound too
            except (TypeError, ValueError):
                return
        if value is None:
            return
        self._iters.append(float(iteration + 1))  # logged like mmengine: the iteration just completed
        self._losses.append(value)
        if lr is not None:
            self._last_lr = _number(lr)
        if momentum is not None:
            self._last_momentum = _number(momentum)

    def record_val(self, step: float, metrics: Dict[str, Any]) -> None:
        """Validation results at an epoch (or iteration, for iteration-based loops)."""
        values = {str(k): _number(v) for k, v in (metrics or {}).items() if _number(v) is not None}
        if values:
            self.validation.append({"step": step, "metrics": values})

    def poll(self, iteration: int) -> Optional[Dict[str, Any]]:
        """Look for a loss rebound in what was recorded up to `iteration`; the warning, the first time only."""
        import numpy as np

        new = self._losses[self._since:]
        if len(new):
            point = {"iter": int(iteration) + 1, "loss": float(np.mean(np.asarray(new)))}
            if self._last_lr is not None:
                point["lr"] = self._last_lr
                self._check_lr(int(iteration), self._last_lr)
            if self._last_momentum is not None:
                point["momentum"] = self._last_momentum
            self.observed.append(point)
            self._since = len(self._losses)
        if self.warnings or len(self._losses) < 12:
            return None
        from schedlint.runs.diagnose import find_rebound

        loop_epochs = self.facts.loop == "epoch"
        rebound = find_rebound(np.asarray(self._iters), np.asarray(self._losses),
                               self.facts.epoch_length if loop_epochs else None)
        if rebound is None:
            return None
        found = rebound.to_json()
        found["detected_at_iter"] = int(iteration) + 1
        if loop_epochs:
            found["detected_at_epoch"] = round((int(iteration) + 1) / self.facts.epoch_length, 3)
        causes = self._explaining(rebound.iter)
        if self.rebound is None:
            self.rebound = dict(found, explained=bool(causes))
        if not causes:
            return None
        warning = dict(found, message=self._warning_text(rebound, causes), causes=[c.to_json(self.plan) for c in causes],
                       codes=sorted({code for c in causes for code in c.codes}), fix=self._fix_text(causes))
        self.rebound = dict(found, explained=True)
        self.warnings.append(warning)
        return warning

    def _check_lr(self, iteration: int, lr: float) -> None:
        """Note (once) when the runner's LR is not the simulated one: the plan misses something."""
        values = None if self.curve is None else self.curve.series("lr")
        if self._mismatch_noted or values is None or not len(values):
            return
        sim = float(values[min(max(iteration, 0), len(values) - 1)])
        if abs(lr - sim) > 0.05 * max(abs(lr), abs(sim), 1e-30):
            self._mismatch_noted = True
            self.notes.append(f"at iteration {iteration} the runner's LR is {lr:.6g}, the simulated {sim:.6g}: "
                              "the checks may not describe this run exactly")

    def _explaining(self, at: int) -> List[Any]:
        total = self.plan.horizon.total_iters if self.plan is not None else 0
        tolerance = max(self.facts.epoch_length if self.facts.loop == "epoch" else 0, 0.1 * max(total, 1))
        out = []
        for e in self.events:
            if e.kind not in EXPLAINING_KINDS or not (e.notable or e.codes):
                continue
            covers = e.stop is not None and e.start <= at <= e.stop
            if covers or abs(e.start - at) <= tolerance:
                out.append(e)
        return out

    def _where(self, iteration: float) -> str:
        if self.facts.loop == "epoch" and self.facts.epoch_length:
            epoch = iteration / self.facts.epoch_length
            text = f"{epoch:g}" if abs(epoch - round(epoch)) < 1e-9 else f"{epoch:.1f}"
            return f"epoch {text} (iteration {int(iteration)})"
        return f"iteration {int(iteration)}"

    def _warning_text(self, rebound: Any, causes: List[Any]) -> str:
        if rebound.diverged:
            head = f"the training loss became nan/inf at {self._where(rebound.iter)}"
        else:
            head = (f"the training loss turns up at {self._where(rebound.iter)}: from {rebound.loss_min:.4g} it has "
                    f"risen to {rebound.loss_end:.4g} (+{rebound.rise_pct:.0f}%)")
        why = "; ".join(c.short or c.message for c in causes)
        codes = sorted({code for c in causes for code in c.codes})
        text = f"schedlint: {head}. The schedule explains it: {why}"
        if codes:
            named = [f for f in self.findings if f.code in codes]
            text += " (" + "; ".join(f"{f.code} {f.name}" for f in named[:3]) + ")"
        val = self._validation_text()
        return text + (f"; {val}" if val else "") + f". Fix: {self._fix_text(causes)}"

    def _validation_text(self) -> str:
        """The latest validation result against the first one, for the warning (no verdict on it)."""
        if not self.validation:
            return ""
        metric = next(iter(self.validation[-1]["metrics"]))
        seen = [(v["step"], v["metrics"][metric]) for v in self.validation if metric in v["metrics"]]
        unit = "epoch" if self.facts.loop == "epoch" else "iteration"
        (s0, v0), (s1, v1) = seen[0], seen[-1]
        return f"validation {metric} {v0:.4g} at {unit} {position_text(s0)}, {v1:.4g} at {unit} {position_text(s1)}"

    def _fix_text(self, causes: List[Any]) -> str:
        codes = {code for c in causes for code in c.codes}
        target = self.facts.config or "CONFIG"
        if codes & _RESCALE_CODES:
            if self.plan.generation == "mmengine":
                return f"`schedlint fix --rescale {target}`, then restart"
            # (`fix --rescale` rewrites param_scheduler; an mmcv lr_config is changed by hand)
            return (f"make the schedule span the training length (see `schedlint rule {min(codes & _RESCALE_CODES)}`), "
                    "then restart")
        if codes:
            return f"`schedlint fix {target}` (see `schedlint rule {sorted(codes)[0]}`), then restart"
        return _EVENT_FIX.get(causes[0].kind, "check the schedule") + "; then restart"

    # -- the report -----------------------------------------------------------------------------

    def to_json(self) -> Dict[str, Any]:
        """Everything `schedlint.json` holds."""
        from schedlint import __version__
        from schedlint.report import finding_to_json

        plan = None
        if self.plan is not None:
            h, o = self.plan.horizon, self.plan.optimizer
            plan = {"generation": self.plan.generation, "loop": h.loop, "max_epochs": h.max_epochs,
                    "max_iters": h.max_iters, "epoch_length": h.epoch_length, "total_iters": h.total_iters,
                    "epoch_length_source": h.epoch_length_source, "optimizer": o.type, "lr": o.lr,
                    "lr_scale": o.lr_scale, "momentum": o.momentum, "betas": o.betas, "notes": list(self.plan.notes)}
        return jsonable({
            "schedlint": __version__,
            "status": self.status,
            "facts": self.facts.to_json(),
            "plan": plan,
            "findings": [finding_to_json(f) for f in self.findings],
            "fail_on": self.fail_on,
            "events": [e.to_json(self.plan) for e in self.events],
            "warnings": self.warnings,
            "rebound": self.rebound,
            "observed": self.observed,
            "validation": self.validation,
            "notes": self.notes,
        })

    def write(self, folder: str, plot: Optional[Callable[[Any, str], Any]] = None) -> Dict[str, Optional[str]]:
        """Write `schedlint.json` (and, with a `plot` function, `schedlint_schedule.png`) into `folder`."""
        os.makedirs(folder, exist_ok=True)
        written: Dict[str, Optional[str]] = {"json": None, "png": None}
        if plot is not None and self.plan is not None:
            target = os.path.join(folder, PLOT_NAME)
            try:
                plot(self.view(), target)
                written["png"] = target
            except Exception as exc:  # matplotlib missing or a drawing problem: the json still says so
                note = f"{PLOT_NAME} not written ({type(exc).__name__}: {exc})"
                if note not in self.notes:
                    self.notes.append(note)
            plot = None
        path = os.path.join(folder, REPORT_NAME)
        write_atomic_text(path, json.dumps(self.to_json(), indent=2) + "\n")
        written["json"] = path
        return written

    def view(self) -> Any:
        """The schedule as `schedlint.views.plot.render_plot` draws it (plan, curve, phases, events, findings)."""
        from types import SimpleNamespace

        from schedlint.runs.events import phases

        return SimpleNamespace(path=self.facts.config or "run", plan=self.plan, curve=self.curve,
                               phases=phases(self.plan, self.curve), events=self.events, findings=self.findings)
