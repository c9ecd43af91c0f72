"""SL404 legacy-policy-name: A `policy` name mmcv cannot find."""

from __future__ import annotations

import difflib
from typing import Iterator

from schedlint.model import Finding, Severity
from schedlint.plan.mmcv import DOWNSTREAM_LR_POLICIES, LR_POLICIES, MOMENTUM_POLICIES, hook_name
from schedlint.rules.base import Context, Example, cfg
from schedlint.rules.support import legacy_loc
from schedlint.rules.mmcv.common import LegacyRule, _SGD


class PolicyName(LegacyRule):
    """A `policy` name mmcv cannot find.

    mmcv builds `<policy>LrUpdaterHook` (`<policy>MomentumUpdaterHook`); an all-lower-case name
    is `.title()`-cased first, which works for one-word policies (`'step'`, `'cyclic'`) but not
    for multi-word ones: `'cosineannealing'` becomes `CosineannealingLrUpdaterHook` and mmcv
    raises `KeyError: ... is not in the hook registry` before training starts. A name that
    matches no mmcv policy (e.g. the old `'cosine'`) is reported as a warning: unless a
    downstream package registers it, it fails the same way; its effect is not simulated. The
    policies OpenMMLab libraries register themselves (mmselfsup's `StepFixCosineAnnealing`,
    mmaction2's `TIN`, mmtrack's `SiameseRPN`) are not reported.

    Fix: the CamelCase name (`'CosineAnnealing'`, `'OneCycle'`, `'FlatCosineAnnealing'`, ...).
    """

    code = "SL404"
    name = "legacy-policy-name"
    severity = Severity.ERROR
    summary = "an lr_config/momentum_config policy name mmcv cannot find (e.g. 'cosineannealing')"
    invalid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='cosineannealing', min_lr=1e-5)
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """),
            epoch_length=10,
        )
    ]
    valid = [
        Example(
            cfg(_SGD, """\
            lr_config = dict(policy='CosineAnnealing', min_lr=1e-5)
            runner = dict(type='EpochBasedRunner', max_epochs=12)
            """),
            epoch_length=10,
        )
    ]

    def check(self, ctx: Context) -> Iterator[Finding]:
        from schedlint.simulate.mmcv import misnamed_policy

        for policy in ctx.plan.legacy:
            table = LR_POLICIES if policy.param == "lr" else MOMENTUM_POLICIES
            if policy.policy in table or "policy" not in policy.raw:
                continue
            loc = legacy_loc(ctx, policy, "policy")
            if loc is None:
                continue
            written = policy.raw.get("policy")
            hook = hook_name(policy.param, policy.policy)
            meant = misnamed_policy(policy.param, policy)
            if meant is not None:
                msg = (f"policy={written!r} makes mmcv look up {hook}, which does not exist: KeyError before training "
                       f"starts (only one-word names are title-cased); write policy='{meant}'")
                yield self.finding(msg, loc)
                continue
            if policy.param == "lr" and policy.policy in DOWNSTREAM_LR_POLICIES:
                continue  # registered by a library (its effect is not simulated: a plan note says so)
            near = difflib.get_close_matches(str(policy.policy), list(table), n=1, cutoff=0.6)
            # (a name holding a policy's whole name is a variant someone registered, not a misspelling of it)
            hint = f"; did you mean '{near[0]}'?" if near and near[0] not in str(policy.policy) else ""
            msg = (f"policy={written!r} needs a hook named {hook}, which mmcv does not have: unless a package you "
                   f"import registers it, mmcv raises KeyError before training starts; its effect is not simulated"
                   f"{hint}")
            yield self.finding(msg, loc, severity=Severity.WARNING)
