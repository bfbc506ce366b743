"""The SQL route for Parquet must store exactly what the record-by-record route stores.

Each file is ingested twice, once with the vectorised query and once with it switched off,
and the two stores must hold the same rows (every column) and the same quarantine. The
records mix both request forms, content parts of every kind, tools, unknown fields and the
edge cases where the query must hand a row to the record path (IPv6, offsets, bad values).
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import distillguard.ingest.run as ingest_run
from distillguard.engine import open_engine
from distillguard.ingest import ingest_paths
from distillguard.ingest import parquet_sql
from distillguard.ingest.readers import QueryStopped
from distillguard.testing import make_exchange

TS_FORMS = ["2026-03-02T10:00:00Z", "2026-03-02T10:00:00.5+02:00", "2026-03-02 23:59:59.123456-05:30",
            "2026-03-02T10:00:00.1234567+00:00", "2026-03-02T24:00:00Z", "2026-03-02T10:00:60Z",
            "2026-02-30T10:00:00Z", "2026-03-02T10:00:00", "20260302T100000Z", "1969-12-31T23:59:59Z",
            "2026-03-02T10:00Z", "yesterday"]
IPS = ["203.0.113.9", "2001:db8::1", "999.1.2.3", "", "01.2.3.4", "::ffff:1.2.3.4", "10.0.0.256", None]
COUNTRIES = ["us", "DE", "", "ÄÖ", None, "gb "]


def _parts_record(rng: random.Random, i: int) -> dict:
    """A record whose message content is a list of parts (Anthropic form and agent traffic)."""
    r = make_exchange(rng, i)
    kinds = rng.sample(["text", "image", "image_url", "tool_use", "tool_result", "input_audio", "thinking",
                        "server_tool_use", "weird_kind", "", None, "input_text"], k=rng.randint(1, 4))
    parts = []
    for k in kinds:
        p = {"type": k}
        if k in ("text", "input_text", "weird_kind"):
            p["text"] = rng.choice(["solve ✓ \"this\"\n", "", "x" * rng.randint(1, 20), None])
        if k in ("tool_use", "server_tool_use"):
            p["input"] = rng.choice([None, {"path": "a/b.py", "n": rng.randint(0, 9)},
                                     {"query": "é\t\"q\"", "n": None}, {"n": 2**40}])
        if k == "tool_result":
            p["content"] = rng.choice(["ok", "", None, "line1\nline2"])
        parts.append(p)
    msgs = [{"role": rng.choice(["user", "assistant", "tool", "system", "developer", "function"]),
             "content": rng.choice([parts, None, []]),
             "tool_calls": rng.choice([None, [], [{"id": "c1", "type": "function",
                                                    "function": {"name": "f", "arguments": "{}"}}]])}
            for _ in range(rng.randint(1, 4))]
    msgs.append({"role": "user", "content": parts, "tool_calls": None})
    if i % 37 == 0:
        msgs.append(None)  # a null message: quarantined by the record path
    if i % 41 == 0:
        msgs[0] = {"role": "wizard", "content": parts, "tool_calls": None}
    if i % 43 == 0:
        msgs[-1] = {"role": "user", "content": [None], "tool_calls": None}
    req = {"messages": msgs, "system": rng.choice([None, "", "Be brief."]),
           "thinking": rng.choice([None, {"type": "enabled", "budget_tokens": 512}, {"type": "disabled", "budget_tokens": None}]),
           "max_tokens": rng.choice([None, 64, 2**40]), "max_completion_tokens": rng.choice([None, None, 32]),
           "n": rng.choice([None, 2, 2**33]), "logprobs": rng.choice([None, True]), "top_logprobs": rng.choice([None, 5]),
           "response_format": rng.choice([None, {"type": "json_object"}, {"type": None}]),
           "stream": rng.choice([None, False]), "reasoning_effort": rng.choice([None, "high"]),
           "temperature": rng.choice([None, 0.0, 0.7, float("nan")]), "top_p": rng.choice([None, 1.0]),
           "tools": rng.choice([None, [], [{"type": "function", "function": {"name": "search", "description": "d",
                                                                            "parameters": {"type": "object"}},
                                            "name": None, "input_schema": None}],
                                [{"type": "custom", "function": None, "name": "bash", "input_schema": {"type": "object"}}],
                                [{"type": "nameless", "function": None, "name": None, "input_schema": None}], [None]])}
    if i % 29 == 0:
        req["seed"] = 7  # unknown request field: extra_json
    r["request"] = req
    return r


def _string_record(rng: random.Random, i: int) -> dict:
    """A record with string message content (Chat Completions form), varied top-level fields."""
    r = make_exchange(rng, i)
    def odd(values: list, usual: object) -> object:
        return rng.choice(values) if rng.random() < 0.12 else usual

    r["ts"] = odd(TS_FORMS, r["ts"])
    r["client"] = {"ip": odd(IPS, "198.51.100.4"), "asn": odd([None], 64500), "country": odd(COUNTRIES, "fr"),
                   "user_agent": "ua", "tls_fingerprint": odd([None], "t1"),
                   "colo": odd(["fra"], None)}  # unknown client field
    r["request_id"] = odd(["", None, "req-000000000001"], r["request_id"])
    r["account_id"] = odd(["", None], r["account_id"])
    r["status"] = odd([429, None, 2**35], 200)
    r["tenant"] = odd(["t-9"], None)  # unknown top-level field
    _string_content(r)
    if i % 31 == 0:
        r["request"]["messages"][-1]["content"] = None
    r["request"].setdefault("system", None)
    r["request"].setdefault("thinking", None)
    r["request"].setdefault("tools", None)
    r["response"] = rng.choice([r["response"], None, {"content": None, "reasoning": None, "finish_reason": None,
                                                      "tool_calls": [{"id": "x"}]}])
    return r


def _agent_record(rng: random.Random, i: int) -> dict:
    """An agent's tool loop in the Chat Completions or Messages form, with the fields added for issue 20.

    Tool results, screenshots sent back as user turns, tool-call arguments (valid JSON or not),
    adaptive thinking, output_config effort, JSON-schema formats, the `endpoint` field and Claude
    model names with bodies that say neither form: the SQL route takes some, hands the rest on.
    """
    r = make_exchange(rng, i)
    anthropic = rng.random() < 0.5
    prompt = rng.choice(["Book a table for two", "", "Fix the failing test"])
    call = {"id": "c1", "type": "function", "custom": None,
            "function": {"name": "search", "arguments": rng.choice(['{"q": "oslo", "n": null}', "not json", None])}}
    if anthropic:
        result = {"type": "tool_result", "tool_use_id": "c1", "content": rng.choice(["Oslo: 3C", None, ""])}
        msgs = [{"role": "user", "content": [{"type": "text", "text": prompt}]},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "c1", "name": "search", "input": {"q": "x"}}]},
                {"role": "user", "content": rng.choice([[result], [result, {"type": "image"}],
                                                        [result, {"type": "text", "text": "and now?"}]])}]
    else:
        msgs = [{"role": "system", "content": [{"type": "text", "text": "You are an agent."}]},
                {"role": "user", "content": [{"type": "text", "text": prompt}]},
                {"role": "assistant", "content": rng.choice([[], [{"type": "text", "text": "Searching."}]]),
                 "tool_calls": [call] * rng.randint(1, 2)},
                {"role": "tool", "tool_call_id": "c1", "content": [{"type": "text", "text": "Oslo: 3C"}]}]
        if rng.random() < 0.5:  # a screenshot sent back as a user turn
            msgs.append({"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/s.png"}}]})
    req = {"messages": msgs, "max_tokens": 1024,
           "system": "You are an agent." if anthropic and rng.random() < 0.7 else None,
           "thinking": rng.choice([None, {"type": "adaptive", "budget_tokens": None},
                                   {"type": "enabled", "budget_tokens": 2048}]) if anthropic else None,
           "output_config": rng.choice([None, {"effort": "high", "format": None},
                                        {"effort": None, "format": {"type": "json_schema", "name": None,
                                                                    "schema": {"type": "object"}}}]),
           "response_format": rng.choice([None, {"type": "json_object", "json_schema": None},
                                          {"type": "json_schema", "json_schema": {"name": "out", "schema": {"type": "object"}}}]),
           "tools": [{"type": "function", "function": {"name": "search", "description": "d"}, "name": None,
                      "input_schema": None}]}
    if i % 53 == 0:
        msgs.append({"role": "wizard", "content": [{"type": "text", "text": "hi"}]})  # quarantined
    r["request"] = req
    r["model"] = rng.choice(["model-a", "claude-sonnet-4-5"])
    r["endpoint"] = rng.choice([None, None, "/v1/messages", "/v1/chat/completions", "/v1/embeddings"])
    return r


def _loop_record(rng: random.Random, i: int) -> dict:
    """A long agent conversation: person, tool and screenshot turns in random order, in either form.

    The query tells a person's turn from tool output by each turn's neighbours (a user turn
    without text right after tool output is that output), and reads the person's text and the
    last tool output of turns that mix text, tool results and tool calls.
    """
    r = make_exchange(rng, i)
    text = lambda: {"type": "text", "text": rng.choice(["Book it", "", "and now?"]), "content": None}  # noqa: E731
    result = lambda: {"type": "tool_result", "text": None,  # noqa: E731
                      "content": rng.choice(["Oslo: 3C", "", None, "line1\nline2"])}
    image = {"type": "image", "text": None, "content": None}
    use = {"type": "tool_use", "text": None, "content": None}
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": rng.choice(['{"q": 1}', "x"])}}
    shapes = [
        lambda: {"role": "user", "content": [text()]},
        lambda: {"role": "user", "content": [image]},  # after tool output: that output
        lambda: {"role": "user", "content": []},
        lambda: {"role": "user", "content": [result()]},
        lambda: {"role": "user", "content": [result(), image]},
        lambda: {"role": "user", "content": [result(), text()]},  # a person's turn with tool output
        lambda: {"role": "user", "content": [text()], "tool_calls": [call]},
        lambda: {"role": "tool", "content": rng.choice([[text()], [text(), image], []])},
        lambda: {"role": "function", "content": [text()], "tool_calls": [call]},
        lambda: {"role": "assistant", "content": rng.choice([[use], [text(), use], []]),
                 "tool_calls": rng.choice([None, [call], [call, call]])},
        lambda: {"role": rng.choice(["system", "developer"]), "content": [text()]},
    ]
    msgs = [rng.choice(shapes)() for _ in range(rng.randint(1, 9))]
    for m in msgs:
        m.setdefault("tool_calls", None)
    if i % 47 == 0:
        msgs.append({"role": "wizard", "content": [text()], "tool_calls": None})  # quarantined
    r["request"] = {"messages": msgs, "max_tokens": 256, "system": rng.choice([None, "Be brief."])}
    return r


def _plain_records(seed: int, first: int, n: int) -> list[dict]:
    """Valid records with string contents and the optional request fields present (one schema)."""
    rng = random.Random(seed)
    recs = [make_exchange(rng, i) for i in range(first, first + n)]
    for r in recs:
        _string_content(r)
        r["request"].setdefault("system", None)
        r["request"].setdefault("tools", None)
    return recs


def _string_content(r: dict) -> None:
    """Parquet holds one type per column: make every message content a string."""
    r["request"]["messages"] = [{"role": m["role"], "content": m["content"] if isinstance(m["content"], str)
                                 else "see the image"} for m in r["request"]["messages"]]


def _ingest_both(tmp_path: Path, files: list[Path], monkeypatch: pytest.MonkeyPatch, workers: int,
                 turn_text: bool = True) -> tuple:
    fast = ingest_paths(files, tmp_path / "sql", workers=workers, turn_text=turn_text)
    with monkeypatch.context() as m:
        m.setattr(ingest_run, "sql_plan", lambda schema, turn_text=True: None)
        slow = ingest_paths(files, tmp_path / "rec", workers=workers, turn_text=turn_text)
    return fast, slow


def _same_tables(a: Path, b: Path, table: str, columns: str) -> None:
    ea, eb = open_engine(a), open_engine(b)
    ra = sorted(map(repr, ea.sql(f"SELECT {columns} FROM {table}").to_pylist()))
    rb = sorted(map(repr, eb.sql(f"SELECT {columns} FROM {table}").to_pylist()))
    assert ra == rb


@pytest.mark.parametrize("maker", [_parts_record, _string_record, _agent_record, _loop_record])
@pytest.mark.parametrize("workers", [1, 2])
def test_sql_route_stores_what_the_record_route_stores(tmp_path, monkeypatch, maker, workers):
    rng = random.Random(11)
    recs = [maker(rng, i) for i in range(600)]
    path = tmp_path / "x.parquet"
    pq.write_table(pa.Table.from_pylist(recs), path, row_group_size=150)
    query = parquet_sql.plan(pq.read_schema(path))
    assert query is not None
    batches = list(parquet_sql.iter_parquet_sql(path, query, "s", 100, 1))
    n_fallback = sum(len(b.fallback) for b in batches)
    assert sum(b.rows_read for b in batches) == 600
    assert 0 < n_fallback < 600  # both routes are exercised
    fast, slow = _ingest_both(tmp_path, [path], monkeypatch, workers)
    assert fast.counts["exchange"] == slow.counts["exchange"]
    assert fast.rows_quarantined > 0 and fast.rows_stored > 300
    _same_tables(tmp_path / "sql", tmp_path / "rec", "exchanges", "* EXCLUDE (source)")
    _same_tables(tmp_path / "sql", tmp_path / "rec", "quarantine", "reason, detail, source_row, raw")


@pytest.mark.parametrize("maker", [_parts_record, _loop_record])
def test_a_store_without_turn_text_differs_only_in_the_turns_text(tmp_path, monkeypatch, maker):
    """Both routes leave every turn's text null, and keep roles, part kinds and last_user_text."""
    rng = random.Random(12)
    recs = [maker(rng, i) for i in range(400)]
    path = tmp_path / "x.parquet"
    pq.write_table(pa.Table.from_pylist(recs), path, row_group_size=100)
    _ingest_both(tmp_path / "lean", [path], monkeypatch, 2, turn_text=False)
    ingest_paths([path], tmp_path / "full", workers=2)
    lean = tmp_path / "lean"
    _same_tables(lean / "sql", lean / "rec", "exchanges", "* EXCLUDE (source)")
    full = open_engine(tmp_path / "full").sql("SELECT * EXCLUDE (source) FROM exchanges ORDER BY exchange_id")
    thin = open_engine(lean / "sql").sql("SELECT * EXCLUDE (source) FROM exchanges ORDER BY exchange_id")
    assert full.num_rows == thin.num_rows > 200
    assert repr(full.drop(["messages"]).to_pylist()) == repr(thin.drop(["messages"]).to_pylist())  # NaN-safe
    full_turns, thin_turns = full.column("messages").to_pylist(), thin.column("messages").to_pylist()
    assert any(t["text"] for turns in full_turns for t in turns)
    assert all(t["text"] is None for turns in thin_turns for t in turns)
    strip = [[{**t, "text": None} for t in turns] for turns in full_turns]
    assert strip == thin_turns


def test_files_the_query_cannot_take_are_read_record_by_record(tmp_path, monkeypatch):
    """A list-typed `system` or a timestamp-typed `ts` has no query; the store is unchanged."""
    rng = random.Random(5)
    recs = [make_exchange(rng, i) for i in range(50)]
    for r in recs:
        _string_content(r)
        r["request"]["system"] = [{"type": "text", "text": "Grade."}]
    a = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(recs), a)
    assert parquet_sql.plan(pq.read_schema(a)) is None
    fast, slow = _ingest_both(tmp_path, [a], monkeypatch, 1)
    assert fast.rows_stored == slow.rows_stored == 50
    _same_tables(tmp_path / "sql", tmp_path / "rec", "exchanges", "* EXCLUDE (source)")


def test_many_files_keep_their_order_and_duplicates_across_files(tmp_path, monkeypatch):
    """Files read at once in threads still arrive in order: the first delivery of an id wins."""
    files = []
    for k in range(5):
        recs = _plain_records(8 + k, k * 80, 120)  # 40 ids repeat in the next file
        for r in recs:
            r["marker"] = None
        p = tmp_path / f"part-{k}.parquet"
        pq.write_table(pa.Table.from_pylist(recs), p)
        files.append(p)
    fast, slow = _ingest_both(tmp_path, files, monkeypatch, 2)
    assert fast.counts["exchange"].duplicates == slow.counts["exchange"].duplicates == 4 * 40
    _same_tables(tmp_path / "sql", tmp_path / "rec", "exchanges", "*")


def test_a_query_that_fails_part_way_hands_the_rest_to_the_record_path(tmp_path, monkeypatch):
    """If DuckDB stops part-way through a file, the record path reads on from that row."""
    recs = _plain_records(3, 0, 300)
    path = tmp_path / "x.parquet"
    pq.write_table(pa.Table.from_pylist(recs), path, row_group_size=100)
    real = parquet_sql.iter_parquet_sql

    def fails_after_120_rows(path, query, source, batch_rows, threads):  # type: ignore[no-untyped-def]
        done = 0
        for batch in real(path, query, source, 40, threads):
            if done >= 120:
                raise QueryStopped(done)
            yield batch
            done += batch.rows_read

    monkeypatch.setattr(parquet_sql, "iter_parquet_sql", fails_after_120_rows)
    fast, slow = _ingest_both(tmp_path, [path], monkeypatch, 2)
    assert fast.rows_stored == slow.rows_stored == 300
    _same_tables(tmp_path / "sql", tmp_path / "rec", "exchanges", "* EXCLUDE (source)")
    rows = open_engine(tmp_path / "sql").sql("SELECT source_row FROM exchanges ORDER BY source_row").column(0)
    assert rows.to_pylist() == list(range(1, 301))
