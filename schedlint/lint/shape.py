"""Whether a .py file found in a folder walk is a config or Python code, told by its text (and, where the
text leaves a doubt, its top-level statements)."""

from __future__ import annotations

import ast
import re

from schedlint.lint.retention import note_head
from schedlint.lint.scripts import SCRIPT_BUILTINS, looks_like_script
from schedlint.loader import LoadProblem, read_bytes
from schedlint.loader.files import release_kept
from schedlint.loader.textscan import LineStart, Words

_CONFIG_KEYS = (
    b"_base_|param_scheduler|train_cfg|optim_wrapper|optimizer|lr_config|momentum_config|runner|total_epochs|"
    b"model|train_dataloader|data|default_scope|dataset_type|train_pipeline|default_hooks|auto_scale_lr"
)
_CONFIG_ASSIGN = re.compile(rb"^(?:" + _CONFIG_KEYS + rb")\s*=|^with\s+read_base\s*\(", re.M)
_MODULE_CODE = LineStart(rb"(?:def|class|async\s+def)\s")
# what `looks_like_script` looks for, as text (top-level statements start at column 0; `;`, a form feed
# or a backslash continuation may hide one; a script builtin is looked for as a word, however it is called,
# except `open` in the `open-mmlab://` checkpoint addresses of most OpenMMLab configs, never code)
_SCRIPT_IMPORT = LineStart(rb"(?:import|from)\s")
_SCRIPT_WORDS = Words(SCRIPT_BUILTINS, {"open": "-mmlab:"})


def _script_hint(head: bytes) -> bool:
    return (b"__name__" in head or b";" in head or b"\f" in head or b"\\\n" in head
            or _SCRIPT_IMPORT.search(head) or _SCRIPT_WORDS.search(head))


def looks_like_config(path: str) -> bool:
    """Whether a .py file found in a folder walk is an OpenMMLab config rather than Python code.

    A config assigns config keys at top level (`_base_`, `param_scheduler`, `model`, ...) and
    defines no functions or classes (unless it inherits, which only configs do); scripts are told
    apart by their imports and code shape (`schedlint.lint.scripts`). A binary file named .py is
    kept, so that it is reported.
    """
    try:
        # never opens a FIFO or device; a config is kept for the loader, which reads it next
        head = read_bytes(path, 256 * 1024, head=True, keep=True)
    except LoadProblem:
        return True  # reported as unreadable
    if _looks_like_config(head):
        note_head(path, head)  # what it names, for the memory of the run (read once, here)
        return True
    release_kept(path)
    return False


def _looks_like_config(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    if not _CONFIG_ASSIGN.search(head):
        return False
    if not _script_hint(head) and not _MODULE_CODE.search(head):
        return True  # no import, no call of a script builtin, no `__main__`, no def/class: nothing to tell apart
    # decide on the real statements (config keys may be mentioned inside strings of Python code)
    try:
        tree = ast.parse(head)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return True  # a broken (or absurdly nested) config is reported as such
    names = {
        t.id
        for stmt in tree.body
        if isinstance(stmt, ast.Assign)
        for t in stmt.targets
        if isinstance(t, ast.Name)
    }
    if looks_like_script(tree, inherits="_base_" in names):
        return False  # a tool: argparse, `__main__`, `model = torch.load(...)`
    if not _MODULE_CODE.search(head):
        return True
    if "_base_" in names or any(isinstance(stmt, ast.With) for stmt in tree.body):
        return True
    has_code = any(isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for stmt in tree.body)
    return not has_code and bool(names & set(_CONFIG_KEYS.decode().split("|")))
