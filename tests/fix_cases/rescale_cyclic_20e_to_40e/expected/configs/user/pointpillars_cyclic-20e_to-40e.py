# Train the 3-class PointPillars on the 20-epoch cyclic schedule, but for 40 epochs.
_base_ = [
    '../_base_/models/pointpillars_hv-secfpn_kitti.py',
    '../_base_/datasets/kitti-3d-3class.py',
    '../_base_/schedules/cyclic-20e.py',
    '../_base_/default_runtime.py',
]

train_cfg = dict(max_epochs=40)

# schedlint fix: the param_scheduler of ../_base_/schedules/cyclic-20e.py, rescaled from 20 to 40 epochs
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=16,
        eta_min=_base_.lr * 10,
        begin=0,
        end=16,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        T_max=24,
        eta_min=_base_.lr * 1e-4,
        begin=16,
        end=40,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingMomentum',
        T_max=16,
        eta_min=0.85 / 0.95,
        begin=0,
        end=16,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingMomentum',
        T_max=24,
        eta_min=1,
        begin=16,
        end=40,
        by_epoch=True,
        convert_to_iter_based=True),
]
