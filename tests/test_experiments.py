"""Tests for hypergensim.experiments: spec validation, joblib and Dask sweeps, kill -9 resume, plots."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import TOY_BASIC, assert_clean_error, run_cli
from hypergensim.errors import ConfigError
from hypergensim.experiments import load_spec, parse_spec, shipped_specs, sweep
from hypergensim.experiments.sweep import plan

TOY_SPEC = f"""
[experiment]
name = "toy"
dataset = "{TOY_BASIC}"
task = "reconstruction"
[train]
engine = "gensim"
epochs = 3
negative = 2
burn_in = 0
[grid]
dim = [2, 3]
alpha = [0.05, 0.1]
seed = [0, 1]
"""


@pytest.fixture
def toy_spec(tmp_path):
    p = tmp_path / "toy.toml"
    p.write_text(TOY_SPEC)
    return p


def test_minimal_spec_from_the_issue(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text('[experiment]\nname = "example"\ndataset = "path/to/closure.tsv"\ntask = "reconstruction"\n'
                 '[train]\nengine = "gensim"\nepochs = 30\n[grid]\ndim = [2, 3, 4, 5]\nseed = [0, 1]\n')
    spec = load_spec(p)
    assert len(spec.runs()) == 8 and spec.train == {"engine": "gensim", "epochs": 30}


def test_shipped_specs_are_valid():
    names = shipped_specs()
    for required in ["nickel2017-mammals", "nickel2017-nouns-reconstruction", "nickel2017-nouns-link-prediction",
                     "engines-mammals", "lr-sweep-mammals"]:
        assert required in names
        load_spec(required)
    nouns = load_spec("nickel2017-nouns-reconstruction")
    assert {r["dim"]: r["mean_rank"] for r in nouns.reference_rows()}[10] == 4.02


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"experiment": {"name": "x", "dataset": "d", "task": "reconstruction", "colour": 1}},
         "unknown key experiment.colour"),
        ({"experiment": {"name": "x", "dataset": "d", "task": "reconstruction"}, "trian": {}}, "unknown table"),
        ({"experiment": {"name": "x", "dataset": "d", "task": "reconstruction"}, "train": {"epochs": "ten"}},
         "train.epochs must be int"),
        ({"experiment": {"name": "x", "dataset": "d", "task": "ranking"}}, "experiment.task must be"),
        ({"experiment": {"name": "x", "task": "reconstruction"}}, "missing required key experiment.dataset"),
        ({"experiment": {"name": "x", "dataset": "d", "task": "reconstruction"}, "grid": {"dim": []}},
         "grid.dim is empty"),
        ({"experiment": {"name": "x", "dataset": "d", "task": "reconstruction"}, "train": {"dim": 2},
          "grid": {"dim": [2]}}, "set in both"),
    ],
)
def test_spec_validation_errors(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_spec(data, path="spec.toml")


def test_bad_spec_file_via_cli(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('[experiment]\nname = "x"\ndataset = "d"\ntask = "reconstruction"\nwat = 3\n')
    assert_clean_error(run_cli("sweep", p, "--out", tmp_path / "o"), "bad.toml", "unknown key experiment.wat")
    p.write_text("[experiment\n")
    assert_clean_error(run_cli("sweep", p, "--out", tmp_path / "o"), "invalid TOML")


def _check_sweep(out: Path, spec) -> None:
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert runs == sorted(j["id"] for j in plan(spec))  # every run exactly once, no partial left
    df = pd.read_csv(out / "results.csv")
    assert len(df) == 8 and df["id"].is_unique
    assert set(df.columns) >= {"dim", "alpha", "seed", "mean_rank", "map"}
    assert "| dim | alpha |" in (out / "summary.md").read_text()


def test_sweep_joblib(toy_spec, tmp_path):
    spec = load_spec(toy_spec)
    rows = sweep(spec, tmp_path / "out", jobs=2, verbose=False)
    assert len(rows) == 8
    _check_sweep(tmp_path / "out", spec)
    # a second call reuses every finished run
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "runs").iterdir()}
    sweep(spec, tmp_path / "out", jobs=2, verbose=False)
    assert before == {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "runs").iterdir()}


def test_sweep_dask_local_cluster(toy_spec, tmp_path):
    pytest.importorskip("dask.distributed")
    spec = load_spec(toy_spec)
    sweep(spec, tmp_path / "out", jobs=2, backend="dask", verbose=False)
    _check_sweep(tmp_path / "out", spec)


def test_sweep_dask_scheduler_address(toy_spec, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    spec = load_spec(toy_spec)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        r = run_cli("sweep", spec.path, "--out", tmp_path / "out", "--scheduler", cluster.scheduler_address)
        assert r.returncode == 0, r.stderr
    _check_sweep(tmp_path / "out", spec)


@pytest.mark.parametrize("backend", ["joblib", "dask"])
def test_sweep_survives_sigkill(toy_spec, tmp_path, backend):
    pytest.importorskip("dask.distributed")
    spec = load_spec(toy_spec)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "hypergensim", "sweep", str(toy_spec), "--out", str(out),
                             "--jobs", "1", "--backend", backend], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        done = [p for p in (out / "runs").glob("*") if not p.name.startswith(".")] if (out / "runs").exists() else []
        if len(done) >= 2:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished_before = {p.name for p in (out / "runs").glob("*") if not p.name.startswith(".")}
    assert 2 <= len(finished_before) < 8
    r = run_cli("sweep", toy_spec, "--out", out, "--backend", backend)
    assert r.returncode == 0, r.stderr
    assert f"{len(finished_before)} already finished" in r.stdout
    _check_sweep(out, spec)


def test_plot_cli_renders_pngs(tmp_path):
    from matplotlib.image import imread

    run = tmp_path / "run"
    r = run_cli("train", TOY_BASIC, "--dim", "2", "--epochs", "3", "--negative", "2", "--eval-every", "1",
                "--out", run, "--quiet")
    assert r.returncode == 0, r.stderr
    for kind in ["disk", "norm-depth", "curves"]:
        png = tmp_path / f"{kind}.png"
        r = run_cli("plot", run, "--kind", kind, "-o", png, *(["--center", "dog"] if kind == "disk" else []))
        assert r.returncode == 0, r.stderr
        img = imread(png)
        assert img.shape[0] > 200 and img[..., :3].std() > 0.05
    assert_clean_error(run_cli("plot", run, "-o", tmp_path / "x.png", "--center", "unicorn"), "unicorn")


def test_reproduce_report(tmp_path):
    from hypergensim.experiments.reproduce import reproduce

    spec = tmp_path / "s.toml"
    spec.write_text(TOY_SPEC.replace("dim = [2, 3]", "dim = [2]").replace("alpha = [0.05, 0.1]", "alpha = [0.1]")
                    + '[reference]\nsource = "made up"\nresults = [{ dim = 2, mean_rank = 1.5, map = 0.9 }]\n')
    report = reproduce(str(spec), tmp_path / "rep", verbose=False)
    text = report.read_text()
    assert "| 2 | 0.1 | 2 |" in text and "made up" in text and "1.5" in text
    for png in ["metric_vs_dim.png", "learning_curves.png"]:
        assert (tmp_path / "rep" / png).stat().st_size > 10_000


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0 or not Path("/usr/bin/unshare").exists(),
                    reason="needs root and unshare(1) to give the worker its own mount namespace")
def test_dask_sweep_with_a_worker_that_cannot_see_the_clients_disk(tmp_path):
    """A real `dask scheduler` and `dask worker` on 127.0.0.1; the worker runs under a private tmpfs laid over the
    client's folders, so it sees neither the data nor the output. Relative paths are the client's."""
    distributed = pytest.importorskip("dask.distributed")
    import shutil
    import tempfile

    client_dir = tmp_path / "client"
    (client_dir / "data").mkdir(parents=True)
    shutil.copy(TOY_BASIC, client_dir / "data" / "toy.tsv")
    (client_dir / "data" / "spec.toml").write_text(TOY_SPEC.replace(str(TOY_BASIC), "data/toy.tsv"))
    dask_cli = str(Path(sys.executable).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scratch = tempfile.mkdtemp(prefix="hg-worker-")
    procs = [subprocess.Popen([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        procs.append(subprocess.Popen(
            ["unshare", "-m", "sh", "-c", f"mount -t tmpfs tmpfs {client_dir} && exec {dask_cli} worker {address} "
             f"--nworkers 1 --nthreads 1 --no-dashboard --local-directory {scratch}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=120)
            seen = client.submit(os.path.exists, str(client_dir / "data" / "toy.tsv"), pure=False).result()
            assert seen is False  # the worker truly cannot see the client's data
        r = run_cli("sweep", "data/spec.toml", "--out", "out", "--scheduler", address, cwd=client_dir)
        assert r.returncode == 0, r.stderr
        spec = load_spec(client_dir / "data" / "spec.toml")
        _check_sweep(client_dir / "out", spec)
        for run in (client_dir / "out" / "runs").iterdir():  # every file came back from the worker
            assert {"metrics.json", "history.csv", "vectors.npz", "keys.json", "config.json", "state.npz"} <= \
                {p.name for p in run.iterdir()}
    finally:
        for proc in reversed(procs):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(scratch, ignore_errors=True)
