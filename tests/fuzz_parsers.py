"""Coverage-guided fuzzing of hypergensim's file parsers with atheris (``make fuzz``; not run by pytest).

Each target writes the fuzzer's bytes to a file and parses it.  A hypergensim
error (``HypergensimError``: a clean, one-line message) is the expected answer
to bad bytes; any other exception is a bug and atheris reports it with the
input that caused it.

Usage: ``python tests/fuzz_parsers.py TARGET [libFuzzer options]`` with TARGET
one of ``edges``, ``csv``, ``json``, ``obo``, ``icd10cm``, ``paths``, ``codes``, ``vectors``, ``spec``;
e.g. ``-max_total_time=60``.
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    from hypergensim.datasets.codes import read_code_file
    from hypergensim.datasets.icd10cm import read_icd10cm_tabular
    from hypergensim.datasets.obo import read_obo_file
    from hypergensim.datasets.readers import read_edge_file, read_json_tree, read_path_file
    from hypergensim.errors import HypergensimError
    from hypergensim.experiments.spec import load_spec
    from hypergensim.vectors import read_word2vec_text

_DIR = tempfile.mkdtemp(prefix="hypergensim-fuzz-")
TARGETS = {
    "edges": (os.path.join(_DIR, "f.tsv"), read_edge_file),
    "csv": (os.path.join(_DIR, "f.csv"), read_edge_file),
    "json": (os.path.join(_DIR, "f.json"), read_json_tree),
    "obo": (os.path.join(_DIR, "f.obo"), read_obo_file),
    "icd10cm": (os.path.join(_DIR, "f.xml"), read_icd10cm_tabular),
    "codes": (os.path.join(_DIR, "f.txt"), read_code_file),
    "paths": (os.path.join(_DIR, "f.txt"), lambda path: read_path_file(path, separator=" > ")),
    "vectors": (os.path.join(_DIR, "v.txt"), read_word2vec_text),
    "spec": (os.path.join(_DIR, "s.toml"), load_spec),
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options]")
    path, parse = TARGETS[sys.argv.pop(1)]

    def one_input(data: bytes) -> None:
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            parse(path)
        except HypergensimError:
            pass

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
