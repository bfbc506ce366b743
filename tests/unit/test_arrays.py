"""The sort-based array helpers return exactly what numpy's general routines return."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard._arrays import unique, unique_inverse, unique_pairs


@pytest.mark.parametrize("seed", range(5))
def test_unique_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, rng.integers(1, 500), rng.integers(0, 3000))
    assert np.array_equal(unique(x), np.unique(x))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
def test_unique_inverse_matches_numpy(seed, dtype):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, rng.integers(1, 500), rng.integers(0, 3000)).astype(dtype)
    if dtype is np.uint64 and len(x):
        x[::7] = np.uint64(2**64 - 1 - seed)  # above the int64 range
    got = unique_inverse(x)
    want = np.unique(x, return_inverse=True, return_counts=True)
    for g, w in zip(got, want, strict=True):
        assert np.array_equal(g, w)
    assert got[0].dtype == x.dtype


@pytest.mark.parametrize("seed", range(5))
def test_unique_pairs_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 4000))
    i, j = rng.integers(0, 300, n), rng.integers(0, 50, n)
    want = np.unique(np.stack([i, j], axis=1), axis=0) if n else np.empty((0, 2), dtype=np.int64)
    assert np.array_equal(unique_pairs(i, j), want)


def test_unique_pairs_falls_back_when_the_packed_key_would_overflow():
    i = np.array([2**40, 3, 2**40], dtype=np.int64)
    j = np.array([2**30, 1, 2**30], dtype=np.int64)
    assert unique_pairs(i, j).tolist() == [[3, 1], [2**40, 2**30]]
