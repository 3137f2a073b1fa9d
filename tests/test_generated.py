"""Generated hierarchy families: shapes as documented, seeded, usable wherever a dataset name is."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_cli
from hypergensim.datasets import generated_hierarchy, load_hierarchy, resolve_relations
from hypergensim.errors import InputError


@pytest.mark.parametrize("k", [2, 5, 50])
def test_balanced_trees_are_complete_k_ary_trees(k):
    h = generated_hierarchy(f"balanced-b{k}", 3000)
    s = h.summarize()
    assert s.roots == 1 and s.multi_parent_nodes == 0 and s.basic_edges == 2999
    depth = h.depth
    assert depth.max() == int(np.ceil(np.log(3000 * (k - 1) + 1) / np.log(k))) - 1
    parents = {c: p for c, p in h.relations(basic=True)}
    assert all(sum(1 for p in parents.values() if p == f"n{i}") in (0, k) or i == (2999 - 1) // k
               for i in range(50))


def test_deep_forest_and_dag_have_their_shapes():
    deep, forest, dag = (generated_hierarchy(f, 20_000) for f in ("deep", "forest", "dag"))
    assert deep.summarize().max_depth > 30 and deep.summarize().roots == 1
    f = forest.summarize()
    assert f.roots == 200 and f.max_depth == 2
    d = dag.summarize()
    assert d.roots == 1 and 0.15 < d.multi_parent_nodes / d.nodes < 0.35


def test_the_same_name_and_seed_give_the_same_hierarchy():
    a, b = load_hierarchy("generated:dag:5000:7"), load_hierarchy("generated:dag:5000:7")
    c = load_hierarchy("generated:dag:5000:8")
    np.testing.assert_array_equal(a.closure, b.closure)
    assert a.n_edges != c.n_edges or not np.array_equal(a.closure, c.closure)
    assert a.name == "generated:dag:5000:7" and a.meta["seed"] == 7


@pytest.mark.parametrize(("name", "message"), [
    ("generated:balanced:100", "FAMILY one of"),
    ("generated:balanced-b1:100", "branching K from 2 to 50"),
    ("generated:balanced-b51:100", "branching K from 2 to 50"),
    ("generated:dag:1", "2 to 2,000,000 nodes"),
    ("generated:dag:99999999", "2 to 2,000,000 nodes"),
    ("generated:tree:100", "FAMILY one of"),
])
def test_bad_generated_names_fail_before_any_allocation(name, message):
    with pytest.raises(InputError, match=message):
        load_hierarchy(name)


def test_a_generated_name_trains_from_the_command_line(tmp_path):
    # 1 + 3 + 9 + 27 + 81 nodes: every node has as many ancestors as its depth
    assert len(resolve_relations("generated:balanced-b3:121", what="relations").pairs) == 3 + 9 * 2 + 27 * 3 + 81 * 4
    r = run_cli("train", "generated:balanced-b3:121", "--preset", "nickel2017", "--epochs", "3", "--out",
                tmp_path / "run", "--quiet")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "run" / "metrics.json").is_file()
