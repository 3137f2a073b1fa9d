"""Deterministic link-prediction splits of a hierarchy's closure edges.

* ``nickel2017`` (Nickel & Kiela, 2017): hold out a fraction of the closure
  edges whose two endpoints are neither a root nor a leaf, while every node
  keeps at least one training edge.  The held-out edges are halved into
  valid and test when ``valid_fraction`` is given.
* ``ganea2018`` (Ganea et al., 2018): basic (transitive-reduction) edges always
  stay in train; valid and test each get 5% of the non-basic edges; train gets
  a chosen share (0, 10, 25, 50 or 90%) of all the non-basic edges, drawn from
  the rest (90% takes all of the rest).  For
  F1, 10 negatives per valid/test positive are drawn: 5 corrupt the child and
  5 the ancestor (the ancestor side makes up for children that cannot be
  corrupted, e.g. below a root that is everyone's ancestor), never producing a
  closure edge or a self-loop.

The three edge sets are disjoint.  All randomness comes from ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .._atomic import atomic_write, ensure_parent
from ..errors import InputError
from .hierarchy import Hierarchy

__all__ = ["Split", "nickel2017_split", "ganea2018_split", "without_root", "make_split", "SPLIT_METHODS",
           "GANEA_TRAIN_SHARES"]

SPLIT_METHODS = ("nickel2017", "ganea2018")
GANEA_TRAIN_SHARES = (0.0, 0.1, 0.25, 0.5, 0.9)


@dataclass
class Split:
    """Train/valid/test edges as index arrays into ``nodes`` (rows ``(child, ancestor)``).

    Examples
    --------
    >>> from hypergensim.datasets import generated_hierarchy
    >>> split = nickel2017_split(generated_hierarchy("balanced-b3", 121), test_fraction=0.1, seed=0)
    >>> split.method, split.counts()["train"] + split.counts()["test"] == generated_hierarchy("balanced-b3", 121).n_edges
    ('nickel2017', True)
    >>> split.pairs("test")[0] in generated_hierarchy("balanced-b3", 121).relations()
    True
    """

    nodes: list[str]
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray
    method: str
    seed: int
    valid_negatives: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    test_negatives: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    def counts(self) -> dict[str, int]:
        """Sizes of every part."""
        return {
            "train": len(self.train), "valid": len(self.valid), "test": len(self.test),
            "valid_negatives": len(self.valid_negatives), "test_negatives": len(self.test_negatives),
        }

    def pairs(self, part: str) -> list[tuple[str, str]]:
        """One part as ``(child, ancestor)`` name pairs."""
        arr = getattr(self, part)
        return [(self.nodes[a], self.nodes[b]) for a, b in arr.tolist()]

    @staticmethod
    def file_name(part: str) -> str:
        """The file a part is written to by :meth:`write` (``train.tsv``, ``test_negatives.tsv``, ...)."""
        return f"{part}.tsv"

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write ``train.tsv``, ``valid.tsv``, ``test.tsv`` (and negatives) atomically."""
        directory = Path(directory)
        ensure_parent(directory / "x", create=True)
        out = {}
        parts = ["train", "valid", "test"]
        if self.method == "ganea2018":
            parts += ["valid_negatives", "test_negatives"]
        for part in parts:
            path = directory / self.file_name(part)
            with atomic_write(path) as fh:
                fh.write("".join(f"{a}\t{b}\n" for a, b in self.pairs(part)))
            out[part] = path
        return out


def _sorted_rows(arr: np.ndarray) -> np.ndarray:
    arr = np.asarray(arr, dtype=np.int64).reshape(-1, 2)
    return arr[np.lexsort((arr[:, 1], arr[:, 0]))]


def nickel2017_split(
    h: Hierarchy, *, test_fraction: float = 0.1, valid_fraction: float = 0.0, seed: int = 0
) -> Split:
    """Hold out closure edges between inner nodes, keeping a training edge for every node.

    Examples
    --------
    >>> from hypergensim.datasets import from_tree
    >>> h = from_tree({"a": {"b": {"c": ["d", "e"]}, "f": {"g": ["h"]}}})
    >>> s = nickel2017_split(h, test_fraction=0.2, seed=0)
    >>> len(s.train) + len(s.test) == h.n_edges
    True
    """
    if not 0.0 < test_fraction < 1.0 or not 0.0 <= valid_fraction < 1.0 or test_fraction + valid_fraction >= 1.0:
        raise InputError("fractions must satisfy 0 < test, 0 <= valid and test + valid < 1",
                         value=f"test={test_fraction}, valid={valid_fraction}")
    rng = np.random.default_rng(seed)
    edges = h.closure
    n = h.n_nodes
    has_anc = np.bincount(edges[:, 0], minlength=n) > 0
    has_desc = np.bincount(edges[:, 1], minlength=n) > 0
    inner = has_anc & has_desc  # neither a root nor a leaf
    candidates = np.flatnonzero(inner[edges[:, 0]] & inner[edges[:, 1]])
    want_test = int(round(test_fraction * len(edges)))
    want_valid = int(round(valid_fraction * len(edges)))
    degree = np.bincount(edges.ravel(), minlength=n)
    held: list[int] = []
    for e in rng.permutation(candidates).tolist():
        if len(held) >= want_test + want_valid:
            break
        a, b = edges[e]
        if degree[a] > 1 and degree[b] > 1:
            degree[a] -= 1
            degree[b] -= 1
            held.append(e)
    held_arr = np.array(held, dtype=np.int64)
    mask = np.ones(len(edges), dtype=bool)
    mask[held_arr] = False
    test_idx, valid_idx = held_arr[:want_test], held_arr[want_test:]
    return Split(h.nodes, edges[mask], _sorted_rows(edges[valid_idx]), _sorted_rows(edges[test_idx]),
                 "nickel2017", seed)


def _corrupt(
    rng: np.random.Generator, positives: np.ndarray, closure_set: set[tuple[int, int]], n: int, per_side: int
) -> np.ndarray:
    """``2 * per_side`` negatives per positive: first corrupt the child, then the ancestor.

    Drawn without replacement: no pair is a closure edge, and none appears twice among the negatives.

    When the child cannot be corrupted (the ancestor is a root above every other
    node, so every ``(r, ancestor)`` is a closure edge), the ancestor side makes
    up the difference, so every positive still gets ``2 * per_side`` negatives.
    """
    out = []
    drawn: set[tuple[int, int]] = set()  # without replacement: no negative pair twice in one part
    budget = 200 * per_side
    for a, b in positives.tolist():
        made = []
        for side, want in ((0, per_side), (1, 2 * per_side)):
            tries = 0
            while len(made) < want and tries < budget:
                tries += 1
                r = int(rng.integers(n))
                pair = (r, b) if side == 0 else (a, r)
                if pair[0] != pair[1] and pair not in closure_set and pair not in drawn:
                    made.append(pair)
                    drawn.add(pair)
        out += made
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def without_root(h: Hierarchy) -> Hierarchy:
    """``h`` without its one root and the closure edges that end in it (Ganea et al. remove ``entity.n.01``).

    The root is every node's ancestor, so no path runs through it: the closure
    of what is left is the old closure minus the root's edges, and the basic
    edges are recomputed.  A hierarchy with several roots is refused, since
    which one to remove would be a guess.

    Examples
    --------
    >>> h = Hierarchy.from_edges([("a", "r"), ("b", "r"), ("c", "a")], name="toy")
    >>> g = without_root(h)
    >>> sorted(g.nodes), g.n_edges
    (['a', 'b', 'c'], 1)
    """
    roots = h.roots
    if len(roots) != 1:
        raise InputError(f"remove_root needs a hierarchy with exactly one root, {h.name!r} has {len(roots)}",
                         value=", ".join(roots[:5]) + (", ..." if len(roots) > 5 else ""))
    return h.subset([n for n in h.nodes if n != roots[0]], name=f"{h.name} without {roots[0]}")


def ganea2018_split(
    h: Hierarchy, *, train_share: float = 0.9, seed: int = 0, negatives_per_side: int = 5,
    remove_root: bool = False,
) -> Split:
    """Ganea et al.'s split: basic edges in train, 5%/5% of non-basic edges for valid/test.

    ``train_share`` is the share of *all* the non-basic edges added to train,
    drawn from those left after valid and test (their ``split_wordnet_data.py``
    samples ``train_perc * num_non_basic_edges / 100`` of them; ``0.9`` takes
    all that are left): on WordNet nouns without its root, 10% gives 142,039
    training edges, the size of their ``noun_closure.tsv.train_10percent``.
    ``remove_root`` first removes the hierarchy's root (:func:`without_root`), as
    their ``split_wordnet_data.py`` does with ``entity.n.01``: on WordNet nouns
    that leaves 661,127 closure edges, 84,363 of them basic.
    """
    if train_share not in GANEA_TRAIN_SHARES:
        raise InputError(f"train_share must be one of {GANEA_TRAIN_SHARES}", value=train_share)
    if remove_root:
        h = without_root(h)
    rng = np.random.default_rng(seed)
    edges = h.closure
    basic = {tuple(e) for e in h.basic.tolist()}
    is_basic = np.array([tuple(e) in basic for e in edges.tolist()], dtype=bool)
    non_basic = rng.permutation(np.flatnonzero(~is_basic))
    k = int(round(0.05 * len(non_basic)))
    if k == 0 and len(non_basic) >= 2:
        k = 1  # tiny hierarchies still get a non-empty valid and test set
    valid_idx, test_idx, rest = non_basic[:k], non_basic[k : 2 * k], non_basic[2 * k :]
    extra = rest[: min(len(rest), int(round(train_share * len(non_basic))))]
    train = _sorted_rows(np.concatenate([edges[is_basic], edges[extra]]))
    valid, test = _sorted_rows(edges[valid_idx]), _sorted_rows(edges[test_idx])
    closure_set = {tuple(e) for e in edges.tolist()}
    return Split(h.nodes, train, valid, test, "ganea2018", seed,
                 _corrupt(rng, valid, closure_set, h.n_nodes, negatives_per_side),
                 _corrupt(rng, test, closure_set, h.n_nodes, negatives_per_side))


def make_split(h: Hierarchy, method: str, *, seed: int = 0, test_fraction: float = 0.1,
               valid_fraction: float = 0.0, train_share: float = 0.9, remove_root: bool = False) -> Split:
    """Dispatch to :func:`nickel2017_split` or :func:`ganea2018_split` by name."""
    if remove_root and method != "ganea2018":
        raise InputError("remove_root applies to the ganea2018 split only", value=method)
    if method == "nickel2017":
        return nickel2017_split(h, test_fraction=test_fraction, valid_fraction=valid_fraction, seed=seed)
    if method == "ganea2018":
        return ganea2018_split(h, train_share=train_share, seed=seed, remove_root=remove_root)
    raise InputError(f"unknown split method (choose from {', '.join(SPLIT_METHODS)})", value=method)
