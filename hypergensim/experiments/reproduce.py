"""``hypergensim reproduce NAME``: run a shipped spec and report it beside the published numbers.

Writes ``DIR/results.csv`` (one row per cell), ``DIR/report.md`` (ours
against the paper with the difference, mean ± std over seeds, per task, with
each cell's epochs, wall time and peak memory, the machine and versions), one
metric-vs-dimension figure per task (:func:`figure_name`) and
``DIR/learning_curves.png``.  ``only`` runs a part of the grid; the report
always covers every finished cell, so a table fills in over several runs.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_write_text
from ..errors import ConfigError
from .spec import ExperimentSpec, load_spec
from .sweep import RESULTS_CSV, RUNS, describe_changes, plan, stale_cells, sweep

__all__ = ["reproduce", "comparison_table", "figure_name", "REPORT_MD", "LEARNING_CURVES_PNG"]

#: What a reproduction adds to its sweep folder.
REPORT_MD = "report.md"
LEARNING_CURVES_PNG = "learning_curves.png"
_METRICS = {"f1": ("f1",), "reconstruction": ("mean_rank", "map"), "link-prediction": ("mean_rank", "map")}
_NAMES = {"mean_rank": "mean rank", "map": "MAP", "f1": "F1"}


def figure_name(spec: ExperimentSpec, task: str) -> str:
    """The metric-vs-dimension figure of ``task``: ``metric_vs_dim.png``, or one per task when the grid has
    several (``metric_vs_dim-link-prediction.png``)."""
    return "metric_vs_dim.png" if len(spec.tasks()) == 1 else f"metric_vs_dim-{task}.png"


def _cell_keys(spec: ExperimentSpec, rows: list[dict[str, Any]]) -> list[str]:
    """What tells the cells apart: model and dimension, the train share, and any other varying grid key."""
    keys = ["model", "dim"] + (["train_share"] if any("train_share" in r for r in rows) else [])
    extra = [k for k in spec.grid if k not in ("seed", "task", "model", "dim", "train_share", "preset")]
    if "preset" in spec.grid and len({r.get("preset") for r in rows}) > len({r.get("model") for r in rows}):
        extra.insert(0, "preset")  # two presets of one model: the preset tells them apart
    return keys + extra


def comparison_table(spec: ExperimentSpec, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ours (mean ± std over seeds) beside the published number of the same cell, one entry per task and cell."""
    keys = _cell_keys(spec, rows)
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["task"], *(r.get(k) for k in keys)), []).append(r)
    table = []
    for values, runs in sorted(groups.items(), key=lambda kv: tuple(_order(v) for v in kv[0])):
        entry = {"task": values[0], **dict(zip(keys, values[1:])), "runs": len(runs)}
        for metric in _METRICS[values[0]]:
            vals = np.array([r[metric] for r in runs], dtype=float)
            paper = runs[0].get(f"published_{metric}")
            paper = None if paper is None or paper != paper else float(paper)
            entry[f"{metric}_mean"] = float(vals.mean())
            entry[f"{metric}_std"] = float(vals.std(ddof=1)) if len(vals) > 1 else float("nan")
            entry[f"{metric}_paper"] = paper
            entry[f"{metric}_diff"] = None if paper is None else float(vals.mean()) - paper
        for cost in ("epochs", "wall_seconds", "peak_rss_mb"):
            found = [r[cost] for r in runs if r.get(cost) is not None and r[cost] == r[cost]]
            entry[cost] = float(np.mean(found)) if found else None
        table.append(entry)
    return table


def _order(value: Any) -> tuple:
    """Sort key: numbers by value, before text (so 0.1 < 0.25 < 0.5 and 5 < 10 < 200)."""
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _fmt(mean: float, std: float) -> str:
    return f"{mean:.3f}" + ("" if std != std else f" ± {std:.3f}")


def _task_lines(spec: ExperimentSpec, task: str, table: list[dict[str, Any]], keys: list[str]) -> list[str]:
    metrics = _METRICS[task]
    entries = [e for e in table if e["task"] == task]
    head = keys + [part for m in metrics for part in (f"{_NAMES[m]} (ours)", "paper", "diff")] + \
        ["runs", "epochs", "wall (s)", "peak MB"]
    lines = [f"## {task}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for e in entries:
        cells = [str(e.get(k)) for k in keys]
        for m in metrics:
            diff = e[f"{m}_diff"]
            cells += [_fmt(e[f"{m}_mean"], e[f"{m}_std"]), "" if e[f"{m}_paper"] is None else f"{e[f'{m}_paper']:g}",
                      "" if diff is None else f"{diff:+.3f}"]
        cells += [str(e["runs"]), "" if e["epochs"] is None else f"{e['epochs']:.0f}",
                  "" if e["wall_seconds"] is None else f"{e['wall_seconds']:.0f}",
                  "" if e["peak_rss_mb"] is None else f"{e['peak_rss_mb']:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    total = sum(e["wall_seconds"] * e["runs"] for e in entries if e["wall_seconds"] is not None)
    cells_done = sum(e["runs"] for e in entries)  # a row holds its setting's seeds
    lines += ["", f"{cells_done} cell{'' if cells_done == 1 else 's'} finished; their training and evaluation took "
              f"{total / 60:.1f} minutes (wall, summed over cells).", ""]
    return lines


_WALL_LINE = "- wall time of this command: "


def _command_wall_line(report: Path, wall: float, train: bool) -> str:
    """The report's line on the command's wall time.  A ``--no-train`` rebuild keeps the line of the command that
    trained (its own fraction of a second says nothing), or says it was a rebuild where no report had one."""
    if train:
        return f"{_WALL_LINE}{wall:.1f} s (cells already finished are not re-run)"
    if report.exists():
        kept = [line for line in report.read_text(encoding="utf-8").splitlines() if line.startswith(_WALL_LINE)]
        if kept:
            return kept[-1]
    return "- rebuilt from the finished cells without training (`--no-train`); each cell's time is in the table"


def reproduce(name: str, out: str | Path, *, jobs: int = 1, backend: str = "joblib", scheduler: str | None = None,
              only: dict[str, str] | None = None, time_budget: float | None = None, train: bool = True,
              verbose: bool = True) -> Path:
    """Run the spec ``name`` (shipped name or path) into ``out`` and write the report and plots.

    ``only`` selects cells (:func:`hypergensim.experiments.sweep.select`);
    ``time_budget`` overrides the spec's ``[run] time_budget`` (seconds of
    training per cell); ``train=False`` trains nothing and writes the report of
    the cells already finished.
    """
    import gensim

    from .. import __version__
    from ..plotting import save_figure
    from .plots import plot_learning_curves, plot_metric_vs_dim

    spec = load_spec(name)
    if time_budget is not None:
        if "time_budget" in spec.grid:
            raise ConfigError(f"{spec.path or spec.name}: its grid gives each cell a time budget; "
                              "--time-budget cannot override them")
        spec.run = {**spec.run, "time_budget": float(time_budget)}
    out = Path(out)
    started = time.perf_counter()
    rows = sweep(spec, out, jobs=jobs, backend=backend, scheduler=scheduler, only=only, train=train, verbose=verbose)
    wall = time.perf_counter() - started
    table = comparison_table(spec, rows)
    stale = stale_cells(plan(spec), out / RUNS)
    keys = _cell_keys(spec, rows)
    tasks = [t for t in spec.tasks() if any(e["task"] == t for e in table)]
    figures = [figure_name(spec, t) for t in tasks] + [LEARNING_CURVES_PNG]
    lines = [f"# {spec.name}", "", spec.description, "",
             f"Dataset `{spec.dataset}`. Reference: {spec.reference_source() or 'none'}. "
             f"{len(rows)} of {len(spec.runs())} cells finished.", ""]
    for task in tasks:
        lines += _task_lines(spec, task, table, keys)
    lines += ["Lower mean rank and higher MAP and F1 are better; ± is the standard deviation over seeds; "
              "diff is ours minus the paper's. Peak MB: the resident memory of the process that ran the cell, "
              "sampled during the cell.",
              "Evaluation: the paper's protocol (hypergensim.evaluation.ranking; F1: "
              "hypergensim.evaluation.classification).", "",
              f"- training settings: `{spec.train}`, grid `{spec.grid}`, per-cell budget "
              f"{spec.run.get('time_budget', 'none')} s",
              *[f"- the cells where `{o['where']}` instead train with `{o['set']}`" for o in spec.overrides],
              *[f"- stale, reported as recorded (trained with other parameters than the cell now resolves to; the "
                f"command without `--no-train` trains it again): `{run}` ({describe_changes(changed)})"
                for run, changed in stale.items()],
              f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              f"- versions: hypergensim {__version__}, gensim {gensim.__version__}, numpy {np.__version__}",
              _command_wall_line(out / REPORT_MD, wall, train),
              "", "Figures: " + ", ".join(f"`{f}`" for f in figures) + f". Per-cell folders: `{RUNS}/`."]
    atomic_write_text(out / REPORT_MD, "\n".join(lines) + "\n")
    for task in tasks:
        save_figure(plot_metric_vs_dim(spec, rows, task, stale), out / figure_name(spec, task))
    save_figure(plot_learning_curves(spec, out), out / LEARNING_CURVES_PNG)
    if verbose:
        print("\n".join(line for line in lines if line.startswith("|") or line.startswith("## ")))
        print("wrote " + ", ".join(str(out / f) for f in (REPORT_MD, RESULTS_CSV, *figures)))
    return out / REPORT_MD
