_base_ = './_base_/schedule-1x.py'
train_cfg = dict(max_epochs=18)
