"""SL1xx: momentum and optimizer, judged on the simulated momentum / beta1 curve.

One rule per module; adding a rule = one module here and one import line below.
"""

from schedlint.rules.momentum.momentum_reaches_one import MomentumReachesOne
from schedlint.rules.momentum.ported_momentum_ratio import PortedMomentumRatio
from schedlint.rules.momentum.momentum_without_support import MomentumWithoutSupport
from schedlint.rules.momentum.lr_momentum_phases_out_of_step import PhasesOutOfStep
from schedlint.rules.momentum.absolute_floor_defeats_scaling import AbsoluteFloorDefeatsScaling

__all__ = ["AbsoluteFloorDefeatsScaling", "MomentumReachesOne", "MomentumWithoutSupport", "PhasesOutOfStep", "PortedMomentumRatio"]
