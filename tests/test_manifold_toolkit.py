"""Identity tests for the hyperbolic toolkit in hypergensim.manifold (float32 and float64, near the boundary)."""

from __future__ import annotations

import numpy as np
import pytest

from hypergensim.manifold import (
    einstein_midpoint,
    exp_map,
    exp_map0,
    klein_to_poincare,
    log_map,
    log_map0,
    lorentz_distance,
    lorentz_to_poincare,
    max_norm,
    mobius_add,
    poincare_distance,
    poincare_to_klein,
    poincare_to_lorentz,
)

DTYPES = [np.float32, np.float64]
# absolute tolerance for round trips, per dtype
TOL = {np.float32: 2e-5, np.float64: 1e-9}
# largest norm exercised per dtype (float32 cannot represent much closer to 1)
EDGE = {np.float32: 1 - 1e-3, np.float64: 1 - 1e-6}


def points(n: int, dim: int, dtype, max_r: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    r = np.concatenate([rng.uniform(0, max_r, size=n - 3), [0.0, max_r, max_r]])
    return (x * r[:, None]).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_mobius_left_cancellation_and_identity(dtype):
    # translate by moderate points; x reaches the boundary region.  (Two points both near the
    # boundary sum to a point ~d(0,a)+d(0,x) from the origin, beyond what the dtype resolves.)
    a = points(50, 5, dtype, 0.9, seed=1)
    x = points(50, 5, dtype, EDGE[dtype], seed=2)
    back = mobius_add(-a, mobius_add(a, x))
    assert back.dtype == dtype
    assert np.allclose(back, x, atol=TOL[dtype] * 100)
    assert np.allclose(mobius_add(np.zeros_like(x), x), x, atol=TOL[dtype])
    assert np.allclose(mobius_add(x, np.zeros_like(x)), x, atol=TOL[dtype])
    assert np.allclose(mobius_add(-x, x), 0.0, atol=TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_mobius_addition_keeps_distances(dtype):
    a = points(40, 4, np.float64, 0.9, seed=3)
    x = points(40, 4, np.float64, 0.9, seed=4)
    y = points(40, 4, np.float64, 0.9, seed=5)
    before = poincare_distance(x, y)
    after = poincare_distance(mobius_add(a.astype(dtype), x.astype(dtype)), mobius_add(a.astype(dtype), y.astype(dtype)))
    assert np.allclose(after, before, rtol=1e-4 if dtype is np.float32 else 1e-9, atol=1e-3 if dtype is np.float32 else 1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_exp_log_round_trips(dtype):
    x = points(30, 3, dtype, 0.95, seed=6)
    y = points(30, 3, dtype, 0.95, seed=7)
    v = log_map(x, y)
    assert v.dtype == dtype
    assert np.allclose(exp_map(x, v), y, atol=TOL[dtype] * (10 if dtype is np.float32 else 10))
    # the Riemannian length of log_x(y) is d(x, y)
    lam = 2.0 / (1.0 - np.sum(x.astype(np.float64) ** 2, axis=1))
    assert np.allclose(lam * np.linalg.norm(v.astype(np.float64), axis=1), poincare_distance(x, y),
                       rtol=1e-4 if dtype is np.float32 else 1e-9)
    p = points(30, 3, dtype, EDGE[dtype], seed=8)
    assert np.allclose(exp_map0(log_map0(p)), p, atol=TOL[dtype])
    # log_0 has norm d(0, p) / 2
    assert np.allclose(2 * np.linalg.norm(log_map0(p).astype(np.float64), axis=1),
                       poincare_distance(np.zeros_like(p), p), rtol=1e-4 if dtype is np.float32 else 1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_model_conversions_round_trip_and_keep_distances(dtype):
    p = points(60, 4, dtype, EDGE[dtype], seed=9)
    q = points(60, 4, dtype, EDGE[dtype], seed=10)
    lp, lq = poincare_to_lorentz(p), poincare_to_lorentz(q)
    assert lp.shape == (60, 5) and lp.dtype == dtype
    # on the hyperboloid: -x0^2 + sum xi^2 = -1 (relative to x0^2, which grows near the boundary)
    l64 = lp.astype(np.float64)
    minkowski = -l64[:, 0] ** 2 + np.sum(l64[:, 1:] ** 2, axis=1)
    assert np.allclose(minkowski / l64[:, 0] ** 2, -1.0 / l64[:, 0] ** 2, atol=1e-6 if dtype is np.float32 else 1e-14)
    assert np.allclose(lorentz_to_poincare(lp), p, atol=TOL[dtype])
    moderate = np.linalg.norm(p.astype(np.float64), axis=1) < 0.99
    assert np.allclose(lorentz_distance(lp, lq)[moderate], poincare_distance(p, q)[moderate],
                       rtol=1e-4 if dtype is np.float32 else 1e-9)
    k = poincare_to_klein(p)
    assert np.all(np.linalg.norm(k.astype(np.float64), axis=1) < 1.0)
    # Klein squeezes the boundary quadratically: round trips keep ~eps/(1-|p|) absolute precision
    assert np.allclose(klein_to_poincare(k), p, atol=1e-2 if dtype is np.float32 else 1e-8)
    assert np.allclose(klein_to_poincare(k)[moderate], p[moderate], atol=TOL[dtype] * 10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_results_stay_strictly_inside_the_ball(dtype):
    huge = np.array([[50.0, 0.0], [0.0, -1e6]], dtype=dtype)
    out = exp_map0(huge)
    assert np.all(np.linalg.norm(out.astype(np.float64), axis=1) < 1.0)
    assert np.all(np.isfinite(poincare_distance(out, np.zeros_like(out))))
    edge = np.array([[max_norm(dtype), 0.0]], dtype=dtype)
    s = mobius_add(edge, edge)
    assert np.linalg.norm(s.astype(np.float64)) < 1.0
    assert np.all(np.isfinite(log_map0(edge)))
    assert np.all(np.isfinite(log_map(edge, -edge)))


def test_einstein_midpoint():
    p = points(7, 3, np.float64, 0.8, seed=11)
    assert np.allclose(einstein_midpoint(p[:1]), p[0])
    # symmetric pair: midpoint is the hyperbolic midpoint, equidistant from both
    a, b = p[1], p[2]
    m = einstein_midpoint(np.stack([a, b]))
    assert np.isclose(poincare_distance(m, a), poincare_distance(m, b))
    assert np.isclose(poincare_distance(m, a) * 2, poincare_distance(a, b))
    # equivariant under Möbius translation
    t = p[3]
    assert np.allclose(einstein_midpoint(mobius_add(t, np.stack([a, b]))), mobius_add(t, m), atol=1e-9)


@pytest.mark.parametrize("epsilon", [0.3, 1e-2, 1e-5, 1e-9])
def test_boundary_radius_is_the_distance_of_the_boundary_from_the_origin(epsilon):
    from hypergensim.manifold import boundary_radius, epsilon_for_radius, poincare_distance

    point = np.array([[1.0 - epsilon, 0.0, 0.0]])
    stored = 1.0 - point[0, 0]  # the margin the float64 point really has (exact: Sterbenz)
    assert boundary_radius(stored) == pytest.approx(2 * np.arctanh(point[0, 0]), rel=1e-13)  # the definition
    # the distance function forms 1-|x|^2 and keeps ~1e-10 relative at norm 1-1e-9
    assert boundary_radius(stored) == pytest.approx(float(poincare_distance(point, np.zeros((1, 3)))[0]),
                                                    rel=1e-9)
    assert epsilon_for_radius(boundary_radius(epsilon)) == pytest.approx(epsilon, rel=1e-9)


def test_epsilon_for_radius_is_decreasing_and_positive_far_out():
    from hypergensim.manifold import epsilon_for_radius

    radii = np.linspace(0.1, 40.0, 200)
    eps = np.array([epsilon_for_radius(r) for r in radii])
    assert (np.diff(eps) < 0).all() and (eps > 0).all()  # no cancellation to 0 even at r = 40 (eps ~ 8e-18)


def test_epsilon_for_radius_takes_arrays_and_gives_zero_past_floats_reach():
    from hypergensim.manifold import boundary_radius, epsilon_for_radius

    radii = np.array([[0.5, 2.0], [12.2, 800.0]])
    eps = epsilon_for_radius(radii)
    assert eps.shape == (2, 2) and isinstance(epsilon_for_radius(2.0), float)
    assert eps[1, 1] == 0.0  # exp overflows to inf: a margin of 0, without a warning
    for r, e in zip(radii.ravel()[:3], eps.ravel()[:3]):
        assert e == epsilon_for_radius(float(r)) and boundary_radius(e) == pytest.approx(r, rel=1e-12)


def test_depth_radius_bounds_grow_with_depth_to_the_boundary_plus_the_slack():
    from hypergensim.manifold import depth_radius_bounds

    depth = np.array([0, 1, 2, 4, -1])
    bounds = depth_radius_bounds(depth, radius=10.0, slack=3.0)
    assert bounds.tolist() == pytest.approx([5.0, 7.0, 9.0, 13.0, 13.0])  # -1 (no longest path): as the deepest
    assert (np.diff(bounds[:4]) > 0).all()
    assert depth_radius_bounds(np.zeros(3, dtype=np.int64), radius=10.0, slack=0.0).tolist() == [10.0] * 3
