"""The files under datasets/ equal what the builders produce today."""

from __future__ import annotations

from conftest import MAMMALS_TSV, ROOT, TOY_BASIC, TOY_CLOSURE
from hypergensim.datasets import read_edge_file


def test_stored_mammal_closure_equals_builder(wordnet_mammals, tmp_path):
    mammals = wordnet_mammals
    out = mammals.to_tsv(tmp_path / "m.tsv")
    assert out.read_bytes() == MAMMALS_TSV.read_bytes()


def test_stored_toy_closure_equals_builder(tmp_path):
    out = read_edge_file(TOY_BASIC).to_tsv(tmp_path / "t.tsv")
    assert out.read_bytes() == TOY_CLOSURE.read_bytes()


def test_every_dataset_has_a_card_with_version_and_license():
    cards = sorted((ROOT / "datasets").rglob("*CARD.md"))
    assert {str(c.relative_to(ROOT / "datasets")) for c in cards} >= {
        "mammals/CARD.md", "toy/CARD.md", "nouns_CARD.md", "mime_CARD.md", "hpo_CARD.md",
        "google_product_taxonomy_CARD.md", "icd10cm_CARD.md"}
    for card in cards:
        text = card.read_text()
        assert "WordNet version" in text or "Source / version" in text
        assert "License" in text
