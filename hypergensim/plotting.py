"""Figures: the Poincaré disk, distance from the origin against depth, and training curves.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot, so drawing never selects a backend or registers global figures: the
library leaves matplotlib's process-wide state alone (the command line saves
PNG, PDF or SVG files with :func:`save_figure`; in a notebook a returned figure displays itself).

The disk view
-------------
For ``dim == 2`` the disk is drawn as trained.  For higher dimensions a 2-D
view keeps every node's *norm* exactly (so the distance from the origin, which
encodes generality, is true) and chooses its *direction* by PCA: the vectors
are mapped to the tangent space at the origin (``log_0``), projected on their
first two principal axes, and each projected direction is drawn at the node's
original norm.  Angles between nodes are therefore approximate.  With
``center=NODE`` the ball is first moved by the Möbius translation that takes
that node to the origin (an isometry), so its neighbourhood is magnified.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write
from .errors import InputError
from .manifold import log_map0, mobius_add, poincare_distance
from .vectors import coerce_embedding

__all__ = ["new_figure", "node_label", "DENSITY_ABOVE", "disk_coordinates", "log_y", "plot_disk", "plot_norm_vs_depth", "plot_training_curves", "save_figure"]


def new_figure(width: float, height: float) -> Any:
    """A pyplot-free figure (no backend chosen, nothing registered globally)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110)


def log_y(ax: Any) -> None:
    """A log-scale y axis labelled in plain numbers (2, 3, 10, 200), minor ticks too where the range is narrow,
    instead of matplotlib's 2×10⁰: mean ranks of 1.2 and of 2,000 read on one axis."""
    from matplotlib.ticker import LogFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
    ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 0.5)))


def disk_coordinates(vectors: np.ndarray, center: np.ndarray | None = None) -> np.ndarray:
    """2-D coordinates inside the unit disk for drawing (see the module docstring)."""
    x = np.asarray(vectors, dtype=np.float64)
    if center is not None:
        x = mobius_add(-np.asarray(center, dtype=np.float64)[None, :], x)
    if x.shape[1] == 2:
        return x
    norms = np.linalg.norm(x, axis=1)
    tangent = log_map0(x)
    tangent = tangent - tangent.mean(axis=0)
    _, _, vt = np.linalg.svd(tangent, full_matrices=False)
    proj = (x @ vt[:2].T) if x.shape[1] > 1 else np.c_[x, np.zeros(len(x))]
    pn = np.linalg.norm(proj, axis=1)
    return proj / np.maximum(pn, 1e-15)[:, None] * norms[:, None]


#: Above this many nodes ``mode="auto"`` draws a density instead of one dot per node.
DENSITY_ABOVE = 20_000
_SYNSET = re.compile(r"^(.+)\.[a-z]\.\d{2}$")


def node_label(key: str, width: int = 28) -> str:
    """A readable label: WordNet's ``dog.n.01`` becomes ``dog``; other names stay whole (``A08.11``), shortened."""
    m = _SYNSET.match(key)
    text = m.group(1) if m else key
    return text if len(text) <= width else text[: width - 1] + "…"


#: Node labels on the disk: font size and offset from the point (points), the white box's padding (points), and
#: the width of a character, a little above DejaVu Sans's average at that size, so that estimated boxes that do
#: not meet are drawn apart.
_LABEL_SIZE = 8
_LABEL_OFFSET = 3
_LABEL_PAD = 1.2
_CHAR_WIDTH = 5.2


def plot_disk(embedding: Any, hierarchy: Any = None, *, top_k: int = 12, center: str | None = None,
              title: str | None = None, max_edges: int = 3000, mode: str = "auto", radius: str = "auto",
              ax: Any = None) -> Any:
    """Draw the Poincaré disk: boundary, basic edges (light), nodes coloured by depth, top-k labels.

    Labels go to the ``top_k`` nodes with the most descendants (without a
    hierarchy: the ``top_k`` nodes closest to the origin), and show the
    hierarchy's :attr:`~hypergensim.datasets.Hierarchy.labels` where it has
    them (an OBO term's name rather than its id).

    Parameters
    ----------
    mode : {"auto", "points", "density"}
        ``points`` draws every node; ``density`` draws how many nodes fall in
        each small cell (log scale), which stays readable for 100k nodes;
        ``auto`` picks density above :data:`DENSITY_ABOVE` nodes.
    radius : {"auto", "ball", "hyperbolic"}
        ``ball`` places each node at its Euclidean norm, as trained (trained
        nodes crowd just inside the rim); ``hyperbolic`` at its Poincaré
        distance from the origin divided by the largest one, so the levels of
        the hierarchy spread into rings; ``auto``: ball for points, hyperbolic
        for a density.
    """
    if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 0:
        raise InputError("top_k must be a non-negative integer", value=top_k)
    if mode not in ("auto", "points", "density"):
        raise InputError("mode must be auto, points or density", value=mode)
    if radius not in ("auto", "ball", "hyperbolic"):
        raise InputError("radius must be auto, ball or hyperbolic", value=radius)
    from matplotlib.patches import Circle

    emb = coerce_embedding(embedding)
    centre = None
    if center is not None:
        if center not in emb.index:
            raise InputError("node to centre on has no vector", value=center)
        centre = emb.vectors[emb.index[center]]
    density = mode == "density" or (mode == "auto" and len(emb) > DENSITY_ABOVE)
    hyperbolic = radius == "hyperbolic" or (radius == "auto" and density)
    xy = disk_coordinates(emb.vectors, centre)
    if hyperbolic:
        norms = np.linalg.norm(xy, axis=1)
        dist = poincare_distance(np.zeros(2), xy)
        xy = xy / np.maximum(norms, 1e-15)[:, None] * (dist / max(float(dist.max()), 1e-15))[:, None]
    if ax is None:
        ax = new_figure(8, 8).subplots()
    # the boundary over a density (whose cells at the rim would hide it), under points (which sit on it)
    ax.add_patch(Circle((0, 0), 1.0, fill=False, color="black", lw=1.2, zorder=2.5 if density else 1))
    depth = np.zeros(len(emb))
    importance = -np.linalg.norm(emb.vectors, axis=1)
    labels: dict[str, str] = getattr(hierarchy, "labels", None) or {}
    if hierarchy is not None:
        idx = emb.index
        d = dict(zip(hierarchy.nodes, hierarchy.depth.tolist()))
        depth = np.array([d.get(k, 0) for k in emb.keys], dtype=float)
        n_desc = np.bincount(hierarchy.closure[:, 1], minlength=hierarchy.n_nodes)
        desc = dict(zip(hierarchy.nodes, n_desc.tolist()))
        importance = np.array([desc.get(k, 0) for k in emb.keys], dtype=float)
        if not density:
            basic = hierarchy.basic
            if len(basic) > max_edges:
                basic = basic[np.random.default_rng(0).choice(len(basic), max_edges, replace=False)]
            segs = [(xy[idx[hierarchy.nodes[a]]], xy[idx[hierarchy.nodes[b]]]) for a, b in basic.tolist()
                    if hierarchy.nodes[a] in idx and hierarchy.nodes[b] in idx]
            from matplotlib.collections import LineCollection

            ax.add_collection(LineCollection(segs, colors="0.6", linewidths=0.4, alpha=0.35, zorder=1))
    if density:
        hb = ax.hexbin(xy[:, 0], xy[:, 1], gridsize=150, bins="log", cmap="magma_r", mincnt=1,
                       extent=(-1.05, 1.05, -1.05, 1.05), zorder=2, linewidths=0)
        ax.figure.colorbar(hb, ax=ax, fraction=0.046, pad=0.04, label="nodes per cell (log scale)")
    else:
        sc = ax.scatter(xy[:, 0], xy[:, 1], c=depth, cmap="viridis", s=9, zorder=2, edgecolors="none")
        if hierarchy is not None:
            ax.figure.colorbar(sc, ax=ax, fraction=0.046, pad=0.04, label="depth in the hierarchy")
    # a label's box in data units, from its characters: the panel spans 2.1 units over the axes' shorter side
    figure_w, figure_h = ax.figure.get_size_inches()
    frame = ax.get_position()
    unit = 2.1 / (min(frame.width * figure_w, frame.height * figure_h) * 72)  # data units per point
    boxes: list[tuple[float, float, float, float]] = []
    for i in np.argsort(-importance):
        if len(boxes) >= top_k:
            break
        label = node_label(labels.get(emb.keys[i], emb.keys[i]))
        # each label runs from its point towards the middle, so one near the circle stays inside the panel
        x, y = xy[i]
        right, top = x > 0, y > 0
        width, height = (_CHAR_WIDTH * len(label) + 2 * _LABEL_PAD) * unit, (1.4 * _LABEL_SIZE + 2 * _LABEL_PAD) * unit
        x0 = x - _LABEL_OFFSET * unit - width if right else x + _LABEL_OFFSET * unit
        y0 = y - _LABEL_OFFSET * unit - height if top else y + _LABEL_OFFSET * unit
        box = (x0, y0, x0 + width, y0 + height)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes):
            continue  # keep labels legible: skip one that would sit on another
        boxes.append(box)
        ax.annotate(label, xy[i], fontsize=_LABEL_SIZE, xytext=(-_LABEL_OFFSET if right else _LABEL_OFFSET,
                                                                -_LABEL_OFFSET if top else _LABEL_OFFSET),
                    textcoords="offset points", ha="right" if right else "left", va="top" if top else "bottom",
                    zorder=3, bbox={"boxstyle": f"round,pad={_LABEL_PAD / _LABEL_SIZE}", "fc": "white", "ec": "none",
                                    "alpha": 0.7})
    ax.set_xlim(-1.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    dim = emb.vectors.shape[1]
    view = "as trained" if dim == 2 else f"2-D view of d={dim}: PCA directions"
    scale = "radius = distance from the origin / the largest" if hyperbolic else "radius = norm in the ball"
    what = f"density of {len(emb):,} nodes" if density else f"{len(emb):,} nodes"
    ax.set_title(title or f"Poincaré disk ({view}; {scale}; {what})" + (f", centred on {center}" if center else ""),
                 fontsize=9)
    return ax.figure


def plot_norm_vs_depth(embedding: Any, hierarchy: Any, *, ax: Any = None) -> Any:
    """Box plot, per hierarchy depth, of each node's Poincaré distance from the origin.

    The distance ``d(0, x) = 2 artanh(‖x‖)`` is the norm on the hyperbolic
    scale: trained nodes crowd at Euclidean norms just below 1, where it still
    separates the levels.  General concepts should sit nearest the origin.
    """
    emb = coerce_embedding(embedding)
    d = dict(zip(hierarchy.nodes, hierarchy.depth.tolist()))
    radius = poincare_distance(np.zeros(emb.vectors.shape[1]), emb.vectors)
    by_depth: dict[int, list[float]] = {}
    for k, r in zip(emb.keys, radius):
        if k in d:
            by_depth.setdefault(d[k], []).append(float(r))
    if ax is None:
        ax = new_figure(7, 4.5).subplots()
    levels = sorted(by_depth)
    ax.boxplot([by_depth[k] for k in levels], positions=levels, widths=0.6)
    ax.set_xlabel("depth in the hierarchy (0 = root)")
    ax.set_ylabel("Poincaré distance from the origin, 2·artanh(‖x‖)")
    ax.set_title("Distance from the origin against depth (general concepts should be nearest)", fontsize=10)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    return ax.figure


def plot_training_curves(loss_history: list[float], history: list[dict[str, Any]] | None = None, *,
                         ax: Any = None) -> Any:
    """Loss per epoch, with mean rank and MAP at the evaluated epochs."""
    if not loss_history:
        raise InputError("no training history to plot")
    history = history or []
    n_panels = 3 if history else 1
    fig = new_figure(4.2 * n_panels, 3.8)
    axes = fig.subplots(1, n_panels, squeeze=False)
    axes = axes[0]
    axes[0].plot(range(1, len(loss_history) + 1), loss_history, color="tab:blue")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("mean loss")
    axes[0].set_title("training loss")
    if history:
        epochs = [h["epoch"] for h in history]
        axes[1].plot(epochs, [h["mean_rank"] for h in history], marker="o", ms=3, color="tab:red")
        log_y(axes[1])
        axes[1].set_xlabel("epoch")
        axes[1].set_title("mean rank (lower is better)")
        axes[2].plot(epochs, [h["map"] for h in history], marker="o", ms=3, color="tab:green")
        axes[2].set_ylim(0, 1)
        axes[2].set_xlabel("epoch")
        axes[2].set_title("MAP (higher is better)")
    for a in axes:
        a.grid(alpha=0.3)
    fig.tight_layout()
    return fig


#: File formats a figure is saved in, chosen by the path's suffix.
FIGURE_FORMATS = ("png", "pdf", "svg")


def figure_format(path: str | Path) -> str:
    """The format a figure saved at ``path`` takes, from its suffix; an InputError for any other path.

    >>> figure_format("disk.PNG"), figure_format("runs/curves.pdf")
    ('png', 'pdf')
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FIGURE_FORMATS:
        raise InputError(f"a figure is written as {', '.join('.' + f for f in FIGURE_FORMATS)}: give a file name "
                         "ending in one of them", path=path)
    return suffix


def save_figure(fig: Any, path: str | Path) -> Path:
    """Save a figure atomically as PNG, PDF or SVG, by the suffix of ``path`` (no backend is selected)."""
    path = Path(path)
    fmt = figure_format(path)
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format=fmt, bbox_inches="tight")
    return path
