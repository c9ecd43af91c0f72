"""Speed of `schedlint check` against a loop of mmengine `Config.fromfile` over the same leaves.

    python benchmarks/bench_check.py [NAME==VERSION ...]

Both run in fresh subprocesses in the same run (so start-up costs count on both sides): schedlint
as the real command line over the wheels' config folders (loading, planning, simulating, every
rule), mmengine loading every leaf config once. Prints both times and the ratio; the goal is a
ratio of at most 0.2.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wheels import BENCHMARK_TREES, MMENGINE_ERA, configs_dir, leaf_configs, scope_roots  # noqa: E402

MMENGINE_LOOP = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
from compare_mmengine import _patch_mmengine
_patch_mmengine(json.loads(sys.argv[2]))
from mmengine.config import Config
ok = failed = 0
for path in sys.argv[3:]:
    try:
        Config.fromfile(path, import_custom_modules=False)
        ok += 1
    except Exception:
        failed += 1
print(ok, failed)
"""


def main() -> int:
    import json

    specs = sys.argv[1:] or BENCHMARK_TREES
    roots = scope_roots(MMENGINE_ERA)
    folders = [configs_dir(s) for s in specs]
    leaves = [p for f in folders for p in leaf_configs(f)]

    scope_args = [a for name, root in roots.items() for a in ("--scope-root", f"{name}={root}")]

    def run_check(*extra: str):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "schedlint", "check", *folders, "--output-format", "concise", "--exit-zero",
             "--no-dependents", "-q", "--statistics", *scope_args, *extra],
            capture_output=True, text=True,
        )
        elapsed = time.perf_counter() - start
        total = sum(int(line.split()[0]) for line in proc.stdout.splitlines() if line.strip()[:1].isdigit())
        return elapsed, f"{total} findings" if proc.returncode == 0 else proc.stderr[-300:]

    schedlint_time, summary = run_check()
    serial_time, serial_summary = run_check("--jobs", "1")

    start = time.perf_counter()
    loop = subprocess.run(
        [sys.executable, "-c", MMENGINE_LOOP, os.path.dirname(os.path.abspath(__file__)), json.dumps(roots), *leaves],
        capture_output=True, text=True,
    )
    mmengine_time = time.perf_counter() - start
    loaded = loop.stdout.strip() or loop.stderr[-300:]

    print(f"trees: {', '.join(specs)} ({len(leaves)} leaf configs)")
    print(f"schedlint check (all rules, one worker per core): {schedlint_time:7.2f} s   [{summary}]")
    print(f"schedlint check (all rules, --jobs 1):            {serial_time:7.2f} s   [{serial_summary}]")
    print(f"mmengine Config.fromfile loop (one process):      {mmengine_time:7.2f} s   [loaded, failed: {loaded}]")
    print(f"ratio schedlint / mmengine: {schedlint_time / mmengine_time:.3f}  (goal <= 0.200); "
          f"single process: {serial_time / mmengine_time:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
