"""The package works installed from a wheel, outside the repository: shipped specs and published numbers included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installed_outside_the_repository_reproduces_mammals(tmp_path):
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
    done = subprocess.run([sys.executable, "-m", "hypergensim", "reproduce", "nickel2017-mammals", "--out", "rep"],
                          env=env, cwd=work, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = (work / "rep" / "report.md").read_text()
    row = next(line for line in report.splitlines() if line.startswith("| poincare | 5 |"))
    assert "Nickel & Kiela (2017)" in report and "| 0.927 |" in row and row.split("|")[-5].strip() == "3"
    for png in ("metric_vs_dim.png", "learning_curves.png"):
        assert (work / "rep" / png).stat().st_size > 10_000
    listed = subprocess.run([sys.executable, "-m", "hypergensim", "reproduce", "--list"], env=env, cwd=work,
                            check=True, capture_output=True, text=True).stdout
    assert "nickel2017-nouns-reconstruction" in listed and "published" not in listed
