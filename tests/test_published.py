"""Tests for hypergensim.published: every published number stored once, with where the paper prints it."""

from __future__ import annotations

import pytest

from hypergensim import published
from hypergensim.errors import ConfigError
from hypergensim.experiments import load_spec


def test_mammals_reference_is_cited_where_the_paper_prints_it():
    (row,) = published.lookup("nickel2017", dataset="mammals", task="reconstruction", dim=5)
    assert (row["mean_rank"], row["map"], row["where"]) == (1.26, 0.927, "Figure 2, caption")
    assert load_spec("nickel2017-mammals").reference_source().endswith("NeurIPS, Figure 2, caption")
    assert "Table 1" not in load_spec("nickel2017-mammals").reference_source()
    assert load_spec("nickel2017-nouns-reconstruction").reference_source().endswith("Table 1")


def test_each_published_number_is_stored_once():
    for source, count in (("nickel2017", 37), ("nickel2018", 6), ("ganea2018", 8)):
        rows = published.lookup(source)
        keys = [(r["dataset"], r["task"], r["model"], r["dim"], r.get("train_share")) for r in rows]
        assert len(keys) == len(set(keys)) == count
    # Table 1 of 2017: three models x two tasks x six dimensions, and the mammals caption
    assert {(r["model"], r["task"]) for r in published.lookup("nickel2017", dataset="nouns")} == {
        (m, t) for m in ("euclidean", "translational", "poincare") for t in ("reconstruction", "link-prediction")}
    assert published.lookup("ganea2018", dim=10, train_share=0.5)[0]["f1"] == 0.853
    assert published.lookup("nickel2018", model="lorentz", dim=10)[0]["map"] == 0.928
    with pytest.raises(ConfigError, match="no published numbers for 'nickel2099'"):
        published.lookup("nickel2099")
