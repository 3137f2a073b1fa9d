"""Tests for ``hypergensim evaluate`` through a subprocess: every task, JSON, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import MAMMALS_TSV, TOY_BASIC, assert_clean_error, run_cli
from hypergensim.datasets import load_hierarchy, nickel2017_split
from hypergensim.evaluation import evaluate_link_prediction, evaluate_reconstruction
from hypergensim.vectors import write_word2vec_text


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    m = load_hierarchy("mammals")
    rng = np.random.default_rng(0)
    X = rng.uniform(-0.2, 0.2, (m.n_nodes, 5))
    d = tmp_path_factory.mktemp("v")
    write_word2vec_text(d / "v.txt", m.nodes, X)
    return d / "v.txt", m, X


def test_reconstruction_json_equals_library(vectors):
    path, m, X = vectors
    r = run_cli("evaluate", path, "--relations", MAMMALS_TSV, "--json")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    want = evaluate_reconstruction((m.nodes, X), m)
    for key in ["mean_rank", "map", "mrr", "hits_at_10", "n_queries", "n_pairs"]:
        assert got[key] == pytest.approx(getattr(want, key), abs=1e-12)
    assert got["seconds"] >= 0
    table = run_cli("evaluate", path, "--relations", MAMMALS_TSV)
    assert "mean rank" in table.stdout and "MAP" in table.stdout


def test_link_prediction_cli(vectors, tmp_path):
    path, m, X = vectors
    split = nickel2017_split(m, seed=0)
    split.write(tmp_path)
    r = run_cli("evaluate", path, "--task", "link-prediction", "--train", tmp_path / "train.tsv",
                "--test", tmp_path / "test.tsv", "--json")
    assert r.returncode == 0, r.stderr
    want = evaluate_link_prediction((m.nodes, X), split.pairs("train"), split.pairs("test"))
    assert json.loads(r.stdout)["mean_rank"] == pytest.approx(want.mean_rank, abs=1e-12)


def test_entailment_cli(vectors, tmp_path):
    path, m, X = vectors
    hl = tmp_path / "hl.txt"
    hl.write_text("WORD1 WORD2 POS TYPE AVG_SCORE\ndog mammal N hyp 9\nmammal dog N rhyp 1\ncat dog N co 2\n")
    r = run_cli("evaluate", path, "--task", "entailment", "--hyperlex", hl, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["n_pairs"] == 3


@pytest.mark.parametrize(
    ("vector_text", "fragments"),
    [
        ("2 2\nmammal.n.01 0.1 0.2\ndog.n.01 1.2 0.0\n", ["outside the open unit ball", "dog.n.01"]),
        ("2 2\nmammal.n.01 nan 0.2\ndog.n.01 0.1 0.0\n", ["NaN or inf", "mammal.n.01"]),
        ("2 3\nmammal.n.01 0.1 0.2\ndog.n.01 0.1 0.0 0.0\n", ["v.txt:2", "expected a key and 3 values"]),
        ("2 2\nmammal.n.01 0.1 0.2\ndog.n.01 0.1 0.0\n", ["have no vector", "--skip-missing"]),
    ],
)
def test_bad_vectors(tmp_path, vector_text, fragments):
    p = tmp_path / "v.txt"
    p.write_text(vector_text)
    assert_clean_error(run_cli("evaluate", p, "--relations", MAMMALS_TSV), *fragments)


def test_skip_missing_and_empty_relations(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("2 2\nmammal.n.01 0.1 0.2\ndog.n.01 0.1 0.0\n")
    rel = tmp_path / "r.tsv"
    rel.write_text("dog.n.01\tmammal.n.01\ncat.n.01\tmammal.n.01\n")
    r = run_cli("evaluate", p, "--relations", rel, "--skip-missing", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["coverage"] == 0.5
    rel.write_text("")
    assert_clean_error(run_cli("evaluate", p, "--relations", rel), "r.tsv", "empty")


def test_word2vec_binary_exports_are_read_back_and_spaces_are_refused(tmp_path):
    run = tmp_path / "run"
    r = run_cli("train", TOY_BASIC, "--dim", "3", "--epochs", "3", "--negative", "2", "--out", run, "--quiet")
    assert r.returncode == 0, r.stderr
    assert run_cli("export", run, "--format", "word2vec-binary", "-o", tmp_path / "v.bin").returncode == 0
    text = json.loads(run_cli("evaluate", run, "--json").stdout)
    binary = run_cli("evaluate", tmp_path / "v.bin", "--relations", run / "relations.tsv", "--json")
    assert binary.returncode == 0, binary.stderr
    assert json.loads(binary.stdout)["n_pairs"] == text["n_pairs"]  # float32 values, the same relations
    spaced = tmp_path / "spaced"
    spaced.mkdir()
    from hypergensim.vectors import write_npz

    write_npz(spaced, ["golden retriever", "dog"], np.array([[0.1, 0.2], [0.2, 0.1]]))
    out = run_cli("export", spaced, "--format", "word2vec-binary", "-o", tmp_path / "s.bin")
    assert_clean_error(out, "s.bin", "golden retriever", "whitespace")
    assert not (tmp_path / "s.bin").exists()


def test_f1_prints_a_table_like_the_other_tasks(tmp_path):
    split = tmp_path / "split"
    assert run_cli("build", MAMMALS_TSV, "--split", "ganea2018", "--train-share", "0.5", "-o", split).returncode == 0
    run = tmp_path / "run"
    r = run_cli("train", split / "train.tsv", "--dim", "3", "--epochs", "2", "--negative", "2", "--out", run,
                "--quiet")
    assert r.returncode == 0, r.stderr
    r = run_cli("evaluate", run, "--task", "f1", "--split-dir", split)
    assert r.returncode == 0, r.stderr
    assert "F1Result(" not in r.stdout
    lines = r.stdout.splitlines()
    assert lines[0].startswith("task") and any(ln.startswith("F1 (test)") for ln in lines)
    assert any(ln.startswith("pairs valid / test") for ln in lines)


def test_f1_of_an_f1_run_reads_its_own_parts_and_model(tmp_path):

    from hypergensim.pipeline import run

    result = run(MAMMALS_TSV, preset="nickel2018-lorentz", task="f1", split={"train_share": 0.5}, dim=3, epochs=3,
                 radius_warmup=2, workers=1, run_dir=tmp_path / "f1")
    r = run_cli("evaluate", tmp_path / "f1", "--task", "f1", "--json")
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["f1_test"] == result.metrics["f1"]["f1_test"] and again["score"] == "is-a"  # same model, same parts
    r = run_cli("evaluate", tmp_path / "f1", "--task", "f1", "--score", "distance", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["score"] == "distance"


def test_reconstruction_on_links_that_are_not_closed_says_what_it_ranks(tmp_path):
    from hypergensim.datasets import Hierarchy

    links = tmp_path / "links.tsv"
    links.write_text("dog\tcanine\ncanine\tmammal\ncat\tmammal\n")
    vectors = tmp_path / "v.txt"
    vectors.write_text("4 2\ndog 0.5 0.1\ncanine 0.3 0.05\nmammal 0.0 0.0\ncat -0.4 0.2\n")
    r = run_cli("evaluate", vectors, "--relations", links)
    assert r.returncode == 0, r.stderr
    assert "is not transitively closed (dog → canine → mammal, but no dog → mammal): the ranks are over" in r.stderr
    closure = Hierarchy.from_edges([("dog", "canine"), ("canine", "mammal"), ("cat", "mammal")]).to_tsv(
        tmp_path / "closure.tsv")
    r = run_cli("evaluate", vectors, "--relations", closure, "--json")
    assert r.returncode == 0 and "transitively closed" not in r.stderr and json.loads(r.stdout)["n_pairs"] == 4
