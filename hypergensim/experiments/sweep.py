"""Run an experiment's grid locally (joblib) or on a Dask cluster, resumably.

Every run trains into ``DIR/runs/.<id>.partial-<token>/`` and is renamed to
``DIR/runs/<id>/`` only when it has finished, so a run directory exists
exactly when its run is complete.  Running the same sweep again (after a crash
or ``kill -9``) skips finished runs, deletes partial ones and redoes them; if
two processes finish the same run, the second rename fails and its copy is
discarded, so no run is ever duplicated.  ``results.csv`` and ``summary.md``
are rebuilt from the finished run directories.

Paths are the client's: a relative ``--out`` or spec dataset is resolved in the
folder the sweep was started from.  joblib workers share that disk and write
their runs themselves (:func:`run_one`).  Dask workers need not: the client
loads the hierarchy and sends it once to every worker, each worker trains in its
own temporary folder and returns all of the run's files, and the client writes
the run directory (:func:`run_remote`, :func:`store_remote`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from .._atomic import atomic_write
from ..errors import ConfigError
from ..rundir import RunDir
from .spec import ExperimentSpec, run_settings

__all__ = ["run_id", "run_one", "run_remote", "store_remote", "result_row", "sweep", "collect_results", "plan",
           "RUNS", "RESULTS_CSV", "SUMMARY_MD"]

#: A sweep folder: one run directory per grid point under RUNS, and the two tables rebuilt from them.
RUNS = "runs"
RESULTS_CSV = "results.csv"
SUMMARY_MD = "summary.md"
#: The evaluation figures a results row carries.
RESULT_METRICS = ("mean_rank", "map", "mrr", "hits_at_10", "n_pairs")


def run_id(spec: ExperimentSpec, values: dict[str, Any]) -> str:
    """A stable, readable id for one grid point (values plus a short digest of the whole config)."""
    readable = "-".join(f"{k}{v}" for k, v in values.items())
    payload = json.dumps({"dataset": spec.dataset, "task": spec.task, "train": spec.train, "split": spec.split,
                          "values": values}, sort_keys=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in readable)[:80]
    return f"{safe}-{hashlib.sha256(payload.encode()).hexdigest()[:8]}"


def plan(spec: ExperimentSpec) -> list[dict[str, Any]]:
    """One picklable job description per grid point.

    ``dataset`` is the spec's own text (it names the run and its rows);
    ``source`` is what to load: a file resolved against this process's
    working directory, so workers elsewhere do not resolve it in theirs.
    """
    from ..datasets import is_dataset_name

    source = spec.dataset if is_dataset_name(spec.dataset) else str(Path(spec.dataset).resolve())
    jobs = []
    for values in spec.runs():
        jobs.append({"id": run_id(spec, values), "values": values, "dataset": spec.dataset, "source": source,
                     "task": spec.task, "train": dict(spec.train), "split": dict(spec.split),
                     "evaluate": dict(spec.evaluate)})
    return jobs


def _train(job: dict[str, Any], hierarchy: Any, run_dir: Path) -> Any:
    """One grid point through the pipeline into ``run_dir``."""
    from ..pipeline import run

    values = job["values"]
    preset, params = run_settings(job["train"], values)
    link = job["task"] == "link-prediction"
    return run(hierarchy, preset=preset, task=job["task"],
               split={k: v for k, v in job["split"].items() if k != "method"} if link else None,
               run_dir=run_dir, evaluate_every=job["evaluate"].get("every", 0),
               evaluate_sample=job["evaluate"].get("sample"), random_state=int(values.get("seed", 0)), **params)


def run_one(job: dict[str, Any], runs_dir: str) -> dict[str, Any]:
    """Train and evaluate one grid point into ``runs_dir/<id>/`` (atomically) through the pipeline; returns its row.

    For workers that share the client's disk (joblib).  A top-level function so
    it can be shipped to worker processes.  The run directory's
    ``metrics.json`` is the pipeline's own (one schema, one evaluation); the
    row adds the grid values to it.
    """
    from ..datasets import load_hierarchy

    final = RunDir(Path(runs_dir) / job["id"])
    if final.is_finished():
        return result_row(job, final.read_metrics())
    partial = Path(runs_dir) / f".{job['id']}.partial-{uuid.uuid4().hex[:8]}"
    # a spec's dataset is a hierarchy: a file is read as edges and closed transitively
    result = _train(job, load_hierarchy(job["source"]), partial)
    return _publish(job, partial, final, result.metrics)


def run_remote(job: dict[str, Any], hierarchy: Any) -> dict[str, Any]:
    """Train one grid point on a worker that need not see the client's disk; return every file of the run.

    The worker trains into its own temporary folder and sends back the run
    directory's files (config, relations, checkpoint, vectors, metrics,
    history, log) as bytes; the client writes them with :func:`store_remote`.
    """
    import tempfile

    with tempfile.TemporaryDirectory(prefix="hypergensim-run-") as tmp:
        run_dir = Path(tmp) / job["id"]
        result = _train(job, hierarchy, run_dir)
        files = {p.name: p.read_bytes() for p in sorted(run_dir.iterdir()) if p.is_file()}
    return {"id": job["id"], "files": files, "metrics": result.metrics}


def store_remote(job: dict[str, Any], runs_dir: Path, shipped: dict[str, Any]) -> dict[str, Any]:
    """Write a run shipped by :func:`run_remote` into ``runs_dir/<id>/`` atomically; returns its row."""
    final = RunDir(runs_dir / job["id"])
    partial = runs_dir / f".{job['id']}.partial-{uuid.uuid4().hex[:8]}"
    partial.mkdir()
    for name, data in shipped["files"].items():
        if Path(name).name != name or name.startswith("."):
            raise ConfigError(f"a worker sent an unexpected file name {name!r} for run {job['id']}")
        with atomic_write(partial / name, "wb") as fh:
            fh.write(data)
    return _publish(job, partial, final, shipped["metrics"])


def _publish(job: dict[str, Any], partial: Path, final: RunDir, metrics: dict[str, Any]) -> dict[str, Any]:
    """Rename a finished partial run onto its final name; a run another process finished first wins."""
    try:
        os.rename(partial, final.path)
    except OSError:  # another process finished this run first: keep theirs, drop ours
        shutil.rmtree(partial, ignore_errors=True)
        return result_row(job, final.read_metrics())
    return result_row(job, metrics)


def result_row(job: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """One ``results.csv`` row: the run's id, grid values, task and dataset, then its metrics."""
    evaluation = RunDir.evaluation_in(metrics)
    return {"id": job["id"], **job["values"], "task": job["task"], "dataset": job["dataset"],
            **{k: evaluation.get(k) for k in RESULT_METRICS}, "final_loss": metrics["final_loss"],
            "epochs": metrics["epochs"], "fit_seconds": metrics["fit_seconds"],
            "wall_seconds": metrics.get("wall_seconds")}


def _clean_partials(runs_dir: Path) -> int:
    removed = 0
    for p in runs_dir.glob(".*.partial-*"):
        shutil.rmtree(p, ignore_errors=True)
        removed += 1
    return removed


def sweep(spec: ExperimentSpec, out: str | Path, *, jobs: int = 1, backend: str = "joblib",
          scheduler: str | None = None, verbose: bool = True) -> list[dict[str, Any]]:
    """Run every unfinished grid point and write ``results.csv`` and ``summary.md``.

    Parameters
    ----------
    spec : ExperimentSpec
    out : path
        Output directory (``runs/`` inside it holds one folder per run).
    jobs : int
        Parallel runs (joblib processes, or Dask workers of a local cluster).
    backend : {"joblib", "dask"}
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a running Dask scheduler (implies ``backend="dask"``).
    """
    if jobs < 1:
        raise ConfigError(f"jobs must be >= 1, got {jobs}")
    if scheduler:
        backend = "dask"
    if backend not in ("joblib", "dask"):
        raise ConfigError(f"backend must be 'joblib' or 'dask', got {backend!r}")
    out = Path(out).resolve()  # relative to this process, whatever the workers' folders are
    runs_dir = out / RUNS
    runs_dir.mkdir(parents=True, exist_ok=True)
    removed = _clean_partials(runs_dir)
    todo = [j for j in plan(spec) if not RunDir(runs_dir / j["id"]).is_finished()]
    if verbose:
        done = len(spec.runs()) - len(todo)
        print(f"{spec.name}: {len(spec.runs())} runs, {done} already finished, {len(todo)} to run"
              + (f", {removed} partial runs discarded" if removed else ""), flush=True)
    if todo:
        if backend == "dask":
            _run_dask(todo, str(runs_dir), jobs, scheduler, verbose)
        else:
            _run_joblib(todo, str(runs_dir), jobs, verbose)
    rows = collect_results(spec, out)
    return rows


def _run_joblib(todo: list[dict[str, Any]], runs_dir: str, jobs: int, verbose: bool) -> None:
    from joblib import Parallel, delayed

    for metrics in Parallel(n_jobs=jobs, return_as="generator_unordered")(
            delayed(run_one)(job, runs_dir) for job in todo):
        if verbose:
            print(f"finished {metrics['id']}: mean rank {metrics['mean_rank']:.3f}, MAP {metrics['map']:.3f}",
                  flush=True)


def _run_dask(todo: list[dict[str, Any]], runs_dir: str, jobs: int, scheduler: str | None, verbose: bool) -> None:
    """Run on Dask workers that need not share this disk: the client loads the hierarchy and sends it once to
    every worker, each worker returns its run's files, and the client writes the run directories."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError("the dask backend needs dask[distributed]: pip install 'hypergensim[dask]'") from None
    from ..datasets import load_hierarchy

    hierarchy = load_hierarchy(todo[0]["source"])
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                               processes=True)
        client = Client(cluster)
    try:
        shared = client.scatter(hierarchy, broadcast=True)
        by_key = {f"hypergensim-{job['id']}": job for job in todo}
        futures = [client.submit(run_remote, job, shared, key=key, pure=False) for key, job in by_key.items()]
        for future in as_completed(futures):
            row = store_remote(by_key[future.key], Path(runs_dir), future.result())
            if verbose:
                print(f"finished {row['id']}: mean rank {row['mean_rank']:.3f}, MAP {row['map']:.3f}", flush=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def collect_results(spec: ExperimentSpec, out: str | Path) -> list[dict[str, Any]]:
    """Rebuild ``results.csv`` and ``summary.md`` from the finished runs of ``spec``."""
    import pandas as pd

    out = Path(out)
    rows = []
    for job in plan(spec):
        run = RunDir(out / RUNS / job["id"])
        if run.is_finished():
            rows.append(result_row(job, run.read_metrics()))
    df = pd.DataFrame(rows)
    with atomic_write(out / RESULTS_CSV) as fh:
        df.to_csv(fh, index=False)
    grid_keys = [k for k in spec.grid if k != "seed"]
    lines = [f"# {spec.name}", "", f"{len(rows)} of {len(spec.runs())} runs finished.", ""]
    if rows:
        agg = df.groupby(grid_keys)[["mean_rank", "map"]].agg(["mean", "std", "count"]) if grid_keys else None
        if agg is not None:
            lines += ["| " + " | ".join(grid_keys) + " | mean rank | MAP | runs |",
                      "|" + "---|" * (len(grid_keys) + 3)]
            for idx, r in agg.iterrows():
                idx = idx if isinstance(idx, tuple) else (idx,)
                lines.append("| " + " | ".join(str(i) for i in idx) +
                             f" | {r[('mean_rank', 'mean')]:.3f} ± {_std(r[('mean_rank', 'std')])} |"
                             f" {r[('map', 'mean')]:.3f} ± {_std(r[('map', 'std')])} | {int(r[('map', 'count')])} |")
        else:
            lines.append(f"mean rank {df['mean_rank'].mean():.3f}, MAP {df['map'].mean():.3f}")
    from .._atomic import atomic_write_text

    atomic_write_text(out / SUMMARY_MD, "\n".join(lines) + "\n")
    return rows


def _std(x: float) -> str:
    return "n/a" if x != x else f"{x:.3f}"
