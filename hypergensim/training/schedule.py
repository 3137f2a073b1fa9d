"""The automatic schedule: the training settings a hierarchy gets for every parameter left at ``None``.

One job: from the shape of the training relations (:class:`HierarchyProfile`),
the machine and a time budget, choose the parameters the user did not set, and
say why.  :class:`~hypergensim.training.PoincareEmbedding` calls it in ``fit``;
what it chose is the estimator's ``params_`` and is recorded in the run
(``config.json``: ``params`` holds the values trained with, ``given`` what the
user set, ``schedule`` the reasons and the profile).

The rules, and the measurements behind them (``evaluation/results/defaults/``):

* engine ``fast`` with the paper's objective (``nickel2017``), no
  regularization, every usable core: gensim's own loop trains about 15k
  relations/s on one thread, the compiled engine millions.  A user who picks
  ``engine="gensim"`` or ``objective="gensim"`` gets gensim's own defaults for
  the rest (lr 0.1, l2 1.0, one thread, no warm-up).
* a radius warm-up from hyperbolic radius 2 over the first 80 % of the epochs
  at lr 0.5 (the hyperbolic models): without it, every schedule we tried
  stalls far from the optimum on WordNet nouns (MR ~30 against 2.8); after
  it the rate falls linearly to a tenth (a binary tree of 20,000 nodes: MAP
  0.927 → 0.942; a DAG of 5,000: 0.846 → 0.875).  A user who sets ``alpha``
  keeps it constant unless ``alpha_final`` is set too.  A deep hierarchy (10 or more
  ancestors per node on average) gets twice the rate, 1.0 → 0.1 (:func:`choose_rate`):
  a 100k-node DAG's mean rank 3.70 → 3.34 in the same budget; a shallow forest
  loses with it.
* epochs from the time budget: the first epoch is timed, and the schedule
  takes as many epochs as fit in the budget (default
  :data:`DEFAULT_TIME_BUDGET`; the epochs after the warm-up, which draw
  violators, counted with their mining passes whole, at least
  :data:`HARD_EPOCH_COST` times the first: :func:`hard_epoch_cost`, from a
  pass timed on a sample of the nodes; where the passes would take more than
  :data:`MAX_MINING_SHARE` of those epochs' time, as for WordNet nouns at
  d = 200 on two cores in 300-540 s before the passes were screened, they
  draw uniform negatives), but no more
  than :func:`most_epochs`: about :data:`UPDATES_PER_NODE` positive updates
  per node.  Halfway through the warm-up, then halfway through what is left
  of it, and so on, :func:`replan_warmup` costs the rest of it from the latest
  epochs (an epoch costs more as the points reach the bound: a 100k-node
  10-ary tree's warm-up overran its whole budget) and shortens it only if it
  would leave the epochs after it less than :data:`HARD_KEEP_SHARE` of their
  planned time or less than :data:`MIN_HARD_SHARE` of the budget; once the first
  :data:`REFIT_AFTER` epochs after the warm-up are timed, :func:`refit_epochs`
  re-fits the rest to the time left (the first epoch misjudged the 100k-node
  DAG's by 10 %, and left 54 s of 456 unused).  Shallow, wide
  hierarchies need many more epochs than WordNet (a 50-ary tree of 20,000
  nodes: MAP 0.68 after 200 epochs, 0.996 after 1,000), deep ones fewer.
* 10 negatives, fewer when a node of a tiny hierarchy has fewer candidates;
  after the warm-up one of them is a violator of the relation (hyperbolic
  models, ``hard_negatives``: a node the embedding puts closer to ``u`` than
  ``v``, mined from the vectors): by then uniform negatives are all far and
  the loss is near zero, while the few nodes near ``u`` still outrank its
  ancestors.
* a virtual root above every node when the relations have several roots
  (hyperbolic models): the roots of a forest otherwise all crowd the origin,
  where a leaf cannot tell its own root from the others (a 200-root forest of
  20,000 nodes, 1,000 epochs: MAP 0.905 without, 0.961 with).
* a radius cap in a very deep hierarchy (Poincaré ball, 18 or more ancestors
  per node on average, :func:`choose_radius_cap`): each node kept within a
  radius growing with its depth, so the shallow nodes stay clear of the
  boundary and their own subtrees do not crowd them closer than the root
  (:func:`~hypergensim.manifold.depth_radius_bounds`), the warm-up
  shortened to :data:`CAPPED_WARMUP_SHARE` of the epochs and
  :data:`CAPPED_HARD_NEGATIVES` violators per relation after it.  WordNet nouns
  (9.1 ancestors on average) loses with the cap.
* a plateau stop (:class:`PlateauStop`) after the warm-up: sampled MAP every
  ``epochs / 20`` epochs, stop when it gains less than 0.001 twice running
  (a climb back to the best after a dip does not count).

Examples
--------
>>> profile = HierarchyProfile.from_pairs([("a", "r"), ("b", "r"), ("c", "a"), ("c", "r")])
>>> profile.nodes, profile.roots, profile.max_ancestors, profile.multi_parent_share
(4, 1, 2, 0.0)
>>> static, why = choose_static({**{name: None for name in AUTO}, "epochs": 30, "model": "poincare"}, cores=2)
>>> static["engine"], static["alpha"], static["alpha_final"], static["workers"], static["radius_warmup"]
('fast', 0.5, 0.05, 2, 24)
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError, InputError
from ..params import PARAMETERS
from ..presets import GENSIM_DEFAULTS
from ..resources import usable_cpus
from .callbacks import Callback

__all__ = ["AUTO", "VIRTUAL_ROOT", "DEFAULT_TIME_BUDGET", "MAX_EPOCHS", "UPDATES_PER_NODE", "HierarchyProfile",
           "PlateauStop", "choose_static", "choose_epochs", "choose_rate", "choose_radius_cap", "choose_virtual_root",
           "hard_epoch_cost", "most_epochs", "refit_epochs", "replan_warmup", "seconds_for_epochs", "usable_cores"]

logger = logging.getLogger("hypergensim.training")

#: The parameters whose default ``None`` means "chosen by this schedule".
AUTO = tuple(p.name for p in PARAMETERS if p.auto)
#: The name of the node ``virtual_root="on"`` adds above every node (a hierarchy that has it cannot have one).
VIRTUAL_ROOT = "<hypergensim:virtual-root>"
#: Seconds of training (burn-in included) when the schedule chooses the epochs: with the final full evaluation
#: and loading, a 100,000-node hierarchy finishes within ten minutes on two cores (the slowest to load and
#: evaluate, the deep tree's two million relations, takes about 45 s beside its training).  Was 480 while the
#: fitted epochs left a tenth of it unused (the 100k DAG: 402 s of 456).
DEFAULT_TIME_BUDGET = 540.0
#: The most epochs the schedule chooses (small hierarchies would otherwise train for minutes to no gain).
MAX_EPOCHS = 3000
#: Positive updates per node that the epochs aim at.  At 100,000 nodes a cap of 4,000 stopped wide trees short
#: (50-ary: MAP 0.932 after 1,345 epochs, against 0.9995 at 20,000 nodes) and the binary tree too (0.914 after 272
#: epochs, 0.922 after 675); a peak before the end is caught by the plateau stop, which keeps the best vectors.
#: 12,000 stopped a 20,000-node deep tree at 580 epochs (MR 2.15 / MAP 0.946 in 3 min); 24,000 gives it 1,160
#: (1.76 / 0.956 in 6 min).
UPDATES_PER_NODE = 24000
#: The fewest: below this a budget is too small for the warm-up to open, and the schedule says so.
MIN_EPOCHS = 20
#: Share of the epochs over which the radius warm-up opens the bound.
WARMUP_SHARE = 0.8
#: The warm-up's share for a hierarchy where at least :data:`MULTI_PARENT_SHARE` of the nodes have more than
#: one parent (:func:`warmup_share`): the 100k-node DAG (32 %) reached MR 2.73 with 527 + 44 epochs and 2.90 with
#: 448 + 112 (WordNet nouns: 2.6 %).
MULTI_PARENT_WARMUP_SHARE = 0.9
MULTI_PARENT_SHARE = 0.15
#: The warm-up's share for a hierarchy whose nodes have at least :data:`VERY_DEEP_MEAN_ANCESTORS` ancestors on
#: average (:func:`warmup_share`; the 100k-node deep tree 20.8, the binary tree and the DAG 14.7, WordNet nouns
#: 9.1): its mean rank rises when the violators start and comes back only after some 60 epochs of them (263 + 66
#: epochs MR 2.69, 225 + 105 2.70, 290 + 45 3.93), and its epochs with violators cost up to 1.6 times a warm-up
#: epoch (mining every 49 epochs), more than the plan's :data:`HARD_EPOCH_COST`.
VERY_DEEP_WARMUP_SHARE = 0.7
VERY_DEEP_MEAN_ANCESTORS = 18.0
#: The warm-up's share for such a hierarchy under the radius cap (``radius_cap="depth"``, :func:`choose_radius_cap`),
#: which holds the shallow nodes in as the warm-up did: the phase of violators after it is worth more (20k-node deep
#: tree in 60 s, MR / MAP: 1.809 / 0.948 with 0.7, 1.703 / 0.9537 with 0.6, 1.787 / 0.9542 with 0.5; seed 1
#: 1.741 / 0.9507 and 1.674 / 0.9538; the 100k cell 2.804 / 0.9336 in 310 epochs and 2.765 / 0.9411 in 344).
CAPPED_WARMUP_SHARE = 0.6
#: Violators among each relation's negatives after the warm-up under the radius cap, where the schedule chose
#: :data:`HARD_NEGATIVES` (20k-node deep tree in 60 s, MR / MAP: seed 0 1.643 / 0.9549 with one, 1.683 / 0.9614
#: with two, 1.640 / 0.9647 with three; seed 1 1.746 / 0.9531 with one, 1.593 / 0.9627 with two).
CAPPED_HARD_NEGATIVES = 2
#: The radius cap's slack (:func:`choose_radius_cap`, :func:`~hypergensim.manifold.depth_radius_bounds`): a node
#: at depth ``d`` of ``D`` is kept within hyperbolic radius ``R·(d + 1)/(D + 1)`` plus this.  A 20k-node deep tree
#: (200 epochs, MR / MAP): no cap 2.669 / 0.9336, slack 2 1.986 / 0.9337, 3 1.817 / 0.9458, 4 1.977 / 0.9347,
#: 5 2.295 / 0.9236.
RADIUS_CAP_SLACK = 3.0
#: The learning rate of the warm-up schedule (hyperbolic models) and of the Euclidean baselines.
WARMUP_ALPHA = 0.5
#: The radius warm-up's first bound (hyperbolic radius from the origin).
WARMUP_RADIUS = 2.0
BASELINE_ALPHA = 0.1
#: Where the warm-up schedule's rate falls to by the last epoch, as a share of its rate.
FINAL_RATE_SHARE = 0.1
_FINAL_RATE_REASON = "a tenth of the rate by the last epoch, falling after the warm-up"
#: Share of the time budget the epochs are fitted to (the rest is left for the plateau checks and the progress
#: of the epochs around them).
TRAINING_SHARE = 0.95
#: The warm-up schedule's rate for a deep hierarchy (:func:`choose_rate`), and what makes one deep: the mean
#: number of ancestors per node (WordNet nouns 9.1, a 100k-node binary tree and DAG 14.7, the deep tree 20.8).
DEEP_ALPHA = 1.0
DEEP_MEAN_ANCESTORS = 10.0
#: What an epoch after the warm-up costs against one in it, when it draws violators: the draws, and a mining
#: pass every :func:`~hypergensim.training.violators.refresh_interval` epochs (measured at 100,000 nodes, two
#: cores: DAG 1.15 s + 9.7 s / 68 against 0.90 s, 1.43; deep tree 1.55 s + 15 s / 48 against 1.35 s, 1.38).
HARD_EPOCH_COST = 1.4
#: What an epoch that draws violators costs against a warm-up epoch, its mining passes aside (two cores: WordNet
#: nouns at d = 10 0.428 s against 0.352 s, 1.22; the 100k DAG 1.15 s against 0.90 s, 1.28; the deep tree 1.55 s
#: against 1.35 s, 1.15).  With the passes counted (:func:`hard_epoch_cost`) an epoch there costs at least
#: :data:`HARD_EPOCH_COST`.
DRAW_COST = 1.2
#: The most of the epochs after the warm-up's time that their mining passes may take, where the schedule chose the
#: violators (:func:`hard_epoch_cost`); past it they train with uniform negatives only.  WordNet nouns on two
#: cores, as planned in the default 540 s: at d = 10 a fifth (3 passes of 7.8 s in about 130 s), at d = 200 two
#: thirds (one pass of 160 s in 235 s) with the direct pass, where the violators' 20 epochs after it cost mean
#: rank (4.87 against uniform's 4.20) for MAP (0.947 against 0.851); the screened pass (48 s, from d = 48:
#: :mod:`hypergensim.screening`) is a fifth there, and the defaults reached 4.27 / 0.950
#: (``evaluation/results/defaults/high-dim/``).
MAX_MINING_SHARE = 0.5
#: Epochs after the warm-up that :func:`refit_epochs` times (the first mines the violators) before it re-fits:
#: the median of the others is a plain epoch's cost, so one of them carrying a plateau check (a sampled
#: evaluation, 1-1.5 s at 100k nodes) does not count as the cost of every epoch (with three, the mean made the
#: 100k DAG's 1.0 s epochs 1.64 s and left 35 s of its budget unspent).
REFIT_AFTER = 5
#: The most :func:`refit_epochs` multiplies the epochs planned after the warm-up: it corrects the timing, it
#: does not reshape the schedule (a tiny hierarchy's first epoch, which carries the start-up, can be several
#: times its later ones).
REFIT_GROWTH = 2.0
#: The latest epochs whose wall time :func:`replan_warmup` takes as the cost of those to come (an epoch of the
#: warm-up grows as the points reach the bound: a 100k-node 10-ary tree's, from 0.19 s to 0.27 s on average).
REPLAN_RECENT = 5
#: The fewest warm-up epochs left that are still checked (:func:`replan_warmup`); shorter ones are left as planned.
REPLAN_MIN_WARMUP = 10
#: The least share of the budget's training time :func:`replan_warmup` leaves the epochs after the warm-up
#: (which draw violators: the 10-ary tree's MAP 0.9956 with one such epoch, 0.9995 with 207).
MIN_HARD_SHARE = 0.1
#: The least share of the time the plan gave the epochs after the warm-up that :func:`replan_warmup` lets them
#: keep: below it the warm-up is shortened until they have their share again (a smaller shortfall is left to
#: :func:`refit_epochs`).  A check that lengthens the warm-up while its epochs are cheap can leave the phase
#: after it far less once they slow: the 100k binary tree's check at epoch 270 lengthened it to 424 epochs,
#: its epochs then rose to 1.02 s, and the check at epoch 415 found 97 s for the 145 s the plan gave the 101
#: epochs after it (it trained 56).  Too few of them cost the deep tree its mean rank (290 + 45 epochs MR
#: 3.93, 263 + 66 MR 2.69).
HARD_KEEP_SHARE = 0.75
#: Violators among each relation's negatives after the warm-up (hyperbolic models): 20k-node DAG MAP 0.859
#: (uniform) / 0.897 (cousins, the first kind of hard negative) / 0.951 (violators)
#: (evaluation/results/defaults/tuning.md); three cousins of ten, or cousins from the first epoch, did worse on
#: a 20k-node binary tree.
HARD_NEGATIVES = 1
#: gensim's own defaults (but the epochs), for a user who picks gensim's loop or objective.
GENSIM_CHOICES = {k: v for k, v in GENSIM_DEFAULTS.items() if k != "epochs"}


def seconds_text(seconds: float) -> str:
    """A duration in the schedule's messages, to three digits in a unit that fits it.

    >>> seconds_text(540.0), seconds_text(47.53), seconds_text(6.0), seconds_text(0.3512), seconds_text(5.44e-06)
    ('540 s', '47.5 s', '6 s', '0.351 s', '5.44 µs')
    """
    if seconds >= 100:
        return f"{seconds:,.0f} s"
    if seconds >= 0.1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-4:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"

def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity where the OS has one
    (:func:`~hypergensim.resources.usable_cpus`)."""
    return len(usable_cpus())


@dataclass(frozen=True)
class HierarchyProfile:
    """The shape of a set of training relations (usually a transitive closure), measured before training.

    ``max_ancestors``/``mean_ancestors`` are the depth in a tree's closure;
    ``multi_parent_share`` is the share of nodes with more than one basic
    parent (exact for a closure: a node has one parent ``p`` exactly when its
    ancestors are ``p`` and ``p``'s ancestors); ``mean_branching`` is the number
    of non-root nodes per node that has descendants; ``min_negatives`` the
    fewest candidates any node has as negatives (nodes other than itself and
    its ancestors: what ``negative`` may be at most), ``tightest_node`` that node.

    Examples
    --------
    >>> print(HierarchyProfile.from_pairs([("dog", "canine"), ("dog", "mammal"), ("canine", "mammal"), ("cat", "mammal")]))
    4 nodes, 4 relations, 1 roots, at most 2 ancestors a node (mean 1.0), branching 1.5, 0.0% multi-parent
    """

    nodes: int
    relations: int
    roots: int
    leaves: int
    max_ancestors: int
    mean_ancestors: float
    multi_parent_share: float
    mean_branching: float
    min_negatives: int
    tightest_node: str

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[str, str]]) -> HierarchyProfile:
        """Measure ``(child, ancestor)`` pairs (self-loops must be removed already)."""
        index: dict[str, int] = {}
        flat = np.fromiter((index.setdefault(x, len(index)) for pair in pairs for x in pair), dtype=np.int64,
                           count=2 * len(pairs)).reshape(-1, 2)
        n = len(index)
        if n == 0:
            raise InputError("no relations to profile")
        flat = np.unique(flat, axis=0)
        child, anc = flat[:, 0], flat[:, 1]
        n_anc = np.bincount(child, minlength=n)
        n_desc = np.bincount(anc, minlength=n)
        deepest_ancestor = np.zeros(n, dtype=np.int64)
        np.maximum.at(deepest_ancestor, child, n_anc[anc])
        has_anc = n_anc > 0
        multi = has_anc & (n_anc > deepest_ancestor + 1)
        inner = int(np.sum(n_desc > 0))
        roots = int(np.sum(~has_anc))
        tightest = int(np.argmax(n_anc))  # a node's ancestors are never its negatives
        return cls(nodes=n, relations=len(flat), roots=roots, leaves=int(np.sum(n_desc == 0)),
                   max_ancestors=int(n_anc.max()), mean_ancestors=float(n_anc.mean()),
                   multi_parent_share=float(multi.sum() / max(int(has_anc.sum()), 1)),
                   mean_branching=float((n - roots) / max(inner, 1)),
                   min_negatives=int(n - 1 - n_anc[tightest]), tightest_node=next(
                       name for name, i in index.items() if i == tightest))

    def as_dict(self) -> dict[str, Any]:
        """The profile as plain data (recorded in ``config.json``)."""
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.nodes:,} nodes, {self.relations:,} relations, {self.roots:,} roots, "
                f"at most {self.max_ancestors} ancestors a node (mean {self.mean_ancestors:.1f}), branching "
                f"{self.mean_branching:.1f}, {100 * self.multi_parent_share:.1f}% multi-parent")


def choose_static(given: dict[str, Any], *, cores: int) -> tuple[dict[str, Any], dict[str, str]]:
    """The choices that need neither the data nor a timing: ``(values, reasons)`` for the ``None`` parameters.

    ``given`` holds at least the :data:`AUTO` parameters and ``model``;
    values the user set are kept as they are.  The negatives' cap and the
    epochs come later (:func:`choose_epochs`, and the estimator's data check).
    """
    out = {k: given[k] for k in AUTO}
    out["alpha_final"] = given.get("alpha_final")
    why: dict[str, str] = {}
    gensim_way = given["engine"] == "gensim" or given["objective"] == "gensim"

    def pick(name: str, value: Any, reason: str) -> None:
        if out[name] is None:
            out[name] = value
            why[name] = reason

    if gensim_way:
        for name, value in GENSIM_CHOICES.items():
            pick(name, value, "gensim's own default (gensim's loop or objective was chosen)")
        pick("time_budget", DEFAULT_TIME_BUDGET if given["epochs"] is None else None,
             "epochs chosen from the budget" if given["epochs"] is None else "epochs were given: no limit")
        return out, why
    pick("engine", "fast", "the compiled Hogwild engine (gensim's own loop trains ~15k relations/s on one thread)")
    pick("objective", "nickel2017", "the paper's softmax over uniform negatives (the fast engine's objective)")
    pick("regularization_coeff", 0.0, "the paper's objective has no regularization")
    pick("workers", max(1, cores), "every usable core")
    pick("negative", 10, "the paper's 10 negatives")
    hyperbolic = given["model"] in ("poincare", "lorentz")
    if not hyperbolic:
        pick("hard_negatives", 0, f"no hard negatives for model={given['model']!r}")
    elif given.get("negative_sampling", "relation") != "relation":
        pick("hard_negatives", 0, "negative_sampling='batch' draws from a pool")
    elif given["radius_warmup"] == 0:
        pick("hard_negatives", 0, "no warm-up to wait for: hard negatives from the first epoch wreck the layout "
             "(three cousins of ten from epoch 1: 20k-node binary tree MAP 0.533)")
    else:
        pick("hard_negatives", HARD_NEGATIVES, "one of the negatives a violator after the warm-up: a node the "
             "vectors put closer to u than v (WordNet nouns MAP 0.911 → 0.973, 100k-node DAG 0.866 → 0.936, deep "
             "tree 0.854 → 0.912)")
    if given["model"] != "poincare":
        pick("radius_cap", "off", f"no radius cap for model={given['model']!r} (measured in the Poincaré ball)")
    elif given["radius_warmup"] == 0:
        pick("radius_cap", "off", "no radius warm-up (the cap was measured with one)")
    if hyperbolic and given["radius_warmup"] != 0:
        pick("radius_start", WARMUP_RADIUS, "a radius warm-up: nodes settle their directions while moves are cheap")
        pick("alpha", WARMUP_ALPHA, "the warm-up schedule's rate (WordNet nouns: MR 2.8 against ~30 without)")
        if given["alpha"] is None and given.get("alpha_final") is None:
            out["alpha_final"] = WARMUP_ALPHA * FINAL_RATE_SHARE
            why["alpha_final"] = _FINAL_RATE_REASON
    else:
        pick("radius_warmup", 0, f"no radius warm-up for model={given['model']!r}")
        pick("alpha", BASELINE_ALPHA, "the rate of the schedules without a warm-up (nickel2017, the baselines)")
    pick("time_budget", DEFAULT_TIME_BUDGET if given["epochs"] is None else None,
         f"{DEFAULT_TIME_BUDGET:.0f} s of training, so a 100k-node hierarchy is done in ten minutes"
         if given["epochs"] is None else "epochs were given: no limit")
    if out["epochs"] is not None and out["radius_warmup"] is None:  # given epochs: the warm-up's share of them
        values, reasons = choose_epochs(epochs=out["epochs"], radius_warmup=None, radius_start=out["radius_start"],
                                        time_budget=out["time_budget"], seconds_used=0.0, seconds_per_epoch=0.0,
                                        burn_in_left=0)
        out.update(values)
        why.update(reasons)
    return out, why


def choose_virtual_root(given: str | None, *, model: str, profile: HierarchyProfile) -> tuple[str, str | None]:
    """``(on or off, reason)`` for the virtual root once the relations are profiled (``reason`` None when given)."""
    if given is not None:
        if given == "on" and profile.roots < 2:
            raise ConfigError(f"virtual_root='on' joins the roots of a forest; these relations have "
                              f"{profile.roots} root")
        return given, None
    if profile.roots > 1 and model in ("poincare", "lorentz"):
        return "on", f"{profile.roots:,} roots would all crowd the origin: one virtual root above them"
    return "off", "one root" if profile.roots < 2 else f"no virtual root for model={model!r}"


def choose_rate(params: Any, given: dict[str, Any], profile: HierarchyProfile) -> dict[str, str]:
    """Raise the warm-up schedule's rate for a deep hierarchy once the relations are profiled; returns the
    reasons of what it changed (nothing unless the schedule chose both ``alpha`` and ``alpha_final``).

    A node of a deep hierarchy has many ancestors to be ranked ahead of everything else, spread over the
    radius the warm-up opens; a larger step settles them in fewer epochs, which is what a deep hierarchy lacks
    under the budget (``evaluation/results/defaults/tuning.md``).  Measured for the Poincaré ball only; the
    Lorentz model keeps the warm-up's rate.
    """
    if (given.get("alpha") is not None or given.get("alpha_final") is not None or params.alpha != WARMUP_ALPHA
            or params.model != "poincare" or profile.mean_ancestors < DEEP_MEAN_ANCESTORS):
        return {}
    params.alpha, params.alpha_final = DEEP_ALPHA, DEEP_ALPHA * FINAL_RATE_SHARE
    return {"alpha": (f"a deep hierarchy (a node has {profile.mean_ancestors:.1f} ancestors on average, at least "
                      f"{DEEP_MEAN_ANCESTORS}): twice the warm-up's rate (20k-node deep tree MR 3.02 → 2.65, DAG "
                      "2.53 → 2.34, binary tree 1.56 → 1.50; a shallow forest loses with it)"),
            "alpha_final": _FINAL_RATE_REASON}


def choose_radius_cap(params: Any, given: dict[str, Any], profile: HierarchyProfile) -> dict[str, str]:
    """Choose ``radius_cap`` once the relations are profiled, where the schedule left it open, and under the cap
    raise the violators the schedule chose to :data:`CAPPED_HARD_NEGATIVES`; returns the reasons of what it
    chose (nothing for what was given).

    ``depth`` where the nodes have at least :data:`VERY_DEEP_MEAN_ANCESTORS` ancestors on average: there the
    shallow nodes drift out to the boundary and their own subtrees crowd them closer than the root, their
    farthest ancestor (``evaluation/results/defaults/tuning.md``).  A shallower hierarchy keeps the warm-up's
    bound alone: WordNet nouns (9.1 ancestors on average) has many leaves at middle depths, which the cap holds
    far inside the boundary (200 epochs: MAP 0.940 without, 0.851 with).

    >>> from types import SimpleNamespace
    >>> deep = HierarchyProfile(nodes=1000, relations=21000, roots=1, leaves=400, max_ancestors=50,
    ...                         mean_ancestors=21.0, multi_parent_share=0.0, mean_branching=1.6,
    ...                         min_negatives=950, tightest_node="x")
    >>> params = SimpleNamespace(radius_cap=None, hard_negatives=1, negative=10)
    >>> sorted(choose_radius_cap(params, {"hard_negatives": None}, deep)), params.radius_cap, params.hard_negatives
    (['hard_negatives', 'radius_cap'], 'depth', 2)
    """
    why: dict[str, str] = {}
    if params.radius_cap is None and profile.mean_ancestors >= VERY_DEEP_MEAN_ANCESTORS:
        params.radius_cap = "depth"
        why["radius_cap"] = (f"a node has {profile.mean_ancestors:.1f} ancestors on average (at least "
                             f"{VERY_DEEP_MEAN_ANCESTORS:g}): each node kept within a radius growing with its depth, "
                             f"so the shallow ones stay clear of the boundary (100k-node deep tree in the same 540 "
                             f"s: MR 3.11 → 2.57, MAP 0.915 → 0.945)")
    elif params.radius_cap is None:
        params.radius_cap = "off"
        why["radius_cap"] = (f"a node has {profile.mean_ancestors:.1f} ancestors on average (under "
                             f"{VERY_DEEP_MEAN_ANCESTORS:g}): the warm-up's bound alone (WordNet nouns loses with the "
                             "cap)")
    if (params.radius_cap == "depth" and given.get("hard_negatives") is None
            and params.hard_negatives == HARD_NEGATIVES):
        params.hard_negatives = min(CAPPED_HARD_NEGATIVES, params.negative)
        why["hard_negatives"] = (f"{params.hard_negatives} of the negatives violators after the warm-up under the "
                                 "radius cap (20k-node deep tree in 60 s: MAP 0.955 → 0.961 with two, seed 1 0.953 → "
                                 "0.963; the 100k one in 540 s: 0.945 → 0.951-0.952)")
    return why


def warmup_share(profile: HierarchyProfile | None, *, radius_cap: str | None = None) -> tuple[float, str]:
    """The share of the epochs the radius warm-up takes, and why: :data:`WARMUP_SHARE`;
    :data:`MULTI_PARENT_WARMUP_SHARE` where many nodes have several parents; :data:`VERY_DEEP_WARMUP_SHARE`
    where the nodes have very many ancestors, :data:`CAPPED_WARMUP_SHARE` there under the radius cap
    (``radius_cap="depth"``).

    With violators after the warm-up, a longer warm-up and a shorter phase after it gave a DAG a better mean rank
    in about the same time, at a little of its MAP (527 + 44 epochs MR 2.73 / MAP 0.940, 448 + 112 2.90 / 0.944);
    the deep tree needs the phase after it instead (290 + 45 epochs MR 3.93, 263 + 66 2.69, 225 + 105 2.70), and
    more of it under the cap.

    Examples
    --------
    >>> dag = HierarchyProfile(nodes=1000, relations=12000, roots=1, leaves=500, max_ancestors=10,
    ...                        mean_ancestors=12.0, multi_parent_share=0.3, mean_branching=2.0,
    ...                        min_negatives=990, tightest_node="n999")
    >>> warmup_share(dag)[0], warmup_share(None)[0]
    (0.9, 0.8)
    """
    if profile is None:
        return WARMUP_SHARE, ""
    if profile.mean_ancestors >= VERY_DEEP_MEAN_ANCESTORS and radius_cap == "depth":
        return CAPPED_WARMUP_SHARE, (f"a node has {profile.mean_ancestors:.1f} ancestors on average (at least "
                                     f"{VERY_DEEP_MEAN_ANCESTORS:g}) and the radius cap holds the shallow ones in: "
                                     "a longer phase of violators after the warm-up (20k-node deep tree in 60 s: "
                                     "MAP 0.948 with 70 % of the epochs, 0.954 with 60 %)")
    if profile.mean_ancestors >= VERY_DEEP_MEAN_ANCESTORS:
        return VERY_DEEP_WARMUP_SHARE, (f"a node has {profile.mean_ancestors:.1f} ancestors on average (at least "
                                        f"{VERY_DEEP_MEAN_ANCESTORS:g}): a longer phase of violators after the "
                                        "warm-up, whose mean rank recovers from their start only after some 60 "
                                        "epochs (100k-node deep tree: 290 + 45 epochs MR 3.93, 263 + 66 MR 2.69)")
    if profile.multi_parent_share < MULTI_PARENT_SHARE:
        return WARMUP_SHARE, ""
    return MULTI_PARENT_WARMUP_SHARE, (f"{profile.multi_parent_share:.0%} of the nodes have several parents (at least "
                                       f"{MULTI_PARENT_SHARE:.0%}): a longer warm-up and a shorter phase of "
                                       "violators after it (100k-node DAG: 527 + 44 epochs MR 2.73, 448 + 112 MR "
                                       "2.90)")


def epoch_cost_factor(share: float, hard_cost: float) -> float:
    """The mean epoch of a plan against a warm-up epoch: ``share`` of the epochs in the warm-up at 1, the rest at
    ``hard_cost`` (what an epoch after the warm-up costs against one in it).

    Examples
    --------
    >>> round(epoch_cost_factor(0.8, 1.4), 6)
    1.08
    """
    return share + (1 - share) * hard_cost


def warmup_epochs(share: float, epochs: int) -> int:
    """The radius warm-up's length for ``share`` of ``epochs``: at least one epoch.

    Examples
    --------
    >>> warmup_epochs(0.8, 229), warmup_epochs(0.7, 1)
    (183, 1)
    """
    return max(1, int(round(share * epochs)))


def most_epochs(profile: HierarchyProfile) -> int:
    """The most epochs worth training: :data:`UPDATES_PER_NODE` positive updates per node on average, within
    :data:`MIN_EPOCHS` .. :data:`MAX_EPOCHS`.

    Examples
    --------
    >>> most_epochs(HierarchyProfile(nodes=1000, relations=12000, roots=1, leaves=500, max_ancestors=10,
    ...                              mean_ancestors=12.0, multi_parent_share=0.0, mean_branching=2.0,
    ...                              min_negatives=990, tightest_node="n999"))
    2000
    """
    return max(MIN_EPOCHS, min(MAX_EPOCHS, round(UPDATES_PER_NODE * profile.nodes / max(profile.relations, 1))))


def choose_epochs(*, epochs: int | None, radius_warmup: int | None, radius_start: float | None,
                  time_budget: float | None, seconds_used: float, seconds_per_epoch: float,
                  burn_in_left: int, most: int = MAX_EPOCHS, hard_cost: float = 1.0,
                  share: tuple[float, str] = (WARMUP_SHARE, ""),
                  ) -> tuple[dict[str, int], dict[str, str]]:
    """Epochs and the warm-up's length once the first epoch has been timed: ``(values, reasons)``.

    ``most`` caps the epochs (:func:`most_epochs` of the relations).  ``hard_cost``: what an epoch after a
    radius warm-up costs against the timed one (:data:`HARD_EPOCH_COST` when those epochs draw violators), so
    the budget is fitted to the mean epoch; :func:`refit_epochs` corrects it once the first of them are timed.
    ``share``: the warm-up's share of the epochs and why (:func:`warmup_share`).

    Examples
    --------
    >>> values, why = choose_epochs(epochs=None, radius_warmup=None, radius_start=2.0, time_budget=100.0,
    ...                             seconds_used=1.0, seconds_per_epoch=0.5, burn_in_left=9)
    >>> values
    {'epochs': 179, 'radius_warmup': 143}
    >>> choose_epochs(epochs=None, radius_warmup=None, radius_start=2.0, time_budget=100.0, seconds_used=1.0,
    ...               seconds_per_epoch=0.5, burn_in_left=9, hard_cost=1.4)[0]
    {'epochs': 165, 'radius_warmup': 132}
    """
    values: dict[str, int] = {}
    why: dict[str, str] = {}
    if epochs is None:
        if time_budget is None:
            raise ConfigError("epochs=None needs a time_budget (the schedule fits the epochs to it)")
        timed = max(seconds_per_epoch, 1e-6)
        later = epoch_cost_factor(share[0], hard_cost) if radius_start is not None else 1.0
        per_epoch = timed * later
        fit = int(seconds_for_epochs(time_budget=time_budget, seconds_used=seconds_used, burn_in_left=burn_in_left,
                                     seconds_per_epoch=timed) / per_epoch)
        epochs = max(MIN_EPOCHS, min(most, fit))
        values["epochs"] = epochs
        at = f"{per_epoch:.3f} s per epoch" + (
            f" (the first {timed:.3f} s, those after the warm-up about {hard_cost:g}x)" if later != 1.0 else "")
        if fit < MIN_EPOCHS:
            why["epochs"] = (f"only {max(fit, 0)} epochs of {seconds_text(per_epoch)} fit in the {time_budget:.0f} s budget; "
                             f"{MIN_EPOCHS} is the least the warm-up needs, so the budget will stop it early: "
                             f"raise time_budget")
        elif fit >= most:
            why["epochs"] = (f"{UPDATES_PER_NODE:,} updates per node, at most {MAX_EPOCHS:,} ({fit:,} would fit in the "
                             "budget)")
        else:
            # the budget binds: say how far short it is, and what budget would give the hierarchy its epochs
            wanted = math.ceil(time_budget + (most - fit) * per_epoch / TRAINING_SHARE)
            why["epochs"] = (f"what fits in the {time_budget:.0f} s budget at {at}; the budget binds: this "
                             f"hierarchy could use {most:,} ({UPDATES_PER_NODE:,} updates per node), about "
                             f"time_budget={wanted} on this machine")
    if radius_warmup is None:
        warm = warmup_epochs(share[0], epochs) if radius_start is not None else 0
        values["radius_warmup"] = warm
        why["radius_warmup"] = (f"{round(100 * share[0])}% of the {epochs} epochs" + (f": {share[1]}" if share[1] else "")
                                if warm else "no radius warm-up")
    return values, why


def seconds_for_epochs(*, time_budget: float, seconds_used: float, burn_in_left: int,
                       seconds_per_epoch: float) -> float:
    """The seconds of the budget's training share (:data:`TRAINING_SHARE`) the epochs still to plan may take,
    the burn-in's epochs left (at ``seconds_per_epoch`` each) and ``seconds_used`` paid."""
    return TRAINING_SHARE * time_budget - seconds_used - burn_in_left * seconds_per_epoch


def hard_epoch_cost(*, seconds_left: float, seconds_per_epoch: float, pass_seconds: float, mining_every: int,
                    share: float, most: int) -> tuple[float, bool, str]:
    """What the plan counts an epoch after the warm-up at, against one in it, with the passes that mine the
    violators counted whole, and whether they pay: ``(cost, pays, why)``.

    The epochs after the warm-up draw violators (:data:`DRAW_COST` times a warm-up epoch of
    ``seconds_per_epoch``) and mine them first at their first epoch, then every ``mining_every`` epochs, each
    pass ``pass_seconds`` (:func:`~hypergensim.training.violators.mining_seconds`).  The plan takes the fewest
    passes that cover the epochs after the warm-up that fit in ``seconds_left`` beside them (``1 - share`` of
    at most ``most`` epochs), and counts them spread over those epochs; at least :data:`HARD_EPOCH_COST`, what
    the defaults' tables were measured with.  A pass over all pairs of nodes grows with the nodes squared and
    the dimension, an epoch much more slowly: at d = 10 the passes are a tenth of the phase after the warm-up
    (WordNet nouns), at d = 200 one direct pass could outlast the whole phase (a screened one, a fifth of it).  Where the passes would take more than
    :data:`MAX_MINING_SHARE` of it, or no epoch after the warm-up fits beside one pass, they do not pay.

    Examples
    --------
    >>> cost, pays, why = hard_epoch_cost(seconds_left=500.0, seconds_per_epoch=0.35, pass_seconds=6.0,
    ...                                   mining_every=91, share=0.8, most=2652)  # WordNet nouns at d = 10
    >>> cost, pays, why.split(": ")[0]
    (1.4, True, '3 mining passes of 6 s in the 265 epochs after the warm-up')
    >>> round(hard_epoch_cost(seconds_left=500.0, seconds_per_epoch=1.6, pass_seconds=60.0, mining_every=91,
    ...                       share=0.8, most=2652)[0], 3)  # d = 200 in a longer budget: the pass counted whole
    1.908
    >>> hard_epoch_cost(seconds_left=280.0, seconds_per_epoch=1.6, pass_seconds=130.0, mining_every=91,
    ...                 share=0.8, most=2652)[1]  # one pass would outlast the epochs it serves
    False
    """
    per = max(seconds_per_epoch, 1e-6)
    mean = per * (share + (1 - share) * DRAW_COST)  # an epoch of the plan, its passes aside
    passes = 1
    while True:
        epochs = max(0, min(most, int((seconds_left - passes * pass_seconds) / mean)))
        hard = epochs - (warmup_epochs(share, epochs) if epochs else 0)
        if -(-hard // max(mining_every, 1)) <= passes:
            break
        passes += 1
    mining = passes * pass_seconds
    phase = hard * per * DRAW_COST + mining
    head = (f"{passes} mining pass{'es' * (passes > 1)} of {seconds_text(pass_seconds)} in the {hard} epochs after the "
            f"warm-up")
    cost = round(max(HARD_EPOCH_COST, DRAW_COST + mining / (max(hard, 1) * per)), 3)
    if hard < 1 or mining > MAX_MINING_SHARE * phase:
        return cost, False, f"{head}: more than {MAX_MINING_SHARE:.0%} of their {phase:.0f} s would go to mining"
    return cost, True, f"{head}: each such epoch counted at {cost:.3g}x one of the warm-up"


def refit_plan(*, epoch: int, epochs: int, radius_warmup: int, time_budget: float, seconds_used: float,
               recent: Sequence[float], most: int, hard_cost: float = 1.0,
               share: float = WARMUP_SHARE) -> tuple[int, int, str]:
    """The whole plan fitted again, longer or shorter, once :data:`REPLAN_RECENT` epochs after the first are
    timed: ``(epochs, radius_warmup, why)``.

    :func:`choose_epochs` has only the first training epoch, and that one epoch is an unreliable measure of the
    warm-up's: the 100k DAG's took 0.708 s one evening and 0.970 s another, against about 0.78 s for the epochs
    after it, which planned a warm-up of 527 epochs one day and of 382 the next (MR 2.70 and 3.04).  The median of
    ``recent`` (the wall seconds of the latest epochs, ending at ``epoch``) is the cost of a warm-up epoch; the
    epochs are what fits in the time left at that cost (those after the warm-up ``hard_cost`` times as much),
    within ``epoch`` .. ``most``, and the warm-up keeps its ``share`` of them (:func:`warmup_share`).

    Examples
    --------
    >>> refit_plan(epoch=6, epochs=382, radius_warmup=306, time_budget=540.0, seconds_used=30.0,
    ...            recent=[0.78] * 5, most=1631, hard_cost=1.4)[:2]  # the first epoch was slow: longer
    (578, 462)
    >>> refit_plan(epoch=6, epochs=659, radius_warmup=527, time_budget=540.0, seconds_used=30.0,
    ...            recent=[0.87] * 5, most=1631, hard_cost=1.4)[:2]  # it was fast: shorter
    (519, 415)
    """
    if not recent:
        raise ConfigError("refit_plan needs the seconds of one epoch or more")
    now = max(statistics.median(recent), 1e-6)
    left = TRAINING_SHARE * time_budget - seconds_used
    new = max(epoch, min(most, int((left / now + epoch) / epoch_cost_factor(share, hard_cost))))
    warm = warmup_epochs(share, new)
    return new, warm, (f"re-fitted at epoch {epoch} from the median of the {len(recent)} epochs before it "
                       f"({seconds_text(now)} an epoch, those after the warm-up about {hard_cost:g}x) to the "
                       f"{max(left, 0):.0f} s left: {new} epochs (was {epochs}), the warm-up {warm} (was "
                       f"{radius_warmup})")


def replan_warmup(*, epoch: int, epochs: int, radius_warmup: int, time_budget: float, seconds_used: float,
                  recent: Sequence[float], early: Sequence[float], early_epoch: float,
                  share: float = WARMUP_SHARE, most: int = MAX_EPOCHS,
                  hard_cost: float = HARD_EPOCH_COST) -> tuple[int, int, str]:
    """The warm-up checked (halfway through what is left of it, again and again): lengthened if its epochs now
    cost less than planned, shortened if it would leave the epochs after it too little of their time:
    ``(epochs, radius_warmup, why)``.

    Lengthened: where the rest of the warm-up and the epochs after it (``1 - share`` of them, at ``hard_cost``
    times a warm-up epoch: :data:`HARD_EPOCH_COST` when they draw violators, else 1) fit in the time left with a
    longer warm-up, it takes the longest that fits
    (within ``most`` epochs in all).  The warm-up's epochs do not cost the same throughout: the 100k DAG's took
    1.17 s at first and 0.91 s at the end one evening, and a plan kept to the first ones gave it 369 warm-up
    epochs where about 440 fitted (MR 3.01).

    The plan was fitted to the first epoch, but an epoch of the warm-up costs more as the points reach the
    bound (a 100k-node 10-ary tree's warm-up alone overran its whole budget, and its MAP fell from 0.9995 to
    0.9956 without the epochs after it).  The rest of the warm-up is costed from ``recent``, the wall seconds
    of the latest epochs (ending at ``epoch``), with the growth since ``early`` (those of the first epochs
    timed, centred on epoch ``early_epoch``) continued.  If it would leave the epochs after it less than
    :data:`HARD_KEEP_SHARE` of the time the plan gave them (a warm-up lengthened while its epochs were cheap,
    whose epochs then slowed), it is shortened to the longest that leaves them their share again; if it would
    leave less than :data:`MIN_HARD_SHARE` of the budget's training share, to the longest that leaves that
    much.  Either way the epochs after it are planned to fill the time left (at ``hard_cost`` times;
    :func:`refit_epochs` re-fits them once timed).  Short of that the plan is kept, since a long warm-up with a
    short phase after it did best where it could be compared (the 100k DAG: 527 + 44 epochs MR 2.70, 448 + 112
    epochs MR 2.90).

    Examples
    --------
    >>> replan_warmup(epoch=400, epochs=1000, radius_warmup=800, time_budget=540.0, seconds_used=300.0,
    ...               recent=[0.5] * 5, early=[0.4] * 5, early_epoch=4.0)[:2]  # it would overrun: shorter
    (763, 700)
    >>> replan_warmup(epoch=400, epochs=1000, radius_warmup=800, time_budget=540.0, seconds_used=377.0,
    ...               recent=[0.2] * 5, early=[0.2] * 5, early_epoch=4.0)[:2]  # the time it needs: as planned
    (1000, 800)
    >>> replan_warmup(epoch=400, epochs=1000, radius_warmup=800, time_budget=540.0, seconds_used=300.0,
    ...               recent=[0.2] * 5, early=[0.2] * 5, early_epoch=4.0)[:2]  # cheaper than planned: longer
    (1356, 1085)
    """
    if not recent or not early:
        raise ConfigError("replan_warmup needs the seconds of one epoch or more, early and recent")
    now = statistics.median(recent)
    recent_epoch = epoch - (len(recent) - 1) / 2
    growth = max(0.0, (now - statistics.median(early)) / max(recent_epoch - early_epoch, 1.0))  # s per epoch

    def at(when: float) -> float:  # an epoch's cost at epoch ``when``, the trend continued
        return now + growth * (when - recent_epoch)

    def cost(upto: int) -> float:  # the warm-up's epochs after this one up to epoch ``upto``: their mean epoch's
        return (upto - epoch) * at((epoch + upto + 1) / 2)

    warm_left = max(radius_warmup - epoch, 0)
    training = TRAINING_SHARE * time_budget
    left = training - seconds_used
    after = left - cost(radius_warmup)
    minimum = MIN_HARD_SHARE * training

    def fits(warm: int) -> bool:  # the warm-up up to ``warm`` and its share of epochs after it, in the time left
        total = min(most, round(warm / share))
        return warm < total and cost(warm) + (total - warm) * at(warm) * hard_cost <= left

    planned = (epochs - radius_warmup) * at(radius_warmup) * hard_cost  # what the plan gives the epochs after it
    head = (f"the warm-up checked at epoch {epoch} ({seconds_text(now)} an epoch, growing {seconds_text(growth)} an epoch, "
            f"those after it about {hard_cost:g}x): the rest of it takes about {cost(radius_warmup):.0f} s of the "
            f"{max(left, 0):.0f} s left")
    if after >= minimum and (after >= HARD_KEEP_SHARE * planned or warm_left <= 1):
        longer = radius_warmup
        while longer < round(share * most) and fits(longer + 1):  # within the cap, the warm-up keeps its share
            longer += 1
        if longer == radius_warmup:
            return epochs, radius_warmup, f"{head}, kept as planned"
        new_epochs = min(most, round(longer / share))
        return new_epochs, longer, (f"{head}: its epochs cost less than planned, so it ends at epoch {longer} (was "
                                    f"{radius_warmup}), {new_epochs} epochs (was {epochs})")
    if after >= minimum:  # the epochs after it would get too little of what the plan gave them: back to the share
        new_warm = radius_warmup - 1
        while new_warm > epoch + 1 and not fits(new_warm):
            new_warm -= 1
        why = (f"which would leave the epochs after it {after:.0f} s, less than {HARD_KEEP_SHARE:.0%} of the "
               f"{planned:.0f} s planned: it ends at epoch {new_warm} (was {radius_warmup}), so they keep their "
               f"share")
    else:
        new_warm = epoch + 1
        while new_warm < epoch + warm_left and left - cost(new_warm + 1) >= minimum:
            new_warm += 1
        why = (f"which would leave the epochs after it less than {MIN_HARD_SHARE:.0%} of the budget: it ends at "
               f"epoch {new_warm} (was {radius_warmup})")
    spare = max(left - cost(new_warm), 0.0)
    new_epochs = min(most, new_warm + max(REFIT_AFTER + 1, int(spare / (at(new_warm) * hard_cost))))
    return new_epochs, new_warm, f"{head}, {why}, {new_epochs} epochs (was {epochs})"


def refit_epochs(*, epoch: int, epochs: int, radius_warmup: int, time_budget: float, seconds_used: float,
                 recent: Sequence[float], mining_every: int, most: int) -> tuple[int, str]:
    """The epochs re-fitted to the budget left, :data:`REFIT_AFTER` epochs after the warm-up: ``(epochs, why)``.

    The epochs were fitted to the first epoch's time and the plan's cost of the epochs after the warm-up
    (:func:`hard_epoch_cost`); by now the warm-up's real cost is spent and ``recent`` holds the seconds of the
    epochs since it ended.  With violators (``mining_every`` > 0) the first of them mined them: the median of
    the others is a plain epoch's cost (an epoch that also ran a plateau check does not count for all) and the
    first's excess a mining pass, which recurs every ``mining_every`` epochs from it; the passes the epochs left
    will run are counted whole (spread over the epochs, a pass that will not recur left a large one's time
    unspent).  The epochs left are what fits in the budget's training share, within ``epoch`` (stop now) ..
    ``most``, and at most twice the epochs planned after the ``radius_warmup``: a re-fit corrects the timing,
    it does not reshape the schedule (a tiny hierarchy's first epoch, which carries the start-up, can be
    several times its later ones).

    Examples
    --------
    >>> epochs, why = refit_epochs(epoch=325, epochs=396, radius_warmup=320, time_budget=480.0,
    ...                            seconds_used=300.0, recent=[11.0, 2.6, 1.1, 1.2, 1.15], mining_every=68,
    ...                            most=815)  # the second also ran a plateau check
    >>> epochs
    449
    >>> why.split(" (")[0]
    'the warm-up over, re-fitted at epoch 325 to the 156 s left: 124 more epochs of 1.17 s and 1 mining pass of 9.82 s'
    """
    if len(recent) < 2:
        raise ConfigError("refit_epochs needs the seconds of two epochs or more")
    mining = 0.0
    if mining_every > 0:
        plain = statistics.median(recent[1:])
        mining = max(recent[0] - plain, 0.0)
    else:
        plain = statistics.median(recent)
    plain = max(plain, 1e-6)
    left = TRAINING_SHARE * time_budget - seconds_used

    def passes(upto: int) -> int:  # the mining passes in epochs epoch + 1 .. upto (every mining_every from the first)
        if mining_every <= 0:
            return 0
        first = radius_warmup + 1
        return max(0, (upto - first) // mining_every) - max(0, (epoch - first) // mining_every)

    cap = radius_warmup + round(REFIT_GROWTH * max(epochs - radius_warmup, 0))
    more = max(0, min(int(left / plain), min(most, cap) - epoch))  # within the caps, so the search below is short
    while more > 0 and more * plain + passes(epoch + more) * mining > left:  # the most that fits, passes and all
        more -= 1
    new = max(epoch, min(most, cap, epoch + more))
    capped = " (twice the epochs planned after the warm-up: the most a re-fit gives)" if new == cap < most else ""
    runs = passes(new)
    cost = (f"{seconds_text(plain)} and {runs} mining pass{'es' * (runs != 1)} of {seconds_text(mining)} (one "
            f"every {mining_every} epochs)" if mining_every > 0 else f"{seconds_text(plain)} (as timed)")
    return new, (f"the warm-up over, re-fitted at epoch {epoch} to the {max(left, 0):.0f} s left: {new - epoch} "
                 f"more epochs of {cost} instead of {epochs - epoch}{capped}")


class PlateauStop(Callback):
    """Stop once sampled reconstruction MAP has stopped rising, after the radius warm-up, and keep the best.

    Every ``every`` epochs from ``start`` on it evaluates MAP on a seeded
    sample of ``sample`` query nodes (the same every time) and adds it to the
    logs and the history; training stops after ``patience`` evaluations in a
    row that each gained less than ``min_delta`` over the best.  An evaluation
    that climbs back to the best after a dip (at least ``min_delta`` above the
    one before it, and within ``min_delta`` of the best) is not flat: the
    first mining of violators after the warm-up often costs MAP for an
    evaluation, and ICD-10-CM's defaults (seed 0) stopped there, at MR 2.47 /
    MAP 0.938 (0.937, 0.929, 0.938), where seed 1 went on to 1.28 / 0.974.  When training ends below the
    best evaluation by more than ``min_delta``, the vectors of that evaluation
    are put back (a copy is kept at each new best), and ``schedule_`` records it
    under ``restored``: on a binary tree MAP falls again after its peak.

    Examples
    --------
    >>> from hypergensim.training import PoincareEmbedding
    >>> rel = [("a", "r"), ("b", "r"), ("c", "a"), ("c", "r"), ("d", "b"), ("d", "r")]
    >>> stop = PlateauStop(every=1, start=1, patience=1, min_delta=1.0)
    >>> est = PoincareEmbedding(dim=2, negative=1, epochs=50, verbose=0, callbacks=[stop]).fit(rel)
    >>> est.n_epochs_trained_
    2
    """

    def __init__(self, *, every: int, start: int, sample: int = 1000, patience: int = 2, min_delta: float = 0.001,
                 random_state: int = 0) -> None:
        if every < 1 or start < 0 or patience < 1 or not math.isfinite(min_delta) or min_delta < 0:
            raise ConfigError("PlateauStop needs every >= 1, start >= 0, patience >= 1 and min_delta >= 0")
        self.every, self.start, self.sample = every, start, sample
        self.patience, self.min_delta, self.random_state = patience, min_delta, random_state
        self.best = -math.inf
        self.flat = 0
        self.last = -math.inf
        self._best_state: tuple[int, dict[str, Any]] | None = None

    def observe(self, value: float) -> bool:
        """Count one evaluation's sampled MAP; whether training should stop (``patience`` flat ones in a row).

        >>> stop = PlateauStop(every=1, start=1)
        >>> [stop.observe(v) for v in (0.937, 0.929, 0.938, 0.950, 0.9505, 0.9502)]
        [False, False, False, False, False, True]
        """
        recovering = value >= self.last + self.min_delta and value >= self.best - self.min_delta
        self.flat = self.flat + 1 if value < self.best + self.min_delta and not recovering else 0
        self.best = max(self.best, value)
        self.last = value
        return self.flat >= self.patience

    def on_epoch_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        epoch = logs["epoch"]
        if epoch < self.start or (epoch - self.start) % self.every:
            return
        from ..evaluation import evaluate_reconstruction

        embedding, by_model = estimator.evaluation_input()
        r = evaluate_reconstruction(embedding, estimator.relations_, sample=self.sample,
                                    random_state=self.random_state, **by_model)
        logs.update(map_sampled=r.map, mean_rank_sampled=r.mean_rank)
        estimator.history_.append(dict(logs))
        if r.map > self.best:
            self._best_state = (epoch, estimator._snapshot())
        if self.observe(r.map):
            estimator.stop_training_ = True
            logger.info("plateau: sampled MAP %.4f has gained less than %g in %d evaluations; stopping at epoch %d",
                        r.map, self.min_delta, self.patience, epoch)

    def on_train_end(self, estimator: Any, logs: dict[str, Any]) -> None:
        if self._best_state is None or self.last >= self.best - self.min_delta:
            return
        epoch, state = self._best_state
        estimator._restore_snapshot(state)
        estimator.schedule_["restored"] = {"epoch": epoch, "map_sampled": self.best, "last_map_sampled": self.last}
        logger.info("plateau: the vectors of epoch %d (sampled MAP %.4f) are kept, not the last (%.4f)", epoch,
                    self.best, self.last)
