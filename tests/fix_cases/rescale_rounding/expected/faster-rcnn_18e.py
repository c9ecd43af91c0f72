_base_ = './_base_/schedule-1x.py'
train_cfg = dict(max_epochs=18)

# schedlint fix: the param_scheduler of _base_/schedule-1x.py, rescaled from 12 to 18 epochs
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=18, by_epoch=True, milestones=[12, 17], gamma=0.1),
]
