"""SL401 total-epochs-mismatch: `total_epochs` and `runner.max_epochs` disagree."""

from __future__ import annotations

from typing import Iterator

from schedlint.model import Finding, Related, Severity
from schedlint.rules.base import Context, Example
from schedlint.rules.mmcv.common import LegacyRule, _STEP_1X, _num


class TotalEpochsMismatch(LegacyRule):
    """`total_epochs` and `runner.max_epochs` disagree.

    mmdet 2.x (and the codebases built on it) asserts `cfg.total_epochs == cfg.runner.max_epochs`
    (`compat_runner_args`) and refuses to start; codebases that still pass `total_epochs` to
    `runner.run` (mmdet 1.x, mmpose 0.x) train `total_epochs` and ignore `runner`. Usually a
    child raised one of them and forgot the other. schedlint simulates `runner.max_epochs`; the
    rules that judge the schedule against the length report only what fails at both lengths.

    Fix: set the length once, in `runner = dict(type='EpochBasedRunner', max_epochs=N)`, and
    delete `total_epochs`.
    """

    code = "SL401"
    name = "total-epochs-mismatch"
    severity = Severity.ERROR
    summary = "legacy total_epochs differs from runner.max_epochs"
    invalid = [Example(_STEP_1X + "total_epochs = 24\n", epoch_length=100)]
    valid = [Example(_STEP_1X + "total_epochs = 12\n", epoch_length=100)]

    def check(self, ctx: Context) -> Iterator[Finding]:
        total = ctx.resolved.get("total_epochs")
        runner = ctx.resolved.get("runner")
        if not _num(total) or not isinstance(runner, dict) or not _num(runner.get("max_epochs")):
            return
        max_epochs = runner["max_epochs"]
        if total == max_epochs:
            return
        loc = ctx.resolved.loc("total_epochs")
        runner_loc = ctx.resolved.loc("runner", "max_epochs")
        if loc is None:
            return
        related = [Related(runner_loc, f"runner.max_epochs={max_epochs:g} set here")] if runner_loc else []
        msg = (f"total_epochs={total:g} but runner.max_epochs={max_epochs:g}: mmdet 2.x asserts they are equal and "
               f"refuses to start; code that passes total_epochs to runner.run (mmpose 0.x, mmdet 1.x) trains "
               f"{total:g} epochs and ignores runner. schedlint simulates {max_epochs:g}; keep one of them")
        yield self.finding(msg, loc, related)
