"""Keeping the temporaries of a stream's blocks in the heap (glibc's malloc).

Reading a stream allocates and frees the same few arrays of up to a few MB for every
block. glibc maps an allocation above its mmap threshold freshly from the kernel, raises
that threshold as it goes (a dynamic threshold that depends on the heap's history), and
returns the heap's free top to the kernel above its trim threshold; either way the pages
come back zeroed and fault again on the next block, which made whole runs up to twice as
slow, depending on the order of earlier allocations. Fixed thresholds keep those arrays
in the heap, which then holds at most the largest block's working set: memory stays
constant.
"""

from __future__ import annotations

import functools
import os
import sys

_M_TRIM_THRESHOLD = -1  # mallopt's parameter numbers, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
# Allocations below 32 MiB (glibc's largest default threshold on 64-bit) come from the
# heap: every per-block array does. Whole-table arrays (train) are still mapped.
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 64 << 20  # free heap kept for the next block, up to this much


@functools.cache
def keep_temporaries_in_heap() -> bool:
    """Set glibc's mmap and trim thresholds once, for this process; whether it was done.

    Nothing happens (and nothing is raised) off Linux or with another C library."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        import ctypes  # NumPy has imported it already: no cost

        mallopt = ctypes.CDLL(None).mallopt
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
        return bool(
            mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        )
    except (AttributeError, OSError, ValueError):
        return False
