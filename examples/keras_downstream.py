"""Poincaré vectors in a Keras model: does a frozen hyperbolic embedding help a downstream classifier?

The classic question ("How do I use Poincaré embeddings with
``tfa.layers.PoincareNormalize``?"), answered end to end on the WordNet mammal
closure:

1. train a 5-dimensional Poincaré embedding with hypergensim (fast engine,
   paper preset, a few seconds);
2. put it in a frozen ``keras.layers.Embedding`` with :func:`to_keras_embedding`
   (rows addressed through the returned ``index``, never by an assumed order);
3. map the ball to Euclidean features with ``keras_log_map0`` and train a small
   classifier on a real WordNet label: *which order does this mammal belong
   to?* — the child of ``placental.n.01`` it descends from, for the nine
   orders with at least 20 members (carnivores, ungulates, rodents, primates,
   aquatic mammals, bats, lagomorphs, edentates, insectivores);
4. compare, on the same held-out nodes, with a random embedding and with a
   Euclidean embedding of the same closure (truncated SVD of its adjacency
   matrix, same dimension).

Run ``KERAS_BACKEND=torch python examples/keras_downstream.py`` (the torch
backend is chosen by default when TensorFlow is absent).  It takes well under a
minute on a CPU; ``--json`` prints the results as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402  (after KERAS_BACKEND is set)
import numpy as np  # noqa: E402
from scipy.sparse import coo_matrix  # noqa: E402
from sklearn.decomposition import TruncatedSVD  # noqa: E402
from sklearn.metrics import balanced_accuracy_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from hypergensim.datasets import load_hierarchy  # noqa: E402
from hypergensim.downstream import keras_log_map0, to_keras_embedding  # noqa: E402
from hypergensim.training import PoincareEmbedding  # noqa: E402

LABEL_PARENT = "placental.n.01"
MIN_MEMBERS = 20


@keras.saving.register_keras_serializable(package="examples")
class LogMap0(keras.layers.Layer):
    """Ball → tangent space at the origin (Euclidean features that keep depth)."""

    def call(self, x):
        return keras_log_map0(x)


def classifier(table: keras.layers.Layer, n_classes: int, *, hyperbolic: bool, seed: int) -> keras.Model:
    inputs = keras.Input(shape=(), dtype="int32")
    h = table(inputs)
    if hyperbolic:
        h = LogMap0()(h)
    h = keras.layers.Dense(32, activation="relu", kernel_initializer=keras.initializers.GlorotUniform(seed))(h)
    out = keras.layers.Dense(n_classes, activation="softmax",
                             kernel_initializer=keras.initializers.GlorotUniform(seed))(h)
    model = keras.Model(inputs, out)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    return model


def evaluate(name: str, table: keras.layers.Layer, index: dict, nodes: list[str], y: np.ndarray,
             train: np.ndarray, test: np.ndarray, *, hyperbolic: bool, seed: int, epochs: int) -> dict:
    rows = np.array([index[n] for n in nodes], dtype="int32")
    keras.utils.set_random_seed(seed)
    n_classes = int(y.max()) + 1
    model = classifier(table, n_classes, hyperbolic=hyperbolic, seed=seed)
    counts = np.bincount(y[train], minlength=n_classes)
    weights = {c: len(train) / (n_classes * max(counts[c], 1)) for c in range(n_classes)}
    model.fit(rows[train], y[train], epochs=epochs, batch_size=32, verbose=0, class_weight=weights)
    pred = np.asarray(keras.ops.convert_to_numpy(model(rows[test]))).argmax(axis=1)
    return {"embedding": name, "accuracy": float(np.mean(pred == y[test])),
            "balanced_accuracy": float(balanced_accuracy_score(y[test], pred))}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=30, help="classifier epochs")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    mammals = load_hierarchy("mammals")
    est = PoincareEmbedding.from_preset("nickel2017", dim=args.dim, random_state=args.seed, verbose=0).fit(mammals)

    orders = [c for c in mammals.nodes if LABEL_PARENT in mammals.parents(c)
              and len(mammals.descendants(c)) >= MIN_MEMBERS]
    orders.sort(key=lambda c: -len(mammals.descendants(c)))
    member_of: dict[str, list[int]] = {}
    for label, order in enumerate(orders):
        for node in mammals.descendants(order):
            member_of.setdefault(node, []).append(label)
    # nodes in exactly one order (a few, like pachyderms, sit under two)
    nodes = sorted(node for node, labels in member_of.items() if len(labels) == 1)
    y = np.array([member_of[node][0] for node in nodes])
    train, test = train_test_split(np.arange(len(nodes)), test_size=0.3, stratify=y, random_state=args.seed)

    hyperbolic, h_index = to_keras_embedding(est)

    rng = np.random.default_rng(args.seed)
    random_vectors = rng.normal(scale=0.1, size=(mammals.n_nodes, args.dim))
    random_table, r_index = to_keras_embedding((list(mammals.nodes), random_vectors / (1 + np.abs(random_vectors).sum(1, keepdims=True))))

    idx = mammals.index
    edges = np.array([(idx[u], idx[v]) for u, v in mammals.relations()])
    n = mammals.n_nodes
    adjacency = coo_matrix((np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]], np.r_[edges[:, 1], edges[:, 0]])),
                           shape=(n, n)).tocsr()
    svd = TruncatedSVD(n_components=args.dim, random_state=args.seed).fit_transform(adjacency)
    euclidean = keras.layers.Embedding(n, args.dim, trainable=False)
    euclidean.build((None,))
    euclidean.set_weights([(svd / np.abs(svd).max()).astype("float32")])

    results = [
        evaluate("poincare (frozen, log_map0)", hyperbolic, h_index, nodes, y, train, test, hyperbolic=True,
                 seed=args.seed, epochs=args.epochs),
        evaluate("euclidean (SVD of the closure)", euclidean, idx, nodes, y, train, test, hyperbolic=False,
                 seed=args.seed, epochs=args.epochs),
        evaluate("random", random_table, r_index, nodes, y, train, test, hyperbolic=False, seed=args.seed,
                 epochs=args.epochs),
    ]
    report = {"task": f"which order (child of {LABEL_PARENT}) does the mammal belong to?",
              "classes": orders, "n_train": int(len(train)), "n_test": int(len(test)),
              "chance_balanced_accuracy": 1.0 / len(orders), "dim": args.dim,
              "backend": keras.backend.backend(), "results": results,
              "seconds": round(time.perf_counter() - started, 2)}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['task']}  ({len(orders)} orders, {len(nodes)} mammals, {len(test)} held out; "
              f"Keras backend {report['backend']})")
        print(f"{'embedding':<34}{'accuracy':>10}{'balanced':>10}")
        for r in results:
            print(f"{r['embedding']:<34}{r['accuracy']:>10.3f}{r['balanced_accuracy']:>10.3f}")
        print(f"({report['seconds']} s)")
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
