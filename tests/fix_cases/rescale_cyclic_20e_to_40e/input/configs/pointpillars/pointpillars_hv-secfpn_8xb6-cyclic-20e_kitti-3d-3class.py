# The 20-epoch recipe as designed: the shared schedule must stay as it is for this one.
_base_ = [
    '../_base_/models/pointpillars_hv-secfpn_kitti.py',
    '../_base_/datasets/kitti-3d-3class.py',
    '../_base_/schedules/cyclic-20e.py',
    '../_base_/default_runtime.py',
]
