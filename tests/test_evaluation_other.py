"""Tests for entailment (HyperLex format), F1 on ganea2018 splits, and diagnostics."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from hypergensim.errors import InputError
from hypergensim.evaluation.classification import best_threshold, evaluate_f1
from hypergensim.evaluation.diagnostics import diagnose
from hypergensim.evaluation.entailment import entailment_score, evaluate_entailment, read_hyperlex
from hypergensim.manifold import poincare_distance

HYPERLEX = """WORD1 WORD2 POS TYPE AVG_SCORE AVG_SCORE_0_10 STD SCORES..
dog animal N hyp-2 5.6 9.3 0.5 6 6 5
animal dog N rhyp-2 0.6 1.0 0.5 1 0 1
cat animal N hyp-2 5.4 9.0 0.5 5 6 5
dog cat N cohyp 0.9 1.5 0.3 1 1 1
puppy dog N hyp-1 5.5 9.2 0.4 6 5 6
unicorn animal N hyp-1 2.0 3.3 1.1 2 3 1
"""


@pytest.fixture
def senses():
    keys = ["animal.n.01", "dog.n.01", "dog.n.03", "cat.n.01", "puppy.n.01"]
    X = np.array([[0.0, 0.05], [0.5, 0.1], [-0.8, -0.5], [0.1, 0.5], [0.85, 0.2]])
    return keys, X


def test_read_hyperlex(tmp_path):
    p = tmp_path / "hl.txt"
    p.write_text(HYPERLEX)
    rows = read_hyperlex(p)
    assert rows[0] == ("dog", "animal", 5.6) and len(rows) == 6


def test_entailment_matches_hand_computation(tmp_path, senses):
    keys, X = senses
    p = tmp_path / "hl.txt"
    p.write_text(HYPERLEX)
    r = evaluate_entailment((keys, X), p)
    # by hand: the dog sense closest to 'animal' is dog.n.01 (row 1)
    idx = {k: i for i, k in enumerate(keys)}
    assert poincare_distance(X[1], X[0]) < poincare_distance(X[2], X[0])
    pairs = [("dog.n.01", "animal.n.01", 5.6), ("animal.n.01", "dog.n.01", 0.6), ("cat.n.01", "animal.n.01", 5.4),
             ("dog.n.01", "cat.n.01", 0.9), ("puppy.n.01", "dog.n.01", 5.5)]
    scores = [float(entailment_score(X[idx[a]], X[idx[b]])) for a, b, _ in pairs]
    want = spearmanr(scores, [s for *_, s in pairs])[0]
    assert r.spearman == pytest.approx(want, abs=1e-12)
    assert r.n_pairs == 5 and r.n_total == 6 and r.coverage == pytest.approx(5 / 6)
    # the score is higher for the entailing direction
    assert entailment_score(X[1], X[0]) > entailment_score(X[0], X[1])


def test_hyperlex_bad_input(tmp_path, senses):
    p = tmp_path / "hl.txt"
    p.write_text("A B C\nx y z\n")
    with pytest.raises(InputError, match="header lacks column.*WORD1"):
        read_hyperlex(p)
    p.write_text("WORD1 WORD2 AVG_SCORE\ndog animal high\n")
    with pytest.raises(InputError, match=r"hl.txt:2: AVG_SCORE is not a number"):
        read_hyperlex(p)


def test_best_threshold_and_f1():
    scores = np.array([0.9, 0.8, 0.7, 0.2, 0.1])
    labels = np.array([1, 1, 0, 1, 0], bool)
    t, f1 = best_threshold(scores, labels)
    # cut after 0.2: tp=3 fp=1 -> f1 = 6/7; cut after 0.8: tp=2 fp=0 -> 0.8
    assert t == 0.2 and f1 == pytest.approx(6 / 7)
    keys = ["r", "a", "b", "c"]
    X = np.array([[0.0, 0.0], [0.3, 0.0], [0.0, 0.3], [-0.9, 0.0]])
    res = evaluate_f1((keys, X), [("a", "r")], [("c", "a")], [("b", "r")], [("c", "b")])
    assert res.f1_test == 1.0 and res.n_test == 2


def test_diagnostics(toy):
    depth = dict(zip(toy.nodes, toy.depth.tolist()))
    keys = toy.nodes
    X = np.array([[0.2 * depth[k] + 0.01 * i, 0.0] for i, k in enumerate(keys)])
    d = diagnose((keys, X), toy)
    assert d.norm_depth_spearman > 0.9 and d.n_nonfinite_rows == 0
    X2 = X.copy()
    X2[0] = np.nan
    X2[1] = [1 - 1e-6, 0.0]
    d2 = diagnose((keys, X2), toy)
    assert d2.n_nonfinite_rows == 1 and d2.share_at_clip_radius == pytest.approx(1 / 12)


def test_is_a_score_chooses_alpha_and_threshold_on_valid_as_ganea_et_al_do():
    """Ganea et al. (dalab/hyperbolic_cones, eval.py): score (1 + α(‖ancestor‖ − ‖child‖))·d, α among
    1000 … 0 and the threshold both chosen on valid, F1 on test."""
    from hypergensim.evaluation.classification import IS_A_ALPHAS
    from hypergensim.manifold import poincare_distance

    rng = np.random.default_rng(0)
    keys = [f"n{i}" for i in range(40)]
    X = rng.uniform(-0.6, 0.6, size=(40, 2))
    valid = [(keys[i], keys[i + 1]) for i in range(0, 10)]
    valid_neg = [(keys[i + 1], keys[i]) for i in range(10, 30)]
    test = [(keys[i], keys[i + 2]) for i in range(0, 10)]
    test_neg = [(keys[i + 2], keys[i]) for i in range(10, 30)]
    res = evaluate_f1((keys, X), valid, valid_neg, test, test_neg, score="is-a")
    assert res.alpha in IS_A_ALPHAS and res.score == "is-a"

    # brute force: the (alpha, threshold) with the best valid F1, then F1 on test with both
    def scores(pairs, alpha):
        c = np.array([X[keys.index(a)] for a, _ in pairs])
        p = np.array([X[keys.index(b)] for _, b in pairs])
        return -(1 + alpha * (np.linalg.norm(p, axis=1) - np.linalg.norm(c, axis=1))) * poincare_distance(c, p)

    labels_v = np.r_[np.ones(10, bool), np.zeros(20, bool)]
    best = max(((best_threshold(np.r_[scores(valid, a), scores(valid_neg, a)], labels_v), a) for a in IS_A_ALPHAS),
               key=lambda t: t[0][1])
    (threshold, f1_valid), alpha = best
    st = np.r_[scores(test, alpha), scores(test_neg, alpha)]
    tp = (st[:10] >= threshold).sum()
    fp = (st[10:] >= threshold).sum()
    f1 = 2 * tp / (2 * tp + fp + (10 - tp))
    assert (res.alpha, res.threshold, res.f1_valid) == (alpha, threshold, f1_valid)
    assert res.f1_test == pytest.approx(f1)
    with pytest.raises(InputError, match="score must be one of"):
        evaluate_f1((keys, X), valid, valid_neg, test, test_neg, score="cosine")


def test_is_a_score_of_the_lorentz_model_equals_its_ball_image():
    from hypergensim.manifold import poincare_to_lorentz

    rng = np.random.default_rng(1)
    keys = [f"n{i}" for i in range(30)]
    ball = rng.uniform(-0.5, 0.5, size=(30, 3))
    parts = ([(keys[i], keys[i + 1]) for i in range(8)], [(keys[i + 1], keys[i]) for i in range(10, 26)],
             [(keys[i], keys[i + 2]) for i in range(8)], [(keys[i + 2], keys[i]) for i in range(10, 26)])
    a = evaluate_f1((keys, ball), *parts, score="is-a")
    b = evaluate_f1((keys, poincare_to_lorentz(ball)), *parts, score="is-a", model="lorentz")
    assert (a.alpha, a.f1_test) == (b.alpha, b.f1_test) and a.threshold == pytest.approx(b.threshold)
