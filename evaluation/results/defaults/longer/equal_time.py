"""What moves the deep tree's quality per second?  (issue #18, session 32)

Usage: ``python equal_time.py DATASET BUDGET NEGATIVE [JSON]``.  Trains ``PoincareEmbedding(dim=10,
time_budget=BUDGET, negative=NEGATIVE, random_state=0)`` (the schedule otherwise; ``JSON`` holds further
parameters, e.g. ``'{"alpha": 2.0, "alpha_final": 0.2}'`` or ``'{"epochs": 200}'``) on the closure, evaluates full
reconstruction on it and prints one JSON line.  With ``positive_rate.patch`` applied to the engine, the
environment variable ``HG_VRATE`` (``sqrt``, ``lin``, ``powX``) scales each positive's update by
``min(1, (relations / nodes / its count as a positive) ** X)``.
"""

import json
import sys
import time

from hypergensim.datasets import load_hierarchy
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.training import PoincareEmbedding


def main(name: str, budget: float, negative: int, extra: dict) -> None:
    pairs = load_hierarchy(name).relations()
    est = PoincareEmbedding(dim=10, time_budget=budget, negative=negative, verbose=0,
                            **{"random_state": 0, **extra})
    started = time.perf_counter()
    est.fit(pairs)
    fit = time.perf_counter() - started
    r = evaluate_reconstruction(est, pairs)
    print(json.dumps({"dataset": name, "budget": budget, "neg": negative, **extra, "epochs": est.params_.epochs, "trained": est.n_epochs_trained_,
                      "warm": est.params_.radius_warmup, "fit_s": round(fit, 1), "mr": round(r.mean_rank, 3),
                      "map": round(r.map, 4)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})
