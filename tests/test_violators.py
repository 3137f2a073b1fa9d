"""Tests for hypergensim.training.violators (mining) and the one-pair key it shares with the fast engine."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import random_tree
from hypergensim.evaluation.ranking import build_csr
from hypergensim.manifold import key_factors, poincare_distance, poincare_to_lorentz
from hypergensim.numerics import keys_block, pair_key
from hypergensim.params import MODELS
from hypergensim.screening import SCREEN_MIN_DIM, screens
from hypergensim.training import violators
from hypergensim.training.violators import PROBE_BLOCKS, PROBE_REPEATS, mine_violators, mining_seconds, refresh_interval


def _points(model: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points of ``model`` (ball points for Poincaré, their hyperboloid image for Lorentz) and a shift."""
    rng = np.random.default_rng(seed)
    ball = rng.uniform(-0.6, 0.6, size=(n, 3))
    ball[5] = ball[7]  # a tie: two nodes at one point
    points = poincare_to_lorentz(ball) if model == "lorentz" else ball
    shift = rng.normal(size=3) * 0.1 if model == "translational" else np.zeros(0)
    return points, shift


def _keys(model: str, points: np.ndarray, shift: np.ndarray, u: int) -> np.ndarray:
    """The evaluator's keys of every node for the query ``u`` (:func:`hypergensim.numerics.keys_block`, one
    query over all the nodes, as the evaluator computes them, from :func:`hypergensim.manifold.key_factors`)."""
    out = np.empty((1, len(points)))
    inv_gap, offset = key_factors(points, MODELS.index(model), shift)
    keys_block(np.ascontiguousarray(points.T), np.array([u]), inv_gap, MODELS.index(model), offset, 0, len(points),
               out)
    return out[0]


@pytest.mark.parametrize("model", MODELS)
def test_the_keys_are_the_models_distances_order(model):
    points, shift = _points(model, 40, 6)
    for u in (0, 5, 39):
        keys = _keys(model, points, shift, u)
        if model == "poincare":
            expected = ((points - points[u]) ** 2).sum(1) / (1.0 - (points**2).sum(1))
        elif model == "lorentz":
            expected = points[u, 0] * points[:, 0] - points[:, 1:] @ points[u, 1:]
        else:
            expected = ((points - points[u] - (shift if model == "translational" else 0.0)) ** 2).sum(1)
        np.testing.assert_allclose(keys, expected, rtol=1e-12, atol=1e-15)
        if model == "poincare":  # strictly increasing in the distance: the same order, ties included
            d = poincare_distance(points[u][None, :], points)
            assert (np.argsort(keys, kind="stable") == np.argsort(d, kind="stable")).all()
    assert _keys(model, points, shift, 5)[7] == _keys(model, points, shift, 5)[5]  # a tie stays a tie


@pytest.mark.parametrize("model", MODELS)
def test_pair_key_is_the_evaluators_key_for_one_pair(model):
    points, shift = _points(model, 30, 1)
    code = MODELS.index(model)
    for u in (0, 5, 17):
        keys = _keys(model, points, shift, u)
        pairs = np.array([pair_key(points, u, w, code, shift) for w in range(30)])
        np.testing.assert_allclose(pairs, keys, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("model", MODELS)
def test_a_key_does_not_depend_on_the_block_or_slice_it_is_computed_in(model):
    points, shift = _points(model, 1_300, 4)
    code = MODELS.index(model)
    xt = np.ascontiguousarray(points.T)
    inv_gap, offset = key_factors(points, code, shift)
    queries = np.array([5, 7, 0, 1_299, 123], dtype=np.int64)
    out = np.full((5, 700), np.nan)
    for start, width in ((0, 700), (512, 188), (3, 1), (1_290, 10)):  # as the miner computes them
        keys_block(xt, queries, inv_gap, code, offset, start, width, out)
        for q, u in enumerate(queries):
            alone = _keys(model, points, shift, u)  # one query over all the nodes, as the evaluator does
            np.testing.assert_array_equal(out[q, :width], alone[start:start + width])  # equal, not close


@pytest.mark.parametrize("blocking", [None, (16, 1024), (3, 100)])  # cached; streamed (large coordinates); odd
@pytest.mark.parametrize("n", [60, 1_300])  # one slice of nodes; several, with a part-filled block of queries
@pytest.mark.parametrize("model", MODELS)
def test_mined_violators_equal_a_brute_force_count_ties_included(model, n, blocking, monkeypatch):
    if blocking is not None:
        monkeypatch.setattr(violators, "keys_blocking", lambda xt_bytes, cached: blocking)
    edges, _ = random_tree(n, 2)
    pos_ptr, pos_idx = build_csr(edges, n)
    points, shift = _points(model, n, 3)
    # the shift is the translational model's r; any other model ranks without one, whatever it is given (the
    # trainer passes an empty array for them)
    given = shift if model == "translational" else np.full(3, 5.0)
    ptr, idx = mine_violators(points, pos_ptr, pos_idx, model=MODELS.index(model), shift=given, k=n, seed=0)
    for u in range(n):
        ancestors = set(pos_idx[pos_ptr[u]:pos_ptr[u + 1]].tolist())
        mined = idx[ptr[u]:ptr[u + 1]].tolist()
        if not ancestors:
            assert mined == []
            continue
        keys = _keys(model, points, shift, u)
        farthest = max(keys[a] for a in ancestors)
        expected = set(np.flatnonzero(keys < farthest).tolist()) - ancestors - {u}
        assert sorted(mined) == sorted(expected), u  # strictly closer only: a tie with the farthest is no violator


@pytest.mark.parametrize("kind", ["ball", "ties", "boundary"])
@pytest.mark.parametrize("model", ["poincare", "euclidean", "translational"])
def test_screened_mining_gives_the_direct_kernels_table(model, kind):
    """At a screened dimension the pass decides by float32 products and their bound, and by the exact key where
    the bound cannot: the violators, and the capped sample drawn from them in node order, are the direct
    kernel's to the last id, ties with the farthest ancestor (never violators) included."""
    n, dim = 700, SCREEN_MIN_DIM
    edges, parent = random_tree(n, 5)
    pos_ptr, pos_idx = build_csr(edges, n)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x *= (1 - 10.0 ** rng.uniform(-9, -2, (n, 1))) if kind == "boundary" else rng.uniform(0, 0.9, (n, 1))
    if kind == "ties":  # half the nodes sit on their parent, or a hair from it: keys equal to an ancestor's
        x[1::2] = x[parent[1::2]] + (rng.normal(size=(n // 2, dim)) * 1e-12) * (np.arange(n // 2) % 2)[:, None]
    code = MODELS.index(model)
    shift = rng.normal(size=dim) * 0.1
    assert screens(dim, code)
    xt, inv_gap, offset, (block, width) = violators._kernel_inputs(x, code, shift)
    for k in (n, 5):  # every violator; a capped sample
        counts = np.zeros(n, dtype=np.int64)
        chosen = np.zeros((n, k), dtype=violators.VIOLATOR_DTYPE)
        violators._mine(0, -(-n // block), xt, inv_gap, pos_ptr, pos_idx, code, offset, k, np.uint64(9), counts,
                        chosen, block, width)  # every block in one call
        ptr, idx = mine_violators(x, pos_ptr, pos_idx, model=code, shift=shift, k=k, seed=9)
        np.testing.assert_array_equal(np.diff(ptr), counts)
        np.testing.assert_array_equal(idx, chosen[np.arange(k)[None, :] < counts[:, None]])
        if k == n:
            assert counts.max() > 5 and counts[0] == 0  # the cap below samples; the root has no ancestor


def test_a_capped_sample_is_a_uniform_subset_and_reproducible():
    n = 400
    # a star: node 0 with 399 children, all violators of each other
    edges = np.array([(u, 0) for u in range(1, n)], dtype=np.int64)
    pos_ptr, pos_idx = build_csr(edges, n)
    rng = np.random.default_rng(0)
    points = rng.uniform(-0.01, 0.01, size=(n, 2))  # the children huddle round the origin...
    points[0] = [0.9, 0.0]  # ...and the root sits far away, so every other child outranks it
    ptr, idx = mine_violators(points, pos_ptr, pos_idx, model=0, shift=np.zeros(0), k=16, seed=5)
    again = mine_violators(points, pos_ptr, pos_idx, model=0, shift=np.zeros(0), k=16, seed=5)
    other = mine_violators(points, pos_ptr, pos_idx, model=0, shift=np.zeros(0), k=16, seed=6)
    with pytest.MonkeyPatch.context() as patch:  # the sample does not depend on how the pass is blocked
        patch.setattr(violators, "keys_blocking", lambda xt_bytes, cached: (16, 1024))
        np.testing.assert_array_equal(idx, mine_violators(points, pos_ptr, pos_idx, model=0, shift=np.zeros(0),
                                                          k=16, seed=5)[1])
    assert (np.diff(ptr)[1:] == 16).all() and ptr[1] == 0
    np.testing.assert_array_equal(idx, again[1])
    assert not np.array_equal(idx, other[1])
    for u in range(1, n):
        chosen = idx[ptr[u]:ptr[u + 1]]
        assert len(set(chosen.tolist())) == 16 and u not in chosen and 0 not in chosen
    # uniform: every child is kept about as often as any other (expected 16 times, over 399 samples of 398)
    counts = np.bincount(idx, minlength=n)[1:]
    assert counts.min() >= 3 and counts.max() <= 40, (counts.min(), counts.max())


def test_refresh_interval_follows_the_cost_of_a_pass():
    assert refresh_interval(1_180, 6_540) == 10  # tiny: at least 10 epochs apart
    assert refresh_interval(20_000, 245_235) == 17
    assert refresh_interval(82_115, 743_241) == 91


def test_the_probe_times_the_pass_kernel_on_whole_blocks_of_queries_that_find_no_violators(monkeypatch):
    n = 3_000
    edges, _ = random_tree(n, 4)
    pos_ptr, pos_idx = build_csr(edges, n)
    points, _ = _points("poincare", n, 4)
    calls = []
    kernel = violators._mine

    def recording(lo, hi, xt, inv_gap, ptr, idx, *args):  # a pass calls it once per part of its blocks
        if lo == 0:
            calls.append((ptr.copy(), idx.copy()))
        return kernel(lo, hi, xt, inv_gap, ptr, idx, *args)

    clock = iter([10.0, 12.5, 20.0, 21.5])  # the kernel "takes" 2.5 s, then 1.5 s: the probe keeps the faster
    monkeypatch.setattr(violators, "_mine", recording)
    monkeypatch.setattr(violators.time, "perf_counter", lambda: next(clock))
    seconds = mining_seconds(points, pos_ptr, pos_idx, model=0, shift=np.zeros(0), share=0.02, seed=3)
    assert len(calls) == 1 + PROBE_REPEATS == 3 and not calls[0][0].any()  # loaded first, untimed, no query
    assert all(np.array_equal(a, b) for a, b in zip(calls[1], calls[2]))  # the same sample each time
    ptr, idx = calls[1]
    queried = np.flatnonzero(np.diff(ptr))
    assert idx.tolist() == queried.tolist()  # each sampled query's one "ancestor" is itself: no violator
    block = violators._CACHED_BLOCKING[0]
    sampled_blocks = np.unique(queried // block)
    assert len(sampled_blocks) == PROBE_BLOCKS  # 2 % of 375 blocks is fewer than the least it samples
    with_ancestors = np.diff(pos_ptr) > 0
    in_blocks = np.isin(np.arange(n) // block, sampled_blocks)
    assert (in_blocks & with_ancestors).tolist() == np.isin(np.arange(n), queried).tolist()  # whole blocks
    assert seconds == pytest.approx(1.5 * with_ancestors.sum() / len(queried))  # the faster, scaled to every query
    monkeypatch.undo()
    again = mining_seconds(points, pos_ptr, pos_idx, model=0, shift=np.zeros(0), share=1.0)
    assert again > 0  # every block: the whole pass's queries, timed for real
    star = build_csr(np.zeros((0, 2), dtype=np.int64), n)  # no node has an ancestor: no pass to time
    assert mining_seconds(points, *star, model=0, shift=np.zeros(0)) == 0.0
