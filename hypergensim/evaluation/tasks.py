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
         random_state: Any, coverage: float, started: float) -> RankingResult:
    n = len(emb)
    pos_ptr_all, pos_idx_all = build_csr(positives, n)
    excl_ptr, excl_idx = build_csr(filtered, n)
    candidates = np.flatnonzero(np.diff(pos_ptr_all) > 0)
    queries = _sample_queries(candidates, sample, random_state)
    sizes = pos_ptr_all[queries + 1] - pos_ptr_all[queries]
    pos_ptr = np.zeros(len(queries) + 1, dtype=np.int64)
    np.cumsum(sizes, out=pos_ptr[1:])
    take = np.concatenate([np.arange(pos_ptr_all[q], pos_ptr_all[q + 1]) for q in queries]) if len(queries) else \
        np.zeros(0, dtype=np.int64)
    pos_idx = pos_idx_all[take]
    lt, le, keys = rank_counts(emb.vectors, queries, pos_ptr, pos_idx, excl_ptr, excl_idx)
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
    emb = coerce_embedding(embedding)
    rel = resolve_relations(relations)
    rows, coverage = _to_index(emb, rel.pairs, source=rel.path, skip_missing=skip_missing, what="relations")
    if symmetric:
        rows = np.concatenate([rows, rows[:, ::-1]])
    task = "reconstruction" + (" (symmetric)" if symmetric else "")
    return _run(task, emb, rows, rows, sample=sample, random_state=random_state, coverage=coverage,
                started=started)


def evaluate_link_prediction(
    embedding: Any,
    train: Any,
    test: Any,
    *,
    sample: int | float | None = None,
    random_state: int | None = None,
    skip_missing: bool = False,
) -> RankingResult:
    """Link-prediction mean rank and MAP: test relations ranked, train and test filtered.

    Examples
    --------
    >>> import numpy as np
    >>> keys = ["root", "a", "b"]
    >>> vecs = np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5]])
    >>> evaluate_link_prediction((keys, vecs), [("a", "root")], [("b", "root")]).mean_rank
    1.0
    """
    started = time.perf_counter()
    emb = coerce_embedding(embedding)
    train_rel = resolve_relations(train, what="train relations")
    test_rel = resolve_relations(test, what="test relations")
    test_rows, coverage = _to_index(emb, test_rel.pairs, source=test_rel.path, skip_missing=skip_missing,
                                    what="test relations")
    train_rows, _ = _to_index(emb, train_rel.pairs, source=train_rel.path, skip_missing=skip_missing,
                              what="train relations") if train_rel.pairs else (np.zeros((0, 2), np.int64), 1.0)
    filtered = np.concatenate([train_rows, test_rows])
    return _run("link prediction", emb, test_rows, filtered, sample=sample, random_state=random_state,
                coverage=coverage, started=started)
