"""Shared fixtures: the toy tree, real WordNet hierarchies, a random tree's closure, and a command-line runner."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
TOY_BASIC = ROOT / "datasets" / "toy" / "toy_basic.tsv"
TOY_CLOSURE = ROOT / "datasets" / "toy" / "toy_closure.tsv"
MAMMALS_TSV = ROOT / "datasets" / "mammals" / "mammal_closure.tsv"


def random_tree(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Closure edges ``(child, ancestor)`` of a random tree on ``n`` nodes (node 0 the root), and the parents."""
    rng = np.random.default_rng(seed)
    parent = [-1] + [int(rng.integers(0, i)) for i in range(1, n)]
    edges = []
    for u in range(1, n):
        a = parent[u]
        while a >= 0:
            edges.append((u, a))
            a = parent[a]
    return np.array(edges, dtype=np.int64), np.array(parent)


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 600) -> CliResult:
    """Run ``python -m hypergensim ARGS`` in a subprocess (so tracebacks are visible)."""
    env = dict(os.environ)
    env.pop("HYPERGENSIM_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "hypergensim", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_error(result: CliResult, *fragments: str) -> None:
    """A one-line error on stderr, non-zero exit, no traceback, and every fragment named."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("hypergensim: error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])


@pytest.fixture(scope="session")
def toy():
    from hypergensim.datasets import read_edge_file

    return read_edge_file(TOY_BASIC, name="toy")


@pytest.fixture(scope="session")
def mammals():
    """The WordNet mammal closure as stored in datasets/ (no WordNet needed)."""
    from hypergensim.datasets import read_edge_file

    return read_edge_file(MAMMALS_TSV, name="mammals")


@pytest.fixture(scope="session")
def wordnet_mammals():
    """The mammal closure built from WordNet through NLTK (for the tests of that builder)."""
    from hypergensim.datasets import load_hierarchy

    return load_hierarchy("mammals")


_BAD_INPUT = {"tried": 0, "passed": 0}


def pytest_runtest_logreport(report):
    """Count the bad-input corpus cases (their call phase) for the summary line."""
    if report.when == "call" and "bad_input" in report.keywords:
        _BAD_INPUT["tried"] += 1
        _BAD_INPUT["passed"] += int(report.passed)


def pytest_terminal_summary(terminalreporter):
    if _BAD_INPUT["tried"]:
        terminalreporter.write_line(
            f"bad-input corpus: {_BAD_INPUT['tried']} cases tried, {_BAD_INPUT['passed']} passed "
            "(non-zero exit, one-line error naming file/line/value, nothing partial left)")
