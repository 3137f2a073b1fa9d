"""Reading, validating and writing embedding vectors in safe formats.

* word2vec text (``N D`` header, then ``key v1 … vD``), written at full float64
  precision (``%.17g``) in the embedding's own row order;
* the npz pair, :data:`NPZ_VECTORS` + :data:`NPZ_KEYS` in one directory: exact
  values, loaded with ``allow_pickle=False`` (every training run directory holds one).

Every reader validates what it returns: the header agrees with the rows, values
are finite, and every vector lies strictly inside the unit ball.  Problems raise
:class:`~hypergensim.errors.InputError` naming the file, the line and the keys.
gensim's ``KeyedVectors`` stays the container: :func:`to_keyed_vectors` and
:func:`from_keyed_vectors` convert without copying keys' order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_save_npz, atomic_write, atomic_write_json
from .errors import InputError

__all__ = [
    "NPZ_VECTORS",
    "NPZ_KEYS",
    "Embedding",
    "read_vectors",
    "read_word2vec_text",
    "read_word2vec_binary",
    "write_word2vec_text",
    "read_npz",
    "write_npz",
    "to_keyed_vectors",
    "from_keyed_vectors",
    "validate_ball",
    "coerce_embedding",
]

#: File names of the npz pair: the vectors (exact values) and their keys, side by side in one directory.
NPZ_VECTORS = "vectors.npz"
NPZ_KEYS = "keys.json"


class Embedding:
    """Keys and their vectors, row ``i`` belonging to ``keys[i]``.

    Examples
    --------
    >>> e = Embedding(["a", "b"], np.array([[0.1, 0.0], [0.0, 0.2]]))
    >>> e.index["b"], e.vectors.shape
    (1, (2, 2))
    """

    def __init__(self, keys: list[str], vectors: np.ndarray) -> None:
        self.keys = list(keys)
        self.vectors = np.asarray(vectors)
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.keys):
            raise InputError(f"{len(self.keys)} keys but vectors of shape {self.vectors.shape}")
        self.index = {k: i for i, k in enumerate(self.keys)}
        if len(self.index) != len(self.keys):
            dup = next(k for i, k in enumerate(self.keys) if self.index[k] != i)
            raise InputError("duplicate key in embedding", value=dup)

    def __len__(self) -> int:
        return len(self.keys)


def validate_ball(keys: list[str], vectors: np.ndarray, *, path: str | Path | None = None,
                  line_numbers: list[int] | None = None) -> None:
    """Raise if any vector is NaN/inf or has norm ≥ 1, naming the first keys (and the line of the first)."""
    finite = np.isfinite(vectors).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        bad = [keys[i] for i in rows[:5]]
        raise InputError(f"{len(rows)} vectors contain NaN or inf, e.g. {', '.join(map(str, bad))}", path=path,
                         line=None if line_numbers is None else line_numbers[rows[0]], value=str(keys[rows[0]]))
    norms = np.sqrt(np.einsum("ij,ij->i", vectors.astype(np.float64), vectors.astype(np.float64)))
    outside = norms >= 1.0
    if outside.any():
        first = np.flatnonzero(outside)[:5]
        shown = ", ".join(f"{keys[i]} (norm {norms[i]:.9g})" for i in first)
        raise InputError(f"{int(outside.sum())} vectors lie outside the open unit ball: {shown}", path=path,
                         line=None if line_numbers is None else line_numbers[first[0]], value=str(keys[first[0]]))


def read_word2vec_text(path: str | Path, *, validate: bool = True) -> Embedding:
    """Read gensim's word2vec text format strictly, in file order."""
    path = Path(path)
    if not path.is_file():
        raise InputError("vector file not found", path=path)
    with open(path, "rb") as fh:
        raw = fh.read()
    if not raw.strip():
        raise InputError("vector file is empty", path=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("bytes that are not UTF-8 (word2vec binary? use the text format)", path=path,
                         line=line) from None
    lines = text.splitlines()
    head = lines[0].split()
    if len(head) != 2 or not all(h.isdigit() for h in head):
        raise InputError("missing word2vec header 'N D' on the first line", path=path, line=1, value=lines[0])
    n, dim = int(head[0]), int(head[1])
    body = [(i, ln) for i, ln in enumerate(lines[1:], start=2) if ln.strip()]
    if len(body) != n:
        raise InputError(f"header says {n} vectors but the file has {len(body)}", path=path, line=1, value=lines[0])
    keys: list[str] = []
    seen: dict[str, int] = {}
    vectors = np.empty((n, dim), dtype=np.float64)
    for row, (number, line) in enumerate(body):
        parts = line.rstrip().split(" ")
        if len(parts) != dim + 1:
            raise InputError(f"expected a key and {dim} values, found {len(parts) - 1} values", path=path,
                             line=number, value=line)
        try:
            vectors[row] = [float(x) for x in parts[1:]]
        except ValueError:
            raise InputError("a value is not a number", path=path, line=number, value=line) from None
        if parts[0] in seen:
            raise InputError(f"duplicate key (first on line {seen[parts[0]]})", path=path, line=number,
                             value=parts[0])
        seen[parts[0]] = number
        keys.append(parts[0])
    emb = Embedding(keys, vectors)
    if validate:
        validate_ball(keys, vectors, path=path, line_numbers=[number for number, _ in body])
    return emb


def format_row(row: np.ndarray, sep: str = " ") -> str:
    """Values of one vector as text that reads back exactly (17 digits for float64, 9 for float32)."""
    digits = 9 if np.asarray(row).dtype == np.float32 else 17
    return sep.join(f"{x:.{digits}g}" for x in row.tolist())


def word2vec_unsafe_key(keys: list[str]) -> str | None:
    """The first key the word2vec text format cannot hold (empty, or containing whitespace), else None."""
    return next((k for k in keys if not k or any(c.isspace() for c in k)), None)


def write_word2vec_text(path: str | Path, keys: list[str], vectors: np.ndarray) -> Path:
    """Write word2vec text at full precision (``%.17g``), keeping row order, atomically."""
    path = Path(path)
    bad = word2vec_unsafe_key(keys)
    if bad is not None:
        raise InputError("word2vec text keys cannot be empty or contain whitespace (a space separates the key "
                         "from its values); use the npz or csv format", path=path, value=bad)
    vectors = np.asarray(vectors)
    with atomic_write(path) as fh:
        fh.write(f"{len(keys)} {vectors.shape[1]}\n")
        for key, row in zip(keys, vectors):
            fh.write(key + " " + format_row(row) + "\n")
    return path


def write_npz(directory: str | Path, keys: list[str], vectors: np.ndarray) -> tuple[Path, Path]:
    """Write the npz pair (:data:`NPZ_VECTORS`, exact values, and :data:`NPZ_KEYS`) atomically."""
    directory = Path(directory)
    atomic_save_npz(directory / NPZ_VECTORS, vectors=np.asarray(vectors))
    atomic_write_json(directory / NPZ_KEYS, list(keys))
    return directory / NPZ_VECTORS, directory / NPZ_KEYS


def read_npz(directory: str | Path, *, validate: bool = True) -> Embedding:
    """Read the npz pair of ``directory`` (never unpickling)."""
    directory = Path(directory)
    npz, kjson = directory / NPZ_VECTORS, directory / NPZ_KEYS
    for p in (npz, kjson):
        if not p.is_file():
            raise InputError("file not found", path=p)
    try:
        with np.load(npz, allow_pickle=False) as data:
            vectors = data["vectors"]
    except (ValueError, KeyError, OSError) as exc:
        raise InputError(f"cannot read vectors ({exc})", path=npz) from None
    try:
        keys = json.loads(kjson.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"invalid keys file ({exc})", path=kjson) from None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise InputError("keys.json must hold a list of strings", path=kjson)
    if len(keys) != len(vectors):
        raise InputError(f"{len(keys)} keys for {len(vectors)} vectors", path=kjson)
    emb = Embedding(keys, vectors)
    if validate:
        validate_ball(keys, vectors, path=npz)
    return emb


def read_vectors(path: str | Path, *, validate: bool = True) -> Embedding:
    """Read a word2vec text file, an ``.npz`` (with its keys beside it), or a directory holding the npz pair.

    A training run directory is such a directory.
    """
    path = Path(path)
    if path.is_dir():
        if (path / NPZ_VECTORS).is_file():
            return read_npz(path, validate=validate)
        raise InputError(f"directory holds no {NPZ_VECTORS} (a run directory or an npz export)", path=path)
    if path.suffix == ".npz":
        return read_npz(path.parent, validate=validate)
    if path.suffix == ".bin":
        return read_word2vec_binary(path, validate=validate)
    return read_word2vec_text(path, validate=validate)


def read_word2vec_binary(path: str | Path, *, validate: bool = True) -> Embedding:
    """Read gensim's binary word2vec format (float32 values), as ``export --format word2vec-binary`` writes it."""
    from gensim.models import KeyedVectors

    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    try:
        kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    except (ValueError, EOFError, UnicodeDecodeError, IndexError, OSError) as exc:
        raise InputError(f"not a readable binary word2vec file ({type(exc).__name__}: {exc})", path=path) from None
    emb = Embedding([str(k) for k in kv.index_to_key], np.asarray(kv.vectors, dtype=np.float64))
    if validate:
        validate_ball(emb.keys, emb.vectors, path=path)
    return emb


def to_keyed_vectors(keys: list[str], vectors: np.ndarray) -> Any:
    """gensim ``PoincareKeyedVectors`` holding ``vectors`` in this row order."""
    from gensim.models.poincare import PoincareKeyedVectors

    vectors = np.asarray(vectors)
    kv = PoincareKeyedVectors(vectors.shape[1], 0, dtype=vectors.dtype)
    kv.add_vectors(list(keys), vectors)
    return kv


def from_keyed_vectors(kv: Any) -> Embedding:
    """Keys and vectors of a gensim ``KeyedVectors`` (row order kept)."""
    return Embedding(list(kv.index_to_key), np.asarray(kv.vectors))


def coerce_embedding(obj: Any, *, validate: bool = True) -> Embedding:
    """Accept an :class:`Embedding`, gensim ``KeyedVectors``/``PoincareModel``, a fitted
    ``PoincareEmbedding``, a ``(keys, array)`` pair, or a path."""
    if isinstance(obj, Embedding):
        emb = obj
    elif isinstance(obj, (str, Path)):
        return read_vectors(obj, validate=validate)
    elif hasattr(obj, "kv_"):
        emb = from_keyed_vectors(obj.kv_)
    elif hasattr(obj, "kv") and hasattr(obj.kv, "index_to_key"):
        emb = from_keyed_vectors(obj.kv)
    elif hasattr(obj, "index_to_key") and hasattr(obj, "vectors"):
        emb = from_keyed_vectors(obj)
    elif isinstance(obj, tuple) and len(obj) == 2:
        emb = Embedding([str(k) for k in obj[0]], np.asarray(obj[1]))
    else:
        raise InputError("cannot use this object as an embedding", value=type(obj).__name__)
    if validate:
        validate_ball(emb.keys, emb.vectors)
    return emb
