"""Measure the automatic schedule, and presets beside it, on hierarchies of every shape.

``python -m hypergensim.experiments.measure_defaults [--out DIR] [--only TEXT] [--config NAME ...]``

Each (dataset, configuration) cell trains once with seed 0 through
:func:`hypergensim.pipeline.run`, at d=10 unless the cell says otherwise:
``defaults`` sets nothing else (what ``hypergensim train DATA --dim 10`` does),
``lorentz`` only ``model="lorentz"`` (one flag, ``--model lorentz``), a preset
name sets that preset, which trains its own epochs but at most
:data:`PRESET_TIME_BUDGET` seconds (the defaults' budget: equal time).  A cell's run folder is
``DIR/runs/<dataset>--<config>-d<dim>/``; a finished cell (its ``metrics.json``)
is not trained again, so the table fills in over several sittings, unless the
preset it names now resolves to other parameters than it trained with
(:func:`~hypergensim.experiments.sweep.stale_settings`): then it trains again.  After every
cell ``results.csv`` and ``report.md`` are rewritten, with the targets of the
defaults issue checked: every generated family MAP ≥ 0.90 and MR ≤ 3 within ten
minutes wall (trees MAP ≥ 0.95); WordNet nouns at least 2.78 / 0.900 and
mammals at d=5 at least 1.22 / 0.957 (the best presets' numbers).  A cell whose training diverges records the error in
its ``diverged.txt`` instead (``diverged`` in the report; it is not trained again either), and the others go on.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from .._atomic import atomic_write_text
from ..errors import NumericalError
from ..pipeline import run
from ..presets import resolve
from ..rundir import RunDir
from ..training.schedule import DEFAULT_TIME_BUDGET
from .sweep import describe_changes, stale_settings

#: The datasets measured, with their kind (what the target is) and the dimensions measured.
DATASETS: dict[str, dict[str, Any]] = {
    "generated:balanced-b2:100000": {"kind": "tree", "dims": (10,)},
    "generated:balanced-b10:100000": {"kind": "tree", "dims": (10,)},
    "generated:balanced-b50:100000": {"kind": "tree", "dims": (10,)},
    "generated:deep:100000": {"kind": "tree", "dims": (10,)},
    "generated:forest:100000": {"kind": "tree", "dims": (10,)},
    "generated:dag:100000": {"kind": "dag", "dims": (10,)},
    "nouns": {"kind": "nouns", "dims": (10,)},
    "mammals": {"kind": "mammals", "dims": (5, 10)},
    "verbs": {"kind": "wordnet", "dims": (10,)},
    "mime": {"kind": "real", "dims": (10,)},
}
#: The targets: (largest mean rank, smallest MAP) by kind and dimension (``None``: any dimension).
TARGETS: dict[tuple[str, int | None], tuple[float, float]] = {
    ("tree", None): (3.0, 0.95), ("dag", None): (3.0, 0.90), ("nouns", 10): (2.78, 0.900),
    ("mammals", 5): (1.22, 0.957),
}
WALL_LIMIT = 600.0
#: Configurations that are the schedule with one flag set (any other name is a preset).
ONE_FLAG: dict[str, dict[str, Any]] = {"defaults": {}, "lorentz": {"model": "lorentz"}}
#: A preset trains its own epochs but stops at the schedule's default budget, so that its cell compares it with
#: the defaults at equal time (and finishes: gensim's own loop would take hours on a 100k-node hierarchy).
PRESET_TIME_BUDGET = DEFAULT_TIME_BUDGET
#: A cell whose training diverged holds the error here instead of a ``metrics.json``.
DIVERGED = "diverged.txt"
COLUMNS = ("dataset", "config", "dim", "nodes", "relations", "epochs", "mean_rank", "map", "wall_seconds",
           "peak_rss_mb", "target_mean_rank", "target_map", "met")


def cell_dir(out: Path, dataset: str, config: str, dim: int) -> Path:
    """Where a cell's run lives."""
    safe = dataset.replace(":", "-")
    return out / "runs" / f"{safe}--{config}-d{dim}"


def target(kind: str, dim: int) -> tuple[float, float] | None:
    """The (mean rank, MAP) a cell must reach, if the issue sets one."""
    return TARGETS.get((kind, dim), TARGETS.get((kind, None)))


def verdict(mean_rank: float, map_: float, wall: float, goal: tuple[float, float]) -> str:
    """``yes`` when a cell meets its target, else ``no (...)`` naming what falls short (MR, MAP, wall).

    Examples
    --------
    >>> verdict(2.9, 0.917, 510.0, (3.0, 0.95)), verdict(2.0, 0.97, 480.0, (3.0, 0.95))
    ('no (MAP)', 'yes')
    """
    short = [name for name, ok in (("MR", mean_rank <= goal[0]), ("MAP", map_ >= goal[1]),
                                   ("wall", wall <= WALL_LIMIT)) if not ok]
    return f"no ({', '.join(short)})" if short else "yes"


def row(out: Path, dataset: str, config: str, dim: int) -> dict[str, Any] | None:
    """The results row of a finished cell (``None`` when it has not run, or not to the end).

    A run writes ``metrics.json`` when training ends and again with the evaluation: a cell whose metrics have
    no ``reconstruction`` is still evaluating (another process's cell, read mid-run) or was stopped during its
    evaluation, so it is not finished.
    """
    folder = RunDir(cell_dir(out, dataset, config, dim))
    if not folder.metrics_path.is_file():
        return None
    metrics = folder.read_metrics()
    if "reconstruction" not in metrics:
        return None
    given = json.loads(folder.config_path.read_text())
    ev = metrics["reconstruction"]
    goal = target(DATASETS[dataset]["kind"], dim)
    wall = float(metrics.get("wall_seconds", 0.0))
    met = ""
    if goal is not None:
        met = verdict(ev["mean_rank"], ev["map"], wall, goal)
    return {"dataset": dataset, "config": config, "dim": dim, "nodes": given["data"]["n_nodes"],
            "relations": given["data"]["n_relations"], "epochs": metrics["epochs"],
            "mean_rank": round(ev["mean_rank"], 3), "map": round(ev["map"], 4), "wall_seconds": round(wall, 1),
            "peak_rss_mb": metrics.get("resources", {}).get("peak_rss_mb", ""),
            "target_mean_rank": "" if goal is None else goal[0], "target_map": "" if goal is None else goal[1],
            "met": met}


def diverged(out: Path, dataset: str, config: str, dim: int) -> str | None:
    """The error a cell's training diverged with (``None`` when it did not)."""
    path = cell_dir(out, dataset, config, dim) / DIVERGED
    return path.read_text().strip() if path.is_file() else None


def stale(out: Path, dataset: str, config: str, dim: int) -> dict[str, tuple[Any, Any]]:
    """``{parameter: (recorded, now)}`` where a finished preset cell trained otherwise than its preset now
    resolves (a retuned preset, or a parameter added since with another behaviour); empty for the schedule's
    configurations, whose choices are not compared."""
    if config in ONE_FLAG:
        return {}
    return stale_settings({"params": {**resolve(config), "dim": dim}}, RunDir(cell_dir(out, dataset, config, dim)))


def recorded_configs(out: Path) -> list[str]:
    """The configurations that have a cell folder under ``out/runs`` (``defaults`` first, then by name)."""
    names = {p.name.split("--", 1)[1].rsplit("-d", 1)[0] for p in (out / "runs").glob("*--*-d*") if p.is_dir()} \
        if (out / "runs").is_dir() else set()
    return sorted(names, key=lambda c: (c != "defaults", c))


def write_report(out: Path, configs: list[str]) -> list[dict[str, Any]]:
    """Rewrite ``results.csv`` and ``report.md`` from every finished cell: those of ``configs`` and of every
    configuration measured before (so measuring one configuration leaves the others' rows in the report)."""
    every = list(dict.fromkeys([*recorded_configs(out), *configs]))
    rows = [r for dataset, spec in DATASETS.items() for dim in spec["dims"] for config in every
            if (r := row(out, dataset, config, dim)) is not None]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(out / "results.csv", buffer.getvalue())
    lines = ["# The automatic schedule on hierarchies of every shape", "",
             "Written by `python -m hypergensim.experiments.measure_defaults`. `defaults`: no flag but the dimension "
             "(what `hypergensim train DATA --dim D` does); `lorentz`: the defaults with `--model lorentz`; otherwise "
             f"the preset named, its own epochs but at most {PRESET_TIME_BUDGET:.0f} s of training (equal time with "
             "the defaults; the epochs column says how many it trained). Full reconstruction "
             "evaluation; wall time of the whole run (loading, closure, training, evaluation) on this machine "
             f"({os.cpu_count()} cores). Target: MR ≤ and MAP ≥ the numbers shown, within {WALL_LIMIT:.0f} s.", "",
             "| dataset | config | dim | nodes | relations | epochs | MR | MAP | wall (s) | peak MB | target | met |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        goal = f"{r['target_mean_rank']} / {r['target_map']}" if r["target_map"] != "" else ""
        lines.append(f"| {r['dataset']} | {r['config']} | {r['dim']} | {r['nodes']:,} | {r['relations']:,} | "
                     f"{r['epochs']} | {r['mean_rank']:.3f} | {r['map']:.4f} | {r['wall_seconds']:.0f} | "
                     f"{r['peak_rss_mb']} | {goal} | {r['met']} |")
    failed = {(dataset, dim, config): error for dataset, spec in DATASETS.items() for dim in spec["dims"]
              for config in every if (error := diverged(out, dataset, config, dim)) is not None}
    old = {(r["dataset"], r["config"], r["dim"]): changed for r in rows
           if (changed := stale(out, r["dataset"], r["config"], r["dim"]))}
    if old:
        lines += ["", "Stale: these cells trained with other parameters than their preset now resolves to (the "
                      "command above with `--config NAME` trains them again):", ""]
        lines += [f"- {dataset}, {config}, d={dim}: {describe_changes(changed)}"
                  for (dataset, config, dim), changed in old.items()]
    if failed:
        lines += ["", "Training diverged in these cells (the error each raised; no metrics):", ""]
        lines += [f"- {dataset}, {config}, d={dim}: {error}" for (dataset, dim, config), error in failed.items()]
    lines += ["", *side_by_side(rows, every, failed)]
    atomic_write_text(out / "report.md", "\n".join(lines) + "\n")
    return rows


def side_by_side(rows: list[dict[str, Any]], configs: list[str],
                 failed: dict[tuple[str, int, str], str] | None = None) -> list[str]:
    """The cells as one table: a row per (dataset, dimension), a column per configuration, ``MR / MAP`` in each,
    the best MAP of a row in bold, ``diverged`` where training diverged (``failed``, keyed by (dataset, dim,
    config)) and ``—`` where a cell has not run.

    Examples
    --------
    >>> rows = [{"dataset": "mime", "dim": 10, "config": "defaults", "mean_rank": 1.009, "map": 0.9986},
    ...         {"dataset": "mime", "dim": 10, "config": "nickel2017", "mean_rank": 1.5, "map": 0.91}]
    >>> print("\\n".join(side_by_side(rows, ["defaults", "nickel2017", "ganea2018"])[2:]))
    | dataset | dim | defaults | nickel2017 | ganea2018 |
    |---|---|---|---|---|
    | mime | 10 | **1.01 / 0.999** | 1.50 / 0.910 | — |
    """
    cells = {(r["dataset"], r["dim"], r["config"]): r for r in rows}
    failed = failed or {}
    keys = list(dict.fromkeys([*((r["dataset"], r["dim"]) for r in rows), *((k[0], k[1]) for k in failed)]))
    lines = ["## Every configuration side by side (MR / MAP; the best MAP of a row in bold)", "",
             f"| dataset | dim | {' | '.join(configs)} |", "|---|---|" + "---|" * len(configs)]
    for dataset, dim in keys:
        best = max((cells[dataset, dim, c]["map"] for c in configs if (dataset, dim, c) in cells), default=None)
        shown = []
        for config in configs:
            r = cells.get((dataset, dim, config))
            text = f"{r['mean_rank']:.2f} / {r['map']:.3f}" if r is not None else \
                "diverged" if (dataset, dim, config) in failed else "—"
            shown.append(f"**{text}**" if r is not None and r["map"] == best else text)
        lines.append(f"| {dataset} | {dim} | {' | '.join(shown)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Train the cells that have not run, then rewrite the report."""
    parser = argparse.ArgumentParser(prog="python -m hypergensim.experiments.measure_defaults",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="evaluation/results/defaults")
    parser.add_argument("--only", action="append", default=[],
                        help="measure only the datasets whose name contains this text (repeatable)")
    parser.add_argument("--config", action="append", default=[],
                        help="'defaults', 'lorentz' (the defaults with --model lorentz) or a preset name "
                             "(repeatable; default: defaults)")
    parser.add_argument("--dim", type=int, action="append", default=[], help="only these dimensions")
    args = parser.parse_args(argv)
    out = Path(args.out)
    configs = args.config or ["defaults"]
    for dataset, spec in DATASETS.items():
        if args.only and not any(text in dataset for text in args.only):
            continue
        for dim in spec["dims"]:
            if args.dim and dim not in args.dim:
                continue
            for config in configs:
                if diverged(out, dataset, config, dim):
                    continue
                if row(out, dataset, config, dim) is not None:
                    changed = stale(out, dataset, config, dim)
                    if not changed:
                        continue
                    print(f"re-running {dataset} {config} d={dim}: trained with other parameters than {config} now "
                          f"resolves to ({describe_changes(changed)})", flush=True)
                folder = cell_dir(out, dataset, config, dim)
                if folder.exists():  # an interrupted cell starts again from nothing
                    shutil.rmtree(folder)
                flags = ONE_FLAG.get(config, {"time_budget": PRESET_TIME_BUDGET})
                try:
                    result = run(dataset, preset=None if config in ONE_FLAG else config, dim=dim, run_dir=folder,
                                 **flags)
                except NumericalError as error:  # a configuration that diverges here: say so, measure the rest
                    atomic_write_text(folder / DIVERGED, f"{error}\n")
                    print(f"{dataset} {config} d={dim}: {error}", flush=True)
                    write_report(out, configs)
                    continue
                print(f"{dataset} {config} d={dim}: MR {result.mean_rank:.3f} MAP {result.map:.4f}, "
                      f"{result.metrics['epochs']} epochs, {result.timings['wall_seconds']:.0f} s wall", flush=True)
                write_report(out, configs)
    for r in write_report(out, configs):
        print(json.dumps(r))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
