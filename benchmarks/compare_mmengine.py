"""Compare schedlint's static resolver with mmengine's `Config.fromfile` on the wheels' leaf configs.

    python benchmarks/compare_mmengine.py [--allow-exec] [NAME==VERSION ...]

For every leaf config that mmengine itself loads, the schedule-relevant keys must be identical.
Prints per-wheel counts: loaded by mmengine, identical, different (with the first few), SL9xx.
`pkg::` bases are served from the downloaded wheels for both sides (no package is installed).
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wheels import MMENGINE_ERA, configs_dir, leaf_configs, scope_roots  # noqa: E402

from schedlint.loader import LoadProblem, Loader, plain  # noqa: E402

KEYS = ["train_cfg", "param_scheduler", "optim_wrapper", "optimizer", "lr_config", "momentum_config", "runner",
        "total_epochs"]


def _patch_mmengine(roots: dict[str, str]) -> None:
    """Make mmengine find `pkg::` bases in the extracted wheels instead of installed packages."""
    import mmengine.config.config as config_module

    config_module.is_installed = lambda package: True

    def installed_path(package: str) -> str:
        for name, root in roots.items():
            if package in (name, {"mmseg": "mmsegmentation", "mmaction": "mmaction2"}.get(name, name)):
                return os.path.dirname(os.path.dirname(root))
        raise ModuleNotFoundError(package)

    config_module.get_installed_path = installed_path


def normalise(value):
    """Plain containers, `_scope_` removed, tuples as lists, NaN-safe floats."""
    if isinstance(value, dict):
        return {str(k): normalise(v) for k, v in value.items() if k != "_scope_"}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if not isinstance(value, (int, float, str, bool, type(None))):
        return str(value)
    return value


def mmengine_values(path: str):
    from mmengine.config import Config

    cfg = Config.fromfile(path, import_custom_modules=False)
    data = cfg.to_dict()
    return {k: normalise(data.get(k, "<absent>")) for k in KEYS}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("specs", nargs="*", default=MMENGINE_ERA)
    parser.add_argument("--allow-exec", action="store_true")
    parser.add_argument("--show", type=int, default=5)
    args = parser.parse_args()
    roots = scope_roots(args.specs)
    _patch_mmengine(roots)
    totals = collections.Counter()
    for spec in args.specs:
        loader = Loader(scope_roots=roots, allow_exec=args.allow_exec)
        counts = collections.Counter()
        examples = collections.defaultdict(list)
        for path in leaf_configs(configs_dir(spec)):
            try:
                expected = mmengine_values(path)
            except Exception as exc:  # noqa: BLE001 - mmengine cannot load it either
                counts["mmengine-fails"] += 1
                examples["mmengine-fails"].append(f"{path}: {type(exc).__name__}: {str(exc)[:100]}")
                continue
            counts["mmengine-loads"] += 1
            try:
                resolved = loader.resolve(path)
            except LoadProblem as problem:
                counts[problem.code] += 1
                examples[problem.code].append(f"{problem.location}: {problem.message[:160]}")
                continue
            got = {k: normalise(plain(resolved.values.get(k, "<absent>"))) for k in KEYS}
            if got == expected:
                counts["identical"] += 1
            else:
                counts["different"] += 1
                diff = [k for k in KEYS if got[k] != expected[k]]
                examples["different"].append(
                    f"{path}: {diff[0]}\n      schedlint: {got[diff[0]]}\n      mmengine:  {expected[diff[0]]}"
                )
        totals.update(counts)
        print(f"{spec}: {dict(counts)}")
        for kind, items in examples.items():
            for item in items[: args.show]:
                print(f"   [{kind}] {item}")
    loads = totals["mmengine-loads"]
    print(f"TOTAL: {dict(totals)}")
    if loads:
        print(f"identical: {totals['identical']}/{loads} = {100 * totals['identical'] / loads:.2f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
