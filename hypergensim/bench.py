"""``make bench``: speed and memory, each measured against its peer in the same run.

Sections (``--only`` picks some): ``datasets`` (WordNet nouns closure cold and
warm, NLTK's own closure loop, a random 100k-node DAG), ``evaluation`` (full
nouns reconstruction time and peak memory for trained vectors, the time for
trained vectors at d=200 and for random and boundary vectors at d=10 and d=200;
at d=200 the screened keys against the direct kernel, same counts; ratio to gensim's evaluator on the same
queries), ``training`` (relations/s of gensim, the adapter and the fast
engine on mammals and nouns, every model on nouns; the mammals quality targets), ``throughput``
(relations/s on nouns for d = 5 to 200, 1 and 2 threads, every model, each beside gensim's loop at the same
dimension), ``scaling`` (relations/s of the fast engine on nouns at d=10 from 1 thread to every usable
core, as speed-up over 1 thread), ``reliability``
(a 10-million-line relation file streamed, with its peak memory; 20 full
nouns evaluations in one process, with memory after each).  Every section
writes ``bench-<section>.json`` under ``--out`` atomically and prints a summary.
Timings are wall-clock on this machine; ratios are taken within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_write_json

__all__ = ["main"]


#: What a child's code starts with to read its own resident memory, now and at its peak (Linux's /proc).
_MEMORY_HELPERS = """
def rss(field="VmRSS"):
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith(field + ":")) / 1024
def hwm():
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report its parent's peak
    return rss("VmHWM")
"""

#: Appended to a child's code: the child's own peak resident memory (MB), printed last.  Neither the parent's
#: ``RUSAGE_CHILDREN`` nor the child's ``ru_maxrss`` is it: Linux carries the spawning process's peak over exec.
_PEAK_LINE = _MEMORY_HELPERS + "print(hwm())\n"


def _python(code: str, *, env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """Run ``code`` in a fresh interpreter; it prints one JSON line. Returns it and the child's own peak RSS (MB)."""
    out = subprocess.run([sys.executable, "-c", code + "\n" + _PEAK_LINE], capture_output=True, text=True,
                         check=True, env={**os.environ, **(env or {})})
    *_, result, peak_mb = out.stdout.strip().splitlines()
    return json.loads(result), float(peak_mb)


def bench_datasets() -> dict[str, Any]:
    """Nouns closure cold/warm against NLTK's closure loop; a 100k-node DAG."""
    from .datasets import Hierarchy
    from .datasets.generated import random_dag_edges

    cold_code = ("import time, json; t=time.perf_counter();"
                 "from hypergensim.datasets.wordnet import wordnet_nouns;"
                 "h=wordnet_nouns(use_cache=False); print(json.dumps({'s': time.perf_counter()-t, "
                 "'nodes': h.n_nodes, 'edges': h.n_edges}))")
    nltk_code = ("import time, json; t=time.perf_counter(); from nltk.corpus import wordnet as wn; n=0\n"
                 "for s in wn.all_synsets('n'):\n"
                 "    n += len(list(s.closure(lambda x: x.hypernyms() + x.instance_hypernyms())))\n"
                 "print(json.dumps({'s': time.perf_counter()-t, 'edges': n}))")
    warm_code = ("import time, json; t=time.perf_counter();"
                 "from hypergensim.datasets.wordnet import wordnet_nouns;"
                 "h=wordnet_nouns(); print(json.dumps({'s': time.perf_counter()-t, 'edges': h.n_edges}))")
    cold, _ = _python(cold_code)
    nltk, _ = _python(nltk_code)
    _python(warm_code)  # make sure the cache exists
    warm, _ = _python(warm_code)
    edges = random_dag_edges(100_000)
    names = [str(i) for i in range(100_000)]
    t = time.perf_counter()
    dag = Hierarchy.from_index_edges(names, edges)
    dag_s = time.perf_counter() - t
    return {
        "nouns_cold_build_s": cold["s"], "nouns_nodes": cold["nodes"], "nouns_edges": cold["edges"],
        "nltk_closure_loop_s": nltk["s"], "nltk_closure_edges": nltk["edges"],
        "cold_vs_nltk_ratio": cold["s"] / nltk["s"],
        "nouns_warm_build_s_including_imports": warm["s"],
        "random_dag_nodes": 100_000, "random_dag_input_edges": int(len(edges)),
        "random_dag_closure_edges": dag.n_edges, "random_dag_closure_s": dag_s,
    }


def _nouns_cache(epochs: int, dim: int = 10) -> Path:
    """Directory holding the bench's nouns embedding trained for ``epochs`` at ``dim`` (vectors.npz + keys.json)."""
    return Path(tempfile.gettempdir()) / (f"hypergensim-bench-nouns-{epochs}" + ("" if dim == 10 else f"-d{dim}"))


def _nouns_vectors(epochs: int, dim: int = 10) -> tuple[list[str], np.ndarray]:
    """A nouns embedding trained by the fast engine (cached under the temp dir by epoch count and dimension)."""
    from .datasets import load_hierarchy
    from .pipeline import run
    from .vectors import NPZ_VECTORS, read_npz, write_npz

    cache = _nouns_cache(epochs, dim)
    h = load_hierarchy("nouns")
    if not (cache / NPZ_VECTORS).is_file():
        cache.mkdir(parents=True, exist_ok=True)
        est = run(h, preset="nickel2017", task=None, dim=dim, epochs=epochs, alpha=0.5, burn_in_alpha=0.05,
                  workers=2).estimator
        write_npz(cache, list(est.kv_.index_to_key), est.kv_.vectors)
    emb = read_npz(cache)
    return emb.keys, emb.vectors


def bench_evaluation(*, train_epochs: int = 30, gensim_queries: int = 2000) -> dict[str, Any]:
    """Full nouns reconstruction (time, peak memory) and the ratio to gensim's evaluator; the time and peak memory
    for vectors trained as long at d=200, and the time for untrained vectors (random, at the boundary) at d=10 and
    d=200."""
    from gensim.models.poincare import ReconstructionEvaluation

    from .datasets import load_hierarchy
    from .evaluation import evaluate_reconstruction
    from .vectors import to_keyed_vectors

    keys, vectors = _nouns_vectors(train_epochs)
    h = load_hierarchy("nouns")
    sampled = evaluate_reconstruction((keys, vectors), h, sample=2000, random_state=0)
    mr_est, map_est = sampled.mean_rank, sampled.map
    full, peak_mb = _full_evaluation_child(keys, vectors)
    with tempfile.TemporaryDirectory() as tmp:
        # gensim's evaluator against ours on the same query nodes
        rng = np.random.default_rng(0)
        children = sorted({c for c, _ in h.closure.tolist()})
        chosen = set(rng.choice(children, gensim_queries, replace=False).tolist())
        subset = [(h.nodes[c], h.nodes[a]) for c, a in h.closure.tolist() if c in chosen]
        rel_path = Path(tmp) / "subset.tsv"
        rel_path.write_text("".join(f"{a}\t{b}\n" for a, b in subset))
        kv = to_keyed_vectors(keys, vectors)
        t = time.perf_counter()
        theirs = ReconstructionEvaluation(str(rel_path), kv).evaluate()
        gensim_s = time.perf_counter() - t
        t = time.perf_counter()
        ours = evaluate_reconstruction(kv, subset)
        ours_s = time.perf_counter() - t
    poor = {f"nouns_full_seconds_{kind}_d{dim}": _poor_vectors_seconds(h, kind, dim)
            for dim in (10, 200) for kind in ("random", "boundary")}
    keys200, vectors200 = _nouns_vectors(train_epochs, dim=200)
    trained200, peak200_mb = _full_evaluation_child(keys200, vectors200)
    return {
        **poor, **_screened_against_direct(h, keys200, vectors200),
        "nouns_full_seconds_trained_d200": trained200["seconds"],
        "nouns_full_mean_rank_trained_d200": trained200["mean_rank"], "nouns_full_map_trained_d200": trained200["map"],
        "nouns_eval_process_peak_rss_mb_d200": peak200_mb,
        "embedding": f"nouns d=10, fast engine, {train_epochs} epochs (sampled MR {mr_est:.2f}, MAP {map_est:.3f})",
        "nouns_full_seconds": full["seconds"], "nouns_full_mean_rank": full["mean_rank"],
        "nouns_full_map": full["map"], "nouns_n_queries": full["n_queries"], "nouns_n_pairs": full["n_pairs"],
        "nouns_eval_process_peak_rss_mb": peak_mb,
        "subset_queries": gensim_queries, "subset_pairs": len(subset),
        "gensim_evaluator_s": gensim_s, "ours_s": ours_s, "speedup_vs_gensim": gensim_s / ours_s,
        "gensim_mean_rank": theirs["mean_rank"], "ours_mean_rank": ours.mean_rank,
        "offset_check": theirs["mean_rank"] - ours.mean_rank,
    }


def _full_evaluation_child(keys: list[str], vectors: np.ndarray) -> tuple[dict[str, Any], float]:
    """A full nouns reconstruction of these vectors in a fresh interpreter, after one small evaluation that
    loads the kernels: its result (:meth:`RankingResult.as_dict`) and the process's peak memory (MB)."""
    from .vectors import write_npz

    with tempfile.TemporaryDirectory() as tmp:
        write_npz(tmp, keys, vectors)
        code = ("import json, time; from hypergensim.evaluation import evaluate_reconstruction;"
                "from hypergensim.datasets import load_hierarchy; from hypergensim.vectors import read_npz;"
                f"e=read_npz({tmp!r}); h=load_hierarchy('nouns');"
                "evaluate_reconstruction((e.keys[:50], e.vectors[:50]), [(e.keys[1], e.keys[0])]);"
                "r=evaluate_reconstruction((e.keys, e.vectors), h);"
                "print(json.dumps(r.as_dict()))")
        return _python(code)


def _screened_against_direct(h: Any, keys: list[str], vectors: np.ndarray) -> dict[str, Any]:
    """A full nouns reconstruction's counts from the screened keys (the default at this dimension) and from the
    direct kernel (an explicit group of queries), on the same vectors in the same run: both times, the ratio and
    whether every count is equal."""
    from .evaluation.ranking import build_csr, rank_counts
    from .numerics import STREAMED_QUERIES

    position = {k: i for i, k in enumerate(keys)}
    x = vectors[[position[k] for k in h.nodes]]
    ptr, idx = build_csr(np.asarray(h.closure), h.n_nodes)
    first = int(np.flatnonzero(np.diff(ptr))[0])
    seconds, counts = {}, {}
    for name, group in (("direct", STREAMED_QUERIES), ("screened", None)):
        rank_counts(x, np.array([first]), np.array([0, ptr[first + 1] - ptr[first]]), idx[ptr[first]:ptr[first + 1]],
                    ptr, idx, group=group)  # one query, untimed: loads the kernel
        started = time.perf_counter()
        counts[name] = rank_counts(x, np.arange(h.n_nodes), ptr, idx, ptr, idx, group=group)
        seconds[name] = time.perf_counter() - started
    dim = x.shape[1]
    return {f"nouns_counts_seconds_direct_d{dim}": seconds["direct"],
            f"nouns_counts_seconds_screened_d{dim}": seconds["screened"],
            f"screened_speedup_d{dim}": seconds["direct"] / seconds["screened"],
            f"screened_counts_equal_d{dim}": all(np.array_equal(a, b)
                                                 for a, b in zip(counts["direct"], counts["screened"]))}


def _poor_vectors_seconds(h: Any, kind: str, dim: int) -> float:
    """Seconds of a full nouns reconstruction of vectors no training made: uniform directions at random radii
    (``random``) or all at norm 1 − 1e-5 (``boundary``), where nearly every node outranks the positives."""
    from .evaluation import evaluate_reconstruction

    rng = np.random.default_rng(0)
    x = rng.normal(size=(h.n_nodes, dim))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    x *= (1 - 1e-5) if kind == "boundary" else 0.999 * rng.uniform(0, 1, (h.n_nodes, 1)) ** (1 / dim)
    return evaluate_reconstruction((h.nodes, x), h).seconds


def bench_training(*, nouns: bool = True) -> dict[str, Any]:
    """Relations/s of gensim, the adapter and the fast engine, plus the mammals quality targets."""
    from gensim.models.poincare import PoincareModel

    from .datasets import load_hierarchy
    from .pipeline import run

    out: dict[str, Any] = {}
    m = load_hierarchy("mammals")
    rel = m.relations()
    run(m, task=None, dim=10, epochs=1, engine="fast", objective="nickel2017")  # compile
    run(m, task=None, dim=10, epochs=1, engine="fast")

    def gensim_raw(relations: list, epochs: int) -> float:
        model = PoincareModel(relations, size=10, burn_in=0, seed=0)
        t = time.perf_counter()
        model.train(epochs=epochs)
        return len(relations) * epochs / (time.perf_counter() - t)

    def adapter(relations: Any, epochs: int, **kw: Any) -> float:
        result = run(relations, task=None, dim=10, epochs=epochs, burn_in=0, **kw)
        return len(result.estimator.relations_) * epochs / result.timings["fit_seconds"]

    # interleave gensim and the adapter to cancel machine drift; median of 3
    raw, wrapped = [], []
    for _ in range(3):
        raw.append(gensim_raw(rel, 3))
        wrapped.append(adapter(m, 3))
    out["mammals_gensim_rel_s"] = float(np.median(raw))
    out["mammals_adapter_gensim_rel_s"] = float(np.median(wrapped))
    out["adapter_overhead_pct"] = 100.0 * (out["mammals_gensim_rel_s"] / out["mammals_adapter_gensim_rel_s"] - 1)
    for objective in ("nickel2017", "gensim"):
        for workers in (1, 2):
            key = f"mammals_fast_{objective}_w{workers}_rel_s"
            out[key] = float(np.median([adapter(m, 30, engine="fast", objective=objective, workers=workers)
                                        for _ in range(3)]))
            out[key.replace("_rel_s", "_vs_gensim")] = out[key] / out["mammals_gensim_rel_s"]
    # quality targets
    for name, kw in {"mammals_d5_nickel2017": {"dim": 5, "workers": 2},
                     "mammals_d10_200ep_50neg": {"dim": 10, "epochs": 200, "negative": 50, "workers": 2}}.items():
        r = run(m, preset="nickel2017", **kw)
        out[name] = {"mean_rank": r.mean_rank, "map": r.map, "wall_s": r.timings["wall_seconds"] -
                     r.timings["evaluate_seconds"], "params": kw}
    if nouns:
        h = load_hierarchy("nouns")
        nrel = h.relations()
        out["nouns_gensim_rel_s"] = gensim_raw(nrel, 1)
        for workers in (1, 2):
            key = f"nouns_fast_nickel2017_w{workers}_rel_s"
            out[key] = adapter(h, 3, engine="fast", objective="nickel2017", workers=workers)
            out[key.replace("_rel_s", "_vs_gensim")] = out[key] / out["nouns_gensim_rel_s"]
        # every model at d=10, 2 threads, the same relations, negatives and kernel (burn-in off)
        for model in ("lorentz", "euclidean", "translational"):
            key = f"nouns_fast_{model}_w2_rel_s"
            out[key] = adapter(h, 3, engine="fast", objective="nickel2017", workers=2, model=model)
            out[key.replace("_rel_s", "_vs_gensim")] = out[key] / out["nouns_gensim_rel_s"]
            out[key.replace("_rel_s", "_vs_poincare")] = out[key] / out["nouns_fast_nickel2017_w2_rel_s"]
    return out


_STREAM_CHILD = _MEMORY_HELPERS + """
import json, resource, sys, time
from hypergensim.datasets import iter_edge_file
base = rss()
t = time.perf_counter()
n = 0
for _ in iter_edge_file(sys.argv[1]):
    n += 1
print(json.dumps({"lines": n, "seconds": time.perf_counter() - t, "rss_after_imports_mb": base,
                  "peak_rss_mb": hwm()}))
"""

_LOAD_CHILD = _MEMORY_HELPERS + """
import json, resource, sys, time
import numpy as np
from hypergensim.datasets import load_hierarchy
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.vectors import read_npz
h = load_hierarchy("nouns")
emb = read_npz(sys.argv[2])
after, seconds = [], []
for i in range(int(sys.argv[1])):
    t = time.perf_counter()
    evaluate_reconstruction(emb, h)
    seconds.append(time.perf_counter() - t)
    after.append(rss())
print(json.dumps({"rss_after_each_mb": after, "seconds_each": seconds,
                  "peak_rss_mb": hwm()}))
"""


def bench_reliability(*, lines: int = 10_000_000, evaluations: int = 20) -> dict[str, Any]:
    """A 10-million-line relation file read in bounded memory; 20 full nouns evaluations in one process."""
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.tsv"
        chunk = 1_000_000
        with open(path, "w") as fh:
            for start in range(1, lines + 1, chunk):
                ids = np.arange(start, min(start + chunk, lines + 1))
                fh.write("".join(f"n{i}\tn{i // 3}\n" for i in ids.tolist()))
        size_mb = path.stat().st_size / 2**20
        out = subprocess.run([sys.executable, "-c", _STREAM_CHILD, str(path)], capture_output=True, text=True,
                             check=True)
        stream = json.loads(out.stdout.strip().splitlines()[-1])
    result.update({"stream_lines": stream["lines"], "stream_file_mb": round(size_mb, 1),
                   "stream_seconds": stream["seconds"], "stream_peak_rss_mb": stream["peak_rss_mb"],
                   "stream_rss_after_imports_mb": stream["rss_after_imports_mb"],
                   "stream_peak_over_imports_mb": stream["peak_rss_mb"] - stream["rss_after_imports_mb"],
                   "stream_lines_per_s": stream["lines"] / stream["seconds"]})
    # trained vectors (the same 30-epoch nouns embedding as the evaluation section): random vectors rank every
    # positive tens of thousands deep, an input no user has, and cost several times more per evaluation
    _nouns_vectors(30)
    out = subprocess.run([sys.executable, "-c", _LOAD_CHILD, str(evaluations), str(_nouns_cache(30))], capture_output=True,
                         text=True, check=True)
    load = json.loads(out.stdout.strip().splitlines()[-1])
    after = load["rss_after_each_mb"]
    result.update({"load_evaluations": evaluations, "load_rss_first_mb": after[0], "load_rss_last_mb": after[-1],
                   "load_rss_growth_after_first_mb": after[-1] - after[0],
                   "load_rss_max_step_mb": max(b - a for a, b in zip(after, after[1:])),
                   "load_peak_rss_mb": load["peak_rss_mb"], "load_seconds_mean": float(np.mean(load["seconds_each"])),
                   "load_rss_after_each_mb": [round(v, 1) for v in after]})
    return result


#: The hierarchy the throughput and scaling sections train on: WordNet nouns, the paper's scale (its 82,115 rows
#: leave the caches, as a user's data does).
THROUGHPUT_HIERARCHY = "nouns"
#: The throughput table's grid: each dimension, 1 and 2 threads, every model.
THROUGHPUT_DIMS = (5, 10, 20, 50, 100, 200)
THROUGHPUT_WORKERS = (1, 2)
#: Relations each fast-engine cell trains (a slice of whole epochs' order) and each gensim cell.
THROUGHPUT_RELATIONS = 1_500_000
GENSIM_RELATIONS = 20_000
#: The columns of the throughput table beyond one per model: the Poincaré kernel with float32 storage, and with a
#: pool of negatives per batch (``negative_sampling="batch"``).  Each name maps to (model, dtype, negative sampling).
THROUGHPUT_VARIANTS = {"poincare-float32": ("poincare", "float32", "relation"),
                       "poincare-batchneg": ("poincare", "float64", "batch")}


def _throughput_columns() -> dict[str, tuple[str, str, str]]:
    """Every column of the throughput table: one per model (float64, per-relation negatives), then the variants."""
    from .params import MODELS

    return {**{m: (m, "float64", "relation") for m in MODELS}, **THROUGHPUT_VARIANTS}


def _rows_per_relation(sampling: str, negative: int = 10, batch: int = 10) -> float:
    """Rows one relation reads and writes: u, v and its negatives, or its share of its batch's pool of negatives."""
    from .training.fast import BATCH_POOL_FACTOR

    return 2 + (BATCH_POOL_FACTOR * negative / batch if sampling == "batch" else negative)


def bench_throughput() -> dict[str, Any]:
    """Relations/s on :data:`THROUGHPUT_HIERARCHY` (WordNet nouns) for every dimension, thread count and model (and the Poincaré model with
    float32 storage, and with batch negatives), each beside gensim's own loop at the same dimension measured in the same run (on a
    20,000-relation slice: gensim runs 10-30k/s).

    Every cell starts from the same initial vectors and trains whole passes of
    the fast engine (10 negatives, batch 10, the paper's objective, no burn-in)
    until :data:`THROUGHPUT_RELATIONS` relations are seen.
    """
    from gensim.models.poincare import PoincareModel

    from .datasets import load_hierarchy
    from .training.fast import FastTrainer

    relations = load_hierarchy(THROUGHPUT_HIERARCHY).relations()
    rows: list[dict[str, Any]] = []
    for dim in THROUGHPUT_DIMS:
        sliced = relations[:: max(1, len(relations) // GENSIM_RELATIONS)][:GENSIM_RELATIONS]
        g = PoincareModel(sliced, size=dim, negative=10, burn_in=0, seed=0)
        t = time.perf_counter()
        g.train(epochs=1, batch_size=10)
        gensim_rate = len(sliced) / (time.perf_counter() - t)
        model = PoincareModel(relations, size=dim, negative=10, burn_in=0, seed=0)
        start = np.array(model.kv.vectors, copy=True)
        narrow = PoincareModel(relations, size=dim, negative=10, burn_in=0, seed=0, dtype=np.float32)
        for geometry, (kernel, dtype, sampling) in _throughput_columns().items():
            for workers in THROUGHPUT_WORKERS:
                target = narrow if dtype == "float32" else model
                target.kv.vectors[:] = start
                trainer = FastTrainer(target, objective="nickel2017", workers=workers, random_state=0,
                                      geometry=kernel, negative_sampling=sampling)
                rate = _relations_per_second(trainer, THROUGHPUT_RELATIONS)
                rows.append({"dim": dim, "model": geometry, "workers": workers, "rel_s": rate,
                             "gensim_rel_s": gensim_rate, "vs_gensim": rate / gensim_rate})
                print(f"  d={dim:<4} {geometry:<14} {workers} thread(s): {rate:>12,.0f} relations/s "
                      f"({rate / gensim_rate:,.0f}x gensim's {gensim_rate:,.0f})", flush=True)
    by = {(r["dim"], r["model"], r["workers"]): r["rel_s"] for r in rows}
    scaling = {f"{m}_d{d}": by[(d, m, 2)] / by[(d, m, 1)] for d in THROUGHPUT_DIMS for m in _throughput_columns()}
    limits = machine_limits()
    for r in rows:  # what a relation moves: its rows (u, v, its negatives) read and written once each
        kernel, dtype, sampling = _throughput_columns()[r["model"]]
        width = r["dim"] + (1 if kernel == "lorentz" else 0)
        size = np.dtype(dtype).itemsize
        r["row_bytes_gb_s"] = r["rel_s"] * _rows_per_relation(sampling) * width * size * 2 / 1e9
        r["share_of_copy_bandwidth"] = r["row_bytes_gb_s"] / limits["copy_gb_s"][f"{r['workers']}_threads"]
    return {"hierarchy": THROUGHPUT_HIERARCHY, "rows": rows, "speedup_2_over_1_thread": scaling,
            "cores": os.cpu_count(), "limits": limits,
            "table_markdown": throughput_table(rows)}


def _relations_per_second(trainer: Any, relations: int) -> float:
    """Train one epoch to compile (once per signature) and warm the caches, then whole epochs until ``relations``
    are seen; their relations per second of training."""
    trainer.run_epoch(0, lr=0.01, burn_in=False)
    seen, seconds, epoch = 0, 0.0, 1
    while seen < relations:
        t = time.perf_counter()
        _, n = trainer.run_epoch(epoch, lr=0.01, burn_in=False)
        seconds += time.perf_counter() - t
        seen, epoch = seen + n, epoch + 1
    return seen / seconds


#: The scaling section: the Poincaré fast engine on WordNet nouns at this dimension, this many relations per
#: thread count (about five nouns epochs: seconds on 1 thread, under one on 16).
SCALING_DIM = 10
SCALING_RELATIONS = 4_000_000


def scaling_thread_counts(cores: int) -> list[int]:
    """1, the powers of two below ``cores``, and ``cores`` itself: ``[1, 2]`` on 2 cores, ``[1, 2, 4, 8, 16]`` on 16."""
    counts = [1]
    while counts[-1] * 2 < cores:
        counts.append(counts[-1] * 2)
    return counts + [cores] if cores > 1 else counts


def bench_scaling() -> dict[str, Any]:
    """Relations/s of the fast Poincaré engine on :data:`THROUGHPUT_HIERARCHY` (WordNet nouns) at d=10 from 1 thread to every core this process
    may use (:func:`scaling_thread_counts`), each as a speed-up over 1 thread measured in the same run.

    Every count starts from the same initial vectors and trains whole epochs (10 negatives, batch 10, the
    paper's objective, no burn-in) until :data:`SCALING_RELATIONS` relations are seen.  The result also says how
    many physical cores the usable CPUs are (``usable_physical_cores``; ``None`` where Linux's topology is not
    readable): on an SMT machine the threads beyond them share cores, and the speed-up per thread falls there.
    """
    from gensim.models.poincare import PoincareModel

    from .datasets import load_hierarchy
    from .resources import physical_cores
    from .training.fast import FastTrainer
    from .training.schedule import usable_cores

    model = PoincareModel(load_hierarchy(THROUGHPUT_HIERARCHY).relations(), size=SCALING_DIM, negative=10, burn_in=0, seed=0)
    start = np.array(model.kv.vectors, copy=True)
    cores = usable_cores()
    rows: list[dict[str, Any]] = []
    for threads in scaling_thread_counts(cores):
        model.kv.vectors[:] = start
        trainer = FastTrainer(model, objective="nickel2017", workers=threads, random_state=0)
        rate = _relations_per_second(trainer, SCALING_RELATIONS)
        rows.append({"threads": threads, "rel_s": rate, "speedup": rate / rows[0]["rel_s"] if rows else 1.0})
        print(f"  {threads:>3} thread(s): {rate:>12,.0f} relations/s ({rows[-1]['speedup']:.2f}x 1 thread)", flush=True)
    physical = physical_cores()
    if physical is not None and physical < cores:
        print(f"  the {cores} usable CPUs are {physical} physical cores (SMT): above {physical} threads, two share a "
              "core", flush=True)
    return {"hierarchy": THROUGHPUT_HIERARCHY, "rows": rows, "usable_cores": cores,
            "usable_physical_cores": physical, "dim": SCALING_DIM,
            "speedup_all_cores": rows[-1]["speedup"], "efficiency_all_cores": rows[-1]["speedup"] / rows[-1]["threads"]}


def machine_limits() -> dict[str, Any]:
    """This machine's memory bandwidth (a 512 MB copy, read + write bytes per second, on 1 and 2 threads) and
    its rate of dependent random loads from an array larger than the last-level cache (latency)."""
    import numba

    from .threads import run_tasks

    @numba.njit(nogil=True, cache=False)
    def copy_part(dst, src, p, parts):  # pragma: no cover - compiled
        n = src.shape[0]
        for i in range(p * n // parts, (p + 1) * n // parts):
            dst[i] = src[i]

    def copy(dst: np.ndarray, src: np.ndarray, parts: int) -> None:  # one part a thread, as the engine's shards
        run_tasks(lambda p: copy_part(dst, src, p, parts), parts, threads=parts)

    @numba.njit(nogil=True, cache=False)
    def chase(nxt, steps):  # pragma: no cover - compiled
        i = 0
        for _ in range(steps):
            i = nxt[i]
        return i

    def bandwidth(parts: int) -> float:
        src = np.ones(64 * 2**20)  # 512 MB, freed on return
        dst = np.empty_like(src)
        copy(dst, src, parts)
        return 2 * src.nbytes / min(_timed(lambda: copy(dst, src, parts)) for _ in range(3)) / 1e9

    out: dict[str, Any] = {"copy_gb_s": {f"{parts}_threads": bandwidth(parts) for parts in (1, 2)}}
    n = 32 * 2**20  # 256 MB of int64: far beyond the 32 MB last-level cache
    order = np.random.default_rng(0).permutation(n)
    nxt = np.empty(n, dtype=np.int64)
    nxt[order[:-1]] = order[1:]
    nxt[order[-1]] = order[0]
    steps = 2_000_000
    chase(nxt, 1000)
    out["dram_latency_ns"] = _timed(lambda: chase(nxt, steps)) / steps * 1e9
    return out


def _timed(fn: Any) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def throughput_table(rows: list[dict[str, Any]]) -> str:
    """The throughput rows as a Markdown table (millions of relations/s; ratio to gensim in brackets)."""
    models = sorted({r["model"] for r in rows},
                    key=["poincare", *THROUGHPUT_VARIANTS, "lorentz", "euclidean", "translational"].index)
    dims = sorted({r["dim"] for r in rows})
    workers = sorted({r["workers"] for r in rows})
    head = ["d", "gensim (rel/s)"] + [f"{m}, {w} thr" for m in models for w in workers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for d in dims:
        cells = {(r["model"], r["workers"]): r for r in rows if r["dim"] == d}
        first = next(iter(cells.values()))
        lines.append(f"| {d} | {first['gensim_rel_s']:,.0f} | " + " | ".join(
            f"{cells[(m, w)]['rel_s'] / 1e6:.2f}M ({cells[(m, w)]['vs_gensim']:,.0f}x)" for m in models
            for w in workers) + " |")
    return "\n".join(lines)


SECTIONS = {"datasets": bench_datasets, "evaluation": bench_evaluation, "training": bench_training,
            "throughput": bench_throughput, "scaling": bench_scaling, "reliability": bench_reliability}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and write their JSON."""
    parser = argparse.ArgumentParser(prog="python -m hypergensim.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="evaluation/results")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from . import __version__

    for name in args.only.split(","):
        if name not in SECTIONS:
            parser.error(f"unknown section {name!r}")
        started = time.perf_counter()
        result = SECTIONS[name]()
        record = {"section": name, "date": time.strftime("%Y-%m-%d"), "hypergensim": __version__,
                  "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                  "wall_s": time.perf_counter() - started, "results": result}
        atomic_write_json(out / f"bench-{name}.json", record)
        print(f"== {name} ({record['wall_s']:.0f} s) -> {out / f'bench-{name}.json'}")
        for key, value in result.items():
            if key == "table_markdown":
                print(value)
            elif not isinstance(value, (list, dict)):
                print(f"  {key}: {value:.4g}" if isinstance(value, float) else f"  {key}: {value}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
