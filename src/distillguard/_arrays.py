"""Array helpers where numpy's general routine is slow for our sizes.

numpy >= 2.3 answers a plain `np.unique(x)` with a hash table that is 4-20x slower than
sorting for the int arrays linking handles (39M candidate pairs: 64 s against 3 s here).
"""

from __future__ import annotations

import numpy as np


def unique(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values of a 1-d array (what `np.unique(x)` returns), by sorting."""
    s = np.sort(np.asarray(x).ravel())
    if len(s) < 2:
        return s
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def unique_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sorted distinct values, each element's position among them, counts): what
    `np.unique(x, return_inverse=True, return_counts=True)` returns for a 1-d int array, by
    hashing in Arrow and sorting only the distinct values (21M keys: 0.5 s against 11.5 s)."""
    import pyarrow as pa

    x = np.asarray(x).ravel()
    enc = pa.array(x).dictionary_encode()
    distinct = enc.dictionary.to_numpy(zero_copy_only=False)
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    inv = rank[enc.indices.to_numpy(zero_copy_only=False)] if len(x) else np.zeros(0, dtype=np.int64)
    return distinct[order], inv, np.bincount(inv, minlength=len(order)).astype(np.int64)


def unique_pairs(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Distinct (i, j) rows of two non-negative int arrays, sorted: `np.unique(stack, axis=0)`."""
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    if len(i) == 0:
        return np.empty((0, 2), dtype=np.int64)
    width = int(j.max()) + 1
    if int(i.max()) >= (2**62) // width:  # the packed key would overflow: the slow, general way
        return np.unique(np.stack([i, j], axis=1), axis=0)
    key = unique(i * width + j)
    return np.stack([key // width, key % width], axis=1)
