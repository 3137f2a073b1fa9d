"""All Poincaré-ball numerics in one place: distances, projections, boundary epsilons.

Everything that touches the geometry of the unit ball (the open set ``‖x‖ < 1``
with curvature -1) lives here, so that precision decisions are made once:

* distances use the form ``d(u, v) = 2·asinh(‖u−v‖ / sqrt((1−‖u‖²)(1−‖v‖²)))``,
  which equals ``arccosh(1 + 2‖u−v‖²/((1−‖u‖²)(1−‖v‖²)))`` but is accurate for
  close points and never feeds ``arccosh`` an argument below one;
* ``1 − ‖x‖²`` is clamped to the smallest positive value of the dtype, so points
  on the boundary give large, finite distances rather than NaN;
* :func:`boundary_epsilon` gives the margin kept from the boundary per dtype;
  :func:`boundary_radius` and :func:`epsilon_for_radius` convert between a
  margin ``ε`` (norms up to ``1 − ε``) and the hyperbolic radius it allows;
  :func:`depth_radius_bounds` gives each node a radius growing with its depth
  (the training schedule's radius cap);
* :func:`ranking_key` is the arccosh-free quantity used for ranking: for a fixed
  query ``u``, ``d(u, w)`` is strictly increasing in ``‖u−w‖² / (1−‖w‖²)``;
  :func:`key_factors` gives what the compiled keys of every model read beside
  the points (the inverse gaps ``1 / (1−‖w‖²)``, the translation);
* the hyperbolic toolkit for downstream use: Möbius addition, exponential and
  logarithmic maps (at any point and at the origin), conversions between the
  Poincaré ball, the Lorentz hyperboloid and the Klein model, the Lorentz
  distance and the Einstein midpoint.  They compute in float64, return the
  input's float dtype (float32 in, float32 out), and clip results that would
  round onto the boundary to :func:`max_norm`, so distances stay finite.

Floating point warnings are silenced locally with ``np.errstate``; the global
NumPy error state is never changed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "boundary_epsilon",
    "boundary_radius",
    "epsilon_for_radius",
    "depth_radius_bounds",
    "squared_norms",
    "conformal_denominator",
    "poincare_distance",
    "model_distance",
    "pairwise_poincare_distance",
    "ranking_key",
    "key_factors",
    "project_to_ball",
    "max_norm",
    "mobius_add",
    "exp_map",
    "log_map",
    "exp_map0",
    "log_map0",
    "poincare_to_lorentz",
    "lorentz_to_poincare",
    "poincare_to_klein",
    "klein_to_poincare",
    "lorentz_distance",
    "einstein_midpoint",
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


def boundary_radius(epsilon: float) -> float:
    """Distance from the origin of a point at norm ``1 − ε``: ``2·artanh(1 − ε) = ln((2 − ε)/ε)``.

    Examples
    --------
    >>> round(boundary_radius(1e-5), 4)
    12.2061
    """
    return float(np.log((2.0 - epsilon) / epsilon))


def epsilon_for_radius(radius: ArrayLike) -> float | NDArray[np.float64]:
    """The margin ``ε`` whose boundary ``1 − ε`` lies at hyperbolic ``radius`` from the origin.

    ``1 − tanh(r/2) = 2/(eʳ + 1)``, computed without the cancellation of
    ``1 − tanh``; the inverse of :func:`boundary_radius`.  A number gives a
    float, an array an array of the same shape.

    Examples
    --------
    >>> round(epsilon_for_radius(2.0), 6)
    0.238406
    >>> bool(abs(epsilon_for_radius(boundary_radius(1e-5)) - 1e-5) < 1e-18)
    True
    """
    r = np.asarray(radius, dtype=np.float64)
    with np.errstate(over="ignore"):  # a radius past float64's exp is a margin of 0
        eps = 2.0 / (np.exp(r) + 1.0)
    return float(eps) if eps.ndim == 0 else eps


def depth_radius_bounds(depth: ArrayLike, *, radius: float, slack: float) -> NDArray[np.float64]:
    """A hyperbolic radius per node that grows with its depth: ``radius · (depth + 1) / (D + 1) + slack``.

    ``D`` is the largest depth; a negative depth (a node with no longest path,
    :func:`~hypergensim.datasets.hierarchy.longest_path_depths`) counts as
    ``D``.  The deepest nodes are bounded at ``radius + slack`` (beyond the
    boundary at ``radius``: by it alone), the roots at ``radius / (D + 1) +
    slack``.  The radius cap of the training schedule
    (:func:`~hypergensim.training.schedule.choose_radius_cap`): in a very deep
    hierarchy it keeps the shallow nodes from the boundary, so that their own
    subtrees do not crowd them closer than the root; :func:`epsilon_for_radius`
    turns the bounds into the margins the projection keeps.

    Examples
    --------
    >>> depth_radius_bounds([0, 1, 3], radius=12.0, slack=3.0).tolist()
    [6.0, 9.0, 15.0]
    """
    d = np.asarray(depth, dtype=np.float64)
    deepest = float(d.max()) if d.size else 0.0
    d = np.where(d < 0, deepest, d)
    return radius * (d + 1.0) / (deepest + 1.0) + slack


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


def key_factors(x: ArrayLike, model: int, shift: ArrayLike | None = None
                ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """What the ranking keys of model code ``model`` read beside the points ``x``
    (:func:`hypergensim.numerics.keys_block`; 0 Poincaré, 1 Lorentz, 2 Euclidean, 3 translational, the order of
    :data:`hypergensim.params.MODELS`): each node's inverse gap ``1 / (1 − ‖w‖²)`` (ones but for model 0) and the
    shift added to each query (``shift``, the translational model's ``r``, for model 3; zeros otherwise).

    Examples
    --------
    >>> inv_gap, offset = key_factors([[0.6, 0.0], [0.0, 0.0]], 0)
    >>> inv_gap.round(6).tolist(), offset.tolist()
    ([1.5625, 1.0], [0.0, 0.0])
    >>> key_factors([[0.6, 0.0]], 3, [0.5, -0.5])[1].tolist()
    [0.5, -0.5]
    """
    x = np.asarray(x, dtype=np.float64)
    inv_gap = 1.0 / conformal_denominator(squared_norms(x)) if model == 0 else np.ones(len(x))
    offset = np.asarray(shift, dtype=np.float64) if model == 3 and shift is not None else np.zeros(x.shape[-1])
    return inv_gap, offset


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


def _float_dtype(*arrays: np.ndarray) -> np.dtype:
    """The float dtype results are returned in: the inputs' own, at least float32."""
    return np.result_type(*(np.asarray(a).dtype for a in arrays), np.float32)


def max_norm(dtype: np.dtype | type = np.float64) -> float:
    """Largest norm the toolkit returns for ``dtype``: the last few representable values below 1.

    ``1 − 4·eps(dtype)``: float64 keeps points up to about ``1 − 9e-16`` apart
    from the boundary, float32 up to ``1 − 5e-7``.

    Examples
    --------
    >>> bool(np.float32(max_norm(np.float32)) < 1.0)
    True
    """
    return 1.0 - 4.0 * float(np.finfo(np.dtype(dtype)).eps)


def _inside(x: NDArray[np.float64], dtype: np.dtype) -> NDArray[np.floating]:
    """Cast to ``dtype``, scaling any row whose norm would round to ≥ ``max_norm`` back onto it."""
    limit = max_norm(dtype)
    norms = np.sqrt(squared_norms(x))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(norms > limit, limit / np.maximum(norms, np.finfo(np.float64).tiny), 1.0)
    return (x * scale[..., None]).astype(dtype, copy=False)


def _f64(x: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(x, dtype=np.float64)


def mobius_add(x: ArrayLike, y: ArrayLike) -> NDArray[np.floating]:
    """Möbius addition ``x ⊕ y`` in the Poincaré ball (curvature −1), broadcast along leading axes.

    ``(−x) ⊕ (x ⊕ y) = y`` (left cancellation), and ``d(a ⊕ x, a ⊕ y) = d(x, y)``.

    Examples
    --------
    >>> mobius_add([0.5, 0.0], [0.0, 0.0]).tolist()
    [0.5, 0.0]
    >>> np.round(mobius_add([-0.3, 0.1], mobius_add([0.3, -0.1], [0.2, 0.4])), 12).tolist()
    [0.2, 0.4]
    """
    dtype = _float_dtype(x, y)
    x, y = _f64(x), _f64(y)
    xy = np.einsum("...i,...i->...", x, y)[..., None]
    x2 = squared_norms(x)[..., None]
    y2 = squared_norms(y)[..., None]
    num = (1.0 + 2.0 * xy + y2) * x + (1.0 - x2) * y
    den = 1.0 + 2.0 * xy + x2 * y2
    return _inside(num / np.maximum(den, np.finfo(np.float64).tiny), dtype)


def _unit_and_norm(v: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    norm = np.sqrt(squared_norms(v))[..., None]
    unit = v / np.maximum(norm, np.finfo(np.float64).tiny)
    return unit, norm


def exp_map0(v: ArrayLike) -> NDArray[np.floating]:
    """Exponential map at the origin: the point reached from 0 along tangent vector ``v``.

    ``exp_0(v) = tanh(‖v‖) v/‖v‖``; the inverse of :func:`log_map0`.

    Examples
    --------
    >>> round(float(np.linalg.norm(exp_map0([3.0, 4.0]))), 6)
    0.999909
    """
    dtype = _float_dtype(v)
    unit, norm = _unit_and_norm(_f64(v))
    return _inside(np.tanh(norm) * unit, dtype)


def log_map0(y: ArrayLike) -> NDArray[np.floating]:
    """Logarithmic map at the origin: the tangent vector at 0 that points to ``y``.

    ``log_0(y) = artanh(‖y‖) y/‖y‖``.  Its norm is half the Poincaré distance
    from the origin, so it turns ball coordinates into Euclidean features that
    keep each point's depth; use it before a Euclidean downstream model.

    Examples
    --------
    >>> np.round(log_map0(exp_map0([0.3, -1.2])), 12).tolist()
    [0.3, -1.2]
    """
    dtype = _float_dtype(y)
    unit, norm = _unit_and_norm(_f64(y))
    norm = np.minimum(norm, max_norm(np.float64))
    return (np.arctanh(norm) * unit).astype(dtype, copy=False)


def _conformal_factor(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """``λ_x = 2 / (1 − ‖x‖²)`` with the denominator clamped, shaped for broadcasting."""
    return (2.0 / conformal_denominator(squared_norms(x)))[..., None]


def exp_map(x: ArrayLike, v: ArrayLike) -> NDArray[np.floating]:
    """Exponential map at ``x``: ``x ⊕ tanh(λ_x‖v‖/2) v/‖v‖``.

    Examples
    --------
    >>> x = np.array([0.1, 0.2])
    >>> np.allclose(log_map(x, exp_map(x, [0.05, -0.3])), [0.05, -0.3])
    True
    """
    dtype = _float_dtype(x, v)
    x, v = _f64(x), _f64(v)
    unit, norm = _unit_and_norm(v)
    step = np.tanh(_conformal_factor(x) * norm / 2.0) * unit
    return _inside(_f64(mobius_add(x, step)), dtype)


def log_map(x: ArrayLike, y: ArrayLike) -> NDArray[np.floating]:
    """Logarithmic map at ``x``: the tangent vector at ``x`` whose exponential map reaches ``y``.

    ``log_x(y) = (2/λ_x) artanh(‖−x ⊕ y‖) (−x ⊕ y)/‖−x ⊕ y‖``; its Riemannian
    length ``λ_x‖log_x(y)‖`` equals ``d(x, y)``.
    """
    dtype = _float_dtype(x, y)
    x, y = _f64(x), _f64(y)
    w = _f64(mobius_add(-x, y))
    unit, norm = _unit_and_norm(w)
    norm = np.minimum(norm, max_norm(np.float64))
    return (2.0 / _conformal_factor(x) * np.arctanh(norm) * unit).astype(dtype, copy=False)


def poincare_to_lorentz(p: ArrayLike) -> NDArray[np.floating]:
    """Poincaré ball → Lorentz hyperboloid ``{x : −x₀² + Σxᵢ² = −1, x₀ > 0}``; adds one leading coordinate.

    ``x = ((1 + ‖p‖²), 2p) / (1 − ‖p‖²)``.

    Examples
    --------
    >>> poincare_to_lorentz([0.0, 0.0]).tolist()
    [1.0, 0.0, 0.0]
    """
    dtype = _float_dtype(p)
    p = _f64(p)
    p2 = squared_norms(p)[..., None]
    den = conformal_denominator(p2)
    return np.concatenate([(1.0 + p2) / den, 2.0 * p / den], axis=-1).astype(dtype, copy=False)


def lorentz_to_poincare(x: ArrayLike) -> NDArray[np.floating]:
    """Lorentz hyperboloid → Poincaré ball: ``p = x₁: / (1 + x₀)``."""
    dtype = _float_dtype(x)
    x = _f64(x)
    return _inside(x[..., 1:] / (1.0 + x[..., :1]), dtype)


def poincare_to_klein(p: ArrayLike) -> NDArray[np.floating]:
    """Poincaré ball → Klein (Beltrami–Klein) ball: ``k = 2p / (1 + ‖p‖²)``.

    Near the boundary the Klein model compresses distances quadratically, so a
    round trip keeps about ``eps / (1 − ‖p‖)`` absolute precision.
    """
    dtype = _float_dtype(p)
    p = _f64(p)
    return _inside(2.0 * p / (1.0 + squared_norms(p)[..., None]), dtype)


def klein_to_poincare(k: ArrayLike) -> NDArray[np.floating]:
    """Klein ball → Poincaré ball: ``p = k / (1 + sqrt(1 − ‖k‖²))``."""
    dtype = _float_dtype(k)
    k = _f64(k)
    root = np.sqrt(np.maximum(1.0 - squared_norms(k), 0.0))[..., None]
    return _inside(k / (1.0 + root), dtype)


def lorentz_distance(x: ArrayLike, y: ArrayLike) -> NDArray[np.float64]:
    """Geodesic distance on the hyperboloid, ``arccosh(−⟨x, y⟩_L)``, clamped so it is never NaN.

    Equal to :func:`poincare_distance` of the corresponding ball points.
    """
    x, y = _f64(x), _f64(y)
    inner = x[..., 0] * y[..., 0] - np.einsum("...i,...i->...", x[..., 1:], y[..., 1:])
    return np.arccosh(np.maximum(inner, 1.0))


def model_distance(u: ArrayLike, v: ArrayLike, model: str = "poincare",
                   translation: ArrayLike | None = None) -> NDArray[np.float64]:
    """Row-wise distance of each training model, the one its loss and its evaluation rank by.

    ``poincare``: :func:`poincare_distance` (ball points); ``lorentz``:
    :func:`lorentz_distance` (hyperboloid points); ``euclidean``: ``‖u − v‖²``;
    ``translational``: ``‖u − v + r‖²`` with the learned ``translation`` ``r``
    (Nickel & Kiela 2017, §4).

    Examples
    --------
    >>> model_distance([[0.0, 0.0]], [[0.5, 0.0]], "euclidean")
    array([0.25])
    >>> model_distance([[0.0, 0.0]], [[0.5, 0.0]], "translational", translation=[-0.5, 0.0])
    array([1.])
    """
    if model == "poincare":
        return poincare_distance(u, v)
    if model == "lorentz":
        return lorentz_distance(u, v)
    if model not in ("euclidean", "translational"):
        raise ValueError(f"unknown model {model!r}")
    diff = _f64(u) - _f64(v)
    if model == "translational":
        diff = diff + _f64(translation)
    return np.einsum("...i,...i->...", diff, diff)


def einstein_midpoint(points: ArrayLike, weights: ArrayLike | None = None) -> NDArray[np.floating]:
    """The hyperbolic mean of the rows of ``points`` (Poincaré ball), via the Einstein midpoint in the Klein model.

    Examples
    --------
    >>> np.round(einstein_midpoint([[0.5, 0.0], [-0.5, 0.0]]), 12).tolist()
    [0.0, 0.0]
    """
    dtype = _float_dtype(points)
    p = np.atleast_2d(_f64(points))
    k = _f64(poincare_to_klein(p))
    gamma = 1.0 / np.sqrt(np.maximum(1.0 - squared_norms(k), np.finfo(np.float64).tiny))
    w = gamma if weights is None else gamma * _f64(weights)
    mid = (w[:, None] * k).sum(axis=0) / w.sum()
    return np.asarray(klein_to_poincare(mid)).astype(dtype, copy=False)
