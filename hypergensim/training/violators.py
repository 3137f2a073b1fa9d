"""Each node's violators, mined from the current embedding: the hard negatives of the fast engine.

A *violator* of a node ``u`` is a negative of ``u`` (neither ``u`` nor one of
its ancestors) that the embedding puts closer to ``u`` than ``u``'s farthest
ancestor: exactly the nodes that cost ``u`` rank and average precision in the
paper's reconstruction protocol.  Uniform negatives almost never draw them once
an embedding is good (a handful among tens of thousands of nodes), so the loss
falls to nearly nothing while they stay where they are.

:func:`mine_violators` finds them by one brute-force pass (every node against
every node, in threads over blocks of nodes (:mod:`hypergensim.threads`), with the evaluator's distance keys
computed bit for bit alike by :func:`hypergensim.numerics.keys_block`; from
d = 48 screened by float32 products, :mod:`hypergensim.screening`, with the
same table) and keeps a uniform sample of at most ``k`` per node; the fast engine (:mod:`hypergensim.training.fast`) draws a relation
``u → v``'s hard negatives among ``u``'s violators that are closer to ``u``
than ``v``.

Examples
--------
>>> import numpy as np
>>> from hypergensim.evaluation.ranking import build_csr
>>> points = np.array([[0.0, 0.0], [0.5, 0.0], [0.52, 0.0], [-0.5, 0.0]])
>>> pos_ptr, pos_idx = build_csr(np.array([[1, 0], [2, 0], [3, 0]]), 4)   # three children of node 0
>>> ptr, idx = mine_violators(points, pos_ptr, pos_idx, model=0, shift=np.zeros(0), k=8, seed=0)
>>> idx[ptr[1]:ptr[2]].tolist(), idx[ptr[3]:ptr[4]].tolist()   # 2 is nearer 1 than the root is; 3 has none
([2], [])
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numba
import numpy as np

from ..errors import ConfigError
from ..manifold import key_factors
from ..numerics import keys_block, keys_blocking
from ..screening import KeyScreen, exact_key, screened_key, screens
from ..threads import default_threads, run_tasks, split

__all__ = ["PROBE_BLOCKS", "PROBE_REPEATS", "PROBE_SHARE", "VIOLATORS_PER_NODE", "VIOLATOR_DTYPE", "mine_violators",
           "mining_seconds", "refresh_interval"]

#: Most violators kept per node (a uniform sample of them): 64 and 32 trained a 20,000-node DAG alike.
VIOLATORS_PER_NODE = 64

#: The table's node ids: 32 bits, half the bytes (and cache misses) of int64 for the engine's random reads.
VIOLATOR_DTYPE = np.int32


def refresh_interval(nodes: int, relations: int) -> int:
    """Epochs between two minings, ``nodes² / (relations · 100)`` and at least 10: a pass compares every pair
    of nodes, an epoch every relation, so this keeps the share of the hard epochs spent mining roughly constant
    across sizes (measured: 0.5 s a pass against 0.25 s an epoch for a 20,000-node DAG, every 17 epochs: a
    tenth; 16 s against 1.35 s for the 100,000-node deep tree, every 49: a quarter).  Mining only at the start
    of the hard epochs trained the DAG to MAP 0.939, every 5 or 20 epochs to 0.946.

    Examples
    --------
    >>> refresh_interval(100_000, 1_468_946), refresh_interval(1_180, 6_540)
    (69, 10)
    """
    return max(10, -(-nodes * nodes // max(relations * 100, 1)))


#: Share of the blocks of queries :func:`mining_seconds` times, and the fewest it times (2 % of WordNet nouns'
#: blocks: the probe takes 0.2-0.3 s beside a 12 s pass at d = 10, 3.1-3.4 s beside a direct 130 s one at d = 200, on
#: 2 cores).
PROBE_SHARE = 0.02
PROBE_BLOCKS = 64
#: Times :func:`mining_seconds` runs its sample back to back; it keeps the fastest.  The first run after a training
#: epoch is slower by a fixed part (0.1-0.2 s of a 0.7-0.8 s sample on nouns at d = 200, 2 cores), which the
#: scaling to every query multiplies fifty-fold: in training runs one run read 1.07-1.8x the pass that followed.
PROBE_REPEATS = 2

#: Queries mined together, and nodes per slice, while the coordinates fit in cache: one slice of keys (8 × 512
#: doubles, 32 KiB) stays in L1/L2; larger coordinates take :func:`hypergensim.numerics.keys_blocking`'s streamed
#: blocks.  Neither changes the table: each query visits the nodes in order from its own random stream.
_CACHED_BLOCKING = (8, 512)


@numba.njit(cache=True, nogil=True)
def _mine(lo, hi, xt, inv_gap, pos_ptr, pos_idx, model, shift, k, seed, counts, chosen, block, width):
    """The violators of the nodes in blocks ``lo .. hi-1`` of ``block`` nodes, every key computed directly."""
    n = xt.shape[1]
    for blk in range(lo, hi):
        queries = np.empty(block, dtype=np.int64)
        nq = 0
        for u in range(blk * block, min(n, (blk + 1) * block)):
            if pos_ptr[u + 1] > pos_ptr[u]:  # a root has no ancestor to be outranked
                queries[nq] = u
                nq += 1
        if nq == 0:
            continue
        queries = queries[:nq]
        one = np.empty((1, 1))
        farthest = np.empty(nq)
        for q in range(nq):
            u = queries[q]
            for j in range(pos_ptr[u], pos_ptr[u + 1]):  # the same arithmetic as the slices below
                keys_block(xt, queries[q:q + 1], inv_gap, model, shift, pos_idx[j], 1, one)
                farthest[q] = one[0, 0] if j == pos_ptr[u] else max(farthest[q], one[0, 0])
        # reservoir sampling (algorithm R) over each query's violators in node order, from its own xorshift stream
        states = np.empty(nq, dtype=np.uint64)
        seen = np.zeros(nq, dtype=np.int64)
        cursor = np.empty(nq, dtype=np.int64)  # the next of u's (sorted) ancestors not yet passed
        for q in range(nq):
            states[q] = _stream(seed, queries[q])
            cursor[q] = pos_ptr[queries[q]]
        keys = np.empty((nq, width))
        for start in range(0, n, width):
            cut = min(width, n - start)
            keys_block(xt, queries, inv_gap, model, shift, start, cut, keys)
            for q in range(nq):
                u = queries[q]
                end = pos_ptr[u + 1]
                limit = farthest[q]
                row = keys[q]
                c, taken, state = cursor[q], seen[q], states[q]
                for j in range(cut):
                    if row[j] < limit:  # (NaN is never a violator)
                        w = start + j
                        while c < end and pos_idx[c] < w:  # u's sorted ancestors, walked once in node order
                            c += 1
                        if w == u or (c < end and pos_idx[c] == w):
                            continue
                        slot, state = _reservoir_slot(taken, k, state)
                        if slot >= 0:
                            chosen[u, slot] = w
                        taken += 1
                cursor[q], seen[q], states[q] = c, taken, state
        for q in range(nq):
            counts[queries[q]] = min(seen[q], k)


@numba.njit(cache=True, nogil=True, inline="always")
def _reservoir_slot(taken, k, state):
    """Reservoir sampling (algorithm R) of a query's violators: where its next violator, after ``taken`` others,
    goes among the ``k`` kept (``-1``: not kept), and the query's xorshift state after the draw.

    Every argument is a scalar, so that the hot loops of :func:`_mine` and
    :func:`_mine_screened` keep their query's state in registers: with the
    per-query arrays passed in instead, numba's serial build counted references
    to them at every call (a pass over 30,000 random points at d = 10 on one
    thread took 8.5 s instead of 4.7 s, and 14 s with the state kept in the
    arrays, where numba's ``parallel=True`` build had hidden the cost)."""
    if taken < k:
        return taken, state
    state ^= state << np.uint64(13)
    state ^= state >> np.uint64(7)
    state ^= state << np.uint64(17)
    slot = np.int64(state % np.uint64(taken + 1))
    return (slot if slot < k else -1), state


@numba.njit(cache=True, nogil=True, inline="always")
def _stream(seed, u):
    """The first state of query ``u``'s xorshift stream."""
    return np.uint64(seed) ^ (np.uint64(u + 1) * np.uint64(0x9E3779B97F4A7C15))


@numba.njit(cache=True, nogil=True)
def _mine_screened(lo, hi, products, queries, q_sq, q_norm, points, sq_norms, norms, inv_gap, pos_ptr, pos_idx, model,
                   shift, slack, k, seed, counts, chosen):
    """:func:`_mine` for ``queries[lo:hi]`` of one block of ``queries`` (each with an ancestor), from their float32
    products with every node (:class:`hypergensim.screening.KeyScreen`): a node the bound puts clearly on one side
    of the farthest ancestor's key is decided there, the rest by the exact key.  Same table as :func:`_mine`.

    The keys and bounds come first, in a loop LLVM vectorises; the walk that offers the violators, in node
    order as the sample needs, then reads them (a pass at d = 200 spent 2.0 instead of 4.3 ns of a core per
    node and query on trained nouns points, 6.3 instead of 8.1 on the first epoch's)."""
    n = points.shape[0]
    for q0 in range(lo, hi):
        u = queries[q0]
        limit = exact_key(points, inv_gap, model, shift, u, pos_idx[pos_ptr[u]])
        for j in range(pos_ptr[u] + 1, pos_ptr[u + 1]):
            limit = max(limit, exact_key(points, inv_gap, model, shift, u, pos_idx[j]))
        c, taken, state = pos_ptr[u], 0, _stream(seed, u)  # u's next ancestor, violators seen, stream
        end = pos_ptr[u + 1]
        row = products[q0]
        low = np.empty(n)  # each node's screened key, less and plus its bound
        high = np.empty(n)
        for w in range(n):
            key, bound = screened_key(row[w], q_sq[q0], q_norm[q0], sq_norms[w], norms[w], inv_gap[w], model, slack)
            low[w] = key - bound
            high[w] = key + bound
        for w in range(n):
            if low[w] >= limit:
                continue
            if high[w] < limit or exact_key(points, inv_gap, model, shift, u, w) < limit:
                # the same lines as _mine's: a helper taking pos_idx and chosen made the pass 1.8x slower (an inlined
                # one; 2.6x called), numba's serial build counting references to them at every call
                while c < end and pos_idx[c] < w:
                    c += 1
                if w == u or (c < end and pos_idx[c] == w):
                    continue
                slot, state = _reservoir_slot(taken, k, state)
                if slot >= 0:
                    chosen[u, slot] = w
                taken += 1
        counts[u] = min(taken, k)


def mine_violators(points: np.ndarray, pos_ptr: np.ndarray, pos_idx: np.ndarray, *, model: int,
                   shift: np.ndarray, k: int = VIOLATORS_PER_NODE, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Every node's violators (at most ``k``, a uniform sample) as a CSR ``(ptr, idx)`` over nodes.

    Parameters
    ----------
    points : ndarray, shape (n, d)
        The model's own coordinates (hyperboloid points for the Lorentz model).
    pos_ptr, pos_idx : ndarray
        Every node's ancestors (CSR over nodes).
    model : int
        0 Poincaré, 1 Lorentz, 2 Euclidean, 3 translational (the order of :data:`hypergensim.params.MODELS`).
    shift : ndarray
        The translational model's ``r`` (read for ``model=3`` only).
    k : int
        Most violators kept per node.
    seed : int
        Seeds the sample: the same points and seed give the same table.
    """
    x = np.asarray(points, dtype=np.float64)
    n = len(x)
    if n > np.iinfo(VIOLATOR_DTYPE).max:
        raise ConfigError(f"{n} nodes: the table of violators holds node ids as {np.dtype(VIOLATOR_DTYPE).name}")
    counts = np.zeros(n, dtype=np.int64)
    chosen = np.zeros((n, k), dtype=VIOLATOR_DTYPE)
    run, _ = _mining_pass(x, int(model), shift)
    run(np.asarray(pos_ptr, dtype=np.int64), np.asarray(pos_idx, dtype=np.int64), int(k), seed, counts, chosen)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    keep = np.arange(k)[None, :] < counts[:, None]
    return ptr, np.ascontiguousarray(chosen[keep])


def mining_seconds(points: np.ndarray, pos_ptr: np.ndarray, pos_idx: np.ndarray, *, model: int,
                   shift: np.ndarray, share: float = PROBE_SHARE, seed: int = 0) -> float:
    """What one pass of :func:`mine_violators` over these points costs once they are trained, in seconds: the
    pass's own kernel timed on a seeded sample of its blocks of queries (``share`` of them, at least
    :data:`PROBE_BLOCKS`), the fastest of :data:`PROBE_REPEATS` runs, scaled to them all.

    The sampled queries find no violators (each is given itself as its one ancestor), so the probe times the
    keys, one per node for each query, which is what a pass costs whatever the points: on WordNet nouns (2
    cores) it read 12.5-14.5 s where full passes took 11.3-13.3 s at d = 10, on trained points and on points one
    epoch old alike, and 136-154 s against 129-140 s at d = 200 on points one epoch old; during a d = 200 run it
    read 121.8 s for a pass that then took 122.4 s (the direct kernel; screened, 47.7 s for a pass of 44.4 s).
    The schedule times it after the first epoch, to plan the passes the epochs after the warm-up will run.

    Examples
    --------
    >>> from hypergensim.evaluation.ranking import build_csr
    >>> points = np.random.default_rng(0).uniform(-0.5, 0.5, size=(2_000, 5))
    >>> pos_ptr, pos_idx = build_csr(np.array([[u, u // 2] for u in range(1, 2_000)]), 2_000)
    >>> mining_seconds(points, pos_ptr, pos_idx, model=0, shift=np.zeros(0)) > 0
    True
    """
    x = np.asarray(points, dtype=np.float64)
    n = len(x)
    run, block = _mining_pass(x, int(model), shift)
    ptr = np.asarray(pos_ptr, dtype=np.int64)
    counts = np.diff(ptr)
    blocks = -(-n // block)
    rng = np.random.default_rng(seed)
    sampled = np.zeros(blocks, dtype=bool)
    sampled[rng.choice(blocks, size=min(blocks, max(PROBE_BLOCKS, math.ceil(share * blocks))), replace=False)] = True
    kept = np.repeat(sampled, block)[:n] & (counts > 0)  # the sampled blocks' queries (nodes with an ancestor)
    if not kept.any():
        return 0.0
    # each sampled query's one "ancestor" is itself: nothing is closer, so the pass costs what it costs on a
    # trained embedding, where few nodes are violators, whatever these points are
    probe_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(kept, out=probe_ptr[1:])
    probe_idx = np.flatnonzero(kept).astype(np.int64)
    counts_out = np.zeros(n, dtype=np.int64)
    chosen = np.empty((n, VIOLATORS_PER_NODE), dtype=VIOLATOR_DTYPE)
    run(np.zeros(n + 1, dtype=np.int64), probe_idx[:0], VIOLATORS_PER_NODE, seed, counts_out, chosen)  # loads it
    fastest = math.inf
    for _ in range(PROBE_REPEATS):
        started = time.perf_counter()
        run(probe_ptr, probe_idx, VIOLATORS_PER_NODE, seed, counts_out, chosen)
        fastest = min(fastest, time.perf_counter() - started)
    return fastest * int((counts > 0).sum()) / int(kept.sum())


def _mining_pass(x: np.ndarray, model: int, shift: np.ndarray) -> tuple[Callable[..., None], int]:
    """One pass over these points as a function of the ancestors, ``run(pos_ptr, pos_idx, k, seed, counts,
    chosen)`` (so that the probe times the pass's own code), and the queries the direct kernel mines together
    (the probe's unit of sampling).  Large dimensions are screened (:func:`hypergensim.screening.screens`):
    the queries with an ancestor go in blocks of :meth:`~hypergensim.screening.KeyScreen.block_size` through
    one float32 product each and :func:`_mine_screened`; otherwise :func:`_mine` computes every key.  Either
    runs on every usable core (:func:`hypergensim.threads.run_tasks`)."""
    threads = default_threads()
    if not screens(x.shape[1], model):
        xt, inv_gap, offset, (block, width) = _kernel_inputs(x, model, shift)

        def run(pos_ptr, pos_idx, k, seed, counts, chosen):
            args = (xt, inv_gap, pos_ptr, pos_idx, model, offset, k, np.uint64(seed % (1 << 64)), counts, chosen,
                    block, width)
            parts = split(-(-len(x) // block), threads) or [(0, 0)]  # one call even if empty: it loads the kernel
            run_tasks(lambda i: _mine(*parts[i], *args), len(parts), threads)
        return run, block
    block = keys_blocking(x.nbytes, _CACHED_BLOCKING)[0]
    screen = KeyScreen.build(x, model=model, shift=shift)

    def run_screened(pos_ptr, pos_idx, k, seed, counts, chosen):
        queries = np.flatnonzero(np.diff(pos_ptr) > 0)
        size = screen.block_size()
        for start in range(0, max(len(queries), 1), size):  # at least one call, if empty: it loads the kernel
            part = queries[start:start + size]
            products, q_sq, q_norm = screen.products(part)
            args = (products, part, q_sq, q_norm, screen.points, screen.sq_norms, screen.norms, screen.inv_gap,
                    pos_ptr, pos_idx, model, screen.shift, screen.slack, k, np.uint64(seed % (1 << 64)), counts,
                    chosen)
            parts = split(len(part), threads, per_thread=4) or [(0, 0)]
            run_tasks(lambda i, parts=parts, args=args: _mine_screened(*parts[i], *args), len(parts), threads)
    return run_screened, block


def _kernel_inputs(x: np.ndarray, model: int, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                          tuple[int, int]]:
    """What :func:`_mine` reads besides the ancestors: the coordinates transposed, the Poincaré keys' inverse
    gaps, the translation (zeros for the other models) and the blocking for coordinates this size."""
    inv_gap, offset = key_factors(x, model, shift)  # the kernel reads a shift per dimension whatever the model
    xt = np.ascontiguousarray(x.T)
    return xt, inv_gap, offset, keys_blocking(xt.nbytes, _CACHED_BLOCKING)
