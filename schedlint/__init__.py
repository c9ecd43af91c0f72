"""schedlint: lint and fix learning-rate and momentum schedules in OpenMMLab configs."""

__version__ = "0.1.0"
