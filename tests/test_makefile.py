"""The Makefile: `make demo` installs only what the demo needs; `make test` everything the tests need."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _dry_run(target: str) -> str:
    """The commands `make -B TARGET` would run (nothing is run)."""
    return subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_demo_installs_no_deep_learning_or_dev_extras():
    demo = _dry_run("demo")
    assert "pip install --quiet -e ." in demo and "hypergensim demo" in demo
    for heavy in ("torch", "keras", "[dev", "dask"):
        assert heavy not in demo, heavy
    test = _dry_run("test")
    assert "torch==" in test and ".[dev,dask,keras]" in test and "pytest" in test
