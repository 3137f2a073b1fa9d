"""A combinatorial start: the nodes placed in the ball along a spanning tree of the hierarchy, before training.

One job: turn ``(child, ancestor)`` relations into starting vectors
(``init="tree"`` of :class:`~hypergensim.training.PoincareEmbedding`).  It
follows Sarkar's construction (as in HazyResearch's *hyperbolics*, Sala et al.
2018): the root sits at the origin, and every node's children sit at the same
hyperbolic distance (one edge) from it, in directions pointing away from
its own parent; the move to each node's frame is a Möbius translation
(:func:`hypergensim.manifold.mobius_add`), an isometry, so each step is exact.

Two choices differ from the 2-D construction, for what the engine does next:

* the children's directions are random in all ``dim`` coordinates, within
  the half-space that faces away from the parent (Sarkar spreads them evenly on
  a circle; in 10 dimensions random directions separate siblings about as well,
  and a start confined to two coordinates would stay there: the gradient of a
  distance has no component along a coordinate where every point is 0);
* the edge is ``radius`` over the tree's depth, so that the deepest node sits
  at ``radius`` (the estimator passes ``init_radius``, by default the radius warm-up's starting bound, so
  the warm-up keeps the depth order instead of flattening it).

The spanning tree keeps, for each node, its deepest ancestor (the one with the
most ancestors of its own), which is its parent in a tree's closure and one of
its parents in a DAG's; a forest hangs from the origin (or from the virtual
root, when the estimator adds one).

Examples
--------
>>> import numpy as np
>>> pairs = [("a", "r"), ("b", "r"), ("c", "a"), ("c", "r")]
>>> keys = ["r", "a", "b", "c"]
>>> x = tree_start(keys, pairs, dim=3, radius=2.0, rng=np.random.default_rng(0))
>>> from hypergensim.manifold import poincare_distance
>>> d = lambda i, j: round(float(poincare_distance(x[i], x[j])), 4)
>>> d(0, 1), d(0, 2), d(1, 3)  # each node one edge (radius 2 / depth 2) from its parent
(1.0, 1.0, 1.0)
>>> 1.0 < d(0, 3) <= 2.0  # and further out than its parent, away from the root
True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError
from ..manifold import mobius_add

__all__ = ["spanning_parents", "tree_start"]


def spanning_parents(keys: Sequence[str], pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """For each node of ``keys``, the index of its deepest ancestor in ``pairs`` (-1 for a root)."""
    index = {key: i for i, key in enumerate(keys)}
    try:
        rows = np.array([(index[a], index[b]) for a, b in pairs if a != b], dtype=np.int64).reshape(-1, 2)
    except KeyError as exc:
        raise InputError(f"node {exc.args[0]!r} of the relations has no vector to start from") from None
    n = len(keys)
    n_anc = np.bincount(rows[:, 0], minlength=n)
    parent = np.full(n, -1, dtype=np.int64)
    # sort by child, then by the ancestor's own depth: the last row of each child names its deepest ancestor
    order = np.lexsort((rows[:, 1], n_anc[rows[:, 1]], rows[:, 0]))
    child, anc = rows[order, 0], rows[order, 1]
    last = np.r_[child[1:] != child[:-1], True]
    parent[child[last]] = anc[last]
    return parent


def _depths(parent: np.ndarray) -> np.ndarray:
    depth = np.full(len(parent), -1, dtype=np.int64)
    depth[parent < 0] = 0
    for level in range(1, len(parent) + 1):  # one pass per level: the closure's depth bounds the loop
        todo = (depth < 0) & (depth[np.maximum(parent, 0)] == level - 1) & (parent >= 0)
        if not todo.any():
            break
        depth[todo] = level
    if (depth < 0).any():
        raise InputError("the relations have a cycle: no spanning tree to start from")
    return depth


def tree_start(keys: Sequence[str], pairs: Sequence[tuple[str, str]], *, dim: int, radius: float,
               rng: np.random.Generator, jitter: float = 1e-6) -> np.ndarray:
    """Starting vectors ``(len(keys), dim)``: the spanning tree laid out in the ball, the deepest node at
    hyperbolic ``radius`` from the origin.

    ``jitter`` (uniform, per coordinate) keeps two nodes from sharing a point.
    """
    if dim < 2:
        raise InputError(f"init='tree' needs dim >= 2 (directions to spread children over), got dim={dim}")
    if not radius > 0:
        raise InputError(f"the tree start needs a radius > 0, got {radius!r}")
    parent = spanning_parents(keys, pairs)
    depth = _depths(parent)
    step = np.tanh(radius / max(int(depth.max()), 1) / 2.0)  # the ball radius at hyperbolic distance radius/depth
    x = np.zeros((len(keys), dim))
    for level in range(1, int(depth.max()) + 1):
        nodes = np.flatnonzero(depth == level)
        here = x[parent[nodes]]
        # in each parent's frame (parent at the origin), the direction back to the grandparent
        grand = np.where((parent[parent[nodes]] >= 0)[:, None], x[np.maximum(parent[parent[nodes]], 0)], 0.0)
        back = mobius_add(-here, grand)
        norm = np.linalg.norm(back, axis=1, keepdims=True)
        back = np.divide(back, norm, out=np.zeros_like(back), where=norm > 0)
        g = rng.standard_normal((len(nodes), dim))
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        g -= np.einsum("ij,ij->i", g, back)[:, None] * back  # orthogonal to the way back...
        g -= back  # ...and away from it: a direction in the half-space facing away from the parent's parent
        g /= np.linalg.norm(g, axis=1, keepdims=True)
        x[nodes] = mobius_add(here, step * g)
    return x + rng.uniform(-jitter, jitter, size=x.shape)
