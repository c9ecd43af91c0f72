"""What a rule is: one self-describing unit (code, name, severity, docs, examples, check)."""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Dict, Iterator, List, Optional, Union

from schedlint.model import Finding, Fix, Location, Related, Severity

if TYPE_CHECKING:  # pragma: no cover  (the plan models, pydantic, are imported where plans are built)
    from schedlint.loader import ResolvedConfig
    from schedlint.plan.model import Plan, Scheduler
    from schedlint.simulate import Curve


@dataclass
class Example:
    """A config (one file, or several with `config.py` the one checked) a rule is shown on.

    `expect` lists the codes expected on an INVALID example (the rule's own code when empty);
    `checked` names the file checked (`config.py` unless the rule reads file names);
    `fixed` is what `schedlint fix` should turn `config.py` into, where the rule has a fix.
    """

    files: Union[str, Dict[str, str]]
    epoch_length: Optional[int] = None
    fixed: Optional[Union[str, Dict[str, str]]] = None
    fix_options: List[str] = field(default_factory=list)
    note: str = ""
    checked: str = "config.py"  # the file checked, where the file name matters (SL012)

    def as_files(self) -> Dict[str, str]:
        files = {"config.py": self.files} if isinstance(self.files, str) else dict(self.files)
        return {name: textwrap.dedent(text).lstrip("\n") for name, text in files.items()}


def cfg(*parts: str) -> str:
    """An example config from parts, each dedented on its own (so shared snippets can be prepended)."""
    return "".join(textwrap.dedent(part).lstrip("\n") for part in parts)


class Context:
    """What a rule sees of one config: the resolved values, the plan and the simulated curve."""

    def __init__(self, resolved: "ResolvedConfig", plan: Optional[Plan], settings: Any) -> None:
        # `settings` is the lint engine's Settings (rules read `settings.thresholds`); not imported
        # here because rules never depend on the lint engine
        self.resolved = resolved
        self.plan = plan
        self.settings = settings
        self._curve: Optional["Curve"] = None

    @property
    def curve(self) -> "Curve":
        if self._curve is None:
            from schedlint.simulate import simulate

            self._curve = simulate(self.plan)
        return self._curve

    # -- positions and values in words ------------------------------------------------------

    @property
    def epoch_length(self) -> int:
        return self.plan.horizon.epoch_length

    @property
    def total_iters(self) -> int:
        return self.plan.horizon.total_iters

    def to_iter(self, position: float, by_epoch: bool) -> float:
        """A scheduler position (epoch or iteration) as a global iteration index."""
        if by_epoch:
            if self.plan.horizon.loop == "iter":
                return 0.0 if position <= 0 else float("inf")
            return position * self.epoch_length
        return position

    def where(self, iteration: float) -> str:
        """'epoch 20 (iteration 6200)' or 'iteration 40000' for a global iteration index; under an epoch loop the
        iteration is '~6200' on an estimated epoch length and left out on a bare default one."""
        it = int(iteration)
        if self.plan.horizon.loop == "iter":
            return f"iteration {it}"
        epoch = iteration / self.epoch_length
        epoch_text = f"{epoch:g}" if abs(epoch - round(epoch)) < 1e-9 else f"{epoch:.1f}"
        if self.epoch_length_is_guess:
            return f"epoch {epoch_text}"
        approx = "~" if self.plan.horizon.epoch_length_source.startswith("estimated") else ""
        return f"epoch {epoch_text} (iteration {approx}{it})"

    @property
    def horizon_text(self) -> str:
        h = self.plan.horizon
        if h.loop == "iter":
            return f"{h.max_iters} iterations"
        return f"{h.max_epochs} epochs"

    def horizon_related(self) -> List[Related]:
        """The line that set the training length, when it is in another file than the schedule."""
        h = self.plan.horizon
        loc = h.locs.get("max_iters" if h.loop == "iter" else "max_epochs") or h.locs.get("train_cfg")
        if loc is None:
            return []
        return [Related(loc, f"training length set here: {self.horizon_text}")]

    def horizon_related_if_elsewhere(self, location: Optional[Location]) -> List[Related]:
        related = self.horizon_related()
        if location is not None and related and related[0].location.file == location.file:
            return []
        return related

    def scheduler_loc(self, scheduler: Scheduler, *keys: str) -> Location:
        """The most specific location among `keys` of a scheduler (falls back to the scheduler itself)."""
        for key in keys:
            if key in scheduler.locs:
                return scheduler.locs[key]
        return scheduler.locs.get("self") or Location(self.plan.filename, 1)

    def describe(self, scheduler: Scheduler) -> str:
        return f"{scheduler.type} (param_scheduler[{scheduler.index}])"

    def unit(self, scheduler: Scheduler) -> str:
        return "epoch" if scheduler.by_epoch else "iteration"

    @property
    def epoch_length_is_guess(self) -> bool:
        """True when iterations per epoch are a bare default, not given nor estimated from data."""
        return self.plan.horizon.epoch_length_source.startswith("default")

    @property
    def gpus_are_assumed(self) -> bool:
        """True when the epoch length is estimated from the data on an assumed GPU count (none given, stated, named
        or implied): a factor of 8 either way, too loose to judge a share of the run by."""
        from schedlint.plan.datasets import GPUS_ASSUMED

        return GPUS_ASSUMED in self.plan.horizon.epoch_length_source

    @property
    def total_iters_is_guess(self) -> bool:
        """True when the number of training iterations rests on a bare default epoch length (an epoch loop, or
        an iteration loop counted in epochs), so a cadence in iterations cannot be judged against it."""
        h = self.plan.horizon
        return self.epoch_length_is_guess and (h.loop == "epoch" or h.iterations_from_epochs)

    def rests_on_epoch_length(self, scheduler: Scheduler) -> bool:
        """Whether holding the scheduler's window against the run's length depends on the iterations per
        epoch: one of them is counted in epochs (a converted scheduler: epochs times the epoch length), the
        other in iterations."""
        h = self.plan.horizon
        return (scheduler.by_epoch or scheduler.converted) != (h.loop == "epoch" or h.iterations_from_epochs)

    def guarded(self, severity: "Severity") -> "Severity":
        """An error whose verdict rests on a guessed epoch length is only a warning."""
        if severity == Severity.ERROR and self.epoch_length_is_guess:
            return Severity.WARNING
        return severity

    def epoch_length_note(self) -> str:
        """Said wherever a verdict depends on the iterations-per-epoch estimate."""
        h = self.plan.horizon
        if h.loop == "iter" and not h.iterations_from_epochs and not any(s.converted for s in self.plan.schedulers):
            return ""
        return f" [epoch length {self.epoch_length}: {self.plan.horizon.epoch_length_source}]"


def fmt(value: Optional[float]) -> str:
    """A learning rate or momentum in short form: 0.02, 2e-06, 0.95."""
    if value is None:
        return "n/a"
    if value == 0:
        return "0"
    if value != 1 and f"{value:.4g}" in ("1", "-1"):
        # a momentum/beta1 just below 1 must not read as exactly 1
        return f"{value:.10f}".rstrip("0")
    if abs(value) >= 1e-3 and abs(value) < 1e4:
        return f"{value:.4g}"
    return f"{value:.3g}"


class Rule:
    """Base class: subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    valid: ClassVar[List[Example]] = []
    invalid: ClassVar[List[Example]] = []
    generation: ClassVar[str] = "any"  # 'mmengine', 'mmcv' or 'any'
    #: the rule judges the schedule against the training length: not run when the config sets none (the plan
    #: assumes 1 epoch or iteration, a length nobody trains)
    needs_length: ClassVar[bool] = False
    #: the fix `schedlint fix` makes for this rule's findings, declared once (docs, `rule`, SARIF,
    #: `--statistics` and `fix` read it): None (no fix), 'safe' (applied by `fix`), 'unsafe' (needs
    #: `--unsafe-fixes`) or 'needs --rescale' (applied by `fix --rescale` / `fix --cosine`)
    fix_applicability: ClassVar[Optional[str]] = None

    #: derived from `fix_applicability` (never set by hand)
    fixable: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.fixable = cls.fix_applicability is not None

    @classmethod
    def applies_to(cls, plan: Any) -> bool:
        """Whether the rule judges this plan: its config generation, and a training length set by the config
        when the rule judges the schedule against it."""
        return cls.generation in ("any", plan.generation) and not (cls.needs_length and plan.horizon.length_assumed)

    @classmethod
    def fix_text(cls) -> str:
        """The fix availability in words, for docs, `rule` and SARIF."""
        return {
            None: "",
            "safe": "Fixable with `schedlint fix` (safe).",
            "unsafe": "Fixable with `schedlint fix --unsafe-fixes` (unsafe: review the change).",
            "needs --rescale": "Fixable with `schedlint fix --rescale` (or `--cosine`).",
        }.get(cls.fix_applicability, f"Fixable ({cls.fix_applicability}).")

    def check(self, ctx: Context) -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(
        self,
        message: str,
        location: Location,
        related: Optional[List[Related]] = None,
        fix: Optional[Fix] = None,
        severity: Optional[Severity] = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            location=location,
            related=related or [],
            fix=fix,
        )

    @classmethod
    def doc(cls) -> str:
        """The rule's explanation (what it detects, why it hurts, what to do)."""
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def describe(cls) -> Dict[str, Any]:
        return {
            "code": cls.code,
            "name": cls.name,
            "severity": cls.severity.value,
            "summary": cls.summary,
            "explanation": cls.doc(),
            "fixable": cls.fixable,
            "fix_applicability": cls.fix_applicability,
            "generation": cls.generation,
        }


class LoadRule(Rule):
    """SL9xx rules: produced by the loader, not by `check`; they exist for docs and selection."""

    def check(self, ctx: Context) -> Iterator[Finding]:
        return iter(())
