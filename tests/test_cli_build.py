"""Tests for ``hypergensim build`` and ``hypergensim data`` through a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import TOY_BASIC, assert_clean_error, run_cli


def test_help_for_every_subcommand():
    top = run_cli("--help")
    assert top.returncode == 0 and "build" in top.stdout
    for cmd in ["build", "data"]:
        r = run_cli(cmd, "--help")
        assert r.returncode == 0 and "usage: hypergensim " + cmd in r.stdout


def test_output_into_a_pipe_closed_early_stops_quietly():
    """``hypergensim reproduce --list | head -1``: the reader leaves, and the command stops as a tool killed by
    SIGPIPE does (status 141), with nothing on stderr (it said ``error: [Errno 32] Broken pipe``)."""
    proc = subprocess.Popen([sys.executable, "-m", "hypergensim", "reproduce", "--list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # before the interpreter has started: every write of the command finds the pipe closed
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and stderr == ""


def test_build_mammals(tmp_path):
    out = tmp_path / "mammals.tsv"
    r = run_cli("build", "mammals", "-o", out, "--summary-json", tmp_path / "s.json")
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 6540
    assert len({x for line in lines for x in line.split("\t")}) == 1180
    assert "1,180 nodes, 6,540 closure edges" in r.stderr
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["meta"]["wordnet_version"] == "3.0"


@pytest.mark.slow
def test_build_nouns(tmp_path):
    out = tmp_path / "nouns.tsv"
    r = run_cli("build", "nouns", "-o", out)
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 743241
    assert len({x for line in lines for x in line.split("\t")}) == 82115


def test_build_synset_root_csv_and_json(tmp_path):
    r = run_cli("build", "wordnet:canine.n.02", "-o", tmp_path / "c.tsv")
    assert r.returncode == 0 and "canine.n.02" in r.stderr
    csv = tmp_path / "e.csv"
    csv.write_text("id1,id2,weight\na,b,1\nb,c,1\n")
    r = run_cli("build", csv, "-o", tmp_path / "closure.tsv")
    assert r.returncode == 0
    assert sorted((tmp_path / "closure.tsv").read_text().splitlines()) == ["a\tb", "a\tc", "b\tc"]
    tree = tmp_path / "tree.json"
    tree.write_text('{"root": {"x": ["y"]}}')
    r = run_cli("build", tree, "-o", tmp_path / "t.tsv")
    assert r.returncode == 0
    assert sorted((tmp_path / "t.tsv").read_text().splitlines()) == ["x\troot", "y\troot", "y\tx"]


def test_build_split(tmp_path):
    r = run_cli("build", "mammals", "--split", "nickel2017", "--test-fraction", "0.1", "--seed", "0",
                "-o", tmp_path / "splits")
    assert r.returncode == 0, r.stderr
    n = {p: len((tmp_path / "splits" / f"{p}.tsv").read_text().splitlines()) for p in ["train", "valid", "test"]}
    assert n["test"] == 654 and n["train"] + n["valid"] + n["test"] == 6540
    r = run_cli("build", TOY_BASIC, "--split", "ganea2018", "-o", tmp_path / "g")
    assert r.returncode == 0 and (tmp_path / "g" / "test_negatives.tsv").exists()
    r = run_cli("build", "mammals", "--split", "ganea2018", "--remove-root", "--train-share", "0", "-o",
                tmp_path / "r")
    train = (tmp_path / "r" / "train.tsv").read_text()
    # mammals' 1,180 basic edges less the 4 that end in the root mammal.n.01
    names = {x for line in train.splitlines() for x in line.split("\t")}
    assert r.returncode == 0 and "mammal.n.01" not in names and len(train.splitlines()) == 1176


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (None, ["missing.tsv", "no such file"]),
        (b"", ["bad.tsv", "file is empty"]),
        (b"a\tb\nc\td\te\n", ["bad.tsv:2", "expected 2 columns", "c\\td\\te"]),
        (b"a\tb\n\xff\xfe\tx\n", ["bad.tsv:2", "not UTF-8"]),
        (b"a\tb\nb\tc\nc\ta\n", ["bad.tsv", "cycle", "a -> b -> c"]),
    ],
)
def test_bad_input_one_line_error_and_no_output(tmp_path, content, fragments):
    src = tmp_path / ("missing.tsv" if content is None else "bad.tsv")
    if content is not None:
        src.write_bytes(content)
    out = tmp_path / "out.tsv"
    r = run_cli("build", src, "-o", out)
    assert_clean_error(r, *fragments)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ([] if content is None else ["bad.tsv"])


def test_unknown_synset_and_debug_traceback(tmp_path):
    r = run_cli("build", "wordnet:nosuch.n.01", "-o", tmp_path / "x.tsv")
    assert_clean_error(r, "unknown WordNet synset", "nosuch.n.01")
    r = run_cli("--debug", "build", "wordnet:nosuch.n.01", "-o", tmp_path / "x.tsv")
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_output_directory_missing(tmp_path):
    r = run_cli("build", TOY_BASIC, "-o", tmp_path / "no" / "such" / "dir.tsv")
    assert_clean_error(r, "output directory does not exist")


def test_data_wordnet_command():
    r = run_cli("data", "wordnet", "--no-download")
    assert r.returncode == 0 and "WordNet 3.0 ready" in r.stdout


def test_build_summary_says_which_column_is_the_child(tmp_path):
    p = tmp_path / "codes.csv"
    p.write_text("parent_code,code\nA08,A08.0\nA08,A08.1\nA00,A08\n")
    r = run_cli("build", p, "-o", tmp_path / "out.tsv")
    assert r.returncode == 0, r.stderr
    assert "read as child = column 2 'code', parent = column 1 'parent_code' (named in the header)" in r.stderr
    assert "A08.0\tA00" in (tmp_path / "out.tsv").read_text()  # not inverted
    r = run_cli("build", p, "-o", tmp_path / "o2.tsv", "--child-col", "1", "--parent-col", "2", "--header")
    assert r.returncode == 0 and "A08\tA08.0" in (tmp_path / "o2.tsv").read_text()
