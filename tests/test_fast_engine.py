"""Tests for hypergensim.training.fast: gensim's algorithm to 1e-10, determinism, threads, numerics."""

from __future__ import annotations

import re

import numpy as np
import pytest
from gensim.models.poincare import PoincareModel

from conftest import TOY_BASIC, assert_clean_error, run_cli
from hypergensim.errors import ConfigError
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.training import Callback, PoincareEmbedding
from hypergensim.training.fast import gensim_batch_update


@pytest.mark.parametrize("reg", [0.0, 1.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_update_equals_gensim(mammals, reg, seed):
    """Feed gensim's _train_on_batch and the kernel the same batch and negatives."""
    model = PoincareModel(mammals.relations(), size=5, negative=10, regularization_coeff=reg, seed=seed,
                          init_range=(-0.5, 0.5))
    model.kv.vectors *= 0.9 / np.maximum(1, np.linalg.norm(model.kv.vectors, axis=1))[:, None] * 1.5
    model.kv.vectors = PoincareModel._clip_vectors(model.kv.vectors, 1e-5)
    model.alpha = 0.3
    rng = np.random.default_rng(seed)
    for _ in range(5):
        batch = [model.all_relations[i] for i in rng.choice(len(model.all_relations), 10, replace=False)]
        negatives = model._sample_negatives_batch(u for u, _ in batch)
        ours = model.kv.vectors.copy()
        loss = gensim_batch_update(ours, batch, [list(n) for n in negatives], alpha=model.alpha,
                                   regularization_coeff=reg, epsilon=model.epsilon)
        before = model.kv.vectors.copy()
        gbatch = model._prepare_training_batch(batch, negatives)
        model._update_vectors_batch(gbatch)
        assert np.abs(model.kv.vectors - before).max() > 1e-6  # the batch really moved something
        np.testing.assert_allclose(ours, model.kv.vectors, rtol=0, atol=1e-10)
        assert loss == pytest.approx(gbatch.loss, rel=1e-10)


def test_batch_update_handles_u_drawn_as_negative_like_gensim(toy):
    model = PoincareModel(toy.relations(), size=3, negative=2, seed=0, init_range=(-0.3, 0.3))
    u, v = model.all_relations[0]
    others = [w for w in range(len(model.kv)) if w not in model.node_relations[u] and w != u]
    batch, negatives = [(u, v)], [[u, others[0]]]  # u itself as a negative: zero gradient in gensim
    ours = model.kv.vectors.copy()
    gensim_batch_update(ours, batch, negatives, alpha=0.1, regularization_coeff=1.0, epsilon=1e-5)
    gbatch = model._prepare_training_batch(batch, negatives)
    model._update_vectors_batch(gbatch)
    np.testing.assert_allclose(ours, model.kv.vectors, rtol=0, atol=1e-10)


@pytest.mark.parametrize("objective", ["gensim", "nickel2017"])
def test_loss_decreases_on_toy(objective):
    # one thread, so the run is exactly repeatable: with two Hogwild threads on 14 nodes, about 1 run in 300 left
    # puppy nearest the centre of all (CI, session 43), and gensim's closest_parent rightly said None
    est = PoincareEmbedding(dim=2, negative=2, epochs=40, engine="fast", objective=objective, alpha=0.1,
                            verbose=0, burn_in=0, workers=1, random_state=0).fit(TOY_BASIC)
    first, last = np.mean(est.loss_history_[:5]), np.mean(est.loss_history_[-5:])
    assert last < 0.8 * first
    # still a gensim model: gensim queries work, and find puppy's parent
    assert est.model_.kv.closest_parent("puppy") == "dog"


def test_mammals_quality_short_run(mammals):
    est = PoincareEmbedding.from_preset("nickel2017", epochs=60, verbose=0).fit(mammals)
    r = evaluate_reconstruction(est, mammals)
    assert r.mean_rank < 2.5 and r.map > 0.75


def test_workers_one_is_deterministic(mammals):
    kw = {"dim": 5, "epochs": 5, "engine": "fast", "objective": "nickel2017", "workers": 1, "verbose": 0,
          "random_state": 3}
    a = PoincareEmbedding(**kw).fit(mammals)
    b = PoincareEmbedding(**kw).fit(mammals)
    np.testing.assert_array_equal(a.kv_.vectors, b.kv_.vectors)
    c = PoincareEmbedding(**{**kw, "random_state": 4}).fit(mammals)
    assert not np.array_equal(a.kv_.vectors, c.kv_.vectors)


@pytest.mark.parametrize("objective", ["gensim", "nickel2017"])
def test_threads_corrupt_nothing(mammals, objective):
    est = PoincareEmbedding(dim=10, epochs=20, engine="fast", objective=objective, workers=2, alpha=1.0,
                            verbose=0).fit(mammals)
    v = est.kv_.vectors
    assert np.isfinite(v).all() and (np.linalg.norm(v, axis=1) < 1).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_no_nan_at_lr_10_from_the_boundary(mammals, dtype):
    est = PoincareEmbedding(dim=5, epochs=1, engine="fast", objective="nickel2017", alpha=10.0, burn_in=0,
                            verbose=0, dtype=dtype)
    est.fit(mammals)
    rng = np.random.default_rng(0)
    x = rng.normal(size=est.kv_.vectors.shape)
    est.kv_.vectors[:] = (x / np.linalg.norm(x, axis=1)[:, None] * (1 - 1e-5)).astype(dtype)
    for epoch in range(2, 6):
        est._one_epoch(epoch, len(est.model_.all_relations))
    v = est.kv_.vectors
    assert np.isfinite(v).all() and (np.linalg.norm(v.astype(np.float64), axis=1) < 1).all()


def test_resume_fast_equals_uninterrupted(tmp_path):
    kw = {"dim": 3, "negative": 2, "burn_in": 2, "engine": "fast", "objective": "nickel2017", "workers": 1,
          "verbose": 0, "random_state": 9, "alpha": 0.1, "radius_warmup": 0}  # no schedule tied to the epochs
    full = PoincareEmbedding(epochs=6, **kw).fit(TOY_BASIC)
    PoincareEmbedding(epochs=4, **kw).fit(TOY_BASIC, run_dir=tmp_path / "run", checkpoint_every=2)
    resumed = PoincareEmbedding.resume(tmp_path / "run", epochs=6, verbose=0)
    np.testing.assert_array_equal(resumed.kv_.vectors, full.kv_.vectors)


def test_objective_needs_fast_engine():
    with pytest.raises(ConfigError, match="needs engine='fast'"):
        PoincareEmbedding(engine="gensim", objective="nickel2017", verbose=0).fit(TOY_BASIC)


def test_nouns_preset_keeps_improving_in_a_short_run():
    """The shortened CI version of the recorded nouns run (evaluation/results/nouns-d10/): its preset, 30 of 500 epochs.

    Mean rank and MAP must improve at every evaluation while the radius bound is still opening.
    """
    from hypergensim.datasets import load_hierarchy
    from hypergensim.training import EvaluateEvery, PoincareEmbedding

    nouns = load_hierarchy("nouns")
    est = PoincareEmbedding.from_preset("nickel2017-warmup", epochs=30, verbose=0,
                                        callbacks=[EvaluateEvery(10, sample=1000, random_state=0)])
    est.fit(nouns)
    curve = [(h["mean_rank"], h["map"]) for h in est.history_ if h.get("mean_rank") is not None]
    assert len(curve) == 3
    ranks, maps = zip(*curve)
    assert ranks[0] > ranks[1] > ranks[2], curve
    assert maps[0] < maps[1] < maps[2], curve
    assert est.loss_history_[-1] < est.loss_history_[0]
    norms = np.linalg.norm(est.kv_.vectors, axis=1)
    assert np.isfinite(norms).all() and norms.max() < 0.9  # epoch 30's radius bound (2.74) is norm 0.88


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("leaves", [3, 1023, 1025, 2049, 5001])
def test_an_epoch_visits_every_relation_exactly_once(leaves, workers):
    """Shuffled blocks cover the relations exactly once, whatever the block and shard remainders.

    A star whose leaves all sit at one point and whose root sits at the origin gives every relation the same loss
    whichever negatives are drawn (every negative is at distance 0 from u), so at lr 0 an epoch's summed loss is
    that loss times the number of visits.
    """
    star = [(f"leaf{i}", "root") for i in range(leaves)]
    est = PoincareEmbedding(dim=3, epochs=1, burn_in=0, negative=2, engine="fast", objective="nickel2017",
                            workers=workers, verbose=0).fit(star)
    vectors = est.kv_.vectors
    vectors[:] = [0.3, -0.2, 0.1]
    vectors[est.kv_.key_to_index["root"]] = 0.0
    d0 = float(est.kv_.distance("leaf0", "root"))
    per_relation = np.log(np.exp(-d0) + 2.0) + d0
    loss, seen = est._fast.run_epoch(7, lr=0.0, burn_in=False)
    assert seen == leaves
    assert loss == pytest.approx(leaves * per_relation, rel=1e-12)


@pytest.mark.parametrize("weights", [[1.0, 1.0, 1.0, 1.0], [5.0, 1.0, 0.0, 2.0, 0.5], [1e-9, 3.0, 3.0], [7.0]])
def test_alias_table_reproduces_the_weights_exactly(weights):
    """Each outcome's probability under (prob, alias) is exactly weights / sum (to rounding)."""
    from hypergensim.training.fast import alias_table

    w = np.asarray(weights, dtype=np.float64)
    prob, alias = alias_table(w)
    n = len(w)
    implied = prob / n
    np.add.at(implied, alias, (1.0 - prob) / n)
    np.testing.assert_allclose(implied, w / w.sum(), rtol=0, atol=1e-12)


def test_negative_draws_follow_counts_and_uniform():
    """The compiled draw (one random number per draw) matches the target distribution: chi-square on 200k draws."""
    from scipy.stats import chisquare

    from hypergensim.training.fast import _draw, alias_table

    counts = np.array([1, 2, 3, 50, 4, 10, 1, 1, 100, 7], dtype=np.float64)
    state = np.array([12345], dtype=np.uint64)
    for prob, alias, expected in [(*alias_table(counts), counts / counts.sum()),
                                  (np.empty(0), np.empty(0, dtype=np.int64), np.full(10, 0.1))]:
        draws = np.array([_draw(state, 10, prob, alias) for _ in range(200_000)])
        observed = np.bincount(draws, minlength=10)
        assert chisquare(observed, expected * len(draws)).pvalue > 1e-4


WARMUP = {"engine": "fast", "objective": "nickel2017", "radius_start": 1.5, "radius_warmup": 6}


@pytest.mark.parametrize("params, message", [
    ({"radius_start": 2.0, "radius_warmup": 5, "objective": "gensim"}, "needs objective='nickel2017'"),
    ({**WARMUP, "radius_warmup": 0}, "radius_warmup >= 1"),
    ({**WARMUP, "objective": "gensim", "engine": "gensim", "radius_start": None}, "radius_warmup needs radius_start"),
    ({**WARMUP, "radius_start": 13.0}, r"radius_start must be a number in \(0, 12.21\)"),
    ({**WARMUP, "radius_start": -1.0}, r"radius_start must be a finite number > 0 \(or None: chosen by the schedule\), "
                                        "got -1.0"),
    ({**WARMUP, "radius_warmup": 2.5}, "radius_warmup must be an integer"),
])
def test_radius_warmup_rejects_what_it_cannot_do(params, message):
    with pytest.raises(ConfigError, match=message):
        PoincareEmbedding(verbose=0, **params).fit(TOY_BASIC)


def test_radius_warmup_schedule_grows_to_the_boundary():
    from hypergensim.manifold import boundary_radius, epsilon_for_radius

    est = PoincareEmbedding(**WARMUP)
    eps = [est.epsilon_at(e) for e in range(1, 10)]
    assert eps[0] == pytest.approx(epsilon_for_radius(1.5))
    assert all(a > b for a, b in zip(eps[:6], eps[1:7]))  # strictly growing radius during the warm-up
    assert eps[6:] == [est.epsilon] * 3  # epoch 7 on: the ordinary boundary
    radii = [boundary_radius(e) for e in eps[:7]]
    np.testing.assert_allclose(np.diff(radii), (boundary_radius(1e-5) - 1.5) / 6)  # linear in radius
    assert PoincareEmbedding(engine="fast", objective="nickel2017", radius_warmup=0).epsilon_at(1) == 1e-5  # none


def test_radius_warmup_bounds_every_vector_at_every_epoch(mammals):
    """The invariant the warm-up promises, checked after burn-in and every epoch: no vector beyond the bound."""
    from hypergensim.manifold import boundary_radius
    from hypergensim.training import Callback

    seen = []

    class Check(Callback):
        def on_epoch_end(self, est, logs):
            radius = 2 * np.arctanh(np.linalg.norm(est.kv_.vectors, axis=1).max())
            seen.append((logs["epoch"], radius, boundary_radius(est.epsilon_at(logs["epoch"]))))

    PoincareEmbedding(dim=5, epochs=8, alpha=1.0, workers=2, verbose=0, callbacks=[Check()], **WARMUP).fit(mammals)
    assert len(seen) == 8
    for epoch, radius, bound in seen:
        assert radius <= bound + 1e-6, (epoch, radius, bound)
    assert seen[0][1] > 0.9 * seen[0][2]  # lr 1.0 really pushes nodes against the bound (the check can fail)


def test_resume_in_the_middle_of_a_radius_warmup_equals_uninterrupted(tmp_path):
    kw = {"dim": 3, "negative": 2, "burn_in": 2, "verbose": 0, "random_state": 5, "workers": 1, **WARMUP}
    full = PoincareEmbedding(epochs=8, **kw).fit(TOY_BASIC)
    PoincareEmbedding(epochs=3, **kw).fit(TOY_BASIC, run_dir=tmp_path / "run", checkpoint_every=3)
    resumed = PoincareEmbedding.resume(tmp_path / "run", epochs=8, verbose=0)
    np.testing.assert_array_equal(resumed.kv_.vectors, full.kv_.vectors)


def test_resume_between_two_minings_of_violators_equals_uninterrupted(tmp_path, mammals):
    # mammals: violators mined every 10 epochs; hard negatives from epoch 7 (after the warm-up), so minings at
    # 7 and 17; the checkpoint at 12 carries the table mined at 7, which the resumed run must draw from
    kw = {"dim": 3, "negative": 4, "burn_in": 2, "verbose": 0, "random_state": 5, "workers": 1, "alpha": 0.3,
          "alpha_final": 0.1, "hard_negatives": 1, **WARMUP}
    full = PoincareEmbedding(epochs=20, **kw).fit(mammals)
    assert full._fast.violators_epoch == 17
    PoincareEmbedding(epochs=20, callbacks=[_StopAt(12)], **kw).fit(mammals, run_dir=tmp_path / "run",
                                                                   checkpoint_every=4)
    resumed = PoincareEmbedding.resume(tmp_path / "run", verbose=0)
    np.testing.assert_array_equal(resumed.kv_.vectors, full.kv_.vectors)


class _StopAt(Callback):
    """Stops a fit after epoch ``epoch`` (as a crash would, after its last checkpoint)."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, est, logs):
        if logs["epoch"] >= self.epoch:
            est.stop_training_ = True


def test_a_corrupt_table_of_violators_in_a_checkpoint_is_refused(mammals):
    from gensim.models.poincare import PoincareModel

    from hypergensim.training.fast import FastTrainer

    model = PoincareModel(mammals.relations()[:200], size=3, negative=4)
    trainer = FastTrainer(model, objective="nickel2017", workers=1, random_state=0, max_hard_negatives=1)
    n = len(model.kv)
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = 1
    for bad_ptr, bad_idx in [(ptr[:-1], np.array([3])), (ptr, np.array([n])), (ptr, np.array([-1])),
                             (ptr[::-1].copy(), np.array([3])), (ptr, np.array([1, 2]))]:
        with pytest.raises(ConfigError, match="violators"):
            trainer.load_violators(bad_ptr, bad_idx, 7)
    trainer.load_violators(ptr, np.array([3]), 7)
    assert trainer.violators_epoch == 7


@pytest.mark.parametrize("damage", ["out of range", "missing"])
def test_resuming_from_a_checkpoint_with_a_damaged_table_of_violators_fails_in_one_line(tmp_path, damage):
    from hypergensim._atomic import atomic_save_npz
    from hypergensim.rundir import RunDir

    out = tmp_path / "run"
    r = run_cli("train", "mammals", "--dim", "3", "--epochs", "20", "--hard-negatives", "1", "--radius-warmup", "4",
                "--checkpoint-every", "20", "--out", out, "--quiet")
    assert r.returncode == 0, r.stderr
    run = RunDir(out)
    state = run.read_state()
    if damage == "missing":
        del state["violators_idx"]
    else:
        state["violators_idx"] = state["violators_idx"] + 10**6  # node ids past the end: unchecked reads
    atomic_save_npz(run.state_path, **state)
    before = run.state_path.read_bytes()
    assert_clean_error(run_cli("train", "--resume", out, "--epochs", "30", "--quiet"), str(run.state_path),
                       "cannot resume from this checkpoint", "violators")
    assert run.state_path.read_bytes() == before  # nothing written over it


def _csr(pairs, n):
    """``(ptr, idx)`` of sorted ``pairs`` grouped by their first element (a node's ancestors)."""
    pairs = sorted(pairs)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount([p[0] for p in pairs], minlength=n), out=ptr[1:])
    return ptr, np.array([p[1] for p in pairs], dtype=np.int64)


def _prepare(us, vs, negative, pos, n, *, pool, seed=7, hard=0, points=None, violators=None):
    """Run the kernel's batch preparation once (Poincaré); returns the negatives drawn for each relation and the
    pool.  ``violators``: ``{u: [w, ...]}``, the table hard negatives are drawn from."""
    from hypergensim.training.fast import _NICKEL, _VIOLATOR_TRIES, _prepare_batch
    from hypergensim.training.violators import VIOLATOR_DTYPE

    pos_ptr, pos_idx = _csr(pos, n)
    hard_ptr, hard_idx = _csr({(u, w) for u, ws in (violators or {}).items() for w in ws}, n)
    negs = np.full((len(us), negative), -1, dtype=np.int64)
    buffer = np.empty(pool, dtype=np.int64)
    candidates = np.empty((len(us), hard * _VIOLATOR_TRIES), dtype=np.int64)
    _prepare_batch(np.array([seed], dtype=np.uint64), np.zeros((n, 3)) if points is None else points,
                   np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64), 0, len(us), negs, np.empty(0),
                   np.empty(0, dtype=np.int64), pos_ptr, pos_idx, _NICKEL, buffer, hard_ptr,
                   hard_idx.astype(VIOLATOR_DTYPE), hard, candidates, 0, np.empty(0))
    return negs, buffer


def test_batch_negatives_come_from_the_pool_except_each_relations_own_positives():
    # 40 nodes; relations (0, 1), (20, 21), (30, 31); node 0's positives are 1..9, so its pool draws are often excluded
    pos = {(0, w) for w in range(1, 10)} | {(20, 21), (30, 31)}
    us, vs = [0, 20, 30], [1, 21, 31]
    excluded = [set(range(10)), {20, 21}, {30, 31}]
    outside_pool = [0, 0, 0]
    for seed in range(60):
        negs, pool = _prepare(us, vs, 4, pos, 40, pool=12, seed=seed)
        for r in range(3):
            assert all(0 <= w < 40 and w not in excluded[r] for w in negs[r])
            # a negative from outside the pool is only ever a replacement of an excluded pool draw
            outside_pool[r] += sum(w not in set(pool) for w in negs[r])
        allowed_everywhere = [w for w in pool if not any(w in e for e in excluded)]
        if len(allowed_everywhere) == len(pool):  # nothing to replace: every negative is a pool member
            assert set(negs.ravel()) <= set(pool)
    assert outside_pool[0] > 0  # node 0's replacements ran
    assert outside_pool[0] > outside_pool[1] + outside_pool[2]  # and the other two rarely needed one


def test_batch_negatives_draw_from_a_small_pool_on_a_large_hierarchy():
    n = 1000
    pos = {(u, u + 1) for u in range(0, 20, 2)}
    us, vs = list(range(0, 20, 2)), list(range(1, 21, 2))
    negs, pool = _prepare(us, vs, 10, pos, n, pool=30)
    assert np.isin(negs, pool).mean() > 0.95  # a draw is replaced only when it is one of 20 excluded nodes
    per_relation, _ = _prepare(us, vs, 10, pos, n, pool=0)
    assert len(np.unique(negs)) <= 30 + 5 < 50 < len(np.unique(per_relation))  # 100 draws from 1,000 nodes


def test_batch_negatives_train_as_well_and_stay_deterministic(mammals):
    kw = {"dim": 5, "epochs": 60, "engine": "fast", "objective": "nickel2017", "workers": 1, "verbose": 0,
          "random_state": 3}
    a = PoincareEmbedding(negative_sampling="batch", **kw).fit(mammals)
    b = PoincareEmbedding(negative_sampling="batch", **kw).fit(mammals)
    np.testing.assert_array_equal(a.kv_.vectors, b.kv_.vectors)
    per_relation = PoincareEmbedding(**kw).fit(mammals)
    assert not np.array_equal(a.kv_.vectors, per_relation.kv_.vectors)
    shared, own = evaluate_reconstruction(a, mammals), evaluate_reconstruction(per_relation, mammals)
    assert shared.map > own.map - 0.05 and shared.mean_rank < own.mean_rank + 0.5  # nouns d=10: 0.882 vs 0.90


@pytest.mark.parametrize("params", [{"engine": "gensim"}, {"objective": "gensim"}])
def test_batch_negatives_need_the_papers_objective(params):
    with pytest.raises(ConfigError, match="negative_sampling='batch' needs engine='fast' and objective='nickel2017'"):
        PoincareEmbedding(negative_sampling="batch", verbose=0, **params).fit(TOY_BASIC)


def _closure_of_parents(parent):
    """The closure ``{(node, ancestor)}`` of a forest given by each node's parent (-1 for a root)."""
    out = set()
    for u in range(len(parent)):
        a = parent[u]
        while a >= 0:
            out.add((u, a))
            a = parent[a]
    return out


def test_hard_negatives_are_violators_closer_than_the_positive_or_uniform_draws():
    # node 0 the root at the origin's far side, 1..4 its children; node 1 also has child 5 (so 0 and 1 are 5's
    # ancestors); 6..39 unrelated, far away. Node 5's violators: 2 (nearer 5 than 1 is) and 3 (nearer than 0 only)
    pos = {(c, 0) for c in range(1, 5)} | {(5, 1), (5, 0)}
    points = np.zeros((40, 3))
    points[0] = [-0.6, 0, 0]
    points[1] = [0.5, 0, 0]
    points[5] = [0.6, 0, 0]
    points[2] = [0.6, 0.03, 0]   # d(5, 2) < d(5, 1)
    points[3] = [0.6, -0.4, 0]   # d(5, 1) < d(5, 3) < d(5, 0)
    points[4] = [0.3, 0.3, 0]
    points[6:, 0] = -0.95
    table = {5: [2, 3]}
    drawn = {1: [], 0: []}
    for seed in range(40):
        negs, _ = _prepare([5, 5], [1, 0], 3, pos, 40, pool=0, seed=seed, hard=2, points=points, violators=table)
        for r, v in enumerate((1, 0)):
            assert all(w not in (5, 1, 0) for w in negs[r])  # every slot is a negative of 5
            drawn[v] += negs[r, :2].tolist()
    # for 5 -> 1 only 2 is closer than 1: drawn in 1 - (1/2)^4 of the slots; 3 never (it is farther than 1)
    assert 3 not in drawn[1] and drawn[1].count(2) > 0.85 * len(drawn[1])
    # for 5 -> 0 both are closer than 0: drawn every time, about evenly
    assert set(drawn[0]) == {2, 3} and abs(drawn[0].count(2) - drawn[0].count(3)) < 0.3 * len(drawn[0])


def test_hard_negatives_fall_back_to_uniform_draws_without_violators():
    # a chain 0 <- 1 <- 2 <- 3 and 30 unrelated nodes; an empty table: every slot is a uniform draw
    parent = [-1, 0, 1, 2] + [-1] * 30
    pos = _closure_of_parents(parent)
    for seed in range(20):
        negs, _ = _prepare([3, 3, 2], [2, 0, 0], 3, pos, 34, pool=0, seed=seed, hard=3)
        assert (negs[:2] >= 4).all()  # neither 3 nor its ancestors
        assert not set(negs[2]) & {0, 1, 2}  # 2's descendant 3 is a negative of 2


def test_without_hard_negatives_the_random_stream_is_unchanged(mammals):
    kw = {"dim": 5, "epochs": 6, "engine": "fast", "objective": "nickel2017", "workers": 1, "verbose": 0,
          "random_state": 3, "radius_start": 2.0, "radius_warmup": 4}
    plain = PoincareEmbedding(hard_negatives=0, **kw).fit(mammals)
    # hard negatives start after the warm-up: the first four epochs are the same draws as without them
    early = PoincareEmbedding(hard_negatives=2, **{**kw, "epochs": 4}).fit(mammals)
    np.testing.assert_array_equal(early.kv_.vectors, PoincareEmbedding(hard_negatives=0, **{**kw, "epochs": 4})
                                  .fit(mammals).kv_.vectors)
    a = PoincareEmbedding(hard_negatives=2, **kw).fit(mammals)
    b = PoincareEmbedding(hard_negatives=2, **kw).fit(mammals)
    np.testing.assert_array_equal(a.kv_.vectors, b.kv_.vectors)  # deterministic at workers=1
    assert not np.array_equal(a.kv_.vectors, plain.kv_.vectors)


def test_hard_negatives_raise_map_on_a_binary_tree():
    from hypergensim.datasets import load_hierarchy

    rel = load_hierarchy("generated:balanced-b2:4000").relations()
    kw = {"dim": 5, "epochs": 100, "workers": 1, "verbose": 0, "random_state": 0}
    without = evaluate_reconstruction(PoincareEmbedding(hard_negatives=0, **kw).fit(rel), rel)
    with_violators = evaluate_reconstruction(PoincareEmbedding(hard_negatives=1, **kw).fit(rel), rel)
    # measured: MAP 0.948 -> 0.978, mean rank 1.55 -> 1.41 (cousins, before: 0.963, 1.58); 20,000 nodes at
    # d=10: 0.942 -> 0.961
    assert with_violators.map > without.map + 0.01, (with_violators.map, without.map)
    assert with_violators.mean_rank < without.mean_rank


@pytest.mark.parametrize("params, message", [
    ({"engine": "gensim"}, "hard_negatives=1 needs engine='fast', objective='nickel2017'"),
    ({"objective": "gensim"}, "hard_negatives=1 needs engine='fast', objective='nickel2017'"),
    ({"negative_sampling": "batch"}, "negative_sampling='relation'"),
    ({"hard_negatives": 3, "negative": 2}, "hard_negatives=3 is more than negative=2"),
    ({"hard_negatives": -1}, "hard_negatives must be"),
])
def test_hard_negatives_reject_what_they_cannot_do(params, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        PoincareEmbedding(**{"hard_negatives": 1, "verbose": 0, **params}).fit(TOY_BASIC)


def test_the_trainer_refuses_more_hard_negatives_than_it_was_built_for(mammals):
    from gensim.models.poincare import PoincareModel

    from hypergensim.training.fast import FastTrainer

    model = PoincareModel(mammals.relations()[:200], size=3, negative=4)
    trainer = FastTrainer(model, objective="nickel2017", workers=1, random_state=0, max_hard_negatives=1)
    assert trainer.violators_epoch is None and trainer.violators_every == 10
    trainer.run_epoch(1, lr=0.1, burn_in=False, hard_negatives=1)
    assert trainer.violators_epoch == 1  # mined at the first epoch with hard negatives...
    trainer.run_epoch(5, lr=0.1, burn_in=False, hard_negatives=1)
    assert trainer.violators_epoch == 1
    trainer.run_epoch(11, lr=0.1, burn_in=False, hard_negatives=1)
    assert trainer.violators_epoch == 11  # ...and again violators_every epochs later
    with pytest.raises(ConfigError, match="at most 1"):
        trainer.run_epoch(2, lr=0.1, burn_in=False, hard_negatives=2)
    with pytest.raises(ConfigError, match="none during burn-in"):
        trainer.run_epoch(3, lr=0.1, burn_in=True, hard_negatives=1)


def test_a_margin_per_node_bounds_each_node_and_zero_margins_change_nothing(mammals):
    from gensim.models.poincare import PoincareModel

    from hypergensim.manifold import boundary_radius
    from hypergensim.training.fast import FastTrainer

    def trained(node_epsilon):
        model = PoincareModel(mammals.relations()[:400], size=3, negative=4, seed=1)
        trainer = FastTrainer(model, objective="nickel2017", workers=1, random_state=0)
        if node_epsilon is not None:
            trainer.set_node_epsilon(node_epsilon(len(model.kv)))
        for epoch in range(1, 6):
            trainer.run_epoch(epoch, lr=1.0, burn_in=False, epsilon=1e-5)
        return model.kv.vectors

    free = trained(None)
    np.testing.assert_array_equal(trained(np.zeros), free)  # bit for bit: the larger of 1e-5 and 0
    margins = lambda n: np.where(np.arange(n) % 2 == 0, 0.2, 0.0)  # noqa: E731  even rows within radius 2.2
    capped = trained(margins)
    norms = np.linalg.norm(capped, axis=1)
    assert (norms[::2] <= 0.8 + 1e-12).all() and (np.linalg.norm(free, axis=1)[::2] > 0.8).any()
    assert boundary_radius(0.2) == pytest.approx(2.1972, abs=1e-4)


def test_a_margin_per_node_is_refused_where_it_cannot_apply(mammals):
    from gensim.models.poincare import PoincareModel

    from hypergensim.training.fast import FastTrainer

    model = PoincareModel(mammals.relations()[:200], size=3, negative=4)
    n = len(model.kv)
    trainer = FastTrainer(model, objective="nickel2017", workers=1, random_state=0)
    for bad in (np.zeros(n - 1), np.full(n, 1.0), np.full(n, -0.1), np.full(n, np.nan), np.zeros((n, 1))):
        with pytest.raises(ConfigError, match="one margin in"):
            trainer.set_node_epsilon(bad)
    for kw in ({"objective": "gensim"}, {"objective": "nickel2017", "geometry": "lorentz"}):
        other = FastTrainer(model, workers=1, random_state=0, **kw)
        with pytest.raises(ConfigError, match="Poincaré ball's projection"):
            other.set_node_epsilon(np.zeros(n))


@pytest.mark.parametrize("model", ["poincare", "lorentz", "euclidean", "translational"])
def test_compiling_the_kernel_trains_nothing(toy, model):
    """FastTrainer.compile runs the epoch kernel over no block: every point stays bit for bit as it was."""
    from hypergensim.training.fast import FastTrainer
    from hypergensim.training.gensim_internals import build_poincare_model

    trained = build_poincare_model(toy.relations(), size=3, negative=2, seed=0)
    trainer = FastTrainer(trained, objective="nickel2017", workers=2, random_state=0, geometry=model,
                          max_hard_negatives=1)
    before, ball = trainer.points.copy(), trained.kv.vectors.copy()
    assert trainer.compile() >= 0.0
    np.testing.assert_array_equal(trainer.points, before)
    np.testing.assert_array_equal(trained.kv.vectors, ball)


def test_the_kernels_build_is_not_charged_to_the_time_budget(toy, monkeypatch):
    """A first run on a machine spends about 20 s in numba's build of the epoch kernel; the budget starts after
    it (a build of 2 s against a budget of 1 s still trains)."""
    import time

    import hypergensim.training.fast as fast

    kernel, calls = fast._epoch, []

    def first_call_builds(*args):  # what numba's first call of the kernel costs, shortened
        if not calls:
            time.sleep(2.0)
        calls.append(1)
        return kernel(*args)

    monkeypatch.setattr(fast, "_epoch", first_call_builds)
    est = PoincareEmbedding(dim=2, negative=2, burn_in=0, time_budget=1.0, verbose=0, random_state=0).fit(toy)
    assert est.n_epochs_trained_ >= 20 and len(calls) == est.n_epochs_trained_ + 1  # the build, then the epochs


def test_the_miners_and_the_evaluations_kernels_are_built_before_the_budget_starts(toy, monkeypatch):
    """On a cold cache the miner's and the ranking kernels' first calls build them (12 s and more): a mammals run
    with a 30 s budget lost its last 456 epochs to them.  Both are now called on a few points before the first
    epoch, with the training kernel; without a budget no evaluation is built early, and without violators no
    miner."""
    import hypergensim.evaluation as evaluation
    import hypergensim.training.fast as fast

    events: list[tuple[str, int]] = []
    kernel, miner, evaluate = fast._epoch, fast.mine_violators, evaluation.evaluate_reconstruction
    monkeypatch.setattr(fast, "_epoch", lambda *a: events.append(("epoch", len(a[3]))) or kernel(*a))
    monkeypatch.setattr(fast, "mine_violators", lambda points, *a, **k: events.append(("mine", len(points)))
                        or miner(points, *a, **k))
    monkeypatch.setattr(evaluation, "evaluate_reconstruction",
                        lambda emb, rel, **k: events.append(("evaluate", len(rel))) or evaluate(emb, rel, **k))
    PoincareEmbedding(dim=2, negative=2, burn_in=0, epochs=2, hard_negatives=1, time_budget=60, verbose=0,
                      random_state=0).fit(toy)
    assert events[:3] == [("epoch", 0), ("mine", 4), ("evaluate", 3)] and events[3][0] == "epoch" and events[3][1]
    events.clear()
    PoincareEmbedding(dim=2, negative=2, burn_in=0, epochs=2, hard_negatives=0, verbose=0, random_state=0).fit(toy)
    assert ("mine", 4) not in events and ("evaluate", 3) not in events


def test_a_long_kernel_build_is_announced_while_it_runs(toy, monkeypatch, caplog):
    """A first run's silent minute: once the build has taken COMPILE_NOTE_SECONDS, a line says what is happening,
    before the line that says how long it took; a quick (cached) build says nothing."""
    import logging
    import time

    import hypergensim.training.estimator as estimator
    import hypergensim.training.fast as fast

    kernel, calls = fast._epoch, []

    def first_call_builds(*args):
        if not calls:
            time.sleep(0.6)
        calls.append(1)
        return kernel(*args)

    monkeypatch.setattr(estimator, "COMPILE_NOTE_SECONDS", 0.2)
    caplog.set_level(logging.INFO, logger="hypergensim")
    PoincareEmbedding(dim=2, negative=2, burn_in=0, epochs=1, verbose=1, random_state=0).fit(toy)
    assert not any("kernel" in m for m in caplog.messages)  # built already: no word
    monkeypatch.setattr(fast, "_epoch", first_call_builds)
    PoincareEmbedding(dim=2, negative=2, burn_in=0, epochs=1, verbose=1, random_state=0).fit(toy)
    kernel_lines = [m for m in caplog.messages if "kernel" in m]
    assert kernel_lines[0].startswith("building the training kernels with numba: about half a minute")
    assert kernel_lines[1].startswith("compiled the training kernels in 1 s")
