_base_ = './_base_/schedule-1x.py'
train_cfg = dict(max_epochs=24)

# schedlint fix: the param_scheduler of _base_/schedule-1x.py, with the step decay replaced by a cosine to the end of training (same final LR)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(
        type='CosineAnnealingLR',
        begin=0,
        end=24,
        by_epoch=True,
        T_max=24,
        eta_min_ratio=0.01,
        convert_to_iter_based=True),
]
