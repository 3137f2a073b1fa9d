"""Imports of the optional packages behind ``hypergensim[keras]`` (Keras 3 and PyTorch), with clear errors.

The core package never imports Keras or PyTorch.  A downstream function that
needs one calls :func:`import_keras` or :func:`import_torch`; when the package
is missing it raises :class:`~hypergensim.errors.MissingDependencyError`
naming what to install.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType

from ..errors import MissingDependencyError

__all__ = ["import_keras", "import_torch", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'hypergensim[keras]'  (on a CPU-only machine: pip install torch==2.13.0 first)"


def import_torch() -> ModuleType:
    """``torch``, or :class:`MissingDependencyError` saying how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise MissingDependencyError(f"this needs PyTorch, which is not installed ({exc}); {INSTALL_HINT}") from None


def import_keras() -> ModuleType:
    """``keras`` (version 3), choosing the torch backend when no backend is set and TensorFlow is absent.

    Keras 3 defaults to the TensorFlow backend and fails to import without it;
    when ``KERAS_BACKEND`` is unset, TensorFlow is not installed, and PyTorch
    is, this selects ``torch`` before the first import of Keras.
    """
    if "KERAS_BACKEND" not in os.environ and importlib.util.find_spec("tensorflow") is None:
        if importlib.util.find_spec("torch") is not None:
            os.environ["KERAS_BACKEND"] = "torch"
        elif importlib.util.find_spec("jax") is not None:
            os.environ["KERAS_BACKEND"] = "jax"
    try:
        keras = importlib.import_module("keras")
    except ImportError as exc:
        raise MissingDependencyError(f"this needs Keras 3 and a backend, which are not installed ({exc}); "
                                     f"{INSTALL_HINT}") from None
    major = int(str(getattr(keras, "__version__", "0")).split(".")[0] or 0)
    if major < 3:
        raise MissingDependencyError(f"this needs Keras 3, found keras {keras.__version__}; {INSTALL_HINT}")
    return keras
