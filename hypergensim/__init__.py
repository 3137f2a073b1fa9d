"""hypergensim: Poincaré embeddings of hierarchies, reproducible and fast, with gensim as the engine.

Subpackages, one concept each:

* :mod:`hypergensim.datasets` — WordNet and custom hierarchies, closures, splits;
* :mod:`hypergensim.evaluation` — the paper's mean rank and MAP, entailment;
* :mod:`hypergensim.training` — a scikit-learn style adapter around gensim's ``PoincareModel``;
* :mod:`hypergensim.manifold` — all Poincaré-ball numerics.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
