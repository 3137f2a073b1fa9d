""":class:`PoincareEmbedding`: a scikit-learn style estimator around gensim's ``PoincareModel``.

``__init__`` stores parameters; :meth:`PoincareEmbedding.fit` validates them all
before any work, builds a gensim ``PoincareModel`` and trains it one epoch at a
time (``model.train(epochs=1)``; gensim runs burn-in once, in the first call),
so that progress, callbacks, evaluation, NaN checks and atomic checkpoints can
run between epochs.  The fitted gensim model stays available as ``model_`` and
its ``PoincareKeyedVectors`` as ``kv_``, so every gensim query keeps working.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from ..errors import ConfigError, InputError, NumericalError
from ..manifold import boundary_radius, epsilon_for_radius
from . import rundir
from .callbacks import Callback, ProgressBar
from .gensim_internals import LossMeter, capture_loss, restore_state, resume_state
from .presets import preset_params

__all__ = ["PoincareEmbedding", "relations_digest"]

logger = logging.getLogger("hypergensim.training")

ENGINES = ("gensim", "fast")
_BURN_IN_EPOCH_ID = 1 << 30  # burn-in epochs draw from their own random streams


def relations_digest(relations: Sequence[tuple[str, str]]) -> str:
    """SHA-256 of the relations in order (identifies the training data of a run)."""
    h = hashlib.sha256()
    for a, b in relations:
        h.update(f"{a}\t{b}\n".encode())
    return h.hexdigest()


class PoincareEmbedding(BaseEstimator):
    """Train Poincaré embeddings of a hierarchy with gensim, the scikit-learn way.

    Parameters
    ----------
    dim : int
        Dimension of the Poincaré ball.
    negative : int
        Negatives per positive relation.
    alpha : float
        Learning rate after burn-in.
    burn_in : int
        Burn-in epochs (run once, before ``epochs``; 0 disables).
    burn_in_alpha : float
        Learning rate during burn-in.
    epochs : int
        Training epochs after burn-in.
    batch_size : int
        Relations per gensim batch.
    regularization_coeff : float
        gensim's l2 regularization of the positive vectors (0 disables).
    epsilon : float
        Margin from the boundary kept by gensim's clipping.
    radius_start : float or None
        Radius warm-up (``objective="nickel2017"`` only): every vector is kept
        within this hyperbolic distance of the origin during burn-in and the
        first epoch, and the bound grows linearly to the ``epsilon`` boundary
        (radius ``ln((2−ε)/ε)``, 12.2 for 1e-5) over ``radius_warmup``
        epochs.  Nodes then settle their directions while moving is still cheap,
        instead of being pushed out to where an angular move costs ``sinh(r)``
        times more; on WordNet nouns this is what takes the mean rank from
        ~30 to 2.8 (preset ``nickel2017-warmup``).  None disables it.
    radius_warmup : int
        Epochs over which the bound grows from ``radius_start`` to the boundary.
    init_range : tuple of float
        Uniform initialisation range.
    dtype : {"float64", "float32"}
        Vector dtype.
    random_state : int
        Seed of initialisation, shuffling and negative sampling.
    engine : {"gensim", "fast"}
        ``gensim``: gensim's own training loop.  ``fast``: the compiled multi-core
        kernel of :mod:`hypergensim.training.fast`, training the same gensim model.
    objective : {"gensim", "nickel2017"}
        ``gensim``: gensim's loss, regularization, sampling and clipping (the
        only one the gensim engine can run).  ``nickel2017``: the paper's
        objective (fast engine only); see :mod:`hypergensim.training.fast`.
    workers : int
        Threads; gensim trains on one thread only, the fast engine on many.
    callbacks : sequence of Callback
        Called after every epoch, in order.
    verbose : int
        0 silent, 1 progress bar (or log lines when not on a terminal).

    Attributes
    ----------
    model_ : gensim.models.poincare.PoincareModel
    kv_ : gensim.models.poincare.PoincareKeyedVectors
    relations_ : list of (str, str)
    loss_history_ : list of float
        Mean loss per training epoch, from gensim's own batches (without gensim's
        regularization term, which gensim's loss omits).
    burn_in_loss_ : float or None
    history_ : list of dict
        Logs of every epoch at which metrics were evaluated.
    n_epochs_trained_ : int
    fit_seconds_ : float

    Examples
    --------
    >>> from hypergensim.training import PoincareEmbedding
    >>> rel = [("dog", "mammal"), ("cat", "mammal"), ("mammal", "animal"), ("dog", "animal"), ("cat", "animal")]
    >>> est = PoincareEmbedding(dim=2, negative=1, epochs=5, verbose=0).fit(rel)
    >>> est.transform(["dog", "cat"]).shape
    (2, 2)
    >>> bool(est.kv_.distance("dog", "cat") > 0)   # a gensim PoincareKeyedVectors query
    True
    """

    def __init__(
        self,
        dim: int = 10,
        negative: int = 10,
        alpha: float = 0.1,
        burn_in: int = 10,
        burn_in_alpha: float = 0.01,
        epochs: int = 50,
        batch_size: int = 10,
        regularization_coeff: float = 1.0,
        epsilon: float = 1e-5,
        radius_start: float | None = None,
        radius_warmup: int = 0,
        init_range: tuple[float, float] = (-0.001, 0.001),
        dtype: str = "float64",
        random_state: int = 0,
        engine: str = "gensim",
        objective: str = "gensim",
        workers: int = 1,
        callbacks: Sequence[Callback] = (),
        verbose: int = 1,
    ) -> None:
        self.dim = dim
        self.negative = negative
        self.alpha = alpha
        self.burn_in = burn_in
        self.burn_in_alpha = burn_in_alpha
        self.epochs = epochs
        self.batch_size = batch_size
        self.regularization_coeff = regularization_coeff
        self.epsilon = epsilon
        self.radius_start = radius_start
        self.radius_warmup = radius_warmup
        self.init_range = init_range
        self.dtype = dtype
        self.random_state = random_state
        self.engine = engine
        self.objective = objective
        self.workers = workers
        self.callbacks = callbacks
        self.verbose = verbose

    # ---------------------------------------------------------------- presets
    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> PoincareEmbedding:
        """An estimator configured by a named preset, with ``overrides`` applied.

        Examples
        --------
        >>> PoincareEmbedding.from_preset("nickel2017", dim=5).regularization_coeff
        0.0
        """
        params = preset_params(name)
        unknown = set(overrides) - set(cls._get_param_names())
        if unknown:
            raise ConfigError(f"unknown parameter(s) {', '.join(sorted(unknown))}")
        params.update(overrides)
        return cls(**params)

    # ------------------------------------------------------------- validation
    def _validate_params(self) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ConfigError(message)

        def is_int(x: Any) -> bool:
            return isinstance(x, (int, np.integer)) and not isinstance(x, bool)

        need(is_int(self.dim) and self.dim >= 1, f"dim must be an integer >= 1, got {self.dim!r}")
        need(is_int(self.epochs) and self.epochs >= 1, f"epochs must be an integer >= 1, got {self.epochs!r}")
        need(is_int(self.negative) and self.negative >= 1, f"negative must be an integer >= 1, got {self.negative!r}")
        need(is_int(self.batch_size) and self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size!r}")
        need(is_int(self.burn_in) and self.burn_in >= 0, f"burn_in must be an integer >= 0, got {self.burn_in!r}")
        for name in ("alpha", "burn_in_alpha"):
            value = getattr(self, name)
            need(isinstance(value, (int, float)) and np.isfinite(value) and value > 0,
                 f"{name} must be a finite number > 0, got {value!r}")
        need(isinstance(self.regularization_coeff, (int, float)) and self.regularization_coeff >= 0,
             f"regularization_coeff must be >= 0, got {self.regularization_coeff!r}")
        need(isinstance(self.epsilon, (int, float)) and 0 < self.epsilon < 0.5,
             f"epsilon must be in (0, 0.5), got {self.epsilon!r}")
        need(is_int(self.radius_warmup) and self.radius_warmup >= 0,
             f"radius_warmup must be an integer >= 0, got {self.radius_warmup!r}")
        if self.radius_start is None:
            need(self.radius_warmup == 0, "radius_warmup needs radius_start (the radius the warm-up starts from)")
        else:
            r_max = boundary_radius(float(self.epsilon))  # epsilon was checked just above
            need(isinstance(self.radius_start, (int, float)) and not isinstance(self.radius_start, bool)
                 and 0 < self.radius_start < r_max,
                 f"radius_start must be a number in (0, {r_max:.4g}) (the radius of the epsilon boundary), "
                 f"got {self.radius_start!r}")
            need(self.radius_warmup >= 1, "radius_start needs radius_warmup >= 1 (epochs to reach the boundary)")
            need(self.objective == "nickel2017",
                 f"radius_start needs objective='nickel2017' (the paper's projection to 1-eps); "
                 f"objective={self.objective!r} clips the gensim way")
        lo_hi = tuple(self.init_range) if isinstance(self.init_range, (tuple, list)) else ()
        need(len(lo_hi) == 2 and -1 < lo_hi[0] < lo_hi[1] < 1,
             f"init_range must be (low, high) with -1 < low < high < 1, got {self.init_range!r}")
        need(self.dtype in ("float64", "float32"), f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        need(self.engine in ENGINES, f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        need(self.objective in ("gensim", "nickel2017"),
             f"objective must be 'gensim' or 'nickel2017', got {self.objective!r}")
        need(not (self.engine == "gensim" and self.objective != "gensim"),
             f"objective={self.objective!r} needs engine='fast'; gensim's own loop trains only objective='gensim'")
        need(is_int(self.workers) and self.workers >= 1, f"workers must be an integer >= 1, got {self.workers!r}")
        need(not (self.engine == "gensim" and self.workers > 1),
             f"workers={self.workers} needs engine='fast': gensim's PoincareModel trains on one thread only")
        need(is_int(self.random_state), f"random_state must be an integer, got {self.random_state!r}")
        need(all(isinstance(cb, Callback) for cb in self.callbacks), "callbacks must be Callback instances")

    def _check_data(self, relations: list[tuple[str, str]]) -> None:
        if not relations:
            raise InputError("no relations to train on (training needs at least 2 nodes and a relation)")
        neighbours: dict[str, set[str]] = {}
        for a, b in relations:
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set())
        n = len(neighbours)
        if n < 2:
            raise InputError(f"training needs at least 2 nodes, got {n}")
        worst, node = min(((n - 1 - len(s - {k}), k) for k, s in neighbours.items()), key=lambda t: t[0])
        # gensim's count of remaining nodes includes u itself: negative >= that count is impossible
        if self.negative > worst:
            raise ConfigError(
                f"negative={self.negative} is too large: node {node!r} has only {worst} possible negatives "
                f"({n} nodes); use negative <= {worst}"
            )

    # ------------------------------------------------------------------- fit
    def fit(self, relations: Any, y: None = None, *, run_dir: str | Path | None = None,
            checkpoint_every: int = 0) -> PoincareEmbedding:
        """Validate, build the gensim model and train; returns ``self``.

        Parameters
        ----------
        relations : Hierarchy, path, dataset name (``mammals``), or iterable of (child, ancestor)
            Training relations (usually a transitive closure).
        y : None
            Ignored (scikit-learn API).
        run_dir : path, optional
            Directory that receives ``config.json``, checkpoints, vectors, metrics and logs.
        checkpoint_every : int
            Write an atomic checkpoint to ``run_dir`` every this many epochs (0: only at the end).
        """
        self._validate_params()
        if checkpoint_every < 0 or (checkpoint_every and run_dir is None):
            raise ConfigError("checkpoint_every needs a run_dir and must be >= 0")
        pairs, spec = _relations_from(relations)
        self._check_data(pairs)
        self.relations_ = pairs
        self._build_model(pairs)
        self.loss_history_: list[float] = []
        self.burn_in_loss_: float | None = None
        self.history_: list[dict[str, Any]] = []
        self.n_epochs_trained_ = 0
        self.fit_seconds_ = 0.0
        self.run_dir_ = None if run_dir is None else Path(run_dir)
        self.checkpoint_every_ = checkpoint_every
        self.last_checkpoint_epoch_: int | None = None
        if self.run_dir_ is not None:
            rundir.start(self.run_dir_, self, spec)
        return self._train(start_epoch=0)

    def _train(self, start_epoch: int) -> PoincareEmbedding:
        self.stop_training_ = False
        callbacks: list[Callback] = [ProgressBar(self.verbose), *self.callbacks]
        n_rel = len(self.model_.all_relations)
        handler = rundir.attach_log(self.run_dir_) if self.run_dir_ is not None else None
        begin = {"epoch": start_epoch}
        try:
            for cb in callbacks:
                cb.on_train_begin(self, begin)
            for epoch in range(start_epoch + 1, self.epochs + 1):
                logs = self._one_epoch(epoch, n_rel)
                for cb in callbacks:
                    cb.on_epoch_end(self, logs)
                if self.run_dir_ is not None and self.checkpoint_every_ and epoch % self.checkpoint_every_ == 0:
                    rundir.checkpoint(self.run_dir_, self)
                if self.stop_training_:
                    break
            for cb in callbacks:
                cb.on_train_end(self, {"epoch": self.n_epochs_trained_})
            if self.run_dir_ is not None:
                rundir.finish(self.run_dir_, self)
        finally:
            if handler is not None:
                rundir.detach_log(handler)
        return self

    def _build_model(self, pairs: list[tuple[str, str]]) -> None:
        """A fresh gensim ``PoincareModel`` over ``pairs`` from this estimator's parameters, and its engine."""
        from gensim.models.poincare import PoincareModel

        self.model_ = PoincareModel(
            pairs, size=self.dim, alpha=self.alpha, negative=self.negative, workers=1, epsilon=self.epsilon,
            regularization_coeff=self.regularization_coeff, burn_in=self.burn_in, burn_in_alpha=self.burn_in_alpha,
            init_range=tuple(self.init_range), dtype=np.dtype(self.dtype).type, seed=self.random_state,
        )
        self.kv_ = self.model_.kv
        self._make_engine()

    def _make_engine(self) -> None:
        self._fast = None
        if self.engine == "fast":
            from .fast import FastTrainer

            self._fast = FastTrainer(self.model_, objective=self.objective, workers=self.workers,
                                     random_state=self.random_state)
            self._fast.batch_size = self.batch_size

    def _one_epoch(self, epoch: int, n_rel: int) -> dict[str, Any]:
        if self.engine == "fast":
            return self._one_fast_epoch(epoch, n_rel)
        model = self.model_
        in_burn_in = self.burn_in > 0 and not model._burn_in_done
        meter = LossMeter(self.burn_in * n_rel if in_burn_in else 0)
        started = time.perf_counter()
        try:
            with capture_loss(model, meter):
                model.train(epochs=1, batch_size=self.batch_size, print_every=10**12)
        except AssertionError as exc:  # gensim asserts that gradients are not NaN
            self._diverged(epoch, f"gensim found NaN gradients ({exc})")
        seconds = time.perf_counter() - started
        if not np.isfinite(model.kv.vectors).all():
            self._diverged(epoch, "NaN or inf in the vectors")
        relations_seen = meter.relations
        if in_burn_in:
            self.burn_in_loss_ = meter.before / meter.split_at
        loss = meter.mean_after()
        self.loss_history_.append(loss)
        self.n_epochs_trained_ = epoch
        self.fit_seconds_ += seconds
        return {"epoch": epoch, "loss": loss, "seconds": seconds, "relations_per_s": relations_seen / seconds}

    def epsilon_at(self, epoch: int) -> float:
        """The boundary margin in force at training epoch ``epoch`` (burn-in counts as epoch 1).

        ``epsilon`` itself, or during a radius warm-up the margin of the bound
        ``radius_start + (R − radius_start)·(epoch − 1)/radius_warmup``, capped
        at the boundary's radius ``R``.

        Examples
        --------
        >>> est = PoincareEmbedding(objective="nickel2017", engine="fast", radius_start=2.0, radius_warmup=10)
        >>> round(est.epsilon_at(1), 4), est.epsilon_at(11) == est.epsilon
        (0.2384, True)
        """
        if self.radius_start is None:
            return float(self.epsilon)
        r_max = boundary_radius(float(self.epsilon))
        progress = max(epoch - 1, 0) / self.radius_warmup
        if progress >= 1.0:
            return float(self.epsilon)
        return epsilon_for_radius(self.radius_start + (r_max - self.radius_start) * progress)

    def _one_fast_epoch(self, epoch: int, n_rel: int) -> dict[str, Any]:
        model = self.model_
        started = time.perf_counter()
        seen = 0
        if self.burn_in > 0 and not model._burn_in_done:
            burn_total = 0.0
            for b in range(self.burn_in):
                loss_sum, n = self._fast.run_epoch(_BURN_IN_EPOCH_ID + b, lr=self.burn_in_alpha, burn_in=True,
                                                   epsilon=self.epsilon_at(1))
                burn_total += loss_sum
                seen += n
            model._burn_in_done = True
            self.burn_in_loss_ = burn_total / (self.burn_in * n_rel)
        loss_sum, n = self._fast.run_epoch(epoch, lr=self.alpha, burn_in=False, epsilon=self.epsilon_at(epoch))
        seen += n
        seconds = time.perf_counter() - started
        if not np.isfinite(model.kv.vectors).all():
            self._diverged(epoch, "NaN or inf in the vectors")
        loss = loss_sum / n_rel
        self.loss_history_.append(loss)
        self.n_epochs_trained_ = epoch
        self.fit_seconds_ += seconds
        return {"epoch": epoch, "loss": loss, "seconds": seconds, "relations_per_s": seen / seconds}

    def _diverged(self, epoch: int, what: str) -> None:
        where = ""
        if self.run_dir_ is not None and self.last_checkpoint_epoch_ is not None:
            where = f"; the last good checkpoint (epoch {self.last_checkpoint_epoch_}) is kept in {self.run_dir_}"
        raise NumericalError(f"training diverged at epoch {epoch}: {what}; lower alpha (now {self.alpha}){where}")

    # ------------------------------------------------------------- transform
    def transform(self, keys: Sequence[str]) -> np.ndarray:
        """Vectors of ``keys`` as an ``(n, dim)`` array."""
        self._check_fitted()
        missing = [k for k in keys if k not in self.kv_.key_to_index]
        if missing:
            raise InputError(f"{len(missing)} keys have no vector, e.g. {', '.join(map(str, missing[:5]))}")
        return np.asarray(self.kv_.vectors[[self.kv_.key_to_index[k] for k in keys]])

    def _check_fitted(self) -> None:
        if not hasattr(self, "kv_"):
            raise ConfigError("this PoincareEmbedding is not fitted yet; call fit() first")

    # ---------------------------------------------------------- save / resume
    def save(self, run_dir: str | Path) -> Path:
        """Write the fitted vectors, config and metrics to ``run_dir`` in the safe formats."""
        self._check_fitted()
        run_dir = Path(run_dir)
        if getattr(self, "run_dir_", None) is None or Path(self.run_dir_) != run_dir:
            rundir.start(run_dir, self, None)
        rundir.finish(run_dir, self, evaluate=False)
        return run_dir

    @classmethod
    def load(cls, run_dir: str | Path, *, trust_pickle: bool = False) -> PoincareEmbedding:
        """A fitted estimator from a run directory's ``vectors.npz`` (never a pickle by default).

        With ``trust_pickle=True`` the full gensim model is also loaded from
        ``model.gensim`` (gensim's pickle: loading it runs code from the file,
        so only do this for files you made or trust).
        """
        return rundir.load_estimator(cls, Path(run_dir), trust_pickle=trust_pickle)

    @classmethod
    def resume(cls, run_dir: str | Path, *, relations: Any = None, epochs: int | None = None,
               callbacks: Sequence[Callback] = (), verbose: int | None = None,
               trust_pickle: bool = False) -> PoincareEmbedding:
        """Continue a run from its last checkpoint; with the same seed the result equals an uninterrupted run.

        Resumes from the pickle-free ``state.npz``.  Only when that is missing,
        ``trust_pickle=True`` allows resuming from gensim's ``model.gensim`` pickle.
        """
        return rundir.resume(cls, Path(run_dir), relations=relations, epochs=epochs, callbacks=callbacks,
                             verbose=verbose, trust_pickle=trust_pickle)

    # internal, used by rundir
    def _resume_state(self) -> dict[str, np.ndarray]:
        state = resume_state(self.model_)
        state["epoch"] = np.array([self.n_epochs_trained_], dtype=np.int64)
        state["loss_history"] = np.asarray(self.loss_history_, dtype=np.float64)
        state["history_json"] = np.array(json.dumps(self.history_))
        state["burn_in_loss"] = np.array([np.nan if self.burn_in_loss_ is None else self.burn_in_loss_])
        state["fit_seconds"] = np.array([self.fit_seconds_])
        return state

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        restore_state(self.model_, state)  # the fast engine reads model_.kv.vectors afresh every epoch
        self.kv_ = self.model_.kv
        self.n_epochs_trained_ = int(state["epoch"][0])
        self.loss_history_ = [float(x) for x in state["loss_history"]]
        self.history_ = json.loads(str(state["history_json"]))
        b = float(state["burn_in_loss"][0])
        self.burn_in_loss_ = None if np.isnan(b) else b
        self.fit_seconds_ = float(state["fit_seconds"][0])


def _relations_from(relations: Any) -> tuple[list[tuple[str, str]], str | None]:
    """Training pairs and a description of their source (a dataset name or a path)."""
    from ..datasets import Hierarchy, load_hierarchy
    from ..evaluation.tasks import coerce_relations

    if isinstance(relations, str) and not Path(relations).exists():
        h = load_hierarchy(relations)
        return h.relations(), relations
    if isinstance(relations, Hierarchy):
        return relations.relations(), relations.name
    pairs, source = coerce_relations(relations, what="training relations")
    pairs = [(a, b) for a, b in pairs if a != b]
    return pairs, source
