"""Hostile and broken input (issue 11): nothing runs, nothing hangs, nothing is lost.

Every case runs the real command line in a forked child with a CPU-time and an address-space limit
and a wall-clock deadline (a hang or a memory blow-up fails the case instead of the machine), and
checks: the exit code, the finding code, no traceback, no false "All checks passed!", and that no
sentinel file appeared (the proof that no config or package code ran).
"""

from __future__ import annotations

import os
import resource
import signal
import stat
import sys
import textwrap
import time
import traceback
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

import schedlint.cli  # noqa: F401  (imported once here: every forked case starts with it loaded)
import schedlint.lint.engine  # noqa: F401
import schedlint.report  # noqa: F401

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

WALL_SECONDS = 60  # per case; the cases take well under a second each when nothing hangs
CPU_SECONDS = 40
EXTRA_MEMORY = 1536 * 1024 * 1024  # address space a case may add to the forked process


def _vm_size() -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def run(argv: List[str], cwd: Path, env: Optional[Dict[str, str]] = None, extra_path: Optional[str] = None
        ) -> Tuple[int, str, str]:
    """`schedlint ARGV` in a forked child under CPU, memory and wall-clock limits: (exit code, stdout, stderr)."""
    out_path, err_path = cwd / ".out.txt", cwd / ".err.txt"
    pid = os.fork()
    if pid == 0:  # child
        code = 98
        try:
            os.chdir(cwd)
            out = open(out_path, "w", encoding="utf-8", errors="replace")
            err = open(err_path, "w", encoding="utf-8", errors="replace")
            sys.stdout, sys.stderr = out, err
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            for key, value in (env or {}).items():
                os.environ[key] = value
            if extra_path:
                sys.path.insert(0, extra_path)
            limit = _vm_size() + EXTRA_MEMORY
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
            sys.argv = ["schedlint"] + argv
            from schedlint.cli import main

            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 97
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            finally:
                os._exit(code)
    deadline = time.monotonic() + WALL_SECONDS
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"schedlint {' '.join(argv)} did not finish within {WALL_SECONDS} s")
        time.sleep(0.01)
    if os.WIFSIGNALED(status):
        pytest.fail(f"schedlint {' '.join(argv)} was killed by signal {os.WTERMSIG(status)} (CPU or memory limit)")
    out, err = out_path.read_text(encoding="utf-8"), err_path.read_text(encoding="utf-8")
    out_path.unlink()
    err_path.unlink()
    return os.WEXITSTATUS(status), out, err


def write_tree(root: Path, files: Dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def assert_sane(rc: int, out: str, err: str, codes: Tuple[str, ...] = (), exit_codes: Tuple[int, ...] = (1,)) -> None:
    assert "Traceback" not in out + err, out + err
    assert rc in exit_codes, (rc, out, err)
    for code in codes:
        assert code in out, (code, out, err)
    if codes or rc != 0:
        assert "All checks passed!" not in out, out


VALID_TAIL = """
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=12, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11])]
"""

# ------------------------------------------------------------------------------------- nothing runs


EVIL_INIT = "import pathlib\npathlib.Path({sentinel!r}).write_text('ran')\n"


@pytest.mark.parametrize("reference", [
    "_base_ = 'evilpkg.sub::x.py'\n",
    "_base_ = 'evilpkg::x.py'\n",
    "from mmengine.config import read_base\nwith read_base():\n    from evilpkg.configs.x import *\n",
    "from mmengine.config import read_base\nwith read_base():\n    from evilpkg.sub.configs.x import *\n",
])
def test_scope_lookup_never_imports_a_package(tmp_path, reference):
    sentinel = tmp_path / "SENTINEL"
    write_tree(tmp_path, {
        "site/evilpkg/__init__.py": EVIL_INIT.format(sentinel=str(sentinel)),
        "site/evilpkg/sub/__init__.py": EVIL_INIT.format(sentinel=str(sentinel)),
        "site/evilpkg/configs/__init__.py": EVIL_INIT.format(sentinel=str(sentinel)),
        "configs/leaf.py": reference,
    })
    rc, out, err = run(["check", "configs/leaf.py", "--output-format", "concise"], tmp_path,
                       extra_path=str(tmp_path / "site"))
    assert_sane(rc, out, err, exit_codes=(1,))
    assert "SL90" in out
    assert not sentinel.exists()


def test_scope_found_as_files_resolves_without_import(tmp_path):
    sentinel = tmp_path / "SENTINEL"
    write_tree(tmp_path, {
        "site/goodpkg/__init__.py": EVIL_INIT.format(sentinel=str(sentinel)),
        "site/goodpkg/.mim/configs/_base_/schedule.py": VALID_TAIL,
        "configs/leaf.py": "_base_ = 'goodpkg::_base_/schedule.py'\n",
    })
    rc, out, err = run(["check", "configs/leaf.py", "--output-format", "concise"], tmp_path,
                       extra_path=str(tmp_path / "site"))
    assert_sane(rc, out, err, exit_codes=(0, 1))
    assert "SL905" not in out and "SL904" not in out
    assert not sentinel.exists()


def test_repository_settings_cannot_enable_execution(tmp_path):
    sentinel = tmp_path / "SENTINEL"
    write_tree(tmp_path, {
        "pyproject.toml": "[tool.schedlint]\nallow-exec = true\n",
        "configs/leaf.py": f"import os\nos.system('touch {sentinel}')\n" + VALID_TAIL,
    })
    rc, out, err = run(["check", "configs/leaf.py", "--output-format", "concise"], tmp_path,
                       env={"XDG_CONFIG_HOME": str(tmp_path / "no-user-config")})
    assert_sane(rc, out, err, ("SL904",))
    assert "allow-exec = true; ignored" in err
    assert not sentinel.exists()


def test_user_settings_file_may_enable_execution(tmp_path, monkeypatch):
    from schedlint.lint.settings import resolve_settings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    write_tree(tmp_path, {"cfg/schedlint/schedlint.toml": "allow-exec = true\n", "repo/leaf.py": "lr = 1\n"})
    assert resolve_settings([str(tmp_path / "repo" / "leaf.py")], isolated=True).allow_exec is True
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))
    assert resolve_settings([str(tmp_path / "repo" / "leaf.py")], isolated=True).allow_exec is False


# ------------------------------------------------------------------------------------ nothing hangs

BUDGET_CASES = {
    "nested-comprehension": "x = [[i * j for i in range(100000)] for j in range(100000)]\n",
    "pow-builtin": "x = pow(10, 10 ** 8)\n",
    "pow-of-pow": "x = (10 ** 10000) ** 10000\n",
    "shift": "x = 1 << 10 ** 10\n",
    "sum-of-lists": "x = sum([[0] * 100 for _ in range(2000)], [])\n",
    "string-doubling": "s = 'ab'\nfor i in range(64):\n    s = s + s\n",
    "list-doubling": "l = [1]\nfor i in range(64):\n    l += l\n",
    "list-extend-doubling": "l = [1]\nfor i in range(64):\n    l.extend(l)\n",
    "zfill": "x = 'a'.zfill(10 ** 9)\n",
    "ljust": "x = 'a'.ljust(10 ** 9)\n",
    "format-width": "x = '{:>1000000000}'.format(1)\n",
    "fstring-width": "x = f'{1:>1000000000}'\n",
    "format-builtin-width": "x = format(1, '>1000000000')\n",
    "percent-width": "x = '%1000000000d' % 1\n",
    "join": "x = ('x' * 1000).join(['y' * 1000] * 10000)\n",
    "replace": "x = ('a' * 100000).replace('a', 'b' * 10000)\n",
    "aliased-lists": "a = [0] * 1000\nb = [a] * 1000\nc = [b] * 1000\nd = [c] * 1000\n",
    "while-true": "i = 0\nwhile True:\n    i += 1\n",
    "deep-value": "x = []\nfor i in range(100000):\n    x = [x]\n",
    "long-chain": "x = " + " + ".join(["1"] * 3000) + "\n",
    "huge-range": "x = list(range(10 ** 12))\n",
    "str-times-big": "x = 'ab' * 10 ** 12\n",
}


@pytest.mark.parametrize("case", sorted(BUDGET_CASES))
def test_costly_configs_are_refused_fast_with_the_line(tmp_path, case):
    write_tree(tmp_path, {"configs/leaf.py": VALID_TAIL})
    (tmp_path / "configs" / "leaf.py").write_text(VALID_TAIL + BUDGET_CASES[case], encoding="utf-8")
    rc, out, err = run(["check", "configs/leaf.py", "--output-format", "concise", "--isolated"], tmp_path)
    assert_sane(rc, out, err, exit_codes=(1,))
    assert any(code in out for code in ("SL908", "SL901")), out
    assert "leaf.py:" in out


def test_yaml_alias_bomb_base_is_refused(tmp_path):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    write_tree(tmp_path, {"configs/bomb.yaml": "\n".join(lines) + "\n",
                          "configs/leaf.py": "_base_ = './bomb.yaml'\n" + VALID_TAIL})
    rc, out, err = run(["check", "configs/leaf.py", "--output-format", "concise", "--isolated"], tmp_path)
    assert_sane(rc, out, err, ("SL908",))
    assert "bomb.yaml" in out


@pytest.mark.parametrize("case", ["env-template-redos", "dev-zero", "folder", "empty", "symlink-loop", "deep-yaml",
                                  "deep-json"])
def test_odd_bases_and_texts_are_findings(tmp_path, case):
    (tmp_path / "configs").mkdir()
    leaf = tmp_path / "configs" / "leaf.py"
    base = {"dev-zero": "/dev/zero", "folder": str(tmp_path), "empty": "", "symlink-loop": "./loop.py",
            "deep-yaml": "./deep.yaml", "deep-json": "./deep.json"}.get(case)
    if case == "symlink-loop":
        (tmp_path / "configs" / "loop.py").symlink_to(tmp_path / "configs" / "loop.py")
    if case == "deep-yaml":
        (tmp_path / "configs" / "deep.yaml").write_text("a: " + "[" * 20000 + "]" * 20000 + "\n")
    if case == "deep-json":
        (tmp_path / "configs" / "deep.json").write_text('{"a": ' + "[" * 100000 + "]" * 100000 + "}\n")
    text = VALID_TAIL if base is None else f"_base_ = {base!r}\n" + VALID_TAIL
    if case == "env-template-redos":
        text += "x = 1  # " + "{{$a:" * 150000 + "\n"
    leaf.write_text(text, encoding="utf-8")
    rc, out, err = run(["check", "configs/leaf.py", "--output-format", "concise", "--isolated"], tmp_path)
    assert "Traceback" not in out + err
    if case == "env-template-redos":
        assert rc in (0, 1)
    else:
        assert_sane(rc, out, err, exit_codes=(1,))
        assert "SL90" in out
    if case in ("folder", "empty"):  # at the `_base_` line of the config, not at the folder
        assert "configs/leaf.py:1:" in out and "SL902" in out and "names a folder" in out


def test_sparse_huge_file_is_not_read(tmp_path):
    (tmp_path / "configs").mkdir()
    with open(tmp_path / "configs" / "leaf.py", "wb") as fh:
        fh.truncate(3 * 1024 ** 3)  # 3 GB, sparse: reading it whole would exceed the memory limit
    rc, out, err = run(["check", "configs/leaf.py", "--output-format", "concise", "--isolated"], tmp_path)
    assert_sane(rc, out, err, ("SL906",))
    rc, out, err = run(["check", "configs", "--output-format", "concise", "--isolated"], tmp_path)
    assert_sane(rc, out, err, ("SL906",))


@pytest.mark.parametrize("how", ["folder", "file", "fix"])
def test_fifo_named_like_a_config_never_blocks(tmp_path, how):
    write_tree(tmp_path, {"configs/ok.py": VALID_TAIL})
    os.mkfifo(tmp_path / "configs" / "x.py")
    argv = {"folder": ["check", "configs"], "file": ["check", "configs/x.py"], "fix": ["fix", "configs"]}[how]
    rc, out, err = run(argv + ["--isolated"] + (["--output-format", "concise"] if how != "fix" else []), tmp_path)
    assert "Traceback" not in out + err
    if how != "folder":  # named or fixed: reported as not a config file
        assert "SL906" in out and "FIFO" in out, out
        assert rc in (1, 2)
    assert stat.S_ISFIFO(os.stat(tmp_path / "configs" / "x.py").st_mode)


def test_deep_inheritance_is_reported_not_passed(tmp_path):
    files = {"configs/c0.py": VALID_TAIL}
    for i in range(1, 451):
        files[f"configs/c{i}.py"] = f"_base_ = './c{i - 1}.py'\nx{i} = {i}\n"
    write_tree(tmp_path, files)
    rc, out, err = run(["check", "configs/c450.py", "--output-format", "concise", "--isolated", "--no-dependents"],
                       tmp_path)
    assert_sane(rc, out, err, ("SL908",))
    assert "inheritance deeper" in out
    rc, out, err = run(["resolve", "configs/c450.py"], tmp_path)
    assert "Traceback" not in out + err and rc in (1, 2) and "SL908" in out + err


@pytest.mark.parametrize("tail", [
    "train_cfg = dict(type='IterBasedTrainLoop', max_iters=3000000000)\n"
    "param_scheduler = [dict(type='MultiStepLR', by_epoch=False, begin=0, end=3000000000, milestones=[10])]\n",
    "train_cfg = dict(type='IterBasedTrainLoop', max_iters=10 ** 12)\n",
    "param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=list(range(1, 20001)))]\n",
    "param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=list(range(10 ** 6)))]\n",
])
def test_simulation_of_absurd_lengths_is_bounded(tmp_path, tail):
    write_tree(tmp_path, {"configs/leaf.py": VALID_TAIL + tail})
    rc, out, err = run(["check", "configs/leaf.py", "--output-format", "concise", "--isolated"], tmp_path)
    assert_sane(rc, out, err, ("SL908",))


@pytest.mark.parametrize("command", ["show", "curve"])
def test_views_refuse_absurd_lengths(tmp_path, command):
    write_tree(tmp_path, {"leaf.py": VALID_TAIL + "train_cfg = dict(type='IterBasedTrainLoop', max_iters=3000000000)\n"})
    rc, out, err = run([command, "leaf.py"], tmp_path)
    assert rc == 2 and "SL908" in err and "Traceback" not in out + err


def test_resolve_of_a_huge_int_has_no_traceback(tmp_path):
    write_tree(tmp_path, {"leaf.py": "x = 10 ** 4000\ny = 2 ** 9000\n"})
    rc, out, err = run(["resolve", "leaf.py"], tmp_path)
    assert "Traceback" not in out + err
    assert rc in (1, 2) and "SL908" in out + err  # beyond the integer budget: refused, not a crash


def test_a_def_and_a_deep_expression_do_not_abort_the_folder_walk(tmp_path):
    deep = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    write_tree(tmp_path, {"configs/a_deep.py": "def f():\n    pass\n" + deep + VALID_TAIL,
                          "configs/b_ok.py": VALID_TAIL.replace("end=12", "end=6")})
    rc, out, err = run(["check", "configs", "--output-format", "concise", "--isolated"], tmp_path)
    assert "Traceback" not in out + err
    assert "b_ok.py" in out  # the other file was checked (its SL001-family finding is reported)


def test_plot_to_an_unknown_image_format_is_a_clear_error(tmp_path):
    pytest.importorskip("matplotlib")
    write_tree(tmp_path, {"leaf.py": VALID_TAIL})
    rc, out, err = run(["plot", "leaf.py", "-o", "x.xyz"], tmp_path)
    assert rc == 2 and "Traceback" not in out + err
    assert "unknown image format" in err
    assert not (tmp_path / "x.xyz").exists()


# ------------------------------------------------------------------ builtins mmengine would accept


@pytest.mark.parametrize("line", [
    "x = getattr(dict(a=1), 'a')\n",
    "x = sorted([3, 1, 2], key=lambda v: -v)\n",
    "x = vars()\n",
    "x = list(map(str, [1, 2]))\n",
])
def test_loadable_configs_the_evaluator_cannot_read_are_warnings(tmp_path, line):
    from schedlint.loader import LoadProblem, Loader

    path = tmp_path / "leaf.py"
    path.write_text(VALID_TAIL + line, encoding="utf-8")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL904", info.value.message
    assert info.value.location.line == VALID_TAIL.count("\n") + 1


def test_an_evaluator_bug_is_an_internal_error_not_the_users_sl907(tmp_path, monkeypatch):
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings
    from schedlint.loader.evaluator import Evaluator

    def broken(self, node):
        raise RuntimeError("boom")  # not an error Python raises for a wrong config

    monkeypatch.setattr(Evaluator, "stmt_Assign", broken)
    path = tmp_path / "leaf.py"
    path.write_text(VALID_TAIL, encoding="utf-8")
    result = check_paths([str(path)], Settings(dependents=False))
    codes = [f.code for f in result.findings]
    assert "SL999" in codes and "SL907" not in codes
    assert result.internal_errors


# --------------------------------------------------------------------------------- output hygiene


def test_control_characters_never_reach_the_terminal(tmp_path):
    name = "evil\x1b[2J\x07name.py"
    (tmp_path / name).write_text(
        "# \x1b[32mAll checks passed!\x1b[0m\n" + VALID_TAIL.replace("end=12", "end=6") + "x = undefined_name\n",
        encoding="utf-8",
    )
    for fmt in ("full", "concise", "github"):
        rc, out, err = run(["check", name, "--output-format", fmt, "--isolated"], tmp_path)
        assert rc == 1 and "Traceback" not in out + err
        assert "\x1b" not in out + err and "\x07" not in out + err, fmt
        assert "\\x1b" in out, fmt


@pytest.mark.parametrize("command", ["show", "resolve", "curve", "check"])
def test_control_characters_in_file_names_and_values_are_escaped_by_every_command(tmp_path, command):
    name = "e\x1b[2Jx.py"
    (tmp_path / name).write_text("work_dir = 'a\\x1b[2Jb'\n" + VALID_TAIL, encoding="utf-8")
    rc, out, err = run([command, name], tmp_path)
    assert "Traceback" not in out + err and rc in (0, 1)
    assert "\x1b" not in out + err


@pytest.mark.parametrize("fmt", ["full", "concise", "github", "json", "sarif"])
def test_file_names_that_are_not_utf8_are_reported_in_every_format(tmp_path, fmt):
    (tmp_path / "configs").mkdir()
    with open(os.fsencode(str(tmp_path / "configs")) + b"/\xff\xfe.py", "w") as fh:
        fh.write(VALID_TAIL + "x = undefined_name\n")
    rc, out, err = run(["check", "configs", "--isolated", "--output-format", fmt], tmp_path)
    assert rc == 1 and "Traceback" not in out + err and "SL907" in out


def test_a_huge_settings_file_is_refused_unread(tmp_path):
    write_tree(tmp_path, {"leaf.py": VALID_TAIL})
    with open(tmp_path / "pyproject.toml", "wb") as fh:
        fh.truncate(3 * 1024 ** 3)
    rc, out, err = run(["check", "leaf.py"], tmp_path)
    assert rc == 2 and "too large" in err and "Traceback" not in out + err


def test_frames_of_files_outside_the_checked_tree_are_not_printed(tmp_path):
    write_tree(tmp_path, {
        "outside/secret.py": "TOKEN = 'hunter2' +\n",
        "tree/leaf.py": "_base_ = '../outside/secret.py'\n" + VALID_TAIL,
    })
    rc, out, err = run(["check", "tree", "--isolated"], tmp_path)
    assert_sane(rc, out, err, ("SL901",))
    assert "hunter2" not in out + err


def test_frames_of_bases_in_the_checked_files_project_are_printed(tmp_path):
    """Checking one config (the pre-commit call) shows the line responsible in its base, in the same project
    (pyproject.toml, .git ...); a file outside the project stays unprinted (above)."""
    write_tree(tmp_path, {
        "pyproject.toml": "",
        "configs/_base_/schedule.py": "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n" + "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11],\n"
                                      "    end=12, by_epoch=True)]  # SHOWN\n",
        "configs/leaf.py": "_base_ = './_base_/schedule.py'\ntrain_cfg = dict(by_epoch=True, max_epochs=24)\n",
    })
    rc, out, err = run(["check", "configs/leaf.py", "--isolated"], tmp_path)
    assert rc == 1 and "SL004" in out and "# SHOWN" in out, out + err


def test_long_lines_in_frames_are_cut(tmp_path):
    write_tree(tmp_path, {"leaf.py": VALID_TAIL + "x = undefined_name  # " + "z" * 5000 + "\n"})
    rc, out, err = run(["check", "leaf.py", "--isolated"], tmp_path)
    assert rc == 1 and "z" * 300 not in out


# ------------------------------------------------------------------------------------------ settings


@pytest.mark.parametrize("value", ["-3", "0"])
def test_jobs_below_one_is_a_settings_error(tmp_path, value):
    write_tree(tmp_path, {"pyproject.toml": f"[tool.schedlint]\njobs = {value}\n", "leaf.py": VALID_TAIL})
    rc, out, err = run(["check", "leaf.py"], tmp_path)
    assert rc == 2 and "jobs" in err and "Traceback" not in out + err


def test_jobs_is_capped_per_core(tmp_path):
    from schedlint.lint.settings import MAX_JOBS_PER_CORE, load_settings

    write_tree(tmp_path, {"pyproject.toml": "[tool.schedlint]\njobs = 300\n"})
    settings = load_settings(str(tmp_path / "pyproject.toml"))
    assert settings.worker_count <= MAX_JOBS_PER_CORE * (os.cpu_count() or 1) < 300


def test_an_unreadable_folder_is_reported(tmp_path, monkeypatch):
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings

    write_tree(tmp_path, {"configs/ok.py": VALID_TAIL, "configs/locked/x.py": VALID_TAIL})
    locked = str(tmp_path / "configs" / "locked")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.abspath(os.fspath(path)) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = check_paths([str(tmp_path / "configs")], Settings())
    unreadable = [f for f in result.findings if f.code == "SL906" and f.location.file == locked]
    assert unreadable and "Permission denied" in unreadable[0].message


# ------------------------------------------------------------------------------------ nothing is lost

FIXABLE = """
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=24, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[16, 22], gamma=0.1),
]
"""


def _fixable(tmp_path: Path) -> Path:
    write_tree(tmp_path, {"real/leaf.py": FIXABLE})
    return tmp_path / "real" / "leaf.py"


def test_fix_through_a_symlink_edits_the_target_and_keeps_the_link(tmp_path):
    target = _fixable(tmp_path)
    (tmp_path / "tree").mkdir()
    link = tmp_path / "tree" / "leaf.py"
    link.symlink_to(target)
    rc, out, err = run(["fix", "tree/leaf.py", "--isolated"], tmp_path)
    assert "Traceback" not in out + err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() != textwrap.dedent(FIXABLE).lstrip("\n")


def test_fix_keeps_hard_links_and_the_mode(tmp_path):
    target = _fixable(tmp_path)
    os.chmod(target, 0o640)
    other = tmp_path / "real" / "alias.txt"
    os.link(target, other)
    rc, out, err = run(["fix", "real/leaf.py", "--isolated"], tmp_path)
    assert "Traceback" not in out + err
    assert os.stat(target).st_ino == os.stat(other).st_ino and os.stat(target).st_nlink == 2
    assert other.read_text() == target.read_text() != textwrap.dedent(FIXABLE).lstrip("\n")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_fix_refuses_a_read_only_file_and_fails(tmp_path):
    target = _fixable(tmp_path)
    before = target.read_text()
    os.chmod(target, 0o444)
    rc, out, err = run(["fix", "real/leaf.py", "--isolated"], tmp_path)
    assert rc == 2 and "Traceback" not in out + err
    assert "read-only" in err
    assert "Fixed" not in out and "All checks passed!" not in out
    assert target.read_text() == before and stat.S_IMODE(os.stat(target).st_mode) == 0o444


def test_output_file_through_a_symlink_and_to_a_device(tmp_path):
    write_tree(tmp_path, {"leaf.py": VALID_TAIL})
    (tmp_path / "report.txt").write_text("old\n")
    (tmp_path / "link.txt").symlink_to(tmp_path / "report.txt")
    rc, out, err = run(["check", "leaf.py", "--isolated", "-o", "link.txt"], tmp_path)
    assert rc in (0, 1) and (tmp_path / "link.txt").is_symlink()
    assert "checked" in (tmp_path / "report.txt").read_text()
    rc, out, err = run(["check", "leaf.py", "--isolated", "-o", "/dev/null"], tmp_path)
    assert rc in (0, 1) and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_file_read_only_is_refused(tmp_path):
    write_tree(tmp_path, {"leaf.py": VALID_TAIL})
    (tmp_path / "report.txt").write_text("keep\n")
    os.chmod(tmp_path / "report.txt", 0o444)
    rc, out, err = run(["check", "leaf.py", "--isolated", "-o", "report.txt"], tmp_path)
    assert rc == 2 and "read-only" in err and (tmp_path / "report.txt").read_text() == "keep\n"


def test_temp_files_of_a_killed_run_do_not_survive_the_next_run(tmp_path):
    target = _fixable(tmp_path)
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)  # a process id that no longer runs
    stale = target.parent / f".schedlint-{dead}-abc123.tmp"
    stale.write_text("half-written")
    rc, out, err = run(["fix", "real/leaf.py", "--isolated"], tmp_path)
    assert "Traceback" not in out + err
    assert not stale.exists()
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".schedlint-")]


def test_write_atomic_units(tmp_path):
    from schedlint.fix.fileio import WriteError, write_atomic

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(WriteError):
        write_atomic(str(fifo), "x")
    with pytest.raises(WriteError):
        write_atomic(str(tmp_path), "x")
    with pytest.raises(WriteError):
        write_atomic(str(tmp_path / "missing" / "f.txt"), "x")
    write_atomic(str(tmp_path / "new.txt"), "hello")
    assert (tmp_path / "new.txt").read_text() == "hello"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".schedlint-")] == []


def test_write_atomic_streams_text_in_pieces(tmp_path):
    """`curve -o` writes its text piece by piece: a regular file, a hard-linked one (rewritten in place), a device;
    a piece that fails to be made leaves the old file whole and no temp file behind."""
    from schedlint.fix.fileio import write_atomic

    pieces = ["a" * 70000, "\n", "é" * 3, ""]
    target = tmp_path / "curve.csv"
    write_atomic(str(target), iter(pieces))
    assert target.read_text(encoding="utf-8") == "".join(pieces)
    other = tmp_path / "link.csv"
    os.link(target, other)
    write_atomic(str(target), (p.upper() for p in pieces))
    assert other.read_text(encoding="utf-8") == "".join(pieces).upper() and os.stat(target).st_nlink == 2
    write_atomic("/dev/null", iter(pieces))

    def failing():
        yield "partial"
        raise RuntimeError("the curve could not be made")

    with pytest.raises(RuntimeError):
        write_atomic(str(target), failing())
    assert target.read_text(encoding="utf-8") == "".join(pieces).upper()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".schedlint-")] == []


def test_a_cache_committed_to_the_repository_never_hides_findings(tmp_path, monkeypatch):
    """The cache key mixes in a per-user secret: a forged cache written elsewhere never matches."""
    from schedlint.lint import cache as cache_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    first = cache_module._machine_secret()
    assert len(first) >= 32 and cache_module._machine_secret() == first
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-machine"))
    assert cache_module._machine_secret() != first


def test_a_negative_or_zero_training_length_is_a_finding_not_a_crash(tmp_path):
    from schedlint.lint.engine import Linter
    from schedlint.lint.settings import Settings

    for length in ("max_epochs=-5", "max_epochs=0"):
        (tmp_path / "c.py").write_text(
            "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
            "param_scheduler = [dict(type='MultiStepLR', begin=0, end=12, milestones=[8, 11])]\n"
            f"train_cfg = dict(by_epoch=True, {length})\n")
        codes = [f.code for f in Linter(Settings(epoch_length=10)).lint_file(str(tmp_path / "c.py"))]
        assert codes == ["SL014"], (length, codes)


# Odd numbers found by fuzzing scheduler, policy and optimizer arguments (NaN, inf, 1e308, 10**30, None,
# a scalar where a list belongs): each used to crash the plan, the simulator or a rule (an internal error).
_SGD = "optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
_EPOCHS_12 = "train_cfg = dict(by_epoch=True, max_epochs=12)\n"
_LEGACY = "optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\nrunner = dict(type='EpochBasedRunner', max_epochs=12)\n"
ODD_NUMBERS = {
    # (config text, the finding codes that must be reported)
    "epoch begin that overflows in iterations": (
        _SGD + _EPOCHS_12 + "param_scheduler = [dict(type='LinearLR', begin=1e308, end=2, convert_to_iter_based=True)]\n",
        {"SL908"}),
    "end beyond float range": (
        _SGD + _EPOCHS_12 + "param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, end=10**400)]\n", {"SL908"}),
    "infinite T_max": (_SGD + _EPOCHS_12 + "param_scheduler = [dict(type='CosineAnnealingLR', T_max=float('inf'))]\n",
                       {"SL908"}),
    "NaN milestone": (_SGD + _EPOCHS_12 + "param_scheduler = [dict(type='MultiStepLR', milestones=[8, float('nan')])]\n",
                      {"SL908"}),
    "milestones a scalar": (_SGD + _EPOCHS_12 + "param_scheduler = [dict(type='MultiStepLR', begin=3, milestones=8)]\n",
                            {"SL302"}),
    "OneCycle div_factor 0": (
        _SGD + _EPOCHS_12 + "param_scheduler = [dict(type='OneCycleLR', eta_max=0.1, div_factor=0, by_epoch=False)]\n",
        {"SL302"}),
    "ConstantLR factor None": (_SGD + _EPOCHS_12 + "param_scheduler = [dict(type='ConstantLR', factor=None)]\n",
                               {"SL302"}),
    "huge batch under auto_scale_lr": (
        _SGD + _EPOCHS_12 + "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\n"
        "auto_scale_lr = dict(enable=True, base_batch_size=16)\ntrain_dataloader = dict(batch_size=1e308)\n", set()),
    "betas a dict": ("optim_wrapper = dict(optimizer=dict(type='AdamW', lr=1e-3, betas=dict()))\n" + _EPOCHS_12
                     + "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\n", {"SL310"}),
    "legacy infinite warm-up": (_LEGACY + "lr_config = dict(policy='step', step=[8, 11], warmup='linear', "
                                "warmup_iters=float('inf'))\n", {"SL908"}),
    "legacy step beyond int64": (_LEGACY + "lr_config = dict(policy='step', step=[10**30])\n", {"SL908"}),
    "legacy exp gamma overflowing": (_LEGACY + "lr_config = dict(policy='exp', gamma=10**30)\n", {"SL302"}),
    "legacy cyclic step_ratio_up None": (_LEGACY + "lr_config = dict(policy='cyclic', step_ratio_up=None)\n", {"SL302"}),
    "legacy warmup_iters a tuple without a warm-up": (
        _LEGACY + "lr_config = dict(policy='step', step=[8, 11], warmup_iters=(1,))\n", set()),
    "optimizer lr beyond float range": (
        "optim_wrapper = dict(optimizer=dict(type='SGD', lr=10**400, momentum=0.9))\n" + _EPOCHS_12
        + "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\n", {"SL310"}),
}


@pytest.mark.parametrize("case", sorted(ODD_NUMBERS))
def test_odd_numbers_are_findings_not_internal_errors(tmp_path, case):
    from schedlint.fix import attach_fixes
    from schedlint.lint.engine import Linter
    from schedlint.lint.settings import Settings

    text, expected = ODD_NUMBERS[case]
    (tmp_path / "c.py").write_text(text)
    codes = {f.code for f in Linter(Settings(epoch_length=10), attach_fixes).lint_file(str(tmp_path / "c.py"))}
    assert "SL999" not in codes, codes
    assert expected <= codes, codes


def test_fix_leaves_a_nan_argument_alone_and_does_not_crash(tmp_path):
    from schedlint.fix.engine import fix_paths
    from schedlint.fix.propose import FixOptions
    from schedlint.lint.settings import Settings

    (tmp_path / "base.py").write_text(
        "max_epochs = 20\n" + _SGD + "param_scheduler = [\n"
        "    dict(type='PolyLR', power=0.9, eta_min=8, begin=100, end=0.5, by_epoch=False),\n"
        "    dict(type='CosineAnnealingLR', T_max=12, eta_min=float('nan'), begin=0, end=24, by_epoch=True,"
        " convert_to_iter_based=True),\n"
        "    dict(type='LinearLR', start_factor=-3, by_epoch=False, begin=0, end=24),\n"
        "]\ntrain_cfg = dict(by_epoch=True, max_epochs=max_epochs)\n")
    (tmp_path / "child.py").write_text("_base_ = './base.py'\n_base_.param_scheduler[0].end = 11\n"
                                       "train_cfg = dict(max_epochs=40)\n")
    result = fix_paths([str(tmp_path / "child.py")], Settings(epoch_length=10), FixOptions(rescale=True, unsafe=True),
                       write=False)
    assert not result.internal_errors  # (the rescale note used to format NaN as an int)
    assert result.applied and "T_max 12 -> 24" in result.applied[0].message
    assert "eta_min" not in result.applied[0].message  # NaN == NaN for the fixer: not a change


def test_a_new_file_gets_the_mode_open_would_give_it_not_a_private_temp_mode(tmp_path):
    from schedlint.fix.fileio import write_atomic
    from schedlint.runs.record import write_atomic_text

    old = os.umask(0o022)
    try:
        write_atomic(str(tmp_path / "report.txt"), "x")
        write_atomic_text(str(tmp_path / "schedlint.json"), "{}")
        os.umask(0o077)
        write_atomic(str(tmp_path / "private.txt"), "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "report.txt").st_mode) == 0o644  # (mkstemp's 0600 before)
    assert stat.S_IMODE(os.stat(tmp_path / "schedlint.json").st_mode) == 0o644
    assert stat.S_IMODE(os.stat(tmp_path / "private.txt").st_mode) == 0o600


def test_a_cached_base_replaced_by_a_fifo_never_blocks(tmp_path):
    # the cache compares a changed file's content with the hash it stored: never by opening a FIFO
    write_tree(tmp_path, {"configs/base.py": VALID_TAIL, "configs/leaf.py": "_base_ = './base.py'\n"})
    argv = ["check", "configs", "--output-format", "concise", "--isolated"]
    rc, out, err = run(argv, tmp_path)
    assert rc == 0 and os.path.isdir(tmp_path / ".schedlint_cache"), (rc, out, err)
    (tmp_path / "configs" / "base.py").unlink()
    os.mkfifo(tmp_path / "configs" / "base.py")
    rc, out, err = run(argv, tmp_path)
    assert "Traceback" not in out + err and rc == 1 and "SL906" in out, (rc, out, err)


def test_absurd_values_never_print_numpy_warnings(tmp_path):
    """inf/NaN from absurd values are values the rules judge; numpy's RuntimeWarning never reaches stderr
    (even with warnings shown by default, as `python -W default`)."""
    import subprocess

    (tmp_path / "config.py").write_text(
        "optimizer = dict(type='SGD', lr=float('inf'), momentum=0.9)\n"
        "lr_config = dict(policy='CosineAnnealing', min_lr=float('inf'))\n"
        "runner = dict(type='EpochBasedRunner', max_epochs=12)\n")
    proc = subprocess.run([sys.executable, "-W", "default", "-m", "schedlint", "check", "config.py", "--isolated",
                           "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "SL310" in proc.stdout
    assert "Warning" not in proc.stderr, proc.stderr


def test_a_huge_line_in_a_text_log_is_read_in_linear_time(tmp_path):
    """A text-log line of megabytes with no `key: value` in it: the item reader was quadratic in its length
    (100k characters: 110 s); under this test's CPU limit it now reads the run around it."""
    head = "2023/05/11 02:01:00 - mmengine - INFO - "
    lines = [head + f"Epoch(train) [1][{i}/100]  lr: 1.0000e-02  eta: 0:01:00  time: 0.5000  loss: {1.0 - i / 200:.4f}"
             for i in range(10, 110, 10)]
    lines.insert(5, head + "Epoch(train) [1][55/100]  lr: 1.0e-02 " + "x" * 3_000_000)
    (tmp_path / "20230511_020100.log").write_text("\n".join(lines) + "\n")
    rc, out, err = run(["diagnose", "20230511_020100.log"], tmp_path)
    assert rc in (0, 1) and "Traceback" not in out + err, err
    assert "loss" in out


def test_json_nested_thousands_deep_is_a_malformed_line(tmp_path):
    """A scalars.json line (or a run's schedlint.json) nested 100k deep: json's RecursionError was an internal
    error; the line is malformed and skipped, the report file ignored."""
    row = '{"lr": 0.01, "loss": %s, "iter": %d, "step": %d}\n'
    deep = '{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n"
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "scalars.json").write_text(row % (1.0, 10, 10) + deep + row % (0.9, 20, 20) + row % (0.8, 30, 30))
    (run_dir / "schedlint.json").write_text("[" * 100_000 + "]" * 100_000)
    rc, out, err = run(["diagnose", "run"], tmp_path)
    assert rc in (0, 1) and "internal error" not in out + err and "Traceback" not in out + err, out + err
    assert "1 malformed line skipped" in out
