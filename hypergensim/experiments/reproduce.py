"""``hypergensim reproduce NAME``: run a shipped spec and report it beside the published numbers.

Writes ``DIR/results.csv`` (one row per run), ``DIR/report.md`` (ours against
the paper with the difference, mean ± std over seeds, hardware, versions and
wall time), ``DIR/metric_vs_dim.png`` and ``DIR/learning_curves.png``.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from .._atomic import atomic_write_text
from .spec import ExperimentSpec, load_spec
from .sweep import RESULTS_CSV, RUNS, sweep

__all__ = ["reproduce", "comparison_table", "REPORT_MD", "METRIC_VS_DIM_PNG", "LEARNING_CURVES_PNG"]

#: What a reproduction adds to its sweep folder.
REPORT_MD = "report.md"
METRIC_VS_DIM_PNG = "metric_vs_dim.png"
LEARNING_CURVES_PNG = "learning_curves.png"


def comparison_table(spec: ExperimentSpec, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ours (mean ± std over seeds) beside the reference row with the same grid values."""
    keys = [k for k in spec.grid if k != "seed"]
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault(tuple(r.get(k) for k in keys), []).append(r)
    table = []
    for values, runs in sorted(groups.items(), key=lambda kv: tuple(str(v) for v in kv[0])):
        point = dict(zip(keys, values))
        ref = next((x for x in spec.reference_rows(point) if all(x.get(k) == v for k, v in point.items() if k in x)),
                   {})
        entry = {**point, "runs": len(runs)}
        for metric in ("mean_rank", "map"):
            vals = np.array([r[metric] for r in runs], dtype=float)
            entry[f"{metric}_mean"] = float(vals.mean())
            entry[f"{metric}_std"] = float(vals.std(ddof=1)) if len(vals) > 1 else float("nan")
            entry[f"{metric}_paper"] = ref.get(metric)
            entry[f"{metric}_diff"] = None if metric not in ref else float(vals.mean()) - ref[metric]
        entry["wall_seconds"] = float(np.mean([r["wall_seconds"] for r in runs]))
        table.append(entry)
    return table


def _fmt(mean: float, std: float) -> str:
    return f"{mean:.3f}" + ("" if std != std else f" ± {std:.3f}")


def reproduce(name: str, out: str | Path, *, jobs: int = 1, backend: str = "joblib", scheduler: str | None = None,
              verbose: bool = True) -> Path:
    """Run the spec ``name`` (shipped name or path) into ``out`` and write the report and plots."""
    import gensim

    from .. import __version__
    from .plots import plot_learning_curves, plot_metric_vs_dim

    spec = load_spec(name)
    out = Path(out)
    started = time.perf_counter()
    rows = sweep(spec, out, jobs=jobs, backend=backend, scheduler=scheduler, verbose=verbose)
    wall = time.perf_counter() - started
    table = comparison_table(spec, rows)
    keys = [k for k in spec.grid if k != "seed"]
    lines = [f"# {spec.name}", "", spec.description, "",
             f"Dataset `{spec.dataset}`, task {spec.task}. Reference: {spec.reference_source() or 'none'}.", "",
             "| " + " | ".join(keys) + " | runs | mean rank (ours) | paper | diff | MAP (ours) | paper | diff |",
             "|" + "---|" * (len(keys) + 7)]
    for e in table:
        def d(x: Any) -> str:
            return "" if x is None else f"{x:+.3f}"

        lines.append("| " + " | ".join(str(e[k]) for k in keys) + f" | {e['runs']} | "
                     f"{_fmt(e['mean_rank_mean'], e['mean_rank_std'])} | {e['mean_rank_paper'] or ''} | "
                     f"{d(e['mean_rank_diff'])} | {_fmt(e['map_mean'], e['map_std'])} | {e['map_paper'] or ''} | "
                     f"{d(e['map_diff'])} |")
    lines += ["", "Lower mean rank and higher MAP are better; ± is the standard deviation over seeds.",
              "Evaluation: the paper's protocol (hypergensim.evaluation.ranking).", "",
              f"- training settings: `{spec.train}`",
              f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              f"- versions: hypergensim {__version__}, gensim {gensim.__version__}, numpy {np.__version__}",
              f"- wall time of this command: {wall:.1f} s (runs already finished are not re-run)",
              "", f"Figures: `{METRIC_VS_DIM_PNG}`, `{LEARNING_CURVES_PNG}`. Per-run folders: `{RUNS}/`."]
    atomic_write_text(out / REPORT_MD, "\n".join(lines) + "\n")
    from ..plotting import save_figure

    save_figure(plot_metric_vs_dim(spec, rows), out / METRIC_VS_DIM_PNG)
    save_figure(plot_learning_curves(spec, out), out / LEARNING_CURVES_PNG)
    if verbose:
        print("\n".join(lines[6:6 + 2 + len(table)]))
        print(f"wrote {out / REPORT_MD}, {out / RESULTS_CSV}, {out / METRIC_VS_DIM_PNG}, "
              f"{out / LEARNING_CURVES_PNG}")
    return out / REPORT_MD
