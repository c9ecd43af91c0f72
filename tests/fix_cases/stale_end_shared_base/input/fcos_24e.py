_base_ = ['./_base_/sgd.py', './_base_/steps-24e.py']
train_cfg = dict(by_epoch=True, max_epochs=24, val_interval=2)
