"""Small numba helpers shared by the compiled kernels (evaluation ranking and the fast engine)."""

from __future__ import annotations

import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["bisect_left", "bisect_right", "contains_sorted", "prefetch"]


@intrinsic
def prefetch(typingctx, array, index):
    """Hint the CPU to fetch ``array[index]`` (1-D) or row ``array[index, :]`` (2-D, first and last item) into cache.

    LLVM's ``llvm.prefetch`` (for writing, kept in all cache levels): it never
    faults and never changes a result, it only lets the loads of rows needed
    soon overlap with the arithmetic of the current ones.  Compiled code only.
    """
    if not (isinstance(array, types.Array) and array.ndim in (1, 2) and isinstance(index, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        ary_type = signature.args[0]
        ary = context.make_array(ary_type)(context, builder, args[0])
        i32 = ir.IntType(32)
        i8_ptr = ir.IntType(8).as_pointer()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8_ptr, i32, i32, i32]),
                                            "llvm.prefetch")
        row = context.cast(builder, args[1], signature.args[1], types.intp)
        ends = [context.get_constant(types.intp, 0)]
        if ary_type.ndim == 2:  # a row may straddle two cache lines (80 bytes at d=10): fetch its last item too
            ends.append(builder.sub(cgutils.unpack_tuple(builder, ary.shape, 2)[1], context.get_constant(types.intp, 1)))
        for col in ends:
            indices = [row] + ([col] if ary_type.ndim == 2 else [])
            ptr = cgutils.get_item_pointer(context, builder, ary_type, ary, indices, wraparound=False)
            builder.call(fn, [builder.bitcast(ptr, i8_ptr), ir.Constant(i32, 1), ir.Constant(i32, 3),
                              ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


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
