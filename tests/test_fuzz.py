"""Property tests (hypothesis) for the file parsers and the vector reader.

* parsing a file we wrote returns the same hierarchy / the same vectors;
* arbitrary bytes fed to a parser give a hypergensim InputError (or a valid
  result), never another exception.

Coverage-guided fuzzing of the same parsers with atheris is ``make fuzz``
(``python -m hypergensim.fuzz``), not part of the test suite.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypergensim.datasets import Hierarchy, read_code_file, read_edge_file, read_icd10cm_tabular
from hypergensim.datasets.readers import CHILD_COLUMNS, PARENT_COLUMNS, read_json_tree, read_obo_file, read_path_file
from hypergensim.errors import HypergensimError
from hypergensim.vectors import read_word2vec_text, write_word2vec_text

HEADER_WORDS = set(CHILD_COLUMNS + PARENT_COLUMNS + ("weight",))

names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\t\n\r#"),
    min_size=1, max_size=12,
).map(str.strip).filter(lambda s: s and s.lower() not in HEADER_WORDS and not s.startswith("#"))


@st.composite
def named_dags(draw):
    nodes = draw(st.lists(names, min_size=2, max_size=15, unique=True))
    pairs = []
    for i in range(1, len(nodes)):
        for j in draw(st.lists(st.integers(0, i - 1), max_size=2, unique=True)):
            pairs.append((nodes[i], nodes[j]))
    return pairs or [(nodes[1], nodes[0])]


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(named_dags())
def test_written_tsv_parses_back_to_the_same_hierarchy(tmp_path_factory, pairs):
    h = Hierarchy.from_edges(pairs)
    path = tmp_path_factory.mktemp("rt") / "h.tsv"
    h.to_tsv(path)
    again = read_edge_file(path, header=False)  # the closure format has no header line
    assert set(again.relations()) == set(h.relations())
    assert set(again.relations(basic=True)) == set(h.relations(basic=True))


@SETTINGS
@given(st.binary(max_size=300))
def test_edge_parser_bytes_give_input_errors_only(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fz") / "f.tsv"
    path.write_bytes(data)
    try:
        h = read_edge_file(path)
    except HypergensimError:
        return
    assert h.n_edges >= 1


@SETTINGS
@given(st.binary(max_size=300))
def test_json_parser_bytes_give_input_errors_only(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fz") / "f.json"
    path.write_bytes(data)
    try:
        read_json_tree(path)
    except HypergensimError:
        pass


@SETTINGS
@given(st.lists(names.filter(lambda s: ">" not in s and not s[0].isdigit()), min_size=1, max_size=15, unique=True),
       st.randoms())
def test_a_tree_written_as_paths_reads_back_as_the_same_tree(tmp_path_factory, nodes, rnd):
    parent = {nodes[i]: (nodes[rnd.randrange(i)] if i and rnd.random() < 0.8 else None) for i in range(len(nodes))}

    def path_of(node):
        return node if parent[node] is None else f"{path_of(parent[node])} > {node}"

    lines = [path_of(n) for n in nodes]
    rnd.shuffle(lines)
    path = tmp_path_factory.mktemp("pt") / "tax.txt"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    h = read_path_file(path, separator=" > ")
    assert sorted(h.nodes) == sorted(lines)
    assert set(h.relations(basic=True)) == {(path_of(n), path_of(parent[n])) for n in nodes if parent[n]}


#: Bytes, and lines in the shape of an OBO file (which a path or code reader must refuse cleanly too).
LINES_OR_BYTES = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(["[Term]", "[Typedef]", "id: A:1", "id: A:2", "is_a: A:1", "is_a: A:2 ! x", "A > B",
                              "is_obsolete: true", "relationship: part_of A:1", "format-version: 1.2", "1 - A > B",
                              "", "name: x", "is_a:", "id:", "relationship:", "code,description", "A01,x"]), max_size=20)
    .map(lambda lines: "\n".join(lines).encode()))


@pytest.mark.parametrize("name, read", [
    ("f.txt", read_path_file), ("f.txt", lambda path: read_path_file(path, separator="/")),
    ("f.obo", read_obo_file), ("f.csv", read_code_file), ("f.txt", read_code_file),
], ids=["paths", "paths-slash", "obo", "codes-csv", "codes-txt"])
@SETTINGS
@given(data=LINES_OR_BYTES)
def test_path_obo_and_code_readers_give_input_errors_only(tmp_path_factory, name, read, data):
    path = tmp_path_factory.mktemp("fz") / name
    path.write_bytes(data)
    try:
        read(path)
    except HypergensimError:
        pass


#: Bytes, and runs of the tabular list's elements in any order and nesting.
TABULAR_OR_BYTES = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from([
        "<ICD10CM.tabular>", "</ICD10CM.tabular>", "<chapter>", "</chapter>", "<name>1</name>", "<name>x</name>",
        "<desc>Infections (A00-B99)</desc>", "<desc></desc>", "<section id='A00-A09'>", "<section id='A01'>",
        "<section>", "</section>", "<diag>", "</diag>", "<name>A00</name>", "<name>A00.0</name>", "<name>A01</name>",
        "<name>A09</name>", "<name>A00.0123</name>", "<sevenChrDef>", "</sevenChrDef>", "<extension char='A'>x",
        "<extension char='D'>", "</extension>", "<notes><note>7th characters D do not apply to codes in category "
        "A00 with 6th character 7 - x</note></notes>", "<!DOCTYPE x>", "&amp;", "<?xml version='1.0'?>"]),
        max_size=25).map(lambda parts: "\n".join(parts).encode()))


@SETTINGS
@given(data=TABULAR_OR_BYTES)
def test_icd10cm_reader_gives_input_errors_only(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fz") / "icd10cm_tabular.xml"
    path.write_bytes(data)
    try:
        h = read_icd10cm_tabular(path)
    except HypergensimError:
        return
    assert all(node in h.labels for node in h.nodes)


@SETTINGS
@given(st.binary(max_size=300))
def test_vector_reader_bytes_give_input_errors_only(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fz") / "v.txt"
    path.write_bytes(data)
    try:
        emb = read_word2vec_text(path)
    except HypergensimError:
        return
    assert np.isfinite(emb.vectors).all() and (np.linalg.norm(emb.vectors, axis=1) < 1).all()


@SETTINGS
@given(
    st.lists(names.filter(lambda s: not any(c.isspace() for c in s)), min_size=1, max_size=10, unique=True),
    st.sampled_from([np.float32, np.float64]),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
)
def test_vectors_round_trip_exactly(tmp_path_factory, keys, dtype, dim, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(len(keys), dim))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True) * rng.uniform(0, 1 - 1e-7, size=(len(keys), 1))).astype(dtype)
    path = tmp_path_factory.mktemp("rt") / "v.txt"
    write_word2vec_text(path, keys, x)
    emb = read_word2vec_text(path)
    assert emb.keys == keys
    np.testing.assert_array_equal(emb.vectors.astype(dtype), x)
