"""Keep a long lint run's resident memory close to what it holds.

A tree run simulates thousands of configs, and a long per-iteration schedule is an array of several MiB
held for one config. glibc's malloc serves such arrays from their own mappings, returned to the system
when freed, but it raises its mmap threshold to the size of each one freed, after which arrays of that
size come from the heap, whose freed stretches stay resident: over the four OpenMMLab wheel trees the
peak resident size drifted 5-14 MiB above what the same run needs, varying from run to run. Fixing the
threshold keeps every large array in its own mapping (small temporaries stay on the heap, so there is no
page-fault cost for them). glibc only; elsewhere nothing is changed.
"""

from __future__ import annotations

_M_MMAP_THRESHOLD = -3  # mallopt parameter (malloc.h)
_done = False


def return_large_blocks(threshold: int = 1 << 20) -> bool:
    """Serve allocations of `threshold` bytes or more from their own mappings for the rest of the process
    (and its forked workers); True when the C library took the setting."""
    global _done
    if not _done:
        try:
            import ctypes

            libc = ctypes.CDLL(None)
            if hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt"):
                _done = bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))
        except (OSError, AttributeError, ImportError):
            return False
    return _done
