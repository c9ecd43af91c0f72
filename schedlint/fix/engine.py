"""The library behind `schedlint fix`: find fixable findings, place each fix, check it in memory,
write the files atomically. Returns data and prints nothing.

Safety: every candidate edit is applied to an in-memory copy of the files; the configs it can
change (the config being fixed, the edited files, every config inheriting an edited file) are
re-resolved and re-linted from that copy. The edit is kept only if everything still resolves, the
findings it answers are gone, no new error appears anywhere, and no other config's schedule
changes unless that config needed the same fix. A shared `_base_` file is edited only when it lies
under the given paths and the edit is right for every config that inherits it; otherwise the fix
becomes an override in the config being fixed.
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from schedlint.lint.engine import CheckResult, Linter, UsageError, discover, merge_findings, project_root
from schedlint.lint.inherit import Inheritance
from schedlint.lint.columns import in_characters
from schedlint.fix import attach_fixes
from schedlint.fix.place import Placement, placements
from schedlint.fix.propose import FixOptions, HorizonCache, fix_message, installed_file, transforms_for
from schedlint.fix.render import unified_diff
from schedlint.fix.transforms import Transform
from schedlint.model import Finding
from schedlint.lint.settings import Settings

MAX_ROUNDS = 4  # passes over all configs (a fix in a base can enable another one)
MAX_FIXES_PER_CONFIG = 8


@dataclass
class AppliedFix:
    """One fix that was written (or, with --diff, would be)."""

    config: str
    codes: List[str]
    kind: str
    applicability: str
    message: str
    files: List[str]
    count: int = 1  # findings it answers
    not_chosen: List[str] = field(default_factory=list)  # better placements that were refused, and why


@dataclass
class RefusedFix:
    """A fix that was computed but not applied, and why."""

    config: str
    codes: List[str]
    kind: str
    reason: str


@dataclass
class FileChange:
    """A file's text before and after fixing (and what is needed to write it back)."""

    path: str
    old: str
    new: str
    bom: bool = False
    mtime_ns: Optional[int] = None

    def diff(self) -> str:
        """A unified diff of the change."""
        return unified_diff(self.path, self.old, self.new, os.path.relpath(self.path))


@dataclass
class FixSession:
    """What repeated fix runs over files that do not change share: `loader` (of the files on disk,
    with the resolved configs to reuse), the lints it made (`seeds`: path -> (findings, rules
    context)), the configs inheriting each file; `remaining=False` skips computing what is left."""

    loader: Any
    seeds: Dict[str, Tuple[List[Finding], Any]] = field(default_factory=dict)
    dependents: Dict[str, List[str]] = field(default_factory=dict)
    remaining: bool = False
    # the direct bases of each file asked about (`schedlint.lint.inherit.Inheritance`, of `loader`)
    inheritance: Any = None


@dataclass
class FixResult:
    """What `fix_paths` did: the changed files, the fixes applied and refused, what remains."""

    changes: Dict[str, FileChange] = field(default_factory=dict)
    applied: List[AppliedFix] = field(default_factory=list)
    refused: List[RefusedFix] = field(default_factory=list)
    remaining: CheckResult = field(default_factory=CheckResult)
    written: List[str] = field(default_factory=list)
    write_errors: List[str] = field(default_factory=list)
    internal_errors: List[str] = field(default_factory=list)

    @property
    def diff(self) -> str:
        """Unified diffs of every changed file."""
        return "".join(c.diff() for _, c in sorted(self.changes.items()))


class _Env:
    """Collects what `Linter.lint_file` saw of each config (its rules context)."""

    def __init__(self) -> None:
        self.contexts: Dict[str, Any] = {}

    def record(self, ctx: Any, findings: List[Finding]) -> None:
        """Keep the rules context of a config just linted."""
        self.contexts[ctx.resolved.filename] = ctx


@dataclass
class _Lint:
    findings: List[Finding]
    ctx: Any  # rules Context, or None (not a training config / not loadable)

    @property
    def loaded(self) -> bool:
        """Whether the config resolved (no SL9xx finding)."""
        return not any(f.code.startswith("SL9") for f in self.findings)

    def errors(self, wanted: Callable[[Finding], bool]) -> Counter:
        """Codes (with counts) of the findings of any severity the user asked for."""
        return Counter(f.code for f in self.findings if wanted(f))

    def count(self, codes: List[str]) -> int:
        """How many findings have one of these codes."""
        return sum(1 for f in self.findings if f.code in codes)

    def schedule(self) -> Any:
        """What training will do: horizon and schedulers as built (to tell whether an edit changed it)."""
        if self.ctx is None:
            return None
        plan = self.ctx.plan
        return (
            plan.horizon.model_dump(exclude={"locs"}),
            plan.optimizer.model_dump(exclude={"locs"}),
            [(s.type, s.begin, s.end, repr(sorted(s.args.items())), s.by_epoch) for s in plan.schedulers],
        )


class _Workspace:
    """File texts (on disk, or edited in memory) and lint results per version of those texts."""

    def __init__(self, settings: Settings, loader: Any = None) -> None:
        self.settings = settings
        self.overlay: Dict[str, str] = {}
        self.disk: Dict[str, Tuple[str, bool, int]] = {}  # path -> (text, had BOM, mtime_ns)
        self.version = 0
        self.counter = 0  # versions handed out to candidate overlays
        self._linters: Dict[int, Tuple[Linter, _Env]] = {}
        self._lints: Dict[Tuple[int, str], _Lint] = {}
        # the files on disk: `_base_` references (edits never touch them), and the resolved configs each
        # version's loader reuses when their files are not edited (a caller's loader, if it has one)
        self.base_loader = loader if loader is not None else Linter(settings).loader

    def read_disk(self, path: str) -> str:
        """The file's text on disk when first read (with its BOM and mtime remembered)."""
        path = os.path.abspath(path)
        if path not in self.disk:
            from schedlint.loader import decode, read_bytes  # same reading and decoding as the loader

            st = os.stat(path)
            data = read_bytes(path)  # refuses FIFOs, devices and oversized files (LoadProblem)
            self.disk[path] = (decode(path, data), data.startswith(b"\xef\xbb\xbf"), st.st_mtime_ns)
        return self.disk[path][0]

    def text(self, path: str, overlay: Optional[Dict[str, str]] = None) -> str:
        """A file's text as currently fixed (or in a candidate overlay)."""
        path = os.path.abspath(path)
        overlay = self.overlay if overlay is None else overlay
        if path in overlay:
            return overlay[path]
        return self.read_disk(path)

    def _linter(self, version: int, overlay: Dict[str, str]) -> Tuple[Linter, _Env]:
        if version not in self._linters:
            from schedlint.loader import Loader

            linter = Linter(self.settings, on_file=attach_fixes)
            linter.char_columns = False  # findings are matched to provenance (ast columns); see _remaining
            linter.loader = self.base_loader if not overlay else Loader(
                scope_roots=self.settings.scope_roots, allow_exec=self.settings.allow_exec, overrides=overlay,
                parent=self.base_loader, unread=self.base_loader.unread,
            )
            env = _Env()
            linter.fix_env = env  # type: ignore[attr-defined]
            if len(self._linters) > 8:
                self._linters.pop(next(iter(self._linters)))
            self._linters[version] = (linter, env)
        return self._linters[version]

    def lint(self, path: str, overlay: Optional[Dict[str, str]] = None, version: Optional[int] = None) -> _Lint:
        """Findings (unfiltered) and rules context of one config, for the current or a candidate overlay."""
        if overlay is None:
            overlay, version = self.overlay, self.version
        key = (version, path)
        if key not in self._lints:
            linter, env = self._linter(version, overlay)
            findings = linter.lint_file(path)
            self._lints[key] = _Lint(findings, env.contexts.get(os.path.abspath(path)))
        return self._lints[key]

    def candidate(self) -> int:
        """A fresh version number for a candidate overlay."""
        self.counter += 1
        return self.counter

    def discard(self, version: int) -> None:
        """Forget what was linted for a refused candidate."""
        self._lints = {k: v for k, v in self._lints.items() if k[0] != version}
        self._linters.pop(version, None)

    def commit(self, overlay: Dict[str, str], version: int, affected: List[str]) -> None:
        """Make a candidate overlay current; configs outside `affected` keep their lint results
        (their files are unchanged)."""
        changed = set(affected)
        kept = {(version, p): v for (ver, p), v in self._lints.items() if ver == self.version and p not in changed}
        self._lints = {k: v for k, v in self._lints.items() if k[0] == version}
        self._lints.update(kept)
        self.overlay = overlay
        self.version = version


def fix_paths(
    paths: List[str],
    settings: Optional[Settings] = None,
    options: Optional[FixOptions] = None,
    write: bool = True,
    progress: Optional[Callable[[str], None]] = None,
    universe: Optional[List[str]] = None,
    session: Optional["FixSession"] = None,
) -> FixResult:
    """Fix the configs under `paths` (and check the configs that inherit them).

    With `write=False` nothing is written (`--diff`): `FixResult.changes` holds what would change.
    `universe` (the project's configs, discovered when None) lets repeated calls share one scan;
    a `session` lets them share what they read of the unchanged files (`check` attaches many fixes).
    Raises UsageError for paths that do not exist.
    """
    from schedlint.lint.engine import config_test

    settings = settings or Settings()
    options = options or FixOptions()
    paths = list(paths)
    files = discover(paths, settings)
    ws = _Workspace(settings, session.loader if session is not None else None)
    if session is not None:
        for path, (findings, ctx) in session.seeds.items():  # lints the caller made of unchanged files
            ws._lints[(0, path)] = _Lint([_fresh(f, path) for f in findings], ctx)
    passed_files = {os.path.abspath(p) for p in paths if os.path.isfile(p)}
    passed_dirs = [os.path.abspath(p) for p in paths if os.path.isdir(p)]

    def editable(path: str) -> bool:
        """Given (or under a given folder), and not part of an installed package."""
        path = os.path.abspath(path)
        if installed_file(path) or not os.path.isfile(path):
            return False
        return path in passed_files or any(path.startswith(d.rstrip(os.sep) + os.sep) for d in passed_dirs)

    root = project_root(paths) if paths else os.getcwd()
    if universe is None:  # every .py file of the project (to find the configs inheriting an edited file)
        universe = sorted(set(discover([root], settings, configs_only=False)) | set(files)) if root != os.sep \
            else list(files)
    else:
        universe = sorted(set(universe) | set(files))
    is_config = config_test(given=files)
    result = FixResult()
    fixer = _Fixer(ws, settings, options, editable, universe, result, is_config)
    if session is not None:
        fixer._dependents = session.dependents
        if session.inheritance is None:
            session.inheritance = fixer.inheritance
        fixer.inheritance = session.inheritance
    configs = list(files)
    if settings.dependents and passed_files:
        # (the fixer's inheritance, a session's when there is one: what it learns serves the fixes' checks too)
        found = fixer.inheritance.dependents(sorted(passed_files), universe, keep=is_config)
        configs = sorted(set(configs) | set(found))
    pending = _bases_first(ws, configs)
    for _ in range(MAX_ROUNDS):
        fixer.touched = set()
        for path in pending:
            if progress is not None:
                progress(path)
            try:
                fixer.fix_config(path)
            except Exception as exc:  # a bug in schedlint: report it, go on with the other files
                result.internal_errors.append(f"{path}: internal error: {type(exc).__name__}: {exc}")
        # another round only for the configs an applied fix touched (a base edit can enable more)
        pending = [p for p in configs if p in fixer.touched]
        if not pending:
            break
    for path, text in sorted(ws.overlay.items()):
        original, bom, mtime = ws.disk[path]
        if text != original:
            result.changes[path] = FileChange(path, original, text, bom, mtime)
    if session is None or session.remaining:
        result.remaining = _remaining(ws, configs, settings)
    # a refusal is reported only while its findings remain (another fix, e.g. in a shared base
    # or an inherited fixed config, may have answered them since)
    left = {(os.path.abspath(f.location.file), f.code) for f in result.remaining.findings}
    left |= {(os.path.abspath(c), f.code) for f in result.remaining.findings for c in f.configs}
    result.refused = [r for r in result.refused if any((os.path.abspath(r.config), c) in left for c in r.codes)]
    if write:
        _write(result)
    return result


def _fresh(finding: Finding, path: str) -> Finding:
    """A copy of a finding as `lint_file` returns it (no fix attached yet)."""
    out = copy.copy(finding)
    out.fix = None
    out.configs = [path]
    return out


def _keys(findings: List[Finding], codes: List[str]) -> set:
    """Findings of these codes as `check` merges them (code, place, message)."""
    return {f.merge_key() for f in findings if f.code in codes}


def _bases_first(ws: "_Workspace", configs: List[str]) -> List[str]:
    """Configs inherited by others first: a fix in an inherited config fixes those inheriting it
    too, instead of one override per inheriting config."""
    chains: Dict[str, int] = {}
    for path in configs:
        try:
            ctx = ws.lint(path).ctx
        except Exception:  # reported when the config itself is fixed
            ctx = None
        chains[path] = len(ctx.resolved.chain) if ctx is not None else 0
    return sorted(configs, key=lambda p: (chains[p], p))


def _write(result: FixResult) -> None:
    from schedlint.fix.fileio import FileChangedError, WriteError, write_atomic

    for path, change in sorted(result.changes.items()):
        data = ("\ufeff" if change.bom else "") + change.new
        try:
            write_atomic(path, data, expect_mtime_ns=change.mtime_ns)  # follows symlinks to the target
        except (FileChangedError, WriteError) as exc:
            result.write_errors.append(str(exc))
        except OSError as exc:
            result.write_errors.append(f"{path}: cannot write: {exc.strerror or exc}")
        else:
            result.written.append(path)


def _remaining(ws: _Workspace, configs: List[str], settings: Settings) -> CheckResult:
    """The findings left after fixing, filtered like `check` filters them."""
    out = CheckResult(files=list(configs))
    kept: List[Finding] = []
    linter, _ = ws._linter(ws.version, ws.overlay)
    from schedlint.fix.propose import attach

    for path in configs:
        try:
            lint = ws.lint(path)
        except Exception as exc:
            out.internal_errors.append(f"{path}: internal error: {type(exc).__name__}: {exc}")
            continue
        if lint.ctx is not None:
            try:
                attach(lint.findings, lint.ctx, linter.loader)  # what is still fixable (with options)
            except Exception:  # showing a fix is a courtesy; never lose the finding over it
                pass
        kept.extend(_selected(lint.findings, ws.text, settings))
    out.findings = merge_findings(kept)
    in_characters(out.findings, ws.text)  # as `check` reports them
    return out


def _selected(findings: List[Finding], read_text: Callable[[str], str], settings: Settings) -> List[Finding]:
    """The findings `check` would report: selected codes, no per-file ignore, no `noqa`."""
    from schedlint.rules import all_rules
    from schedlint.lint.suppress import Suppressions

    codes = list(all_rules()) + sorted({f.code for f in findings} - set(all_rules()))
    enabled = set(settings.enabled_codes(codes))
    suppressions = Suppressions(read_text)
    return [
        f for f in findings
        if f.code in enabled and not settings.ignored_for(f.code, [f.location.file] + f.configs)
        and not suppressions.is_suppressed(f)
    ]


class _Fixer:
    def __init__(self, ws: _Workspace, settings: Settings, options: FixOptions, editable: Callable[[str], bool],
                 universe: List[str], result: FixResult, is_config: Optional[Callable[[str], bool]] = None) -> None:
        self.ws = ws
        self.is_config = is_config or (lambda path: True)
        self.settings = settings
        self.options = options
        self.editable = editable
        self.universe = universe
        self.result = result
        self.horizons = HorizonCache(ws.base_loader)
        self._dependents: Dict[str, List[str]] = {}
        # the direct bases of the files asked about (shared by a session)
        self.inheritance = Inheritance(ws.base_loader)
        self._universe_set = set(universe)
        self._refused_keys: set = set()
        self.touched: set = set()  # configs an applied fix may have changed (this round)
        self.last_affected: List[str] = []
        self.last_fixed = 0
        from schedlint.rules import all_rules

        self._enabled = set(settings.enabled_codes(list(all_rules())))

    def wanted(self, finding: Finding) -> bool:
        """Whether the user asked for this finding (selection and per-file ignores; a rule the user
        turned off cannot veto a fix)."""
        return (finding.code in self._enabled or finding.code.startswith("SL9")) and not self.settings.ignored_for(
            finding.code, [finding.location.file] + finding.configs
        )

    def dependents_of(self, path: str) -> List[str]:
        """Configs of the project that inherit `path`."""
        if path not in self._dependents:
            # the files of the project that may name `path` are asked, each once for all the files fixes edit
            self._dependents[path] = self.inheritance.dependents([path], self.universe, keep=self.is_config)
        return self._dependents[path]

    def fix_config(self, path: str) -> bool:
        """Apply every allowed fix to one config; True when something changed."""
        changed = False
        for _ in range(MAX_FIXES_PER_CONFIG):
            lint = self.ws.lint(path)
            if lint.ctx is None:
                return changed
            findings = _selected(lint.findings, self.ws.text, self.settings)
            if not findings:
                return changed
            transforms = [t for t in transforms_for(findings, lint.ctx, self.horizons, self.options)
                          if self.options.allows(t)]
            applied = False
            for transform in transforms:
                if self._try(path, lint, transform):
                    applied = changed = True
                    break
            if not applied:
                return changed
        return changed

    def _try(self, path: str, lint: _Lint, transform: Transform) -> bool:
        unbuilt: List[str] = []  # why a placement could not be built (said only when none could)
        reasons: List[str] = []  # why a built placement was refused
        built = False
        for placement in placements(lint.ctx, transform, self.ws.text, self.editable, unbuilt):
            built = True
            reason = self._verify(path, lint, transform, placement)
            if reason is None:
                self.result.applied.append(AppliedFix(
                    path, transform.codes, transform.kind, transform.applicability,
                    fix_message(transform, placement.description, applied=True), placement.files,
                    self.last_fixed or len(transform.findings), list(reasons),
                ))
                return True
            reasons.append(f"{placement.how}: {reason}")
        key = (path, transform.kind, tuple(transform.codes))
        if key not in self._refused_keys:
            self._refused_keys.add(key)
            why = "; ".join(reasons if built else unbuilt) or "nothing to write"
            self.result.refused.append(RefusedFix(path, transform.codes, transform.kind, why))
        return False

    def _verify(self, path: str, lint: _Lint, transform: Transform, placement: Placement) -> Optional[str]:
        """None when the placement is safe to keep (and it is then committed), else why not."""
        overlay = dict(self.ws.overlay)
        for file in placement.files:
            overlay[file] = placement.texts[file]
        version = self.ws.candidate()
        reason = self._check(path, transform, placement, overlay, version)
        if reason is None:
            self.ws.commit(overlay, version, self.last_affected)
            self.touched.update(self.last_affected)
        else:
            self.ws.discard(version)
        return reason

    def _check(self, path: str, transform: Transform, placement: Placement, overlay: Dict[str, str],
               version: int) -> Optional[str]:
        affected = [path]
        for file in placement.files:
            if file in self._universe_set and file not in affected and self.is_config(file):
                affected.append(file)
            for dep in self.dependents_of(file):
                if dep not in affected:
                    affected.append(dep)
        codes = transform.codes
        self.last_fixed = 0
        self.last_affected = affected
        gone: set = set()
        for config in affected:
            before = self.ws.lint(config)
            after = self.ws.lint(config, overlay, version)
            rel = os.path.relpath(config)
            if before.loaded and not after.loaded:
                problem = next(f for f in after.findings if f.code.startswith("SL9"))
                return f"{rel} would not load any more ({problem.code} {problem.message})"
            new_errors = after.errors(self.wanted) - before.errors(self.wanted)
            if new_errors:
                code = sorted(new_errors)[0]
                message = next(f.message for f in after.findings if f.code == code)
                return f"{rel} would get {code}: {message}"
            if config == path:
                targeted = Counter(f.code for f in transform.findings)
                for code, n in targeted.items():
                    if after.count([code]) > before.count([code]) - n:
                        left = next((f.message for f in after.findings if f.code == code), "")
                        return f"{code} would remain: {left}"
                if before.ctx is not None and after.ctx is not None:
                    from schedlint.fix.verify import check_curves

                    problem = check_curves(before.ctx, after.ctx, transform)
                    if problem:
                        return problem
            elif before.schedule() != after.schedule():
                if not (before.count(codes) and after.count(codes) < before.count(codes)):
                    return f"it would also change the schedule of {rel}, which does not need this fix"
                if after.ctx is not None:
                    from schedlint.fix.verify import duplicate_milestones

                    problem = duplicate_milestones(after.ctx)
                    if problem:
                        return f"{rel}: {problem}"
            gone |= _keys(before.findings, codes) - _keys(after.findings, codes)
        # counted like `check` counts: a finding of a shared base is one finding, whatever the configs
        self.last_fixed = len(gone)
        return None


__all__ = ["AppliedFix", "FileChange", "FixOptions", "FixResult", "RefusedFix", "UsageError", "fix_paths"]
