"""Defaults of optimizer arguments a config may omit, from the optimizer classes' signatures (as data).

torch 2.x (`torch/optim/*.py`) and the optimizers OpenMMLab registers besides torch's. An omitted
`lr`, `momentum` or `betas` trains at these values; no torch import is needed to know them.
"""

from __future__ import annotations

from typing import Any, Dict

# type -> keyword defaults of its __init__
OPTIMIZER_DEFAULTS: Dict[str, Dict[str, Any]] = {
    "SGD": dict(lr=1e-3, momentum=0.0),  # torch >= 2.2 (lr was required before)
    "Adam": dict(lr=1e-3, betas=(0.9, 0.999)),
    "AdamW": dict(lr=1e-3, betas=(0.9, 0.999)),
    "Adamax": dict(lr=2e-3, betas=(0.9, 0.999)),
    "NAdam": dict(lr=2e-3, betas=(0.9, 0.999)),
    "RAdam": dict(lr=1e-3, betas=(0.9, 0.999)),
    "SparseAdam": dict(lr=1e-3, betas=(0.9, 0.999)),
    "Adagrad": dict(lr=1e-2),
    "Adadelta": dict(lr=1.0),
    "ASGD": dict(lr=1e-2),
    "Rprop": dict(lr=1e-2),
    "RMSprop": dict(lr=1e-2, momentum=0.0),
    "LBFGS": dict(lr=1.0),
    "Adafactor": dict(lr=1e-2),
    "Lion": dict(lr=1e-4, betas=(0.9, 0.99)),  # mmengine's registration of lion-pytorch
    "Lamb": dict(lr=1e-3, betas=(0.9, 0.999)),  # mmpretrain / timm
}


def default_of(kind: str, key: str) -> Any:
    """The optimizer's own default for an omitted argument (None when unknown)."""
    return OPTIMIZER_DEFAULTS.get(kind, {}).get(key)
