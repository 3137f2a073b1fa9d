"""The bad-input corpus: every command meets broken files, impossible parameters and unusable output paths.

Each case runs the command line in-process (any uncaught exception fails the
test, so "no traceback" is checked by construction) and asserts:

* a non-zero exit;
* exactly one error line, ``hypergensim: error: ...``, naming each expected
  fragment (the file, ``:LINE`` and the offending value where one applies);
* no output file and no temporary file left behind.

``conftest.py`` prints the number of cases tried and passed at the end of the run.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import TOY_BASIC, TOY_CLOSURE
from hypergensim.cli import main

pytestmark = pytest.mark.bad_input


@dataclass
class Case:
    id: str
    args: list[str]
    fragments: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)


def w2v(*rows: str, header: str | None = None) -> bytes:
    body = "".join(r + "\n" for r in rows)
    return ((header if header is not None else f"{len(rows)} 2") + "\n" + body).encode()


SPEC_HEAD = f'[experiment]\nname = "x"\ndataset = "{TOY_BASIC}"\ntask = "reconstruction"\n'
T = str(TOY_CLOSURE)

CASES = [
    # ---------------------------------------------------------------- build: files
    Case("build-empty", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv", "empty"], {"in.tsv": b""},
         ["out.tsv"]),
    Case("build-blank-lines-only", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv", "empty"],
         {"in.tsv": b"\n\n  \n"}, ["out.tsv"]),
    Case("build-truncated", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv:3", "'rode"],
         {"in.tsv": b"dog\tmammal\ncat\tmammal\nrode"}, ["out.tsv"]),
    Case("build-binary", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv:2", "not UTF-8"],
         {"in.tsv": b"dog\tmammal\n\x00\x01\x02\xff\xfe\n"}, ["out.tsv"]),
    Case("build-latin1", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv:2", "not UTF-8", "caf"],
         {"in.tsv": b"dog\tmammal\ncaf\xe9\tplace\n"}, ["out.tsv"]),
    Case("build-gzip-bytes", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv:1", "a gzip file", "gunzip"],
         {"in.tsv": b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff"}, ["out.tsv"]),
    Case("build-excel-workbook", ["build", "{d}/org.xlsx", "-o", "{d}/out.tsv"],
         ["org.xlsx:1", "an Excel workbook", "save the sheet as CSV", "PK"],
         {"org.xlsx": b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"}, ["out.tsv"]),
    Case("train-parquet", ["train", "{d}/org.parquet", "--out", "{d}/run"], ["org.parquet:1", "a Parquet file"],
         {"org.parquet": b"PAR1\x15\x04\x15\x10"}, ["run"]),
    Case("build-too-many-columns", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv:2", "found 3", "cat"],
         {"in.tsv": b"dog\tmammal\ncat\tmammal\textra\n"}, ["out.tsv"]),
    Case("build-one-column", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv:1", "at least 2 columns"],
         {"in.tsv": b"dog\ncat\n"}, ["out.tsv"]),
    Case("build-header-in-the-middle", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"],
         ["in.tsv:3", "header row in the middle", "child"],
         {"in.tsv": b"dog\tmammal\ncat\tmammal\nchild\tparent\n"}, ["out.tsv"]),
    Case("build-csv-header-repeated", ["build", "{d}/in.csv", "-o", "{d}/out.tsv"],
         ["in.csv:3", "header row in the middle", "id1"],
         {"in.csv": b"id1,id2,weight\ndog,mammal,1\nid1,id2,weight\n"}, ["out.tsv"]),
    Case("build-key-with-tab-in-csv-row", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"],
         ["in.tsv:2", "found 3", "golden"],
         {"in.tsv": b"dog\tmammal\ngolden\tretriever\tdog\n"}, ["out.tsv"]),
    Case("build-empty-key", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv:2", "empty node name"],
         {"in.tsv": b"dog\tmammal\n \tmammal\n"}, ["out.tsv"]),
    Case("build-cycle", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv", "cycle", "a -> b -> c"],
         {"in.tsv": b"a\tb\nb\tc\nc\ta\n"}, ["out.tsv"]),
    Case("build-two-cycle", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv", "cycle"],
         {"in.tsv": b"a\tb\nb\ta\n"}, ["out.tsv"]),
    Case("build-self-loop", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"], ["in.tsv:2", "self-loop", "b\\tb"],
         {"in.tsv": b"a\tb\nb\tb\n"}, ["out.tsv"]),
    Case("build-duplicate-edge", ["build", "{d}/in.tsv", "-o", "{d}/out.tsv"],
         ["in.tsv", "duplicate relation", "relation 3 repeats relation 1", "a\\tb"],
         {"in.tsv": b"a\tb\nb\tc\na\tb\n"}, ["out.tsv"]),
    Case("build-json-null-child", ["build", "{d}/in.json", "-o", "{d}/out.tsv"], ["in.json", "$.animal[0]"],
         {"in.json": b'{"animal": [null]}'}, ["out.tsv"]),
    Case("build-path-repeated", ["build", "{d}/taxonomy.txt", "-o", "{d}/out.tsv"],
         ["taxonomy.txt:3", "path repeated (line 2", "'Toys > Lego'"], {"taxonomy.txt": b"Toys\nToys > Lego\nToys > Lego\n"},
         ["out.tsv"]),
    Case("train-path-empty-name", ["train", "{d}/tax.txt", "--path-separator", "/", "--out", "{d}/run"],
         ["tax.txt:2", "an empty name in a path", "'shop//toys'"], {"tax.txt": b"shop\nshop//toys\n"}, ["run"]),
    Case("build-path-separator-with-columns", ["build", "{d}/tax.txt", "--path-separator", "/", "--child-col", "1",
                                                "--parent-col", "2", "-o", "{d}/out.tsv"],
         ["tax.txt", "apply to edge files, not to a file of paths"], {"tax.txt": b"a/b\n"}, ["out.tsv"]),
    Case("build-obo-second-id", ["build", "{d}/hp.obo", "-o", "{d}/out.tsv"],
         ["hp.obo:4", "a second id in the [Term] stanza of line 2", "'id: HP:2'"],
         {"hp.obo": b"format-version: 1.2\n[Term]\nid: HP:1\nid: HP:2\n"}, ["out.tsv"]),
    Case("build-icd10cm-entity", ["build", "{d}/icd10cm_tabular_2026.xml", "-o", "{d}/out.tsv"],
         ["icd10cm_tabular_2026.xml:2", "a document type or entity declaration"],
         {"icd10cm_tabular_2026.xml": b'<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY a "aaaa">]>\n'
                                      b"<ICD10CM.tabular><chapter/></ICD10CM.tabular>\n"}, ["out.tsv"]),
    Case("train-icd10cm-code-under-another", ["train", "{d}/tab.xml", "--out", "{d}/run"],
         ["tab.xml:5", "B11.0 is under B10 (line 4) but does not extend it", "'B11.0'"],
         {"tab.xml": b"<ICD10CM.tabular><chapter><name>1</name><desc>Infections (A00-B99)</desc>\n"
                     b"<section id='B10'><desc>Herpesviruses (B10)</desc>\n<diag>\n<name>B10</name><desc>x</desc>\n"
                     b"<diag><name>B11.0</name><desc>y</desc></diag></diag></section></chapter></ICD10CM.tabular>\n"},
         ["run"]),
    Case("train-obo-is-a-obsolete", ["train", "{d}/go.obo", "--out", "{d}/run"],
         ["go.obo:7", "a parent is an obsolete term", "'GO:1'"],
         {"go.obo": b"[Term]\nid: GO:1\nis_obsolete: true\n\n[Term]\nid: GO:2\nis_a: GO:1 ! gone\n"}, ["run"]),
    Case("build-old-mac-line-ends", ["build", "{d}/in.csv", "-o", "{d}/out.tsv"],
         ["in.csv:1", "a carriage return (CR) inside a line", "dog,mammal"], {"in.csv": b"dog,mammal\rcat,mammal\r"},
         ["out.tsv"]),
    Case("build-codes-repeated", ["build", "{d}/atc.csv", "--prefix-codes", "-o", "{d}/out.tsv"],
         ["atc.csv:4", "code repeated (line 2 gives it too)", "'A10'"],
         {"atc.csv": b"code,description\nA10,diabetes\nA10B,oral\nA10,again\n"}, ["out.tsv"]),
    Case("train-codes-parent-column", ["train", "{d}/atc.csv", "--prefix-codes", "--parent-col", "2", "--child-col",
                                       "1", "--out", "{d}/run"], ["atc.csv", "do not apply to a code list"],
         {"atc.csv": b"A10,diabetes\nA10B,oral\n"}, ["run"]),
    Case("build-json-prefix-codes", ["build", "{d}/in.json", "--prefix-codes", "-o", "{d}/out.tsv"],
         ["in.json", "prefix_codes (--prefix-codes) applies to a delimited file of codes", "a JSON tree"],
         {"in.json": b'{"animal": {"dog": {}}}'}, ["out.tsv"]),
    Case("build-json-cycle", ["build", "{d}/in.json", "-o", "{d}/out.tsv"], ["in.json", "cycle", "animal -> dog"],
         {"in.json": b'{"animal": {"dog": {"animal": {}}}}'}, ["out.tsv"]),
    Case("build-json-invalid", ["build", "{d}/in.json", "-o", "{d}/out.tsv"], ["in.json:2", "invalid JSON"],
         {"in.json": b'{"animal":\n {"dog": }}'}, ["out.tsv"]),
    Case("build-missing-file", ["build", "{d}/nope.tsv", "-o", "{d}/out.tsv"], ["nope.tsv"], {}, ["out.tsv"]),
    Case("build-unknown-synset", ["build", "wordnet:not_a_synset.n.01", "-o", "{d}/out.tsv"],
         ["unknown WordNet synset", "not_a_synset.n.01"], {}, ["out.tsv"]),
    Case("build-bad-split-fraction", ["build", T, "--split", "nickel2017", "--test-fraction", "1.5", "-o", "{d}/split"],
         ["fractions"], {}, ["split"]),
    Case("build-output-dir-missing", ["build", T, "-o", "{d}/no/such/dir/out.tsv"], ["no/such/dir", "does not exist"],
         {}, ["no"]),
    Case("build-output-read-only", ["build", T, "-o", "{ro}/out.tsv"], ["{ro}", "not writable"]),
    # ---------------------------------------------------------------- evaluate: vectors and relations
    Case("evaluate-vectors-empty", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt", "empty"], {"v.txt": b""}),
    Case("evaluate-vectors-nan", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:3", "NaN", "'b'"],
         {"v.txt": w2v("a 0.1 0.2", "b nan 0.1")}),
    Case("evaluate-vectors-inf", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:2", "inf", "'a'"],
         {"v.txt": w2v("a -inf 0.2", "b 0.1 0.1")}),
    Case("evaluate-vectors-norm-one", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:3", "outside", "'b'"],
         {"v.txt": w2v("a 0.1 0.2", "b 0.6 0.8")}),
    Case("evaluate-vectors-norm-above-one", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:2", "outside"],
         {"v.txt": w2v("a 3 4", "b 0.1 0.1")}),
    Case("evaluate-vectors-short-row", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:3", "found 1 values"],
         {"v.txt": w2v("a 0.1 0.2", "b 0.1")}),
    Case("evaluate-vectors-long-row", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:2", "found 3 values"],
         {"v.txt": w2v("a 0.1 0.2 0.3", "b 0.1 0.1")}),
    Case("evaluate-vectors-no-header", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:1", "missing word2vec header"],
         {"v.txt": b"a 0.1 0.2\nb 0.1 0.1\n"}),
    Case("evaluate-vectors-header-count", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:1", "header says 5"],
         {"v.txt": w2v("a 0.1 0.2", "b 0.1 0.1", header="5 2")}),
    Case("evaluate-vectors-not-a-number", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:2", "not a number"],
         {"v.txt": w2v("a 0.1 zero", "b 0.1 0.1")}),
    Case("evaluate-vectors-duplicate-key", ["evaluate", "{d}/v.txt", "--relations", T],
         ["v.txt:3", "duplicate key", "first on line 2", "'a'"], {"v.txt": w2v("a 0.1 0.2", "a 0.1 0.1")}),
    Case("evaluate-vectors-binary", ["evaluate", "{d}/v.txt", "--relations", T], ["v.txt:2", "not UTF-8"],
         {"v.txt": b"2 2\n\x89PNG\x00\xff\xfe\n"}),
    Case("evaluate-vectors-lack-keys", ["evaluate", "{d}/v.txt", "--relations", "{d}/r.tsv"],
         ["r.tsv", "no vector", "--skip-missing"],
         {"v.txt": w2v("a 0.1 0.2", "b 0.3 0.1"), "r.tsv": b"a\tb\nc\tb\n"}),
    Case("evaluate-relations-bad-columns", ["evaluate", "{run}", "--relations", "{d}/r.tsv"], ["r.tsv:2", "found 1"],
         {"r.tsv": b"a\tb\nc\n"}),
    Case("evaluate-bad-sample", ["evaluate", "{run}", "--relations", T, "--sample", "-3"], ["sample", "-3"]),
    Case("evaluate-relations-self-loop", ["evaluate", "{run}", "--relations", "{d}/r.tsv"], ["r.tsv:2", "self-loop"],
         {"r.tsv": b"dog\tmammal\ncat\tcat\n"}),
    Case("evaluate-unknown-task", ["evaluate", "{run}", "--task", "ranking"], ["--task", "ranking"]),
    # ---------------------------------------------------------------- train: hyperparameters and data
    Case("train-dim-zero", ["train", T, "--dim", "0", "--out", "{d}/run"], ["dim", "0"], {}, ["run"]),
    Case("train-epochs-negative", ["train", T, "--epochs", "-1", "--out", "{d}/run"], ["epochs", "-1"], {}, ["run"]),
    Case("train-alpha-zero", ["train", T, "--alpha", "0", "--out", "{d}/run"], ["alpha"], {}, ["run"]),
    Case("train-alpha-nan", ["train", T, "--alpha", "nan", "--out", "{d}/run"], ["alpha", "nan"], {}, ["run"]),
    Case("train-negative-too-large", ["train", T, "--negative", "50", "--out", "{d}/run"], ["negative=50"], {},
         ["run"]),
    Case("train-batch-size-zero", ["train", T, "--batch-size", "0", "--out", "{d}/run"], ["batch_size"], {}, ["run"]),
    Case("train-epsilon-too-big", ["train", T, "--epsilon", "1.5", "--out", "{d}/run"], ["epsilon"], {}, ["run"]),
    Case("train-workers-zero", ["train", T, "--engine", "fast", "--workers", "0", "--out", "{d}/run"], ["workers"],
         {}, ["run"]),
    Case("train-gensim-engine-workers", ["train", T, "--engine", "gensim", "--workers", "2", "--out", "{d}/run"],
         ["workers"], {}, ["run"]),
    Case("train-dim-not-int", ["train", T, "--dim", "ten", "--out", "{d}/run"], ["--dim", "ten"], {}, ["run"]),
    Case("train-unknown-preset", ["train", T, "--preset", "fastest", "--out", "{d}/run"], ["fastest"], {}, ["run"]),
    Case("train-empty-file", ["train", "{d}/in.tsv", "--out", "{d}/run"], ["in.tsv", "empty"], {"in.tsv": b""},
         ["run"]),
    Case("train-self-loop", ["train", "{d}/in.tsv", "--out", "{d}/run"], ["in.tsv:1", "self-loop"],
         {"in.tsv": b"a\ta\n"}, ["run"]),
    Case("train-resume-not-a-run", ["train", "--resume", "{d}"], ["not a training run"]),
    Case("train-out-is-existing-run", ["train", T, "--negative", "3", "--out", "{run}"], ["already"]),
    Case("train-out-read-only", ["train", T, "--negative", "3", "--epochs", "1", "--out", "{ro}/run"], ["run"]),
    # ---------------------------------------------------------------- sweep: specs
    Case("sweep-unknown-key", ["sweep", "{d}/s.toml", "--out", "{d}/o"], ["s.toml", "unknown key train.alpah"],
         {"s.toml": (SPEC_HEAD + "[train]\nalpah = 0.1\n").encode()}, ["o"]),
    Case("sweep-wrong-type", ["sweep", "{d}/s.toml", "--out", "{d}/o"], ["s.toml", "grid.dim"],
         {"s.toml": (SPEC_HEAD + '[grid]\ndim = ["ten"]\n').encode()}, ["o"]),
    Case("sweep-invalid-toml", ["sweep", "{d}/s.toml", "--out", "{d}/o"], ["s.toml", "invalid TOML", "line 2"],
         {"s.toml": b'[experiment]\nname = "x\n'}, ["o"]),
    Case("sweep-unknown-table", ["sweep", "{d}/s.toml", "--out", "{d}/o"], ["s.toml", "unknown table"],
         {"s.toml": (SPEC_HEAD + "[trian]\nepochs = 3\n").encode()}, ["o"]),
    Case("sweep-empty-grid", ["sweep", "{d}/s.toml", "--out", "{d}/o"], ["s.toml", "grid.dim is empty"],
         {"s.toml": (SPEC_HEAD + "[grid]\ndim = []\n").encode()}, ["o"]),
    Case("sweep-missing-dataset", ["sweep", "{d}/s.toml", "--out", "{d}/o"], ["s.toml", "experiment.dataset"],
         {"s.toml": b'[experiment]\nname = "x"\ntask = "reconstruction"\n'}, ["o"]),
    Case("sweep-spec-not-utf8", ["sweep", "{d}/s.toml", "--out", "{d}/o"], ["s.toml"],
         {"s.toml": b"[experiment]\nname = \"\xff\xfe\"\n"}, ["o"]),
    # ---------------------------------------------------------------- export and plot
    Case("export-missing-run", ["export", "{d}/nope", "--format", "npz", "-o", "{d}/e"], ["nope"], {}, ["e"]),
    Case("export-unknown-format", ["export", "{run}", "--format", "xml", "-o", "{d}/e.xml"], ["--format", "xml"],
         {}, ["e.xml"]),
    Case("export-output-dir-missing", ["export", "{run}", "--format", "word2vec", "-o", "{d}/no/e.txt"],
         ["no", "does not exist"], {}, ["no"]),
    Case("export-output-read-only", ["export", "{run}", "--format", "word2vec", "-o", "{ro}/e.txt"],
         ["{ro}", "not writable"]),
    Case("export-word2vec-key-with-space", ["export", "{spaced}", "--format", "word2vec", "-o", "{d}/e.txt"],
         ["golden retriever", "space"], {}, ["e.txt"]),
    Case("plot-unknown-center", ["plot", "{run}", "-o", "{d}/p.png", "--center", "zebra"], ["zebra"], {}, ["p.png"]),
    Case("plot-missing-run", ["plot", "{d}/nope", "-o", "{d}/p.png"], ["nope"], {}, ["p.png"]),
    Case("plot-output-dir-missing", ["plot", "{run}", "-o", "{d}/no/p.png"], ["no", "does not exist"], {}, ["no"]),
    Case("plot-output-read-only", ["plot", "{run}", "-o", "{ro}/p.png"], ["{ro}", "not writable"]),
    Case("plot-bad-top-k", ["plot", "{run}", "-o", "{d}/p.png", "--top-k", "-1"], ["top_k", "-1"], {}, ["p.png"]),
    Case("plot-output-without-format", ["plot", "{run}", "-o", "{d}/plots"], ["plots", ".png, .pdf, .svg"], {},
         ["plots"]),
    Case("plot-curves-without-history", ["plot", "{d}/r", "-o", "{d}/p.png", "--kind", "curves"], ["r"],
         {"r": b""}, ["p.png"]),
]


def _read_only_dir(base: Path) -> Path:
    """A directory nobody can create files in, even root (chmod, then chattr +i, then /sys)."""
    ro = base / "read-only"
    ro.mkdir()
    os.chmod(ro, 0o555)
    if _writable(ro) and shutil.which("chattr"):
        subprocess.run(["chattr", "+i", str(ro)], capture_output=True)
    if _writable(ro):
        return Path("/sys")
    return ro


def _writable(d: Path) -> bool:
    try:
        (d / ".probe").touch()
    except OSError:
        return False
    (d / ".probe").unlink()
    return True


@pytest.fixture(scope="module")
def corpus_env(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    run = base / "run"
    assert main(["train", str(TOY_CLOSURE), "--dim", "2", "--epochs", "2", "--negative", "3", "--quiet",
                 "--out", str(run)]) == 0
    spaced = base / "spaced"
    spaced_tsv = base / "spaced.tsv"
    spaced_tsv.write_text(TOY_CLOSURE.read_text().replace("dog", "golden retriever"))
    assert main(["train", str(spaced_tsv), "--dim", "2", "--epochs", "1", "--negative", "3", "--quiet",
                 "--out", str(spaced)]) == 0
    ro = _read_only_dir(base)
    yield {"run": str(run), "spaced": str(spaced), "ro": str(ro)}
    if ro != Path("/sys"):
        subprocess.run(["chattr", "-i", str(ro)], capture_output=True)
        os.chmod(ro, 0o755)


def _snapshot(d: Path) -> set[str]:
    return {str(p.relative_to(d)) for p in d.rglob("*")}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, corpus_env, tmp_path):
    d = tmp_path
    for name, content in case.files.items():
        (d / name).write_bytes(content)
    subs = {"d": str(d), **corpus_env}
    args = [a.format(**subs) for a in case.args]
    run_before = _snapshot(Path(corpus_env["run"]))
    before = _snapshot(d)
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse
            code = exc.code
    assert code not in (0, None), f"exit {code}; stdout={out.getvalue()!r}"
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("hypergensim: error:")]
    assert len(errors) == 1, err.getvalue()
    assert "Traceback" not in err.getvalue()
    message = errors[0]
    fragments = [f.format(**subs) for f in case.fragments]
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    for name in case.outputs:
        assert not (d / name).exists(), f"{name} was left behind: {message}"
    leftovers = [p for p in _snapshot(d) - before if p.endswith(".tmp") or "/." in "/" + p]
    assert not leftovers, leftovers
    assert _snapshot(Path(corpus_env["run"])) == run_before, "the existing run directory changed"
