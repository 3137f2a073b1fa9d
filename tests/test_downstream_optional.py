"""The core package and the NumPy half of hypergensim.downstream work without Keras and PyTorch,
and the Keras/PyTorch half says what to install."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCK = textwrap.dedent("""
    import importlib.abc, sys
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("keras", "torch", "tensorflow", "jax"):
                raise ImportError(f"No module named {name!r} (blocked by the test)")
            return None
    sys.meta_path.insert(0, Block())
""")


def run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)


def test_core_imports_and_works_without_keras_or_torch():
    result = run("""
        import numpy as np
        import hypergensim, hypergensim.cli, hypergensim.training, hypergensim.evaluation, hypergensim.downstream
        from hypergensim.downstream import PoincareQueries, log_map0, embedding_matrix
        q = PoincareQueries((["a", "b"], np.array([[0.0, 0.1], [0.5, 0.0]])))
        print(q.most_similar("a"), log_map0([0.5, 0.0]).tolist())
        print("keras" in sys.modules, "torch" in sys.modules)
    """)
    assert result.returncode == 0, result.stderr
    assert "False False" in result.stdout


def test_downstream_layers_say_what_to_install():
    for name in ("to_keras_embedding", "PoincareNormalize", "to_torch_embedding"):
        result = run(f"""
            from hypergensim.errors import MissingDependencyError
            import hypergensim.downstream as d
            try:
                getattr(d, {name!r})
            except MissingDependencyError as exc:
                print("MISSING:", exc)
        """)
        assert result.returncode == 0, result.stderr
        assert "MISSING:" in result.stdout and "pip install 'hypergensim[keras]'" in result.stdout, result.stdout
