"""Binary edge classification F1 on ganea2018 splits.

Each positive (a held-out closure edge) and negative (a corrupted edge) gets a
score; the decision threshold is the one that maximises F1 on the validation
pairs, and F1 is then reported on the test pairs with that threshold.

Scores (higher: more likely an edge ``(child, ancestor)``):

* ``"distance"``: ``-d(child, ancestor)`` by the model's own distance;
* ``"is-a"``: Ganea et al.'s protocol for their Poincaré and Euclidean
  baselines (dalab/hyperbolic_cones, ``eval.py``): Nickel & Kiela's is-a score
  ``-(1 + α(‖ancestor‖ − ‖child‖))·d(child, ancestor)`` with ``α`` chosen with
  the threshold on valid among :data:`IS_A_ALPHAS` (``α = 0`` is the distance
  alone).  ``d`` is the hyperbolic distance for ``poincare`` and ``lorentz``
  (norms taken in the ball), the Euclidean one ``‖u − v‖`` (``‖u − v + r‖``)
  for ``euclidean`` (``translational``);
* ``"entailment"``: the HyperLex score of
  :mod:`hypergensim.evaluation.entailment` with its fixed ``α = 1000``
  (Poincaré ball vectors only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..datasets import resolve_relations
from ..errors import InputError
from ..manifold import lorentz_to_poincare, model_distance
from .entailment import entailment_score
from .ranking import key_value_table
from .tasks import _embedding_for, _to_index

__all__ = ["F1Result", "evaluate_f1", "best_threshold", "IS_A_ALPHAS", "SCORES"]

#: The α values Ganea et al. validate for the is-a score (``0``: distance only).
IS_A_ALPHAS = (1000.0, 100.0, 30.0, 10.0, 3.0, 1.0, 0.3, 0.1, 0.0)
SCORES = ("distance", "is-a", "entailment")


@dataclass
class F1Result:
    """Test F1 at the threshold chosen on validation.

    Examples
    --------
    >>> emb = (["mammal", "dog", "cat", "rock"], np.array([[0.0, 0.0], [0.6, 0.1], [-0.5, 0.3], [0.1, -0.9]]))
    >>> r = evaluate_f1(emb, [("dog", "mammal")], [("dog", "rock")], [("cat", "mammal")], [("cat", "rock")])
    >>> r.score, r.n_valid, r.n_test, r.f1_valid, r.f1_test
    ('distance', 2, 2, 1.0, 1.0)
    """

    f1_test: float
    f1_valid: float
    threshold: float
    precision_test: float
    recall_test: float
    n_valid: int
    n_test: int
    score: str
    alpha: float | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain dict (JSON-serializable)."""
        return asdict(self)

    def __str__(self) -> str:
        return key_value_table([
            ("task", f"edge classification F1 (score: {self.score})"),
            ("F1 (test)", f"{self.f1_test:.4f}"),
            ("precision / recall", f"{self.precision_test:.4f} / {self.recall_test:.4f}"),
            ("F1 (valid)", f"{self.f1_valid:.4f}"),
            ("threshold", f"{self.threshold:.6g} (chosen on valid)"),
            *([("alpha", f"{self.alpha:g} (chosen on valid)")] if self.alpha is not None else []),
            ("pairs valid / test", f"{self.n_valid:,} / {self.n_test:,}"),
        ])


def _f1_at(scores: np.ndarray, labels: np.ndarray, threshold: float) -> tuple[float, float, float]:
    pred = scores >= threshold
    tp = float(np.sum(pred & labels))
    fp = float(np.sum(pred & ~labels))
    fn = float(np.sum(~pred & labels))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1, precision, recall


def best_threshold(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The threshold (predict positive when ``score >= t``) maximising F1, and that F1."""
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order].astype(bool)
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    # only the last of tied scores is a valid cut
    last = np.r_[s[1:] != s[:-1], True]
    n_pos = y.sum()
    f1 = np.where(last, 2 * tp / (tp + fp + n_pos), -1.0)
    k = int(np.argmax(f1))
    return float(s[k]), float(f1[k])


def _is_a_parts(emb: Any, model: str, translation: Any) -> tuple[np.ndarray, Any]:
    """Row vectors and a pair distance for the is-a score: ball points for the hyperbolic models."""
    x = emb.vectors.astype(np.float64)
    if model == "lorentz":
        return lorentz_to_poincare(x), lambda u, v: model_distance(u, v, "poincare")
    if model == "poincare":
        return x, lambda u, v: model_distance(u, v, "poincare")
    return x, lambda u, v: np.sqrt(model_distance(u, v, model, translation))


def evaluate_f1(embedding: Any, valid: Any, valid_negatives: Any, test: Any, test_negatives: Any, *,
                score: str = "distance", model: str = "poincare", translation: Any = None,
                alphas: tuple[float, ...] = IS_A_ALPHAS) -> F1Result:
    """F1 of edge classification: threshold (and, for ``is-a``, α) tuned on valid, reported on test.

    Examples
    --------
    >>> import numpy as np
    >>> keys = ["r", "a", "b"]
    >>> X = np.array([[0.0, 0.0], [0.3, 0.0], [-0.9, 0.0]])
    >>> evaluate_f1((keys, X), [("a", "r")], [("b", "a")], [("a", "r")], [("b", "a")]).f1_test
    1.0
    >>> evaluate_f1((keys, X), [("a", "r")], [("b", "a")], [("a", "r")], [("b", "a")], score="is-a").f1_test
    1.0
    """
    if score not in SCORES:
        raise InputError(f"score must be one of {', '.join(SCORES)}", value=score)
    if score == "entailment" and model != "poincare":
        raise InputError("the entailment score needs Poincaré ball vectors", value=model)
    emb = _embedding_for(embedding, model, translation)
    x = emb.vectors.astype(np.float64)

    def pairs(pos: Any, neg: Any) -> tuple[np.ndarray, np.ndarray]:
        p = resolve_relations(pos, what="positives")
        n = resolve_relations(neg, what="negatives")
        p_rows, _ = _to_index(emb, p.pairs, source=p.path, skip_missing=False, what="positives")
        n_rows, _ = _to_index(emb, n.pairs, source=n.path, skip_missing=False, what="negatives")
        return np.concatenate([p_rows, n_rows]), np.r_[np.ones(len(p_rows), bool), np.zeros(len(n_rows), bool)]

    (rows_v, lv), (rows_t, lt) = pairs(valid, valid_negatives), pairs(test, test_negatives)
    if score == "is-a":
        points, dist = _is_a_parts(emb, model, translation)
        norms = np.linalg.norm(points, axis=1)

        def parts(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # what the score reads, whatever α
            return dist(points[rows[:, 0]], points[rows[:, 1]]), norms[rows[:, 1]] - norms[rows[:, 0]]

        def scored(part: tuple[np.ndarray, np.ndarray], alpha: float | None) -> np.ndarray:
            d, gap = part
            return -(1.0 + alpha * gap) * d
    else:
        def parts(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return x[rows[:, 0]], x[rows[:, 1]]

        def scored(part: tuple[np.ndarray, np.ndarray], alpha: float | None) -> np.ndarray:
            u, v = part
            return -model_distance(u, v, model, translation) if score == "distance" else entailment_score(u, v)

    # the threshold, and for the is-a score its alpha, are those of the best valid F1 (the first of equals)
    valid_part = parts(rows_v)
    (threshold, f1_valid), alpha = max(((best_threshold(scored(valid_part, a), lv), a)
                                        for a in (alphas if score == "is-a" else (None,))), key=lambda t: t[0][1])
    f1, precision, recall = _f1_at(scored(parts(rows_t), alpha), lt, threshold)
    return F1Result(f1, f1_valid, threshold, precision, recall, len(rows_v), len(rows_t), score,
                    None if alpha is None else float(alpha))

