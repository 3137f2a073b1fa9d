"""Experiment figures: metrics against dimension (with the paper's numbers) and learning curves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..plotting import new_figure
from ..rundir import RunDir
from .spec import ExperimentSpec
from .sweep import RUNS, plan

__all__ = ["plot_metric_vs_dim", "plot_learning_curves"]


def plot_metric_vs_dim(spec: ExperimentSpec, rows: list[dict[str, Any]]) -> Any:
    """Mean rank and MAP against ``dim`` (mean ± std over seeds), paper numbers as crosses."""
    fig = new_figure(9, 3.8)
    axes = fig.subplots(1, 2)
    dims = sorted({r.get("dim") for r in rows if r.get("dim") is not None})
    for ax, metric, label in ((axes[0], "mean_rank", "mean rank (lower is better)"),
                              (axes[1], "map", "MAP (higher is better)")):
        keys = [k for k in spec.grid if k not in ("seed", "dim")]
        if not dims and keys and rows:  # a grid over presets or models: one bar per setting, the paper's beside
            _bars(ax, spec, rows, keys, metric)
            ax.set_title(label, fontsize=10)
            ax.grid(alpha=0.3, axis="y")
            continue
        if dims:
            means = [np.mean([r[metric] for r in rows if r.get("dim") == d]) for d in dims]
            stds = [np.std([r[metric] for r in rows if r.get("dim") == d]) for d in dims]
            ax.errorbar(dims, means, yerr=stds, marker="o", capsize=3, label="hypergensim")
        elif rows:
            ax.axhline(np.mean([r[metric] for r in rows]), label="hypergensim")
        ref = [(x["dim"], x[metric]) for x in spec.reference_rows() if "dim" in x and metric in x
               and (not dims or x["dim"] in dims)]
        if ref:
            ax.scatter(*zip(*ref), marker="x", color="black", s=50, zorder=3, label="paper")
        if len(dims) > 2:
            ax.set_xscale("log", base=2)
        if dims:
            ax.set_xticks(dims, [str(d) for d in dims])
        ax.set_xlabel("dimension")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="best")
    source = spec.reference_source()
    fig.suptitle(f"{spec.name}" + (f"  (paper: {source})" if source else ""), fontsize=9)
    fig.tight_layout()
    return fig


def _bars(ax: Any, spec: ExperimentSpec, rows: list[dict[str, Any]], keys: list[str], metric: str) -> None:
    """One bar per grid setting (mean over seeds) and the published number of that setting as a cross."""
    settings = sorted({tuple(r.get(k) for k in keys) for r in rows}, key=lambda t: tuple(map(str, t)))
    x = np.arange(len(settings))
    means = [np.mean([r[metric] for r in rows if tuple(r.get(k) for k in keys) == s]) for s in settings]
    ax.bar(x, means, color="tab:blue", alpha=0.8, label="hypergensim")
    for i, m in enumerate(means):
        ax.annotate(f"{m:.3g}", (i, m), ha="center", va="bottom", fontsize=7)
    ref = [(i, row[metric]) for i, s in enumerate(settings)
           for row in spec.reference_rows(dict(zip(keys, s))) if metric in row]
    if ref:
        ax.scatter(*zip(*ref), marker="x", color="black", s=60, zorder=3, label="paper")
    if metric == "mean_rank" and max(means) > 50 * max(min(means), 1e-9):
        ax.set_yscale("log")  # mean ranks of 2 and of 2,000 on one axis
    ax.set_xticks(x, [", ".join(str(v) for v in s) for s in settings], rotation=20, ha="right", fontsize=7)
    ax.legend(fontsize=8, loc="best")


def plot_learning_curves(spec: ExperimentSpec, out: str | Path) -> Any:
    """Training loss (and MAP where evaluated) of every finished run."""
    fig = new_figure(9, 3.8)
    axes = fig.subplots(1, 2)
    for job in plan(spec):
        run = RunDir(Path(out) / RUNS / job["id"])
        if not run.is_finished():
            continue
        losses, evaluated = run.read_history()
        label = ", ".join(f"{k}={v}" for k, v in job["values"].items())
        axes[0].plot(range(1, len(losses) + 1), losses, lw=1, label=label)
        if evaluated:
            axes[1].plot([h["epoch"] for h in evaluated], [h["map"] for h in evaluated], marker=".", lw=1,
                         label=label)
    axes[0].set_title("training loss", fontsize=10)
    axes[0].set_xlabel("epoch")
    axes[1].set_title("MAP during training (evaluated epochs)", fontsize=10)
    axes[1].set_xlabel("epoch")
    axes[1].set_ylim(0, 1)
    for ax in axes:
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    if 0 < len(labels) <= 12:
        axes[0].legend(fontsize=6)
    fig.tight_layout()
    return fig
