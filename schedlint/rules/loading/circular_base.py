"""SL903 circular-base: Configs inherit from each other in a cycle; mmengine recurses until it fails."""

from __future__ import annotations

from schedlint.model import Severity
from schedlint.rules.base import Example, LoadRule


class CircularBaseRule(LoadRule):
    """Configs inherit from each other in a cycle; mmengine recurses until it fails."""

    code = "SL903"
    name = "circular-base"
    severity = Severity.ERROR
    summary = "`_base_` inheritance forms a cycle"
    invalid = [Example({"config.py": "_base_ = './other.py'\n", "other.py": "_base_ = './config.py'\n"})]
    valid = [Example({"config.py": "_base_ = './other.py'\n", "other.py": "lr = 0.1\n"})]
