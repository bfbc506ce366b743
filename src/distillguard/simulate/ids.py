"""Opaque, label-free identifiers: keyed 64-bit mixing of counters, rendered as hex."""

from __future__ import annotations

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection on uint64, so distinct keys give distinct outputs."""
    z = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        z = z ^ (z >> np.uint64(31))
    return z


def salt(seed: int, name: str) -> np.uint64:
    h = 1469598103934665603
    for ch in f"{seed}:{name}".encode():
        h = ((h ^ ch) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return np.uint64(h)


def hex_ids(prefix: str, keys: np.ndarray, seed: int, name: str) -> list[str]:
    """Return `prefix` + 24 hex digits per key; distinct keys give distinct ids."""
    k = np.asarray(keys, dtype=np.uint64)
    s = salt(seed, name)
    with np.errstate(over="ignore"):
        hi = mix64(k ^ s)
        lo = mix64(hi + _GOLD + s)
    buf = np.empty(k.size * 2, dtype=">u8")
    buf[0::2] = hi
    buf[1::2] = lo
    hx = buf.tobytes().hex()
    return [prefix + hx[i * 32: i * 32 + 24] for i in range(k.size)]


def hash_int(*parts: int) -> int:
    """Deterministic 63-bit hash of a few integers, for per-row choices.

    Tuple and int hashing in CPython is not randomised (PYTHONHASHSEED only affects str/bytes),
    so this is stable across runs and processes on 64-bit builds.
    """
    return hash(parts) & 0x7FFFFFFFFFFFFFFF
