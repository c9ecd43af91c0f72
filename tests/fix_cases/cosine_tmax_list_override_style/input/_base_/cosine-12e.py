optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=0.001, weight_decay=0.05))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=200),
    dict(type='CosineAnnealingLR', T_max=12, eta_min=1e-6, by_epoch=True),
]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
