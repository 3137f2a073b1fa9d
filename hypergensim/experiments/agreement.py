"""Does a re-run reproduce a recorded table? Cell by cell, against fixed tolerances.

One job: compare the cells of a fresh reproduction (``hypergensim reproduce
NAME --out NEW --only ... --against RECORDED``) with the same cells of a
recorded ``results.csv``, and say which agree.  A cell agrees when its mean rank
is within :data:`MEAN_RANK_RTOL` (relative) of the recorded one and its MAP and
F1 within :data:`SCORE_ATOL` (absolute): Hogwild training on several threads is
not bit-for-bit repeatable, so "reproduces" means "within these bounds".

Examples
--------
>>> recorded = [{"id": "a", "task": "reconstruction", "mean_rank": 2.8, "map": 0.90, "f1": None}]
>>> fresh = [{"id": "a", "task": "reconstruction", "mean_rank": 2.9, "map": 0.895, "f1": None}]
>>> [(c["metric"], c["agrees"]) for c in compare_cells(fresh, recorded)]
[('mean_rank', True), ('map', True)]
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from .._atomic import atomic_write_text
from ..errors import InputError
from .sweep import RESULTS_CSV

__all__ = ["MEAN_RANK_RTOL", "SCORE_ATOL", "AGREEMENT_MD", "compare_cells", "read_recorded", "agreement_lines",
           "check_comparable", "check_against"]

#: What ``check_against`` writes into the fresh reproduction's folder.
AGREEMENT_MD = "agreement.md"

#: A re-run's mean rank may differ from the recorded one by this share of it.
MEAN_RANK_RTOL = 0.10
#: A re-run's MAP or F1 may differ from the recorded one by this much.
SCORE_ATOL = 0.02
_METRICS = ("mean_rank", "map", "f1")


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    x = float(value)
    return None if math.isnan(x) else x


def _parsed(row: dict[str, Any], path: Path, line: int) -> dict[str, Any]:
    """``row`` with its metric columns as numbers (None when empty); a column that is not a number is an error."""
    out = dict(row)
    for metric in _METRICS:
        try:
            out[metric] = _number(row.get(metric))
        except (TypeError, ValueError):
            raise InputError(f"{metric} is not a number", path=path, line=line, value=row.get(metric)) from None
    return out


def read_recorded(directory: str | Path) -> list[dict[str, Any]]:
    """The rows of ``directory/results.csv`` (a recorded reproduction), metrics as numbers; a clear error when
    there is none or a metric is not a number (naming the file, the line and the value)."""
    path = Path(directory) / RESULTS_CSV
    if not path.is_file():
        raise InputError(f"{path}: no recorded results to compare with (a reproduction's folder holds "
                         f"{RESULTS_CSV})")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is not None and "id" not in reader.fieldnames:
            raise InputError(f"no 'id' column (not a reproduction's {RESULTS_CSV})", path=path, line=1)
        return [_parsed(row, path, reader.line_num) for row in reader]


def check_comparable(fresh_dir: str | Path, recorded_dir: str | Path) -> list[dict[str, Any]]:
    """The recorded rows, once ``recorded_dir`` is known to be a recorded reproduction other than ``fresh_dir``
    (called before training too, so a typo fails in a second, not after the run)."""
    if Path(fresh_dir).resolve() == Path(recorded_dir).resolve():
        raise InputError(f"{recorded_dir}: compare a re-run in another folder with the recorded one (a folder "
                         "always agrees with itself: --out and --against must differ)")
    return read_recorded(recorded_dir)


def compare_cells(fresh: list[dict[str, Any]], recorded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per (cell, metric) that both have: recorded, fresh, difference, tolerance and ``agrees``.

    Cells are matched by their id (the settings' digest), so a cell trained with
    other settings is never compared with this one.
    """
    by_id = {r["id"]: r for r in recorded}
    out = []
    for row in fresh:
        old = by_id.get(row["id"])
        if old is None:
            continue
        for metric in _METRICS:
            then, now = _number(old.get(metric)), _number(row.get(metric))
            if then is None or now is None:
                continue
            tolerance = MEAN_RANK_RTOL * then if metric == "mean_rank" else SCORE_ATOL
            out.append({"id": row["id"], "task": row.get("task"), "metric": metric, "recorded": then, "now": now,
                        "difference": now - then, "tolerance": tolerance,
                        "agrees": abs(now - then) <= tolerance + 1e-12})
    return out


def agreement_lines(comparisons: list[dict[str, Any]], recorded_dir: str | Path) -> list[str]:
    """A markdown table of the comparisons and a closing verdict."""
    lines = [f"## agreement with {recorded_dir}", "",
             f"A cell agrees when its mean rank is within {MEAN_RANK_RTOL:.0%} of the recorded one and its MAP and "
             f"F1 within {SCORE_ATOL}.", "",
             "| cell | metric | recorded | now | difference | tolerance | agrees |", "|---|---|---|---|---|---|---|"]
    for c in comparisons:
        lines.append(f"| {c['id']} | {c['metric']} | {c['recorded']:.4f} | {c['now']:.4f} | {c['difference']:+.4f} | "
                     f"±{c['tolerance']:.4f} | {'yes' if c['agrees'] else 'NO'} |")
    cells = {c["id"] for c in comparisons}
    failed = {c["id"] for c in comparisons if not c["agrees"]}
    lines += ["", f"{len(cells) - len(failed)} of {len(cells)} cells agree with the recorded ones." if cells else
              "No cell of this run is in the recorded table (cells are matched by id: the same settings)."]
    return lines


def check_against(fresh_dir: str | Path, recorded_dir: str | Path, *, verbose: bool = True) -> bool:
    """Compare every finished cell of ``fresh_dir`` with ``recorded_dir``; write ``fresh_dir/agreement.md``.

    Returns True when at least one cell was compared and every compared cell agrees.
    """
    recorded = check_comparable(fresh_dir, recorded_dir)
    comparisons = compare_cells(read_recorded(fresh_dir), recorded)
    lines = agreement_lines(comparisons, recorded_dir)
    atomic_write_text(Path(fresh_dir) / AGREEMENT_MD, "\n".join(lines) + "\n")
    if verbose:
        print("\n".join(lines))
    return bool(comparisons) and all(c["agrees"] for c in comparisons)
