"""Exp: `base * gamma ** progress`."""

from __future__ import annotations

from schedlint.simulate.policies.base import _pow, register, _Hook


@register("Exp", "lr")
class _Exp(_Hook):
    own_kwargs = ("gamma",)

    def validate(self):
        self.gamma = self.number("gamma", required=True)

    def regular(self, p, run):
        return self.base * _pow(self.gamma, p), None

