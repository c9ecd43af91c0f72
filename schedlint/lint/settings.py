"""schedlint's own settings: defaults, `[tool.schedlint]` in pyproject.toml / schedlint.toml, CLI.

Discovery: starting at the first checked path and walking up, the first folder that holds a
`schedlint.toml`, or a `pyproject.toml` with a `[tool.schedlint]` table, wins; in one folder
`schedlint.toml` beats `pyproject.toml` (as `ruff.toml` beats `pyproject.toml` for ruff). A
`schedlint.toml` holds the keys at top level (a `[tool.schedlint]` table is accepted as well).

Rule selection is layered like ruff's: the file's `select` / `extend-select` / `ignore` form one
layer and the command line's another, applied after it; a layer's `select` starts over from its own
selectors, so the command line beats the file.
"""

from __future__ import annotations

import copy
import difflib
import fnmatch
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from schedlint.lint.fields import (
    Field, Invalid, Problem, boolean, dict_of, fraction, list_of, optional, positive_int, string, validate_table,
)


THRESHOLD_FIELDS = (
    # a frozen tail after a complete decay is reported when longer than this share of training
    Field("tail_fraction", "tail-fraction", fraction, 0.25),
    # a change is "lost" when the value at the horizon misses the planned one by more than this (relative)
    Field("lost_change", "lost-change", fraction, 0.05),
    # a cosine is "incomplete" when it ends further than this share of its range above its target
    Field("cosine_margin", "cosine-margin", fraction, 0.05),
    # a warm-up is "too long" when it covers more than this share of training
    Field("warmup_fraction", "warmup-fraction", fraction, 0.5),
)


class _Values:
    """An object whose attributes are the checked values of `FIELDS` (by Python name or TOML key)."""

    FIELDS: Tuple[Field, ...] = ()

    def __init__(self, **values: Any) -> None:
        checked, problems = validate_table(values, self.FIELDS)
        if problems:
            raise ValueError("; ".join(f"{'.'.join(p.loc)}: {p.message}" for p in problems))
        for f in self.FIELDS:
            setattr(self, f.name, checked[f.name] if f.name in checked else f.fresh_default())

    def as_dict(self) -> Dict[str, Any]:
        return {f.name: (v.as_dict() if isinstance(v, _Values) else v)
                for f in self.FIELDS for v in [getattr(self, f.name)]}

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self.as_dict() == other.as_dict()  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.as_dict().items())})"


class Thresholds(_Values):
    """Numbers the rules judge by (all overridable in `[tool.schedlint.thresholds]`)."""

    FIELDS = THRESHOLD_FIELDS
    tail_fraction: float
    lost_change: float
    cosine_margin: float
    warmup_fraction: float


# (select or None, extend-select, ignore): one layer of rule selection
#: the largest settings file read (pyproject.toml / schedlint.toml)
MAX_SETTINGS_BYTES = 4 * 1024 * 1024

#: `jobs` above this many workers per core is capped (a repository's settings cannot fork hundreds)
MAX_JOBS_PER_CORE = 2

#: the rule for `allow-exec` (execution of config code): only the command line (`--allow-exec`) or
#: the user's own settings file can turn it on; a settings file found in (or named for) the checked
#: tree cannot, since the tree may be a stranger's pull request
ALLOW_EXEC_RULE = (
    "only --allow-exec on the command line or the user settings file ({user}) can enable execution"
)


def user_config_file() -> str:
    """The user-level settings file: `$XDG_CONFIG_HOME/schedlint/schedlint.toml` (default ~/.config)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "schedlint", "schedlint.toml")


def user_allows_exec() -> bool:
    """Whether the user-level settings file sets `allow-exec = true` (a broken file counts as no)."""
    path = user_config_file()
    if not os.path.isfile(path):
        return False
    try:
        table = _table(path, _read_toml(path)) or {}
    except SettingsError:
        return False
    return table.get("allow-exec") is True


SelectionLayer = Tuple[Optional[List[str]], List[str], List[str]]


def _thresholds(value: Any) -> "Thresholds":
    if isinstance(value, Thresholds):
        return value
    raise Invalid("Input should be a valid dictionary or instance of Thresholds")


SETTINGS_FIELDS = (
    Field("select", "select", optional(list_of(string))),
    Field("ignore", "ignore", list_of(string), []),
    Field("extend_select", "extend-select", list_of(string), []),
    Field("per_file_ignores", "per-file-ignores", dict_of(list_of(string)), {}),
    Field("epoch_length", "epoch-length", optional(positive_int)),
    Field("epoch_length_per_glob", "epoch-length-per-glob", dict_of(positive_int), {}),
    Field("scope_roots", "scope-roots", dict_of(string), {}),
    # GPUs and per-GPU batch the run trains with (feed the epoch-length estimate; default: the
    # config's batch and the file name's GPU count)
    Field("gpus", "gpus", optional(positive_int)),
    Field("batch_size", "batch-size", optional(positive_int)),
    # ruff semantics: `exclude` replaces the default folder excludes, `extend-exclude` adds to them;
    # glob patterns relative to the settings file's folder (a pattern without `/` matches any name)
    Field("exclude", "exclude", optional(list_of(string))),
    Field("extend_exclude", "extend-exclude", list_of(string), []),
    Field("allow_exec", "allow-exec", boolean, False),
    Field("dependents", "dependents", boolean, True),
    Field("jobs", "jobs", optional(positive_int)),  # worker processes for large trees (default: one per core)
    # the findings cache folder (relative to the settings file's folder); default `.schedlint_cache`
    Field("cache_dir", "cache-dir", optional(string)),
    Field("thresholds", "thresholds", _thresholds, Thresholds()),
)
_SETTING_NAMES = {f.name for f in SETTINGS_FIELDS}


class Settings(_Values):
    """Effective settings for one run (keyword arguments by Python name or TOML key, checked)."""

    FIELDS = SETTINGS_FIELDS
    select: Optional[List[str]]
    ignore: List[str]
    extend_select: List[str]
    per_file_ignores: Dict[str, List[str]]
    epoch_length: Optional[int]
    epoch_length_per_glob: Dict[str, int]
    scope_roots: Dict[str, str]
    gpus: Optional[int]
    batch_size: Optional[int]
    exclude: Optional[List[str]]
    extend_exclude: List[str]
    allow_exec: bool
    dependents: bool
    jobs: Optional[int]
    cache_dir: Optional[str]
    thresholds: Thresholds

    def __init__(self, **values: Any) -> None:
        if isinstance(values.get("thresholds"), dict):
            values["thresholds"] = Thresholds(**values["thresholds"])
        super().__init__(**values)
        # the settings file these came from (None: defaults); globs are relative to its folder
        self._source: Optional[str] = None
        self._notes: List[str] = []
        # command-line selection layers, applied after the file's own
        self._overrides: List[SelectionLayer] = []

    @classmethod
    def from_table(cls, table: Dict[str, Any]) -> Tuple[Optional["Settings"], List[Problem]]:
        """Settings from a TOML table, or every problem in it."""
        values, problems = validate_table(table, SETTINGS_FIELDS, {"thresholds": THRESHOLD_FIELDS})
        if problems:
            return None, problems
        return cls(**values), []  # a thresholds table becomes Thresholds in __init__

    def updated(self, **changes: Any) -> "Settings":
        """A deep copy with some values replaced (not checked: the caller's own values)."""
        out = copy.deepcopy(self)
        for name, value in changes.items():
            if not hasattr(out, name):
                raise TypeError(f"unknown setting {name!r}")
            setattr(out, name, value)
        return out

    @property
    def source(self) -> Optional[str]:
        """The settings file these settings were read from, if any."""
        return self._source

    @property
    def notes(self) -> List[str]:
        """Things the user should know about how the settings were read (e.g. an ignored allow-exec)."""
        return self._notes

    @property
    def worker_count(self) -> int:
        """Worker processes to use: `jobs` (default one per core), capped at MAX_JOBS_PER_CORE per core."""
        cores = os.cpu_count() or 1
        return max(1, min(self.jobs or cores, MAX_JOBS_PER_CORE * cores))

    @property
    def base_dir(self) -> str:
        """The folder globs are relative to: the settings file's, else the working directory."""
        return os.path.dirname(self._source) if self._source else os.getcwd()

    def enabled_codes(self, codes: Iterable[str]) -> List[str]:
        """The codes among `codes` that the selection layers (file, then command line) enable."""
        codes = list(codes)
        enabled = list(codes)
        for select, extend, ignore in [(self.select, self.extend_select, self.ignore)] + self._overrides:
            if select is not None:
                enabled = [c for c in codes if selector_matches(c, select)]
            enabled += [c for c in codes if selector_matches(c, extend) and c not in enabled]
            enabled = [c for c in enabled if not selector_matches(c, ignore)]
        return [c for c in codes if c in enabled]

    def epoch_length_for(self, path: str) -> Optional[int]:
        """Iterations per epoch for one config: the first matching `epoch-length-per-glob`, else `epoch-length`."""
        for pattern, length in self.epoch_length_per_glob.items():
            if self.glob_matches(path, pattern):
                return length
        return self.epoch_length

    def excluded(self, path: str, defaults: Iterable[str] = ()) -> bool:
        """Whether a file or folder met while walking a folder is excluded (`exclude`, `extend-exclude`)."""
        patterns = list(self.exclude if self.exclude is not None else defaults) + list(self.extend_exclude)
        return any(self.glob_matches(path, pattern.rstrip("/")) for pattern in patterns)

    def ignored_for(self, code: str, paths: Iterable[str]) -> bool:
        """Whether `per-file-ignores` disables `code` for any of `paths`."""
        for pattern, selectors in self.per_file_ignores.items():
            if selector_matches(code, selectors) and any(self.glob_matches(p, pattern) for p in paths):
                return True
        return False

    def glob_matches(self, path: str, pattern: str) -> bool:
        """fnmatch-style: against the path relative to `base_dir`, the absolute path, or (for a
        pattern without `/`) the file name; `**/` may start a pattern."""
        absolute = os.path.abspath(path)
        rel = os.path.relpath(absolute, self.base_dir).replace(os.sep, "/")
        pattern = pattern.replace(os.sep, "/")
        candidates = [pattern]
        while candidates[-1].startswith("**/"):
            candidates.append(candidates[-1][3:])
        if pattern.startswith("./"):
            candidates.append(pattern[2:])
        for pat in candidates:
            if fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(absolute.replace(os.sep, "/"), pat):
                return True
            if "/" not in pat and fnmatch.fnmatchcase(os.path.basename(absolute), pat):
                return True
            if pat.endswith("/") and (rel + "/").startswith(pat):
                return True
        return False

    def with_overrides(
        self,
        select: Optional[Sequence[str]] = None,
        ignore: Optional[Sequence[str]] = None,
        extend_select: Optional[Sequence[str]] = None,
        **values: Any,
    ) -> "Settings":
        """A copy with command-line values: a selection layer on top of the file's, and the other
        given (not None) fields replaced; `scope_roots` are added to the file's."""
        out = copy.deepcopy(self)
        if select is not None or ignore or extend_select:
            out._overrides = out._overrides + [
                (list(select) if select is not None else None, list(extend_select or []), list(ignore or []))
            ]
        for name, value in values.items():
            if value is None:
                continue
            if name not in _SETTING_NAMES:
                raise TypeError(f"unknown setting {name!r}")
            if name == "scope_roots":
                value = {**out.scope_roots, **value}
            if name == "extend_exclude":
                value = [*out.extend_exclude, *value]
            setattr(out, name, value)
        return out

    def selectors(self) -> List[Tuple[str, str]]:
        """Every (where, selector) pair of the file layer, for validation."""
        out = [("select", s) for s in self.select or []]
        out += [("extend-select", s) for s in self.extend_select]
        out += [("ignore", s) for s in self.ignore]
        for pattern, codes in self.per_file_ignores.items():
            out += [(f"per-file-ignores.{pattern!r}", s) for s in codes]
        return out


class SettingsError(Exception):
    """The schedlint config file or a command-line setting is invalid: exit code 2."""


def selector_matches(code: str, selectors: Iterable[str]) -> bool:
    """Whether a ruff-style selector (a code, a code prefix, or ALL) among `selectors` matches `code`."""
    for selector in selectors:
        s = selector.strip().upper()
        if s and (s == "ALL" or code.upper().startswith(s)):
            return True
    return False


def unknown_selectors(selectors: Iterable[str], codes: Iterable[str]) -> List[str]:
    """The selectors that match none of `codes`."""
    codes = list(codes)
    return [s for s in selectors if not any(selector_matches(c, [s]) for c in codes)]


def split_selectors(values: Optional[Iterable[str]]) -> List[str]:
    """Comma- or space-separated selectors from repeated options, flattened."""
    out: List[str] = []
    for value in values or []:
        out.extend(v for v in value.replace(",", " ").split() if v)
    return out


def display_path(path: str) -> str:
    """A path as shown in messages: relative to the working directory when below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _read_toml(path: str) -> dict:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        if os.path.getsize(path) > MAX_SETTINGS_BYTES:  # a hostile repository's 3 GB pyproject.toml
            raise SettingsError(f"{display_path(path)}: too large for a settings file (over {MAX_SETTINGS_BYTES} bytes)")
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except RecursionError:
        raise SettingsError(f"{display_path(path)}: invalid TOML: nested too deeply") from None
    except OSError as exc:
        raise SettingsError(f"{display_path(path)}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{display_path(path)}: invalid TOML: {exc}") from None


def _table(path: str, data: dict) -> Optional[dict]:
    """The schedlint table of a parsed settings file (None: a pyproject.toml without one)."""
    tool = data.get("tool")
    if os.path.basename(path) == "pyproject.toml" or (set(data) == {"tool"} and isinstance(tool, dict)):
        if not isinstance(tool, dict) or "schedlint" not in tool:
            return None
        table = tool["schedlint"]
        if not isinstance(table, dict):
            raise SettingsError(f"{display_path(path)}: [tool.schedlint] must be a table")
        return table
    return data


def find_config_file(start: str) -> Optional[str]:
    """The nearest `schedlint.toml`, or `pyproject.toml` with a `[tool.schedlint]` table, at or above `start`."""
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, "schedlint.toml")
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                if _table(candidate, _read_toml(candidate)) is not None:
                    return candidate
            except SettingsError:
                return candidate  # broken: let load_settings report it
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _describe_problems(path: str, problems: List[Problem]) -> str:
    messages = []
    for problem in problems:
        key = ".".join(problem.loc)
        if problem.kind == "unknown":
            parent = THRESHOLD_FIELDS if problem.loc[:1] == ("thresholds",) else SETTINGS_FIELDS
            close = difflib.get_close_matches(problem.loc[-1], [f.alias for f in parent], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            messages.append(f"unknown key '{key}'{hint}")
        else:
            messages.append(f"'{key}': {problem.message} (got {problem.value!r})")
    return f"{display_path(path)}: " + "; ".join(messages)


def load_settings(path: Optional[str]) -> Settings:
    """Settings from a config file (None: defaults), validated; relative scope roots are taken
    from the file's folder. Raises SettingsError naming the file and the offending key."""
    if path is None:
        return Settings()
    path = os.path.abspath(path)
    if not os.path.isfile(path):
        raise SettingsError(f"{display_path(path)}: no such file")
    table = _table(path, _read_toml(path))
    settings, problems = Settings.from_table(table or {})
    if settings is None:
        raise SettingsError(_describe_problems(path, problems))
    from schedlint.rules import rule_codes

    codes = list(rule_codes())
    for where, selector in settings.selectors():
        if unknown_selectors([selector], codes):
            raise SettingsError(f"{display_path(path)}: unknown rule selector {selector!r} in '{where}'")
    if settings.allow_exec and path != os.path.abspath(user_config_file()):
        settings.allow_exec = False
        settings._notes.append(
            f"{display_path(path)} sets allow-exec = true; ignored: "
            + ALLOW_EXEC_RULE.format(user=display_path(user_config_file()))
        )
    base = os.path.dirname(path)
    settings.scope_roots = {k: os.path.normpath(os.path.join(base, v)) for k, v in settings.scope_roots.items()}
    for name, folder in settings.scope_roots.items():
        if not os.path.isdir(folder):
            raise SettingsError(f"{display_path(path)}: scope-roots.{name}: no such folder {display_path(folder)!r}")
    settings._source = path
    return settings


def resolve_settings(
    paths: Sequence[str],
    config_file: Optional[str] = None,
    isolated: bool = False,
    select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    extend_select: Optional[Sequence[str]] = None,
    **values: Any,
) -> Settings:
    """The settings for a run: `config_file`, else the file found from the first path (none when
    `isolated`), overridden by the command-line values given (None = not given).

    Raises SettingsError for an invalid file or an unknown rule selector.
    """
    if config_file is not None:
        settings = load_settings(config_file)
    elif isolated:
        settings = Settings()
    else:
        settings = load_settings(find_config_file(paths[0] if paths else os.getcwd()))
    select_list = split_selectors(select) if select is not None else None
    ignore_list = split_selectors(ignore)
    extend_list = split_selectors(extend_select)
    from schedlint.rules import rule_codes

    codes = list(rule_codes())
    for option, given in (("--select", select_list or []), ("--ignore", ignore_list), ("--extend-select", extend_list)):
        for selector in unknown_selectors(given, codes):
            raise SettingsError(f"unknown rule selector {selector!r} in {option}")
    if values.get("allow_exec") is None and user_allows_exec():
        values["allow_exec"] = True
    out = settings.with_overrides(select=select_list, ignore=ignore_list, extend_select=extend_list, **values)
    out._notes = list(settings._notes)
    return out
