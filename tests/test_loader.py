"""Tests for the static config loader: values must equal mmengine's `Config.fromfile`, with provenance.

Every tree is written by the test into `tmp_path`; mmengine-lite (0.10.7) is the oracle for the values.
"""

from __future__ import annotations

import ast
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

import pytest

import schedlint.loader as loader_module
import schedlint.loader.files as loader_files
from schedlint.loader import LoadProblem, Loader, plain

ROOT_TOKEN = "@ROOT@"


# ---------------------------------------------------------------------------------------------- helpers


def write_tree(root: Path, files: Dict[str, str]) -> Path:
    """Write dedented files below `root` (`@ROOT@` becomes the root path); return `root`."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n").replace(ROOT_TOKEN, str(root)), encoding="utf-8")
    return root


def normalise(value: Any) -> Any:
    """Plain containers without `_scope_` keys, tuples as lists."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items() if k != "_scope_"}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    return value


def mmengine_dict(path: Path) -> Dict[str, Any]:
    from mmengine.config import Config

    return Config.fromfile(str(path), import_custom_modules=False).to_dict()


def assert_same_as_mmengine(
    path: Path, keys: Iterable[str], loader: Optional[Loader] = None
) -> loader_module.ResolvedConfig:
    """Resolve `path` statically and assert each of `keys` equals mmengine's value for it."""
    resolved = (loader or Loader()).resolve(str(path))
    expected = mmengine_dict(path)
    for key in keys:
        assert key in expected, f"mmengine has no `{key}` (test tree is wrong)"
        assert key in resolved.values, f"schedlint lost `{key}`"
        assert normalise(plain(resolved.values[key])) == normalise(expected[key]), key
    return resolved


def line_of(path: Path, needle: str) -> int:
    """1-based line of the only line of `path` containing `needle`."""
    lines = [i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in text]
    assert len(lines) == 1, f"{needle!r} found on lines {lines} of {path}"
    return lines[0]


SCHEDULE_1X = """
    max_epochs = 12
    train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
    val_cfg = dict(type='ValLoop')
    param_scheduler = [
        dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
        dict(
            type='MultiStepLR',
            begin=0,
            end=12,
            by_epoch=True,
            milestones=[8, 11],
            gamma=0.1)
    ]
    optim_wrapper = dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001))
    auto_scale_lr = dict(enable=False, base_batch_size=16)
"""

RUNTIME = """
    default_scope = 'mmdet'
    default_hooks = dict(
        timer=dict(type='IterTimerHook'),
        checkpoint=dict(type='CheckpointHook', interval=1))
    log_level = 'INFO'
    load_from = None
    resume = False
"""

DATASET = """
    train_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(1333, 800), keep_ratio=True),
        dict(type='PackDetInputs'),
    ]
    train_dataloader = dict(
        batch_size=2,
        num_workers=2,
        dataset=dict(type='CocoDataset', data_root='data/coco/', pipeline=train_pipeline))
"""


# ---------------------------------------------------------------------------------------------- constructs

# (id, files, leaf, keys compared with mmengine, expected values of some keys or None)
CASES = [
    (
        "base-str-dict-merge-child-wins",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                optim_wrapper = dict(optimizer=dict(lr=0.01))
            """,
        },
        "leaf.py",
        ["optim_wrapper", "param_scheduler", "train_cfg"],
        {
            "optim_wrapper": {
                "type": "OptimWrapper",
                "optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9, "weight_decay": 0.0001},
            }
        },
    ),
    (
        "base-list-of-three",
        {
            "sched.py": SCHEDULE_1X,
            "runtime.py": RUNTIME,
            "data.py": DATASET,
            "leaf.py": """
                _base_ = ['./sched.py', './runtime.py', './data.py']
                default_hooks = dict(checkpoint=dict(interval=2))
            """,
        },
        "leaf.py",
        ["default_hooks", "train_cfg", "train_dataloader", "log_level"],
        {"default_hooks": {"timer": {"type": "IterTimerHook"}, "checkpoint": {"type": "CheckpointHook", "interval": 2}}},
    ),
    (
        "relative-dotdot-paths",
        {
            "configs/_base_/schedules/schedule_1x.py": SCHEDULE_1X,
            "configs/_base_/default_runtime.py": RUNTIME,
            "configs/det/sub/leaf.py": """
                _base_ = ['../../_base_/schedules/schedule_1x.py', '../../_base_/default_runtime.py']
                train_cfg = dict(max_epochs=24)
            """,
        },
        "configs/det/sub/leaf.py",
        ["train_cfg", "param_scheduler", "default_hooks"],
        {"train_cfg": {"type": "EpochBasedTrainLoop", "max_epochs": 24, "val_interval": 1}},
    ),
    (
        "relative-base-of-base-resolves-against-the-including-file",
        {
            "configs/_base_/schedules/schedule_1x.py": SCHEDULE_1X,
            "configs/det/base_det.py": """
                _base_ = '../_base_/schedules/schedule_1x.py'
                train_cfg = dict(val_interval=2)
            """,
            "configs/det/variants/leaf.py": """
                _base_ = '../base_det.py'
                train_cfg = dict(max_epochs=36)
            """,
        },
        "configs/det/variants/leaf.py",
        ["train_cfg", "param_scheduler"],
        {"train_cfg": {"type": "EpochBasedTrainLoop", "max_epochs": 36, "val_interval": 2}},
    ),
    (
        "absolute-base-path",
        {
            "elsewhere/schedule.py": SCHEDULE_1X,
            "configs/leaf.py": """
                _base_ = '@ROOT@/elsewhere/schedule.py'
                train_cfg = dict(max_epochs=6)
            """,
        },
        "configs/leaf.py",
        ["train_cfg", "param_scheduler"],
        {"train_cfg": {"type": "EpochBasedTrainLoop", "max_epochs": 6, "val_interval": 1}},
    ),
    (
        "list-replaces-whole-base-list",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, by_epoch=True)]
            """,
        },
        "leaf.py",
        ["param_scheduler"],
        {"param_scheduler": [{"type": "CosineAnnealingLR", "T_max": 12, "by_epoch": True}]},
    ),
    (
        "scalar-and-none-replace",
        {
            "base.py": SCHEDULE_1X + "\n    clip = dict(max_norm=35)\n",
            "leaf.py": """
                _base_ = './base.py'
                optim_wrapper = dict(clip_grad=None, optimizer=dict(weight_decay=None))
                clip = 3
            """,
        },
        "leaf.py",
        ["optim_wrapper", "clip"],
        None,
    ),
    (
        "delete-replaces-inherited-dict",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                optim_wrapper = dict(
                    _delete_=True,
                    type='OptimWrapper',
                    optimizer=dict(type='AdamW', lr=0.0001, weight_decay=0.05))
            """,
        },
        "leaf.py",
        ["optim_wrapper"],
        {"optim_wrapper": {"type": "OptimWrapper", "optimizer": {"type": "AdamW", "lr": 0.0001, "weight_decay": 0.05}}},
    ),
    (
        "nested-delete",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=0.0001))
            """,
        },
        "leaf.py",
        ["optim_wrapper"],
        {"optim_wrapper": {"type": "OptimWrapper", "optimizer": {"type": "AdamW", "lr": 0.0001}}},
    ),
    (
        "delete-survives-when-key-absent-in-base",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                model_wrapper_cfg = dict(_delete_=True, type='MMDistributedDataParallel')
                optim_wrapper = dict(paramwise_cfg=dict(_delete_=True, norm_decay_mult=0.0))
            """,
        },
        "leaf.py",
        ["model_wrapper_cfg", "optim_wrapper"],
        {"model_wrapper_cfg": {"_delete_": True, "type": "MMDistributedDataParallel"}},
    ),
    (
        "key-leaks-without-delete",
        {
            "base.py": """
                param_scheduler = dict(type='MultiStepLR', milestones=[8, 11], gamma=0.1)
            """,
            "leaf.py": """
                _base_ = './base.py'
                param_scheduler = dict(type='CosineAnnealingLR', T_max=24)
            """,
        },
        "leaf.py",
        ["param_scheduler"],
        {"param_scheduler": {"type": "CosineAnnealingLR", "milestones": [8, 11], "gamma": 0.1, "T_max": 24}},
    ),
    (
        "base-var-substitution-whole-and-nested",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                epochs = {{_base_.max_epochs}}
                sched_copy = {{_base_.param_scheduler}}
                nested = dict(
                    lr={{ _base_.optim_wrapper.optimizer.lr }},
                    opt={{_base_.optim_wrapper.optimizer}},
                    pair=[{{_base_.train_cfg.max_epochs}}, dict(m={{_base_.max_epochs}})])
                train_cfg = dict(max_epochs={{_base_.max_epochs}} )
            """,
        },
        "leaf.py",
        ["epochs", "sched_copy", "nested", "train_cfg"],
        {"epochs": 12, "nested": {
            "lr": 0.02,
            "opt": {"type": "SGD", "lr": 0.02, "momentum": 0.9, "weight_decay": 0.0001},
            "pair": [12, {"m": 12}],
        }},
    ),
    (
        "predefined-variables",
        {
            "configs/my_exp_1x.py": """
                work_dir = './work_dirs/{{ fileBasenameNoExtension }}'
                name = '{{fileBasename}}'
                ext = '{{ fileExtname }}'
                here = '{{ fileDirname }}'
            """,
        },
        "configs/my_exp_1x.py",
        ["work_dir", "name", "ext", "here"],
        {"work_dir": "./work_dirs/my_exp_1x", "name": "my_exp_1x.py", "ext": ".py"},
    ),
    (
        "base-reference-and-arithmetic",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                lr = _base_.optim_wrapper.optimizer.lr * 2
                max_epochs = _base_.max_epochs * 2
                optim_wrapper = dict(optimizer=dict(lr=lr))
                train_cfg = dict(max_epochs=max_epochs)
                sched = _base_.param_scheduler
                warmup_end = _base_.param_scheduler[0]['end'] // 2 + 1
                ratio = _base_.max_epochs / 5
                neg = -_base_.max_epochs % 5
            """,
        },
        "leaf.py",
        ["lr", "max_epochs", "optim_wrapper", "train_cfg", "sched", "warmup_end", "ratio", "neg"],
        {"lr": 0.04, "max_epochs": 24, "warmup_end": 251},
    ),
    (
        "in-place-edits-of-base-values",
        {
            "sched.py": SCHEDULE_1X,
            "data.py": DATASET,
            "leaf.py": """
                _base_ = ['./sched.py', './data.py']
                _base_.param_scheduler[1].milestones = [16, 23]
                _base_.param_scheduler[1]['end'] = 24
                p = [dict(type='LoadImageFromFile'), dict(type='PackDetInputs')]
                _base_.train_dataloader.dataset.pipeline = p
                _base_.train_cfg.max_epochs = 24
            """,
        },
        "leaf.py",
        ["param_scheduler", "train_dataloader", "train_cfg", "train_pipeline"],
        {"param_scheduler": [
            {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 500},
            {"type": "MultiStepLR", "begin": 0, "end": 24, "by_epoch": True, "milestones": [16, 23], "gamma": 0.1},
        ]},
    ),
    (
        "f-strings-with-format-specs",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                lr = 0.0025
                epochs = 24
                name = 'retina'
                work_dir = f'./work_dirs/{name!r}_{epochs:03d}e_lr{lr:.1e}_{epochs / 7:.3f}_{"x":>4}'
                tag = f'{_base_.max_epochs}e-{_base_.optim_wrapper.optimizer.type.lower()}'
                fmt = '{}x{:02d}'.format(name, epochs)
                fmt_fields = '{0[1]}-{k[x]:>4}-{0!r}-{lr:{w}.{p}f}'.format([1, 2], k=dict(x=5), lr=lr, w=8, p=4)
                percent = '%s_%03d' % ('a', 7) + '%(n)s' % dict(n='!')
            """,
        },
        "leaf.py",
        ["work_dir", "tag", "fmt", "fmt_fields", "percent"],
        {"tag": "12e-sgd", "fmt": "retinax24", "fmt_fields": "2-   5-[1, 2]-  0.0025", "percent": "a_007!"},
    ),
    (
        "comprehensions",
        {
            "leaf.py": """
                milestones = [e for e in range(4, 13, 4) if e != 8]
                scales = [(s, s * 2) for s in (600, 800)]
                by_name = {name: dict(lr=0.01 * i) for i, name in enumerate(['a', 'b'])}
                nested = [[i * j for j in range(3)] for i in range(2)]
                total = sum(x for x in range(5))
                squares = {k: k ** 2 for k in range(3)}
            """,
        },
        "leaf.py",
        ["milestones", "scales", "by_name", "nested", "total", "squares"],
        {"milestones": [4, 12], "total": 10},
    ),
    (
        "for-if-while",
        {
            "leaf.py": """
                base_lr = 0.02
                param_scheduler = []
                for i, (begin, end) in enumerate([(0, 8), (8, 11), (11, 12)]):
                    if i == 0:
                        factor = 1.0
                    elif i == 1:
                        factor = 0.1
                    else:
                        factor = 0.01
                    param_scheduler.append(dict(type='ConstantLR', begin=begin, end=end, factor=factor))
                n = 1
                while n < 100:
                    n *= 3
                    if n == 27:
                        break
                else:
                    n = -1
                for x in range(3):
                    if x == 1:
                        continue
                    base_lr = base_lr / 2
                else:
                    done = True
                flag = 'big' if n > 10 else 'small'
            """,
        },
        "leaf.py",
        ["param_scheduler", "n", "base_lr", "done", "flag"],
        {"n": 27, "base_lr": 0.005},
    ),
    (
        "dict-call-and-double-star",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                common = dict(by_epoch=True, begin=0)
                a = dict(common, type='MultiStepLR', milestones=[8])
                b = dict(**common, type='CosineAnnealingLR')
                c = {**common, 'end': 12, **dict(gamma=0.5)}
                d = dict(_base_.train_cfg, max_epochs=24)
                e = {**_base_.optim_wrapper.optimizer, 'lr': 0.1}
                f = dict([('x', 1), ('y', 2)])
            """,
        },
        "leaf.py",
        ["a", "b", "c", "d", "e", "f"],
        {"d": {"type": "EpochBasedTrainLoop", "max_epochs": 24, "val_interval": 1}},
    ),
    (
        "dict-and-list-methods",
        {
            "base.py": SCHEDULE_1X,
            "data.py": DATASET,
            "leaf.py": """
                _base_ = ['./base.py', './data.py']
                optimizer = _base_.optim_wrapper.optimizer.copy()
                optimizer.update(lr=0.01, momentum=0.95)
                optimizer.update(dict(nesterov=True))
                wd = optimizer.pop('weight_decay')
                missing = optimizer.pop('nothing', 'dflt')
                keys = sorted(optimizer.keys())
                got = optimizer.get('lr', 1.0)
                pipeline = _base_.train_pipeline.copy()
                pipeline.append(dict(type='RandomFlip', prob=0.5))
                pipeline.extend([dict(type='A'), dict(type='B')])
                popped = pipeline.pop(1)
                pipeline.insert(0, dict(type='First'))
                pipeline += [dict(type='Last')]
                milestones = [8]
                milestones += [11]
                milestones.append(12)
                counter = 1
                counter += 2
                counter *= 5
                name = 'a'
                name += 'b'
                local = dict(x=1)
                local.update(y=2)
                local.setdefault('z', 3)
            """,
        },
        "leaf.py",
        ["optimizer", "wd", "missing", "keys", "got", "pipeline", "popped", "milestones", "counter", "name", "local",
         "optim_wrapper", "train_pipeline"],
        {"milestones": [8, 11, 12], "counter": 15, "wd": 0.0001},
    ),
    (
        "config-dict-update-merges-nested-dicts",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                _base_.optim_wrapper.update(optimizer=dict(lr=0.01))
                ow = _base_.optim_wrapper.copy()
                ow.update(dict(clip_grad=dict(max_norm=35)))
                local = dict(a=dict(x=1))
                local.update(a=dict(y=2))
                missing = _base_.train_cfg.pop('no_such_key')
            """,
        },
        "leaf.py",
        ["optim_wrapper", "ow", "local", "missing"],
        {"optim_wrapper": {
            "type": "OptimWrapper",
            "optimizer": {"type": "SGD", "lr": 0.01, "momentum": 0.9, "weight_decay": 0.0001},
        }, "local": {"a": {"y": 2}}, "missing": None},
    ),
    (
        "values-stored-into-base-dicts-are-copied-like-configdict-hook",
        {
            "base.py": SCHEDULE_1X,
            "data.py": DATASET,
            "leaf.py": """
                _base_ = ['./base.py', './data.py']
                p = [dict(type='LoadImageFromFile')]
                _base_.train_dataloader.dataset.pipeline = p
                p.append(dict(type='PackDetInputs'))
                p[0]['to_float32'] = True
                q = dict(a=dict(x=1))
                _base_.train_cfg['extra'] = q
                q['a']['y'] = 2
                _base_.train_cfg.extra.update(a=dict(z=3))
                shared = _base_.optim_wrapper.optimizer
                _base_.train_cfg.opt = shared
                shared.lr = 0.5
            """,
        },
        "leaf.py",
        ["train_dataloader", "p", "q", "train_cfg", "optim_wrapper"],
        {"p": [{"type": "LoadImageFromFile", "to_float32": True}, {"type": "PackDetInputs"}],
         "q": {"a": {"x": 1, "y": 2}}},
    ),
    (
        "copy-deepcopy",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                import copy
                sched = copy.deepcopy(_base_.param_scheduler)
                sched[1]['milestones'] = [16, 22]
                shallow = copy.copy(_base_.train_cfg)
                shallow['max_epochs'] = 24
                alias = _base_.param_scheduler
            """,
        },
        "leaf.py",
        ["sched", "param_scheduler", "shallow", "train_cfg", "alias"],
        {"param_scheduler": [
            {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 500},
            {"type": "MultiStepLR", "begin": 0, "end": 12, "by_epoch": True, "milestones": [8, 11], "gamma": 0.1},
        ]},
    ),
    (
        "math-module",
        {
            "leaf.py": """
                import math
                eta = math.pi * 2
                steps = math.ceil(1000 / 3)
                root = math.sqrt(16)
                decay = math.exp(-1) + math.log(math.e)
            """,
        },
        "leaf.py",
        ["eta", "steps", "root", "decay"],
        {"steps": 334, "root": 4.0},
    ),
    (
        "os-path-join-after-base",
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                import os.path as osp
                import os
                data_root = 'data/coco/'
                ann = osp.join(data_root, 'annotations', 'train.json')
                ann2 = os.path.join(data_root, 'val.json')
                stem = osp.splitext(osp.basename(ann))[0]
            """,
        },
        "leaf.py",
        ["ann", "ann2", "stem"],
        {"ann": "data/coco/annotations/train.json", "stem": "train"},
    ),
    (
        "custom-imports-kept-verbatim",
        {
            "leaf.py": """
                custom_imports = dict(imports=['schedlint_no_such_module_xyz.hooks'], allow_failed_imports=False)
                lr = 0.01
            """,
        },
        "leaf.py",
        ["custom_imports", "lr"],
        {"custom_imports": {"imports": ["schedlint_no_such_module_xyz.hooks"], "allow_failed_imports": False}},
    ),
    (
        "derived-values-frozen-in-base",
        {
            "base.py": """
                max_epochs = 12
                train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
                param_scheduler = [dict(type='MultiStepLR', begin=0, end=max_epochs, milestones=[8, 11])]
            """,
            "leaf.py": """
                _base_ = './base.py'
                max_epochs = 24
                train_cfg = dict(max_epochs=max_epochs)
            """,
        },
        "leaf.py",
        ["max_epochs", "train_cfg", "param_scheduler"],
        {"max_epochs": 24, "train_cfg": {"type": "EpochBasedTrainLoop", "max_epochs": 24},
         "param_scheduler": [{"type": "MultiStepLR", "begin": 0, "end": 12, "milestones": [8, 11]}]},
    ),
    (
        "base-from-string-concatenation",
        {
            "_base_/schedules/schedule_1x.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './_base_/schedules/' + 'schedule_1x' + '.py'
                train_cfg = dict(max_epochs=2)
            """,
        },
        "leaf.py",
        ["train_cfg", "param_scheduler"],
        {"train_cfg": {"type": "EpochBasedTrainLoop", "max_epochs": 2, "val_interval": 1}},
    ),
    (
        "base-list-from-concatenation",
        {
            "a.py": "a = 1\n",
            "b.py": "b = 2\n",
            "leaf.py": """
                _base_ = ['./a.py'] + ['./' + 'b.py']
                c = 3
            """,
        },
        "leaf.py",
        ["a", "b", "c"],
        {"a": 1, "b": 2, "c": 3},
    ),
    (
        "tuples-and-sets-and-misc-builtins",
        {
            "leaf.py": """
                scale = (1333, 800)
                scales = [(1333, 640), (1333, 800)]
                mn = min(8, 11)
                mx = max([3, 5])
                rounded = round(0.123456, 3)
                ln = len(scales)
                ok = isinstance(scale, tuple) and all(s > 0 for s in scale)
                z = list(zip([1, 2], ['a', 'b']))
                r = list(reversed([1, 2, 3]))
                s = sorted([3, 1, 2], reverse=True)
                a, *rest = [1, 2, 3]
                i = int('3') + int(2.7)
                fl = float('1e-3')
                neg = abs(-2)
                lam = lambda x: x
                def helper():
                    return 1
            """,
        },
        "leaf.py",
        ["scale", "scales", "mn", "mx", "rounded", "ln", "ok", "z", "r", "s", "a", "rest", "i", "fl", "neg"],
        {"scale": (1333, 800), "rest": [2, 3]},
    ),
    (
        "json-and-yaml-configs",
        {
            "base.json": '{"train_cfg": {"max_epochs": 12, "val_interval": 1}, "lr": 0.1}',
            "mid.yaml": """
                _base_: ./base.json
                train_cfg:
                  max_epochs: 24
            """,
            "leaf.py": """
                _base_ = './mid.yaml'
                lr = 0.2
            """,
        },
        "leaf.py",
        ["train_cfg", "lr"],
        {"train_cfg": {"max_epochs": 24, "val_interval": 1}, "lr": 0.2},
    ),
]


@pytest.mark.parametrize(
    "files, leaf, keys, expected", [pytest.param(*case[1:], id=case[0]) for case in CASES]
)
def test_construct_matches_mmengine(tmp_path, files, leaf, keys, expected):
    root = write_tree(tmp_path, files)
    if "import math" in files[leaf]:
        # mmengine decides whether `math` is a builtin module by its file location, which differs in a
        # virtualenv (there it turns `math.pi` into a lazy import and fails on `* 2`); the static
        # evaluator always treats `math` as the standard module, so compare against the known values
        resolved = Loader().resolve(str(root / leaf))
        assert set(keys) <= set(resolved.values)
        assert expected
    else:
        resolved = assert_same_as_mmengine(root / leaf, keys)
    for key, value in (expected or {}).items():
        assert normalise(plain(resolved.values[key])) == normalise(value), key
    assert not resolved.executed
    assert resolved.chain[-1] == str(root / leaf)


def test_arithmetic_on_base_var_placeholder_is_a_string_like_mmengine(tmp_path):
    """`{{_base_.x}} * 2` repeats mmengine's placeholder string (its text is random); it is not 24."""
    root = write_tree(
        tmp_path,
        {"base.py": SCHEDULE_1X, "leaf.py": "_base_ = './base.py'\ndoubled = {{_base_.max_epochs}} * 2\n"},
    )
    ours = Loader().resolve(str(root / "leaf.py")).get("doubled")
    theirs = mmengine_dict(root / "leaf.py")["doubled"]
    for value in (ours, theirs):
        assert isinstance(value, str) and value.startswith("_max_epochs_")
        half = len(value) // 2
        assert value[:half] == value[half:]


def test_functions_modules_and_dunders_are_dropped(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "base.py": "lr = 0.1\n",
            "leaf.py": """
                _base_ = './base.py'
                import math
                __hidden = 3
                def helper(x):
                    return x
                lam = lambda x: x
                kept = 1
            """,
        },
    )
    resolved = Loader().resolve(str(root / "leaf.py"))
    expected = mmengine_dict(root / "leaf.py")
    assert set(resolved.values) == set(expected) == {"lr", "kept"}


def test_environment_variables(tmp_path, monkeypatch):
    files = {
        "leaf.py": """
            epochs = {{'$SCHEDLINT_TEST_EPOCHS:12'}}
            work_dir = '{{$SCHEDLINT_TEST_DIR:./work_dirs}}/exp'
            quoted = '{{ $SCHEDLINT_TEST_NAME:retina }}'
            lr = {{"$SCHEDLINT_TEST_LR:0.02"}}
            train_cfg = dict(max_epochs={{'$SCHEDLINT_TEST_EPOCHS:12'}})
        """,
    }
    root = write_tree(tmp_path, files)
    leaf = root / "leaf.py"
    keys = ["epochs", "work_dir", "quoted", "lr", "train_cfg"]
    for name in ("SCHEDLINT_TEST_EPOCHS", "SCHEDLINT_TEST_DIR", "SCHEDLINT_TEST_NAME", "SCHEDLINT_TEST_LR"):
        monkeypatch.delenv(name, raising=False)
    resolved = assert_same_as_mmengine(leaf, keys)
    assert plain(resolved.values) == {
        "epochs": 12, "work_dir": "./work_dirs/exp", "quoted": "retina", "lr": 0.02, "train_cfg": {"max_epochs": 12}
    }

    monkeypatch.setenv("SCHEDLINT_TEST_EPOCHS", "36")
    monkeypatch.setenv("SCHEDLINT_TEST_DIR", "/scratch")
    resolved = assert_same_as_mmengine(leaf, keys)
    assert resolved.get("epochs") == 36 and resolved.get("work_dir") == "/scratch/exp"
    assert resolved.get("train_cfg", "max_epochs") == 36
    assert resolved.loc("train_cfg", "max_epochs").line == 5


def test_unquoted_environment_variable_is_a_syntax_error_like_mmengine(tmp_path, monkeypatch):
    monkeypatch.setenv("SCHEDLINT_TEST_EPOCHS", "36")
    root = write_tree(tmp_path, {"leaf.py": "lr = 0.1\nepochs = {{$SCHEDLINT_TEST_EPOCHS:12}}\n"})
    with pytest.raises(SyntaxError):
        mmengine_dict(root / "leaf.py")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL901"
    assert info.value.location.line == 2


def test_environment_variable_without_default_is_sl907(tmp_path, monkeypatch):
    monkeypatch.delenv("SCHEDLINT_TEST_UNSET", raising=False)
    root = write_tree(tmp_path, {"leaf.py": "a = 1\nwork_dir = '{{$SCHEDLINT_TEST_UNSET:}}/x'\n"})
    with pytest.raises(KeyError):
        mmengine_dict(root / "leaf.py")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL907"
    assert "SCHEDLINT_TEST_UNSET" in info.value.message
    assert info.value.location.line == 2


def test_loader_environ_overrides_process_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("SCHEDLINT_TEST_EPOCHS", raising=False)
    root = write_tree(tmp_path, {"leaf.py": "epochs = {{'$SCHEDLINT_TEST_EPOCHS:12'}}\n"})
    assert Loader(environ={"SCHEDLINT_TEST_EPOCHS": "7"}).resolve(str(root / "leaf.py")).get("epochs") == 7


def test_custom_imports_are_not_imported(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    root = write_tree(
        tmp_path,
        {
            "pkg/schedlint_marker_mod.py": f"open({str(marker)!r}, 'w').close()\n",
            "leaf.py": """
                custom_imports = dict(imports=['schedlint_marker_mod', 'schedlint_no_such_module_xyz'])
            """,
        },
    )
    monkeypatch.syspath_prepend(str(root / "pkg"))
    # the module list really fails to import (so a loader that imported it would have raised)
    from mmengine.config import Config

    with pytest.raises(ImportError):
        Config.fromfile(str(root / "leaf.py"))
    marker.unlink()
    sys.modules.pop("schedlint_marker_mod", None)

    resolved = Loader().resolve(str(root / "leaf.py"))
    assert plain(resolved.values["custom_imports"]) == {
        "imports": ["schedlint_marker_mod", "schedlint_no_such_module_xyz"]
    }
    assert not marker.exists()
    assert "schedlint_marker_mod" not in sys.modules


# ---------------------------------------------------------------------------------------------- pkg:: bases


@pytest.fixture
def fake_mmdet(tmp_path, monkeypatch):
    """A fake installed `mmdet` (only `.mim/`), found by mmengine through patched package helpers."""
    package_dir = tmp_path / "site" / "mmdet"
    write_tree(
        package_dir,
        {
            ".mim/model-index.yml": "Import: []\n",
            ".mim/configs/_base_/schedules/schedule_1x.py": SCHEDULE_1X,
            ".mim/configs/_base_/default_runtime.py": RUNTIME,
        },
    )
    import mmengine.config.config as config_module

    monkeypatch.setattr(config_module, "is_installed", lambda package: package == "mmdet")
    monkeypatch.setattr(config_module, "get_installed_path", lambda package: str(package_dir))
    return package_dir / ".mim" / "configs"


def test_scoped_base_with_scope_roots(tmp_path, fake_mmdet):
    root = write_tree(
        tmp_path,
        {
            "proj/leaf.py": """
                _base_ = ['mmdet::_base_/schedules/schedule_1x.py', 'mmdet::_base_/default_runtime.py']
                train_cfg = dict(max_epochs=24)
                param_scheduler = [dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100)]
            """,
        },
    )
    leaf = root / "proj" / "leaf.py"
    loader = Loader(scope_roots={"mmdet": str(fake_mmdet)})
    resolved = assert_same_as_mmengine(leaf, ["train_cfg", "param_scheduler", "optim_wrapper", "default_hooks"], loader)
    assert resolved.get("train_cfg", "max_epochs") == 24
    assert resolved.get("optim_wrapper", "optimizer", "lr") == 0.02
    schedule = str(fake_mmdet / "_base_" / "schedules" / "schedule_1x.py")
    assert resolved.bases[0] == schedule
    assert schedule in resolved.chain
    loc = resolved.loc("optim_wrapper", "optimizer", "lr")
    assert loc.file == schedule and loc.line == line_of(Path(schedule), "lr=0.02")


def test_scoped_base_without_scope_root_is_sl905(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "leaf.py": """
                lr = 0.1
                _base_ = 'mmdet::_base_/schedules/schedule_1x.py'
            """,
        },
    )
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    problem = info.value
    assert problem.code == "SL905"
    assert "mmdet" in problem.message and "--scope-root" in problem.message
    assert problem.location.file == str(root / "leaf.py") and problem.location.line == 2


# ---------------------------------------------------------------------------------------------- mmengine errors


def test_duplicate_keys_among_bases_is_sl907(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "sched.py": SCHEDULE_1X,
            "other.py": "max_epochs = 24\nlr = 0.1\n",
            "leaf.py": """
                _base_ = [
                    './sched.py',
                    './other.py',
                ]
            """,
        },
    )
    with pytest.raises(KeyError, match="Duplicate key"):
        mmengine_dict(root / "leaf.py")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL907"
    assert "max_epochs" in info.value.message and "'lr'" not in info.value.message
    assert info.value.location.line == 3


def test_dict_over_list_is_sl907(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                lr = 0.1
                param_scheduler = dict(type='CosineAnnealingLR', T_max=24)
            """,
        },
    )
    with pytest.raises(TypeError, match="_delete_"):
        mmengine_dict(root / "leaf.py")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL907"
    assert "param_scheduler" in info.value.message and "_delete_" in info.value.message
    assert info.value.location.line == 3


def test_dict_over_list_with_delete_is_fine(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "base.py": SCHEDULE_1X,
            "leaf.py": """
                _base_ = './base.py'
                param_scheduler = dict(_delete_=True, type='CosineAnnealingLR', T_max=24)
            """,
        },
    )
    resolved = assert_same_as_mmengine(root / "leaf.py", ["param_scheduler"])
    assert plain(resolved.values["param_scheduler"]) == {"type": "CosineAnnealingLR", "T_max": 24}


@pytest.mark.parametrize(
    "body, line",
    [
        ("a = 1\nb = undefined_name + 1\n", 2),
        ("a = dict(x=1)\nb = a['y']\n", 2),
        ("a = [1]\nb = a[3]\n", 2),
        ("a = 1\nassert a == 2\n", 2),
        ("a = 1 / 0\n", 1),
    ],
    ids=["name-error", "key-error", "index-error", "assert", "zero-division"],
)
def test_errors_mmengine_raises_too_are_sl907(tmp_path, body, line):
    root = write_tree(tmp_path, {"leaf.py": body})
    with pytest.raises(Exception):
        mmengine_dict(root / "leaf.py")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL907"
    assert info.value.location.line == line


# ---------------------------------------------------------------------------------------------- pure-Python configs

LAZY_SCHEDULE = """
    from mmengine.optim.scheduler import LinearLR, MultiStepLR

    max_epochs = 12
    train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
    param_scheduler = [
        dict(type=LinearLR, start_factor=0.001, by_epoch=False, begin=0, end=500),
        dict(type=MultiStepLR, begin=0, end=max_epochs, by_epoch=True, milestones=[8, 11], gamma=0.1),
    ]
    optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9))
"""


def test_read_base_pure_python_config(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "configs/_base_/schedules/schedule_1x.py": LAZY_SCHEDULE,
            "configs/det/leaf.py": """
                from mmengine.config import read_base

                with read_base():
                    from .._base_.schedules.schedule_1x import *

                train_cfg.update(max_epochs=24, val_interval=2)
                optim_wrapper.update(dict(optimizer=dict(lr=0.01)))
            """,
        },
    )
    leaf = root / "configs" / "det" / "leaf.py"
    resolved = assert_same_as_mmengine(leaf, ["train_cfg", "optim_wrapper"])
    assert resolved.lazy
    assert resolved.get("train_cfg") == {"type": "EpochBasedTrainLoop", "max_epochs": 24, "val_interval": 2}
    # values computed in the base are not recomputed
    assert resolved.get("param_scheduler", 1, "end") == 12
    assert str(resolved.get("param_scheduler", 0, "type")).endswith("LinearLR")
    assert str(resolved.get("param_scheduler", 1, "type")).endswith("MultiStepLR")
    expected = mmengine_dict(leaf)
    assert expected["param_scheduler"][0]["type"].endswith("LinearLR")
    schedule = str(root / "configs" / "_base_" / "schedules" / "schedule_1x.py")
    assert resolved.bases == [schedule]
    assert resolved.chain == [schedule, str(leaf)]
    assert resolved.loc("train_cfg", "max_epochs").file == str(leaf)
    assert resolved.loc("param_scheduler", 1, "end").file == schedule


def test_plain_imports_in_a_pure_python_config_are_lazy_like_mmengine(tmp_path):
    # mmengine binds `import torch.nn` to a LazyObject of `torch` and `import numpy as np` to one of `numpy`:
    # nothing is imported, and an attribute is dumped as its dotted name (xtuner's configs all `import torch`)
    root = write_tree(
        tmp_path,
        {
            "configs/lazy.py": """
                import numpy as np
                import torch.nn
                from mmengine.optim import CosineAnnealingLR

                norm = dict(type=torch.nn.GroupNorm, dtype=np.float32)
                param_scheduler = [dict(type=CosineAnnealingLR, T_max=10)]
                optim_wrapper = dict(optimizer=dict(type=torch.optim.AdamW, lr=1e-3))
            """,
        },
    )
    import json

    leaf = root / "configs" / "lazy.py"
    resolved = Loader().resolve(str(leaf))
    expected = mmengine_dict(leaf)
    for key in ("norm", "param_scheduler", "optim_wrapper"):
        assert json.loads(json.dumps(plain(resolved.values[key]), default=str)) == expected[key], key
    assert resolved.lazy
    assert str(resolved.get("optim_wrapper", "optimizer", "type")) == "torch.optim.AdamW"


def test_standard_library_imports_in_a_pure_python_config_are_real_modules(tmp_path):
    # mmengine imports a standard-library module for real (`_is_builtin_module`), so `osp.join` is a call
    path = tmp_path / "lazy.py"
    path.write_text("import os.path as osp\nimport torch\nfrom torch.optim import SGD\n"
                    "data_root = osp.join('data', 'coco')\ndtype = torch.float16\n")
    resolved = Loader().resolve(str(path))
    assert resolved.lazy
    assert resolved.get("data_root") == "data/coco" and str(resolved.get("dtype")) == "torch.float16"
    path.write_text("import torch\nn = torch.cuda.device_count()\n")  # a call of a lazily imported name
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL904" and info.value.location.line == 2


def test_read_base_imports_a_function_from_a_base(tmp_path):
    # mmengine parses every read_base module as a pure-Python config and keeps its functions: xtuner's
    # examples import their dataset map function this way
    root = write_tree(
        tmp_path,
        {
            "configs/map_fn.py": """
                def single_turn_map_fn(example):
                    return {"conversation": [example]}
            """,
            "configs/leaf.py": """
                from mmengine.config import read_base
                with read_base():
                    from .map_fn import single_turn_map_fn as dataset_map_fn
                train_dataset = dict(type='Demo', dataset_map_fn=dataset_map_fn)
                max_epochs = 3
            """,
        },
    )
    resolved = Loader().resolve(str(root / "configs" / "leaf.py"))
    assert resolved.get("max_epochs") == 3 and "dataset_map_fn" not in resolved.values
    assert repr(resolved.get("train_dataset", "dataset_map_fn")) == "<function single_turn_map_fn>"
    (root / "configs" / "leaf.py").write_text("from mmengine.config import read_base\nwith read_base():\n"
                                              "    from .map_fn import *\nfn = dict(f=single_turn_map_fn)\n")
    assert repr(Loader().resolve(str(root / "configs" / "leaf.py")).get("fn", "f")) == "<function single_turn_map_fn>"
    (root / "configs" / "leaf.py").write_text("from mmengine.config import read_base\nwith read_base():\n"
                                              "    from .map_fn import other_fn\n")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "configs" / "leaf.py"))
    assert info.value.code == "SL907" and "cannot import name 'other_fn'" in info.value.message


def test_getattr_and_hasattr_of_base_like_mmengine(tmp_path):
    # `_base_` is a ConfigDict while the file runs (mmrazor's pruning configs)
    root = write_tree(
        tmp_path,
        {
            "base.py": "model = dict(type='A')\ncustom_hooks = [dict(type='H')]\n",
            "leaf.py": """
                _base_ = './base.py'
                if hasattr(_base_, 'data_preprocessor'):
                    flag = 1
                elif hasattr(_base_, 'model') and hasattr(_base_.model, 'type'):
                    flag = 2
                custom_hooks = getattr(_base_, 'custom_hooks', []) + [dict(type='Mine')]
                other = getattr(_base_, 'train_cfg', dict(max_epochs=3))
                kind = getattr(_base_.model, 'type')
            """,
        },
    )
    assert_same_as_mmengine(root / "leaf.py", ["flag", "custom_hooks", "other", "kind"])
    (root / "leaf.py").write_text("_base_ = './base.py'\nx = getattr(_base_, 'missing')\n")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL907" and "AttributeError" in info.value.message
    (root / "leaf.py").write_text("_base_ = './base.py'\nx = getattr(_base_, '__class__')\n")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL904" and info.value.location.line == 2


def test_star_import_outside_read_base_is_a_warning(tmp_path):
    # mmdet3d 1.4's pure-Python _base_/models/pgd.py: `if '_base_': from .fcos3d import *` (mmengine raises);
    # other frameworks' configs (InternVideo's ViCLIP: `from .data import *`) do the same: SL904, not an error
    root = write_tree(tmp_path, {"fcos.py": "from mmengine.optim import SGD\nlr = 0.1\n",
                                 "pgd.py": "if '_base_':\n    from .fcos import *\nfrom mmengine.optim import SGD\n"})
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "pgd.py"))
    assert (info.value.code, info.value.location.line) == ("SL904", 2)
    with pytest.raises(Exception, match="is not allowed to appear outside"):
        mmengine_dict(root / "pgd.py")


def test_classic_config_over_pure_python_base_is_sl907(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "base.py": LAZY_SCHEDULE,
            "mid.py": "_base_ = './base.py'\n",
            "leaf.py": "_base_ = './mid.py'\n",
        },
    )
    with pytest.raises(Exception):
        mmengine_dict(root / "leaf.py")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL907"


# ---------------------------------------------------------------------------------------------- provenance


def test_provenance_of_in_place_edit_acceptance(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "configs/_base_/schedules/schedule_1x.py": SCHEDULE_1X,
            "configs/det/leaf_2x.py": """
                _base_ = '../_base_/schedules/schedule_1x.py'

                _base_.param_scheduler[1].milestones = [16, 23]
                train_cfg = dict(max_epochs=24)
            """,
        },
    )
    leaf = root / "configs" / "det" / "leaf_2x.py"
    schedule = root / "configs" / "_base_" / "schedules" / "schedule_1x.py"
    resolved = assert_same_as_mmengine(leaf, ["param_scheduler", "train_cfg"])
    assert resolved.get("param_scheduler", 1, "end") == 12
    assert resolved.get("param_scheduler", 1, "milestones") == [16, 23]
    assert resolved.get("train_cfg", "max_epochs") == 24

    end = resolved.loc("param_scheduler", 1, "end")
    assert (end.file, end.line) == (str(schedule), line_of(schedule, "end=12"))
    assert end.col == line_of_text(schedule, end.line).index("12")

    milestones = resolved.loc("param_scheduler", 1, "milestones")
    assert (milestones.file, milestones.line) == (str(leaf), line_of(leaf, "milestones = [16, 23]"))

    max_epochs = resolved.loc("train_cfg", "max_epochs")
    assert (max_epochs.file, max_epochs.line) == (str(leaf), line_of(leaf, "train_cfg = dict(max_epochs=24)"))
    assert max_epochs.col == line_of_text(leaf, max_epochs.line).index("24")

    # untouched inherited entries still point at the base
    val_interval = resolved.loc("train_cfg", "val_interval")
    assert (val_interval.file, val_interval.line) == (str(schedule), line_of(schedule, "val_interval=1"))
    assert resolved.chain == [str(schedule), str(leaf)]
    assert resolved.bases == [str(schedule)]


def line_of_text(path: Path, line: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[line - 1]


def test_provenance_through_substitution_references_and_merges(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "base.py": SCHEDULE_1X,
            "mid.py": """
                _base_ = './base.py'
                optim_wrapper = dict(optimizer=dict(lr=0.01))
            """,
            "leaf.py": """
                _base_ = './mid.py'
                sched = {{_base_.param_scheduler}}
                _base_.train_cfg.update(max_epochs=36)
                train_cfg = _base_.train_cfg
            """,
        },
    )
    leaf, mid, base = root / "leaf.py", root / "mid.py", root / "base.py"
    resolved = assert_same_as_mmengine(leaf, ["optim_wrapper", "sched", "train_cfg"])
    assert resolved.chain == [str(base), str(mid), str(leaf)]
    assert resolved.bases == [str(mid)]
    lr = resolved.loc("optim_wrapper", "optimizer", "lr")
    assert (lr.file, lr.line) == (str(mid), line_of(mid, "lr=0.01"))
    momentum = resolved.loc("optim_wrapper", "optimizer", "momentum")
    assert (momentum.file, momentum.line) == (str(base), line_of(base, "momentum=0.9"))
    gamma = resolved.loc("sched", 1, "gamma")
    assert (gamma.file, gamma.line) == (str(base), line_of(base, "gamma=0.1"))
    max_epochs = resolved.loc("train_cfg", "max_epochs")
    assert (max_epochs.file, max_epochs.line) == (str(leaf), line_of(leaf, "max_epochs=36"))


def test_loc_of_absent_path_is_none_and_get_default(tmp_path):
    root = write_tree(tmp_path, {"leaf.py": "a = dict(b=1)\n"})
    resolved = Loader().resolve(str(root / "leaf.py"))
    assert resolved.get("nope", default="d") == "d"
    assert resolved.get("a", "b", "c") is None
    assert resolved.loc("nope") is None
    assert resolved.loc("a", "b").line == 1


# ---------------------------------------------------------------------------------------------- security


def _security_configs(marker: Path) -> Dict[str, str]:
    m = str(marker)
    return {
        "import-os-system": f"import os\nos.system('touch {m}')\n",
        "import-os-system-after-base": f"_base_ = './ok.py'\nimport os\nx = os.system('touch {m}')\n",
        "dunder-import": f"x = 1\n__import__('os').system('touch {m}')\n",
        "open-write": f"x = 1\nopen('{m}', 'w').write('pwned')\n",
        "eval": f"x = 1\neval(\"__import__('os').system('touch {m}')\")\n",
        "exec": f"x = 1\nexec(\"import os; os.system('touch {m}')\")\n",
        "class-bases-walk": (
            "x = 1\n"
            "y = ().__class__.__bases__[0].__subclasses__()\n"
        ),
        "class-bases-walk-via-dict": (
            "x = 1\n"
            f"y = [c for c in {{}}.__class__.__mro__[1].__subclasses__() if c.__name__ == 'Popen'][0]('touch {m}')\n"
        ),
        "getattr-builtins": f"x = 1\ngetattr(__builtins__, '__import__')('os').system('touch {m}')\n",
        "str-format-attribute-walk": "x = 1\ny = '{0.__class__.__mro__}'.format(1)\n",
        "str-format-globals-walk": "x = 1\ny = '{0.__globals__[posixpath].os.environ}'.format(zip)\n",
        "str-format-nested-field-walk": "x = 1\ny = '{0:{1.__class__}}'.format(1, 2)\n",
        "subprocess-from-import": f"_base_ = './ok.py'\nfrom subprocess import call\ncall(['touch', '{m}'])\n",
        "function-call": f"x = 1\ndef f():\n    import os\n    os.system('touch {m}')\nf()\n",
        "lambda-call": f"x = 1\ng = lambda: __import__('os').system('touch {m}')\ng()\n",
        "base-is-a-call": f"_base_ = __import__('os').system('touch {m}')\n",
        "base-is-a-call-in-list": f"_base_ = [__import__('os').system('touch {m}') or './ok.py']\n",
        "read-base-with-other-context": f"with open('{m}', 'w') as fh:\n    fh.write('x')\n",
        "compile-ast": "x = 1\ny = compile('1', 'f', 'eval')\n",
        "globals": "x = 1\ny = globals()\n",
    }


SECURITY_CASES = list(_security_configs(Path("/marker")).keys())


@pytest.mark.parametrize("case", SECURITY_CASES)
def test_hostile_configs_are_not_executed(tmp_path, case):
    marker = tmp_path / "pwned"
    write_tree(tmp_path, {"ok.py": "ok = 1\n"})
    path = tmp_path / "leaf.py"
    path.write_text(_security_configs(marker)[case], encoding="utf-8")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code in ("SL904", "SL907"), info.value.message
    assert info.value.location.file == str(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "expression",
    [
        "'{0.__class__.__mro__}'.format(1)",
        "'{0.__globals__[posixpath].os.environ[HOME]}'.format(zip)",
        "'{x.real}'.format(x=3)",
        "'{0:{1.__class__}}'.format(1, 2)",
    ],
)
def test_format_strings_cannot_read_attributes(tmp_path, expression):
    """`str.format` looks attributes up itself (`'{0.__globals__}'`): refused, not evaluated."""
    path = tmp_path / "leaf.py"
    path.write_text(f"lr = 0.1\nleak = {expression}\n", encoding="utf-8")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL904"
    assert info.value.location.line == 2
    assert "format string" in info.value.message


def test_hostile_import_is_sl904_at_its_line(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "leaf.py"
    path.write_text(f"lr = 0.1\nimport os\n\nos.system('touch {marker}')\n", encoding="utf-8")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL904"
    assert info.value.location.line == 4
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------- SL9xx


def test_syntax_error_is_sl901_with_line(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "base.py": "a = 1\nb = 2\n\nc = dict(x=1,\n         y=)\n",
            "leaf.py": "_base_ = './base.py'\n",
        },
    )
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL901"
    assert info.value.location.file == str(root / "base.py")
    assert info.value.location.line == 5
    with pytest.raises(SyntaxError) as mm:
        mmengine_dict(root / "base.py")
    assert mm.value.lineno == info.value.location.line


def test_missing_base_is_sl902(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "configs/leaf.py": """
                # a comment
                _base_ = [
                    '../_base_/default_runtime.py',
                    '../_base_/schedules/nope.py',
                ]
            """,
            "_base_/default_runtime.py": RUNTIME,
        },
    )
    leaf = root / "configs" / "leaf.py"
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(leaf))
    problem = info.value
    assert problem.code == "SL902"
    assert str(root / "_base_" / "schedules" / "nope.py") in problem.message
    assert problem.location.file == str(leaf)
    assert problem.location.line == 4
    with pytest.raises(FileNotFoundError):
        mmengine_dict(leaf)


def test_missing_base_string_points_at_base_line(tmp_path):
    root = write_tree(tmp_path, {"leaf.py": "lr = 0.1\n_base_ = './missing.py'\n"})
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL902"
    assert str(root / "missing.py") in info.value.message
    assert (info.value.location.file, info.value.location.line) == (str(root / "leaf.py"), 2)


def test_missing_leaf_is_sl902(tmp_path):
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(tmp_path / "nope.py"))
    assert info.value.code == "SL902"


def test_circular_inheritance_is_sl903(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "a.py": "_base_ = './b.py'\nx = 1\n",
            "b.py": "_base_ = './a.py'\ny = 2\n",
        },
    )
    for start, other in (("a.py", "b.py"), ("b.py", "a.py")):
        with pytest.raises(LoadProblem) as info:
            Loader().resolve(str(root / start))
        assert info.value.code == "SL903"
        assert f"{start} -> {other} -> {start}" in info.value.message


def test_self_inheritance_is_sl903(tmp_path):
    root = write_tree(tmp_path, {"a.py": "_base_ = './a.py'\n"})
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "a.py"))
    assert info.value.code == "SL903"
    assert "a.py -> a.py" in info.value.message


def test_longer_cycle_below_a_leaf_is_sl903(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "leaf.py": "_base_ = './a.py'\n",
            "a.py": "_base_ = './b.py'\n",
            "b.py": "_base_ = './c.py'\n",
            "c.py": "_base_ = './a.py'\n",
        },
    )
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL903"
    assert "a.py -> b.py -> c.py -> a.py" in info.value.message
    assert "leaf.py" not in info.value.message


def test_needs_execution_is_sl904_naming_the_line(tmp_path):
    root = write_tree(
        tmp_path,
        {
            "leaf.py": """
                import math
                lr = 0.01

                class Foo:
                    pass
                x = Foo()
            """,
        },
    )
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL904"
    assert info.value.location.line == 6
    assert str(info.value.location).startswith(f"{root / 'leaf.py'}:6:")


@pytest.mark.parametrize("unpacking", ["dict(type='Normalize', **norm_cfg)", "{**norm_cfg}", "[*norm_cfg]",
                                       "(*norm_cfg,)"])
@pytest.mark.parametrize("base", ["", "_base_ = './base.py'\n"])
def test_unpacking_an_imported_name_needs_execution_not_a_config_error(tmp_path, unpacking, base):
    """SOOD's mmcv-era configs unpack a dict imported from a module (`**img_norm_cfg`): mmcv 1.x runs the import
    (read classic, with a `_base_`) and mmengine would make it lazy; either way the value is known only by running
    it, so the config is SL904 (needs execution), not an SL907 'object is not a mapping'."""
    root = write_tree(tmp_path, {
        "base.py": "optimizer = dict(type='SGD', lr=0.01, momentum=0.9)\n",
        "leaf.py": base + "from mypkg.norm import norm_cfg\n" + f"pipeline = [{unpacking}]\n",
    })
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert (info.value.code, info.value.location.line) == ("SL904", 3 if base else 2), info.value.message
    assert "unpacking of" in info.value.message


def test_item_assignment_on_an_imported_name_says_what_it_is(tmp_path):
    root = write_tree(tmp_path, {"leaf.py": "from configs.shared import model\nmodel['neck'] = dict(type='X')\n"
                                            "lr_config = dict(policy='step', step=[8, 11])\n"})
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(root / "leaf.py"))
    assert info.value.code == "SL904"
    assert "item assignment on imported `configs.shared.model`" in info.value.message  # (no internal type name)


def test_non_utf8_is_sl906_at_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "leaf.py"
    path.write_bytes(b"a = 1\nb = 2\nname = 'caf\xe9'\n")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL906"
    assert info.value.location.line == 3
    assert "UTF-8" in info.value.message


def test_non_utf8_base_is_sl906_in_the_base(tmp_path):
    (tmp_path / "base.py").write_bytes(b"a = '\xff'\n")
    (tmp_path / "leaf.py").write_text("_base_ = './base.py'\n")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(tmp_path / "leaf.py"))
    assert info.value.code == "SL906"
    assert (info.value.location.file, info.value.location.line) == (str(tmp_path / "base.py"), 1)


def test_binary_is_sl906(tmp_path):
    path = tmp_path / "leaf.py"
    path.write_bytes(b"a = 1\n\x00\x01\x02")
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL906"
    assert "binary" in info.value.message


def test_too_large_is_sl906(tmp_path):
    path = tmp_path / "leaf.py"
    line = b"x = 1  # " + b"a" * 90 + b"\n"
    path.write_bytes(line * (2 * 1024 * 1024 // len(line) + 1))
    assert path.stat().st_size > 2 * 1024 * 1024
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL906"
    assert "large" in info.value.message


def test_just_under_the_size_limit_loads(tmp_path):
    path = tmp_path / "leaf.py"
    line = b"x = 1  # " + b"a" * 90 + b"\n"
    path.write_bytes(line * (2 * 1024 * 1024 // len(line)))
    assert path.stat().st_size <= 2 * 1024 * 1024
    assert Loader().resolve(str(path)).get("x") == 1


def test_unreadable_is_sl906(tmp_path, monkeypatch):
    path = tmp_path / "leaf.py"
    path.write_text("a = 1\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(loader_files.os, "open", refuse)
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL906"
    assert "Permission denied" in info.value.message


def test_crlf_line_endings_load(tmp_path):
    (tmp_path / "base.py").write_bytes(SCHEDULE_1X_BYTES.replace(b"\n", b"\r\n"))
    (tmp_path / "leaf.py").write_bytes(
        b"_base_ = './base.py'\r\n\r\n_base_.param_scheduler[1].milestones = [16, 23]\r\ntrain_cfg = dict(max_epochs=24)\r\n"
    )
    resolved = assert_same_as_mmengine(tmp_path / "leaf.py", ["param_scheduler", "train_cfg"])
    assert resolved.loc("param_scheduler", 1, "milestones").line == 3
    assert resolved.loc("param_scheduler", 1, "end").line == line_of(tmp_path / "base.py", "end=12")


def test_utf8_bom_loads(tmp_path):
    """Deliberately more tolerant than mmengine 0.10.7, whose `ast.parse` of the decoded text fails on U+FEFF."""
    (tmp_path / "base.py").write_bytes(b"\xef\xbb\xbf" + SCHEDULE_1X_BYTES)
    (tmp_path / "leaf.py").write_bytes(b"\xef\xbb\xbf_base_ = './base.py'\ntrain_cfg = dict(max_epochs=24)\n")
    resolved = Loader().resolve(str(tmp_path / "leaf.py"))
    assert resolved.get("train_cfg") == {"type": "EpochBasedTrainLoop", "max_epochs": 24, "val_interval": 1}
    assert resolved.loc("train_cfg", "max_epochs").line == 2
    assert resolved.loc("train_cfg", "max_epochs").col == len("train_cfg = dict(max_epochs=")


def test_non_ascii_utf8_loads(tmp_path):
    root = write_tree(tmp_path, {"leaf.py": "# ünïcödé\nname = 'café ✓'\n"})
    assert assert_same_as_mmengine(root / "leaf.py", ["name"]).get("name") == "café ✓"


SCHEDULE_1X_BYTES = textwrap.dedent(SCHEDULE_1X).lstrip("\n").encode()


# ---------------------------------------------------------------------------------------------- caching


def test_shared_base_is_parsed_once_and_edits_do_not_leak(tmp_path, monkeypatch):
    root = write_tree(
        tmp_path,
        {
            "_base_/schedule_1x.py": SCHEDULE_1X,
            "a.py": """
                _base_ = './_base_/schedule_1x.py'
                _base_.param_scheduler[1].milestones = [16, 23]
                _base_.param_scheduler[1].end = 24
                _base_.train_cfg.max_epochs = 24
                _base_.optim_wrapper.optimizer.update(lr=0.04)
            """,
            "b.py": """
                _base_ = './_base_/schedule_1x.py'
                train_cfg = dict(val_interval=3)
            """,
        },
    )
    parsed = []
    real_parse = ast.parse

    def counting_parse(source, filename="<unknown>", *args, **kwargs):
        parsed.append(os.path.basename(str(filename)))
        return real_parse(source, filename, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    uncached = []
    real_load_uncached = Loader._load_uncached

    def counting_load_uncached(self, path, stack, whole):
        uncached.append(os.path.basename(path))
        return real_load_uncached(self, path, stack, whole)

    monkeypatch.setattr(Loader, "_load_uncached", counting_load_uncached)

    loader = Loader()
    a = loader.resolve(str(root / "a.py"))
    b = loader.resolve(str(root / "b.py"))
    a_again = loader.resolve(str(root / "a.py"))
    assert parsed.count("schedule_1x.py") == 1
    assert uncached.count("schedule_1x.py") == 1
    assert uncached.count("a.py") == 1

    assert a.get("param_scheduler", 1, "milestones") == [16, 23]
    assert a.get("optim_wrapper", "optimizer", "lr") == 0.04
    assert b.get("param_scheduler", 1, "milestones") == [8, 11]
    assert b.get("param_scheduler", 1, "end") == 12
    assert b.get("train_cfg") == {"type": "EpochBasedTrainLoop", "max_epochs": 12, "val_interval": 3}
    assert b.get("optim_wrapper", "optimizer", "lr") == 0.02
    schedule = root / "_base_" / "schedule_1x.py"
    assert b.loc("param_scheduler", 1, "milestones").file == str(schedule)
    assert a.loc("param_scheduler", 1, "milestones").file == str(root / "a.py")

    # results handed out are independent copies too
    a.values["param_scheduler"][1]["gamma"] = 0.5
    assert a_again.get("param_scheduler", 1, "gamma") == 0.1
    assert loader.resolve(str(root / "b.py")).get("param_scheduler", 1, "gamma") == 0.1

    monkeypatch.undo()
    for leaf in ("a.py", "b.py"):
        assert_same_as_mmengine(root / leaf, ["param_scheduler", "train_cfg", "optim_wrapper"])


def test_errors_are_cached_too(tmp_path):
    root = write_tree(tmp_path, {"bad.py": "a = (\n", "l1.py": "_base_ = './bad.py'\n", "l2.py": "_base_ = './bad.py'\n"})
    loader = Loader()
    for leaf in ("l1.py", "l2.py"):
        with pytest.raises(LoadProblem) as info:
            loader.resolve(str(root / leaf))
        assert info.value.code == "SL901" and info.value.location.file == str(root / "bad.py")


# ---------------------------------------------------------------------------------------------- allow_exec

FUNCTION_CONFIG = """
    _base_ = './base.py'

    def f(x):
        return x * 2

    lr = f(0.01)
    optim_wrapper = dict(optimizer=dict(lr=lr))
"""


def test_allow_exec_resolves_what_static_evaluation_cannot(tmp_path):
    root = write_tree(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": FUNCTION_CONFIG})
    leaf = root / "leaf.py"
    resolved = Loader(allow_exec=True).resolve(str(leaf))
    assert resolved.executed
    expected = mmengine_dict(leaf)
    for key in ("lr", "optim_wrapper", "param_scheduler", "train_cfg"):
        assert normalise(plain(resolved.values[key])) == normalise(expected[key])
    assert resolved.get("lr") == 0.02
    assert resolved.get("optim_wrapper", "optimizer") == {
        "type": "SGD", "lr": 0.02, "momentum": 0.9, "weight_decay": 0.0001
    }
    assert "f" not in resolved.values
    assert resolved.loc("lr").line == line_of(leaf, "lr = f(0.01)")
    assert resolved.notes


def test_without_allow_exec_a_function_call_is_sl904_at_the_call(tmp_path):
    root = write_tree(tmp_path, {"base.py": SCHEDULE_1X, "leaf.py": FUNCTION_CONFIG})
    leaf = root / "leaf.py"
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(leaf))
    assert info.value.code == "SL904"
    assert (info.value.location.file, info.value.location.line) == (str(leaf), line_of(leaf, "lr = f(0.01)"))
    assert "function `f`" in info.value.message


def test_allow_exec_failure_stays_sl904(tmp_path):
    root = write_tree(
        tmp_path,
        {"leaf.py": """
            def f(x):
                raise ValueError('boom')
            lr = f(1)
        """},
    )
    with pytest.raises(LoadProblem) as info:
        Loader(allow_exec=True).resolve(str(root / "leaf.py"))
    assert info.value.code == "SL904"
    assert "boom" in info.value.message
    assert info.value.location.line == 3


def test_allow_exec_runs_an_mmcv_era_config_with_a_package_import_as_mmcv_does(tmp_path):
    """`import datetime` and a call of it make mmengine read the file as a pure-Python config, where the call
    raises a bare RuntimeError ('executing it with mmengine failed too: RuntimeError: '); mmcv 1.x runs such a
    file, and so does mmengine with lazy imports off."""
    root = write_tree(tmp_path, {"leaf.py": """
        import datetime
        stamp = datetime.datetime.now().strftime('%Y%m%d')
        optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
        lr_config = dict(policy='step', step=[8, 11])
        runner = dict(type='EpochBasedRunner', max_epochs=12)
    """})
    resolved = Loader(allow_exec=True).resolve(str(root / "leaf.py"))
    assert resolved.executed and resolved.get("runner", "max_epochs") == 12
    assert any("as a classic config" in n for n in resolved.notes)


def test_allow_exec_failure_without_a_message_says_so(tmp_path):
    root = write_tree(tmp_path, {"leaf.py": """
        def f():
            raise RuntimeError()
        lr = f()
    """})
    with pytest.raises(LoadProblem) as info:
        Loader(allow_exec=True).resolve(str(root / "leaf.py"))
    assert "RuntimeError (raised without a message)" in info.value.message


def test_allow_exec_does_not_run_configs_with_other_problems(tmp_path):
    root = write_tree(tmp_path, {"leaf.py": "lr = undefined_name\n"})
    with pytest.raises(LoadProblem) as info:
        Loader(allow_exec=True).resolve(str(root / "leaf.py"))
    assert info.value.code == "SL907"


# ---------------------------------------------------------------------------------------------- issue 11


def test_scopes_are_found_as_files_never_imported(tmp_path, monkeypatch):
    """`pkg::path` and `from pkg.configs.x import *` locate the package by looking at sys.path folders
    and setuptools' editable-install finders as files: nothing of the package, nor the finder, runs."""
    from schedlint.loader.scopes import find_module_file, find_scope_root

    sentinel = tmp_path / "SENTINEL"
    evil = f"import pathlib\npathlib.Path({str(sentinel)!r}).write_text('ran')\n"
    write_tree(tmp_path, {
        "site/plainpkg/__init__.py": evil,
        "site/plainpkg/.mim/configs/a.py": "a = 1\n",
        "site/plainpkg/configs/b.py": "b = 2\n",
        "src/editpkg/__init__.py": evil,
        "src/editpkg/.mim/configs/c.py": "c = 3\n",
    })
    finder = tmp_path / "site" / "__editable___editpkg_0_1_finder.py"
    finder.write_text(evil + f"MAPPING = {{'editpkg': {str(tmp_path / 'src' / 'editpkg')!r}}}\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert find_scope_root("plainpkg", {}) == str(tmp_path / "site" / "plainpkg" / ".mim" / "configs")
    assert find_scope_root("editpkg", {}) == str(tmp_path / "src" / "editpkg" / ".mim" / "configs")
    assert find_module_file("plainpkg.configs.b") == str(tmp_path / "site" / "plainpkg" / "configs" / "b.py")
    assert find_scope_root("plainpkg.sub", {}) is None and find_scope_root("os", {}) is None
    assert not sentinel.exists()
    assert "plainpkg" not in sys.modules and "editpkg" not in sys.modules


@pytest.mark.parametrize("expression, allowed", [
    ("2 ** 64", True),
    ("2 ** 100000", False),
    ("'ab' * 1000", True),
    ("'ab' * 10 ** 7", False),
    ("[0] * 1000", True),
    ("[0] * 10 ** 6", False),
    ("'{:>20}'.format(1)", True),
    ("'{:>20000000}'.format(1)", False),
    ("'-'.join(['a'] * 100)", True),
    ("'x'.zfill(10 ** 8)", False),
])
def test_budget_bounds_values_before_computing_them(tmp_path, expression, allowed):
    path = tmp_path / "leaf.py"
    path.write_text(f"lr = 0.1\nx = {expression}\n", encoding="utf-8")
    if allowed:
        Loader().resolve(str(path))
        return
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(path))
    assert info.value.code == "SL908" and info.value.location.line == 2


def test_special_files_are_refused_without_opening(tmp_path):
    fifo = tmp_path / "leaf.py"
    os.mkfifo(fifo)
    with pytest.raises(LoadProblem) as info:
        Loader().resolve(str(fifo))  # would block forever if opened for reading
    assert info.value.code == "SL906" and "FIFO" in info.value.message


_MMCV_BASE = ("optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\nlr_config = dict(policy='step', step=[8, 11])\n"
              "runner = dict(type='EpochBasedRunner', max_epochs=12)\n")
_MMENGINE_BASE = ("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
                  "param_scheduler = [dict(type='MultiStepLR', milestones=[8, 11])]\n"
                  "train_cfg = dict(by_epoch=True, max_epochs=12)\n")


@pytest.mark.parametrize("base_line", [
    "_base_ = [f'{mmdet_base}/schedule.py']",
    "_base_ = [mmdet_base + '/schedule.py']",
    "_base_ = mmdet_base + '/schedule.py'",
])
def test_base_naming_values_set_above_it_is_read_as_mmcv_reads_it(tmp_path, base_line):
    """mmcv 1.x runs the file before it reads `_base_` (SoftTeacher: `mmdet_base = '../..'` and f-strings);
    mmengine evaluates `_base_` alone (NameError). An mmcv config is linted; an mmengine one is SL907."""
    child = f"mmdet_base = './third_party/_base_'\n{base_line}\nrunner = dict(max_epochs=6)\n"
    resolved = _mmcv_reads_it_mmengine_refuses(tmp_path, "third_party/_base_/schedule.py", child,
                                               "NameError: name 'mmdet_base' is not defined")
    assert resolved.get("runner", "max_epochs") == 6
    assert [loc.line for loc, _ in resolved.named_bases] == [2]


def _mmcv_reads_it_mmengine_refuses(tmp_path, base: str, child: str, error: str):
    """`config.py` (`child`, its `_base_` at line 2) over an mmcv base at `base` is read and linted (SL001);
    over an mmengine base, with `train_cfg`, it is SL907 at line 2 saying `error`. Returns the first resolution."""
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings

    write_tree(tmp_path, {base: _MMCV_BASE, "config.py": child})
    resolved = Loader().resolve(str(tmp_path / "config.py"))
    assert resolved.get("lr_config", "step") == [8, 11]
    assert [f.code for f in check_paths([str(tmp_path / "config.py")], Settings()).findings] == ["SL001"]

    (tmp_path / base).write_text(_MMENGINE_BASE)
    (tmp_path / "config.py").write_text(child.replace("runner = dict(max_epochs=6)", "train_cfg = dict(max_epochs=6)"))
    found = check_paths([str(tmp_path / "config.py")], Settings()).findings
    assert [(f.code, f.location.line) for f in found] == [("SL907", 2)]
    assert error in found[0].message
    return resolved


def test_base_in_a_config_that_imports_a_package_is_read_as_mmcv_reads_it(tmp_path):
    """`import torch` makes mmengine load a file as a pure-Python config, which rejects `_base_`
    (ConfigParsingError); mmcv 1.x runs it and inherits. An mmcv config is linted; an mmengine one is SL907."""
    child = "import torch\n_base_ = ['./schedule.py']\nrunner = dict(max_epochs=6)\n"
    resolved = _mmcv_reads_it_mmengine_refuses(tmp_path, "schedule.py", child, "ConfigParsingError")
    assert not resolved.lazy
    with pytest.raises(Exception, match="must match the current configuration file type"):
        mmengine_dict(tmp_path / "config.py")


def test_base_of_constants_needs_no_names(tmp_path):
    write_tree(tmp_path, {"b/schedule.py": _MMENGINE_BASE, "config.py": "_base_ = './b/' + 'schedule.py'\n"})
    resolved = Loader().resolve(str(tmp_path / "config.py"))
    assert resolved.named_bases == [] and resolved.get("train_cfg", "max_epochs") == 12


def test_an_attribute_a_plain_value_cannot_have_is_python_s_error(tmp_path):
    """mmdet 3.x's mask_rcnn_..._wandb_coco.py does `vis_backends.update(...)` on a list: mmengine raises
    AttributeError, and SL904 said execution could resolve it ('attribute `update` of a CfgList')."""
    (tmp_path / "base.py").write_text("vis_backends = [dict(type='LocalVisBackend')]\nlr = 0.1\n")
    (tmp_path / "config.py").write_text("from mmengine.config import read_base\nwith read_base():\n"
                                        "    from .base import *\nvis_backends.update(dict(type='WandbVisBackend'))\n")
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings

    found = check_paths([str(tmp_path / "config.py")], Settings(dependents=False)).findings
    assert [(f.code, f.location.line) for f in found] == [("SL907", 4)]
    assert "AttributeError: 'list' object has no attribute 'update'" in found[0].message


def test_an_environment_variable_with_a_default_is_read_as_unset(tmp_path, monkeypatch):
    """MagicMaster's `data_root = os.path.join(os.getenv('INPUT_PATH', './'), ...)` made every config SL904, hiding
    its schedule findings. With a default the variable reads as unset (the machine's environment is never read);
    without one it still needs execution."""
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings

    monkeypatch.setenv("INPUT_PATH", "/secret/place")
    schedule = ("optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.02, momentum=0.9))\n"
                "param_scheduler = [dict(type='CosineAnnealingLR', T_max=12, by_epoch=True)]\n"
                "train_cfg = dict(by_epoch=True, max_epochs=24)\n")
    for read in ("os.getenv('INPUT_PATH', './')", "os.environ.get('INPUT_PATH', './')"):
        (tmp_path / "config.py").write_text(f"import os\ndata_root = os.path.join({read}, 'data/')\n"
                                            "train_dataloader = dict(dataset=dict(data_root=data_root))\n" + schedule)
        found = check_paths([str(tmp_path / "config.py")], Settings(dependents=False, epoch_length=10)).findings
        assert [f.code for f in found] == ["SL005"], [f.message for f in found]
    (tmp_path / "config.py").write_text("import os\nwork_dir = os.getenv('INPUT_PATH')\n" + schedule)
    found = check_paths([str(tmp_path / "config.py")], Settings(dependents=False, epoch_length=10)).findings
    assert [f.code for f in found] == ["SL904"] and "'INPUT_PATH' without a default" in found[0].message
    assert "/secret/place" not in found[0].message


def test_a_child_that_imports_and_uses_base_is_blamed_itself(tmp_path):
    """mmvsr_conv: a child importing a package (so mmengine reads it as pure-Python) with `_base_` over a base that
    imports too. SL907 blamed the base ('default_runtime.py is pure-Python'); the child's own `_base_` fails in
    mmengine whatever the base's style."""
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings

    (tmp_path / "default_runtime.py").write_text("from mmengine.hooks import CheckpointHook\n"
                                                 "default_hooks = dict(checkpoint=dict(type=CheckpointHook, interval=10))\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "cfg.py").write_text("from mmengine.runner import IterBasedTrainLoop\n"
                                             "_base_ = '../default_runtime.py'\n"
                                             "optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))\n"
                                             "train_cfg = dict(type=IterBasedTrainLoop, max_iters=1000)\n")
    found = check_paths([str(tmp_path / "sub" / "cfg.py")], Settings(dependents=False)).findings
    assert [(f.code, f.location.line) for f in found] == [("SL907", 2)]
    assert "this config imports a package" in found[0].message and "default_runtime.py is" not in found[0].message


def test_bases_defining_one_key_twice_name_both_libraries(tmp_path):
    """mmcv 1.x and mmengine both raise KeyError 'Duplicate key is not allowed among bases'; the message named
    mmengine for mmcv-1.x configs too."""
    (tmp_path / "a.py").write_text("lr_config = dict(policy='step', step=[8])\n")
    (tmp_path / "b.py").write_text("lr_config = dict(policy='step', step=[11])\n")
    (tmp_path / "c.py").write_text("_base_ = ['./a.py', './b.py']\n")
    with pytest.raises(LoadProblem) as exc:
        Loader().resolve(os.fspath(tmp_path / "c.py"))
    assert exc.value.code == "SL907" and "mmengine and mmcv refuse duplicate keys" in str(exc.value)
