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
table in :mod:`hypergensim.params`; the grid also accepts ``task`` (a table
over tasks; then ``experiment.task`` is left out) and ``train_share`` (F1).
Other tables: ``[split]`` (link prediction: ``method``, ``test_fraction``,
``valid_fraction``, ``seed``; F1: ``train_share``, ``remove_root``,
``seed``), ``[evaluate]`` (``every``, ``sample``), ``[run]``
(``time_budget``: seconds of training per cell, after which it stops at an
epoch's end and is recorded with the epochs it reached; ``[train]`` may give
it instead, and ``[grid]`` one per cell), ``[read]`` (how to read a dataset
file, as ``build``'s flags: ``delimiter``, ``header``, ``child_column``,
``parent_column``, ``direction``, ``comment``, ``path_separator``,
``prefix_codes``, ``obo_relations``, ``seventh_characters``, ``dedupe``), ``[[override]]`` (settings
of some cells only: ``where`` names grid values, ``set`` the training parameters those cells take instead,
e.g. ``where = {dim = 2}`` and ``set = {epsilon = 1e-8}``; each is validated, must select at least one cell
and may not set a grid key, and two that select one cell may not set the same key) and ``[reference]``:
either ``published = "nickel2017"`` (the shipped published numbers of
:mod:`hypergensim.published`, matched on dataset, task, model, dimension and
train share) or your own ``source`` and ``results`` rows such as ``{dim = 5,
mean_rank = 1.26, map = 0.927}``.  Unknown tables or keys, and values of the
wrong type, raise :class:`~hypergensim.errors.ConfigError` naming the file and
the key.

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
from ..datasets import GANEA_TRAIN_SHARES
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
#: Grid keys that are not training parameters: the seed, the task and the F1 split's train share.
CELL_KEYS = {"seed": int, "task": str, "train_share": float}
_SCHEMA: dict[str, dict[str, Any]] = {
    "experiment": {"name": str, "dataset": str, "task": str, "description": str},
    "train": _TRAIN_KEYS,
    "grid": {**{k: list for k in _TRAIN_KEYS if k != "preset"}, **{k: list for k in CELL_KEYS}, "preset": list},
    "split": {"method": str, "test_fraction": float, "valid_fraction": float, "seed": int, "train_share": float,
              "remove_root": bool},
    "evaluate": {"every": int, "sample": int},
    "run": {"time_budget": float},
    # how to read a dataset file: build's and train's file flags (a column by name, or by number as text)
    "read": {"delimiter": str, "header": bool, "child_column": str, "parent_column": str, "direction": str,
             "comment": str, "path_separator": str, "prefix_codes": bool, "obo_relations": str,
             "seventh_characters": bool, "dedupe": bool},
    "reference": {"published": str, "source": str, "results": list, "note": str},
    "override": {"where": dict, "set": dict},
}
#: Tables that are arrays of tables (``[[override]]``); the others are single tables.
_ARRAYS = {"override"}
_REQUIRED = {"experiment": ("name", "dataset")}
TASKS = ("reconstruction", "link-prediction", "f1")
#: The split each held-out task uses, and the options it takes.
_SPLIT_OPTIONS = {"link-prediction": ("nickel2017", {"test_fraction", "valid_fraction", "seed"}),
                  "f1": ("ganea2018", {"train_share", "remove_root", "seed"})}


@dataclass
class ExperimentSpec:
    """A validated experiment specification.

    Examples
    --------
    >>> spec = parse_spec({"experiment": {"name": "dims", "dataset": "mammals", "task": "reconstruction"},
    ...                    "grid": {"dim": [5, 10], "seed": [0, 1]}})
    >>> spec.name, spec.tasks(), len(spec.runs())
    ('dims', ['reconstruction'], 4)
    """

    name: str
    dataset: str
    task: str | None
    train: dict[str, Any]
    grid: dict[str, list[Any]]
    split: dict[str, Any] = field(default_factory=dict)
    evaluate: dict[str, Any] = field(default_factory=dict)
    reference: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    path: str | None = None
    run: dict[str, Any] = field(default_factory=dict)
    read: dict[str, Any] = field(default_factory=dict)
    overrides: list[dict[str, dict[str, Any]]] = field(default_factory=list)

    def tasks(self) -> list[str]:
        """The tasks this spec evaluates (one, or the grid's ``task`` values)."""
        return list(self.grid["task"]) if "task" in self.grid else [str(self.task)]

    def task_of(self, values: dict[str, Any]) -> str:
        """The task of the cell with grid ``values``."""
        return str(values.get("task", self.task))

    def split_of(self, values: dict[str, Any]) -> dict[str, Any]:
        """The split options of the cell with grid ``values`` (``[split]`` for its task, its train share)."""
        task = self.task_of(values)
        if task not in _SPLIT_OPTIONS:
            return {}
        allowed = _SPLIT_OPTIONS[task][1]
        options = {k: v for k, v in self.split.items() if k in allowed}
        if "train_share" in values:
            options["train_share"] = float(values["train_share"])
        return options

    def runs(self) -> list[dict[str, Any]]:
        """The grid expanded: one dict of grid values per run (``seed`` defaults to 0), followed by the
        settings of every ``[[override]]`` that selects the run.

        Examples
        --------
        >>> spec = parse_spec({"experiment": {"name": "d2", "dataset": "nouns", "task": "reconstruction"},
        ...                    "grid": {"dim": [2, 10]},
        ...                    "override": [{"where": {"dim": 2}, "set": {"epsilon": 1e-8}}]})
        >>> spec.runs()
        [{'dim': 2, 'seed': 0, 'epsilon': 1e-08}, {'dim': 10, 'seed': 0}]
        """
        grid = dict(self.grid) or {"seed": [0]}
        grid.setdefault("seed", [0])
        keys = list(grid)
        runs = [dict(zip(keys, values)) for values in itertools.product(*(grid[k] for k in keys))]
        for values in runs:
            for override in self.overrides:
                if _selects(override, values):
                    values.update(override["set"])
        return runs

    def params(self, values: dict[str, Any]) -> dict[str, Any]:
        """The training parameters of the run with grid ``values`` (preset, ``[train]``, grid; not the
        :data:`CELL_KEYS`)."""
        preset, overrides = run_settings(self.train, values)
        return resolve(preset, **overrides)

    def reference_rows(self, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Published numbers, one dict per row; with grid ``values``, the rows of that cell.

        ``published = NAME`` rows are those of this spec's dataset, tasks and
        models; for a cell, those of its task, model, dimension and (F1) train
        share.
        """
        if "published" in self.reference:
            rows = [r for task in self.tasks()
                    for r in published.lookup(self.reference["published"], dataset=self.dataset, task=task)]
        else:
            rows = list(self.reference.get("results", []))
        if values is None:  # the rows of this spec's models
            models = {self.params(v)["model"] for v in self.runs()}
            return [r for r in rows if r.get("model", "poincare") in models]
        if values is not None:  # the rows of this cell
            params = self.params(values)
            cell = {"task": self.task_of(values), "dim": params["dim"], "model": params["model"],
                    **({"train_share": self.split_of(values)["train_share"]} if "train_share" in
                       self.split_of(values) else {})}
            rows = [r for r in rows if all(r.get(k, v) == v for k, v in cell.items())]
        return rows

    def reference_source(self) -> str | None:
        """Where the reference numbers come from (the citation of a published source)."""
        if "published" in self.reference:
            places = sorted({r["where"] for r in self.reference_rows() if "where" in r})
            return published.citation(self.reference["published"]) + (f", {', '.join(places)}" if places else "")
        return self.reference.get("source")


def run_settings(train: dict[str, Any], values: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """``(preset, parameters)`` of one grid point: ``[train]`` then the grid ``values`` (not the cell keys: seed,
    task, train share)."""
    merged = {**train, **{k: v for k, v in values.items() if k not in CELL_KEYS}}
    preset = merged.pop("preset", None)
    if "init_range" in merged:
        merged["init_range"] = tuple(merged["init_range"])
    return preset, merged


def _check_value(at: str, key: str, value: Any) -> None:
    """A training setting's value checked, not only its type (a spec with dim = 0 fails before any run): a preset
    must exist, a parameter must be within its bounds; the error starts with ``at``."""
    try:
        if key == "preset":
            resolve(value)
        elif key in PARAMETER:
            PARAMETER[key].check(tuple(value) if isinstance(value, list) else value)
    except ConfigError as exc:
        raise ConfigError(f"{at}: {exc}") from None


def _selects(override: dict[str, dict[str, Any]], values: dict[str, Any]) -> bool:
    """Whether the ``[[override]]`` ``override`` applies to the grid point ``values``."""
    return all(k in values and values[k] == v for k, v in override["where"].items())


def _check_overrides(where: str, overrides: list[Any], grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Validate the ``[[override]]`` tables against the grid: what they select, what they set."""
    checked = []
    for i, override in enumerate(overrides):
        at = f"{where}: override[{i}]"
        if not isinstance(override, dict):
            raise ConfigError(f"{at} must be a table with 'where' and 'set'")
        for key, value in override.items():
            if key not in _SCHEMA["override"]:
                raise ConfigError(f"{at}: unknown key {key!r} (allowed: where, set)")
            _check_type(where, f"override[{i}].{key}", value, dict)
        for key in ("where", "set"):
            if not override.get(key):
                raise ConfigError(f"{at}: missing or empty {key!r}")
        for key, value in override["where"].items():
            if key not in grid:
                raise ConfigError(f"{at}: where.{key} is not a grid key (grid: {', '.join(grid) or 'none'})")
            if value not in grid[key]:
                raise ConfigError(f"{at}: where.{key} = {value!r} selects no cell (grid.{key} = {grid[key]})")
        for key, value in override["set"].items():
            if key not in _TRAIN_KEYS or key in ("preset", "random_state", "time_budget"):
                raise ConfigError(f"{at}: set.{key} is not a training parameter of the one table")
            if key in grid:
                raise ConfigError(f"{at}: set.{key} is a grid key; give the cells their values in [grid]")
            _check_type(where, f"override[{i}].set.{key}", value, _TRAIN_KEYS[key])
            _check_value(f"{at}: set.{key}", key, value)
        checked.append({"where": dict(override["where"]), "set": dict(override["set"])})
    for i, j in itertools.combinations(range(len(checked)), 2):
        a, b = checked[i], checked[j]
        shared = sorted(set(a["set"]) & set(b["set"]))
        both = all(a["where"][k] == b["where"][k] for k in set(a["where"]) & set(b["where"]))
        if shared and both:
            raise ConfigError(f"{where}: override[{i}] and override[{j}] both set {shared[0]} for the cells "
                              f"they both select")
    return checked


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
        if table in _ARRAYS:
            if not isinstance(content, list):
                raise ConfigError(f"{where}: {table} must be an array of tables ([[{table}]])")
            continue
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
    grid = data.get("grid", {})
    if ("task" in exp) == ("task" in grid):
        raise ConfigError(f"{where}: give the task once, as experiment.task or as grid.task")
    tasks = grid.get("task") or [exp["task"]]
    for task in tasks:
        if task not in TASKS:
            raise ConfigError(f"{where}: the task must be one of {', '.join(TASKS)}, got {task!r}")
    for key, values in grid.items():
        if not values:
            raise ConfigError(f"{where}: grid.{key} is empty")
        expected = CELL_KEYS.get(key) or _TRAIN_KEYS.get(key, str)
        for v in values:
            _check_type(where, f"grid.{key}[]", v, expected)
    for table, key, value in [("train", k, v) for k, v in data.get("train", {}).items()] + \
            [("grid", k, v) for k, vs in grid.items() for v in vs]:
        _check_value(f"{where}: {table}.{key}", key, value)
    overlap = set(grid) & set(data.get("train", {}))
    if overlap:
        raise ConfigError(f"{where}: {', '.join(sorted(overlap))} is set in both [train] and [grid]")
    run = dict(data.get("run", {}))
    train = dict(data.get("train", {}))
    if "random_state" in train or "random_state" in grid:
        raise ConfigError(f"{where}: random_state is each cell's seed: give grid.seed (a list of seeds) instead")
    # a cell's training budget: [run] time_budget, or the same in [train] (moved to [run]), or one per cell in the grid
    budgets = [f"[{t}] time_budget" for t, table in (("run", run), ("train", train), ("grid", grid))
               if "time_budget" in table]
    if len(budgets) > 1:
        raise ConfigError(f"{where}: the time budget is set twice ({' and '.join(budgets)}): give it once")
    if "time_budget" in train:
        run["time_budget"] = float(train.pop("time_budget"))
    split = data.get("split", {})
    held_out = [t for t in tasks if t in _SPLIT_OPTIONS]
    if split and not held_out:
        raise ConfigError(f"{where}: [split] applies to link-prediction and f1 tasks only")
    methods = {_SPLIT_OPTIONS[t][0] for t in held_out}
    if "method" in split and (len(methods) != 1 or split["method"] not in methods):
        raise ConfigError(f"{where}: split.method must be {' or '.join(sorted(methods)) or 'absent'} for "
                          f"{', '.join(held_out)}, got {split['method']!r}")
    allowed = set().union(*(_SPLIT_OPTIONS[t][1] for t in held_out)) | {"method"} if held_out else set()
    stray = sorted(set(split) - allowed)
    if stray:
        raise ConfigError(f"{where}: split.{stray[0]} does not apply to {', '.join(held_out)}")
    if "train_share" in grid and "f1" not in tasks:
        raise ConfigError(f"{where}: grid.train_share applies to the f1 task only")
    if "train_share" in grid and "train_share" in split:
        raise ConfigError(f"{where}: train_share is set in both [split] and [grid]")
    for share in grid.get("train_share", []) + ([split["train_share"]] if "train_share" in split else []):
        if share not in GANEA_TRAIN_SHARES:
            raise ConfigError(f"{where}: train_share must be one of {GANEA_TRAIN_SHARES}, got {share!r}")
    budget = run.get("time_budget")
    if budget is not None and budget <= 0:
        raise ConfigError(f"{where}: run.time_budget must be > 0 seconds, got {budget!r}")
    read = dict(data.get("read", {}))
    if read:
        from ..datasets import is_dataset_name

        if is_dataset_name(exp["dataset"]):
            raise ConfigError(f"{where}: [read] says how to read a file; {exp['dataset']!r} is a dataset name")
        if read.get("direction") not in (None, "child-parent", "parent-child"):
            raise ConfigError(f"{where}: read.direction must be 'child-parent' or 'parent-child', got "
                              f"{read['direction']!r}")
    overrides = _check_overrides(where, data.get("override", []), grid)
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
        name=exp["name"], dataset=exp["dataset"], task=exp.get("task"), train=train,
        grid={k: list(v) for k, v in grid.items()}, split=dict(data.get("split", {})),
        evaluate=dict(data.get("evaluate", {})), reference=dict(data.get("reference", {})),
        description=exp.get("description", ""), path=path, run=run, read=read, overrides=overrides,
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
