""":class:`PoincareEmbedding`: a scikit-learn style estimator around gensim's ``PoincareModel``.

``__init__`` stores parameters; :meth:`PoincareEmbedding.fit` validates them all
before any work, builds a gensim ``PoincareModel`` and trains it one epoch at a
time (``model.train(epochs=1)``; gensim runs burn-in once, in the first call),
so that progress, callbacks, evaluation, NaN checks and atomic checkpoints can
run between epochs.  The fitted gensim model stays available as ``model_`` and
its ``PoincareKeyedVectors`` as ``kv_``, so every gensim query keeps working.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import inspect
import json
import logging
import math
import platform
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import InvalidParameterError

from ..datasets import resolve_relations
from ..datasets.hierarchy import longest_path_depths
from ..errors import ConfigError, InputError, NumericalError
from ..manifold import boundary_radius, depth_radius_bounds, epsilon_for_radius
from ..params import PARAMETER, PARAMETERS, applies, numpydoc_parameters, unmeasured
from ..presets import resolve
from ..rundir import RunDir
from .callbacks import Callback, ProgressBar, TimeBudget
from .gensim_internals import LossMeter, build_poincare_model, capture_loss, restore_state, resume_state
from .memory import check_fits, estimate
from .schedule import (
    AUTO,
    HARD_EPOCH_COST,
    RADIUS_CAP_SLACK,
    REFIT_AFTER,
    REPLAN_MIN_WARMUP,
    REPLAN_RECENT,
    VIRTUAL_ROOT,
    WARMUP_RADIUS,
    HierarchyProfile,
    PlateauStop,
    choose_epochs,
    choose_radius_cap,
    choose_rate,
    choose_static,
    choose_virtual_root,
    hard_epoch_cost,
    most_epochs,
    refit_epochs,
    refit_plan,
    replan_warmup,
    seconds_for_epochs,
    seconds_text,
    usable_cores,
    warmup_share,
)

__all__ = ["PoincareEmbedding", "relations_digest", "versions"]

logger = logging.getLogger("hypergensim.training")
#: A build of the training kernel that took this long is said in the log (a cached one loads in under a second).
COMPILE_NOTE_SECONDS = 5.0

_BURN_IN_EPOCH_ID = 1 << 30  # burn-in epochs draw from their own random streams


def relations_digest(relations: Sequence[tuple[str, str]]) -> str:
    """SHA-256 of the relations in order (identifies the training data of a run)."""
    h = hashlib.sha256()
    for a, b in relations:
        h.update(f"{a}\t{b}\n".encode())
    return h.hexdigest()


def versions(dataset: str | None = None) -> dict[str, str]:
    """Versions of everything that shapes a result (WordNet's too when ``dataset`` names a WordNet dataset)."""
    import gensim
    import numba

    from .. import __version__
    from ..datasets import is_wordnet_name

    out = {"hypergensim": __version__, "gensim": gensim.__version__, "numpy": np.__version__,
           "numba": numba.__version__, "python": platform.python_version(), "machine": platform.machine()}
    if dataset and is_wordnet_name(dataset):
        from ..datasets.wordnet import wordnet_version

        out["wordnet"] = wordnet_version()
    return out


def _init_from_table() -> Any:
    """``__init__`` whose signature is :data:`hypergensim.params.PARAMETERS`: it only stores the values."""
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        + [inspect.Parameter(p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=p.default) for p in PARAMETERS])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature  # type: ignore[attr-defined]  # read by scikit-learn's get_params
    return __init__


class PoincareEmbedding(BaseEstimator):
    """Train Poincaré embeddings of a hierarchy with gensim, the scikit-learn way.

    The parameters, their defaults and bounds come from the one table in
    :mod:`hypergensim.params`; ``__init__`` only stores them and
    :meth:`fit` validates them all (scikit-learn's ``_parameter_constraints``,
    then the checks that involve several parameters) before any work.

{parameters}

    Attributes
    ----------
    params_ : types.SimpleNamespace
        Every parameter as trained with: the ones left at ``None`` filled in by the
        schedule (:mod:`hypergensim.training.schedule`).
    schedule_ : dict
        Why each of those was chosen (parameter name → reason), and ``profile``: the
        :class:`~hypergensim.training.schedule.HierarchyProfile` of the training relations.
    model_ : gensim.models.poincare.PoincareModel
    kv_ : gensim.models.poincare.PoincareKeyedVectors
    relations_ : list of (str, str)
    labels_ : dict of str to str
        The nodes' display names where the data gives them (an OBO term's
        ``name:``, a path's last name; :attr:`~hypergensim.datasets.Hierarchy.labels`),
        else empty; kept in the run directory's ``labels.tsv`` for plots and exports.
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

    __init__ = _init_from_table()
    _parameter_constraints: dict[str, list[Any]] = {p.name: p.sklearn_constraint() for p in PARAMETERS}

    # ---------------------------------------------------------------- presets
    @classmethod
    def from_preset(cls, name: str, **overrides: Any) -> PoincareEmbedding:
        """An estimator configured by a named preset, with ``overrides`` applied.

        Examples
        --------
        >>> PoincareEmbedding.from_preset("nickel2017", dim=5).regularization_coeff
        0.0
        """
        return cls(**resolve(name, **overrides))

    # ------------------------------------------------------------- validation
    def _check_params(self) -> None:
        """Validate every parameter, alone (from the table) and together; raises :class:`ConfigError`."""
        try:
            self._validate_params()  # scikit-learn's hook, from _parameter_constraints
        except InvalidParameterError as exc:
            for p in PARAMETERS:  # the table's own wording names the parameter, the rule and the value
                p.check(getattr(self, p.name))
            raise ConfigError(" ".join(str(exc).split())) from None
        for p in PARAMETERS:  # what the constraints leave open: NaN and inf, booleans as integers, the init pair
            p.check(getattr(self, p.name))
        self._plan()

    def _plan(self) -> None:
        """``params_`` and ``schedule_`` from what the schedule can choose before the data, then the checks
        that involve several parameters (on the values training will use)."""
        given = self.get_params(deep=False)
        static, why = choose_static(given, cores=usable_cores())
        self.params_ = SimpleNamespace(**{**given, **static})
        self.schedule_: dict[str, Any] = dict(why)
        self._check_combinations(self.params_)

    @staticmethod
    def _check_combinations(p: SimpleNamespace) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ConfigError(message)

        r_max = boundary_radius(float(p.epsilon))  # the radius of the epsilon boundary: no radius reaches it
        if p.radius_start is None:
            need(p.radius_warmup in (0, None), "radius_warmup needs radius_start (the radius the warm-up starts from)")
        else:
            need(p.radius_start < r_max,
                 f"radius_start must be a number in (0, {r_max:.4g}) (the radius of the epsilon boundary), "
                 f"got {p.radius_start!r}")
            need(p.radius_warmup is None or p.radius_warmup >= 1,
                 "radius_start needs radius_warmup >= 1 (epochs to reach the boundary)")
            need(p.objective == "nickel2017",
                 f"radius_start needs objective='nickel2017' (the paper's projection to 1-eps); "
                 f"objective={p.objective!r} clips the gensim way")
        need(p.radius_cap != "depth" or (p.model == "poincare" and p.engine == "fast" and p.objective == "nickel2017"),
             f"radius_cap='depth' needs model='poincare', engine='fast' and objective='nickel2017' (got "
             f"{p.model!r}, {p.engine!r}, {p.objective!r}): it bounds the Poincaré ball's projection per node")
        need(not (p.engine == "gensim" and p.objective != "gensim"),
             f"objective={p.objective!r} needs engine='fast'; gensim's own loop trains only objective='gensim'")
        need(not (p.engine == "gensim" and p.workers > 1),
             f"workers={p.workers} needs engine='fast': gensim's PoincareModel trains on one thread only")
        need(all(isinstance(cb, Callback) for cb in p.callbacks), "callbacks must be Callback instances")
        need(p.negative_sampling == "relation" or (p.engine == "fast" and p.objective == "nickel2017"),
             f"negative_sampling='batch' needs engine='fast' and objective='nickel2017' (got engine={p.engine!r}, "
             f"objective={p.objective!r}); gensim's loop and objective draw a set per relation")
        need(not p.hard_negatives or (p.engine == "fast" and p.objective == "nickel2017"
                                      and p.negative_sampling == "relation"),
             f"hard_negatives={p.hard_negatives} needs engine='fast', objective='nickel2017' and "
             f"negative_sampling='relation' (got {p.engine!r}, {p.objective!r}, {p.negative_sampling!r})")
        need(p.negative is None or not p.hard_negatives or p.hard_negatives <= p.negative,
             f"hard_negatives={p.hard_negatives} is more than negative={p.negative} (it is how many of them are "
             "violators)")
        if p.init_radius is not None:
            need(p.init == "tree", f"init_radius={p.init_radius!r} is the radius of the tree start; init={p.init!r} "
                                   "does not start from the tree (set init='tree')")
            need(p.init_radius < r_max, f"init_radius must be a number in (0, {r_max:.4g}) (the radius of the "
                                        f"epsilon boundary), got {p.init_radius!r}")
            need(p.radius_start is None or p.init_radius <= p.radius_start,
                 f"init_radius={p.init_radius!r} is beyond radius_start={p.radius_start!r}: the radius warm-up "
                 "would pull the tree start in to radius_start (lower init_radius, or raise radius_start)")
        if p.model != "poincare":  # what means nothing for another model is an error, not ignored
            need(p.engine == "fast", f"model={p.model!r} needs engine='fast' (gensim's loop trains the "
                                     "Poincaré ball only)")
            need(p.objective == "nickel2017", f"model={p.model!r} needs objective='nickel2017' (the paper's "
                                              "softmax; gensim's objective is the Poincaré ball's)")
        for q in PARAMETERS:  # a parameter of some models only: the others leave it at its default
            need(applies(q.name, p.model) or getattr(p, q.name) == q.default,
                 q.misfit_error(p.model, getattr(p, q.name)))
        if p.max_radius is not None:
            for name, what in (("radius_start", "the warm-up's first bound"),
                               ("radius_end", "the warm-up's last bound"), ("init_radius", "the tree start")):
                need(getattr(p, name) is None or getattr(p, name) <= p.max_radius,
                     f"{name}={getattr(p, name)!r} is beyond max_radius={p.max_radius!r}: every point is kept "
                     f"within max_radius, so {what} could never be reached")
        if p.radius_end is not None:
            need(p.radius_start is not None, "radius_end needs a radius warm-up (radius_start and radius_warmup >= 1)")
            need(p.radius_end > p.radius_start,
                 f"radius_end={p.radius_end!r} must be beyond radius_start={p.radius_start!r}: the warm-up's bound "
                 "opens from the one to the other")

    def _check_data(self, relations: list[tuple[str, str]]) -> HierarchyProfile:
        """The relations' profile; a tiny hierarchy caps the schedule's negatives, or refuses the user's."""
        if not relations:
            raise InputError("no relations to train on (training needs at least 2 nodes and a relation)")
        profile = HierarchyProfile.from_pairs(relations)
        if profile.nodes < 2:
            raise InputError(f"training needs at least 2 nodes, got {profile.nodes}")
        worst = profile.min_negatives  # a node is never its own negative, nor one of its ancestors'
        if self.negative is None:
            self.params_.negative = min(self.params_.negative, worst)
            if self.params_.negative < 10:
                self.schedule_["negative"] = f"the most that node {profile.tightest_node!r} allows"
        if self.params_.negative > worst or worst < 1:
            raise ConfigError(
                f"negative={self.params_.negative} is too large: node {profile.tightest_node!r} has only {worst} "
                f"possible negatives ({profile.nodes} nodes); use negative <= {max(worst, 1)}"
            )
        return profile

    def _check_memory(self, profile: HierarchyProfile) -> None:
        """Refuse a run that cannot fit in memory before anything is allocated (see :mod:`.memory`)."""
        p = self.params_
        check_fits(estimate(n_nodes=profile.nodes, n_relations=profile.relations, dim=p.dim, negative=p.negative,
                            batch_size=p.batch_size, workers=p.workers, engine=p.engine, dtype=p.dtype,
                            hard_negatives=p.hard_negatives))

    # ------------------------------------------------------------------- fit
    def fit(self, relations: Any, y: None = None, *, run_dir: str | Path | None = None, checkpoint_every: int = 0,
            final_evaluation: bool = True) -> PoincareEmbedding:
        """Validate, build the gensim model and train; returns ``self``.

        Parameters
        ----------
        relations : Hierarchy, dataset name (``mammals``), path, or iterable of (child, ancestor)
            Training relations (usually a transitive closure), resolved by
            :func:`hypergensim.datasets.resolve_relations`.
        y : None
            Ignored (scikit-learn API).
        run_dir : path, optional
            Directory that receives ``config.json``, checkpoints, vectors, metrics and logs
            (:class:`hypergensim.rundir.RunDir`).
        checkpoint_every : int
            Write an atomic checkpoint to ``run_dir`` every this many epochs (0: only at the end).
        final_evaluation : bool
            With a ``run_dir``: evaluate the reconstruction of the training relations at the end and
            record it in ``metrics.json``.  :func:`hypergensim.pipeline.run` turns it off and records
            the evaluation of its own task instead.
        """
        self._check_params()
        for warning in unmeasured(self.get_params(deep=False)):
            logger.warning("%s", warning)
        if checkpoint_every < 0 or (checkpoint_every and run_dir is None):
            raise ConfigError("checkpoint_every needs a run_dir and must be >= 0")
        rel = resolve_relations(relations, what="training relations")
        pairs = [(a, b) for a, b in rel.pairs if a != b]
        profile = self._profile = self._check_data(pairs)
        self.schedule_["profile"] = profile.as_dict()
        self.params_.virtual_root, why = choose_virtual_root(self.params_.virtual_root, model=self.model,
                                                             profile=profile)
        if why is not None:
            self.schedule_["virtual_root"] = why
        self.schedule_.update(choose_rate(self.params_, self.get_params(deep=False), profile))
        self.schedule_.update(choose_radius_cap(self.params_, self.get_params(deep=False), profile))
        if self.params_.virtual_root == "on" and any(VIRTUAL_ROOT in pair for pair in pairs):
            raise InputError(f"the relations name the node {VIRTUAL_ROOT!r}, which virtual_root='on' adds; "
                             "rename it or pass virtual_root='off'", value=VIRTUAL_ROOT)
        if self.verbose and any(getattr(self, name) is None for name in AUTO):
            logger.info("schedule for %s: %s", profile, self._schedule_text())
        self._check_memory(profile)
        self.relations_ = pairs
        self.labels_ = dict(rel.labels)
        self._build_model(pairs)
        self.loss_history_: list[float] = []
        self.burn_in_loss_: float | None = None
        self.burn_in_epochs_done_ = 0
        self._burn_in_loss_sum = 0.0
        self.history_: list[dict[str, Any]] = []
        self.n_epochs_trained_ = 0
        self.fit_seconds_ = 0.0
        self.run_dir_ = None if run_dir is None else Path(run_dir)
        self.checkpoint_every_ = checkpoint_every
        self.last_checkpoint_epoch_: int | None = None
        if self.run_dir_ is not None:
            run = RunDir(self.run_dir_)
            run.create()
            run.write_relations(pairs)
            if self.labels_:
                run.write_labels(self.labels_)
            run.write_config(self._config(rel.source))
        return self._train(start_epoch=0, final_evaluation=final_evaluation)

    def plain_params(self, *, given: bool = False) -> dict[str, Any]:
        """The parameters as plain data (JSON): all but the callbacks, the init range as a list.

        Once fitted, the values trained with (``params_``: the schedule's choices filled in);
        ``given=True``: the values as set (``None`` where the schedule chose).
        """
        fitted = getattr(self, "params_", None)
        params = dict(vars(fitted)) if fitted is not None and not given else self.get_params(deep=False)
        params.pop("callbacks", None)
        params["init_range"] = list(params["init_range"])
        return params

    def _schedule_text(self) -> str:
        """The schedule's choices and reasons, one clause each (what ``fit`` logs)."""
        return "; ".join(f"{name}={getattr(self.params_, name)!r} ({why})" for name, why in self.schedule_.items()
                         if name != "profile")

    def _config(self, source: str | None) -> dict[str, Any]:
        """What ``config.json`` records of this fit: parameters trained with, as given, the schedule, seed, data,
        versions."""
        return {
            "params": self.plain_params(),
            "given": self.plain_params(given=True),
            "schedule": self.schedule_,
            "seed": self.random_state,
            "data": {"source": source, "relations_file": RunDir.RELATIONS, "sha256": relations_digest(self.relations_),
                     "n_relations": len(self.relations_), "n_nodes": len(self.kv_)},
            "relations_file": RunDir.RELATIONS,
            "run": {"checkpoint_every": self.checkpoint_every_},
            "versions": versions(source),
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }

    def _train(self, start_epoch: int, *, final_evaluation: bool) -> PoincareEmbedding:
        self.stop_training_ = False
        p = self.params_
        callbacks: list[Callback] = list(self.callbacks)
        plateau = self.schedule_.get("plateau")
        if plateau is not None:  # a resumed run of the schedule's keeps its plateau stop
            callbacks.append(PlateauStop(every=plateau["every"], start=plateau["start"]))
        callbacks.append(ProgressBar(self.verbose))  # after the callbacks that evaluate, so its lines show them
        if p.time_budget is not None:  # last, so the longest gap it measures includes the others' work
            callbacks.append(TimeBudget(p.time_budget))
        n_rel = len(self.model_.all_relations)
        run = None if self.run_dir_ is None else RunDir(self.run_dir_)
        with contextlib.ExitStack() as stack:
            if run is not None:
                stack.enter_context(run.logging_to_file(logger))
            if self._fast is not None:  # before any clock starts: numba's first build is no epoch's cost
                stack.callback(self._fast.close)  # the shards' threads live as long as the fit
                # a first run on a machine builds for about half a minute: say so while it happens, not only after
                notice = threading.Timer(COMPILE_NOTE_SECONDS, logger.info, args=(
                    "building the training kernels with numba: about half a minute, once per machine and version",))
                notice.daemon = True
                if self.verbose:
                    notice.start()
                try:
                    seconds = self._fast.compile()
                    if p.time_budget is not None:  # the evaluations during training count in the budget too
                        seconds += self._compile_evaluation()
                finally:
                    notice.cancel()
                if seconds >= COMPILE_NOTE_SECONDS and self.verbose:
                    logger.info("compiled the training kernels in %.0f s (numba caches them: once per machine and "
                                "version), counted in no time budget", seconds)
            begin = {"epoch": start_epoch}
            for cb in callbacks:
                cb.on_train_begin(self, begin)
            started = time.perf_counter()
            while self.burn_in_epochs_done_ < self.burn_in and not self.stop_training_:
                logs = self._burn_in_epoch(n_rel)
                for cb in callbacks:
                    cb.on_burn_in_epoch_end(self, logs)
            first = start_epoch + 1
            if p.epochs is None:  # the schedule's epochs, fitted to the budget from the first training epoch
                if self.stop_training_:  # the budget ran out within the burn-in: fitted from its last epoch
                    self._fit_epochs(time.perf_counter() - started, logs["seconds"], callbacks, run)
                else:
                    logs = self._one_epoch(1, n_rel)
                    self._fit_epochs(time.perf_counter() - started, logs["seconds"], callbacks, run)
                    for cb in callbacks:
                        cb.on_epoch_end(self, logs)
                    first = 2
            if self.stop_training_:
                first = p.epochs + 1
            # a schedule that chose the epochs checks the warm-up halfway through what is left of it (again and
            # again), and re-fits them once the first epochs after it are timed, from the wall time between
            # epoch ends (callbacks included)
            adapt = self.epochs is None and p.time_budget is not None and bool(p.radius_warmup)
            check_at = self._next_warmup_check(first - 1) if adapt else None
            refit = adapt and "epochs_refit" not in self.schedule_
            plan_at = (first + REPLAN_RECENT - 1 if adapt and first <= 2 and "plan_refit" not in self.schedule_
                       and p.radius_warmup - first - REPLAN_RECENT >= REPLAN_MIN_WARMUP else None)
            gaps: list[float] = []
            last = time.perf_counter()
            epoch = first
            while epoch <= p.epochs:
                logs = self._one_epoch(epoch, n_rel)
                now = time.perf_counter()
                if refit and epoch == p.radius_warmup + 1:
                    gaps.clear()  # the epochs after the warm-up are timed from the first (which mines)
                gaps.append(now - last)  # this epoch and the previous one's callbacks
                last = now
                if epoch == plan_at:
                    self._refit_plan(epoch, now - started, gaps[-REPLAN_RECENT:], callbacks, run)
                    check_at = self._next_warmup_check(epoch)
                elif epoch == check_at:
                    self._replan_warmup(epoch, now - started, gaps[-REPLAN_RECENT:], gaps[:REPLAN_RECENT],
                                        first + (min(len(gaps), REPLAN_RECENT) - 1) / 2, callbacks, run)
                    check_at = self._next_warmup_check(epoch)
                elif refit and epoch == p.radius_warmup + REFIT_AFTER:
                    self._refit_epochs(epoch, now - started, gaps[-REFIT_AFTER:], callbacks, run)
                    refit = False
                for cb in callbacks:
                    cb.on_epoch_end(self, logs)
                if run is not None and self.checkpoint_every_ and epoch % self.checkpoint_every_ == 0:
                    self._checkpoint(run)
                if self.stop_training_:
                    break
                epoch += 1
            for cb in callbacks:
                cb.on_train_end(self, {"epoch": self.n_epochs_trained_})
            if run is not None:
                self._finish(run, evaluate=final_evaluation)
        return self

    def _fit_epochs(self, seconds_used: float, seconds_per_epoch: float, callbacks: list[Callback],
                    run: RunDir | None) -> None:
        """Once the first epoch is timed: the epochs that fit the budget, the warm-up's length, the plateau stop."""
        p = self.params_
        if self._hard_epoch_cost() > 1.0 and p.radius_start is not None:
            self._plan_mining(seconds_used, seconds_per_epoch)
        values, why = choose_epochs(epochs=None, radius_warmup=p.radius_warmup, radius_start=p.radius_start,
                                    time_budget=p.time_budget, seconds_used=seconds_used,
                                    seconds_per_epoch=seconds_per_epoch,
                                    burn_in_left=self.burn_in - self.burn_in_epochs_done_,
                                    most=most_epochs(self._profile),
                                    hard_cost=self._hard_epoch_cost(),
                                    share=self._warmup_share())
        for name, value in values.items():
            setattr(p, name, value)
        self.schedule_.update(why)
        start = (p.radius_warmup or 0) + 1
        plateau = {"every": max(1, p.epochs // 20), "start": start}
        self.schedule_["plateau"] = plateau
        self.schedule_["plateau_rule"] = (f"sampled MAP (1,000 queries) every {plateau['every']} epochs from epoch "
                                          f"{start}; stop after two evaluations that gain < 0.001 over the best (a "
                                          "climb back to it after a dip is not one)")
        # before the two callbacks _train puts last (its ProgressBar, then its TimeBudget if any)
        callbacks.insert(len(callbacks) - 1 - (p.time_budget is not None), PlateauStop(**plateau))
        if self.verbose:
            logger.info("schedule: epochs=%d (%s), radius_warmup=%d", p.epochs, why["epochs"], p.radius_warmup)
        self._record_epochs(callbacks, run)

    def _warmup_share(self) -> tuple[float, str]:
        """The warm-up's share of the epochs, and why, for this fit's hierarchy and radius cap."""
        return warmup_share(self._profile, radius_cap=self.params_.radius_cap)

    def _hard_epoch_cost(self) -> float:
        """What the plan counts an epoch after the warm-up at, against one in it: 1 unless the fast engine draws
        violators there; then what :meth:`_plan_mining` found, :data:`HARD_EPOCH_COST` before it."""
        p = self.params_
        if not p.hard_negatives or p.engine != "fast":
            return 1.0
        return float(self.schedule_.get("mining", {}).get("hard_epoch_cost", HARD_EPOCH_COST))

    def _plan_mining(self, seconds_used: float, seconds_per_epoch: float) -> None:
        """Time a mining pass on a sample of the nodes and cost the epochs after the warm-up with their passes
        (:func:`~hypergensim.training.schedule.hard_epoch_cost`), in ``schedule_["mining"]``.  Where the passes
        would not pay and the schedule chose the violators, the epochs after the warm-up draw uniform negatives
        instead (``hard_negatives=0``); violators the user asked for are kept, at their cost."""
        p = self.params_
        pass_seconds = self._fast.mining_seconds()
        left = seconds_for_epochs(time_budget=p.time_budget, seconds_used=seconds_used,
                                  burn_in_left=self.burn_in - self.burn_in_epochs_done_,
                                  seconds_per_epoch=seconds_per_epoch)
        cost, pays, why = hard_epoch_cost(seconds_left=left, seconds_per_epoch=seconds_per_epoch,
                                          pass_seconds=pass_seconds, mining_every=self._fast.violators_every,
                                          share=self._warmup_share()[0], most=most_epochs(self._profile))
        if not pays and self.hard_negatives is None:
            p.hard_negatives = 0
            why += ", so they draw uniform negatives"
            self.schedule_["hard_negatives"] = why
            cost = 1.0
        elif not pays:
            why += f", kept as asked (hard_negatives={p.hard_negatives})"
        self.schedule_["mining"] = {"pass_seconds": round(pass_seconds, 3), "hard_epoch_cost": cost, "rule": why}
        if self.verbose:
            logger.info("schedule: a mining pass takes about %s: %s", seconds_text(pass_seconds), why)

    def _record_epochs(self, callbacks: list[Callback], run: RunDir | None) -> None:
        """The schedule's epochs, once chosen or re-fitted: the progress bar's total, and the run's config
        (the values trained with, before any later checkpoint, so a resumed run trains the same epochs)."""
        for cb in callbacks:
            if isinstance(cb, ProgressBar):
                cb.set_total(self.params_.epochs)
        if run is not None:
            run.write_config({**run.read_config(), "params": self.plain_params(), "schedule": self.schedule_})

    def _next_warmup_check(self, after: int) -> int | None:
        """The epoch of the next check of the warm-up (:meth:`_replan_warmup`): halfway through what is left of
        it after epoch ``after`` or the last check, none once fewer than ``REPLAN_MIN_WARMUP`` epochs are left."""
        start = max(after, self.schedule_.get("warmup_checked", 1))
        left = self.params_.radius_warmup - start
        return start + (left + 1) // 2 if left >= REPLAN_MIN_WARMUP else None

    def _replan_warmup(self, epoch: int, seconds_used: float, recent: list[float], early: list[float],
                       early_epoch: float, callbacks: list[Callback], run: RunDir | None) -> None:
        """The warm-up checked: lengthened if its epochs got cheaper than planned, shortened if it would leave the
        epochs after it too little time (:func:`~hypergensim.training.schedule.replan_warmup`);
        ``schedule_["warmup_check"]`` says what the last check decided, ``schedule_["warmup_checked"]`` when.

        A warm-up made longer or shorter keeps its bound continuous: from this epoch it grows linearly from the
        radius it has now to the boundary at the new warm-up's end (:meth:`radius_at`).  ``schedule_["warmup_replan"]`` lists
        these anchors (with the warm-up planned before each, which the epochs before it followed) and is
        written to the run's config before any later checkpoint, so a resumed run follows the same bound.
        """
        p = self.params_
        radius, planned = self.radius_at(epoch), p.radius_warmup
        p.epochs, p.radius_warmup, why = replan_warmup(epoch=epoch, epochs=p.epochs, radius_warmup=planned,
                                                       time_budget=p.time_budget, seconds_used=seconds_used,
                                                       recent=recent, early=early, early_epoch=early_epoch,
                                                       share=self._warmup_share()[0],
                                                       most=most_epochs(self._profile),
                                                       hard_cost=self._hard_epoch_cost())
        self.schedule_["warmup_check"] = why
        self._warmup_planned(epoch, radius, planned, why, callbacks, run)

    def _refit_plan(self, epoch: int, seconds_used: float, recent: list[float], callbacks: list[Callback],
                    run: RunDir | None) -> None:
        """The epochs and the warm-up fitted again from the median of the epochs after the first
        (:func:`~hypergensim.training.schedule.refit_plan`), longer or shorter; ``schedule_["plan_refit"]`` says
        what it found.  The bound stays continuous as for :meth:`_replan_warmup`."""
        p = self.params_
        radius, planned = self.radius_at(epoch), p.radius_warmup
        p.epochs, p.radius_warmup, why = refit_plan(
            epoch=epoch, epochs=p.epochs, radius_warmup=planned, time_budget=p.time_budget,
            seconds_used=seconds_used, recent=recent, most=most_epochs(self._profile),
            hard_cost=self._hard_epoch_cost(),
            share=self._warmup_share()[0])
        self.schedule_["plan_refit"] = why
        self._warmup_planned(epoch, radius, planned, why, callbacks, run)

    def _warmup_planned(self, epoch: int, radius: float, planned: int, why: str, callbacks: list[Callback],
                        run: RunDir | None) -> None:
        """Record a check of the warm-up at ``epoch`` (``schedule_["warmup_checked"]``); if it changed the
        warm-up's length (was ``planned``), anchor the bound at ``radius`` and move the plateau stop's start."""
        p = self.params_
        self.schedule_["warmup_checked"] = epoch
        if p.radius_warmup != planned:
            anchor = {"epoch": epoch, "radius": radius, "planned_warmup": planned}
            self.schedule_["warmup_replan"] = [*self._warmup_anchors(), anchor]
            plateau = self.schedule_.get("plateau")
            for cb in callbacks:
                if isinstance(cb, PlateauStop) and plateau is not None and cb.start == plateau["start"]:
                    cb.start = p.radius_warmup + 1
            if plateau is not None:
                self.schedule_["plateau"] = {**plateau, "start": p.radius_warmup + 1}
                self.schedule_["plateau_rule"] = self.schedule_["plateau_rule"].replace(
                    f"from epoch {plateau['start']};", f"from epoch {p.radius_warmup + 1};")
        if self.verbose:
            logger.info("schedule: %s", why)
        self._record_epochs(callbacks, run)

    def _refit_epochs(self, epoch: int, seconds_used: float, recent: list[float], callbacks: list[Callback],
                      run: RunDir | None) -> None:
        """The epochs re-fitted to the budget left (:func:`~hypergensim.training.schedule.refit_epochs`), recorded
        in the run's config before any later checkpoint, so a resumed run trains the same epochs."""
        p = self.params_
        hard = p.engine == "fast" and self.hard_negatives_at(epoch) > 0
        p.epochs, why = refit_epochs(epoch=epoch, epochs=p.epochs, radius_warmup=p.radius_warmup,
                                     time_budget=p.time_budget,
                                     seconds_used=seconds_used, recent=recent,
                                     mining_every=self._fast.violators_every if hard else 0,
                                     most=most_epochs(self._profile))
        self.schedule_["epochs_refit"] = why
        if self.verbose:
            logger.info("schedule: epochs=%d (%s)", p.epochs, why)
        self._record_epochs(callbacks, run)

    def training_metrics(self) -> dict[str, Any]:
        """The training part of ``metrics.json``: epochs, final and burn-in loss, fit seconds."""
        return {"epochs": self.n_epochs_trained_,
                "final_loss": self.loss_history_[-1] if self.loss_history_ else None,
                "burn_in_loss": self.burn_in_loss_, "fit_seconds": self.fit_seconds_}

    def _checkpoint(self, run: RunDir) -> None:
        """The pickle-free resume state (one atomic file), then the history.

        A state with NaN or inf vectors (from a callback, or memory corrupted
        after the epoch's own check) is never written: the last good checkpoint stays.
        """
        if not np.isfinite(self.kv_.vectors).all():
            self._diverged(self.n_epochs_trained_, "NaN or inf in the vectors when writing the checkpoint")
        run.write_state(self._resume_state())
        self.last_checkpoint_epoch_ = self.n_epochs_trained_
        run.write_history(self.loss_history_, self.history_)
        logger.info("checkpoint at epoch %d", self.n_epochs_trained_)

    def _finish(self, run: RunDir, *, evaluate: bool) -> dict[str, Any]:
        """Final checkpoint, vectors, metrics and gensim's pickle."""
        if getattr(self, "model_", None) is not None:
            self._checkpoint(run)
        run.write_vectors(list(self.kv_.index_to_key), np.asarray(self.kv_.vectors))
        evaluation = None
        if evaluate:
            from ..evaluation import evaluate_reconstruction

            embedding, by_model = self.evaluation_input()
            result = evaluate_reconstruction(embedding, self.relations_, **by_model)
            evaluation = result.as_dict()
            logger.info("final reconstruction: mean rank %.4f, MAP %.4f", result.mean_rank, result.map)
        metrics = run.write_metrics(self.training_metrics(), evaluation)
        if getattr(self, "model_", None) is not None:
            run.save_gensim_model(self.model_)
        return metrics

    def _build_model(self, pairs: list[tuple[str, str]]) -> None:
        """A fresh gensim ``PoincareModel`` over ``pairs`` from this estimator's parameters, and its engine."""
        p = self.params_
        if p.virtual_root == "on":  # its node comes last, so the public vectors are the model's but the last row
            pairs = [*pairs, *((node, VIRTUAL_ROOT) for node in dict.fromkeys(x for pair in pairs for x in pair))]
        self.model_ = build_poincare_model(
            pairs, size=p.dim, alpha=p.alpha, negative=p.negative, workers=1, epsilon=p.epsilon,
            regularization_coeff=p.regularization_coeff, burn_in=p.burn_in, burn_in_alpha=p.burn_in_alpha,
            init_range=tuple(p.init_range), dtype=np.dtype(p.dtype).type, seed=p.random_state,
        )
        if p.init == "tree":
            from .initialization import tree_start

            kv = self.model_.kv
            radius = p.init_radius or p.radius_start or WARMUP_RADIUS  # within the warm-up's first bound
            kv.vectors[:] = tree_start(kv.index_to_key, pairs, dim=p.dim, radius=radius,
                                       rng=np.random.default_rng(p.random_state))
        self._expose_vectors()
        self._make_engine()

    def _expose_vectors(self) -> None:
        """``kv_``: the model's vectors, without the virtual root's row when there is one (a view, so it is
        always current)."""
        full = self.model_.kv
        if self.params_.virtual_root != "on":
            self.kv_ = full
            return
        from gensim.models.poincare import PoincareKeyedVectors

        kv = PoincareKeyedVectors(full.vector_size, 0, dtype=full.vectors.dtype)
        kv.index_to_key = list(full.index_to_key[:-1])
        kv.key_to_index = {key: i for i, key in enumerate(kv.index_to_key)}
        kv.vectors = full.vectors[:-1]
        self.kv_ = kv

    def _make_engine(self) -> None:
        self._fast = None
        if self.params_.engine == "fast":
            from .fast import FastTrainer

            self._fast = FastTrainer(self.model_, objective=self.params_.objective, workers=self.params_.workers,
                                     random_state=self.random_state, geometry=self.model,
                                     negative_sampling=self.negative_sampling,
                                     max_hard_negatives=self.params_.hard_negatives)
            self._fast.batch_size = self.batch_size
            self._fast.max_norm = self.params_.max_norm
            self._fast.translation_rate = self.params_.translation_rate
            if self.params_.radius_cap == "depth":  # a bound per node, growing with its depth
                depth = longest_path_depths(self._fast.relations(), len(self.model_.kv))
                radii = depth_radius_bounds(depth, radius=boundary_radius(self.params_.epsilon),
                                            slack=RADIUS_CAP_SLACK)
                self._fast.set_node_epsilon(epsilon_for_radius(radii))

    def _one_epoch(self, epoch: int, n_rel: int) -> dict[str, Any]:
        """One training epoch (burn-in is done by then); returns the epoch's logs."""
        started = time.perf_counter()
        if self.params_.engine == "fast":
            loss_sum, seen = self._fast.run_epoch(epoch, lr=self.alpha_at(epoch), burn_in=False,
                                                  epsilon=self.epsilon_at(epoch), max_radius=self.radius_at(epoch),
                                                  hard_negatives=self.hard_negatives_at(epoch))
        else:
            loss_sum, seen = self._gensim_epoch(epoch, alpha=self.alpha_at(epoch))
        seconds = time.perf_counter() - started
        self._check_divergence(epoch, loss_sum)
        loss = loss_sum / n_rel
        self.loss_history_.append(loss)
        self.n_epochs_trained_ = epoch
        self.fit_seconds_ += seconds
        return {"epoch": epoch, "loss": loss, "seconds": seconds, "relations_per_s": seen / seconds,
                **self._mining_logs(epoch)}

    def _mining_logs(self, epoch: int) -> dict[str, float]:
        """The seconds epoch ``epoch`` spent mining violators, and those the next epoch will (the latest pass's,
        or before the first the schedule's probe of it): a pass recurs only every so many epochs, so
        :class:`~hypergensim.training.TimeBudget` costs the next epoch without this one's and with its own."""
        fast = self._fast
        if fast is None:
            return {"mining_seconds": 0.0, "next_mining_seconds": 0.0}
        mined = fast.pass_seconds if fast.violators_epoch == epoch else 0.0
        expected = fast.pass_seconds or float(self.schedule_.get("mining", {}).get("pass_seconds", 0.0))
        upcoming = expected if fast.mines(epoch + 1, self.hard_negatives_at(epoch + 1)) else 0.0
        return {"mining_seconds": mined, "next_mining_seconds": upcoming}

    def _burn_in_epoch(self, n_rel: int) -> dict[str, Any]:
        """The next burn-in epoch, one at a time so progress, budgets and checkpoints cover burn-in too."""
        k = self.burn_in_epochs_done_ + 1
        started = time.perf_counter()
        if self.params_.engine == "fast":
            loss_sum, seen = self._fast.run_epoch(_BURN_IN_EPOCH_ID + k - 1, lr=self.burn_in_alpha, burn_in=True,
                                                  epsilon=self.epsilon_at(1), max_radius=self.radius_at(1))
        else:
            loss_sum, seen = self._gensim_epoch(1, alpha=self.burn_in_alpha)
        seconds = time.perf_counter() - started
        self._check_divergence(1, loss_sum)
        self.burn_in_epochs_done_ = k
        self._burn_in_loss_sum += loss_sum
        if k == self.burn_in:
            self.model_._burn_in_done = True
            self.burn_in_loss_ = self._burn_in_loss_sum / (self.burn_in * n_rel)
        self.fit_seconds_ += seconds
        return {"burn_in_epoch": k, "burn_in_epochs": self.burn_in, "loss": loss_sum / n_rel, "seconds": seconds,
                "relations_per_s": seen / seconds}

    def _gensim_epoch(self, epoch: int, *, alpha: float) -> tuple[float, int]:
        """One epoch of gensim's own loop at learning rate ``alpha``; returns (summed loss, relations).

        This is what ``PoincareModel.train`` does per epoch, without its process-wide ``np.seterr``:
        numpy's error state is set for this thread only.
        """
        model = self.model_
        meter = LossMeter()
        model.alpha = alpha
        try:
            with capture_loss(model, meter), np.errstate(divide="ignore", invalid="ignore"):
                model._train_batchwise(epochs=1, batch_size=self.batch_size, print_every=10**12)
        except AssertionError as exc:  # gensim asserts that gradients are not NaN
            self._diverged(epoch, f"gensim found NaN gradients ({exc})")
        return meter.after, meter.relations

    def alpha_at(self, epoch: int) -> float:
        """The learning rate of training epoch ``epoch``: ``alpha``, or falling linearly to ``alpha_final``.

        The fall starts after the radius warm-up (the first epoch without one) and ends at the last epoch.

        Examples
        --------
        >>> est = PoincareEmbedding(alpha=0.5, alpha_final=0.1, epochs=10, radius_warmup=5, radius_start=2.0)
        >>> [round(est.alpha_at(e), 2) for e in (1, 5, 6, 8, 10)]
        [0.5, 0.5, 0.5, 0.3, 0.1]
        """
        p = self._trained_with()
        if p.alpha_final is None or epoch <= 1:
            return float(p.alpha)
        first = p.radius_warmup + 1 if p.radius_start is not None else 1
        if epoch <= first or p.epochs <= first:
            return float(p.alpha)
        progress = min((epoch - first) / (p.epochs - first), 1.0)
        return float(p.alpha + (p.alpha_final - p.alpha) * progress)

    def hard_negatives_at(self, epoch: int) -> int:
        """How many of each relation's negatives are violators in training epoch ``epoch``: ``hard_negatives``
        after the radius warm-up (from the first epoch without one), else 0.

        Examples
        --------
        >>> est = PoincareEmbedding(hard_negatives=2, epochs=10, radius_warmup=6, radius_start=2.0)
        >>> [est.hard_negatives_at(e) for e in (1, 6, 7, 10)]
        [0, 0, 2, 2]
        """
        p = self._trained_with()
        warm = p.radius_warmup if p.radius_start is not None else 0
        if warm is None:  # the schedule chooses the warm-up after timing the first epoch, which is in it
            return 0
        return int(p.hard_negatives or 0) if epoch > warm else 0

    def radius_at(self, epoch: int) -> float:
        """The bound on every point's hyperbolic distance from the origin at ``epoch`` (``inf`` when none).

        During a radius warm-up it grows linearly from ``radius_start`` to the
        radius of the ``epsilon`` boundary (the Lorentz model: to ``radius_end``
        when given); the Poincaré ball keeps that boundary afterwards, the
        Lorentz model is unbounded after the warm-up unless ``max_radius``
        bounds it (at every epoch).

        Examples
        --------
        >>> est = PoincareEmbedding(model="lorentz", engine="fast", objective="nickel2017", radius_start=2.0,
        ...                         radius_warmup=10)
        >>> est.radius_at(1), round(est.radius_at(6), 3), est.radius_at(11)
        (2.0, 7.103, inf)
        >>> PoincareEmbedding(model="lorentz", engine="fast", objective="nickel2017", radius_start=2.0,
        ...                   radius_warmup=10, max_radius=14.5).radius_at(11)
        14.5
        >>> est = PoincareEmbedding(model="lorentz", engine="fast", objective="nickel2017", radius_start=2.0,
        ...                         radius_warmup=10, radius_end=22.0, max_radius=25.0)
        >>> est.radius_at(6), est.radius_at(11)  # half-way to radius_end, then max_radius
        (12.0, 25.0)
        """
        p = self._trained_with()
        bound = self._warmup_radius_at(epoch)
        return bound if p.max_radius is None else min(bound, float(p.max_radius))

    def _warmup_radius_at(self, epoch: int) -> float:
        """:meth:`radius_at` before ``max_radius``: the warm-up's bound, then the boundary's (or ``inf``)."""
        p = self._trained_with()
        r_max = boundary_radius(float(p.epsilon)) if p.radius_end is None else float(p.radius_end)
        if p.radius_start is not None and epoch <= 1:
            return float(p.radius_start)
        if p.radius_start is None or epoch - 1 >= p.radius_warmup:
            return r_max if p.model == "poincare" else float("inf")
        anchors = self._warmup_anchors()
        for i in range(len(anchors) - 1, -1, -1):
            if epoch > anchors[i]["epoch"]:  # on from the radius this re-plan found, to the warm-up it chose
                end = anchors[i + 1]["planned_warmup"] if i + 1 < len(anchors) else p.radius_warmup
                e0, r0 = anchors[i]["epoch"], anchors[i]["radius"]
                return r0 + (r_max - r0) * (epoch - e0) / (end + 1 - e0)
        warm = anchors[0]["planned_warmup"] if anchors else p.radius_warmup
        return p.radius_start + (r_max - p.radius_start) * max(epoch - 1, 0) / warm

    def _warmup_anchors(self) -> list[dict[str, Any]]:
        """Where the warm-up was re-planned (``schedule_["warmup_replan"]``), in order."""
        return list(getattr(self, "schedule_", {}).get("warmup_replan", []))

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
        p = self._trained_with()
        if p.radius_start is None:
            return float(p.epsilon)
        if epoch > 1 and epoch - 1 >= p.radius_warmup:
            return float(p.epsilon)
        anchors = self._warmup_anchors()
        if anchors and epoch > anchors[0]["epoch"]:
            return epsilon_for_radius(self.radius_at(epoch))
        warm = anchors[0]["planned_warmup"] if anchors else p.radius_warmup  # what those epochs trained with
        r_max = boundary_radius(float(p.epsilon))
        progress = max(epoch - 1, 0) / warm if epoch > 1 else 0.0
        return epsilon_for_radius(p.radius_start + (r_max - p.radius_start) * progress)

    def _trained_with(self) -> SimpleNamespace:
        """``params_`` once planned (in ``fit``), else the parameters as set (the schedule's rules applied)."""
        if getattr(self, "params_", None) is None:
            self._plan()
        return self.params_

    def _diverged(self, epoch: int, what: str) -> None:
        where = ""
        if self.run_dir_ is not None and self.last_checkpoint_epoch_ is not None:
            where = f"; the last good checkpoint (epoch {self.last_checkpoint_epoch_}) is kept in {self.run_dir_}"
        raise NumericalError(f"training diverged at epoch {epoch}: {what}; lower alpha (now {self.params_.alpha}){where}")

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
        run = RunDir(run_dir)
        if getattr(self, "run_dir_", None) is None or Path(self.run_dir_) != run.path:
            run.create()
            run.write_relations(self.relations_)
            if getattr(self, "labels_", None):
                run.write_labels(self.labels_)
            run.write_config(self._config(None))
        self._finish(run, evaluate=False)
        return run.path

    @classmethod
    def load(cls, run_dir: str | Path, *, trust_pickle: bool = False) -> PoincareEmbedding:
        """A fitted estimator from a run directory's ``vectors.npz`` (never a pickle by default).

        With ``trust_pickle=True`` the full gensim model is also loaded from
        ``model.gensim`` (gensim's pickle: loading it runs code from the file,
        so only do this for files you made or trust).
        """
        from ..vectors import to_keyed_vectors

        run = RunDir(run_dir)
        config = run.read_config()
        est = cls._from_config(config)
        est._plan()
        est.schedule_ = {**config.get("schedule", {}), **est.schedule_}
        emb = run.read_vectors(validate=est.model in ("poincare", "lorentz"))  # the Euclidean models reach norm 1
        est.kv_ = to_keyed_vectors(emb.keys, emb.vectors)
        est.model_ = None
        if trust_pickle:
            est.model_ = run.load_gensim_model(trust_pickle=trust_pickle)
            est._expose_vectors()
        est._fast = None
        if run.has_state():
            state = run.read_state()
            est._lorentz_points = state.get("lorentz_points")
            if est._lorentz_points is not None and est.params_.virtual_root == "on":
                est._lorentz_points = est._lorentz_points[:-1]
            est._translation = state.get("translation")
            est.loss_history_ = [float(x) for x in state["loss_history"]]
            est.history_ = json.loads(str(state["history_json"]))
            est.n_epochs_trained_ = int(state["epoch"][0])
        else:
            est.loss_history_, est.history_ = [], []
            est.n_epochs_trained_ = int(run.read_metrics().get("epochs", 0))
        if run.relations_path.is_file():
            est.relations_ = run.read_relations()
        est.labels_ = run.read_labels()
        return est

    @classmethod
    def resume(cls, run_dir: str | Path, *, relations: Any = None, epochs: int | None = None,
               time_budget: float | None = None, callbacks: Sequence[Callback] = (), verbose: int | None = None,
               trust_pickle: bool = False, final_evaluation: bool = True) -> PoincareEmbedding:
        """Continue a run from its last checkpoint; with the same seed the result equals an uninterrupted run.

        Resumes from the pickle-free ``state.npz``.  Only when that is missing,
        ``trust_pickle=True`` allows resuming from gensim's ``model.gensim`` pickle.
        """
        run = RunDir(run_dir)
        config = run.read_config()
        est = cls._from_config(config, epochs=epochs, time_budget=time_budget, verbose=verbose)
        est.callbacks = tuple(callbacks)
        est._check_params()
        est.schedule_ = {**config.get("schedule", {}), **est.schedule_}
        pairs = resolve_relations(relations if relations is not None else run.relations_path).pairs
        if relations_digest(pairs) != config["data"]["sha256"]:
            raise ConfigError(f"resume directory {run.path} does not match the data: the relations differ from "
                              f"those the run was trained on ({config['data']['n_relations']} relations, "
                              f"sha256 {config['data']['sha256'][:12]}...)")
        est.relations_ = pairs
        est.labels_ = run.read_labels()
        if run.has_state():
            est._build_model(pairs)
            try:
                est._restore(run.read_state())
            except ConfigError as exc:  # a checkpoint's arrays that cannot be this run's
                raise InputError(f"cannot resume from this checkpoint: {exc}", path=run.state_path) from None
            except KeyError as exc:
                raise InputError(f"cannot resume from this checkpoint: it has no array {exc}",
                                 path=run.state_path) from None
        elif run.gensim_model_path.is_file():
            est.model_ = run.load_gensim_model(trust_pickle=trust_pickle)
            est._expose_vectors()
            est._make_engine()
            est.n_epochs_trained_ = int(run.read_metrics().get("epochs", 0))
            est.loss_history_, est.history_, est.burn_in_loss_, est.fit_seconds_ = [], [], None, 0.0
            est.burn_in_epochs_done_ = est.burn_in if est.model_._burn_in_done else 0
            est._burn_in_loss_sum = 0.0
        else:
            raise ConfigError(f"{run.path} has no checkpoint to resume from")
        est.run_dir_ = run.path
        est.checkpoint_every_ = int(config.get("run", {}).get("checkpoint_every", 0))
        est.last_checkpoint_epoch_ = est.n_epochs_trained_
        logger.info("resuming %s at epoch %d of %d", run.path, est.n_epochs_trained_, est.params_.epochs)
        return est._train(start_epoch=est.n_epochs_trained_, final_evaluation=final_evaluation)

    @classmethod
    def _from_config(cls, config: dict[str, Any], **overrides: Any) -> PoincareEmbedding:
        """An unfitted estimator with a run's recorded parameters (``None`` overrides are ignored)."""
        params = dict(config["params"])
        params["init_range"] = tuple(params["init_range"])
        unknown = set(params) - set(PARAMETER)
        if unknown:
            raise ConfigError(f"config.json has unknown parameter(s): {', '.join(sorted(unknown))}")
        params.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**params)

    # the resume state, as plain arrays
    def _resume_state(self) -> dict[str, np.ndarray]:
        state = resume_state(self.model_)
        state["epoch"] = np.array([self.n_epochs_trained_], dtype=np.int64)
        state["loss_history"] = np.asarray(self.loss_history_, dtype=np.float64)
        state["history_json"] = np.array(json.dumps(self.history_))
        state["burn_in_loss"] = np.array([np.nan if self.burn_in_loss_ is None else self.burn_in_loss_])
        state["burn_in_epochs"] = np.array([self.burn_in_epochs_done_], dtype=np.int64)
        state["burn_in_loss_sum"] = np.array([self._burn_in_loss_sum])
        state["fit_seconds"] = np.array([self.fit_seconds_])
        if self.model == "lorentz":  # the hyperboloid coordinates at full precision (the ball's are derived)
            state["lorentz_points"] = np.array(self._fast.points)
        if self.model == "translational":
            state["translation"] = np.array(self._fast.translation)
        fast = getattr(self, "_fast", None)
        if fast is not None and fast.violators_epoch is not None:  # so a resumed run draws what this one would
            state["violators_ptr"] = fast.violators[0]
            state["violators_idx"] = fast.violators[1]
            state["violators_epoch"] = np.array([fast.violators_epoch], dtype=np.int64)
        return state

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        restore_state(self.model_, state)  # the fast engine reads model_.kv.vectors afresh every epoch
        self._expose_vectors()
        self.n_epochs_trained_ = int(state["epoch"][0])
        self.loss_history_ = [float(x) for x in state["loss_history"]]
        self.history_ = json.loads(str(state["history_json"]))
        b = float(state["burn_in_loss"][0])
        self.burn_in_loss_ = None if np.isnan(b) else b
        if "burn_in_epochs" in state:
            self.burn_in_epochs_done_ = int(state["burn_in_epochs"][0])
            self._burn_in_loss_sum = float(state["burn_in_loss_sum"][0])
        else:  # a checkpoint from before burn-in ran epoch by epoch: burn-in is all or nothing there
            self.burn_in_epochs_done_ = self.burn_in if self.model_._burn_in_done else 0
            self._burn_in_loss_sum = 0.0
        self.fit_seconds_ = float(state["fit_seconds"][0])
        if self.model == "lorentz":
            self._fast._hyperboloid[:] = state["lorentz_points"]
        if self.model == "translational":
            self._fast.translation[:] = state["translation"]
        if "violators_epoch" in state and getattr(self, "_fast", None) is not None:
            self._fast.load_violators(state["violators_ptr"], state["violators_idx"],
                                      int(state["violators_epoch"][0]))

    # ------------------------------------------------------------- the model
    @property
    def points_(self) -> np.ndarray:
        """The model's own coordinates: hyperboloid points (``lorentz``, ``dim + 1`` columns), else ``kv_.vectors``."""
        self._check_fitted()
        if self.model == "lorentz":
            if getattr(self, "_fast", None) is None:
                return self._lorentz_points
            return self._fast.points[:-1] if self.params_.virtual_root == "on" else self._fast.points
        return np.asarray(self.kv_.vectors)

    @property
    def translation_(self) -> np.ndarray | None:
        """The translational model's learned global vector ``r`` (``None`` for the other models)."""
        if self.model != "translational":
            return None
        return self._fast.translation if getattr(self, "_fast", None) is not None else self._translation

    def _compile_evaluation(self) -> float:
        """Build (or load numba's cached build of) the ranking kernels that evaluations call, by evaluating the
        first few points: the kernel is chosen by the dimension and the model, not the size; returns the
        seconds."""
        from ..evaluation import evaluate_reconstruction

        started = time.perf_counter()
        (keys, points), by_model = self.evaluation_input()
        few = min(4, len(keys))
        evaluate_reconstruction((keys[:few], np.array(points[:few])), [(keys[i], keys[0]) for i in range(1, few)],
                                **by_model)
        return time.perf_counter() - started

    def evaluation_input(self) -> tuple[Any, dict[str, Any]]:
        """``(embedding, keyword arguments)`` for the evaluators, so they rank by this model's own distance.

        Examples
        --------
        >>> from hypergensim.evaluation import evaluate_reconstruction
        >>> rel = [("a", "r"), ("b", "r"), ("c", "a"), ("c", "r")]
        >>> est = PoincareEmbedding(model="lorentz", engine="fast", objective="nickel2017", dim=2, negative=1,
        ...                         epochs=3, verbose=0).fit(rel)
        >>> embedding, kwargs = est.evaluation_input()
        >>> kwargs, evaluate_reconstruction(embedding, rel, **kwargs).n_pairs
        ({'model': 'lorentz'}, 4)
        """
        keys = list(self.kv_.index_to_key)
        kwargs: dict[str, Any] = {"model": self.model}
        if self.model == "translational":
            kwargs["translation"] = np.array(self.translation_)
        return (keys, np.asarray(self.points_)), kwargs

    def _snapshot(self) -> dict[str, np.ndarray]:
        """A copy of everything that training moves (the model's vectors, Lorentz points, the translation)."""
        state = {"vectors": np.array(self.model_.kv.vectors)}
        if self.model == "lorentz":
            state["lorentz_points"] = np.array(self._fast._hyperboloid)
        if self.model == "translational":
            state["translation"] = np.array(self._fast.translation)
        return state

    def _restore_snapshot(self, state: dict[str, np.ndarray]) -> None:
        """Put a :meth:`_snapshot` back, in place (``kv_`` stays a view of the model's vectors)."""
        self.model_.kv.vectors[:] = state["vectors"]
        if "lorentz_points" in state:
            self._fast._hyperboloid[:] = state["lorentz_points"]
        if "translation" in state:
            self._fast.translation[:] = state["translation"]

    def _check_divergence(self, epoch: int, loss_sum: float) -> None:
        """Raise :class:`NumericalError` when training diverged (called after every epoch, before its loss is
        recorded): a NaN loss, NaN or inf in the vectors, and for the Lorentz model a point off the hyperboloid
        ``−x₀² + ‖x'‖² = −1``.

        A NaN epoch loss is divergence too: Lorentz points far out (radius ~350, ``x₀ ≈ 1e153``) are finite and
        on the hyperboloid, but ``⟨u, w⟩_L²`` between two of them overflows.  An infinite loss alone (a few
        pairs overflow, their non-finite steps dropped) is logged as a warning, once at the start of each run
        of such epochs: the recorded Lorentz run at d=2 has it in its last 4 epochs and still ranks as recorded."""
        if math.isnan(loss_sum):
            self._diverged(epoch, f"the epoch's loss is {loss_sum}")
        if math.isinf(loss_sum) and (not self.loss_history_ or math.isfinite(self.loss_history_[-1])):
            logger.warning("epoch %d: the loss overflowed (some distances are beyond float64); the steps they "
                           "give are dropped (not repeated while the epochs after it overflow too)", epoch)
        if not np.isfinite(self.model_.kv.vectors).all():
            self._diverged(epoch, "NaN or inf in the vectors")
        if self.model == "lorentz":
            x = self._fast.points
            form = -x[:, 0] ** 2 + np.einsum("ij,ij->i", x[:, 1:], x[:, 1:])
            off = ~np.isfinite(x).all(axis=1) | (np.abs(form + 1.0) > 1e-6 * np.maximum(1.0, x[:, 0] ** 2))
            if off.any():
                self._diverged(epoch, f"{int(off.sum())} Lorentz points left the hyperboloid")
        if self.model == "translational" and not np.isfinite(self._fast.translation).all():
            self._diverged(epoch, "NaN or inf in the translation vector")



PoincareEmbedding.__doc__ = PoincareEmbedding.__doc__.replace("{parameters}", numpydoc_parameters())
