"""The mmcv-1.x front-end: plans from legacy configs, and the simulator against mmcv 1.7.2's hooks.

`MMCV_CASES` holds values recorded from the real mmcv 1.7.2 `LrUpdaterHook` / `MomentumUpdaterHook`
subclasses (plus mmdet 2.28's YOLOX hook and mmcls 0.25's CosineAnnealingCooldown hook) driven by a
fake runner in EpochBasedRunner / IterBasedRunner hook order around a real torch optimizer
(`MMCV_WITH_OPS=0 pip install mmcv==1.7.2` in a throwaway environment): the value of param group 0
during each iteration. schedlint reproduced every one of them bit for bit when they were recorded.
"""

from __future__ import annotations

import math
import os
from typing import Any, Dict, Optional

import numpy as np
import pytest

from schedlint.lint.engine import Linter, build_any_plan
from schedlint.plan.mmcv import build_legacy_plan, has_legacy_plan, policy_class
from schedlint.loader import Loader
from schedlint.plan.model import Horizon, LegacyPolicy, Optimizer, Plan
from schedlint.lint.settings import Settings
from schedlint.simulate import simulate
from schedlint.simulate.mmcv import simulate_legacy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures", "configs")


def legacy_plan(opt: Dict[str, Any], lr_config: Optional[dict], momentum_config: Optional[dict], loop: str,
                max_epochs: Optional[int], max_iters: Optional[int], epoch_length: int) -> Plan:
    """A legacy plan as the front-end builds it, straight from the config dicts."""
    kind = opt["type"]
    if kind == "SGD" or "momentum" in opt:
        optimizer = Optimizer(type=kind, lr=opt["lr"], momentum=opt.get("momentum", 0.0), momentum_kind="momentum")
    elif "Adam" in kind:
        optimizer = Optimizer(type=kind, lr=opt["lr"], betas=tuple(opt.get("betas", (0.9, 0.999))),
                              momentum_kind="beta1")
    else:
        optimizer = Optimizer(type=kind, lr=opt["lr"])
    horizon = Horizon(loop=loop, max_epochs=max_epochs if loop == "epoch" else None,
                      max_iters=max_iters if loop == "iter" else None, epoch_length=epoch_length,
                      epoch_length_source="test")
    legacy = []
    for param, cfg in (("lr", lr_config), ("momentum", momentum_config)):
        if cfg:
            prefix = policy_class(cfg["policy"])
            args = {k: v for k, v in cfg.items() if k != "policy"}
            if loop == "iter" and param == "lr":
                args.setdefault("by_epoch", False)  # IterBasedRunner.register_training_hooks
            by_epoch = args.get("by_epoch", prefix not in ("Cyclic", "OneCycle"))
            legacy.append(LegacyPolicy(param=param, policy=prefix, by_epoch=by_epoch, args=args, raw=dict(cfg),
                                       path=(f"{param}_config",)))
    return Plan(filename="config.py", generation="mmcv", horizon=horizon, optimizer=optimizer, legacy=legacy)


# name: (optimizer, lr_config, momentum_config, runner loop, max_epochs, max_iters, epoch length,
#        mmcv lr per iteration, mmcv momentum/beta1 per iteration)
MMCV_CASES = {
    'step_warmup_epoch': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'step', 'warmup': 'linear', 'warmup_iters': 7, 'warmup_ratio': 0.001, 'step': [3, 5]},
        None,
        'epoch', 6, None, 4,
        [2.000000000000002e-05, 0.0028742857142857138, 0.0057285714285714275, 0.008582857142857144, 0.011437142857142858, 0.014291428571428573, 0.017145714285714285, 0.02, 0.02, 0.02, 0.02, 0.02, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'step_int_gamma_minlr': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'step', 'step': 2, 'gamma': 0.5, 'min_lr': 0.004},
        None,
        'epoch', 8, None, 3,
        [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005, 0.005, 0.005, 0.004, 0.004, 0.004, 0.004, 0.004, 0.004],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'step_unsorted': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'step', 'step': [5, 3]},
        None,
        'epoch', 7, None, 2,
        [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'step_iter': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'step', 'step': [10, 20], 'by_epoch': False, 'warmup': 'constant', 'warmup_iters': 5},
        None,
        'iter', None, 30, 7,
        [0.002, 0.002, 0.002, 0.002, 0.002, 0.02, 0.02, 0.02, 0.02, 0.02, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.002, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004, 0.00020000000000000004],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'exp_warmup': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'exp', 'gamma': 0.9, 'warmup': 'exp', 'warmup_iters': 5, 'warmup_ratio': 0.1},
        None,
        'epoch', 5, None, 3,
        [0.002, 0.003169786384922227, 0.005023772863019161, 0.007165929069962952, 0.011357232200643481, 0.018000000000000002, 0.016200000000000003, 0.016200000000000003, 0.016200000000000003, 0.014580000000000003, 0.014580000000000003, 0.014580000000000003, 0.013122, 0.013122, 0.013122],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'poly_iter': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'poly', 'power': 0.9, 'min_lr': 0.0001, 'by_epoch': False},
        None,
        'iter', None, 40, 5,
        [0.02, 0.019551685113631957, 0.019102219094267844, 0.018651568568136042, 0.018199698264050948, 0.017746570849718424, 0.0172921467488261, 0.016836383936029806, 0.016379237706412083, 0.015920660415334274, 0.015460601183799053, 0.014999005563444504, 0.014535815154050676, 0.014070967164883751, 0.013604393909236689, 0.013136022219020162, 0.01266577276303817, 0.012193559248407175, 0.011719287479107608, 0.01124285423841282, 0.010764145952236117, 0.010283037077268355, 0.009799388139662009, 0.009313043324710713, 0.00882382748202633, 0.008331542358699696, 0.007835961796095393, 0.007336825509778315, 0.006833830891842833, 0.00632662198684388, 0.005814774316110249, 0.0052977734054645035, 0.004774983393490315, 0.004245599280124822, 0.0037085706255421238, 0.003162471728195479, 0.0026052615694703925, 0.0020337851170720185, 0.0014425364334351967, 0.0008194474609219833],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'poly_epoch': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'poly', 'power': 2.0, 'min_lr': 0.0},
        None,
        'epoch', 6, None, 3,
        [0.02, 0.02, 0.02, 0.013888888888888892, 0.013888888888888892, 0.013888888888888892, 0.00888888888888889, 0.00888888888888889, 0.00888888888888889, 0.005, 0.005, 0.005, 0.0022222222222222227, 0.0022222222222222227, 0.0022222222222222227, 0.0005555555555555553, 0.0005555555555555553, 0.0005555555555555553],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'inv': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'inv', 'gamma': 0.1, 'power': 0.75, 'by_epoch': False},
        None,
        'iter', None, 20, 5,
        [0.02, 0.018620248892444454, 0.017443918989868426, 0.01642753803649909, 0.015539390084818246, 0.014755758929337622, 0.014058533129758726, 0.013433627593357958, 0.012869913169869657, 0.012358472483621248, 0.01189207115002721, 0.011464774700025866, 0.011071666233008242, 0.010708635064208591, 0.010372216288141304, 0.010059467437463483, 0.009767872557491274, 0.0094952668088052, 0.009239776625834297, 0.008999771794154319],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'cosine_ratio': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'CosineAnnealing', 'min_lr_ratio': 0.001, 'warmup': 'linear', 'warmup_iters': 4, 'warmup_ratio': 0.1, 'warmup_by_epoch': True},
        None,
        'epoch', 6, None, 2,
        [0.0019999999999999996, 0.00425, 0.006065017979737126, 0.008164447280415363, 0.008252750000000001, 0.0099408125, 0.00775775, 0.008883875, 0.005015000000000003, 0.005015000000000003, 0.0013584062161934574, 0.0013584062161934574],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'cosine_iter': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'CosineAnnealing', 'min_lr': 1e-05, 'by_epoch': False},
        None,
        'epoch', 3, None, 5,
        [0.02, 0.01978158526933439, 0.019135886849137796, 0.0180911248587776, 0.01669296041055679, 0.0150025, 0.0130936248587776, 0.011049761990360197, 0.008960238009639805, 0.006916375141222402, 0.005007500000000002, 0.0033170395894432155, 0.0019188751412224014, 0.0008741131508622033, 0.00022841473066561216],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'flatcos': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'FlatCosineAnnealing', 'start_percent': 0.5, 'min_lr': 0.0},
        None,
        'epoch', 9, None, 2,
        [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.018090169943749474, 0.018090169943749474, 0.013090169943749475, 0.013090169943749475, 0.006909830056250526, 0.006909830056250526, 0.0019098300562505265, 0.0019098300562505265],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'flatcos_iter': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'FlatCosineAnnealing', 'start_percent': 0.75, 'min_lr_ratio': 0.01, 'by_epoch': False},
        None,
        'iter', None, 21, 5,
        [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.01810926824431198, 0.013159268244311982, 0.007040731755688021, 0.0020907317556880215],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'restart': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'CosineRestart', 'periods': [3, 4], 'restart_weights': [1, 0.5], 'min_lr': 0.0001},
        None,
        'epoch', 7, None, 2,
        [0.02, 0.02, 0.015025, 0.015025, 0.005075000000000003, 0.005075000000000003, 0.01005, 0.01005, 0.008592856236403074, 0.008592856236403074, 0.0050750000000000005, 0.0050750000000000005, 0.0015571437635969266, 0.0015571437635969266],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'restart_crash': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'CosineRestart', 'periods': [3, 2], 'restart_weights': [1, 0.5], 'min_lr': 0.0001},
        None,
        'epoch', 7, None, 2,
        [0.02, 0.02, 0.015025, 0.015025, 0.005075000000000003, 0.005075000000000003, 0.01005, 0.01005, 0.0050750000000000005, 0.0050750000000000005],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'cyclic': (
        {'type': 'AdamW', 'lr': 0.0018, 'betas': (0.95, 0.99)},
        {'policy': 'cyclic', 'target_ratio': (10, 0.0001), 'cyclic_times': 1, 'step_ratio_up': 0.4},
        {'policy': 'cyclic', 'target_ratio': (0.8947368421052632, 1), 'cyclic_times': 1, 'step_ratio_up': 0.4},
        'epoch', 4, None, 5,
        [0.0017999999999999995, 0.0024165757866585775, 0.004172435072388965, 0.006800264197842772, 0.009899999999999999, 0.012999735802157224, 0.015627564927611033, 0.017383424213341422, 0.018, 0.017693335503277247, 0.01679424069177361, 0.015363987391068621, 0.013500045, 0.011329438112208629, 0.00900009, 0.006670741887791372, 0.0045001350000000015, 0.0026361926089313796, 0.0012059393082263922, 0.0003068444967227522],
        [0.95, 0.9461939766255643, 0.9353553390593273, 0.9191341716182544, 0.8999999999999999, 0.8808658283817454, 0.8646446609406726, 0.8538060233744357, 0.85, 0.8517037086855466, 0.856698729810778, 0.8646446609406726, 0.875, 0.8870590477448739, 0.8999999999999999, 0.912940952255126, 0.9249999999999999, 0.9353553390593273, 0.9433012701892219, 0.9482962913144534],
    ),
    'cyclic_linear_2cycles_leftover': (
        {'type': 'AdamW', 'lr': 0.0018, 'betas': (0.95, 0.99)},
        {'policy': 'cyclic', 'target_ratio': (10, 0.0001), 'cyclic_times': 2, 'step_ratio_up': 0.4, 'anneal_strategy': 'linear', 'gamma': 0.5},
        {'policy': 'cyclic', 'target_ratio': (0.8947368421052632, 1), 'cyclic_times': 2, 'step_ratio_up': 0.4, 'anneal_strategy': 'linear', 'gamma': 0.5},
        'iter', None, 11, 3,
        [0.0018, 0.009899999999999999, 0.018, 0.01200006, 0.006000119999999999, 0.0018, 0.005849999999999999, 0.009899999999999999, 0.00660006, 0.00330012, 0.0018],
        [0.95, 0.8999999999999999, 0.85, 0.8833333333333333, 0.9166666666666666, 0.95, 0.925, 0.9, 0.9166666666666666, 0.9333333333333333, 0.95],
    ),
    'cyclic_float_ratio_up0': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'cyclic', 'target_ratio': 5.0, 'step_ratio_up': 0.0},
        None,
        'iter', None, 10, 3,
        [0.1, 0.09755285028649954, 0.0904509452102502, 0.07938946872199752, 0.0654511952102502, 0.0500005, 0.034549804789749824, 0.0206115312780025, 0.00955005478974982, 0.002448149713500471],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'onecycle': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'OneCycle', 'max_lr': 0.1, 'pct_start': 0.25},
        {'policy': 'OneCycle', 'base_momentum': 0.8, 'max_momentum': 0.9},
        'iter', None, 20, 4,
        [0.0040000000000000036, 0.018058874503045733, 0.052000000000000005, 0.08594112549695429, 0.1, 0.09890738440717015, 0.09567729017303851, 0.0904508879153485, 0.08345659649182165, 0.0750001, 0.0654509879153485, 0.05522660225769002, 0.04477379774230999, 0.03454941208465151, 0.025000300000000013, 0.01654380350817838, 0.009549512084651508, 0.0043231098269614805, 0.0010930155928298624, 4.0000000000000003e-07],
        [0.9, 0.8904508497187474, 0.8654508497187474, 0.8345491502812526, 0.8095491502812526, 0.8, 0.8012536043909089, 0.804951556604879, 0.8109084258765985, 0.8188255099070634, 0.8283058130441221, 0.8388739533021843, 0.8500000000000001, 0.8611260466978158, 0.871694186955878, 0.8811744900929367, 0.8890915741234016, 0.895048443395121, 0.8987463956090912, 0.9],
    ),
    'onecycle_three_linear': (
        {'type': 'AdamW', 'lr': 0.0018, 'betas': (0.95, 0.99)},
        {'policy': 'OneCycle', 'max_lr': [0.05], 'pct_start': 0.3, 'three_phase': True, 'anneal_strategy': 'linear', 'total_steps': 30},
        {'policy': 'OneCycle', 'three_phase': True},
        'epoch', 5, None, 5,
        [0.002, 0.008, 0.014, 0.020000000000000004, 0.026000000000000002, 0.032, 0.038000000000000006, 0.044000000000000004, 0.05, 0.044000000000000004, 0.038000000000000006, 0.032, 0.026000000000000002, 0.020000000000000004, 0.013999999999999999, 0.008, 0.0020000000000000018, 0.001846169230769231, 0.0016923384615384616, 0.0015385076923076922, 0.001384676923076923, 0.001230846153846154, 0.0010770153846153846, 0.0009231846153846155, 0.0007693538461538462],
        [0.95, 0.9442728012826604, 0.9284032373365577, 0.9060268340127661, 0.8822697556478731, 0.8625744625914449, 0.8514529091286974, 0.8514529091286974, 0.8625744625914449, 0.8822697556478731, 0.9060268340127661, 0.9284032373365577, 0.9442728012826604, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95],
    ),
    'linear_annealing': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'LinearAnnealing', 'min_lr_ratio': 0.1},
        {'policy': 'LinearAnnealing', 'min_momentum': 0.5},
        'epoch', 5, None, 3,
        [0.02, 0.02, 0.02, 0.016399999999999998, 0.016399999999999998, 0.016399999999999998, 0.012799999999999999, 0.012799999999999999, 0.012799999999999999, 0.0092, 0.0092, 0.0092, 0.005599999999999997, 0.005599999999999997, 0.005599999999999997],
        [0.9, 0.9, 0.9, 0.8200000000000001, 0.8200000000000001, 0.8200000000000001, 0.74, 0.74, 0.74, 0.66, 0.66, 0.66, 0.58, 0.58, 0.58],
    ),
    'fixed_warmup': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'fixed', 'warmup': 'linear', 'warmup_iters': 6, 'warmup_ratio': 0.25},
        None,
        'epoch', 3, None, 4,
        [0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'yolox': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'YOLOX', 'warmup': 'exp', 'by_epoch': False, 'warmup_by_epoch': True, 'warmup_ratio': 1, 'warmup_iters': 2, 'num_last_epochs': 2, 'min_lr_ratio': 0.05},
        None,
        'epoch', 8, None, 3,
        [0.0005555555555555556, 0.0022222222222222222, 0.005, 0.008888888888888889, 0.013888888888888892, 0.02, 0.01967629534974615, 0.018727241335952168, 0.0172175144212722, 0.01525, 0.012958780928473947, 0.010499999999999999, 0.008041219071526051, 0.005750000000000002, 0.003782485578727799, 0.002272758664047832, 0.001323704650253852, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'cooldown': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'CosineAnnealingCooldown', 'min_lr': 0.0001, 'cool_down_time': 2, 'cool_down_ratio': 0.1, 'warmup': 'linear', 'warmup_iters': 3},
        None,
        'epoch', 8, None, 2,
        [0.0019999999999999996, 0.007999999999999998, 0.013066866937358616, 0.018666952767655166, 0.015025, 0.015025, 0.01005, 0.01005, 0.005075000000000003, 0.005075000000000003, 0.001433047232344835, 0.001433047232344835, 0.0001, 0.0001, 1e-05, 1e-05],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
    'mom_step_warmup': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        None,
        {'policy': 'step', 'step': [2, 4], 'warmup': 'linear', 'warmup_iters': 5},
        'epoch', 6, None, 2,
        [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02],
        [1.0, 0.9782608695652174, 0.9574468085106382, 0.9375000000000001, 0.45918367346938777, 0.45, 0.45, 0.45, 0.225, 0.225, 0.225, 0.225],
    ),
    'mom_warmup_default_ratio_adam': (
        {'type': 'AdamW', 'lr': 0.0018, 'betas': (0.95, 0.99)},
        None,
        {'policy': 'CosineAnnealing', 'min_momentum_ratio': 0.9, 'warmup': 'constant', 'warmup_iters': 3},
        'epoch', 3, None, 2,
        [0.0018, 0.0018, 0.0018, 0.0018, 0.0018, 0.0018],
        [1.0555555555555556, 1.0555555555555556, 1.0291666666666666, 0.92625, 0.87875, 0.87875],
    ),
    'mom_warmup_exp': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        None,
        {'policy': 'LinearAnnealing', 'min_momentum': 0.85, 'warmup': 'exp', 'warmup_iters': 4, 'warmup_ratio': 0.8, 'by_epoch': False},
        'iter', None, 10, 3,
        [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02],
        [1.125, 1.0580484250723028, 0.9950502499874064, 0.9357735681448992, 0.88, 0.875, 0.87, 0.865, 0.86, 0.855],
    ),
    'iter_runner_epoch_policy': (
        {'type': 'SGD', 'lr': 0.02, 'momentum': 0.9},
        {'policy': 'step', 'step': [2], 'warmup': 'linear', 'warmup_iters': 3, 'by_epoch': True},
        {'policy': 'step', 'step': [1]},
        'iter', None, 8, 2,
        [0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02],
        [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
    ),
}


@pytest.mark.parametrize("name", sorted(MMCV_CASES))
def test_simulator_matches_mmcv_1_7_2(name):
    opt, lr_config, momentum_config, loop, max_epochs, max_iters, length, lr, momentum = MMCV_CASES[name]
    curve = simulate_legacy(legacy_plan(opt, lr_config, momentum_config, loop, max_epochs, max_iters, length))
    n = len(lr)
    np.testing.assert_allclose(curve.lr[:n], lr, rtol=1e-12, atol=0)
    np.testing.assert_allclose(curve.momentum[:n], momentum, rtol=1e-12, atol=0)
    if curve.stopped_at is None:
        assert curve.iterations == n and not curve.errors
    else:
        assert curve.stopped_at == n  # mmcv raised before iteration n


# --------------------------------------------------------------------------------------------
# Crashes: each row is a config mmcv 1.7.2 rejected (checked with the same harness) and the
# exception it raised; schedlint must report it, from the hook's arguments alone.
# --------------------------------------------------------------------------------------------

_SGD = {"type": "SGD", "lr": 0.02, "momentum": 0.9}
_ADAGRAD = {"type": "Adagrad", "lr": 0.01}

MMCV_ERRORS = [
    ("misnamed policy", _SGD, {"policy": "cosineannealing", "min_lr": 0}, None,
     "KeyError: 'CosineannealingLrUpdaterHook is not in the hook registry'", "policy-name"),
    ("key leaked from a base lr_config", _SGD, {"policy": "CosineAnnealing", "min_lr": 0, "step": [8, 11]}, None,
     "unexpected keyword argument 'step'", "crash"),
    ("cyclic by epoch", _SGD, {"policy": "cyclic", "by_epoch": True}, None,
     'AssertionError: currently only support "by_epoch" = False', "crash"),
    ("OneCycle shorter than the run", _SGD, {"policy": "OneCycle", "max_lr": 0.1, "total_steps": 5}, None,
     "ValueError: The total steps must be greater than or equal to max iterations 20", "crash"),
    ("momentum on Adagrad", _ADAGRAD, None, {"policy": "cyclic"}, "KeyError: 'betas'", "momentum-support"),
    ("OneCycle momentum on Adagrad", _ADAGRAD, None, {"policy": "OneCycle"},
     "ValueError: optimizer must support momentum", "momentum-support"),
    ("momentum warm-up by epoch", _SGD, None,
     {"policy": "step", "step": [2], "warmup": "linear", "warmup_iters": 1, "warmup_by_epoch": True},
     "unexpected keyword argument 'warmup_by_epoch'", "crash"),
    ("target_ratio list", _SGD, {"policy": "cyclic", "target_ratio": [10, 1e-4]}, None,
     "ValueError: target_ratio should be either float or tuple, got list", "crash"),
    ("target_ratio int", _SGD, {"policy": "cyclic", "target_ratio": 10}, None,
     "ValueError: target_ratio should be either float or tuple, got int", "crash"),
    ("warmup_ratio 0", _SGD, {"policy": "step", "step": [2], "warmup": "linear", "warmup_iters": 3, "warmup_ratio": 0},
     None, '"warmup_ratio" must be in range (0,1]', "crash"),
    ("unknown warm-up", _SGD, {"policy": "step", "step": [2], "warmup": "cosine", "warmup_iters": 3}, None,
     '"cosine" is not a supported type for warming up', "crash"),
    ("step as a tuple", _SGD, {"policy": "step", "step": (2, 3)}, None, '"step" must be a list or integer', "crash"),
    ("float step", _SGD, {"policy": "step", "step": [2.0, 3]}, None, "AssertionError", "crash"),
    ("both min_lr and min_lr_ratio", _SGD, {"policy": "CosineAnnealing", "min_lr": 0, "min_lr_ratio": 0.1}, None,
     "AssertionError", "crash"),
    ("restart weights length", _SGD,
     {"policy": "CosineRestart", "periods": [2, 2], "restart_weights": [1], "min_lr": 0}, None,
     "periods and restart_weights should have the same length", "crash"),
    ("integer start_percent", _SGD, {"policy": "FlatCosineAnnealing", "start_percent": 1, "min_lr": 0}, None,
     "expected float between 0 and 1 start_percent, but got 1", "crash"),
    ("integer OneCycle momentum", _SGD, None, {"policy": "OneCycle", "base_momentum": 1},
     "base_momentum must be the type among of float", "crash"),
    ("cyclic gamma 0", _SGD, {"policy": "cyclic", "gamma": 0}, None, '"gamma" must be in range (0, 1]', "crash"),
    ("more cycles than iterations", _SGD, {"policy": "cyclic", "cyclic_times": 50}, None,
     "ZeroDivisionError", "crash"),
    ("OneCycle phase of zero length", _SGD, {"policy": "OneCycle", "max_lr": 0.1, "pct_start": 0.05, "total_steps": 20},
     None, "ZeroDivisionError: float division by zero", "crash"),
]


@pytest.mark.parametrize("what,opt,lr_config,momentum_config,mmcv_error,kind", MMCV_ERRORS,
                         ids=[row[0] for row in MMCV_ERRORS])
def test_mmcv_crashes_are_reported(what, opt, lr_config, momentum_config, mmcv_error, kind):
    curve = simulate_legacy(legacy_plan(opt, lr_config, momentum_config, "iter", None, 20, 4))
    matching = [e for e in curve.errors if mmcv_error in str(e)]
    assert matching, [str(e) for e in curve.errors]
    assert matching[0].kind == kind


def test_warmup_by_epoch_under_iter_runner_stops_at_the_first_iteration():
    lr_config = {"policy": "poly", "by_epoch": False, "warmup": "linear", "warmup_iters": 1, "warmup_by_epoch": True}
    curve = simulate_legacy(legacy_plan(_SGD, lr_config, None, "iter", None, 8, 2))
    assert curve.stopped_at == 0 and "AssertionError" in curve.errors[0]


def test_restart_past_the_periods_stops_training_where_mmcv_raises():
    lr_config = {"policy": "CosineRestart", "periods": [3, 2], "restart_weights": [1, 0.5], "min_lr": 1e-4}
    curve = simulate_legacy(legacy_plan(_SGD, lr_config, None, "epoch", 7, None, 2))
    # mmcv: ValueError in before_train_epoch of epoch 5 (0-based): iterations 10.. never run
    assert curve.stopped_at == 10
    assert curve.errors[0].kind == "restart-periods"
    assert "Current iteration 5 exceeds cumulative_periods [3, 5]" in curve.errors[0]
    assert np.all(curve.lr[10:] == curve.lr[9])


# --------------------------------------------------------------------------------------------
# Values derived by hand from the formulas (reference §5)
# --------------------------------------------------------------------------------------------


def test_momentum_warmup_divides_by_the_ratio():
    adamw = {"type": "AdamW", "lr": 0.0018, "betas": (0.95, 0.99)}
    curve = simulate_legacy(legacy_plan(adamw, None, {"policy": "cyclic", "warmup": "constant", "warmup_iters": 5},
                                        "iter", None, 100, 10))
    # constant momentum warm-up: regular / warmup_ratio (default 0.9) = 0.95 / 0.9
    assert curve.momentum[0] == pytest.approx(0.95 / 0.9)

    def cyclic(i):  # down from 0.95 to 0.85 over the first 40 of 100 iterations
        return 0.85 + 0.5 * (0.95 - 0.85) * (math.cos(math.pi * i / 40) + 1)

    assert curve.momentum[4] == pytest.approx(cyclic(4) / 0.9)
    assert curve.momentum[5] == pytest.approx(cyclic(5))  # the regular value from warmup_iters on


def test_step_milestones_do_not_scale_but_cosine_does():
    step = simulate_legacy(legacy_plan(_SGD, {"policy": "step", "step": [8, 11]}, None, "epoch", 24, None, 1))
    assert step.lr[7] == pytest.approx(0.02) and step.lr[8] == pytest.approx(0.002)  # still at 8 of 24
    cosine = simulate_legacy(legacy_plan(_SGD, {"policy": "CosineAnnealing", "min_lr": 0}, None, "epoch", 24, None, 1))
    # annealing_cos(0.02, 0, 12/24) = 0.01: halfway through whatever the length
    assert cosine.lr[12] == pytest.approx(0.01)


def test_cyclic_leftover_iterations_restart_the_cycle():
    # 11 iterations, 2 cycles: 5 per cycle, the 11th starts a third cycle at the base LR
    lr_config = {"policy": "cyclic", "target_ratio": (10.0, 1e-4), "cyclic_times": 2, "step_ratio_up": 0.4}
    curve = simulate_legacy(legacy_plan({"type": "SGD", "lr": 1.0, "momentum": 0.9}, lr_config, None, "iter",
                                        None, 11, 1))
    assert curve.lr[10] == pytest.approx(1.0)
    # iteration 9 is step 4 of cycle 2, in the down phase [2, 5): annealing_cos(10, 1e-4, 2/3)
    assert curve.lr[9] == pytest.approx(1e-4 + 0.5 * (10 - 1e-4) * 0.5)


def test_epoch_policy_under_iter_runner_never_updates():
    curve = simulate_legacy(legacy_plan(_SGD, {"policy": "step", "step": [2], "by_epoch": True},
                                        {"policy": "step", "step": [1]}, "iter", None, 50, 5))
    assert np.all(curve.lr == 0.02) and np.all(curve.momentum == 0.9)


# --------------------------------------------------------------------------------------------
# The plan builder on config text
# --------------------------------------------------------------------------------------------


def _plan(tmp_path, text: str, name: str = "config.py", epoch_length=None) -> Plan:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    resolved = Loader().resolve(os.fspath(path))
    assert has_legacy_plan(resolved)
    return build_legacy_plan(resolved, epoch_length)


def test_plan_from_epoch_runner_config(tmp_path):
    plan = _plan(tmp_path, """\
optimizer = dict(type='AdamW', lr=0.0018, betas=(0.95, 0.99), weight_decay=0.01)
lr_config = dict(policy='cyclic', target_ratio=(10, 1e-4), cyclic_times=1, step_ratio_up=0.4)
momentum_config = dict(policy='cyclic', target_ratio=(0.85 / 0.95, 1))
runner = dict(type='EpochBasedRunner', max_epochs=40)
evaluation = dict(interval=2)
checkpoint_config = dict(interval=4)
data = dict(samples_per_gpu=6, train=dict(type='RepeatDataset', times=2, dataset=dict(type='KittiDataset')))
""", name="pointpillars_4x6_40e.py")
    assert plan.generation == "mmcv" and not plan.schedulers
    assert (plan.horizon.loop, plan.horizon.max_epochs) == ("epoch", 40)
    assert plan.horizon.epoch_length == -(-3712 * 2 // (6 * 4))  # KITTI x2 / (batch 6 x 4 GPUs from the name)
    assert (plan.horizon.val_interval, plan.horizon.checkpoint_interval, plan.horizon.checkpoint_by_epoch) == (2, 4, True)
    assert plan.optimizer.betas == (0.95, 0.99) and plan.optimizer.momentum_kind == "beta1"
    lr, momentum = plan.legacy
    assert (lr.policy, lr.by_epoch, momentum.policy, momentum.by_epoch) == ("Cyclic", False, "Cyclic", False)
    assert lr.args["target_ratio"] == (10, 1e-4)  # a tuple, as mmcv requires
    assert lr.locs["target_ratio"].line == 2


def test_iter_runner_defaults_lr_config_and_checkpoints_to_iterations(tmp_path):
    # mmcv IterBasedRunner.register_training_hooks: setdefault('by_epoch', False) on lr_config and
    # checkpoint_config, not on momentum_config
    plan = _plan(tmp_path, """\
optimizer = dict(type='SGD', lr=0.01, momentum=0.9)
lr_config = dict(policy='poly', power=0.9, min_lr=1e-4)
momentum_config = dict(policy='CosineAnnealing', min_momentum_ratio=0.9)
runner = dict(type='IterBasedRunner', max_iters=40000)
checkpoint_config = dict(interval=4000)
""")
    lr, momentum = plan.legacy
    assert lr.by_epoch is False and momentum.by_epoch is True
    assert plan.horizon.checkpoint_by_epoch is False
    curve = simulate(plan)
    assert curve.lr[-1] < 0.001 and np.all(curve.momentum == 0.9)


def test_total_epochs_without_runner(tmp_path):
    plan = _plan(tmp_path, """\
optimizer = dict(type='Adam', lr=5e-4)
lr_config = dict(policy='step', warmup='linear', warmup_iters=500, warmup_ratio=0.001, step=[170, 200])
total_epochs = 210
""")
    assert (plan.horizon.loop, plan.horizon.max_epochs) == ("epoch", 210)
    assert plan.horizon.locs["max_epochs"].line == 3


def test_not_a_legacy_training_config(tmp_path):
    path = tmp_path / "model.py"
    path.write_text("model = dict(type='FasterRCNN')\nlr_config = dict(policy='step', step=[8, 11])\n")
    assert not has_legacy_plan(Loader().resolve(os.fspath(path)))


# --------------------------------------------------------------------------------------------
# The fixture tree: legacy ratios are fine, their mmengine port is not
# --------------------------------------------------------------------------------------------


def _findings(path: str, epoch_length: Optional[int] = None):
    return Linter(Settings(epoch_length=epoch_length)).lint_file(os.path.join(FIXTURES, path))


@pytest.mark.parametrize("path", ["_base_/schedules/legacy/cyclic-40e.py",
                                  "user/legacy/second_cyclic-linear-40e_kitti-3d-3class.py"])
def test_legacy_cyclic_momentum_ratios_are_sound(path):
    findings = _findings(path, epoch_length=116)
    assert not [f for f in findings if f.code in ("SL101", "SL102")]
    assert not [f for f in findings if f.severity.value == "error"], [f.message for f in findings]
    plan = build_any_plan(Linter().resolve(os.path.join(FIXTURES, path))[0], 116)
    momentum = simulate(plan).momentum
    assert momentum.max() == pytest.approx(0.95) and momentum.min() == pytest.approx(0.85, rel=1e-3)


def test_mmengine_port_of_the_legacy_cyclic_reaches_one():
    findings = _findings("user/second_cyclic-linear-40e_poly-port.py", epoch_length=116)
    sl101 = [f for f in findings if f.code == "SL101"]
    assert sl101 and sl101[0].severity.value == "error" and "ZeroDivisionError" in sl101[0].message
    assert [f for f in findings if f.code == "SL102" and f.severity.value == "error"]


def test_legacy_fixture_total_epochs_and_steps():
    """total_epochs=24 with steps moved to 16 and 22, runner.max_epochs=12 inherited: the steps fit the 24
    epochs, so SL001 (steps past the runner's 12) would point the user at the wrong half of the dispute."""
    codes = {f.code for f in _findings("user/legacy/faster-rcnn_1x_total-epochs-24.py", epoch_length=100)}
    assert "SL401" in codes and "SL001" not in codes


def test_disputed_length_keeps_what_fails_at_both_lengths(tmp_path):
    """SL401 (total_epochs against runner.max_epochs): the length rules report what fails at both lengths."""
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings

    base = ("optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\n"
            "lr_config = dict(policy='step', step=[8, 11])\n"
            "runner = dict(type='EpochBasedRunner', max_epochs=24)\n")
    both = tmp_path / "both.py"
    both.write_text(base.replace("step=[8, 11]", "step=[40, 50]") + "total_epochs = 36\n")
    one = tmp_path / "one.py"
    one.write_text(base.replace("step=[8, 11]", "step=[16, 22]").replace("max_epochs=24", "max_epochs=12")
                   + "total_epochs = 24\n")  # the steps fit total_epochs, not runner
    found = check_paths([str(both), str(one)], Settings(dependents=False, epoch_length=100)).findings
    codes = {(os.path.basename(f.location.file), f.code) for f in found}
    assert {("both.py", "SL401"), ("both.py", "SL001"), ("one.py", "SL401")} <= codes, codes
    assert not [c for c in codes if c[0] == "one.py" and c[1] != "SL401"], codes


def test_legacy_fixture_restart_periods_reported_once():
    codes = [f.code for f in _findings("user/legacy/pointnet2_cosine-restart-36e.py", epoch_length=100)]
    assert "SL402" in codes and "SL302" not in codes



def test_steps_far_past_a_short_fine_tuning_run_are_a_warning(tmp_path):
    """mmfewshot-style: 100 fine-tuning iterations over the base schedule's step=[60000, 80000] (a constant LR
    is likely meant); steps just past a shortened run stay an error."""
    from schedlint.lint.engine import check_paths
    from schedlint.lint.settings import Settings

    base = ("optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\n"
            "lr_config = dict(policy='step', step=[60000, 80000])\n"
            "runner = dict(type='IterBasedRunner', max_iters=90000)\n")
    (tmp_path / "base.py").write_text(base)
    severities = {}
    for name, iters in (("fine.py", 100), ("short.py", 50000)):
        (tmp_path / name).write_text(f"_base_ = './base.py'\nrunner = dict(max_iters={iters})\n")
        result = check_paths([str(tmp_path / name)], Settings(dependents=False))
        severities[name] = [f.severity.value for f in result.findings if f.code == "SL001"]
    assert severities == {"fine.py": ["warning"], "short.py": ["error"]}


def test_policies_openmmlab_libraries_register_are_not_reported_and_variants_get_no_wrong_hint(tmp_path):
    # openmixup / mmselfsup 0.x register StepFixCosineAnnealingLrUpdaterHook (the cosine without its warm-up):
    # "did you mean 'CosineAnnealing'?" would change the schedule
    from schedlint.lint.settings import Settings

    path = tmp_path / "config.py"
    text = ("optimizer = dict(type='SGD', lr=0.02, momentum=0.9)\nlr_config = dict(policy='{}', min_lr=0.0)\n"
            "runner = dict(type='EpochBasedRunner', max_epochs=100)\n")
    found = lambda policy: [f for f in Linter(Settings(epoch_length=100)).lint_file(  # noqa: E731
        str(path.write_text(text.format(policy)) and path)) if f.code == "SL404"]
    assert found("StepFixCosineAnnealing") == [] and found("TIN") == []
    # mmedit 0.x registers LinearLrUpdaterHook (pix2pix, CycleGAN) and ReduceLrUpdaterHook
    assert found("Linear") == [] and found("Reduce") == []
    variant = found("WarmFreeCosineAnnealing")
    assert len(variant) == 1 and "did you mean" not in variant[0].message
    assert "did you mean 'CosineAnnealing'?" in found("CosinAnnealing")[0].message


@pytest.mark.parametrize("periods, by_epoch, epoch_length, expected", [
    ("[1, 12, 24, 36]", True, 100, [("SL003", "error")]),  # ends in the period 13..37: 63% of it lost
    ("[48]", True, 100, [("SL003", "error")]),
    ("[12, 12]", True, 100, []),  # fits: its last step is the planned one
    ("[12, 13]", True, 100, []),  # one epoch over: within the margin
    ("[24000, 24000]", False, 100, [("SL003", "error")]),  # iterations: 2400 of training
    ("[48000]", False, None, [("SL003", "warning")]),  # on a default epoch length (24000 iterations): said
])
def test_cosine_restart_periods_past_the_end_of_training(tmp_path, periods, by_epoch, epoch_length, expected):
    # boostcamp's schedule_2x_CosineRestart: periods=[1, 12, 24, 36] over 24 epochs ends at 38% of the LR
    from schedlint.lint.settings import Settings

    path = tmp_path / "config.py"
    path.write_text("optimizer = dict(type='AdamW', lr=1e-4, weight_decay=0.05)\n"
                    f"lr_config = dict(policy='CosineRestart', periods={periods}, by_epoch={by_epoch}, "
                    "restart_weights=[1] * 4, min_lr=5e-6)\n"
                    "runner = dict(type='EpochBasedRunner', max_epochs=24)\n".replace("[1] * 4", "[1] * " + str(
                        periods.count(",") + 1)))
    found = [f for f in Linter(Settings(epoch_length=epoch_length)).lint_file(str(path)) if f.code == "SL003"]
    assert [(f.code, f.severity.value) for f in found] == expected
    if found:
        assert found[0].location.line == 2 and "CosineRestart periods=" in found[0].message


def test_mmrazor_runners_take_freeze_optimizers_out_of_lr_config(tmp_path):
    """mmrazor 0.x's DARTS configs: `lr_config=dict(policy='CosineAnnealing', freeze_optimizers=['mutator'])` under
    its MultiLoaderEpochBasedRunner, whose register_lr_hook pops the key; SL302 said mmcv raises TypeError. Under
    mmcv's own runner it does."""
    from schedlint.lint.settings import Settings

    text = ("optimizer = dict(architecture=dict(type='SGD', lr=0.025, momentum=0.9),\n"
            "                 mutator=dict(type='Adam', lr=3e-4))\noptimizer_config = None\n"
            "lr_config = dict(policy='CosineAnnealing', min_lr=1e-3, freeze_optimizers=['mutator'])\n"
            "runner = dict(type='{}', max_epochs=50)\n")
    path = tmp_path / "config.py"
    for runner, expected in (("MultiLoaderEpochBasedRunner", []), ("EpochBasedRunner", ["SL302"])):
        path.write_text(text.format(runner))
        codes = [f.code for f in Linter(Settings(epoch_length=100)).lint_file(str(path)) if f.code == "SL302"]
        assert codes == expected, (runner, codes)


def test_mmaction_multigrid_long_cycle_leaves_the_length_unjudged(tmp_path):
    """mmaction2 0.x `multigrid=dict(long_cycle=True, epoch_factor=1.5)`: its LongShortCycleHook trains
    int(239 * 1.5) = 358 epochs with its own step hook; SL012 said the name's 358e was wrong (239) and SL405 that
    epoch 239 is never evaluated."""
    from schedlint.lint.settings import Settings

    text = ("optimizer = dict(type='SGD', lr=0.1, momentum=0.9)\nlr_config = dict(policy='step', step=[94, 154, 196])\n"
            "total_epochs = 239\nevaluation = dict(interval=3)\n{}")
    path = tmp_path / "slowfast_multigrid_r50_8x8x1_358e_kinetics400_rgb.py"
    path.write_text(text.format("multigrid = dict(long_cycle=True, short_cycle=True, epoch_factor=1.5)\n"))
    assert Linter(Settings(epoch_length=100)).lint_file(str(path)) == []
    path.write_text(text.format(""))
    assert "SL012" in {f.code for f in Linter(Settings(epoch_length=100)).lint_file(str(path))}


@pytest.mark.parametrize("periods", [[3, 4], [6, -4, 5, 9], [2.5, 3, 1.5] * 30, [4, 0, 4]])
def test_cosine_restart_policy_finds_each_iterations_period_as_mmcv_does(periods):
    """mmcv's get_position_from_periods: the first period whose cumulative end is past the iteration (a negative
    period included), else ValueError; the LR restarts at each period's start with its weight."""
    def position(iteration, cumulative):  # mmcv 1.7.2 lr_updater.py, its loop
        for i, period in enumerate(cumulative):
            if iteration < period:
                return i
        return None

    weights = [1.0 - 0.01 * i for i in range(len(periods))]
    plan = legacy_plan({"type": "SGD", "lr": 0.1, "momentum": 0.9},
                       {"policy": "CosineRestart", "periods": periods, "restart_weights": weights, "min_lr": 0.001,
                        "by_epoch": False}, None, "iter", None, 40, 1)
    lr = np.asarray(simulate_legacy(plan).lr)
    cumulative = [sum(periods[0:i + 1]) for i in range(len(periods))]
    for it in range(40):
        i = position(it, cumulative)
        if i is None:  # mmcv raises here: the run stops, the last value is held
            assert lr[it] == lr[it - 1]
            continue
        start = 0 if i == 0 else cumulative[i - 1]
        alpha = min((it - start) / periods[i], 1)
        expected = 0.001 + 0.5 * weights[i] * (0.1 - 0.001) * (math.cos(math.pi * alpha) + 1)
        assert lr[it] == pytest.approx(expected, rel=1e-12), it


@pytest.mark.parametrize("lr_config", [
    {"policy": "cyclic", "target_ratio": (10, 1e-4), "cyclic_times": 3, "step_ratio_up": 0.4, "gamma": 0.9},
    {"policy": "poly", "power": 0.9, "min_lr": 1e-4, "by_epoch": False, "warmup": "linear", "warmup_iters": 23,
     "warmup_ratio": 0.1},
    {"policy": "exp", "gamma": 1e30, "by_epoch": False},  # overflows: the run stops
    {"policy": "CosineRestart", "periods": [9, 9], "restart_weights": [1, 0.5], "min_lr": 0, "by_epoch": False},
])
def test_per_iteration_policies_evaluated_block_by_block_equal_the_whole(monkeypatch, lr_config):
    from schedlint.simulate import mmcv as legacy_sim

    plan = legacy_plan({"type": "SGD", "lr": 0.1, "momentum": 0.9}, lr_config, None, "iter", None, 50, 1)
    whole = simulate_legacy(plan)
    monkeypatch.setattr(legacy_sim, "_BLOCK", 7)
    blocks = simulate_legacy(plan)
    # (equal to an ulp: numpy's pow, which a block without overflow takes, may be an ulp off Python's)
    np.testing.assert_allclose(np.asarray(blocks.lr), np.asarray(whole.lr), rtol=1e-15, atol=0)
    assert blocks.stopped_at == whole.stopped_at and [str(e) for e in blocks.errors] == [str(e) for e in whole.errors]
