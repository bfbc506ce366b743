"""Vectorised word uni/bi-gram hashing over Arrow string arrays (no per-row Python).

The classifier must run at tens of thousands of exchanges per second on one core, so the
tokeniser works on the raw UTF-8 buffer of a whole Arrow array with numpy:

* bytes are ASCII-lower-cased; a *word byte* is an ASCII letter or digit or any byte >= 0x80
  (so UTF-8 letters of every script stay inside words);
* a token is a maximal run of word bytes inside one string;
* a token's hash is a polynomial hash over its bytes, computed for all tokens at once from
  prefix sums modulo 2**64 (``(S[e] - S[s]) * P**-s``; P is odd, so it is invertible);
* a bigram's hash mixes the hashes of two neighbouring tokens of the same string.

Every function is deterministic and independent of batch boundaries: the same string always
yields the same hashes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_P = np.uint64(0x100000001B3)  # FNV prime: odd, so invertible modulo 2**64
_P_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_BIGRAM = np.uint64(0x9E3779B97F4A7C15)

# byte -> is word byte
_WORD = np.zeros(256, dtype=bool)
_WORD[ord("0"):ord("9") + 1] = True
_WORD[ord("a"):ord("z") + 1] = True
_WORD[ord("A"):ord("Z") + 1] = True
_WORD[128:] = True
# byte -> lower-cased byte
_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[ord("A"):ord("Z") + 1] += 32

_pow_cache: dict[str, np.ndarray] = {"p": np.ones(1, np.uint64), "pinv": np.ones(1, np.uint64)}


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**j and P**-j for j < n (mod 2**64), cached and grown geometrically."""
    if _pow_cache["p"].size < n:
        size = max(n, 2 * _pow_cache["p"].size)
        with np.errstate(over="ignore"):
            p = np.full(size, _P, dtype=np.uint64)
            p[0] = 1
            pinv = np.full(size, _P_INV, dtype=np.uint64)
            pinv[0] = 1
            _pow_cache["p"] = np.cumprod(p, dtype=np.uint64)
            _pow_cache["pinv"] = np.cumprod(pinv, dtype=np.uint64)
    return _pow_cache["p"][:n], _pow_cache["pinv"][:n]


def mix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3 finaliser: spreads entropy into every bit (uint64 in, uint64 out)."""
    with np.errstate(over="ignore"):
        h = h ^ (h >> np.uint64(33))
        h = h * _MIX1
        h = h ^ (h >> np.uint64(33))
        h = h * _MIX2
        h = h ^ (h >> np.uint64(33))
    return h


@dataclass
class Tokens:
    """Tokens of a string array: owning row, hash, and byte span in `data` (for explanations)."""

    row: np.ndarray      # int64, non-decreasing
    hash: np.ndarray     # uint64
    start: np.ndarray    # int64 byte offset into data
    end: np.ndarray      # int64 byte offset (exclusive)
    data: np.ndarray     # uint8, lower-cased buffer
    offsets: np.ndarray  # int64, n_rows + 1


def string_buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Return (bytes, offsets) of a string array; nulls become empty strings."""
    if isinstance(arr, pa.ChunkedArray):
        arr = pa.concat_arrays(arr.chunks) if arr.num_chunks != 1 else arr.chunk(0)
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64, count=len(arr) + 1, offset=arr.offset * 8)
    start, stop = int(offsets[0]), int(offsets[-1])
    data = np.frombuffer(bufs[2], dtype=np.uint8)[start:stop] if bufs[2] is not None and stop > start \
        else np.zeros(0, np.uint8)
    return data, offsets - start


def tokenize(arr: pa.Array) -> Tokens:
    """Split every string of `arr` into word tokens and hash them (see module docstring)."""
    # a trailing newline per string guarantees that no token crosses from one row to the next
    arr = pc.binary_join_element_wise(pc.fill_null(arr, ""), "", "\n")
    raw, offsets = string_buffers(arr)
    n = raw.size
    data = _LOWER[raw]
    word = _WORD[raw].view(np.int8)
    # every string ends with "\n", so the last byte is never a word byte and each start has an end
    edges = np.diff(word)
    starts = np.flatnonzero(edges == 1) + 1
    if n and word[0]:
        starts = np.r_[0, starts]
    ends = np.flatnonzero(edges == -1) + 1
    pw, pinv = _powers(n + 1)
    with np.errstate(over="ignore"):
        s = np.empty(n + 1, dtype=np.uint64)
        s[0] = 0
        np.multiply(data, pw[:n], out=s[1:], dtype=np.uint64)
        np.cumsum(s[1:], out=s[1:])
        h = (s[ends] - s[starts]) * pinv[starts]
        h = mix64(h + (ends - starts).astype(np.uint64))
    # owning row of each token: first token index of every row, then one repeat (not a search per token)
    first = np.searchsorted(starts, offsets)
    row = np.repeat(np.arange(offsets.size - 1, dtype=np.int64), np.diff(first))
    return Tokens(row, h, starts.astype(np.int64), ends.astype(np.int64), data, offsets)


def bigrams(tok: Tokens) -> tuple[np.ndarray, np.ndarray]:
    """Return (index of the first token, hash) of each pair of neighbouring tokens in one row."""
    if tok.row.size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    same = np.flatnonzero(tok.row[1:] == tok.row[:-1])
    with np.errstate(over="ignore"):
        h = mix64(tok.hash[same] * _BIGRAM + tok.hash[same + 1])
    return same, h


def salted(h: np.ndarray, salt: int) -> np.ndarray:
    """Re-hash with a namespace salt (fields and feature kinds get disjoint hash spaces)."""
    with np.errstate(over="ignore"):
        return mix64(h ^ np.uint64(salt))
