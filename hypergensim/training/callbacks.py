"""Training callbacks: progress, periodic evaluation, early stopping, a wall-clock budget, CSV history.

A callback receives the estimator and a ``logs`` dict after each epoch
(``epoch``, ``loss``, ``seconds``, ``relations_per_s`` and any metrics added
by earlier callbacks).  Setting ``estimator.stop_training_ = True`` ends
training after the current epoch.

Examples
--------
>>> from hypergensim.training import PoincareEmbedding, EvaluateEvery, EarlyStopping
>>> est = PoincareEmbedding(dim=2, epochs=3, negative=2, verbose=0,
...                         callbacks=[EvaluateEvery(1), EarlyStopping("map", patience=2)])
>>> _ = est.fit([("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal"), ("bird", "animal")])
>>> len(est.history_) == est.n_epochs_trained_
True
"""

from __future__ import annotations

import csv
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["Callback", "ProgressBar", "EvaluateEvery", "EvaluateF1Every", "EarlyStopping", "TimeBudget",
           "CSVLogger"]

logger = logging.getLogger("hypergensim.training")


class Callback:
    """Base class; override any hook.

    Examples
    --------
    >>> rel = [("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal"), ("dog", "animal"), ("cat", "animal")]
    >>> from hypergensim.training import PoincareEmbedding
    >>> class LastEpoch(Callback):
    ...     def on_epoch_end(self, estimator, logs):
    ...         self.epoch = logs["epoch"]
    >>> last = LastEpoch()
    >>> _ = PoincareEmbedding(dim=2, epochs=3, negative=1, verbose=0, callbacks=[last]).fit(rel)
    >>> last.epoch
    3
    """

    def on_train_begin(self, estimator: Any, logs: dict[str, Any]) -> None:
        """Before the first epoch (also on resume)."""

    def on_burn_in_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        """After every burn-in epoch (``burn_in_epoch``, ``burn_in_epochs``, ``loss``, ``seconds``,
        ``relations_per_s``); setting ``stop_training_`` stops before the next one."""

    def on_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        """After every epoch."""

    def on_train_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        """After the last epoch."""


#: Metrics an evaluation callback adds to an epoch's logs; an epoch line shows those present.
LOGGED_METRICS = ("mean_rank", "map", "mean_rank_sampled", "map_sampled", "f1_valid", "f1_test")
#: Most epoch lines a run prints when :class:`ProgressBar` chooses how often (epochs that evaluate come on top).
MAX_EPOCH_LINES = 100


def log_step(epochs: int, *, least: int = 10) -> int:
    """Epochs between log lines: ``least``, or the next of 20, 50, 100, 200, ... that keeps ``epochs`` to
    :data:`MAX_EPOCH_LINES` lines.

    >>> log_step(500), log_step(3000), log_step(24_000)
    (10, 50, 500)
    """
    step = least
    for factor in (2, 2.5, 2) * 12:  # least, 2·least, 5·least, 10·least, ...
        if epochs <= MAX_EPOCH_LINES * step:
            break
        step = round(step * factor)
    return step


class ProgressBar(Callback):
    """A tqdm bar (epoch, loss, relations/s) on a terminal; log lines otherwise.

    An epoch line also carries the metrics an evaluation callback earlier in
    the list added (:data:`LOGGED_METRICS`), and every epoch that evaluated
    gets one.  The estimator puts its own bar after the callbacks it is given.

    Parameters
    ----------
    verbose : int
        0: silent; 1: a bar on a terminal, else a log line every ``log_every`` epochs.
    log_every : int or None
        Epochs between log lines when not on a terminal; None: every 10, or
        every 20, 50, 100, ... so that a run prints at most
        :data:`MAX_EPOCH_LINES` of them (:func:`log_step`).

    Examples
    --------
    >>> ProgressBar(verbose=1).log_every is None, log_step(3000)  # a line every 50 epochs in a 3,000-epoch run
    (True, 50)
    """

    def __init__(self, verbose: int = 1, log_every: int | None = None) -> None:
        self.verbose = verbose
        self.log_every = log_every
        self._bar = None

    def on_train_begin(self, estimator: Any, logs: dict[str, Any]) -> None:
        if self.verbose and sys.stderr.isatty():
            from tqdm.auto import tqdm

            self._bar = tqdm(total=estimator.params_.epochs, initial=logs.get("epoch", 0), unit="epoch",
                             desc="training", dynamic_ncols=True, leave=True)

    def set_total(self, epochs: int) -> None:
        """The number of epochs, once the schedule has chosen it."""
        if self._bar is not None:
            self._bar.total = epochs
            self._bar.refresh()

    def on_burn_in_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        if not self.verbose:
            return
        text = f"burn-in epoch {logs['burn_in_epoch']}/{logs['burn_in_epochs']}"
        if self._bar is not None:
            self._bar.set_description(text)
            self._bar.set_postfix(loss=f"{logs['loss']:.4f}", rel_s=f"{logs['relations_per_s']:,.0f}")
            if logs["burn_in_epoch"] == logs["burn_in_epochs"]:
                self._bar.set_description("training")
        else:
            logger.info("%s loss=%.4f relations/s=%.0f", text, logs["loss"], logs["relations_per_s"])

    def on_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        if not self.verbose:
            return
        metrics = {k: logs[k] for k in LOGGED_METRICS if k in logs}
        epochs = estimator.params_.epochs
        if self._bar is not None:
            self._bar.set_postfix(loss=f"{logs['loss']:.4f}", rel_s=f"{logs['relations_per_s']:,.0f}",
                                  **{k: f"{v:.4f}" for k, v in metrics.items()})
            self._bar.update(1)
        elif metrics or logs["epoch"] == epochs or logs["epoch"] % (self.log_every or log_step(epochs)) == 0:
            extra = "".join(f" {k}={v:.4f}" for k, v in metrics.items())
            logger.info("epoch %d/%d loss=%.4f relations/s=%.0f%s", logs["epoch"], epochs, logs["loss"],
                        logs["relations_per_s"], extra)

    def on_train_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class EvaluateEvery(Callback):
    """Evaluate reconstruction every ``every`` epochs and add the metrics to the logs.

    Parameters
    ----------
    every : int
        Epoch interval.
    sample : int or float, optional
        Evaluate a seeded random subset of query nodes (cheap on large data).
    relations : optional
        Relations to reconstruct; default: the training relations.
    random_state : int
        Seed of the query sample (the same queries every time).

    Examples
    --------
    >>> rel = [("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal"), ("dog", "animal"), ("cat", "animal")]
    >>> from hypergensim.training import PoincareEmbedding
    >>> est = PoincareEmbedding(dim=2, epochs=4, negative=1, verbose=0, callbacks=[EvaluateEvery(2)]).fit(rel)
    >>> [h["epoch"] for h in est.history_], "map" in est.history_[-1]
    ([2, 4], True)
    """

    def __init__(self, every: int = 10, *, sample: int | float | None = None, relations: Any = None,
                 random_state: int = 0) -> None:
        if every < 1:
            raise ConfigError(f"EvaluateEvery needs every >= 1, got {every}")
        self.every = every
        self.sample = sample
        self.relations = relations
        self.random_state = random_state

    def on_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        if logs["epoch"] % self.every and logs["epoch"] != estimator.params_.epochs:
            return
        from ..evaluation import evaluate_reconstruction

        rel = self.relations if self.relations is not None else estimator.relations_
        embedding, by_model = estimator.evaluation_input()  # ranked by the model's own distance
        r = evaluate_reconstruction(embedding, rel, sample=self.sample, random_state=self.random_state, **by_model)
        logs.update(mean_rank=r.mean_rank, map=r.map, mrr=r.mrr, hits_at_10=r.hits_at_10,
                    eval_seconds=r.seconds)
        if r.sampled:
            logs.update(mean_rank_stderr=r.mean_rank_stderr, map_stderr=r.map_stderr)
        estimator.history_.append(dict(logs))


class EvaluateF1Every(Callback):
    """Score edge classification every ``every`` epochs (and after the last) and add it to the logs.

    Ganea et al.'s protocol (dalab/hyperbolic_cones, ``all.py``): every 20
    epochs the is-a score's α and the threshold are chosen on valid and test F1
    is measured with them; the run reports the test F1 of the evaluation with
    the best valid F1.  The logs get ``f1_valid``, ``f1_test`` and ``f1_alpha``.

    Parameters
    ----------
    every : int
    parts : dict
        ``valid``, ``valid_negatives``, ``test``, ``test_negatives``: ``(child, ancestor)`` pairs.

    Examples
    --------
    >>> rel = [("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal"), ("dog", "animal"), ("cat", "animal")]
    >>> from hypergensim.training import PoincareEmbedding
    >>> parts = {"valid": [("dog", "mammal")], "valid_negatives": [("dog", "cat")],
    ...          "test": [("cat", "mammal")], "test_negatives": [("cat", "dog")]}
    >>> est = PoincareEmbedding(dim=2, epochs=2, negative=1, verbose=0, callbacks=[EvaluateF1Every(1, parts)]).fit(rel)
    >>> sorted(k for k in est.history_[-1] if k.startswith("f1"))
    ['f1_alpha', 'f1_test', 'f1_threshold', 'f1_valid']
    """

    def __init__(self, every: int, parts: dict[str, Any]) -> None:
        if every < 1:
            raise ConfigError(f"EvaluateF1Every needs every >= 1, got {every}")
        self.every = every
        self.parts = parts

    def on_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        if logs["epoch"] % self.every and logs["epoch"] != estimator.params_.epochs:
            return
        from ..evaluation.classification import evaluate_f1

        embedding, by_model = estimator.evaluation_input()
        r = evaluate_f1(embedding, self.parts["valid"], self.parts["valid_negatives"], self.parts["test"],
                        self.parts["test_negatives"], score="is-a", **by_model)
        logs.update(f1_valid=r.f1_valid, f1_test=r.f1_test, f1_alpha=r.alpha, f1_threshold=r.threshold)
        estimator.history_.append(dict(logs))


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` evaluations.

    Put it after an :class:`EvaluateEvery` in the callback list.

    Examples
    --------
    >>> rel = [("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal"), ("dog", "animal"), ("cat", "animal")]
    >>> from hypergensim.training import PoincareEmbedding
    >>> stop = EarlyStopping("map", patience=1, min_delta=1.0)  # no evaluation can gain a whole 1.0 of MAP
    >>> est = PoincareEmbedding(dim=2, epochs=50, negative=1, verbose=0, callbacks=[EvaluateEvery(1), stop]).fit(rel)
    >>> est.n_epochs_trained_
    2
    """

    def __init__(self, monitor: str = "map", *, patience: int = 5, min_delta: float = 0.0,
                 mode: str | None = None) -> None:
        if mode not in (None, "min", "max"):
            raise ConfigError(f"mode must be 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode or ("min" if monitor in ("mean_rank", "loss") else "max")
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0

    def on_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        if self.monitor not in logs:
            return
        value = logs[self.monitor]
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best, self.wait = value, 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                estimator.stop_training_ = True
                logger.info("early stopping at epoch %d: %s has not improved for %d evaluations",
                            logs["epoch"], self.monitor, self.patience)


class TimeBudget(Callback):
    """Stop before the epoch (burn-in epochs included) that would end past ``seconds`` of wall time.

    The cost of the next epoch is taken as the longest gap between two epoch
    ends so far, which includes whatever the other callbacks do (evaluation,
    checkpoints), so a run with ``TimeBudget(3600)`` finishes within the hour
    rather than just after it.  The clock starts at each ``fit`` or ``resume``.
    A mining pass of the fast engine's violators recurs only every so many
    epochs: the seconds an epoch's logs give as ``mining_seconds`` are left out
    of its gap, and those the next epoch will mine (``next_mining_seconds``)
    are added to its cost.

    Examples
    --------
    >>> from hypergensim.training import PoincareEmbedding, TimeBudget
    >>> est = PoincareEmbedding(dim=2, epochs=100_000, negative=1, verbose=0, callbacks=[TimeBudget(0.2)])
    >>> est.fit([("a", "root"), ("b", "root"), ("c", "a")]).n_epochs_trained_ < 100_000
    True
    """

    def __init__(self, seconds: float) -> None:
        if not (isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and math.isfinite(seconds)
                and seconds > 0):
            raise ConfigError(f"the time budget must be a finite number of seconds > 0, got {seconds!r}")
        self.seconds = float(seconds)

    def on_train_begin(self, estimator: Any, logs: dict[str, Any]) -> None:
        self._start = self._last = time.monotonic()
        self._longest = 0.0

    def on_burn_in_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        self._stop_if_next_overruns(estimator, f"burn-in epoch {logs['burn_in_epoch']}")

    def on_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        if logs["epoch"] < estimator.params_.epochs:
            self._stop_if_next_overruns(estimator, f"epoch {logs['epoch']}", mined=logs.get("mining_seconds", 0.0),
                                        mining=logs.get("next_mining_seconds", 0.0))

    def _stop_if_next_overruns(self, estimator: Any, after: str, *, mined: float = 0.0, mining: float = 0.0) -> None:
        now = time.monotonic()
        self._longest = max(self._longest, now - self._last - mined)
        self._last = now
        if now - self._start + self._longest + mining > self.seconds:
            estimator.stop_training_ = True
            also = f" and the next one mines for {mining:.1f} s" if mining else ""
            logger.info("time budget: stopping after %s (%.0f s used of %.0f s; an epoch takes up to %.1f s%s)",
                        after, now - self._start, self.seconds, self._longest, also)


class CSVLogger(Callback):
    """Append one row per epoch to a CSV file (columns fixed by the first row).

    Examples
    --------
    >>> rel = [("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal"), ("dog", "animal"), ("cat", "animal")]
    >>> import tempfile, pathlib
    >>> from hypergensim.training import PoincareEmbedding
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
    >>> _ = PoincareEmbedding(dim=2, epochs=3, negative=1, verbose=0, callbacks=[CSVLogger(path)]).fit(rel)
    >>> path.read_text().splitlines()[0]
    'epoch,loss,seconds,relations_per_s,mean_rank,map,mrr,hits_at_10'
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fields: list[str] | None = None

    def on_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        new = not self.path.exists() or self.path.stat().st_size == 0
        if self._fields is None:
            if not new:
                with open(self.path, newline="") as fh:
                    self._fields = next(csv.reader(fh), None)
            if not self._fields:
                self._fields = ["epoch", "loss", "seconds", "relations_per_s", "mean_rank", "map", "mrr",
                                "hits_at_10"]
        with open(self.path, "a", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=self._fields, extrasaction="ignore")
            if new:
                writer.writeheader()
            writer.writerow({k: logs.get(k, "") for k in self._fields})
