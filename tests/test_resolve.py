"""`schedlint resolve`: a safe print_config with provenance, in text and JSON, to stdout or a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clirunner import run_cli

REPO = Path(__file__).resolve().parents[1]
USER = "fixtures/configs/user/faster-rcnn_1x-to-2x_milestones-16-23.py"
SCHEDULE = "fixtures/configs/_base_/schedules/schedule-1x.py"


def test_text_shows_merged_values_and_where_each_was_set():
    out = run_cli("resolve", USER, "-k", "param_scheduler", "-k", "train_cfg.max_epochs", "--provenance", cwd=REPO)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == f"# {USER}"
    assert lines[1].startswith("# inherits: ") and lines[1].endswith(USER) and SCHEDULE in lines[1]
    assert "'milestones': [16, 23]" in out.stdout  # the leaf's in-place edit over the base
    assert "'end': 12" in out.stdout  # the inherited end stays (the defect SL001 reports)
    assert f"#   param_scheduler.1.milestones  <- {USER}:4:40" in lines
    assert f"#   param_scheduler.1.end  <- {SCHEDULE}:12:13" in lines
    assert "train_cfg.max_epochs = 24" in lines
    assert "model" not in out.stdout.split("# inherits")[1].split("\n", 1)[1]  # only the keys asked for


@pytest.mark.parametrize("flag", ["--output-format", "--format"])
def test_json_is_one_object_per_file_with_provenance(flag):
    out = run_cli("resolve", USER, SCHEDULE, flag, "json", "-k", "train_cfg", "--provenance", cwd=REPO)
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["filename"] for r in records] == [USER, SCHEDULE]
    assert records[0]["values"]["train_cfg"]["max_epochs"] == 24
    assert records[1]["values"]["train_cfg"]["max_epochs"] == 12
    assert records[0]["provenance"]["train_cfg.max_epochs"] == f"{USER}:5:29"
    assert records[0]["chain"][-1] == USER and not records[0].get("executed")


def test_output_file_gets_what_stdout_would(tmp_path):
    target = tmp_path / "resolved.txt"
    out = run_cli("resolve", USER, "-k", "train_cfg", "-o", target, cwd=REPO)
    assert out.returncode == 0 and out.stdout == ""
    assert target.read_text() == run_cli("resolve", USER, "-k", "train_cfg", cwd=REPO).stdout


def test_unresolvable_and_missing_files_exit_1_and_the_others_still_print(tmp_path):
    (tmp_path / "broken.py").write_text("_base_ = './missing.py'\nlr = 0.1\n")
    (tmp_path / "good.py").write_text("lr = 0.1\n")
    out = run_cli("resolve", "broken.py", "nothere.py", "good.py", "--output-format", "json", cwd=tmp_path)
    assert out.returncode == 1
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["filename"] for r in records] == ["broken.py", "nothere.py", "good.py"]
    assert records[0]["findings"][0]["code"] == "SL902" and "missing.py" in records[0]["findings"][0]["message"]
    assert records[1]["findings"][0]["code"] == "SL902"
    assert records[2]["values"] == {"lr": 0.1}


def test_config_code_is_not_executed(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "evil.py").write_text(f"import os\nos.system('touch {marker}')\nlr = 0.1\n")
    out = run_cli("resolve", "evil.py", cwd=tmp_path)
    assert out.returncode == 1 and "SL904" in out.stdout
    assert not marker.exists()


def test_unknown_output_format_is_a_usage_error():
    out = run_cli("resolve", USER, "--output-format", "yaml", cwd=REPO)
    assert out.returncode == 2 and "unknown output format 'yaml'" in out.stderr


def test_pure_python_config_prints_without_its_imported_names_like_mmengine(tmp_path):
    base = tmp_path / "base.py"
    base.write_text("from torch.optim import SGD\nimport numpy as np\n"
                    "optim_wrapper = dict(optimizer=dict(type=SGD, lr=0.1))\ndtype = np.float32\n")
    leaf = tmp_path / "leaf.py"
    leaf.write_text("from mmengine.config import read_base\nimport torch\nfrom mmengine.optim import LinearLR\n"
                    "with read_base():\n    from .base import *\n"
                    "optimizer = SGD\nparam_scheduler = [dict(type=LinearLR)]\nhalf = torch.float16\n")
    out = run_cli("resolve", str(leaf), "--format", "json", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    values = json.loads(out.stdout)["values"]
    from mmengine.config import Config

    expected = Config.fromfile(str(leaf)).to_dict()
    assert sorted(values) == sorted(expected) == ["dtype", "half", "optim_wrapper", "optimizer", "param_scheduler"]
    assert values["optimizer"] == "torch.optim.SGD" and values["half"] == "torch.float16"
