"""Fetch the configs shipped in OpenMMLab wheels (for validation and benchmarks; never committed).

`python benchmarks/wheels.py [NAME==VERSION ...]` downloads each wheel with `pip download --no-deps`
into benchmarks/.cache/ and extracts its `.mim/configs` folder; it prints the configs folders.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import zipfile

CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".cache")

MMENGINE_ERA = [
    "mmdet3d==1.4.0",
    "mmdet==3.3.0",
    "mmpretrain==1.2.0",
    "mmsegmentation==1.2.2",
    "mmpose==1.3.2",
    "mmyolo==0.6.0",
    "mmaction2==1.2.0",
    "mmocr==1.0.1",
    "mmagic==1.2.0",
]
MMCV_ERA = ["mmdet==2.28.2", "mmsegmentation==0.30.0", "mmcls==0.25.0", "mmpose==0.29.0"]
BENCHMARK_TREES = ["mmdet3d==1.4.0", "mmdet==3.3.0", "mmsegmentation==1.2.2", "mmpretrain==1.2.0"]


def configs_dir(spec: str) -> str:
    """Download (once) the wheel `spec` and return its extracted `.mim/configs` folder."""
    target = os.path.join(CACHE, spec.replace("==", "-"))
    found = glob.glob(os.path.join(target, "*", ".mim", "configs"))
    if found:
        return found[0]
    os.makedirs(target, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", target, spec],
        check=True,
    )
    wheel = glob.glob(os.path.join(target, "*.whl"))[0]
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target, [n for n in zf.namelist() if "/.mim/" in n or "/configs/" in n])
    return glob.glob(os.path.join(target, "*", ".mim", "configs"))[0]


def package_of(configs: str) -> str:
    """The import name of the package whose configs folder this is (mmdet, mmseg, ...)."""
    return os.path.basename(os.path.dirname(os.path.dirname(configs)))


def scope_roots(specs: list[str]) -> dict[str, str]:
    """`--scope-root` mapping for the given wheels: package import name -> configs folder."""
    return {package_of(configs_dir(s)): configs_dir(s) for s in specs}


def leaf_configs(configs: str) -> list[str]:
    """Config files outside `_base_` folders (what users train with)."""
    files = glob.glob(os.path.join(configs, "**", "*.py"), recursive=True)
    return sorted(f for f in files if "/_base_/" not in f.replace(os.sep, "/"))


if __name__ == "__main__":
    for spec in sys.argv[1:] or MMENGINE_ERA + MMCV_ERA:
        print(configs_dir(spec))
