"""Tests for ``hypergensim train``, ``export`` and ``demo`` through a subprocess."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import TOY_BASIC, assert_clean_error, run_cli
from hypergensim.vectors import read_npz, read_word2vec_text


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "run"
    r = run_cli("train", TOY_BASIC, "--dim", "3", "--epochs", "4", "--negative", "2", "--eval-every", "2",
                "--checkpoint-every", "2", "--seed", "1", "--out", d, "--quiet")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["epochs"] == 4 and out["mean_rank"] >= 1
    return d


def test_train_outputs_and_resume(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["reconstruction"]["n_pairs"] == 13  # a file is trained on as given, not closed
    r = run_cli("train", "--resume", run_dir, "--epochs", "6", "--quiet")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["epochs"] == 6
    r = run_cli("evaluate", run_dir, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["n_pairs"] == 13


@pytest.mark.parametrize("fmt", ["word2vec", "npz", "projector", "csv", "word2vec-binary"])
def test_export_formats(run_dir, tmp_path, fmt):
    out = tmp_path / ("out" if fmt in ("npz", "projector") else "v.out")
    r = run_cli("export", run_dir, "--format", fmt, "-o", out)
    assert r.returncode == 0, r.stderr
    ref = read_npz(run_dir)
    if fmt == "word2vec":
        e = read_word2vec_text(out)
        assert e.keys == ref.keys
        np.testing.assert_array_equal(e.vectors, ref.vectors)
    elif fmt == "npz":
        np.testing.assert_array_equal(read_npz(out).vectors, ref.vectors)
    elif fmt == "projector":
        rows = (out / "vectors.tsv").read_text().splitlines()
        meta = (out / "metadata.tsv").read_text().splitlines()
        assert len(rows) == len(meta) == len(ref.keys) and meta == ref.keys
    elif fmt == "csv":
        lines = out.read_text().splitlines()
        assert lines[0] == "key,x0,x1,x2" and len(lines) == len(ref.keys) + 1
    else:
        from gensim.models import KeyedVectors

        kv = KeyedVectors.load_word2vec_format(str(out), binary=True)
        np.testing.assert_allclose(kv.vectors, ref.vectors, rtol=1e-6)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--dim", "0"], ["dim must be an integer >= 1"]),
        (["--epochs", "0"], ["epochs must be"]),
        (["--alpha", "-0.1"], ["alpha must be a finite number > 0"]),
        (["--engine", "gensim", "--workers", "2"], ["workers=2 needs engine='fast'"]),
        (["--negative", "50"], ["negative=50 is too large"]),
        (["--preset", "nope"], ["unknown preset 'nope'", "nickel2017-warmup"]),
        (["--time-budget", "0"], ["time_budget must be a finite number > 0", "got 0.0"]),
        (["--objective", "gensim", "--radius-start", "2", "--radius-warmup", "3"],
         ["radius_start needs objective='nickel2017'"]),
        (["--engine", "fast", "--preset", "nickel2017", "--radius-start", "20", "--radius-warmup", "3"],
         ["radius_start must be a number in (0, 12.21)", "got 20.0"]),
    ],
)
def test_train_bad_input(tmp_path, args, fragments):
    out = tmp_path / "run"
    assert_clean_error(run_cli("train", TOY_BASIC, "--epochs", "1", *args, "--out", out, "--quiet"), *fragments)
    assert not (out / "state.npz").exists()


def test_resume_bad_dir(tmp_path):
    assert_clean_error(run_cli("train", "--resume", tmp_path, "--quiet"), "no config.json")


def test_demo_writes_report_and_pngs(tmp_path):
    from matplotlib.image import imread

    r = run_cli("demo", "--out", tmp_path / "demo", "--epochs", "3")
    assert r.returncode == 0, r.stderr
    report = (tmp_path / "demo" / "report.md").read_text()
    assert "mean rank" in report and "1.26" in report
    for name in ["disk.png", "norm_vs_depth.png", "training.png"]:
        img = imread(tmp_path / "demo" / name)
        assert img.shape[0] > 300 and img.shape[1] > 300
        assert img[..., :3].std() > 0.05  # not a blank canvas


def test_train_help_names_every_preset_and_flag_without_importing_training():
    """Flags and preset names come from hypergensim.params and .presets; the parser loads no training code."""
    import subprocess
    import sys

    from hypergensim.params import PARAMETERS
    from hypergensim.presets import PRESETS

    code = ("import sys; from hypergensim.cli import build_parser; build_parser();"
            "print(sorted(m for m in ('hypergensim.training', 'gensim', 'sklearn', 'numba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    text = " ".join(run_cli("train", "--help").stdout.split())
    for name in PRESETS:
        assert name in text
    for p in PARAMETERS:
        if p.option:
            assert p.option in text, p.option


def test_train_out_in_a_fresh_folder_creates_its_parents(tmp_path):
    """The README's `train ... --out runs/m10` works where runs/ does not exist yet."""
    r = run_cli("train", TOY_BASIC, "--dim", "2", "--epochs", "2", "--negative", "2", "--out", "runs/m10", "--quiet",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "runs" / "m10" / "metrics.json").is_file()


def test_train_prints_its_own_progress_and_not_gensims_info_lines(tmp_path):
    r = run_cli("train", TOY_BASIC, "--dim", "2", "--epochs", "2", "--negative", "2", "--checkpoint-every", "1",
                "--out", tmp_path / "run")
    assert r.returncode == 0, r.stderr
    assert "epoch 2/2" in r.stderr and "checkpoint at epoch 2" in r.stderr and "final reconstruction" in r.stderr
    assert "lifecycle event" not in r.stderr and "saved PoincareModel" not in r.stderr  # gensim's INFO, per save
    assert "checkpoint at epoch 2" in (tmp_path / "run" / "train.log").read_text()


def test_training_on_links_that_are_not_closed_says_so_and_how_to_close_them(tmp_path):
    org = tmp_path / "org.csv"
    org.write_text("employee,manager\nann,ceo\nbob,ceo\ncid,ann\n")
    r = run_cli("train", org, "--dim", "2", "--epochs", "1", "--negative", "1", "--out", tmp_path / "r1")
    assert r.returncode == 0, r.stderr
    assert "is not transitively closed (cid → ann → ceo, but no cid → ceo)" in r.stderr
    assert f"hypergensim build {org} -o closure.tsv" in r.stderr  # a closed file says nothing: test_pipeline.py


def test_train_reads_every_file_build_reads_and_says_how(tmp_path):
    """A headed CSV and a JSON tree go through the same reader as build (not as TSV lines)."""
    csv_file = tmp_path / "codes.csv"
    csv_file.write_text("code,description,parent\nA08.0,rota,A08\nA08.1,noro,A08\nA08,viral,A00\nA09,other,A00\n")
    r = run_cli("train", csv_file, "--dim", "2", "--epochs", "2", "--negative", "1", "--out", tmp_path / "r1",
                "--quiet")
    assert r.returncode == 0, r.stderr
    assert "read as child = column 1 'code', parent = column 3 'parent' (named in the header)" in r.stderr
    assert ("A08.0", "A08") in [tuple(ln.split("\t")) for ln in (tmp_path / "r1" / "relations.tsv").read_text().split("\n")]
    tree = tmp_path / "tree.json"
    tree.write_text('{"name": "A00", "children": [{"name": "A08", "children": ["A08.0", "A08.1"]}, "A09"]}')
    r = run_cli("train", tree, "--dim", "2", "--epochs", "2", "--negative", "1", "--out", tmp_path / "r2", "--quiet")
    assert r.returncode == 0, r.stderr
    pairs = {tuple(ln.split("\t")) for ln in (tmp_path / "r2" / "relations.tsv").read_text().splitlines()}
    assert pairs == {("A08", "A00"), ("A09", "A00"), ("A08.0", "A08"), ("A08.1", "A08"), ("A08.0", "A00"),
                     ("A08.1", "A00")}  # the tree's closure
    bad = run_cli("train", tmp_path / "x.csv", "--out", tmp_path / "r3", "--no-header", "--child-col", "2",
                  "--parent-col", "1")
    assert bad.returncode == 2 and "x.csv" in bad.stderr


def test_train_help_shows_every_default():
    from hypergensim.params import PARAMETERS

    text = " ".join(run_cli("train", "--help").stdout.split())
    for p in PARAMETERS:
        if p.option:
            shown = ("auto" if p.auto else "none" if p.default is None else " ".join(map(str, p.default))
                     if p.kind is tuple else p.default)
            assert f"(default: {shown})" in text, p.name
    assert "--engine {gensim,fast} gensim: gensim's own training loop (default: auto)" in text.replace("``", "")


def test_a_typo_in_dim_is_refused_before_anything_is_allocated(tmp_path):
    """--dim 100000000 on a 13-relation file once took 23.5 GB; now the estimate and the limit are named."""
    import time

    started = time.monotonic()
    r = run_cli("train", TOY_BASIC, "--dim", "100000000", "--out", tmp_path / "run", "--quiet")
    assert_clean_error(r, "would need about", "GB", "can be used", "lower dim")
    assert time.monotonic() - started < 30 and not (tmp_path / "run" / "state.npz").exists()


def test_values_outside_the_measured_ranges_warn(tmp_path):
    r = run_cli("train", TOY_BASIC, "--dim", "1", "--alpha", "1e6", "--negative", "2", "--epochs", "1",
                "--out", tmp_path / "run", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "dim=1 is outside every value we have measured (2 to 200)" in r.stderr
    assert "alpha=1000000.0 is outside every value we have measured" in r.stderr
    assert "checkpoint at epoch" not in r.stderr  # --quiet stays quiet


def test_memory_estimate_names_its_parts():
    from hypergensim.errors import ConfigError
    from hypergensim.training.memory import check_fits, estimate

    parts = estimate(n_nodes=4, n_relations=13, dim=100_000_000, negative=10, batch_size=10, workers=1,
                     engine="gensim", dtype="float64")
    assert parts["batches"] == 8 * 11 * 100_000_000 * 10 * 8 and parts["vectors"] == 4 * 100_000_000 * 24
    with pytest.raises(ConfigError, match=r"would need about 720.0 GB \(batches 704.0 GB"):
        check_fits(parts, limit=20 * 10**9)
    check_fits(estimate(n_nodes=82_115, n_relations=743_241, dim=200, negative=10, batch_size=10, workers=16,
                        engine="fast", dtype="float64"), limit=2 * 10**9)  # nouns at d=200 fits in 2 GB
