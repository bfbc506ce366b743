"""The `quarantine` table: every record that broke the contract, with why and where."""

from __future__ import annotations

import pyarrow as pa

from distillguard.schema._table import col, table

QUARANTINE = table(
    "quarantine",
    col("reason", pa.string(), "Stable snake_case reason code (see distillguard.ingest.quarantine.REASONS)."),
    col("detail", pa.string(), "One line for a human: what exactly was wrong."),
    col("stage", pa.string(), "Pipeline stage that rejected the record (ingest)."),
    col("kind", pa.string(), "Record kind: exchange, account or event."),
    col("source", pa.string(), "File the record was read from."),
    col("source_row", pa.int64(), "1-based line or row in that file."),
    col("raw", pa.string(), "The record untouched (the JSONL line, or the Parquet/CSV row as JSON)."),
    col("run_id", pa.string(), "Ingest run that quarantined it."),
)

SCHEMA = QUARANTINE.schema
