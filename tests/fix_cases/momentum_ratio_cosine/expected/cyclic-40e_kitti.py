# One-cycle style schedule for the KITTI LiDAR detectors, 40 epochs.
# `lr` is the starting LR, not the peak: it is raised to 10 * lr over the
# first 16 epochs (40 % of the run) and then annealed to lr * 1e-4. AdamW's
# beta1 moves against the LR, lowest where the LR peaks. Everything is stepped
# per iteration (convert_to_iter_based), so RepeatDataset only changes how
# many iterations an epoch has, not the shape of the curve.
lr = 0.0018
num_epochs = 40
rise_epochs = 16

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=lr, betas=(0.95, 0.99), weight_decay=0.01),
    clip_grad=dict(max_norm=10, norm_type=2))

param_scheduler = [
    # LR: lr -> 10 * lr over the rising part ...
    dict(
        type='CosineAnnealingLR',
        T_max=rise_epochs,
        eta_min=lr * 10,
        begin=0,
        end=rise_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
    # ... then 10 * lr -> lr * 1e-4 until the last epoch
    dict(
        type='CosineAnnealingLR',
        T_max=num_epochs - rise_epochs,
        eta_min=lr * 1e-4,
        begin=rise_epochs,
        end=num_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
    # beta1: 0.95 -> 0.85 / 0.95 while the LR rises, then back up towards 1
    dict(
        type='CosineAnnealingMomentum',
        T_max=rise_epochs,
        eta_min_ratio=0.85 / 0.95,
        begin=0,
        end=rise_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingMomentum',
        T_max=num_epochs - rise_epochs,
        eta_min_ratio=1,
        begin=rise_epochs,
        end=num_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
]

train_cfg = dict(by_epoch=True, max_epochs=num_epochs, val_interval=5)
val_cfg = dict()
test_cfg = dict()

# 4 GPUs x 8 samples; only used when training with --auto-scale-lr
auto_scale_lr = dict(enable=False, base_batch_size=32)
