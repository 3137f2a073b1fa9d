"""Tests for hypergensim.rundir: one owner of the file names, one metrics schema, the log restored."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from hypergensim.errors import ConfigError, InputError
from hypergensim.rundir import RunDir

TRAINING = {"epochs": 3, "final_loss": 0.25, "burn_in_loss": 1.5, "fit_seconds": 0.5}


def test_metrics_schema_is_one_and_checked(tmp_path):
    run = RunDir(tmp_path)
    written = run.write_metrics(TRAINING, {"task": "link prediction", "mean_rank": 2.0, "map": 0.5},
                                task="link-prediction", wall_seconds=1.25)
    assert list(written) == [*RunDir.TRAINING_METRICS, "link_prediction", "wall_seconds"]
    assert run.read_metrics() == written and RunDir.evaluation_in(written)["map"] == 0.5
    with pytest.raises(ValueError, match="training metrics lack fit_seconds"):
        run.write_metrics({k: v for k, v in TRAINING.items() if k != "fit_seconds"})
    with pytest.raises(ConfigError, match="unknown task 'ranking'"):
        RunDir.metrics(TRAINING, {}, task="ranking")
    assert RunDir.evaluation_in(RunDir.metrics(TRAINING)) == {}


def test_create_makes_parents_and_refuses_files_and_existing_runs(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="run directory is a file"):
        RunDir(tmp_path / "f").create()
    with pytest.raises(InputError, match="a file stands where the run directory's parent should be"):
        RunDir(tmp_path / "f" / "run").create()
    RunDir(tmp_path / "fresh" / "runs" / "m10").create()  # missing parents are made, as mkdir -p does
    assert (tmp_path / "fresh" / "runs" / "m10").is_dir()
    run = RunDir(tmp_path / "run")
    run.create()
    run.write_state({"vectors": np.zeros((2, 2))})
    with pytest.raises(ConfigError, match="already holds a run"):
        RunDir(tmp_path / "run").create()
    with pytest.raises(ValueError, match="non-finite"):
        run.write_state({"vectors": np.full((2, 2), np.nan)})
    assert np.isfinite(run.read_state()["vectors"]).all()  # the good checkpoint stays


def test_history_round_trip_and_files(tmp_path):
    run = RunDir(tmp_path)
    run.write_history([3.0, 2.0, 1.5], [{"epoch": 2, "mean_rank": 4.0, "map": 0.6, "mrr": 0.5, "hits_at_10": 0.9}])
    losses, evaluated = run.read_history()
    assert losses == [3.0, 2.0, 1.5]
    assert evaluated == [{"epoch": 2, "mean_rank": 4.0, "map": 0.6, "mrr": 0.5, "hits_at_10": 0.9}]
    run.write_vectors(["a", "b c"], np.array([[0.1, 0.2], [0.3, 0.1]]))  # a key with a space: no word2vec text
    assert set(run.files()) == {"history", "vectors_npz", "keys"}
    assert run.read_vectors().keys == ["a", "b c"]


def test_labels_round_trip_and_a_broken_line_is_named(tmp_path):
    run = RunDir(tmp_path)
    assert run.read_labels() == {}  # a run without labels
    run.write_labels({"HP:0000118": "Phenotypic abnormality", "a > b": "b\twith a tab"})
    assert run.read_labels() == {"HP:0000118": "Phenotypic abnormality", "a > b": "b with a tab"}
    assert "labels" in run.files()
    (tmp_path / RunDir.LABELS).write_text("HP:1\tAll\nHP:2 no tab\n")
    with pytest.raises(InputError, match="labels.tsv:2: expected node<TAB>label"):
        run.read_labels()


def test_logging_to_the_run_log_restores_the_logger(tmp_path):
    log = logging.getLogger("hypergensim.training")
    before_level, before_handlers = log.level, list(log.handlers)
    run = RunDir(tmp_path)
    with run.logging_to_file(log):
        assert log.getEffectiveLevel() <= logging.INFO
        log.info("hello from the run")
    assert log.level == before_level and log.handlers == before_handlers
    assert "hello from the run" in (tmp_path / RunDir.LOG).read_text()


def test_gensim_pickle_needs_consent(tmp_path):
    with pytest.raises(ConfigError, match="trust_pickle=True"):
        RunDir(tmp_path).load_gensim_model(trust_pickle=False)
