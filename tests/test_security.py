"""No untrusted pickles, no paths made from data.

* Every ``np.load`` in the package passes ``allow_pickle=False``; gensim's
  pickle loader is reached only behind ``trust_pickle``; nothing imports
  ``pickle``, ``joblib.load``, ``dill`` or ``torch.load`` (checked on the AST).
* A planted malicious pickle (``model.gensim`` that would create a file when
  unpickled) is refused by every command that reads a run directory, and by
  the Python API, unless the user opts in.
* Node names such as ``../../evil`` and ``/etc/passwd`` stay names: building,
  training, exporting and plotting create files only where the user said.
"""

from __future__ import annotations

import ast
import contextlib
import io
import pickle
from pathlib import Path

import numpy as np
import pytest

import hypergensim
from conftest import TOY_CLOSURE
from hypergensim.cli import main
from hypergensim.errors import HypergensimError
from hypergensim.experiments.sweep import run_id
from hypergensim.training import PoincareEmbedding

PACKAGE = Path(hypergensim.__file__).parent


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def dotted(func: ast.AST) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


def test_no_code_path_unpickles_without_consent():
    gensim_loads = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                assert not any(n.split(".")[0] in ("pickle", "dill", "cloudpickle", "shelve") for n in names), path
        for call in calls(tree):
            name = dotted(call.func)
            if name in ("np.load", "numpy.load"):
                kw = {k.arg: k.value for k in call.keywords}
                assert "allow_pickle" in kw and isinstance(kw["allow_pickle"], ast.Constant) \
                    and kw["allow_pickle"].value is False, f"{path}:{call.lineno} np.load without allow_pickle=False"
            assert name not in ("joblib.load", "torch.load", "pickle.load", "pickle.loads"), f"{path}:{call.lineno}"
            if name.endswith(".load") and name.split(".")[0] in ("PoincareModel", "KeyedVectors",
                                                                  "PoincareKeyedVectors", "utils"):
                gensim_loads.append((path, call.lineno))
    # gensim's pickle loader is called only in rundir.py, inside functions that check trust_pickle
    assert gensim_loads, "expected the guarded gensim loads in rundir.py"
    for path, line in gensim_loads:
        assert path.name == "rundir.py", (path, line)
        source = path.read_text().splitlines()
        function = next(i for i in range(line - 1, -1, -1) if source[i].lstrip().startswith("def "))
        assert "trust_pickle" in "\n".join(source[function:line]), (path, line)


class Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def poisoned_run(tmp_path):
    """A run directory whose only model is a malicious pickle (no state.npz, no vectors)."""
    run = tmp_path / "run"
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert main(["train", str(TOY_CLOSURE), "--dim", "2", "--negative", "3", "--epochs", "1", "--quiet",
                     "--out", str(run)]) == 0
    for name in ("state.npz", "vectors.npz", "keys.json", "vectors.txt"):
        (run / name).unlink()
    marker = tmp_path / "PWNED"
    (run / "model.gensim").write_bytes(pickle.dumps(Evil(marker)))
    return run, marker


@pytest.mark.parametrize("command", [
    ["train", "--resume", "{run}", "--epochs", "3"],
    ["evaluate", "{run}"],
    ["export", "{run}", "--format", "npz", "-o", "{tmp}/e"],
    ["plot", "{run}", "-o", "{tmp}/p.png"],
])
def test_commands_refuse_a_planted_pickle(poisoned_run, tmp_path, command):
    run, marker = poisoned_run
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main([a.format(run=run, tmp=tmp_path) for a in command])
    assert code != 0
    assert not marker.exists(), "the pickle was executed"
    assert "Traceback" not in err.getvalue()


def test_python_api_refuses_a_planted_pickle_unless_trusted(poisoned_run):
    run, marker = poisoned_run
    with pytest.raises(HypergensimError, match="trust_pickle"):
        PoincareEmbedding.resume(run, epochs=2, verbose=0)
    assert not marker.exists()
    with pytest.raises(HypergensimError):
        PoincareEmbedding.load(run)
    assert not marker.exists()


def test_object_arrays_in_npz_files_are_refused(tmp_path):
    from hypergensim.datasets.cache import cached
    from hypergensim.datasets.hierarchy import Hierarchy
    from hypergensim.vectors import read_npz

    np.savez(tmp_path / "vectors.npz", vectors=np.array([Evil(tmp_path / "X")], dtype=object))
    (tmp_path / "keys.json").write_text('["a"]')
    with pytest.raises(HypergensimError):
        read_npz(tmp_path)
    assert not (tmp_path / "X").exists()
    # a poisoned cache entry is rebuilt, never unpickled
    import hypergensim.datasets.cache as cache_mod

    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    original = cache_mod.cache_dir
    cache_mod.cache_dir = lambda: cache_dir
    try:
        built = Hierarchy.from_edges([("a", "b")])
        first = cached("toy", "3.0", lambda: built)
        (entry,) = cache_dir.glob("*.npz")
        np.savez(entry, nodes=np.array([Evil(tmp_path / "Y")], dtype=object))
        again = cached("toy", "3.0", lambda: built)
        assert again.relations() == first.relations()
        assert not (tmp_path / "Y").exists()
    finally:
        cache_mod.cache_dir = original


def test_node_names_never_become_paths(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    names = ["../../evil", "/etc/passwd_hg", "..", "a/b", "C:\\\\win", "~root"]
    rel = work / "r.tsv"
    rel.write_text("".join(f"{n}\tparent\n" for n in names) + "parent\troot\n")
    before = set(tmp_path.rglob("*"))
    out = work / "out"
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert main(["build", str(rel), "-o", str(work / "closure.tsv")]) == 0
        assert main(["train", str(work / "closure.tsv"), "--dim", "2", "--negative", "2", "--epochs", "2", "--quiet",
                     "--out", str(out)]) == 0
        for fmt, target in [("npz", work / "e"), ("projector", work / "p"), ("csv", work / "e.csv"),
                            ("word2vec", work / "e.txt")]:
            assert main(["export", str(out), "--format", fmt, "-o", str(target)]) == 0
        assert main(["plot", str(out), "-o", str(work / "disk.png"), "--top-k", "8"]) == 0
    created = set(tmp_path.rglob("*")) - before
    assert all(work in p.parents for p in created), sorted(map(str, created))
    assert not Path("/etc/passwd_hg").exists()
    from hypergensim.vectors import read_vectors

    assert set(names) <= set(read_vectors(out).keys)


@pytest.mark.parametrize("value", ["../../x", "/abs/path", "..", "a/b\\c"])
def test_sweep_run_ids_are_sanitized(value):
    from hypergensim.experiments.spec import parse_spec

    spec = parse_spec({"experiment": {"name": "x", "dataset": "mammals", "task": "reconstruction"}}, path="s.toml")
    rid = run_id(spec, {"dim": 2, "note": value})
    assert "/" not in rid and "\\" not in rid and not rid.startswith(".") and rid not in (".", "..")
