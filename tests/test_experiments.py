"""Tests for hypergensim.experiments: spec validation, joblib and Dask sweeps, kill -9 resume, plots."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import TOY_BASIC, assert_clean_error, run_cli
from hypergensim.errors import ConfigError, InputError
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


def test_the_unbounded_link_prediction_spec_holds_out_table1s_edges():
    """Its rows are set beside nickel2017-table1's bounded ones, so both must rank the same held-out edges."""
    unbounded, table1 = load_spec("euclidean-unbounded-link-prediction"), load_spec("nickel2017-table1")
    assert unbounded.task == "link-prediction" and "link-prediction" in table1.grid["task"]
    assert (unbounded.dataset, unbounded.split) == (table1.dataset, table1.split)
    assert set(unbounded.grid["dim"]) <= set(table1.grid["dim"])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"experiment": {"name": "x", "dataset": "d", "task": "reconstruction", "colour": 1}},
         "unknown key experiment.colour"),
        ({"experiment": {"name": "x", "dataset": "d", "task": "reconstruction"}, "trian": {}}, "unknown table"),
        ({"experiment": {"name": "x", "dataset": "d", "task": "reconstruction"}, "train": {"epochs": "ten"}},
         "train.epochs must be int"),
        ({"experiment": {"name": "x", "dataset": "d", "task": "ranking"}}, "the task must be one of"),
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


_D2 = {"experiment": {"name": "d2", "dataset": "nouns", "task": "reconstruction"},
       "grid": {"preset": ["nickel2017-warmup", "nickel2018-lorentz"], "dim": [2, 10]}}


def test_an_override_sets_the_cells_it_selects_and_only_those():
    spec = parse_spec({**_D2, "train": {"epochs": 50},
                       "override": [{"where": {"preset": "nickel2017-warmup", "dim": 2}, "set": {"epsilon": 1e-8}},
                                    {"where": {"dim": 10}, "set": {"epochs": 20}}]})
    params = {(v["preset"], v["dim"]): spec.params(v) for v in spec.runs()}
    assert params["nickel2017-warmup", 2]["epsilon"] == 1e-8 and params["nickel2017-warmup", 2]["epochs"] == 50
    assert params["nickel2018-lorentz", 2]["epsilon"] == 1e-5  # the other preset at d = 2 keeps the table's value
    assert {k: p["epochs"] for k, p in params.items() if k[1] == 10} == {("nickel2017-warmup", 10): 20,
                                                                         ("nickel2018-lorentz", 10): 20}
    jobs = {(j["values"]["preset"], j["dim"]): j for j in plan(spec)}
    assert jobs["nickel2017-warmup", 2]["params"]["epsilon"] == 1e-8
    # the cell's id says what it trains with, and differs from the cell without the override
    plain = plan(parse_spec({**_D2, "train": {"epochs": 50}}))
    assert "epsilon1e-08" in jobs["nickel2017-warmup", 2]["id"]
    assert jobs["nickel2017-warmup", 2]["id"] not in {j["id"] for j in plain}
    assert jobs["nickel2018-lorentz", 2]["id"] in {j["id"] for j in plain}
    # --only can pick a cell by what an override set
    from hypergensim.experiments.sweep import select
    assert select(spec, {"epsilon": "1e-8"}) == [v for v in spec.runs() if v.get("epsilon") == 1e-8]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"where": {"dim": 2}}, "override\\[0\\]: missing or empty 'set'"),
        ({"where": {"dim": 2}, "set": {}}, "missing or empty 'set'"),
        ({"set": {"epsilon": 1e-8}}, "missing or empty 'where'"),
        ({"where": {"dim": 2}, "set": {"epsilon": 1e-8}, "when": 1}, "unknown key 'when'"),
        ({"where": {"model": "lorentz"}, "set": {"epsilon": 1e-8}}, "where.model is not a grid key"),
        ({"where": {"dim": 3}, "set": {"epsilon": 1e-8}}, "where.dim = 3 selects no cell"),
        ({"where": {"dim": 2}, "set": {"dim": 5}}, "set.dim is a grid key"),
        ({"where": {"dim": 2}, "set": {"preset": "nickel2017"}}, "set.preset is not a training parameter"),
        ({"where": {"dim": 2}, "set": {"random_state": 3}}, "set.random_state is not a training parameter"),
        ({"where": {"dim": 2}, "set": {"verbose": True}}, "set.verbose is not a training parameter"),
        ({"where": {"dim": 2}, "set": {"seed": 1}}, "set.seed is not a training parameter"),
        ({"where": {"dim": 2}, "set": {"epsilon": 2.0}}, "override\\[0\\]: set.epsilon"),
        ({"where": {"dim": 2}, "set": {"epochs": "ten"}}, "override\\[0\\].set.epochs must be int"),
        ({"where": 2, "set": {"epsilon": 1e-8}}, "override\\[0\\].where must be dict"),
    ],
)
def test_override_validation_errors(override, message):
    with pytest.raises(ConfigError, match=message):
        parse_spec({**_D2, "override": [override]}, path="spec.toml")


def test_overrides_that_share_a_cell_may_not_set_one_key_twice():
    twice = [{"where": {"dim": 2}, "set": {"epsilon": 1e-8}},
             {"where": {"preset": "nickel2017-warmup"}, "set": {"epsilon": 1e-10}}]
    with pytest.raises(ConfigError, match="override\\[0\\] and override\\[1\\] both set epsilon"):
        parse_spec({**_D2, "override": twice}, path="spec.toml")
    apart = [{"where": {"dim": 2}, "set": {"epsilon": 1e-8}}, {"where": {"dim": 10}, "set": {"epsilon": 1e-6}}]
    assert [v.get("epsilon") for v in parse_spec({**_D2, "override": apart}).runs()] == [1e-8, 1e-6, 1e-8, 1e-6]
    with pytest.raises(ConfigError, match="override must be an array of tables"):
        parse_spec({**_D2, "override": {"where": {"dim": 2}, "set": {"epsilon": 1e-8}}}, path="spec.toml")


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


PRESET_SPEC = f"""
[experiment]
name = "retuned"
dataset = "{TOY_BASIC}"
task = "reconstruction"
[train]
preset = "gensim-default"
epochs = 2
negative = 2
burn_in = 0
[grid]
dim = [2]
seed = [0, 1]
"""


@pytest.mark.parametrize(("preset", "stale"), [
    ("nickel2017-translational", {"translation_rate": (1.0, 0.01)}),  # r stepped at the rows' rate before
    ("translational-unbounded", {}),  # which this preset keeps
    ("nickel2017-warmup", {}),  # the translation's rate means nothing for the Poincaré ball
])
def test_runs_recorded_before_a_parameter_existed_compare_as_they_trained(tmp_path, preset, stale):
    from hypergensim.experiments.sweep import stale_settings
    from hypergensim.presets import resolve
    from hypergensim.rundir import RunDir

    params = resolve(preset)
    then = {k: v for k, v in params.items() if k != "translation_rate"}
    (tmp_path / "config.json").write_text(json.dumps({"params": then}))
    assert stale_settings({"params": params}, RunDir(tmp_path)) == stale
    (tmp_path / "config.json").write_text(json.dumps({"params": params}))  # recorded since: as it trained
    assert stale_settings({"params": params}, RunDir(tmp_path)) == {}


def test_a_retuned_preset_reruns_its_stale_cells_and_replaces_them_only_when_done(tmp_path, monkeypatch, capsys):
    from hypergensim import presets
    from hypergensim.experiments.reproduce import reproduce
    from hypergensim.experiments.sweep import stale_settings
    from hypergensim.rundir import RunDir

    path = tmp_path / "retuned.toml"
    path.write_text(PRESET_SPEC)
    spec, out = load_spec(path), tmp_path / "out"
    sweep(spec, out, verbose=False)
    ids = sorted(j["id"] for j in plan(spec))
    assert all(RunDir(out / "runs" / i).read_config()["given"]["alpha"] == 0.1 for i in ids)

    # the preset is retuned: the cells keep their ids (the spec did not change) but are stale now
    monkeypatch.setitem(presets.PRESETS, "gensim-default", {**presets.PRESETS["gensim-default"], "alpha": 0.05})
    jobs = plan(spec)
    assert [j["id"] for j in jobs] == ids
    assert stale_settings(jobs[0], RunDir(out / "runs" / ids[0])) == {"alpha": (0.1, 0.05)}
    capsys.readouterr()
    sweep(spec, out, train=False)  # the tables only: reported as recorded, and said to be stale
    said = capsys.readouterr().out
    assert said.count("stale, reported as recorded") == 2 and "alpha 0.1 -> 0.05" in said
    report = reproduce(path, out, train=False, verbose=False).read_text()  # and so does the report
    assert report.count("- stale, reported as recorded") == 2 and f"`{ids[0]}` (alpha 0.1 -> 0.05)" in report

    sweep(spec, out)
    said = capsys.readouterr().out
    assert "0 already finished, 2 to run (2 of them stale)" in said and said.count("re-running") == 2
    assert sorted(p.name for p in (out / "runs").iterdir()) == ids  # replaced in place, nothing aside
    assert all(RunDir(out / "runs" / i).read_config()["given"]["alpha"] == 0.05 for i in ids)
    sweep(spec, out)
    assert "2 already finished, 0 to run" in capsys.readouterr().out

    # a crash between moving a stale run aside and landing its replacement: the next sweep puts it back
    os.rename(out / "runs" / ids[0], out / "runs" / f".{ids[0]}.stale-0123abcd")
    (out / "runs" / f".{ids[1]}.stale-4567cdef").mkdir()  # one whose replacement did land is deleted
    sweep(spec, out)
    assert "2 already finished, 0 to run" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "runs").iterdir()) == ids


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
    assert run_cli("plot", run, "-o", tmp_path / "disk.pdf").returncode == 0  # the suffix chooses the format
    assert (tmp_path / "disk.pdf").read_bytes().startswith(b"%PDF")


def test_reproduce_without_training_and_no_finished_cell_leaves_the_recorded_report(toy_spec, tmp_path):
    """``reproduce --no-train`` where no cell is finished (a recorded report whose runs were not kept) refuses in
    one line naming the runs folder, and the report, results.csv and figures there stay byte for byte."""
    out = tmp_path / "recorded"
    out.mkdir()
    recorded = {"report.md": b"# toy, as recorded\n", "results.csv": b"dim,map\n2,0.9\n",
                "learning_curves.png": b"\x89PNG recorded"}
    for name, data in recorded.items():
        (out / name).write_bytes(data)
    result = run_cli("reproduce", toy_spec, "--out", out, "--no-train")
    assert_clean_error(result, "toy: none of the 8 cells is finished", str(out / "runs"), "left as they are")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == recorded  # nothing written, no runs/ folder made


def test_reproduce_report(tmp_path):
    from hypergensim.experiments.reproduce import reproduce

    spec = tmp_path / "s.toml"
    spec.write_text(TOY_SPEC.replace("dim = [2, 3]", "dim = [2]").replace("alpha = [0.05, 0.1]", "alpha = [0.1]")
                    + '[reference]\nsource = "made up"\nresults = [{ dim = 2, mean_rank = 1.5, map = 0.9 }]\n'
                    + '[[override]]\nwhere = { seed = 1 }\nset = { epochs = 2 }\n')
    report = reproduce(str(spec), tmp_path / "rep", verbose=False)
    text = report.read_text()
    epochs = {json.loads((run / "config.json").read_text())["given"]["random_state"]:
              json.loads((run / "metrics.json").read_text())["epochs"] for run in (tmp_path / "rep" / "runs").iterdir()}
    assert epochs == {0: 3, 1: 2}  # the override trained seed 1's cell, and only it, for 2 epochs
    assert "- the cells where `{'seed': 1}` instead train with `{'epochs': 2}`" in text
    row = next(line for line in text.splitlines() if line.startswith("| poincare | 2 | 0.1 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[4] == "1.5" and cells[-4] == "2" and "made up" in text  # the paper's mean rank; 2 seeds
    assert "2 cells finished; their training" in text  # one row, its two seeds' cells
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


TABLE_SPEC = f"""
[experiment]
name = "table"
dataset = "{TOY_BASIC}"
[train]
epochs = 3
negative = 1
workers = 1
[grid]
preset = ["nickel2017", "nickel2017-euclidean"]
task = ["reconstruction", "link-prediction"]
dim = [2, 3]
[split]
test_fraction = 0.3
[run]
time_budget = 60.0
"""


def test_a_grid_over_tasks_and_only_picks_cells(tmp_path):
    from hypergensim.experiments.sweep import parse_only, select

    path = tmp_path / "table.toml"
    path.write_text(TABLE_SPEC)
    spec = load_spec(path)
    assert spec.task is None and spec.tasks() == ["reconstruction", "link-prediction"] and len(spec.runs()) == 8
    chosen = select(spec, parse_only("model=euclidean,dim=3,task=link-prediction"))
    assert chosen == [{"preset": "nickel2017-euclidean", "task": "link-prediction", "dim": 3, "seed": 0}]
    assert len(select(spec, parse_only("dim=2"))) == 4 and len(select(spec, parse_only("dim=2.0"))) == 4
    with pytest.raises(ConfigError, match="unknown key 'dimension'"):
        select(spec, parse_only("dimension=2"))
    with pytest.raises(ConfigError, match="selects no cell"):
        select(spec, parse_only("model=lorentz"))
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_only("model")
    rows = sweep(spec, tmp_path / "out", only=parse_only("model=poincare"), verbose=False)
    assert len(rows) == 4 and {r["model"] for r in rows} == {"poincare"}
    # a second part fills the table in; the first part is not re-run
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "out" / "runs").iterdir()}
    rows = sweep(spec, tmp_path / "out", only=parse_only("model=euclidean,task=reconstruction"), verbose=False)
    assert len(rows) == 6 and all((tmp_path / "out" / "runs" / n).stat().st_mtime_ns == t for n, t in before.items())
    df = pd.read_csv(tmp_path / "out" / "results.csv")
    for column in ("model", "task", "dim", "mean_rank", "map", "published_mean_rank", "published_map", "epochs",
                   "wall_seconds", "peak_rss_mb", "cores", "seed"):
        assert column in df
    assert set(df["task"]) == {"reconstruction", "link-prediction"} and (df["peak_rss_mb"] > 0).all()
    lp = df[df["task"] == "link-prediction"]
    assert (lp["n_pairs"] < df[df["task"] == "reconstruction"]["n_pairs"].min()).all()  # held-out pairs only


def test_reproduce_cli_with_only_writes_one_figure_per_task(tmp_path):
    from matplotlib.image import imread

    path = tmp_path / "table.toml"
    path.write_text(TABLE_SPEC.replace('dataset = "', 'dataset = "', 1))
    r = run_cli("reproduce", path, "--out", tmp_path / "rep", "--only", "dim=2")
    assert r.returncode == 0, r.stderr
    report = (tmp_path / "rep" / "report.md").read_text()
    assert "## reconstruction" in report and "## link-prediction" in report and "4 of 8 cells finished" in report
    for task in ("reconstruction", "link-prediction"):
        img = imread(tmp_path / "rep" / f"metric_vs_dim-{task}.png")
        assert img.shape[0] > 200 and img[..., :3].std() > 0.05
    assert_clean_error(run_cli("reproduce", path, "--out", tmp_path / "rep", "--only", "size=2"), "unknown key")
    # --no-train rewrites the report from what is finished and trains nothing; it keeps the line on the wall time
    # of the command that trained, and says it is a rebuild where no report had one
    trained_wall = [line for line in report.splitlines() if line.startswith("- wall time of this command: ")]
    assert len(trained_wall) == 1
    before = sorted(p.name for p in (tmp_path / "rep" / "runs").iterdir())
    r = run_cli("reproduce", path, "--out", tmp_path / "rep", "--no-train")
    assert r.returncode == 0, r.stderr
    assert trained_wall[0] in (tmp_path / "rep" / "report.md").read_text().splitlines()
    (tmp_path / "rep" / "report.md").unlink()
    r = run_cli("reproduce", path, "--out", tmp_path / "rep", "--no-train")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "rep" / "runs").iterdir()) == before
    rebuilt = (tmp_path / "rep" / "report.md").read_text()
    assert "4 of 8 cells finished" in rebuilt and "rebuilt from the finished cells without training" in rebuilt
    assert "wall time of this command" not in rebuilt


def test_f1_spec_with_train_shares_reports_f1_beside_the_paper(tmp_path):
    from hypergensim.experiments.reproduce import reproduce

    path = tmp_path / "f1.toml"
    path.write_text(f"""
[experiment]
name = "f1"
dataset = "{TOY_BASIC}"
task = "f1"
[train]
preset = "nickel2017"
epochs = 3
negative = 1
workers = 1
[grid]
dim = [2]
train_share = [0.0, 0.5]
[reference]
source = "made up"
results = [{{ task = "f1", model = "poincare", dim = 2, train_share = 0.5, f1 = 0.42 }}]
""")
    text = reproduce(str(path), tmp_path / "rep", verbose=False).read_text()
    df = pd.read_csv(tmp_path / "rep" / "results.csv")
    assert sorted(df["train_share"]) == [0.0, 0.5] and df["f1"].between(0, 1).all()
    assert df.set_index("train_share").loc[0.5, "published_f1"] == 0.42
    assert "## f1" in text and "| 0.42 |" in text and (tmp_path / "rep" / "metric_vs_dim.png").stat().st_size > 10_000
    rows = [line for line in text.splitlines() if line.startswith("| poincare |")]
    assert [r.split("|")[3].strip() for r in rows] == ["0.0", "0.5"]  # one model column; shares in order
    assert text.splitlines()[text.splitlines().index("## f1") + 2].count("model") == 1


@pytest.mark.parametrize(("extra", "message"), [
    ('[grid]\ntask = ["reconstruction"]\n', "give the task once"),
    ('[grid]\ntrain_share = [0.1]\n', "train_share applies to the f1 task only"),
    ('[split]\ntrain_share = 0.1\n', "split.train_share does not apply to link-prediction"),
    ('[run]\ntime_budget = 0.0\n', "time_budget must be > 0"),
    ('[train]\ntime_budget = -1.0\n', "train.time_budget: time_budget must be a finite number > 0"),
    ('[train]\ntime_budget = 5.0\n[run]\ntime_budget = 9.0\n', r"set twice \(\[run\] time_budget and \[train\]"),
    ('[grid]\ntime_budget = [5.0]\n[run]\ntime_budget = 9.0\n', r"set twice \(\[run\] time_budget and \[grid\]"),
    ('[train]\nrandom_state = 3\n', "random_state is each cell's seed: give grid.seed"),
])
def test_grid_task_and_split_errors(tmp_path, extra, message):
    text = '[experiment]\nname = "x"\ndataset = "d"\ntask = "link-prediction"\n' + extra
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_spec(path)


def test_a_time_budget_in_train_or_one_per_grid_cell_bounds_each_cell(tmp_path):
    """``time_budget`` is a training parameter, so [train] and [grid] take it as [run] does (it once reached the
    pipeline twice: a TypeError traceback)."""
    head = f'[experiment]\nname = "b"\ndataset = "{TOY_BASIC}"\ntask = "reconstruction"\n'
    cases = {"train": "[train]\ntime_budget = 0.5\ndim = 2\nworkers = 1\n",
             "grid": "[train]\ndim = 2\nworkers = 1\n[grid]\ntime_budget = [0.25, 0.5]\n"}
    for name, text in cases.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(head + text)
        spec = load_spec(path)
        rows = sweep(spec, tmp_path / name, verbose=False)
        budgets = sorted(json.loads((run / "config.json").read_text())["params"]["time_budget"]
                         for run in (tmp_path / name / "runs").iterdir())
        assert budgets == ([0.5] if name == "train" else [0.25, 0.5]) and all(r["map"] > 0 for r in rows)
    assert load_spec(tmp_path / "train.toml").run == {"time_budget": 0.5}  # the one budget, where [run] keeps it
    from hypergensim.experiments.reproduce import reproduce

    with pytest.raises(ConfigError, match="its grid gives each cell a time budget"):
        reproduce(str(tmp_path / "grid.toml"), tmp_path / "rep", time_budget=1.0, verbose=False)


def test_a_specs_read_table_reads_its_file_as_builds_flags_would(tmp_path):
    """A code list needs --prefix-codes and a CSV with unclear columns --child-col/--parent-col; a spec says it
    in [read], which changes the cells' ids, and refuses unknown keys and a dataset name."""
    codes = tmp_path / "atc.csv"
    codes.write_text("code,description\nA,ALIMENTARY\nA10,DIABETES\nA10B,ORAL\nA10BA,Biguanides\n"
                     "B,BLOOD\nB01,ANTITHROMBOTIC\n")
    head = f'[experiment]\nname = "atc"\ndataset = "{codes}"\ntask = "reconstruction"\n' \
        '[train]\ndim = 2\nepochs = 2\nnegative = 1\nworkers = 1\n'
    path = tmp_path / "atc.toml"
    path.write_text(head + "[read]\nprefix_codes = true\n")
    spec = load_spec(path)
    rows = sweep(spec, tmp_path / "out", verbose=False)
    assert spec.read == {"prefix_codes": True} and rows[0]["n_pairs"] == 7  # the closure: A10BA under A10B, A10, A
    run_dir = next((tmp_path / "out" / "runs").iterdir())
    assert (run_dir / "labels.tsv").read_text().splitlines()[1] == "A10\tDIABETES"
    path.write_text(head)
    with pytest.raises(InputError, match="cannot tell the child column.*--prefix-codes"):
        sweep(load_spec(path), tmp_path / "plain", verbose=False)  # without [read]: an edge file, refused
    assert plan(load_spec(path))[0]["id"] != plan(spec)[0]["id"]
    for extra, message in [("[read]\nprefix_code = true\n", "unknown key read.prefix_code"),
                           ("[read]\ndirection = \"up\"\n", "read.direction must be")]:
        path.write_text(head + extra)
        with pytest.raises(ConfigError, match=message):
            load_spec(path)
    path.write_text(head.replace(str(codes), "mammals") + "[read]\nheader = true\n")
    with pytest.raises(ConfigError, match="\\[read\\] says how to read a file; 'mammals' is a dataset name"):
        load_spec(path)


def test_the_readmes_spec_example_is_a_valid_spec(tmp_path):
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "my_spec.toml"
    path.write_text(block.replace('"org.csv"', f'"{TOY_BASIC}"'))
    spec = load_spec(path)
    assert len(spec.runs()) == 12 and spec.run == {"time_budget": 60.0} and spec.evaluate == {"every": 50}
    assert spec.read == {"header": True}
    assert {(c["model"], c["dim"]) for c in plan(spec)} == {(m, d) for m in ("poincare", "lorentz") for d in (5, 10)}
    assert {(c["model"], c["dim"], c["params"]["alpha"]) for c in plan(spec) if c["values"]["seed"] == 0} == {
        ("poincare", 5, None), ("poincare", 10, None), ("lorentz", 5, 0.3), ("lorentz", 10, None)}  # None: auto


def test_shipped_paper_tables_have_every_cell():
    from hypergensim.experiments.sweep import plan

    table1, lorentz, ganea = (load_spec(n) for n in ("nickel2017-table1", "nickel2018-lorentz", "ganea2018-f1"))
    cells = plan(table1)
    assert len(cells) == 36 and all(len(c["published"]) == 1 for c in cells)  # each beside its published row
    assert {(c["model"], c["task"], c["dim"]) for c in cells} == {
        (m, t, d) for m in ("euclidean", "translational", "poincare") for t in ("reconstruction", "link-prediction")
        for d in (5, 10, 20, 50, 100, 200)}
    assert len(plan(lorentz)) == 18 and all(len(c["published"]) == 1 for c in plan(lorentz))  # 2 x 3 dims x 3 seeds
    assert {c["values"]["seed"] for c in plan(lorentz)} == {0, 1, 2}
    # the plane needs a wider boundary than the presets' 1e-5; only the Poincaré cell at d = 2 takes it
    assert {(c["model"], c["dim"]): c["params"]["epsilon"] for c in plan(lorentz) if c["params"]["epsilon"] != 1e-5} \
        == {("poincare", 2): 1e-10}
    assert [(c["model"], c["params"]["radius_end"], c["params"]["negative"], c["params"]["hard_negatives"])
            for c in plan(lorentz) if c["dim"] == 2 and c["values"]["seed"] == 0] == [("poincare", None, 10, 0),
                                                                                    ("lorentz", 23.7, 50, 0)]
    # the Lorentz cell at d = 5 takes 20 negatives, the others their preset's 10
    assert {(c["model"], c["dim"]) for c in plan(lorentz) if c["params"]["negative"] == 20} == {("lorentz", 5)}
    f1 = plan(ganea)
    assert len(f1) == 72 and all(c["split"]["remove_root"] for c in f1)  # 3 presets x 2 dims x 4 shares x 3 seeds
    assert {c["split"]["seed"] for c in f1} == {0}  # the seeds are the training's: one split for every cell
    # both Poincaré presets (random and tree start) beside the paper's Poincaré rows; the Euclidean ones are ours alone
    assert sum(len(c["published"]) for c in f1) == 48
    assert {c["values"]["preset"]: c["model"] for c in f1} == {"ganea2018": "poincare", "ganea2018-tree": "poincare",
                                                               "ganea2018-euclidean": "euclidean"}


@pytest.mark.skipif(not Path("/usr/share/mime/packages/freedesktop.org.xml").is_file(),
                    reason="Debian's shared-mime-info is not installed")
def test_measure_defaults_trains_missing_cells_once_and_reports_them(tmp_path, capsys, monkeypatch):
    from hypergensim import presets
    from hypergensim.experiments import measure_defaults as md

    assert md.main(["--out", str(tmp_path), "--only", "mime", "--config", "defaults"]) == 0
    rows = list(csv.DictReader((tmp_path / "results.csv").open()))
    assert [(r["dataset"], r["config"], r["dim"]) for r in rows] == [("mime", "defaults", "10")]
    assert float(rows[0]["map"]) > 0.5 and int(rows[0]["nodes"]) == 474
    assert "| mime | defaults | 10 | 474 |" in (tmp_path / "report.md").read_text()
    stamp = (tmp_path / "runs" / "mime--defaults-d10" / "metrics.json").stat().st_mtime_ns
    md.main(["--out", str(tmp_path), "--only", "mime"])  # finished: not trained again
    assert (tmp_path / "runs" / "mime--defaults-d10" / "metrics.json").stat().st_mtime_ns == stamp
    # measuring another configuration keeps the first one's rows in the report
    assert md.main(["--out", str(tmp_path), "--only", "mime", "--config", "nickel2017"]) == 0
    rows = list(csv.DictReader((tmp_path / "results.csv").open()))
    assert [r["config"] for r in rows] == ["defaults", "nickel2017"]
    assert md.recorded_configs(tmp_path) == ["defaults", "nickel2017"]
    config = json.loads((tmp_path / "runs" / "mime--nickel2017-d10" / "config.json").read_text())
    assert config["params"]["time_budget"] == md.PRESET_TIME_BUDGET and config["params"]["epochs"] == 300
    report = (tmp_path / "report.md").read_text()
    assert "at most 540 s of training" in report  # a preset at equal time
    # and every configuration of a dataset on one line, the better MAP in bold
    (line,) = [ln for ln in report.splitlines() if ln.startswith("| mime | 10 | ") and ln.count("/") == 2]
    assert line.count("**") == 2 and "| dataset | dim | defaults | nickel2017 |" in report
    # a cell whose training diverged keeps its error, is not trained again and reads "diverged" in the report
    failed = tmp_path / "runs" / "mime--ganea2018-d10"
    failed.mkdir()
    (failed / md.DIVERGED).write_text("training diverged at epoch 401: the epoch's loss is inf; lower alpha\n")
    assert md.main(["--out", str(tmp_path), "--only", "mime", "--config", "ganea2018"]) == 0
    assert not (failed / "metrics.json").exists()
    report = (tmp_path / "report.md").read_text()
    assert "- mime, ganea2018, d=10: training diverged at epoch 401: the epoch's loss is inf" in report
    assert "| dataset | dim | defaults | ganea2018 | nickel2017 |" in report and "| diverged |" in report
    # a cell with training metrics but no evaluation yet (another process's, mid-run, or one stopped during its
    # evaluation) is not finished: the report leaves it out, and measuring it trains it again
    unfinished = tmp_path / "runs" / "mime--nickel2017-warmup-d10"
    unfinished.mkdir()
    (unfinished / "metrics.json").write_text(json.dumps({"epochs": 500, "final_loss": 0.1, "fit_seconds": 1.0}))
    md.write_report(tmp_path, ["defaults"])
    assert "nickel2017-warmup" not in (tmp_path / "results.csv").read_text()
    assert md.main(["--out", str(tmp_path), "--only", "mime", "--config", "nickel2017-warmup"]) == 0
    assert "reconstruction" in json.loads((unfinished / "metrics.json").read_text())
    # a preset retuned since its cell ran: the report says the cell is stale, and measuring it trains it again
    monkeypatch.setitem(presets.PRESETS, "nickel2017", {**presets.PRESETS["nickel2017"], "alpha": 0.5})
    md.write_report(tmp_path, ["defaults"])
    assert "- mime, nickel2017, d=10: alpha 0.1 -> 0.5" in (tmp_path / "report.md").read_text()
    capsys.readouterr()
    assert md.main(["--out", str(tmp_path), "--only", "mime", "--config", "nickel2017"]) == 0
    assert "re-running mime nickel2017 d=10: trained with other parameters than nickel2017 now resolves to (alpha " \
           "0.1 -> 0.5)" in capsys.readouterr().out
    retrained = json.loads((tmp_path / "runs" / "mime--nickel2017-d10" / "config.json").read_text())
    assert retrained["params"]["alpha"] == 0.5
    assert "Stale" not in (tmp_path / "report.md").read_text()
    assert md.target("tree", 10) == (3.0, 0.95) and md.target("mammals", 5) == (1.22, 0.957)
    assert md.target("mammals", 10) is None
    # a cell short of its target says of what
    assert md.verdict(2.9, 0.917, 510.0, (3.0, 0.95)) == "no (MAP)"
    assert md.verdict(3.3, 0.9, 601.0, (3.0, 0.95)) == "no (MR, MAP, wall)"
    assert md.verdict(3.0, 0.95, 600.0, (3.0, 0.95)) == "yes"


def test_metric_vs_dim_legend_sits_below_the_panels_and_pairs_each_model_with_its_paper_marker():
    from hypergensim.experiments.plots import plot_metric_vs_dim

    spec = load_spec("nickel2017-table1")
    rows = [{"task": "reconstruction", "model": m, "preset": p, "dim": d, "seed": 0, "mean_rank": mr * d ** -0.1,
             "map": mp, "published_mean_rank": mr, "published_map": mp + 0.01}
            for m, p, mr, mp in (("poincare", "nickel2017-warmup", 3.0, 0.9),
                                 ("euclidean", "nickel2017-euclidean", 2000.0, 0.1))
            for d in (5, 10, 20, 50)]
    fig = plot_metric_vs_dim(spec, rows, "reconstruction")
    fig.canvas.draw()
    assert all(ax.get_legend() is None for ax in fig.axes)  # no legend over the points
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        "euclidean", "euclidean (paper)", "poincare", "poincare (paper)"]
    box = legend.get_window_extent()
    assert all(box.y1 <= ax.get_window_extent().y0 for ax in fig.axes)
    # one bar per setting (a single dimension): the same single legend below, none in the panels
    spec = load_spec("models-mammals")
    rows = [{"task": "reconstruction", "preset": p, "model": p.split("-")[-1], "dim": 10, "seed": 0,
             "mean_rank": mr, "map": mp} for p, mr, mp in (("nickel2017-warmup", 1.2, 0.96),
                                                          ("nickel2017-euclidean", 55.0, 0.21))]
    fig = plot_metric_vs_dim(spec, rows, "reconstruction")
    fig.canvas.draw()
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["hypergensim"]


def test_metric_vs_dim_draws_stale_cells_hollow_and_says_so_once_in_the_legend():
    """A cell reported as recorded although it now resolves to other settings is drawn as a hollow circle (a
    hatched bar), so that a jump made by old cells does not read as a result; one legend entry says so."""
    from matplotlib.colors import to_rgba

    from hypergensim.experiments.plots import STALE_LABEL, plot_metric_vs_dim

    spec = load_spec("nickel2017-table1")
    rows = [{"id": f"{m}-{d}", "task": "reconstruction", "model": m, "preset": p, "dim": d, "seed": 0,
             "mean_rank": mr / d, "map": mp} for m, p, mr, mp in (("poincare", "nickel2017-warmup", 30.0, 0.9),
                                                                  ("euclidean", "nickel2017-euclidean", 2e4, 0.1))
            for d in (5, 10, 20, 50)]
    fig = plot_metric_vs_dim(spec, rows, "reconstruction", stale={"euclidean-50": {}, "euclidean-20": {}})
    fig.canvas.draw()
    for ax in fig.axes[:2]:
        hollow = [line for line in ax.get_lines() if line.get_label() == STALE_LABEL]
        (line,) = hollow  # the poincare series has no stale point, so draws none
        assert list(line.get_xdata()) == [20, 50] and to_rgba(line.get_markerfacecolor()) == to_rgba("white")
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == ["euclidean", "poincare", STALE_LABEL]
    fig = plot_metric_vs_dim(spec, rows, "reconstruction")  # nothing stale: nothing hollow, no entry
    assert not any(line.get_label() == STALE_LABEL for ax in fig.axes for line in ax.get_lines())
    # one dimension, one bar per setting: the stale one hatched, and the legend shows the hatch
    spec = load_spec("models-mammals")
    rows = [{"id": p, "task": "reconstruction", "preset": p, "model": p.split("-")[-1], "dim": 10, "seed": 0,
             "mean_rank": mr, "map": mp} for p, mr, mp in (("nickel2017-warmup", 1.2, 0.96),
                                                          ("nickel2017-euclidean", 55.0, 0.21))]
    fig = plot_metric_vs_dim(spec, rows, "reconstruction", stale={"nickel2017-euclidean": {}})
    fig.canvas.draw()
    hatches = {round(bar.get_x() + bar.get_width() / 2): bar.get_hatch() for bar in fig.axes[0].patches}
    assert hatches == {0: "//", 1: None}  # the settings sorted: euclidean first
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["hypergensim", STALE_LABEL]
    assert legend.legend_handles[-1].get_hatch() == "//"


def test_f1_figure_draws_the_paper_once_for_two_presets_of_one_model_and_keeps_its_legend_near_the_panel():
    """ganea2018-f1 has two Poincaré presets beside one published row per dimension and share: each dimension's
    paper crosses are drawn once (not once per preset, in two colours), and the long labels go in fewer columns
    than six, so the legend does not widen the figure to four times its panel."""
    from hypergensim.experiments.plots import plot_metric_vs_dim

    spec = load_spec("ganea2018-f1")
    rows = [{"task": "f1", "model": m, "preset": p, "dim": d, "train_share": t, "seed": 0, "f1": 0.5 + t / 2,
             **({"published_f1": 0.6 + t / 3} if m == "poincare" else {})}
            for m, p in (("poincare", "ganea2018"), ("poincare", "ganea2018-tree"), ("euclidean", "ganea2018-euclidean"))
            for d in (5, 10) for t in (0.0, 0.1, 0.25, 0.5)]
    fig = plot_metric_vs_dim(spec, rows, "f1")
    fig.canvas.draw()
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert [t for t in texts if t.endswith("(paper)")] == ["poincare, dim=10 (paper)", "poincare, dim=5 (paper)"]
    assert len(texts) == 8 and "poincare, dim=5, preset=ganea2018-tree" in texts
    assert legend.get_window_extent().width < 2.5 * fig.axes[0].get_window_extent().width


def test_learning_curves_colour_each_setting_and_shade_each_dimension(toy_spec, tmp_path):
    """Eight runs (two learning rates × two dimensions × two seeds): a colour per learning rate, the smaller
    dimension fainter, and one legend below the panels that says which is which."""
    from hypergensim.experiments.plots import plot_learning_curves

    spec = load_spec(toy_spec)
    sweep(spec, tmp_path, verbose=False)
    fig = plot_learning_curves(spec, tmp_path)
    fig.canvas.draw()
    lines = fig.axes[0].get_lines()
    by_job = {j["id"]: j for j in plan(spec)}
    assert len(lines) == len(by_job) == 8
    looks = {(j["values"]["alpha"], j["dim"]): set() for j in by_job.values()}
    for line, job in zip(lines, plan(spec)):
        looks[(job["values"]["alpha"], job["dim"])].add((line.get_color(), line.get_alpha()))
    assert all(len(v) == 1 for v in looks.values())  # both seeds of a setting look alike
    (c1, a2), (c2, _), (c3, a3) = (next(iter(looks[k])) for k in ((0.05, 2), (0.1, 2), (0.05, 3)))
    assert c1 == c3 != c2 and a2 < a3 == 1.0
    assert all(ax.get_legend() is None for ax in fig.axes)
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["alpha=0.05", "alpha=0.1", "dim=2", "dim=3"]
    assert all(legend.get_window_extent().y1 <= ax.get_window_extent().y0 for ax in fig.axes)


def test_a_rerun_is_checked_against_the_recorded_cells(tmp_path):
    path = tmp_path / "table.toml"
    path.write_text(TABLE_SPEC)
    recorded, again = tmp_path / "recorded", tmp_path / "again"
    assert run_cli("reproduce", path, "--out", recorded, "--only", "dim=2,task=reconstruction").returncode == 0
    r = run_cli("reproduce", path, "--out", again, "--only", "dim=2,task=reconstruction", "--against", recorded)
    assert r.returncode == 0, r.stderr
    text = (again / "agreement.md").read_text()
    assert "2 of 2 cells agree" in text and "| NO |" not in text and text.count("| yes |") == 4  # MR and MAP
    # a recorded MAP moved by more than 0.02: that cell no longer agrees, and the command says so by its status
    rows = list(csv.DictReader((recorded / "results.csv").open()))
    rows[0]["map"] = str(float(rows[0]["map"]) - 0.05)
    with (recorded / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    r = run_cli("reproduce", path, "--out", again, "--no-train", "--against", recorded)
    assert r.returncode == 1 and "1 of 2 cells agree" in (again / "agreement.md").read_text()
    assert "| map |" in r.stdout and "| NO |" in r.stdout
    assert_clean_error(run_cli("reproduce", path, "--out", again, "--against", tmp_path / "nowhere"),
                       "nowhere", "no recorded results")
    assert_clean_error(run_cli("reproduce", path, "--out", recorded, "--against", recorded), "another folder")
    # a recorded metric that is not a number: the file, its line and the value, before anything is trained
    rows[1]["mean_rank"] = "n/a"
    with (recorded / "results.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert_clean_error(run_cli("reproduce", path, "--out", tmp_path / "third", "--against", recorded),
                       "results.csv:3", "mean_rank is not a number", "n/a")
    assert not (tmp_path / "third").exists()


def test_agreement_tolerances_are_the_issues():
    from hypergensim.experiments.agreement import compare_cells

    recorded = [{"id": "c", "mean_rank": "4.0", "map": "0.80", "f1": ""}]
    verdict = {c["metric"]: c["agrees"] for c in compare_cells(
        [{"id": "c", "mean_rank": 4.4, "map": 0.78, "f1": None}], recorded)}
    assert verdict == {"mean_rank": True, "map": True}  # 10 % and 0.02 are inside
    verdict = {c["metric"]: c["agrees"] for c in compare_cells(
        [{"id": "c", "mean_rank": 4.41, "map": 0.779, "f1": None}], recorded)}
    assert verdict == {"mean_rank": False, "map": False}
    assert compare_cells([{"id": "other", "mean_rank": 4.0, "map": 0.8}], recorded) == []  # other settings
