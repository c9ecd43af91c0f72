"""From findings to fixes: which transform answers which finding, and the `Fix` shown by `check`."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from schedlint.fix.transforms import (
    LENGTH_CODES,
    MOMENTUM_CODES,
    Transform,
    cosine_tmax,
    rescale,
    stale_end,
)
from schedlint.fix.cosine import cosine_swap
from schedlint.fix.momentum import momentum_repair
from schedlint.model import Finding, Fix

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.loader import Loader
    from schedlint.rules.base import Context


@dataclass
class FixOptions:
    """Which fixes `schedlint fix` may apply beyond the safe ones."""

    rescale: bool = False
    cosine: bool = False
    unsafe: bool = False

    def allows(self, transform: Transform) -> bool:
        """Whether `fix` may apply this transform with these options."""
        if transform.option == "--rescale":
            return self.rescale
        if transform.option == "--cosine":
            return self.cosine
        if transform.applicability == "unsafe":
            return self.unsafe
        return transform.applicability == "safe"


def installed_file(path: str) -> bool:
    """Whether a file belongs to an installed package (never edited)."""
    parts = os.path.abspath(path).split(os.sep)
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    for prefix in {sys.prefix, sys.base_prefix, getattr(sys, "exec_prefix", sys.prefix)}:
        lib = os.path.join(prefix, "lib")
        if os.path.abspath(path).startswith(lib + os.sep):
            return True
    return False


class HorizonCache:
    """What config files mean when resolved on their own: their training length, and the values
    a config inherits from its direct bases (to tell a copied stale value from a chosen one)."""

    def __init__(self, loader: "Loader") -> None:
        self.loader = loader
        self._cache: Dict[str, Optional[Tuple[str, float]]] = {}
        self._resolved: Dict[str, Any] = {}

    def __call__(self, path: str) -> Optional[Tuple[str, float]]:
        if path not in self._cache:
            self._cache[path] = self._compute(path)
        return self._cache[path]

    def _resolve(self, path: str) -> Any:
        from schedlint.loader import LoadProblem

        if path not in self._resolved:
            try:
                self._resolved[path] = self.loader.resolve(path)
            except (LoadProblem, OSError, RecursionError):
                self._resolved[path] = None
        return self._resolved[path]

    def inherited(self, bases: List[str], path: Tuple[Any, ...]) -> Optional[Tuple[Any, str]]:
        """The value at `path` in the first of `bases` (resolved on their own) that has one."""
        from schedlint.loader.values import plain

        for base in bases:
            resolved = self._resolve(base)
            if resolved is None:
                continue
            missing = object()
            value = resolved.get(*path, default=missing)
            if value is not missing:
                return plain(value), base
        return None

    def rescaled_for(self, path: str, line: int) -> Optional[Tuple[str, float]]:
        """The length a `param_scheduler` list around `line` was rescaled for by an earlier
        `fix --rescale` (its `# schedlint fix: ... rescaled from A to B epochs` comment), if any."""
        import re

        try:
            lines = self.loader.text(path).splitlines()
        except Exception:
            return None
        i = min(line, len(lines)) - 1
        while i >= 0 and not (lines[i][:1].strip() and not lines[i].startswith("#")):
            i -= 1
        if i <= 0 or not lines[i].startswith("param_scheduler"):
            return None
        found = re.search(r"rescaled from .*? to ([0-9.]+) (epochs|iterations)\s*$", lines[i - 1])
        if not lines[i - 1].startswith("# schedlint fix:") or found is None:
            return None
        value = float(found.group(1))
        return ("epoch" if found.group(2) == "epochs" else "iter"), int(value) if value.is_integer() else value

    def _compute(self, path: str) -> Optional[Tuple[str, float]]:
        resolved = self._resolve(path)
        if resolved is None:
            return None
        train_cfg = resolved.get("train_cfg")
        if not isinstance(train_cfg, dict):
            return None
        if "type" in train_cfg:
            loop = "iter" if "IterBased" in str(train_cfg.get("type")) else "epoch"
        else:
            loop = "epoch" if train_cfg.get("by_epoch", True) else "iter"
        value = train_cfg.get("max_epochs" if loop == "epoch" else "max_iters")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            return None
        return loop, value


def transforms_for(findings: List[Finding], ctx: "Context", horizon_of: Callable, options: FixOptions,
                   display: bool = False) -> List[Transform]:
    """The transforms answering `findings` of one config, in the order `fix` tries them: the
    opt-in rewrites first (they answer several findings at once), then one fix per finding."""
    out: List[Transform] = []
    # a length the config means but does not get (SL015: a helper bound again after the base computed
    # max_iters from it) is fixed at that helper: stretching the schedule to the stale length is wrong
    length = [] if _stale_length(ctx) else [f for f in findings if f.code in LENGTH_CODES]
    ends = {id(f): stale_end(ctx, f) for f in findings if f.code == "SL001"}
    if length and options.cosine:
        # a step decay whose milestones fit once its `end` is extended keeps its steps (the safe fix)
        t = cosine_swap(ctx, length, keep={i for e in ends.values() if e is not None for i in e.changes})
        if t is not None:
            out.append(t)
    if length and (options.rescale or display):
        t = rescale(ctx, length, horizon_of)
        if t is not None:
            out.append(t)
    for f in findings:
        t: Optional[Transform] = None
        if f.code == "SL001":
            t = ends[id(f)]
        elif f.code in ("SL005", "SL006"):
            t = cosine_tmax(ctx, f)
        elif f.code in MOMENTUM_CODES:
            t = momentum_repair(ctx, f)
        if t is not None:
            out.append(t)
    return _merge_same_kind(out)


_LENGTH_PATHS = (("train_cfg", "max_epochs"), ("train_cfg", "max_iters"), ("runner", "max_epochs"),
                 ("runner", "max_iters"), ("total_epochs",))


def _stale_length(ctx: "Context") -> bool:
    """Whether the training length itself is a stale value (SL015)."""
    return any(tuple(v.path[:len(p)]) == p for v in ctx.resolved.stale for p in _LENGTH_PATHS)


def _merge_same_kind(transforms: List[Transform]) -> List[Transform]:
    """One transform per kind where their schedulers differ (e.g. T_max of the LR and of the
    momentum cosine), so that they are written, checked and reported together."""
    out: List[Transform] = []
    for t in transforms:
        same = next((o for o in out if o.kind == t.kind and o.option is None and t.option is None), None)
        if same is None or set(same.changes) & set(t.changes):
            if same is None or not any(f in same.findings for f in t.findings):
                out.append(t)
            continue
        same.changes.update(t.changes)
        same.findings.extend(f for f in t.findings if f not in same.findings)
        if t.summary not in same.summary:
            same.summary += "; " + t.summary
        indices = ", ".join(f"[{i}]" for i in sorted(same.changes))
        same.done = {
            "cosine-tmax": f"with T_max of param_scheduler{indices} set to their active ranges",
            "stale-end": f"with end of param_scheduler{indices} extended past their milestones",
        }.get(same.kind, same.done)
    return out


def fix_message(transform: Transform, where: str, applied: bool = False) -> str:
    """What a fix does, in one line: the summary, the changed values, where it is written."""
    notes = list(dict.fromkeys(transform.notes))
    shown = ", ".join(notes[:6]) + (f", and {len(notes) - 6} more" if len(notes) > 6 else "")
    text = f"{transform.summary} ({shown}); {where}"
    return Fix.needing(transform.option, text) if transform.option and not applied else text


def attach_verified(findings: List[Finding], ctx: "Context", settings: Any, loader: Any = None,
                    facts: Any = None) -> None:
    """Attach to each fixable finding the fix `schedlint fix CONFIG` writes (with the least
    option that fixes it: none, `--unsafe-fixes`, `--rescale`): the same engine, the same
    verification on the curve and on the configs inheriting it (one notion of "fixed"). The edits
    are everything that run writes; a finding that run cannot fix gets no fix. `facts`: the caller's
    findings cache, whose file facts tell which files of the project inherit which."""
    from schedlint.fix import fixable_codes

    leaf = ctx.resolved.filename
    if installed_file(leaf) or not os.path.isfile(leaf):
        return
    for flag, options in ((None, FixOptions()), ("--unsafe-fixes", FixOptions(unsafe=True)),
                          ("--rescale", FixOptions(rescale=True))):
        pending = [f.code for f in findings if f.fix is None and f.code in fixable_codes()]
        if not pending:
            return
        # a whole fix run per option is costly: skip the runs that cannot fix any pending finding (a rule
        # declares the least option its fix needs; the --rescale run may fix any, so it always runs)
        if flag != "--rescale":
            wanted = {"safe"} if flag is None else {"safe", "unsafe"}
            if not any(_applicability(code) in wanted for code in pending):
                continue
        _attach_run(findings, leaf, settings, options, flag, _session(loader, leaf, findings, ctx, facts))


def _applicability(code: str) -> Any:
    """The fix applicability a rule declares (None when it has no fix)."""
    from schedlint.rules import get_rule

    rule = get_rule(code)
    return getattr(rule, "fix_applicability", None)


_UNIVERSES: Dict[str, List[str]] = {}


def _universe(leaf: str) -> List[str]:
    """The .py files of the project of `leaf` (`fix_paths` tests the ones it needs for config shape),
    scanned once per process (check attaches many fixes)."""
    from schedlint.lint.engine import discover, project_root

    root = project_root([leaf])
    if root not in _UNIVERSES:
        _UNIVERSES[root] = sorted(discover([root], configs_only=False)) if root != os.sep else []
    return _UNIVERSES[root]


_SESSION: List[Any] = []  # [FixSession] of the caller's loader last seen


def _session(loader: Any, leaf: str, findings: List[Finding], ctx: "Context", facts: Any = None) -> Any:
    """The fix session shared by the fixes attached while `loader` (the caller's) reads the files:
    its resolved configs, the configs inheriting each file, and this config's lint are reused (and
    the file facts of the caller's findings cache `facts`, when it has one)."""
    from schedlint.fix.engine import FixSession
    from schedlint.lint.inherit import Inheritance

    if loader is None:
        return None
    if not _SESSION or _SESSION[0].loader is not loader:
        _SESSION[:] = [FixSession(loader, inheritance=Inheritance(loader, facts))]
    session = _SESSION[0]
    session.seeds = {leaf: (list(findings), ctx)}
    return session


def _attach_run(findings: List[Finding], leaf: str, settings: Any, options: FixOptions, flag: Optional[str],
                session: Any = None) -> None:
    from schedlint.fix.cst import text_edits
    from schedlint.fix.engine import fix_paths

    result = fix_paths([leaf], settings, options, write=False, universe=_universe(leaf), session=session)
    if not result.applied or not result.changes:
        return
    edits = [e for path, change in sorted(result.changes.items()) for e in text_edits(path, change.old, change.new)]
    by_code: Dict[str, Any] = {}
    for applied in result.applied:
        if os.path.abspath(applied.config) == os.path.abspath(leaf):
            for code in applied.codes:
                by_code.setdefault(code, applied)
    for f in findings:
        if f.fix is None and f.code in by_code:
            applied = by_code[f.code]
            text = Fix.needing(flag, applied.message) if flag == "--rescale" else applied.message
            f.fix = Fix(applied.applicability, text, list(edits))


def attach(findings: List[Finding], ctx: "Context", loader: "Loader", only_options: bool = False) -> None:
    """Attach to each fixable finding the fix `schedlint fix` would make for this config alone
    (edits in this config, or in place where the values are written in it). `only_options`:
    only the fixes that need an option of `fix` (`--rescale`, `--cosine`), shown as such."""
    from schedlint.fix.place import placements

    leaf = ctx.resolved.filename
    transforms = transforms_for(findings, ctx, HorizonCache(loader), FixOptions(), display=True)
    done = set()
    for transform in sorted(transforms, key=lambda t: t.option is not None):  # safe fixes win
        if only_options and transform.option is None:
            continue
        pending = [f for f in transform.findings if id(f) not in done and f.fix is None]
        if not pending:
            continue
        placement = next(placements(ctx, transform, loader.text, lambda p: p == leaf and not installed_file(p)), None)
        if placement is None:
            continue
        fix = Fix(transform.applicability, fix_message(transform, placement.description), list(placement.edits))
        for f in pending:
            f.fix = fix
            done.add(id(f))
