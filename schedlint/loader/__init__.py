"""Resolve OpenMMLab configs statically, with provenance, the way mmengine's `Config.fromfile` does.

Parts: `files` (safe reading), `budget` (per-file resource limits), `evaluator` + `statements` +
`safe` (the static interpreter), `merge` (mmengine's merge rules), `scopes` (packages located as
files, never imported), `detect` (cheap facts about a config), `core` (the `Loader`), `execute`
(the `--allow-exec` fallback).
"""

from __future__ import annotations

from schedlint.loader.budget import MAX_FILE_BYTES
from schedlint.loader.core import Loader
from schedlint.loader.detect import CONFIG_SUFFIXES, is_config_file
from schedlint.loader.errors import EvaluatorBug, LoadProblem
from schedlint.loader.files import decode, read_bytes, read_text, special_kind
from schedlint.loader.merge import merge_a_into_b
from schedlint.loader.result import ResolvedConfig
from schedlint.loader.scopes import find_scope_root
from schedlint.loader.values import CfgDict, CfgList, lookup, plain, provenance

_decode = decode  # the name `schedlint.fix` used before the split

__all__ = [
    "CONFIG_SUFFIXES",
    "CfgDict",
    "CfgList",
    "EvaluatorBug",
    "LoadProblem",
    "Loader",
    "MAX_FILE_BYTES",
    "ResolvedConfig",
    "decode",
    "find_scope_root",
    "is_config_file",
    "lookup",
    "merge_a_into_b",
    "plain",
    "provenance",
    "read_bytes",
    "read_text",
    "special_kind",
]
