"""Ranking keys of a block of queries against every node at large dimension, screened: float32 BLAS products
decide nearly every comparison, and the exact key decides the rest.

At d = 50 to 200 the evaluator and the violator miner spend their time on the
keys, one per (query, node), each a sum over the dimension
(:func:`hypergensim.numerics.keys_block`).  Written through the norms,
``‖q − w‖² = ‖q‖² + ‖w‖² − 2⟨q, w⟩``, a block of queries against every node is
one matrix product, which BLAS runs in float32 several times faster than any
loop over differences.  Such a key is not the exact key (the differences
cancel), but it is within a bound of it that rounding analysis gives: the
float32 inner product of the rounded coordinates is within about
``(d + 2)·u·Σ|qᵢwᵢ|`` of the exact one (``u = 2⁻²⁴``), ``Σ|qᵢwᵢ| ≤ ‖q‖‖w‖``,
and the key takes it twice, so its error is at most ``(d + 2)·u·(‖q‖ + ‖w‖)²/2``
beside float64's far smaller roundings.  :func:`screened_key` returns the
approximate key with the bound ``3·(d + 4)·u·(‖q‖ + ‖w‖)²``, six times that
(times the Poincaré key's ``1 / (1 − ‖w‖²)``; a floor for numbers below
float32's normal range; infinite when the key is not finite or nears float64's
overflow).  A comparison with a threshold (the farthest ancestor, a positive's
key) that the bound decides has the result the exact key would give; one it
cannot decide is made with :func:`exact_key`, the evaluator's own double.  So
the counts and the violators are exactly those of the direct kernels; on random
points of WordNet nouns at d = 200, 0.06 % of the (query, node) pairs needed
the exact key.

The Lorentz model is not screened (:data:`SCREENED_MODELS`): its key
``u₀w₀ − Σuᵢwᵢ`` is a small difference of products that grow as ``cosh`` of
the radius, so the bound is larger than the keys of nearby nodes.

Examples
--------
>>> import numpy as np
>>> points = np.random.default_rng(0).uniform(-0.1, 0.1, size=(500, 64))
>>> screen = KeyScreen.build(points, model=0, shift=np.zeros(64))
>>> products, q_sq, q_norm = screen.products(np.array([3, 7]))
>>> products.shape, products.dtype
((2, 500), dtype('float32'))
>>> key, bound = screened_key(products[0, 9], q_sq[0], q_norm[0], screen.sq_norms[9], screen.norms[9],
...                           screen.inv_gap[9], 0, screen.slack)
>>> bool(abs(key - exact_key(screen.points, screen.inv_gap, 0, screen.shift, 3, 9)) <= bound)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from .manifold import key_factors, squared_norms
from .numerics import key_sum

__all__ = ["SCREEN_MIN_DIM", "SCREENED_MODELS", "SCREEN_BLOCK_BYTES", "KeyScreen", "exact_key", "screened_key",
           "screens"]

#: Models whose keys are screened: 0 Poincaré, 2 Euclidean, 3 translational (not 1, Lorentz: see above).
SCREENED_MODELS = (0, 2, 3)
#: Smallest dimension screened: below it the keys cost little beside the comparisons, and the direct kernels
#: are as fast.  WordNet nouns, random points, 2 cores (direct / screened): a full reconstruction took 41.8 /
#: 43.2 s at d = 32, 47.5 / 44.2 s at d = 50, 86.8 / 51.8 s at d = 100 and 158.6 / 72.2 s at d = 200; mining a
#: quarter of the queries 12.3 / 12.7 s, 18.1 / 15.8 s, 32.9 / 17.2 s (and 35.7 / 5.8 s at d = 200, trained).
SCREEN_MIN_DIM = 48
#: Most bytes of float32 products one block of queries holds (``queries × nodes × 4``).
SCREEN_BLOCK_BYTES = 64 * 2**20
#: float32's unit roundoff.
_UNIT_ROUNDOFF = 2.0**-24
#: Added to the squared norms in the bound: covers float32's gradual underflow (coordinates below 2⁻¹²⁶ keep
#: an absolute error of 2⁻¹⁵⁰, which the relative bound alone would not).
_UNDERFLOW_FLOOR = 2.0**-100
#: Keys whose interval reaches beyond this decide nothing (far from float64's overflow, and NaN fails it).
_FINITE_LIMIT = 1e300


def screens(dim: int, model: int) -> bool:
    """Whether keys of this dimension and model are screened (:data:`SCREEN_MIN_DIM`, :data:`SCREENED_MODELS`).

    Examples
    --------
    >>> screens(200, 0), screens(10, 0), screens(200, 1)
    (True, False, False)
    """
    return dim >= SCREEN_MIN_DIM and model in SCREENED_MODELS


@dataclass(frozen=True)
class KeyScreen:
    """The nodes' side of the screened keys: their coordinates in float64 (for :func:`exact_key`) and float32
    (for the products), squared norms, norms and the Poincaré keys' inverse gaps, for one model.

    Examples
    --------
    >>> screen = KeyScreen.build(np.full((3, 40), 0.1), model=2, shift=np.zeros(40))
    >>> screen.block_size(), float(screen.sq_norms[0]).__round__(6)
    (3, 0.4)
    """

    points: np.ndarray
    points32: np.ndarray
    sq_norms: np.ndarray
    norms: np.ndarray
    inv_gap: np.ndarray
    shift: np.ndarray
    model: int
    slack: float

    @classmethod
    def build(cls, points: np.ndarray, *, model: int, shift: np.ndarray | None) -> KeyScreen:
        """Screen keys of ``model`` over ``points`` (``shift``: the translational model's r, read for model 3)."""
        x = np.ascontiguousarray(points, dtype=np.float64)
        sq = squared_norms(x)
        inv_gap, offset = key_factors(x, model, shift)
        with np.errstate(over="ignore"):  # coordinates beyond float32 become inf: their keys are made exactly
            points32 = x.astype(np.float32)
        return cls(points=x, points32=points32, sq_norms=sq, norms=np.sqrt(sq), inv_gap=inv_gap, shift=offset,
                   model=int(model), slack=3.0 * (x.shape[1] + 4) * _UNIT_ROUNDOFF)

    def block_size(self) -> int:
        """Queries per block: as many as :data:`SCREEN_BLOCK_BYTES` of products hold, 8 to 512."""
        return int(min(len(self.points), max(8, min(512, SCREEN_BLOCK_BYTES // (4 * max(len(self.points), 1))))))

    def products(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """float32 ``⟨q, w⟩`` of every query against every node (``queries × nodes``), with the queries' squared
        norms and norms in float64.  ``q`` is the query's point, plus the shift for the translational model,
        rounded as :func:`hypergensim.numerics.keys_block` rounds it."""
        q = self.points[queries] + self.shift if self.model == 3 else self.points[queries]
        q_sq = np.einsum("ij,ij->i", q, q)
        with np.errstate(over="ignore", invalid="ignore"):
            products = q.astype(np.float32) @ self.points32.T
        return products, q_sq, np.sqrt(q_sq)


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def screened_key(product, q_sq, q_norm, w_sq, w_norm, inv_gap_w, model, slack):
    """``(key, bound)``: the key of ``w`` for the query from their float32 product and norms, and a bound on
    its distance from :func:`exact_key` (infinite when the key or the bound is not finite or nears float64's
    overflow, so that no comparison is decided by it).  Models 0, 2 and 3 only."""
    key = (q_sq + w_sq) - 2.0 * float(product)
    reach = q_norm + w_norm
    bound = slack * (reach * reach + _UNDERFLOW_FLOOR)
    if model == 0:
        key *= inv_gap_w
        bound *= inv_gap_w
    if not abs(key) + bound < _FINITE_LIMIT:
        bound = math.inf
    return key, bound


@numba.njit(cache=True, nogil=True, inline="always", error_model="numpy")
def exact_key(points, inv_gap, model, shift, u, w):
    """The key of ``w`` for the query ``u``, the same double as :func:`hypergensim.numerics.keys_block`'s."""
    key = key_sum(points, u, w, model, shift)
    return key * inv_gap[w] if model == 0 else key
