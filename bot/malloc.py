"""Big buffers go back to the operating system when freed (glibc only).

glibc serves an allocation of 128 KB or more from a mapping of its own, returned to the system on
free, but the first time such a block is freed it raises that threshold to the block's size. The
poller's first tick frees a listing-sized block (a 50,000-workspace listing is 12.5 MB), so from
then on every listing body and the fleet copy's buffers come from the main heap, where freed space
stays resident and fragmented: the poller's RSS ratcheted up tick after tick (bench/poll_tick at
50,000: 140 MB after the first full tick, 150 MB two ticks later). Fixing the threshold at 1 MB
(setting it turns the adjustment off) keeps such buffers in mappings of their own; the cost is one
mmap and munmap per buffer over 1 MB, a few a tick. Measured at 50,000: peak RSS 150 -> 134 MB,
RSS between ticks 150 -> 119 MB, CPU unchanged. Python's own small objects are not affected
(pymalloc maps its arenas itself).
"""

from __future__ import annotations

import ctypes
import platform

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
MMAP_THRESHOLD = 1024 * 1024


def return_big_blocks() -> bool:
    """Fix glibc's mmap threshold (idempotent); False where the C library is not glibc."""
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
