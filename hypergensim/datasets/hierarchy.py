"""The :class:`Hierarchy` container: nodes, transitive closure, reduction and depth.

A hierarchy is a directed acyclic graph whose edges point from a child to an
ancestor.  Whatever the input (basic parent links or an already closed edge
set), the container holds

* ``nodes``: node names in a stable order (first appearance in the input);
* the *closure* edges ``(child, ancestor)``: every pair where the ancestor is
  reachable from the child, self-loops excluded;
* the *basic* edges: the transitive reduction of the closure;
* roots (no ancestor), leaves (no descendant) and the depth of every node
  (length of the longest path up to a root).

The closure is computed once in topological order (Kahn's algorithm), each
node's ancestor set being the union of its parents' sets: linear in the size of
the output for trees, with no per-node recursion.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .._atomic import atomic_write
from ..errors import CycleError, InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Hierarchy", "HierarchySummary", "EdgeStats", "longest_path_depths", "unclosed_chain", "unclosed_note"]


@dataclass(frozen=True)
class EdgeStats:
    """What the builder dropped from its input.

    Examples
    --------
    >>> Hierarchy.from_edges([("dog", "mammal"), ("dog", "mammal"), ("cat", "cat")]).stats
    EdgeStats(input_edges=3, self_loops=1, duplicates=1)
    """

    input_edges: int = 0
    self_loops: int = 0
    duplicates: int = 0


@dataclass(frozen=True)
class HierarchySummary:
    """Counts describing a :class:`Hierarchy` (see :meth:`Hierarchy.summarize`).

    Examples
    --------
    >>> h = Hierarchy.from_edges([("dog", "canine"), ("canine", "mammal"), ("cat", "mammal")], name="pets")
    >>> s = h.summarize()
    >>> s.nodes, s.closure_edges, s.basic_edges, s.roots, s.leaves, s.max_depth
    (4, 4, 3, 1, 2, 2)
    """

    name: str
    nodes: int
    closure_edges: int
    basic_edges: int
    roots: int
    leaves: int
    max_depth: int
    mean_depth: float
    multi_parent_nodes: int
    input_edges: int
    self_loops_dropped: int
    duplicates_dropped: int
    read_as: str = ""

    def as_dict(self) -> dict[str, object]:
        """The summary as a plain dict (JSON-serializable)."""
        return dict(self.__dict__)

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.nodes:,} nodes, {self.closure_edges:,} closure edges "
            f"({self.basic_edges:,} basic), {self.roots:,} roots, {self.leaves:,} leaves, "
            f"depth max {self.max_depth} mean {self.mean_depth:.2f}, "
            f"{self.multi_parent_nodes:,} multi-parent nodes; dropped {self.self_loops_dropped:,} "
            f"self-loops and {self.duplicates_dropped:,} duplicate edges"
            + (f"; read as {self.read_as}" if self.read_as else "")
        )


@dataclass(eq=False)
class Hierarchy:
    """A directed hierarchy with its transitive closure.

    Build one with :meth:`from_edges` (or a reader in :mod:`hypergensim.datasets`);
    the constructor takes already computed arrays.

    Parameters
    ----------
    nodes : list of str
        Node names, in their stable order.
    closure : ndarray of int64, shape (E, 2)
        Closure edges as ``(child_index, ancestor_index)`` rows, sorted.
    basic : ndarray of int64, shape (B, 2)
        Transitive-reduction edges ``(child_index, parent_index)``, sorted.
    name : str
        A short name used in summaries and dataset cards.
    stats : EdgeStats
        What was dropped from the input.
    meta : dict
        Provenance (source, WordNet version, ...).
    labels : dict
        Display names of nodes whose names are ids or paths, where the input
        gives them: an OBO term's ``name:`` for ``HP:0000118``, the last name
        of a path.  Plots and exports show them; nodes keep their names.

    Examples
    --------
    >>> h = Hierarchy.from_edges([("dog", "canine"), ("canine", "mammal"), ("cat", "mammal")])
    >>> h.n_nodes, h.n_edges
    (4, 4)
    >>> sorted(h.ancestors("dog"))
    ['canine', 'mammal']
    >>> h.roots
    ['mammal']
    """

    nodes: list[str]
    closure: np.ndarray
    basic: np.ndarray
    name: str = "hierarchy"
    stats: EdgeStats = field(default_factory=EdgeStats)
    meta: dict[str, object] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ build
    @classmethod
    def from_edges(
        cls,
        edges: Iterable[tuple[object, object]],
        *,
        direction: str = "child-parent",
        name: str = "hierarchy",
        meta: dict[str, object] | None = None,
        source: str | Path | None = None,
        nodes: Sequence[object] | None = None,
    ) -> Hierarchy:
        """Build a hierarchy from pairs that are basic links or a closure.

        Parameters
        ----------
        edges : iterable of (node, node)
            The relations.  Names are converted with ``str``.
        direction : {"child-parent", "parent-child"}
            Whether each pair is ``(child, parent)`` (gensim's and
            facebookresearch's order, the default) or ``(parent, child)``.
        name : str
            Name for summaries.
        meta : dict, optional
            Provenance recorded in :attr:`meta`.
        source : str or Path, optional
            File the edges came from, named in cycle errors.
        nodes : sequence, optional
            Extra nodes to include (isolated nodes are kept only if listed here).
        """
        if direction not in ("child-parent", "parent-child"):
            raise InputError("direction must be 'child-parent' or 'parent-child'", value=direction)
        flip = direction == "parent-child"
        index: dict[str, int] = {}
        names: list[str] = []

        def idx(key: object) -> int:
            key = key if isinstance(key, str) else str(key)
            i = index.get(key)
            if i is None:
                i = index[key] = len(names)
                names.append(key)
            return i

        for n in nodes or ():
            idx(n)
        # compact int64 buffers (16 bytes per relation), deduplicated with NumPy at the end, so a
        # 10-million-line file does not become 10 million Python tuples in a set
        children, parents = array("q"), array("q")
        n_input = n_self = 0
        for pair in edges:
            if len(pair) != 2:
                raise InputError("a relation must have exactly two items", value=repr(pair))
            a, b = pair
            child, parent = (idx(b), idx(a)) if flip else (idx(a), idx(b))
            n_input += 1
            if child == parent:
                n_self += 1
                continue
            children.append(child)
            parents.append(parent)
        arr = np.unique(np.stack([np.frombuffer(children, dtype=np.int64), np.frombuffer(parents, dtype=np.int64)],
                                 axis=1).reshape(-1, 2), axis=0)
        stats = EdgeStats(n_input, n_self, n_input - n_self - len(arr))
        return cls.from_index_edges(names, arr, name=name, stats=stats, meta=meta, source=source)

    @classmethod
    def from_index_edges(
        cls,
        nodes: list[str],
        edges: np.ndarray,
        *,
        name: str = "hierarchy",
        stats: EdgeStats | None = None,
        meta: dict[str, object] | None = None,
        source: str | Path | None = None,
    ) -> Hierarchy:
        """Close a set of integer edges ``(child, parent)`` without self-loops or duplicates."""
        n = len(nodes)
        parents = _adjacency(n, edges)
        order = _topological_order(n, edges, parents, nodes, source)
        ancestors: list[set[int] | None] = [None] * n
        basic_rows: list[tuple[int, int]] = []
        empty: frozenset[int] = frozenset()
        for v in order:  # parents come before children
            ps = parents[v]
            if not ps:
                ancestors[v] = set()
                continue
            acc: set[int] = set()
            for p in ps:
                acc |= ancestors[p] or empty
            # a direct link is basic unless another parent already reaches it
            basic_rows.extend((v, p) for p in ps if p not in acc)
            acc.update(ps)
            ancestors[v] = acc
        sizes = np.fromiter((len(a) for a in ancestors), dtype=np.int64, count=n)
        child = np.repeat(np.arange(n, dtype=np.int64), sizes)
        anc = np.fromiter((x for a in ancestors for x in sorted(a)), dtype=np.int64, count=int(sizes.sum()))
        closure = np.stack([child, anc], axis=1) if n else np.zeros((0, 2), dtype=np.int64)
        basic = np.array(sorted(basic_rows), dtype=np.int64).reshape(-1, 2)
        return cls(list(nodes), closure, basic, name=name, stats=stats or EdgeStats(len(edges)), meta=dict(meta or {}))

    # ------------------------------------------------------------- properties
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of closure edges (no self-loops)."""
        return int(self.closure.shape[0])

    @property
    def index(self) -> dict[str, int]:
        """Mapping from node name to its position in :attr:`nodes`."""
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = self.__dict__["_index"] = {k: i for i, k in enumerate(self.nodes)}
        return cached

    def _out_degree(self, edges: np.ndarray, col: int) -> np.ndarray:
        return np.bincount(edges[:, col], minlength=self.n_nodes) if len(edges) else np.zeros(self.n_nodes, int)

    @property
    def roots(self) -> list[str]:
        """Nodes without an ancestor, in node order."""
        return [self.nodes[i] for i in np.flatnonzero(self._out_degree(self.closure, 0) == 0)]

    @property
    def leaves(self) -> list[str]:
        """Nodes without a descendant, in node order."""
        return [self.nodes[i] for i in np.flatnonzero(self._out_degree(self.closure, 1) == 0)]

    @property
    def depth(self) -> np.ndarray:
        """Length of the longest basic-edge path from each node up to a root (roots: 0)."""
        cached = self.__dict__.get("_depth")
        if cached is None:
            cached = self.__dict__["_depth"] = longest_path_depths(self.basic, self.n_nodes)
        return cached

    def ancestors(self, node: str) -> list[str]:
        """Ancestors of ``node`` in the closure."""
        i = self._lookup(node)
        lo, hi = np.searchsorted(self.closure[:, 0], [i, i + 1])
        return [self.nodes[j] for j in self.closure[lo:hi, 1]]

    def descendants(self, node: str) -> list[str]:
        """Descendants of ``node`` in the closure."""
        i = self._lookup(node)
        return [self.nodes[j] for j in self.closure[self.closure[:, 1] == i, 0]]

    def parents(self, node: str) -> list[str]:
        """Direct (basic) parents of ``node``."""
        i = self._lookup(node)
        return [self.nodes[j] for j in self.basic[self.basic[:, 0] == i, 1]]

    def _lookup(self, node: str) -> int:
        try:
            return self.index[node]
        except KeyError:
            raise InputError(f"unknown node in hierarchy {self.name!r}", value=node) from None

    def relations(self, *, basic: bool = False) -> list[tuple[str, str]]:
        """Edges as ``(child, ancestor)`` name pairs: the closure, or the basic edges."""
        edges = self.basic if basic else self.closure
        nodes = self.nodes
        return [(nodes[a], nodes[b]) for a, b in edges.tolist()]

    def summarize(self) -> HierarchySummary:
        """Counts, depth and the number of nodes with more than one basic parent."""
        depth = self.depth
        n_parents = self._out_degree(self.basic, 0)
        return HierarchySummary(
            name=self.name,
            nodes=self.n_nodes,
            closure_edges=self.n_edges,
            basic_edges=int(self.basic.shape[0]),
            roots=int(np.sum(self._out_degree(self.closure, 0) == 0)),
            leaves=int(np.sum(self._out_degree(self.closure, 1) == 0)),
            max_depth=int(depth.max()) if self.n_nodes else 0,
            mean_depth=float(depth.mean()) if self.n_nodes else 0.0,
            multi_parent_nodes=int(np.sum(n_parents > 1)),
            input_edges=self.stats.input_edges,
            self_loops_dropped=self.stats.self_loops,
            duplicates_dropped=self.stats.duplicates,
            read_as=str(self.meta.get("read_as", "")),
        )

    # --------------------------------------------------------------- export
    def to_tsv(self, path: str | Path, *, basic: bool = False) -> Path:
        """Write ``child<TAB>ancestor`` lines without a header (gensim's ``PoincareRelations``), atomically."""
        path = Path(path)
        edges = self.basic if basic else self.closure
        nodes = self.nodes
        bad = next((n for n in nodes if any(c in n for c in "\t\n\r")), None)
        if bad is not None:  # the file could not be read back: refuse rather than write it
            raise InputError("a node name holds a TAB or line break, which child<TAB>ancestor lines cannot hold; "
                             "rename the node", path=path, value=bad)
        with atomic_write(path) as fh:
            chunk = 100_000
            for start in range(0, len(edges), chunk):
                part = edges[start : start + chunk].tolist()
                fh.write("".join(f"{nodes[a]}\t{nodes[b]}\n" for a, b in part))
        return path

    def to_pandas(self, *, basic: bool = False) -> pd.DataFrame:
        """Edges as a DataFrame with columns ``child`` and ``ancestor``."""
        import pandas as pd

        edges = self.basic if basic else self.closure
        names = np.array(self.nodes, dtype=object)
        return pd.DataFrame({"child": names[edges[:, 0]], "ancestor": names[edges[:, 1]]})

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for a pickle-free ``.npz`` cache (see :meth:`from_arrays`)."""
        return {
            "nodes": np.array(self.nodes, dtype=str),
            "closure": self.closure,
            "basic": self.basic,
            "stats": np.array([self.stats.input_edges, self.stats.self_loops, self.stats.duplicates]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], *, name: str, meta: dict[str, object]) -> Hierarchy:
        """Rebuild a hierarchy saved with :meth:`to_arrays`."""
        s = [int(x) for x in arrays["stats"]]
        return cls(
            [str(x) for x in arrays["nodes"].tolist()],
            np.asarray(arrays["closure"], dtype=np.int64).reshape(-1, 2),
            np.asarray(arrays["basic"], dtype=np.int64).reshape(-1, 2),
            name=name,
            stats=EdgeStats(*s),
            meta=meta,
        )

    def subset(self, keep: Iterable[str], *, name: str | None = None) -> Hierarchy:
        """The hierarchy induced on ``keep``: its nodes and the closure edges among them."""
        keep_idx = np.zeros(self.n_nodes, dtype=bool)
        keep_idx[[self._lookup(k) for k in keep]] = True
        mask = keep_idx[self.closure[:, 0]] & keep_idx[self.closure[:, 1]]
        new_of_old = np.cumsum(keep_idx) - 1
        names = [n for n, k in zip(self.nodes, keep_idx) if k]
        edges = new_of_old[self.closure[mask]]
        h = Hierarchy.from_index_edges(names, edges, name=name or self.name, meta=dict(self.meta))
        h.labels = {n: self.labels[n] for n in names if n in self.labels}
        return h

    def __repr__(self) -> str:
        return f"Hierarchy(name={self.name!r}, nodes={self.n_nodes}, edges={self.n_edges})"


def longest_path_depths(edges: np.ndarray, n_nodes: int) -> np.ndarray:
    """Length of the longest path from each node up to a root along ``edges``, rows ``(child, ancestor)``.

    Roots (nodes that are no row's child) are at 0; a basic edge set and its closure give the same depths.  A
    node on a cycle, or below one, has no longest path and gets -1.  Kahn's algorithm one level at a time: a
    node is placed once the last of its ancestors is, one level below the deepest of them; linear in the edges
    but for a sort per level.

    Examples
    --------
    >>> longest_path_depths(np.array([[1, 0], [2, 1], [2, 0], [3, 0]]), 4).tolist()  # 2 → 1 → 0, 2 → 0, 3 → 0
    [0, 1, 2, 1]
    >>> longest_path_depths(np.array([[1, 0], [2, 3], [3, 2]]), 4).tolist()  # 2 and 3 form a cycle
    [0, 1, -1, -1]
    """
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    child, ancestor = edges[:, 0], edges[:, 1]
    waiting = np.bincount(child, minlength=n_nodes)  # ancestors not yet placed
    children = child[np.argsort(ancestor, kind="stable")]
    ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(ancestor, minlength=n_nodes), out=ptr[1:])
    depth = np.full(n_nodes, -1, dtype=np.int64)
    level_nodes = np.flatnonzero(waiting == 0)
    level = 0
    while level_nodes.size:
        depth[level_nodes] = level
        counts = ptr[level_nodes + 1] - ptr[level_nodes]
        first = np.repeat(ptr[level_nodes] - np.cumsum(counts) + counts, counts)
        reached, times = np.unique(children[first + np.arange(first.size)], return_counts=True)
        waiting[reached] -= times
        level_nodes = reached[waiting[reached] == 0]
        level += 1
    return depth


#: Most two-step paths :func:`unclosed_chain` walks (a closed WordNet nouns has about 3 million), and per chunk.
MOST_PATHS = 50_000_000
_PATH_CHUNK = 4_000_000


def _two_step_paths(keys: np.ndarray, n: int, *,
                   most_paths: int = MOST_PATHS) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]] | None:
    """Every path ``u → v → w`` of two pairs, as arrays ``(u, v, w)`` a chunk at a time; None past ``most_paths``.

    ``keys`` are the pairs ``child * n + ancestor``, sorted and unique; a
    self-loop starts no path.  A closed chain of ``n`` nodes has about
    ``n³/6`` such paths, a closed WordNet nouns about 3 million.

    >>> [[a.tolist() for a in chunk] for chunk in _two_step_paths(np.array([0 * 3 + 1, 1 * 3 + 2]), 3)]
    [[[0], [1], [2]]]
    """
    child, parent = keys // n, keys % n
    ptr = np.searchsorted(child, np.arange(n + 1))  # each node's ancestors: parent[ptr[i]:ptr[i + 1]]
    paths = (ptr[parent + 1] - ptr[parent]) * (child != parent)
    cumulative = np.cumsum(paths)
    if cumulative.size and cumulative[-1] > most_paths:
        return None

    def chunks() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        start = 0
        while start < keys.size:
            stop = max(int(np.searchsorted(cumulative, cumulative[start] - paths[start] + _PATH_CHUNK, "right")),
                       start + 1)
            counts = paths[start:stop]
            if counts.sum():
                first = np.repeat(ptr[parent[start:stop]] - np.cumsum(counts) + counts, counts)
                yield (np.repeat(child[start:stop], counts), np.repeat(parent[start:stop], counts),
                       parent[first + np.arange(first.size)])
            start = stop

    return chunks()


def _pair_keys(pairs: Iterable[tuple[object, object]]) -> tuple[np.ndarray, list[object]]:
    """``(keys, names)``: the pairs as sorted unique ``child * n + ancestor`` over node numbers, and the names."""
    index: dict[object, int] = {}
    flat = array("q", (index.setdefault(node, len(index)) for pair in pairs for node in pair))
    edges = np.frombuffer(flat, dtype=np.int64).reshape(-1, 2) if flat else np.zeros((0, 2), dtype=np.int64)
    return np.unique(edges[:, 0] * len(index) + edges[:, 1]), list(index)


def unclosed_chain(pairs: Iterable[tuple[object, object]], *,
                   most_paths: int = MOST_PATHS) -> tuple[object, object, object] | None:
    """A chain ``(child, parent, grandparent)`` of ``pairs`` whose ``(child, grandparent)`` pair is missing.

    ``None`` when ``pairs`` are transitively closed, or when checking would walk
    more than ``most_paths`` two-step paths (:func:`_two_step_paths`).
    Self-loops are ignored.

    Examples
    --------
    >>> unclosed_chain([("dog", "canine"), ("canine", "mammal")])
    ('dog', 'canine', 'mammal')
    >>> unclosed_chain([("dog", "canine"), ("canine", "mammal"), ("dog", "mammal")]) is None
    True
    """
    keys, names = _pair_keys(pairs)
    n = len(names)
    for u, v, w in _two_step_paths(keys, n, most_paths=most_paths) or ():
        want = u * n + w
        at = np.minimum(np.searchsorted(keys, want), keys.size - 1)
        missing = np.flatnonzero((keys[at] != want) & (w != u))
        if missing.size:
            i = missing[0]
            return names[u[i]], names[v[i]], names[w[i]]
    return None


def unclosed_note(pairs: Iterable[tuple[object, object]], source: object) -> str | None:
    """``"SOURCE is not transitively closed (c → p → g, but no c → g)"``, or None (:func:`unclosed_chain`).

    >>> unclosed_note([("dog", "canine"), ("canine", "mammal")], "links.tsv")
    'links.tsv is not transitively closed (dog → canine → mammal, but no dog → mammal)'
    """
    chain = unclosed_chain(pairs)
    if chain is None:
        return None
    child, parent, grandparent = chain
    return f"{source} is not transitively closed ({child} → {parent} → {grandparent}, but no {child} → {grandparent})"


def _adjacency(n: int, edges: np.ndarray) -> list[list[int]]:
    out: list[list[int]] = [[] for _ in range(n)]
    for c, p in edges.tolist():
        out[c].append(p)
    return out


def _topological_order(
    n: int, edges: np.ndarray, parents: list[list[int]], nodes: list[str], source: str | Path | None
) -> list[int]:
    """Nodes ordered so that parents precede children; raises :class:`CycleError`."""
    if n == 0:
        return []
    children: list[list[int]] = [[] for _ in range(n)]
    for c, p in edges.tolist():
        children[p].append(c)
    pending = [len(ps) for ps in parents]
    order = [v for v in range(n) if pending[v] == 0]
    head = 0
    while head < len(order):
        v = order[head]
        head += 1
        for c in children[v]:
            pending[c] -= 1
            if pending[c] == 0:
                order.append(c)
    if len(order) < n:
        raise CycleError([nodes[i] for i in _find_cycle(parents, pending)], path=source)
    return order


def _find_cycle(parents: list[list[int]], pending: list[int]) -> list[int]:
    """One directed cycle among the nodes Kahn's algorithm could not order."""
    # every unresolved node has an unresolved parent: walk until a node repeats
    v = next(i for i, k in enumerate(pending) if k > 0)
    seen: dict[int, int] = {}
    path: list[int] = []
    while v not in seen:
        seen[v] = len(path)
        path.append(v)
        v = next(p for p in parents[v] if pending[p] > 0)
    cycle = path[seen[v] :]
    # the walk follows child -> parent; report it in that direction
    return cycle
