"""Tests for hypergensim.pipeline: the one front door, its RunResult, one evaluation per run, resume."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from conftest import MAMMALS_TSV, TOY_BASIC
from hypergensim.datasets import Hierarchy
from hypergensim.errors import ConfigError
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.pipeline import SPLIT_DEFAULTS, RunResult, resume, run
from hypergensim.rundir import RunDir

FAST = {"preset": "nickel2017", "epochs": 6, "workers": 1}


def test_run_records_config_seed_versions_timings_metrics_and_paths(tmp_path):
    result = run(MAMMALS_TSV, run_dir=tmp_path / "run", random_state=7, **FAST)
    assert isinstance(result, RunResult)
    assert result.config["dataset"] == str(MAMMALS_TSV) and result.config["task"] == "reconstruction"
    assert result.config["preset"] == "nickel2017" and result.config["params"]["dim"] == 5
    assert result.config["params"]["epochs"] == 6 and result.seed == 7
    assert {"hypergensim", "gensim", "numpy", "numba", "python"} <= set(result.versions)
    t = result.timings
    assert 0 < t["fit_seconds"] <= t["wall_seconds"] and t["load_seconds"] >= 0 and t["evaluate_seconds"] > 0
    on_disk = json.loads((tmp_path / "run" / RunDir.METRICS).read_text())
    assert on_disk == json.loads(json.dumps(result.metrics))
    assert set(on_disk) == {*RunDir.TRAINING_METRICS, "reconstruction", "wall_seconds", "resources"}
    assert on_disk["resources"]["peak_rss_mb"] > 50 and on_disk["resources"]["cores"] >= 1
    again = evaluate_reconstruction(result.estimator.kv_, MAMMALS_TSV)
    assert (result.mean_rank, result.map) == (again.mean_rank, again.map)
    assert {"config", "relations", "state", "vectors_npz", "metrics", "history", "gensim_model"} <= set(result.paths)
    config = json.loads((tmp_path / "run" / RunDir.CONFIG).read_text())
    assert config["pipeline"] == {"dataset": str(MAMMALS_TSV), "task": "reconstruction", "preset": "nickel2017",
                                  "split": None}


def test_every_run_is_evaluated_once(tmp_path, monkeypatch):
    """The final metrics come from one evaluation, whichever caller (here a sweep's run) asks for them."""
    import hypergensim.evaluation.tasks as tasks
    from hypergensim.experiments.sweep import run_one

    calls = []
    original = tasks._run

    def counting(*args, **kwargs):
        calls.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks, "_run", counting)
    job = {"id": "one", "values": {"seed": 0}, "dataset": str(TOY_BASIC), "source": str(TOY_BASIC),
           "task": "reconstruction",
           "train": {"engine": "gensim", "epochs": 2, "negative": 2, "burn_in": 0, "dim": 2}, "split": {},
           "evaluate": {}}
    (tmp_path / "runs").mkdir()
    row = run_one(job, str(tmp_path / "runs"))
    assert calls == ["reconstruction"]
    assert row["mean_rank"] == RunDir(tmp_path / "runs" / "one").read_metrics()["reconstruction"]["mean_rank"]


def test_link_prediction_keeps_its_test_relations_and_one_schema(tmp_path):
    from hypergensim.datasets import read_edge_file

    mammals = read_edge_file(MAMMALS_TSV, name="mammals")
    result = run(mammals, task="link-prediction", split={"test_fraction": 0.1, "seed": 3}, run_dir=tmp_path / "lp",
                 **FAST)
    assert result.config["split"] == {**SPLIT_DEFAULTS["link-prediction"], "test_fraction": 0.1, "seed": 3}
    run_dir = RunDir(tmp_path / "lp")
    test = run_dir.read_relations(test=True)
    train = set(run_dir.read_relations())
    assert test and not set(test) & train
    metrics = run_dir.read_metrics()
    assert "link_prediction" in metrics and "reconstruction" not in metrics
    assert metrics["link_prediction"]["task"] == "link prediction"
    assert metrics["link_prediction"]["n_pairs"] == len(test)
    assert result.mean_rank == metrics["link_prediction"]["mean_rank"] >= 1


def test_resume_continues_bit_for_bit_and_evaluates_the_same_task(tmp_path):
    first = run(MAMMALS_TSV, run_dir=tmp_path / "a", **{**FAST, "epochs": 4})
    assert first.metrics["epochs"] == 4
    resumed = resume(tmp_path / "a", epochs=8)
    whole = run(MAMMALS_TSV, **{**FAST, "epochs": 8})
    np.testing.assert_array_equal(resumed.estimator.kv_.vectors, whole.estimator.kv_.vectors)
    assert resumed.metrics["epochs"] == 8 and resumed.config["task"] == "reconstruction"
    assert resumed.map == whole.map and resumed.config["preset"] == "nickel2017"


def test_task_none_trains_without_evaluating():
    result = run([("a", "root"), ("b", "root"), ("c", "a"), ("c", "root")], task=None, dim=2, epochs=2,
                 negative=1)
    assert result.evaluation == {} and result.mean_rank is None and result.metrics["epochs"] == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"dimension": 5}, "unknown parameter"),
    ({"task": "ranking"}, "task must be one of"),
    ({"preset": "nickle2017"}, "unknown preset"),
    ({"split": {"test_fraction": 0.2}}, "split applies only"),
    ({"task": "link-prediction", "split": {"fraction": 0.2}}, "unknown split option"),
    ({"dim": 0}, "dim must be an integer >= 1"),
])
def test_bad_configuration_fails_before_any_data_is_read(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        run("no-such-file.tsv", **kwargs)


def test_two_fits_in_two_threads_equal_two_fits_in_sequence():
    """No process-wide state: concurrent fits (as in a threaded Dask worker) do not disturb each other."""
    seeds = (1, 2)
    sequential = [run(MAMMALS_TSV, task=None, random_state=s, **FAST).estimator.kv_.vectors for s in seeds]
    results: dict[int, np.ndarray] = {}
    threads = [threading.Thread(target=lambda s=s: results.__setitem__(
        s, run(MAMMALS_TSV, task=None, random_state=s, **FAST).estimator.kv_.vectors)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s, expected in zip(seeds, sequential):
        np.testing.assert_array_equal(results[s], expected)


def test_f1_task_trains_on_ganea_split_and_records_its_parts(tmp_path):
    from hypergensim.datasets import ganea2018_split, read_edge_file
    from hypergensim.evaluation.classification import evaluate_f1

    mammals = read_edge_file(MAMMALS_TSV, name="mammals")
    result = run(mammals, task="f1", split={"train_share": 0.25, "remove_root": True, "seed": 2},
                 run_dir=tmp_path / "f1", **{**FAST, "epochs": 6})
    assert result.config["split"] == {"method": "ganea2018", "train_share": 0.25, "remove_root": True, "seed": 2}
    run_dir = RunDir(tmp_path / "f1")
    assert run_dir.task() == "f1" and "f1" in run_dir.read_metrics()
    parts = run_dir.read_f1_parts()
    expected = ganea2018_split(mammals, train_share=0.25, remove_root=True, seed=2)
    for part in RunDir.F1_PARTS:
        assert parts[part] == expected.pairs(part)
    assert set(run_dir.read_relations()) == set(expected.pairs("train"))
    assert "mammal.n.01" not in {x for pair in run_dir.read_relations() for x in pair}  # the root is gone
    # the recorded F1 is the evaluator's on the run's own vectors and parts, with Ganea et al.'s is-a score
    embedding, by_model = result.estimator.evaluation_input()
    again = evaluate_f1(embedding, *(parts[p] for p in RunDir.F1_PARTS), score="is-a", **by_model)
    assert result.metrics["f1"]["score"] == "is-a" and result.metrics["f1"]["alpha"] == again.alpha
    assert result.metrics["f1"]["f1_test"] == again.f1_test and 0 < again.f1_test <= 1
    resumed = resume(tmp_path / "f1", epochs=8)
    assert resumed.config["task"] == "f1" and resumed.metrics["epochs"] == 8 and "f1" in resumed.metrics


def test_f1_reports_the_evaluation_with_the_best_valid_f1(tmp_path):
    """Ganea et al.'s rule: every ``evaluate_every`` epochs valid and test F1 are measured; the run reports the test
    F1 of the evaluation whose valid F1 is best (the first of equals)."""
    from hypergensim.datasets import read_edge_file

    mammals = read_edge_file(MAMMALS_TSV, name="mammals")
    result = run(mammals, task="f1", split={"train_share": 0.25}, evaluate_every=2, run_dir=tmp_path / "f1",
                 **{**FAST, "epochs": 7})
    checked = [h for h in result.estimator.history_ if "f1_valid" in h]
    assert [h["epoch"] for h in checked] == [2, 4, 6, 7]
    best = max(checked, key=lambda h: h["f1_valid"])
    chosen = result.metrics["f1"]["selected_on_valid"]
    assert chosen == {k: best[k] for k in ("epoch", "f1_valid", "f1_test", "f1_alpha")}
    assert checked[-1]["f1_test"] == result.metrics["f1"]["f1_test"]  # the last evaluation is the final one
    _, evaluated = RunDir(tmp_path / "f1").read_history()
    assert [h["epoch"] for h in evaluated] == [2, 4, 6, 7] and all("f1_test" in h for h in evaluated)


def test_f1_task_ranks_each_model_by_its_own_distance():
    from hypergensim.datasets import read_edge_file

    mammals = read_edge_file(MAMMALS_TSV, name="mammals")
    for model in ("euclidean", "translational", "lorentz"):
        params = {**FAST, "epochs": 3, "model": model}
        if model != "lorentz":
            params.update(radius_start=None, radius_warmup=0)
        result = run(mammals, task="f1", split={"train_share": 0.5}, **params)
        assert 0 < result.metrics["f1"]["f1_test"] <= 1


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"task": "f1", "split": {"test_fraction": 0.2}}, "unknown split option.*for task 'f1'"),
    ({"task": "f1", "split": {"method": "nickel2017"}}, "must be 'ganea2018'"),
    ({"task": "reconstruction", "split": {"train_share": 0.1}}, "split applies only"),
])
def test_bad_split_options_name_the_task(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        run("no-such-file.tsv", **kwargs)


def test_a_file_of_links_is_trained_as_given_and_the_log_says_it_is_not_closed(tmp_path, caplog):
    import logging

    links = tmp_path / "links.tsv"
    links.write_text("dog\tcanine\ncanine\tmammal\ncat\tmammal\n")
    caplog.set_level(logging.INFO, logger="hypergensim")
    result = run(links, dim=2, epochs=1, negative=1, verbose=1)
    assert result.estimator.relations_ == [("dog", "canine"), ("canine", "mammal"), ("cat", "mammal")]
    assert any("is not transitively closed (dog → canine → mammal, but no dog → mammal)" in m
               for m in caplog.messages)
    caplog.clear()
    run([("dog", "canine"), ("canine", "mammal")], dim=2, epochs=1, negative=1, verbose=1)  # pairs: the caller's
    closure = tmp_path / "closure.tsv"
    Hierarchy.from_edges(result.estimator.relations_).to_tsv(closure)
    run(closure, dim=2, epochs=1, negative=1, verbose=1)
    assert not any("transitively closed" in m for m in caplog.messages)


def test_a_dataframe_or_a_digraph_trains_on_its_closure_and_stray_items_stop_in_one_line(caplog):
    import logging

    import pandas as pd

    nx = pytest.importorskip("networkx")
    from hypergensim.errors import InputError

    caplog.set_level(logging.INFO, logger="hypergensim")
    df = pd.DataFrame({"employee": ["ann", "bob", "cid"], "manager": ["ceo", "ceo", "ann"]})
    closure = {("ann", "ceo"), ("bob", "ceo"), ("cid", "ann"), ("cid", "ceo")}
    result = run(df, dim=2, epochs=1, negative=1, verbose=1)
    assert set(result.estimator.relations_) == closure and result.config["dataset"] == "dataframe"
    assert "dataframe: 4 relations; read as child = column 'employee', parent = column 'manager' (its closure)" \
        in caplog.messages
    graph = nx.DiGraph([("ceo", "ann"), ("ceo", "bob"), ("ann", "cid")])  # networkx: parent → child
    assert set(run(graph, dim=2, epochs=1, negative=1).estimator.relations_) == closure
    from hypergensim.datasets import generated_hierarchy

    tree = generated_hierarchy("balanced-b3", 120).to_pandas(basic=True)  # links; the split is made of its closure
    held_out = run(tree, task="link-prediction", split={"test_fraction": 0.2}, dim=2, epochs=1, negative=1)
    assert held_out.metrics["link_prediction"]["n_pairs"] >= 1 and held_out.config["dataset"] == "dataframe"
    for bad, shown in [([("a", "b", "c")], "('a', 'b', 'c')"), (["ab"], "'ab'"), ([("a", "b"), 7], "7")]:
        with pytest.raises(InputError, match="item [01] is not a \\(child, parent\\) pair") as info:
            run(bad, dim=2, epochs=1)
        assert shown in str(info.value)


def test_labels_travel_from_an_ontology_to_the_runs_plots_and_exports(tmp_path):
    """An OBO file's term names reach the run directory, the loaded estimator, the disk's labels, the projector's
    metadata and the CSV; a link-prediction split of it keeps them too."""
    from hypergensim.export import export_run
    from hypergensim.plotting import plot_disk
    from hypergensim.training import PoincareEmbedding

    obo = tmp_path / "tiny.obo"
    obo.write_text("format-version: 1.2\n" + "".join(
        f"[Term]\nid: T:{i}\nname: term number {i}\n" + (f"is_a: T:{(i - 1) // 3}\n" if i else "") + "\n"
        for i in range(40)))
    names = {f"T:{i}": f"term number {i}" for i in range(40)}
    result = run(obo, run_dir=tmp_path / "run", dim=2, epochs=2, negative=2, workers=1)
    assert RunDir(tmp_path / "run").read_labels() == names
    est = PoincareEmbedding.load(tmp_path / "run")
    assert est.labels_ == names == result.estimator.labels_
    h = Hierarchy.from_edges(est.relations_)
    h.labels = est.labels_
    texts = {t.get_text() for t in plot_disk(est.kv_, h, top_k=3, mode="points").axes[0].texts}
    assert texts and texts <= set(names.values())  # the names, not the ids
    export_run(tmp_path / "run", "projector", tmp_path / "proj")
    meta = (tmp_path / "proj" / "metadata.tsv").read_text().splitlines()
    assert meta[0] == "key\tlabel" and meta[1:] == [f"{k}\t{names[k]}" for k in est.kv_.index_to_key]
    export_run(tmp_path / "run", "csv", tmp_path / "v.csv")
    assert (tmp_path / "v.csv").read_text().splitlines()[0] == "key,label,x0,x1"
    held_out = run(obo, task="link-prediction", run_dir=tmp_path / "lp", dim=2, epochs=1, negative=2, workers=1)
    assert held_out.estimator.labels_ == names == RunDir(tmp_path / "lp").read_labels()
    assert run(TOY_BASIC, dim=2, epochs=1, negative=1).estimator.labels_ == {}  # an edge file gives none
