"""Broken input files of every kind a user meets, for the detect bad-input tests.

Each maker writes one file into a folder and returns (path, records it holds, whether the
file is cut short so that the count read from it is unknown).
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Callable
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.testing import CORRUPTIONS, LINE_CORRUPTIONS, corrupt, corrupt_line, make_exchange

Made = tuple[Path, int, bool]


def _records(seed: int, n: int) -> list[dict]:
    rng = random.Random(seed)
    return [make_exchange(rng, seed * 1000 + i, n_accounts=6) for i in range(n)]


def _lines(recs: list[dict]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in recs)


def valid(folder: Path, seed: int, n: int) -> Made:
    p = folder / f"valid-{seed}.jsonl"
    p.write_bytes(_lines(_records(seed, n)))
    return p, n, False


def empty(folder: Path, seed: int, n: int) -> Made:
    p = folder / f"empty-{seed}.jsonl"
    p.write_bytes(b"")
    return p, 0, False


def garbage(folder: Path, seed: int, n: int) -> Made:
    p = folder / f"garbage-{seed}.jsonl"
    data = random.Random(seed).randbytes(64 * max(n, 1)).replace(b"\n", b"x")  # one line of noise
    p.write_bytes(data)
    return p, 1, False


def wrong_fields(folder: Path, seed: int, n: int) -> Made:
    p = folder / f"wrong-{seed}.jsonl"
    recs = [{"id": r["request_id"], "time": r["ts"], "user": r["account_id"], "body": r["request"]}
            for r in _records(seed, max(n, 1))]
    p.write_bytes(_lines(recs))
    return p, len(recs), False


def json_array(folder: Path, seed: int, n: int) -> Made:
    p = folder / f"array-{seed}.json"
    p.write_bytes(orjson.dumps(_records(seed, max(n, 1))) + b"\n")  # one line: a JSON list
    return p, 1, False


def mixed_lines(folder: Path, seed: int, n: int) -> Made:
    """Valid records with every other one broken in one of the contract's ways."""
    rng = random.Random(seed)
    kinds = sorted(CORRUPTIONS) + sorted(LINE_CORRUPTIONS)
    out = []
    for i, r in enumerate(_records(seed, max(n, 2))):
        how = rng.choice(kinds) if i % 2 else None
        if how in LINE_CORRUPTIONS:
            out.append(corrupt_line(orjson.dumps(r), how))
        elif how:
            out.append(orjson.dumps(corrupt(r, how)))
        else:
            out.append(orjson.dumps(r))
    p = folder / f"mixed-{seed}.jsonl"
    p.write_bytes(b"\n".join(out) + b"\n")
    return p, len(out), False


def truncated_gz(folder: Path, seed: int, n: int) -> Made:
    data = gzip.compress(_lines(_records(seed, max(n, 1))), mtime=0)
    p = folder / f"cut-{seed}.jsonl.gz"
    p.write_bytes(data[: len(data) // 2])
    return p, -1, True


def truncated_zst(folder: Path, seed: int, n: int) -> Made:
    import zstandard

    data = zstandard.ZstdCompressor().compress(_lines(_records(seed, max(n, 1))))
    p = folder / f"cut-{seed}.jsonl.zst"
    p.write_bytes(data[: len(data) // 2])
    return p, -1, True


def not_gzip(folder: Path, seed: int, n: int) -> Made:
    p = folder / f"fake-{seed}.jsonl.gz"
    p.write_bytes(b"this was never gzip " * (n + 1))
    return p, -1, True


def damaged_parquet(folder: Path, seed: int, n: int) -> Made:
    p = folder / f"damaged-{seed}.parquet"
    pq.write_table(pa.table({"request_id": [f"r{i}" for i in range(max(n, 1))]}), p)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p, -1, True


KINDS: dict[str, Callable[[Path, int, int], Made]] = {
    f.__name__: f for f in (valid, empty, garbage, wrong_fields, json_array, mixed_lines, truncated_gz,
                            truncated_zst, not_gzip, damaged_parquet)
}
