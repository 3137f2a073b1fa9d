"""Tests for hypergensim.vectors: strict readers, exact writers, KeyedVectors round trips."""

from __future__ import annotations

import numpy as np
import pytest

from hypergensim.errors import InputError
from hypergensim.vectors import (
    read_npz,
    read_vectors,
    read_word2vec_text,
    to_keyed_vectors,
    write_npz,
    write_word2vec_text,
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_text_round_trip_is_exact(tmp_path, dtype):
    rng = np.random.default_rng(0)
    X = (rng.uniform(-0.5, 0.5, (20, 4))).astype(dtype)
    X[0] = [1 - 1e-9 if dtype == np.float64 else 0.9999, 0, 0, 0]
    keys = [f"k{i}.n.01" for i in range(20)][::-1]  # order is not alphabetical and must be kept
    write_word2vec_text(tmp_path / "v.txt", keys, X)
    e = read_word2vec_text(tmp_path / "v.txt")
    assert e.keys == keys
    np.testing.assert_array_equal(e.vectors.astype(dtype), X)


def test_npz_round_trip(tmp_path):
    X = np.random.default_rng(1).uniform(-0.5, 0.5, (5, 3))
    write_npz(tmp_path, ["a", "b", "c", "d", "e"], X)
    e = read_npz(tmp_path)
    np.testing.assert_array_equal(e.vectors, X)
    assert read_vectors(tmp_path).keys == ["a", "b", "c", "d", "e"]


def test_keyed_vectors_keep_order():
    X = np.array([[0.1, 0.2], [0.3, 0.1]])
    kv = to_keyed_vectors(["z", "a"], X)
    assert kv.index_to_key == ["z", "a"]
    np.testing.assert_array_equal(kv["a"], X[1])


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "vector file is empty"),
        ("a 0.1 0.2\n", ":1: missing word2vec header"),
        ("2 2\na 0.1 0.2\n", "header says 2 vectors but the file has 1"),
        ("2 2\na 0.1 0.2\nb 0.1\n", ":3: expected a key and 2 values, found 1"),
        ("1 2\na 0.1 x\n", ":2: a value is not a number"),
        ("2 2\na 0.1 0.2\nb 1.0 0.0\n", "outside the open unit ball: b (norm 1)"),
        ("2 2\na nan 0.2\nb inf 0.0\n", "2 vectors contain NaN or inf, e.g. a, b"),
    ],
)
def test_bad_vector_files(tmp_path, content, fragment):
    p = tmp_path / "v.txt"
    p.write_text(content)
    with pytest.raises(InputError) as info:
        read_word2vec_text(p)
    assert fragment in str(info.value) and "v.txt" in str(info.value)


def test_keys_with_whitespace_refused(tmp_path):
    with pytest.raises(InputError, match="whitespace"):
        write_word2vec_text(tmp_path / "v.txt", ["a b"], np.zeros((1, 2)))
    assert not (tmp_path / "v.txt").exists()


def test_npz_never_unpickles(tmp_path):
    np.save(tmp_path / "x.npy", np.array([{"a": 1}], dtype=object))
    (tmp_path / "vectors.npz").write_bytes(b"")
    np.savez(tmp_path / "vectors.npz", vectors=np.array([{"a": 1}], dtype=object))
    (tmp_path / "keys.json").write_text('["a"]')
    with pytest.raises(InputError, match="cannot read vectors"):
        read_npz(tmp_path)
