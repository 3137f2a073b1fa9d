"""A training run's own folder: :class:`RunDir` owns every file name in it and the one ``metrics.json`` schema.

Layout (every file written atomically, except the append-only log)::

    config.json      parameters, seed, data digest, versions, and what the pipeline ran (task, dataset, split)
    relations.tsv    the training relations, so the run is self-contained
    test.tsv         link prediction only: the held-out relations the run is evaluated on
    state.npz        pickle-free checkpoint: vectors, RNG and negative buffer, epoch, histories
    vectors.txt      word2vec text at full float64 precision, rows in the model's order (not written
                     when a key contains whitespace, which that format cannot hold)
    vectors.npz      exact vectors (read with allow_pickle=False) + keys.json
    metrics.json     see :meth:`RunDir.write_metrics`
    history.csv      one row per epoch (loss, and the metrics at evaluated epochs)
    train.log        log lines
    model.gensim     gensim's own pickle of the final model (for gensim users;
                     loaded only with trust_pickle=True)

:class:`RunDir` reads and writes plain data (dicts, arrays, pairs); it knows
nothing of the estimator, which orchestrates fitting, checkpoints and resume
(:mod:`hypergensim.training.estimator`) and asks this class for every path.

Examples
--------
>>> import tempfile, numpy as np
>>> run = RunDir(tempfile.mkdtemp() + "/run")
>>> run.create()
>>> run.write_relations([("dog", "mammal"), ("mammal", "animal")])
>>> run.read_relations()
[('dog', 'mammal'), ('mammal', 'animal')]
>>> run.write_metrics({"epochs": 3, "final_loss": 0.5, "burn_in_loss": None, "fit_seconds": 0.1})["epochs"]
3
>>> run.metrics_path.name, run.is_finished()
('metrics.json', True)
"""

from __future__ import annotations

import contextlib
import csv
import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_save_npz, atomic_write, atomic_write_json
from .errors import ConfigError, InputError
from .vectors import NPZ_KEYS, NPZ_VECTORS, Embedding, read_npz, word2vec_unsafe_key, write_npz, write_word2vec_text

__all__ = ["RunDir"]

logger = logging.getLogger("hypergensim.training")

_HISTORY_FIELDS = ("epoch", "loss", "mean_rank", "map", "mrr", "hits_at_10", "f1_valid", "f1_test")


class RunDir:
    """One training run's folder; every file name is a class constant.

    Parameters
    ----------
    path : path
        The folder (it need not exist yet: :meth:`create` makes it).

    Examples
    --------
    >>> run = RunDir("runs/m10")
    >>> run.path / RunDir.METRICS, run.is_run()
    (PosixPath('runs/m10/metrics.json'), False)
    """

    CONFIG = "config.json"
    RELATIONS = "relations.tsv"
    TEST_RELATIONS = "test.tsv"
    STATE = "state.npz"
    VECTORS_TEXT = "vectors.txt"
    VECTORS_NPZ = NPZ_VECTORS
    KEYS = NPZ_KEYS
    METRICS = "metrics.json"
    HISTORY = "history.csv"
    LOG = "train.log"
    GENSIM_MODEL = "model.gensim"
    #: Display names of nodes named by ids or paths (``HP:0000118<TAB>Phenotypic abnormality``), where the data
    #: gives them (:attr:`~hypergensim.datasets.Hierarchy.labels`).
    LABELS = "labels.tsv"
    #: An F1 run's held-out parts (Ganea et al.'s split): positives and negatives for valid and test.
    F1_PARTS = {"valid": "f1-valid.tsv", "valid_negatives": "f1-valid-negatives.tsv", "test": "f1-test.tsv",
                "test_negatives": "f1-test-negatives.tsv"}

    #: The training part of ``metrics.json``, written at the end of every fit.
    TRAINING_METRICS = ("epochs", "final_loss", "burn_in_loss", "fit_seconds")
    #: The evaluation part: one ``RankingResult`` dict under the key of its task.
    TASK_KEYS = {"reconstruction": "reconstruction", "link-prediction": "link_prediction", "f1": "f1"}

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    def __fspath__(self) -> str:
        return str(self.path)

    # ------------------------------------------------------------------ paths
    @property
    def config_path(self) -> Path:
        return self.path / self.CONFIG

    @property
    def relations_path(self) -> Path:
        return self.path / self.RELATIONS

    @property
    def test_relations_path(self) -> Path:
        return self.path / self.TEST_RELATIONS

    @property
    def state_path(self) -> Path:
        return self.path / self.STATE

    @property
    def metrics_path(self) -> Path:
        return self.path / self.METRICS

    @property
    def history_path(self) -> Path:
        return self.path / self.HISTORY

    @property
    def gensim_model_path(self) -> Path:
        return self.path / self.GENSIM_MODEL

    def files(self) -> dict[str, str]:
        """The run's files that exist, by their role (for records such as ``RunResult.paths``)."""
        roles = {"config": self.CONFIG, "relations": self.RELATIONS, "test_relations": self.TEST_RELATIONS,
                 "state": self.STATE, "vectors_text": self.VECTORS_TEXT, "vectors_npz": self.VECTORS_NPZ,
                 "keys": self.KEYS, "metrics": self.METRICS, "history": self.HISTORY, "log": self.LOG,
                 "gensim_model": self.GENSIM_MODEL, "labels": self.LABELS, **{f"f1_{part}": name for part, name in self.F1_PARTS.items()}}
        return {role: str(self.path / name) for role, name in roles.items() if (self.path / name).is_file()}

    # ----------------------------------------------------------------- status
    def is_run(self) -> bool:
        """Whether the folder holds a run (its ``config.json``)."""
        return self.config_path.is_file()

    def has_state(self) -> bool:
        """Whether a pickle-free checkpoint exists."""
        return self.state_path.is_file()

    def is_finished(self) -> bool:
        """Whether the run's final metrics were written."""
        return self.metrics_path.is_file()

    def create(self) -> None:
        """Make the folder (and its missing parents) for a new run; refuses a file and a folder that holds a run."""
        blocking = next((p for p in (self.path, *self.path.parents) if p.exists() and not p.is_dir()), None)
        if blocking is not None:
            raise InputError("run directory is a file" if blocking == self.path else
                             "a file stands where the run directory's parent should be", path=blocking)
        self.path.mkdir(parents=True, exist_ok=True)
        if self.has_state():
            raise ConfigError(f"{self.path} already holds a run; resume it or choose another directory")

    # ----------------------------------------------------------------- config
    def write_config(self, config: dict[str, Any]) -> None:
        atomic_write_json(self.config_path, config)

    def read_config(self) -> dict[str, Any]:
        """``config.json``; a folder without one is not a run directory."""
        if not self.config_path.is_file():
            raise InputError("not a training run directory (no config.json)", path=self.path)
        return _read_json(self.config_path)

    # -------------------------------------------------------------- relations
    def write_relations(self, pairs: Sequence[tuple[str, str]], *, test: bool = False) -> None:
        """The training relations (or, with ``test``, the held-out ones) as ``child<TAB>ancestor`` lines."""
        with atomic_write(self.test_relations_path if test else self.relations_path) as fh:
            for start in range(0, len(pairs), 100_000):
                fh.write("".join(f"{a}\t{b}\n" for a, b in pairs[start:start + 100_000]))

    def read_relations(self, *, test: bool = False) -> list[tuple[str, str]]:
        from .datasets import iter_edge_file

        return list(iter_edge_file(self.test_relations_path if test else self.relations_path, header=False))

    def write_labels(self, labels: Mapping[str, str]) -> None:
        """Nodes' display names as ``node<TAB>label`` lines (a TAB or line break in a label becomes a space)."""
        with atomic_write(self.path / self.LABELS) as fh:
            fh.write("".join(f"{key}\t{' '.join(label.split())}\n" for key, label in labels.items()))

    def read_labels(self) -> dict[str, str]:
        """The nodes' display names; empty when the run has none."""
        path = self.path / self.LABELS
        if not path.is_file():
            return {}
        labels: dict[str, str] = {}
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                key, tab, label = line.rstrip("\n").partition("\t")
                if not tab:
                    raise InputError("expected node<TAB>label", path=path, line=number, value=line.rstrip("\n"))
                labels[key] = label
        return labels

    def write_f1_parts(self, parts: dict[str, Sequence[tuple[str, str]]]) -> None:
        """An F1 run's valid and test positives and negatives (the keys of :data:`F1_PARTS`)."""
        for part, name in self.F1_PARTS.items():
            with atomic_write(self.path / name) as fh:
                fh.write("".join(f"{a}\t{b}\n" for a, b in parts[part]))

    def has_f1_parts(self) -> bool:
        return all((self.path / name).is_file() for name in self.F1_PARTS.values())

    def read_f1_parts(self) -> dict[str, list[tuple[str, str]]]:
        from .datasets import iter_edge_file

        return {part: list(iter_edge_file(self.path / name, header=False)) for part, name in self.F1_PARTS.items()}

    def task(self) -> str:
        """What this run is evaluated by: ``f1`` with F1 parts, ``link-prediction`` with ``test.tsv``, else
        ``reconstruction``."""
        if self.has_f1_parts():
            return "f1"
        return "link-prediction" if self.test_relations_path.is_file() else "reconstruction"

    # ------------------------------------------------------------------ state
    def write_state(self, arrays: dict[str, np.ndarray]) -> None:
        """The resume checkpoint; non-finite vectors are refused so the last good checkpoint stays."""
        if not np.isfinite(arrays["vectors"]).all():
            raise ValueError("refusing to checkpoint non-finite vectors")
        atomic_save_npz(self.state_path, **arrays)

    def read_state(self) -> dict[str, np.ndarray]:
        with np.load(self.state_path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}

    # ---------------------------------------------------------------- history
    def write_history(self, loss_history: Sequence[float], history: Sequence[dict[str, Any]]) -> None:
        """One row per epoch: its loss, and the metrics of the epochs that were evaluated."""
        evaluated = {h["epoch"]: h for h in history}
        with atomic_write(self.history_path) as fh:
            writer = csv.DictWriter(fh, fieldnames=_HISTORY_FIELDS, extrasaction="ignore")
            writer.writeheader()
            for epoch, loss in enumerate(loss_history, start=1):
                writer.writerow({"epoch": epoch, "loss": loss,
                                 **{k: evaluated.get(epoch, {}).get(k, "") for k in _HISTORY_FIELDS[2:]}})

    def read_history(self) -> tuple[list[float], list[dict[str, Any]]]:
        """``(loss per epoch, metrics of the evaluated epochs)`` from ``history.csv`` (empty when missing)."""
        if not self.history_path.is_file():
            return [], []
        losses, evaluated = [], []
        with open(self.history_path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                losses.append(float(row["loss"]))
                if row.get("map") or row.get("f1_test"):
                    evaluated.append({"epoch": int(row["epoch"]),
                                      **{k: float(row[k]) for k in _HISTORY_FIELDS[2:] if row.get(k)}})
        return losses, evaluated

    # ---------------------------------------------------------------- vectors
    def write_vectors(self, keys: list[str], vectors: np.ndarray) -> None:
        """The npz pair always; word2vec text too unless a key contains whitespace."""
        write_npz(self.path, keys, vectors)
        bad = word2vec_unsafe_key(keys)
        if bad is None:
            write_word2vec_text(self.path / self.VECTORS_TEXT, keys, vectors)
        else:
            logger.warning("%s not written: word2vec text cannot hold the key %r (it contains whitespace); "
                           "%s and %s hold every key", self.VECTORS_TEXT, bad, self.VECTORS_NPZ, self.KEYS)

    def read_vectors(self, *, validate: bool = True) -> Embedding:
        return read_npz(self.path, validate=validate)

    def save_gensim_model(self, model: Any) -> None:
        """gensim's own pickle of ``model`` (for gensim users; never loaded without consent)."""
        with atomic_write(self.gensim_model_path, "wb") as fh:
            model.save(fh)

    def load_gensim_model(self, *, trust_pickle: bool) -> Any:
        """gensim's pickle, only with ``trust_pickle=True``: unpickling runs code from the file."""
        if not trust_pickle:
            raise ConfigError(
                f"{self.path} has no pickle-free checkpoint (state.npz), only gensim's pickle model.gensim. "
                "Loading a pickle runs code from the file; pass trust_pickle=True (--trust-pickle) only if you "
                "made or trust it")
        from gensim.models.poincare import PoincareModel

        return PoincareModel.load(str(self.gensim_model_path))

    # ---------------------------------------------------------------- metrics
    @classmethod
    def metrics(cls, training: dict[str, Any], evaluation: dict[str, Any] | None = None, *,
                task: str = "reconstruction", wall_seconds: float | None = None,
                resources: dict[str, Any] | None = None) -> dict[str, Any]:
        """The one ``metrics.json`` schema.

        ``{"epochs", "final_loss", "burn_in_loss", "fit_seconds"}`` (the
        training part, :data:`TRAINING_METRICS`), then the evaluation of
        ``task`` under its key (``reconstruction`` or ``link_prediction``, a
        ``RankingResult`` as a dict; ``f1``, an ``F1Result`` as a dict) when
        there is one, then ``wall_seconds`` of the whole pipeline run when it
        was timed, then ``resources`` (peak memory, cores) when measured.
        """
        missing = [k for k in cls.TRAINING_METRICS if k not in training]
        if missing:
            raise ValueError(f"training metrics lack {', '.join(missing)}")
        out: dict[str, Any] = {k: training[k] for k in cls.TRAINING_METRICS}
        if evaluation is not None:
            out[cls.task_key(task)] = evaluation
        if wall_seconds is not None:
            out["wall_seconds"] = wall_seconds
        if resources is not None:
            out["resources"] = resources
        return out

    def write_metrics(self, training: dict[str, Any], evaluation: dict[str, Any] | None = None, *,
                      task: str = "reconstruction", wall_seconds: float | None = None,
                      resources: dict[str, Any] | None = None) -> dict[str, Any]:
        """Write ``metrics.json`` (the schema of :meth:`metrics`) and return it."""
        out = self.metrics(training, evaluation, task=task, wall_seconds=wall_seconds, resources=resources)
        atomic_write_json(self.metrics_path, out)
        return out

    def read_metrics(self) -> dict[str, Any]:
        """``metrics.json`` (an empty dict while the run has not finished)."""
        return _read_json(self.metrics_path) if self.metrics_path.is_file() else {}

    @classmethod
    def task_key(cls, task: str) -> str:
        """The key of ``task``'s evaluation in ``metrics.json``."""
        try:
            return cls.TASK_KEYS[task]
        except KeyError:
            raise ConfigError(f"unknown task {task!r} (choose from {', '.join(cls.TASK_KEYS)})") from None

    @classmethod
    def evaluation_in(cls, metrics: dict[str, Any]) -> dict[str, Any]:
        """The evaluation recorded in a ``metrics.json`` dict, whichever task it was (empty when none)."""
        return next((metrics[k] for k in cls.TASK_KEYS.values() if k in metrics), {})

    # -------------------------------------------------------------------- log
    @contextlib.contextmanager
    def logging_to_file(self, log: logging.Logger) -> Iterator[None]:
        """Send ``log`` to ``train.log`` (INFO and above) for the duration of the block, then restore it."""
        handler = logging.FileHandler(self.path / self.LOG, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        handler.setLevel(logging.INFO)
        level = log.level
        log.addHandler(handler)
        if level == logging.NOTSET or level > logging.INFO:
            log.setLevel(logging.INFO)
        try:
            yield
        finally:
            log.removeHandler(handler)
            log.setLevel(level)
            handler.close()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None
