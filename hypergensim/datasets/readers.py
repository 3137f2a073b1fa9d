"""Readers that turn user hierarchies into a :class:`~hypergensim.datasets.Hierarchy`.

Supported inputs: Python iterables of pairs, CSV/TSV edge files (including
facebookresearch's ``id1,id2,weight`` files), files of one path per line
(``A > B > C``: Google's product taxonomy and other breadcrumb lists), OBO
ontologies (:mod:`~hypergensim.datasets.obo`), the ICD-10-CM tabular list
(:mod:`~hypergensim.datasets.icd10cm`), pandas
DataFrames, nested dicts/JSON trees, and networkx ``DiGraph`` objects.  Each reader accepts basic
links or a ready closure; the closure is computed either way.  Bad input raises
:class:`~hypergensim.errors.InputError` naming the file, the line and the value.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .codes import read_code_file
from .hierarchy import Hierarchy
from .icd10cm import is_icd10cm_tabular, read_icd10cm_tabular
from .obo import is_obo_file, read_obo_file
from .textfile import column_index, column_words, content_lines, detect_delimiter, read_text_lines, repeated, splitter

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "EdgeLayout",
    "detect_layout",
    "from_pairs",
    "read_edge_file",
    "iter_edge_file",
    "from_dataframe",
    "from_tree",
    "read_json_tree",
    "detect_path_separator",
    "read_path_file",
    "read_whole_hierarchy",
    "file_kind",
    "from_networkx",
    "read_hierarchy_file",
]

#: Header names recognised for the child and the parent column, in order of preference.
CHILD_COLUMNS = ("child", "id1", "hyponym", "source", "node", "u", "from")
PARENT_COLUMNS = ("parent", "ancestor", "id2", "hypernym", "target", "v", "to")
#: Words a column name is made of.  A first-row cell made only of such words (``parent_code``,
#: ``ParentID``, ``description``) reads as a header; the parent and child words give the column roles.
PARENT_WORDS = frozenset({"parent", "parents", "ancestor", "ancestors", "hypernym", "hypernyms", "broader", "super",
                          "superclass", "superordinate", "up", "id2", "target", "to", "v", "of",
                          "manager", "supervisor", "superior", "boss"})  # an org chart's parent column
CHILD_WORDS = frozenset({"child", "children", "descendant", "hyponym", "narrower", "sub", "subclass", "id1",
                         "source", "from", "u", "node", "code", "id", "name", "concept", "term", "key", "item",
                         "entity", "class", "category", "label", "employee", "subordinate", "staff"})
OTHER_COLUMN_WORDS = frozenset({"weight", "description", "desc", "title", "level", "depth", "count", "type",
                                "comment", "note", "notes", "text", "is", "a", "en", "display", "value", "rank",
                                "reports", "belongs"})  # reports_to, belongs_to: the parent by their "to"
#: Lines of a file read ahead to check that a first row without a header names nodes of the data.
LOOKAHEAD_LINES = 10_000


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


def _header_like(cell: str) -> bool:
    words = column_words(cell)
    return bool(words) and all(w in PARENT_WORDS | CHILD_WORDS | OTHER_COLUMN_WORDS for w in words)


def _could_name_a_column(cell: str) -> bool:
    """Letters, spaces, ``_`` and ``-`` only: ``employee`` could name a column, ``A08.0`` or ``42`` could not."""
    return re.fullmatch(r"[A-Za-z][A-Za-z _-]*", cell.strip()) is not None


@dataclass(frozen=True)
class EdgeLayout:
    """How an edge file is read: its delimiter, whether line 1 is a header, and which columns hold what.

    ``child`` and ``parent`` are 0-based column indexes; :meth:`describe` says
    it in words, for the summary a reader prints.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "org.csv"
    >>> _ = p.write_text("employee,manager\\nann,ceo\\ncid,ann\\n")
    >>> layout = detect_layout(p)
    >>> layout.delimiter, layout.header, layout.child, layout.parent
    (',', ('employee', 'manager'), 0, 1)
    >>> layout.describe()
    "child = column 1 'employee', parent = column 2 'manager' (named in the header)"
    """

    delimiter: str
    header: tuple[str, ...] | None
    child: int
    parent: int
    width: int
    how: str

    def _column(self, i: int) -> str:
        return f"column {i + 1}" + (f" {self.header[i]!r}" if self.header else "")

    def describe(self) -> str:
        """E.g. ``child = column 1 'code', parent = column 3 'parent' (named in the header)``."""
        return f"child = {self._column(self.child)}, parent = {self._column(self.parent)} ({self.how})"


def _roles_from_names(cells: list[str]) -> tuple[int, int] | None:
    """Child and parent columns from header names, or None when the names do not settle it."""
    lowered = [c.strip().lower() for c in cells]
    exact_c = next((lowered.index(c) for c in CHILD_COLUMNS if c in lowered), -1)
    exact_p = next((lowered.index(c) for c in PARENT_COLUMNS if c in lowered), -1)
    if exact_c >= 0 and exact_p >= 0 and exact_c != exact_p:
        return exact_c, exact_p
    words = [set(column_words(c)) for c in cells]
    parents = [i for i, w in enumerate(words) if w & PARENT_WORDS]
    if len(parents) != 1:
        return None
    children = [i for i, w in enumerate(words) if w & CHILD_WORDS and i not in parents]
    if len(children) == 1:
        return children[0], parents[0]
    if len(cells) == 2 and not children:
        return 1 - parents[0], parents[0]
    return None


def detect_layout(
    path: str | Path,
    *,
    delimiter: str | None = None,
    header: bool | None = None,
    child_column: str | int | None = None,
    parent_column: str | int | None = None,
    direction: str | None = None,
    comment: str | None = None,
) -> EdgeLayout:
    """Decide how to read an edge file, or stop with an error that names the choices; never guess silently.

    * Columns: ``child_column``/``parent_column`` (a header name, or a number, 1 =
      the first column), else the header's names (``child``/``parent``,
      ``id1``/``id2``, ``code``/``parent_code``, ...), else ``direction``
      (``child-parent``, the default for a file without a header).
    * Header: ``header``, else line 1 is a header when every cell of it is made
      of column-name words and none of its cells names a node in the lines
      that follow; line 1 is data when its names recur there, or when they
      hold what no column is named (digits, dots: ``A08.0``, ``dog.n.01``).
      A first line that is neither (``team,group`` above unrelated
      pairs) raises :class:`InputError` asking for ``--header`` or ``--no-header``.
    * Delimiter: ``delimiter``, else TAB for ``.tsv``, else the first of TAB,
      comma and semicolon that line 1 holds (the comma first for ``.csv``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "codes.csv"
    >>> _ = p.write_text("code,description,parent_code\\nA08.0,rotavirus,A08\\nA08,viral,A00-B99\\n")
    >>> detect_layout(p).describe()
    "child = column 1 'code', parent = column 3 'parent_code' (named in the header)"
    """
    path = Path(path)
    if direction not in (None, "child-parent", "parent-child"):
        raise InputError("direction must be 'child-parent' or 'parent-child'", value=direction)
    lines = content_lines(path, comment)
    first = next(lines, None)
    if first is None:
        raise InputError("file is empty (no relations)", path=path)
    delim = delimiter or detect_delimiter(path, first[1])
    split = splitter(delim)
    cells = split(first[1])
    # no delimiter on line 1 and none given: say so, since a file of paths (a/b/c) ends up here
    split.hint = "" if delimiter or delim != " " else (  # type: ignore[attr-defined]
        " (line 1 holds no TAB, comma or semicolon, so the columns were split at spaces: --delimiter sets one; "
        "a file of one path per line, from a root down, is read with --path-separator SEP)")
    if len(cells) < 2:
        raise InputError(f"expected at least 2 columns separated by {delim!r}, found {len(cells)}{split.hint}",
                         path=path, line=first[0], value=first[1])
    named = [c for c in (child_column, parent_column) if c is not None]
    if header is None:
        if any(isinstance(c, str) and not c.strip().isdigit() for c in named):
            header = True  # a column given by name implies a header
        else:
            header = _header_or_data(path, first, cells, lines, split)
    header_cells = cells if header else None
    if child_column is not None or parent_column is not None:
        if child_column is None or parent_column is None:
            raise InputError("give both --child-col and --parent-col (or neither)", path=path)
        ci = column_index(child_column, header_cells, path, "child")
        pi = column_index(parent_column, header_cells, path, "parent")
        how = "as given"
    elif header and direction is None:
        roles = _roles_from_names(cells)
        if roles is None:
            raise InputError(f"cannot tell the child column from the parent column by the header names {cells}: "
                             "pass --child-col and --parent-col (a name or a number), or --direction "
                             "child-parent|parent-child (a list of codes whose parent is their prefix, A01.0 under "
                             "A01, needs no parent column: --prefix-codes)", path=path, line=first[0],
                             value=first[1])
        (ci, pi), how = roles, "named in the header"
    else:
        ci, pi = (1, 0) if direction == "parent-child" else (0, 1)
        how = f"--direction {direction or 'child-parent'}" + ("" if direction else ", the default")
    for i in (ci, pi):
        if i >= len(cells):
            raise InputError(f"column {i + 1} does not exist: line {first[0]} has {len(cells)} columns",
                             path=path, line=first[0], value=first[1])
    if ci == pi:
        raise InputError(f"the child and the parent column are the same (column {ci + 1})", path=path)
    return EdgeLayout(delim, tuple(c.strip() for c in cells) if header else None, ci, pi, len(cells), how)


def _header_or_data(path: Path, first: tuple[int, str], cells: list[str], lines: Iterator[tuple[int, str]],
                    split: Any) -> bool:
    """Whether line 1 is a header: see :func:`detect_layout`."""
    lowered = [c.strip().lower() for c in cells]
    known = CHILD_COLUMNS + PARENT_COLUMNS
    # child,parent / id1,id2,weight (the names every tool writes), or cells made of column-name words only
    looks_like_header = (lowered[0] in known and lowered[1] in known) or all(_header_like(c) for c in cells)
    wanted = {c.strip() for c in cells}
    recurring: dict[str, int] = {}
    n_more = 0
    for number, text in itertools.islice(lines, LOOKAHEAD_LINES):
        n_more += 1
        values = split(text)
        # what is wrong whatever line 1 is gets reported first: a broken row, a self-loop
        if len(values) != len(cells):
            raise InputError(f"expected {len(cells)} columns separated by {_shown(split)}, found {len(values)}"
                             f"{split.hint}", path=path, line=number, value=text)
        if len(values) == 2 and values[0].strip() == values[1].strip():
            raise InputError("self-loop: a node cannot be its own parent", path=path, line=number, value=text)
        if [v.strip().lower() for v in values] == lowered:
            continue  # the header repeated: reported by the reader as a header row in the middle
        for value in values:
            if value.strip() in wanted and value.strip() not in recurring:
                recurring[value.strip()] = number
    if n_more == 0:
        return False  # a single line: data (a header alone would hold no relation)
    if looks_like_header and not recurring:
        return True
    if not looks_like_header and (recurring or not all(_could_name_a_column(c) for c in cells)):
        return False  # its names recur in the data, or it holds values no column is named (A08.0, 2, dog.n.01)
    choices = "pass --header (line 1 names the columns) or --no-header (line 1 is a relation)"
    if looks_like_header:
        name, number = next(iter(recurring.items()))
        raise InputError(f"line 1 looks like a header, but {name!r} also names a node on line {number}; {choices}",
                         path=path, line=first[0], value=first[1])
    raise InputError(f"line 1 does not look like a relation: neither {' nor '.join(repr(c) for c in wanted)} "
                     f"appears in the next {n_more:,} lines, as a node of a hierarchy would; {choices}",
                     path=path, line=first[0], value=first[1])


def _shown(split: Any) -> str:
    return repr(getattr(split, "delimiter", " "))


def iter_edge_file(
    path: str | Path,
    *,
    delimiter: str | None = None,
    header: bool | None = None,
    child_column: str | int | None = None,
    parent_column: str | int | None = None,
    direction: str | None = None,
    comment: str | None = None,
    allow_self_loops: bool = False,
    layout: EdgeLayout | None = None,
) -> Iterator[tuple[str, str]]:
    """Stream ``(child, parent)`` pairs from a delimited file in bounded memory.

    The columns are chosen by :func:`detect_layout` (or given as ``layout``).
    A line that repeats the header, relates a node to itself, or names a node
    with a TAB or line break in it raises :class:`InputError` naming the line
    (``allow_self_loops=True`` passes self-loops on, for :class:`Hierarchy` to
    drop and count).  Lines starting with ``comment`` are skipped only when
    ``comment`` is given: by default ``#tag`` is a node name like any other.

    Parameters
    ----------
    path : str or Path
        The file.
    delimiter : str, optional
        Field separator; detected from the suffix (``.tsv``, ``.csv``) or the first line.
    header : bool, optional
        Whether line 1 is a header (default: detected, see :func:`detect_layout`).
    child_column, parent_column : str or int, optional
        The columns to read, by header name or by number (1 = the first column).
    direction : {"child-parent", "parent-child"}, optional
        Column order when no names say it (a file without a header is read child-parent).
    comment : str, optional
        Skip lines that start with this text.
    """
    path = Path(path)
    if layout is None:
        layout = detect_layout(path, delimiter=delimiter, header=header, child_column=child_column,
                               parent_column=parent_column, direction=direction, comment=comment)
    split = splitter(layout.delimiter)
    header_names = {c.lower() for c in layout.header} if layout.header else set()
    known = set(CHILD_COLUMNS + PARENT_COLUMNS + ("weight",)) | header_names
    skipped_header = layout.header is None
    for number, text in content_lines(path, comment):
        if not skipped_header:
            skipped_header = True
            continue
        fields = split(text)
        if len(fields) != layout.width:
            raise InputError(
                f"expected {layout.width} columns separated by {layout.delimiter!r}, found {len(fields)}",
                path=path, line=number, value=text,
            )
        a, b = fields[layout.child].strip(), fields[layout.parent].strip()
        if not a or not b:
            raise InputError("empty node name", path=path, line=number, value=text)
        if any(c in a or c in b for c in "\t\n\r"):
            raise InputError("a node name holds a TAB or line break, which the child<TAB>ancestor closure cannot "
                             "write and read back; rename the node", path=path, line=number, value=text)
        if a.lower() in known and b.lower() in known and a.lower() != b.lower():
            raise InputError("a header row in the middle of the file (only line 1 may be a header)",
                             path=path, line=number, value=text)
        if a == b and not allow_self_loops:
            raise InputError("self-loop: a node cannot be its own parent", path=path, line=number, value=text)
        yield a, b


def _first_duplicate(path: Path, layout: EdgeLayout, comment: str | None) -> InputError:
    """Re-read ``path`` to name the first repeated relation and both of its lines (error path only)."""
    seen: dict[tuple[str, str], int] = {}
    for number, pair in enumerate(iter_edge_file(path, layout=layout, comment=comment), start=1):
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
    comment = options.pop("comment", None)
    layout = detect_layout(path, comment=comment, **options)
    h = Hierarchy.from_edges(iter_edge_file(path, allow_self_loops=dedupe, comment=comment, layout=layout),
                             name=name or path.stem, source=path)
    if h.stats.duplicates and not dedupe:
        raise _first_duplicate(path, layout, comment)
    h.meta.setdefault("source", str(path))
    h.meta["read_as"] = layout.describe()
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

    roles = _roles_from_names(cols) if child is None and parent is None else None
    if roles is not None:  # the names say it, as a file's header would (parent_code,code; manager,employee)
        c, p, named = cols[roles[0]], cols[roles[1]], True
    elif child is None and parent is None and any(set(column_words(x)) & (PARENT_WORDS | CHILD_WORDS) for x in cols):
        raise InputError(f"cannot tell the child column from the parent column by the DataFrame's column names "
                         f"{cols}: pass child= and parent=")
    else:  # named by the caller, or names with no role in them (x, y; 0, 1): by position and direction
        c = pick(child, CHILD_COLUMNS, 0)
        p = pick(parent, PARENT_COLUMNS, 1)
        named = child is not None or c.lower() in CHILD_COLUMNS
    children, parents = df[c].tolist(), df[p].tolist()
    for i, (a, b) in enumerate(zip(children, parents)):
        if a is None or b is None or a != a or b != b:  # NaN check without numpy
            raise InputError(f"missing value in DataFrame row {i}", value=(a, b))
    h = Hierarchy.from_edges(zip(children, parents), direction="child-parent" if named else direction, name=name)
    if not named and direction == "parent-child":
        c, p = p, c
    converted = sorted({type(x).__name__ for x in children + parents if not isinstance(x, str)})
    h.meta["read_as"] = (f"child = column {c!r}, parent = column {p!r}"
                         + (f"; {'/'.join(converted)} ids became text (1 -> '1'): look nodes up by the text"
                            if converted else ""))
    return h


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
    stack: list[tuple[Any, str | None, str, bool]] = [(tree, None, "$", False)]
    while stack:
        sub, parent, where, in_children = stack.pop()
        for child_name, grandchildren, loc in _tree_children(sub, where, in_children):
            if child_name == parent:
                raise InputError(f"self-loop: a node cannot be its own parent (at {loc})", value=child_name)
            nodes.append(child_name)
            if parent is not None:
                pairs.append((child_name, parent))
            if grandchildren is not None:
                stack.append((grandchildren, child_name, loc, loc.endswith(".children")))
    if not nodes:
        raise InputError("the tree is empty")
    h = Hierarchy.from_edges(pairs, name=name, nodes=nodes)
    h.meta["read_as"] = "a nested tree: each node under its parent"
    return h


def _tree_children(sub: Any, where: str, in_children: bool = False) -> Iterator[tuple[str, Any, str]]:
    """The (name, subtree, location) of each node directly in ``sub``; as strict as the CSV reader.

    Inside a ``"children"`` list every item is a name or a ``{"name", "children"}`` object: a
    mapping without ``"name"`` there, or a node object with other keys, is an error, not a node.
    """
    if isinstance(sub, Mapping) and "name" in sub:
        extra = sorted(set(sub) - {"name", "children"})
        if extra:
            raise InputError(f"a node object holds keys other than 'name' and 'children' (at {where}): "
                             f"{', '.join(map(repr, extra))}", value=repr(dict(sub))[:80])
        yield _tree_name(sub["name"], where), sub.get("children"), f"{where}.children"
    elif isinstance(sub, Mapping) and in_children:
        raise InputError(f"expected a name or {{\"name\": ..., \"children\": [...]}} in a children list (at {where}), "
                         f"found an object with keys {', '.join(map(repr, sub))}", value=repr(dict(sub))[:80])
    elif isinstance(sub, Mapping):
        for key, value in sub.items():
            yield _tree_name(key, where), value, f"{where}.{key}"
    elif isinstance(sub, (list, tuple)):
        for i, item in enumerate(sub):
            if isinstance(item, (Mapping, list, tuple)):
                yield from _tree_children(item, f"{where}[{i}]", in_children)
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


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicate_keys(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in items:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _line_of_second(text: str, key: str) -> int | None:
    """The line of the second ``"key":`` in ``text`` (where a duplicate key most likely is)."""
    hits = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text)]
    return text.count("\n", 0, hits[1]) + 1 if len(hits) > 1 else None


def read_json_tree(path: str | Path, *, name: str | None = None) -> Hierarchy:
    """Hierarchy from a JSON file holding a nested tree (see :func:`from_tree`)."""
    path = Path(path)
    text = "\n".join(t for _, t in read_text_lines(path))
    if not text.strip():
        raise InputError("file is empty (no tree)", path=path)
    try:
        tree = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as dup:
        line = _line_of_second(text, dup.key)
        raise InputError(f"duplicate key {dup.key!r} in one JSON object (the first subtree would be lost silently)",
                         path=path, line=line, value=text.splitlines()[line - 1].strip() if line else None) from None
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
    h = Hierarchy.from_edges(graph.edges(), direction=direction, name=name, nodes=list(graph.nodes()))
    h.meta["read_as"] = ("edges from parent to child, networkx's convention (direction='child-parent' for edges "
                         "that point up)" if direction == "parent-child" else "edges from child to parent")
    return h


#: Line 1 of Google's product taxonomy files (``taxonomy.en-US.txt``, ``taxonomy-with-ids.en-US.txt``).
GOOGLE_TAXONOMY_HEADER = "# Google_Product_Taxonomy_Version"
#: The separator of a path file found without ``path_separator``: Google's, and most breadcrumbs'.
PATH_SEPARATOR = " > "
#: Lines of a file looked at to tell a path file from an edge file.
PATH_LOOKAHEAD_LINES = 10
#: ``1 - Animals & Pet Supplies``: the id before a path in Google's ``taxonomy-with-ids`` file.
_ID_BEFORE_PATH = re.compile(r"(\d+) - (.+)")
#: Options of delimited edge files, which a path file has no use for.
EDGE_FILE_OPTIONS = ("delimiter", "header", "child_column", "parent_column", "direction")


def detect_path_separator(path: str | Path, *, comment: str | None = None) -> str | None:
    """``' > '`` when ``path`` holds one path per line, else None (an edge file).

    A file is read as paths when line 1 is Google's product taxonomy header
    (:data:`GOOGLE_TAXONOMY_HEADER`), or when its first
    :data:`PATH_LOOKAHEAD_LINES` lines hold no TAB, line 1 no comma or
    semicolon (no delimiter an edge file would use), and one of them ``' > '``.
    Other separators (``/``, ``::``) are read only when given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "taxonomy.txt"
    >>> _ = p.write_text("Animals\\nAnimals > Live Animals\\n")
    >>> detect_path_separator(p)
    ' > '
    """
    head: list[str] = []
    for _, text in content_lines(Path(path), comment):
        if not head and text.startswith(GOOGLE_TAXONOMY_HEADER):
            return PATH_SEPARATOR
        head.append(text)
        if len(head) == PATH_LOOKAHEAD_LINES:
            break
    if not head or any("\t" in t for t in head) or "," in head[0] or ";" in head[0]:
        return None
    return PATH_SEPARATOR if any(PATH_SEPARATOR in t for t in head) else None


def read_path_file(path: str | Path, *, separator: str | None = None, comment: str | None = None,
                   dedupe: bool = False, name: str | None = None) -> Hierarchy:
    """Hierarchy from a file of one path per line, from a root down (``A > B > C``).

    Each node is named by its full path (``Animals & Pet Supplies > Live
    Animals``), since a name alone may recur under two parents
    (``Accessories``), and labelled by its last name (``Live Animals``,
    :attr:`Hierarchy.labels`); each path's parent is the path without its last name,
    and ancestors that only appear inside longer paths are nodes too.  Google's
    product taxonomy files read as they are downloaded: line 1 (its version
    header) is skipped, and in ``taxonomy-with-ids`` (``2271 - Apparel &
    Accessories > Clothing > Dresses``) each node is named by its id, as a
    product feed's ``google_product_category`` names it, so both files give the
    same tree, keyed by path or by id.  A repeated path or id, an empty name
    between separators, a line without an id in a file of ids and a path
    whose parent has no line (and so no id) there raise :class:`InputError`
    naming the line (``dedupe=True`` drops a repeated line).

    Parameters
    ----------
    path : str or Path
        The file.
    separator : str, optional
        Between the names of a path (default: detected, see :func:`detect_path_separator`).
        The names are stripped, so ``'>'`` reads ``A > B`` and ``A>B`` alike.
    comment : str, optional
        Skip lines that start with this text.
    dedupe : bool
        Drop repeated paths instead of stopping.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "shop.txt"
    >>> _ = p.write_text("Apparel\\nApparel > Shoes\\nToys > Shoes\\n")
    >>> h = read_path_file(p)
    >>> h.n_nodes, sorted(h.ancestors("Toys > Shoes"))
    (4, ['Toys'])
    """
    path = Path(path)
    sep = separator if separator is not None else detect_path_separator(path, comment=comment)
    if not sep or not sep.strip() or any(c in sep for c in "\t\r\n"):
        raise InputError("a path separator must hold a character other than spaces, TAB or line breaks "
                         "(' > ', '/', '::')", path=path, value=sep)
    token = sep.strip()
    line_of: dict[str, int] = {}
    id_of: dict[str, str] = {}  # path -> its id, in a file of ids
    line_of_id: dict[str, int] = {}
    pairs: list[tuple[str, str]] = []
    google = with_ids = False
    seen_data = repeats = 0
    for number, text in content_lines(path, comment):
        if not seen_data and not google and text.startswith(GOOGLE_TAXONOMY_HEADER):
            google = True
            continue
        body = text.strip()
        id_match = _ID_BEFORE_PATH.fullmatch(body)
        if not seen_data:  # Google's ids stand before ' > ' paths only: a '/' file's '2024 - q1/x' is a name
            with_ids = id_match is not None and sep == PATH_SEPARATOR
        seen_data += 1
        if with_ids:
            if id_match is None:
                raise InputError("expected 'ID - path', as on the lines before it", path=path, line=number,
                                 value=text)
            node_id, body = id_match.group(1), id_match.group(2)
        if "\t" in body:
            raise InputError("a node name holds a TAB, which the child<TAB>ancestor closure cannot write and read "
                             "back; rename the node", path=path, line=number, value=text)
        names = [part.strip() for part in body.split(token)]
        if not all(names):
            raise InputError(f"an empty name in a path: nothing between separators {sep!r} or at an end",
                             path=path, line=number, value=text)
        key = sep.join(names)
        if with_ids and node_id in line_of_id and id_of.get(key) != node_id:
            raise InputError(f"id {node_id} given twice (line {line_of_id[node_id]} gives it to another path)",
                             path=path, line=number, value=text)
        if key in line_of:
            if with_ids and id_of[key] != node_id:
                raise InputError(f"path repeated with another id (line {line_of[key]} gives it id {id_of[key]})",
                                 path=path, line=number, value=text)
            if dedupe:
                repeats += 1
                continue
            raise repeated("path", line_of[key], path=path, line=number, value=text)
        line_of[key] = number
        if with_ids:
            id_of[key], line_of_id[node_id] = node_id, number
        if len(names) > 1:
            pairs.append((key, sep.join(names[:-1])))
    if not line_of:
        raise InputError("file is empty (no paths)", path=path)
    implied = 0
    for child, parent in list(pairs):  # ancestors named only inside longer paths (A > B > C without A > B)
        if with_ids and parent not in line_of:
            raise InputError(f"the parent path {parent!r} has no line of its own, so no id; in a file of ids "
                             "every path needs its line", path=path, line=line_of[child], value=child)
        while parent not in line_of:
            line_of[parent] = 0
            implied += 1
            names = parent.split(sep)
            if len(names) == 1:
                break
            pairs.append((parent, sep.join(names[:-1])))
            parent = pairs[-1][1]
    labels = {key: key.rsplit(token, 1)[-1].strip() for key in line_of}  # the last name
    if with_ids:  # every path has its line here, so its id
        pairs = [(id_of[child], id_of[parent]) for child, parent in pairs]
        labels = {id_of[key]: label for key, label in labels.items()}
    h = Hierarchy.from_edges(pairs, name=name or path.stem, source=path,
                             nodes=[id_of[key] for key in line_of] if with_ids else list(line_of))
    h.meta["source"] = str(path)
    h.labels = labels
    h.meta["read_as"] = (f"one path per line, names separated by {sep!r}"
                         + (" (Google's product taxonomy)" if google else "")
                         + ("; each node named by the id before its path" if with_ids
                            else "; each node named by its full path")
                         + (f"; {implied:,} ancestors named only inside longer paths" if implied else "")
                         + (f"; {repeats:,} repeated lines dropped" if repeats else ""))
    return h


def path_file_separator(path: str | Path, options: dict[str, Any]) -> str | None:
    """The separator when ``path`` is read as a path file with these reading ``options``, else None.

    ``path_separator`` in ``options`` makes it one (no edge-file option may come
    with it); without it, :func:`detect_path_separator` decides unless an
    edge-file option (``delimiter``, ``header``, columns, ``direction``) says
    the file is an edge file.
    """
    given = options.get("path_separator")
    edge_options = sorted(k for k in EDGE_FILE_OPTIONS if options.get(k) is not None)
    if given is not None:
        if edge_options:
            raise InputError(f"options {edge_options} apply to edge files, not to a file of paths "
                             "(--path-separator)", path=path)
        return str(given)
    if edge_options or Path(path).suffix.lower() == ".json":
        return None
    return detect_path_separator(path, comment=options.get("comment"))


def _sniff(path: Path, options: dict[str, Any]) -> tuple[str, str | None]:
    """:func:`file_kind`'s answer and, for a file of paths, its separator: the file is looked at once."""
    if is_icd10cm_tabular(path):
        return "icd10cm", None
    if is_obo_file(path):
        return "obo", None
    if path.suffix.lower() == ".json":
        return "json", None
    if options.get("prefix_codes"):
        return "codes", None
    separator = path_file_separator(path, options)
    return ("edges", None) if separator is None else ("paths", separator)


def file_kind(path: str | Path, options: dict[str, Any]) -> str:
    """What :func:`read_hierarchy_file` reads ``path`` as with these file options: ``"icd10cm"`` (CMS's tabular
    list), ``"obo"`` (an ontology), ``"json"`` (a tree), ``"codes"`` (a code list: ``prefix_codes``),
    ``"paths"`` (a file of paths: :func:`path_file_separator`) or ``"edges"`` (a delimited edge file).

    The file's own format comes first, so an option meant for another kind of
    file (``prefix_codes`` on an ontology) is refused by name, not obeyed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tree = pathlib.Path(tempfile.mkdtemp()) / "tree.json"
    >>> _ = tree.write_text('{"animal": {"dog": {}}}')
    >>> file_kind(tree, {}), file_kind(tree, {"prefix_codes": True})
    ('json', 'json')
    """
    return _sniff(Path(path), options)[0]


def read_whole_hierarchy(path: str | Path, **options: Any) -> Hierarchy | None:
    """The hierarchy a file describes whole, read as :func:`read_hierarchy_file` reads it (a JSON tree, an OBO
    ontology, the ICD-10-CM tabular list, a file of paths, a code list: any :func:`file_kind` but edges), or
    None for an edge file, whose relations training takes as given (a link-prediction train split is one, and
    must not be closed).  The file is looked at once.  Options that only a whole hierarchy's file takes
    (``obo_relations``, ``seventh_characters``) send an edge file to the reader too, which refuses them by name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "paths.txt").write_text("Animals\\nAnimals > Dogs\\n")
    >>> _ = (folder / "edges.csv").write_text("dog,animal\\n")
    >>> read_whole_hierarchy(folder / "paths.txt").relations(), read_whole_hierarchy(folder / "edges.csv")
    ([('Animals > Dogs', 'Animals')], None)
    """
    path = Path(path)
    kind, separator = _sniff(path, options)
    if kind == "edges" and options.get("obo_relations") is None and options.get("seventh_characters") is None:
        return None
    return _read_kind(path, kind, separator, options)


#: The file options a code list (``prefix_codes``) takes; ``child_column`` names its code column.
CODE_LIST_OPTIONS = ("delimiter", "header", "child_column", "comment", "dedupe", "name")


def _refuse_options(path: Path, options: dict[str, Any], takes: tuple[str, ...], kind: str) -> None:
    """Stop, naming them, on the file options given (not None) that ``kind`` of file does not take."""
    other = sorted(k for k, v in options.items() if k not in takes and v is not None)
    if other:
        raise InputError(f"options {other} do not apply to {kind}", path=path)


def _read_code_list(path: Path, options: dict[str, Any]) -> Hierarchy:
    """:func:`~hypergensim.datasets.codes.read_code_file` with the file options that apply to a code list."""
    _refuse_options(path, options, (*CODE_LIST_OPTIONS, "prefix_codes"),
                    "a code list (--prefix-codes): its parents are the codes' prefixes (--child-col names the code "
                    "column)")
    return read_code_file(path, code_column=options.get("child_column"), header=options.get("header"),
                          delimiter=options.get("delimiter"), comment=options.get("comment"),
                          dedupe=bool(options.get("dedupe")), name=options.get("name"))


def read_hierarchy_file(path: str | Path, **options: Any) -> Hierarchy:
    """Read a code list as its codes' prefixes (``prefix_codes=True``: :mod:`~hypergensim.datasets.codes`),
    ``.json`` as a tree, an OBO ontology (:func:`~hypergensim.datasets.obo.is_obo_file`) as its ``is_a`` graph,
    CMS's ICD-10-CM tabular list (:func:`~hypergensim.datasets.icd10cm.is_icd10cm_tabular`) as its chapters,
    blocks and codes, a file of paths (:func:`path_file_separator`) as paths, and anything else as a delimited
    edge file."""
    path = Path(path)
    return _read_kind(path, *_sniff(path, options), options)


def _read_kind(path: Path, kind: str, separator: str | None, options: dict[str, Any]) -> Hierarchy:
    """:func:`read_hierarchy_file` once the file's kind (and a paths file's ``separator``) is known."""
    for flag in ("prefix_codes", "dedupe"):  # a switch given as False was not asked for, whatever the file
        if options.get(flag) is False:
            del options[flag]
    relations = options.pop("obo_relations", None)
    if relations is not None and kind != "obo":
        raise InputError("obo_relations (--obo-relations) applies to OBO ontologies: this file is not one (an "
                         ".obo file, or line 1 'format-version: 1.x')", path=path)
    seventh = options.pop("seventh_characters", None)
    if seventh is not None and kind != "icd10cm":
        raise InputError("seventh_characters (--no-seventh-characters) applies to the ICD-10-CM tabular list: this "
                         "file is not one (an .xml file whose root element is <ICD10CM.tabular>)", path=path)
    if kind == "icd10cm":
        _refuse_options(path, options, ("name",), "the ICD-10-CM tabular list: its structure is the file's own")
        return read_icd10cm_tabular(path, seventh_characters=seventh is None or bool(seventh),
                                    name=options.get("name"))
    if kind in ("json", "obo"):
        what = "an OBO ontology" if kind == "obo" else "a JSON tree"
        if options.pop("prefix_codes", None):
            raise InputError(f"prefix_codes (--prefix-codes) applies to a delimited file of codes: this file is "
                             f"{what}, whose parents are its own", path=path)
        dedupe = bool(options.pop("dedupe", False))  # a tree cannot repeat an edge; an ontology's is_a can
        if options:
            raise InputError(f"options {sorted(options)} apply to delimited files, not to {what}", path=path)
        if kind == "json":
            return read_json_tree(path)
        return read_obo_file(path, relations=relations or (), dedupe=dedupe)
    if kind == "codes":
        return _read_code_list(path, options)
    options.pop("prefix_codes", None)
    if kind == "paths":
        return read_path_file(path, separator=separator, comment=options.get("comment"),
                              dedupe=bool(options.get("dedupe")), name=options.get("name"))
    options.pop("path_separator", None)
    return read_edge_file(path, **options)
