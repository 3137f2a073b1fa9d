"""Running GIL-free numba kernels on several cores: the library's one way to use threads for computing.

Every kernel that runs on more than one core (training's Hogwild shards, the
ranking counts, the violator miner) is a serial ``@numba.njit(nogil=True)``
function over a part of its work, and :func:`run_tasks` calls it from Python
threads, the calling thread one of them.  numba's ``parallel=True`` is not
used anywhere: its OpenMP pool kills a child process forked after it ran
("fork() called from a process already using GNU OpenMP", so a
``multiprocessing`` pool started after a fit hung), its ``workqueue`` pool (the
one numba falls back to where no OpenMP or TBB runtime is installed) kills the
process when two threads launch kernels at once, its pool's size is numba's
process-wide thread count, and its build was a third of a cold start's wait.
Threads started per call cost about 0.1 ms each (on this 2-core machine);
the evaluation's and the miner's calls do far more work than that, and
training, which calls its kernel every epoch, keeps its threads for the whole
fit (:class:`ThreadTeam`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor, wait
from typing import Any

import numba

from .resources import usable_cpus

__all__ = ["ThreadTeam", "run_tasks", "default_threads", "split"]


def default_threads() -> int:
    """The threads the evaluation and the miner use: every core this process may run on (its CPU affinity), or
    fewer where ``NUMBA_NUM_THREADS`` says so (numba's own limit, which they obeyed when they ran on its pool)."""
    return max(1, min(len(usable_cpus()), int(numba.config.NUMBA_NUM_THREADS)))


def split(n_items: int, threads: int, *, per_thread: int = 8) -> list[tuple[int, int]]:
    """``[lo, hi)`` parts covering ``range(n_items)`` in order: ``per_thread`` parts per thread (fewer where
    there are fewer items), so a thread that finishes early takes another (the cost of an item varies: a query
    among poorly placed points costs many times one among well-placed ones).

    Examples
    --------
    >>> split(10, 2, per_thread=2)
    [(0, 2), (2, 5), (5, 7), (7, 10)]
    >>> split(3, 4), split(0, 4)
    ([(0, 1), (1, 2), (2, 3)], [])
    """
    if n_items <= 0:
        return []
    parts = min(threads * per_thread, n_items)
    bounds = [n_items * k // parts for k in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def run_tasks(task: Callable[[int], object], n_tasks: int, threads: int, *, pool: Executor | None = None) -> None:
    """Call ``task(0)``, …, ``task(n_tasks - 1)``, each once, on ``min(threads, n_tasks)`` threads.

    The calling thread is one of them; the others are ``pool``'s (an executor
    of at least ``threads - 1`` threads, kept by a :class:`ThreadTeam`), or
    started for this call and stopped before it returns.  Tasks are handed out
    in order as threads come free.  ``task`` should spend its time in GIL-free
    code (a ``nogil`` numba kernel), or the threads only take turns.  The first
    exception a task raises is raised here, after every helper has finished (the
    tasks not yet started are not started); a lone thread (``threads`` 1 or a single task) runs the tasks
    in the calling thread, in order.

    Examples
    --------
    >>> done = []
    >>> run_tasks(done.append, 5, threads=3)
    >>> sorted(done)
    [0, 1, 2, 3, 4]
    """
    if n_tasks <= 0:
        return
    helpers = min(int(threads), n_tasks) - 1
    if helpers <= 0:
        for i in range(n_tasks):
            task(i)
        return
    queue = itertools.count()  # next() on a count is atomic under the GIL
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not errors:
                i = next(queue)
                if i >= n_tasks:
                    return
                task(i)
        except BaseException as exc:  # noqa: BLE001 - carried to the calling thread, raised there
            errors.append(exc)

    with contextlib.nullcontext(pool) if pool is not None else \
            ThreadPoolExecutor(helpers, thread_name_prefix="hypergensim-tasks") as helping:
        futures = [helping.submit(work) for _ in range(helpers)]
        try:
            work()
        finally:
            wait(futures)
    if errors:
        raise errors[0]


class ThreadTeam:
    """``threads`` threads for many :func:`run_tasks` calls in a row: the caller and ``threads - 1`` helpers
    started at the first call and kept until :meth:`close`.

    Training calls its kernel once an epoch, and on a small hierarchy an
    epoch is a millisecond or two: starting 15 helper threads took 1.4 ms a
    call on this 2-core machine, handing work to 15 kept ones 0.2 ms.  A
    process forked while the helpers live starts its own at its first call (a
    child has no copy of its parent's threads), and a pickled team is its
    size alone.

    Examples
    --------
    >>> with ThreadTeam(3) as team:
    ...     done = []
    ...     team.run(done.append, 4)
    ...     team.run(done.append, 2)
    >>> sorted(done)
    [0, 0, 1, 1, 2, 3]
    """

    def __init__(self, threads: int) -> None:
        self.threads = max(1, int(threads))
        self._pool: ThreadPoolExecutor | None = None
        self._pid: int | None = None

    def run(self, task: Callable[[int], object], n_tasks: int) -> None:
        """:func:`run_tasks` on this team's threads."""
        if self.threads == 1 or n_tasks <= 1:
            run_tasks(task, n_tasks, 1)
            return
        if self._pool is None or self._pid != os.getpid():
            self._pool = ThreadPoolExecutor(self.threads - 1, thread_name_prefix="hypergensim-team")
            self._pid = os.getpid()
        run_tasks(task, n_tasks, self.threads, pool=self._pool)

    def close(self) -> None:
        """Stop the helper threads (the next :meth:`run` starts them again)."""
        if self._pool is not None and self._pid == os.getpid():
            self._pool.shutdown(wait=True)
        self._pool = self._pid = None

    def __enter__(self) -> ThreadTeam:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        return {"threads": self.threads}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["threads"])  # type: ignore[misc]
