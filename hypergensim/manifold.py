"""All Poincaré-ball numerics in one place: distances, projections, boundary epsilons.

Everything that touches the geometry of the unit ball (the open set ``‖x‖ < 1``
with curvature -1) lives here, so that precision decisions are made once:

* distances use the form ``d(u, v) = 2·asinh(‖u−v‖ / sqrt((1−‖u‖²)(1−‖v‖²)))``,
  which equals ``arccosh(1 + 2‖u−v‖²/((1−‖u‖²)(1−‖v‖²)))`` but is accurate for
  close points and never feeds ``arccosh`` an argument below one;
* ``1 − ‖x‖²`` is clamped to the smallest positive value of the dtype, so points
  on the boundary give large, finite distances rather than NaN;
* :func:`boundary_epsilon` gives the margin kept from the boundary per dtype;
* :func:`ranking_key` is the arccosh-free quantity used for ranking: for a fixed
  query ``u``, ``d(u, w)`` is strictly increasing in ``‖u−w‖² / (1−‖w‖²)``.

Floating point warnings are silenced locally with ``np.errstate``; the global
NumPy error state is never changed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "boundary_epsilon",
    "squared_norms",
    "conformal_denominator",
    "poincare_distance",
    "pairwise_poincare_distance",
    "ranking_key",
    "project_to_ball",
]

#: Margin from the unit sphere that projections keep, per float dtype.  float32
#: cannot represent norms closer to 1 than about 6e-8, and distances lose most
#: of their digits long before that, so it keeps a wider margin.
_BOUNDARY_EPS = {np.dtype(np.float16): 1e-3, np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-5}


def boundary_epsilon(dtype: np.dtype | type = np.float64) -> float:
    """Margin from the boundary that :func:`project_to_ball` keeps for ``dtype``.

    Examples
    --------
    >>> boundary_epsilon(np.float64)
    1e-05
    """
    return _BOUNDARY_EPS.get(np.dtype(dtype), 1e-5)


def squared_norms(x: ArrayLike) -> NDArray[np.float64]:
    """Squared Euclidean norms along the last axis, in float64."""
    x = np.asarray(x, dtype=np.float64)
    return np.einsum("...i,...i->...", x, x)


def conformal_denominator(sq_norm: ArrayLike) -> NDArray[np.float64]:
    """``1 − ‖x‖²``, clamped to the smallest positive float64 so it never reaches 0."""
    return np.maximum(1.0 - np.asarray(sq_norm, dtype=np.float64), np.finfo(np.float64).tiny)


def poincare_distance(u: ArrayLike, v: ArrayLike) -> NDArray[np.float64]:
    """Poincaré distance between ``u`` and ``v`` (broadcast along leading axes).

    Computed in float64 whatever the input dtype.

    Examples
    --------
    >>> round(float(poincare_distance([0.0, 0.0], [0.5, 0.0])), 6)
    1.098612
    """
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    diff = squared_norms(u - v)
    den = conformal_denominator(squared_norms(u)) * conformal_denominator(squared_norms(v))
    with np.errstate(over="ignore", invalid="ignore"):
        return 2.0 * np.arcsinh(np.sqrt(diff / den))


def pairwise_poincare_distance(x: ArrayLike, y: ArrayLike | None = None) -> NDArray[np.float64]:
    """Matrix of Poincaré distances between the rows of ``x`` and of ``y`` (default ``x``)."""
    x = np.asarray(x, dtype=np.float64)
    y = x if y is None else np.asarray(y, dtype=np.float64)
    return poincare_distance(x[:, None, :], y[None, :, :])


def ranking_key(u: ArrayLike, w: ArrayLike) -> NDArray[np.float64]:
    """Quantity that orders ``d(u, w)`` over ``w`` for a fixed ``u``: ``‖u−w‖² / (1−‖w‖²)``."""
    u = np.asarray(u, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    return squared_norms(u - w) / conformal_denominator(squared_norms(w))


def project_to_ball(x: ArrayLike, epsilon: float | None = None) -> NDArray[np.floating]:
    """Scale rows with ``‖x‖ ≥ 1 − ε`` back to norm ``1 − ε`` (the paper's projection).

    Examples
    --------
    >>> project_to_ball(np.array([[3.0, 4.0]]), 1e-5)
    array([[0.599994, 0.799992]])
    """
    x = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float32), copy=True)
    eps = boundary_epsilon(x.dtype) if epsilon is None else float(epsilon)
    norms = np.sqrt(squared_norms(x))
    limit = 1.0 - eps
    over = norms >= limit
    if np.any(over):
        scale = (limit / norms[over]).astype(x.dtype)
        x[over] *= scale[..., None]
    return x
