"""CosineAnnealing: a half cosine from the base value to the target over the run."""

from __future__ import annotations

from schedlint.simulate.policies.base import _annealing_cos, register, _Hook


@register("CosineAnnealing", "lr")
class _CosineAnnealing(_Hook):
    own_kwargs = ("min_lr", "min_lr_ratio")

    def validate(self):
        self.target_args("lr" if self.param == "lr" else "momentum")

    def regular(self, p, run):
        return _annealing_cos(self.base, self.target(), p / self.progress_max(run)), None


@register("CosineAnnealing", "momentum")
class _MomentumCosineAnnealing(_CosineAnnealing):
    own_kwargs = ("min_momentum", "min_momentum_ratio")

