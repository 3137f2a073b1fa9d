"""Fault injection: a disk that fills up mid-write (training checkpoints, sweep results, exports).

The writer is patched so that, once armed, every file hypergensim writes
fails with ``ENOSPC`` after a few bytes, i.e. in the middle of the write.
Earlier results must stay intact and readable, no temporary file may be left
behind, and the command must fail with one clear line.  (SIGKILL during
training and during a sweep is tested in test_training.py and
test_experiments.py.)
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
from pathlib import Path

import numpy as np
import pytest

import hypergensim._atomic as atomic
from conftest import TOY_BASIC, TOY_CLOSURE
from hypergensim.cli import main
from hypergensim.vectors import read_vectors


class FullDisk:
    """Wrap files opened by the atomic writer; once armed, fail after ``budget`` bytes per file."""

    def __init__(self, monkeypatch, budget: int = 64) -> None:
        self.budget = budget
        self.armed = False
        self.failures = 0
        real_fdopen = os.fdopen
        disk = self

        class Handle:
            def __init__(self, fh):
                self._fh = fh
                self._written = 0

            def write(self, data):
                if disk.armed and self._written + len(data) > disk.budget:
                    keep = max(disk.budget - self._written, 0)
                    self._fh.write(data[:keep])
                    self._written += keep
                    disk.failures += 1
                    raise OSError(errno.ENOSPC, "No space left on device", getattr(self._fh, "name", None))
                self._written += len(data)
                return self._fh.write(data)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return self._fh.__exit__(*exc)

            def __getattr__(self, name):
                return getattr(self._fh, name)

        monkeypatch.setattr(atomic.os, "fdopen", lambda *a, **k: Handle(real_fdopen(*a, **k)))


def run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([str(a) for a in args])
    return code, err.getvalue()


def no_temporaries(d: Path) -> None:
    left = [p for p in d.rglob("*") if p.name.endswith(".tmp")]
    assert not left, left


def test_full_disk_during_training_keeps_the_last_checkpoint(monkeypatch, tmp_path):
    disk = FullDisk(monkeypatch)
    out = tmp_path / "run"
    code, _ = run("train", TOY_CLOSURE, "--dim", "2", "--negative", "3", "--epochs", "3", "--checkpoint-every", "1",
                  "--quiet", "--out", out)
    assert code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    disk.armed = True
    code, err = run("train", "--resume", out, "--epochs", "6", "--quiet")
    assert code != 0 and disk.failures >= 1
    lines = [ln for ln in err.splitlines() if ln.startswith("hypergensim: error:")]
    assert len(lines) == 1 and "No space left on device" in lines[0] and "Traceback" not in err
    disk.armed = False
    for name in ("state.npz", "vectors.npz", "keys.json", "config.json", "vectors.txt", "metrics.json"):
        assert (out / name).read_bytes() == before[name], f"{name} changed"
    with np.load(out / "state.npz", allow_pickle=False) as s:
        assert int(s["epoch"][0]) == 3
    assert np.isfinite(read_vectors(out).vectors).all()
    no_temporaries(out)
    # once space is back, the same run resumes and finishes
    code, _ = run("train", "--resume", out, "--epochs", "6", "--quiet")
    assert code == 0
    with np.load(out / "state.npz", allow_pickle=False) as s:
        assert int(s["epoch"][0]) == 6


def test_full_disk_during_sweep_keeps_finished_runs(monkeypatch, tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(f'[experiment]\nname = "t"\ndataset = "{TOY_BASIC}"\ntask = "reconstruction"\n'
                    '[train]\nengine = "gensim"\nepochs = 2\nnegative = 2\nburn_in = 0\n[grid]\ndim = [2, 3]\nseed = [0]\n')
    out = tmp_path / "sweep"
    code, _ = run("sweep", spec, "--out", out)
    assert code == 0
    results = (out / "results.csv").read_text()
    runs = sorted(p.name for p in (out / "runs").iterdir())
    spec.write_text(spec.read_text().replace("dim = [2, 3]", "dim = [2, 3, 4]"))
    disk = FullDisk(monkeypatch)
    disk.armed = True
    code, err = run("sweep", spec, "--out", out)
    assert code != 0 and "No space left on device" in err and "Traceback" not in err
    assert (out / "results.csv").read_text() == results
    assert sorted(p.name for p in (out / "runs").iterdir() if not p.name.startswith(".")) == runs
    no_temporaries(out)
    disk.armed = False
    code, _ = run("sweep", spec, "--out", out)
    assert code == 0 and len((out / "results.csv").read_text().splitlines()) == 4


@pytest.mark.parametrize("fmt", ["word2vec", "npz", "csv"])
def test_full_disk_during_export_keeps_the_previous_file(monkeypatch, tmp_path, fmt):
    out = tmp_path / "run"
    assert run("train", TOY_CLOSURE, "--dim", "2", "--negative", "3", "--epochs", "2", "--quiet", "--out", out)[0] == 0
    target = tmp_path / ("e.txt" if fmt != "npz" else "e")
    assert run("export", out, "--format", fmt, "-o", target)[0] == 0
    snapshot = {p: p.read_bytes() for p in ([target] if target.is_file() else list(target.iterdir()))}
    disk = FullDisk(monkeypatch)
    disk.armed = True
    code, err = run("export", out, "--format", fmt, "-o", target)
    assert code != 0 and "No space left on device" in err
    for p, content in snapshot.items():
        assert p.read_bytes() == content
    no_temporaries(tmp_path)


def test_written_files_honour_the_umask_and_keep_a_replaced_files_mode(tmp_path):
    import os

    from hypergensim._atomic import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "new.txt", "x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
        os.umask(0o077)
        atomic_write_text(tmp_path / "private.txt", "x")
        assert (tmp_path / "private.txt").stat().st_mode & 0o777 == 0o600
        (tmp_path / "new.txt").chmod(0o640)
        atomic_write_text(tmp_path / "new.txt", "y")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
