"""The `events` table: model releases and other dated events (contract section 3)."""

from __future__ import annotations

import pyarrow as pa

from distillguard.schema._table import col, table

EVENTS = table(
    "events",
    col("type", pa.string(), "Event type, e.g. model_release. Unknown types are kept and ignored by detection."),
    col("model", pa.string(), "Model the event concerns, if any."),
    col("ts", pa.timestamp("us", tz="UTC"), "When the event happened, UTC."),
    col("extra_json", pa.string(), "Other fields of the event, as JSON (null when none)."),
    col("source", pa.string(), "File the record was read from."),
    col("source_row", pa.int64(), "1-based row in that file."),
)

SCHEMA = EVENTS.schema
