# Train the 3-class PointPillars on the 20-epoch cyclic schedule, but for 40 epochs.
_base_ = [
    '../_base_/models/pointpillars_hv-secfpn_kitti.py',
    '../_base_/datasets/kitti-3d-3class.py',
    '../_base_/schedules/cyclic-20e.py',
    '../_base_/default_runtime.py',
]

train_cfg = dict(max_epochs=40)
