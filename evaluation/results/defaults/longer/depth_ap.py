"""Where a trained run's reconstruction MAP is lost, by how many ancestors the query has (issue #18, session 31).

Usage: ``python depth_ap.py RUN_DIR [QUERIES]``.  Reads the run's ``keys.json``, ``vectors.npz`` (Poincaré ball)
and ``relations.tsv`` (the closure it trained on), draws ``QUERIES`` query nodes (3,000 by default, seed 0) and
prints, per band of ancestor counts, the mean average precision of those queries (the paper's protocol: a
query's positives are its ancestors, every other node but itself a negative; negatives tied with a positive are
not counted here, which only matters for exact ties).  For the queries with fewer than 10 ancestors it then
says which negatives sit closer than the farthest ancestor: the query's own descendants, or other nodes.
"""

import sys
from collections import defaultdict

import numpy as np

from hypergensim.datasets import resolve_relations
from hypergensim.manifold import poincare_distance
from hypergensim.vectors import read_npz


def main(run: str, n_queries: int = 3000) -> None:
    embedding = read_npz(run)
    x, index = embedding.vectors, embedding.index
    ancestors: dict[int, set[int]] = defaultdict(set)
    for child, ancestor in resolve_relations(f"{run}/relations.tsv").pairs:
        ancestors[index[child]].add(index[ancestor])
    descendants: dict[int, set[int]] = defaultdict(set)
    for child, its in ancestors.items():
        for a in its:
            descendants[a].add(child)
    n = len(embedding)
    queries = np.random.default_rng(0).choice(np.array(sorted(ancestors)), min(n_queries, len(ancestors)),
                                              replace=False)
    by_count: dict[int, list[float]] = defaultdict(list)
    closer_desc = closer_other = 0
    for u in queries:
        d = poincare_distance(x[u], x)
        d[u] = np.inf
        pos = np.fromiter(ancestors[u], dtype=np.int64)
        negative = np.ones(n, dtype=bool)
        negative[pos] = False
        negative[u] = False
        dn = np.sort(d[negative])
        dp = np.sort(d[pos])
        ranks = np.searchsorted(dn, dp, side="left") + np.arange(1, len(dp) + 1)
        by_count[len(pos)].append(float(np.mean(np.arange(1, len(dp) + 1) / ranks)))
        if len(pos) < 10:
            closer = np.flatnonzero(negative & (d < dp[-1]))
            own = sum(1 for w in closer if w in descendants[u])
            closer_desc += own
            closer_other += len(closer) - own
    every = [ap for aps in by_count.values() for ap in aps]
    print(f"{run}: {len(every)} queries, MAP {np.mean(every):.4f}")
    top = max(by_count)
    for lo in range(0, top + 1, 5):
        aps = [ap for k, v in by_count.items() if lo <= k < lo + 5 for ap in v]
        if aps:
            lost = len(aps) * (1 - np.mean(aps)) / (len(every) - sum(every))
            print(f"  {lo:2d}-{lo + 4:2d} ancestors: {len(aps):5d} queries ({len(aps) / len(every):5.1%}), "
                  f"MAP {np.mean(aps):.4f}, share of the MAP lost {lost:5.1%}")
    total = closer_desc + closer_other
    if total:
        print(f"  queries with < 10 ancestors: {total} negatives closer than their farthest ancestor, "
              f"{closer_desc / total:.1%} of them the query's own descendants")


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
