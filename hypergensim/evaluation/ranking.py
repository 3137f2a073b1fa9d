r"""Mean rank, MAP, MRR and Hits@k with the protocol of Nickel & Kiela (2017).

Protocol
--------
Relations are directed, ``u → v`` meaning "v is an ancestor of u" (gensim's
and facebookresearch's convention).  For a query node ``u`` with positives
:math:`P(u)` and a filtered set :math:`F(u) \supseteq P(u)` that is never
counted as a negative, each positive ``v`` gets

.. math::

    \operatorname{rank}(u, v) = 1 + \#\{w : w \ne u,\ w \notin F(u),\ d(u, w) < d(u, v)\}

Only strictly closer negatives count, so ties go in ``v``'s favour, as in the
reference code.  The *realistic* rank counts tied negatives as one half:
:math:`\operatorname{rank}_r = \operatorname{rank} + \tfrac12 \#\{w \notin F(u) \cup \{u\} : d(u,w) = d(u,v)\}`.

* mean rank :math:`= \frac{1}{|\mathcal P|}\sum_{(u,v)} \operatorname{rank}(u, v)` over all pairs;
* MRR and Hits@k (:math:`k = 1, 3, 10`) use the same ranks;
* :math:`\operatorname{AP}(u)` is the average precision of ``u``'s positives ranked
  among its negatives, exactly as ``sklearn.metrics.average_precision_score``
  computes it (tied distances form one threshold):
  :math:`\operatorname{AP}(u) = \sum_{t} \frac{|P_t|}{|P(u)|}\,\frac{TP(t)}{TP(t) + FP(t)}`,
  where ``t`` runs over the distinct distances of positives, :math:`P_t` are the
  positives at distance ``t``, and ``TP(t)``/``FP(t)`` count positives/negatives
  at distance ``≤ t``; MAP is the mean of AP(u) over queries ``u``.

*Reconstruction*: :math:`P(u)` = all relations of ``u`` and :math:`F(u) = P(u)`.
With ``symmetric=True`` the relations are made undirected first (the Lorentz
paper's setting).  *Link prediction*: :math:`P(u) = \text{test}(u)` and
:math:`F(u) = \text{train}(u) \cup \text{test}(u)`.

gensim's ``ReconstructionEvaluation`` and ``LinkPredictionEvaluation`` also count
``u`` itself (distance 0) as a negative, so their every rank is exactly one
higher and their MAP lower; do not compare the two without that offset.

Speed
-----
No ``arccosh`` is needed: for a fixed ``u``, :math:`d(u, w)` is strictly increasing
in :math:`\|u-w\|^2 / (1-\|w\|^2)` (:func:`hypergensim.manifold.ranking_key`).
A numba kernel computes that key for all ``w`` with the differences taken
directly (exact for duplicated vectors, accurate near the boundary;
:func:`hypergensim.numerics.keys_block`, the violator miner's arithmetic too),
compares it with the largest positive key, and counts with a binary search
only the few negatives below it, or, when most nodes are below it (a poor
embedding), every node against every positive in branch-free passes, in
threads over parts of the queries (:mod:`hypergensim.threads`).  When the
coordinates do not fit in cache (above 16 MB: nouns from d = 26), sixteen
queries are ranked together over slices of the nodes, as the miner does, so the
coordinates are streamed from memory once per sixteen queries
(:func:`query_group`); below that one query at a time is faster (its row of keys
stays in L2 for the counting pass).

From d = 48 (:data:`hypergensim.screening.SCREEN_MIN_DIM`) the Poincaré,
Euclidean and translational keys are screened instead
(:mod:`hypergensim.screening`): a block of queries against every node is one
float32 matrix product, a node whose approximate key is farther than its
rounding bound from every positive's key keeps it (every comparison with the
positives is then decided as the exact key would decide it), and the others,
with the positives, take the exact key, all counted after one pass over the
nodes (:func:`_count_screened`).  The counts are the direct kernel's; the counts
of a full nouns reconstruction at d = 200 (trained vectors) took 42.3 s instead
of the direct kernel's 141.8 s (2 cores, same run).  An explicit ``group`` ranks
with the direct kernel.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numba
import numpy as np

from ..errors import ConfigError, InputError
from ..manifold import key_factors
from ..numerics import (
    STREAMED_SLICE,
    bisect_left,
    bisect_right,
    contains_sorted,
    keys_block,
    keys_blocking,
    prefetch_row,
)
from ..params import MODELS
from ..screening import KeyScreen, exact_key, screened_key, screens
from ..threads import default_threads, run_tasks, split

__all__ = ["RankingResult", "rank_counts", "ranking_metrics", "build_csr", "key_value_table"]


@dataclass
class RankingResult:
    """Metrics of one ranking evaluation.

    ``*_stderr`` fields are standard errors when queries were sampled, else 0.

    Examples
    --------
    >>> from hypergensim.evaluation import evaluate_reconstruction
    >>> emb = (["mammal", "dog", "cat"], np.array([[0.0, 0.0], [0.6, 0.1], [-0.5, 0.3]]))
    >>> r = evaluate_reconstruction(emb, [("dog", "mammal"), ("cat", "mammal")])
    >>> r.task, r.mean_rank, r.map, r.n_queries, r.n_pairs, r.sampled
    ('reconstruction', 1.0, 1.0, 2, 2, False)
    """

    task: str
    mean_rank: float
    map: float
    mrr: float
    hits_at_1: float
    hits_at_3: float
    hits_at_10: float
    mean_rank_realistic: float
    n_queries: int
    n_pairs: int
    seconds: float
    sampled: bool = False
    n_queries_total: int = 0
    mean_rank_stderr: float = 0.0
    map_stderr: float = 0.0
    coverage: float = 1.0

    def as_dict(self) -> dict[str, object]:
        """Plain dict (JSON-serializable)."""
        return asdict(self)

    def __str__(self) -> str:
        rows = [
            ("task", self.task),
            ("mean rank", f"{self.mean_rank:.4f}" + (f" ± {self.mean_rank_stderr:.4f}" if self.sampled else "")),
            ("MAP", f"{self.map:.4f}" + (f" ± {self.map_stderr:.4f}" if self.sampled else "")),
            ("MRR", f"{self.mrr:.4f}"),
            ("Hits@1/3/10", f"{self.hits_at_1:.4f} / {self.hits_at_3:.4f} / {self.hits_at_10:.4f}"),
            ("mean rank (ties ½)", f"{self.mean_rank_realistic:.4f}"),
            ("queries / pairs", f"{self.n_queries:,} / {self.n_pairs:,}"
             + (f" (sampled of {self.n_queries_total:,})" if self.sampled else "")),
            ("coverage", f"{self.coverage:.4f}"),
            ("seconds", f"{self.seconds:.3f}"),
        ]
        return key_value_table(rows)


def key_value_table(rows: list[tuple[str, str]]) -> str:
    """Aligned ``name  value`` lines: how every evaluation result prints itself."""
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def build_csr(rows: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, sorted unique columns) of integer pairs ``(row, col)``."""
    rows = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
    if not len(rows):
        return np.zeros(n_nodes + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # one integer key per pair sorts by row then column. np.unique(rows, axis=0) gives the same order but
    # compares rows as opaque bytes, and np.unique on the keys is itself 30x slower than sort-and-mask here
    # (numpy 2.4); on the 743k nouns pairs this takes ~30 ms instead of ~1.3 s
    n = max(n_nodes, 1)
    keys = np.sort(rows[:, 0] * np.int64(n) + rows[:, 1])
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys // n, minlength=n_nodes), out=indptr[1:])
    return indptr, keys % n


def query_group(xt_bytes: int) -> tuple[int, int]:
    """Queries :func:`rank_counts` ranks together, and nodes per slice of their keys, given the size of the
    coordinates in bytes: one query against every node while they fit in cache (its row of keys stays in L2 for
    its counting pass; grouped, nouns at d = 10 ranked 0.73× as fast), else
    :func:`hypergensim.numerics.keys_blocking`'s streamed blocks.

    Examples
    --------
    >>> query_group(82_115 * 10 * 8), query_group(82_115 * 200 * 8)
    ((1, 0), (16, 1024))
    """
    return keys_blocking(xt_bytes, (1, 0))


@numba.njit(cache=True, nogil=True)
def _count_kernel(lo, hi, xt, inv_gap, queries, pos_ptr, pos_idx, excl_ptr, excl_idx, out_lt, out_le, out_key, model,
                  shift, group, width):
    """For every (query, positive) of the groups ``lo .. hi-1`` of ``group`` queries: negatives strictly closer
    (lt) and at most as close (le), and the positive's key (``out_key``).

    ``model``: 0 Poincaré, 1 Lorentz, 2 or 3 a squared Euclidean distance after ``shift`` (0, or the
    translational model's r) is added to the query.  ``group`` queries at a time (1 or more): with more than
    one, their keys are computed ``width`` nodes at a time, so each slice of ``xt`` is read once for all of
    them; a key's value is the same either way (:func:`keys_block`).
    """
    n = xt.shape[1]
    for g in range(lo, hi):
        members = np.empty(group, dtype=np.int64)
        m = 0
        for qi in range(g * group, min(queries.shape[0], (g + 1) * group)):
            if pos_ptr[qi + 1] > pos_ptr[qi]:
                members[m] = qi
                m += 1
        if m == 0:
            continue
        chosen = np.empty(m, dtype=np.int64)
        for k in range(m):
            chosen[k] = queries[members[k]]
        keys = np.empty((m, n))  # a single query's row of keys stays in L2 for its counting pass
        if m == 1:
            keys_block(xt, chosen, inv_gap, model, shift, 0, n, keys)
        else:
            part = np.empty((m, width))
            for start in range(0, n, width):
                cut = min(width, n - start)
                keys_block(xt, chosen, inv_gap, model, shift, start, cut, part)
                for k in range(m):
                    for j in range(cut):
                        keys[k, start + j] = part[k, j]
        for k in range(m):
            qi = members[k]
            _count_query(keys[k], queries[qi], pos_ptr[qi], pos_ptr[qi + 1], pos_idx, excl_ptr, excl_idx,
                         out_lt, out_le, out_key)


@numba.njit(cache=True, nogil=True)
def _count_screened(lo, hi, products, members, queries, q_sq, q_norm, points, sq_norms, norms, inv_gap, model, shift,
                    slack, pos_ptr, pos_idx, excl_ptr, excl_idx, out_lt, out_le, out_key):
    """:func:`_count_kernel` for ``members[lo:hi]`` of one block of queries (``queries[members]``, each with a
    positive) from their float32 products with every node (:class:`hypergensim.screening.KeyScreen`).  A node whose
    screened key, give or take its bound, lies clear of every positive's key is counted by its screened key (each
    comparison with a positive is then that of its exact key); the others, with the positives, by their exact
    keys.  Counts are those of :func:`_count_kernel`.

    One branch-free pass computes every node's screened key and bound and counts the nodes that may lie at or
    below the largest positive's key; the rest can be no positive's negative.  Few such nodes (a good
    embedding): a second pass places each of them among the positives by binary search (:func:`_count_near`).
    Most nodes (a poor embedding): every node is counted against every positive in branch-free passes that
    also flag the undecided ones (:func:`_count_screened_all`)."""
    n = points.shape[0]
    for b in range(lo, hi):
        qi = members[b]
        u = queries[qi]
        p0, p1 = pos_ptr[qi], pos_ptr[qi + 1]
        k = p1 - p0
        pkeys = np.empty(k)
        for j in range(k):
            pkeys[j] = exact_key(points, inv_gap, model, shift, u, pos_idx[p0 + j])
            out_key[p0 + j] = pkeys[j]
        order = np.argsort(pkeys, kind="mergesort")
        ps = pkeys[order]
        pmax = ps[k - 1]
        row = products[b]
        keys = np.empty(n)
        bounds = np.empty(n)
        near = 0  # nodes that may lie at or below the largest positive's key, or whose bound is not finite
        for w in range(n):
            key, bound = screened_key(row[w], q_sq[b], q_norm[b], sq_norms[w], norms[w], inv_gap[w], model, slack)
            keys[w] = key
            bounds[w] = bound
            near += 1 if (key - bound <= pmax) | (not bound < math.inf) else 0
        lt = np.zeros(k, dtype=np.int64)
        le = np.zeros(k, dtype=np.int64)
        if near * _SEARCH_COST > n * k:
            _count_screened_all(keys, bounds, ps, points, inv_gap, model, shift, u, excl_idx, excl_ptr[u],
                                excl_ptr[u + 1], lt, le)
        else:
            _count_near(keys, bounds, ps, points, inv_gap, model, shift, u, excl_idx, excl_ptr[u], excl_ptr[u + 1],
                        lt, le)
        for j in range(k):
            out_lt[p0 + order[j]] = lt[j]
            out_le[p0 + order[j]] = le[j]


@numba.njit(cache=True, nogil=True)
def _count_near(keys, bounds, ps, points, inv_gap, model, shift, u, excl_idx, e0, e1, lt, le):
    """``lt``/``le`` against the sorted positive keys ``ps`` when few nodes come near them: a node whose screened
    key, less its bound, lies above the largest is no positive's negative; each other one, not the query nor
    filtered, is placed by binary search, by its screened key where no positive's key lies within its bound,
    else by its exact key."""
    k = ps.shape[0]
    pmax = ps[k - 1]
    diff_lt = np.zeros(k + 1, dtype=np.int64)
    diff_le = np.zeros(k + 1, dtype=np.int64)
    for w in range(keys.shape[0]):
        key = keys[w]
        bound = bounds[w]
        if key - bound > pmax and bound < math.inf:
            continue
        # filtered nodes (positives, known relations) are never negatives
        if w == u or contains_sorted(excl_idx, w, e0, e1):
            continue
        j = bisect_left(ps, key - bound, 0, k)
        if not bound < math.inf or (j < k and ps[j] <= key + bound):
            key = exact_key(points, inv_gap, model, shift, u, w)
        if not key > pmax:  # as the direct kernel's test reads
            _place(key, ps, diff_lt, diff_le)
    _cumulate(diff_lt, diff_le, lt, le)


@numba.njit(cache=True, nogil=True)
def _count_screened_all(keys, bounds, ps, points, inv_gap, model, shift, u, excl_idx, e0, e1, lt, le):
    """``lt``/``le`` against the sorted positive keys ``ps`` from every node's screened key, in one branch-free
    pass per positive that also flags the nodes within their bound of it; a flagged node (or one with no finite
    bound) is then counted again by its exact key, and the query and its filtered nodes are taken out."""
    n = keys.shape[0]
    undecided = np.zeros(n, dtype=np.uint8)
    _count_all(keys, ps, lt, le, bounds, undecided)
    found = np.empty(n, dtype=np.int64)
    count = 0
    for w in range(n):
        if undecided[w] or not bounds[w] < math.inf:
            found[count] = w
            count += 1
    for i in range(count):  # the exact keys in a loop of their own, whose row loads overlap
        w = found[i]
        if i + _PREFETCH_AHEAD < count:
            prefetch_row(points, found[i + _PREFETCH_AHEAD])
        exact = exact_key(points, inv_gap, model, shift, u, w)
        _tally(keys[w], ps, lt, le, -1)
        _tally(exact, ps, lt, le, 1)
        keys[w] = exact
    _take_out(keys, u, excl_idx, e0, e1, ps, lt, le)


def _count_blocks(screen: KeyScreen, queries: np.ndarray, pos_ptr: np.ndarray, pos_idx: np.ndarray,
                  excl_ptr: np.ndarray, excl_idx: np.ndarray, out_lt: np.ndarray, out_le: np.ndarray,
                  out_key: np.ndarray) -> None:
    """:func:`_count_screened` over every query with a positive, in blocks of
    :meth:`~hypergensim.screening.KeyScreen.block_size` queries, one float32 product each."""
    members = np.flatnonzero(np.diff(pos_ptr) > 0)
    size = screen.block_size()
    threads = default_threads()
    for start in range(0, len(members), size):
        part = members[start:start + size]
        products, q_sq, q_norm = screen.products(queries[part])
        args = (products, part, queries, q_sq, q_norm, screen.points, screen.sq_norms, screen.norms,
                screen.inv_gap, screen.model, screen.shift, screen.slack, pos_ptr, pos_idx, excl_ptr, excl_idx,
                out_lt, out_le, out_key)
        parts = split(len(part), threads, per_thread=4)
        run_tasks(lambda i, parts=parts, args=args: _count_screened(*parts[i], *args), len(parts), threads)


@numba.njit(cache=True, nogil=True)
def _count_query(buf, u, p0, p1, pos_idx, excl_ptr, excl_idx, out_lt, out_le, out_key):
    """:func:`_count_kernel` for one query ``u``, its positives ``pos_idx[p0:p1]`` (one or more), and ``buf``
    its key of every node."""
    n = buf.shape[0]
    k = p1 - p0
    e0, e1 = excl_ptr[u], excl_ptr[u + 1]
    pkeys = np.empty(k)
    for j in range(k):
        pkeys[j] = buf[pos_idx[p0 + j]]
        out_key[p0 + j] = pkeys[j]
    order = np.argsort(pkeys, kind="mergesort")
    ps = pkeys[order]
    pmax = ps[k - 1]
    below = 0
    for w in range(n):
        below += 1 if buf[w] <= pmax else 0
    lt_sorted = np.zeros(k, dtype=np.int64)
    le_sorted = np.zeros(k, dtype=np.int64)
    if below * _SEARCH_COST > n * k:
        # most nodes are closer than some positive (a poor embedding): count every node against each
        # positive in branch-free passes, then take out the query and its filtered nodes. The cost is
        # n·k whatever the quality, instead of a binary search for each of nearly n negatives.
        _count_all(buf, ps, lt_sorted, le_sorted)
        _take_out(buf, u, excl_idx, e0, e1, ps, lt_sorted, le_sorted)
    else:
        # few nodes are that close (a good embedding): place each of them among the positives
        diff_lt = np.zeros(k + 1, dtype=np.int64)
        diff_le = np.zeros(k + 1, dtype=np.int64)
        for w in range(n):
            key = buf[w]
            if key > pmax or w == u:
                continue
            # filtered nodes (positives, known relations) are never negatives
            if contains_sorted(excl_idx, w, e0, e1):
                continue
            _place(key, ps, diff_lt, diff_le)
        _cumulate(diff_lt, diff_le, lt_sorted, le_sorted)
    for j in range(k):
        out_lt[p0 + order[j]] = lt_sorted[j]
        out_le[p0 + order[j]] = le_sorted[j]


#: Undecided nodes ahead whose rows :func:`_count_screened_all` prefetches while it computes an exact key.
_PREFETCH_AHEAD = 4

#: The counting pass costs one comparison per node and positive; a binary search among k positives costs
#: about this many comparisons' time per node (branches that mispredict, two searches, the filter lookup).
_SEARCH_COST = 24


@numba.njit(cache=True, nogil=True)
def _count_all(keys, thresholds, lt, le, bounds=None, undecided=None):
    """``lt[j] = #{w : keys[w] < thresholds[j]}``, ``le[j]`` with ``≤``: loops LLVM vectorises.  With ``bounds``,
    the same passes also flag in ``undecided`` every node whose key lies within its bound of a threshold (numba
    compiles the form without them with no trace of the flags)."""
    n = keys.shape[0]
    for j in range(thresholds.shape[0]):
        t = thresholds[j]
        c_lt = 0
        c_le = 0
        for w in range(n):
            x = keys[w]
            c_lt += 1 if x < t else 0
            c_le += 1 if x <= t else 0
            if bounds is not None:
                undecided[w] |= abs(x - t) <= bounds[w]
        lt[j] = c_lt
        le[j] = c_le


@numba.njit(cache=True, nogil=True, inline="always")
def _place(key, thresholds, diff_lt, diff_le):
    """Mark one negative's key among the sorted ``thresholds``: it is below (``lt``) every threshold from
    ``diff_lt``'s index on, at most (``le``) every one from ``diff_le``'s (:func:`_cumulate` sums them)."""
    k = thresholds.shape[0]
    diff_lt[bisect_right(thresholds, key, 0, k)] += 1
    diff_le[bisect_left(thresholds, key, 0, k)] += 1


@numba.njit(cache=True, nogil=True, inline="always")
def _cumulate(diff_lt, diff_le, lt, le):
    """The counts per threshold from :func:`_place`'s marks."""
    c_lt = 0
    c_le = 0
    for j in range(lt.shape[0]):
        c_lt += diff_lt[j]
        c_le += diff_le[j]
        lt[j] = c_lt
        le[j] = c_le


@numba.njit(cache=True, nogil=True, inline="always")
def _take_out(keys, u, excl_idx, e0, e1, thresholds, lt, le):
    """Take the query ``u`` and its filtered nodes ``excl_idx[e0:e1]`` out of :func:`_count_all`'s counts."""
    _tally(keys[u], thresholds, lt, le, -1)
    for e in range(e0, e1):
        w = excl_idx[e]
        if w != u:
            _tally(keys[w], thresholds, lt, le, -1)


@numba.njit(cache=True, nogil=True, inline="always")
def _tally(key, thresholds, lt, le, step):
    """Add ``step`` to the counts of every threshold ``key`` is below (``lt``) or at most (``le``): ``-1`` takes
    a node out of :func:`_count_all`'s counts."""
    for j in range(thresholds.shape[0]):
        if key < thresholds[j]:
            lt[j] += step
        if key <= thresholds[j]:
            le[j] += step


def rank_counts(
    vectors: np.ndarray,
    queries: np.ndarray,
    pos_ptr: np.ndarray,
    pos_idx: np.ndarray,
    excl_ptr: np.ndarray,
    excl_idx: np.ndarray,
    *,
    model: str = "poincare",
    translation: np.ndarray | None = None,
    group: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of strictly closer and at-most-as-close negatives for every pair, and each pair's key (the one
    the kernels rank the positive by; AP groups tied positives by it).

    ``pos_ptr``/``pos_idx`` hold each query's positives (CSR over ``queries``);
    ``excl_ptr``/``excl_idx`` the filtered set of every node (CSR over nodes,
    sorted columns).  The query itself is always excluded.  ``model`` picks the
    distance (``vectors`` are hyperboloid coordinates for ``lorentz``), and
    ``translation`` is the translational model's ``r``.  ``group``: queries
    ranked together by the direct kernel, in slices of
    :data:`hypergensim.numerics.STREAMED_SLICE` nodes (default: screened keys
    where :func:`hypergensim.screening.screens` says so, else
    :func:`query_group` of the coordinates' size); the counts do not depend on
    it.
    """
    if group is not None and (isinstance(group, bool) or not isinstance(group, (int, np.integer)) or group < 1):
        raise ConfigError(f"group must be a whole number of queries, 1 or more, not {group!r}")
    code = MODELS.index(model)
    x = np.asarray(vectors, dtype=np.float64)
    csr = tuple(np.ascontiguousarray(a, dtype=np.int64) for a in (queries, pos_ptr, pos_idx, excl_ptr, excl_idx))
    out_lt = np.zeros(len(pos_idx), dtype=np.int64)
    out_le = np.zeros(len(pos_idx), dtype=np.int64)
    # each positive's key, for grouping tied positives in AP: the kernels write the key they rank it by (a NaN
    # left here would be a pair no kernel visited, and would show in the metrics)
    out_key = np.full(len(pos_idx), np.nan)
    if group is None and screens(x.shape[1], code):
        _count_blocks(KeyScreen.build(x, model=code, shift=translation), *csr, out_lt, out_le, out_key)
    else:
        inv_gap, shift = key_factors(x, code, translation)
        xt = np.ascontiguousarray(x.T)
        if group is None:
            group, width = query_group(xt.nbytes)
        else:
            width = STREAMED_SLICE
        group = min(group, max(1, len(queries)))
        args = (xt, inv_gap, *csr, out_lt, out_le, out_key, code, shift, group, width)
        threads = default_threads()
        parts = split(-(-len(queries) // group), threads)
        run_tasks(lambda i: _count_kernel(*parts[i], *args), len(parts), threads)
    return out_lt, out_le, out_key


def _average_precisions(pos_ptr: np.ndarray, le: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """sklearn-style AP per query from the at-most-as-close negative counts."""
    n_q = len(pos_ptr) - 1
    sizes = np.diff(pos_ptr)
    q_of = np.repeat(np.arange(n_q), sizes)
    order = np.lexsort((keys, q_of))  # by query, then key
    k_sorted = keys[order]
    le_sorted = le[order].astype(np.float64)
    start = np.repeat(pos_ptr[:-1], sizes)
    position = np.arange(len(order)) - start  # 0-based position among the query's positives
    # the last member of each group of tied positives carries the group
    last = np.ones(len(order), dtype=bool)
    same_next = (q_of[1:] == q_of[:-1]) & (k_sorted[1:] == k_sorted[:-1])
    last[:-1] = ~same_next
    tp = position + 1.0
    precision = tp / (tp + le_sorted)
    # group size = position of this last member minus that of the previous last member
    group_end = np.flatnonzero(last)
    prev_tp = np.zeros(len(group_end))
    prev_q = q_of[group_end]
    prev_tp[1:] = np.where(prev_q[1:] == prev_q[:-1], tp[group_end[:-1]], 0.0)
    contrib = (tp[group_end] - prev_tp) / sizes[prev_q] * precision[group_end]
    return np.bincount(prev_q, weights=contrib, minlength=n_q)


def ranking_metrics(
    task: str,
    lt: np.ndarray,
    le: np.ndarray,
    keys: np.ndarray,
    pos_ptr: np.ndarray,
    *,
    started: float,
    n_queries_total: int | None = None,
    coverage: float = 1.0,
) -> RankingResult:
    """Turn per-pair counts into a :class:`RankingResult` (with sampling standard errors)."""
    n_pairs = len(lt)
    n_q = len(pos_ptr) - 1
    if n_pairs == 0:
        raise InputError("no relations to evaluate")
    ranks = lt + 1.0
    ap = _average_precisions(pos_ptr, le, keys)
    total = n_queries_total if n_queries_total is not None else n_q
    sampled = total > n_q
    mr_se = map_se = 0.0
    if sampled and n_q > 1:
        fpc = math.sqrt(max(0.0, 1.0 - n_q / total))
        sizes = np.diff(pos_ptr).astype(np.float64)
        sums = np.add.reduceat(ranks, pos_ptr[:-1]) if n_pairs else np.zeros(n_q)
        mr = ranks.mean()
        resid = sums - mr * sizes
        mr_se = float(math.sqrt(np.sum(resid**2) / (n_q * (n_q - 1))) / sizes.mean() * fpc)
        map_se = float(ap.std(ddof=1) / math.sqrt(n_q) * fpc)
    return RankingResult(
        task=task,
        mean_rank=float(ranks.mean()),
        map=float(ap.mean()),
        mrr=float(np.mean(1.0 / ranks)),
        hits_at_1=float(np.mean(ranks <= 1)),
        hits_at_3=float(np.mean(ranks <= 3)),
        hits_at_10=float(np.mean(ranks <= 10)),
        mean_rank_realistic=float(np.mean(ranks + 0.5 * (le - lt))),
        n_queries=n_q,
        n_pairs=n_pairs,
        seconds=time.perf_counter() - started,
        sampled=sampled,
        n_queries_total=total,
        mean_rank_stderr=mr_se,
        map_stderr=map_se,
        coverage=coverage,
    )
