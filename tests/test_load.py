"""Load: the evaluator and the command line at WordNet-nouns scale, repeatedly, without memory growth.

The full-scale figures (20 complete nouns evaluations, memory after each) are
measured by ``make bench`` (section ``reliability``) and recorded in
``evaluation/results/bench-reliability.json``; here the same loop runs with
sampled queries so the suite stays fast.
"""

from __future__ import annotations

import gc
import json

import numpy as np
import pytest

from conftest import run_cli
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.vectors import write_word2vec_text


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS")) / 1024


@pytest.fixture(scope="module")
def nouns():
    from hypergensim.datasets import load_hierarchy

    return load_hierarchy("nouns")


@pytest.fixture(scope="module")
def nouns_vectors(nouns):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(nouns.n_nodes, 10))
    x *= rng.uniform(0, 0.999, size=(nouns.n_nodes, 1)) / np.linalg.norm(x, axis=1, keepdims=True)
    return list(nouns.nodes), x


def test_repeated_nouns_evaluations_do_not_grow_memory(nouns, nouns_vectors):
    rss = []
    results = []
    for i in range(12):
        r = evaluate_reconstruction(nouns_vectors, nouns, sample=1000, random_state=i)
        results.append(r.mean_rank)
        gc.collect()
        rss.append(rss_mb())
    assert all(np.isfinite(results))
    # after the first call has warmed caches and compiled kernels, memory is flat
    growth = rss[-1] - rss[2]
    assert growth < 25, f"RSS grew by {growth:.1f} MB over 9 evaluations: {[round(v) for v in rss]}"


def test_cli_evaluates_nouns_scale_repeatedly(nouns, nouns_vectors, tmp_path):
    keys, x = nouns_vectors
    vec = write_word2vec_text(tmp_path / "v.txt", keys, x)
    outputs = []
    for _ in range(2):
        result = run_cli("evaluate", vec, "--relations", "nouns", "--sample", "2000", "--seed", "7", "--json")
        assert result.returncode == 0, result.stderr
        metrics = json.loads(result.stdout)
        metrics.pop("seconds")
        outputs.append(metrics)
    assert outputs[0] == outputs[1] and outputs[0]["n_queries"] == 2000
