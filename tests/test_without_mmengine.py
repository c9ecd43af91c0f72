"""mmengine is optional: `check` works without it, and `--allow-exec` says how to install it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# run the CLI in a fresh interpreter where mmengine, mmcv and torch cannot be imported
_BLOCKED = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('mmengine', 'mmcv', 'torch'):
            raise ImportError(f'No module named {name!r} (blocked by the test)')
        return None
sys.meta_path.insert(0, Block())
sys.argv = ['schedlint'] + sys.argv[1:]
from schedlint.cli import main
main()
"""


def schedlint(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _BLOCKED, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_check_runs_without_mmengine():
    out = schedlint("check", "fixtures/configs/user/", "--output-format", "json", "--no-cache", "--no-dependents")
    assert out.returncode == 1, out.stderr
    codes = {f["code"] for f in json.loads(out.stdout)}
    assert "SL001" in codes and "SL999" not in codes


def test_allow_exec_without_mmengine_names_the_extra(tmp_path):
    (tmp_path / "needs_exec.py").write_text("import os\nwork_dir = os.getcwd()\nlr = 0.1\n")
    out = schedlint("check", "needs_exec.py", "--allow-exec", "--output-format", "concise", "--no-cache", cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    assert "SL904" in out.stdout and "schedlint[exec]" in out.stdout
    assert "Traceback" not in out.stderr


def test_installing_schedlint_never_replaces_a_users_mmengine():
    """mmengine-lite and mmengine are different distributions writing the same `mmengine` package:
    neither may be a run-time dependency, and the `exec` extra names the full `mmengine` (which an
    installed mmengine 0.10.4 satisfies, so pip leaves it alone)."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    names = [d.split(";")[0].replace(" ", "") for d in project["dependencies"]]
    assert not [n for n in names if n.lower().startswith(("mmengine", "mmcv", "torch"))], names
    assert [d for d in project["optional-dependencies"]["exec"] if d.startswith("mmengine")] == ["mmengine>=0.7"]
