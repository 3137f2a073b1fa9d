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

``[train]`` and ``[grid]`` accept ``preset`` and every parameter of the one
table in :mod:`hypergensim.params`.  Other tables: ``[split]`` (link
prediction: ``method``, ``test_fraction``, ``valid_fraction``, ``seed``),
``[evaluate]`` (``every``, ``sample``) and ``[reference]``: either
``published = "nickel2017"`` (the shipped published numbers of
:mod:`hypergensim.published`, matched on dataset, task and dimension) or your
own ``source`` and ``results`` rows such as ``{dim = 5, mean_rank = 1.26, map =
0.927}``.  Unknown tables or keys, and values of the wrong type, raise
:class:`~hypergensim.errors.ConfigError` naming the file and the key.

Shipped specs are package data (``hypergensim/specs/*.toml``), read with
:mod:`importlib.resources`, so they work from an installed wheel.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .. import published
from ..errors import ConfigError
from ..params import PARAMETER, spec_types
from ..presets import resolve

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["ExperimentSpec", "load_spec", "parse_spec", "shipped_specs", "run_settings"]

#: The package-data folder of the shipped specs (``published.toml`` beside them is not a spec).
_SHIPPED = "specs"
_NOT_SPECS = {"published"}

_TRAIN_KEYS = {"preset": str, **spec_types()}
_SCHEMA: dict[str, dict[str, Any]] = {
    "experiment": {"name": str, "dataset": str, "task": str, "description": str},
    "train": _TRAIN_KEYS,
    "grid": {**{k: list for k in _TRAIN_KEYS if k != "preset"}, "seed": list, "preset": list},
    "split": {"method": str, "test_fraction": float, "valid_fraction": float, "seed": int},
    "evaluate": {"every": int, "sample": int},
    "reference": {"published": str, "source": str, "results": list, "note": str},
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

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        """The training parameters of the run with grid ``values`` (preset, ``[train]``, grid; not ``seed``)."""
        preset, overrides = run_settings(self.train, values)
        return resolve(preset, **overrides)

    def reference_rows(self, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Published numbers, one dict per row; with grid ``values``, the rows of that run's dimension.

        ``published = NAME`` rows are those of this spec's dataset and task;
        for a run, those of its model and dimension.
        """
        if "published" in self.reference:
            rows = published.lookup(self.reference["published"], dataset=self.dataset, task=self.task)
        else:
            rows = list(self.reference.get("results", []))
        if values is not None:  # the rows of this run's model and dimension
            params = self.params(values)
            rows = [r for r in rows if r.get("dim", params["dim"]) == params["dim"]
                    and r.get("model", params["model"]) == params["model"]]
        return rows

    def reference_source(self) -> str | None:
        """Where the reference numbers come from (the citation of a published source)."""
        if "published" in self.reference:
            places = sorted({r["where"] for r in self.reference_rows() if "where" in r})
            return published.citation(self.reference["published"]) + (f", {', '.join(places)}" if places else "")
        return self.reference.get("source")


def run_settings(train: dict[str, Any], values: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """``(preset, parameters)`` of one grid point: ``[train]`` then the grid ``values`` (the seed is apart)."""
    merged = {**train, **{k: v for k, v in values.items() if k != "seed"}}
    preset = merged.pop("preset", None)
    if "init_range" in merged:
        merged["init_range"] = tuple(merged["init_range"])
    return preset, merged


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
    for table, key, value in [("train", k, v) for k, v in data.get("train", {}).items()] + \
            [("grid", k, v) for k, vs in grid.items() for v in vs]:
        try:  # values too, not only types: a spec with dim = 0 fails before any run
            if key == "preset":
                resolve(value)
            elif key in PARAMETER:
                PARAMETER[key].check(tuple(value) if isinstance(value, list) else value)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {table}.{key}: {exc}") from None
    overlap = set(grid) & set(data.get("train", {}))
    if overlap:
        raise ConfigError(f"{where}: {', '.join(sorted(overlap))} is set in both [train] and [grid]")
    if exp["task"] == "link-prediction":
        method = data.get("split", {}).get("method", "nickel2017")
        if method != "nickel2017":
            raise ConfigError(f"{where}: split.method must be 'nickel2017' for link prediction, got {method!r}")
    reference = data.get("reference", {})
    for row in reference.get("results", []):
        if not isinstance(row, dict):
            raise ConfigError(f"{where}: reference.results rows must be tables")
    if "published" in reference:
        if "results" in reference:
            raise ConfigError(f"{where}: reference.published and reference.results exclude each other")
        if reference["published"] not in published.sources():
            raise ConfigError(f"{where}: reference.published must be one of {', '.join(published.sources())}, "
                              f"got {reference['published']!r}")
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
        if str(path_or_name) not in shipped_specs():
            raise ConfigError(f"no spec file {path_or_name!r} and no shipped spec of that name "
                              f"(shipped: {', '.join(shipped_specs())})")
        text = resources.files("hypergensim").joinpath(_SHIPPED, f"{path_or_name}.toml").read_text(encoding="utf-8")
        return parse_spec(_parse_toml(text, f"{path_or_name} (shipped)"), path=str(path_or_name))
    if not path.is_file():
        raise ConfigError(f"spec file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    data = _parse_toml(text, str(path))
    return parse_spec(data, path=str(path))


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML ({exc})") from None


def shipped_specs() -> list[str]:
    """Names of the specs shipped with the package (``hypergensim/specs``)."""
    folder = resources.files("hypergensim").joinpath(_SHIPPED)
    return sorted(item.name[:-5] for item in folder.iterdir()
                  if item.name.endswith(".toml") and item.name[:-5] not in _NOT_SPECS)
