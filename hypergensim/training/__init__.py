"""Training: a scikit-learn style adapter around gensim's ``PoincareModel``.

Examples
--------
>>> from hypergensim.training import PoincareEmbedding
>>> est = PoincareEmbedding.from_preset("gensim-default", dim=2, epochs=2, negative=1, verbose=0)
>>> est.fit([("a", "root"), ("b", "root"), ("c", "a")]).n_epochs_trained_
2
"""

from __future__ import annotations

from ..presets import PRESETS, preset_params
from .callbacks import Callback, CSVLogger, EarlyStopping, EvaluateEvery, EvaluateF1Every, ProgressBar, TimeBudget
from .estimator import PoincareEmbedding

__all__ = ["PoincareEmbedding", "Callback", "ProgressBar", "EvaluateEvery", "EvaluateF1Every", "EarlyStopping", "TimeBudget",
           "CSVLogger",
           "PRESETS", "preset_params"]
