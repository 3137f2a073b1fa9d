"""Export a run's vectors: word2vec text/binary, npz + keys.json, TensorBoard projector TSV, CSV.

The projector's ``metadata.tsv`` and the CSV carry the nodes' labels (an OBO
term's name, a path's last name) when the run has them (``labels.tsv``).

word2vec *text* keeps full float64 precision (``%.17g``) and the model's row
order.  word2vec *binary* stores float32 (gensim's format): near the boundary
that changes distances, e.g. we measured a distance of 13.3046 becoming 13.3033
at norm 1 − 1e-5, so a warning is issued when vectors are that close to 1.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from ._atomic import atomic_write, ensure_parent
from .errors import InputError
from .rundir import RunDir
from .vectors import format_row, read_vectors, to_keyed_vectors, word2vec_unsafe_key, write_npz, write_word2vec_text

__all__ = ["export_run", "FORMATS"]

FORMATS = ("word2vec", "word2vec-binary", "npz", "projector", "csv")


def export_run(run_dir: str | Path, fmt: str, output: str | Path) -> list[Path]:
    """Write the run's vectors in ``fmt`` to ``output``; returns the files written.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from hypergensim.vectors import write_npz
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_npz(d, ["a", "b"], np.array([[0.1, 0.2], [0.3, 0.4]]))
    >>> [p.name for p in export_run(d, "csv", d / "v.csv")]
    ['v.csv']
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown export format (choose from {', '.join(FORMATS)})", value=fmt)
    emb = read_vectors(run_dir)
    keys, vectors = emb.keys, np.asarray(emb.vectors)
    labels = RunDir(run_dir).read_labels() if Path(run_dir).is_dir() else {}
    output = Path(output)
    if fmt == "word2vec":
        return [write_word2vec_text(output, keys, vectors)]
    if fmt == "word2vec-binary":
        bad = word2vec_unsafe_key(keys)
        if bad is not None:  # gensim writes it, but its own reader then splits the key at the space
            raise InputError("word2vec keys cannot be empty or contain whitespace (a space ends the key); use the "
                             "npz or csv format", path=output, value=bad)
        max_norm = float(np.linalg.norm(vectors, axis=1).max())
        if max_norm > 1 - 1e-4:
            warnings.warn(f"word2vec binary stores float32; vectors reach norm {max_norm:.8f}, where float32 "
                          "rounding changes Poincaré distances (13.3046 became 13.3033 at norm 1-1e-5). "
                          "Use --format word2vec or npz for exact values.", stacklevel=2)
        ensure_parent(output)
        kv = to_keyed_vectors(keys, vectors)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
        os.close(fd)
        try:
            kv.save_word2vec_format(tmp, binary=True)
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return [output]
    if fmt == "npz":
        ensure_parent(output / "x", create=True)
        return list(write_npz(output, keys, vectors))
    if fmt == "projector":
        ensure_parent(output / "x", create=True)
        with atomic_write(output / "vectors.tsv") as fh:
            for row in vectors:
                fh.write(format_row(row, "\t") + "\n")
        with atomic_write(output / "metadata.tsv") as fh:
            if labels:  # two columns: the projector then reads line 1 as their names
                fh.write("key\tlabel\n" + "".join(f"{_cell(k)}\t{_cell(labels.get(k, k))}\n" for k in keys))
            else:
                fh.write("".join(_cell(k) + "\n" for k in keys))
        return [output / "vectors.tsv", output / "metadata.tsv"]
    with atomic_write(output) as fh:  # csv
        fh.write("key," + ("label," if labels else "") + ",".join(f"x{i}" for i in range(vectors.shape[1])) + "\n")
        for key, row in zip(keys, vectors):
            fh.write(_csv_cell(key) + "," + (_csv_cell(labels.get(key, key)) + "," if labels else "")
                     + format_row(row, ",") + "\n")
    return [output]


def _cell(text: str) -> str:
    """A TSV cell: a TAB or line break becomes a space."""
    return text.replace("\t", " ").replace("\n", " ")


def _csv_cell(text: str) -> str:
    """A CSV cell, quoted where it holds a comma, a quote or a line break."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text
