"""schedlint's own settings: defaults, `[tool.schedlint]` in pyproject.toml / schedlint.toml, CLI."""

from __future__ import annotations

from typing import Dict, List, Optional

from pydantic import BaseModel, ConfigDict, Field


class Thresholds(BaseModel):
    """Numbers the rules judge by (all overridable in `[tool.schedlint.thresholds]`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    # a frozen tail after a complete decay is reported when longer than this share of training
    tail_fraction: float = Field(0.25, alias="tail-fraction")
    # a change is "lost" when the value at the horizon misses the planned one by more than this (relative)
    lost_change: float = Field(0.05, alias="lost-change")
    # a cosine is "incomplete" when it ends further than this share of its range above its target
    cosine_margin: float = Field(0.05, alias="cosine-margin")
    # a warm-up is "too long" when it covers more than this share of training
    warmup_fraction: float = Field(0.5, alias="warmup-fraction")


class Settings(BaseModel):
    """Effective settings for one run."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    select: Optional[List[str]] = None
    ignore: List[str] = Field(default_factory=list)
    extend_select: List[str] = Field(default_factory=list, alias="extend-select")
    per_file_ignores: Dict[str, List[str]] = Field(default_factory=dict, alias="per-file-ignores")
    epoch_length: Optional[int] = Field(None, alias="epoch-length")
    epoch_length_per_glob: Dict[str, int] = Field(default_factory=dict, alias="epoch-length-per-glob")
    scope_roots: Dict[str, str] = Field(default_factory=dict, alias="scope-roots")
    allow_exec: bool = Field(False, alias="allow-exec")
    dependents: bool = True
    thresholds: Thresholds = Field(default_factory=Thresholds)


class SettingsError(Exception):
    """The schedlint config file is invalid (unknown key, wrong type): exit code 2."""


def find_config_file(start: str) -> Optional[str]:
    """The nearest `schedlint.toml`, or `pyproject.toml` with a `[tool.schedlint]` table, at or above `start`."""
    import os

    here = os.path.abspath(start)
    if os.path.isfile(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, "schedlint.toml")
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                if "schedlint" in _read_toml(candidate).get("tool", {}):
                    return candidate
            except SettingsError:
                return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _read_toml(path: str) -> dict:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from None


def load_settings(path: Optional[str]) -> Settings:
    """Settings from a config file (None: defaults). Relative scope roots are taken from the file's folder."""
    import os

    if path is None:
        return Settings()
    data = _read_toml(path)
    if os.path.basename(path) == "pyproject.toml":
        data = data.get("tool", {}).get("schedlint", {})
    try:
        settings = Settings.model_validate(data)
    except Exception as exc:  # pydantic.ValidationError: name the offending keys
        errors = getattr(exc, "errors", lambda: [])()
        details = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors
        ) or str(exc)
        raise SettingsError(f"{path}: invalid [tool.schedlint] settings: {details}") from None
    base = os.path.dirname(os.path.abspath(path))
    settings.scope_roots = {k: os.path.join(base, v) for k, v in settings.scope_roots.items()}
    return settings
