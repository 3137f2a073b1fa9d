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
    for card in [ROOT / "datasets" / "mammals" / "CARD.md", ROOT / "datasets" / "toy" / "CARD.md",
                 ROOT / "datasets" / "nouns_CARD.md", ROOT / "datasets" / "mime_CARD.md",
                 ROOT / "datasets" / "hpo_CARD.md", ROOT / "datasets" / "google_product_taxonomy_CARD.md"]:
        text = card.read_text()
        assert "WordNet version" in text or "Source / version" in text
        assert "License" in text
