"""PyTorch building blocks for Poincaré vectors: an embedding table and differentiable ops.

Importing this module needs PyTorch (``pip install 'hypergensim[keras]'``).

* :func:`to_torch_embedding` turns trained vectors into a frozen (by default)
  ``torch.nn.Embedding`` plus an explicit ``{key: row}`` index;
* :func:`torch_poincare_distance`, :func:`torch_log_map0` and
  :func:`torch_project` are the differentiable versions of the formulas in
  :mod:`hypergensim.manifold`, with the same clamps, so gradients stay finite
  at ``u = v``, at the origin and at the boundary.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from ._optional import import_torch
from .lookup import embedding_matrix

torch = import_torch()

__all__ = ["to_torch_embedding", "torch_poincare_distance", "torch_log_map0", "torch_project"]


def torch_poincare_distance(u: Any, v: Any) -> Any:
    """Poincaré distance along the last axis, ``2·asinh(sqrt(‖u−v‖² / ((1−‖u‖²)(1−‖v‖²))))``.

    Examples
    --------
    >>> import torch
    >>> round(float(torch_poincare_distance(torch.tensor([0.0, 0.0]), torch.tensor([0.5, 0.0]))), 5)
    1.09861
    """
    tiny = torch.finfo(u.dtype).tiny
    diff = (u - v).pow(2).sum(-1)
    den = (1.0 - u.pow(2).sum(-1)).clamp_min(tiny) * (1.0 - v.pow(2).sum(-1)).clamp_min(tiny)
    return 2.0 * torch.asinh(torch.sqrt((diff / den).clamp_min(tiny)))


def torch_log_map0(y: Any) -> Any:
    """Logarithmic map at the origin, ``artanh(‖y‖) y/‖y‖``: Euclidean features that keep depth."""
    info = torch.finfo(y.dtype)
    norm = y.pow(2).sum(-1, keepdim=True).clamp_min(info.tiny).sqrt().clamp_max(1.0 - 4.0 * info.eps)
    return y * (torch.atanh(norm) / norm)


def torch_project(x: Any, epsilon: float = 1e-5) -> Any:
    """Scale vectors with ``‖x‖ > 1 − ε`` back to norm ``1 − ε`` (the ``tfa`` rule of ``PoincareNormalize``)."""
    norm = x.pow(2).sum(-1, keepdim=True).clamp_min(torch.finfo(x.dtype).tiny).sqrt()
    return x * ((1.0 - epsilon) / norm).clamp_max(1.0)


def to_torch_embedding(model_or_kv: Any, keys: Iterable[Hashable] | None = None, freeze: bool = True,
                       dtype: Any = None) -> tuple[Any, dict[Hashable, int]]:
    """A ``torch.nn.Embedding`` holding the vectors, and the ``{key: row}`` index that addresses it.

    Parameters
    ----------
    model_or_kv : PoincareEmbedding, gensim PoincareModel or KeyedVectors, Embedding, or path
        Trained vectors (validated to lie inside the ball).
    keys : iterable, optional
        Which keys become rows, in this order (default: all, in the model's order).
    freeze : bool
        ``True`` (default): the table gets no gradient.  To fine-tune it, use a
        Riemannian optimizer (geoopt's ``RiemannianAdam`` on a
        ``ManifoldParameter``) or re-project after each step with :func:`torch_project`.
    dtype : torch.dtype, optional
        Table dtype (default: ``torch.get_default_dtype()``).

    Examples
    --------
    >>> import numpy as np, torch
    >>> emb, index = to_torch_embedding((["dog", "cat"], np.array([[0.1, 0.2], [0.3, 0.0]])))
    >>> emb(torch.tensor([index["cat"]])).double().round(decimals=6).tolist(), emb.weight.requires_grad
    ([[0.3, 0.0]], False)
    """
    matrix, index = embedding_matrix(model_or_kv, keys)
    weight = torch.as_tensor(matrix, dtype=dtype or torch.get_default_dtype())
    return torch.nn.Embedding.from_pretrained(weight, freeze=freeze), index
