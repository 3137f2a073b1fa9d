"""Tests for hypergensim.datasets.splits: invariants, determinism, negatives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypergensim.datasets import Hierarchy, ganea2018_split, nickel2017_split
from hypergensim.errors import InputError


def _rows(arr):
    return {tuple(r) for r in arr.tolist()}


def check_partition(h, split):
    train, valid, test = _rows(split.train), _rows(split.valid), _rows(split.test)
    assert not (train & valid) and not (train & test) and not (valid & test)
    assert train | valid | test == _rows(h.closure)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_nickel2017_invariants_on_mammals(mammals, seed):
    s = nickel2017_split(mammals, test_fraction=0.1, valid_fraction=0.05, seed=seed)
    check_partition(mammals, s)
    n = mammals.n_nodes
    assert len(s.test) == round(0.1 * mammals.n_edges) and len(s.valid) == round(0.05 * mammals.n_edges)
    held = np.concatenate([s.valid, s.test])
    roots_or_leaves = {mammals.index[x] for x in mammals.roots + mammals.leaves}
    assert not (set(held.ravel().tolist()) & roots_or_leaves)
    # every node keeps at least one training edge
    assert (np.bincount(s.train.ravel(), minlength=n) > 0).all()


def test_splits_are_deterministic_per_seed(mammals):
    a = nickel2017_split(mammals, seed=3)
    b = nickel2017_split(mammals, seed=3)
    c = nickel2017_split(mammals, seed=4)
    np.testing.assert_array_equal(a.test, b.test)
    assert _rows(a.test) != _rows(c.test)
    g1, g2 = ganea2018_split(mammals, seed=5), ganea2018_split(mammals, seed=5)
    np.testing.assert_array_equal(g1.test_negatives, g2.test_negatives)


@pytest.mark.parametrize("share", [0.0, 0.1, 0.25, 0.5, 0.9])
def test_ganea2018_invariants(mammals, share):
    s = ganea2018_split(mammals, train_share=share, seed=0)
    train, valid, test = _rows(s.train), _rows(s.valid), _rows(s.test)
    assert _rows(mammals.basic) <= train
    non_basic = mammals.n_edges - len(mammals.basic)
    assert len(valid) == len(test) == round(0.05 * non_basic)
    rest = non_basic - 2 * len(valid)
    assert len(train) == len(mammals.basic) + min(rest, round(share * non_basic))  # a share of them all, as Ganea
    assert not (train & valid) and not (train & test) and not (valid & test)
    closure = _rows(mammals.closure)
    for negs, pos in ((s.valid_negatives, s.valid), (s.test_negatives, s.test)):
        assert len(negs) == 10 * len(pos)
        assert len(_rows(negs)) == len(negs)  # drawn without replacement: no duplicate pair
        assert not (_rows(negs) & closure)
        assert all(a != b for a, b in negs.tolist())
    # up to 5 corrupt the child (ancestor kept), then the ancestor is corrupted (child kept) for the rest:
    # all 10 when the ancestor is the root, above every node, and more than 5 when the pairs (x, ancestor)
    # left unused by earlier positives run out (negatives are drawn without replacement)
    root = mammals.index["mammal.n.01"]
    for i, (child, anc) in enumerate(s.test.tolist()):
        block = s.test_negatives[10 * i : 10 * i + 10]
        k = int(np.argmin(block[:, 1] == anc)) if not (block[:, 1] == anc).all() else 10
        assert k <= 5 and (block[:k, 1] == anc).all() and (block[k:, 0] == child).all()
        assert k == 0 or anc != root


def test_bad_split_arguments(toy):
    with pytest.raises(InputError, match="train_share"):
        ganea2018_split(toy, train_share=0.3)
    with pytest.raises(InputError, match="fractions"):
        nickel2017_split(toy, test_fraction=1.5)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=5, max_value=60), st.integers(min_value=0, max_value=99))
def test_nickel2017_invariants_random_trees(n, seed):
    rng = np.random.default_rng(seed)
    pairs = [(f"v{i}", f"v{int(rng.integers(0, i))}") for i in range(1, n)]
    h = Hierarchy.from_edges(pairs)
    s = nickel2017_split(h, test_fraction=0.2, seed=seed)
    check_partition(h, s)
    covered = np.bincount(s.train.ravel(), minlength=h.n_nodes)
    assert (covered > 0).all()


def test_write_split(tmp_path, mammals):
    s = ganea2018_split(mammals, seed=0)
    paths = s.write(tmp_path / "out")
    assert sorted(p.name for p in paths.values()) == [
        "test.tsv", "test_negatives.tsv", "train.tsv", "valid.tsv", "valid_negatives.tsv"]
    assert len((tmp_path / "out" / "test.tsv").read_text().splitlines()) == len(s.test)


def test_ganea2018_can_remove_the_root_first(mammals):
    from hypergensim.datasets import without_root

    root = mammals.roots[0]
    g = without_root(mammals)
    assert root not in g.nodes and g.n_nodes == mammals.n_nodes - 1
    # the root is an ancestor of every other node: exactly its edges go
    assert g.n_edges == mammals.n_edges - (mammals.n_nodes - 1)
    s = ganea2018_split(mammals, train_share=0.0, remove_root=True, seed=1)
    assert s.nodes == g.nodes and _rows(s.train) == _rows(g.basic)
    assert root not in s.nodes


def test_remove_root_needs_exactly_one_root():
    from hypergensim.datasets import make_split, without_root

    forest = Hierarchy.from_edges([("a", "r1"), ("b", "r2")], name="forest")
    with pytest.raises(InputError, match="exactly one root.*has 2"):
        without_root(forest)
    tree = Hierarchy.from_edges([("a", "r"), ("b", "r"), ("c", "a")], name="tree")
    with pytest.raises(InputError, match="ganea2018 split only"):
        make_split(tree, "nickel2017", remove_root=True)


def test_ganea2018_nouns_without_its_root_has_the_published_counts():
    """Ganea et al. remove entity.n.01 first: 661,127 closure edges, 84,363 basic (dalab/hyperbolic_cones)."""
    from hypergensim.datasets import load_hierarchy, without_root

    g = without_root(load_hierarchy("nouns"))
    assert (g.n_edges, len(g.basic)) == (661_127, 84_363)
