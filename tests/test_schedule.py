"""The automatic schedule (hypergensim.training.schedule): the profile, the rules, the budget, the plateau stop,
and what a fit with no arguments records."""

from __future__ import annotations

import json
import re
import time

import numpy as np
import pytest

from conftest import MAMMALS_TSV, TOY_BASIC, run_cli
from hypergensim.datasets import from_tree, generated_hierarchy
from hypergensim.errors import ConfigError
from hypergensim.manifold import boundary_radius, depth_radius_bounds, epsilon_for_radius
from hypergensim.params import PARAMETER, PARAMETERS
from hypergensim.presets import PRESETS
from hypergensim.training import Callback, PoincareEmbedding
from hypergensim.training.fast import FastTrainer
from hypergensim.training.schedule import (
    AUTO,
    CAPPED_HARD_NEGATIVES,
    CAPPED_WARMUP_SHARE,
    DEEP_ALPHA,
    DEEP_MEAN_ANCESTORS,
    DEFAULT_TIME_BUDGET,
    DRAW_COST,
    HARD_EPOCH_COST,
    HARD_NEGATIVES,
    MAX_EPOCHS,
    MAX_MINING_SHARE,
    MIN_EPOCHS,
    MIN_HARD_SHARE,
    MULTI_PARENT_SHARE,
    MULTI_PARENT_WARMUP_SHARE,
    RADIUS_CAP_SLACK,
    REFIT_AFTER,
    REPLAN_RECENT,
    VERY_DEEP_MEAN_ANCESTORS,
    VERY_DEEP_WARMUP_SHARE,
    WARMUP_ALPHA,
    WARMUP_SHARE,
    HierarchyProfile,
    PlateauStop,
    choose_epochs,
    choose_radius_cap,
    choose_rate,
    choose_static,
    hard_epoch_cost,
    most_epochs,
    refit_epochs,
    refit_plan,
    replan_warmup,
    warmup_share,
)

UNSET = {name: None for name in AUTO} | {"model": "poincare"}


def test_auto_parameters_are_the_tables_and_no_preset_leaves_one_to_the_schedule():
    assert set(AUTO) == {p.name for p in PARAMETERS if p.auto}
    assert all(PARAMETER[name].default is None for name in AUTO)
    for name, values in PRESETS.items():  # a preset trains exactly as recorded: it never meets the schedule
        left = [k for k in AUTO if values.get(k) is None and k not in ("radius_start", "time_budget")]
        assert not left, (name, left)


def test_profile_of_a_tree_a_forest_and_a_dag_matches_the_hierarchy():
    tree = from_tree({"r": {"a": ["c", "d"], "b": ["e"]}})
    p = HierarchyProfile.from_pairs(tree.relations())
    assert (p.nodes, p.relations, p.roots, p.leaves, p.max_ancestors) == (6, 8, 1, 3, 2)
    assert p.multi_parent_share == 0.0 and p.mean_branching == pytest.approx(5 / 3)
    assert p.min_negatives == 3 and p.tightest_node in {"c", "d", "e"}  # 2 ancestors among 6 nodes
    dag = generated_hierarchy("dag", 3000, seed=2)
    pd = HierarchyProfile.from_pairs(dag.relations())
    summary = dag.summarize()
    assert pd.multi_parent_share == pytest.approx(summary.multi_parent_nodes / (summary.nodes - summary.roots))
    assert pd.max_ancestors >= summary.max_depth and pd.relations == summary.closure_edges
    forest = generated_hierarchy("forest", 2000)
    assert HierarchyProfile.from_pairs(forest.relations()).roots == forest.summarize().roots == 20


def test_the_warm_up_share_follows_the_hierarchy():
    dag = HierarchyProfile.from_pairs(generated_hierarchy("dag", 3000, seed=2).relations())
    tree = HierarchyProfile.from_pairs(generated_hierarchy("balanced-b3", 3000).relations())
    assert dag.multi_parent_share >= MULTI_PARENT_SHARE > tree.multi_parent_share
    (share, why), (plain, no_reason) = warmup_share(dag), warmup_share(tree)
    assert (share, plain) == (MULTI_PARENT_WARMUP_SHARE, WARMUP_SHARE) and "several parents" in why
    assert no_reason == ""
    deep = HierarchyProfile.from_pairs(generated_hierarchy("deep", 3000).relations())
    assert deep.mean_ancestors >= VERY_DEEP_MEAN_ANCESTORS > dag.mean_ancestors
    very, why_deep = warmup_share(deep)
    assert very == VERY_DEEP_WARMUP_SHARE < WARMUP_SHARE and "ancestors on average" in why_deep
    capped, why_capped = warmup_share(deep, radius_cap="depth")  # the cap holds the shallow nodes in
    assert capped == CAPPED_WARMUP_SHARE < VERY_DEEP_WARMUP_SHARE and "radius cap" in why_capped
    assert warmup_share(deep, radius_cap="off")[0] == VERY_DEEP_WARMUP_SHARE
    assert warmup_share(dag, radius_cap="depth")[0] == MULTI_PARENT_WARMUP_SHARE  # not very deep: no change
    kw = dict(epochs=None, radius_warmup=None, radius_start=2.0, time_budget=100.0, seconds_used=1.0,
              seconds_per_epoch=0.5, burn_in_left=0, hard_cost=HARD_EPOCH_COST)
    values, reasons = choose_epochs(**kw, share=(share, why))
    assert values["radius_warmup"] == round(0.9 * values["epochs"]) and reasons["radius_warmup"].endswith(why)
    # the same time: fewer epochs after the warm-up, which cost more, so more epochs in all
    assert values["epochs"] > choose_epochs(**kw)[0]["epochs"]
    epochs, warm, _ = refit_plan(epoch=6, epochs=400, radius_warmup=360, time_budget=540.0, seconds_used=30.0,
                                 recent=[0.8], most=3000, share=share)
    assert warm == round(0.9 * epochs)  # the refit keeps the share


def test_static_choices_keep_what_the_user_set_and_explain_the_rest():
    values, why = choose_static(UNSET, cores=4)
    assert values == {"engine": "fast", "objective": "nickel2017", "alpha": 0.5, "negative": 10, "epochs": None,
                      "radius_start": 2.0, "radius_warmup": None, "workers": 4, "regularization_coeff": 0.0,
                      "virtual_root": None, "time_budget": DEFAULT_TIME_BUDGET, "alpha_final": 0.05,
                      "hard_negatives": 1, "radius_cap": None}
    assert set(why) == {k for k, v in values.items() if v is not None}
    mine, why = choose_static({**UNSET, "alpha": 0.2, "workers": 1, "epochs": 100}, cores=4)
    assert (mine["alpha"], mine["workers"], mine["epochs"]) == (0.2, 1, 100) and "alpha" not in why
    assert mine["radius_warmup"] == 80 and mine["time_budget"] is None  # given epochs: no limit, warm-up 80%
    off, _ = choose_static({**UNSET, "radius_warmup": 0}, cores=2)
    assert off["radius_start"] is None and off["alpha"] == 0.1  # no warm-up: the rate that works without one
    assert off["hard_negatives"] == 0  # hard negatives wait for the warm-up; without one they would start at epoch 1
    gensim, _ = choose_static({**UNSET, "engine": "gensim"}, cores=8)
    assert (gensim["objective"], gensim["alpha"], gensim["workers"], gensim["regularization_coeff"],
            gensim["radius_warmup"], gensim["virtual_root"], gensim["hard_negatives"]) == (
        "gensim", 0.1, 1, 1.0, 0, "off", 0)
    euclid, _ = choose_static({**UNSET, "model": "euclidean"}, cores=2)
    assert euclid["radius_start"] is None and euclid["radius_warmup"] == 0 and euclid["alpha"] == 0.1
    assert euclid["hard_negatives"] == 0  # hard negatives start after the warm-up, and the baselines have none
    lorentz, _ = choose_static({**UNSET, "model": "lorentz"}, cores=2)
    pooled, why = choose_static({**UNSET, "negative_sampling": "batch"}, cores=2)
    assert lorentz["hard_negatives"] == 1 and pooled["hard_negatives"] == 0 and "pool" in why["hard_negatives"]


def test_a_deep_hierarchy_gets_the_larger_rate_unless_the_user_set_one():
    def profile(mean_ancestors: float) -> HierarchyProfile:
        return HierarchyProfile(nodes=1000, relations=int(1000 * mean_ancestors), roots=1, leaves=400,
                                max_ancestors=40, mean_ancestors=mean_ancestors, multi_parent_share=0.0,
                                mean_branching=1.6, min_negatives=950, tightest_node="n999")

    def chosen(given: dict, mean_ancestors: float):
        static, _ = choose_static({**UNSET, "epochs": 100, **given}, cores=2)
        params = type("Params", (), dict(static, model=given.get("model", "poincare")))()
        why = choose_rate(params, {**UNSET, **given}, profile(mean_ancestors))
        return params.alpha, params.alpha_final, why

    alpha, final, why = chosen({}, DEEP_MEAN_ANCESTORS)
    assert (alpha, final) == (DEEP_ALPHA, DEEP_ALPHA / 10) and "deep hierarchy" in why["alpha"]
    assert chosen({}, DEEP_MEAN_ANCESTORS - 0.1) == (WARMUP_ALPHA, WARMUP_ALPHA / 10, {})  # WordNet nouns: 9.1
    assert chosen({"alpha": 0.3}, 20.0)[:2] == (0.3, None)  # the user's rate stays, constant
    assert chosen({"alpha_final": 0.2}, 20.0)[:2] == (WARMUP_ALPHA, 0.2)
    assert chosen({"model": "lorentz"}, 20.0)[:2] == (WARMUP_ALPHA, WARMUP_ALPHA / 10)  # measured on the ball only
    assert chosen({"radius_warmup": 0}, 20.0)[2] == {}  # no warm-up: not the warm-up schedule's rate


def test_a_fit_records_the_deep_rate_and_why():
    deep = generated_hierarchy("deep", 400, seed=0).relations()
    est = PoincareEmbedding(dim=5, epochs=3, workers=1, verbose=0).fit(deep, final_evaluation=False)
    assert est.schedule_["profile"]["mean_ancestors"] >= DEEP_MEAN_ANCESTORS
    assert est.params_.alpha == DEEP_ALPHA and "deep hierarchy" in est.schedule_["alpha"]
    assert est.alpha is None  # the parameter as given stays as given


def test_a_very_deep_hierarchy_gets_the_radius_cap_unless_the_user_chose_or_it_was_not_measured():
    deep = HierarchyProfile.from_pairs(generated_hierarchy("deep", 3000).relations())
    tree = HierarchyProfile.from_pairs(generated_hierarchy("balanced-b3", 3000).relations())
    assert deep.mean_ancestors >= VERY_DEEP_MEAN_ANCESTORS > tree.mean_ancestors

    def chosen(given: dict, profile: HierarchyProfile, *, hard: bool = False):
        static, why = choose_static({**UNSET, "epochs": 100, **given}, cores=2)
        params = type("Params", (), static)()
        why.update(choose_radius_cap(params, {**UNSET, **given}, profile))
        return (static["radius_cap"], params.radius_cap, why) + ((params.hard_negatives,) if hard else ())

    before, cap, why, hard = chosen({}, deep, hard=True)
    assert before is None and cap == "depth" and "ancestors on average" in why["radius_cap"]
    assert hard == CAPPED_HARD_NEGATIVES > HARD_NEGATIVES and "radius cap" in why["hard_negatives"]
    _, cap, why, hard = chosen({}, tree, hard=True)
    assert cap == "off" and "warm-up's bound alone" in why["radius_cap"] and hard == HARD_NEGATIVES
    _, cap, why, hard = chosen({"radius_cap": "off"}, deep, hard=True)  # the user's choice stays, without a reason
    assert cap == "off" and "radius_cap" not in why and hard == HARD_NEGATIVES
    assert chosen({"hard_negatives": 1}, deep, hard=True)[3] == 1  # the user's violators stay
    assert chosen({"radius_cap": "depth"}, tree, hard=True)[3] == CAPPED_HARD_NEGATIVES  # the cap, given
    for given in ({"model": "lorentz"}, {"model": "euclidean"}, {"radius_warmup": 0}, {"engine": "gensim"}):
        before, cap, why = chosen(given, deep)  # chosen before the data: never measured there
        assert before == cap == "off" and why["radius_cap"], given


def test_a_fit_of_a_very_deep_tree_keeps_every_node_within_its_depth_bound_and_resumes_exactly(tmp_path):
    tree = generated_hierarchy("deep", 400, seed=0)
    kw = {"dim": 5, "workers": 1, "verbose": 0, "radius_warmup": 4, "random_state": 2}
    est = PoincareEmbedding(epochs=8, **kw).fit(tree.relations(), final_evaluation=False)
    assert est.params_.radius_cap == "depth" and est.radius_cap is None and "radius_cap" in est.schedule_
    assert est.params_.hard_negatives == CAPPED_HARD_NEGATIVES and "radius cap" in est.schedule_["hard_negatives"]
    depth = tree.depth[[tree.index[key] for key in est.kv_.index_to_key]]
    bounds = depth_radius_bounds(depth, radius=boundary_radius(est.params_.epsilon), slack=RADIUS_CAP_SLACK)
    radii = 2 * np.arctanh(np.linalg.norm(est.kv_.vectors, axis=1))
    assert (radii <= bounds + 1e-6).all()
    free = PoincareEmbedding(epochs=8, radius_cap="off", **kw).fit(tree.relations(), final_evaluation=False)
    assert (2 * np.arctanh(np.linalg.norm(free.kv_.vectors, axis=1)) > bounds + 0.5).any()  # the cap binds
    PoincareEmbedding(epochs=3, **kw).fit(tree.relations(), run_dir=tmp_path / "run", checkpoint_every=3)
    resumed = PoincareEmbedding.resume(tmp_path / "run", epochs=8, verbose=0)
    assert resumed.params_.radius_cap == "depth"
    np.testing.assert_array_equal(resumed.kv_.vectors, est.kv_.vectors)
    timed = PoincareEmbedding(dim=5, workers=1, verbose=0, time_budget=3.0).fit(tree.relations(),
                                                                              final_evaluation=False)
    assert timed.schedule_["radius_warmup"].startswith(f"{CAPPED_WARMUP_SHARE:.0%} of the")


def test_the_radius_cap_needs_the_poincare_ball_of_the_fast_engine():
    rel = [("a", "r"), ("b", "r")]
    for given in ({"model": "lorentz"}, {"engine": "gensim"}, {"objective": "gensim"}):
        with pytest.raises(ConfigError, match="radius_cap='depth' needs model='poincare', engine='fast'"):
            PoincareEmbedding(dim=2, epochs=1, radius_cap="depth", verbose=0, **given).fit(rel)


def test_epochs_fill_the_budget_within_bounds():
    fit, why = choose_epochs(epochs=None, radius_warmup=None, radius_start=2.0, time_budget=100.0,
                             seconds_used=2.0, seconds_per_epoch=0.1, burn_in_left=9)
    assert fit["epochs"] == int((95.0 - 2.0 - 0.9) / 0.1) and fit["radius_warmup"] == round(0.8 * fit["epochs"])
    assert "fits in the 100 s budget" in why["epochs"]
    assert f"could use {MAX_EPOCHS:,}" in why["epochs"] and "time_budget=" in why["epochs"]  # and what it would take
    wanted = float(why["epochs"].rsplit("time_budget=", 1)[1].split()[0])
    more, _ = choose_epochs(epochs=None, radius_warmup=None, radius_start=2.0, time_budget=wanted,
                            seconds_used=2.0, seconds_per_epoch=0.1, burn_in_left=9)
    assert more["epochs"] == MAX_EPOCHS  # the budget it names fits them
    small, why = choose_epochs(epochs=None, radius_warmup=None, radius_start=None, time_budget=480.0,
                               seconds_used=0.0, seconds_per_epoch=1e-4, burn_in_left=0)
    assert small == {"epochs": MAX_EPOCHS, "radius_warmup": 0} and "updates per node" in why["epochs"]
    slow, why = choose_epochs(epochs=None, radius_warmup=5, radius_start=2.0, time_budget=10.0,
                              seconds_used=0.0, seconds_per_epoch=5.0, burn_in_left=0)
    assert slow == {"epochs": MIN_EPOCHS} and "raise time_budget" in why["epochs"]
    with pytest.raises(ConfigError, match="needs a time_budget"):
        choose_epochs(epochs=None, radius_warmup=None, radius_start=None, time_budget=None, seconds_used=0.0,
                      seconds_per_epoch=1.0, burn_in_left=0)


def test_epochs_after_the_warm_up_are_budgeted_at_their_cost():
    plain, _ = choose_epochs(epochs=None, radius_warmup=None, radius_start=2.0, time_budget=100.0,
                             seconds_used=0.0, seconds_per_epoch=0.1, burn_in_left=0)
    hard, why = choose_epochs(epochs=None, radius_warmup=None, radius_start=2.0, time_budget=100.0,
                              seconds_used=0.0, seconds_per_epoch=0.1, burn_in_left=0, hard_cost=HARD_EPOCH_COST)
    warm, after = hard["radius_warmup"], hard["epochs"] - hard["radius_warmup"]
    assert hard["epochs"] < plain["epochs"] and "about 1.4x" in why["epochs"]
    assert (warm + after * HARD_EPOCH_COST) * 0.1 <= 95.0 < (warm + after * HARD_EPOCH_COST + 1.5) * 0.1  # filled
    none, _ = choose_epochs(epochs=None, radius_warmup=None, radius_start=None, time_budget=100.0,
                            seconds_used=0.0, seconds_per_epoch=0.1, burn_in_left=0, hard_cost=HARD_EPOCH_COST)
    assert none["epochs"] == plain["epochs"]  # no warm-up, no later phase to cost more


def test_the_epochs_after_the_warm_up_are_costed_with_their_mining_passes_whole():
    def plan(**kw):
        cost, pays, why = hard_epoch_cost(share=0.8, most=MAX_EPOCHS, **kw)
        passes, hard = (int(x) for x in re.match(r"(\d+) mining pass(?:es)? of [\d.]+ s in the (\d+) epochs", why).groups())
        return cost, pays, why, passes, hard

    # WordNet nouns at d = 10: three short passes in the phase, the measured floor binds (the defaults' tables)
    cost, pays, _, passes, hard = plan(seconds_left=500.0, seconds_per_epoch=0.35, pass_seconds=6.0, mining_every=91)
    assert (cost, pays, passes) == (HARD_EPOCH_COST, True, -(-hard // 91))
    # d = 200: one pass of 60 s counted whole; the plan fitted at that cost fills the time, pass included
    cost, pays, why, passes, hard = plan(seconds_left=500.0, seconds_per_epoch=1.6, pass_seconds=60.0,
                                         mining_every=91)
    assert pays and passes == 1 and cost > HARD_EPOCH_COST
    values, _ = choose_epochs(epochs=None, radius_warmup=None, radius_start=2.0, time_budget=500.0 / 0.95,
                              seconds_used=0.0, seconds_per_epoch=1.6, burn_in_left=0, hard_cost=cost)
    warm, after = values["radius_warmup"], values["epochs"] - values["radius_warmup"]
    assert abs(after - hard) <= 1
    assert 500.0 - 3 * 1.6 * DRAW_COST < warm * 1.6 + after * 1.6 * DRAW_COST + 60.0 <= 500.0 + 1.6
    # a long phase: the fewest passes that cover its epochs, one every 50 from its first
    _, pays, _, passes, hard = plan(seconds_left=5000.0, seconds_per_epoch=1.0, pass_seconds=20.0, mining_every=50)
    assert pays and passes == -(-hard // 50) > 1
    # a pass longer than the epochs it serves would train (d = 200, a 300 s budget): not worth it
    cost, pays, why, passes, hard = plan(seconds_left=280.0, seconds_per_epoch=1.6, pass_seconds=130.0,
                                         mining_every=91)
    assert not pays and passes * 130.0 > MAX_MINING_SHARE * (hard * 1.6 * DRAW_COST + 130.0)
    assert "would go to mining" in why
    assert not hard_epoch_cost(seconds_left=50.0, seconds_per_epoch=1.0, pass_seconds=100.0, mining_every=10,
                               share=0.8, most=MAX_EPOCHS)[1]  # not even one epoch beside the pass


def test_a_fit_whose_mining_would_not_pay_draws_uniform_negatives_unless_the_user_asked(monkeypatch, tmp_path):
    probe = PoincareEmbedding(verbose=0, time_budget=2.0, workers=1).fit(MAMMALS_TSV, final_evaluation=False)
    mining = probe.schedule_["mining"]  # a real probe: a pass over 1,180 nodes is next to nothing
    assert 0 < mining["pass_seconds"] < 0.5 and mining["hard_epoch_cost"] >= HARD_EPOCH_COST
    assert probe.params_.hard_negatives == HARD_NEGATIVES and "each such epoch counted at" in mining["rule"]
    # a machine where one pass takes far longer than the budget (as WordNet nouns at d = 200 on two cores)
    monkeypatch.setattr(FastTrainer, "mining_seconds", lambda self: 100.0)
    est = PoincareEmbedding(verbose=0, time_budget=2.0, workers=1).fit(MAMMALS_TSV, run_dir=tmp_path / "run",
                                                                        final_evaluation=False)
    assert est.params_.hard_negatives == 0 and "uniform negatives" in est.schedule_["hard_negatives"]
    assert est.schedule_["mining"]["pass_seconds"] == 100.0 and est._fast.violators_epoch is None  # never mined
    assert "about 1x" in est.schedule_["plan_refit"]  # the epochs after the warm-up cost what the warm-up's do
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["params"]["hard_negatives"] == 0 and config["given"]["hard_negatives"] is None
    asked = PoincareEmbedding(verbose=0, time_budget=2.0, workers=1, hard_negatives=1).fit(
        MAMMALS_TSV, final_evaluation=False)
    assert asked.params_.hard_negatives == 1 and asked.schedule_["mining"]["hard_epoch_cost"] > HARD_EPOCH_COST
    assert asked.schedule_["mining"]["rule"].endswith("kept as asked (hard_negatives=1)")


def test_the_refit_spends_what_is_left_of_the_budget_at_the_measured_cost():
    # 300 s used of 95% of 480; a plain epoch 1.15 s, the first 11 s with its mining pass, one every 68 epochs
    epochs, why = refit_epochs(epoch=323, epochs=396, radius_warmup=320, time_budget=480.0, seconds_used=300.0,
                               recent=[11.0, 1.1, 1.2], mining_every=68, most=MAX_EPOCHS)
    # 127 epochs of 1.15 s and the pass at epoch 389 (68 after the first, at 321) fill the 156 s left; one more
    # would not fit
    assert epochs == 323 + 127 and "instead of 73" in why and "1 mining pass of 9.85 s" in why
    assert 127 * 1.15 + 9.85 <= 156.0 < 128 * 1.15 + 9.85
    long_, why = refit_epochs(epoch=323, epochs=700, radius_warmup=320, time_budget=900.0, seconds_used=300.0,
                              recent=[11.0, 1.1, 1.2], mining_every=68, most=MAX_EPOCHS)
    # 555 s left: 421 epochs (to 744) would need the passes at 389, 457, ..., 729 (6), 6.9 + 484.2 s
    passes = len(range(321 + 68, long_ + 1, 68))
    assert (long_ - 323) * 1.15 + passes * 9.85 <= 555.0
    assert (long_ - 322) * 1.15 + len(range(321 + 68, long_ + 2, 68)) * 9.85 > 555.0 and f"{passes} mining passes" in why
    flat, _ = refit_epochs(epoch=323, epochs=500, radius_warmup=320, time_budget=480.0, seconds_used=300.0,
                           recent=[1.0, 1.0, 1.0], mining_every=0, most=MAX_EPOCHS)
    assert flat == 323 + 156  # no violators: the mean of the timed epochs
    assert refit_epochs(epoch=323, epochs=396, radius_warmup=320, time_budget=480.0, seconds_used=300.0,
                        recent=[1.0, 1.0, 1.0], mining_every=0, most=400)[0] == 400  # never past the hierarchy's cap
    short, why = refit_epochs(epoch=323, epochs=340, radius_warmup=320, time_budget=480.0, seconds_used=300.0,
                              recent=[1.0, 1.0, 1.0], mining_every=0, most=MAX_EPOCHS)
    assert short == 320 + 2 * 20 and "twice the epochs planned" in why  # a re-fit does not reshape the schedule
    assert refit_epochs(epoch=323, epochs=396, radius_warmup=320, time_budget=480.0, seconds_used=470.0,
                        recent=[1.0, 1.0, 1.0], mining_every=0, most=MAX_EPOCHS)[0] == 323  # nothing left: stop now
    with pytest.raises(ConfigError, match="two epochs"):
        refit_epochs(epoch=3, epochs=9, radius_warmup=0, time_budget=10.0, seconds_used=1.0, recent=[1.0],
                     mining_every=0, most=9)


def test_the_first_epoch_timed_before_the_warm_up_is_chosen_draws_no_violators():
    # the schedule times epoch 1 before it knows the warm-up's length; that epoch is in the warm-up, and mining
    # violators from random vectors there once cost a 100k-node DAG 18 s and its whole schedule
    est = PoincareEmbedding(time_budget=5.0)
    assert est.hard_negatives_at(1) == 0
    assert PoincareEmbedding(epochs=10, radius_warmup=4, hard_negatives=1).hard_negatives_at(5) == 1


def test_the_warm_up_is_shortened_when_it_would_leave_too_little_time_after_it():
    kw = dict(epoch=400, epochs=1000, radius_warmup=800, time_budget=540.0)
    share = 0.95 * 540.0
    kept = replan_warmup(**kw, seconds_used=377.0, recent=[0.2] * 5, early=[0.2] * 5, early_epoch=4.0)
    assert kept[:2] == (1000, 800) and "kept as planned" in kept[2]  # 80 s of warm-up and 56 s after it: 136 s
    # cheaper than planned: the longest warm-up whose rest and share of epochs after it fit in the time left
    longer = replan_warmup(**kw, seconds_used=100.0, recent=[0.2] * 5, early=[0.2] * 5, early_epoch=4.0)
    needs = [(w - 400) * 0.2 + (round(w / 0.8) - w) * 0.2 * HARD_EPOCH_COST for w in (longer[1], longer[1] + 1)]
    assert needs[0] <= share - 100.0 < needs[1] and longer[0] == round(longer[1] / 0.8)
    assert "cost less than planned" in longer[2] and "(was 800)" in longer[2]
    capped = replan_warmup(**kw, seconds_used=100.0, recent=[0.2] * 5, early=[0.2] * 5, early_epoch=4.0, most=1100)
    assert capped[:2] == (1100, 880)  # within the most epochs
    # the same cost now, but growing since the first epochs: the trend continued overruns, the plain cost not
    flat = replan_warmup(**kw, seconds_used=300.0, recent=[0.4] * 5, early=[0.4] * 5, early_epoch=4.0)
    # 400 epochs of 0.4 s leave 53 s of 213, above the minimum but under 3/4 of the 112 s the plan gave the 200
    # epochs after it: back to the longest warm-up that leaves its share of epochs after it, which fill the rest
    needs = [(w - 400) * 0.4 + (round(w / 0.8) - w) * 0.4 * HARD_EPOCH_COST for w in (flat[1], flat[1] + 1)]
    assert flat[1] < 800 and needs[0] <= share - 300.0 < needs[1]
    assert flat[0] - flat[1] == int((share - 300.0 - (flat[1] - 400) * 0.4) / (0.4 * HARD_EPOCH_COST))
    assert "less than 75% of the 112 s planned" in flat[2] and "(was 800)" in flat[2]
    planned = 200 * 0.4 * HARD_EPOCH_COST  # the threshold: 3/4 of it kept, a little less not
    for after, shortened in ((0.76 * planned, False), (0.74 * planned, True)):
        used = share - 160.0 - after
        checked = replan_warmup(**kw, seconds_used=used, recent=[0.4] * 5, early=[0.4] * 5, early_epoch=4.0)
        assert (checked[1] < 800) is shortened and (checked[:2] == (1000, 800)) is not shortened
    last = replan_warmup(epoch=799, epochs=1000, radius_warmup=800, time_budget=540.0, seconds_used=450.0,
                         recent=[0.4] * 5, early=[0.4] * 5, early_epoch=4.0)
    assert last[:2] == (1000, 800)  # one warm-up epoch left: nothing to give back, never a warm-up in the past
    grown = replan_warmup(**kw, seconds_used=300.0, recent=[0.4] * 5, early=[0.2] * 5, early_epoch=4.0)
    assert grown[1] < 800 and grown[0] > grown[1] and "(was 800)" in grown[2]
    growth = 0.2 / (398 - 4)

    def cost(upto):  # the warm-up's epochs after epoch 400 up to ``upto``, growing from 0.4 s at epoch 398
        return sum(0.4 + growth * (e - 398) for e in range(401, upto + 1))

    left = share - 300.0
    assert left - cost(grown[1]) >= MIN_HARD_SHARE * share > left - cost(grown[1] + 1)  # exactly the minimum left
    spare = left - cost(grown[1])
    per_hard = (0.4 + growth * (grown[1] - 398)) * HARD_EPOCH_COST
    assert grown[0] - grown[1] == int(spare / per_hard)  # and the epochs after it fill it
    # the epochs after the warm-up at the warm-up's cost (no violators): the longest that fits is longer still
    plain = replan_warmup(**kw, seconds_used=100.0, recent=[0.2] * 5, early=[0.2] * 5, early_epoch=4.0,
                          hard_cost=1.0)
    needs = [(w - 400) * 0.2 + (round(w / 0.8) - w) * 0.2 for w in (plain[1], plain[1] + 1)]
    assert needs[0] <= share - 100.0 < needs[1] and plain[1] > longer[1]
    # shortened, the epochs after it are planned at their cost too
    plain_grown = replan_warmup(**kw, seconds_used=300.0, recent=[0.4] * 5, early=[0.2] * 5, early_epoch=4.0,
                                hard_cost=1.0)
    assert plain_grown[1] == grown[1] and plain_grown[0] - plain_grown[1] == int(spare / (per_hard / HARD_EPOCH_COST))
    spent = replan_warmup(**kw, seconds_used=600.0, recent=[0.5], early=[0.5], early_epoch=2.0)
    assert spent[:2] == (401 + REFIT_AFTER + 1, 401)  # nothing left: one more warm-up epoch, then the refit's
    with pytest.raises(ConfigError, match="one epoch or more"):
        replan_warmup(epoch=4, epochs=9, radius_warmup=8, time_budget=10.0, seconds_used=1.0, recent=[], early=[1.0],
                      early_epoch=2.0)


def test_the_plan_refit_follows_the_epochs_after_the_first_either_way():
    kw = dict(epoch=6, epochs=400, radius_warmup=320, time_budget=540.0, seconds_used=30.0, most=3000,
              hard_cost=HARD_EPOCH_COST)
    left = 0.95 * 540.0 - 30.0
    for cost, longer in ((0.8, True), (1.6, False)):  # the first epoch was slower / faster than those after it
        epochs, warm, why = refit_plan(**kw, recent=[cost, cost * 1.5, cost, cost * 0.9, cost])  # the median
        assert (epochs > 400) is longer and warm == round(0.8 * epochs)
        time_needed = (warm - 6) * cost + (epochs - warm) * cost * HARD_EPOCH_COST
        assert time_needed <= left < time_needed + 1.1 * cost * HARD_EPOCH_COST  # fills what is left
        assert f"{epochs} epochs (was 400), the warm-up {warm} (was 320)" in why
    assert refit_plan(**{**kw, "most": 450}, recent=[0.1])[:2] == (450, 360)  # within the cap
    assert refit_plan(**{**kw, "seconds_used": 600.0}, recent=[0.1])[0] == 6  # nothing left: stop
    with pytest.raises(ConfigError, match="one epoch or more"):
        refit_plan(**kw, recent=[])


def test_a_plan_fitted_to_a_fast_first_epoch_is_refitted_from_the_epochs_after_it(tmp_path):
    class SlowAfterFirst(Callback):  # the epochs after the first cost more than it did
        def on_epoch_end(self, estimator, logs):
            if logs["epoch"] <= REPLAN_RECENT:
                time.sleep(0.05)

    est = PoincareEmbedding(verbose=0, time_budget=5.0, workers=1, callbacks=[SlowAfterFirst()]).fit(
        MAMMALS_TSV, run_dir=tmp_path / "run")
    anchors = est.schedule_["warmup_replan"]
    assert anchors[0]["epoch"] == 1 + REPLAN_RECENT
    refitted = anchors[1]["planned_warmup"] if len(anchors) > 1 else est.params_.radius_warmup
    assert refitted < 0.8 * anchors[0]["planned_warmup"]  # the slower epochs shortened the plan
    assert f"re-fitted at epoch {1 + REPLAN_RECENT} from the median" in est.schedule_["plan_refit"]
    assert est.params_.epochs >= est.n_epochs_trained_ and est.fit_seconds_ < 5.0 + 1.0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["schedule"]["plan_refit"] == est.schedule_["plan_refit"]
    resumed = PoincareEmbedding.resume(tmp_path / "run", verbose=0)  # not re-fitted again
    assert resumed.schedule_["plan_refit"] == est.schedule_["plan_refit"]
    assert resumed.params_.epochs == est.params_.epochs


def test_a_re_planned_warm_up_keeps_the_bound_continuous_and_the_epochs_before_it_as_they_were():
    est = PoincareEmbedding(objective="nickel2017", engine="fast", radius_start=2.0, radius_warmup=100,
                            epochs=125)
    before = [est.radius_at(e) for e in range(1, 131)]
    eps_before = [est.epsilon_at(e) for e in range(1, 131)]
    est.params_.radius_warmup, est.params_.epochs = 70, 90
    est.schedule_["warmup_replan"] = [{"epoch": 50, "radius": before[49], "planned_warmup": 100}]
    after = [est.radius_at(e) for e in range(1, 131)]
    assert after[:50] == before[:50]  # the epochs before the re-plan followed the planned warm-up
    assert all(b >= a for a, b in zip(after, after[1:]))  # and the bound never falls
    assert before[49] < after[50] < after[69] < after[70] == before[-1]  # the boundary at the new warm-up's end
    eps_after = [est.epsilon_at(e) for e in range(1, 131)]
    assert eps_after[:50] == eps_before[:50] and all(e == est.params_.epsilon for e in eps_after[70:])
    assert eps_after[50] == epsilon_for_radius(after[50])
    # checked again at epoch 60 and shortened once more: the epochs up to 60 keep the first re-plan's bound
    est.params_.radius_warmup, est.params_.epochs = 64, 80
    est.schedule_["warmup_replan"].append({"epoch": 60, "radius": after[59], "planned_warmup": 70})
    twice = [est.radius_at(e) for e in range(1, 131)]
    assert twice[:60] == after[:60] and all(b >= a for a, b in zip(twice, twice[1:]))
    assert after[59] < twice[60] < twice[63] < twice[64] == before[-1]


def test_a_slowing_warm_up_is_re_planned_and_recorded(tmp_path):
    class Slowing(Callback):  # the epochs after the plan's refit cost more, as when the points reach the bound
        def on_epoch_end(self, estimator, logs):
            # sleeps much longer than mammals' epochs (about 6 ms): the step from about 56 to 106 ms an epoch, not
            # the machine's speed, decides the plan and the checks, and the first check comes with the budget half
            # spent (a sleep growing with the epoch left it past the budget's end on a slow run)
            time.sleep(0.05 if logs["epoch"] <= 2 * REPLAN_RECENT else 0.1)

    est = PoincareEmbedding(verbose=0, time_budget=5.0, workers=1, callbacks=[Slowing()]).fit(
        MAMMALS_TSV, run_dir=tmp_path / "run")
    replans = est.schedule_["warmup_replan"]
    checks = [r for r in replans if r["epoch"] > 1 + REPLAN_RECENT]  # after the plan's refit (either way)
    assert checks and checks[0]["planned_warmup"] > est.params_.radius_warmup  # the warm-up was shortened to fit
    assert [r["epoch"] for r in replans] == sorted({r["epoch"] for r in replans})
    assert est.schedule_["warmup_checked"] >= replans[-1]["epoch"]
    if est.schedule_["warmup_checked"] == checks[-1]["epoch"]:  # the last check shortened it
        assert f"it ends at epoch {est.params_.radius_warmup} (was {checks[-1]['planned_warmup']})" in \
            est.schedule_["warmup_check"]
    assert est.fit_seconds_ < 5.0 + 1.0 and est.n_epochs_trained_ > est.params_.radius_warmup  # with epochs after it
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["schedule"]["warmup_replan"] == replans and config["params"]["radius_warmup"] == \
        est.params_.radius_warmup
    assert config["schedule"]["plateau"]["start"] == est.params_.radius_warmup + 1
    resumed = PoincareEmbedding.resume(tmp_path / "run", verbose=0)  # follows the same bound, not re-checked
    assert [resumed.radius_at(e) for e in range(1, est.params_.epochs + 2)] == \
        [est.radius_at(e) for e in range(1, est.params_.epochs + 2)]
    assert resumed.schedule_["warmup_replan"] == replans


@pytest.mark.parametrize("hard_negatives, cost", [(None, f"{HARD_EPOCH_COST:g}x"), (0, "1x")])
def test_the_warm_up_checks_cost_the_epochs_after_it_as_the_fit_draws_them(hard_negatives, cost):
    est = PoincareEmbedding(verbose=0, time_budget=2.0, workers=1, hard_negatives=hard_negatives).fit(MAMMALS_TSV)
    assert f"those after it about {cost})" in est.schedule_["warmup_check"]  # violators or none
    assert f"those after the warm-up about {cost})" in est.schedule_["plan_refit"]


def test_a_fit_of_the_schedule_refits_its_epochs_after_the_warm_up_and_records_it(tmp_path):
    est = PoincareEmbedding(verbose=0, time_budget=4.0, workers=1).fit(MAMMALS_TSV, run_dir=tmp_path / "run")
    p = est.params_
    assert "re-fitted at epoch" in est.schedule_["epochs_refit"]
    assert f"at epoch {p.radius_warmup + REFIT_AFTER} " in est.schedule_["epochs_refit"]
    assert p.radius_warmup + REFIT_AFTER <= p.epochs <= most_epochs(est._profile)
    assert est.fit_seconds_ < 4.0 + 1.0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["params"]["epochs"] == p.epochs and config["schedule"]["epochs_refit"] == est.schedule_[
        "epochs_refit"]
    resumed = PoincareEmbedding.resume(tmp_path / "run", verbose=0)  # the re-fitted epochs, not re-timed again
    assert resumed.params_.epochs == p.epochs and resumed.schedule_["epochs_refit"] == est.schedule_["epochs_refit"]
    given = PoincareEmbedding(verbose=0, epochs=30, workers=1).fit(MAMMALS_TSV, final_evaluation=False)
    assert "epochs_refit" not in given.schedule_ and given.params_.epochs == 30  # given epochs are kept


def test_a_fit_with_no_arguments_records_what_it_chose_and_why(tmp_path):
    est = PoincareEmbedding(verbose=0, time_budget=3.0, workers=1).fit(MAMMALS_TSV, run_dir=tmp_path / "run")
    p = est.params_
    assert est.epochs is None and est.alpha is None  # the parameters as given stay as given
    assert (p.engine, p.objective, p.alpha, p.radius_start) == ("fast", "nickel2017", 0.5, 2.0)
    assert MIN_EPOCHS <= p.epochs <= MAX_EPOCHS and p.radius_warmup < p.epochs
    # the warm-up as first planned: a check of it may have shortened it since (on a machine slowed down)
    planned = est.schedule_["warmup_replan"][0]["planned_warmup"] if "warmup_replan" in est.schedule_ else \
        p.radius_warmup
    if "epochs_refit" not in est.schedule_ and planned == p.radius_warmup:  # else re-fitted to the time left
        assert p.radius_warmup == round(0.8 * p.epochs)
    assert est.n_epochs_trained_ <= p.epochs and est.fit_seconds_ < 3.0 + 1.0
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["params"]["epochs"] == p.epochs and config["given"]["epochs"] is None
    assert "budget" in config["schedule"]["epochs"] and config["schedule"]["profile"]["nodes"] == 1180
    plateau = config["schedule"]["plateau"]  # every twentieth of the epochs first planned, after the warm-up
    assert plateau["start"] == p.radius_warmup + 1 and 1 <= plateau["every"] <= max(1, planned // 16)
    loaded = PoincareEmbedding.load(tmp_path / "run")
    assert loaded.params_.epochs == p.epochs and loaded.schedule_["profile"]["roots"] == 1


def test_a_run_of_the_schedule_resumes_exactly(tmp_path):
    """The resolved values are what config.json holds, so resume neither re-times nor re-chooses anything."""
    kw = {"dim": 3, "negative": 2, "burn_in": 2, "workers": 1, "random_state": 4, "verbose": 0}
    whole = PoincareEmbedding(epochs=8, **kw).fit(TOY_BASIC)
    PoincareEmbedding(epochs=3, **kw).fit(TOY_BASIC, run_dir=tmp_path / "run", checkpoint_every=3)
    resumed = PoincareEmbedding.resume(tmp_path / "run", epochs=8, verbose=0)
    assert resumed.params_.radius_warmup == round(0.8 * 3)  # the recorded warm-up, not one for 8 epochs
    assert whole.params_.radius_warmup == round(0.8 * 8)
    again = PoincareEmbedding(epochs=8, radius_warmup=2, **kw).fit(TOY_BASIC)
    np.testing.assert_array_equal(resumed.kv_.vectors, again.kv_.vectors)


def test_tiny_hierarchies_get_fewer_negatives_and_a_users_impossible_count_is_refused():
    rel = [("a", "r"), ("b", "r"), ("c", "a"), ("c", "r")]
    est = PoincareEmbedding(dim=2, epochs=3, verbose=0).fit(rel)
    assert est.params_.negative == 1 and "'c'" in est.schedule_["negative"]
    with pytest.raises(ConfigError, match="negative=3 is too large: node 'c' has only 1 possible negatives"):
        PoincareEmbedding(dim=2, epochs=3, negative=3, verbose=0).fit(rel)


def test_plateau_stop_waits_for_its_start_and_stops_on_a_flat_map():
    rel = generated_hierarchy("balanced-b3", 40).relations()
    stop = PlateauStop(every=2, start=4, patience=2, min_delta=1.0, sample=10)
    est = PoincareEmbedding(dim=2, epochs=30, negative=2, workers=1, verbose=0, callbacks=[stop]).fit(rel)
    checked = [h["epoch"] for h in est.history_ if "map_sampled" in h]
    assert checked == [4, 6, 8] and est.n_epochs_trained_ == 8  # the first sets the best; two flat ones stop it
    with pytest.raises(ConfigError):
        PlateauStop(every=0, start=1)


@pytest.mark.parametrize("maps, stops_at", [
    ((0.937, 0.929, 0.938, 0.9385, 0.9383), 5),  # ICD-10-CM seed 0: the climb back after the dip is not flat
    ((0.937, 0.929, 0.931), 3),  # a dip that stays below the best: two flat evaluations
    ((0.90, 0.92, 0.94, 0.96), None),  # rising
    ((0.95, 0.94, 0.93), 3),  # falling after a peak (the binary tree): stop, and the best is put back
    ((0.95, 0.9505, 0.9502), 3),  # flat
])
def test_plateau_stop_counts_flat_evaluations_but_not_a_climb_back_after_a_dip(maps, stops_at):
    stop = PlateauStop(every=1, start=1)
    decisions = [stop.observe(value) for value in maps]
    assert (decisions.index(True) + 1 if True in decisions else None) == stops_at


def test_train_with_no_flags_prints_the_schedule_and_its_reasons(tmp_path):
    r = run_cli("train", MAMMALS_TSV, "--out", tmp_path / "run", "--time-budget", "2", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert "schedule for 1,180 nodes, 6,540 relations, 1 roots" in r.stderr
    assert "engine='fast' (the compiled Hogwild engine" in r.stderr and "schedule: epochs=" in r.stderr
    assert json.loads(r.stdout)["epochs"] >= 1
    plateau = json.loads((tmp_path / "run" / "config.json").read_text())["schedule"]["plateau"]
    evaluated = [int(m) for m in re.findall(r"^epoch (\d+)/\d+ .* map_sampled=", r.stderr, flags=re.MULTILINE)]
    assert evaluated and all((e - plateau["start"]) % plateau["every"] == 0 for e in evaluated)  # the plateau's


@pytest.mark.parametrize("model", ["poincare", "lorentz"])
def test_a_forest_trains_under_a_virtual_root_that_no_output_shows(tmp_path, model):
    from hypergensim.evaluation import evaluate_reconstruction
    from hypergensim.training.schedule import VIRTUAL_ROOT

    forest = generated_hierarchy("forest", 600, seed=1)
    rel = forest.relations()
    kw = {"dim": 4, "epochs": 6, "negative": 4, "workers": 1, "verbose": 0, "model": model, "random_state": 2,
          "radius_warmup": 4}
    est = PoincareEmbedding(**kw).fit(rel, run_dir=tmp_path / "run", checkpoint_every=3)
    assert est.params_.virtual_root == "on" and "6 roots" in est.schedule_["virtual_root"]
    assert est.model_.kv.index_to_key[-1] == VIRTUAL_ROOT and VIRTUAL_ROOT not in est.kv_.key_to_index
    assert len(est.kv_) == forest.n_nodes and np.shares_memory(est.kv_.vectors, est.model_.kv.vectors)
    assert est.points_.shape[0] == forest.n_nodes
    assert VIRTUAL_ROOT not in (tmp_path / "run" / "vectors.txt").read_text()
    assert (tmp_path / "run" / "relations.tsv").read_text().count("\n") == len(rel)  # the data as given
    embedding, kwargs = est.evaluation_input()
    assert evaluate_reconstruction(embedding, rel, **kwargs).n_pairs == len(rel)
    loaded = PoincareEmbedding.load(tmp_path / "run")
    np.testing.assert_array_equal(loaded.points_, est.points_)
    part = PoincareEmbedding(**{**kw, "epochs": 3}).fit(rel, run_dir=tmp_path / "part",
                                                                          checkpoint_every=3)
    assert part.params_.virtual_root == "on"
    resumed = PoincareEmbedding.resume(tmp_path / "part", epochs=6, verbose=0)
    np.testing.assert_array_equal(resumed.kv_.vectors, est.kv_.vectors)
    off = PoincareEmbedding(**kw, virtual_root="off").fit(rel)
    assert len(off.model_.kv) == forest.n_nodes and off.kv_ is off.model_.kv


def test_a_virtual_root_needs_a_forest_and_a_free_name():
    from hypergensim.training.schedule import VIRTUAL_ROOT

    with pytest.raises(ConfigError, match="virtual_root='on' joins the roots of a forest; these relations have 1"):
        PoincareEmbedding(dim=2, epochs=1, virtual_root="on", verbose=0).fit([("a", "r"), ("b", "r")])
    from hypergensim.errors import InputError

    with pytest.raises(InputError, match="rename it or pass virtual_root='off'"):
        PoincareEmbedding(dim=2, epochs=1, verbose=0).fit([("a", "r1"), ("b", "r2"), ("c", VIRTUAL_ROOT)])


@pytest.mark.parametrize("model", ["poincare", "lorentz"])
def test_plateau_stop_puts_back_the_vectors_of_the_best_evaluation(model):
    from hypergensim.training import Callback

    rel = generated_hierarchy("balanced-b3", 120).relations()
    seen: dict[int, np.ndarray] = {}

    class Scramble(Callback):  # from epoch 6 on the rows are shuffled: MAP collapses
        def on_epoch_end(self, est, logs):
            if logs["epoch"] >= 6:
                order = np.random.default_rng(logs["epoch"]).permutation(len(est.model_.kv.vectors))
                est._restore_snapshot({k: v[order] for k, v in est._snapshot().items()})
            seen[logs["epoch"]] = np.array(est.kv_.vectors)

    stop = PlateauStop(every=1, start=3, patience=3, min_delta=0.0, sample=50)
    est = PoincareEmbedding(dim=3, epochs=40, negative=3, workers=1, verbose=0, model=model,
                            callbacks=[Scramble(), stop]).fit(rel)
    restored = est.schedule_["restored"]
    assert 3 <= restored["epoch"] <= 5 and restored["last_map_sampled"] < restored["map_sampled"]
    np.testing.assert_array_equal(est.kv_.vectors, seen[restored["epoch"]])
    assert est.n_epochs_trained_ < 40
