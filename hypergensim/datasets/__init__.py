"""Hierarchy datasets: WordNet closures, custom hierarchies, and link-prediction splits.

Two resolvers, one per need:

* :func:`load_hierarchy` turns a dataset name (``mammals``, ``nouns``,
  ``verbs``, ``mime`` (:mod:`~hypergensim.datasets.mime`), ``wordnet:SYNSET``, ``generated:FAMILY:NODES[:SEED]`` from
  :mod:`~hypergensim.datasets.generated`) or a hierarchy file into a :class:`Hierarchy`
  (whose relations are the transitive closure): an edge file (CSV/TSV,
  :mod:`~hypergensim.datasets.readers`), a JSON tree, a file of paths
  (``A > B > C``), an OBO ontology (:mod:`~hypergensim.datasets.obo`), CMS's
  ICD-10-CM tabular list (:mod:`~hypergensim.datasets.icd10cm`) or a code
  list (:mod:`~hypergensim.datasets.codes`);
* :func:`resolve_relations` turns anything that holds relations (a
  ``Hierarchy``, a dataset name, a ``child<TAB>ancestor`` file used as given,
  or pairs) into the pairs themselves; training, evaluation and the command
  line all use it.

Examples
--------
>>> from hypergensim.datasets import load_hierarchy
>>> h = load_hierarchy("mammals")  # doctest: +SKIP
>>> h.n_nodes, h.n_edges  # doctest: +SKIP
(1180, 6540)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from .codes import read_code_file
from .generated import PREFIX as GENERATED_PREFIX
from .generated import generated_hierarchy, parse_generated
from .hierarchy import EdgeStats, Hierarchy, HierarchySummary
from .icd10cm import read_icd10cm_tabular
from .obo import read_obo_file
from .readers import (
    EdgeLayout,
    detect_layout,
    from_dataframe,
    from_networkx,
    from_pairs,
    from_tree,
    iter_edge_file,
    read_edge_file,
    read_hierarchy_file,
    read_json_tree,
    read_path_file,
    read_whole_hierarchy,
)
from .splits import GANEA_TRAIN_SHARES, Split, ganea2018_split, make_split, nickel2017_split, without_root

__all__ = [
    "Hierarchy", "HierarchySummary", "EdgeStats", "load_hierarchy", "from_pairs", "from_dataframe",
    "from_tree", "from_networkx", "read_edge_file", "read_json_tree", "read_path_file", "read_obo_file",
    "read_code_file", "read_icd10cm_tabular", "read_hierarchy_file",
    "iter_edge_file", "Split", "nickel2017_split", "ganea2018_split", "without_root", "make_split",
    "GANEA_TRAIN_SHARES", "NAMED_DATASETS", "generated_hierarchy",
    "is_dataset_name", "is_wordnet_name", "Relations", "resolve_relations", "EdgeLayout", "detect_layout",
]

NAMED_DATASETS = ("mammals", "nouns", "verbs", "mime")


def is_dataset_name(text: str) -> bool:
    """Whether ``text`` names a built-in dataset (``mammals``, ``nouns``, ``verbs``, ``mime``, ``wordnet:SYNSET``,
    ``generated:FAMILY:NODES[:SEED]``)."""
    return text in NAMED_DATASETS or text.startswith(("wordnet:", GENERATED_PREFIX))


def is_wordnet_name(text: str) -> bool:
    """Whether ``text`` names a WordNet dataset (whose records carry the WordNet version)."""
    return text in ("mammals", "nouns", "verbs") or text.startswith("wordnet:")


def _frame_or_graph(data: Any) -> bool:
    """A pandas DataFrame or a networkx graph (told by their methods: neither package is imported here)."""
    return (hasattr(data, "columns") and hasattr(data, "itertuples")) or \
        (hasattr(data, "is_directed") and hasattr(data, "edges"))


def load_hierarchy(spec: Any, *, use_cache: bool = True, **options: Any) -> Hierarchy:
    """Resolve a dataset name, ``wordnet:SYNSET``, a file path, a DataFrame or a networkx DiGraph to a
    :class:`Hierarchy`.

    ``options`` go to the file reader (delimiter, header, columns, direction).
    A DataFrame is read by :func:`from_dataframe`, a graph by
    :func:`from_networkx` (edges from parent to child, networkx's convention).
    """
    if isinstance(spec, Hierarchy):
        return spec
    if _frame_or_graph(spec):
        if options:
            raise InputError(f"file options ({', '.join(sorted(options))}) apply only to files",
                             value=type(spec).__name__)
        return from_dataframe(spec) if hasattr(spec, "columns") else from_networkx(spec)
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
        if text.startswith(GENERATED_PREFIX):
            family, nodes, seed = parse_generated(text)
            return generated_hierarchy(family, nodes, seed=seed)
        if text == "mime":
            from .mime import mime_hierarchy

            return mime_hierarchy()
    path = Path(text)
    if not path.exists():
        raise InputError(
            f"no such file, and not a dataset name ({', '.join(NAMED_DATASETS)}, wordnet:SYNSET, "
            f"{GENERATED_PREFIX}FAMILY:NODES)", value=text
        )
    return read_hierarchy_file(path, **options)


@dataclass(frozen=True)
class Relations:
    """Relations as ``(child, ancestor)`` name pairs, with where they came from.

    ``source`` names them for records (a dataset name, a hierarchy's name, a
    file path; ``None`` for bare pairs); ``path`` is the file they were read
    from, for error messages; ``read_as`` says how a file's columns were read;
    ``labels`` are the nodes' display names where the input gives them
    (:attr:`Hierarchy.labels`).

    Examples
    --------
    >>> r = resolve_relations([("dog", "mammal"), ("cat", "mammal")])
    >>> r.pairs, r.source, r.path
    ([('dog', 'mammal'), ('cat', 'mammal')], None, None)
    """

    pairs: list[tuple[str, str]]
    source: str | None = None
    path: Path | None = None
    read_as: str = ""
    labels: dict[str, str] = field(default_factory=dict)


def resolve_relations(relations: Any, *, what: str = "relations", **options: Any) -> Relations:
    """The one way from anything that holds relations to the pairs.

    * a :class:`Hierarchy`: its transitive closure;
    * a ``str`` naming a dataset (:func:`is_dataset_name`): that dataset's closure;
    * any other ``str`` or a :class:`~pathlib.Path`: a file, read by the same
      reader as ``hypergensim build``: a JSON tree, an OBO ontology, the ICD-10-CM tabular list, a file
      of paths (``A > B > C``, :func:`~hypergensim.datasets.readers.read_path_file`)
      or a code list (``prefix_codes=True``) gives its closure; an edge
      file's relations are used as given (a link-prediction train split must
      not be closed), its columns chosen by
      :func:`~hypergensim.datasets.readers.detect_layout` with ``options``
      (delimiter, header, child_column, parent_column, direction, comment);
    * a pandas DataFrame or a networkx DiGraph: the closure of the hierarchy
      :func:`from_dataframe` or :func:`from_networkx` makes of it (a DiGraph's
      edges point from parent to child, networkx's convention); ``read_as``
      says how it was read;
    * an iterable of pairs: as given, names made ``str``.

    Examples
    --------
    >>> resolve_relations([("dog", "mammal"), (1, 0)]).pairs
    [('dog', 'mammal'), ('1', '0')]
    >>> import pandas as pd
    >>> r = resolve_relations(pd.DataFrame({"employee": ["ann", "cid"], "manager": ["ceo", "ann"]}))
    >>> r.pairs, r.read_as
    ([('ann', 'ceo'), ('cid', 'ann'), ('cid', 'ceo')], "child = column 'employee', parent = column 'manager' (its closure)")
    """
    if isinstance(relations, Relations):
        return relations
    if options and not isinstance(relations, (str, Path)):
        raise InputError(f"file options ({', '.join(sorted(options))}) apply only to files",
                         value=type(relations).__name__)
    if isinstance(relations, Hierarchy):
        return Relations(relations.relations(), relations.name, labels=relations.labels)
    if isinstance(relations, str) and is_dataset_name(relations) and not options:
        return Relations(load_hierarchy(relations).relations(), relations)
    if isinstance(relations, (str, Path)):
        path = Path(relations)
        tree = read_whole_hierarchy(path, **options)
        if tree is not None:
            return Relations(tree.relations(), str(path), path, f"{tree.meta.get('read_as', '')} (its closure)",
                             tree.labels)
        options.pop("path_separator", None)
        options.pop("prefix_codes", None)
        comment = options.pop("comment", None)
        layout = detect_layout(path, comment=comment, **options)
        return Relations(list(iter_edge_file(path, layout=layout, comment=comment)), str(path), path,
                         layout.describe())
    if _frame_or_graph(relations):
        h = load_hierarchy(relations)
        return Relations(h.relations(), h.name, read_as=f"{h.meta['read_as']} (its closure)")
    if isinstance(relations, Iterable) and not isinstance(relations, (bytes, str, dict)):
        items = list(relations)
        try:
            if not any(isinstance(item, (str, bytes)) for item in items):  # "ab" would unpack as a pair
                return Relations([(str(a), str(b)) for a, b in items])
        except (TypeError, ValueError):
            pass
        for i, item in enumerate(items):  # the first item that is not a pair, named
            if isinstance(item, (str, bytes)) or not isinstance(item, Iterable) or len(tuple(item)) != 2:
                raise InputError(f"{what}: item {i} is not a (child, parent) pair", value=item)
        raise InputError(f"cannot read {what} from this object", value=type(relations).__name__)
    raise InputError(f"cannot read {what} from this object", value=type(relations).__name__)
