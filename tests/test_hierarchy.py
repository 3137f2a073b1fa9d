"""Tests for hypergensim.datasets.hierarchy: closure, reduction, depth, summaries, I/O."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypergensim.datasets import Hierarchy, generated_hierarchy
from hypergensim.errors import CycleError


def naive_closure(pairs):
    """Reference: repeated relaxation until nothing changes."""
    anc = {}
    for c, p in pairs:
        if c != p:
            anc.setdefault(c, set()).add(p)
    changed = True
    while changed:
        changed = False
        for c in list(anc):
            extra = set().union(*(anc.get(p, set()) for p in anc[c])) - anc[c]
            if extra:
                anc[c] |= extra
                changed = True
    return {(c, a) for c, s in anc.items() for a in s}


@st.composite
def random_dag(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    pairs = []
    for child in range(1, n):
        parents = draw(st.lists(st.integers(min_value=0, max_value=child - 1), max_size=3))
        pairs += [(f"n{child}", f"n{p}") for p in parents]
    # shuffle the order nodes appear in
    return draw(st.permutations(pairs)) if pairs else pairs


@settings(max_examples=80, deadline=None)
@given(random_dag())
def test_closure_equals_naive_reference(pairs):
    h = Hierarchy.from_edges(pairs)
    assert set(h.relations()) == naive_closure(pairs)
    # the reduction regenerates the closure and has no redundant edge
    basic = h.relations(basic=True)
    assert naive_closure(basic) == set(h.relations())
    for edge in basic:
        rest = [e for e in basic if e != edge]
        assert edge not in naive_closure(rest)


@settings(max_examples=50, deadline=None)
@given(random_dag(), st.integers(min_value=0, max_value=10_000))
def test_cycles_are_always_detected(pairs, seed):
    if not pairs:
        return
    rng = np.random.default_rng(seed)
    c, p = pairs[int(rng.integers(len(pairs)))]
    # adding the reversed edge of any closure pair closes a cycle
    with pytest.raises(CycleError) as info:
        Hierarchy.from_edges([*pairs, (p, c)])
    cycle = info.value.cycle
    assert len(cycle) >= 2
    closure = naive_closure([*pairs, (p, c)])
    for a, b in zip(cycle, cycle[1:] + cycle[:1]):
        assert (a, b) in closure  # consecutive cycle members really are linked


def test_toy_structure(toy):
    s = toy.summarize()
    assert (s.nodes, s.closure_edges, s.basic_edges) == (13, 22, 13)
    assert sorted(toy.roots) == ["animal", "flyer"]
    assert s.multi_parent_nodes == 2
    assert sorted(toy.ancestors("puppy")) == ["animal", "dog", "mammal"]
    assert sorted(toy.parents("bat")) == ["flyer", "mammal"]
    depth = dict(zip(toy.nodes, toy.depth.tolist()))
    assert depth["puppy"] == 3 and depth["animal"] == 0 and depth["flyer"] == 0 and depth["bat"] == 2
    assert "puppy" in toy.leaves and "dog" not in toy.leaves


def test_node_order_is_first_appearance():
    h = Hierarchy.from_edges([("b", "a"), ("c", "b"), ("d", "a")])
    assert h.nodes == ["b", "a", "c", "d"]


def test_self_loops_and_duplicates_dropped_and_counted():
    h = Hierarchy.from_edges([("a", "b"), ("a", "b"), ("b", "b"), ("b", "c")])
    s = h.summarize()
    assert s.self_loops_dropped == 1 and s.duplicates_dropped == 1 and s.input_edges == 4
    assert h.n_edges == 3
    assert "dropped 1 self-loops and 1 duplicate edges" in str(s)


def test_closure_input_gives_same_result_as_basic(toy):
    again = Hierarchy.from_edges(toy.relations())
    assert set(again.relations()) == set(toy.relations())
    assert set(again.relations(basic=True)) == set(toy.relations(basic=True))


def test_parent_child_direction():
    h = Hierarchy.from_edges([("animal", "dog")], direction="parent-child")
    assert h.relations() == [("dog", "animal")]


def test_tsv_and_pandas_round_trip(toy, tmp_path):
    from hypergensim.datasets import from_dataframe, read_edge_file

    path = toy.to_tsv(tmp_path / "c.tsv")
    lines = path.read_text().splitlines()
    assert len(lines) == 22 and all(len(x.split("\t")) == 2 for x in lines)
    back = read_edge_file(path)
    assert set(back.relations()) == set(toy.relations())
    df = toy.to_pandas()
    assert list(df.columns) == ["child", "ancestor"] and len(df) == 22
    assert set(from_dataframe(df).relations()) == set(toy.relations())
    assert isinstance(df, pd.DataFrame)


def test_array_round_trip(toy):
    again = Hierarchy.from_arrays(toy.to_arrays(), name="toy", meta={})
    assert again.nodes == toy.nodes
    np.testing.assert_array_equal(again.closure, toy.closure)
    np.testing.assert_array_equal(again.basic, toy.basic)


def test_subset_keeps_induced_edges(toy):
    sub = toy.subset(["dog", "puppy", "mammal"])
    assert set(sub.relations()) == {("dog", "mammal"), ("puppy", "dog"), ("puppy", "mammal")}


def test_cycle_error_names_nodes():
    with pytest.raises(CycleError, match=r"x -> y -> z -> x|y -> z -> x -> y|z -> x -> y -> z"):
        Hierarchy.from_edges([("x", "y"), ("y", "z"), ("z", "x"), ("w", "x")])


def test_large_permutation_invariance():
    pairs = [(f"c{i}", f"c{i // 3}") for i in range(1, 400)]
    a = Hierarchy.from_edges(pairs)
    b = Hierarchy.from_edges(list(reversed(pairs)))
    assert set(a.relations()) == set(b.relations())
    assert a.summarize().max_depth == b.summarize().max_depth == max(
        len(list(itertools.takewhile(lambda x: x > 0, _chain(i)))) for i in range(400))


def _chain(i):
    while True:
        yield i
        i //= 3


def naive_depths(n, pairs):
    """Reference: the longest path up from each node by recursion over its ancestors (the input is acyclic)."""
    ancestors = {}
    for c, p in pairs:
        ancestors.setdefault(c, []).append(p)
    memo = {}

    def depth(v):
        if v not in memo:
            memo[v] = max((depth(p) + 1 for p in ancestors.get(v, [])), default=0)
        return memo[v]

    return [depth(v) for v in range(n)]


@settings(max_examples=80, deadline=None)
@given(random_dag())
def test_longest_path_depths_equal_the_reference_on_the_basic_edges_and_the_closure(pairs):
    from hypergensim.datasets.hierarchy import longest_path_depths

    h = Hierarchy.from_edges(pairs) if pairs else None
    if h is None:
        return
    expected = naive_depths(h.n_nodes, h.basic.tolist())
    assert longest_path_depths(h.basic, h.n_nodes).tolist() == expected == h.depth.tolist()
    assert longest_path_depths(h.closure, h.n_nodes).tolist() == expected  # the closure has the same longest paths


def test_longest_path_depths_mark_a_cycle_and_what_hangs_below_it():
    from hypergensim.datasets.hierarchy import longest_path_depths

    # 0 is a root; 1 → 0; 2 ⇄ 3 a cycle; 4 → 3 below it; 5 → 1 and 5 → 4; 6 alone
    edges = np.array([[1, 0], [2, 3], [3, 2], [4, 3], [5, 1], [5, 4]])
    assert longest_path_depths(edges, 7).tolist() == [0, 1, -1, -1, -1, -1, 0]
    assert longest_path_depths(np.empty((0, 2), dtype=np.int64), 3).tolist() == [0, 0, 0]


def test_unclosed_chain_finds_a_missing_ancestor_exactly_where_one_is_missing():
    from hypergensim.datasets.hierarchy import unclosed_chain

    h = generated_hierarchy("dag", 3000, seed=4)
    closure = h.relations()
    assert unclosed_chain(closure) is None and unclosed_chain(closure + [("x", "x")]) is None
    basic = set(h.relations(basic=True))
    derived = [i for i, pair in enumerate(closure) if pair not in basic]  # a path of two steps or more under each
    for drop in derived[:2] + derived[-2:]:
        rest = closure[:drop] + closure[drop + 1:]
        chain = unclosed_chain(rest)
        assert chain is not None and (chain[0], chain[2]) == closure[drop]
        assert {(chain[0], chain[1]), (chain[1], chain[2])} <= set(rest)
    for drop in [i for i, pair in enumerate(closure) if pair in basic][:3]:  # the rest is still closed
        assert unclosed_chain(closure[:drop] + closure[drop + 1:]) is None
    assert unclosed_chain([(str(i + 1), str(i)) for i in range(1000)], most_paths=100) is None  # too many: unsaid
