"""SL907 invalid-config: Evaluating the config fails the way it would fail in mmengine."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class ConfigErrorRule(LoadRule):
    """Evaluating the config fails the way it would fail in mmengine.

    Examples: an undefined name, duplicate keys among bases, a dict merged over a list
    without `_delete_=True`, a `{{_base_.x}}` that the bases do not define.

    `check` does not evaluate a top-level `model = ...` that nothing else in its file reads (no rule
    reads the model): an error inside it is for `schedlint resolve` (or mmengine) to report.
    """

    code = "SL907"
    name = "invalid-config"
    severity = Severity.ERROR
    summary = "config fails to evaluate (mmengine would fail too)"
    invalid = [Example("lr = base_lr * 2\n")]
    valid = [Example("base_lr = 0.01\nlr = base_lr * 2\n")]
