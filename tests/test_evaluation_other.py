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
