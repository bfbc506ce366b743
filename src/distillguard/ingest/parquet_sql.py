"""Normalise contract Parquet files in DuckDB SQL, vectorised, instead of record by record.

The per-record path (`normalise.normalise_exchange`) is the definition of a canonical row; this
module is a faster route to the same rows for Parquet files. It builds one query from the
file's schema that computes every canonical column in C++ and a `fast` flag per row. A row is
fast only when the query can be sure the per-record path would accept it and produce the same
values; every other row (anything that might be quarantined, unknown fields that belong in
`extra_json`, IPv6 addresses, unusual timestamps...) is rendered as JSON and sent through the
per-record path, so the fast route never decides a rejection. A file whose schema the query
does not cover (a timestamp-typed `ts`, a list-typed `system`, ...) is read the per-record way
as a whole. `tests/ingest/test_parquet_sql.py` holds both routes to the same output.

The one thing SQL cannot do is the canonical JSON of tool definitions and tool-call inputs
(keys sorted, nulls dropped, as `orjson` writes it): DuckDB renders them with `to_json` and a
vectorised Python function canonicalises the text, with a cache, since agents send the same
tool sets again and again.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from distillguard.ingest._bodies import KNOWN_REQUEST
from distillguard.ingest._sql_parts import LETTER, _int32_ok, _is_list, _is_str, _q, _Struct, _Unsupported, messages_sql, tools_sql
from distillguard.ingest._turns import call_args
from distillguard.ingest.normalise import KNOWN_CLIENT, KNOWN_TOP, strip_nulls
from distillguard.ingest.readers import QueryStopped, load_duckdb_json, stream_query
from distillguard.schema.exchanges import EXCHANGES

_ROW = "file_row_number"  # DuckDB's 0-based row number column
# Every value the per-record path accepts for `ts` in this shape, and nothing it rejects
# (hours 00-23, seconds 00-59, an explicit offset).
_TS = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
_IPV4 = r"((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_ENDPOINT = r"(^|/)(chat/completions|responses|messages)/?$"


@dataclass
class SqlBatch:
    """One batch of a file: canonical rows done in SQL, and the rest as JSON for the record path."""

    rows_read: int
    table: pa.Table | None  # EXCHANGES schema, source_row ascending
    fallback: list[tuple[int, bytes, bool]]  # (1-based row, JSON text, from_parquet) for parse_line


def build_query(schema: pa.Schema, conditions: list[str] | None = None, turn_text: bool = True) -> str:
    """The normalising query for a file of this schema; raises `_Unsupported` if it has none.

    `conditions`, when given, receives the row conditions whose conjunction is the fast flag.
    Without `turn_text` each turn's text is NULL (roles and part kinds stay); the texts of
    system, tool and user messages are still built, for `system_prompt`, `last_tool_output`
    and `last_user_text`.

    Each message is built once, as the stored turn; a letter per message (`LETTER`) carries
    what the person/tool bookkeeping needs, so that bookkeeping is string work, and the
    person's text or the last tool output is read anew only for the one message a row needs.
    """
    top = _Struct(None, {f.name: f.type for f in schema})
    if _ROW in top.fields or "t" in top.fields or any(n.startswith("__dg") for n in top.fields):
        raise _Unsupported("a column name clashes with the query's own")
    for name in ("request_id", "ts", "account_id", "model"):
        if name not in top.fields:
            raise _Unsupported(f"no {name} column")
    request = top.sub("request")
    if request is None or "messages" not in request.fields:
        raise _Unsupported("no request.messages")
    client = top.sub("client") or _Struct("NULL", {})
    usage = top.sub("usage") or _Struct("NULL", {})
    response = top.sub("response") or _Struct("NULL", {})
    fast: list[str] = []

    rid, ts, acc, model = (top.get(n, "str") for n in ("request_id", "ts", "account_id", "model"))
    for col in (rid, acc, model):
        fast.append(f"{col} <> ''")  # also false when null
    fast.append(f"regexp_full_match({ts}, '{_TS}') AND TRY_CAST({ts} AS TIMESTAMPTZ) IS NOT NULL")
    fast.append(f"{request.sql} IS NOT NULL AND {request.ref('messages')} IS NOT NULL")
    fast += top.unknown_null(KNOWN_TOP) + client.unknown_null(KNOWN_CLIENT) + request.unknown_null(KNOWN_REQUEST)
    # The record path reads these (legacy functions, a beta output format): hand such rows to it.
    fast += [f"{request.ref(n)} IS NULL" for n in ("functions", "output_format") if request.has(n)]

    ip = client.get("ip", "str")
    country = client.get("country", "str")
    fast.append(f"({ip} IS NULL OR regexp_full_match({ip}, '{_IPV4}'))")
    fast.append(f"({country} IS NULL OR regexp_full_match({country}, '[A-Za-z]*'))")

    ms = messages_sql(request, turn_text)
    msgs = ms.msgs
    fast.append(f"len(list_filter({msgs}, lambda m: {ms.bad})) = 0")

    system_t = request.fields.get("system")
    if system_t is not None and not pa.types.is_null(system_t) and not _is_str(system_t):
        raise _Unsupported("request.system is not a string")
    system = request.get("system", "str")
    thinking = request.sub("thinking") or _Struct("NULL", {})
    fast += thinking.unknown_null(frozenset(("type", "budget_tokens", "display")))
    output_config = request.sub("output_config") or _Struct("NULL", {})
    fast += output_config.unknown_null(frozenset(("effort",)))  # a format: the record path hashes its schema
    tools_sql_, tool_names, tools_bad, tools_anthropic = tools_sql(request)
    fast.append(f"NOT ({tools_bad})")

    rf_t = request.fields.get("response_format")
    if rf_t is None or pa.types.is_null(rf_t):
        response_format = "NULL"
    elif pa.types.is_struct(rf_t):
        rf = request.sub("response_format")
        response_format = rf.get("type", "str")  # type: ignore[union-attr]
        fast += rf.unknown_null(frozenset(("type",)))  # type: ignore[union-attr]  # a schema: the record path
    elif _is_str(rf_t):
        response_format = request.ref("response_format")
    else:
        raise _Unsupported(f"response_format is {rf_t}")

    content_t = response.fields.get("content")
    if content_t is not None and not pa.types.is_null(content_t) and not _is_str(content_t):
        raise _Unsupported("response.content is not a string")
    calls_t = response.fields.get("tool_calls")
    if calls_t is not None and not pa.types.is_null(calls_t) and not _is_list(calls_t):
        raise _Unsupported("response.tool_calls is not a list")
    r_calls = "NULL" if calls_t is None or pa.types.is_null(calls_t) else f"len({response.ref('tool_calls')})"

    n, top_lp, status = request.get("n", "int"), request.get("top_logprobs", "int"), top.get("status", "int")
    fast += [_int32_ok(n), _int32_ok(top_lp), _int32_ok(status)]
    thinking_type = thinking.get("type", "str")
    budget = thinking.get("budget_tokens", "int")
    endpoint = top.get("endpoint", "str")
    ep = ("''" if endpoint == "NULL" else
          f"coalesce(regexp_extract(lower(split_part({endpoint}, '?', 1)), '{_ENDPOINT}', 2), '')")
    # The Responses API, or a Claude model with a body that says neither form: the record path.
    anthropic = (f"({system} IS NOT NULL OR {thinking.present()} OR {output_config.present()} OR __dg_anth "
                 f"OR {tools_anthropic})")
    if endpoint != "NULL":
        fast.append(f"({endpoint} IS NULL OR {ep} IN ('chat/completions', 'messages'))")
    fast.append(f"({ep} <> '' OR {anthropic} OR lower(substr({model}, 1, 6)) <> 'claude')")

    # One letter per message (see `LETTER`), so that the person/tool bookkeeping is string work.
    codes = f"array_to_string(list_transform(__dg_m, lambda x: {LETTER}), '')"
    system_parts = f"list_concat(CASE WHEN {system} IS NOT NULL THEN [{system}] ELSE [] END, " \
                   f"list_transform(list_filter(__dg_m, lambda x: x.role IN ('system', 'developer')), lambda x: x.text))"
    max_tokens = f"coalesce({request.get('max_completion_tokens', 'int')}, {request.get('max_tokens', 'int')})"
    turns = "__dg_turns" if turn_text else \
        "list_transform(__dg_turns, lambda x: {'role': x.role, 'text': NULL::VARCHAR, 'part_kinds': x.part_kinds})"
    # The person's text is the turn's text unless the turn also carries tool output or calls;
    # the last tool output is a tool message's text, a lone tool_result's text, or read anew.
    last_user = ("CASE WHEN __dg_pi > 0 THEN CASE WHEN list_has_any(__dg_m[__dg_pi].part_kinds, "
                 f"['tool_result', 'tool_call']) THEN (list_transform({msgs}[__dg_pi:__dg_pi], lambda m: {ms.own}))[1] "
                 "ELSE __dg_m[__dg_pi].text END END")
    last_tool = ("CASE WHEN __dg_ti > 0 THEN CASE WHEN substr(__dg_codes, __dg_ti, 1) = 'T' OR "
                 "__dg_m[__dg_ti].part_kinds = ['tool_result'] THEN __dg_m[__dg_ti].text "
                 f"ELSE (list_transform({msgs}[__dg_ti:__dg_ti], lambda m: {ms.tres}))[1] END END")

    if conditions is not None:
        conditions.extend(fast)
    # The row as the file holds it (without DuckDB's row number), to render fallback rows.
    record = "struct_pack(" + ", ".join(f"{_q(f.name)} := t.{_q(f.name)}" for f in schema) + ")"
    scan = f"""
        SELECT t.*, {_ROW} AS __dg_row, {record} AS __dg_rec,
            list_contains(list_transform({msgs}, lambda m: m.role NOT IN ('system', 'developer') AND {ms.anthropic}), TRUE)
                AS __dg_anth,
            list_transform({msgs}, lambda m: {ms.turn}) AS __dg_m
        FROM read_parquet($path, file_row_number = true) t"""
    # A Q (a user turn without text or tool output) right after tool output is that output: X.
    rows = f"""
        SELECT t.*, coalesce({' AND '.join(f'({c})' for c in fast)}, FALSE) AS __dg_fast,
            replace(replace({codes}, 'TQ', 'TX'), 'UQ', 'UX') AS __dg_codes,
            list_filter(__dg_m, lambda x: x.role NOT IN ('system', 'developer')) AS __dg_turns,
            {system_parts} AS __dg_system_parts
        FROM ({scan}) t"""
    middle = f"""
        SELECT t.*, length(rtrim(__dg_codes, 'OSTUX')) AS __dg_pi, length(rtrim(__dg_codes, 'OSPQX')) AS __dg_ti,
            flatten(list_transform(__dg_turns, lambda x: x.part_kinds)) AS __dg_kinds
        FROM ({rows}) t"""
    outer = f"""
        SELECT __dg_fast, __dg_row + 1 AS __dg_row,
            CASE WHEN NOT __dg_fast THEN to_json(__dg_rec) END AS __dg_json,
            {rid} AS exchange_id,
            TRY_CAST({ts} AS TIMESTAMPTZ) AS ts,
            TRY_CAST(TRY_CAST({ts} AS TIMESTAMPTZ) AS DATE) AS day,
            {acc} AS account_id,
            {top.get('api_key_id', 'str')} AS api_key_id,
            {top.get('org_id', 'str')} AS org_id,
            {ip} AS client_ip,
            TRY_CAST({client.get('asn', 'int')} AS BIGINT) AS client_asn,
            upper({country}) AS client_country,
            {client.get('user_agent', 'str')} AS client_user_agent,
            {client.get('tls_fingerprint', 'str')} AS client_tls_fingerprint,
            {model} AS model,
            CASE WHEN {ep} = 'messages' THEN 'anthropic' WHEN {ep} = 'chat/completions' THEN 'openai'
                 WHEN {anthropic} THEN 'anthropic' ELSE 'openai' END AS api_format,
            CASE WHEN len(__dg_system_parts) > 0 THEN array_to_string(__dg_system_parts, chr(10) || chr(10)) END AS system_prompt,
            {turns} AS messages,
            len(__dg_turns) AS n_messages,
            length(translate(__dg_codes, 'OSTUX', '')) AS n_user_turns,
            {last_user} AS last_user_text,
            list_sort(list_distinct(__dg_kinds)) AS content_kinds,
            {tool_names} AS tool_names,
            CASE WHEN {tools_sql_} IS NOT NULL THEN coalesce(dg_known_tools(hash({tools_sql_})),
                dg_canonical_tools(hash({tools_sql_}), to_json({tools_sql_}))) END AS tools_json,
            TRY_CAST({max_tokens} AS BIGINT) AS max_tokens,
            TRY_CAST({request.get('temperature', 'num')} AS DOUBLE) AS temperature,
            TRY_CAST({request.get('top_p', 'num')} AS DOUBLE) AS top_p,
            TRY_CAST({n} AS INTEGER) AS n,
            {request.get('logprobs', 'bool')} AS logprobs,
            TRY_CAST({top_lp} AS INTEGER) AS top_logprobs,
            {response_format} AS response_format,
            {request.get('stream', 'bool')} AS stream,
            CASE WHEN {thinking_type} = 'enabled' THEN TRY_CAST({budget} AS BIGINT) END AS thinking_budget_tokens,
            coalesce({request.get('reasoning_effort', 'str')}, {output_config.get('effort', 'str')}) AS reasoning_effort,
            {response.get('content', 'str') if content_t is not None and not pa.types.is_null(content_t) else 'NULL'} AS response_text,
            {response.get('reasoning', 'str')} AS response_reasoning,
            TRY_CAST({r_calls} AS INTEGER) AS response_tool_calls,
            {response.get('finish_reason', 'str')} AS finish_reason,
            TRY_CAST({usage.get('input_tokens', 'int')} AS BIGINT) AS input_tokens,
            TRY_CAST({usage.get('output_tokens', 'int')} AS BIGINT) AS output_tokens,
            TRY_CAST({usage.get('reasoning_tokens', 'int')} AS BIGINT) AS reasoning_tokens,
            TRY_CAST({top.get('latency_ms', 'num')} AS DOUBLE) AS latency_ms,
            TRY_CAST({status} AS INTEGER) AS status,
            NULL::VARCHAR AS extra_json,
            {endpoint} AS endpoint,
            {thinking_type} AS thinking_mode,
            {thinking.get('display', 'str')} AS thinking_display,
            NULL::VARCHAR AS reasoning_summary,
            NULL::VARCHAR AS response_format_name,
            NULL::VARCHAR AS response_format_schema_hash,
            {last_tool} AS last_tool_output,
            len(list_filter(__dg_kinds, lambda k: k = 'tool_call')) AS request_tool_calls,
            len(list_filter(__dg_kinds, lambda k: k = 'tool_result')) AS request_tool_results,
            len(list_filter(__dg_kinds, lambda k: k = 'image')) AS n_images
        FROM ({middle}) t"""
    return outer


# --- running it -------------------------------------------------------------------------------


def canonical_json(text: str | None) -> str | None:
    """orjson's sorted, null-free rendering of a JSON text, as the per-record path writes it."""
    if text is None:
        return None
    return orjson.dumps(strip_nulls(load_duckdb_json(text)), option=orjson.OPT_SORT_KEYS).decode()


def _register(con: Any) -> None:
    import duckdb

    cache: dict[str, str | None] = {}
    tools: dict[int, str | None] = {}  # hash(tools) -> canonical JSON; one connection reads one file

    def canon_text(s: str) -> str | None:
        v = cache.get(s)
        if v is None:
            if len(cache) > 200_000:
                cache.clear()
            v = cache[s] = canonical_json(s)
        return v

    def canon(arr: pa.Array) -> pa.Array:
        return pa.array([None if s is None else canon_text(s) for s in arr.to_pylist()], pa.string())

    args_cache: dict[str | None, str] = {}

    def args(arr: pa.Array) -> pa.Array:  # a tool call's arguments text, as `_turns.call_args` stores it
        out = []
        for s in arr.to_pylist():
            v = args_cache.get(s)
            if v is None:
                if len(args_cache) > 200_000:
                    args_cache.clear()
                v = args_cache[s] = call_args(s)
            out.append(v)
        return pa.array(out, pa.string())

    # Agents send the same few tool sets again and again (6 distinct in a simulator file of 60k
    # rows): `to_json` of a tool list costs more than hashing it, so a row whose tool list hash
    # is known takes the known text and skips `to_json`, since `coalesce` evaluates its second
    # argument only for the rows the first leaves null. 64-bit hashes of a file's few distinct
    # tool lists do not collide in practice.
    def known_tools(h: pa.Array) -> pa.Array:
        return pa.array([tools.get(k) for k in h.to_pylist()], pa.string())

    def canonical_tools(h: pa.Array, arr: pa.Array) -> pa.Array:
        out = []
        for k, s in zip(h.to_pylist(), arr.to_pylist(), strict=True):
            v = None if s is None else canon_text(s)
            if len(tools) < 100_000:
                tools[k] = v
            out.append(v)
        return pa.array(out, pa.string())

    varchar, ubigint = duckdb.sqltype("VARCHAR"), duckdb.sqltype("UBIGINT")
    con.create_function("dg_canonical_json", canon, [varchar], varchar,
                        type="arrow", null_handling="special", side_effects=False)
    con.create_function("dg_call_args", args, [varchar], varchar,
                        type="arrow", null_handling="special", side_effects=False)
    # side effects: the answer of dg_known_tools depends on what dg_canonical_tools has seen.
    con.create_function("dg_known_tools", known_tools, [ubigint], varchar,
                        type="arrow", null_handling="special", side_effects=True)
    con.create_function("dg_canonical_tools", canonical_tools, [ubigint, varchar], varchar,
                        type="arrow", null_handling="special", side_effects=True)


def plan(schema: pa.Schema, turn_text: bool = True) -> str | None:
    """The query for this schema, or None when the file must be read record by record."""
    try:
        return build_query(schema, turn_text=turn_text)
    except _Unsupported:
        return None


def iter_parquet_sql(path: Path, query: str, source: str, batch_rows: int, threads: int) -> Iterator[SqlBatch]:
    """Run the normalising query over one file and yield its batches in row order.

    Raises `QueryStopped` (with the rows already yielded) when DuckDB fails part-way.
    """
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET TimeZone = 'UTC'")  # DATE of a TIMESTAMPTZ is then its UTC date
        con.execute(f"SET threads = {max(1, threads)}")
        _register(con)
        for rb in stream_query(con, query, {"path": str(path)}, batch_rows):
            yield _split(rb, source)
    finally:
        con.close()


def _split(rb: pa.RecordBatch, source: str) -> SqlBatch:
    import pyarrow.compute as pc

    fast = rb.column(0)
    rows = rb.column(1)
    n = rb.num_rows
    n_fast = pc.sum(fast).as_py() or 0
    fallback: list[tuple[int, bytes, bool]] = []
    if n_fast < n:
        slow = pc.invert(fast)
        fallback = [(r, j.encode("utf-8"), True) for r, j in
                    zip(pc.filter(rows, slow).to_pylist(), pc.filter(rb.column(2), slow).to_pylist(), strict=True)]
    table = None
    if n_fast:
        good = rb.filter(fast) if n_fast < n else rb
        cols = [good.column(i) for i in range(3, good.num_columns)]
        cols.append(pa.array([source] * good.num_rows, pa.string()))
        cols.append(good.column(1).cast(pa.int64()))
        table = pa.Table.from_arrays(cols, names=EXCHANGES.names).cast(EXCHANGES.schema)
    return SqlBatch(n, table, fallback)


class _Failed:
    def __init__(self, rows_done: int) -> None:
        self.rows_done = rows_done


_END = object()


class SqlPrefetch:
    """Run the normalising queries of several files at once, in threads, and hand batches over in order.

    Files of one row group give DuckDB one thread each, so on a machine of N cores up to
    min(N, 4) files are read at a time; each queue holds at most two batches, so memory stays
    bounded whatever the file sizes. Use as a context manager: leaving it stops the threads.
    """

    def __init__(self, plans: dict[Path, str], workers: int, batch_rows: int = 10_000) -> None:
        self.plans = plans
        self.order = list(plans)
        self.batch_rows = batch_rows
        self.concurrent = max(1, min(workers, 4))
        self.threads = max(1, workers // self.concurrent)
        self._queues: list[queue.Queue[Any]] = []
        self._next = 0
        # Long-lived threads: a thread per file would leave each file's freed memory in that
        # thread's allocator arena (gigabytes over a few hundred files).
        self._pool = ThreadPoolExecutor(max_workers=self.concurrent, thread_name_prefix="dg-parquet-sql")
        self._stop = threading.Event()

    def __enter__(self) -> SqlPrefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def has(self, path: Path) -> bool:
        return path in self.plans

    def batches(self, path: Path) -> Any:
        """Yield the file's `SqlBatch`es; return None, or the rows done when the query failed."""
        i = self._next
        if i >= len(self.order) or self.order[i] != path:
            raise RuntimeError(f"files were not asked for in order: {path}")
        self._next += 1
        while len(self._queues) < min(len(self.order), i + self.concurrent):
            j = len(self._queues)
            q: queue.Queue[Any] = queue.Queue(maxsize=2)
            self._queues.append(q)
            self._pool.submit(self._produce, self.order[j], q)
        q = self._queues[i]
        self._queues[i] = None  # type: ignore[call-overload]  # drained once; let it go
        while True:
            item = q.get()
            if item is _END:
                return None
            if isinstance(item, _Failed):
                return item.rows_done
            if isinstance(item, BaseException):
                raise item
            yield item

    def _produce(self, path: Path, q: Any) -> None:
        try:
            for b in iter_parquet_sql(path, self.plans[path], str(path.resolve()), self.batch_rows, self.threads):
                if not self._put(q, b):
                    return
            self._put(q, _END)
        except QueryStopped as exc:
            self._put(q, _Failed(exc.rows_done))
        except BaseException as exc:  # noqa: BLE001 - handed to the reading thread, which raises it
            self._put(q, exc)

    def _put(self, q: Any, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False
