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

# Runs a command as a child and prints the child's peak resident memory (KiB) on the last line.
PEAK_RSS = r"""
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stdout.write(proc.stdout)
sys.stderr.write(proc.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(proc.returncode)
"""

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

    def measured(command):
        """(seconds, stdout without the last line, peak RSS in MiB of the largest process)."""
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", PEAK_RSS, *command], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        lines = proc.stdout.strip().splitlines()
        peak = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else float("nan")
        return elapsed, "\n".join(lines[:-1]), peak, proc

    def run_check(*extra: str):
        elapsed, out, peak, proc = measured(
            [sys.executable, "-m", "schedlint", "check", *folders, "--output-format", "concise", "--exit-zero",
             "--no-dependents", "-q", "--statistics", *scope_args, *extra]
        )
        total = sum(int(line.split()[0]) for line in out.splitlines() if line.strip()[:1].isdigit())
        return elapsed, (f"{total} findings" if proc.returncode == 0 else proc.stderr[-300:]), peak

    schedlint_time, summary, schedlint_peak = run_check()
    serial_time, serial_summary, serial_peak = run_check("--jobs", "1")

    mmengine_time, loaded, mmengine_peak, loop = measured(
        [sys.executable, "-c", MMENGINE_LOOP, os.path.dirname(os.path.abspath(__file__)), json.dumps(roots), *leaves]
    )
    loaded = loaded or loop.stderr[-300:]

    print(f"trees: {', '.join(specs)} ({len(leaves)} leaf configs)")
    print(f"schedlint check (all rules, one worker per core): {schedlint_time:7.2f} s   [{summary}]")
    print(f"schedlint check (all rules, --jobs 1):            {serial_time:7.2f} s   [{serial_summary}]")
    print(f"mmengine Config.fromfile loop (one process):      {mmengine_time:7.2f} s   [loaded, failed: {loaded}]")
    print(f"ratio schedlint / mmengine: {schedlint_time / mmengine_time:.3f}  (goal <= 0.200); "
          f"single process: {serial_time / mmengine_time:.3f}")
    print(f"peak memory (largest process): schedlint {schedlint_peak:.0f} MiB, --jobs 1 {serial_peak:.0f} MiB, "
          f"mmengine loop {mmengine_peak:.0f} MiB; ratio {serial_peak / mmengine_peak:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
