"""Streaming writers: exchange parts (JSONL.gz or Parquet), truth Parquet, small JSONL tables.

Byte-stable: gzip headers carry no name or time, keys are written in a fixed order, parts are
cut at fixed row counts.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.errors import ExportError
from distillguard.simulate.schema import EXCHANGE, REQUEST, TRUTH


def write_part(folder: Path, index: int, fmt: str, batch) -> str:
    """Write one exchange part: JSON lines (gzip, no name or time in the header) or a Parquet table."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"part-{index:05d}." + ("jsonl.gz" if fmt == "jsonl" else "parquet"))
    tmp = path.with_name(path.name + ".tmp")
    try:
        if fmt == "jsonl":
            with open(tmp, "wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0,
                                                     compresslevel=5) as gz:
                gz.write(b"".join(batch))
        else:
            pq.write_table(batch, tmp, compression="zstd", compression_level=1, write_statistics=False,
                           row_group_size=max(1, batch.num_rows))
        tmp.replace(path)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from exc
    return str(path)


class TruthWriter:
    def __init__(self, out: Path) -> None:
        (out / "truth").mkdir(parents=True, exist_ok=True)
        self.path = out / "truth" / "exchanges.parquet"
        self._w = pq.ParquetWriter(self.path, TRUTH, compression="zstd", write_statistics=False)

    def write_table(self, table: pa.Table) -> None:
        self._w.write_table(table)

    def close(self) -> None:
        self._w.close()


def exchanges_table(rows: list[dict]) -> pa.Table:
    """Column-wise conversion of null-filled record dicts to the fixed exchange schema."""
    arrays = []
    for f in EXCHANGE:
        try:
            if f.name == "request":
                arrays.append(_request_array([r["request"] for r in rows]))
            else:
                arrays.append(pa.array([r[f.name] for r in rows], type=f.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise ExportError(f"cannot convert field {f.name} to Parquet: {exc}".splitlines()[0]) from exc
    return pa.Table.from_arrays(arrays, schema=EXCHANGE)


def _blocks(m: dict) -> dict:
    c = m.get("content")
    return {**m, "content": [{"type": "text", "text": c}]} if isinstance(c, str) else m


def _dedup_list_array(lists: list[list | None], item_type: pa.DataType, convert=None) -> pa.Array:
    """list<item> array built from a pool of distinct item objects (by identity), so an object
    shared by many rows (a growing conversation, a tool catalogue) is converted once."""
    seen: dict[int, int] = {}
    pool: list = []
    flat: list[int] = []
    offsets = [0]
    mask = []
    for items in lists:
        if items is None:
            mask.append(True)
            offsets.append(len(flat))
            continue
        mask.append(False)
        for it in items:
            k = id(it)
            j = seen.get(k)
            if j is None:
                j = seen[k] = len(pool)
                pool.append(convert(it) if convert else it)
            flat.append(j)
        offsets.append(len(flat))
    values = pa.array(pool, type=item_type).take(pa.array(flat, type=pa.int32()))
    return pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values,
                                    mask=pa.array(mask, type=pa.bool_()) if any(mask) else None)


def _request_array(reqs: list[dict]) -> pa.Array:
    children = []
    for sub in REQUEST:
        if sub.name == "messages":
            children.append(_dedup_list_array([r["messages"] for r in reqs], sub.type.value_type, _blocks))
        elif sub.name == "tools":
            children.append(_dedup_list_array([r.get("tools") for r in reqs], sub.type.value_type))
        else:
            children.append(pa.array([r.get(sub.name) for r in reqs], type=sub.type))
    return pa.StructArray.from_arrays(children, fields=list(REQUEST))


def write_jsonl(path: Path, rows: list[dict]) -> None:
    with open(path, "wb") as fh:
        for r in rows:
            fh.write(orjson.dumps(r) + b"\n")
