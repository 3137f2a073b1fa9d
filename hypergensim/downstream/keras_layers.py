"""Keras 3 building blocks for Poincaré vectors: ``PoincareNormalize``, embedding tables and ops.

Backend-agnostic (written with ``keras.ops``; tested on the torch backend).
Importing this module needs Keras 3 (``pip install 'hypergensim[keras]'``);
without ``KERAS_BACKEND`` set and without TensorFlow, the torch backend is
chosen (see :func:`hypergensim.downstream._optional.import_keras`).

* :class:`PoincareNormalize` replaces TensorFlow Addons' layer of the same
  name (TFA reached its end of life in May 2024), with the same semantics and
  an optional ``mode="paper"``;
* :func:`to_keras_embedding` turns trained vectors into a (frozen by default)
  ``keras.layers.Embedding`` plus an explicit ``{key: row}`` index;
* :func:`keras_string_lookup` makes a ``StringLookup`` that maps raw node names
  to those rows (TensorFlow only; :func:`~hypergensim.downstream.encode_keys`
  works everywhere);
* :func:`keras_poincare_distance` and :func:`keras_log_map0` are the
  differentiable versions of :func:`hypergensim.manifold.poincare_distance`
  and :func:`hypergensim.manifold.log_map0`, with the same clamps.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError, MissingDependencyError
from ._optional import import_keras
from .lookup import embedding_matrix

keras = import_keras()
ops = keras.ops

__all__ = ["PoincareNormalize", "to_keras_embedding", "keras_string_lookup", "keras_poincare_distance",
           "keras_log_map0"]

_MODES = ("tfa", "paper")


def _finfo(x: Any) -> np.finfo:
    return np.finfo(np.dtype(keras.backend.standardize_dtype(x.dtype)))


def _at_least(x: Any, value: float) -> Any:
    """``max(x, value)`` elementwise, in x's dtype.

    Keras 3.15's ``ops.maximum``/``ops.minimum`` on the torch backend return
    float32 even for two float64 tensors (its ``result_type("float64",
    "float64")`` answers float32), so clamps are written with ``ops.where``.
    """
    bound = ops.full_like(x, value)
    return ops.where(x < bound, bound, x)


def _at_most(x: Any, value: float) -> Any:
    """``min(x, value)`` elementwise, in x's dtype (see :func:`_at_least`)."""
    bound = ops.full_like(x, value)
    return ops.where(x > bound, bound, x)


@keras.saving.register_keras_serializable(package="hypergensim")
class PoincareNormalize(keras.layers.Layer):
    """Project inputs into the Poincaré ball along ``axis``; TensorFlow Addons' layer for Keras 3.

    ``mode="tfa"`` (default) is ``tfa.layers.PoincareNormalize`` exactly:
    ``x · min((1 − ε)/‖x‖, 1)``, so every output has norm at most ``1 − ε``.
    ``mode="paper"`` is Nickel & Kiela's projection, as facebookresearch
    implements it: a vector with ``‖x‖ ≥ 1`` is moved radially to norm
    ``1 − ε`` (``x/‖x‖ − ε`` in norm); anything inside the unit ball is left
    alone.  Zero vectors stay zero, and gradients stay finite at zero.

    Parameters
    ----------
    axis : int or tuple of int
        Axis (or axes) that hold one vector.
    epsilon : float
        Margin from the unit sphere, in ``(0, 1)``.
    mode : {"tfa", "paper"}
        Which projection, as above.

    Examples
    --------
    >>> import numpy as np
    >>> from hypergensim.downstream import PoincareNormalize
    >>> layer = PoincareNormalize(epsilon=1e-5)
    >>> out = keras.ops.convert_to_numpy(layer(np.array([[3.0, 4.0], [0.3, 0.4]], dtype="float32")))
    >>> np.round(np.linalg.norm(out.astype("float64"), axis=1), 5).tolist()
    [0.99999, 0.5]
    """

    def __init__(self, axis: int | tuple[int, ...] = -1, epsilon: float = 1e-5, mode: str = "tfa",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mode not in _MODES:
            raise ConfigError(f"mode must be one of {', '.join(_MODES)}, got {mode!r}")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not 0.0 < float(epsilon) < 1.0:
            raise ConfigError(f"epsilon must be in (0, 1), got {epsilon!r}")
        self.axis = tuple(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = float(epsilon)
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        x = ops.convert_to_tensor(inputs)
        square_sum = ops.sum(ops.square(x), axis=self.axis, keepdims=True)
        norm = ops.sqrt(_at_least(square_sum, float(_finfo(x).tiny)))
        limit = ops.full_like(norm, 1.0 - self.epsilon)
        if self.mode == "tfa":
            scale = _at_most(limit / norm, 1.0)
        else:
            one = ops.ones_like(norm)
            scale = ops.where(norm >= one, limit / norm, one)
        return x * scale

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"axis": list(self.axis) if isinstance(self.axis, tuple) else self.axis,
                       "epsilon": self.epsilon, "mode": self.mode})
        return config


def keras_poincare_distance(u: Any, v: Any) -> Any:
    """Differentiable Poincaré distance along the last axis (``keras.ops``; any backend).

    ``2·asinh(sqrt(‖u−v‖² / ((1−‖u‖²)(1−‖v‖²))))`` with ``1−‖·‖²`` and the
    ratio clamped away from zero: boundary points give large finite values and
    the gradient at ``u = v`` is zero rather than NaN.
    """
    u = ops.convert_to_tensor(u)
    v = ops.convert_to_tensor(v)
    tiny = float(_finfo(u).tiny)
    diff = ops.sum(ops.square(u - v), axis=-1)
    den_u = 1.0 - ops.sum(ops.square(u), axis=-1)
    den_v = 1.0 - ops.sum(ops.square(v), axis=-1)
    ratio = diff / (_at_least(den_u, tiny) * _at_least(den_v, tiny))
    return 2.0 * ops.arcsinh(ops.sqrt(_at_least(ratio, tiny)))


def keras_log_map0(y: Any) -> Any:
    """Differentiable logarithmic map at the origin, ``artanh(‖y‖) y/‖y‖`` (``keras.ops``).

    Turns ball coordinates into Euclidean features for a downstream model;
    norms are clamped below 1 so boundary points give finite features.
    """
    y = ops.convert_to_tensor(y)
    info = _finfo(y)
    square_sum = ops.sum(ops.square(y), axis=-1, keepdims=True)
    norm = _at_most(ops.sqrt(_at_least(square_sum, float(info.tiny))), 1.0 - 4.0 * float(info.eps))
    return y * (ops.arctanh(norm) / norm)


def to_keras_embedding(model_or_kv: Any, keys: Iterable[Hashable] | None = None, trainable: bool = False,
                       **layer_kwargs: Any) -> tuple[Any, dict[Hashable, int]]:
    """A ``keras.layers.Embedding`` holding the vectors, and the ``{key: row}`` index that addresses it.

    Parameters
    ----------
    model_or_kv : PoincareEmbedding, gensim PoincareModel or KeyedVectors, Embedding, or path
        Trained vectors (validated to lie inside the ball).
    keys : iterable, optional
        Which keys become rows, in this order (default: all, in the model's order).
    trainable : bool
        ``False`` (default) freezes the table, the usual choice for a
        downstream model.  If you do train it, put a :class:`PoincareNormalize`
        after it, or use a Riemannian optimizer (see the README).
    **layer_kwargs
        Passed on to ``keras.layers.Embedding`` (``name``, ``mask_zero``, ...).

    Returns
    -------
    layer : keras.layers.Embedding
        Built, with weights set, in Keras's float type.
    index : dict
        ``index[key]`` is the row of ``key``; feed these integers to the layer.

    Examples
    --------
    >>> import numpy as np
    >>> layer, index = to_keras_embedding((["dog", "cat"], np.array([[0.1, 0.2], [0.3, 0.0]])))
    >>> out = keras.ops.convert_to_numpy(layer(np.array([index["cat"]])))
    >>> np.round(out.astype("float64"), 6).tolist(), layer.trainable
    ([[0.3, 0.0]], False)
    """
    matrix, index = embedding_matrix(model_or_kv, keys)
    layer = keras.layers.Embedding(input_dim=matrix.shape[0], output_dim=matrix.shape[1], trainable=trainable,
                                   **layer_kwargs)
    layer.build((None,))
    layer.set_weights([matrix.astype(keras.backend.floatx())])
    return layer, index


def keras_string_lookup(index: Mapping[Hashable, int], **kwargs: Any) -> Any:
    """A ``keras.layers.StringLookup`` that maps node names to the rows of ``index``.

    The vocabulary is laid out in row order with no OOV or mask slot, so
    ``lookup(name) == index[name]``; an unknown name raises at lookup time.
    ``StringLookup`` needs TensorFlow (Keras runs it as a preprocessing step
    whatever the backend); without TensorFlow use
    :func:`~hypergensim.downstream.encode_keys`, which gives the same integers.
    """
    n = len(index)
    vocabulary: list[str | None] = [None] * n
    for key, row in index.items():
        if not 0 <= row < n or vocabulary[row] is not None:
            raise ConfigError(f"index is not a permutation of 0..{n - 1} (row {row!r} for key {key!r})")
        vocabulary[row] = str(key)
    try:
        return keras.layers.StringLookup(vocabulary=vocabulary, num_oov_indices=0, mask_token=None, **kwargs)
    except ImportError as exc:
        raise MissingDependencyError(f"keras.layers.StringLookup needs TensorFlow ({exc}); install tensorflow, "
                                     "or map names to rows with hypergensim.downstream.encode_keys") from None
