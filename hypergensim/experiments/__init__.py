"""Experiments: strict TOML specs, resumable sweeps (joblib or Dask), paper reproductions with plots.

Examples
--------
>>> from hypergensim.experiments import load_spec
>>> load_spec("nickel2017-mammals").grid["dim"]
[5]
"""

from __future__ import annotations

from .spec import ExperimentSpec, load_spec, parse_spec, shipped_specs
from .sweep import collect_results, run_id, sweep

__all__ = ["ExperimentSpec", "load_spec", "parse_spec", "shipped_specs", "sweep", "collect_results", "run_id",
           "reproduce"]


def reproduce(name: str, out: str, **kwargs: object) -> object:
    """See :func:`hypergensim.experiments.reproduce.reproduce`."""
    from .reproduce import reproduce as _reproduce

    return _reproduce(name, out, **kwargs)
