"""hypergensim: embeddings of hierarchies in hyperbolic space, reproducible and fast, with gensim as the container.

The front door is :func:`hypergensim.pipeline.run` (load, train, evaluate, record; a ``RunResult``).
The house, from the bottom floor up:

* :mod:`hypergensim.errors`, :mod:`hypergensim.params` (the one table of training parameters),
  :mod:`hypergensim.published` (published numbers), :mod:`hypergensim.manifold` (NumPy geometry) and
  :mod:`hypergensim.numerics` (its compiled per-row form);
* :mod:`hypergensim.presets`, :mod:`hypergensim.vectors` (vector files), :mod:`hypergensim.datasets`
  (WordNet and custom hierarchies, closures, splits, the relations resolver);
* :mod:`hypergensim.rundir` (a run's folder), :mod:`hypergensim.evaluation` (the paper's mean rank and
  MAP for every model, F1, entailment), :mod:`hypergensim.plotting`, :mod:`hypergensim.export`,
  :mod:`hypergensim.downstream` (Keras and PyTorch);
* :mod:`hypergensim.training` (the scikit-learn estimator around gensim's ``PoincareModel`` and the
  compiled Hogwild engine);
* :mod:`hypergensim.pipeline`; then :mod:`hypergensim.experiments`, the demo, the benchmarks and the
  command line.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
