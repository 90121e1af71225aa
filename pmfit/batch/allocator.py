"""The C allocator's settings for a batch run, which frees and reallocates megabytes a block.

glibc's malloc hands the top of its heap back to the system as soon as 128 KiB of it is
free, and serves larger requests with fresh mmaps whose threshold it moves as it goes. A
batch block builds and frees megabytes of numpy arrays and text, so every block faulted
its memory in again: with the CSV writer, a fifth of the run's time was the kernel's
(`python bench/batch.py --only batch,csv`; `/usr/bin/time` shows it as system time).
Keeping up to 16 MiB of freed heap and mapping only requests of 4 MiB or more makes the
blocks reuse their memory; peak RSS moves by about 1 MiB.

Set by the batch and report commands only (a library caller's process is left as it is);
forked workers inherit it. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

#: mallopt's parameters (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

KEEP_FREED = 16 << 20
MAP_FROM = 4 << 20


def reuse_freed_memory() -> bool:
    """Tell glibc's malloc to keep and reuse freed memory; whether it took the settings."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt to speak of)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_TRIM_THRESHOLD, KEEP_FREED)) and bool(
        mallopt(_M_MMAP_THRESHOLD, MAP_FROM)
    )
