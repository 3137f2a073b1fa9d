"""The house rules, checked on the code itself: layers without cycles, one owner per name, no process-wide state.

The import graph is read with :mod:`ast` from every ``import`` in the package,
those inside functions included, so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "hypergensim"

#: Each top-level module or subpackage and its floor: imports may only go to the same floor or lower.
LAYERS = {
    "__init__": 0, "errors": 0, "numerics": 0, "manifold": 0, "params": 0, "published": 0, "_atomic": 0,
    "resources": 0, "screening": 0, "threads": 0,
    "presets": 1, "vectors": 1, "datasets": 1,
    "rundir": 2, "evaluation": 2, "plotting": 2, "export": 2, "downstream": 2,
    "training": 3,
    "pipeline": 4,
    "experiments": 5, "demo": 5, "bench": 5,
    "cli": 6,
    "__main__": 7,
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports() -> dict[str, set[str]]:
    """Module → the package modules it imports (``from X import m`` counts as importing the module ``X.m``)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    source = ".".join(base + ([node.module] if node.module else []))
                else:
                    source = node.module or ""
                for alias in node.names:
                    target = f"{source}.{alias.name}"
                    graph[mod].add(target if target in modules else source)
            elif isinstance(node, ast.Import):
                graph[mod].update(alias.name for alias in node.names)
        graph[mod] = {t for t in graph[mod] if t in modules and t != mod}
    return graph


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_room_has_a_floor():
    assert {_room(m) for m in _modules()} == set(LAYERS)


def test_no_import_goes_up_a_floor():
    upward = [(a, b) for a, targets in _imports().items() for b in targets if LAYERS[_room(b)] > LAYERS[_room(a)]]
    assert not upward, upward


def test_the_import_graph_has_no_cycle():
    graph = _imports()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """String constants that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and n.body
                  and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_no_run_directory_file_name_is_spelled_outside_rundir():
    from hypergensim.rundir import RunDir

    names = {v for k, v in vars(RunDir).items() if k.isupper() and isinstance(v, str)}
    assert {"config.json", "metrics.json", "state.npz", "relations.tsv", "model.gensim"} <= names
    owners = {PACKAGE / "rundir.py", PACKAGE / "vectors.py"}  # vectors.py names the npz pair RunDir reuses
    found = [(str(path.relative_to(PACKAGE)), line, text) for path in PACKAGE.rglob("*.py") if path not in owners
             for line, text in _code_strings(path) if any(re.search(rf"(^|/){re.escape(n)}$", text) for n in names)]
    assert not found, found


def test_no_training_parameter_is_declared_twice():
    """Signature, presets, CLI flags and spec keys all derive from hypergensim.params.PARAMETERS."""
    from hypergensim.params import PARAMETERS

    names = {p.name for p in PARAMETERS}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "params.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__init__":
                declared = {a.arg for a in node.args.args + node.args.kwonlyargs} & names
                assert len(declared) < 6, (path, node.lineno, declared)  # a signature that re-lists the table
            if isinstance(node, ast.Dict):  # a dict from parameter names to types or to names is a second table
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
                table_like = all((isinstance(v, ast.Name) and v.id in ("int", "float", "str", "list", "bool"))
                                 or (isinstance(v, ast.Constant) and v.value in names) for v in node.values)
                if len(keys & names) >= 4 and table_like:
                    pytest.fail(f"{path.relative_to(PACKAGE)}:{node.lineno} re-lists parameters {sorted(keys & names)}")

def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


@pytest.mark.parametrize("name", ["set_num_threads", "matplotlib.use", "redirect_stdout", "setdefaulttimeout",
                                  "matplotlib.pyplot", "basicConfig", "setLevel"])
def test_library_code_changes_no_process_wide_state(name):
    """Nothing selects a matplotlib backend or numba's threads; only the command line configures logging.

    ``setLevel`` is allowed in rundir.py, which raises the training logger to INFO while a run logs to its
    ``train.log`` and restores the level afterwards (tests/test_rundir.py checks that).
    """
    allowed = {"basicConfig": {"cli.py"}, "setLevel": {"rundir.py", "cli.py"}}.get(name, set())
    hits = []
    for path in PACKAGE.rglob("*.py"):
        if path.name in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            used = []
            if isinstance(node, ast.Call):
                used.append(_dotted(node.func))
            elif isinstance(node, ast.Import):
                used += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                used += [f"{node.module}.{a.name}" for a in node.names] + [node.module or ""]
            if any(u == name or u.endswith("." + name) for u in used):
                hits.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not hits, hits


def test_every_public_class_has_a_runnable_example():
    """gensim's rule: a ``>>>`` example in the docstring of every class a module exports (``__all__``); the
    doctests run with the suite (``--doctest-modules``), so each example runs too."""
    import importlib
    import inspect
    import pkgutil

    import hypergensim

    without = []
    for info in pkgutil.walk_packages(hypergensim.__path__, "hypergensim."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and ">>>" not in (obj.__doc__ or ""):
                without.append(f"{info.name}.{name}")
    assert not without, without
