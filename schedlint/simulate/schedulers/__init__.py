"""The catalogue of mmengine parameter scheduler types: one module per type.

Every module of this package except `base` holds one scheduler unit (see `base` for what a unit
declares); it is found and registered on import, so adding a scheduler type is adding one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, Optional, Tuple, Type

from schedlint.simulate.schedulers.base import INF, REGISTRY, _Stepper

__all__ = ["INF", "REGISTRY", "class_names", "parse_type", "stepper_class"]

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")

_SUFFIXES = (("ParamScheduler", "generic"), ("LR", "lr"), ("Momentum", "momentum"))


def class_names() -> Dict[str, Tuple[str, str]]:
    """Every scheduler class name the catalogue simulates -> (family, flavour 'lr'/'momentum'/'generic')."""
    names: Dict[str, Tuple[str, str]] = {}
    for family, cls in REGISTRY.items():
        if cls.class_names:
            names.update({name: (family, flavour) for name, flavour in cls.class_names.items()})
        else:
            names.update({family + suffix: (family, flavour) for suffix, flavour in _SUFFIXES})
    return names


_NAMES = class_names()


def parse_type(name: str) -> Optional[Tuple[str, str]]:
    """(family, flavour) of a scheduler class name; flavour is 'lr', 'momentum' or 'generic'."""
    return _NAMES.get(str(name).rsplit(".", 1)[-1])  # tolerate scopes such as 'mmdet.QuadraticWarmupLR'


def stepper_class(family: str) -> Type[_Stepper]:
    """The unit simulating a scheduler family."""
    return REGISTRY[family]
