"""On-disk cache of built hierarchies, keyed by name, WordNet version and format.

Entries are pickle-free ``.npz`` files (loaded with ``allow_pickle=False``)
under ``$HYPERGENSIM_CACHE_DIR`` or ``~/.cache/hypergensim``.  A warm load of
the WordNet nouns closure takes well under a second.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .._atomic import atomic_save_npz
from .hierarchy import Hierarchy

__all__ = ["cache_dir", "cached", "CACHE_FORMAT"]

#: Bump when the closure rules or the file layout change, to invalidate old entries.
CACHE_FORMAT = 1


def cache_dir() -> Path:
    """The cache directory (``$HYPERGENSIM_CACHE_DIR`` or ``~/.cache/hypergensim``)."""
    return Path(os.environ.get("HYPERGENSIM_CACHE_DIR", Path.home() / ".cache" / "hypergensim"))


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def cached(name: str, version: str, build: Callable[[], Hierarchy], *, use_cache: bool = True) -> Hierarchy:
    """Load ``name`` built against WordNet ``version`` from the cache, or build and store it."""
    path = cache_dir() / f"{_safe(name)}-wn{_safe(version)}-f{CACHE_FORMAT}.npz"
    if use_cache and path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            meta = json.loads(str(arrays.pop("meta")))
            return Hierarchy.from_arrays(arrays, name=name, meta=meta)
        except (OSError, ValueError, KeyError):
            pass  # a damaged entry is rebuilt below
    h = build()
    if use_cache:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_save_npz(path, meta=np.array(json.dumps(h.meta)), **h.to_arrays())
        except OSError:
            pass  # caching is an optimisation; a read-only home must not break builds
    return h
