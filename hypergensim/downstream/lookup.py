"""The key → row contract between Poincaré vectors and a framework's embedding table.

Every embedding factory returns its table together with an explicit ``index``
(``{key: row}``).  No row order is ever implied: gensim's word2vec export, for
one, writes rows in a different order than the model holds them, and code that
assumed "row i is the i-th node I know of" has silently mixed up nodes.
:func:`embedding_matrix` builds the table and the index in one step, and
:func:`encode_keys` turns node names into row numbers for any backend (Keras's
``StringLookup`` needs TensorFlow; this does not).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InputError
from ..vectors import coerce_embedding

__all__ = ["embedding_matrix", "encode_keys"]


def embedding_matrix(model_or_kv: Any, keys: Iterable[Hashable] | None = None
                     ) -> tuple[NDArray[np.floating], dict[Hashable, int]]:
    """The vectors of ``keys`` (default: all, in the model's row order) as a matrix, and ``{key: row}``.

    Parameters
    ----------
    model_or_kv : PoincareEmbedding, gensim PoincareModel or KeyedVectors, Embedding, or path
        Where the vectors come from; they are validated to lie inside the unit ball.
    keys : iterable of keys, optional
        The rows to take and their order.  Unknown or repeated keys raise
        :class:`~hypergensim.errors.InputError`.

    Examples
    --------
    >>> import numpy as np
    >>> m, index = embedding_matrix((["a", "b", "c"], np.array([[0.1], [0.2], [0.3]])), keys=["c", "a"])
    >>> m.ravel().tolist(), index
    ([0.3, 0.1], {'c': 0, 'a': 1})
    """
    emb = coerce_embedding(model_or_kv)
    if keys is None:
        return np.array(emb.vectors, copy=True), dict(emb.index)
    wanted = list(keys)
    index: dict[Hashable, int] = {}
    rows = []
    for k in wanted:
        if k in index:
            raise InputError("key listed twice in keys", value=k)
        try:
            rows.append(emb.index[k])
        except (KeyError, TypeError):
            raise InputError("key is not in the embedding", value=k) from None
        index[k] = len(index)
    if not rows:
        raise InputError("keys is empty: an embedding table needs at least one row")
    return np.array(emb.vectors[rows], copy=True), index


def encode_keys(index: Mapping[Hashable, int], keys: Iterable[Hashable], *,
                unknown: int | None = None) -> NDArray[np.int64]:
    """Row numbers of ``keys`` under ``index``; unknown keys raise, or map to ``unknown`` when given.

    Examples
    --------
    >>> encode_keys({"dog": 0, "cat": 1}, ["cat", "dog", "cat"]).tolist()
    [1, 0, 1]
    >>> encode_keys({"dog": 0}, ["dog", "emu"], unknown=-1).tolist()
    [0, -1]
    """
    out = []
    for position, k in enumerate(keys):
        row = index.get(k, unknown)
        if row is None:
            raise InputError(f"key at position {position} is not in the index", value=k)
        out.append(row)
    return np.asarray(out, dtype=np.int64)
