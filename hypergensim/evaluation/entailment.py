r"""Graded lexical entailment on HyperLex (Vulić et al., 2017), as in Nickel & Kiela (2017).

For a pair "to what degree is ``u`` a type of ``v``", the score is

.. math:: \operatorname{score}(u, v) = -\bigl(1 + \alpha(\|v\| - \|u\|)\bigr)\, d(u, v), \qquad \alpha = 1000.

A word can name several senses (WordNet keys ``dog.n.01``, ``dog.n.02``, ...):
the pair of senses at minimum Poincaré distance is scored.  The result is
Spearman's ρ between scores and the human ratings over the covered pairs, and
the coverage (pairs found / pairs in the file).

HyperLex cannot be downloaded here; pass the path of ``hyperlex-all.txt``
(space-separated, with a header naming ``WORD1``, ``WORD2`` and ``AVG_SCORE``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..manifold import poincare_distance
from ..vectors import Embedding, coerce_embedding
from .ranking import key_value_table

__all__ = ["EntailmentResult", "read_hyperlex", "entailment_score", "evaluate_entailment"]


@dataclass
class EntailmentResult:
    """Spearman ρ of the entailment score against human ratings.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> keys = ["animal.n.01", "dog.n.01", "cat.n.01", "puppy.n.01"]
    >>> vectors = np.array([[0.0, 0.05], [0.5, 0.1], [-0.5, 0.3], [0.8, 0.15]])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hyperlex.txt"
    >>> _ = path.write_text("WORD1 WORD2 POS TYPE AVG_SCORE\\ndog animal N hyp-1 9.5\\npuppy dog N hyp-1 8.0\\n"
    ...                     "animal dog N rhyp-1 1.2\\ncat dog N cohyp 0.5\\n")
    >>> r = evaluate_entailment((keys, vectors), path)
    >>> round(r.spearman, 3), r.n_pairs, r.coverage
    (0.8, 4, 1.0)
    """

    spearman: float
    pvalue: float
    n_pairs: int
    n_total: int
    coverage: float
    alpha: float
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """Plain dict (JSON-serializable)."""
        return asdict(self)

    def __str__(self) -> str:
        return key_value_table([("task", "entailment (HyperLex)"),
                                ("spearman", f"{self.spearman:.4f} (p={self.pvalue:.3g})"),
                                ("pairs", f"{self.n_pairs:,} of {self.n_total:,} (coverage {self.coverage:.4f})"),
                                ("seconds", f"{self.seconds:.3f}")])


def read_hyperlex(path: str | Path) -> list[tuple[str, str, float]]:
    """``(word1, word2, rating)`` rows of a HyperLex-format file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("HyperLex file not found", path=path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise InputError("bytes that are not UTF-8", path=path) from None
    if not lines or not lines[0].strip():
        raise InputError("HyperLex file is empty", path=path)
    header = lines[0].split()
    missing = [c for c in ("WORD1", "WORD2", "AVG_SCORE") if c not in header]
    if missing:
        raise InputError(f"header lacks column(s) {', '.join(missing)}", path=path, line=1, value=lines[0])
    i1, i2, iscore = header.index("WORD1"), header.index("WORD2"), header.index("AVG_SCORE")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) <= max(i1, i2, iscore):
            raise InputError(f"expected at least {max(i1, i2, iscore) + 1} columns", path=path, line=number,
                             value=line)
        try:
            rating = float(parts[iscore])
        except ValueError:
            raise InputError("AVG_SCORE is not a number", path=path, line=number, value=line) from None
        rows.append((parts[i1], parts[i2], rating))
    if not rows:
        raise InputError("HyperLex file has no pairs", path=path)
    return rows


def entailment_score(u: np.ndarray, v: np.ndarray, alpha: float = 1000.0) -> np.ndarray:
    """The paper's score ``-(1 + α(‖v‖ − ‖u‖))·d(u, v)`` (higher: more entailed)."""
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    nu, nv = np.linalg.norm(u, axis=-1), np.linalg.norm(v, axis=-1)
    return -(1.0 + alpha * (nv - nu)) * poincare_distance(u, v)


def _senses(emb: Embedding) -> dict[str, list[int]]:
    table: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(emb.keys):
        table[key.lower()].append(i)
        parts = key.split(".")
        if len(parts) >= 3:  # WordNet synset name lemma.pos.nn
            table[".".join(parts[:-2]).lower()].append(i)
    return table


def evaluate_entailment(embedding: Any, hyperlex: str | Path, *, alpha: float = 1000.0) -> EntailmentResult:
    """Spearman ρ between the entailment score and HyperLex ratings.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "hl.txt"
    >>> _ = p.write_text("WORD1 WORD2 POS TYPE AVG_SCORE\\ndog animal N hyp-1 9.5\\nanimal dog N rhyp-1 1.0\\n"
    ...                  "cat animal N hyp-1 9.0\\n")
    >>> keys = ["animal.n.01", "dog.n.01", "cat.n.01"]
    >>> X = np.array([[0.0, 0.01], [0.5, 0.0], [0.0, 0.5]])
    >>> round(evaluate_entailment((keys, X), p).spearman, 3)
    1.0
    """
    from scipy.stats import spearmanr

    started = time.perf_counter()
    emb = coerce_embedding(embedding)
    rows = read_hyperlex(hyperlex)
    senses = _senses(emb)
    x = emb.vectors.astype(np.float64)
    scores, ratings = [], []
    for w1, w2, rating in rows:
        s1, s2 = senses.get(w1.lower()), senses.get(w2.lower())
        if not s1 or not s2:
            continue
        d = poincare_distance(x[s1][:, None, :], x[s2][None, :, :])
        i, j = np.unravel_index(int(np.argmin(d)), d.shape)
        scores.append(float(entailment_score(x[s1[i]], x[s2[j]], alpha)))
        ratings.append(rating)
    if len(scores) < 2:
        raise InputError(f"only {len(scores)} HyperLex pairs are covered by the vectors", path=hyperlex)
    rho, p = spearmanr(scores, ratings)
    return EntailmentResult(float(rho), float(p), len(scores), len(rows), len(scores) / len(rows), alpha,
                            time.perf_counter() - started)
