"""PoincareQueries and the key → row contract: each test would catch one of gensim's measured defects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hypergensim.downstream import PoincareQueries, embedding_matrix, encode_keys
from hypergensim.errors import InputError
from hypergensim.manifold import einstein_midpoint, poincare_distance
from hypergensim.vectors import to_keyed_vectors

KEYS = ["mammal", "dog", "cat", "puppy", "kitten"]
VECS = np.array([[0.0, 0.0], [0.5, 0.0], [0.0, 0.5], [0.8, 0.05], [0.05, 0.8]])


@pytest.fixture()
def kv():
    return to_keyed_vectors(KEYS, VECS)


def test_most_similar_never_returns_the_query(kv):
    q = PoincareQueries(kv)
    for key in KEYS:
        found = q.most_similar(key, topn=len(KEYS))
        assert key not in [k for k, _ in found]
        assert len(found) == len(KEYS) - 1
        d = [x for _, x in found]
        assert d == sorted(d)
    # a twin at distance 0 is returned, the query itself still is not
    twin = PoincareQueries((KEYS + ["dog2"], np.vstack([VECS, VECS[1]])))
    assert twin.most_similar("dog", topn=1) == [("dog2", 0.0)]
    assert twin.most_similar("dog", topn=2, restrict_to=["dog", "cat"]) == [("cat", pytest.approx(twin.distance("dog", "cat")))]


def test_integer_keys_are_names_not_row_numbers(kv):
    q = PoincareQueries(kv)
    with pytest.raises(InputError, match="not read as a row index"):
        q.distances(1)
    with pytest.raises(InputError, match="unknown key"):
        q.norm(1)
    # when the keys really are integers they are looked up by value, not position
    iq = PoincareQueries(to_keyed_vectors([10, 20, 30], VECS[:3]))
    assert iq.norm(20) == pytest.approx(0.5)
    with pytest.raises(InputError):
        iq.norm(1)
    assert np.allclose(q.distances("dog"), poincare_distance(VECS[1], VECS))


def test_descendants_stop_at_a_leaf(kv):
    q = PoincareQueries(kv)
    # gensim raises TypeError here once the chain passes the leaf
    chain = q.descendants("mammal", max_depth=10)
    assert chain[-1] is not None and q.closest_child(chain[-1]) is None
    assert len(chain) < 10
    assert q.descendants("mammal", max_depth=1) == [q.closest_child("mammal")]
    assert q.descendants("kitten") == []
    assert q.ancestors("puppy") == ["dog", "mammal"]
    assert q.ancestors("mammal") == []
    with pytest.raises(InputError):
        q.descendants("mammal", max_depth=-1)


def test_parent_and_child_follow_norm_then_distance(kv):
    q = PoincareQueries(kv)
    assert q.closest_parent("puppy") == "dog"
    assert q.closest_parent("kitten") == "cat"
    assert q.closest_child("cat") == "kitten"
    assert q.closest_parent("mammal") is None


def test_n_similarity_is_hyperbolic_not_cosine(kv):
    q = PoincareQueries(kv)
    # dog and cat are orthogonal: cosine similarity would be 0
    assert q.n_similarity(["dog"], ["cat"]) == pytest.approx(q.similarity("dog", "cat"))
    assert q.n_similarity(["dog"], ["cat"]) > 0.3
    mid = einstein_midpoint(VECS[[1, 3]])
    expected = 1.0 / (1.0 + float(poincare_distance(mid, VECS[0])))
    assert q.n_similarity(["dog", "puppy"], ["mammal"]) == pytest.approx(expected)
    with pytest.raises(InputError):
        q.n_similarity([], ["dog"])


def test_queries_on_a_trained_model(toy):
    from hypergensim.training import PoincareEmbedding

    est = PoincareEmbedding.from_preset("nickel2017", dim=2, epochs=40, negative=3, verbose=0).fit(toy)
    q = PoincareQueries(est)
    root = min(q.keys, key=q.norm)
    assert q.closest_parent(root) is None
    for key in q.keys:
        assert key not in [k for k, _ in q.most_similar(key, topn=5)]
        assert all(isinstance(k, str) for k in q.ancestors(key))


def test_embedding_matrix_index_is_explicit():
    m, index = embedding_matrix((KEYS, VECS), keys=["kitten", "dog"])
    assert index == {"kitten": 0, "dog": 1}
    assert np.array_equal(m, VECS[[4, 1]])
    m, index = embedding_matrix((KEYS, VECS))
    assert all(np.array_equal(m[index[k]], VECS[i]) for i, k in enumerate(KEYS))
    with pytest.raises(InputError, match="not in the embedding.*'emu'"):
        embedding_matrix((KEYS, VECS), keys=["dog", "emu"])
    with pytest.raises(InputError, match="twice"):
        embedding_matrix((KEYS, VECS), keys=["dog", "dog"])
    with pytest.raises(InputError, match="empty"):
        embedding_matrix((KEYS, VECS), keys=[])
    with pytest.raises(InputError, match="norm"):
        embedding_matrix((["a"], np.array([[1.5, 0.0]])))


def test_encode_keys():
    index = {"dog": 1, "cat": 0}
    assert encode_keys(index, ["dog", "cat"]).tolist() == [1, 0]
    with pytest.raises(InputError, match="position 1.*'emu'"):
        encode_keys(index, ["dog", "emu"])
    assert encode_keys(index, ["emu"], unknown=-1).tolist() == [-1]


def test_an_integer_id_read_as_text_is_named_in_the_error():
    """from_dataframe reads integer ids as text; asking for 1 says to ask for '1'."""
    from hypergensim.datasets import from_dataframe
    from hypergensim.downstream import PoincareQueries

    h = from_dataframe(pd.DataFrame({"id": [2, 3], "parent": [1, 1]}))
    q = PoincareQueries((h.nodes, np.array([[0.1 * i, 0.0] for i in range(len(h.nodes))])))
    with pytest.raises(InputError, match=r"unknown key 1 \(int\).*so this node is '1'"):
        q.norm(1)
    assert q.norm("1") >= 0


def test_ancestors_stay_in_their_own_tree_of_a_forest():
    """Two trees; root B sits close to root A and nearer the origin, so the norm rule alone walks into B."""
    keys = ["A", "B", "a1", "a2", "b1"]
    vectors = np.array([[0.10, 0.0], [0.05, 0.01], [0.5, 0.0], [0.8, 0.02], [0.0, 0.6]])
    relations = [("a1", "A"), ("a2", "a1"), ("a2", "A"), ("b1", "B")]
    assert PoincareQueries((keys, vectors)).ancestors("a2") == ["a1", "A", "B"]  # vectors alone: into tree B
    q = PoincareQueries((keys, vectors), relations=relations)
    assert q.ancestors("a2") == ["a1", "A"] and q.closest_parent("A") is None
    assert q.ancestors("b1") == ["B"]


def test_labels_come_from_the_estimator_or_the_run_and_find_looks_them_up(tmp_path):
    """Keys that are ids (an ontology's HP:0001250) are found by their labels; a label given as a key is named."""
    from hypergensim.training import PoincareEmbedding

    obo = tmp_path / "tiny.obo"
    names = ["All", "Abnormality of the nervous system", "Seizure", "Focal-onset seizure", "Headache"]
    parents = [None, 0, 1, 2, 1]
    obo.write_text("format-version: 1.2\n" + "".join(
        f"[Term]\nid: HP:{i}\nname: {name}\n" + (f"is_a: HP:{parents[i]}\n" if parents[i] is not None else "")
        for i, name in enumerate(names)))
    est = PoincareEmbedding(dim=2, epochs=3, negative=1, verbose=0, random_state=0).fit(obo, run_dir=tmp_path / "r")
    for q in (PoincareQueries(est), PoincareQueries(tmp_path / "r")):
        assert q.find("seizure") == ["HP:2", "HP:3"]  # the exact match first, then the longer label
        assert q.find("HP:4") == ["HP:4"] and q.label("HP:1") == "Abnormality of the nervous system"
        with pytest.raises(InputError, match="'Seizure' is the label of 'HP:2': query by key"):
            q.most_similar("Seizure")
    assert PoincareQueries(est.kv_).labels == {}  # gensim's vectors alone carry none
    with pytest.raises(InputError, match="find needs some text"):
        PoincareQueries(est).find("  ")
