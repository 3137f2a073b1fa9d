"""A training run's own folder: config, checkpoints, vectors, metrics, history and log.

Layout (every file written atomically, except the append-only ``train.log``)::

    config.json      parameters, seed, data digest, versions (hypergensim, gensim, numpy, WordNet)
    relations.tsv    the training relations, so the run is self-contained
    state.npz        pickle-free checkpoint: vectors, RNG and negative buffer, epoch, histories
    vectors.txt      word2vec text at full float64 precision, rows in the model's order (not written
                     when a key contains whitespace, which that format cannot hold)
    vectors.npz      exact vectors (read with allow_pickle=False) + keys.json
    metrics.json     final paper-protocol metrics, loss, timings
    history.csv      one row per epoch (loss, speed, metrics when evaluated)
    train.log        log lines
    model.gensim     gensim's own pickle of the final model (for gensim users;
                     loaded only with trust_pickle=True)

Resuming reads ``state.npz`` and rebuilds the gensim model from
``relations.tsv`` with the same seed, then restores its exact state, so a
resumed run equals an uninterrupted one, without unpickling anything.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import logging
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._atomic import atomic_save_npz, atomic_write, atomic_write_json
from ..errors import ConfigError, InputError
from ..vectors import to_keyed_vectors, word2vec_unsafe_key, write_npz, write_word2vec_text

if TYPE_CHECKING:  # pragma: no cover
    from .callbacks import Callback
    from .estimator import PoincareEmbedding

__all__ = ["start", "checkpoint", "finish", "load_estimator", "resume", "versions"]

logger = logging.getLogger("hypergensim.training")
RELATIONS = "relations.tsv"


def versions(dataset: str | None = None) -> dict[str, str]:
    """Versions of everything that shapes a result."""
    import gensim
    import numba

    from .. import __version__

    out = {"hypergensim": __version__, "gensim": gensim.__version__, "numpy": np.__version__,
           "numba": numba.__version__, "python": platform.python_version(), "machine": platform.machine()}
    from ..datasets import is_dataset_name

    if dataset and is_dataset_name(dataset):
        from ..datasets.wordnet import wordnet_version

        out["wordnet"] = wordnet_version()
    return out


def _params(est: PoincareEmbedding) -> dict[str, Any]:
    params = est.get_params(deep=False)
    params.pop("callbacks", None)
    params["init_range"] = list(params["init_range"])
    return params


def start(run_dir: Path, est: PoincareEmbedding, spec: str | None) -> None:
    """Create the folder and write ``config.json`` and ``relations.tsv``."""
    from .estimator import relations_digest

    if run_dir.exists() and not run_dir.is_dir():
        raise InputError("run directory is a file", path=run_dir)
    if not run_dir.parent.exists():
        raise InputError("parent of the run directory does not exist", path=run_dir.parent)
    run_dir.mkdir(exist_ok=True)
    if (run_dir / "state.npz").exists():
        raise ConfigError(f"{run_dir} already holds a run; resume it or choose another directory")
    relations = est.relations_
    with atomic_write(run_dir / RELATIONS) as fh:
        for start_row in range(0, len(relations), 100_000):
            fh.write("".join(f"{a}\t{b}\n" for a, b in relations[start_row:start_row + 100_000]))
    atomic_write_json(run_dir / "config.json", {
        "params": _params(est),
        "seed": est.random_state,
        "data": {"source": spec, "relations_file": RELATIONS, "sha256": relations_digest(relations),
                 "n_relations": len(relations), "n_nodes": len(est.kv_)},
        "relations_file": RELATIONS,
        "run": {"checkpoint_every": getattr(est, "checkpoint_every_", 0)},
        "versions": versions(spec),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    })


def attach_log(run_dir: Path) -> logging.Handler:
    """Send the training logger to ``train.log`` while a fit runs."""
    handler = logging.FileHandler(run_dir / "train.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler


def detach_log(handler: logging.Handler) -> None:
    """Undo :func:`attach_log`."""
    logger.removeHandler(handler)
    handler.close()


def _write_history(run_dir: Path, est: PoincareEmbedding) -> None:
    evaluated = {h["epoch"]: h for h in est.history_}
    fields = ["epoch", "loss", "mean_rank", "map", "mrr", "hits_at_10"]
    with atomic_write(run_dir / "history.csv") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for epoch, loss in enumerate(est.loss_history_, start=1):
            writer.writerow({"epoch": epoch, "loss": loss, **{k: evaluated.get(epoch, {}).get(k, "")
                                                               for k in fields[2:]}})


def checkpoint(run_dir: Path, est: PoincareEmbedding) -> None:
    """Write the pickle-free resume state (one atomic file), then the history.

    A state with NaN or inf vectors (from a callback, or memory corrupted
    after the epoch's own check) is never written: the last good checkpoint stays.
    """
    if not np.isfinite(est.kv_.vectors).all():
        est._diverged(est.n_epochs_trained_, "NaN or inf in the vectors when writing the checkpoint")
    atomic_save_npz(run_dir / "state.npz", **est._resume_state())
    est.last_checkpoint_epoch_ = est.n_epochs_trained_
    _write_history(run_dir, est)
    logger.info("checkpoint at epoch %d", est.n_epochs_trained_)


def _export_vectors(run_dir: Path, est: PoincareEmbedding) -> None:
    keys = list(est.kv_.index_to_key)
    vectors = np.asarray(est.kv_.vectors)
    write_npz(run_dir, keys, vectors)
    bad = word2vec_unsafe_key(keys)
    if bad is None:
        write_word2vec_text(run_dir / "vectors.txt", keys, vectors)
    else:
        logger.warning("vectors.txt not written: word2vec text cannot hold the key %r (it contains whitespace); "
                       "vectors.npz and keys.json hold every key", bad)


def finish(run_dir: Path, est: PoincareEmbedding, *, evaluate: bool = True) -> dict[str, Any]:
    """Final checkpoint, vectors, metrics (paper protocol) and gensim's pickle."""
    metrics: dict[str, Any] = {
        "epochs": est.n_epochs_trained_, "final_loss": est.loss_history_[-1] if est.loss_history_ else None,
        "burn_in_loss": est.burn_in_loss_, "fit_seconds": est.fit_seconds_,
    }
    if getattr(est, "model_", None) is not None:
        checkpoint(run_dir, est)
    _export_vectors(run_dir, est)
    if evaluate:
        from ..evaluation import evaluate_reconstruction

        result = evaluate_reconstruction(est.kv_, est.relations_)
        metrics["reconstruction"] = result.as_dict()
        logger.info("final reconstruction: mean rank %.4f, MAP %.4f", result.mean_rank, result.map)
    atomic_write_json(run_dir / "metrics.json", metrics)
    if getattr(est, "model_", None) is not None:
        with atomic_write(run_dir / "model.gensim", "wb") as fh:
            est.model_.save(fh)
    return metrics


def _read_config(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "config.json"
    if not path.is_file():
        raise InputError("not a training run directory (no config.json)", path=run_dir)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg})", path=path, line=exc.lineno) from None


def _estimator_from_config(cls: type[PoincareEmbedding], config: dict[str, Any], **overrides: Any) -> Any:
    params = dict(config["params"])
    params["init_range"] = tuple(params["init_range"])
    unknown = set(params) - set(cls._get_param_names())
    if unknown:
        raise ConfigError(f"config.json has unknown parameter(s): {', '.join(sorted(unknown))}")
    params.update({k: v for k, v in overrides.items() if v is not None})
    return cls(**params)


def load_estimator(cls: type[PoincareEmbedding], run_dir: Path, *, trust_pickle: bool) -> PoincareEmbedding:
    """A fitted estimator from the safe formats (and gensim's pickle only when trusted)."""
    from ..vectors import read_npz

    config = _read_config(run_dir)
    est = _estimator_from_config(cls, config)
    emb = read_npz(run_dir)
    est.kv_ = to_keyed_vectors(emb.keys, emb.vectors)
    est.model_ = None
    if trust_pickle:
        from gensim.models.poincare import PoincareModel

        est.model_ = PoincareModel.load(str(run_dir / "model.gensim"))
        est.kv_ = est.model_.kv
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.is_file() else {}
    state_path = run_dir / "state.npz"
    if state_path.is_file():
        with np.load(state_path, allow_pickle=False) as s:
            est.loss_history_ = [float(x) for x in s["loss_history"]]
            est.history_ = json.loads(str(s["history_json"]))
            est.n_epochs_trained_ = int(s["epoch"][0])
    else:
        est.loss_history_, est.history_, est.n_epochs_trained_ = [], [], int(metrics.get("epochs", 0))
    rel = run_dir / RELATIONS
    if rel.is_file():
        from ..datasets import iter_edge_file

        est.relations_ = list(iter_edge_file(rel, header=False))
    return est


def resume(cls: type[PoincareEmbedding], run_dir: Path, *, relations: Any, epochs: int | None,
           callbacks: Sequence[Callback], verbose: int | None, trust_pickle: bool) -> PoincareEmbedding:
    """Continue a run at its last checkpoint (see :meth:`PoincareEmbedding.resume`)."""
    from gensim.models.poincare import PoincareModel

    from .estimator import _relations_from, relations_digest

    config = _read_config(run_dir)
    est = _estimator_from_config(cls, config, epochs=epochs, verbose=verbose)
    est.callbacks = tuple(callbacks)
    est._validate_params()
    pairs, _ = _relations_from(relations if relations is not None else run_dir / config["relations_file"])
    if relations_digest(pairs) != config["data"]["sha256"]:
        raise ConfigError(f"resume directory {run_dir} does not match the data: the relations differ from those "
                          f"the run was trained on ({config['data']['n_relations']} relations, "
                          f"sha256 {config['data']['sha256'][:12]}...)")
    state_path = run_dir / "state.npz"
    est.relations_ = pairs
    if state_path.is_file():
        est._build_model(pairs)
        with np.load(state_path, allow_pickle=False) as data:
            state = {k: data[k] for k in data.files}
        est._restore(state)
    elif (run_dir / "model.gensim").is_file():
        if not trust_pickle:
            raise ConfigError(
                f"{run_dir} has no pickle-free checkpoint (state.npz), only gensim's pickle model.gensim. "
                "Loading a pickle runs code from the file; pass trust_pickle=True (--trust-pickle) only if you "
                "made or trust it")
        est.model_ = PoincareModel.load(str(run_dir / "model.gensim"))
        est.kv_ = est.model_.kv
        est._make_engine()
        metrics = json.loads((run_dir / "metrics.json").read_text()) if (run_dir / "metrics.json").is_file() else {}
        est.n_epochs_trained_ = int(metrics.get("epochs", 0))
        est.loss_history_, est.history_, est.burn_in_loss_, est.fit_seconds_ = [], [], None, 0.0
    else:
        raise ConfigError(f"{run_dir} has no checkpoint to resume from")
    est.run_dir_ = run_dir
    est.checkpoint_every_ = int(config.get("run", {}).get("checkpoint_every", 0))
    est.last_checkpoint_epoch_ = est.n_epochs_trained_
    logger.info("resuming %s at epoch %d of %d", run_dir, est.n_epochs_trained_, est.epochs)
    return est._train(start_epoch=est.n_epochs_trained_)
