"""Tests for hypergensim.screening: the screened keys' bound, the exact key, and which keys are screened."""

from __future__ import annotations

import numpy as np
import pytest

from hypergensim.numerics import keys_block
from hypergensim.params import MODELS
from hypergensim.screening import (
    SCREEN_BLOCK_BYTES,
    SCREEN_MIN_DIM,
    SCREENED_MODELS,
    KeyScreen,
    exact_key,
    screened_key,
    screens,
)


def _cloud(kind: str, n: int, dim: int, seed: int) -> np.ndarray:
    """Points that strain the bound: inside the ball, at the boundary, in near-identical pairs, below float32's
    normal range, or far out (Euclidean scale)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    if kind == "ball":
        return x * rng.uniform(0, 0.99, (n, 1))
    if kind == "boundary":
        return x * (1 - 10.0 ** rng.uniform(-9, -2, (n, 1)))
    if kind == "pairs":  # every odd point a hair from the even one before it: the products cancel
        x *= rng.uniform(0.5, 0.999, (n, 1))
        x[1::2] = x[0::2] + rng.normal(size=x[1::2].shape) * 1e-9
        x[3] = x[2]  # and one exact tie
        return x
    if kind == "tiny":
        return x * 1e-42
    return x * rng.uniform(1, 1e3, (n, 1))  # "far"


def _all_keys(screen: KeyScreen, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Screened keys, bounds and exact keys of ``queries`` against every node."""
    products, q_sq, q_norm = screen.products(queries)
    n = len(screen.points)
    keys, bounds, exact = (np.empty((len(queries), n)) for _ in range(3))
    for b, u in enumerate(queries):
        for w in range(n):
            keys[b, w], bounds[b, w] = screened_key(products[b, w], q_sq[b], q_norm[b], screen.sq_norms[w],
                                                    screen.norms[w], screen.inv_gap[w], screen.model, screen.slack)
            exact[b, w] = exact_key(screen.points, screen.inv_gap, screen.model, screen.shift, u, w)
    return keys, bounds, exact


@pytest.mark.parametrize("model", MODELS)
def test_the_exact_key_is_keys_blocks_double(model):
    rng = np.random.default_rng(0)
    x = _cloud("pairs", 300, 48, 1)
    if model == "lorentz":
        x = np.column_stack([np.sqrt(1 + (x * x).sum(axis=1)), x])
    code = MODELS.index(model)
    shift = rng.normal(size=x.shape[1]) * 0.1 if model == "translational" else np.zeros(x.shape[1])
    inv_gap = 1.0 / (1.0 - (x**2).sum(1)) if code == 0 else np.ones(len(x))
    queries = np.array([0, 2, 3, 299])
    out = np.empty((4, 300))
    keys_block(np.ascontiguousarray(x.T), queries, inv_gap, code, shift, 0, 300, out)
    for q, u in enumerate(queries):
        exact = np.array([exact_key(x, inv_gap, code, shift, u, w) for w in range(300)])
        np.testing.assert_array_equal(exact, out[q])  # equal, not close


@pytest.mark.parametrize("model, kind", [(m, k) for m in ("poincare", "euclidean", "translational")
                                         for k in ("ball", "boundary", "pairs", "tiny", "far")
                                         if (m, k) != ("poincare", "far")])  # (outside the ball)
def test_every_screened_key_is_within_its_bound_of_the_exact_key(model, kind):
    x = _cloud(kind, 240, 64, 2)
    shift = np.random.default_rng(3).normal(size=64) * (0.1 if kind != "tiny" else 1e-42)
    screen = KeyScreen.build(x, model=MODELS.index(model), shift=shift)
    keys, bounds, exact = _all_keys(screen, np.arange(0, 240, 7))
    assert np.isfinite(bounds).all()
    gap = np.abs(keys - exact)
    assert (gap <= bounds).all(), float((gap / bounds).max())
    if kind != "tiny":  # a few float32 roundings, not a blanket: the bound is a small part of a typical key
        assert np.median(bounds / np.maximum(np.abs(exact), 1e-300)) < 1e-3


def test_a_key_float32_cannot_hold_or_a_nan_decides_nothing():
    x = _cloud("ball", 20, 40, 4)
    x[3] *= 1e39  # beyond float32: its products are inf
    x[5, 0] = np.nan
    screen = KeyScreen.build(x, model=2, shift=np.zeros(40))
    keys, bounds, _ = _all_keys(screen, np.array([0, 3, 5]))
    assert np.isinf(bounds[0, 3]) and np.isinf(bounds[0, 5])  # a node beyond float32, a NaN node
    assert np.isinf(bounds[1]).all() and np.isinf(bounds[2]).all()  # such a query decides nothing
    assert np.isfinite(bounds[0, [0, 1, 2, 4]]).all()


def test_the_translational_query_is_shifted_as_keys_block_shifts_it():
    x = _cloud("ball", 50, 40, 5)
    shift = np.random.default_rng(6).normal(size=40)
    screen = KeyScreen.build(x, model=3, shift=shift)
    products, q_sq, _ = screen.products(np.array([7]))
    np.testing.assert_allclose(products[0], (x[7] + shift) @ x.T, rtol=1e-5, atol=1e-5)
    assert q_sq[0] == pytest.approx(((x[7] + shift) ** 2).sum())
    assert not KeyScreen.build(x, model=2, shift=shift).shift.any()  # read for the translational model only


def test_screens_large_dimensions_of_the_screened_models_only():
    assert screens(SCREEN_MIN_DIM, 0) and screens(200, 3) and screens(200, 2)
    assert not screens(SCREEN_MIN_DIM - 1, 0)
    assert not screens(200, MODELS.index("lorentz")) and MODELS.index("lorentz") not in SCREENED_MODELS


def test_a_block_of_products_stays_within_its_memory():
    nouns = KeyScreen.build(np.zeros((82_115, 2)), model=2, shift=np.zeros(2))
    assert nouns.block_size() * 82_115 * 4 <= SCREEN_BLOCK_BYTES and nouns.block_size() >= 200
    assert KeyScreen.build(np.zeros((5_000_000, 2)), model=2, shift=np.zeros(2)).block_size() == 8
    assert KeyScreen.build(np.zeros((100, 2)), model=2, shift=np.zeros(2)).block_size() == 100
