"""Segment hashes between the two mining steps: kept per batch, counted exactly.

Template mining needs the segment hashes of every distinct key text twice: once to count how
often each segment occurs (weighted by how many exchanges carry the text), once (when the
frequent ones are known) to hash each text's skeleton. The text work that produces them is the
dominant cost, so it runs once per distinct text; `SegmentParts` keeps the hashes of each batch,
in memory or, for large inputs, in a temporary folder (~200 bytes per text), and `SegmentCounts`
counts segments exactly with bounded memory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from distillguard._arrays import unique_inverse


class SegmentParts:
    """Batches of (metadata columns, flat segment hashes, row offsets), in order of arrival.

    With `spill` the flat hashes go to a temporary folder (removed by `close`) and only the
    metadata and offsets stay in memory.
    """

    def __init__(self, spill: bool) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="distillguard-templates-")) if spill else None
        self._parts: list[tuple[pa.RecordBatch, np.ndarray | Path, np.ndarray]] = []

    def put(self, meta: pa.RecordBatch, flat: np.ndarray, offsets: np.ndarray) -> None:
        offsets = offsets.astype(np.int32 if (len(offsets) == 0 or offsets[-1] < 2**31) else np.int64)
        if self._dir is None:
            # Own the memory: a view into an engine batch would keep that whole batch alive.
            self._parts.append((meta, flat.copy() if flat.base is not None else flat, offsets))
            return
        path = self._dir / f"{len(self._parts):06d}.npy"
        np.save(path, flat, allow_pickle=False)
        self._parts.append((meta, path, offsets))

    def drain(self) -> Iterator[tuple[pa.RecordBatch, np.ndarray, np.ndarray]]:
        """Yield each part once, in order, releasing it (and its spill file) afterwards."""
        parts, self._parts = self._parts, []
        parts.reverse()
        while parts:
            meta, flat, offsets = parts.pop()
            if isinstance(flat, Path):
                path, flat = flat, np.load(flat, allow_pickle=False)
                path.unlink()
            yield meta, flat, offsets.astype(np.int64)

    def close(self) -> None:
        self._parts = []
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> SegmentParts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SegmentCounts:
    """Exact occurrence counts of uint64 segment hashes over many batches.

    Each batch adds its distinct hashes and counts; every `compact_every` batches the pending
    pairs are merged into one sorted pair, so repeated (wrapper) segments are held once.
    """

    def __init__(self, compact_every: int = 16) -> None:
        self._pairs: list[tuple[np.ndarray, np.ndarray]] = []
        self._compact_every = compact_every

    def add(self, values: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Count `values`; with `weights` each value counts that many times (non-negative ints)."""
        if len(values):
            u, inv, c = unique_inverse(values)
            if weights is not None:
                c = np.bincount(inv, weights=weights, minlength=len(u)).astype(np.int64)
            self._pairs.append((u, c))
        if len(self._pairs) > self._compact_every:
            self._pairs = [self._merged()]

    def _merged(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._pairs:
            return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
        if len(self._pairs) == 1:
            return self._pairs[0]
        u = np.concatenate([p[0] for p in self._pairs])
        c = np.concatenate([p[1] for p in self._pairs])
        order = np.argsort(u, kind="stable")
        u, c = u[order], c[order]
        starts = np.flatnonzero(np.concatenate(([True], u[1:] != u[:-1])))
        return u[starts], np.add.reduceat(c, starts)

    def frequent(self, min_count: int) -> tuple[np.ndarray, np.ndarray]:
        """Sorted hashes seen at least `min_count` times, and their counts (int64)."""
        u, c = self._merged()
        self._pairs = []
        keep = c >= min_count
        return u[keep], c[keep]

