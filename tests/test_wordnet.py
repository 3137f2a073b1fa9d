"""Tests for hypergensim.datasets.wordnet and provision, on real WordNet through NLTK."""

from __future__ import annotations

import pytest

from hypergensim.datasets import load_hierarchy
from hypergensim.datasets.provision import LEXNAMES, ensure_wordnet, lexnames_text
from hypergensim.datasets.wordnet import wordnet_nouns, wordnet_subtree, wordnet_version
from hypergensim.errors import InputError


def test_wordnet_is_provisioned_and_nltk_reads_it():
    info = ensure_wordnet()
    assert info.version == "3.0"
    from nltk.corpus import wordnet as wn

    assert "canine.n.02" in {h.name() for h in wn.synset("dog.n.01").hypernyms()}


def test_lexnames_table():
    lines = lexnames_text().splitlines()
    assert len(lines) == 45 == len(LEXNAMES)
    assert lines[0] == "00\tadj.all\t3" and lines[3] == "03\tnoun.Tops\t1" and lines[-1] == "44\tadj.ppl\t3"


def test_mammals_exact_counts(wordnet_mammals):
    mammals = wordnet_mammals
    assert (mammals.n_nodes, mammals.n_edges) == (1180, 6540)
    assert mammals.roots == ["mammal.n.01"]
    assert "tusker.n.01" not in mammals.index and "female_mammal.n.01" not in mammals.index
    assert mammals.meta["wordnet_version"] == wordnet_version() == "3.0"


def test_mammals_uncached_equals_cached(wordnet_mammals):
    mammals = wordnet_mammals
    fresh = load_hierarchy("mammals", use_cache=False)
    assert fresh.nodes == mammals.nodes and set(fresh.relations()) == set(mammals.relations())


def test_nouns_exact_counts():
    h = wordnet_nouns()
    assert (h.n_nodes, h.n_edges) == (82115, 743241)
    assert h.roots == ["entity.n.01"]


def test_any_synset_root_and_verbs():
    animals = load_hierarchy("wordnet:animal.n.01")
    assert animals.roots == ["animal.n.01"]
    assert ("dog.n.01", "animal.n.01") in set(animals.relations())
    verbs = load_hierarchy("verbs")
    assert verbs.n_nodes > 10_000 and all(n.split(".")[-2] == "v" for n in verbs.nodes[:100])
    run = wordnet_subtree("run.v.01")
    assert run.roots == ["run.v.01"]


def test_unknown_synset():
    with pytest.raises(InputError, match="unknown WordNet synset.*'not_a_word.n.01'"):
        load_hierarchy("wordnet:not_a_word.n.01")


def test_unknown_dataset_name():
    with pytest.raises(InputError, match="not a dataset name"):
        load_hierarchy("mamals")


@pytest.mark.slow
def test_facebook_script_rule_gives_743086():
    from hypergensim.datasets.wordnet import facebook_noun_closure_size

    assert facebook_noun_closure_size() == 743086
