"""Using Poincaré vectors downstream: Keras 3 and PyTorch layers, safe queries, the key → row contract.

Always available (NumPy and gensim only):

* :class:`PoincareQueries` — correct ``most_similar``, parents, children and
  chains, in place of gensim's defective ``PoincareKeyedVectors`` helpers;
* :func:`embedding_matrix` and :func:`encode_keys` — a table plus an explicit
  ``{key: row}`` index, never an implied row order;
* the hyperbolic toolkit of :mod:`hypergensim.manifold` (``log_map0``,
  ``exp_map``, ``mobius_add``, Lorentz and Klein conversions, ...).

With ``pip install 'hypergensim[keras]'`` (loaded on first use):

* Keras 3: :class:`PoincareNormalize`, :func:`to_keras_embedding`,
  :func:`keras_string_lookup`, :func:`keras_poincare_distance`, :func:`keras_log_map0`;
* PyTorch: :func:`to_torch_embedding`, :func:`torch_poincare_distance`,
  :func:`torch_log_map0`, :func:`torch_project`.

Calling one of those without the extra raises
:class:`~hypergensim.errors.MissingDependencyError` naming what to install.

Frozen table or Riemannian optimizer?  A frozen table (the default) is enough
when the hierarchy is fixed and the downstream model only reads it: feed
``log_map0`` features, or distances, to ordinary Euclidean layers trained with
any optimizer.  If the vectors themselves must keep learning, plain SGD/Adam
steps ignore the ball's metric and push points through the boundary: either
re-project after each step (``PoincareNormalize`` / ``torch_project``, simple
but biased near the boundary) or use a Riemannian optimizer such as geoopt's
``RiemannianAdam`` on a ``ManifoldParameter`` of the Poincaré ball.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..manifold import (
    einstein_midpoint,
    exp_map,
    exp_map0,
    klein_to_poincare,
    log_map,
    log_map0,
    lorentz_distance,
    lorentz_to_poincare,
    mobius_add,
    pairwise_poincare_distance,
    poincare_distance,
    poincare_to_klein,
    poincare_to_lorentz,
)
from .lookup import embedding_matrix, encode_keys
from .queries import PoincareQueries

_LAZY = {
    "PoincareNormalize": "keras_layers",
    "to_keras_embedding": "keras_layers",
    "keras_string_lookup": "keras_layers",
    "keras_poincare_distance": "keras_layers",
    "keras_log_map0": "keras_layers",
    "to_torch_embedding": "torch_layers",
    "torch_poincare_distance": "torch_layers",
    "torch_log_map0": "torch_layers",
    "torch_project": "torch_layers",
}

__all__ = [
    "PoincareQueries", "embedding_matrix", "encode_keys",
    "mobius_add", "exp_map", "log_map", "exp_map0", "log_map0", "poincare_to_lorentz", "lorentz_to_poincare",
    "poincare_to_klein", "klein_to_poincare", "lorentz_distance", "einstein_midpoint", "poincare_distance",
    "pairwise_poincare_distance", *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
