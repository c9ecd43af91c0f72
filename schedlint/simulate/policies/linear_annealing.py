"""LinearAnnealing: a straight line from the base value to the target over the run."""

from __future__ import annotations

from schedlint.simulate.policies.base import _annealing_linear, register
from schedlint.simulate.policies.cosine_annealing import _CosineAnnealing


@register("LinearAnnealing", "lr")
class _LinearAnnealing(_CosineAnnealing):
    def regular(self, p, run):
        return _annealing_linear(self.base, self.target(), p / self.progress_max(run)), None


@register("LinearAnnealing", "momentum")
class _MomentumLinearAnnealing(_LinearAnnealing):
    own_kwargs = ("min_momentum", "min_momentum_ratio")

