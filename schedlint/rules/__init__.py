"""The rule registry. Adding a rule = one module in its family folder, one import line in the family
`__init__`, and its code in `RULE_CODES` (a test says so when it is missing)."""

from __future__ import annotations

import importlib
from typing import Dict, Iterable, List, Optional

from schedlint.rules.base import Context, Example, Rule, fmt

RULE_MODULES = ["loading", "length", "arguments", "momentum", "cadence", "mmcv"]  # family packages

_REGISTRY: Optional[Dict[str, Rule]] = None

#: every rule's code, in code order: what selectors are matched against without importing the rules
#: (which import the plan models and numpy); a test keeps it equal to the registry's
RULE_CODES = (
    "SL001", "SL002", "SL003", "SL004", "SL005", "SL006", "SL007", "SL008", "SL009", "SL010", "SL011", "SL012",
    "SL013", "SL014", "SL015",
    "SL101", "SL102", "SL103", "SL104", "SL105",
    "SL201", "SL202", "SL203",
    "SL301", "SL302", "SL303", "SL304", "SL305", "SL306", "SL307", "SL308", "SL309", "SL310", "SL311", "SL312",
    "SL401", "SL402", "SL403", "SL404", "SL405", "SL406", "SL407",
    "SL901", "SL902", "SL903", "SL904", "SL905", "SL906", "SL907", "SL908", "SL909", "SL999",
)


def _subclasses(cls: type) -> Iterable[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def all_rules() -> Dict[str, Rule]:
    """Every rule, by code, in code order."""
    global _REGISTRY
    if _REGISTRY is None:
        for module in RULE_MODULES:
            importlib.import_module(f"schedlint.rules.{module}")
        found = {cls.code: cls() for cls in _subclasses(Rule) if "code" in cls.__dict__}
        _REGISTRY = dict(sorted(found.items()))
    return _REGISTRY


def rule_codes() -> tuple:
    """Every rule's code in code order (`all_rules()`'s keys, known without importing the rules)."""
    return tuple(_REGISTRY) if _REGISTRY is not None else RULE_CODES


def get_rule(code: str) -> Optional[Rule]:
    """The rule with this code (case-insensitive) or kebab-case name."""
    rules = all_rules()
    key = code.upper()
    if key in rules:
        return rules[key]
    for rule in rules.values():
        if rule.name == code.lower():
            return rule
    return None


def select_codes(select: Optional[List[str]], ignore: List[str], extend_select: List[str]) -> List[str]:
    """Codes enabled by ruff-style selectors (code prefixes; 'ALL')."""
    codes = list(all_rules())

    def matches(code: str, selectors: Iterable[str]) -> bool:
        return any(s.upper() == "ALL" or code.startswith(s.upper()) for s in selectors)

    chosen = [c for c in codes if matches(c, select)] if select is not None else list(codes)
    chosen += [c for c in codes if matches(c, extend_select) and c not in chosen]
    return [c for c in chosen if not matches(c, ignore)]


__all__ = ["Context", "Example", "RULE_CODES", "Rule", "all_rules", "fmt", "get_rule", "rule_codes", "select_codes"]
