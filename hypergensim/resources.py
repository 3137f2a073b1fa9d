"""What a run used of the machine: the peak resident memory of a block of code, and the machine's cores.

:class:`PeakMemory` samples this process's resident set size in a daemon
thread while its block runs, so the peak it reports belongs to that block even
when the process ran other work before (a sweep runs its cells one after the
other in one process, where ``ru_maxrss`` would carry the largest cell's peak
into every later one).  It changes nothing process-wide.

Examples
--------
>>> import numpy as np
>>> with PeakMemory() as peak:
...     block = np.ones(20_000_000)  # 160 MB
>>> peak.peak_mb > 100
True
>>> machine()["cores"] >= 1
True
"""

from __future__ import annotations

import os
import platform
import resource
import threading
from pathlib import Path
from typing import Any

__all__ = ["PeakMemory", "machine", "physical_cores", "rss_mb", "usable_cpus"]

_STATM = Path("/proc/self/statm")
_CPUS = Path("/sys/devices/system/cpu")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_mb() -> float:
    """This process's resident set size now (MB); where ``/proc`` is missing, its peak so far."""
    try:
        return int(_STATM.read_text().split()[1]) * _PAGE / 2**20
    except (OSError, IndexError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if platform.system() == "Darwin" else peak / 1024.0


class PeakMemory:
    """Context manager: the largest resident set size seen while the block ran (``peak_mb``).

    Parameters
    ----------
    interval : float
        Seconds between samples.  A peak shorter than this can be missed; the
        start and the end of the block are always sampled.

    Examples
    --------
    >>> import numpy as np
    >>> with PeakMemory() as peak:
    ...     block = np.ones(20_000_000)  # 160 MB, touched
    >>> peak.peak_mb > 160
    True
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sample(self) -> float:
        """Take a sample now and return the peak so far (MB)."""
        self.peak_mb = max(self.peak_mb, rss_mb())
        return self.peak_mb

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> PeakMemory:
        self.sample()
        self._thread = threading.Thread(target=self._loop, name="hypergensim-peak-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()


def usable_cpus() -> set[int]:
    """The logical CPUs this process may run on: its CPU affinity where the OS has one, else all of them.

    Examples
    --------
    >>> 1 <= len(usable_cpus()) <= (os.cpu_count() or 1)
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def physical_cores(cpus: Any = None, root: Path = _CPUS) -> int | None:
    """How many physical cores the logical CPUs ``cpus`` (default: those this process may use) sit on.

    Two hardware threads of one core (SMT) count once, from Linux's
    ``/sys/devices/system/cpu/cpuN/topology`` (package and core id); ``None``
    where that is not readable.  A scaling measurement needs it: 16 threads on
    16 logical CPUs may be 8 cores.

    Examples
    --------
    >>> n = physical_cores()
    >>> n is None or 1 <= n <= (os.cpu_count() or 1)
    True
    """
    seen = set()
    for cpu in usable_cpus() if cpus is None else cpus:
        topology = root / f"cpu{int(cpu)}" / "topology"
        try:
            seen.add(((topology / "physical_package_id").read_text().strip(),
                      (topology / "core_id").read_text().strip()))
        except OSError:
            return None
    return len(seen) or None


def machine() -> dict[str, Any]:
    """The machine a run ran on: cores (all, those this process may use, and the physical cores under those),
    CPU architecture, OS."""
    usable = usable_cpus()
    return {"cores": os.cpu_count() or 1, "usable_cores": len(usable), "usable_physical_cores": physical_cores(usable),
            "architecture": platform.machine(), "system": platform.system()}
