"""The benchmark harness: its throughput section measures what it says, on real data, and tabulates it."""

from __future__ import annotations

import hypergensim.bench as bench


def test_throughput_section_measures_every_model_and_thread_count_beside_gensim(monkeypatch):
    monkeypatch.setattr(bench, "THROUGHPUT_DIMS", (5,))
    monkeypatch.setattr(bench, "THROUGHPUT_RELATIONS", 50_000)
    monkeypatch.setattr(bench, "GENSIM_RELATIONS", 500)
    result = bench.bench_throughput()
    rows = result["rows"]
    assert {(r["model"], r["workers"]) for r in rows} == {
        (m, w) for m in ("poincare", "lorentz", "euclidean", "translational") for w in (1, 2)}
    for r in rows:
        assert r["rel_s"] > 0 and r["vs_gensim"] == r["rel_s"] / r["gensim_rel_s"]
    table = result["table_markdown"].splitlines()
    assert len(table) == 3 and table[2].startswith("| 5 | ") and table[2].count("x)") == 8
    assert set(result["speedup_2_over_1_thread"]) == {f"{m}_d5" for m in ("poincare", "lorentz", "euclidean",
                                                                            "translational")}
