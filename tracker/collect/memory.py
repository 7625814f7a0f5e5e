"""Handing freed memory back to the system between the phases of a large run.

glibc keeps what a process frees on its heap for reuse, and raises its threshold for `mmap` as large
blocks are freed, so after a phase that made and dropped big arrays (a scan's search structures, the
whole-Hub forest's sort keys) the resident set stays where that phase left it, and the next phase
stacks on top; Arrow's allocator keeps what it freed the same way. `malloc_trim(0)` returns the free
heap pages (elsewhere than glibc it does nothing), `release_unused` Arrow's.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys


@functools.cache
def _trim():  # noqa: ANN202 - a ctypes function, or None
    try:  # the process's own symbols: the C library it runs on (no search, which would start a process)
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None


def give_back() -> None:
    """Collect what the collector can, then return free pages to the system: Arrow's memory pool's (when
    Arrow is loaded: an archive file's reading), then the C heap's (glibc)."""
    gc.collect()
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    trim = _trim()
    if trim is not None:
        trim(0)
