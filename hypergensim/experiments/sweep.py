"""Run an experiment's grid locally (joblib) or on a Dask cluster, resumably.

Every run trains into ``DIR/runs/.<id>.partial-<token>/`` and is renamed to
``DIR/runs/<id>/`` only when it has finished, so a run directory exists
exactly when its run is complete.  Running the same sweep again (after a crash
or ``kill -9``) skips finished runs, deletes partial ones and redoes them; if
two processes finish the same run, the second rename fails and its copy is
discarded, so no run is ever duplicated.  A finished run whose recorded
parameters are no longer those its cell resolves to (a preset was retuned) is
*stale*: it is re-run, and replaced only once the new run has finished
(:func:`stale_settings`).  ``results.csv`` and ``summary.md``
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
from ..errors import ConfigError, InputError
from ..params import PARAMETER, applies, recorded_value
from ..rundir import RunDir
from .spec import ExperimentSpec, run_settings

__all__ = ["run_id", "parse_only", "select", "cell", "stale_settings", "stale_cells", "describe_changes", "run_one",
           "run_remote", "store_remote", "result_row", "sweep",
           "collect_results", "plan",
           "RUNS", "RESULTS_CSV", "SUMMARY_MD"]

#: A sweep folder: one run directory per grid point under RUNS, and the two tables rebuilt from them.
RUNS = "runs"
RESULTS_CSV = "results.csv"
SUMMARY_MD = "summary.md"
#: Parameters a cell's run settings give outside its preset (seed and budget are in the cell's id already).
_NOT_COMPARED = ("random_state", "time_budget")
#: The evaluation figures a results row carries.
RESULT_METRICS = ("mean_rank", "map", "mrr", "hits_at_10", "n_pairs")


def run_id(spec: ExperimentSpec, values: dict[str, Any]) -> str:
    """A stable, readable id for one grid point (values plus a short digest of the whole config)."""
    readable = "-".join(f"{k}{v}" for k, v in values.items())
    config = {"dataset": spec.dataset, "task": spec.task, "train": spec.train, "split": spec.split, "values": values}
    if spec.run:  # a time budget changes what a cell trains (older specs without one keep their ids)
        config["run"] = spec.run
    if spec.read:  # so does the way its file is read
        config["read"] = spec.read
    payload = json.dumps(config, sort_keys=True)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in readable)[:80]
    return f"{safe}-{hashlib.sha256(payload.encode()).hexdigest()[:8]}"


def parse_only(text: str | None) -> dict[str, str]:
    """``--only KEY=VALUE[,KEY=VALUE]`` as a dict (values as written; matched by :func:`select`).

    Examples
    --------
    >>> parse_only("model=poincare,dim=10")
    {'model': 'poincare', 'dim': '10'}
    """
    if not text:
        return {}
    only: dict[str, str] = {}
    for item in text.split(","):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"--only takes KEY=VALUE[,KEY=VALUE], got {item!r}")
        only[key.strip()] = value.strip()
    return only


def cell(spec: ExperimentSpec, values: dict[str, Any]) -> dict[str, Any]:
    """Everything a cell is selected and reported by: its grid values, task, train share and resolved parameters."""
    return {**spec.params(values), "task": spec.task_of(values), **spec.split_of(values), **values}


def select(spec: ExperimentSpec, only: dict[str, str]) -> list[dict[str, Any]]:
    """The grid points whose :func:`cell` matches every ``only`` item (compared as text; numbers as numbers)."""
    runs = spec.runs()
    if not only:
        return runs
    cells = [cell(spec, v) for v in runs]
    known = set().union(*cells)
    unknown = sorted(set(only) - known)
    if unknown:
        raise ConfigError(f"--only: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")

    def same(actual: Any, wanted: str) -> bool:
        if isinstance(actual, (int, float)) and not isinstance(actual, bool):
            try:
                return float(wanted) == float(actual)
            except ValueError:
                return False
        return str(actual) == wanted

    chosen = [v for v, c in zip(runs, cells) if all(same(c.get(k), w) for k, w in only.items())]
    if not chosen:
        raise ConfigError("--only " + ",".join(f"{k}={v}" for k, v in only.items()) + f" selects no cell of "
                          f"{spec.name}")
    return chosen


def plan(spec: ExperimentSpec, only: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """One picklable job description per grid point (those ``only`` selects, see :func:`select`).

    ``dataset`` is the spec's own text (it names the run and its rows);
    ``source`` is what to load: a file resolved against this process's
    working directory, so workers elsewhere do not resolve it in theirs.
    """
    from ..datasets import is_dataset_name

    source = spec.dataset if is_dataset_name(spec.dataset) else str(Path(spec.dataset).resolve())
    jobs = []
    for values in select(spec, only or {}):
        params = spec.params(values)
        jobs.append({"id": run_id(spec, values), "values": values, "params": params, "model": params["model"], "dim": params["dim"],
                     "dataset": spec.dataset, "source": source, "read": dict(spec.read),
                     "task": spec.task_of(values), "train": dict(spec.train), "split": spec.split_of(values),
                     "evaluate": dict(spec.evaluate), "time_budget": spec.run.get("time_budget"),
                     "published": spec.reference_rows(values)})
    return jobs


def stale_settings(job: dict[str, Any], run: RunDir) -> dict[str, tuple[Any, Any]]:
    """``{parameter: (recorded, now)}`` for each parameter the finished ``run`` was trained with that ``job``'s cell
    now resolves differently (empty when the run is current).

    A cell's id hashes its spec, not the values of the preset it names, so a
    retuned preset leaves the old runs under the same ids.  Compared are the
    parameters the run recorded as given (``config.json``); one the run does
    not record did not exist when it was made, so the run had what its default
    does now (a new parameter's default keeps the old behaviour) or, where the
    default changed the behaviour, what the parameter's ``before`` says
    (:func:`~hypergensim.params.recorded_value`), and a preset that now sets it
    otherwise makes the run stale; except where the default is the schedule's
    choice (``auto``) and no ``before`` says what the run had: that is not
    compared.
    A parameter of other models than the cell's is not compared.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "config.json").write_text(json.dumps({"given": {"alpha": 0.5, "dim": 10}}))
    >>> stale_settings({"params": {"alpha": 0.1, "dim": 10, "epochs": 50}}, RunDir(folder))
    {'alpha': (0.5, 0.1)}
    >>> stale_settings({"params": {"alpha": 0.5, "dim": 10, "init_radius": 1.0}}, RunDir(folder))
    {'init_radius': (None, 1.0)}
    >>> stale_settings({"params": {"alpha": 0.5, "radius_cap": "depth"}}, RunDir(folder))  # the schedule's: unknown
    {}
    >>> stale_settings({"params": {"alpha": 0.5, "hard_negatives": 1}}, RunDir(folder))  # none before they existed
    {'hard_negatives': (0, 1)}
    >>> _ = (folder / "config.json").write_text(json.dumps({"given": {"model": "translational"}}))
    >>> stale_settings({"params": {"model": "translational", "translation_rate": 0.01}}, RunDir(folder))  # before: 1
    {'translation_rate': (1.0, 0.01)}
    """
    config = run.read_config()
    recorded = config.get("given", config.get("params", {}))
    changed = {}
    model = job["params"].get("model", PARAMETER["model"].default)
    for key, now in job["params"].items():
        unknown_then = key not in PARAMETER or (PARAMETER[key].auto and not PARAMETER[key].known_before)
        if key in _NOT_COMPARED or (key not in recorded and unknown_then):
            continue
        if key in PARAMETER and not applies(key, model):  # left at its default, where it means nothing
            continue
        then = recorded_value(key, recorded)
        plain = [list(x) if isinstance(x, tuple) else x for x in (then, now)]
        if plain[0] != plain[1]:
            changed[key] = (then, now)
    return changed


def stale_cells(jobs: list[dict[str, Any]], runs_dir: Path) -> dict[str, dict[str, tuple[Any, Any]]]:
    """``{run id: stale_settings}`` for each of ``jobs`` whose run under ``runs_dir`` is finished but stale."""
    found = {job["id"]: stale_settings(job, run) for job in jobs
             if (run := RunDir(runs_dir / job["id"])).is_finished()}
    return {run: changed for run, changed in found.items() if changed}


def describe_changes(changed: dict[str, tuple[Any, Any]]) -> str:
    """:func:`stale_settings`' answer in words.

    Examples
    --------
    >>> describe_changes({"alpha": (0.1, 0.05), "translation_rate": (1.0, 0.01)})
    'alpha 0.1 -> 0.05, translation_rate 1.0 -> 0.01'
    """
    return ", ".join(f"{k} {old!r} -> {new!r}" for k, (old, new) in changed.items())


def _is_current(job: dict[str, Any], run: RunDir) -> bool:
    return run.is_finished() and not stale_settings(job, run)


def _train(job: dict[str, Any], hierarchy: Any, run_dir: Path) -> Any:
    """One grid point through the pipeline into ``run_dir``."""
    from ..pipeline import run

    values = job["values"]
    preset, params = run_settings(job["train"], values)
    budget = params.pop("time_budget", None)  # a grid of budgets; else the spec's [run] one
    return run(hierarchy, preset=preset, task=job["task"], split=job["split"] or None,
               run_dir=run_dir, evaluate_every=job["evaluate"].get("every", 0),
               evaluate_sample=job["evaluate"].get("sample"),
               time_budget=job.get("time_budget") if budget is None else budget,
               random_state=int(values.get("seed", 0)), **params)


def run_one(job: dict[str, Any], runs_dir: str) -> dict[str, Any]:
    """Train and evaluate one grid point into ``runs_dir/<id>/`` (atomically) through the pipeline; returns its row.

    For workers that share the client's disk (joblib).  A top-level function so
    it can be shipped to worker processes.  The run directory's
    ``metrics.json`` is the pipeline's own (one schema, one evaluation); the
    row adds the grid values to it.
    """
    from ..datasets import load_hierarchy

    final = RunDir(Path(runs_dir) / job["id"])
    if _is_current(job, final):
        return result_row(job, final.read_metrics())
    partial = Path(runs_dir) / f".{job['id']}.partial-{uuid.uuid4().hex[:8]}"
    # a spec's dataset is a hierarchy: a file is read as edges and closed transitively
    result = _train(job, load_hierarchy(job["source"], **job.get("read", {})), partial)
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
    """Rename a finished partial run onto its final name; a run another process finished first wins.

    A stale run in the way is moved aside first and deleted after the rename (a
    crash between the two leaves it aside, and the next sweep puts it back).
    """
    aside = None
    if final.is_finished() and stale_settings(job, final):
        aside = final.path.with_name(f".{job['id']}.stale-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(final.path, aside)
        except FileNotFoundError:  # another process replaced it first
            aside = None
    try:
        os.rename(partial, final.path)
    except OSError:  # another process finished this run first: keep theirs, drop ours
        shutil.rmtree(partial, ignore_errors=True)
        return result_row(job, final.read_metrics())
    finally:
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    return result_row(job, metrics)


def result_row(job: dict[str, Any], metrics: dict[str, Any]) -> dict[str, Any]:
    """One ``results.csv`` row: the cell (id, grid values, task, model, dimension), its metrics beside the
    published ones, and what it cost (epochs, wall time, peak memory, cores)."""
    evaluation = RunDir.evaluation_in(metrics)
    published = (job.get("published") or [{}])[0]
    resources = metrics.get("resources", {})
    row = {"id": job["id"], **job["values"], "task": job["task"], "dataset": job["dataset"]}
    row.update({"model": job.get("model"), "dim": job.get("dim")})
    if "train_share" in job.get("split", {}):
        row["train_share"] = job["split"]["train_share"]
    row.update({k: evaluation.get(k) for k in RESULT_METRICS})
    selected = evaluation.get("selected_on_valid", {})  # f1: the evaluation with the best valid F1
    row.update({"f1": selected.get("f1_test", evaluation.get("f1_test")), "f1_epoch": selected.get("epoch"),
                "published_mean_rank": published.get("mean_rank"),
                "published_map": published.get("map"), "published_f1": published.get("f1"),
                "final_loss": metrics["final_loss"], "epochs": metrics["epochs"],
                "fit_seconds": metrics["fit_seconds"], "wall_seconds": metrics.get("wall_seconds"),
                "peak_rss_mb": resources.get("peak_rss_mb"), "cores": resources.get("cores"),
                "seed": job["values"].get("seed", 0)})
    return row


def _clean_partials(runs_dir: Path) -> int:
    """Delete unfinished runs; put back a stale run whose replacement never landed (else delete it)."""
    removed = 0
    for p in runs_dir.glob(".*.partial-*"):
        shutil.rmtree(p, ignore_errors=True)
        removed += 1
    for p in runs_dir.glob(".*.stale-*"):
        final = runs_dir / p.name[1:].rsplit(".stale-", 1)[0]
        if final.exists():
            shutil.rmtree(p, ignore_errors=True)
        else:
            os.rename(p, final)
    return removed


def sweep(spec: ExperimentSpec, out: str | Path, *, jobs: int = 1, backend: str = "joblib",
          scheduler: str | None = None, only: dict[str, str] | None = None, train: bool = True,
          verbose: bool = True) -> list[dict[str, Any]]:
    """Run every unfinished grid point (of those ``only`` selects) and write ``results.csv`` and ``summary.md``
    from all finished ones.

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
    only : dict, optional
        Run only the cells matching these ``KEY: VALUE`` items (:func:`parse_only`, :func:`select`).
    train : bool
        ``False`` runs nothing and only rebuilds the tables from the finished cells.
    """
    if jobs < 1:
        raise ConfigError(f"jobs must be >= 1, got {jobs}")
    if scheduler:
        backend = "dask"
    if backend not in ("joblib", "dask"):
        raise ConfigError(f"backend must be 'joblib' or 'dask', got {backend!r}")
    out = Path(out).resolve()  # relative to this process, whatever the workers' folders are
    runs_dir = out / RUNS
    chosen = plan(spec, only)
    removed = 0
    if train:
        runs_dir.mkdir(parents=True, exist_ok=True)
        removed = _clean_partials(runs_dir)
    finished = {j["id"] for j in chosen if RunDir(runs_dir / j["id"]).is_finished()}
    if not train and not finished:  # a report of nothing would replace the one there (results.csv, figures)
        raise InputError(f"{spec.name}: none of the {len(chosen)} cells is finished, so there is nothing to report "
                         "without training; the report, results.csv and figures there are left as they are",
                         path=runs_dir)
    stale = stale_cells(chosen, runs_dir)
    current = finished - set(stale)
    todo = [j for j in chosen if j["id"] not in current] if train else []
    if verbose:
        done = len(current)
        picked = f" ({len(chosen)} selected by --only)" if only else ""
        print(f"{spec.name}: {len(spec.runs())} runs{picked}, {done} already finished, {len(todo)} to run"
              + (f" ({len(stale)} of them stale)" if train and stale else "")
              + ("" if train else " (--no-train: the tables only)")
              + (f", {removed} partial runs discarded" if removed else ""), flush=True)
        for run, changed in stale.items():
            print(f"{'re-running' if train else 'stale, reported as recorded:'} {run}: trained with other "
                  f"parameters than its cell now resolves to ({describe_changes(changed)})", flush=True)
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
            print(f"finished {metrics['id']}: {describe(metrics)}", flush=True)


def _run_dask(todo: list[dict[str, Any]], runs_dir: str, jobs: int, scheduler: str | None, verbose: bool) -> None:
    """Run on Dask workers that need not share this disk: the client loads the hierarchy and sends it once to
    every worker, each worker returns its run's files, and the client writes the run directories."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError("the dask backend needs dask[distributed]: pip install 'hypergensim[dask]'") from None
    from ..datasets import load_hierarchy

    hierarchy = load_hierarchy(todo[0]["source"], **todo[0].get("read", {}))
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
                print(f"finished {row['id']}: {describe(row)}", flush=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def describe(row: dict[str, Any]) -> str:
    """A results row's metrics in a few words (F1 for the f1 task, mean rank and MAP otherwise)."""
    if row.get("f1") is not None:
        return f"F1 {row['f1']:.3f}, {row['epochs']} epochs, {row['wall_seconds']:.0f} s"
    return (f"mean rank {row['mean_rank']:.3f}, MAP {row['map']:.3f}, {row['epochs']} epochs, "
            f"{row['wall_seconds']:.0f} s")


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
    metrics = [m for m in ("mean_rank", "map", "f1") if m in df and df[m].notna().any()]
    names = {"mean_rank": "mean rank", "map": "MAP", "f1": "F1"}
    if rows:
        agg = df.groupby(grid_keys)[metrics].agg(["mean", "std", "count"]) if grid_keys else None
        if agg is not None:
            lines += ["| " + " | ".join(grid_keys + [names[m] for m in metrics]) + " | runs |",
                      "|" + "---|" * (len(grid_keys) + len(metrics) + 1)]
            for idx, r in agg.iterrows():
                idx = idx if isinstance(idx, tuple) else (idx,)
                cells = [f"{r[(m, 'mean')]:.3f} ± {_std(r[(m, 'std')])}" if r[(m, "count")] else "" for m in metrics]
                lines.append("| " + " | ".join([str(i) for i in idx] + cells) +
                             f" | {int(max(r[(m, 'count')] for m in metrics))} |")
        else:
            lines.append(", ".join(f"{names[m]} {df[m].mean():.3f}" for m in metrics))
    from .._atomic import atomic_write_text

    atomic_write_text(out / SUMMARY_MD, "\n".join(lines) + "\n")
    return rows


def _std(x: float) -> str:
    return "n/a" if x != x else f"{x:.3f}"
