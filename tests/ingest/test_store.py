"""The store's partitioned writer: batches become row groups of ROW_GROUP_ROWS, nothing lost or reordered."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.ingest import store as st


def _batch(start: int, n: int, day: int | list[int]) -> pa.Table:
    days = [day] * n if isinstance(day, int) else day
    return pa.table({"row": pa.array(range(start, start + n), pa.int64()),
                     "day": pa.array(days, pa.int32()).cast(pa.date32())})


def _read(root):  # type: ignore[no-untyped-def]
    files = st.data_files(root.parent, root.name)
    return files, [pq.read_table(f, columns=["row"]).column(0).to_pylist() for f in files]


def test_small_batches_are_written_as_large_row_groups_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(st, "ROW_GROUP_ROWS", 1000)
    monkeypatch.setattr(st, "BUFFER_ROWS", 4000)
    schema = _batch(0, 1, 0).schema
    w = st.PartitionedWriter(tmp_path / "t", schema, "run")
    for i in range(25):                    # 25 batches of 100 rows, one day
        w.write(_batch(i * 100, 100, 3))
    w.close()
    files, rows = _read(tmp_path / "t")
    assert len(files) == 1
    assert rows[0] == list(range(2500))
    groups = [pq.ParquetFile(files[0]).metadata.row_group(g).num_rows
              for g in range(pq.ParquetFile(files[0]).metadata.num_row_groups)]
    assert groups == [1000, 1000, 500]


def test_many_open_days_are_bounded_and_keep_every_row(tmp_path, monkeypatch):
    monkeypatch.setattr(st, "ROW_GROUP_ROWS", 1000)
    monkeypatch.setattr(st, "BUFFER_ROWS", 1500)
    schema = _batch(0, 1, 0).schema
    w = st.PartitionedWriter(tmp_path / "t", schema, "run")
    sent: dict[int, list[int]] = {}
    for i in range(40):                    # rows spread over 8 days in each batch
        days = [(i + k) % 8 for k in range(100)]
        w.write(_batch(i * 100, 100, days))
        for k, d in enumerate(days):
            sent.setdefault(d, []).append(i * 100 + k)
        assert w._pending_rows <= 1500     # never more buffered than the bound
    w.close()
    files, rows = _read(tmp_path / "t")
    by_day: dict[str, list[int]] = {}
    for f, r in zip(files, rows, strict=True):
        by_day.setdefault(f.parent.name, []).extend(r)
    assert sorted(v for r in rows for v in r) == list(range(4000))
    for d, want in sent.items():
        got = by_day[f"day=1970-01-{d + 1:02d}"]
        assert got == want                 # each day's rows in the order they came
