"""The catalogue of mmcv-1.x updater-hook policies (`lr_config` / `momentum_config`): one module per policy.

Every module of this package except `base` holds one policy unit (its LR hook and, where mmcv has
one, its momentum hook; see `base`); it is found and registered on import, so adding a policy is
adding one file (plus its argument names in `schedlint.plan.mmcv`, which the plan builder reads
before anything is simulated; the check below keeps both in step).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Optional, Type

from schedlint.plan.mmcv import ITERATION_ONLY, LR_POLICIES, MOMENTUM_POLICIES
from schedlint.simulate.policies.base import REGISTRY, _Hook

__all__ = ["REGISTRY", "hook_class"]

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")

for _table, _param in ((LR_POLICIES, "lr"), (MOMENTUM_POLICIES, "momentum")):
    _units = {policy for policy, param in REGISTRY if param == _param}
    assert _units == set(_table), f"{_param} policies out of step with schedlint.plan.mmcv: {_units ^ set(_table)}"
    assert all(set(REGISTRY[(p, _param)].own_kwargs) == set(_table[p]) for p in _units)
assert all((name, "lr") in REGISTRY for name in ITERATION_ONLY)


def hook_class(policy: str, param: str) -> Optional[Type[_Hook]]:
    """The unit simulating `policy` for `param` ('lr' or 'momentum'); None when mmcv has no such hook."""
    return REGISTRY.get((policy, param))
