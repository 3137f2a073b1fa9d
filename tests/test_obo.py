"""Tests for hypergensim.datasets.obo: OBO ontologies read as the is_a graph of their live terms."""

from __future__ import annotations

import pytest

from hypergensim.datasets import load_hierarchy, read_hierarchy_file, read_obo_file, resolve_relations
from hypergensim.datasets.obo import is_obo_file
from hypergensim.errors import InputError

#: An excerpt in the shape of the Human Phenotype Ontology's hp.obo, with what other ontologies add
#: (a [Typedef], a relationship, a logical definition, an imported parent, an obsolete term).
HP_EXCERPT = """format-version: 1.2
data-version: hp/releases/2025-01-16
idspace: dc http://purl.org/dc/elements/1.1/
property_value: dc:creator "Human Phenotype Ontology Consortium" xsd:string

[Term]
id: HP:0000001
name: All
comment: Root of all terms in the Human Phenotype Ontology.

[Term]
id: HP:0000118
name: Phenotypic abnormality
def: "A phenotypic abnormality ! not a comment" [https://orcid.org/0000-0002-0736-9199]
is_a: HP:0000001 ! All

[Term]
id: HP:0000152
name: Abnormality of head or neck
synonym: "Head and neck abnormality" EXACT layperson []
is_a: HP:0000118 {source="PMID:1"} ! Phenotypic abnormality
relationship: part_of UBERON:0000033 ! head

[Term]
id: HP:0000234
name: Abnormality of the head
is_a: HP:0000152
is_a: BFO:0000002 ! continuant (an imported term)
intersection_of: PATO:0000001
intersection_of: inheres_in UBERON:0000033

[Term]
id: HP:0000003
name: Multicystic kidney dysplasia (obsolete)
is_obsolete: true
replaced_by: HP:0000107

[Typedef]
id: part_of
name: part of
is_a: overlaps
"""


@pytest.fixture
def hp(tmp_path):
    path = tmp_path / "hp.obo"
    path.write_text(HP_EXCERPT)
    return path


def test_the_is_a_graph_of_the_live_terms_named_by_id(hp):
    h = read_obo_file(hp)
    assert h.nodes == ["HP:0000001", "HP:0000118", "HP:0000152", "HP:0000234", "BFO:0000002"]
    assert h.relations(basic=True) == [("HP:0000118", "HP:0000001"), ("HP:0000152", "HP:0000118"),
                                       ("HP:0000234", "HP:0000152"), ("HP:0000234", "BFO:0000002")]
    assert sorted(h.ancestors("HP:0000234")) == ["BFO:0000002", "HP:0000001", "HP:0000118", "HP:0000152"]
    assert h.meta["read_as"] == ("an OBO ontology: the is_a graph of its 4 terms, each node named by its id; "
                                 "1 obsolete terms left out; 1 terms named only as parents; left out: "
                                 "2 intersection_of, 1 relationship part_of")
    assert h.name == "hp"
    assert h.labels == {"HP:0000001": "All", "HP:0000118": "Phenotypic abnormality",
                        "HP:0000152": "Abnormality of head or neck", "HP:0000234": "Abnormality of the head"}


def test_a_terms_name_is_its_label_with_obos_escapes_read(tmp_path):
    path = tmp_path / "x.obo"
    path.write_text("[Term]\nid: A:1\nname: Yes\\! really  {a=\"b\"} ! a comment\n")
    assert read_obo_file(path).labels == {"A:1": "Yes! really"}


def test_an_obo_file_is_told_by_its_suffix_or_its_first_line_and_trains_on_its_closure(hp, tmp_path):
    renamed = tmp_path / "hp.txt"
    renamed.write_text(HP_EXCERPT)
    assert is_obo_file(hp) and is_obo_file(renamed)
    assert read_hierarchy_file(renamed).relations() == load_hierarchy(hp).relations()
    r = resolve_relations(renamed)
    assert set(r.pairs) == set(read_obo_file(hp).relations()) and r.read_as.endswith("(its closure)")
    with pytest.raises(InputError, match="apply to delimited files, not to an OBO ontology"):
        read_hierarchy_file(hp, header=True)


@pytest.mark.parametrize("body, line, message", [
    ("[Term]\nname: no id\n", 2, "a \\[Term\\] stanza without an id"),
    ("[Term]\nid: A:1\nid: A:2\n", 4, "a second id in the \\[Term\\] stanza of line 2"),
    ("[Term]\nid: A:1\n\n[Term]\nid: A:1\n", 6, "id given twice \\(line 3 gives it too\\)"),
    ("[Term]\nid: A:1\nis_a: A:1\n", 4, "self-loop"),
    ("[Term]\nid: A:1\n[Term]\nid: A:2\nis_a: A:1\nis_a: A:1 ! again\n", 7, "is_a repeated \\(line 6"),
    ("[Term]\nid: A:1\nis_obsolete: true\n[Term]\nid: A:2\nis_a: A:1\n", 7,
     "a parent is an obsolete term \\(its id is on line 3\\)"),
    ("[Term]\nis_a: A:1\nid: A:2\n", 3, "is_a before the stanza's id"),
    ("[Term]\nid: A:1\nis_a: A:2 A:3\n", 4, "is_a must name one id"),
    ("[Term]\nid: A:1\njust words\n", 4, "expected 'tag: value'"),
    ("[Term]\nid: A:1\nrelationship:\n", 4, "expected 'relationship: TYPE ID'"),
])
def test_bad_obo_files_name_file_and_line(tmp_path, body, line, message):
    path = tmp_path / "bad.obo"
    path.write_text("format-version: 1.2\n" + body)
    with pytest.raises(InputError, match=message) as info:
        read_obo_file(path)
    assert f"bad.obo:{line}:" in str(info.value)


def test_no_terms_and_other_format_versions_are_refused(tmp_path):
    path = tmp_path / "x.obo"
    path.write_text("format-version: 1.2\n[Term]\nid: A:1\nis_obsolete: true\n")
    with pytest.raises(InputError, match="no \\[Term\\] stanza with an id that is not obsolete"):
        read_obo_file(path)
    path.write_text("format-version: 2.0\n[Term]\nid: A:1\n")
    with pytest.raises(InputError, match="x.obo:1: only OBO format 1.x"):
        read_obo_file(path)


def test_relationship_types_asked_for_are_parents_too_and_a_typo_is_named(hp, tmp_path):
    h = read_obo_file(hp, relations=("part_of",))
    assert ("HP:0000152", "UBERON:0000033") in h.relations(basic=True)
    assert h.meta["read_as"].startswith("an OBO ontology: the is_a and part_of graph of its 4 terms")
    assert "1 part_of relationships" in h.meta["read_as"] and "relationship part_of" not in h.meta["read_as"]
    assert read_hierarchy_file(hp, obo_relations="part_of").relations() == h.relations()  # as the CLI gives it
    assert read_obo_file(hp, relations="part_of").relations() == h.relations()  # one type, not its letters
    with pytest.raises(InputError, match="no term has a relationship of type part-of; the file's types are part_of"):
        read_obo_file(hp, relations=["part-of"])
    edges = tmp_path / "edges.tsv"
    edges.write_text("a\tb\n")
    for call in (lambda: read_hierarchy_file(edges, obo_relations="part_of"),
                 lambda: resolve_relations(edges, obo_relations="part_of")):
        with pytest.raises(InputError, match="edges.tsv: obo_relations \\(--obo-relations\\) applies to OBO"):
            call()


def test_a_repeated_is_a_is_dropped_with_dedupe_and_counted(tmp_path):
    path = tmp_path / "x.obo"
    path.write_text("[Term]\nid: A:1\n[Term]\nid: A:2\nis_a: A:1\nis_a: A:1 {x=\"y\"}\n")
    h = read_obo_file(path, dedupe=True)
    assert h.relations() == [("A:2", "A:1")] and h.meta["read_as"].endswith("1 repeated is_a lines dropped")
