"""examples/keras_downstream.py runs end to end and the hyperbolic embedding beats the random baseline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("keras")
pytest.importorskip("torch")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "keras_downstream.py"


def test_keras_example_beats_random_baseline():
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    result = subprocess.run([sys.executable, str(EXAMPLE), "--json"], capture_output=True, text=True, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "torch"
    scores = {r["embedding"].split()[0]: r["balanced_accuracy"] for r in report["results"]}
    assert set(scores) == {"poincare", "euclidean", "random"}
    chance = report["chance_balanced_accuracy"]
    assert scores["random"] < chance + 0.15
    assert scores["poincare"] > scores["random"] + 0.5
    assert scores["poincare"] >= scores["euclidean"]
