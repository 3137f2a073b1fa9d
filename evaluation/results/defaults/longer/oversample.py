"""Does training the shallow nodes' relations more often lift the deep tree's MAP?  (issue #18, session 31)

Usage: ``python oversample.py DATASET EPOCHS THRESHOLD REPEAT``.  Trains ``PoincareEmbedding(dim=10,
epochs=EPOCHS, random_state=0)`` (the schedule otherwise) on the closure with every relation whose child has
fewer than ``THRESHOLD`` ancestors repeated ``REPEAT`` times in total (1: the closure as it is), then evaluates
full reconstruction on the closure itself and prints one JSON line.
"""

import json
import sys
import time
from collections import Counter

from hypergensim.datasets import load_hierarchy
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.training import PoincareEmbedding


def main(name: str, epochs: int, threshold: int, repeat: int) -> None:
    pairs = load_hierarchy(name).relations()
    n_ancestors = Counter(child for child, _ in pairs)
    shallow = [(child, a) for child, a in pairs if n_ancestors[child] < threshold]
    train = pairs + shallow * (repeat - 1)
    est = PoincareEmbedding(dim=10, epochs=epochs, random_state=0, verbose=0)
    started = time.perf_counter()
    est.fit(train)
    fit = time.perf_counter() - started
    r = evaluate_reconstruction(est, pairs)
    print(json.dumps({"dataset": name, "epochs": epochs, "threshold": threshold, "repeat": repeat,
                      "relations_trained": len(train), "fit_s": round(fit, 1), "mr": round(r.mean_rank, 3),
                      "map": round(r.map, 4)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:5]))
