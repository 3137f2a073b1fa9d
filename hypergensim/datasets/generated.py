"""Generated hierarchy families: seeded test beds unlike WordNet, at any size.

Each family is named ``generated:FAMILY:NODES[:SEED]`` wherever a dataset name
is accepted (``load_hierarchy``, ``train``, specs), for instance
``generated:balanced-b5:100000`` or ``generated:dag:20000:3``:

* ``balanced-bK``: the complete ``K``-ary tree cut to ``NODES`` nodes in
  breadth-first order (``K`` from 2 to 50);
* ``deep``: a deep, narrow tree: every node hangs below one of the
  ``NODES / 20`` most recent nodes, so depths reach about fifty and the mean
  branching is about one;
* ``forest``: a wide, shallow forest with many roots (``NODES / 100``), every
  other node a child of an earlier node at depth at most 2;
* ``dag``: :func:`random_dag_edges`, a layered DAG of mean branching 3 in
  which about 30% of the nodes have a second parent on their first parent's
  level (so no cycle can form).

The same name and seed give the same hierarchy on every machine (NumPy's
``default_rng``); node names are ``n0, n1, ...`` in generation order.

Examples
--------
>>> h = generated_hierarchy("balanced-b3", 13)
>>> h.n_nodes, h.n_edges, h.roots
(13, 21, ['n0'])
>>> generated_hierarchy("dag", 2000, seed=1).summarize().multi_parent_nodes > 400
True
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import InputError
from .hierarchy import Hierarchy

__all__ = ["generated_hierarchy", "parse_generated", "random_dag_edges", "FAMILIES", "PREFIX", "MAX_NODES"]

PREFIX = "generated:"
#: The families and what their name may carry (``balanced-bK`` with K from 2 to 50).
FAMILIES = ("balanced-bK", "deep", "forest", "dag")
#: Largest size a name may ask for (the closure of a deep tree grows with nodes x depth).
MAX_NODES = 2_000_000
_NAME = re.compile(r"^(balanced-b(\d+)|deep|forest|dag):(\d+)(?::(\d+))?$")


def parse_generated(name: str) -> tuple[str, int, int]:
    """``generated:FAMILY:NODES[:SEED]`` → ``(family, nodes, seed)``; a bad name raises :class:`InputError`.

    Examples
    --------
    >>> parse_generated("generated:balanced-b5:100000")
    ('balanced-b5', 100000, 0)
    """
    text = name[len(PREFIX):] if name.startswith(PREFIX) else name
    match = _NAME.match(text)
    if not match:
        raise InputError(f"a generated dataset is {PREFIX}FAMILY:NODES[:SEED] with FAMILY one of "
                         f"{', '.join(FAMILIES)}", value=name)
    family, branching, nodes, seed = match.group(1), match.group(2), int(match.group(3)), int(match.group(4) or 0)
    if branching is not None and not 2 <= int(branching) <= 50:
        raise InputError("balanced-bK needs a branching K from 2 to 50", value=name)
    if not 2 <= nodes <= MAX_NODES:
        raise InputError(f"a generated hierarchy has 2 to {MAX_NODES:,} nodes", value=name)
    return family, nodes, seed


def random_dag_edges(n: int, *, seed: int = 0, branching: float = 3.0, extra_parent: float = 0.1) -> np.ndarray:
    """A random layered DAG ``(child, parent)``: a tree of mean branching ``branching``, then a second parent on
    the first parent's level for each node drawn with probability ``extra_parent`` (kept when that level has
    another node nearby; ``make bench`` times the closure of 100,000 nodes with the defaults)."""
    rng = np.random.default_rng(seed)
    parent = np.zeros(n, dtype=np.int64)
    level = np.zeros(n, dtype=np.int64)
    for i in range(1, n):
        parent[i] = int(rng.integers(max(0, int((i - 1) / branching) - 2), int((i - 1) / branching) + 1))
        level[i] = level[parent[i]] + 1
    edges = [np.stack([np.arange(1, n), parent[1:]], axis=1)]
    extra = rng.random(n) < extra_parent
    extra[0] = False
    cand = np.flatnonzero(extra)
    # a second parent on the same level as the first keeps the graph acyclic
    second = np.clip(parent[cand] + rng.integers(-3, 4, len(cand)), 0, None)
    ok = (level[second] == level[parent[cand]]) & (second != parent[cand]) & (second < cand)
    edges.append(np.stack([cand[ok], second[ok]], axis=1))
    return np.unique(np.concatenate(edges), axis=0)


def _parents(family: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """The parent of every node (``-1`` for a root) of one of the tree families."""
    idx = np.arange(n)
    if family.startswith("balanced-b"):
        k = int(family[len("balanced-b"):])
        parent = (idx - 1) // k
    elif family == "deep":
        window = max(1, n // 20)
        back = np.minimum(rng.integers(1, window + 1, n), idx)
        parent = idx - back
    elif family == "forest":
        roots = max(1, n // 100)
        parent = np.full(n, -1, dtype=np.int64)
        depth = np.zeros(n, dtype=np.int64)
        for i in range(roots, n):  # a child of an earlier node of depth <= 1: depth at most 2
            while True:
                p = int(rng.integers(0, i))
                if depth[p] <= 1:
                    break
            parent[i], depth[i] = p, depth[p] + 1
        return parent
    else:
        raise InputError("unknown generated family", value=family)
    parent = parent.astype(np.int64)
    parent[0] = -1
    return parent


def generated_hierarchy(family: str, nodes: int, *, seed: int = 0) -> Hierarchy:
    """The hierarchy of ``family`` (see the module docstring) with ``nodes`` nodes, closed transitively."""
    name = f"{PREFIX}{family}:{nodes}" + (f":{seed}" if seed else "")
    parse_generated(name)  # the same checks as a name
    if family == "dag":  # 40% drawn, about 30% kept (the rest find no other parent on their level)
        edges = random_dag_edges(nodes, seed=seed, branching=3.0, extra_parent=0.4)
    else:
        parent = _parents(family, nodes, np.random.default_rng([seed, nodes, sum(map(ord, family))]))
        child = np.flatnonzero(parent >= 0)
        edges = np.stack([child, parent[child]], axis=1)
    names = [f"n{i}" for i in range(nodes)]
    return Hierarchy.from_index_edges(names, edges, name=name, meta={"generated": family, "seed": seed})
