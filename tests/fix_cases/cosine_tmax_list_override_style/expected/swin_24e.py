_base_ = ["./_base_/cosine-12e.py"]

# twice as long as the recipe
train_cfg = {"max_epochs": 24, "val_interval": 2}

# schedlint fix: the param_scheduler of _base_/cosine-12e.py, with T_max of CosineAnnealingLR (param_scheduler[1]) set to its active range
param_scheduler = [
    {"type": "LinearLR", "start_factor": 1e-3, "by_epoch": False, "begin": 0, "end": 200},
    {"type": "CosineAnnealingLR", "T_max": 24, "eta_min": 1e-6, "by_epoch": True},
]

auto_scale_lr = {"enable": False, "base_batch_size": 16}
