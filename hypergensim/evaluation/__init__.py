"""Evaluation with the paper's protocol: reconstruction, link prediction, entailment, diagnostics.

See :mod:`hypergensim.evaluation.ranking` for the exact definitions.
"""

from __future__ import annotations

from .ranking import RankingResult
from .tasks import evaluate_link_prediction, evaluate_reconstruction

__all__ = ["RankingResult", "evaluate_reconstruction", "evaluate_link_prediction"]
