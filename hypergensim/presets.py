"""Named training configurations: each preset is the parameters it changes from gensim's defaults.

A preset fixes every parameter the automatic schedule would otherwise choose
(:mod:`hypergensim.training.schedule`): what it does not set itself keeps
gensim's ``PoincareModel`` default (:data:`GENSIM_DEFAULTS`), the values these
presets were measured with.

Use ``PoincareEmbedding.from_preset(name, **overrides)``,
``pipeline.run(..., preset=name)`` or ``--preset NAME`` on the command line;
any parameter can be overridden.  :func:`resolve` is the one place where the
defaults of :mod:`hypergensim.params`, a preset and overrides are combined.  Each preset records what
gensim cannot follow and what it measured on the WordNet mammals closure
(``python -m hypergensim.experiments.measure_presets`` writes
``evaluation/results/presets-mammals.json``).

What gensim's ``PoincareModel`` cannot match of the paper (Nickel & Kiela 2017)
and of facebookresearch's code:

* negatives are drawn by node count (gensim's unigram table), not uniformly
  (paper) or by ``count^0.75`` during burn-in (facebookresearch);
* gensim redraws a whole negative set whenever it hits a positive or a
  duplicate, and it may draw the query node itself as a negative (its distance
  gradient is then zeroed);
* burn-in uses gensim's ``burn_in_alpha`` as given (facebookresearch: lr × 0.1);
* projection: gensim rescales to ``1 − ε`` then subtracts ``ε·sign(x)`` per
  coordinate; the paper projects to ``θ/‖θ‖ − ε``;
* the loss gensim reports omits its regularization term (the gradient includes it);
* one thread only (``workers > 1`` raises in gensim).

That is why ``nickel2017`` and ``facebook-mammals`` run on the ``fast`` engine
(:mod:`hypergensim.training.fast`), which trains the same gensim model with the
paper's objective; ``nickel2017-gensim`` keeps the same settings in gensim's loop.
"""

from __future__ import annotations

from typing import Any

from .errors import ConfigError
from .params import check_names, defaults

__all__ = ["GENSIM_DEFAULTS", "PRESETS", "PRESET_NOTES", "preset_params", "resolve"]

#: gensim's ``PoincareModel`` defaults for the parameters the automatic schedule chooses (one thread, gensim's
#: loop and objective, lr 0.1, l2 1.0, 50 epochs, no warm-up, no virtual root, no time limit): what a preset does
#: not set.
GENSIM_DEFAULTS: dict[str, Any] = {"engine": "gensim", "objective": "gensim", "alpha": 0.1, "negative": 10,
                                   "epochs": 50, "regularization_coeff": 1.0, "radius_warmup": 0, "workers": 1,
                                   "virtual_root": "off", "hard_negatives": 0, "radius_cap": "off"}

#: What each preset sets over :data:`GENSIM_DEFAULTS`; every other parameter keeps its default from
#: :data:`hypergensim.params.PARAMETERS`.
#: Ganea et al.'s F1 task (their 100 epochs: burn-in 20, then 80); its three presets differ from it in one or two keys.
_GANEA2018: dict[str, Any] = {
    "engine": "fast", "objective": "nickel2017", "dim": 5, "alpha": 0.01, "burn_in": 20, "burn_in_alpha": 0.001,
    "epochs": 80, "regularization_coeff": 0.0, "workers": 2,
}
#: The 2017 paper's Euclidean baseline; the translational one differs in its model alone. The rate falls to 0.001
#: and one negative in ten is a violator (evaluation/results/nickel2017-table1/baselines-schedule.md).
_NICKEL2017_EUCLIDEAN: dict[str, Any] = {
    "model": "euclidean", "engine": "fast", "objective": "nickel2017", "alpha": 0.1, "alpha_final": 0.001,
    "hard_negatives": 1, "epochs": 500, "regularization_coeff": 0.0, "workers": 2,
}

_PRESETS: dict[str, dict[str, Any]] = {
    "gensim-default": {},
    "nickel2017": {"engine": "fast", "objective": "nickel2017", "dim": 5, "regularization_coeff": 0.0,
                   "epochs": 300},
    "nickel2017-gensim": {"dim": 5, "regularization_coeff": 0.0, "epochs": 300},
    "nickel2017-nouns": {
        "engine": "fast", "objective": "nickel2017", "alpha": 0.02, "negative": 50, "burn_in": 20,
        "burn_in_alpha": 0.0002, "epochs": 1500, "regularization_coeff": 0.0, "init_range": (-0.0001, 0.0001),
        "workers": 2,
    },
    "nickel2017-warmup": {
        "engine": "fast", "objective": "nickel2017", "alpha": 0.5, "radius_start": 2.0, "radius_warmup": 400,
        "epochs": 500, "regularization_coeff": 0.0, "workers": 2,
    },
    "nickel2018-lorentz": {
        "model": "lorentz", "engine": "fast", "objective": "nickel2017", "alpha": 0.5, "radius_start": 2.0,
        "radius_warmup": 400, "epochs": 500, "regularization_coeff": 0.0, "workers": 2, "hard_negatives": 1,
        "alpha_final": 0.05, "max_radius": 25.0,
    },
    "nickel2017-euclidean": _NICKEL2017_EUCLIDEAN,
    "euclidean-unbounded": {  # facebookresearch's current code: no bound on the rows (their issue #35)
        "model": "euclidean", "engine": "fast", "objective": "nickel2017", "alpha": 0.1, "epochs": 200,
        "regularization_coeff": 0.0, "workers": 2, "max_norm": None,
    },
    "nickel2017-translational": {**_NICKEL2017_EUCLIDEAN, "model": "translational"},
    "translational-unbounded": {  # the translational baseline as euclidean-unbounded trains the Euclidean one
        "model": "translational", "engine": "fast", "objective": "nickel2017", "alpha": 0.1, "epochs": 200,
        "regularization_coeff": 0.0, "workers": 2, "max_norm": None, "translation_rate": 1.0,
    },
    "ganea2018": _GANEA2018,
    "ganea2018-tree": {**_GANEA2018, "alpha": 0.03, "init": "tree", "init_radius": 1.0},  # same budget, a tree start
    "ganea2018-euclidean": {**_GANEA2018, "model": "euclidean"},
    "facebook-mammals": {
        "engine": "fast", "objective": "nickel2017", "dim": 5, "alpha": 0.03, "negative": 50, "burn_in": 20,
        "burn_in_alpha": 0.003, "epochs": 300, "regularization_coeff": 0.0,
    },
}

#: Every preset with :data:`GENSIM_DEFAULTS` filled in, so none is left to the automatic schedule.
PRESETS: dict[str, dict[str, Any]] = {name: {**GENSIM_DEFAULTS, **own} for name, own in _PRESETS.items()}

PRESET_NOTES: dict[str, str] = {
    "gensim-default": "gensim's PoincareModel defaults: l2 regularization 1.0, lr 0.1, burn-in 10 epochs at 0.01. "
                      "Measured on mammals, d=10, 200 epochs, seed 0: MR 1.944 / MAP 0.850 in 91 s.",
    "nickel2017": "The paper's objective on the fast engine: softmax over uniform negatives that are not "
                  "positives, no regularization, init U(±0.001), 10 negatives, burn-in 10 epochs at lr/10 "
                  "(negatives by count^0.75), projection to 1-1e-5. Measured on mammals d=5, 300 epochs, seed 0: "
                  "MR 1.231 / MAP 0.958 in 2.5 s (1 worker; seeds 0-2: 1.224 ± 0.011 / 0.957 ± 0.002); "
                  "the paper: 1.26 / 0.927.",
    "nickel2017-gensim": "The same settings in gensim's own loop, as closely as gensim allows: gensim draws "
                         "negatives by count, keeps its clipping, and may draw u as its own negative. Measured on "
                         "mammals, d=5, 300 epochs, seed 0: MR 1.486 / MAP 0.905 in 136 s.",
    "nickel2017-nouns": "facebookresearch train-nouns.sh (Poincaré): dim 10, 50 negatives, burn-in 20 epochs at "
                        "lr x 0.01, 1500 epochs; their lr 1.0 applies to the mean over batches of 50, so the "
                        "per-relation step is 0.02. Faster schedules plateau: lr 1.0 at MR 172, lr 0.5 (decaying) "
                        "at MR 39, lr 0.1 at MR 34 (nouns, 10 negatives, 100-140 epochs): large early steps push "
                        "leaves to the boundary, where the Riemannian step (1-|x|^2)^2/4 freezes them. "
                        "Measured, 2 workers, 54 min: MR 14.55 / MAP 0.624 after 391 epochs, still improving "
                        "(paper 4.02 / 0.851; evaluation/results/nouns-d10/facebook-recipe/). Use "
                        "nickel2017-warmup to reach the paper's numbers in minutes.",
    "nickel2017-warmup": "The paper's objective (as nickel2017) at d=10 with a radius warm-up: every vector is kept "
                         "within hyperbolic radius 2 of the origin, and the bound opens linearly to the 1e-5 "
                         "boundary over 400 of 500 epochs, at lr 0.5, so nodes settle their directions before they "
                         "move out. Measured on WordNet nouns, 2 workers, seed 0: MR 2.84 / MAP 0.898 (full "
                         "evaluation; paper 4.02 / 0.851) in 8.8 minutes, peak memory 740 MB; without the warm-up "
                         "every schedule tried stalls near MR 30. evaluation/results/nouns-d10/ holds the curve. "
                         "At d=2 the plane needs more room: --epsilon 1e-10 (radius 23.7) gives MR 42.1 / MAP "
                         "0.313 (the 2018 table, seeds 0-2) against 114.5 / 0.072 (the 2018 paper: 90.7 / "
                         "0.118); at d=5 and 10 "
                         "it is worse. evaluation/results/nickel2018-lorentz/d2.md.",
    "nickel2018-lorentz": "The Lorentz model (Nickel & Kiela 2018) on the fast engine with the paper's softmax and the "
                          "schedule of nickel2017-warmup: d=10, lr 0.5, 10 negatives, burn-in 10 epochs at 0.01, "
                          "every point within hyperbolic radius 2 at first, the bound opened over 400 of 500 "
                          "epochs, then every point within radius 25 (max_radius: unbounded, nouns at d=2 overflowed "
                          "the loss; of 12.2-30, 25 ranked best there); after the warm-up the rate falls to 0.05 "
                          "and one of each "
                          "relation's negatives is a violator (hard_negatives=1: a node the vectors put closer to "
                          "u than v); 2 workers. Measured on WordNet nouns: MR 2.31 / MAP 0.979 (seeds 0-2; full "
                          "evaluation; the paper's Lorentz: 2.95 / 0.928) in 5 minutes, 0.81 GB; mammals "
                          "d=5, ten seeds: MR 1.126 / MAP 0.986. At d=5, nouns, 3.25 / 0.963 (seeds 0-2; the "
                          "paper: 3.18 / 0.923, so short in MR); --negative 20 gives 2.86 / 0.974. "
                          "At d=2 --radius-end 23.7 --negative 50 --hard-negatives 0 gives 20.3 / 0.446 (seeds "
                          "0-2; the paper: 22.8 / 0.305; the preset alone 78.4 / 0.602). With uniform negatives "
                          "only 2.51 / 0.912 at d=10, and "
                          "without the warm-up lr 0.5 stalls at MR 33.0 / MAP 0.747. "
                          "evaluation/results/models/report.md.",
    "nickel2017-euclidean": "The Euclidean baseline of Nickel & Kiela (2017), d = |u - v|^2, rows kept within norm 1 "
                            "(facebookresearch's EuclideanManifold), with the negatives and epochs of "
                            "nickel2017-warmup (10, 500) so the comparison is fair; lr 0.1 falling linearly to "
                            "0.001 (alpha_final), and one of each relation's 10 negatives a violator (hard_negatives"
                            "=1). WordNet nouns, d=10, seed 0, 2 workers: MR 1793 / MAP 0.066 (the paper: 2286.9 / "
                            "0.059); with a constant lr and uniform negatives 2606 / 0.022. "
                            "evaluation/results/nickel2017-table1/baselines-schedule.md.",
    "euclidean-unbounded": "The Euclidean baseline trained as facebookresearch's current code trains it: rows not "
                           "bounded (max_norm=None; their issues #35 and #72 found it as good as the Poincaré "
                           "ball at d=200), lr 0.1, 10 negatives, 200 epochs. Measured on WordNet nouns, seed 0, "
                           "2 workers: d=200 MR 1.99 / MAP 0.887 in 452 s of training (lr 0.02: 4.37 / 0.803; "
                           "the paper's Euclidean row: 1157.3 / 0.168); d=50 10.7 / 0.540; d=10 2922 / 0.015 (lr 0.02: "
                           "1593 / 0.037): it needs the dimensions. With 50 negatives (--negative 50, as their "
                           "train-nouns.sh) d=200 reaches 1.36 / 0.936 in 2043 s (their issue #35: 1.69 / 0.90). "
                           "evaluation/results/euclidean-unbounded/.",
    "nickel2017-translational": "The translational baseline of Nickel & Kiela (2017), d = |u - v + r|^2 with one "
                                "learned r (starting at 0) stepping at 0.01 of the rows' rate (translation_rate), "
                                "otherwise as nickel2017-euclidean (the rate falling to 0.001, one violator among "
                                "the negatives). WordNet nouns, d=10, seed 0, 2 workers: MR 47.5 / MAP 0.847 (the "
                                "paper: 179.4 / 0.503); with a constant lr and uniform negatives 310.9 / 0.586, and "
                                "with r at the rows' rate too 443.0 / 0.455. "
                                "evaluation/results/nickel2017-table1/baselines-schedule.md.",
    "translational-unbounded": "nickel2017-translational without the bound on the rows (max_norm=None), at a "
                               "constant rate with uniform negatives and 200 epochs as euclidean-unbounded, and r "
                               "at the rows' rate (translation_rate 1: "
                               "unbounded rows keep up with it; d=50, 40 epochs: 9.65 / 0.750, at 0.01 17.9 / "
                               "0.756). Measured on WordNet nouns, seed 0, 2 workers: d=10 "
                               "MR 12.96 / MAP 0.683, d=50 1.92 / 0.925, d=200 1.53 / 0.949 (545 s of training); "
                               "bounded (nickel2017-translational, 500 epochs, the rate falling and violators): "
                               "d=10 47.5 / 0.847 (before them 310.9 / 0.586, 274.5 / 0.587, 272.8 / 0.593); "
                               "the paper's "
                               "translational row: 179.4 / 0.503, 92.8 / 0.566, 91.0 / 0.565. "
                               "evaluation/results/euclidean-unbounded/.",
    "ganea2018": "Edge classification on a partial closure (Ganea et al. 2018's F1 task): the paper's objective, "
                 "10 negatives, burn-in 20 epochs at lr 0.001 then 80 at 0.01 (their 100 epochs in all), no radius "
                 "warm-up. A low rate generalises to held-out closure edges better than the reconstruction presets: "
                 "nouns without its root, d=5, 10% of the non-basic edges in train, test F1 0.581 against 0.356 "
                 "for nickel2017-warmup (one seed, on the split before session 46, whose share was of the edges "
                 "left after valid and test; evaluation/results/ganea2018-f1/tuning.md). Its table: "
                 "evaluation/results/ganea2018-f1/.",
    "ganea2018-tree": "ganea2018 with a combinatorial start (init='tree': the nodes laid out along the spanning tree "
                      "of the training relations, the deepest at radius 1) and lr 0.03 after burn-in, the same 100 "
                      "epochs. Nouns without its root, test F1 over three seeds at 0/10/25/50% of the non-basic "
                      "edges in train: d=5 0.538/0.768/0.790/0.820, d=10 0.608/0.820/0.831/0.860, against "
                      "ganea2018's random start "
                      "0.271/0.617/0.748/0.775 and 0.285/0.692/0.787/0.789 (the paper: 0.294/0.702/0.782/0.836 and "
                      "0.289/0.714/0.820/0.853; evaluation/results/ganea2018-f1/, tuning.md for the rates tried).",
    "ganea2018-euclidean": "ganea2018 (the same budget and rates) for the Euclidean model, the baseline of "
                           "Ganea et al.'s Table 1.",
    "facebook-mammals": "facebookresearch train-mammals.sh: dim 5, 50 negatives, burn-in 20 epochs at lr×0.1, "
                        "300 epochs, batch 10. Their lr 0.3 applies to the batch *mean* loss; our updates use the "
                        "batch sum, so the same step is lr 0.03. Measured on mammals, seed 0: MR 1.173 / MAP 0.948 in 9.4 s.",
}


def preset_params(name: str) -> dict[str, Any]:
    """Every spec-settable parameter as the preset ``name`` sets it; unknown names raise :class:`ConfigError`.

    Examples
    --------
    >>> preset_params("nickel2017")["dim"], preset_params("nickel2017")["batch_size"]
    (5, 10)
    """
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
    return resolve(name)


def resolve(preset: str | None = None, **overrides: Any) -> dict[str, Any]:
    """The table's defaults, then the preset's values, then ``overrides``; unknown names raise.

    Only parameters that specs and presets may set are returned (not ``callbacks`` or ``verbose``,
    which stay as given in ``overrides`` when present).

    Examples
    --------
    >>> resolve("nickel2017", dim=10)["dim"], resolve("gensim-default")["engine"], resolve()["engine"]
    (10, 'gensim', None)
    """
    check_names(overrides, where="parameters", specs_only=False)
    params = {k: v for k, v in defaults().items() if k not in ("callbacks", "verbose")}
    if preset is not None:
        params.update(preset_params_only(preset))
    params.update(overrides)
    return params


def preset_params_only(name: str) -> dict[str, Any]:
    """What the preset ``name`` changes from the defaults."""
    try:
        return dict(PRESETS[name])
    except KeyError:
        raise ConfigError(f"unknown preset {name!r} (choose from {', '.join(PRESETS)})") from None


for _name, _values in PRESETS.items():  # a typo in a preset fails at import, naming it
    check_names(_values, where=f"preset {_name!r}")
