"""pytest configuration for the whole checkout: Keras runs on the torch backend, and the modules that
need the optional ``keras`` extra are skipped (not failed) at doctest collection when it is absent."""

from __future__ import annotations

import importlib.util
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

collect_ignore: list[str] = ["tests/fuzz_parsers.py"]  # atheris harness, run by `make fuzz`
if importlib.util.find_spec("keras") is None or importlib.util.find_spec("torch") is None:
    collect_ignore.append("hypergensim/downstream/keras_layers.py")
if importlib.util.find_spec("torch") is None:
    collect_ignore.append("hypergensim/downstream/torch_layers.py")
