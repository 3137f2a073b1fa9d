"""The one table of training parameters: name, type, default, bounds and help of each.

Everything else is derived from :data:`PARAMETERS`:

* the estimator's ``__init__`` signature, its numpydoc ``Parameters`` section and
  its scikit-learn ``_parameter_constraints``
  (:class:`~hypergensim.training.PoincareEmbedding`);
* the error message for a value out of bounds (:meth:`Parameter.requirement`);
* the ``train`` command's flags (:func:`add_cli_flags`, :func:`cli_values`);
* the keys a spec's ``[train]`` and ``[grid]`` tables accept (:func:`spec_types`);
* what a preset may set (:func:`check_names`, used by :mod:`hypergensim.presets`).

Adding a parameter is one row here (plus the code that uses it).  This module
imports nothing heavy, so building the command line stays fast.

Examples
--------
>>> PARAMETER["dim"].default, PARAMETER["dim"].requirement()
(10, 'an integer >= 1')
>>> sorted(spec_types())[:3]
['alpha', 'alpha_final', 'batch_size']
"""

from __future__ import annotations

import argparse
import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError

__all__ = ["Parameter", "PARAMETERS", "PARAMETER", "ENGINES", "MODELS", "OBJECTIVES", "DTYPES", "NEGATIVE_SAMPLING", "defaults", "check_names",
           "unmeasured", "recorded_value", "applies",
           "spec_types", "add_cli_flags", "cli_values", "numpydoc_parameters"]

ENGINES = ("gensim", "fast")
MODELS = ("poincare", "lorentz", "euclidean", "translational")
OBJECTIVES = ("gensim", "nickel2017")
DTYPES = ("float64", "float32")
INITS = ("random", "tree")
NEGATIVE_SAMPLING = ("relation", "batch")
RADIUS_CAPS = ("depth", "off")


#: ``Parameter.before`` when runs recorded before the parameter existed trained with its default.
_AS_DEFAULT: Any = type("AsDefault", (), {"__repr__": lambda self: "AS_DEFAULT"})()


@dataclass(frozen=True)
class Parameter:
    """One training parameter.

    ``kind`` is ``int``, ``float``, ``str``, ``tuple`` (a pair of floats) or
    ``object`` (Python-only values such as callbacks).  Bounds apply to numbers:
    ``low``/``high`` with ``low_open``/``high_open`` saying whether the bound
    itself is excluded.  ``flag`` is the ``train`` option (``None``: no flag);
    ``in_specs`` says whether specs and presets may set it.  ``measured`` is the
    range of values whose results we have measured: a value outside it is
    allowed, with a warning (:func:`unmeasured`).  ``auto`` marks a default
    ``None`` that means "chosen by the schedule" (:mod:`hypergensim.training.schedule`).
    ``models`` names the models a parameter applies to (``None``: every
    model); the others must leave it at its default, and ``misfit`` says why
    when they do not (:meth:`misfit_error`).  ``before`` is what a run
    recorded before the parameter existed trained with, where that is not the
    default (:func:`recorded_value`).

    Examples
    --------
    >>> dim = PARAMETER["dim"]
    >>> dim.name, dim.kind.__name__, dim.default, dim.low
    ('dim', 'int', 10, 1)
    >>> dim.check(0)
    Traceback (most recent call last):
        ...
    hypergensim.errors.ConfigError: dim must be an integer >= 1, got 0
    """

    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] | None = None
    allow_none: bool = False
    flag: str | None = ""
    in_specs: bool = True
    doc_type: str = ""
    measured: tuple[float, float] | None = None
    auto: bool = False
    models: tuple[str, ...] | None = None
    misfit: str = ""
    before: Any = _AS_DEFAULT

    @property
    def option(self) -> str | None:
        """The command-line option, e.g. ``--burn-in-alpha`` (``None`` when the parameter has no flag)."""
        if self.flag is None:
            return None
        return "--" + (self.flag or self.name.replace("_", "-"))

    @property
    def known_before(self) -> bool:
        """Whether :attr:`before` says what a run recorded before the parameter existed trained with (else it had
        the default, which for an ``auto`` parameter the schedule chose then, unrecorded).

        Examples
        --------
        >>> PARAMETER["hard_negatives"].known_before, PARAMETER["alpha_final"].known_before
        (True, False)
        """
        return self.before is not _AS_DEFAULT

    def misfit_error(self, model: str, value: Any) -> str:
        """The error when ``model``, outside :attr:`models`, sets this parameter to ``value``: :attr:`misfit`
        with ``{model}`` and ``{value}`` filled in, else a plain one.

        Examples
        --------
        >>> PARAMETER["translation_rate"].misfit_error("euclidean", 0.1)
        "translation_rate is for model translational only; model='euclidean' has no use for it"
        >>> PARAMETER["init"].misfit_error("euclidean", "tree")
        "init='tree' lays the nodes out in hyperbolic space; model='euclidean' starts from init='random'"
        """
        if self.misfit:
            return self.misfit.format(model=repr(model), value=repr(value))
        return f"{self.name} is for model {' or '.join(self.models or ())} only; model={model!r} has no use for it"

    def requirement(self) -> str:
        """What a valid value is, in words (the error message's middle)."""
        if self.choices:
            text = "one of " + ", ".join(self.choices)
        elif self.kind is tuple:
            text = "(low, high) with -1 < low < high < 1"
        elif self.kind in (int, float):
            noun = "an integer" if self.kind is int else "a finite number"
            if self.low is not None and self.high is not None:
                text = (f"{'a number' if self.kind is float else noun} in "
                        f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}")
            elif self.low is not None:
                text = f"{noun} {'>' if self.low_open else '>='} {self.low:g}"
            else:
                text = noun
        else:
            text = self.doc_type or self.kind.__name__
        if self.auto:
            return text + " (or None: chosen by the schedule)"
        return ("None or " + text) if self.allow_none else text

    def check(self, value: Any) -> None:
        """Raise :class:`ConfigError` naming the parameter when ``value`` is not valid on its own."""
        if value is None and self.allow_none:
            return
        if not self._valid(value):
            raise ConfigError(f"{self.name} must be {self.requirement()}, got {value!r}")

    def _valid(self, value: Any) -> bool:
        if self.choices:
            return isinstance(value, str) and value in self.choices
        if self.kind is tuple:
            pair = tuple(value) if isinstance(value, (tuple, list)) else ()
            return (len(pair) == 2 and all(_is_real(x) for x in pair)
                    and -1 < pair[0] < pair[1] < 1)
        if self.kind is int:
            if not _is_int(value):
                return False
        elif self.kind is float:
            if not (_is_real(value) and math.isfinite(value)):
                return False
        else:
            return True
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        return not (self.high is not None and (value > self.high or (self.high_open and value == self.high)))

    def sklearn_constraint(self) -> list[Any] | str:
        """The scikit-learn ``_parameter_constraints`` entry (imports scikit-learn)."""
        if self.kind is object:
            return "no_validation"  # checked by the estimator (e.g. callbacks must be Callback instances)
        from numbers import Integral, Real

        from sklearn.utils._param_validation import Interval, StrOptions

        out: list[Any] = [None] if self.allow_none else []
        if self.choices:
            out.append(StrOptions(set(self.choices)))
        elif self.kind in (int, float):
            # an absent bound is open (scikit-learn's rule); a present one is closed unless marked open
            low_open = self.low_open or self.low is None
            high_open = self.high_open or self.high is None
            closed = {(False, False): "both", (True, False): "right", (False, True): "left",
                      (True, True): "neither"}[(low_open, high_open)]
            out.append(Interval(Integral if self.kind is int else Real, self.low, self.high, closed=closed))
        else:  # the (low, high) pair
            out += [tuple, list]
        return out


def _is_int(x: Any) -> bool:
    import numbers

    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_real(x: Any) -> bool:
    import numbers

    return isinstance(x, numbers.Real) and not isinstance(x, bool)


#: Every parameter of :class:`~hypergensim.training.PoincareEmbedding`, in signature order.
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("dim", int, 10, "Dimension of the embedding (the Lorentz model adds one coordinate).", low=1,
              measured=(2, 200)),
    Parameter("negative", int, None, "Negatives per positive relation.  None: 10, fewer when a node of a tiny "
              "hierarchy has fewer candidates.", low=1, allow_none=True, doc_type="int or None", measured=(1, 100), auto=True),
    Parameter("alpha", float, None, "Learning rate after burn-in.  None: 0.5 with the radius warm-up (1.0 in the "
              "Poincaré ball for a hierarchy with 10 or more ancestors per node on average), else 0.1.",
              low=0, low_open=True, allow_none=True, doc_type="float or None", measured=(0.001, 1.0), auto=True),
    Parameter("alpha_final", float, None,
              "Learning rate at the last epoch: after the radius warm-up (or from the first epoch without one) the "
              "rate falls linearly from ``alpha`` to this.  None keeps ``alpha`` constant (under the automatic "
              "schedule, with neither set: a tenth of ``alpha``).",
              low=0, low_open=True, allow_none=True, doc_type="float or None"),
    Parameter("burn_in", int, 10, "Burn-in epochs (run once, before ``epochs``; 0 disables).", low=0),
    Parameter("burn_in_alpha", float, 0.01, "Learning rate during burn-in.", low=0, low_open=True,
              measured=(1e-4, 0.1)),
    Parameter("epochs", int, None, "Training epochs after burn-in.  None: as many as fit in ``time_budget`` "
              "(the first epoch is timed; the epochs after the warm-up are re-fitted to the time left once the "
              "first three of them are), at most 24,000 positive updates per node and 3,000 epochs, with a stop on "
              "a sampled-MAP plateau after the warm-up.",
              low=1, allow_none=True, doc_type="int or None", auto=True),
    Parameter("batch_size", int, 10, "Relations per batch.", low=1),
    Parameter("negative_sampling", str, "relation", "``relation``: every relation draws its own ``negative`` "
              "negatives from all nodes (the paper).  ``batch``: each batch draws a pool of ``3·negative`` nodes "
              "and its relations draw their negatives from the pool (a relation's own positives replaced by draws "
              "of its own), so a batch reads ``2·batch_size + 3·negative`` rows instead of "
              "``batch_size·(2 + negative)``: faster at large ``dim`` (``make bench``), at some cost in quality "
              "(README); fast engine and objective 'nickel2017' only.",
              choices=NEGATIVE_SAMPLING),
    Parameter("hard_negatives", int, None, "Of each relation's negatives, how many are drawn among the violators "
              "of its ``u``: negatives that the embedding puts closer to ``u`` than its farthest ancestor, mined by "
              "one pass over all nodes when hard negatives start and every few dozen epochs after, and used for "
              "``u → v`` when they are also closer to ``u`` than ``v``.  Uniform draws almost never pick them once "
              "an embedding is good, so the loss is near zero while they still cost rank and MAP.  Drawn in the "
              "epochs after the radius warm-up (every epoch without one), never in burn-in; the rest stay uniform.  "
              "None: 1 for the hyperbolic models under the automatic schedule (2 under ``radius_cap='depth'``), else 0.  Fast engine, objective "
              "'nickel2017' and negative_sampling 'relation' only.", low=0, allow_none=True,
              doc_type="int or None", measured=(0, 3), auto=True, before=0),
    Parameter("regularization_coeff", float, None,
              "gensim's l2 regularization of the positive vectors (0 disables; objective 'gensim' only).  None: "
              "gensim's 1.0 with objective 'gensim', else 0.", low=0, allow_none=True, doc_type="float or None",
              flag="regularization", auto=True),
    Parameter("epsilon", float, 1e-5, "Margin from the boundary kept by the projection (norms up to 1 − ε).",
              low=0, high=0.5, low_open=True, high_open=True, models=("poincare",),
              misfit="epsilon (the margin from the ball's boundary) means nothing for model={model}"),
    Parameter("max_norm", float, 1.0, "Euclidean and translational models: every row is renormalised to at "
              "most this norm after each step, as facebookresearch's EuclideanManifold does (1 in the code of the "
              "2017 paper, whose Euclidean rows it reproduces).  None: unbounded, as in their current code "
              "(``max_norm=None``), with which a Euclidean baseline reconstructs far better than the paper's "
              "table (their issues #35 and #72; preset ``euclidean-unbounded``).", low=0, low_open=True,
              allow_none=True, doc_type="float or None", models=("euclidean", "translational"),
              misfit="max_norm bounds the rows of the Euclidean models (euclidean, translational); model={model} "
                     "keeps its points in the ball or on the hyperboloid"),
    Parameter("translation_rate", float, 0.01,
              "Translational model: the global ``r`` steps by this fraction of the learning rate times its "
              "gradient summed over the batch.  Every relation moves ``r``, so at the rows' own rate (1) it jitters "
              "from batch to batch and the rows never settle around it: WordNet nouns, d = 10, 500 epochs, MR 443 "
              "/ MAP 0.455 at 1 against 311 / 0.587 at 0.01 (the paper: 179.4 / 0.503); d = 50, 50 epochs: 530 / "
              "0.429 at 1, 313 / 0.588 at 0.1 (the batch's mean), 303 / 0.619 at 0.01, 302 / 0.615 at 0.001.  "
              "Unbounded rows (``max_norm=None``) keep up with a fast ``r``: d = 50, 40 epochs, 9.65 / 0.750 at 1 "
              "against 17.9 / 0.756 at 0.01, so preset ``translational-unbounded`` keeps 1.  Runs recorded before "
              "this parameter existed trained at 1.", low=0, high=1, low_open=True,
              models=("translational",), before=1.0, measured=(0.001, 1.0)),
    Parameter("max_radius", float, None,
              "Lorentz model: every point is kept within this hyperbolic distance of the origin (during a radius "
              "warm-up too, where the warm-up's bound is larger), as facebookresearch's ``LorentzManifold`` keeps "
              "the spatial norm within 1e6 (radius 14.5).  Unbounded, a two-dimensional run pushes nodes so far "
              "out that the Minkowski product of two close points, whose terms grow as ``e^(2r)``, keeps none of "
              "float64's 16 digits (from r ≈ 18) and the loss overflows (WordNet nouns, d = 2: inf from epoch "
              "497).  None: no bound after the warm-up.", low=0, low_open=True, allow_none=True,
              doc_type="float or None", models=("lorentz",),
              misfit="max_radius bounds the Lorentz model's points; model={model} is bounded by epsilon (poincare) "
                     "or max_norm (euclidean, translational)"),
    Parameter("radius_start", float, None,
              "Radius warm-up (``objective='nickel2017'`` only): every vector is kept within this hyperbolic "
              "distance of the origin during burn-in and the first epoch, and the bound grows linearly to the "
              "``epsilon`` boundary (radius ``ln((2−ε)/ε)``, 12.2 for 1e-5) over ``radius_warmup`` epochs.  Nodes "
              "then settle their directions while moving is still cheap, instead of being pushed out to where an "
              "angular move costs ``sinh(r)`` times more; on WordNet nouns this is what takes the mean rank from "
              "~30 to 2.8 (preset ``nickel2017-warmup``).  None: 2.0 for the hyperbolic models unless "
              "``radius_warmup=0``, which turns the warm-up off.",
              low=0, low_open=True, allow_none=True, doc_type="float or None", auto=True,
              models=("poincare", "lorentz"),
              misfit="radius_start (the radius warm-up) is for the hyperbolic models (poincare, lorentz); "
                     "model={model} has no such bound"),
    Parameter("radius_warmup", int, None, "Epochs over which the warm-up bound grows from ``radius_start`` to the "
              "boundary; 0: no warm-up.  None: 80% of the epochs (hyperbolic models), else 0.", low=0,
              allow_none=True, doc_type="int or None", auto=True),
    Parameter("radius_end", float, None,
              "Lorentz model: the radius the warm-up's bound opens to over ``radius_warmup`` epochs, instead of "
              "the ``epsilon`` boundary's 12.2 (the bound after the warm-up is ``max_radius``).  In the plane the "
              "nodes need the room before the warm-up ends: WordNet nouns, d = 2, 50 negatives, "
              "``max_radius`` 25: 23.7 gives MR 20.1 / MAP 0.442 against 24.1 / 0.323 (the paper: 22.8 / "
              "0.305).  None: the ``epsilon`` boundary's radius.", low=0, low_open=True, allow_none=True,
              doc_type="float or None", models=("lorentz",),
              misfit="radius_end opens the Lorentz model's warm-up beyond the epsilon boundary; model={model}'s "
                     "warm-up opens to its own bound (poincare: set epsilon)"),
    Parameter("radius_cap", str, None, "``depth``: besides the warm-up's bound, every node is kept within a "
              "hyperbolic radius that grows with its depth (the longest path from it to a root): "
              "``R·(depth + 1)/(D + 1) + 3``, ``R`` the ``epsilon`` boundary's radius and ``D`` the largest depth "
              "(:func:`~hypergensim.manifold.depth_radius_bounds`), so the shallow nodes of a very deep hierarchy "
              "stay clear of the boundary and their own subtrees do not crowd them closer than the root.  "
              "``off``: the warm-up's bound alone.  None: depth for the Poincaré ball under the automatic schedule "
              "when the nodes have 18 or more ancestors on average (a 100k-node deep tree in the same 540 s: MR "
              "3.11 → 2.57, MAP 0.915 → 0.945; WordNet nouns, 9 on average, loses with it), else off.  Fast engine, objective "
              "'nickel2017' and model 'poincare' only.", choices=RADIUS_CAPS, allow_none=True, auto=True),
    Parameter("init_range", tuple, (-0.001, 0.001), "Uniform initialisation range ``(low, high)``.",
              doc_type="tuple of float"),
    Parameter("init", str, "random", "``random``: uniform in ``init_range``.  ``tree``: the nodes laid out along a "
              "spanning tree of the relations, the deepest at ``init_radius`` (Sarkar's construction, "
              ":mod:`hypergensim.training.initialization`); hyperbolic models only.", choices=INITS,
              models=("poincare", "lorentz"),
              misfit="init={value} lays the nodes out in hyperbolic space; model={model} starts from init='random'"),
    Parameter("init_radius", float, None, "``init='tree'`` only: the hyperbolic distance from the origin of the "
              "deepest node of the tree start (every edge is this over the tree's depth).  It may not exceed "
              "``radius_start`` when a radius warm-up runs, which would pull the start in.  None: "
              "``radius_start`` when a warm-up runs, else 2.0.", low=0, low_open=True, allow_none=True,
              doc_type="float or None"),
    Parameter("dtype", str, "float64", "Vector dtype.", choices=DTYPES),
    Parameter("random_state", int, 0, "Seed of initialisation, shuffling and negative sampling.", flag="seed"),
    Parameter("engine", str, None, "``gensim``: gensim's own training loop.  ``fast``: the compiled multi-core "
              "kernel of :mod:`hypergensim.training.fast`, training the same gensim model.  None: fast.",
              choices=ENGINES, allow_none=True, auto=True),
    Parameter("objective", str, None, "``gensim``: gensim's loss, regularization, sampling and clipping (the "
              "only one the gensim engine can run).  ``nickel2017``: the paper's objective (fast engine only).  "
              "None: gensim with engine 'gensim', else nickel2017.", choices=OBJECTIVES, allow_none=True, auto=True),
    Parameter("workers", int, None, "Threads; gensim trains on one thread only, the fast engine on many.  None: "
              "every usable core (fast), 1 (gensim).", low=1, allow_none=True, doc_type="int or None", auto=True),
    Parameter("callbacks", object, (), "Called after every epoch, in order.", flag=None, in_specs=False,
              doc_type="sequence of Callback"),
    Parameter("verbose", int, 1, "0 silent, 1 progress bar (or log lines when not on a terminal).", low=0,
              flag=None, in_specs=False),
    Parameter("model", str, "poincare", "``poincare``: the Poincaré ball (gensim's model).  ``lorentz``: the "
              "hyperboloid of Nickel & Kiela (2018), d = arcosh(−⟨u, v⟩_L), trained by Riemannian SGD with the "
              "exponential map; its vectors are exported mapped to the ball.  ``euclidean``: d = ‖u − v‖² and "
              "``translational``: d = ‖u − v + r‖² with one learned r, the baselines of Nickel & Kiela (2017), "
              "rows kept within norm 1.  Every model but poincare needs engine='fast' and objective='nickel2017'.",
              choices=MODELS),
    Parameter("virtual_root", str, None, "``on``: train with one extra node, ``VIRTUAL_ROOT``, above every node, "
              "so a forest's roots spread out from a common centre instead of crowding the origin; it is left out of "
              "the vectors, the evaluation and the exports.  ``off``: train on the relations as given.  None: on "
              "for the hyperbolic models when the relations have more than one root.", choices=("on", "off"),
              allow_none=True, auto=True),
    Parameter("time_budget", float, None, "Seconds of training (burn-in included): training stops before an "
              "epoch that would end past it.  None: 540 when ``epochs`` is None (the schedule fits the epochs to "
              "it; with loading and the final evaluation a 100,000-node hierarchy is done in ten minutes on two "
              "cores), else no limit.", low=0, low_open=True, allow_none=True, doc_type="float or None", auto=True),
)

#: The same parameters by name.
PARAMETER: dict[str, Parameter] = {p.name: p for p in PARAMETERS}


def unmeasured(values: dict[str, Any]) -> list[str]:
    """One sentence per value outside the range whose results we have measured (allowed, but a warning)."""
    out = []
    for p in PARAMETERS:
        value = values.get(p.name)
        if p.measured is not None and _is_real(value) and not p.measured[0] <= value <= p.measured[1]:
            out.append(f"{p.name}={value!r} is outside every value we have measured ({p.measured[0]:g} to "
                       f"{p.measured[1]:g}); expect poor embeddings")
    return out


def recorded_value(name: str, recorded: dict[str, Any]) -> Any:
    """The value of parameter ``name`` a run trained with, from the parameters it recorded (``config.json``): a
    run that does not record it was made before the parameter existed, and had ``before`` (else the default).

    Examples
    --------
    >>> recorded_value("translation_rate", {}), recorded_value("translation_rate", {"translation_rate": 0.1})
    (1.0, 0.1)
    >>> recorded_value("epsilon", {})
    1e-05
    """
    if name in recorded:
        return recorded[name]
    p = PARAMETER[name]
    return p.before if p.known_before else p.default


def applies(name: str, model: str) -> bool:
    """Whether parameter ``name`` means anything for ``model`` (the others leave it at its default).

    Examples
    --------
    >>> applies("translation_rate", "translational"), applies("translation_rate", "poincare"), applies("dim", "lorentz")
    (True, False, True)
    """
    models = PARAMETER[name].models
    return models is None or model in models


def defaults() -> dict[str, Any]:
    """Every parameter's default, by name."""
    return {p.name: p.default for p in PARAMETERS}


def check_names(names: Iterable[str], *, where: str, specs_only: bool = True) -> None:
    """Raise :class:`ConfigError` for any name that is not a (spec-settable) parameter."""
    allowed = {p.name for p in PARAMETERS if p.in_specs or not specs_only}
    unknown = sorted(set(names) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown parameter(s) {', '.join(unknown)}")


def spec_types() -> dict[str, type]:
    """The type a spec (TOML) value of each settable parameter must have (a pair is a TOML array)."""
    return {p.name: (list if p.kind is tuple else p.kind) for p in PARAMETERS if p.in_specs}


def add_cli_flags(parser: argparse.ArgumentParser) -> None:
    """Add one option per parameter that has a flag (values default to ``None``: not given)."""
    for p in PARAMETERS:
        if p.option is None:
            continue
        default = "auto" if p.auto else "none" if p.default is None else " ".join(map(str, p.default)) if p.kind is tuple else p.default
        kw: dict[str, Any] = {"dest": p.name, "default": None, "help": f"{_first_sentence(p.help)} (default: {default})",
                              "metavar": p.option[2:].upper().replace("-", "_")}
        if p.choices:
            kw.update(choices=list(p.choices), metavar="{" + ",".join(p.choices) + "}")
        elif p.kind is tuple:
            kw.update(nargs=2, type=float, metavar=("LOW", "HIGH"))
        elif p.allow_none and not p.auto and p.default is not None:  # None is a value here, not "not given"
            kw.update(type=_none_or(p.kind), metavar=kw["metavar"] + "|none")
        else:
            kw["type"] = p.kind
        parser.add_argument(p.option, **kw)


#: What an option of :func:`_none_or` returns for ``none``: set, and to None (an option left out is None).
_GIVEN_NONE = "none"


def _none_or(kind: type) -> Any:
    """An argparse type that reads ``none`` as :data:`_GIVEN_NONE` and anything else as ``kind``."""
    def convert(text: str) -> Any:
        return _GIVEN_NONE if text.strip().lower() == _GIVEN_NONE else kind(text)

    convert.__name__ = kind.__name__  # argparse names the type in its "invalid float value" message
    return convert


def cli_values(args: argparse.Namespace) -> dict[str, Any]:
    """The parameters given on the command line (flags left out are not included)."""
    out = {}
    for p in PARAMETERS:
        value = getattr(args, p.name, None) if p.option else None
        if value is not None:
            out[p.name] = None if value is _GIVEN_NONE else tuple(value) if p.kind is tuple else value
    return out


def numpydoc_parameters(indent: str = "    ") -> str:
    """The ``Parameters`` section of a numpydoc docstring, from the table."""
    lines = ["Parameters", "----------"]
    for p in PARAMETERS:
        kind = p.doc_type or ("{" + ", ".join(f'"{c}"' for c in p.choices) + "}" if p.choices else p.kind.__name__)
        lines.append(f"{p.name} : {kind}, default={p.default!r}")
        lines += textwrap.wrap(p.help, width=100, initial_indent="    ", subsequent_indent="    ")
    return "\n".join(indent + line if line else line for line in lines)


def _first_sentence(text: str) -> str:
    return text.split(".  ")[0].rstrip(".").replace("``", "")
