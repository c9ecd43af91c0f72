_base_ = ["./_base_/cosine-12e.py"]

# twice as long as the recipe
train_cfg = {"max_epochs": 24, "val_interval": 2}
auto_scale_lr = {"enable": False, "base_batch_size": 16}
