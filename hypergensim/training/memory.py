"""What a fit will allocate, estimated before anything is allocated, and the guard that refuses what cannot fit.

A typo such as ``--dim 100000000`` on a four-node file once allocated 23.5 GB
(gensim's per-batch arrays are ``(1 + negative) × dim × batch_size`` doubles,
several at a time) before the kernel's OOM killer ended the process.
:func:`check_fits` compares :func:`estimate` with the memory the system has
available and refuses the run with both numbers, before the model is built.

Examples
--------
>>> parts = estimate(n_nodes=82_115, n_relations=743_241, dim=10, negative=10, batch_size=10, workers=2,
...                  engine="fast", dtype="float64")
>>> round(sum(parts.values()) / 2**20) < 200
True
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .violators import VIOLATORS_PER_NODE

__all__ = ["estimate", "available_bytes", "check_fits"]

#: Arrays of ``(1 + negative) × dim × batch_size`` doubles that gensim's ``_train_on_batch`` holds at once
#: (vectors, distance gradients, their products) -- counted from gensim 4.4's PoincareBatch.
_GENSIM_BATCH_ARRAYS = 8


def estimate(*, n_nodes: int, n_relations: int, dim: int, negative: int, batch_size: int, workers: int, engine: str,
             dtype: str, hard_negatives: int = 0) -> dict[str, int]:
    """Bytes a fit needs at its peak, by part (vectors and their copies, relations, batches, evaluation)."""
    itemsize = np.dtype(dtype).itemsize
    rows = n_nodes * dim
    parts = {
        # gensim draws the initial vectors in float64 and casts them; checkpoints and exports copy them once
        "vectors": rows * (8 + 2 * itemsize),
        "relations": n_relations * 8 * 8,
        # the evaluator's float64 copy and its column-major transpose, and one key per node per thread
        "evaluation": rows * 16 + n_nodes * 8 * max(workers, 2),
    }
    if hard_negatives:  # mining violators: a sample per node, its compacted copy, one key per node per thread
        parts["violators"] = n_nodes * (2 * VIOLATORS_PER_NODE * 8 + 8 * max(workers, 1) + 16)
    if engine == "gensim":
        parts["batches"] = _GENSIM_BATCH_ARRAYS * (1 + negative) * dim * batch_size * 8
    else:  # per thread: the batch's gradients and distances, the next batch's negatives
        parts["batches"] = workers * batch_size * ((negative + 2) * dim * 8 + (negative + 1) * 48)
    return parts


def available_bytes() -> int | None:
    """Memory the system can give without swapping (``MemAvailable``), or None where that cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def check_fits(parts: dict[str, int], *, limit: int | None = None) -> None:
    """Raise :class:`ConfigError` when the estimate exceeds ``limit`` (default: 90% of the available memory)."""
    if limit is None:
        free = available_bytes()
        if free is None:
            return
        limit = int(0.9 * free)
    need = sum(parts.values())
    if need > limit:
        detail = ", ".join(f"{k} {_gb(v)}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1]))
        raise ConfigError(f"this run would need about {_gb(need)} ({detail}) but {_gb(limit)} can be used; "
                          "lower dim (or negative, batch_size, workers)")
