"""Keras 3 (torch backend) layers: PoincareNormalize semantics, serialization, embeddings, differentiable ops."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
pytest.importorskip("torch")

from hypergensim.downstream import (  # noqa: E402
    PoincareNormalize,
    keras_log_map0,
    keras_poincare_distance,
    keras_string_lookup,
    log_map0,
    poincare_distance,
    to_keras_embedding,
)
from hypergensim.errors import ConfigError, MissingDependencyError  # noqa: E402


def np_out(x):
    return np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)


def tfa_reference(x: np.ndarray, axis, eps: float) -> np.ndarray:
    """TensorFlow Addons' formula, in NumPy: x * min((1-eps) * rsqrt(sum(x^2)), 1)."""
    with np.errstate(divide="ignore"):
        inv = 1.0 / np.sqrt(np.sum(x * x, axis=axis, keepdims=True))
    return x * np.minimum((1.0 - eps) * inv, 1.0)


@pytest.mark.parametrize("axis", [-1, 1, 0, (1, 2)])
def test_poincare_normalize_matches_tfa(axis):
    rng = np.random.default_rng(0)
    x = rng.normal(scale=0.8, size=(4, 3, 5)).astype("float32")
    x[0, 0] = 0.0
    out = np_out(PoincareNormalize(axis=axis, epsilon=1e-3)(x))
    assert np.allclose(out, tfa_reference(x.astype(np.float64), axis, 1e-3), atol=1e-6)
    norms = np.sqrt(np.sum(out ** 2, axis=axis))
    assert np.all(norms <= 1 - 1e-3 + 1e-6)
    assert not np.any(np.isnan(out))


def test_paper_mode_only_moves_points_outside_the_ball():
    x = np.array([[0.3, 0.4], [0.6, 0.79999], [3.0, 4.0], [0.0, 0.0]], dtype="float32")
    tfa = np_out(PoincareNormalize(epsilon=1e-3)(x))
    paper = np_out(PoincareNormalize(epsilon=1e-3, mode="paper")(x))
    # inside the unit ball but beyond 1-eps: tfa clips, the paper leaves it
    assert np.linalg.norm(tfa[1]) == pytest.approx(1 - 1e-3, abs=1e-6)
    assert np.allclose(paper[1], x[1])
    assert np.allclose(paper[0], x[0]) and np.allclose(paper[3], 0.0)
    assert np.linalg.norm(paper[2]) == pytest.approx(1 - 1e-3, abs=1e-6)
    assert np.allclose(paper[2] / np.linalg.norm(paper[2]), [0.6, 0.8], atol=1e-6)


def test_gradients_are_finite_at_zero_and_on_the_boundary():
    import torch

    x = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.2, 0.1]], requires_grad=True)
    y = PoincareNormalize()(x)
    y.sum().backward()
    assert torch.isfinite(x.grad).all()


@pytest.mark.parametrize("bad", [{"epsilon": 0.0}, {"epsilon": 1.0}, {"epsilon": "0.1"}, {"mode": "clip"}])
def test_poincare_normalize_rejects_bad_parameters(bad):
    with pytest.raises(ConfigError):
        PoincareNormalize(**bad)


def test_model_with_poincare_normalize_survives_save_and_load(tmp_path):
    inputs = keras.Input(shape=(3,))
    h = keras.layers.Dense(4, kernel_initializer=keras.initializers.RandomNormal(stddev=2.0, seed=1))(inputs)
    out = PoincareNormalize(epsilon=1e-4, mode="paper", name="ball")(h)
    model = keras.Model(inputs, out)
    x = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    before = np_out(model(x))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    layer = loaded.get_layer("ball")
    assert isinstance(layer, PoincareNormalize)
    assert (layer.epsilon, layer.mode, layer.axis) == (1e-4, "paper", -1)
    assert np.allclose(np_out(loaded(x)), before)
    assert PoincareNormalize.from_config(layer.get_config()).get_config() == layer.get_config()


def test_to_keras_embedding_uses_the_index_not_an_implied_order(tmp_path):
    from hypergensim.vectors import read_vectors, to_keyed_vectors

    keys = ["mammal", "dog", "cat"]
    vecs = np.array([[0.0, 0.01], [0.5, 0.0], [0.0, 0.5]])
    layer, index = to_keras_embedding((keys, vecs), keys=["cat", "mammal", "dog"])
    assert index == {"cat": 0, "mammal": 1, "dog": 2}
    assert layer.trainable is False
    rows = np_out(layer(np.array([index["dog"], index["cat"]])))
    assert np.allclose(rows, vecs[[1, 2]], atol=1e-7)
    # a round trip through a word2vec file keeps key -> vector, whatever order the file has
    kv = to_keyed_vectors(keys, vecs)
    for k, count in zip(keys, [1, 5, 3]):
        kv.set_vecattr(k, "count", count)
    kv.save_word2vec_format(str(tmp_path / "v.txt"))  # gensim sorts rows by count on export
    emb = read_vectors(tmp_path / "v.txt")
    assert emb.keys != keys
    layer2, index2 = to_keras_embedding(emb)
    for i, k in enumerate(keys):
        assert np.allclose(np_out(layer2(np.array([index2[k]])))[0], vecs[i], atol=1e-7)
    trainable, _ = to_keras_embedding((keys, vecs), trainable=True, name="emb")
    assert trainable.trainable and trainable.name == "emb"


def test_keras_ops_match_numpy():
    import torch

    rng = np.random.default_rng(2)
    u = rng.uniform(-0.45, 0.45, size=(20, 4))
    v = rng.uniform(-0.45, 0.45, size=(20, 4))
    v[0] = u[0]
    v[1] = v[1] / np.linalg.norm(v[1]) * (1 - 1e-5)
    # Keras computes in its float type (float32)
    assert np.allclose(np_out(keras_poincare_distance(u, v)), poincare_distance(u, v), rtol=1e-5, atol=1e-5)
    assert np.allclose(np_out(keras_log_map0(u)), log_map0(u), atol=1e-6)
    tu64 = keras.ops.convert_to_tensor(u, dtype="float64")
    tv64 = keras.ops.convert_to_tensor(v, dtype="float64")
    assert np.allclose(np_out(keras_poincare_distance(tu64, tv64)), poincare_distance(u, v), rtol=1e-10, atol=1e-10)
    tu = torch.tensor(u, requires_grad=True)
    keras_poincare_distance(tu, torch.tensor(v)).sum().backward()
    assert torch.isfinite(tu.grad).all()
    assert torch.all(tu.grad[0] == 0)


def test_string_lookup_needs_tensorflow_or_says_so():
    index = {"dog": 1, "cat": 0}
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        with pytest.raises(MissingDependencyError, match="encode_keys"):
            keras_string_lookup(index)
    else:
        lookup = keras_string_lookup(index)
        assert np.asarray(lookup(["dog", "cat"])).tolist() == [1, 0]
    with pytest.raises(ConfigError, match="permutation"):
        keras_string_lookup({"dog": 0, "cat": 0})
