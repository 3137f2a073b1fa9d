"""The ranking evaluator against an independent brute force, and against gensim (+1 offset)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score

from conftest import random_tree
from hypergensim.errors import InputError
from hypergensim.evaluation import evaluate_link_prediction, evaluate_reconstruction


def brute_force(keys, X, positives, filtered):
    """Plain loops: Poincaré distances with arccosh, ranks counted one by one, sklearn's AP."""
    X = np.asarray(X, dtype=np.float64)
    n = len(keys)
    idx = {k: i for i, k in enumerate(keys)}

    def dist(a, b):
        num = sum((X[a, i] - X[b, i]) ** 2 for i in range(X.shape[1]))
        na = sum(x * x for x in X[a])
        nb = sum(x * x for x in X[b])
        return math.acosh(1 + 2 * num / ((1 - na) * (1 - nb)))

    pos, filt = {}, {}
    for a, b in positives:
        if a != b:
            pos.setdefault(idx[a], set()).add(idx[b])
    for a, b in filtered:
        filt.setdefault(idx[a], set()).add(idx[b])
    ranks, realistic, aps = [], [], []
    for u in sorted(pos):
        d = [dist(u, w) for w in range(n)]
        negatives = [w for w in range(n) if w != u and w not in filt.get(u, set()) and w not in pos[u]]
        for v in pos[u]:
            closer = sum(1 for w in negatives if d[w] < d[v])
            tied = sum(1 for w in negatives if d[w] == d[v])
            ranks.append(1 + closer)
            realistic.append(1 + closer + 0.5 * tied)
        cand = sorted(pos[u]) + negatives
        labels = [1] * len(pos[u]) + [0] * len(negatives)
        aps.append(average_precision_score(labels, [-d[w] for w in cand]))
    ranks = np.array(ranks, dtype=float)
    return {
        "mean_rank": ranks.mean(), "map": float(np.mean(aps)), "mrr": float(np.mean(1 / ranks)),
        "hits_at_1": float(np.mean(ranks <= 1)), "hits_at_3": float(np.mean(ranks <= 3)),
        "hits_at_10": float(np.mean(ranks <= 10)), "mean_rank_realistic": float(np.mean(realistic)),
        "n_queries": len(pos), "n_pairs": len(ranks),
    }


@st.composite
def dag_and_vectors(draw):
    n = draw(st.integers(min_value=3, max_value=18))
    pairs = []
    for c in range(1, n):
        for p in draw(st.lists(st.integers(0, c - 1), min_size=0, max_size=3, unique=True)):
            pairs.append((f"n{c}", f"n{p}"))
    if not pairs:
        pairs = [("n1", "n0")]
    seed = draw(st.integers(0, 2**31 - 1))
    dim = draw(st.integers(1, 5))
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, dim))
    X *= (rng.uniform(0, 0.95, n) / np.maximum(np.linalg.norm(X, axis=1), 1e-12))[:, None]
    # exact ties: duplicate some rows
    for _ in range(draw(st.integers(0, 4))):
        X[int(rng.integers(n))] = X[int(rng.integers(n))]
    return [f"n{i}" for i in range(n)], X, pairs, rng


FIELDS = ["mean_rank", "map", "mrr", "hits_at_1", "hits_at_3", "hits_at_10", "mean_rank_realistic",
          "n_queries", "n_pairs"]


@settings(max_examples=60, deadline=None)
@given(dag_and_vectors())
def test_reconstruction_matches_brute_force(data):
    from hypergensim.datasets import Hierarchy

    keys, X, pairs, _ = data
    closure = Hierarchy.from_edges(pairs).relations()
    got = evaluate_reconstruction((keys, X), closure).as_dict()
    want = brute_force(keys, X, closure, closure)
    for f in FIELDS:
        assert got[f] == pytest.approx(want[f], abs=1e-9), f


@settings(max_examples=40, deadline=None)
@given(dag_and_vectors())
def test_symmetric_reconstruction_matches_brute_force(data):
    keys, X, pairs, _ = data
    both = pairs + [(b, a) for a, b in pairs]
    got = evaluate_reconstruction((keys, X), pairs, symmetric=True).as_dict()
    want = brute_force(keys, X, both, both)
    for f in FIELDS:
        assert got[f] == pytest.approx(want[f], abs=1e-9), f


@settings(max_examples=60, deadline=None)
@given(dag_and_vectors())
def test_link_prediction_matches_brute_force(data):
    from hypergensim.datasets import Hierarchy

    keys, X, pairs, rng = data
    closure = Hierarchy.from_edges(pairs).relations()
    mask = rng.random(len(closure)) < 0.3
    if not mask.any():
        mask[0] = True
    test = [p for p, m in zip(closure, mask) if m]
    train = [p for p, m in zip(closure, mask) if not m]
    got = evaluate_link_prediction((keys, X), train, test).as_dict()
    want = brute_force(keys, X, test, train + test)
    for f in FIELDS:
        assert got[f] == pytest.approx(want[f], abs=1e-9), f


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_and_near_boundary(dtype):
    rng = np.random.default_rng(1)
    n = 40
    X = rng.normal(size=(n, 3))
    X /= np.linalg.norm(X, axis=1)[:, None]
    X *= 1 - 1e-7 if dtype == np.float64 else 1 - 1e-6
    X[:5] *= 0.1
    X = X.astype(dtype)
    keys = [f"k{i}" for i in range(n)]
    pairs = [(f"k{i}", f"k{i % 5}") for i in range(5, n)]
    got = evaluate_reconstruction((keys, X), pairs).as_dict()
    want = brute_force(keys, X.astype(np.float64), pairs, pairs)
    for f in FIELDS:
        assert got[f] == pytest.approx(want[f], abs=1e-9), f
    assert np.isfinite(got["mean_rank"])


def test_agrees_with_gensim_after_offset(mammals, tmp_path):
    from gensim.models.poincare import LinkPredictionEvaluation, PoincareModel, ReconstructionEvaluation

    from hypergensim.datasets import nickel2017_split

    rel = mammals.to_tsv(tmp_path / "m.tsv")
    model = PoincareModel(mammals.relations(), size=5, negative=5, seed=0)
    model.train(epochs=2)
    ours = evaluate_reconstruction(model, mammals)
    theirs = ReconstructionEvaluation(str(rel), model.kv).evaluate()
    assert theirs["mean_rank"] == pytest.approx(ours.mean_rank + 1, abs=1e-9)
    assert theirs["MAP"] < ours.map
    split = nickel2017_split(mammals, test_fraction=0.1, seed=0)
    split.write(tmp_path / "s")
    ours_lp = evaluate_link_prediction(model, split.pairs("train"), split.pairs("test"))
    theirs_lp = LinkPredictionEvaluation(str(tmp_path / "s" / "train.tsv"), str(tmp_path / "s" / "test.tsv"),
                                         model.kv).evaluate()
    assert theirs_lp["mean_rank"] == pytest.approx(ours_lp.mean_rank + 1, abs=1e-9)


def test_sampled_mode_estimates_with_stderr(mammals):
    rng = np.random.default_rng(0)
    X = rng.uniform(-0.3, 0.3, (mammals.n_nodes, 5))
    full = evaluate_reconstruction((mammals.nodes, X), mammals)
    a = evaluate_reconstruction((mammals.nodes, X), mammals, sample=300, random_state=1)
    b = evaluate_reconstruction((mammals.nodes, X), mammals, sample=300, random_state=1)
    assert a.as_dict() | {"seconds": 0} == b.as_dict() | {"seconds": 0}
    assert a.sampled and a.n_queries == 300 and a.n_queries_total == full.n_queries
    assert 0 < a.mean_rank_stderr and 0 < a.map_stderr
    assert abs(a.mean_rank - full.mean_rank) < 5 * a.mean_rank_stderr
    assert abs(a.map - full.map) < 5 * a.map_stderr
    assert not full.sampled and full.mean_rank_stderr == 0


def test_sampled_queries_are_ranked_as_the_brute_force_ranks_them(mammals):
    """A sampled evaluation ranks exactly the sampled queries' pairs, each against every other node but the
    query's own relations: the brute force over those queries alone (every relation still filtered)."""
    from hypergensim.evaluation.tasks import _sample_queries

    X = np.random.default_rng(4).uniform(-0.3, 0.3, (mammals.n_nodes, 5))
    pairs = mammals.relations()
    index = {k: i for i, k in enumerate(mammals.nodes)}
    candidates = np.unique([index[a] for a, _ in pairs])
    chosen = {mammals.nodes[i] for i in _sample_queries(candidates, 150, 7)}
    got = evaluate_reconstruction((mammals.nodes, X), mammals, sample=150, random_state=7).as_dict()
    want = brute_force(mammals.nodes, X, [p for p in pairs if p[0] in chosen], pairs)
    assert want["n_queries"] == 150
    for f in FIELDS:
        assert got[f] == pytest.approx(want[f], abs=1e-9), f


def test_bad_inputs():
    keys = ["a", "b"]
    X = np.array([[0.1, 0.0], [0.0, 0.1]])
    with pytest.raises(InputError, match="2 nodes named in the relations have no vector.*x, y"):
        evaluate_reconstruction((keys, X), [("x", "y"), ("a", "b")])
    r = evaluate_reconstruction((keys, X), [("x", "y"), ("a", "b")], skip_missing=True)
    assert r.coverage == 0.5
    with pytest.raises(InputError, match="outside the open unit ball: b"):
        evaluate_reconstruction((keys, np.array([[0.1, 0.0], [1.0, 0.0]])), [("a", "b")])
    with pytest.raises(InputError, match="NaN or inf, e.g. a"):
        evaluate_reconstruction((keys, np.array([[np.nan, 0.0], [0.1, 0.0]])), [("a", "b")])
    with pytest.raises(InputError, match="relations are empty"):
        evaluate_reconstruction((keys, X), [])


def test_build_csr_sorts_and_deduplicates_like_unique_rows():
    """The integer-key CSR equals the one from np.unique(rows, axis=0), duplicates and unsorted input included."""
    from hypergensim.evaluation.ranking import build_csr

    rng = np.random.default_rng(3)
    n = 50
    rows = rng.integers(0, n, size=(2_000, 2))
    rows = np.concatenate([rows, rows[:300]])  # duplicates
    indptr, cols = build_csr(rows, n)
    expected = np.unique(rows, axis=0)
    np.testing.assert_array_equal(indptr, np.concatenate([[0], np.cumsum(np.bincount(expected[:, 0], minlength=n))]))
    np.testing.assert_array_equal(cols, expected[:, 1])
    empty_ptr, empty_cols = build_csr(np.zeros((0, 2), dtype=np.int64), 4)
    assert empty_ptr.tolist() == [0, 0, 0, 0, 0] and empty_cols.size == 0


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("quality", ["good", "poor"])
def test_both_counting_strategies_match_brute_force(quality, grouped, monkeypatch):
    """A good embedding takes the kernel's search path (few nodes closer than a positive), a poor one the
    counting path (nearly all of them): both must give the brute force's numbers, ties included, whether
    queries are ranked one at a time or sixteen together (the path of coordinates too large for the cache)."""
    from hypergensim.evaluation import ranking
    from hypergensim.numerics import STREAMED_QUERIES, STREAMED_SLICE

    if grouped:
        monkeypatch.setattr(ranking, "query_group", lambda xt_bytes: (STREAMED_QUERIES, STREAMED_SLICE))
    rng = np.random.default_rng(7)
    n_trees = 80
    keys, pairs, rows = [], [], []
    for t in range(n_trees):
        direction = rng.normal(size=4)
        direction /= np.linalg.norm(direction)
        names = [f"r{t}", f"a{t}", f"b{t}", f"c{t}"]
        keys += names
        pairs += [(names[1], names[0]), (names[2], names[1]), (names[2], names[0]), (names[3], names[1]),
                  (names[3], names[0])]
        rows += [direction * r for r in (0.3, 0.6, 0.62, 0.62)]
    X = np.array(rows) if quality == "good" else rng.uniform(-0.5, 0.5, (len(keys), 4))
    X[-1] = X[-2]  # an exact tie
    got = evaluate_reconstruction((keys, X), pairs).as_dict()
    want = brute_force(keys, X, pairs, pairs)
    for f in FIELDS:
        assert got[f] == pytest.approx(want[f], abs=1e-9), f
    assert got["mean_rank"] < 10 if quality == "good" else got["mean_rank"] > 30


@pytest.mark.parametrize("model", ["poincare", "lorentz", "euclidean", "translational"])
def test_grouped_queries_count_exactly_as_single_ones(model):
    """Ranking queries together over slices of the nodes gives the counts and keys of one query at a time, bit
    for bit: across a slice boundary (1,300 nodes, slices of 1,024), with a last group that is not full,
    queries without positives inside a group, and exact ties."""
    from hypergensim.evaluation.ranking import build_csr, rank_counts

    rng = np.random.default_rng(3)
    n, dim = 1_300, 6
    X = rng.uniform(-1, 1, (n, dim))
    X *= (rng.uniform(0, 0.97, n) / np.linalg.norm(X, axis=1))[:, None]
    X[rng.integers(n, size=40)] = X[rng.integers(n, size=40)]  # exact ties
    if model == "lorentz":
        X = np.column_stack([np.sqrt(1 + (X * X).sum(axis=1)), X])
    parents = rng.integers(0, n, size=(n, 3))
    rows = np.array([(c, p) for c in range(n) for p in parents[c] if p != c and c % 7 != 0])  # every 7th: none
    pos_ptr, pos_idx = build_csr(rows, n)
    queries = np.arange(n - 3)  # 1,297 queries: the last group of 16, 8 or 3 holds one
    q_ptr = pos_ptr[: n - 2] - pos_ptr[0]
    shift = rng.normal(size=X.shape[1]) * 0.1 if model == "translational" else None
    single = rank_counts(X, queries, q_ptr, pos_idx[: q_ptr[-1]], pos_ptr, pos_idx, model=model,
                         translation=shift, group=1)
    for group in (16, 8, 3):
        together = rank_counts(X, queries, q_ptr, pos_idx[: q_ptr[-1]], pos_ptr, pos_idx, model=model,
                               translation=shift, group=group)
        for a, b in zip(single, together):
            np.testing.assert_array_equal(a, b)
    assert single[0].sum() > 0


@pytest.mark.parametrize("group", [0, -1, 2.5, True])
def test_rank_counts_refuses_a_bad_group(group):
    from hypergensim.errors import ConfigError
    from hypergensim.evaluation.ranking import build_csr, rank_counts

    ptr, idx = build_csr(np.array([[1, 0]]), 2)
    with pytest.raises(ConfigError, match="group must be"):
        rank_counts(np.zeros((2, 2)), np.arange(2), ptr, idx, ptr, idx, group=group)


def _screened_data(quality: str, n: int, dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A random tree's closure and points at a screened dimension: children near their parents (``good``),
    anywhere (``poor``) or anywhere near the boundary (``boundary``: many keys within their bound of a
    positive's), with exact ties."""
    rows, parent = random_tree(n, seed)
    rng = np.random.default_rng(seed + 1)
    x = np.zeros((n, dim))
    for u in range(1, n):
        x[u] = x[parent[u]] * 0.9 + rng.normal(size=dim) * 0.03 if quality == "good" else rng.normal(size=dim)
    if quality != "good":
        norms = rng.uniform(0, 0.95, n) if quality == "poor" else 1 - 10.0 ** rng.uniform(-9, -2, n)
        x *= (norms / np.maximum(np.linalg.norm(x, axis=1), 1e-12))[:, None]
    x[rng.integers(1, n, size=n // 10)] = x[rng.integers(1, n, size=n // 10)]  # exact ties
    return rows, x


@pytest.mark.parametrize("quality", ["good", "poor", "boundary"])
@pytest.mark.parametrize("model", ["poincare", "euclidean", "translational"])
def test_screened_counts_are_the_direct_kernels(model, quality):
    """At a screened dimension the evaluator ranks from float32 products and their bound, with exact keys where
    the bound cannot decide: its counts and keys equal the direct kernel's, in reconstruction, in the symmetric
    setting (the root's hundreds of positives take the binary-search branch) and in link prediction's filtered
    sets, ties included."""
    from hypergensim.evaluation.ranking import build_csr, rank_counts
    from hypergensim.screening import SCREEN_MIN_DIM, screens

    n, dim = 900, SCREEN_MIN_DIM
    rows, x = _screened_data(quality, n, dim, 11)
    assert screens(dim, 0)
    shift = np.random.default_rng(12).normal(size=dim) * 0.1 if model == "translational" else None
    closure = build_csr(rows, n)
    both = build_csr(np.vstack([rows, rows[:, ::-1]]), n)
    test = build_csr(rows[np.random.default_rng(13).random(len(rows)) < 0.3], n)
    for positives, filtered in ((closure, closure), (both, both), (test, closure)):
        direct = rank_counts(x, np.arange(n), *positives, *filtered, model=model, translation=shift, group=16)
        screened = rank_counts(x, np.arange(n), *positives, *filtered, model=model, translation=shift)
        for a, b in zip(direct, screened):
            np.testing.assert_array_equal(a, b)
    assert np.diff(both[0]).max() > 32 and direct[0].sum() > 0


@pytest.mark.parametrize("quality", ["good", "poor", "boundary"])
def test_screened_evaluation_matches_brute_force(quality):
    from hypergensim.screening import SCREEN_MIN_DIM

    rows, x = _screened_data(quality, 120, SCREEN_MIN_DIM, 14)
    keys = [f"n{i}" for i in range(120)]
    pairs = [(keys[a], keys[b]) for a, b in rows]
    got = evaluate_reconstruction((keys, x), pairs).as_dict()
    want = brute_force(keys, x, pairs, pairs)
    for f in FIELDS:
        assert got[f] == pytest.approx(want[f], abs=1e-9), f


@pytest.mark.parametrize("dim", [6, 48])
@pytest.mark.parametrize("model", ["poincare", "lorentz", "euclidean", "translational"])
def test_positive_keys_are_each_pairs_ranking_key(model, dim):
    """The keys :func:`rank_counts` returns for AP's tied positives are the kernels' own, one per pair, for one
    query at a time, grouped queries and (from d = 48, but for Lorentz) screened keys: each is the pair's key
    (the squared distance's monotone form) as an independent NumPy formula gives it, to rounding."""
    from hypergensim.evaluation.ranking import build_csr, rank_counts
    from hypergensim.manifold import ranking_key

    rows, x = _screened_data("poor", 300, dim, 21)
    if model == "lorentz":
        x = np.column_stack([np.sqrt(1 + (x * x).sum(axis=1)), x])
    shift = np.random.default_rng(22).normal(size=x.shape[1]) * 0.1 if model == "translational" else None
    ptr, idx = build_csr(rows, len(x))
    u, w = x[np.repeat(np.arange(len(x)), np.diff(ptr))], x[idx]
    if model == "poincare":
        want = ranking_key(u, w)
    elif model == "lorentz":
        want = u[:, 0] * w[:, 0] - (u[:, 1:] * w[:, 1:]).sum(axis=1)
    else:
        want = ((w - u - (0 if shift is None else shift)) ** 2).sum(axis=1)
    for group in (1, 16, None):
        keys = rank_counts(x, np.arange(len(x)), ptr, idx, ptr, idx, model=model, translation=shift, group=group)[2]
        np.testing.assert_allclose(keys, want, rtol=1e-12, atol=0)
