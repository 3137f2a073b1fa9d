"""Full reconstruction at chosen epochs of one fixed-epoch fit of the schedule (issue #18, session 30).

Usage: ``python traj.py DATASET EPOCHS WARMUP E1,E2,... ['{"alpha": 1.0, "alpha_final": 0.01}']``.  Trains
``PoincareEmbedding(dim=10, epochs=EPOCHS, radius_warmup=WARMUP)`` (the schedule otherwise; a budget too large to
bind) and prints one JSON line per listed epoch: mean rank, MAP and the evaluation's seconds.
"""

import json
import sys
import time

from hypergensim.datasets import resolve_relations
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.training import Callback, PoincareEmbedding


class EvaluateAt(Callback):
    """Full reconstruction (the paper's protocol) at the epochs given."""

    def __init__(self, epochs: set[int]) -> None:
        self.epochs = epochs

    def on_epoch_end(self, estimator, logs):
        if logs["epoch"] in self.epochs:
            embedding, by_model = estimator.evaluation_input()
            r = evaluate_reconstruction(embedding, estimator.relations_, **by_model)
            print(json.dumps({"epoch": logs["epoch"], "mr": round(r.mean_rank, 4), "map": round(r.map, 5),
                              "s": round(r.seconds, 1)}), flush=True)


def main(argv: list[str]) -> None:
    name, epochs, warm, at = argv[0], int(argv[1]), int(argv[2]), {int(x) for x in argv[3].split(",")}
    params = {"dim": 10, "epochs": epochs, "radius_warmup": warm, "time_budget": 5000, "verbose": 0,
              "callbacks": [EvaluateAt(at)], **(json.loads(argv[4]) if len(argv) > 4 else {})}
    started = time.time()
    est = PoincareEmbedding(**params).fit(resolve_relations(name))
    print("fit", round(time.time() - started), "s", est.n_epochs_trained_, json.dumps(est.schedule_.get("restored")),
          flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
