"""Readers that turn user hierarchies into a :class:`~hypergensim.datasets.Hierarchy`.

Supported inputs: Python iterables of pairs, CSV/TSV edge files (including
facebookresearch's ``id1,id2,weight`` files), pandas DataFrames, nested
dicts/JSON trees, and networkx ``DiGraph`` objects.  Each reader accepts basic
links or a ready closure; the closure is computed either way.  Bad input raises
:class:`~hypergensim.errors.InputError` naming the file, the line and the value.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .hierarchy import Hierarchy

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "from_pairs",
    "read_edge_file",
    "iter_edge_file",
    "from_dataframe",
    "from_tree",
    "read_json_tree",
    "from_networkx",
    "read_hierarchy_file",
]

#: Header names recognised for the child and the parent column, in order of preference.
CHILD_COLUMNS = ("child", "id1", "hyponym", "source", "node", "u", "from")
PARENT_COLUMNS = ("parent", "ancestor", "id2", "hypernym", "target", "v", "to")


def from_pairs(
    pairs: Iterable[tuple[object, object]], *, direction: str = "child-parent", name: str = "custom"
) -> Hierarchy:
    """Hierarchy from ``(child, parent)`` pairs (or ``(parent, child)`` with ``direction``).

    Examples
    --------
    >>> h = from_pairs([("mammal", "dog"), ("mammal", "cat")], direction="parent-child")
    >>> h.relations()
    [('dog', 'mammal'), ('cat', 'mammal')]
    """
    return Hierarchy.from_edges(pairs, direction=direction, name=name)


def _read_text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` decoding UTF-8 line by line, naming a bad line."""
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("expected a file but found a directory", path=path)
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                bad = raw[max(0, exc.start - 10) : exc.end + 10]
                raise InputError("bytes that are not UTF-8", path=path, line=number, value=repr(bad)) from None
            if "\x00" in text:
                raise InputError("binary data (NUL byte)", path=path, line=number, value=text[:40])
            if number == 1 and text.startswith("\ufeff"):
                text = text[1:]
            yield number, text.rstrip("\r\n")


def _detect_delimiter(path: Path, first: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    if "\t" in first:
        return "\t"
    if "," in first:
        return ","
    return " "


def _match_column(header: list[str], wanted: str | None, candidates: tuple[str, ...], path: Path) -> int:
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        if wanted.lower() not in lowered:
            raise InputError(f"column {wanted!r} not in header {header}", path=path, line=1)
        return lowered.index(wanted.lower())
    for c in candidates:
        if c in lowered:
            return lowered.index(c)
    return -1


def iter_edge_file(
    path: str | Path,
    *,
    delimiter: str | None = None,
    header: bool | None = None,
    child_column: str | None = None,
    parent_column: str | None = None,
    direction: str = "child-parent",
    allow_self_loops: bool = False,
) -> Iterator[tuple[str, str]]:
    """Stream ``(child, parent)`` pairs from a delimited file in bounded memory.

    A line that repeats the header, or relates a node to itself, raises
    :class:`InputError` naming the line (``allow_self_loops=True`` passes
    self-loops on, for :class:`Hierarchy` to drop and count).

    Parameters
    ----------
    path : str or Path
        The file.
    delimiter : str, optional
        Field separator; detected from the suffix (``.tsv``, ``.csv``) or the first line.
    header : bool, optional
        Whether the first line is a header; detected when it names known columns
        (``child``/``parent``, facebookresearch's ``id1``/``id2``/``weight``, ...).
    child_column, parent_column : str, optional
        Columns to read, by header name.  Without a header the first two are used.
    direction : {"child-parent", "parent-child"}
        Order of the two columns when the header does not say.
    """
    path = Path(path)
    lines = _read_text_lines(path)
    first = next(lines, None)
    while first is not None and not first[1].strip():
        first = next(lines, None)
    if first is None:
        raise InputError("file is empty (no relations)", path=path)
    delim = delimiter or _detect_delimiter(path, first[1])
    split = _splitter(delim)
    cells = split(first[1])
    lowered = [c.strip().lower() for c in cells]
    known = set(CHILD_COLUMNS + PARENT_COLUMNS + ("weight",))
    if header is None:
        header = child_column is not None or parent_column is not None or (
            len(lowered) >= 2 and lowered[0] in known and lowered[1] in known
        )
    # columns found by name say which side is the child; otherwise `direction` does
    ci, pi = 0, 1
    flip = direction == "parent-child"
    rows: Iterable[tuple[int, str]] = _chain_first(first, lines)
    if header:
        rows = lines
        named_c = _match_column(cells, child_column, CHILD_COLUMNS, path)
        named_p = _match_column(cells, parent_column, PARENT_COLUMNS, path)
        if named_c >= 0 and named_p >= 0:
            ci, pi, flip = named_c, named_p, False
    width = len(cells)
    if width < 2:
        raise InputError(
            f"expected at least 2 columns separated by {delim!r}, found {width}",
            path=path, line=first[0], value=first[1],
        )
    for number, text in rows:
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        fields = split(text)
        if len(fields) != width:
            raise InputError(
                f"expected {width} columns separated by {delim!r}, found {len(fields)}",
                path=path, line=number, value=text,
            )
        a, b = fields[ci].strip(), fields[pi].strip()
        if not a or not b:
            raise InputError("empty node name", path=path, line=number, value=text)
        if a.lower() in known and b.lower() in known and a.lower() != b.lower():
            raise InputError("a header row in the middle of the file (only line 1 may be a header)",
                             path=path, line=number, value=text)
        if a == b and not allow_self_loops:
            raise InputError("self-loop: a node cannot be its own parent", path=path, line=number, value=text)
        yield (b, a) if flip else (a, b)


def _chain_first(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _splitter(delim: str):
    if delim == " ":
        return str.split
    if delim == ",":
        def split_csv(text: str) -> list[str]:
            return next(csv.reader(io.StringIO(text)))
        return split_csv
    return lambda text: text.split(delim)


def _first_duplicate(path: Path, options: dict[str, Any]) -> InputError:
    """Re-read ``path`` to name the first repeated relation and both of its lines (error path only)."""
    seen: dict[tuple[str, str], int] = {}
    for number, pair in enumerate(iter_edge_file(path, **options), start=1):
        if pair in seen:
            return InputError(f"duplicate relation (relation {number} repeats relation {seen[pair]}); "
                              "remove it ('hypergensim build --dedupe' drops repeats)", path=path, value="\t".join(pair))
        seen[pair] = number
    return InputError("duplicate relation", path=path)


def read_edge_file(path: str | Path, *, name: str | None = None, dedupe: bool = False,
                   **options: Any) -> Hierarchy:
    """Hierarchy from a CSV/TSV edge file (see :func:`iter_edge_file` for options).

    A file is taken literally: self-loops and repeated relations are errors
    that name the line, unless ``dedupe=True``, which drops and counts them
    (see :attr:`Hierarchy.stats`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "edges.csv"
    >>> _ = p.write_text("id1,id2,weight\\ndog,canine,1\\ncanine,animal,1\\n")
    >>> read_edge_file(p).n_edges
    3
    """
    path = Path(path)
    h = Hierarchy.from_edges(iter_edge_file(path, allow_self_loops=dedupe, **options), name=name or path.stem,
                             source=path)
    if h.stats.duplicates and not dedupe:
        raise _first_duplicate(path, options)
    h.meta.setdefault("source", str(path))
    return h


def from_dataframe(
    df: pd.DataFrame,
    *,
    child: str | None = None,
    parent: str | None = None,
    direction: str = "child-parent",
    name: str = "dataframe",
) -> Hierarchy:
    """Hierarchy from a DataFrame's two columns (named, or detected, or the first two).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"id1": ["dog", "cat"], "id2": ["mammal", "mammal"], "weight": [1, 1]})
    >>> from_dataframe(df).n_edges
    2
    """
    cols = [str(c) for c in df.columns]
    lowered = [c.lower() for c in cols]

    def pick(wanted: str | None, candidates: tuple[str, ...], fallback: int) -> str:
        if wanted is not None:
            if wanted not in cols:
                raise InputError(f"column {wanted!r} not in DataFrame columns {cols}")
            return wanted
        for c in candidates:
            if c in lowered:
                return cols[lowered.index(c)]
        if len(cols) <= fallback:
            raise InputError(f"DataFrame needs at least 2 columns, has {cols}")
        return cols[fallback]

    c = pick(child, CHILD_COLUMNS, 0)
    p = pick(parent, PARENT_COLUMNS, 1)
    named = child is not None or c.lower() in CHILD_COLUMNS
    pairs = zip(df[c].tolist(), df[p].tolist())
    for i, (a, b) in enumerate(zip(df[c].tolist(), df[p].tolist())):
        if a is None or b is None or a != a or b != b:  # NaN check without numpy
            raise InputError(f"missing value in DataFrame row {i}", value=(a, b))
    return Hierarchy.from_edges(pairs, direction="child-parent" if named else direction, name=name)


def from_tree(tree: Any, *, name: str = "tree") -> Hierarchy:
    """Hierarchy from a nested tree.

    Two shapes are accepted: ``{"name": ..., "children": [...]}`` nodes, or a
    mapping from each name to its subtree (a mapping, a list of names, or
    ``None`` for a leaf).

    Examples
    --------
    >>> h = from_tree({"mammal": {"canine": ["dog", "wolf"], "cat": None}})
    >>> h.n_nodes, h.n_edges
    (5, 6)
    """
    pairs: list[tuple[str, str]] = []
    nodes: list[str] = []
    stack: list[tuple[Any, str | None, str]] = [(tree, None, "$")]
    while stack:
        sub, parent, where = stack.pop()
        for child_name, grandchildren, loc in _tree_children(sub, where):
            nodes.append(child_name)
            if parent is not None:
                pairs.append((child_name, parent))
            if grandchildren is not None:
                stack.append((grandchildren, child_name, loc))
    if not nodes:
        raise InputError("the tree is empty")
    return Hierarchy.from_edges(pairs, name=name, nodes=nodes)


def _tree_children(sub: Any, where: str) -> Iterator[tuple[str, Any, str]]:
    if isinstance(sub, Mapping) and "name" in sub and set(sub) <= {"name", "children"}:
        yield _tree_name(sub["name"], where), sub.get("children"), f"{where}.children"
    elif isinstance(sub, Mapping):
        for key, value in sub.items():
            yield _tree_name(key, where), value, f"{where}.{key}"
    elif isinstance(sub, (list, tuple)):
        for i, item in enumerate(sub):
            if isinstance(item, (Mapping, list, tuple)):
                yield from _tree_children(item, f"{where}[{i}]")
            else:
                yield _tree_name(item, f"{where}[{i}]"), None, f"{where}[{i}]"
    elif sub is None:
        return
    elif isinstance(sub, (str, int)):
        yield _tree_name(sub, where), None, where
    else:
        raise InputError(f"unsupported tree element at {where}", value=repr(sub))


def _tree_name(value: Any, where: str) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
        raise InputError(f"node names must be non-empty strings (at {where})", value=repr(value))
    return str(value)


def read_json_tree(path: str | Path, *, name: str | None = None) -> Hierarchy:
    """Hierarchy from a JSON file holding a nested tree (see :func:`from_tree`)."""
    path = Path(path)
    text = "\n".join(t for _, t in _read_text_lines(path))
    if not text.strip():
        raise InputError("file is empty (no tree)", path=path)
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno,
                         value=text.splitlines()[exc.lineno - 1] if exc.lineno <= len(text.splitlines()) else None) from None
    try:
        h = from_tree(tree, name=name or path.stem)
    except InputError as exc:
        raise InputError(str(exc), path=path) from None
    h.meta.setdefault("source", str(path))
    return h


def from_networkx(graph: Any, *, direction: str = "parent-child", name: str = "networkx") -> Hierarchy:
    """Hierarchy from a networkx ``DiGraph``.

    networkx trees conventionally point from parent to child (``nx.bfs_tree``,
    arborescences), hence the default ``direction="parent-child"``.

    Examples
    --------
    >>> import networkx as nx  # doctest: +SKIP
    >>> from_networkx(nx.balanced_tree(2, 2, create_using=nx.DiGraph)).n_edges  # doctest: +SKIP
    10
    """
    if not hasattr(graph, "edges") or not hasattr(graph, "is_directed"):
        raise InputError("expected a networkx DiGraph", value=type(graph).__name__)
    if not graph.is_directed():
        raise InputError("the networkx graph is undirected; a hierarchy needs a DiGraph")
    return Hierarchy.from_edges(graph.edges(), direction=direction, name=name, nodes=list(graph.nodes()))


def read_hierarchy_file(path: str | Path, **options: Any) -> Hierarchy:
    """Read ``.json`` as a tree and anything else as a delimited edge file."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        options.pop("dedupe", None)  # a tree cannot repeat an edge
        if options:
            raise InputError(f"options {sorted(options)} apply to delimited files, not JSON trees", path=path)
        return read_json_tree(path)
    return read_edge_file(path, **options)
