from __future__ import annotations

import csv
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import write_jsonl
from distillguard.engine import open_engine
from distillguard.errors import UnreadableInput
from distillguard.ingest import ingest_paths
from distillguard.testing import CORRUPTIONS, LINE_CORRUPTIONS, corrupt, corrupt_line, make_exchange


def count(store: Path, table: str = "exchanges") -> int:
    return open_engine(store).sql(f"SELECT count(*) AS n FROM {table}").column(0)[0].as_py()


@pytest.mark.parametrize("compress", [None, "gz", "zst"])
def test_jsonl_formats_store_every_record(tmp_path, records, compress):
    suffix = {None: ".jsonl", "gz": ".jsonl.gz", "zst": ".jsonl.zst"}[compress]
    f = write_jsonl(tmp_path / f"x{suffix}", records, compress=compress)
    report = ingest_paths([f], tmp_path / "store", workers=1)
    assert report.rows_stored == len(records) == count(tmp_path / "store")
    assert report.rows_quarantined == 0


def test_parquet_input_with_nested_structs(tmp_path):
    rng = random.Random(1)
    recs = []
    for i in range(50):  # one consistent struct schema: OpenAI form, string contents
        r = make_exchange(rng, i)
        r["request"] = {"messages": [{"role": "user", "content": f"q{i}"}], "max_tokens": 100}
        r["response"] = {"content": "a", "finish_reason": "stop"}
        r["client"] = {"ip": "198.51.100.1", "asn": 64500}
        recs.append(r)
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "x.parquet")
    report = ingest_paths([tmp_path / "x.parquet"], tmp_path / "store", workers=1)
    assert report.rows_stored == 50
    got = open_engine(tmp_path / "store").sql("SELECT max_tokens, client_asn FROM exchanges LIMIT 1").to_pylist()[0]
    assert got == {"max_tokens": 100, "client_asn": 64500}


def test_corrupt_mix_is_quarantined_with_reasons_and_good_rows_arrive(tmp_path):
    rng = random.Random(5)
    lines, expected, good_ids = [], Counter(), set()
    kinds = sorted(CORRUPTIONS) + sorted(LINE_CORRUPTIONS)
    for i in range(2000):
        rec = make_exchange(rng, i)
        if i % 20 == 0:  # 5% corrupt, every kind of corruption
            how = kinds[(i // 20) % len(kinds)]
            if how in CORRUPTIONS:
                lines.append(orjson.dumps(corrupt(rec, how)))
                expected[CORRUPTIONS[how]] += 1
            else:
                lines.append(corrupt_line(orjson.dumps(rec), how))
                expected[LINE_CORRUPTIONS[how]] += 1
        else:
            lines.append(orjson.dumps(rec))
            good_ids.add(rec["request_id"])
    f = tmp_path / "mix.jsonl"
    f.write_bytes(b"\n".join(lines) + b"\n")
    report = ingest_paths([f], tmp_path / "store", workers=2)
    c = report.counts["exchange"]
    assert c.quarantine_by_reason == dict(expected)
    assert c.rows_read == 2000 == c.rows_stored + c.rows_quarantined + c.duplicates
    eng = open_engine(tmp_path / "store")
    assert set(eng.sql("SELECT exchange_id FROM exchanges").column(0).to_pylist()) == good_ids
    q = eng.sql("SELECT reason, source_row, raw FROM quarantine ORDER BY source_row").to_pylist()
    assert len(q) == sum(expected.values())
    assert all(r["raw"] for r in q if r["reason"] != "invalid_json")
    assert q[0]["source_row"] == 1  # rows are 1-based lines


def test_duplicates_are_kept_once_and_rerun_is_idempotent(tmp_path, records):
    f = write_jsonl(tmp_path / "x.jsonl", records + records[:10])
    store = tmp_path / "store"
    first = ingest_paths([f], store, workers=1)
    assert (first.rows_stored, first.duplicates) == (len(records), 10)
    second = ingest_paths([f], store, workers=1)
    assert (second.rows_stored, second.duplicates) == (0, len(records) + 10)
    assert count(store) == len(records)


def test_accounts_csv_and_events_jsonl(tmp_path):
    acc = tmp_path / "accounts.csv"
    with acc.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "created_at", "email_domain", "payment_fingerprint", "country", "signup_path", "verified"])
        w.writerow(["a1", "2026-01-01T00:00:00Z", "Uni.EDU", "pf1", "us", "education", "true"])
        w.writerow(["a2", "not a time", "x.com", "pf2", "de", "self_serve", "false"])
        w.writerow(["", "2026-01-01T00:00:00Z", "x.com", "pf2", "de", "self_serve", "false"])
    ev = write_jsonl(tmp_path / "events.jsonl", [{"type": "model_release", "model": "m2", "ts": "2026-03-05T00:00:00Z"},
                                                 {"type": "model_release", "ts": "bad"}])
    report = ingest_paths([], tmp_path / "store", accounts=[acc], events=[ev])
    assert report.counts["account"].rows_stored == 1
    assert report.counts["account"].quarantine_by_reason == {"bad_timestamp": 1, "missing_account_id": 1}
    assert report.counts["event"].rows_stored == 1
    row = open_engine(tmp_path / "store").sql("SELECT * FROM accounts").to_pylist()[0]
    assert (row["email_domain"], row["country"], row["verified"]) == ("uni.edu", "US", True)
    again = ingest_paths([], tmp_path / "store", accounts=[acc], events=[ev])
    assert again.counts["account"].duplicates == 1 and count(tmp_path / "store", "accounts") == 1


def test_unreadable_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "broken.jsonl.gz"
    bad.write_bytes(b"this is not gzip at all")
    with pytest.raises(UnreadableInput, match="broken.jsonl.gz"):
        ingest_paths([bad], tmp_path / "store", workers=1, strict=True)
    with pytest.raises(UnreadableInput, match="no such file"):
        ingest_paths([tmp_path / "missing.jsonl"], tmp_path / "store", workers=1)


@pytest.mark.parametrize("compress", ["gz", "zst"])
def test_truncated_file_keeps_what_was_read_and_the_other_files(tmp_path, records, compress):
    whole = write_jsonl(tmp_path / f"a.jsonl.{compress}", records[:200], compress=compress)
    cut = tmp_path / f"b.jsonl.{compress}"
    data = write_jsonl(tmp_path / f"full.{compress}", records[200:], compress=compress).read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    (tmp_path / f"full.{compress}").unlink()
    report = ingest_paths([whole, cut], tmp_path / "store", workers=1)
    ex = report.counts["exchange"]
    assert ex.balanced() and ex.quarantine_by_reason == {"unreadable_file": 1}
    assert report.unreadable_files == [str(cut.resolve())]
    # all of a; of b, what was decompressed before the cut (zstd only emits whole blocks: maybe none)
    assert (200 < ex.rows_stored < 400) if compress == "gz" else (200 <= ex.rows_stored < 400)
    q = open_engine(tmp_path / "store").sql("SELECT reason, source, detail FROM quarantine").to_pylist()
    assert q[0]["source"] == str(cut.resolve()) and "b.jsonl" in q[0]["detail"]
    with pytest.raises(UnreadableInput, match=f"b.jsonl.{compress}"):
        ingest_paths([whole, cut], tmp_path / "strict", workers=1, strict=True)


def test_damaged_parquet_among_good_files(tmp_path, records):
    good = write_jsonl(tmp_path / "a.jsonl", records[:50])
    bad = tmp_path / "b.parquet"
    bad.write_bytes(b"PAR1 nope")
    report = ingest_paths([good, bad], tmp_path / "store", workers=1)
    assert report.counts["exchange"].rows_stored == 50 and report.unreadable_files == [str(bad.resolve())]


def test_unreadable_accounts_file_is_one_line(tmp_path, records):
    good = write_jsonl(tmp_path / "a.jsonl", records[:10])
    acc = tmp_path / "accounts.jsonl.gz"
    acc.write_bytes(b"not gzip")
    proc = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "ingest", str(good), "--accounts", str(acc),
                           "--store", str(tmp_path / "s")], capture_output=True, text=True)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: cannot read") and "accounts.jsonl.gz" in proc.stderr.splitlines()[0]


def test_cli_reports_error_without_traceback(tmp_path):
    bad = tmp_path / "broken.parquet"
    bad.write_bytes(b"PAR1 nope")
    proc = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "ingest", str(bad), "--store",
                           str(tmp_path / "s"), "--strict"], capture_output=True, text=True)
    assert proc.returncode == 3
    assert proc.stderr.startswith("error: cannot read") and "Traceback" not in proc.stderr
    lenient = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "ingest", str(bad), "--store",
                              str(tmp_path / "s2")], capture_output=True, text=True)
    assert lenient.returncode == 3 and "Traceback" not in lenient.stderr
    assert "unreadable_file=1" in lenient.stderr and "broken.parquet" in lenient.stderr


def test_kill_9_then_rerun_completes_without_duplicates(tmp_path):
    rng = random.Random(11)
    recs = [make_exchange(rng, i) for i in range(60_000)]
    f = write_jsonl(tmp_path / "big.jsonl", recs)
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "distillguard.cli.main", "ingest", str(f), "--store", str(store),
                             "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)  # part-way through (the whole run takes several seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert count(store) <= len(recs)  # the store is readable after the kill
    report = ingest_paths([f], store, workers=1)
    assert report.rows_read == len(recs)
    assert count(store) == len(recs)
    ids = open_engine(store).sql("SELECT count(DISTINCT exchange_id) AS n FROM exchanges").column(0)[0].as_py()
    assert ids == len(recs)


def test_parquet_nulls_mean_absent_fields(tmp_path):
    """A Parquet struct holds every field; a null `system` must not make a body Anthropic-form."""
    rng = random.Random(2)
    recs = []
    for i, anthropic in enumerate([False, True] * 10):
        r = make_exchange(rng, i)
        r["request"] = {"system": "Grade this." if anthropic else None,
                        "messages": [{"role": "user", "content": f"q{i}"}],
                        "max_tokens": None if anthropic else 64, "max_completion_tokens": 32 if anthropic else None}
        recs.append(r)
    pq.write_table(pa.Table.from_pylist(recs), tmp_path / "x.parquet")
    report = ingest_paths([tmp_path / "x.parquet"], tmp_path / "store", workers=1)
    assert report.rows_stored == 20
    rows = open_engine(tmp_path / "store").sql(
        "SELECT api_format, max_tokens FROM exchanges ORDER BY exchange_id").to_pylist()
    assert [r["api_format"] for r in rows] == ["openai", "anthropic"] * 10
    assert [r["max_tokens"] for r in rows] == [64, 32] * 10


def _parquet_records(path: Path, reader) -> list[tuple[int, object]]:  # type: ignore[no-untyped-def]
    from distillguard.ingest.readers import parse_line

    out = []
    for batch in reader:
        for e in batch:
            item = parse_line(*e) if isinstance(e, tuple) else e
            out.append((item.row, item.record))
    return out


def test_parquet_duckdb_json_path_reads_what_the_arrow_path_reads(tmp_path):
    """Plain Parquet is rendered to JSON by DuckDB; every record must equal the Arrow path's,
    including maps, NaN, nested nulls and non-ASCII text. A map that repeats a key reads as a
    JSON object does: the last value wins (the Arrow path keeps pairs for its whole batch)."""
    from distillguard.ingest.normalise import normalise_exchange
    from distillguard.ingest.readers import _iter_parquet_arrow, iter_parquet
    from distillguard.schema.exchanges import EXCHANGES

    rng = random.Random(3)
    map_t = pa.map_(pa.string(), pa.int64())
    recs = []
    for i in range(300):
        r = make_exchange(rng, i)
        r["request"] = {
            "system": None if i % 3 else "Réponds en français \"strictement\"\n",
            "messages": [{"role": "user", "content": [{"type": "text", "text": f"q{i} ✓"},
                                                      {"type": "image", "text": None}]},
                         {"role": "assistant", "content": [{"type": "tool_use", "text": None}]}],
            "temperature": float("nan") if i == 7 else 0.1 * (i % 11), "max_tokens": 2 ** 40 + i,
        }
        r["response"] = {"content": "a" * (i % 5), "finish_reason": None if i % 2 else "stop"}
        r["meta"] = [("k", i), ("k", i + 1)] if i == 250 else [("a", i), ("b", 2)]
        recs.append(r)
    table = pa.Table.from_pylist([{k: v for k, v in r.items() if k != "meta"} for r in recs])
    table = table.append_column("meta", pa.array([r["meta"] for r in recs], map_t))
    path = tmp_path / "x.parquet"
    pq.write_table(table, path, row_group_size=100)
    fast = _parquet_records(path, iter_parquet(path, 64))
    slow = _parquet_records(path, _iter_parquet_arrow(pq.ParquetFile(path), 64))
    assert [r for r, _ in fast] == list(range(1, 301)) == [r for r, _ in slow]
    extra = EXCHANGES.names.index("extra_json")
    for (row, a), (_, b) in zip(fast, slow, strict=True):
        ca, cb = normalise_exchange(a), normalise_exchange(b)
        ca, cb = [None if v != v else v for v in ca], [None if v != v else v for v in cb]  # NaN == NaN here
        if row > 192 and row <= 256:  # the Arrow path renders this batch's maps as key/value pairs
            ca[extra] = cb[extra] = None
        assert ca == cb
    assert orjson.loads(normalise_exchange(fast[250][1])[extra])["meta"] == {"k": 251}
    resumed = _parquet_records(path, _iter_parquet_arrow(pq.ParquetFile(path), 64, skip=130))
    assert [r for r, _ in resumed] == list(range(131, 301))
