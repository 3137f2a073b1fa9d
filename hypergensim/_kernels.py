"""Small numba helpers shared by the compiled kernels (evaluation ranking and the fast engine)."""

from __future__ import annotations

import numba

__all__ = ["bisect_left", "bisect_right", "contains_sorted"]


@numba.njit(cache=True, nogil=True)
def bisect_left(a, x, lo, hi):
    """First index in ``a[lo:hi]`` (sorted) whose value is not less than ``x``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@numba.njit(cache=True, nogil=True)
def bisect_right(a, x, lo, hi):
    """First index in ``a[lo:hi]`` (sorted) whose value is greater than ``x``."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if x < a[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


@numba.njit(cache=True, nogil=True)
def contains_sorted(a, x, lo, hi):
    """Whether the sorted slice ``a[lo:hi]`` holds ``x``."""
    i = bisect_left(a, x, lo, hi)
    return i < hi and a[i] == x
