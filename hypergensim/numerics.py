"""Compiled (numba) manifold numerics: the one copy used by the training engine and the evaluator.

:mod:`hypergensim.manifold` holds the NumPy form of the Poincaré-ball geometry
for whole arrays; this module holds the scalar, per-row forms that the compiled
kernels inline: the conformal gap ``1 − ‖x‖²`` with its floor, ``cosh`` of the
distance, ``exp(−d)`` without a transcendental call, the projection back into
the ball (the paper's and gensim's), and the arccosh-free ranking key of one
query against every node.  Beside them sit the small helpers the kernels share:
binary searches over sorted index slices and a cache prefetch.

Every function here is ``@njit``; each is written so that the kernels calling
it compute exactly the operations they computed when the code was inline.
The training kernels compile with :data:`KERNEL_FASTMATH`.
"""

from __future__ import annotations

import math

import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["GAP_FLOOR", "KERNEL_FASTMATH", "ball_gap", "cosh_distance", "arcosh_root", "exp_neg_distance",
           "project_row", "keys_block", "keys_blocking", "key_sum", "pair_key", "bisect_left", "bisect_right", "contains_sorted",
           "prefetch", "prefetch_row"]

#: LLVM fast-math flags of the training kernels' arithmetic: ``reassoc`` lets the sums over a row's coordinates
#: (squared norms and differences) run in vector registers with several accumulators instead of one long chain
#: of dependent additions (the bottleneck at d = 50 to 200), ``contract`` fuses multiply-adds.  Neither assumes
#: away NaN or inf, so the kernels' finiteness guards still hold; results stay deterministic for a given
#: machine code (``workers=1`` is bit for bit reproducible) but differ from a strictly sequential sum in the
#: last bits.
KERNEL_FASTMATH = {"reassoc", "contract"}

#: Smallest value the training kernels let ``1 − ‖x‖²`` take: a Hogwild neighbour may leave a row briefly
#: on or outside the boundary, and the Riemannian factor and the distance must stay finite.
GAP_FLOOR = 1e-15


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def ball_gap(sq_norm):
    """``1 − ‖x‖²`` floored at :data:`GAP_FLOOR`."""
    return max(1.0 - sq_norm, GAP_FLOOR)


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def cosh_distance(sq_diff, gap_u, gap_v):
    """``cosh d(u, v) = 1 + 2‖u−v‖² / ((1−‖u‖²)(1−‖v‖²))`` from the squared difference and both gaps."""
    return 1.0 + 2.0 * (sq_diff / (gap_u * gap_v))


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def arcosh_root(gamma):
    """``sqrt(γ² − 1)`` (``sinh d``), clamped at 0 for ``γ`` that rounds below 1."""
    return math.sqrt(max(gamma * gamma - 1.0, 0.0))


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def exp_neg_distance(gamma, root):
    """``exp(−d) = exp(−arcosh γ) = 1 / (γ + sqrt(γ² − 1))``: no transcendental call."""
    return 1.0 / (gamma + root)


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=KERNEL_FASTMATH)
def project_row(vectors, row, eps, gensim_clip):
    """Scale ``vectors[row]`` back to norm ``1 − eps`` when it reached it (the paper's projection).

    With ``gensim_clip`` the rescaled row then moves ``eps`` toward the origin
    in every coordinate (``x − eps·sign(x)``), as gensim's ``PoincareModel`` clips.
    """
    dim = vectors.shape[1]
    s = 0.0
    for d in range(dim):
        s += float(vectors[row, d]) ** 2
    norm = math.sqrt(s)
    limit = 1.0 - eps
    if norm >= limit:
        for d in range(dim):
            x = float(vectors[row, d]) * (limit / norm)
            if gensim_clip:
                x -= eps * (1.0 if x > 0 else (-1.0 if x < 0 else 0.0))
            vectors[row, d] = x


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


@intrinsic
def _prefetch_item(typingctx, array, row, col):
    """Hint the CPU to fetch ``array[row, col]`` (2-D) into cache, for writing; never faults."""
    if not (isinstance(array, types.Array) and array.ndim == 2 and isinstance(row, types.Integer)
            and isinstance(col, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        i32 = ir.IntType(32)
        i8_ptr = ir.IntType(8).as_pointer()
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [i8_ptr, i32, i32, i32]),
                                            "llvm.prefetch")
        indices = [context.cast(builder, a, t, types.intp) for a, t in zip(args[1:], signature.args[1:])]
        ptr = cgutils.get_item_pointer(context, builder, signature.args[0], ary, indices, wraparound=False)
        builder.call(fn, [builder.bitcast(ptr, i8_ptr), ir.Constant(i32, 1), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, row, col), codegen


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def prefetch_row(array, row):
    """Prefetch every cache line of ``array[row, :]`` (a C-contiguous 2-D array): at d=200 a row spans 25 lines,
    of which :func:`prefetch` fetches only the first and the last."""
    dim = array.shape[1]
    step = max(64 // array.itemsize, 1)
    for col in range(0, dim, step):
        _prefetch_item(array, row, col)
    _prefetch_item(array, row, dim - 1)


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


#: Coordinates (``xt``) up to this many bytes stay in the last-level cache while every query reads all of them
#: (nouns at d = 10 is 6.6 MB, at d = 200 131 MB).
KEYS_CACHED_BYTES = 16 * 2**20
#: Above that, queries and nodes per slice of their keys (16 × 1,024 doubles, 128 KiB: in L2), so each slice of
#: the coordinates is streamed from memory once for sixteen queries.  Nouns, 2 cores, 2026-12-03: the evaluator
#: at d = 200 on 4,096 queries took 16.9 s one query at a time, 8.3-9.5 s with 8 × 512, 6.8-6.9 s with
#: 16 × 1,024 and 6.4-7.5 s with 32 × 512 (twice the memory of keys); the violator miner on trained d = 200
#: vectors 116-148 s with 8 × 512 and 79-103 s with 16 × 1,024 (the same table; two pairs, 148 / 103 s and
#: 116 / 94 s), but at d = 10 6.2 s against 7.7 s, so there it keeps its own 8 × 512.
STREAMED_QUERIES = 16
STREAMED_SLICE = 1024


def keys_blocking(xt_bytes: int, cached: tuple[int, int]) -> tuple[int, int]:
    """Queries computed together and nodes per slice for :func:`keys_block`: ``cached`` (the caller's own choice)
    while the coordinates fit in cache, else :data:`STREAMED_QUERIES` × :data:`STREAMED_SLICE`.

    Examples
    --------
    >>> keys_blocking(82_115 * 10 * 8, (8, 512)), keys_blocking(82_115 * 200 * 8, (8, 512))
    ((8, 512), (16, 1024))
    """
    return cached if xt_bytes <= KEYS_CACHED_BYTES else (STREAMED_QUERIES, STREAMED_SLICE)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def keys_block(xt, queries, inv_gap, model, shift, start, width, out):
    """``out[q, j]``: the ranking key of node ``start + j`` for the query ``queries[q]``, for every ``j <
    width``, under ``model`` (``out`` C-contiguous, at least ``width`` wide, so that the loops over ``j`` run
    in vector registers).

    The keys order the nodes by their distance from the query without an
    ``arccosh``: 0 Poincaré, ``‖u − w‖² / (1 − ‖w‖²)`` with ``inv_gap`` holding
    ``1 / (1 − ‖w‖²)`` per node (:func:`hypergensim.manifold.ranking_key`);
    1 Lorentz, ``−⟨u, w⟩_L = u₀w₀ − Σ uᵢwᵢ`` on hyperboloid coordinates;
    2 Euclidean and 3 translational, ``‖u + shift − w‖²`` (``shift`` the
    translational model's ``r``, read for model 3 only).  ``xt`` holds the
    coordinates column-major (``dim × n``) so each sum runs dimension by
    dimension over contiguous memory, and the differences are taken directly,
    exact for duplicated vectors and accurate near the boundary.

    This is the one copy of the evaluator's (and the violator miner's)
    arithmetic: a key's value does not depend on the block or slice it is
    computed in, so ties are the same wherever they are compared.  A slice of
    ``xt`` is read once for all the queries while ``out`` stays in cache.
    """
    dim = xt.shape[0]
    nq = queries.shape[0]
    if model == 1:
        for q in range(nq):
            u0 = xt[0, queries[q]]
            row = xt[0, start:start + width]
            for j in range(width):
                out[q, j] = u0 * row[j]
        for i in range(1, dim):
            row = xt[i, start:start + width]
            for q in range(nq):
                ui = xt[i, queries[q]]
                for j in range(width):
                    out[q, j] -= ui * row[j]
        return
    for q in range(nq):
        for j in range(width):
            out[q, j] = 0.0
    for i in range(dim):
        row = xt[i, start:start + width]
        for q in range(nq):
            qi = xt[i, queries[q]] + shift[i] if model == 3 else xt[i, queries[q]]
            for j in range(width):
                diff = row[j] - qi
                out[q, j] += diff * diff
    if model == 0:
        gap = inv_gap[start:start + width]
        for q in range(nq):
            for j in range(width):
                out[q, j] *= gap[j]


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def key_sum(points, u, w, model, shift):
    """:func:`keys_block`'s sum for the one pair ``(u, w)``, from row-major ``points``, with its operations in its
    order, so that it is the same double: ``Σ (wᵢ − qᵢ)²`` with ``q = u`` (``u + shift`` for model 3), or
    ``u₀w₀ − Σ uᵢwᵢ`` for model 1 (the key itself).  Model 0's key is this sum times ``w``'s inverse gap, as
    :func:`keys_block` scales it; the screened evaluator and miner (:mod:`hypergensim.screening`) call it where
    an approximate key is too close to call."""
    dim = points.shape[1]
    if model == 1:
        key = points[u, 0] * points[w, 0]
        for i in range(1, dim):
            key -= points[u, i] * points[w, i]
        return key
    key = 0.0
    for i in range(dim):  # shift (the translational model's r) is read only for model 3
        diff = points[w, i] - (points[u, i] + shift[i] if model == 3 else points[u, i])
        key += diff * diff
    return key


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def pair_key(points, u, w, model, shift):
    """The ranking key of ``w`` for the query ``u`` under ``model`` (0 Poincaré, 1 Lorentz, 2 Euclidean,
    3 translational), from row-major ``points``: the one-pair form of :func:`keys_block`, so for a fixed ``u``
    it orders nodes by their distance from ``u`` as the evaluator ranks them (model 0 divides by ``w``'s
    floored gap where :func:`keys_block` multiplies by its inverse)."""
    if model != 0:
        return key_sum(points, u, w, model, shift)
    dim = points.shape[1]
    key = 0.0
    sq = 0.0
    for i in range(dim):
        diff = points[w, i] - points[u, i]
        key += diff * diff
        sq += points[w, i] * points[w, i]
    return key / ball_gap(sq)
