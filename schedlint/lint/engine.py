"""Lint configs: discover files, resolve each, build its plan, run the rules, merge the findings.

This is the library API behind `schedlint check`; it returns data and prints nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

from schedlint.lint.cache import FindingsCache
from schedlint.lint.columns import in_characters
from schedlint.lint.inherit import dependents, inheritance_index  # noqa: F401  (the engine's API)
from schedlint.lint.retention import Retention
from schedlint.lint.workers import Done, EarlyStart, Workers, jobs_for, load_linting
from schedlint.lint.workers import FILES_PER_WORKER, PARALLEL_MIN_FILES, default_workers  # noqa: F401  (API)
from schedlint.lint.shape import looks_like_config
from schedlint.lint.settings import Settings
from schedlint.loader import Loader, LoadProblem, ResolvedConfig, is_config_file
from schedlint.loader.detect import stray_tuples
from schedlint.loader.files import release_all_kept
from schedlint.model import Finding, Location, Related, Severity
from schedlint.rules import Context, all_rules, get_rule, rule_codes


def build_any_plan(resolved: ResolvedConfig, *args, **kwargs):
    """`schedlint.plan.build_any_plan` (imported on first use: a run whose findings all come from the
    cache never imports the plan models or pydantic)."""
    from schedlint.plan import build_any_plan as build

    return build(resolved, *args, **kwargs)


#: what `Linter(on_file=...)` is called with after the rules of one config have run
OnFile = Callable[[List[Finding], Context, "Linter"], None]

#: the code of a finding that reports a bug in schedlint itself (never suppressed, exit code 2)
INTERNAL_ERROR = "SL999"
HEAP_MIN_FILES = 64  # a run this long keeps large arrays out of the heap (`schedlint.lint.heap`)


def internal_finding(path: str, what: str, exc: BaseException) -> Finding:
    """A finding for a crash of schedlint itself while linting `path` (reported in every format)."""
    message = f"internal error in {what}: {type(exc).__name__}: {exc}"[:500]
    return Finding(code=INTERNAL_ERROR, name="internal-error", severity=Severity.ERROR,
                   message=message + " (a bug in schedlint; the other checks of this file still ran)",
                   location=Location(path, 1, 0), configs=[path])

SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".venv", "venv", "node_modules", ".tox", ".mypy_cache",
             ".pytest_cache", "build", "dist", "site-packages", ".eggs"}


class UsageError(Exception):
    """Bad input to the command itself (a path that does not exist, ...): exit code 2."""


@dataclass
class CheckResult:
    findings: List[Finding] = field(default_factory=list)
    files: List[str] = field(default_factory=list)  # config files linted
    internal_errors: List[str] = field(default_factory=list)
    dependents: List[str] = field(default_factory=list)  # files linted because they inherit a given one


def config_test(cache: Optional[FindingsCache] = None, given: Iterable[str] = ()) -> Callable[[str], bool]:
    """Whether a file is a config: the `given` files are (named by the user), the others by their shape
    (`looks_like_config`), each file asked once (and its verdict kept in the findings `cache` while the
    file is unchanged)."""
    named = {os.path.abspath(p) for p in given}
    verdicts: Dict[str, bool] = {}

    def test(path: str) -> bool:
        if path not in verdicts:
            verdicts[path] = os.path.abspath(path) in named or (
                looks_like_config(path) if cache is None else cache.fact("config", path, looks_like_config))
        return verdicts[path]

    return test


def discover(
    paths: Iterable[str], settings: Optional[Settings] = None, cache: Optional[FindingsCache] = None,
    unreadable: Optional[List[Tuple[str, str]]] = None, configs_only: bool = True,
    found: Optional[Callable[[int], None]] = None,
) -> List[str]:
    """Config files under the given files and directories, sorted, absolute.

    Files named explicitly are always taken (like ruff); in folders, .py files that are Python code
    rather than configs (see `looks_like_config`; its verdicts are kept in the `cache`) are skipped,
    and so are the folders and files `exclude` / `extend-exclude` name (default: SKIP_DIRS and
    hidden folders). Folders that cannot be listed are added to `unreadable` as (folder, reason).
    `configs_only=False` keeps every .py file of the folders (the caller tests the few it needs).
    `found(count)` is told how many configs the folder walk has found, after each one.
    """
    looks = config_test(cache) if configs_only else (lambda p: True)
    out: List[str] = []

    def walk_error(exc: OSError) -> None:
        if unreadable is not None:
            unreadable.append((os.path.abspath(exc.filename or "?"), exc.strerror or str(exc)))

    def excluded(full: str, name: str, is_dir: bool) -> bool:
        if settings is not None and (settings.exclude is not None or settings.extend_exclude):
            if settings.excluded(full, SKIP_DIRS if is_dir else ()):
                return True
            return is_dir and settings.exclude is None and name.startswith(".")
        return is_dir and (name in SKIP_DIRS or name.startswith("."))

    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path, onerror=walk_error):
                dirs[:] = sorted(d for d in dirs if not excluded(os.path.join(root, d), d, True))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if excluded(full, name, False):
                        continue
                    # (`._x.py`: macOS AppleDouble metadata of `x.py`, binary, copied beside it by archivers)
                    if name.endswith(".py") and name != "__init__.py" and not name.startswith("._") and looks(full):
                        out.append(os.path.abspath(full))
                        if found is not None:
                            found(len(out))
        elif is_config_file(path):
            out.append(os.path.abspath(path))
        else:
            raise UsageError(f"{path}: not a config file (.py, .json, .yaml)")
    return sorted(dict.fromkeys(out))


ROOT_MARKERS = (".git", ".hg", "pyproject.toml", "schedlint.toml", "setup.py", "setup.cfg")


def project_root(paths: Iterable[str]) -> str:
    """The folder searched for configs that inherit the given files: the nearest ancestor of their
    common folder that holds a `.git`, `.hg`, `pyproject.toml`, `schedlint.toml`, `setup.py` or
    `setup.cfg`, else that common folder itself."""
    absolute = [os.path.abspath(p) for p in paths]
    start = os.path.commonpath(absolute) if absolute else os.getcwd()
    if not os.path.isdir(start):
        start = os.path.dirname(start)
    here = start
    while True:
        if any(os.path.exists(os.path.join(here, marker)) for marker in ROOT_MARKERS):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return start
        here = parent


#: top-level names of a config that no plan and no rule reads: the linter's loader does not evaluate an
#: assignment to one of them that nothing else in its file reads (`Loader(unread=...)`). `model` is most
#: of what a config holds; what only its evaluation would report (e.g. a call needing `--allow-exec`)
#: is left to `schedlint resolve`, which evaluates everything
UNREAD_NAMES = frozenset({"model"})


class Linter:
    """Lints configs with one loader (so shared bases are read once)."""

    def __init__(self, settings: Optional[Settings] = None, on_file: Optional[OnFile] = None) -> None:
        self.settings = settings or Settings()
        self.loader = Loader(scope_roots=self.settings.scope_roots, allow_exec=self.settings.allow_exec,
                             unread=UNREAD_NAMES)
        # called with (findings, context, linter) after the rules of each file: `check` attaches fixes
        # this way, so the lint engine never imports the fixer
        self.on_file = on_file
        # the files the last `lint_file` result depends on (None: not cacheable), for the findings cache
        self.depends_on: Optional[List[str]] = None
        # merge keys of the findings `on_file` has attached a fix to (or tried) in this run: the same finding
        # of a later config is merged into the first, whose fix is shown, so it may be `deferred`; with
        # `force_fixes` every fixable finding gets its fix computed
        self.fixes_tried: Set[tuple] = set()
        # findings' columns in characters (what users see); the fixer keeps ast's byte columns, which it
        # matches against provenance, and turns what it reports into characters itself
        self.char_columns = True
        self.force_fixes = False
        # the run's findings cache (None without one): `on_file` takes the file facts it keeps (which files
        # inherit which) from it instead of reading the project again
        self.facts: Optional[FindingsCache] = None
        self._rules: Dict[tuple, list] = {}  # the rules that apply, per config generation and length known

    def epoch_length_for(self, path: str) -> Optional[int]:
        """Iterations per epoch given for this config (`epoch-length-per-glob`, `epoch-length`)."""
        return self.settings.epoch_length_for(path)

    def plan_for(self, resolved: ResolvedConfig, path: str):
        """The training plan of a resolved config with this run's epoch-length hints (None: no plan)."""
        return build_any_plan(resolved, self.epoch_length_for(path), self.settings.gpus, self.settings.batch_size)

    def resolve(self, path: str) -> Tuple[Optional[ResolvedConfig], List[Finding]]:
        """Resolve one file; a load problem becomes a finding."""
        try:
            return self.loader.resolve(path, copy=False), []
        except LoadProblem as problem:
            return None, [_load_finding(problem)]

    def lint_file(self, path: str) -> List[Finding]:
        """Every finding for one config file (not yet filtered by selection), columns in characters."""
        findings = self._lint_file(path)
        for f in findings:
            f.configs = [path]
        if self.char_columns:
            in_characters(findings, self.loader.text)
        return findings

    def _lint_file(self, path: str) -> List[Finding]:
        self.depends_on = None
        resolved, findings = self.resolve(path)
        if resolved is not None and not resolved.executed:
            self.depends_on = [path] + list(resolved.chain)
        if resolved is None:
            return findings
        plan = self.plan_for(resolved, path)
        if resolved.named_bases and (plan is None or plan.generation == "mmengine"):
            # a `_base_` only mmcv 1.x reads, in an mmengine config: mmengine fails to load it
            for loc, message in resolved.named_bases:
                findings.append(_load_finding(LoadProblem("SL907", message, loc)))
            return findings
        if plan is None:
            if stray_tuples(resolved.values):  # `train_cfg = dict(...),` hides the plan itself: SL312
                findings.extend(get_rule("SL312").check(Context(resolved, None, self.settings)))
            return findings
        from schedlint.plan.limits import cost_problem

        too_costly = cost_problem(plan)
        if too_costly is not None:  # never hand the simulator a run it would take minutes or gigabytes on
            rule = get_rule("SL908")
            message, where = too_costly
            findings.append(Finding(code="SL908", name=rule.name if rule else "resource-limit", severity=Severity.ERROR,
                                    message=f"resource limit: {message}",
                                    location=where or resolved.loc("train_cfg") or Location(path, 1, 0),
                                    configs=[path]))
            return findings
        ctx = Context(resolved, plan, self.settings)
        if plan.horizon.total_iters <= 0:  # nothing trains: no schedule to simulate or judge
            findings.extend(get_rule("SL014").check(ctx))
            return findings
        if plan.optimizer.missing:  # no optimizer, no LR to judge: only the failure to build it is reported
            findings.extend(get_rule("SL311").check(ctx))
            return findings
        key = (plan.generation, plan.horizon.length_assumed)
        rules = self._rules.get(key)
        if rules is None:
            rules = self._rules[key] = [rule for rule in all_rules().values() if rule.applies_to(plan)]
        findings.extend(self._run(rules, ctx, path))
        if plan.horizon.disputed_max_epochs is not None:
            findings = self._at_both_lengths(findings, rules, ctx, path)
        if self.on_file is not None:
            try:
                self.on_file(findings, ctx, self)
            except Exception as exc:
                findings.append(internal_finding(path, "computing fixes", exc))
        return findings

    @staticmethod
    def _run(rules, ctx: Context, path: str) -> List[Finding]:
        findings: List[Finding] = []
        for rule in rules:
            try:
                findings.extend(rule.check(ctx))
            except Exception as exc:  # a bug in one rule: its own finding, the other rules go on
                findings.append(internal_finding(path, f"rule {rule.code} ({rule.name})", exc))
        return findings

    def _at_both_lengths(self, findings: List[Finding], rules, ctx: Context, path: str) -> List[Finding]:
        """Length findings that hold at both of a disputed pair of lengths (mmcv `total_epochs` against
        `runner.max_epochs`, SL401): a rule that is silent at the other length judged the wrong one."""
        from schedlint.plan.limits import cost_problem

        plan = ctx.plan
        locs = dict(plan.horizon.locs)
        where = ctx.resolved.loc("total_epochs")
        if where is not None:
            locs["max_epochs"] = where
        other = plan.horizon.model_copy(update={"max_epochs": plan.horizon.disputed_max_epochs,
                                                "disputed_max_epochs": None, "locs": locs})
        other_plan = plan.model_copy(update={"horizon": other})
        if cost_problem(other_plan) is not None:
            return findings
        length_rules = [rule for rule in rules if rule.needs_length]
        there = {f.code for f in self._run(length_rules, Context(ctx.resolved, other_plan, self.settings), path)}
        judged = {rule.code for rule in length_rules}
        return [f for f in findings if f.code not in judged or f.code in there]


def _load_finding(problem: LoadProblem) -> Finding:
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
        key = f.merge_key()
        if key in merged:
            for c in f.configs:
                if c not in merged[key].configs:
                    merged[key].configs.append(c)
        else:
            merged[key] = f
    return sorted(merged.values(), key=lambda f: f.sort_key())


def lint_files(
    linter: Linter,
    files: List[str],
    progress: Optional[Callable[[str], None]] = None,
    internal_errors: Optional[List[str]] = None,
    cache: Optional[FindingsCache] = None,
    workers: Optional[Workers] = None,
) -> List[Finding]:
    """Findings of every file, in file order; large trees are linted by worker processes (`jobs_for`; the
    `workers` started for this run, if any, are used and closed).

    With a `cache`, files whose content and bases are unchanged since a cached run are not linted
    again, and the new results are saved. A crash while linting one file is recorded in
    `internal_errors`; the other files go on.
    """
    errors = internal_errors if internal_errors is not None else []
    results: Dict[str, List[Finding]] = {}
    todo = []
    for path in files:
        hit = cache.get(path) if cache is not None else None
        if hit is None:
            todo.append(path)
        else:
            results[path] = hit
    told = False

    def tell_hits() -> None:
        """The files the cache answered, told once, after any worker is forked (what shows progress may run
        a thread, which a fork must not copy)."""
        nonlocal told
        if not told and progress is not None:
            told = True
            for path in files:
                if path in results:
                    progress(path)

    jobs = jobs_for(linter.settings, len(todo))
    if len(todo) >= HEAP_MIN_FILES:
        from schedlint.lint.heap import return_large_blocks

        return_large_blocks()
    done = None
    if jobs > 1:
        try:
            if workers is None:
                load_linting()  # imported once here: forked workers share it instead of each importing it
                workers = Workers(jobs)
            tell_hits()
            done = workers.lint(_lint_chunk, linter.settings, linter.on_file, todo, Retention(todo), progress, errors)
        except (OSError, ImportError, RuntimeError):  # no process support here: lint in this process
            done = None
        finally:
            if workers is not None:  # stopped at once after a failure or an interrupt
                workers.close(now=done is None)
    elif workers is not None:
        workers.close(now=True)
    tell_hits()
    if done is None:
        done = []
        retention = Retention(todo)
        for path in todo:
            if progress is not None:
                progress(path)
            if cache is not None:  # the bytes the loader reads next (kept by the folder walk), not later ones
                cache.file_hash(path)
            found = _lint_one(linter, path, errors)
            done.append((path, found, linter.depends_on))
            retention.after(linter, path)
    for path, found, depends_on in done:
        results[path] = found
        if cache is not None and depends_on is not None and all(f.code != INTERNAL_ERROR for f in found):
            cache.put(path, found, depends_on)
    if cache is not None:
        cache.save()
    return [f for path in files for f in results.get(path, [])]


def _lint_one(linter: Linter, path: str, errors: List[str]) -> List[Finding]:
    try:
        found = linter.lint_file(path)
    except Exception as exc:  # a bug in schedlint: report it, go on with the other files
        found = [internal_finding(path, "linting this file", exc)]
        linter.depends_on = None
    errors.extend(f"{f.location.file}: {f.message}" for f in found if f.code == INTERNAL_ERROR)
    return found


_WORKER_LINTER: Optional[Linter] = None
_WORKER_RETENTION: Optional[Retention] = None  # what a worker knows of the run's retention


def _lint_chunk(settings: Settings, on_file: Optional[OnFile], chunk: List[str],
                part: Tuple[Dict[str, int], Dict[str, int]]) -> Tuple[Done, List[str]]:
    """Lint a chunk of files in a worker; the worker keeps one Linter (and its cache) for all chunks, and
    drops what no later config of the run needs (`part`: the chunk's `Retention.part`)."""
    global _WORKER_LINTER, _WORKER_RETENTION
    if _WORKER_LINTER is None or _WORKER_RETENTION is None:
        _WORKER_LINTER = Linter(settings, on_file)
        _WORKER_RETENTION = Retention()
    _WORKER_RETENTION.merge(*part)
    errors: List[str] = []
    done: Done = []
    for path in chunk:
        found = _lint_one(_WORKER_LINTER, path, errors)
        done.append((path, found, _WORKER_LINTER.depends_on))
        _WORKER_RETENTION.after(_WORKER_LINTER, path)
    return done, errors


def check_paths(
    paths: Iterable[str],
    settings: Optional[Settings] = None,
    progress: Optional[Callable[[str], None]] = None,
    on_file: Optional[OnFile] = None,
    cache: bool = False,
) -> CheckResult:
    """Lint every config under `paths` (plus, if enabled, the configs that inherit them).

    Raises UsageError for a path that does not exist. A crash while linting one file is an
    SL999 finding (also listed in `internal_errors`) and the other files are still linted.
    `on_file` is handed to the `Linter` (the CLI attaches fixes with it). With `cache`, findings of
    unchanged files come from the persistent cache (`schedlint.lint.cache`) and new ones are saved.
    """
    settings = settings or Settings()
    paths = list(paths)
    findings_cache = FindingsCache.for_run(settings, on_file) if cache else None
    # a cold run of a large tree starts its workers during the folder walk: their imports overlap the walk
    early = EarlyStart(settings, bool(findings_cache and findings_cache.entries), on_file)
    try:
        return _check(paths, settings, progress, on_file, findings_cache, early)
    finally:
        if early.workers is not None:
            early.workers.close(now=True)  # (closed already, unless the run stopped early)


def _check(paths: List[str], settings: Settings, progress: Optional[Callable[[str], None]],
           on_file: Optional[OnFile], findings_cache: Optional[FindingsCache], early: EarlyStart) -> CheckResult:
    unreadable: List[Tuple[str, str]] = []
    files = discover(paths, settings, findings_cache, unreadable, found=early.found)
    linter = Linter(settings, on_file)
    linter.facts = findings_cache
    result = CheckResult(files=files)
    for folder, reason in unreadable:  # a folder that cannot be listed is never skipped silently
        result.findings.append(Finding(code="SL906", name="unreadable-file", severity=Severity.ERROR,
                                       message=f"cannot read folder: {reason}", location=Location(folder, 1, 0),
                                       configs=[folder]))
    # a file given by name (as pre-commit gives the edited ones) re-checks the configs inheriting it
    given = [os.path.abspath(p) for p in paths if os.path.isfile(p)]
    if settings.dependents and given:
        root = project_root(given)
        if os.path.dirname(root) != root:
            # every .py file of the project, and the config test only for the ones that inherit a given file
            # (a cold pre-commit run would otherwise parse the whole project's code to tell configs apart)
            universe = discover([root], settings, findings_cache, configs_only=False)
            found = dependents(linter.loader, given, universe, findings_cache, keep=config_test(findings_cache))
            result.dependents = [f for f in found if f not in files]
            result.files = sorted(set(files) | set(result.dependents))
    raw = lint_files(linter, result.files, progress, result.internal_errors, findings_cache, early.workers)
    release_all_kept()  # what the folder walk kept for the loader lives one run
    result.findings = merge_findings(result.findings + select_findings(raw, settings, linter.loader.text))
    if on_file is not None:
        _attach_deferred(linter, result.findings, result.internal_errors)
    return result


def _attach_deferred(linter: Linter, findings: List[Finding], errors: List[str]) -> None:
    """Compute the fixes left `deferred` on findings that, once merged, are the ones shown: the config
    whose identical finding got the fix is not the one shown (its finding is suppressed there, or its
    findings came from the cache and have changed since)."""
    todo: Dict[str, List[Finding]] = {}
    for f in findings:
        if f.deferred and f.fix is None and f.configs:
            todo.setdefault(f.configs[0], []).append(f)
    linter.force_fixes = True
    try:
        for config, waiting in todo.items():
            fixes = {g.merge_key(): g.fix for g in _lint_one(linter, config, errors) if g.fix is not None}
            for f in waiting:
                f.fix = fixes.get(f.merge_key())
                f.deferred = False
    finally:
        linter.force_fixes = False


def select_findings(findings: Iterable[Finding], settings: Settings, read_text: Callable[[str], str]) -> List[Finding]:
    """The findings a run reports: selected codes, no per-file ignore, no `noqa` comment.

    Give it findings before `merge_findings` (one config each), so that per-file ignores and
    file-level `noqa` in a leaf config apply to that config only.
    """
    from schedlint.lint.suppress import Suppressions

    findings = list(findings)
    # codes the loader may emit without a rule unit are selected by prefix like the others
    known = rule_codes()
    codes = list(known) + sorted({f.code for f in findings} - set(known))
    enabled = set(settings.enabled_codes(codes))
    suppressions = Suppressions(read_text)
    return [
        f
        for f in findings
        if f.code == INTERNAL_ERROR
        or f.code in enabled
        and not settings.ignored_for(f.code, [f.location.file] + f.configs)
        and not suppressions.is_suppressed(f)
    ]


__all__ = [
    "CheckResult", "INTERNAL_ERROR", "Linter", "UsageError", "build_any_plan", "check_paths", "discover", "internal_finding",
    "merge_findings", "select_findings",
]
