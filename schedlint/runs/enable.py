"""Add `SchedLintHook` to a config: the two lines `custom_imports` and `custom_hooks`, merged with what it has.

The lines go at the end of the file, so they win over the file's own and its bases' values; they
repeat the hooks and imports the config already had (lists are replaced, not merged, when a config
inherits), so nothing is lost. mmengine configs get `schedlint.mmengine`, mmcv-1.x configs
`schedlint.mmcv`; a pure-Python (`read_base`) config imports the hook class instead of naming it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, List, Optional, Tuple

from schedlint.lint.engine import Linter, build_any_plan
from schedlint.lint.settings import Settings

__all__ = ["HookSetup", "HookSetupError", "enable_hook", "hook_lines"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class HookSetupError(Exception):
    """The config cannot be given the hook automatically (the message says why and what to add by hand)."""


@dataclass
class HookSetup:
    """The edit `enable_hook` proposes: the file's new text, or None when the hook is already enabled."""

    path: str
    generation: str  # 'mmengine' or 'mmcv'
    old_text: str
    new_text: Optional[str]
    message: str


def hook_lines(generation: str = "mmengine", strict: bool = False) -> str:
    """The two lines that enable the hook in a config without custom hooks or imports of its own."""
    module = "schedlint.mmcv" if generation == "mmcv" else "schedlint.mmengine"
    args = ", strict=True" if strict else ""
    return (f"custom_imports = dict(imports=['{module}'], allow_failed_imports=False)\n"
            f"custom_hooks = [dict(type='SchedLintHook'{args})]\n")


def _literal(value: Any, where: str) -> str:
    """Python source for a config value (dicts as `dict(...)` like OpenMMLab configs write them)."""
    if isinstance(value, dict):
        if all(isinstance(k, str) and _IDENT.match(k) for k in value):
            return "dict(" + ", ".join(f"{k}={_literal(v, where)}" for k, v in value.items()) + ")"
        return "{" + ", ".join(f"{_literal(k, where)}: {_literal(v, where)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, where) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_literal(v, where) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise HookSetupError(f"{where} holds {value!r}, which cannot be written back as a literal")


def _is_ours(hook: Any) -> bool:
    kind = hook.get("type") if isinstance(hook, dict) else None
    return str(kind).rsplit(".", 1)[-1] == "SchedLintHook" if kind is not None else False


def enable_hook(path: str, strict: bool = False, settings: Optional[Settings] = None) -> HookSetup:
    """The edit that enables `SchedLintHook` in the config at `path` (HookSetupError when it cannot)."""
    from schedlint.loader.values import plain

    resolved, generation = _training_config(path, settings)
    module = "schedlint.mmcv" if generation == "mmcv" else "schedlint.mmengine"
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    hooks = plain(resolved.get("custom_hooks"))
    if hooks is None:
        hooks = []
    if not isinstance(hooks, list):
        raise HookSetupError(f"{path}: custom_hooks is not a list ({hooks!r}); add dict(type='SchedLintHook') by hand")
    if any(_is_ours(h) for h in hooks):
        return HookSetup(path, generation, text, None, f"{path}: SchedLintHook is already enabled")
    imports, allow_failed = _custom_imports(path, plain(resolved.get("custom_imports")), module)
    pure_python = "read_base" in text
    lines = _hook_lines(hooks, imports, allow_failed, module, pure_python, strict)
    newline = "\r\n" if "\r\n" in text else "\n"
    body = text if not text or text.endswith(("\n", "\r")) else text + newline
    new_text = body + newline.join(lines[1:] if not body.strip() else lines) + newline
    what = "custom_hooks" if pure_python else "custom_imports and custom_hooks"
    kept = f" (keeping {len(hooks)} existing hook{'s' if len(hooks) != 1 else ''})" if hooks else ""
    return HookSetup(path, generation, text, new_text,
                     f"{path}: SchedLintHook enabled for {generation} ({what} added at the end{kept})")


def _training_config(path: str, settings: Optional[Settings]) -> Tuple[Any, str]:
    """(resolved config, generation) of a training config; HookSetupError when it cannot be read or does
    not train."""
    linter = Linter(settings or Settings())
    resolved, problems = linter.resolve(path)
    if resolved is None:
        p = problems[0]
        raise HookSetupError(f"{p.location}: {p.code} {p.message}")
    plan = build_any_plan(resolved, None)
    if plan is None:
        raise HookSetupError(f"{path}: not a training config (no train_cfg/optim_wrapper, nor runner/optimizer)")
    return resolved, plan.generation


def _custom_imports(path: str, imports_cfg: Any, module: str) -> Tuple[List[Any], bool]:
    """(imports, allow_failed_imports) the config's custom_imports already has; HookSetupError when it is
    not a dict."""
    imports: List[Any] = []
    allow_failed = False
    if isinstance(imports_cfg, dict):
        value = imports_cfg.get("imports", [])
        imports = [value] if isinstance(value, str) else list(value or [])
        allow_failed = bool(imports_cfg.get("allow_failed_imports", False))
    elif imports_cfg is not None:
        raise HookSetupError(f"{path}: custom_imports is not a dict ({imports_cfg!r}); add '{module}' by hand")
    return imports, allow_failed


def _hook_lines(hooks: List[Any], imports: List[Any], allow_failed: bool, module: str, pure_python: bool,
                strict: bool) -> List[str]:
    """The lines appended to the config (the first one blank): a comment, the import (pure-Python config) or
    custom_imports, and custom_hooks with the hook added after the existing ones."""
    if pure_python:
        hook = f"dict(type=SchedLintHook{', strict=True' if strict else ''})"
    else:
        hook = f"dict(type='SchedLintHook'{', strict=True' if strict else ''})"
    existing = [_literal(h, "custom_hooks") for h in hooks]
    lines = ["", "# schedlint: check the schedule with the run's exact facts and watch the loss (schedlint hook)"]
    if pure_python:
        lines.append(f"from {module} import SchedLintHook  # noqa: E402")
    else:
        if module not in imports:
            imports.append(module)
        lines.append(f"custom_imports = dict(imports={_literal(imports, 'custom_imports')}, "
                     f"allow_failed_imports={allow_failed!r})")
    lines.append("custom_hooks = [" + ", ".join(existing + [hook]) + "]")
    return lines
