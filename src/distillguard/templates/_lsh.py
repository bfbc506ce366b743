"""Vectorised MinHash and LSH banding over many small token sets (numpy, no Python loop per set)."""

from __future__ import annotations

import numpy as np
import xxhash
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from distillguard._arrays import unique_pairs

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, element-wise on uint64 (wrapping arithmetic); a new array."""
    x = np.array(x, dtype=np.uint64, copy=True)
    t = np.empty_like(x)
    with np.errstate(over="ignore"):
        np.right_shift(x, np.uint64(30), out=t)
        x ^= t
        x *= _M1
        np.right_shift(x, np.uint64(27), out=t)
        x ^= t
        x *= _M2
        np.right_shift(x, np.uint64(31), out=t)
        x ^= t
    return x


def word_shingles(texts: list[str], n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Hash the word n-grams of each lower-cased text. Returns (flat uint64 hashes, offsets of len(texts)+1)."""
    flat: list[int] = []
    offsets = [0]
    h, enc, join = xxhash.xxh64_intdigest, str.encode, " ".join
    for t in texts:
        w = t.lower().split()
        # A set of str, encoded once each (the order within a set does not matter to MinHash).
        grams = {join(w)} if len(w) < n else set(map(join, zip(*(w[i:] for i in range(n)))))
        flat.extend(map(h, map(enc, grams)))
        offsets.append(len(flat))
    return np.asarray(flat, dtype=np.uint64), np.asarray(offsets, dtype=np.int64)


def minhash(flat: np.ndarray, offsets: np.ndarray, num_perm: int = 64, seed: int = 7,
            block: int = 1 << 18) -> np.ndarray:
    """MinHash signatures (n_sets, num_perm) uint32 of sets given as flat hashes + offsets.

    Multiply-shift universal hashing ``(a*x + b) >> 32`` per permutation; empty sets get all
    0xFFFFFFFF. Deterministic for a given seed. The hashes are taken in blocks of whole sets of
    about `block` values, so that one block stays in the CPU cache over all permutations (4x faster
    than whole-array passes at 16M values; the same signatures).
    """
    n = len(offsets) - 1
    sig = np.full((n, num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    nonempty = np.flatnonzero(np.diff(offsets) > 0)
    if not len(nonempty):
        return sig
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    x = mix64(flat)
    starts = offsets[:-1][nonempty]
    cuts = np.unique(np.append(np.searchsorted(starts, np.arange(0, len(flat), block)), len(starts)))
    shift = np.uint64(32)
    with np.errstate(over="ignore"):
        for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
            first, end = int(starts[lo]), int(offsets[nonempty[hi - 1] + 1])
            xb = x[first:end]
            at = starts[lo:hi] - first
            tmp = np.empty_like(xb)
            out = np.empty((hi - lo, num_perm), dtype=np.uint64)
            for j in range(num_perm):  # (a*x + b) >> 32 < 2^32: the minimum fits uint32
                np.multiply(xb, a[j], out=tmp)
                np.add(tmp, b[j], out=tmp)
                np.right_shift(tmp, shift, out=tmp)
                out[:, j] = np.minimum.reduceat(tmp, at)
            sig[nonempty[lo:hi]] = out.astype(np.uint32)
    return sig


def lsh_pairs(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Candidate pairs (k, 2) int64: sets sharing a band bucket, each linked to its bucket's first member."""
    n = sig.shape[0]
    pairs = []
    for b in range(bands):
        block = sig[:, b * rows:(b + 1) * rows].astype(np.uint64)
        key = np.full(n, b, dtype=np.uint64)
        for r in range(rows):
            key = mix64(key ^ (block[:, r] << np.uint64(8)) ^ np.uint64(r + 1))
        order = np.argsort(key, kind="stable")
        ks = key[order]
        same = np.concatenate(([False], ks[1:] == ks[:-1]))
        if not same.any():
            continue
        group_start = np.maximum.accumulate(np.where(~same, np.arange(n), 0))
        members = np.flatnonzero(same)
        pairs.append(np.stack([order[group_start[members]], order[members]], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    p = np.concatenate(pairs)
    p.sort(axis=1)
    return unique_pairs(p[:, 0], p[:, 1]) if len(p) else p


def cluster(sig: np.ndarray, threshold: float, bands: int = 16, rows: int = 4) -> np.ndarray:
    """Component label per set: sets joined when their estimated Jaccard >= threshold."""
    n = sig.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.int64)
    p = lsh_pairs(sig, bands, rows)
    if len(p):
        est = (sig[p[:, 0]] == sig[p[:, 1]]).mean(axis=1)
        p = p[est >= threshold]
    g = coo_matrix((np.ones(len(p), dtype=np.int8), (p[:, 0], p[:, 1])), shape=(n, n))
    _, labels = connected_components(g, directed=False)
    return labels.astype(np.int64)
