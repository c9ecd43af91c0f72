optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=0.001))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=48, eta_min=1e-5, begin=0, end=24),  # was a 48e run
]
train_cfg = dict(by_epoch=True, max_epochs=24)
