"""The shipped example tree: every config gives exactly the findings fixtures/README.md promises.

Sound patterns must stay quiet (an empty set), each defect class must be reported with its code
and severity, and nothing else may appear: a new false positive fails this test.
"""

from __future__ import annotations

import collections
import os
import subprocess
import sys

import pytest

from schedlint.lint.engine import check_paths
from schedlint.lint.settings import Settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")

# config (relative to fixtures/) -> "CODE:severity" of every finding that affects it
EXPECTED = {
    "broken/binary_blob.py": ['SL906:error'],
    "broken/circular_a.py": ['SL903:error'],
    "broken/circular_b.py": ['SL903:error'],
    "broken/latin1_comments.py": ['SL906:error'],
    "broken/missing_base.py": ['SL902:error'],
    "broken/runs_shell_command.py": ['SL904:warning'],
    "broken/syntax_error.py": ['SL901:error'],
    "configs/_base_/datasets/coco-detection.py": [],
    "configs/_base_/datasets/kitti-3d-3class.py": [],
    "configs/_base_/datasets/nus-3d.py": [],
    "configs/_base_/datasets/s3dis-seg.py": [],
    "configs/_base_/default_runtime.py": [],
    "configs/_base_/models/centerpoint_voxel01_second-secfpn_nus.py": [],
    "configs/_base_/models/faster-rcnn_r50_fpn.py": [],
    "configs/_base_/models/pointnet2-ssg_seg.py": [],
    "configs/_base_/models/pointpillars_hv-secfpn_kitti.py": [],
    "configs/_base_/schedules/cosine-50e.py": [],
    "configs/_base_/schedules/cyclic-20e.py": ['SL102:warning'],
    "configs/_base_/schedules/cyclic-40e.py": ['SL102:warning'],
    "configs/_base_/schedules/legacy/cyclic-40e.py": [],
    "configs/_base_/schedules/legacy/schedule-1x.py": [],
    "configs/_base_/schedules/poly-40k.py": [],
    "configs/_base_/schedules/schedule-1x.py": [],
    "configs/_base_/schedules/schedule-2x.py": [],
    "configs/centerpoint/centerpoint_voxel01_second-secfpn_4xb4-cyclic-20e_nus-3d.py": ['SL102:warning'],
    "configs/faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py": [],
    "configs/faster_rcnn/faster-rcnn_r50_fpn_2x_coco.py": [],
    "configs/lazy/_base_/default_runtime.py": [],
    "configs/lazy/_base_/schedules/schedule_1x.py": [],
    "configs/lazy/faster_rcnn/faster_rcnn_r50_fpn_1x_coco_clip-grad.py": ['SL311:error'],
    "configs/lazy/faster_rcnn/faster_rcnn_r50_fpn_2x_coco.py": [],
    "configs/pointnet2/pointnet2-ssg_2xb16-cosine-50e_s3dis-seg.py": [],
    "configs/pointnet2/pointnet2-ssg_2xb16-poly-40k_s3dis-seg.py": [],
    "configs/pointpillars/pointpillars_hv-secfpn_4xb8-cyclic-40e_kitti-3d-3class.py": ['SL102:warning'],
    "configs/pointpillars/pointpillars_hv-secfpn_4xb8-cyclic-40e_kitti-3d-car.py": ['SL102:warning'],
    "configs/second/second_hv-secfpn_4xb16-cyclic-30e_kitti-3d-3class.py": ['SL102:warning'],
    "configs/user/centerpoint_cosine-default-end-24e.py": [],
    "configs/user/centerpoint_cosine-lr-typo.py": ['SL301:error'],
    "configs/user/faster-rcnn_1x_by-epoch-and-type.py": ['SL311:error'],
    "configs/user/faster-rcnn_1x_dataloader-trailing-comma.py": ['SL312:error'],
    "configs/user/faster-rcnn_1x_ported-runner-20e.py": ['SL407:error', 'SL407:warning'],
    "configs/user/centerpoint_cyclic-20e_finetune-6e.py": ['SL002:error', 'SL003:warning', 'SL102:warning'],
    "configs/user/centerpoint_cyclic-20e_lr-as-string.py": ['SL102:warning', 'SL310:error'],
    "configs/user/centerpoint_warmup-cosine-cooldown-20e.py": [],
    "configs/user/faster-rcnn_1x-to-2x_milestones-16-23.py": ['SL001:error'],
    "configs/user/faster-rcnn_1x_checkpoint-interval-24.py": ['SL202:warning'],
    "configs/user/faster-rcnn_1x_inline-schedule.py": [],
    "configs/user/faster-rcnn_1x_step-gamma-10.py": ['SL305:error'],
    "configs/user/faster-rcnn_1x_warmup-iters-0.py": ['SL303:error'],
    "configs/user/faster-rcnn_2x_milestones-22-16.py": ['SL304:info'],
    "configs/user/faster-rcnn_cosine-tmax12_24e.py": ['SL005:error'],
    "configs/user/faster-rcnn_onecycle-12e_backbone-lr-mult.py": ['SL105:warning'],
    "configs/user/legacy/faster-rcnn_1x_runner-48e.py": ['SL004:error'],
    "configs/user/legacy/faster-rcnn_1x_total-epochs-24.py": ['SL401:error'],
    "configs/user/legacy/pointnet2_cosine-restart-36e.py": ['SL402:error'],
    "configs/user/legacy/second_cyclic-40e_momentum-warmup.py": ['SL101:error'],
    "configs/user/legacy/second_cyclic-linear-40e_kitti-3d-3class.py": [],
    "configs/user/pointnet2_cosine-50e_trained-30e.py": ['SL003:error'],
    "configs/user/pointnet2_poly-1k-smoke-test_warmup-1500.py": ['SL009:error'],
    "configs/user/pointnet2_poly-20k-by-epoch_100e.py": ['SL003:error', 'SL008:error'],
    "configs/user/pointnet2_poly-40k_to-80k.py": ['SL004:error'],
    "configs/user/pointnet2_poly-40k_warmup-without-by-epoch.py": ['SL007:error'],
    "configs/user/pointpillars_cyclic-20e_adagrad.py": ['SL103:error'],
    "configs/user/pointpillars_cyclic-20e_decay-end-24.py": ['SL005:error', 'SL101:error', 'SL102:error', 'SL102:warning'],
    "configs/user/pointpillars_cyclic-20e_to-40e.py": ['SL004:error', 'SL101:error', 'SL102:warning'],
    "configs/user/pointpillars_cyclic-20e_num-epochs-40.py": ['SL015:error', 'SL102:warning'],
    "configs/user/pointpillars_multiphase-36e.py": [],
    "configs/user/scoped_base_example.py": ['SL905:error'],
    "configs/user/second_cyclic-30e_val-interval-50.py": ['SL102:warning', 'SL201:warning'],
    "configs/user/second_cyclic-linear-40e_poly-port.py": ['SL101:error', 'SL102:error', 'SL102:warning'],
    "configs/yolox/yolox_s_8xb8-150e_coco.py": [],
}


@pytest.fixture(scope="module")
def findings_by_config():
    result = check_paths([FIXTURES], Settings(dependents=False))
    assert not result.internal_errors
    by = collections.defaultdict(set)
    for f in result.findings:
        for config in f.configs:
            by[os.path.relpath(config, FIXTURES)].add(f"{f.code}:{f.severity.value}")
    return result, by


def test_every_fixture_is_checked(findings_by_config):
    result, _ = findings_by_config
    assert sorted(os.path.relpath(p, FIXTURES) for p in result.files) == sorted(EXPECTED)


@pytest.mark.parametrize("config", sorted(EXPECTED))
def test_fixture_findings(findings_by_config, config):
    _, by = findings_by_config
    assert sorted(by.get(config, set())) == EXPECTED[config]


def test_readme_names_every_user_config():
    with open(os.path.join(FIXTURES, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    for config in EXPECTED:
        if config.startswith("configs/user/"):
            assert os.path.basename(config) in readme, config


def test_check_fixtures_from_the_command_line_exits_1_and_never_executes_code(tmp_path):
    marker = "/tmp/schedlint-pwned"
    if os.path.exists(marker):
        os.unlink(marker)
    proc = subprocess.run(
        [sys.executable, "-m", "schedlint", "check", FIXTURES, "--output-format", "concise"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "SL001" in proc.stdout and "SL904" in proc.stdout
    assert not os.path.exists(marker)


def test_check_stays_light():
    """`check` on a config with a fixable finding imports none of the heavy optional libraries
    (libcst, which computes the fix it shows, excepted: see test_fix_engine)."""
    code = (
        "import sys\n"
        "from schedlint.lint.engine import check_paths\n"
        f"from schedlint.fix import attach_fixes\n"
        f"r = check_paths([{os.path.join(FIXTURES, 'configs', 'user', 'faster-rcnn_1x-to-2x_milestones-16-23.py')!r}], on_file=attach_fixes)\n"
        "assert r.findings and any(f.fix for f in r.findings)\n"
        "print(sorted(m for m in ('matplotlib', 'torch', 'mmengine') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
