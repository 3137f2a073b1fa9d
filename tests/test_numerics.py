"""Numerics under stress: distances at the boundary, lr 10 on mammals, and the NaN guard on both engines."""

from __future__ import annotations

import numpy as np
import pytest

from hypergensim.errors import NumericalError
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.manifold import poincare_distance, project_to_ball, ranking_key
from hypergensim.training import Callback, PoincareEmbedding


def radii(dtype) -> np.ndarray:
    """Norms from 0 up to 1 - 1e-12 (float64) or the last float32 below 1, on the dtype's grid."""
    top = 1 - 1e-12 if dtype == np.float64 else float(np.nextafter(np.float32(1), np.float32(0)))
    r = np.concatenate([np.linspace(0, 0.999, 200), 1 - np.logspace(-3, np.log10(1 - top), 200)])
    return np.unique(r.astype(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_distance_from_origin_is_finite_and_strictly_increasing_to_the_boundary(dtype):
    r = radii(dtype)
    points = np.zeros((len(r), 3), dtype=dtype)
    points[:, 0] = r
    d = poincare_distance(np.zeros(3, dtype=dtype), points)
    assert np.isfinite(d).all()
    assert np.all(np.diff(d) > 0)
    # exact value: d(0, r) = 2 artanh(r), computed from the dtype's r in float64
    expected = 2 * np.arctanh(r.astype(np.float64))
    assert np.allclose(d, expected, rtol=1e-9 if dtype == np.float64 else 1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pairwise_distances_and_ranking_near_the_boundary(dtype):
    r = radii(dtype)[-50:]
    u = np.zeros((len(r), 2), dtype=dtype)
    u[:, 0] = r
    v = np.zeros_like(u)
    v[:, 1] = r  # orthogonal points at the same depth: distance grows with depth
    d = poincare_distance(u, v)
    assert np.isfinite(d).all() and np.all(np.diff(d) >= 0)
    key = ranking_key(u[-1], v)
    assert np.isfinite(key).all()
    # ranking key orders candidates exactly as the distance does
    assert np.array_equal(np.argsort(key, kind="stable"), np.argsort(poincare_distance(u[-1], v), kind="stable"))
    assert (np.linalg.norm(project_to_ball(v * 2).astype(np.float64), axis=1) < 1).all()


@pytest.mark.parametrize(("engine", "objective", "epochs"),
                         [("fast", "nickel2017", 5), ("fast", "gensim", 5), ("gensim", "gensim", 1)])
def test_learning_rate_10_on_mammals_gives_no_nan(mammals, engine, objective, epochs):
    est = PoincareEmbedding(dim=5, alpha=10.0, burn_in=0, epochs=epochs, engine=engine, objective=objective,
                            verbose=0, random_state=3).fit(mammals)
    v = est.kv_.vectors
    assert np.isfinite(v).all()
    assert (np.linalg.norm(v, axis=1) < 1).all()
    result = evaluate_reconstruction(est, mammals)
    assert np.isfinite(result.mean_rank) and np.isfinite(result.map)


class InjectNaN(Callback):
    def on_epoch_end(self, estimator, logs):
        if logs["epoch"] == 2:
            estimator.kv_.vectors[3, 1] = np.nan


@pytest.mark.parametrize("engine", ["gensim", "fast"])
def test_nan_guard_triggers_on_injected_nan(toy, engine, tmp_path):
    est = PoincareEmbedding(dim=2, negative=2, epochs=5, burn_in=0, engine=engine, verbose=0,
                            callbacks=[InjectNaN()])
    with pytest.raises(NumericalError, match=r"diverged at epoch 2.*last good checkpoint \(epoch 1\)"):
        est.fit(toy, run_dir=tmp_path / "run", checkpoint_every=1)
    with np.load(tmp_path / "run" / "state.npz", allow_pickle=False) as s:
        assert int(s["epoch"][0]) == 1 and np.isfinite(s["vectors"]).all()
