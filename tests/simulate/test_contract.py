"""Every generated record follows the data contract (sections 1, 2, 3, 5) and passes ingest."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from .conftest import make_world, read_jsonl

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
TOP = {"request_id", "ts", "account_id", "api_key_id", "org_id", "client", "model", "request", "response",
       "usage", "latency_ms", "status"}
OPENAI_KEYS = {"messages", "tools", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n",
               "logprobs", "top_logprobs", "response_format", "stream", "reasoning_effort"}
ANTHROPIC_KEYS = {"system", "messages", "tools", "max_tokens", "temperature", "top_p", "thinking", "stream"}


def _ts(value: str) -> None:
    assert isinstance(value, str) and RFC3339.match(value), value
    assert datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def _content(c, anthropic: bool) -> None:
    if isinstance(c, str):
        return
    assert isinstance(c, list) and c
    for part in c:
        assert isinstance(part, dict) and isinstance(part["type"], str)
        if part["type"] == "text":
            assert isinstance(part["text"], str)
        elif part["type"] == "image_url":
            assert not anthropic and part["image_url"]["url"].startswith("https://")
        elif part["type"] == "image":
            assert anthropic and part["source"]["type"] == "base64"
        elif part["type"] == "tool_use":
            assert anthropic and isinstance(part["input"], dict) and part["id"] and part["name"]
        elif part["type"] == "tool_result":
            assert anthropic and isinstance(part["tool_use_id"], str) and isinstance(part["content"], str)
        else:
            raise AssertionError(part["type"])


def _request(req: dict) -> str:
    assert isinstance(req, dict) and isinstance(req["messages"], list) and req["messages"]
    anthropic = set(req) <= ANTHROPIC_KEYS and ("system" in req or "max_tokens" in req) and not (
        any(m["role"] in ("system", "tool") for m in req["messages"]))
    if anthropic and any(isinstance(m["content"], list) and any(p["type"] == "image_url" for p in m["content"])
                         for m in req["messages"]):
        anthropic = False
    if not anthropic:
        assert set(req) <= OPENAI_KEYS, set(req) - OPENAI_KEYS
    for m in req["messages"]:
        assert m["role"] in (("user", "assistant") if anthropic else ("system", "user", "assistant", "tool"))
        _content(m["content"], anthropic)
        for call in m.get("tool_calls", []):
            assert call["type"] == "function" and isinstance(call["function"]["arguments"], str)
    for k in ("max_tokens", "max_completion_tokens", "n", "top_logprobs"):
        assert k not in req or (isinstance(req[k], int) and req[k] > 0)
    assert "temperature" not in req or isinstance(req["temperature"], float | int)
    if "thinking" in req:
        assert req["thinking"]["type"] == "enabled" and req["thinking"]["budget_tokens"] > 0
    return "anthropic" if anthropic else "openai"


def check_record(r: dict) -> str:
    assert set(r) <= TOP, set(r) - TOP
    for k in ("request_id", "account_id", "model"):
        assert isinstance(r[k], str) and r[k]
    _ts(r["ts"])
    for k in ("api_key_id", "org_id"):
        assert k not in r or isinstance(r[k], str)
    c = r.get("client", {})
    ipaddress.ip_address(c["ip"])
    assert "asn" not in c or isinstance(c["asn"], int)
    assert "country" not in c or re.fullmatch(r"[A-Z]{2}", c["country"])
    assert isinstance(c["user_agent"], str)
    form = _request(r["request"])
    if "response" in r:
        resp = r["response"]
        assert isinstance(resp["content"], str) and isinstance(resp["finish_reason"], str)
        assert "reasoning" not in resp or isinstance(resp["reasoning"], str)
        assert "tool_calls" not in resp or isinstance(resp["tool_calls"], list)
    for k, v in r.get("usage", {}).items():
        assert k in ("input_tokens", "output_tokens", "reasoning_tokens") and isinstance(v, int) and v >= 0
    assert "latency_ms" not in r or isinstance(r["latency_ms"], float | int)
    assert "status" not in r or r["status"] in (200, 429)
    return form


def test_every_exchange_follows_section_1(tiny_records):
    forms = {check_record(r) for r in tiny_records}
    assert forms == {"openai", "anthropic"}
    assert len({r["request_id"] for r in tiny_records}) == len(tiny_records)


def test_accounts_events_labels(tiny_world, tiny_records):
    world = tiny_world[0]
    accounts = read_jsonl(world / "accounts.jsonl")
    labels = read_jsonl(world / "labels.jsonl")
    events = read_jsonl(world / "events.jsonl")
    keys = ["account_id", "created_at", "email_domain", "payment_fingerprint", "country", "signup_path",
            "verified"]
    for a in accounts:
        assert list(a) == keys
        _ts(a["created_at"])
        assert isinstance(a["verified"], bool) and re.fullmatch(r"[A-Z]{2}", a["country"])
    assert [list(x) for x in labels] == [["account_id", "campaign", "persona"]] * len(labels)
    assert {a["account_id"] for a in accounts} == {x["account_id"] for x in labels}
    assert {r["account_id"] for r in tiny_records} <= {a["account_id"] for a in accounts}
    rel = [e for e in events if e["type"] == "model_release"]
    assert rel and all(isinstance(e["model"], str) for e in rel)
    _ts(rel[0]["ts"])
    truth = pq.read_table(world / "truth" / "exchanges.parquet")
    assert truth.num_rows == len(tiny_records)
    assert truth.column_names == ["request_id", "account_id", "campaign", "persona", "category",
                                  "template_key", "mundane"]


def _ingest(world: Path, tmp_path: Path):
    ingest = pytest.importorskip("distillguard.ingest")
    return ingest.ingest_paths([world / "exchanges"], tmp_path / "store",
                               accounts=[world / "accounts.jsonl"], events=[world / "events.jsonl"])


def test_zero_quarantine_jsonl(tiny_world, tmp_path):
    report = _ingest(tiny_world[0], tmp_path)
    assert report.rows_quarantined == 0
    assert report.rows_stored == report.rows_read


def test_zero_quarantine_parquet_and_one_schema(tmp_path):
    world, summary = make_world(tmp_path, "pq", config="[world]\nchunk_rows = 1000\n", scale="tiny", seed=2,
                                fmt="parquet")
    parts = sorted((world / "exchanges").glob("part-*.parquet"))
    assert len(parts) > 1
    schemas = {pq.read_schema(p).to_string() for p in parts}
    assert len(schemas) == 1
    assert sum(pq.read_metadata(p).num_rows for p in parts) == summary["exchanges"]
    report = _ingest(world, tmp_path)
    assert report.rows_quarantined == 0


SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.mark.skipif(not (SHARED_DATA / "templates" / "attack.jsonl").is_file(),
                    reason="public corpus not present: test_corpus_folder_world covers this on the fixture corpus")
def test_public_corpus_world(tmp_path):
    world, summary = make_world(tmp_path, "corpus", scale="tiny", seed=0, corpus=SHARED_DATA)
    assert summary["corpus"] == str(SHARED_DATA)
    from .conftest import read_exchanges
    records = read_exchanges(world)
    assert {check_record(r) for r in records} == {"openai", "anthropic"}
    keys = {t["template_key"] for t in pq.read_table(world / "truth" / "exchanges.parquet").to_pylist()}
    assert any(k and k.startswith(("alpaca-eval", "distilabel", "airoboros", "ultrafeedback")) for k in keys)
    assert _ingest(world, tmp_path).rows_quarantined == 0


def test_corpus_folder_world(tmp_path):
    """The same ground as test_public_corpus_world, on the fixture corpus (no ../shared needed)."""
    from corpus_fixture import write_corpus

    folder = write_corpus(tmp_path / "corpus")
    world, summary = make_world(tmp_path, "fixture", scale="tiny", seed=0, corpus=folder)
    assert summary["corpus"] == str(folder)
    from .conftest import read_exchanges
    records = read_exchanges(world)
    assert {check_record(r) for r in records} == {"openai", "anthropic"}
    keys = {t["template_key"] for t in pq.read_table(world / "truth" / "exchanges.parquet").to_pylist()}
    assert any(k and k.startswith("fixture-") for k in keys)  # templates came from the folder
    assert _ingest(world, tmp_path).rows_quarantined == 0


def _canonical(rec: dict) -> dict:
    """Order-free form with every message content as blocks (JSONL may use plain strings)."""
    rec = dict(rec)
    req = dict(rec["request"])
    msgs = []
    for m in req["messages"]:
        c = m["content"]
        msgs.append({**m, "content": [{"type": "text", "text": c}] if isinstance(c, str) else c})
    req["messages"] = msgs
    rec["request"] = req
    return rec


def test_parquet_holds_the_same_records_as_jsonl(tmp_path, tiny_world, tiny_records):
    from distillguard.ingest.normalise import strip_nulls

    world, _ = make_world(tmp_path, "same", scale="tiny", seed=0, fmt="parquet")
    rows = []
    for part in sorted((world / "exchanges").glob("part-*.parquet")):
        for batch in pq.ParquetFile(part).iter_batches():
            rows += [strip_nulls(r) for r in batch.to_pylist(maps_as_pydicts="strict")]
    assert len(rows) == len(tiny_records)
    by_id = {r["request_id"]: _canonical(r) for r in tiny_records}
    for r in rows:
        assert _canonical(r) == by_id[r["request_id"]]
