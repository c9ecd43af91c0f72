# Stretch the 1x recipe to 24 epochs, decaying at epochs 16 and 23.
_base_ = './_base_/schedule-1x.py'

_base_.param_scheduler[1].milestones = [16, 23]
_base_.param_scheduler[1].end = 24
train_cfg = dict(max_epochs=24)
