"""The combinatorial start (hypergensim.training.initialization) and init='tree' on the estimator."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import MAMMALS_TSV, assert_clean_error, run_cli
from hypergensim.datasets import from_tree, generated_hierarchy
from hypergensim.errors import ConfigError, InputError
from hypergensim.evaluation.tasks import evaluate_reconstruction
from hypergensim.manifold import poincare_distance
from hypergensim.training import PoincareEmbedding
from hypergensim.training.initialization import spanning_parents, tree_start
from hypergensim.training.schedule import HierarchyProfile


def test_spanning_parents_keep_each_nodes_deepest_ancestor():
    # c has parents a and b; b is below a, so b is c's deepest ancestor
    pairs = [("a", "r"), ("b", "a"), ("b", "r"), ("c", "a"), ("c", "b"), ("c", "r"), ("d", "r")]
    keys = ["r", "a", "b", "c", "d"]
    assert spanning_parents(keys, pairs).tolist() == [-1, 0, 1, 2, 0]


def test_every_node_starts_one_edge_from_its_parent_and_the_deepest_at_the_radius():
    h = generated_hierarchy("balanced-b3", 400, seed=0)
    pairs = h.relations()
    keys = sorted({x for pair in pairs for x in pair})
    x = tree_start(keys, pairs, dim=5, radius=2.0, rng=np.random.default_rng(1), jitter=0.0)
    parent = spanning_parents(keys, pairs)
    child = np.flatnonzero(parent >= 0)
    depth = HierarchyProfile.from_pairs(pairs).max_ancestors  # a tree's depth
    edges = poincare_distance(x[child], x[parent[child]])
    assert np.allclose(edges, 2.0 / depth, rtol=1e-9)
    radii = poincare_distance(x, np.zeros_like(x))
    assert radii.max() <= 2.0 + 1e-9 and np.all(np.linalg.norm(x, axis=1) < 1)
    # children move away from the root: each is further out than its parent
    assert np.all(radii[child] > radii[parent[child]])
    # the same seed gives the same start
    again = tree_start(keys, pairs, dim=5, radius=2.0, rng=np.random.default_rng(1), jitter=0.0)
    assert np.array_equal(x, again)


def test_bad_starts_get_clear_errors():
    with pytest.raises(InputError, match="cycle"):
        tree_start(["a", "b"], [("a", "b"), ("b", "a")], dim=3, radius=2.0, rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="dim >= 2"):
        tree_start(["a", "b"], [("a", "b")], dim=1, radius=2.0, rng=np.random.default_rng(0))
    with pytest.raises(InputError, match="'z'"):
        tree_start(["a", "b"], [("a", "z")], dim=3, radius=2.0, rng=np.random.default_rng(0))
    with pytest.raises(ConfigError, match="init='tree'.*euclidean"):
        PoincareEmbedding(model="euclidean", init="tree", epochs=2, verbose=0).fit(MAMMALS_TSV)


@pytest.mark.parametrize("model", ["poincare", "lorentz"])
def test_the_estimator_starts_from_the_tree_and_trains(model):
    tree = from_tree({"r": {"a": ["c", "d"], "b": ["e", "f"]}})
    est = PoincareEmbedding(model=model, init="tree", epochs=1, burn_in=0, alpha=1e-9, workers=1, verbose=0,
                            radius_warmup=0).fit(tree)  # one epoch that moves nothing: the start itself
    kv = est.kv_
    d = lambda u, v: float(poincare_distance(kv[u], kv[v]))  # noqa: E731
    assert d("a", "c") == pytest.approx(1.0, rel=1e-4) and d("r", "a") == pytest.approx(1.0, rel=1e-4)
    trained = PoincareEmbedding(model=model, init="tree", epochs=30, workers=1, verbose=0).fit(MAMMALS_TSV)
    assert evaluate_reconstruction(trained.kv_, MAMMALS_TSV).map > 0.5


def test_init_radius_places_the_deepest_node_and_is_refused_where_it_means_nothing():
    tree = from_tree({"r": {"a": ["c", "d"], "b": ["e", "f"]}})
    still = {"epochs": 1, "burn_in": 0, "alpha": 1e-9, "workers": 1, "verbose": 0, "radius_warmup": 0}
    radius = lambda est, key: float(poincare_distance(est.kv_[key], np.zeros(est.dim)))  # noqa: E731
    # an edge is the radius over the depth (2): the root's children sit at half of it, the leaves within it
    assert radius(PoincareEmbedding(init="tree", **still).fit(tree), "a") == pytest.approx(1.0, rel=1e-4)
    est = PoincareEmbedding(init="tree", init_radius=0.5, **still).fit(tree)
    assert radius(est, "a") == pytest.approx(0.25, rel=1e-4) and 0.25 < radius(est, "c") <= 0.5 + 1e-4
    with pytest.raises(ConfigError, match="init_radius=1.0 is the radius of the tree start; init='random'"):
        PoincareEmbedding(init_radius=1.0, **still).fit(tree)
    with pytest.raises(ConfigError, match="init_radius=3.0 is beyond radius_start=2.0"):
        PoincareEmbedding(init="tree", init_radius=3.0, radius_start=2.0, radius_warmup=1, epochs=2,
                          verbose=0).fit(tree)
    with pytest.raises(ConfigError, match=r"init_radius must be a number in \(0, 12.2"):
        PoincareEmbedding(init="tree", init_radius=20.0, **still).fit(tree)
    with pytest.raises(ConfigError, match="init_radius must be"):
        PoincareEmbedding(init="tree", init_radius=0.0, **still).fit(tree)


def test_train_takes_init_from_the_command_line(tmp_path):
    r = run_cli("train", MAMMALS_TSV, "--init", "tree", "--epochs", "5", "--workers", "1", "--out", tmp_path / "run")
    assert r.returncode == 0, r.stderr
    assert '"init": "tree"' in (tmp_path / "run" / "config.json").read_text()
    assert_clean_error(run_cli("train", MAMMALS_TSV, "--init", "sarkar", "--out", tmp_path / "bad"), "init")
    r = run_cli("train", MAMMALS_TSV, "--init", "tree", "--init-radius", "1.5", "--epochs", "2", "--workers", "1",
                "--out", tmp_path / "radius")
    assert r.returncode == 0, r.stderr
    assert '"init_radius": 1.5' in (tmp_path / "radius" / "config.json").read_text()
    assert_clean_error(run_cli("train", MAMMALS_TSV, "--init-radius", "1.5", "--out", tmp_path / "bad2"),
                       "init_radius")
