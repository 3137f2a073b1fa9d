"""Hierarchy datasets: WordNet closures, custom hierarchies, and link-prediction splits.

The front door is :func:`load_hierarchy`, which accepts a dataset name
(``mammals``, ``nouns``, ``verbs``, ``wordnet:SYNSET``) or a file path.

Examples
--------
>>> from hypergensim.datasets import load_hierarchy
>>> h = load_hierarchy("mammals")  # doctest: +SKIP
>>> h.n_nodes, h.n_edges  # doctest: +SKIP
(1180, 6540)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError
from .hierarchy import EdgeStats, Hierarchy, HierarchySummary
from .readers import (
    from_dataframe,
    from_networkx,
    from_pairs,
    from_tree,
    iter_edge_file,
    read_edge_file,
    read_hierarchy_file,
    read_json_tree,
)
from .splits import Split, ganea2018_split, make_split, nickel2017_split

__all__ = [
    "Hierarchy", "HierarchySummary", "EdgeStats", "load_hierarchy", "from_pairs", "from_dataframe",
    "from_tree", "from_networkx", "read_edge_file", "read_json_tree", "read_hierarchy_file",
    "iter_edge_file", "Split", "nickel2017_split", "ganea2018_split", "make_split", "NAMED_DATASETS",
    "is_dataset_name",
]

NAMED_DATASETS = ("mammals", "nouns", "verbs")


def is_dataset_name(text: str) -> bool:
    """Whether ``text`` names a built-in dataset (``mammals``, ``nouns``, ``verbs``, ``wordnet:SYNSET``)."""
    return text in NAMED_DATASETS or text.startswith("wordnet:")


def load_hierarchy(spec: str | Path | Hierarchy, *, use_cache: bool = True, **options: Any) -> Hierarchy:
    """Resolve a dataset name, ``wordnet:SYNSET``, or a file path to a :class:`Hierarchy`.

    ``options`` go to the file reader (delimiter, header, columns, direction).
    """
    if isinstance(spec, Hierarchy):
        return spec
    text = str(spec)
    if not isinstance(spec, Path):
        from . import wordnet

        if text == "mammals":
            return wordnet.wordnet_mammals(use_cache=use_cache)
        if text == "nouns":
            return wordnet.wordnet_nouns(use_cache=use_cache)
        if text == "verbs":
            return wordnet.wordnet_verbs(use_cache=use_cache)
        if text.startswith("wordnet:"):
            return wordnet.wordnet_subtree(text.split(":", 1)[1], use_cache=use_cache)
    path = Path(text)
    if not path.exists():
        raise InputError(
            f"no such file, and not a dataset name ({', '.join(NAMED_DATASETS)}, wordnet:SYNSET)", value=text
        )
    return read_hierarchy_file(path, **options)
