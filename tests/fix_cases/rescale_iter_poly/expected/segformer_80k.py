_base_ = './_base_/poly-40k.py'
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)

# schedlint fix: the param_scheduler of _base_/poly-40k.py, rescaled from 40000 to 80000 iterations
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=1500, end=80000, by_epoch=False),
]

default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=8000))
