"""The benchmark harness: its throughput section measures what it says, on real data, and tabulates it."""

from __future__ import annotations

import pytest

import hypergensim.bench as bench

VARIANTS = ("poincare", "poincare-float32", "poincare-batchneg", "lorentz", "euclidean", "translational")


def test_throughput_section_measures_every_model_and_thread_count_beside_gensim(monkeypatch):
    monkeypatch.setattr(bench, "THROUGHPUT_HIERARCHY", "mammals")  # what the section does, not nouns' scale
    monkeypatch.setattr(bench, "THROUGHPUT_DIMS", (5,))
    monkeypatch.setattr(bench, "THROUGHPUT_RELATIONS", 50_000)
    monkeypatch.setattr(bench, "GENSIM_RELATIONS", 500)
    result = bench.bench_throughput()
    rows = result["rows"]
    assert result["hierarchy"] == "mammals"
    assert {(r["model"], r["workers"]) for r in rows} == {
        (m, w) for m in VARIANTS for w in (1, 2)}
    limits = result["limits"]
    assert limits["copy_gb_s"]["1_threads"] > 0.1 and 1 < limits["dram_latency_ns"] < 10_000
    for r in rows:
        assert r["rel_s"] > 0 and r["vs_gensim"] == r["rel_s"] / r["gensim_rel_s"]
        width = 6 if r["model"] == "lorentz" else 5
        size = 4 if r["model"] == "poincare-float32" else 8
        rows_moved = 5 if r["model"] == "poincare-batchneg" else 12  # u, v, 10 negatives; or a tenth of a pool of 30
        assert r["row_bytes_gb_s"] == pytest.approx(r["rel_s"] * rows_moved * width * size * 2 / 1e9)
    table = result["table_markdown"].splitlines()
    assert len(table) == 3 and table[2].startswith("| 5 | ") and table[2].count("x)") == 12
    assert set(result["speedup_2_over_1_thread"]) == {f"{m}_d5" for m in VARIANTS}


@pytest.mark.parametrize("cores, counts", [(1, [1]), (2, [1, 2]), (6, [1, 2, 4, 6]), (16, [1, 2, 4, 8, 16])])
def test_scaling_goes_from_one_thread_to_every_core_by_powers_of_two(cores, counts):
    assert bench.scaling_thread_counts(cores) == counts


def test_scaling_section_reports_each_thread_count_as_a_speedup_over_one_thread(monkeypatch):
    import hypergensim.training.schedule as schedule

    monkeypatch.setattr(bench, "THROUGHPUT_HIERARCHY", "mammals")
    monkeypatch.setattr(bench, "SCALING_RELATIONS", 100_000)
    monkeypatch.setattr(schedule, "usable_cores", lambda: 2)
    result = bench.bench_scaling()
    rows = result["rows"]
    assert result["hierarchy"] == "mammals"
    assert [r["threads"] for r in rows] == [1, 2] and result["usable_cores"] == 2 and result["dim"] == 10
    assert result["usable_physical_cores"] is None or result["usable_physical_cores"] >= 1
    assert rows[0]["speedup"] == 1.0 and all(r["rel_s"] > 0 for r in rows)
    assert rows[1]["speedup"] == pytest.approx(rows[1]["rel_s"] / rows[0]["rel_s"])
    assert result["speedup_all_cores"] == rows[1]["speedup"]
    assert result["efficiency_all_cores"] == pytest.approx(rows[1]["speedup"] / 2)


def test_each_child_reports_its_own_peak_memory_not_its_parents():
    """A child that holds 400 MB reads above it; one that holds nothing reads far below, though this process holds
    400 MB when it starts it (Linux carries the spawning process's peak into the child's ru_maxrss, and the
    parent's RUSAGE_CHILDREN is the largest child so far).  Each child's printed JSON comes back."""
    import numpy as np

    big, big_mb = bench._python("import json, numpy as np; a = np.ones(50_000_000); print(json.dumps({'n': int(a.sum())}))")
    held = np.ones(50_000_000)
    small, small_mb = bench._python("import json; print(json.dumps({'n': 1}))")
    assert big == {"n": 50_000_000} and small == {"n": 1} and held.sum() == 50_000_000
    assert big_mb > 400 and small_mb < 100
