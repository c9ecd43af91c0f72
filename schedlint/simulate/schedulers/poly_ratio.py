"""mmseg's PolyLRRatio: PolyLR with a floor relative to the base value."""

from __future__ import annotations

from schedlint.simulate.schedulers.base import _number, register
from schedlint.simulate.schedulers.poly import _PolyLR


@register
class _PolyLRRatio(_PolyLR):
    """mmseg's PolyLRRatio (mmseg/engine/schedulers/poly_ratio_scheduler.py): Poly with a per-base floor."""
    family = "PolyRatio"
    arguments = ('eta_min', 'power', 'eta_min_ratio')
    class_names = {"PolyLRRatio": "lr"}

    def validate(self) -> None:
        super().validate()
        self.eta_min_ratio = _number(self.args, "eta_min_ratio")

    def floor(self) -> float:
        return self.eta_min if self.eta_min_ratio is None else self.base * self.eta_min_ratio
