# A Windows-edited config (CRLF line endings).
_base_ = "./_base_/schedule-1x.py"

_base_.param_scheduler[1].milestones = [16, 22]
train_cfg = dict(max_epochs=24)
