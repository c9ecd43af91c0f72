"""The composite GitHub Action (action.yml): schema, safe input handling, and its steps run locally.

The steps after "Install schedlint" are run with bash the way the runner would, with the expressions
`${{ inputs.X }}`, `${{ github.action_path }}` and `${{ steps.ID.outputs.NAME }}` substituted and
`schedlint` on PATH (the installed one; installing it is what the pre-commit test exercises).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ACTION = REPO / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

BAD = """\
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[16, 22], gamma=0.1),
]
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=1)
"""
GOOD = BAD.replace("end=12", "end=24")


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions", str(path)],
        capture_output=True, text=True, timeout=300,
    )


def test_action_matches_the_github_actions_schema():
    result = check_jsonschema(ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_broken_action(tmp_path, action):
    broken = dict(action, runs={"using": "composite", "steps": [{"run": "echo hi"}]})  # no shell
    path = tmp_path / "action.yml"
    path.write_text(yaml.safe_dump(broken))
    assert check_jsonschema(path).returncode != 0


def test_composite_steps_use_bash_and_never_interpolate_into_scripts(action):
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"version", "paths", "args", "output-format", "sarif-file"}
    for step in action["runs"]["steps"]:
        assert step.get("shell") == "bash", step["name"]
        assert "${{" not in step["run"], f"{step['name']}: expressions belong in env:, not in the script"
        for value in step.get("env", {}).values():
            for expr in EXPRESSION.findall(str(value)):
                if expr.startswith("inputs."):
                    assert expr[len("inputs."):] in action["inputs"], expr
        result = subprocess.run(["bash", "-n"], input=step["run"], capture_output=True, text=True)
        assert result.returncode == 0, f"{step['name']}: {result.stderr}"


def test_install_step_uses_the_action_path_or_pypi(action):
    install = action["runs"]["steps"][0]
    assert install["env"]["SCHEDLINT_ACTION_PATH"] == "${{ github.action_path }}"
    assert install["env"]["SCHEDLINT_VERSION"] == "${{ inputs.version }}"
    assert 'pip install --quiet "$SCHEDLINT_ACTION_PATH"' in install["run"]
    assert '"schedlint==$SCHEDLINT_VERSION"' in install["run"]


def _shim_dir(tmp_path: Path) -> Path:
    """A folder with a `schedlint` that runs this interpreter's schedlint."""
    shim = tmp_path / "bin"
    shim.mkdir()
    script = shim / "schedlint"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m schedlint "$@"\n')
    script.chmod(0o755)
    return shim


def run_action(action: dict, workspace: Path, tmp_path: Path, **inputs: str) -> dict:
    """Run the steps after the install step; returns their outputs, stdout and the job summary."""
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update({k.replace("_", "-"): v for k, v in inputs.items()})
    summary = tmp_path / "summary.md"
    summary.write_text("")
    outputs: dict = {}
    logs = []
    codes = []

    def evaluate(text: str) -> str:
        def one(m: re.Match) -> str:
            expr = m.group(1)
            if expr.startswith("inputs."):
                return values[expr[len("inputs."):]]
            if expr == "github.action_path":
                return str(REPO)
            step_output = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
            assert step_output, f"the test harness does not know {expr!r}"
            return outputs.get(step_output.group(1), {}).get(step_output.group(2), "")

        return EXPRESSION.sub(one, text)

    shim = _shim_dir(tmp_path)
    for step in action["runs"]["steps"][1:]:
        output_file = tmp_path / f"output-{len(codes)}"
        output_file.write_text("")
        env = {
            **os.environ,
            "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(tmp_path),
        }
        env.update({key: evaluate(str(value)) for key, value in step.get("env", {}).items()})
        script = tmp_path / f"step-{len(codes)}.sh"
        script.write_text(step["run"])
        # how the runner runs `shell: bash`
        result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                                env=env, capture_output=True, text=True, timeout=300)
        logs.append(result.stdout + result.stderr)
        codes.append(result.returncode)
        if "id" in step:
            outputs[step["id"]] = dict(
                line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line
            )
    return {"outputs": outputs, "logs": logs, "codes": codes, "summary": summary.read_text()}


@pytest.fixture
def workspace(tmp_path):
    space = tmp_path / "workspace"
    (space / "configs").mkdir(parents=True)
    return space


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_findings_annotate_write_sarif_and_summary_and_fail(action, workspace, tmp_path):
    (workspace / "configs" / "bad.py").write_text(BAD)
    (workspace / "configs" / "good.py").write_text(GOOD)
    ran = run_action(action, workspace, tmp_path, paths="configs", sarif_file="schedlint.sarif")
    assert ran["outputs"]["check"]["exit-code"] == "1"
    assert "::error title=schedlint (SL001),file=configs/bad.py,line=3," in ran["logs"][0]
    sarif = json.loads((workspace / "schedlint.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["SL001"]
    assert ran["outputs"]["sarif"]["sarif-file"] == "schedlint.sarif"
    assert "| code | name | count |" in ran["summary"]
    assert re.search(r"^\| SL001 \| (\[\*\] )?milestone-unreached \| 1 \|$", ran["summary"], re.M), ran["summary"]
    assert ran["codes"][:-1] == [0, 0, 0] and ran["codes"][-1] == 1  # only the last step fails the job


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_clean_run_passes_without_sarif(action, workspace, tmp_path):
    (workspace / "configs" / "good.py").write_text(GOOD)
    ran = run_action(action, workspace, tmp_path, paths="configs", output_format="concise")
    assert ran["outputs"]["check"]["exit-code"] == "0"
    assert "All checks passed!" in ran["logs"][0]
    assert ran["outputs"]["sarif"]["sarif-file"] == ""
    assert not list(workspace.glob("*.sarif"))
    assert "No findings." in ran["summary"]
    assert ran["codes"] == [0, 0, 0, 0]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_usage_error_fails_with_exit_2(action, workspace, tmp_path):
    (workspace / "configs" / "bad.py").write_text(BAD)
    ran = run_action(action, workspace, tmp_path, paths="configs", args="--select SL777",
                     sarif_file="out.sarif")
    assert ran["outputs"]["check"]["exit-code"] == "2"
    assert "unknown rule selector 'SL777'" in ran["logs"][0]
    assert not (workspace / "out.sarif").exists()
    assert "could not run" in ran["summary"]
    assert ran["codes"][-1] == 2


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_inputs_are_data_not_code(action, workspace, tmp_path):
    (workspace / "configs" / "good.py").write_text(GOOD)
    marker = tmp_path / "pwned"
    ran = run_action(action, workspace, tmp_path, paths=f"configs $(touch {marker}) `touch {marker}`",
                     args="--exit-zero", output_format="concise")
    assert not marker.exists()
    assert ran["outputs"]["check"]["exit-code"] == "2"  # the odd "paths" do not exist: a usage error


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_args_and_several_paths_are_split_on_white_space(action, workspace, tmp_path):
    (workspace / "configs" / "bad.py").write_text(BAD)
    (workspace / "other").mkdir()
    (workspace / "other" / "bad2.py").write_text(BAD)
    ran = run_action(action, workspace, tmp_path, paths="configs\nother", args="--ignore SL001  --quiet",
                     output_format="concise")
    assert ran["outputs"]["check"]["exit-code"] == "0"
    assert ran["logs"][0] == ""
    assert ran["codes"][-1] == 0
