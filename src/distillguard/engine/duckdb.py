"""The embedded DuckDB engine: the store's Parquet tables as views, Arrow in and out."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from distillguard.engine.base import BatchFn
from distillguard.errors import EngineError
from distillguard.ingest.store import data_files
from distillguard.schema import TABLES

STORE_TABLES = ("exchanges", "accounts", "events", "quarantine")


def _to_arrow(rel: duckdb.DuckDBPyRelation) -> pa.Table:
    # duckdb 2.0 renamed fetch_arrow_table to to_arrow_table; support both.
    fetch = getattr(rel, "to_arrow_table", None) or rel.fetch_arrow_table
    return fetch()


class DuckDBEngine:
    """Embedded engine over a Parquet store; missing tables appear empty with the right schema."""

    name = "duckdb"

    def __init__(self, store: Path | None = None, memory_limit: str | None = None, threads: int | None = None) -> None:
        # DuckDB's own progress bar writes to stdout, which carries `--json` output: ours is on stderr.
        self.con = duckdb.connect()
        self.con.execute("SET enable_progress_bar = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("SET TimeZone = 'UTC'")
        self.store = store
        if store is not None:
            for name in STORE_TABLES:
                self._view(name)

    def _view(self, name: str) -> None:
        assert self.store is not None
        files = data_files(self.store, name)
        if files:
            listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
            self.con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{listing}], hive_partitioning=false, union_by_name=true)"
            )
        else:
            self.con.register(f"_{name}_empty", TABLES[name].schema.empty_table())
            self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM _{name}_empty")

    def restrict_until(self, until_us: int) -> None:
        """Make `exchanges` show only rows before `until_us`, as if detection ran then."""
        self._view("exchanges")
        self.con.execute("ALTER VIEW exchanges RENAME TO exchanges_all")
        self.con.execute(f"CREATE VIEW exchanges AS SELECT * FROM exchanges_all WHERE epoch_us(ts) < {int(until_us)}")

    def sql(self, query: str, params: Mapping[str, object] | None = None) -> pa.Table:
        try:
            rel = self.con.sql(query, params=dict(params) if params else None)
            return _to_arrow(rel) if rel is not None else pa.table({})
        except duckdb.Error as exc:
            raise EngineError(f"query failed on duckdb: {str(exc).splitlines()[0]}") from exc

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def unregister(self, *names: str) -> None:
        for name in names:
            try:
                self.con.unregister(name)
            except Exception:  # noqa: BLE001 - best effort clean-up
                pass

    def map_batches(self, fn: BatchFn, query: str, batch_rows: int = 65_536) -> list[pa.RecordBatch]:
        rel = self.con.sql(query)
        fetch = getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader  # duckdb 2.0 / 1.x names
        return [fn(b) for b in fetch(batch_rows)]

    def close(self) -> None:
        self.con.close()


def open_engine(store: Path | None = None, **kwargs: object) -> DuckDBEngine:
    """Open the default engine over a store."""
    return DuckDBEngine(store, **kwargs)  # type: ignore[arg-type]
