"""SL9xx: configs that cannot be resolved. The loader raises these; the units carry the docs.

One rule per module; adding a rule = one module here and one import line below.
"""

from schedlint.rules.loading.syntax_error import SyntaxErrorRule
from schedlint.rules.loading.missing_base import MissingBaseRule
from schedlint.rules.loading.circular_base import CircularBaseRule
from schedlint.rules.loading.needs_execution import NeedsExecutionRule
from schedlint.rules.loading.unknown_scope import UnknownScopeRule
from schedlint.rules.loading.unreadable_file import UnreadableRule
from schedlint.rules.loading.invalid_config import ConfigErrorRule
from schedlint.rules.loading.resource_limit import ResourceLimitRule
from schedlint.rules.loading.internal_error import InternalErrorRule
from schedlint.rules.loading.duplicate_top_level_key import DuplicateTopLevelKey

__all__ = ["DuplicateTopLevelKey", "CircularBaseRule", "ConfigErrorRule", "InternalErrorRule", "MissingBaseRule", "NeedsExecutionRule", "ResourceLimitRule", "SyntaxErrorRule", "UnknownScopeRule", "UnreadableRule"]
