"""Every piece of gensim's ``PoincareModel`` internals that hypergensim relies on, in one place.

gensim exposes no callbacks and no pickle-free way to resume, so the adapter
touches these private members (checked against gensim 4.3 and 4.4, and
exercised by ``tests/test_gensim_internals.py``):

* ``model._train_on_batch(relations, check_gradients)`` returns a
  ``PoincareBatch`` whose ``loss`` is the batch's summed loss.  We wrap it on the
  *instance* while an epoch runs to add up the loss, leaving gensim's math
  unchanged; the wrapper is removed before anything is saved.
* ``model._train_batchwise(epochs, batch_size, print_every)`` runs epochs at the
  learning rate ``model.alpha``; the adapter calls it one epoch at a time, with
  ``model.burn_in_alpha`` for the burn-in epochs and ``model.train_alpha`` after
  them, which is what ``train()`` does, without ``train()``'s process-wide
  ``np.seterr`` and with burn-in split into epochs (progress, budgets and
  checkpoints then cover burn-in too).
* ``model._burn_in_done``: ``train()`` runs burn-in only while this is False; the
  adapter sets it when its own burn-in epochs are done.
* ``model._np_random`` (a ``numpy.random.RandomState``) drives shuffling and
  negative sampling; ``model._negatives_buffer`` (``NegativesBuffer`` with
  ``_items`` and ``_current_index``) holds pre-drawn negatives.  Saving both
  with the vectors restores a run exactly, without pickle.
* ``model.all_relations``, ``model.node_relations``, ``model.kv`` and
  ``model.indices_set`` are read to validate settings before training.
* ``PoincareModel.build_vocab`` sets one count at a time through
  ``KeyedVectors.set_vecattr`` (14 s for the two million relations of a
  100k-node deep tree); :func:`build_poincare_model` builds the same state in
  bulk (the vocabulary in first-seen order, the counts as gensim's int64
  ``count`` expando, ``node_relations``, ``all_relations``, ``indices_set``,
  ``indices_array``, the node probabilities and the initial vectors from the
  model's own random state) and returns a plain ``PoincareModel``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["LossMeter", "build_poincare_model", "capture_loss", "get_rng_state", "set_rng_state", "resume_state",
           "restore_state"]


class LossMeter:
    """Sums gensim's per-batch losses and counts the relations they cover.

    Examples
    --------
    >>> meter = LossMeter()
    >>> meter.add(2.5, 10)
    >>> meter.add(1.5, 10)
    >>> meter.after, meter.relations
    (4.0, 20)
    """

    def __init__(self) -> None:
        self.after = 0.0
        self.relations = 0

    def add(self, loss: float, n: int) -> None:
        self.after += float(loss)
        self.relations += n


@contextlib.contextmanager
def capture_loss(model: Any, meter: LossMeter) -> Iterator[LossMeter]:
    """Wrap ``model._train_on_batch`` on the instance for the duration of the block."""
    original = model._train_on_batch

    def train_on_batch(relations, check_gradients=False):
        batch = original(relations, check_gradients=check_gradients)
        meter.add(batch.loss, len(relations))
        return batch

    model._train_on_batch = train_on_batch
    try:
        yield meter
    finally:
        del model._train_on_batch  # back to the class method; keeps the model picklable


def get_rng_state(rng: np.random.RandomState) -> dict[str, np.ndarray]:
    """A ``RandomState`` state as plain arrays (pickle-free)."""
    name, keys, pos, has_gauss, cached = rng.get_state()
    return {
        "rng_keys": np.asarray(keys, dtype=np.uint32),
        "rng_meta": np.array([pos, has_gauss], dtype=np.int64),
        "rng_cached_gaussian": np.array([cached], dtype=np.float64),
    }


def set_rng_state(rng: np.random.RandomState, state: dict[str, np.ndarray]) -> None:
    """Inverse of :func:`get_rng_state`."""
    pos, has_gauss = (int(x) for x in state["rng_meta"])
    rng.set_state(("MT19937", state["rng_keys"], pos, has_gauss, float(state["rng_cached_gaussian"][0])))


def resume_state(model: Any) -> dict[str, np.ndarray]:
    """Everything needed to continue ``model`` bit for bit, as arrays."""
    buf = model._negatives_buffer
    items = np.asarray(buf._items, dtype=np.int64)
    return {
        "vectors": np.asarray(model.kv.vectors),
        "burn_in_done": np.array([bool(model._burn_in_done)]),
        "negatives_items": items,
        "negatives_index": np.array([int(buf._current_index)], dtype=np.int64),
        **get_rng_state(model._np_random),
    }


def restore_state(model: Any, state: dict[str, np.ndarray]) -> None:
    """Load a :func:`resume_state` into a freshly built model over the same relations."""
    from gensim.models.poincare import NegativesBuffer

    vectors = np.asarray(state["vectors"])
    if vectors.shape != model.kv.vectors.shape:
        raise ValueError(f"saved vectors have shape {vectors.shape}, model has {model.kv.vectors.shape}")
    model.kv.vectors = vectors.astype(model.kv.vectors.dtype, copy=True)
    model._burn_in_done = bool(state["burn_in_done"][0])
    buf = NegativesBuffer(np.asarray(state["negatives_items"], dtype=np.int64))
    buf._current_index = int(state["negatives_index"][0])
    model._negatives_buffer = buf
    set_rng_state(model._np_random, state)


def build_poincare_model(relations: list[tuple[str, str]], **kwargs: Any) -> Any:
    """``gensim.models.poincare.PoincareModel(relations, **kwargs)``, its vocabulary built in bulk.

    The model is a plain ``PoincareModel`` in the state gensim's own ``build_vocab`` leaves (tested against
    it, vectors bit for bit), built several times faster: gensim sets every count through
    ``KeyedVectors.set_vecattr``, one relation at a time.

    Examples
    --------
    >>> from gensim.models.poincare import PoincareModel
    >>> model = build_poincare_model([("a", "r"), ("b", "r"), ("b", "a")], size=2, negative=1, seed=0)
    >>> type(model) is PoincareModel, model.kv.index_to_key, model.kv.expandos["count"].tolist()
    (True, ['a', 'r', 'b'], [2, 2, 2])
    """
    from gensim.models.poincare import PoincareModel

    class BulkVocabulary(PoincareModel):  # only while gensim's __init__ runs
        def build_vocab(self, relations, update=False):  # noqa: ANN001, ANN202 (gensim's signature)
            if update or len(self.kv.index_to_key):
                return super().build_vocab(relations, update=update)
            key_to_index: dict[str, int] = {}
            index_to_key: list[str] = []
            counts: list[int] = []
            for relation in relations:
                if len(relation) != 2:
                    raise ValueError(f'Relation pair "{relation!r}" should have exactly two items')
                pair = []
                for item in relation:
                    i = key_to_index.get(item)
                    if i is None:
                        i = key_to_index[item] = len(index_to_key)
                        index_to_key.append(item)
                        counts.append(1)
                    else:
                        counts[i] += 1
                    pair.append(i)
                self.node_relations[pair[0]].add(pair[1])
                self.all_relations.append((pair[0], pair[1]))
            self.kv.index_to_key = index_to_key
            self.kv.key_to_index = key_to_index
            self.kv.expandos["count"] = np.array(counts, dtype=np.int64)
            self.indices_set = set(range(len(index_to_key)))
            self.indices_array = np.fromiter(range(len(index_to_key)), dtype=int)
            self._init_node_probabilities()
            self._init_embeddings()
            return None

    model = BulkVocabulary(relations, **kwargs)
    model.__class__ = PoincareModel  # a plain gensim model from here on: it pickles and loads as one
    return model
