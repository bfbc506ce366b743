"""MinHash over many small sets (templates/_lsh.py): blocked in cache-sized pieces, same signatures."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.templates._lsh import minhash, mix64


def whole_array_minhash(flat: np.ndarray, offsets: np.ndarray, num_perm: int = 64, seed: int = 7) -> np.ndarray:
    """The definition, one pass over all values per permutation."""
    sig = np.full((len(offsets) - 1, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    nonempty = np.diff(offsets) > 0
    if not nonempty.any():
        return sig
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    x = mix64(flat)
    with np.errstate(over="ignore"):
        for j in range(num_perm):
            sig[nonempty, j] = np.minimum.reduceat(((a[j] * x + b[j]) >> np.uint64(32)).astype(np.uint32),
                                                   offsets[:-1][nonempty])
    return sig


@pytest.mark.parametrize("sets", [0, 1, 9, 2_000])
@pytest.mark.parametrize("block", [1, 5, 64, 1 << 18])
def test_blocked_minhash_equals_the_definition(sets, block):
    rng = np.random.default_rng(sets + block)
    lengths = rng.integers(0, 40, sets)
    lengths[rng.random(sets) < 0.2] = 0          # empty sets among the others
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    flat = rng.integers(0, 2**63, int(offsets[-1]), dtype=np.uint64)
    got = minhash(flat, offsets, num_perm=16, block=block)
    assert np.array_equal(got, whole_array_minhash(flat, offsets, num_perm=16))
    assert (got[lengths == 0] == np.iinfo(np.uint32).max).all()
