"""Reconstruction and link-prediction evaluation of an embedding against relations.

This module maps node names to rows, checks coverage, chooses the query nodes
(all, or a seeded sample) and hands the integer data to the kernel in
:mod:`hypergensim.evaluation.ranking`, whose docstring states the protocol.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..datasets import resolve_relations
from ..errors import InputError
from ..params import MODELS
from ..vectors import Embedding, coerce_embedding
from .ranking import RankingResult, build_csr, rank_counts, ranking_metrics

__all__ = ["evaluate_reconstruction", "evaluate_link_prediction"]


def _to_index(
    emb: Embedding, pairs: list[tuple[str, str]], *, source: Any, skip_missing: bool, what: str
) -> tuple[np.ndarray, float]:
    if not pairs:
        raise InputError(f"{what} are empty", path=source)
    index = emb.index
    rows = np.fromiter((index.get(x, -1) for pair in pairs for x in pair), dtype=np.int64,
                       count=2 * len(pairs)).reshape(-1, 2)
    present = (rows >= 0).all(axis=1)
    coverage = float(present.mean())
    if not present.all():
        missing = sorted({x for pair, ok in zip(pairs, present) if not ok for x in pair if x not in index})
        if not skip_missing:
            shown = ", ".join(missing[:5]) + (", ..." if len(missing) > 5 else "")
            raise InputError(
                f"{len(missing)} nodes named in the {what} have no vector (e.g. {shown}); "
                "pass skip_missing=True (--skip-missing) to evaluate the covered part",
                path=source,
            )
        rows = rows[present]
        if not len(rows):
            raise InputError(f"no {what} are covered by the vectors", path=source)
    rows = rows[rows[:, 0] != rows[:, 1]]  # a self-loop is not a ranking query
    return rows, coverage


def _embedding_for(embedding: Any, model: str, translation: Any) -> Embedding:
    """The vectors, checked as ``model`` needs them: inside the ball (poincare), on the hyperboloid (lorentz),
    finite (euclidean, translational, whose ``translation`` must match their dimension)."""
    if model not in MODELS:
        raise InputError(f"unknown model (choose from {', '.join(MODELS)})", value=model)
    emb = coerce_embedding(embedding, validate=model == "poincare")
    x = np.asarray(emb.vectors, dtype=np.float64)
    bad = ~np.isfinite(x).all(axis=1)
    if model == "lorentz":
        form = -x[:, 0] ** 2 + np.einsum("ij,ij->i", x[:, 1:], x[:, 1:])
        bad |= (x[:, 0] <= 0) | (np.abs(form + 1.0) > 1e-6 * np.maximum(1.0, x[:, 0] ** 2))
    if bad.any():
        where = "on the hyperboloid -x0^2 + |x|^2 = -1" if model == "lorentz" else "finite"
        raise InputError(f"{int(bad.sum())} vectors are not {where}", value=emb.keys[int(np.flatnonzero(bad)[0])])
    if model == "translational":
        if translation is None or np.shape(translation) != (x.shape[1],):
            raise InputError(f"the translational model needs its translation vector of dimension {x.shape[1]}",
                             value=None if translation is None else np.shape(translation))
    elif translation is not None:
        raise InputError(f"a translation applies to the translational model only, not {model!r}")
    return emb


def _sample_queries(candidates: np.ndarray, sample: int | float | None, random_state: Any) -> np.ndarray:
    if sample is None:
        return candidates
    n = len(candidates)
    m = int(round(sample * n)) if isinstance(sample, float) and sample <= 1.0 else int(sample)
    if m < 1:
        raise InputError("sample must select at least one query", value=sample)
    if m >= n:
        return candidates
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(candidates, size=m, replace=False))


def _run(task: str, emb: Embedding, positives: np.ndarray, filtered: np.ndarray, *, sample: Any,
         random_state: Any, coverage: float, started: float, model: str = "poincare",
         translation: Any = None) -> RankingResult:
    n = len(emb)
    pos_ptr_all, pos_idx_all = build_csr(positives, n)
    excl_ptr, excl_idx = build_csr(filtered, n)
    candidates = np.flatnonzero(np.diff(pos_ptr_all) > 0)
    queries = _sample_queries(candidates, sample, random_state)
    sizes = pos_ptr_all[queries + 1] - pos_ptr_all[queries]
    pos_ptr = np.zeros(len(queries) + 1, dtype=np.int64)
    np.cumsum(sizes, out=pos_ptr[1:])
    # the queries' runs of positives, one after another: the i-th pair, if query j's, is pos_idx_all's
    # pos_ptr_all[queries[j]] + i - pos_ptr[j]
    pos_idx = pos_idx_all[np.arange(pos_ptr[-1]) + np.repeat(pos_ptr_all[queries] - pos_ptr[:-1], sizes)]
    lt, le, keys = rank_counts(emb.vectors, queries, pos_ptr, pos_idx, excl_ptr, excl_idx, model=model,
                               translation=translation)
    return ranking_metrics(task, lt, le, keys, pos_ptr, started=started, n_queries_total=len(candidates),
                           coverage=coverage)


def evaluate_reconstruction(
    embedding: Any,
    relations: Any,
    *,
    symmetric: bool = False,
    sample: int | float | None = None,
    random_state: int | None = None,
    skip_missing: bool = False,
    model: str = "poincare",
    translation: Any = None,
) -> RankingResult:
    """Reconstruction mean rank, MAP, MRR and Hits@k (Nickel & Kiela 2017).

    Parameters
    ----------
    embedding : KeyedVectors, PoincareModel, PoincareEmbedding, Embedding, (keys, array) or path
        The vectors.
    relations : Hierarchy, path to a child<TAB>ancestor file, or iterable of pairs
        The relations to reconstruct (usually the full closure).
    symmetric : bool
        Evaluate the undirected closure (both directions are positives).
    sample : int or float, optional
        Evaluate a seeded random subset of query nodes (a count, or a fraction
        ≤ 1.0); the result then carries standard errors.
    random_state : int, optional
        Seed of the query sample.
    skip_missing : bool
        Drop relations whose nodes have no vector instead of raising; the
        share kept is reported as ``coverage``.
    model : {"poincare", "lorentz", "euclidean", "translational"}
        The distance to rank by; ``lorentz`` takes hyperboloid coordinates.
    translation : array, optional
        The translational model's global vector ``r``.

    Examples
    --------
    >>> import numpy as np
    >>> keys = ["root", "a", "b"]
    >>> vecs = np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]])
    >>> r = evaluate_reconstruction((keys, vecs), [("a", "root"), ("b", "root")])
    >>> r.mean_rank, r.map
    (1.0, 1.0)
    """
    started = time.perf_counter()
    emb = _embedding_for(embedding, model, translation)
    rel = resolve_relations(relations)
    rows, coverage = _to_index(emb, rel.pairs, source=rel.path, skip_missing=skip_missing, what="relations")
    if symmetric:
        rows = np.concatenate([rows, rows[:, ::-1]])
    task = "reconstruction" + (" (symmetric)" if symmetric else "")
    return _run(task, emb, rows, rows, sample=sample, random_state=random_state, coverage=coverage,
                started=started, model=model, translation=translation)


def evaluate_link_prediction(
    embedding: Any,
    train: Any,
    test: Any,
    *,
    sample: int | float | None = None,
    random_state: int | None = None,
    skip_missing: bool = False,
    model: str = "poincare",
    translation: Any = None,
) -> RankingResult:
    """Link-prediction mean rank and MAP: test relations ranked, train and test filtered.

    ``model`` and ``translation`` as in :func:`evaluate_reconstruction`.

    Examples
    --------
    >>> import numpy as np
    >>> keys = ["root", "a", "b"]
    >>> vecs = np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]])
    >>> evaluate_link_prediction((keys, vecs), [("a", "root")], [("b", "root")]).mean_rank
    1.0
    """
    started = time.perf_counter()
    emb = _embedding_for(embedding, model, translation)
    train_rel = resolve_relations(train, what="train relations")
    test_rel = resolve_relations(test, what="test relations")
    test_rows, coverage = _to_index(emb, test_rel.pairs, source=test_rel.path, skip_missing=skip_missing,
                                    what="test relations")
    train_rows, _ = _to_index(emb, train_rel.pairs, source=train_rel.path, skip_missing=skip_missing,
                              what="train relations") if train_rel.pairs else (np.zeros((0, 2), np.int64), 1.0)
    filtered = np.concatenate([train_rows, test_rows])
    return _run("link prediction", emb, test_rows, filtered, sample=sample, random_state=random_state,
                coverage=coverage, started=started, model=model, translation=translation)
