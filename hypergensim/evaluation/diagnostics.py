"""Hierarchy diagnostics of an embedding: does the norm encode depth, and is anything broken?

* Spearman correlation between each node's norm and its depth in the hierarchy
  (a good embedding puts general concepts near the origin: positive ρ);
* the share of nodes at the clipping radius (norm ≥ 1 − 10·ε), where gradients vanish;
* the number of rows holding NaN or inf.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..datasets import Hierarchy
from ..errors import InputError
from ..vectors import coerce_embedding

__all__ = ["Diagnostics", "diagnose"]


@dataclass
class Diagnostics:
    """Norm/depth agreement and health counts.

    Examples
    --------
    >>> emb = (["mammal", "dog", "cat", "rock"], np.array([[0.0, 0.0], [0.6, 0.1], [-0.5, 0.3], [0.1, -0.9]]))
    >>> from hypergensim.datasets import from_pairs
    >>> d = diagnose(emb, from_pairs([("dog", "mammal"), ("cat", "mammal"), ("rock", "mammal")]))
    >>> d.n_nodes, d.n_nonfinite_rows, round(d.max_norm, 3), d.norm_depth_spearman > 0
    (4, 0, 0.906, True)
    """

    norm_depth_spearman: float
    share_at_clip_radius: float
    n_nonfinite_rows: int
    mean_norm: float
    max_norm: float
    n_nodes: int

    def as_dict(self) -> dict[str, object]:
        """Plain dict (JSON-serializable)."""
        return asdict(self)


def diagnose(embedding: Any, hierarchy: Hierarchy, *, epsilon: float = 1e-5) -> Diagnostics:
    """Diagnostics of ``embedding`` against ``hierarchy`` (nodes without vectors are skipped).

    Examples
    --------
    >>> import numpy as np
    >>> from hypergensim.datasets import from_pairs
    >>> h = from_pairs([("a", "r"), ("b", "a")])
    >>> d = diagnose((["r", "a", "b"], np.array([[0.0], [0.5], [0.9]])), h)
    >>> d.norm_depth_spearman
    1.0
    """
    from scipy.stats import spearmanr

    emb = coerce_embedding(embedding, validate=False)
    x = np.asarray(emb.vectors, dtype=np.float64)
    finite = np.isfinite(x).all(axis=1)
    norms = np.linalg.norm(np.where(finite[:, None], x, 0.0), axis=1)
    rows = [(emb.index[n], d) for n, d in zip(hierarchy.nodes, hierarchy.depth.tolist()) if n in emb.index]
    if not rows:
        raise InputError("no hierarchy node has a vector")
    idx = np.array([r for r, _ in rows])
    depth = np.array([d for _, d in rows])
    ok = finite[idx]
    rho = float(spearmanr(norms[idx][ok], depth[ok])[0]) if ok.sum() > 2 and np.ptp(depth[ok]) > 0 else float("nan")
    return Diagnostics(
        norm_depth_spearman=rho,
        share_at_clip_radius=float(np.mean(norms[finite] >= 1.0 - 10 * epsilon)) if finite.any() else 0.0,
        n_nonfinite_rows=int((~finite).sum()),
        mean_norm=float(norms[finite].mean()) if finite.any() else float("nan"),
        max_norm=float(norms[finite].max()) if finite.any() else float("nan"),
        n_nodes=len(emb),
    )
