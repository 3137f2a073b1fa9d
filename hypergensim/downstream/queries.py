"""Correct hierarchy queries over Poincaré vectors, in place of gensim's ``PoincareKeyedVectors`` helpers.

gensim 4.4's ``PoincareKeyedVectors`` has measured defects that give silently
wrong answers; :class:`PoincareQueries` answers the same questions correctly:

* ``most_similar(node)`` can return ``node`` itself → here the query is never
  among its own neighbours;
* an integer is taken as a row index, not a key (``distances(3)`` returns all
  ``inf``, ``norm(3)`` returns 3) → here every key is looked up by name, and a
  name that is not in the vocabulary raises :class:`~hypergensim.errors.InputError`;
* ``descendants()`` crashes with ``TypeError`` once the chain reaches a leaf →
  here the chain simply ends there;
* ``n_similarity`` returns the *cosine* similarity of the mean vectors → here
  it is ``1 / (1 + d)`` between the hyperbolic (Einstein) midpoints, the same
  scale as gensim's Poincaré ``similarity``.

Parent and child follow gensim's (and the paper's) reading of the ball: a
node's *parent* is the closest node of smaller norm, its *child* the closest
node of larger norm.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..manifold import einstein_midpoint, poincare_distance
from ..vectors import coerce_embedding

__all__ = ["PoincareQueries"]


class PoincareQueries:
    """Hierarchy queries (nearest nodes, parents, children, chains) over a Poincaré embedding.

    Parameters
    ----------
    model_or_kv : PoincareEmbedding, gensim PoincareModel or KeyedVectors, Embedding, or path
        The vectors to query; they are validated to lie inside the unit ball.
    relations : Hierarchy, dataset name, path or pairs, optional
        The hierarchy the vectors embed (default: a fitted estimator's own
        ``relations_``); parents and ancestors then stay inside a node's own tree.
    labels : mapping of key to str, optional
        Display names of keys that are ids or paths (default: a fitted
        estimator's ``labels_``, or a run directory's ``labels.tsv``), for
        :meth:`label` and :meth:`find`; keys stay the only names queries take.

    Examples
    --------
    >>> import numpy as np
    >>> from hypergensim.downstream import PoincareQueries
    >>> q = PoincareQueries((["mammal", "dog", "cat", "puppy"],
    ...                      np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5], [0.8, 0.05]])))
    >>> [k for k, _ in q.most_similar("dog", topn=2)]
    ['mammal', 'puppy']
    >>> q.closest_parent("puppy"), q.closest_child("mammal")
    ('dog', 'dog')
    >>> q.descendants("mammal"), q.ancestors("puppy")
    (['dog', 'puppy'], ['dog', 'mammal'])
    >>> q = PoincareQueries((["HP:1", "HP:2"], np.array([[0.0, 0.0], [0.5, 0.0]])), labels={"HP:2": "Seizure"})
    >>> q.find("seizure"), q.label("HP:2"), q.label("HP:1")
    (['HP:2'], 'Seizure', 'HP:1')
    """

    def __init__(self, model_or_kv: Any, *, relations: Any = None, labels: Mapping[Hashable, str] | None = None) -> None:
        if labels is None:
            labels = getattr(model_or_kv, "labels_", None)
        if labels is None and isinstance(model_or_kv, (str, os.PathLike)) and os.path.isdir(model_or_kv):
            from ..rundir import RunDir

            labels = RunDir(model_or_kv).read_labels()
        self.labels: dict[Hashable, str] = dict(labels or {})
        emb = coerce_embedding(model_or_kv)
        self.keys: list[Hashable] = list(emb.keys)
        self.index: dict[Hashable, int] = dict(emb.index)
        self.vectors: NDArray[np.float64] = np.asarray(emb.vectors, dtype=np.float64)
        self.norms: NDArray[np.float64] = np.sqrt(np.einsum("ij,ij->i", self.vectors, self.vectors))
        if relations is None:
            relations = getattr(model_or_kv, "relations_", None)
        self._tree_of, self._members = self._trees(relations) if relations is not None else (None, None)

    def _trees(self, relations: Any) -> tuple[list[NDArray[np.int64]], list[NDArray[np.int64]]]:
        """For every row, the roots above it (itself when it is one), and for every root, the rows below it."""
        from ..datasets import Hierarchy, resolve_relations

        h = relations if isinstance(relations, Hierarchy) else Hierarchy.from_edges(resolve_relations(relations).pairs)
        roots = [self.index[r] for r in h.roots if r in self.index]
        root_id = {row: i for i, row in enumerate(roots)}
        tree_of: list[list[int]] = [[root_id[r]] if r in root_id else [] for r in range(len(self.keys))]
        for child, ancestor in h.closure.tolist():
            c, a = self.index.get(h.nodes[child]), self.index.get(h.nodes[ancestor])
            if c is not None and a in root_id:
                tree_of[c].append(root_id[a])
        members: list[list[int]] = [[] for _ in roots]
        for row, trees in enumerate(tree_of):
            for t in trees:
                members[t].append(row)
        return [np.array(t, dtype=np.int64) for t in tree_of], [np.array(m, dtype=np.int64) for m in members]

    def __len__(self) -> int:
        return len(self.keys)

    def row(self, key: Hashable) -> int:
        """Row of ``key``; an unknown key raises :class:`InputError` (an int is never read as a row number)."""
        try:
            return self.index[key]
        except (KeyError, TypeError):
            if not isinstance(key, str) and str(key) in self.index:
                raise InputError(f"unknown key {key!r} ({type(key).__name__}): node names are text, and the "
                                 f"hierarchy's ids were read as text, so this node is {str(key)!r}",
                                 value=key) from None
            hint = " (keys are node names; a number is not read as a row index)" if isinstance(
                key, (int, np.integer)) else ""
            named = [k for k, text in self.labels.items() if text == key and k in self.index][:3]
            if named:
                hint = f" ({key!r} is the label of {', '.join(map(repr, named))}: query by key; find() looks labels up)"
            raise InputError(f"unknown key{hint}", value=key) from None

    def label(self, key: Hashable) -> str:
        """``key``'s display name: its label (an OBO term's name, a path's last name), else the key itself."""
        self.row(key)
        return self.labels.get(key, str(key))

    def find(self, text: str, topn: int = 10) -> list[Hashable]:
        """Keys whose label or key holds ``text`` (case ignored): exact matches first, then the shortest labels.

        For ontologies and taxonomies keyed by ids: ``q.most_similar(q.find("seizure")[0])``.
        """
        if not isinstance(text, str) or not text.strip():
            raise InputError("find needs some text to look for", value=text)
        wanted = text.strip().lower()
        hits = []
        for i, k in enumerate(self.keys):
            shown, name = self.labels.get(k, str(k)).lower(), str(k).lower()
            if wanted in shown or wanted in name:
                hits.append((wanted not in (shown, name), len(shown), i, k))
        return [k for *_, k in sorted(hits)[:topn]]

    def vector(self, key: Hashable) -> NDArray[np.float64]:
        """The vector of ``key``."""
        return self.vectors[self.row(key)]

    def norm(self, key: Hashable) -> float:
        """Euclidean norm of ``key``'s vector (its depth in the ball: small near the root)."""
        return float(self.norms[self.row(key)])

    def distance(self, a: Hashable, b: Hashable) -> float:
        """Poincaré distance between two keys."""
        return float(poincare_distance(self.vector(a), self.vector(b)))

    def distances(self, key: Hashable, others: Iterable[Hashable] | None = None) -> NDArray[np.float64]:
        """Distances from ``key`` to ``others`` (default: every key, in row order)."""
        u = self.vector(key)
        if others is None:
            return poincare_distance(u[None, :], self.vectors)
        rows = [self.row(k) for k in others]
        return poincare_distance(u[None, :], self.vectors[rows])

    def similarity(self, a: Hashable, b: Hashable) -> float:
        """``1 / (1 + d(a, b))``, gensim's Poincaré similarity."""
        return 1.0 / (1.0 + self.distance(a, b))

    def n_similarity(self, keys_a: Sequence[Hashable], keys_b: Sequence[Hashable]) -> float:
        """Similarity ``1 / (1 + d)`` between the hyperbolic midpoints of two sets of keys.

        For one key on each side it equals :meth:`similarity`; gensim's
        ``n_similarity`` returns a cosine similarity instead.
        """
        if not keys_a or not keys_b:
            raise InputError("n_similarity needs at least one key on each side")
        mid_a = einstein_midpoint(self.vectors[[self.row(k) for k in keys_a]])
        mid_b = einstein_midpoint(self.vectors[[self.row(k) for k in keys_b]])
        return 1.0 / (1.0 + float(poincare_distance(mid_a, mid_b)))

    def _nearest(self, key: Hashable, candidates: NDArray[np.bool_], topn: int | None) -> list[tuple[Hashable, float]]:
        r = self.row(key)
        candidates = candidates.copy()
        candidates[r] = False
        rows = np.flatnonzero(candidates)
        d = poincare_distance(self.vectors[r][None, :], self.vectors[rows])
        order = np.argsort(d, kind="stable")
        if topn is not None:
            order = order[:topn]
        return [(self.keys[rows[i]], float(d[i])) for i in order]

    def most_similar(self, key: Hashable, topn: int = 10,
                     restrict_to: Iterable[Hashable] | None = None) -> list[tuple[Hashable, float]]:
        """The ``topn`` closest keys to ``key`` as ``(key, distance)``, nearest first; never ``key`` itself."""
        if isinstance(topn, bool) or not isinstance(topn, (int, np.integer)) or topn < 0:
            raise InputError("topn must be a non-negative integer", value=topn)
        if restrict_to is None:
            mask = np.ones(len(self.keys), dtype=bool)
        else:
            mask = np.zeros(len(self.keys), dtype=bool)
            mask[[self.row(k) for k in restrict_to]] = True
        return self._nearest(key, mask, int(topn))

    def closest_parent(self, key: Hashable) -> Hashable | None:
        """The closest key of smaller norm, or ``None`` when ``key`` has the smallest norm.

        With the hierarchy's relations known (given as ``relations``, or the
        fitted estimator's own), only nodes of ``key``'s own tree (those under
        one of its roots) qualify, so in a forest a chain of parents stops at
        its tree's root instead of walking into another tree.  From vectors
        alone the roots of a forest, all near the origin, cannot be told apart.
        """
        r = self.row(key)
        candidates = self.norms < self.norms[r]
        if self._tree_of is not None:
            same_tree = np.zeros(len(self.keys), dtype=bool)
            for t in self._tree_of[r]:
                same_tree[self._members[t]] = True
            candidates &= same_tree
        found = self._nearest(key, candidates, 1)
        return found[0][0] if found else None

    def closest_child(self, key: Hashable) -> Hashable | None:
        """The closest key of larger norm, or ``None`` when ``key`` has the largest norm."""
        found = self._nearest(key, self.norms > self.norms[self.row(key)], 1)
        return found[0][0] if found else None

    def _chain(self, key: Hashable, step: Any, max_depth: int | None) -> list[Hashable]:
        if max_depth is not None and (isinstance(max_depth, bool) or max_depth < 0):
            raise InputError("max_depth must be a non-negative integer or None", value=max_depth)
        chain: list[Hashable] = []
        current = key
        while max_depth is None or len(chain) < max_depth:
            nxt = step(current)
            if nxt is None:
                break
            chain.append(nxt)
            current = nxt
        return chain

    def descendants(self, key: Hashable, max_depth: int | None = 5) -> list[Hashable]:
        """Chain of closest children from ``key``, at most ``max_depth`` long; it ends at a leaf."""
        return self._chain(key, self.closest_child, max_depth)

    def ancestors(self, key: Hashable, max_depth: int | None = None) -> list[Hashable]:
        """Chain of closest parents from ``key`` up to the node of smallest norm."""
        return self._chain(key, self.closest_parent, max_depth)
