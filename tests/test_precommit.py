"""The pre-commit hooks (.pre-commit-hooks.yaml), run for real by pre-commit.

The hook repository is a temporary git snapshot of this working tree, uncommitted and untracked (not
ignored) files included, so the hooks tested are the ones being written. pre-commit installs it into a
fresh virtualenv with pip (from the package index: this needs it reachable, and takes a while):
`pre-commit run` installs it once into PRE_COMMIT_HOME (a temp folder) and every test reuses it
(`try-repo` would install it anew for each call).
Marked `network`; `.ci/run` runs them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.network  # pip installs the hook environment from the package index

REPO = Path(__file__).resolve().parents[1]
HOOKS = REPO / ".pre-commit-hooks.yaml"

BAD = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[16, 22], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=1)
"""
GOOD = BAD.replace("end=12", "end=24")
BASE = BAD.replace("max_epochs=24", "max_epochs=12").replace("[16, 22]", "[8, 11]")
CHILD = "_base_ = '../_base_/sched.py'\n_base_.param_scheduler[0].milestones = [16, 22]\ntrain_cfg = dict(max_epochs=24)\n"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "schedlint-test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "schedlint-test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}


def pre_commit_command() -> list:
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    return [sys.executable, "-m", "pre_commit"]


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def test_hook_manifest_is_valid():
    command = pre_commit_command()
    result = subprocess.run([*command, "validate-manifest", str(HOOKS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {h["id"]: h for h in yaml.safe_load(HOOKS.read_text())}
    assert set(hooks) == {"schedlint", "schedlint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["python"]
        assert hook["require_serial"] is True  # an edited base re-checks the whole project's dependents
    assert hooks["schedlint"]["entry"].startswith("schedlint check")
    assert hooks["schedlint-fix"]["entry"].startswith("schedlint fix")


def _snapshot(dest: Path) -> Path:
    """A git repository holding this working tree as it is now (tracked, modified and new files)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO, check=True, capture_output=True,
        ).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = None
    if listed is None:  # not a git checkout (e.g. an unpacked sdist): copy the tree
        shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", ".cache",
                                                                  ".pytest_cache", ".hypothesis"))
    else:
        for name in filter(None, listed):
            source = REPO / name
            if source.is_file():
                target = dest / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    git("init", "-q", cwd=dest)
    git("add", "-A", cwd=dest)
    git("-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", "snapshot", cwd=dest)
    return dest


@pytest.fixture(scope="module")
def hooks(tmp_path_factory):
    """Runs the hooks of a git snapshot of this repository in a temp project: `run(HOOK, *files)` is
    `pre-commit run` with a .pre-commit-config.yaml naming the snapshot, so the hook environment is
    installed once into PRE_COMMIT_HOME (a temp folder) and reused by every test."""
    command = pre_commit_command()
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path_factory.mktemp("precommit")
    repo = _snapshot(root / "hook-repo")
    project = root / "project"
    files = {
        "configs/bad.py": BAD,
        "configs/fixme.py": BAD,
        "configs/good.py": GOOD,
        "configs/_base_/sched.py": BASE,
        "configs/model/child.py": CHILD,
        # Python code that is not a config: outside configs/, the hooks leave it alone
        "tools/train.py": "import sys\nfrom mmengine.runner import Runner\nprint(sys.argv)\n",
        ".pre-commit-config.yaml": yaml.safe_dump({"repos": [{
            "repo": str(repo),
            "rev": git("rev-parse", "HEAD", cwd=repo).strip(),
            "hooks": [{"id": "schedlint"}, {"id": "schedlint-fix"}],
        }]}),
    }
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    git("init", "-q", cwd=project)
    git("add", "-A", cwd=project)
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(root / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}

    def call(*args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([*command, *args], cwd=project, env=env, capture_output=True, text=True,
                                timeout=1800)
        if "An unexpected error has occurred" in result.stdout + result.stderr:
            log = Path(env["PRE_COMMIT_HOME"]) / "pre-commit.log"
            details = log.read_text()[-4000:] if log.exists() else ""
            pytest.fail(f"pre-commit could not install or run the hook:\n{result.stdout}\n{result.stderr}\n{details}")
        return result

    class Hooks:
        def run(self, hook: str, *paths: str) -> subprocess.CompletedProcess:
            return call("run", hook, "--files", *paths)

    out = Hooks()
    out.project = project  # type: ignore[attr-defined]
    return out


def test_a_bad_config_fails(hooks):
    result = hooks.run("schedlint", "configs/bad.py")
    assert result.returncode == 1, result.stdout
    assert "schedlint" in result.stdout and "Failed" in result.stdout
    assert "configs/bad.py:3:" in result.stdout and "SL001" in result.stdout


def test_a_good_config_passes_and_code_is_skipped(hooks):
    result = hooks.run("schedlint", "configs/good.py", "tools/train.py")  # reuses the installed environment
    assert result.returncode == 0, result.stdout
    assert "Passed" in result.stdout


def test_an_edited_base_rechecks_its_children(hooks):
    result = hooks.run("schedlint", "configs/_base_/sched.py")
    assert result.returncode == 1, result.stdout
    assert "configs/_base_/sched.py:" in result.stdout and "SL001" in result.stdout
    assert "1 of them because they inherit a given file" in result.stdout


def test_fix_hook_rewrites_the_config(hooks):
    result = hooks.run("schedlint-fix", "configs/fixme.py")
    assert result.returncode == 1, result.stdout  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in result.stdout
    fixed = (hooks.project / "configs" / "fixme.py").read_text()
    assert "end=24" in fixed and "end=12" not in fixed
    assert hooks.run("schedlint", "configs/fixme.py").returncode == 0
