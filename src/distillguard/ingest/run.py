"""Drive one ingest run: read files, normalise, quarantine, de-duplicate, write the store."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import secrets
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.ingest import store as st
from distillguard.ingest.adapters import Adapter, prepare, source_name
from distillguard.ingest.dedup import IdSet, hash_ids
from distillguard.ingest.normalise import Rejected, normalise_account, normalise_event, normalise_exchange
from distillguard.ingest.parquet_sql import SqlBatch, SqlPrefetch
from distillguard.ingest.parquet_sql import plan as sql_plan
from distillguard.errors import UnreadableInput
from distillguard.ingest.readers import (RawRow, damage_note, discover, file_format, is_damage_marker,
                                        iter_parquet_from, iter_rows, parse_line, raw_text)
from distillguard.schema import ACCOUNTS, EVENTS, EXCHANGES, QUARANTINE

KINDS = ("exchange", "account", "event")
_TABLE_OF = {"exchange": "exchanges", "account": "accounts", "event": "events"}
_SCHEMA_OF = {"exchange": EXCHANGES.schema, "account": ACCOUNTS.schema, "event": EVENTS.schema}
_NORMALISE = {"exchange": normalise_exchange, "account": normalise_account, "event": normalise_event}


@dataclass
class KindCounts:
    """Row accounting for one record kind; rows_read == rows_stored + rows_quarantined + duplicates."""

    rows_read: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    duplicates: int = 0
    quarantine_by_reason: dict[str, int] = field(default_factory=dict)

    def balanced(self) -> bool:
        return self.rows_read == self.rows_stored + self.rows_quarantined + self.duplicates


@dataclass
class IngestReport:
    run_id: str
    store: str
    files: list[str] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    unreadable_files: list[str] = field(default_factory=list)  # read only in part, or not at all (quarantined)
    partial_files_removed: int = 0
    counts: dict[str, KindCounts] = field(default_factory=lambda: {k: KindCounts() for k in KINDS})
    seconds: float = 0.0
    bytes_read: int = 0

    @property
    def rows_read(self) -> int:
        return sum(c.rows_read for c in self.counts.values())

    @property
    def rows_stored(self) -> int:
        return sum(c.rows_stored for c in self.counts.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(c.rows_quarantined for c in self.counts.values())

    @property
    def duplicates(self) -> int:
        return sum(c.duplicates for c in self.counts.values())

    @property
    def quarantine_share(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(rows_read=self.rows_read, rows_stored=self.rows_stored,
                 rows_quarantined=self.rows_quarantined, duplicates=self.duplicates,
                 quarantine_share=round(self.quarantine_share, 6),
                 records_per_s=round(self.rows_read / self.seconds, 1) if self.seconds else None)
        return d


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def sniff_kind(path: Path, first: list[RawRow]) -> str:
    """Guess what a file holds from its format and first parseable record."""
    if file_format(path) == "csv":
        return "account"
    for item in first:
        rec = item.record
        if isinstance(rec, dict):
            has = {k for k, v in rec.items() if v is not None}  # a Parquet row holds nulls for absent fields
            if "request_id" in has or "request" in has:
                return "exchange"
            if "type" in has and "account_id" not in has:
                return "event"
            if "account_id" in has and "model" not in has:
                return "account"
            return "exchange"
    return "exchange"


def _source_keys(sources: Iterable[str], rows: Iterable[int]) -> Any:
    return hash_ids(f"{s}\x00{r}" for s, r in zip(sources, rows, strict=True))


@dataclass
class BatchResult:
    """What a worker returns for one batch: good rows (Arrow for exchanges) and bad rows."""

    kind: str
    rows_read: int
    table: pa.Table | None
    small_rows: list[list[Any]]
    bad: list[tuple[int, str, str, str]]  # (row, raw, reason, detail)


def normalise_batch(kind: str, source: str, batch: list[Any]) -> BatchResult:
    """Parse (if needed) and normalise one batch. Runs in worker processes: pure, picklable I/O.

    The cyclic garbage collector is paused for the batch: parsing allocates millions of small
    dicts and lists (no cycles among them), and collection passes over them cost ~30% of ingest.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _normalise_batch(kind, source, batch)
    finally:
        if enabled:
            gc.enable()


def _normalise_batch(kind: str, source: str, batch: list[Any]) -> BatchResult:
    normalise = _NORMALISE[kind]
    good: list[list[Any]] = []
    bad: list[tuple[int, str, str, str]] = []
    for entry in batch:
        item = parse_line(*entry) if isinstance(entry, tuple) else entry
        if item.error is not None:
            bad.append((item.row, item.raw, *item.error))
            continue
        try:
            values = normalise(item.record)
        except Rejected as rej:
            bad.append((item.row, raw_text(item), rej.reason, rej.detail))
            continue
        values.append(source)
        values.append(item.row)
        good.append(values)
    if kind == "exchange":
        return BatchResult(kind, len(batch), rows_to_table(good, EXCHANGES.schema) if good else None, [], bad)
    return BatchResult(kind, len(batch), None, good, bad)


def sniff_batch_kind(path: Path, batch: list[Any]) -> str:
    first = [parse_line(*e) if isinstance(e, tuple) else e for e in batch[:20]]
    return sniff_kind(path, first)


def _die_with_parent() -> None:
    """Workers end when the ingest process dies (even by kill -9), never lingering as orphans."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def without_turn_text(table: pa.Table) -> pa.Table:
    """The table with every turn's text in `messages` set to null (roles and part kinds kept)."""
    i = table.schema.get_field_index("messages")
    col = table.column(i)
    chunks = []
    for chunk in col.chunks:
        turns = chunk.values  # struct<role, text, part_kinds>; each chunk's own offsets stay
        names = [turns.type.field(k).name for k in range(turns.type.num_fields)]
        fields = [pa.nulls(len(turns), pa.string()) if name == "text" else turns.field(name) for name in names]
        lean = pa.StructArray.from_arrays(fields, fields=list(turns.type), mask=turns.is_null())
        chunks.append(pa.ListArray.from_arrays(chunk.offsets, lean, type=chunk.type, mask=chunk.is_null()))
    return table.set_column(i, table.schema.field(i), pa.chunked_array(chunks, col.type))


class _Ingest:
    def __init__(self, store: Path, run_id: str, on_rows: Callable[[int], None] | None, workers: int,
                 turn_text: bool = True, strict: bool = False, adapter: Adapter | None = None) -> None:
        self.store = store
        self.strict = strict
        self.adapter = adapter  # issue 17: a foreign log format, converted before normalisation
        self.run_id = run_id
        self.turn_text = turn_text
        self.on_rows = on_rows or (lambda n: None)
        self.workers = workers
        self.report = IngestReport(run_id=run_id, store=str(store))
        self.report.partial_files_removed = st.remove_partial_files(store)
        self.exchange_ids = IdSet()
        self.quarantine_keys = IdSet()
        self._load_existing_keys()
        self.exchange_writer = st.PartitionedWriter(st.table_dir(store, "exchanges"), EXCHANGES.schema, run_id)
        self.quarantine_writer = st.PartitionedWriter(st.table_dir(store, "quarantine"), QUARANTINE.schema,
                                                      run_id, partition=None)
        self.small_rows: dict[str, list[list[Any]]] = {"account": [], "event": []}

    def _load_existing_keys(self) -> None:
        for f in st.data_files(self.store, "exchanges"):
            ids = pq.read_table(f, columns=["exchange_id"]).column(0).to_pylist()
            self.exchange_ids.add_new(hash_ids(ids))
        for f in st.data_files(self.store, "quarantine"):
            t = pq.read_table(f, columns=["source", "source_row"])
            self.quarantine_keys.add_new(_source_keys(t.column(0).to_pylist(), t.column(1).to_pylist()))

    def run(self, jobs: list[tuple[Path, str | None]]) -> None:
        """Read files in order; normalise batches (SQL or a process pool); write results in order."""
        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
        pool = (ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_die_with_parent)
                if self.workers > 1 else None)
        pending: deque[tuple[str, pa.Table | None, int, Future[BatchResult] | BatchResult]] = deque()
        try:
            with SqlPrefetch(self._sql_plans(jobs), self.workers) as sql:
                for source, kind, work in self._batches(jobs, sql):
                    if isinstance(work, SqlBatch):
                        fast, n_fast, batch = work.table, work.rows_read - len(work.fallback), work.fallback
                    else:
                        fast, n_fast, batch = None, 0, work
                    done = (BatchResult(kind, 0, None, [], []) if not batch
                            else pool.submit(normalise_batch, kind, source, batch) if pool is not None
                            else normalise_batch(kind, source, batch))
                    pending.append((source, fast, n_fast, done))
                    # Bounded in-flight work keeps memory flat whatever the input size.
                    while len(pending) > 2 * self.workers:
                        self._absorb(*pending.popleft())
                while pending:
                    self._absorb(*pending.popleft())
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    def _sql_plans(self, jobs: list[tuple[Path, str | None]]) -> dict[Path, str]:
        """The Parquet exchange files that SQL can normalise, with their queries."""
        plans: dict[Path, str] = {}
        for path, kind in jobs:
            if kind in (None, "exchange") and not self._adapter_for(path, kind) and file_format(path) == "parquet":
                try:
                    schema = pq.read_schema(path)
                except (OSError, pa.ArrowException):
                    continue  # the record path reports it as unreadable
                query = sql_plan(schema, self.turn_text)
                if query is not None:
                    plans[path] = query
        return plans

    def _adapter_for(self, path: Path | str, kind: str | None) -> Adapter | None:
        """The input adapter for an exchange input (`None`: contract records, the usual path)."""
        return self.adapter.resolve(path) if self.adapter is not None and kind is None else None

    def _batches(self, jobs: list[tuple[Path, str | None]], sql: SqlPrefetch):  # type: ignore[no-untyped-def]
        for path, kind in jobs:
            adapter = self._adapter_for(path, kind)
            if adapter is not None:  # issue 17: converted rows, then the usual normalisation
                source = source_name(path)
                for batch in adapter.batches(path):
                    yield source, "exchange", batch
                self.report.files.append(source)
                self.report.bytes_read += path.stat().st_size if isinstance(path, Path) else 0
                continue
            source = str(path.resolve())
            if sql.has(path):
                done = yield from _tagged(source, sql.batches(path))
                if done is not None:  # the query failed part-way: read the rest record by record
                    yield from self._file_batches(path, source, "exchange", iter_parquet_from(path, done), done)
            else:
                yield from self._file_batches(path, source, kind)
            self.report.files.append(source)
            self.report.bytes_read += path.stat().st_size

    def _file_batches(self, path: Path, source: str, kind: str | None,  # type: ignore[no-untyped-def]
                      batches: Iterator[list[Any]] | None = None, rows: int = 0):
        """One file's batches. A file that breaks off (a truncated .gz, a damaged Parquet file)
        keeps what was read and ends in one `unreadable_file` row, unless `strict`; a named
        accounts or events file that cannot be opened at all stops the run."""
        try:
            for batch in batches if batches is not None else iter_rows(path):
                if self.strict and batch and is_damage_marker(batch[-1]):
                    raise UnreadableInput(f"cannot read {path}: {batch[-1][1]}", path=str(path),
                                          hint="without --strict the records before the damage are kept")
                if kind is None:
                    kind = sniff_batch_kind(path, batch)
                rows += len(batch)
                yield source, kind, batch
        except (UnreadableInput, OSError, pa.ArrowException) as exc:
            if self.strict or kind in ("account", "event") and rows == 0:
                if isinstance(exc, UnreadableInput):
                    raise
                raise UnreadableInput(f"cannot read {path}: {exc}", path=str(path)) from exc
            yield source, kind or "exchange", [(rows + 1, damage_note(path, rows, exc))]

    def _absorb(self, source: str, fast: pa.Table | None, n_fast: int,
                done: Future[BatchResult] | BatchResult) -> None:
        """Take one batch's results: rows normalised in SQL (`fast`) and by the record path."""
        res = done.result() if isinstance(done, Future) else done
        if res.table is not None and not self.turn_text:  # rows from the SQL route come without it
            res = BatchResult(res.kind, res.rows_read, without_turn_text(res.table), res.small_rows, res.bad)
        if fast is not None:
            table = fast if res.table is None else pa.concat_tables([fast, res.table]).sort_by("source_row")
            res = BatchResult(res.kind, res.rows_read, table, res.small_rows, res.bad)
        counts = self.report.counts[res.kind]
        counts.rows_read += res.rows_read + n_fast
        if any(b[2] == "unreadable_file" for b in res.bad) and source not in self.report.unreadable_files:
            self.report.unreadable_files.append(source)
        self._quarantine(res.bad, res.kind, source, counts)
        if res.table is not None:
            self._store_exchanges(res.table, counts)
        if res.small_rows:
            self.small_rows[res.kind].extend(res.small_rows)
        self.on_rows(res.rows_read + n_fast)

    def _quarantine(self, bad: list[tuple[int, str, str, str]], kind: str, source: str, counts: KindCounts) -> None:
        if not bad:
            return
        counts.rows_quarantined += len(bad)
        for reason, n in Counter(b[2] for b in bad).items():
            counts.quarantine_by_reason[reason] = counts.quarantine_by_reason.get(reason, 0) + n
        # A re-run on the same file finds the same bad rows: count them, but store each once.
        new = self.quarantine_keys.add_new(_source_keys([source] * len(bad), [b[0] for b in bad]))
        rows = [b for b, keep in zip(bad, new, strict=True) if keep]
        if not rows:
            return
        n = len(rows)
        table = pa.table(
            {
                "reason": [b[2] for b in rows], "detail": [b[3] for b in rows], "stage": ["ingest"] * n,
                "kind": [kind] * n, "source": [source] * n, "source_row": [b[0] for b in rows],
                "raw": [b[1] for b in rows], "run_id": [self.run_id] * n,
            },
            schema=QUARANTINE.schema,
        )
        self.quarantine_writer.write(table)

    def _store_exchanges(self, table: pa.Table, counts: KindCounts) -> None:
        keep = self.exchange_ids.add_new(hash_ids(table.column("exchange_id").to_pylist()))
        n_keep = int(keep.sum())
        counts.duplicates += table.num_rows - n_keep
        counts.rows_stored += n_keep
        if n_keep < table.num_rows:
            table = table.filter(pa.array(keep))
        self.exchange_writer.write(table)

    def finish(self) -> None:
        self.exchange_writer.close()
        self.quarantine_writer.close()
        self._merge_small("account", key=lambda r: r[0])
        self._merge_small("event", key=lambda r: (r[0], r[1], r[2]))

    def _merge_small(self, kind: str, key: Callable[[list[Any]], Any]) -> None:
        """Accounts and events are small: merge with the stored table, newest record wins."""
        new_rows = self.small_rows[kind]
        if not new_rows:
            return
        counts = self.report.counts[kind]
        name = _TABLE_OF[kind]
        schema = _SCHEMA_OF[kind]
        old_files = st.data_files(self.store, name)
        merged: dict[Any, list[Any]] = {}
        for f in old_files:
            old = pq.read_table(f)
            # Compare like with like: normalised rows hold timestamps as integer microseconds.
            old = pa.table([c.cast(pa.int64()) if pa.types.is_timestamp(c.type) else c for c in old.columns],
                           names=old.column_names)
            for r in old.to_pylist():
                vals = [r[c] for c in schema.names]
                merged[key(vals)] = vals
        for vals in new_rows:
            k = key(vals)
            if k in merged and merged[k][:-2] == vals[:-2]:
                counts.duplicates += 1  # identical to what is stored or already read
                continue
            merged[k] = vals
            counts.rows_stored += 1
        table = rows_to_table(list(merged.values()), schema)
        st.write_atomic(table, st.table_dir(self.store, name) / f"part-{self.run_id}.parquet")
        for f in old_files:
            f.unlink(missing_ok=True)


def _tagged(source: str, batches: Iterator[SqlBatch]) -> Generator[tuple[str, str, SqlBatch], None, int | None]:
    """(source, "exchange", batch) for each batch; returns what the batches generator returns."""
    while True:
        try:
            b = next(batches)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        yield source, "exchange", b


def rows_to_table(rows: list[list[Any]], schema: pa.Schema) -> pa.Table:
    """Build an Arrow table from row lists in schema order (column-wise, for speed)."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in schema]
    return pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)],
                                schema=schema)


def ingest_paths(
    paths: list[Path],
    store: Path,
    *,
    accounts: list[Path] | None = None,
    events: list[Path] | None = None,
    run_id: str | None = None,
    on_rows: Callable[[int], None] | None = None,
    workers: int | None = None,
    turn_text: bool = True,
    strict: bool = False,
    fmt: str = "contract",
    account_fields: list[str] | tuple[str, ...] = (),
) -> IngestReport:
    """Ingest exchange files/folders (kind sniffed per file) plus explicit account and event files.

    Without `turn_text` the store keeps every turn's role and part kinds but not its text
    (`messages[].text` is null); `system_prompt` and `last_user_text`, all detection reads of
    the conversation, are kept in full. On simulator Parquet that store is 55% smaller and
    ingest ~20% faster.

    A file that cannot be read to its end (a truncated or corrupt .gz/.zst, a damaged Parquet
    file) keeps the records read before the damage and adds one `unreadable_file` quarantine
    row naming it (listed in `report.unreadable_files`); the other files are read as usual.
    With `strict`, such a file stops the run with `UnreadableInput` instead.

    `fmt` names the exchange files' log format (`distillguard.ingest.adapters`: contract, auto,
    litellm, litellm-spendlogs, otel, mapping:FILE.yaml); `account_fields` overrides where
    an adapter finds the account.

    Returns an `IngestReport` whose counts satisfy rows_read = stored + quarantined + duplicates.

    Raises
    ------
    UnreadableInput
        When a named path does not exist, a named accounts/events file cannot be opened, or
        (with `strict`) any file cannot be read to its end.
    """
    start = time.perf_counter()
    store.mkdir(parents=True, exist_ok=True)
    adapter, paths, urls = prepare(fmt, paths, account_fields)  # issue 17: input adapters
    files, skipped = discover(paths)
    files += urls  # type: ignore[arg-type]  # database URLs: the adapter reads them
    acc_files, _ = discover(accounts or [])
    ev_files, _ = discover(events or [])
    job = _Ingest(store, run_id or new_run_id(), on_rows, workers if workers is not None else (os.cpu_count() or 1),
                  turn_text, strict, adapter)
    job.report.skipped_files = [str(p) for p in skipped]
    try:
        job.run([(f, None) for f in files] + [(f, "account") for f in acc_files] + [(f, "event") for f in ev_files])
    finally:
        job.finish()
    report = job.report
    report.seconds = time.perf_counter() - start
    for kind, c in report.counts.items():
        assert c.balanced(), f"row accounting broke for {kind}: {c}"  # a bug, never bad input
    runs = store / "runs"
    runs.mkdir(exist_ok=True)
    (runs / f"{report.run_id}.json").write_bytes(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2))
    return report
