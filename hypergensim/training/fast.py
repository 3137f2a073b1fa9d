r"""The ``fast`` engine: compiled, multi-core Riemannian SGD on a gensim ``PoincareModel``'s own state.

The kernel trains ``model.kv.vectors`` in place, over ``model.all_relations``
and ``model.node_relations``, so the fitted object is still a gensim model and
every gensim query, save and export works on it.

Threads (``workers``) run Hogwild: each takes a shard of the shuffled
relations and updates the shared vectors without locks, like word2vec and
facebookresearch's trainer.  The relations are shuffled once; each epoch then
permutes blocks of up to 1,024 of them (the same number per thread) and each
thread shuffles its blocks in its own buffer, so no serial pass over the whole
relation array remains.
``workers=1`` with a seed is bit for bit deterministic: the shuffles and each
shard's random stream (splitmix64) derive from ``(random_state, epoch, shard)``
only.

Two objectives:

``gensim``
    gensim's own algorithm, batch for batch: softmax loss over the positive and
    ``negative`` negatives drawn by node count (a whole set is redrawn when it
    holds a positive of ``u`` or a duplicate; ``u`` itself may be drawn, with
    zero gradient, as in gensim), l2 regularization of the positive, all
    gradients of a batch taken at the pre-batch state, updates scaled by
    ``(1−‖θ‖²)²/4``, duplicates summed, ``u`` rows applied and clipped before
    the ``v`` rows, and gensim's clipping (rescale to ``1−ε``, then subtract
    ``ε·sign``).  :func:`gensim_batch_update` is the single-batch entry point
    that the tests compare with gensim's ``_train_on_batch`` to 1e-10.

``nickel2017``
    the paper: softmax over ``{v} ∪ N(u)``, where ``N(u)`` are negatives that
    are neither ``u`` nor a positive of ``u``, drawn uniformly (by
    ``count^0.75`` during burn-in, as facebookresearch does); no regularization;
    Riemannian gradient ``(1−‖θ‖²)²/4 ∇``; projection back to norm ``1−ε``.
    With ``negative_sampling="batch"`` the relations of a batch draw their
    negatives from one pool of ``3k`` nodes drawn for the batch (a draw that is
    a relation's ``u`` or positive is replaced for that relation), so a batch
    fetches ``2b + 3k`` rows instead of ``b(2 + k)``: at large ``dim`` the rows'
    memory traffic, not the arithmetic, is most of the cost.
    With ``hard_negatives = h > 0`` the first ``h`` negatives of a relation
    ``u → v`` are drawn among ``u``'s *violators* (negatives that the
    embedding, as last mined, puts closer to ``u`` than its farthest ancestor:
    :mod:`hypergensim.training.violators`) that are also closer to ``u`` than
    ``v`` now, a few tries each, a slot without one falling back to a uniform
    draw (:func:`_sample_violators`).

Four models (``geometry``): the Poincaré ball above, and with the paper's
softmax the Lorentz hyperboloid (its own ``(n, dim + 1)`` array of points,
mapped to the ball into gensim's vectors after every epoch) and the Euclidean
and translational baselines (gensim's vectors hold their points); see
:func:`_batch_other`.

Numerics are float64 whatever the vector dtype.  ``sqrt(γ²−1)`` is clamped away
from 0 and any non-finite update is dropped, so no NaN appears even at a
learning rate of 10 with nodes on the boundary.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numba
import numpy as np

from ..errors import ConfigError
from ..evaluation.ranking import build_csr
from ..manifold import lorentz_to_poincare, poincare_to_lorentz
from ..numerics import (
    KERNEL_FASTMATH,
    arcosh_root,
    ball_gap,
    contains_sorted,
    cosh_distance,
    exp_neg_distance,
    pair_key,
    prefetch,
    prefetch_row,
    project_row,
)
from ..params import MODELS, PARAMETER
from ..threads import ThreadTeam
from .violators import VIOLATOR_DTYPE, mine_violators, mining_seconds, refresh_interval

__all__ = ["FastTrainer", "gensim_batch_update", "alias_table", "OBJECTIVES", "MODELS"]

OBJECTIVES = ("gensim", "nickel2017")
_GENSIM, _NICKEL = 0, 1
#: The models the kernel trains (hypergensim.params.MODELS), by code: the Poincaré ball (gensim's state), the
#: Lorentz hyperboloid (Nickel & Kiela 2018), and the Euclidean and translational baselines of Nickel & Kiela
#: (2017), §4.
_POINCARE, _LORENTZ, _EUCLIDEAN, _TRANSLATIONAL = 0, 1, 2, 3
#: Largest Lorentz step ``‖v‖_L`` (facebookresearch's LorentzManifold(norm_clip=1)), and the floor of
#: ``γ − 1`` in the Lorentz gradient ``1/sqrt(γ² − 1)`` (their ``_eps``), so coincident points stay finite.
_LORENTZ_STEP_CLIP = 1.0
_LORENTZ_GAMMA_EPS = 1e-5
#: Below this step length the exponential map's cosh and sinh come from their series (exact to 1e-18).
_LORENTZ_SERIES_BELOW = 0.02
#: ``negative_sampling="batch"``: a batch's pool of negatives holds this many times ``negative`` nodes.  One set
#: shared by every relation of a batch (factor 1) trained nouns at d=10 to MR 11.5 / MAP 0.762; a pool of 3x to
#: 2.97 / 0.882 and of 5x to 2.89 / 0.883 (per-relation draws: 2.8 / 0.90); at d=200 the 3x pool fetches 50 rows per
#: batch of 10 instead of 120 (evaluation/results/bench-throughput.json).
BATCH_POOL_FACTOR = 3
_PRESHUFFLE_ID = 1 << 31  # seeds the one-time shuffle of the relations (epoch ids stay below; burn-in's are 2**30+)
_MINING_ID = (1 << 31) + 1  # seeds the sample of violators each mining keeps


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _next(state):
    """splitmix64: advance ``state[0]`` and return 64 random bits."""
    state[0] = (state[0] + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    z = state[0]
    z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _uniform(state):
    return (_next(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _draw(state, n, prob, alias):
    """A node index in ``[0, n)``: uniform when ``prob`` is empty, else from the alias table ``(prob, alias)``.

    One random number and at most one table lookup per draw (Walker's alias
    method), instead of a binary search over the cumulative weights, whose
    ~17 dependent reads per draw miss the cache on WordNet nouns.
    """
    x = _uniform(state) * n
    i = min(np.int64(x), n - 1)
    if prob.shape[0] == 0 or x - i < prob[i]:
        return i
    return alias[i]


@numba.njit(cache=True, error_model="numpy")
def alias_table(weights):
    """Walker/Vose alias table for drawing ``i`` with probability ``weights[i] / weights.sum()``.

    Returns ``(prob, alias)``: draw ``i`` uniformly, keep it with probability
    ``prob[i]``, else take ``alias[i]``.
    """
    n = weights.shape[0]
    prob = weights * (n / weights.sum())
    alias = np.arange(n)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    n_small = 0
    n_large = 0
    for i in range(n):
        if prob[i] < 1.0:
            small[n_small] = i
            n_small += 1
        else:
            large[n_large] = i
            n_large += 1
    while n_small > 0 and n_large > 0:
        n_small -= 1
        lo = small[n_small]
        hi = large[n_large - 1]
        alias[lo] = hi
        prob[hi] = (prob[hi] + prob[lo]) - 1.0
        if prob[hi] < 1.0:
            n_large -= 1
            small[n_small] = hi
            n_small += 1
    for k in range(n_large):  # what is left over holds probability 1 up to rounding
        prob[large[k]] = 1.0
    for k in range(n_small):
        prob[small[k]] = 1.0
    return prob, alias


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _is_positive(u, w, pos_ptr, pos_idx):
    return contains_sorted(pos_idx, w, pos_ptr[u], pos_ptr[u + 1])


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sample_negatives(state, u, out, n, prob, alias, pos_ptr, pos_idx, objective):
    k = out.shape[0]
    if objective == _GENSIM:
        # gensim: redraw the whole set while it holds a positive or a duplicate; a set is
        # abandoned at its first bad draw (the rest would be discarded anyway), which keeps
        # gensim's distribution and saves most of the draws
        for _attempt in range(1000):
            ok = True
            for j in range(k):
                w = _draw(state, n, prob, alias)
                if _is_positive(u, w, pos_ptr, pos_idx):
                    ok = False
                    break
                for i in range(j):
                    if out[i] == w:
                        ok = False
                        break
                if not ok:
                    break
                out[j] = w
            if ok:
                return
        # dense positives: draw one at a time (sampling without replacement)
        for j in range(k):
            while True:
                w = _draw(state, n, prob, alias)
                dup = False
                for i in range(j):
                    if out[i] == w:
                        dup = True
                        break
                if not dup and not _is_positive(u, w, pos_ptr, pos_idx):
                    out[j] = w
                    break
    else:
        for j in range(k):
            while True:
                w = _draw(state, n, prob, alias)
                if w != u and not _is_positive(u, w, pos_ptr, pos_idx):
                    out[j] = w
                    break


#: Draws among ``u``'s violators for one hard slot before it falls back to a uniform negative.
_VIOLATOR_TRIES = 4
#: Entries of the violator table (int32) in one 64-byte cache line.
_TABLE_LINE = 16


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def _draw_candidates(state, u, cand, hard_ptr, hard_idx, points):
    """Fill ``cand`` with uniform draws among ``u``'s mined violators (``-1`` where it has none) and prefetch
    their rows, so that :func:`_sample_violators` finds them in cache: the draws of a whole batch are made
    first, and their cache misses overlap instead of following one another."""
    lo = hard_ptr[u]
    size = hard_ptr[u + 1] - lo
    for t in range(cand.shape[0]):
        if size > 0:
            cand[t] = hard_idx[lo + min(np.int64(_uniform(state) * size), size - 1)]
            prefetch_row(points, cand[t])
        else:
            cand[t] = -1


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sample_violators(state, u, v, out, hard, cand, n, prob, alias, pos_ptr, pos_idx, points, model, trans):
    """Overwrite ``out[:hard]`` with violators of ``u`` that are closer to ``u`` than ``v``: slot ``j`` takes the
    first of its :data:`_VIOLATOR_TRIES` candidates ``cand[j·tries:(j+1)·tries]`` (uniform draws among ``u``'s
    mined violators, :func:`_draw_candidates`) that is closer by :func:`pair_key` on ``points``; a slot where
    none is gets a uniform draw of a negative, so every slot holds a node that is neither ``u`` nor one of its
    positives."""
    limit = pair_key(points, u, v, model, trans) if cand.shape[0] > 0 and cand[0] >= 0 else 0.0
    for j in range(hard):
        w = u
        for t in range(j * _VIOLATOR_TRIES, (j + 1) * _VIOLATOR_TRIES):
            c = cand[t]
            if c >= 0 and pair_key(points, u, c, model, trans) < limit:
                w = c
                break
        if w == u or _is_positive(u, w, pos_ptr, pos_idx):
            while True:
                w = _draw(state, n, prob, alias)
                if w != u and not _is_positive(u, w, pos_ptr, pos_idx):
                    break
        out[j] = w


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=KERNEL_FASTMATH)
def _batch(vectors, us, vs, negs, lr, reg, eps, objective, gu, gv, dist, uvec, node_eps):
    """Gradients of one batch at the current state, then gensim-ordered updates. Returns the summed loss.

    ``exp(-d) = exp(-arccosh γ) = 1/(γ + sqrt(γ²-1))``, so the softmax needs no
    transcendental function per negative; the loss is ``log Z + arccosh γ₀``.
    Every row is projected to within the larger of ``eps`` and its own ``node_eps``.
    """
    b = us.shape[0]
    k1 = negs.shape[1] + 1
    dim = vectors.shape[1]
    loss = 0.0
    for r in range(b):
        u = us[r]
        su = 0.0
        for d in range(dim):
            uvec[d] = vectors[u, d]
            su += uvec[d] * uvec[d]
        alpha = ball_gap(su)  # a Hogwild neighbour may leave a row briefly outside the ball
        z = 0.0
        for j in range(k1):
            w = vs[r] if j == 0 else negs[r, j - 1]
            sw = 0.0
            e2 = 0.0
            for d in range(dim):
                x = float(vectors[w, d])
                sw += x * x
                diff = uvec[d] - x
                e2 += diff * diff
            beta = ball_gap(sw)
            gamma = cosh_distance(e2, alpha, beta)
            root = arcosh_root(gamma)
            ex = exp_neg_distance(gamma, root)
            dist[r, j, 0] = ex
            dist[r, j, 1] = e2
            dist[r, j, 2] = beta
            dist[r, j, 3] = root
            z += ex
        loss += math.log(z) - math.log(dist[r, 0, 0])
        for d in range(dim):
            gu[r, d] = 0.0
        for j in range(k1):
            w = vs[r] if j == 0 else negs[r, j - 1]
            ex, e2, beta, root = dist[r, j, 0], dist[r, j, 1], dist[r, j, 2], dist[r, j, 3]
            weight = -ex / z + (1.0 if j == 0 else 0.0)
            if objective == _GENSIM:
                c = 0.0 if root == 0.0 else 4.0 / (alpha * beta * root)
            else:
                c = 4.0 / (alpha * beta * max(root, 1e-6))
            wc = weight * c
            cu = (e2 + alpha) / alpha
            cv = (e2 + beta) / beta
            scale_v = lr * beta * beta / 4.0
            for d in range(dim):
                xu = uvec[d]
                xw = float(vectors[w, d])
                gu[r, d] += wc * (cu * xu - xw)
                g = wc * (cv * xw - xu)
                if j == 0 and objective == _GENSIM:
                    g += reg * 2.0 * xw
                gv[r, j, d] = scale_v * g
        scale_u = lr * alpha * alpha / 4.0
        for d in range(dim):
            gu[r, d] *= scale_u
    # apply u updates (duplicates sum), then clip the touched rows, as gensim does
    for r in range(b):
        ok = True
        for d in range(dim):
            if not math.isfinite(gu[r, d]):
                ok = False
        if ok:
            for d in range(dim):
                vectors[us[r], d] -= gu[r, d]
    for r in range(b):
        project_row(vectors, us[r], max(eps, node_eps[us[r]]), objective == _GENSIM)
    for r in range(b):
        for j in range(k1):
            w = vs[r] if j == 0 else negs[r, j - 1]
            ok = True
            for d in range(dim):
                if not math.isfinite(gv[r, j, d]):
                    ok = False
            if ok:
                for d in range(dim):
                    vectors[w, d] -= gv[r, j, d]
    for r in range(b):
        for j in range(k1):
            w = vs[r] if j == 0 else negs[r, j - 1]
            project_row(vectors, w, max(eps, node_eps[w]), objective == _GENSIM)
    return loss


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy", fastmath=KERNEL_FASTMATH)
def _batch_other(vectors, us, vs, negs, lr, model, trans, trans_rate, bound, gt, gu, gv, dist, uvec):
    """One batch of the paper's softmax loss for the Lorentz, Euclidean and translational models.

    ``L = d(u, v) + log Σ_{w ∈ {v} ∪ N(u)} exp(−d(u, w))``, so ``∂L/∂d_j = softmax_j − [j = 0]``.

    * ``lorentz``: ``d = arcosh(γ)``, ``γ = −⟨u, w⟩_L``; the Riemannian gradient at ``u`` is
      ``Σ_j c_j (γ_j u − w_j)/sqrt(γ_j² − 1)`` (``g_L⁻¹`` applied and projected on the tangent space,
      Nickel & Kiela 2018, Algorithm 1), and a row moves by the exponential map of ``−lr`` times it,
      then is put back on the hyperboloid (``x₀ = sqrt(1 + ‖x'‖²)``) and within ``x₀ ≤ bound``
      (the radius warm-up's bound ``cosh R``; ``inf`` without one);
    * ``euclidean``: ``d = ‖u − w‖²``; ``translational``: ``d = ‖u − w + r‖²`` with one global ``r``;
      plain SGD, then rows renormalised to norm at most ``bound`` (``max_norm``: 1 in the 2017 paper's code,
      ``inf`` for none), as facebookresearch's EuclideanManifold does; ``r`` steps by ``lr · trans_rate``
      times its gradient summed over the batch (``translation_rate``).

    Returns the batch's summed loss.
    """
    b = us.shape[0]
    k1 = negs.shape[1] + 1
    dim = vectors.shape[1]
    loss = 0.0
    for d in range(gt.shape[0]):  # empty unless the model is translational
        gt[d] = 0.0
    for r in range(b):
        u = us[r]
        for d in range(dim):
            uvec[d] = vectors[u, d]
        low = math.inf
        for j in range(k1):
            w = vs[r] if j == 0 else negs[r, j - 1]
            if model == _LORENTZ:
                gamma = uvec[0] * vectors[w, 0]
                for d in range(1, dim):
                    gamma -= uvec[d] * vectors[w, d]
                gamma = max(gamma, 1.0)
                root = arcosh_root(gamma)
                # exp(−d) = exp(−arcosh γ) = 1/(γ + sqrt(γ² − 1)): the softmax needs no exp or log per negative
                dist[r, j, 0] = gamma + root
                dist[r, j, 3] = exp_neg_distance(gamma, root)
                dist[r, j, 1] = gamma
                if gamma >= 1.0 + _LORENTZ_GAMMA_EPS:
                    dist[r, j, 2] = root
                else:  # nearly coincident points: the gradient's 1/sqrt(γ² − 1) at γ = 1 + eps
                    g = 1.0 + _LORENTZ_GAMMA_EPS
                    dist[r, j, 2] = math.sqrt(g * g - 1.0)
            else:
                e2 = 0.0
                for d in range(dim):
                    e = uvec[d] - vectors[w, d] + (trans[d] if model == _TRANSLATIONAL else 0.0)
                    e2 += e * e
                dist[r, j, 0] = e2
                low = min(low, e2)
        z = 0.0
        if model == _LORENTZ:
            for j in range(k1):
                z += dist[r, j, 3]
            loss += math.log(dist[r, 0, 0]) + math.log(z)  # d₀ + log Σ exp(−d_j)
        else:
            for j in range(k1):
                dist[r, j, 3] = math.exp(low - dist[r, j, 0])
                z += dist[r, j, 3]
            loss += dist[r, 0, 0] - low + math.log(z)
        for d in range(dim):
            gu[r, d] = 0.0
        for j in range(k1):
            w = vs[r] if j == 0 else negs[r, j - 1]
            c = (1.0 if j == 0 else 0.0) - dist[r, j, 3] / z  # ∂L/∂d_j
            if model == _LORENTZ:
                cr = c / dist[r, j, 2]
                gamma = dist[r, j, 1]
                for d in range(dim):
                    x = vectors[w, d]
                    gu[r, d] += cr * (gamma * uvec[d] - x)
                    gv[r, j, d] = cr * (gamma * x - uvec[d])
            else:
                for d in range(dim):
                    e = uvec[d] - vectors[w, d] + (trans[d] if model == _TRANSLATIONAL else 0.0)
                    gu[r, d] += 2.0 * c * e
                    gv[r, j, d] = -2.0 * c * e
                    if model == _TRANSLATIONAL:
                        gt[d] += 2.0 * c * e
    for r in range(b):
        _move(vectors, us[r], gu[r], lr, model, bound)
    for r in range(b):
        for j in range(k1):
            _move(vectors, vs[r] if j == 0 else negs[r, j - 1], gv[r, j], lr, model, bound)
    if model == _TRANSLATIONAL:
        ok = True
        for d in range(dim):
            if not math.isfinite(gt[d]):
                ok = False
        if ok:
            step = lr * trans_rate
            for d in range(dim):
                trans[d] -= step * gt[d]
    return loss


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy", fastmath=KERNEL_FASTMATH)
def _move(vectors, row, grad, lr, model, bound):
    """Step ``vectors[row]`` against ``grad``: the Lorentz exponential map within ``x₀ ≤ bound``, or SGD
    renormalised to norm at most ``bound``."""
    dim = vectors.shape[1]
    if model == _LORENTZ:
        # v = −lr · grad is tangent at x; ‖v‖_L² = −v₀² + Σ vᵢ², clipped to the largest step
        nv2 = -grad[0] * grad[0]
        for d in range(1, dim):
            nv2 += grad[d] * grad[d]
        nv2 *= lr * lr
        if not math.isfinite(nv2):
            return  # a non-finite gradient (NaN or inf in any coordinate) is dropped, as in the Poincaré kernel
        nv = math.sqrt(max(nv2, 0.0))
        if nv < 1e-15:
            return
        step = min(nv, _LORENTZ_STEP_CLIP)
        if step < _LORENTZ_SERIES_BELOW:
            # cosh s and sinh(s)/s by their series to s⁶: the next terms are below 1e-18 for s < 0.02, so the
            # exponential map stays exact to double precision without a transcendental call (most steps,
            # the negatives' above all, are this small)
            s2 = step * step
            ch = 1.0 + s2 * (1.0 / 2.0 + s2 * (1.0 / 24.0 + s2 * (1.0 / 720.0)))
            sh = (1.0 + s2 * (1.0 / 6.0 + s2 * (1.0 / 120.0 + s2 * (1.0 / 5040.0)))) * step / nv
        else:
            em1 = math.expm1(step)  # cosh and sinh from one expm1
            ch = 1.0 + 0.5 * em1 * em1 / (1.0 + em1)
            sh = 0.5 * (em1 + em1 / (1.0 + em1)) / nv
        s = 0.0
        for d in range(1, dim):
            x = ch * vectors[row, d] - sh * lr * grad[d]
            vectors[row, d] = x
            s += x * x
        if 1.0 + s > bound * bound:  # beyond the warm-up's radius: back onto it (x₀ = cosh R)
            scale = math.sqrt(bound * bound - 1.0) / math.sqrt(s)
            for d in range(1, dim):
                vectors[row, d] *= scale
            s = bound * bound - 1.0
        vectors[row, 0] = math.sqrt(1.0 + s)
    else:
        for d in range(dim):
            if not math.isfinite(grad[d]):
                return  # a non-finite step is dropped, as in the Poincaré kernel
        s = 0.0
        for d in range(dim):
            x = vectors[row, d] - lr * grad[d]
            vectors[row, d] = x
            s += x * x
        if s > bound * bound:
            scale = bound / math.sqrt(s)
            for d in range(dim):
                vectors[row, d] *= scale


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _prepare_batch(state, vectors, us, vs, first, b, negs, prob, alias, pos_ptr, pos_idx, objective, shared,
                   hard_ptr, hard_idx, hard, cand, model, trans):
    """Draw the negatives of relations ``first .. first+b`` and prefetch every row the batch will touch.

    Also prefetched: the positives of this batch's ``u`` (whose offsets were
    prefetched one batch earlier) and the offsets of the next batch's ``u``.

    With a non-empty ``shared`` (``negative_sampling="batch"``) the batch draws
    a pool of ``len(shared)`` nodes into it, and each relation draws its
    negatives uniformly from that pool; a draw that is the relation's ``u`` or
    one of its positives is replaced by a draw of its own from all nodes (as
    the per-relation sampler would redraw it).  The batch then touches
    ``2b + len(shared)`` rows instead of ``b·(2 + negative)``.

    With ``hard > 0`` the first ``hard`` negatives of each relation are
    violators (:func:`_sample_violators`), the rest uniform.
    """
    n = vectors.shape[0]
    end = us.shape[0]
    for k in range(first + b, min(first + 2 * b, end)):
        prefetch(pos_ptr, us[k])
    for r in range(b):
        prefetch(pos_idx, pos_ptr[us[first + r]])
    if hard > 0:
        # a violator is three dependent loads (its u's offsets, a table entry, its row): the offsets are
        # prefetched two batches ahead and the table entries of the next batch's u one batch ahead
        for k in range(first + 2 * b, min(first + 3 * b, end)):
            prefetch(hard_ptr, us[k])
        for k in range(first + b, min(first + 2 * b, end)):
            lo, hi = hard_ptr[us[k]], hard_ptr[us[k] + 1]
            for p in range(lo, hi, _TABLE_LINE):
                prefetch(hard_idx, p)
            if hi > lo:
                prefetch(hard_idx, hi - 1)
    pool = shared.shape[0]
    if pool > 0:
        for j in range(pool):
            shared[j] = _draw(state, n, prob, alias)
            prefetch_row(vectors, shared[j])
        for r in range(b):
            u = us[first + r]
            for j in range(negs.shape[1]):
                w = shared[min(np.int64(_uniform(state) * pool), pool - 1)]
                while w == u or _is_positive(u, w, pos_ptr, pos_idx):
                    w = _draw(state, n, prob, alias)
                negs[r, j] = w
            prefetch_row(vectors, u)
            prefetch_row(vectors, vs[first + r])
        return
    for r in range(b):
        u = us[first + r]
        prefetch_row(vectors, u)  # before the draws: a violator's distance reads u's and v's rows
        prefetch_row(vectors, vs[first + r])
        if hard > 0:
            _draw_candidates(state, u, cand[r], hard_ptr, hard_idx, vectors)
    for r in range(b):
        u = us[first + r]
        _sample_negatives(state, u, negs[r, hard:], n, prob, alias, pos_ptr, pos_idx, objective)
        if hard > 0:
            _sample_violators(state, u, vs[first + r], negs[r], hard, cand[r], n, prob, alias, pos_ptr, pos_idx,
                              vectors, model, trans)
        for j in range(negs.shape[1]):
            prefetch_row(vectors, negs[r, j])


# fast-math here too: the kernels inlined into this function (the non-Poincaré models' batch and move) are
# compiled with the flags of the function they are inlined into
@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath=KERNEL_FASTMATH)
def _run_span(state, vectors, us, vs, pos_ptr, pos_idx, prob, alias, lr, reg, eps, objective, model, trans, trans_rate,
              gt, negs, gu, gv, dist, uvec, shared, hard_ptr, hard_idx, hard, cand, node_eps):
    """Train on relations ``(us[i], vs[i])`` in order, in batches; returns the summed loss.

    Software-pipelined: while batch *t* computes, the negatives of batch *t+1*
    are drawn and its rows prefetched, so their cache misses overlap with
    arithmetic instead of stalling it.  Uniform negatives do not depend on the
    vectors, so their random stream is the same as drawing each batch just
    before it is used; hard negatives (violators) are accepted by distances
    read one batch early, which is as deterministic at ``workers=1``.
    """
    end = us.shape[0]
    batch_size = negs.shape[1]
    total = 0.0
    i = np.int64(0)  # not the literal 0: numba would build _prepare_batch a second time for a constant `first`
    cur = 0
    b = min(batch_size, end)
    if b > 0:
        _prepare_batch(state, vectors, us, vs, i, b, negs[cur], prob, alias, pos_ptr, pos_idx, objective, shared,
                       hard_ptr, hard_idx, hard, cand, model, trans)
    while i < end:
        nxt = i + b
        nb = min(batch_size, end - nxt)
        if nb > 0:
            _prepare_batch(state, vectors, us, vs, nxt, nb, negs[1 - cur], prob, alias, pos_ptr, pos_idx,
                           objective, shared, hard_ptr, hard_idx, hard, cand, model, trans)
        if model == _POINCARE:
            total += _batch(vectors, us[i:nxt], vs[i:nxt], negs[cur, :b], lr, reg, eps, objective, gu, gv, dist, uvec,
                            node_eps)
        # a constant model per call: the inlined kernel is compiled once per model, without its branches
        elif model == _LORENTZ:
            total += _batch_other(vectors, us[i:nxt], vs[i:nxt], negs[cur, :b], lr, _LORENTZ, trans, trans_rate, eps,
                                  gt, gu, gv, dist, uvec)
        elif model == _TRANSLATIONAL:
            total += _batch_other(vectors, us[i:nxt], vs[i:nxt], negs[cur, :b], lr, _TRANSLATIONAL, trans,
                                  trans_rate, eps, gt, gu, gv, dist, uvec)
        else:
            total += _batch_other(vectors, us[i:nxt], vs[i:nxt], negs[cur, :b], lr, _EUCLIDEAN, trans, trans_rate, eps,
                                  gt, gu, gv, dist, uvec)
        i, b, cur = nxt, nb, 1 - cur
    return total


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _shard(t, vectors, rel_u, rel_v, block_order, block, pos_ptr, pos_idx, prob, alias, seeds, lr, reg, eps, negative,
           batch_size, objective, model, trans, trans_rate, batch_negatives, hard_ptr, hard_idx, hard, losses,
           node_eps):
    """Shard ``t`` of an epoch (see :func:`_epoch`): its blocks of relations, from its own random stream
    ``seeds[t]``; its summed loss goes to ``losses[t]``.  Holds no GIL, so shards run in threads side by side."""
    n = rel_u.shape[0]
    n_blocks = block_order.shape[0]
    n_shards = seeds.shape[0]
    per_shard = (n_blocks + n_shards - 1) // n_shards
    dim = vectors.shape[1]
    state = np.empty(1, dtype=np.uint64)
    state[0] = seeds[t]
    negs = np.empty((2, batch_size, negative), dtype=np.int64)
    gu = np.empty((batch_size, dim))
    gv = np.empty((batch_size, negative + 1, dim))
    dist = np.empty((batch_size, negative + 1, 4))
    uvec = np.empty(dim)
    gt = np.empty(trans.shape[0])
    bu = np.empty(block, dtype=np.int64)
    bv = np.empty(block, dtype=np.int64)
    shared = np.empty(BATCH_POOL_FACTOR * negative if batch_negatives else 0, dtype=np.int64)
    cand = np.empty((batch_size, hard * _VIOLATOR_TRIES), dtype=np.int64)
    total = 0.0
    for k in range(t * per_shard, min(n_blocks, (t + 1) * per_shard)):
        first = block_order[k] * block
        m = max(0, min(n, first + block) - first)
        for i in range(m):
            bu[i] = rel_u[first + i]
            bv[i] = rel_v[first + i]
        for i in range(m - 1, 0, -1):
            j = min(np.int64(_uniform(state) * (i + 1)), i)
            bu[i], bu[j] = bu[j], bu[i]
            bv[i], bv[j] = bv[j], bv[i]
        total += _run_span(state, vectors, bu[:m], bv[:m], pos_ptr, pos_idx, prob, alias, lr, reg, eps,
                           objective, model, trans, trans_rate, gt, negs, gu, gv, dist, uvec, shared,
                           hard_ptr, hard_idx, hard, cand, node_eps)
    losses[t] = total


def _epoch(vectors, rel_u, rel_v, block_order, block, pos_ptr, pos_idx, prob, alias, seeds, lr, reg, eps, negative,
           batch_size, objective, model, trans, trans_rate, batch_negatives, hard_ptr, hard_idx, hard, losses, node_eps,
           team):
    """One epoch over the relations ``(rel_u[i], rel_v[i])`` in ``len(seeds)`` Hogwild shards, one thread each.

    ``batch_negatives`` (0 or 1): each batch draws a pool of
    :data:`BATCH_POOL_FACTOR` ``× negative`` nodes and its relations draw their
    negatives from it (see :func:`_prepare_batch`), instead of from all nodes.
    ``hard``: the first ``hard`` negatives of each relation are violators
    (:func:`_sample_violators`, over the table in ``hard_ptr``/``hard_idx``).

    The relations were shuffled once (:class:`FastTrainer`); an epoch visits
    their blocks of ``block`` consecutive relations in the order
    ``block_order``, shard ``t`` taking the ``t``-th contiguous part of it, and
    shuffles each block (Fisher-Yates, from the shard's own stream) in a
    thread-local buffer.  No serial permutation or gather of the whole
    relation array is left, and each block is read sequentially.

    Each shard runs the serial, GIL-free :func:`_shard` in a thread of its own,
    the calling thread one of them: ``team``, a
    :class:`~hypergensim.threads.ThreadTeam` of ``len(seeds)`` threads (with
    fewer, its threads take the shards in turn).
    """
    args = (vectors, rel_u, rel_v, block_order, block, pos_ptr, pos_idx, prob, alias, seeds, lr, reg, eps, negative,
            batch_size, objective, model, trans, trans_rate, batch_negatives, hard_ptr, hard_idx, hard, losses,
            node_eps)
    team.run(lambda t: _shard(t, *args), seeds.shape[0])


def gensim_batch_update(vectors: np.ndarray, relations: list[tuple[int, int]], negatives: list[list[int]], *,
                        alpha: float, regularization_coeff: float, epsilon: float) -> float:
    """Apply one gensim batch with given negatives to ``vectors`` in place; returns gensim's batch loss.

    The counterpart of gensim's ``PoincareModel._train_on_batch`` with its
    negatives fixed, used to prove the kernel is gensim's algorithm.
    """
    us = np.array([u for u, _ in relations], dtype=np.int64)
    vs = np.array([v for _, v in relations], dtype=np.int64)
    negs = np.array(negatives, dtype=np.int64).reshape(len(relations), -1)
    b, k = negs.shape
    dim = vectors.shape[1]
    return _batch(vectors, us, vs, negs, float(alpha), float(regularization_coeff), float(epsilon), _GENSIM,
                  np.empty((b, dim)), np.empty((b, k + 1, dim)), np.empty((b, k + 1, 4)), np.empty(dim),
                  np.zeros(vectors.shape[0]))


def _seed64(*parts: int) -> np.uint64:
    seq = np.random.SeedSequence([int(p) & 0xFFFFFFFF for p in parts])
    return np.uint64(seq.generate_state(1, dtype=np.uint64)[0])


class FastTrainer:
    """Runs epochs of the compiled kernel on a gensim ``PoincareModel``.

    Parameters
    ----------
    model : gensim.models.poincare.PoincareModel
        Built (vocabulary, relations, initial vectors) but not necessarily trained.
    objective : {"gensim", "nickel2017"}
    workers : int
        Threads (Hogwild shards).
    random_state : int
        Seed of shuffles and negative sampling.
    geometry : {"poincare", "lorentz", "euclidean", "translational"}
        The model trained.
    negative_sampling : {"relation", "batch"}
        ``relation``: every relation draws its own negatives (the paper).
        ``batch``: the relations of a batch draw from one pool of
        ``3·negative`` nodes (a relation's own positives replaced), which at
        large ``dim`` fetches far fewer rows; objective ``nickel2017`` only.
    max_hard_negatives : int
        The most negatives per relation that :meth:`run_epoch` may draw among
        the violators of its ``u`` (its ``hard_negatives``; 0: none, and no
        violators are mined); objective ``nickel2017`` and
        ``negative_sampling="relation"`` only.

    Attributes
    ----------
    node_epsilon : ndarray
        A margin from the boundary per node (:meth:`set_node_epsilon`; zeros
        until then): every projection keeps a node within the larger of its
        own and the epoch's ``epsilon``.
    violators : tuple of ndarray
        Every node's violators as last mined (CSR ``ptr, idx`` over nodes; empty
        before the first epoch with hard negatives).
    violators_epoch : int or None
        The epoch whose :meth:`run_epoch` mined them (``None``: not yet).
    violators_every : int
        Epochs between two minings (:func:`~hypergensim.training.violators.refresh_interval`).
    pass_seconds : float
        Seconds the latest mining took (0 before the first).

    Examples
    --------
    >>> from hypergensim.training.gensim_internals import build_poincare_model
    >>> model = build_poincare_model([("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal")], size=2, negative=1,
    ...                              seed=0)
    >>> trainer = FastTrainer(model, objective="nickel2017", workers=1, random_state=0)
    >>> loss, seen = trainer.run_epoch(1, lr=0.1, burn_in=False)
    >>> seen, loss > 0
    (3, True)
    """

    def __init__(self, model: Any, *, objective: str, workers: int, random_state: int,
                 geometry: str = "poincare", negative_sampling: str = "relation",
                 max_hard_negatives: int = 0) -> None:
        PARAMETER["negative_sampling"].check(negative_sampling)
        PARAMETER["hard_negatives"].check(max_hard_negatives)
        hard_negatives = int(max_hard_negatives or 0)
        if negative_sampling == "batch" and objective == "gensim":
            raise ConfigError("negative_sampling='batch' needs objective='nickel2017' (gensim's objective draws "
                              "a set per relation, as gensim does)")
        if hard_negatives and (objective == "gensim" or negative_sampling == "batch"):
            raise ConfigError(f"hard_negatives={hard_negatives} needs objective='nickel2017' and "
                              f"negative_sampling='relation' (got {objective!r}, {negative_sampling!r})")
        if hard_negatives > model.negative:
            raise ConfigError(f"hard_negatives={hard_negatives} is more than negative={model.negative}")
        self.max_hard_negatives = hard_negatives
        self.negative_sampling = negative_sampling
        self.model = model
        self.objective = objective
        self.geometry = geometry
        self.code = MODELS.index(geometry)
        dim = model.kv.vectors.shape[1]
        self._hyperboloid = poincare_to_lorentz(np.asarray(model.kv.vectors, dtype=np.float64)) \
            if geometry == "lorentz" else None
        #: the translational model's one global translation r (starts at 0: the Euclidean model)
        self.translation = np.zeros(dim if geometry == "translational" else 0)
        self.workers = workers
        #: the threads that run an epoch's shards, kept from one epoch to the next until :meth:`close`
        self.team = ThreadTeam(workers)
        self.random_state = random_state
        rel = np.asarray(model.all_relations, dtype=np.int64).reshape(-1, 2)
        once = np.random.default_rng([random_state, _PRESHUFFLE_ID]).permutation(len(rel))
        self.rel_u = np.ascontiguousarray(rel[once, 0])  # shuffled once; epochs shuffle blocks of it
        self.rel_v = np.ascontiguousarray(rel[once, 1])
        n = len(model.kv)
        self.pos_ptr, self.pos_idx = build_csr(rel, n)  # every node's ancestors, sorted
        self.node_epsilon = np.zeros(n)  # no margin of a node's own: the epoch's epsilon for every node
        # every node's violators, mined at the first epoch with hard negatives and every violators_every after
        self.violators = (np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=VIOLATOR_DTYPE))
        self.violators_epoch: int | None = None
        self.violators_every = refresh_interval(n, len(rel))
        self.pass_seconds = 0.0
        counts = np.asarray(model.kv.expandos["count"], dtype=np.float64)
        self.by_count = alias_table(counts)
        self.by_damped_count = alias_table(counts**0.75)
        self.uniform = (np.empty(0), np.empty(0, dtype=np.int64))  # an empty table means uniform draws

    def relations(self) -> np.ndarray:
        """The training relations as node indices, one ``(child, ancestor)`` row each (in the engine's order)."""
        return np.column_stack([self.rel_u, self.rel_v])

    def mines(self, epoch_id: int, hard_negatives: int) -> bool:
        """Whether :meth:`run_epoch` mines the violators first in epoch ``epoch_id`` with ``hard_negatives``:
        none mined yet, or :attr:`violators_every` epochs passed since."""
        return bool(hard_negatives) and (self.violators_epoch is None
                                         or epoch_id - self.violators_epoch >= self.violators_every)

    def mining_seconds(self) -> float:
        """What one mining pass over the current points will cost once they are trained, in seconds
        (:func:`~hypergensim.training.violators.mining_seconds`: its kernel timed on a sample of the nodes)."""
        return mining_seconds(self.points, self.pos_ptr, self.pos_idx, model=self.code, shift=self.translation,
                              seed=self.random_state)

    def set_node_epsilon(self, node_epsilon: np.ndarray) -> None:
        """Give every node a margin of its own from the boundary (the radius cap,
        :func:`~hypergensim.manifold.depth_radius_bounds` through
        :func:`~hypergensim.manifold.epsilon_for_radius`): each projection then keeps a node within the
        larger of it and the epoch's ``epsilon``.  Poincaré ball and objective ``nickel2017`` only; margins
        that are not one number in ``[0, 1)`` per node raise :class:`ConfigError`, since the kernel reads
        them unchecked."""
        if self.geometry != "poincare" or self.objective != "nickel2017":
            raise ConfigError(f"a margin per node bounds the Poincaré ball's projection under objective "
                              f"'nickel2017'; this trainer has geometry={self.geometry!r}, "
                              f"objective={self.objective!r}")
        eps = np.ascontiguousarray(node_epsilon, dtype=np.float64)
        n = len(self.pos_ptr) - 1
        if eps.shape != (n,) or not np.isfinite(eps).all() or (eps < 0).any() or (eps >= 1).any():
            raise ConfigError(f"node_epsilon must hold one margin in [0, 1) per node ({n} nodes), got shape "
                              f"{eps.shape}")
        self.node_epsilon = eps

    def load_violators(self, ptr: np.ndarray, idx: np.ndarray, epoch: int) -> None:
        """Put back a table of violators mined at ``epoch`` (from a checkpoint); one that cannot be this
        trainer's (wrong length, offsets out of order, a node out of range) raises :class:`ConfigError`, since
        the kernel reads it unchecked."""
        ptr = np.asarray(ptr)
        idx = np.asarray(idx)
        n = len(self.pos_ptr) - 1
        if (ptr.ndim != 1 or idx.ndim != 1 or ptr.dtype.kind not in "iu" or idx.dtype.kind not in "iu"
                or len(ptr) != n + 1):
            raise ConfigError(f"checkpoint's table of violators does not fit {n} nodes")
        if ptr[0] != 0 or ptr[-1] != len(idx) or (np.diff(ptr) < 0).any() or (len(idx) and (
                idx.min() < 0 or idx.max() >= n)):
            raise ConfigError("checkpoint's table of violators is corrupt (offsets out of order or a node out "
                              "of range)")
        self.violators = (np.ascontiguousarray(ptr, dtype=np.int64), np.ascontiguousarray(idx, dtype=VIOLATOR_DTYPE))
        self.violators_epoch = int(epoch)

    @property
    def points(self) -> np.ndarray:
        """The points the kernel trains: gensim's own vectors, or (Lorentz) the hyperboloid coordinates."""
        return self.model.kv.vectors if self._hyperboloid is None else self._hyperboloid

    def run_epoch(self, epoch_id: int, *, lr: float, burn_in: bool, epsilon: float | None = None,
                  max_radius: float = math.inf, hard_negatives: int = 0) -> tuple[float, int]:
        """One pass over the relations; returns (summed loss, relations seen).

        ``hard_negatives`` of each relation's negatives are violators of its
        ``u`` (at most the constructor's ``max_hard_negatives``; never during
        burn-in); the violators are mined first when none have been, or when
        :attr:`violators_every` epochs have passed since (a pure function of the
        epochs and points, so ``workers=1`` stays deterministic).

        ``epsilon`` overrides the model's boundary margin for this epoch (a
        radius warm-up); by default the model's own ``epsilon``.  For the
        Lorentz model ``max_radius`` bounds every point's distance from the
        origin instead (``inf``: no bound).
        """
        n = len(self.rel_u)
        if not 0 <= hard_negatives <= self.max_hard_negatives or (burn_in and hard_negatives):
            raise ConfigError(f"hard_negatives={hard_negatives} in this epoch: this trainer draws at most "
                              f"{self.max_hard_negatives}, and none during burn-in")
        if self.mines(epoch_id, hard_negatives):
            started = time.perf_counter()
            self.violators = mine_violators(self.points, self.pos_ptr, self.pos_idx, model=self.code,
                                            shift=self.translation, seed=int(_seed64(self.random_state, epoch_id,
                                                                                      _MINING_ID)))
            self.violators_epoch = epoch_id
            self.pass_seconds = time.perf_counter() - started
        # blocks of at most `block` relations, as many per worker, so the shards stay balanced
        n_blocks = max(1, -(-n // (self.block * self.workers))) * self.workers
        block = -(-n // n_blocks)
        block_order = np.random.default_rng([self.random_state, epoch_id]).permutation(n_blocks).astype(np.int64)
        seeds = np.array([_seed64(self.random_state, epoch_id, t) for t in range(self.workers)], dtype=np.uint64)
        loss = self._kernel(block_order, block, seeds, lr=lr, burn_in=burn_in, epsilon=epsilon, max_radius=max_radius,
                            hard_negatives=hard_negatives)
        return loss, n

    def close(self) -> None:
        """Stop the threads kept for the shards (a later epoch starts them again);
        :class:`~hypergensim.training.PoincareEmbedding` calls it when a fit ends."""
        self.team.close()

    def compile(self) -> float:
        """Compile the epoch kernel and, when violators will be drawn, the miner's, or load numba's cached
        builds of them, without training; returns the seconds.

        The epoch kernel runs over no block, with the arguments of a real epoch
        (the same types, so the same build); the miner mines the first few
        points (its kernel is chosen by the dimension and the model, not the
        size).  The first time on a machine this takes about 20 s; numba
        caches the builds, and later calls take well under a second.
        :class:`~hypergensim.training.PoincareEmbedding` calls it before its
        time budget starts.
        """
        started = time.perf_counter()
        self._kernel(np.empty(0, dtype=np.int64), 1, np.zeros(self.workers, dtype=np.uint64), lr=0.0,
                     burn_in=False, epsilon=None, max_radius=math.inf, hard_negatives=0)
        if self.max_hard_negatives:  # the first mining pass (and the schedule's probe of one) would build it
            few = min(4, len(self.points))
            ptr = np.r_[0, np.arange(few)].astype(np.int64)  # the first point the others' one ancestor
            mine_violators(np.array(self.points[:few]), ptr, np.zeros(max(few - 1, 0), dtype=np.int64),
                           model=self.code, shift=self.translation)
        return time.perf_counter() - started

    def _kernel(self, block_order: np.ndarray, block: int, seeds: np.ndarray, *, lr: float, burn_in: bool,
                epsilon: float | None, max_radius: float, hard_negatives: int) -> float:
        """One call of :func:`_epoch` over the blocks in ``block_order``; the summed loss."""
        m = self.model
        if self.objective == "gensim":
            table, code, reg = self.by_count, _GENSIM, float(m.regularization_coeff)
        else:
            table, code, reg = (self.by_damped_count if burn_in else self.uniform), _NICKEL, 0.0
        losses = np.zeros(self.workers)
        # exactly `workers` shards, each in its own thread; numba's process-wide thread count plays no part
        eps = float(m.epsilon if epsilon is None else epsilon)
        if self.geometry == "lorentz":  # the kernel's bound for this model is x₀ ≤ cosh(max_radius)
            eps = math.inf if not math.isfinite(max_radius) or max_radius > 700 else math.cosh(max_radius)
        elif self.geometry != "poincare":  # and for the Euclidean ones the rows' largest norm
            eps = math.inf if self.max_norm is None else float(self.max_norm)
        _epoch(self.points, self.rel_u, self.rel_v, block_order, int(block), self.pos_ptr, self.pos_idx,
               *table, seeds, float(lr), reg, eps, int(m.negative), int(self.batch_size), code, self.code,
               self.translation, float(self.translation_rate), int(self.negative_sampling == "batch"), *self.violators,
               int(hard_negatives), losses, self.node_epsilon, self.team)
        if self.geometry == "lorentz" and block_order.size:
            # Hogwild threads may interleave their writes to one row; put every point back on the hyperboloid
            x = self._hyperboloid
            with np.errstate(over="ignore", invalid="ignore"):
                x[:, 0] = np.sqrt(1.0 + np.einsum("ij,ij->i", x[:, 1:], x[:, 1:]))
            m.kv.vectors[:] = lorentz_to_poincare(x)  # gensim's vectors follow, mapped to the ball (an isometry)
        return float(losses.sum())

    batch_size = 10
    #: the largest norm of a Euclidean or translational row after a step (None: unbounded); the estimator sets
    #: its ``max_norm``, as it sets ``batch_size``
    max_norm: float | None = 1.0
    #: the translational model's ``r`` steps at this fraction of the rows' rate; the estimator sets its
    #: ``translation_rate``
    translation_rate: float = PARAMETER["translation_rate"].default
    #: most relations per shuffle block: a block (16 KiB of indices) is shuffled in a thread's own buffer
    block = 1024
