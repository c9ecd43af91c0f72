"""`schedlint fix`: make the schedule fit the training length.

Fixes are libcst edits of the node behind each value's provenance (`fix.cst`), verified on the
simulated curve of every param group before anything is written (`fix.verify`). `check` attaches
to each fixable finding the fix `schedlint fix CONFIG` writes, computed by the same engine
(`Finding.fix`). The heavy parts (libcst) are imported only when a finding is fixable.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, List

from schedlint.model import Finding

if TYPE_CHECKING:  # pragma: no cover
    from schedlint.fix.engine import FixResult
    from schedlint.fix.propose import FixOptions
    from schedlint.rules.base import Context


@functools.lru_cache(maxsize=None)
def fixable_codes() -> frozenset:
    """Codes of the findings a fix may exist for: the rules that declare one (`Rule.fix_applicability`).
    Read when first needed: a run whose findings all come from the cache never imports the rules."""
    from schedlint.rules import all_rules

    return frozenset(code for code, rule in all_rules().items() if rule.fix_applicability is not None)


def __getattr__(name: str) -> Any:
    if name == "FIXABLE_CODES":  # the constant this module used to define
        return fixable_codes()
    raise AttributeError(name)


def attach_fixes(findings: List[Finding], ctx: "Context", linter: Any = None) -> None:
    """Attach to each fixable finding of one config the fix `schedlint fix` would make.

    When the linter is driven by `fix_paths` (it carries a `fix_env`), the context is handed to
    it instead: `fix` decides itself where edits go.
    """
    env = getattr(linter, "fix_env", None)
    if env is not None:
        env.record(ctx, findings)
        return
    fixable = fixable_codes()
    pending = [f for f in findings if f.code in fixable and f.fix is None]
    if not pending:
        return
    tried = getattr(linter, "fixes_tried", None)
    if tried is not None:  # a finding an earlier config had is merged into it: its fix is the one shown
        if not getattr(linter, "force_fixes", False) and all(f.merge_key() in tried for f in pending):
            for f in pending:
                f.deferred = True
            return
        tried.update(f.merge_key() for f in pending)
    from schedlint.fix.propose import attach, attach_verified

    loader = getattr(linter, "loader", None)
    settings = getattr(linter, "settings", None)
    if loader is None:
        return
    try:
        if settings is not None:  # what `schedlint fix CONFIG` writes, verified the same way
            attach_verified(findings, ctx, settings, loader, facts=getattr(linter, "facts", None))
        else:
            attach(findings, ctx, loader)
    except Exception:  # a fix that cannot be computed must never cost the finding itself
        return


def fix_paths(paths: List[str], settings: Any = None, options: "FixOptions" = None, **kwargs: Any) -> "FixResult":
    """Fix the configs under `paths`; see `schedlint.fix.engine.fix_paths`."""
    from schedlint.fix.engine import fix_paths as run

    return run(paths, settings, options, **kwargs)


def _prepare() -> None:
    """Import what attaching fixes needs (libcst, the placements, the verifier): a worker of a large run does
    it while the run walks its folders (`schedlint.lint.workers`)."""
    import schedlint.fix.engine  # noqa: F401


attach_fixes.prepare = _prepare  # type: ignore[attr-defined]


__all__ = ["FIXABLE_CODES", "attach_fixes", "fix_paths", "fixable_codes"]
