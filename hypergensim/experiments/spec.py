"""Experiment specifications: strict TOML files read with the standard library's ``tomllib``.

A spec names a dataset, a task, training settings, a grid and (optionally)
published reference numbers::

    [experiment]
    name = "example"
    dataset = "path/to/closure.tsv"     # or mammals, nouns, wordnet:SYNSET
    task = "reconstruction"             # or "link-prediction"
    [train]
    engine = "gensim"
    epochs = 30
    [grid]
    dim = [2, 3, 4, 5]
    seed = [0, 1]

Other tables: ``[split]`` (link prediction: ``method``, ``test_fraction``,
``valid_fraction``, ``seed``), ``[evaluate]`` (``every``, ``sample``) and
``[reference]`` (``source`` and ``[[reference.results]]`` rows such as
``{dim = 5, mean_rank = 1.26, map = 0.927}``).  Unknown tables or keys, and
values of the wrong type, raise :class:`~hypergensim.errors.ConfigError`
naming the file and the key.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["ExperimentSpec", "load_spec", "parse_spec", "SPEC_DIR", "shipped_specs"]

#: Shipped specs live in the repository's ``evaluation/specs``.
SPEC_DIR = Path(__file__).resolve().parents[2] / "evaluation" / "specs"

_TRAIN_KEYS = {
    "preset": str, "dim": int, "negative": int, "alpha": float, "burn_in": int, "burn_in_alpha": float,
    "epochs": int, "batch_size": int, "regularization_coeff": float, "epsilon": float, "dtype": str,
    "radius_start": float, "radius_warmup": int,
    "engine": str, "objective": str, "workers": int, "init_range": list,
}
_SCHEMA: dict[str, dict[str, Any]] = {
    "experiment": {"name": str, "dataset": str, "task": str, "description": str},
    "train": _TRAIN_KEYS,
    "grid": {**{k: list for k in _TRAIN_KEYS if k != "preset"}, "seed": list, "preset": list},
    "split": {"method": str, "test_fraction": float, "valid_fraction": float, "seed": int},
    "evaluate": {"every": int, "sample": int},
    "reference": {"source": str, "results": list, "note": str},
}
_REQUIRED = {"experiment": ("name", "dataset", "task")}
TASKS = ("reconstruction", "link-prediction")


@dataclass
class ExperimentSpec:
    """A validated experiment specification."""

    name: str
    dataset: str
    task: str
    train: dict[str, Any]
    grid: dict[str, list[Any]]
    split: dict[str, Any] = field(default_factory=dict)
    evaluate: dict[str, Any] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    path: str | None = None

    def runs(self) -> list[dict[str, Any]]:
        """The grid expanded: one dict of grid values per run (``seed`` defaults to 0)."""
        grid = dict(self.grid) or {"seed": [0]}
        grid.setdefault("seed", [0])
        keys = list(grid)
        return [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]

    def reference_rows(self) -> list[dict[str, Any]]:
        """Published numbers, one dict per row."""
        return list(self.reference.get("results", []))


def _check_type(where: str, key: str, value: Any, expected: type) -> None:
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return
    if expected is int and isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be an integer, got {value!r}")
    if not isinstance(value, expected):
        raise ConfigError(f"{where}: {key} must be {expected.__name__}, got {type(value).__name__} {value!r}")


def parse_spec(data: dict[str, Any], *, path: str | None = None) -> ExperimentSpec:
    """Validate a parsed TOML document."""
    where = path or "spec"
    for table, content in data.items():
        if table not in _SCHEMA:
            raise ConfigError(f"{where}: unknown table [{table}] (allowed: {', '.join(_SCHEMA)})")
        if not isinstance(content, dict):
            raise ConfigError(f"{where}: [{table}] must be a table")
        for key, value in content.items():
            if key not in _SCHEMA[table]:
                raise ConfigError(f"{where}: unknown key {table}.{key} (allowed: {', '.join(_SCHEMA[table])})")
            _check_type(where, f"{table}.{key}", value, _SCHEMA[table][key])
    for table, keys in _REQUIRED.items():
        for key in keys:
            if key not in data.get(table, {}):
                raise ConfigError(f"{where}: missing required key {table}.{key}")
    exp = data["experiment"]
    if exp["task"] not in TASKS:
        raise ConfigError(f"{where}: experiment.task must be one of {', '.join(TASKS)}, got {exp['task']!r}")
    grid = data.get("grid", {})
    for key, values in grid.items():
        if not values:
            raise ConfigError(f"{where}: grid.{key} is empty")
        expected = int if key == "seed" else _TRAIN_KEYS.get(key, str)
        for v in values:
            _check_type(where, f"grid.{key}[]", v, expected)
    overlap = set(grid) & set(data.get("train", {}))
    if overlap:
        raise ConfigError(f"{where}: {', '.join(sorted(overlap))} is set in both [train] and [grid]")
    if exp["task"] == "link-prediction":
        method = data.get("split", {}).get("method", "nickel2017")
        if method != "nickel2017":
            raise ConfigError(f"{where}: split.method must be 'nickel2017' for link prediction, got {method!r}")
    for row in data.get("reference", {}).get("results", []):
        if not isinstance(row, dict):
            raise ConfigError(f"{where}: reference.results rows must be tables")
    return ExperimentSpec(
        name=exp["name"], dataset=exp["dataset"], task=exp["task"], train=dict(data.get("train", {})),
        grid={k: list(v) for k, v in grid.items()}, split=dict(data.get("split", {})),
        evaluate=dict(data.get("evaluate", {})), reference=dict(data.get("reference", {})),
        description=exp.get("description", ""), path=path,
    )


def load_spec(path_or_name: str | Path) -> ExperimentSpec:
    """Read a spec file, or a shipped spec by name (``nickel2017-mammals``).

    Examples
    --------
    >>> spec = load_spec("nickel2017-mammals")
    >>> spec.task, spec.reference_rows()[0]["map"]
    ('reconstruction', 0.927)
    """
    path = Path(path_or_name)
    if not path.exists() and not path.suffix:
        candidate = SPEC_DIR / f"{path_or_name}.toml"
        if not candidate.is_file():
            raise ConfigError(f"no spec file {path_or_name!r} and no shipped spec of that name "
                              f"(shipped: {', '.join(shipped_specs())})")
        path = candidate
    if not path.is_file():
        raise ConfigError(f"spec file not found: {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_spec(data, path=str(path))


def shipped_specs() -> list[str]:
    """Names of the specs shipped in ``evaluation/specs``."""
    return sorted(p.stem for p in SPEC_DIR.glob("*.toml"))
