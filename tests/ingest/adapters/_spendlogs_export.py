"""Spend-log rows (from LiteLLM's own `get_logging_payload`) as the exports a user has: CSV, Parquet, PostgreSQL.

The PostgreSQL table is created from LiteLLM's real schema: the `LiteLLM_SpendLogs` model in the
installed package's `litellm/proxy/schema.prisma`, translated column by column to DDL, the way
`prisma db push` lays it out (text, integer, double precision, timestamp(3), jsonb).
"""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

_PG_TYPES = {"String": "TEXT", "Int": "INTEGER", "BigInt": "BIGINT", "Float": "DOUBLE PRECISION",
             "Boolean": "BOOLEAN", "DateTime": "TIMESTAMP(3)", "Json": "JSONB"}


def prisma_columns(model: str = "LiteLLM_SpendLogs") -> list[tuple[str, str, bool, str | None, bool]]:
    """(name, prisma type, nullable, default, primary key) per column of a model in LiteLLM's schema."""
    import litellm

    schema = (Path(litellm.__file__).parent / "proxy" / "schema.prisma").read_text()
    block = re.search(r"model\s+" + model + r"\s*\{(.*?)\n\}", schema, re.S)
    assert block, f"{model} not in LiteLLM's schema.prisma"
    cols = []
    for line in block.group(1).splitlines():
        line = line.split("//")[0].strip()
        m = re.match(r"(\w+)\s+(\w+)(\??)\s*(.*)", line)
        if not m or line.startswith("@@"):
            continue
        name, typ, opt, rest = m.groups()
        d = re.search(r"@default\s*\(((?:[^()]|\([^()]*\))*)\)", rest)
        mapped = re.search(r'@map\("(\w+)"\)', rest)
        cols.append((mapped.group(1) if mapped else name, typ, bool(opt), d.group(1).strip() if d else None,
                     "@id" in rest))
    return cols


def create_table_sql() -> str:
    """`CREATE TABLE "LiteLLM_SpendLogs"` from the prisma model."""
    parts = []
    for name, typ, nullable, default, pk in prisma_columns():
        sql = f'"{name}" {_PG_TYPES[typ]}'
        if pk:
            sql += " PRIMARY KEY"
        elif not nullable:
            sql += " NOT NULL"
        if default == "now()":
            sql += " DEFAULT CURRENT_TIMESTAMP"
        elif default is not None and default.startswith('"'):
            sql += " DEFAULT '" + json.loads(default).replace("'", "''") + "'"
        elif default is not None and re.fullmatch(r"-?[\d.]+", default):
            sql += f" DEFAULT {default}"
        parts.append(sql)
    return 'CREATE TABLE "LiteLLM_SpendLogs" (' + ", ".join(parts) + ")"


def _db_value(col: str, typ: str, v: Any) -> Any:
    if v is None:
        return None
    if typ == "DateTime" and isinstance(v, datetime):
        return v.astimezone(timezone.utc).replace(tzinfo=None)  # timestamp(3) holds UTC without an offset
    if typ == "Json" and not isinstance(v, str):
        return json.dumps(v)
    return v


def rows_for_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Column names and per-row values in the schema's order (columns the rows lack stay null)."""
    cols = [c for c in prisma_columns() if c[0] not in ("created_at", "updated_at")]
    return [c[0] for c in cols], [[_db_value(c[0], c[1], r.get(c[0])) for c in cols] for r in rows]


def write_csv(rows: list[dict[str, Any]], path: Path) -> Path:
    """The rows as a CSV export (timestamps as PostgreSQL prints `timestamp(3)`, JSON as text)."""
    names, values = rows_for_table(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for row in values:
            w.writerow(["" if v is None else v.isoformat(sep=" ", timespec="milliseconds")
                        if isinstance(v, datetime) else v for v in row])
    return path


def write_parquet(rows: list[dict[str, Any]], path: Path) -> Path:
    """The rows as a Parquet export (timestamp columns typed, JSON columns as text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names, values = rows_for_table(rows)
    table = pa.table({n: [r[i] for r in values] for i, n in enumerate(names)})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def load_postgres(rows: list[dict[str, Any]], url: str) -> None:
    """Create LiteLLM's table in the database at `url` and insert the rows."""
    from distillguard.ingest.adapters.spendlogs import connect

    names, values = rows_for_table(rows)
    conn = connect(url)
    try:
        cur = conn.cursor()
        cur.execute('DROP TABLE IF EXISTS "LiteLLM_SpendLogs"')
        cur.execute(create_table_sql())
        cols = ", ".join(f'"{n}"' for n in names)
        casts = ", ".join("%s::jsonb" if typ == "Json" else "%s" for _, typ, *_ in _columns())
        cur.executemany(f'INSERT INTO "LiteLLM_SpendLogs" ({cols}) VALUES ({casts})', values)
        conn.commit()
    finally:
        conn.close()


def _columns() -> list[tuple[str, str, bool, str | None, bool]]:
    return [c for c in prisma_columns() if c[0] not in ("created_at", "updated_at")]
