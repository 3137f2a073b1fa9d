"""Tests for hypergensim.plotting: readable labels, a density view for large hierarchies, real PNGs."""

from __future__ import annotations

import numpy as np
import pytest

from hypergensim.datasets import from_pairs
from hypergensim.plotting import node_label, plot_disk, save_figure


def test_labels_keep_codes_whole_and_shorten_synsets():
    assert [node_label(k) for k in ("A08.0", "A08.1", "A08.11", "dog.n.01", "bank.v.02")] == \
        ["A08.0", "A08.1", "A08.11", "dog", "bank"]
    assert node_label("x" * 40).endswith("…") and len(node_label("x" * 40)) == 28


def _codes(n_children: int):
    pairs = [(f"A08.{i}", "A08") for i in range(n_children)] + [("A08", "A00")]
    h = from_pairs(pairs, name="codes")
    rng = np.random.default_rng(0)
    depth = h.depth.astype(float)
    angle = rng.uniform(0, 2 * np.pi, h.n_nodes)
    r = np.tanh(0.5 + 2.0 * depth) * 0.999
    return h, np.c_[r * np.cos(angle), r * np.sin(angle)]


def test_disk_labels_name_sibling_codes_apart(tmp_path):
    h, vectors = _codes(3)
    fig = plot_disk((h.nodes, vectors), h, top_k=5, mode="points")
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"A08", "A00"} <= labels and {"A08.0", "A08.1", "A08.2"} & labels  # not all cut to "A08"


@pytest.mark.parametrize(("n_children", "dense"), [(50, False), (25_000, True)])
def test_large_hierarchies_are_drawn_as_a_density(tmp_path, n_children, dense):
    from matplotlib.collections import PathCollection, PolyCollection
    from matplotlib.image import imread

    h, vectors = _codes(n_children)
    fig = plot_disk((h.nodes, vectors), h)
    kinds = {type(c) for c in fig.axes[0].collections}
    assert (PolyCollection in kinds) == dense and (PathCollection in kinds) != dense
    assert ("density of" in fig.axes[0].get_title()) == dense
    # the boundary circle: over the density's cells (they would hide it at the rim), under the points
    cells_or_points = max(c.get_zorder() for c in fig.axes[0].collections)
    assert (fig.axes[0].patches[0].get_zorder() > cells_or_points) == dense
    png = save_figure(fig, tmp_path / "disk.png")
    img = imread(png)
    assert img.shape[0] > 500 and img[..., :3].std() > 0.05
    with pytest.raises(Exception, match="mode must be"):
        plot_disk((h.nodes, vectors), mode="dots")


def test_disk_labels_stay_inside_the_disk_panel():
    """Labels of nodes near the circle, on every side, are drawn inward, so none runs past the panel into the
    colour bar or off the figure (long names on the right once did: "hunting_dog" under the colour bar)."""
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False) + 0.1
    pairs = [(f"a_long_label_{i}", "root") for i in range(8)]
    h = from_pairs(pairs, name="ring")
    position = {f"a_long_label_{i}": 0.97 * np.array([np.cos(a), np.sin(a)]) for i, a in enumerate(angles)}
    vectors = np.array([position.get(k, np.zeros(2)) for k in h.nodes])
    fig = plot_disk((h.nodes, vectors), h, top_k=9, mode="points")
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # Agg lays the labels out, so they have their extents
    ax = fig.axes[0]
    renderer = canvas.get_renderer()
    panel = ax.get_window_extent(renderer)
    assert len(ax.texts) == 9
    for text in ax.texts:
        box = text.get_window_extent(renderer)
        assert panel.x0 <= box.x0 and box.x1 <= panel.x1 and panel.y0 <= box.y0 and box.y1 <= panel.y1, \
            text.get_text()


def test_disk_labels_do_not_overlap_where_nodes_crowd():
    """Forty labelled nodes crowded into a quarter of the rim and a cluster near the middle: the labels drawn
    (several) do not cover one another; the others are left out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    rng = np.random.default_rng(5)
    pairs = [(f"crowded_node_{i}", "root") for i in range(40)]
    h = from_pairs(pairs, name="crowd")
    angle = rng.uniform(0, np.pi / 2, 40)
    radius = np.where(np.arange(40) < 30, 0.95, 0.2)
    position = {f"crowded_node_{i}": radius[i] * np.array([np.cos(angle[i]), np.sin(angle[i])]) for i in range(40)}
    vectors = np.array([position.get(k, np.zeros(2)) for k in h.nodes])
    fig = plot_disk((h.nodes, vectors), h, top_k=41, mode="points")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in fig.axes[0].texts]
    assert 4 <= len(boxes) < 41
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5)


@pytest.mark.parametrize(("low", "high", "shown"), [(1.2, 12, {"2", "3", "10"}), (1.5, 3000, {"10", "100", "1000"})])
def test_log_axis_labels_are_plain_numbers(low, high, shown):
    """Mean ranks on a log axis read 2, 3, 10, 1000, not 2×10⁰ (matplotlib's default for its minor ticks)."""
    import re

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from hypergensim.plotting import log_y, new_figure

    fig = new_figure(4, 3)
    ax = fig.subplots()
    ax.plot([0, 1], [low, high])
    log_y(ax)
    FigureCanvasAgg(fig).draw()
    labels = {t.get_text() for t in ax.yaxis.get_majorticklabels() + ax.yaxis.get_minorticklabels()
              if t.get_text() and low <= t.get_position()[1] <= high}
    assert shown <= labels and all(re.fullmatch(r"\d+", label) for label in labels), labels


def test_a_figure_is_saved_in_the_format_its_suffix_names_and_no_other_name_is_written(tmp_path):
    from hypergensim.errors import InputError

    h, vectors = _codes(3)
    fig = plot_disk((h.nodes, vectors), h, mode="points")
    for name, magic in [("disk.png", b"\x89PNG"), ("disk.PDF", b"%PDF"), ("disk.svg", b"<?xml")]:
        assert save_figure(fig, tmp_path / name).read_bytes().startswith(magic)
    with pytest.raises(InputError, match=r"plots: a figure is written as .png, .pdf, .svg"):
        save_figure(fig, tmp_path / "plots")  # once written as PNG bytes under any name
    assert not (tmp_path / "plots").exists()
