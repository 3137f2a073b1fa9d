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
    png = save_figure(fig, tmp_path / "disk.png")
    img = imread(png)
    assert img.shape[0] > 500 and img[..., :3].std() > 0.05
    with pytest.raises(Exception, match="mode must be"):
        plot_disk((h.nodes, vectors), mode="dots")
