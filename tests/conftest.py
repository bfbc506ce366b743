"""Shared fixtures: seeded synthetic records, a fixed clock, temporary stores."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import orjson
import pytest

from distillguard.testing import make_exchange

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def write_jsonl(path: Path, records: list[object], *, compress: str | None = None) -> Path:
    data = b"".join(orjson.dumps(r) + b"\n" for r in records)
    if compress == "gz":
        path.write_bytes(gzip.compress(data, mtime=0))
    elif compress == "zst":
        import zstandard

        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def records() -> list[dict]:
    rng = random.Random(7)
    return [make_exchange(rng, i, n_accounts=30) for i in range(400)]
