"""The one front door: :func:`run` loads the data, trains, evaluates and records, returning a :class:`RunResult`.

The ``train`` command, ``demo``, every sweep and reproduction, the benchmarks
and the preset measurements all call :func:`run` (or :func:`resume` for a
checkpointed run), so a run is configured, timed, evaluated and written the
same way wherever it starts.

Examples
--------
>>> from hypergensim.pipeline import run
>>> rel = [("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal"), ("dog", "animal"), ("cat", "animal")]
>>> result = run(rel, preset="nickel2017", dim=2, epochs=5, negative=1)
>>> result.config["params"]["engine"], result.metrics["epochs"], 0 < result.map <= 1
('fast', 5, True)
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .datasets import Hierarchy, Relations, ganea2018_split, load_hierarchy, nickel2017_split, resolve_relations
from .datasets.hierarchy import unclosed_note
from .errors import ConfigError
from .presets import resolve
from .resources import PeakMemory, machine
from .rundir import RunDir

__all__ = ["run", "resume", "RunResult", "TASKS", "SPLIT_DEFAULTS"]

#: What :func:`run` can evaluate after training (``None``: train only).
TASKS = ("reconstruction", "link-prediction", "f1")
#: Each held-out task's split and its options: link prediction holds out closure edges between inner nodes
#: (Nickel & Kiela 2017); F1 keeps the basic edges and a share of the others in train (Ganea et al. 2018).
SPLIT_DEFAULTS = {
    "link-prediction": {"method": "nickel2017", "test_fraction": 0.1, "valid_fraction": 0.0, "seed": 0},
    "f1": {"method": "ganea2018", "train_share": 0.9, "remove_root": False, "seed": 0},
}

logger = logging.getLogger("hypergensim.training")  # the logger a run's train.log records


@dataclass
class RunResult:
    """What one pipeline run did and measured.

    Attributes
    ----------
    config : dict
        ``dataset``, ``task``, ``preset``, ``split`` and the full resolved ``params``.
    seed : int
    versions : dict
        hypergensim, gensim, numpy, numba, Python, machine (and WordNet for WordNet data).
    timings : dict
        ``load_seconds``, ``fit_seconds`` (training epochs), ``evaluate_seconds``, ``wall_seconds``.
    metrics : dict
        The ``metrics.json`` schema of :meth:`hypergensim.rundir.RunDir.write_metrics`.
    paths : dict
        The run directory's files by role (empty without a run directory).
    estimator : PoincareEmbedding
        The fitted estimator (its ``kv_`` holds gensim's vectors).

    Examples
    --------
    >>> result = run([("dog", "mammal"), ("cat", "mammal")], dim=2, epochs=5, negative=1, workers=1)
    >>> result.config["task"], result.seed, sorted(result.timings)
    ('reconstruction', 0, ['evaluate_seconds', 'fit_seconds', 'load_seconds', 'wall_seconds'])
    >>> result.mean_rank >= 1 and 0 < result.map <= 1
    True
    """

    config: dict[str, Any]
    seed: int
    versions: dict[str, str]
    timings: dict[str, float]
    metrics: dict[str, Any]
    paths: dict[str, str] = field(default_factory=dict)
    estimator: Any = field(default=None, repr=False, compare=False)

    @property
    def evaluation(self) -> dict[str, Any]:
        """The task's metrics (a ``RankingResult`` as a dict; empty when nothing was evaluated)."""
        return RunDir.evaluation_in(self.metrics)

    @property
    def mean_rank(self) -> float | None:
        return self.evaluation.get("mean_rank")

    @property
    def map(self) -> float | None:
        return self.evaluation.get("map")


def run(dataset: Any, *, preset: str | None = None, task: str | None = "reconstruction",
        split: dict[str, Any] | None = None, run_dir: str | Path | None = None, callbacks: Sequence[Any] = (),
        checkpoint_every: int = 0, evaluate_every: int = 0, evaluate_sample: int | float | None = None,
        verbose: int = 0, **params: Any) -> RunResult:
    """Train on ``dataset`` and evaluate ``task``; the keyword-only front door.

    Parameters
    ----------
    dataset : Hierarchy, dataset name, path, or iterable of (child, ancestor)
        For ``reconstruction`` (or ``None``): the training relations, resolved by
        :func:`hypergensim.datasets.resolve_relations` (a file is used as given).
        For ``link-prediction``: the hierarchy to split (:func:`~hypergensim.datasets.load_hierarchy`).
    preset : str, optional
        A named configuration (:mod:`hypergensim.presets`); ``params`` override it.
    task : {"reconstruction", "link-prediction", "f1"} or None
        What to evaluate after training, with the paper's protocol; ``None`` trains only.  ``f1``:
        edge classification on Ganea et al.'s split, the threshold tuned on valid, F1 on test.
    split : dict, optional
        Link prediction: ``test_fraction``, ``valid_fraction``, ``seed``; F1: ``train_share``,
        ``remove_root``, ``seed`` (see :data:`SPLIT_DEFAULTS`).
    run_dir : path, optional
        Folder for config, checkpoints, vectors, metrics and logs (:class:`~hypergensim.rundir.RunDir`).
    callbacks : sequence of Callback
        Called after every epoch, before the evaluation and time-budget callbacks added here.
    checkpoint_every : int
        Atomic checkpoints every this many epochs (needs ``run_dir``).
    evaluate_every, evaluate_sample : int, optional
        Evaluate reconstruction every this many epochs (on a seeded sample of query nodes).
    verbose : int
        0 silent, 1 progress.
    **params
        Training parameters (:data:`hypergensim.params.PARAMETERS`, ``time_budget`` among them); unknown names
        raise :class:`~hypergensim.errors.ConfigError`.  Those left out take the preset's value, or without a
        preset the automatic schedule's (:mod:`hypergensim.training.schedule`).
    """
    from .training import PoincareEmbedding
    from .training.estimator import versions

    started = time.perf_counter()
    if task is not None and task not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(TASKS)} or None, got {task!r}")
    if split is not None and task not in SPLIT_DEFAULTS:
        raise ConfigError(f"split applies only to task {' or '.join(map(repr, SPLIT_DEFAULTS))}")
    config_params = resolve(preset, **params)
    f1_parts: dict[str, list[tuple[str, str]]] = {}  # filled once the split is made
    added = _progress_callbacks(evaluate_every, evaluate_sample, f1_parts if task == "f1" else None)
    est = PoincareEmbedding(**config_params, callbacks=(*callbacks, *added), verbose=verbose)
    est._check_params()  # before the data is loaded: a typo costs nothing
    split_options = _split_options(task, split) if task in SPLIT_DEFAULTS else None

    with PeakMemory() as peak:
        held_out: dict[str, list[tuple[str, str]]] = {}
        if split_options is not None:
            hierarchy = dataset if isinstance(dataset, Hierarchy) else load_hierarchy(dataset)
            if task == "link-prediction":
                parts = nickel2017_split(hierarchy, test_fraction=split_options["test_fraction"],
                                         valid_fraction=split_options["valid_fraction"], seed=split_options["seed"])
                held_out = {"test": parts.pairs("test")}
            else:
                parts = ganea2018_split(hierarchy, train_share=split_options["train_share"],
                                        remove_root=split_options["remove_root"], seed=split_options["seed"])
                held_out = {part: parts.pairs(part) for part in RunDir.F1_PARTS}
                f1_parts.update(held_out)
            source = hierarchy.name
            train = Relations(parts.pairs("train"), source, labels=hierarchy.labels)
        else:
            train = resolve_relations(dataset, what="training relations")
            source = train.source
            if train.path is None and train.read_as and verbose:  # a DataFrame or a graph (a file's CLI says it)
                logger.info("%s: %s relations; read as %s", source, f"{len(train.pairs):,}", train.read_as)
            note = unclosed_note(train.pairs, train.path) if train.path is not None and verbose else None
            if note is not None:  # a file of links, trained on as given: say so, and how to close it
                logger.info("%s: trained on its relations as given. For the whole hierarchy (the papers' "
                            "reconstruction setting) build its closure first, with the same file flags: hypergensim "
                            "build %s -o closure.tsv (a link-prediction train split stays as it is)", note, train.path)
        load_seconds = time.perf_counter() - started

        run = None if run_dir is None else RunDir(run_dir)
        if run is not None and held_out:
            run.create()
            if task == "link-prediction":
                run.write_relations(held_out["test"], test=True)
            else:
                run.write_f1_parts(held_out)
        est.fit(train, run_dir=run_dir, checkpoint_every=checkpoint_every, final_evaluation=False)
        fit_done = time.perf_counter()
        config = {"dataset": source, "task": task, "preset": preset, "split": split_options,
                  "params": _plain_params(est)}
        return _evaluate_and_record(est, run, config, held_out, started=started, load_seconds=load_seconds,
                                    fit_done=fit_done, versions=versions(source), peak=peak)


def resume(run_dir: str | Path, *, epochs: int | None = None, callbacks: Sequence[Any] = (),
           evaluate_every: int = 0, evaluate_sample: int | float | None = None, time_budget: float | None = None,
           verbose: int | None = None, trust_pickle: bool = False) -> RunResult:
    """Continue a checkpointed run (bit for bit as if uninterrupted) and evaluate it as :func:`run` would.

    A run holding F1 parts is evaluated by F1, one holding held-out relations
    (``test.tsv``) by link prediction, any other by reconstruction of its
    training relations (:meth:`RunDir.task`).
    """
    from .training import PoincareEmbedding
    from .training.estimator import versions

    started = time.perf_counter()
    run = RunDir(run_dir)
    config = run.read_config()
    task = run.task()
    held_out = ({"test": run.read_relations(test=True)} if task == "link-prediction"
                else run.read_f1_parts() if task == "f1" else {})
    added = _progress_callbacks(evaluate_every, evaluate_sample, held_out if task == "f1" else None)
    with PeakMemory() as peak:
        est = PoincareEmbedding.resume(run.path, epochs=epochs, time_budget=time_budget,
                                       callbacks=(*callbacks, *added), verbose=verbose, trust_pickle=trust_pickle,
                                       final_evaluation=False)
        fit_done = time.perf_counter()
        recorded = config.get("pipeline", {})
        source = config.get("data", {}).get("source")
        record = {"dataset": recorded.get("dataset", source), "task": task, "preset": recorded.get("preset"),
                  "split": recorded.get("split"), "params": _plain_params(est)}
        return _evaluate_and_record(est, run, record, held_out, started=started, load_seconds=0.0,
                                    fit_done=fit_done, versions=versions(source), peak=peak)


def _evaluate_and_record(est: Any, run: RunDir | None, config: dict[str, Any],
                         held_out: dict[str, list[tuple[str, str]]], *, started: float, load_seconds: float,
                         fit_done: float, versions: dict[str, str], peak: PeakMemory) -> RunResult:
    """Evaluate the task once, write ``metrics.json`` (and the pipeline's record in ``config.json``)."""
    from .evaluation import evaluate_link_prediction, evaluate_reconstruction
    from .evaluation.classification import evaluate_f1

    task = config["task"]
    evaluation = None
    with run.logging_to_file(logger) if run is not None else contextlib.nullcontext():
        if task is not None:
            embedding, by_model = est.evaluation_input()  # ranked by the model's own distance
            if task == "f1":
                # Ganea et al.'s protocol: the is-a score, its alpha and the threshold chosen on valid
                result = evaluate_f1(embedding, *(held_out[part] for part in RunDir.F1_PARTS), score="is-a",
                                     **by_model)
                logger.info("final F1 (test) %.4f at the threshold chosen on valid (F1 %.4f)", result.f1_test,
                            result.f1_valid)
                evaluation = result.as_dict()
                checked = [h for h in est.history_ if "f1_valid" in h]
                if checked:  # Ganea et al. report the test F1 of the evaluation with the best valid F1
                    best = max(checked, key=lambda h: h["f1_valid"])  # the first of equals
                    evaluation["selected_on_valid"] = {k: best[k] for k in ("epoch", "f1_valid", "f1_test",
                                                                            "f1_alpha")}
            else:
                result = (evaluate_reconstruction(embedding, est.relations_, **by_model) if task == "reconstruction"
                          else evaluate_link_prediction(embedding, est.relations_, held_out["test"], **by_model))
                logger.info("final %s: mean rank %.4f, MAP %.4f", result.task, result.mean_rank, result.map)
                evaluation = result.as_dict()
    wall = time.perf_counter() - started
    resources = {"peak_rss_mb": round(peak.sample(), 1), **machine()}
    timings = {"load_seconds": load_seconds, "fit_seconds": est.fit_seconds_,
               "evaluate_seconds": time.perf_counter() - fit_done, "wall_seconds": wall}
    metrics = RunDir.metrics(est.training_metrics(), evaluation, task=task or "reconstruction", wall_seconds=wall,
                             resources=resources)
    paths: dict[str, str] = {}
    if run is not None:
        stored = run.read_config()
        stored["pipeline"] = {k: config[k] for k in ("dataset", "task", "preset", "split")}
        run.write_config(stored)
        run.write_metrics(est.training_metrics(), evaluation, task=task or "reconstruction", wall_seconds=wall,
                          resources=resources)
        paths = run.files()
    return RunResult(config=config, seed=int(est.random_state), versions=versions, timings=timings,
                     metrics=metrics, paths=paths, estimator=est)


def _progress_callbacks(evaluate_every: int, evaluate_sample: int | float | None,
                        f1_parts: dict[str, Any] | None = None) -> list[Any]:
    """Periodic evaluation: F1 on the held-out parts for the f1 task, else sampled reconstruction (the estimator
    puts its time budget after these, so their time counts toward it)."""
    from .training import EvaluateEvery, EvaluateF1Every

    if not evaluate_every:
        return []
    return [EvaluateF1Every(evaluate_every, f1_parts) if f1_parts is not None
            else EvaluateEvery(evaluate_every, sample=evaluate_sample)]


def _split_options(task: str, split: dict[str, Any] | None) -> dict[str, Any]:
    options = dict(SPLIT_DEFAULTS[task])
    unknown = set(split or {}) - set(options)
    if unknown:
        raise ConfigError(f"unknown split option(s) {', '.join(sorted(unknown))} for task {task!r} "
                          f"(allowed: {', '.join(options)})")
    options.update(split or {})
    if options["method"] != SPLIT_DEFAULTS[task]["method"]:
        raise ConfigError(f"split method must be {SPLIT_DEFAULTS[task]['method']!r} for {task}, "
                          f"got {options['method']!r}")
    return options


def _plain_params(est: Any) -> dict[str, Any]:
    """The estimator's parameters as data, without ``verbose`` (how a run reports, not what it trains)."""
    params = est.plain_params()
    params.pop("verbose", None)
    return params
