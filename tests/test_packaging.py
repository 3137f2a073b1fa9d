"""The package works installed from a wheel, outside the repository: shipped specs and published numbers included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from this checkout, installed into a folder of its own: (environment, a folder outside the
    repository to run in)."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels)], check=True, capture_output=True, text=True, cwd=tmp_path)
    (wheel,) = wheels.glob("hypergensim-*.whl")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, text=True, cwd=tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run([sys.executable, "-c", "import hypergensim; print(hypergensim.__file__)"], env=env,
                           cwd=work, check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(site), where  # the installed copy, not the checkout
    return env, work


def test_wheel_installed_outside_the_repository_lists_its_shipped_specs(installed):
    env, work = installed
    listed = subprocess.run([sys.executable, "-m", "hypergensim", "reproduce", "--list"], env=env, cwd=work,
                            check=True, capture_output=True, text=True).stdout
    assert "nickel2017-nouns-reconstruction" in listed and "nickel2017-mammals" in listed
    assert "published" not in listed
    code = ("from hypergensim import published; "
            "print(published.lookup('nickel2017', dataset='mammals', task='reconstruction', dim=5)[0]['map'])")
    shown = subprocess.run([sys.executable, "-c", code], env=env, cwd=work, check=True, capture_output=True,
                           text=True).stdout
    assert shown.strip() == "0.927"  # the published numbers travel as package data


@pytest.mark.slow  # a cold numba build of the installed copy's kernels (about a minute), then a reproduction
def test_wheel_installed_outside_the_repository_reproduces_mammals(installed):
    env, work = installed
    done = subprocess.run([sys.executable, "-m", "hypergensim", "reproduce", "nickel2017-mammals", "--out", "rep"],
                          env=env, cwd=work, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = (work / "rep" / "report.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| poincare | 5 |"))
    assert "Nickel & Kiela (2017)" in report and "| 0.927 |" in row and row.split("|")[-5].strip() == "3"
    for png in ("metric_vs_dim.png", "learning_curves.png"):
        assert (work / "rep" / png).stat().st_size > 10_000
