# Port of the mmcv-1.x linear cyclic schedule (target_ratio=(10, 1e-4) / (0.85 / 0.95, 1)).
lr = 0.0018
max_epochs = 40
up_epochs = 16

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=lr, betas=(0.95, 0.99), weight_decay=0.01))
param_scheduler = [
    dict(type='PolyLR', eta_min=lr * 10, power=1.0, begin=0, end=up_epochs,
         by_epoch=True, convert_to_iter_based=True),
    dict(type='PolyLR', eta_min=lr * 1e-4, power=1.0, begin=up_epochs,
         end=max_epochs, by_epoch=True, convert_to_iter_based=True),
    dict(type='PolyMomentum', eta_min=0.85 / 0.95, power=1.0, begin=0,
         end=up_epochs, by_epoch=True, convert_to_iter_based=True),
    dict(type='PolyMomentum', eta_min=1, power=1.0, begin=up_epochs,
         end=max_epochs, by_epoch=True, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=4)
