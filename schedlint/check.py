"""Lint configs: discover files, resolve each, build its plan, run the rules, merge the findings.

This is the library API behind `schedlint check`; it returns data and prints nothing.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from schedlint.loader import Loader, LoadProblem, ResolvedConfig, is_config_file
from schedlint.model import Finding, Location, Related, Severity
from schedlint.settings import Settings

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox", ".mypy_cache",
             ".pytest_cache", "build", "dist", "site-packages", ".eggs"}


class UsageError(Exception):
    """Bad input to the command itself (a path that does not exist, ...): exit code 2."""


@dataclass
class CheckResult:
    findings: List[Finding] = field(default_factory=list)
    files: List[str] = field(default_factory=list)  # config files linted
    internal_errors: List[str] = field(default_factory=list)


def discover(paths: Iterable[str]) -> List[str]:
    """Config files (.py) under the given files and directories, sorted, absolute."""
    found: List[str] = []
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or directory")
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    if name.endswith(".py") and name != "__init__.py":
                        found.append(os.path.abspath(os.path.join(root, name)))
        elif is_config_file(path):
            found.append(os.path.abspath(path))
        else:
            raise UsageError(f"{path}: not a config file (.py, .json, .yaml)")
    return sorted(dict.fromkeys(found))


def project_root(paths: Iterable[str]) -> str:
    """The folder to search for configs that inherit the given files: the nearest ancestor that
    holds a `configs` folder, a pyproject.toml or a .git, else the common parent."""
    absolute = [os.path.abspath(p) for p in paths]
    start = os.path.commonpath(absolute) if absolute else os.getcwd()
    if os.path.isfile(start):
        start = os.path.dirname(start)
    here = start
    while True:
        if any(os.path.exists(os.path.join(here, m)) for m in ("pyproject.toml", ".git", "schedlint.toml")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return start
        here = parent


def dependents(loader: Loader, files: List[str], universe: List[str]) -> List[str]:
    """Configs in `universe` that inherit (directly or not) any of `files`."""
    targets: Set[str] = set(files)
    inherits: Dict[str, List[str]] = {f: [p for p, _ in loader.base_references(f)] for f in universe}
    changed = True
    out: Set[str] = set()
    while changed:
        changed = False
        for f, bases in inherits.items():
            if f not in out and f not in targets and any(b in targets or b in out for b in bases):
                out.add(f)
                changed = True
    return sorted(out)


class Linter:
    """Lints configs with one loader (so shared bases are read once)."""

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings()
        self.loader = Loader(scope_roots=self.settings.scope_roots, allow_exec=self.settings.allow_exec)

    def epoch_length_for(self, path: str) -> Optional[int]:
        for pattern, length in self.settings.epoch_length_per_glob.items():
            if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(os.path.relpath(path), pattern):
                return length
        return self.settings.epoch_length

    def resolve(self, path: str) -> Tuple[Optional[ResolvedConfig], List[Finding]]:
        """Resolve one file; a load problem becomes a finding."""
        try:
            return self.loader.resolve(path), []
        except LoadProblem as problem:
            return None, [_load_finding(problem)]

    def lint_file(self, path: str) -> List[Finding]:
        """Every finding for one config file (not yet filtered by selection)."""
        from schedlint.rules import Context, all_rules

        resolved, findings = self.resolve(path)
        if resolved is None:
            return findings
        plan = build_any_plan(resolved, self.epoch_length_for(path))
        if plan is None:
            return findings
        ctx = Context(resolved, plan, self.settings)
        for rule in all_rules().values():
            if rule.generation not in ("any", plan.generation):
                continue
            findings.extend(rule.check(ctx))
        for f in findings:
            f.configs = [path]
        return findings


def build_any_plan(resolved: ResolvedConfig, epoch_length: Optional[int]):
    """The plan of an mmengine or mmcv-1.x config, or None when it is not a training config."""
    from schedlint.plan import build_plan, has_plan

    if has_plan(resolved):
        return build_plan(resolved, epoch_length)
    try:
        from schedlint.legacy import build_legacy_plan, has_legacy_plan
    except ImportError:  # pragma: no cover - legacy front-end not available
        return None
    if has_legacy_plan(resolved):
        return build_legacy_plan(resolved, epoch_length)
    return None


def _load_finding(problem: LoadProblem) -> Finding:
    from schedlint.rules import get_rule

    rule = get_rule(problem.code)
    return Finding(
        code=problem.code,
        name=rule.name if rule else "load-error",
        severity=rule.severity if rule else Severity.ERROR,
        message=problem.message,
        location=problem.location,
        related=[Related(loc, "part of the cycle") for loc in problem.related],
    )


def merge_findings(findings: Iterable[Finding]) -> List[Finding]:
    """One finding per (code, location, message); the configs it affects are collected."""
    merged: Dict[tuple, Finding] = {}
    for f in findings:
        key = (f.code, f.location.file, f.location.line, f.location.col, f.message)
        if key in merged:
            for c in f.configs:
                if c not in merged[key].configs:
                    merged[key].configs.append(c)
        else:
            merged[key] = f
    return sorted(merged.values(), key=lambda f: f.sort_key())


def check_paths(
    paths: Iterable[str],
    settings: Optional[Settings] = None,
    progress: Optional[Callable[[str], None]] = None,
) -> CheckResult:
    """Lint every config under `paths` (plus, if enabled, the configs that inherit them)."""
    from schedlint.rules import select_codes
    from schedlint.suppress import is_suppressed

    settings = settings or Settings()
    paths = list(paths)
    files = discover(paths)
    linter = Linter(settings)
    if settings.dependents and files:
        explicit_files = [p for p in paths if os.path.isfile(p)]
        if explicit_files:
            root = project_root(explicit_files)
            universe = discover([root]) if root != "/" else []
            files = sorted(set(files) | set(dependents(linter.loader, [os.path.abspath(p) for p in explicit_files], universe)))
    enabled = set(select_codes(settings.select, settings.ignore, settings.extend_select))
    result = CheckResult(files=files)
    raw: List[Finding] = []
    for path in files:
        if progress is not None:
            progress(path)
        try:
            raw.extend(linter.lint_file(path))
        except Exception as exc:  # a bug in schedlint: report it, go on with the other files
            result.internal_errors.append(f"{path}: internal error: {type(exc).__name__}: {exc}")
    kept = []
    for f in raw:
        if f.code not in enabled or _ignored_for_file(f, settings):
            continue
        if is_suppressed(linter.loader, f):
            continue
        kept.append(f)
    result.findings = merge_findings(kept)
    return result


def _ignored_for_file(finding: Finding, settings: Settings) -> bool:
    for pattern, codes in settings.per_file_ignores.items():
        for name in [finding.location.file] + finding.configs:
            rel = os.path.relpath(name)
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(name, pattern):
                if any(finding.code.startswith(c.upper()) or c.upper() == "ALL" for c in codes):
                    return True
    return False


__all__ = ["CheckResult", "Linter", "UsageError", "check_paths", "discover", "merge_findings", "Location"]
