"""Experiment figures: metrics against dimension (with the paper's numbers) and learning curves."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from ..plotting import log_y, new_figure
from ..rundir import RunDir
from .spec import ExperimentSpec
from .sweep import RUNS, plan

__all__ = ["plot_metric_vs_dim", "plot_learning_curves"]


def _series_label(row: dict[str, Any], keys: list[str]) -> str:
    return ", ".join(f"{row.get(k)}" if k == "model" else f"{k}={row.get(k)}" for k in keys)


STALE_LABEL = "stale: trained with older settings"


def plot_metric_vs_dim(spec: ExperimentSpec, rows: list[dict[str, Any]], task: str | None = None,
                       stale: Collection[str] = ()) -> Any:
    """One task's metrics against the dimension, one line per model (mean ± std over seeds), the published
    numbers as crosses of the same colour.

    For the ``f1`` task the x axis is the train share (one line per model and
    dimension).  A grid with a single dimension gets one bar per setting.
    ``stale`` holds the ids of rows reported as recorded although their cell
    now resolves to other settings: a point with such a row is drawn hollow (a
    bar hatched), so that a reader does not take an old cell for a new result.
    """
    task = task or spec.tasks()[0]
    rows = [r for r in rows if r.get("task", task) == task]
    f1 = task == "f1"
    metrics = ((("f1", "test F1 (higher is better)"),) if f1 else
               (("mean_rank", "mean rank (lower is better)"), ("map", "MAP (higher is better)")))
    fig = new_figure(4.6 * len(metrics), 3.8)
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    x_key = "train_share" if f1 else "dim"
    xs = sorted({r.get(x_key) for r in rows if r.get(x_key) is not None})
    varying = [k for k in spec.grid if k not in ("seed", "task", x_key)]
    keys = ["model"] + (["dim"] if f1 else []) + \
        [k for k in varying if k not in ("preset", "model", "dim") or
         (k == "preset" and len({r.get("model") for r in rows}) < len({r.get("preset") for r in rows}))]
    for ax, (metric, label) in zip(axes, metrics):
        if len(xs) <= 1 and len(varying) and rows:  # one dimension, several settings: bars
            _bars(ax, spec, rows, [k for k in spec.grid if k not in ("seed", "task")], metric, stale)
            ax.set_title(label, fontsize=10)
            ax.grid(alpha=0.3, axis="y")
            continue
        series = sorted({_series_label(r, keys) for r in rows})
        paper_keys = ["model"] + (["dim"] if f1 else [])  # the paper's cell: two presets of a model share it
        drawn: set[str] = set()
        for i, name in enumerate(series):
            mine = [r for r in rows if _series_label(r, keys) == name]
            colour = f"C{i % 10}"
            at = {x: [r for r in mine if r[x_key] == x] for x in sorted({r[x_key] for r in mine})}
            px = list(at)
            means = [np.mean([r[metric] for r in at[x]]) for x in px]
            stds = [np.std([r[metric] for r in at[x]]) for x in px]
            ax.errorbar(px, means, yerr=stds, marker="o", capsize=3, color=colour, label=name)
            old = [(x, m) for x, m in zip(px, means) if any(r.get("id") in stale for r in at[x])]
            if old:
                ax.plot(*zip(*old), linestyle="none", marker="o", markerfacecolor="white", markeredgecolor=colour,
                        zorder=2.5, label=STALE_LABEL)
            published = [(r[x_key], r[f"published_{metric}"]) for r in mine
                         if r.get(f"published_{metric}") is not None and r[f"published_{metric}"] == r[f"published_{metric}"]]
            paper = _series_label(mine[0], paper_keys)
            if published and paper not in drawn:  # once per paper cell, in the colour of its first series
                drawn.add(paper)
                ax.scatter(*zip(*sorted(set(published))), marker="x", color=colour, s=60, zorder=3,
                           label=f"{paper} (paper)")
        if x_key == "dim" and len(xs) > 2:
            ax.set_xscale("log", base=2)
        if xs:
            ax.set_xticks(xs, [str(x) for x in xs])
        if metric == "mean_rank" and rows and max(r[metric] for r in rows) > 50 * max(min(r[metric] for r in rows), 1):
            log_y(ax)  # mean ranks of 2 and of 2,000 on one axis
        ax.set_xlabel("share of non-basic edges in train" if f1 else "dimension")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    source = spec.reference_source()
    fig.suptitle(f"{spec.name}: {task}" + (f"  (paper: {source})" if source else ""), fontsize=8)
    fig.tight_layout()
    handles, labels = axes[-1].get_legend_handles_labels()
    if handles:  # one legend for both panels, below them, where it hides no point; a column per series
        _legend_below(fig, *_sorted_legend(handles, labels))
    return fig


def _sorted_legend(handles: list[Any], labels: list[str]) -> tuple[list[Any], list[str], int]:
    """Each series beside its paper marker, and one entry for the stale points last; with the number of columns,
    one per series."""
    pairs = sorted((p for p in zip(labels, handles) if p[0] != STALE_LABEL),
                   key=lambda p: (p[0].removesuffix(" (paper)"), p[0].endswith("(paper)")))
    n_series = len({label.removesuffix(" (paper)") for label, _ in pairs})
    stale = [h for label, h in zip(labels, handles) if label == STALE_LABEL]
    if stale:  # a hatched bar as drawn, or a hollow circle in grey rather than in its first series' colour
        from matplotlib.lines import Line2D

        pairs.append((STALE_LABEL, Line2D([], [], linestyle="none", marker="o", markerfacecolor="white",
                                          markeredgecolor="grey") if isinstance(stale[0], Line2D) else stale[0]))
    return [h for _, h in pairs], [label for label, _ in pairs], n_series


def _legend_below(fig: Any, handles: list[Any], labels: list[str], columns: int) -> None:
    """One legend for the figure, below its panels, where it hides no point or curve; at most six columns, and
    fewer where long labels would make the legend far wider than the panels (at 7 points a character is about
    0.055 inch, a marker and its gap 0.5)."""
    fitting = int(2 * fig.get_figwidth() / (0.055 * max(map(len, labels), default=1) + 0.5))
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=7,
               ncol=max(1, min(columns, 6, fitting)), frameon=False)


def _bars(ax: Any, spec: ExperimentSpec, rows: list[dict[str, Any]], keys: list[str], metric: str,
          stale: Collection[str] = ()) -> None:
    """One bar per grid setting (mean over seeds), hatched where a row of it is stale, and the published number
    of that setting as a cross."""
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in keys), []).append(r)
    settings = sorted(groups, key=lambda t: tuple(map(str, t)))
    x = np.arange(len(settings))
    members = [groups[s] for s in settings]
    means = [np.mean([r[metric] for r in m]) for m in members]
    old = np.array([any(r.get("id") in stale for r in m) for m in members])
    for label, drawn, look in (("hypergensim", ~old, {"color": "tab:blue"}),
                               (STALE_LABEL, old, {"facecolor": "white", "edgecolor": "tab:blue", "hatch": "//"})):
        if drawn.any():
            ax.bar(x[drawn], np.array(means)[drawn], alpha=0.8, label=label, **look)
    for i, m in enumerate(means):
        ax.annotate(f"{m:,.0f}" if m >= 1000 else f"{m:.3g}", (i, m), ha="center", va="bottom", fontsize=7)
    ref = [(i, row[metric]) for i, s in enumerate(settings)
           for row in spec.reference_rows({k: v for k, v in zip(keys, s) if k in spec.grid}) if metric in row]
    if ref:
        ax.scatter(*zip(*ref), marker="x", color="black", s=60, zorder=3, label="paper")
    if metric == "mean_rank" and max(means) > 50 * max(min(means), 1e-9):
        log_y(ax)  # mean ranks of 2 and of 2,000 on one axis
    ax.set_xticks(x, [", ".join(str(v) for v in s) for s in settings], rotation=20, ha="right", fontsize=7)


def plot_learning_curves(spec: ExperimentSpec, out: str | Path) -> Any:
    """Training loss (and the reconstruction MAP of the training edges, or test F1, where evaluated; a
    link-prediction cell's held-out edges are ranked only at its end) of every finished run: one colour per
    setting (the grid's values but the seed, dimension and task), fainter for smaller dimensions, dashed or dotted
    for the second and third task, and one legend below the panels."""
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    fig = new_figure(9, 3.8)
    axes = fig.subplots(1, 2)
    map_title = "reconstruction MAP of the training edges (evaluated epochs)"  # link prediction's too
    axes[1].set_title(map_title, fontsize=10)
    cells = plan(spec)
    runs = {j["id"]: RunDir(Path(out) / RUNS / j["id"]) for j in cells}
    jobs = [j for j in cells if runs[j["id"]].is_finished()]
    setting = {j["id"]: _series_label(j["values"], [k for k in j["values"] if k not in ("seed", "dim", "task")])
               for j in jobs}
    settings = sorted(set(setting.values()))
    tasks = sorted({j["task"] for j in jobs})
    dims = sorted({j["dim"] for j in jobs})
    # ten settings or fewer: matplotlib's cycle; more: tab20's twenty colours, so no two settings share one
    palette = [f"C{i}" for i in range(10)] if len(settings) <= 10 else list(colormaps["tab20"].colors)
    colours = {name: palette[i % len(palette)] for i, name in enumerate(settings)}
    styles = dict(zip(tasks, ("-", "--", ":", "-.")))

    def shade(dim: int) -> float:  # the largest dimension drawn solid, the smallest at a third
        return 1.0 if len(dims) < 2 else 0.35 + 0.65 * dims.index(dim) / (len(dims) - 1)

    for job in jobs:
        losses, evaluated = runs[job["id"]].read_history()
        look = {"color": colours[setting[job["id"]]], "ls": styles[job["task"]], "alpha": shade(job["dim"]), "lw": 1}
        axes[0].plot(range(1, len(losses) + 1), losses, **look)
        metric = "map" if any("map" in h for h in evaluated) else "f1_test"
        points = [(h["epoch"], h[metric]) for h in evaluated if metric in h]
        if points:
            axes[1].plot(*zip(*points), marker=".", **look)
            axes[1].set_title("test F1 during training (evaluated epochs)" if metric == "f1_test"
                              else map_title, fontsize=10)
    axes[0].set_title("training loss", fontsize=10)
    axes[0].set_xlabel("epoch")
    axes[1].set_xlabel("epoch")
    axes[1].set_ylim(0, 1)
    for ax in axes:
        ax.grid(alpha=0.3)
    fig.tight_layout()
    handles = [Line2D([], [], color=colours[name], lw=1.5, label=name) for name in settings if name]
    if len(tasks) > 1:
        handles += [Line2D([], [], color="0.3", ls=styles[t], lw=1, label=t) for t in tasks]
    if len(dims) > 1:
        handles += [Line2D([], [], color="0.3", alpha=shade(d), lw=1, label=f"dim={d}") for d in (dims[0], dims[-1])]
    if handles:
        _legend_below(fig, handles, [h.get_label() for h in handles], len(handles))
    return fig
