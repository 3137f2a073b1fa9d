"""hypergensim.threads: GIL-free kernels on several cores without numba's parallel target."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numba
import numpy as np
import pytest

from hypergensim.threads import ThreadTeam, default_threads, run_tasks, split

ROOT = Path(__file__).resolve().parents[1]


@numba.njit(nogil=True)
def _fill(out, lo, hi, value):
    for i in range(lo, hi):
        out[i] = value + i


def test_every_task_runs_once_on_at_most_threads_threads_the_caller_one_of_them():
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def task(i):
        with lock:
            seen.append((i, threading.get_ident()))

    run_tasks(task, 40, threads=3)
    assert sorted(i for i, _ in seen) == list(range(40))
    assert len({ident for _, ident in seen}) <= 3
    seen.clear()
    run_tasks(task, 5, threads=1)  # one thread: the caller's, in order
    assert seen == [(i, threading.get_ident()) for i in range(5)]
    run_tasks(task, 0, threads=4)
    assert len(seen) == 5


def test_the_tasks_run_side_by_side():
    """Three tasks that each wait for the other two can only finish if three threads run them at once."""
    meet = threading.Barrier(3, timeout=30)
    run_tasks(lambda i: meet.wait(), 3, threads=3)  # a BrokenBarrierError here would mean they ran in turn


def test_a_nogil_kernel_fills_its_parts():
    out = np.zeros(1000, dtype=np.int64)
    parts = split(len(out), 2)
    run_tasks(lambda i: _fill(out, *parts[i], 7), len(parts), threads=2)
    np.testing.assert_array_equal(out, np.arange(1000) + 7)


def test_the_first_error_is_raised_in_the_caller_after_every_thread_stopped():
    started: list[int] = []

    def task(i):
        started.append(i)
        if i == 2:
            raise ValueError("task 2 failed")

    with pytest.raises(ValueError, match="task 2 failed"):
        run_tasks(task, 1000, threads=2)
    assert len(started) < 1000  # the tasks not yet started when it failed never start
    assert not [t for t in threading.enumerate() if t.name.startswith("hypergensim-")]  # every helper joined


def _team_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("hypergensim-team")]


def test_a_team_keeps_its_threads_from_one_run_to_the_next_until_closed():
    import pickle

    team = ThreadTeam(3)
    meet = threading.Barrier(3, timeout=30)
    idents: list[set[int]] = []
    for _ in range(3):
        seen: set[int] = set()
        team.run(lambda i, seen=seen: (meet.wait(), seen.add(threading.get_ident())), 3)  # three at once
        idents.append(seen)
    assert len(idents[0]) == 3 and idents[0] == idents[1] == idents[2]  # the same threads every time
    assert len(_team_threads()) == 2  # the caller and two helpers
    copy = pickle.loads(pickle.dumps(team))
    assert copy.threads == 3 and copy._pool is None  # a pickled team is its size alone
    team.close()
    assert _team_threads() == []
    done: list[int] = []
    team.run(done.append, 4)  # a closed team starts its helpers again
    assert sorted(done) == [0, 1, 2, 3]
    team.close()


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the default start method on Linux only")
def test_a_process_forked_while_a_team_lives_starts_its_own_helpers():
    """A child has none of its parent's threads: handing work to the parent's helpers would wait for ever."""
    import multiprocessing

    team = ThreadTeam(2)
    team.run(lambda i: None, 2)  # the parent's helper is running
    out = multiprocessing.get_context("fork").Queue()

    def child():
        done: list[int] = []
        team.run(done.append, 6)
        out.put(sorted(done))

    process = multiprocessing.get_context("fork").Process(target=child)
    process.start()
    process.join(timeout=60)
    alive = process.is_alive()
    if alive:
        process.kill()
    team.close()
    assert not alive and process.exitcode == 0 and out.get(timeout=5) == [0, 1, 2, 3, 4, 5]


def test_a_fit_stops_its_shard_threads_when_it_ends(mammals_relations):
    from hypergensim.training import PoincareEmbedding

    est = PoincareEmbedding(dim=2, epochs=3, burn_in=0, workers=2, verbose=0, random_state=0).fit(mammals_relations)
    assert _team_threads() == [] and est.n_epochs_trained_ == 3


@pytest.fixture(scope="module")
def mammals_relations():
    from hypergensim.datasets import load_hierarchy

    return load_hierarchy("mammals").relations()


def test_split_covers_the_range_in_order():
    for n in (1, 7, 100, 82_115):
        for threads in (1, 2, 16):
            parts = split(n, threads)
            assert parts[0][0] == 0 and parts[-1][1] == n
            assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(parts, parts[1:]))
            assert len(parts) <= max(1, threads * 8)
    assert split(3, 16) == [(0, 1), (1, 2), (2, 3)]  # fewer items than parts: one part each
    assert split(0, 2) == [] and default_threads() >= 1


def test_the_evaluations_threads_obey_numbas_thread_limit():
    """NUMBA_NUM_THREADS limited the evaluation and the miner while they ran on numba's pool; it still does."""
    done = _python("from hypergensim.threads import default_threads; print(default_threads())",
                   NUMBA_NUM_THREADS="1")
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr[-2000:]


def test_no_kernel_uses_numbas_parallel_target():
    """The house rule this module exists for: no ``parallel=True`` in the package (see the module docstring)."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "hypergensim").rglob("*.py")
                 if "parallel=True" in p.read_text(encoding="utf-8").replace("``parallel=True``", "")]
    assert offenders == []


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, **env})


FIT = """
import numpy as np
from hypergensim.datasets import load_hierarchy
from hypergensim.evaluation.ranking import build_csr
from hypergensim.training.violators import mine_violators
from hypergensim.evaluation import evaluate_reconstruction
from hypergensim.training import PoincareEmbedding
rel = load_hierarchy("mammals").relations()

def fit(seed):  # every kind of kernel that runs on several cores: training's shards, the miner, the ranking
    est = PoincareEmbedding(dim=5, epochs=20, burn_in=0, verbose=0, workers=2, random_state=seed).fit(rel)
    ptr, idx = build_csr(est._fast.relations(), len(est.kv_))
    mine_violators(est.kv_.vectors, ptr, idx, model=0, shift=np.zeros(0))
    return evaluate_reconstruction(est.kv_, rel).n_pairs
"""


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the default start method on Linux only")
def test_a_process_forked_after_a_fit_can_fit_and_evaluate():
    """numba's OpenMP pool killed a forked child ("fork() called from a process already using GNU OpenMP") and
    left its multiprocessing pool waiting for ever; the kernels now run in plain threads."""
    done = _python(FIT + """
import multiprocessing
print("parent", fit(0))
with multiprocessing.get_context("fork").Pool(2) as pool:
    print("children", pool.map(fit, [1, 2]))
""")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "children [6540, 6540]" in done.stdout and "OpenMP" not in done.stderr


def test_two_fits_in_two_threads_run_whatever_numbas_threading_layer():
    """numba's workqueue layer (its fallback where no OpenMP or TBB runtime is installed) killed the process when
    two threads launched parallel kernels at once; nothing here launches one now."""
    done = _python(FIT + """
import threading
out = {}
threads = [threading.Thread(target=lambda s=s: out.__setitem__(s, fit(s))) for s in (0, 1)]
[t.start() for t in threads]
[t.join() for t in threads]
print("both", sorted(out.items()))
""", NUMBA_THREADING_LAYER="workqueue")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "both [(0, 6540), (1, 6540)]" in done.stdout
