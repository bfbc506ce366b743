"""A compact set of seen ids for exactly-once ingest over tens of millions of rows.

Ids are kept as 64-bit xxhash values in an open-addressing hash table (a numpy array, linear
probing, at most half full): ~16 bytes an id, so 16M ids take 256 MB, against ~70 bytes for a
Python string set. Inserts are vectorised over a whole batch. Two distinct ids share a hash
with probability ~n^2 / 2^65 (about 1e-5 at 16M ids); such a pair would be counted as a
duplicate, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import xxhash

_SEED = 0x5EED
_EMPTY = np.uint64(0)


def hash_ids(ids: Iterable[str]) -> np.ndarray:
    h = xxhash.xxh64_intdigest
    out = np.fromiter((h(i.encode("utf-8", "surrogatepass"), _SEED) for i in ids), dtype=np.uint64)
    out[out == _EMPTY] = 1  # 0 marks an empty slot
    return out


class IdSet:
    """Open-addressing hash set of 64-bit id hashes."""

    def __init__(self, capacity: int = 1 << 20) -> None:
        size = 1 << max(10, int(np.ceil(np.log2(max(capacity, 1) * 2))))
        self._table = np.zeros(size, dtype=np.uint64)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def add_new(self, h: np.ndarray) -> np.ndarray:
        """Add hashes; return a mask of those that were new (first occurrence within `h` too)."""
        h = np.asarray(h, dtype=np.uint64).copy()
        h[h == _EMPTY] = 1
        uniq, first = np.unique(h, return_index=True)
        while 2 * (self._n + len(uniq)) > len(self._table):
            self._grow()
        inserted = self._insert(uniq)
        new = np.zeros(len(h), dtype=bool)
        new[first[inserted]] = True
        return new

    def _insert(self, keys: np.ndarray) -> np.ndarray:
        """Insert distinct keys; True where a key was not present before."""
        table = self._table
        mask = np.uint64(len(table) - 1)
        slot = (keys * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - int(np.log2(len(table))))
        slot = slot & mask
        inserted = np.zeros(len(keys), dtype=bool)
        todo = np.arange(len(keys))
        while len(todo):
            s = slot[todo]
            k = keys[todo]
            cur = table[s]
            found = cur == k
            empty = cur == _EMPTY
            # Claim empty slots; when two keys race for one slot, one wins and the other probes on.
            claim = todo[empty]
            table[slot[claim]] = keys[claim]
            won = table[slot[claim]] == keys[claim]
            inserted[claim[won]] = True
            done = found.copy()
            done[np.flatnonzero(empty)[won]] = True
            rest = todo[~done]
            slot[rest] = (slot[rest] + np.uint64(1)) & mask
            todo = rest
        self._n += int(inserted.sum())
        return inserted

    def _grow(self) -> None:
        old = self._table[self._table != _EMPTY]
        self._table = np.zeros(len(self._table) * 2, dtype=np.uint64)
        self._n = 0
        if len(old):
            self._insert(old)
