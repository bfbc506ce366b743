"""The quarantine: its reason codes (every way a record can break the data contract), and reading it back.

A bad record never raises; it is written to the `quarantine` table with one of these
stable codes, a one-line detail, its source file and row, and the raw record. `summarise`
lists a quarantine by reason (`distillguard quarantine`); `require_exchanges` and
`keep_quarantine` are how `detect` answers input with no valid record and keeps the
quarantine of a temporary store.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

REASONS: dict[str, str] = {
    "invalid_json": "The line is not valid JSON.",
    "not_utf8": "The line is not valid UTF-8 text.",
    "not_an_object": "The record is JSON but not an object.",
    "missing_request_id": "request_id is absent, empty or not a string.",
    "missing_account_id": "account_id is absent, empty or not a string.",
    "missing_model": "model is absent, empty or not a string.",
    "missing_ts": "ts is absent or empty.",
    "bad_timestamp": "ts (or created_at) is not an RFC 3339 time with a UTC offset.",
    "missing_request": "request is absent or not an object.",
    "request_neither_form": "request is of none of the three forms (no messages list, no Responses input), "
                            "or not of the form its endpoint names.",
    "bad_message": "a message is not an object, has no valid role, or its content is neither a string nor a list of parts.",
    "bad_field_type": "an optional field has the wrong type (e.g. a string where an integer belongs).",
    "bad_client_ip": "client.ip is not an IPv4 or IPv6 address.",
    "bad_response": "response is present but not an object, or its parts have the wrong types.",
    "bad_event": "an event lacks a string type or a valid ts.",
    "unreadable_file": "the file (or its remainder) could not be read: a truncated or corrupt .gz/.zst stream, a "
                       "damaged Parquet file, or no permission to read it. Records read before the damage are kept; "
                       "one row per file records the loss.",
    # Input adapters (--format, distillguard.ingest.adapters):
    "not_source_format": "the record does not have the shape of the chosen --format (e.g. a LiteLLM payload without call_type).",
    "not_a_generation": ("a logged call that generates no text (embedding, image, audio) "
                         "or an OTel span that is no GenAI model call."),
    "bad_source_field": "a source field has a value the adapter cannot convert (e.g. a token count that is no number).",
    "read_interrupted": "the source (a database) stopped part-way; the rows after this one were not read.",
}


def check_reason(code: str) -> str:
    """Return `code` if it is a documented reason; raise otherwise (a bug, not bad input)."""
    if code not in REASONS:
        raise KeyError(f"undocumented quarantine reason {code!r}")
    return code


def summarise(folder: Path, samples: int = 3) -> list[dict[str, Any]]:
    """Quarantine rows under `folder` (``*.parquet``) by reason, most frequent first.

    Each entry: ``reason``, ``rows``, ``files`` (distinct sources) and ``samples`` (up to
    `samples` rows, in source and row order: ``source``, ``source_row``, ``detail``, ``raw``).
    An absent or empty folder gives an empty list.
    """
    import duckdb

    files = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
    if not files:
        return []
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        con.execute(f"CREATE VIEW q AS SELECT * FROM read_parquet([{listing}])")
        counts = con.execute("SELECT reason, count(*), count(DISTINCT source) FROM q GROUP BY reason "
                             "ORDER BY count(*) DESC, reason").fetchall()
        rows = con.execute("""SELECT reason, source, source_row, detail, raw FROM (
            SELECT *, row_number() OVER (PARTITION BY reason ORDER BY source, source_row) AS k FROM q) WHERE k <= $n
            ORDER BY reason, source, source_row""", {"n": samples}).fetchall()
    finally:
        con.close()
    by: dict[str, list[dict[str, Any]]] = {}
    for reason, source, row, detail, raw in rows:
        by.setdefault(reason, []).append({"source": source, "source_row": row, "detail": detail, "raw": raw})
    return [{"reason": r, "rows": n, "files": f, "samples": by.get(r, [])} for r, n, f in counts]


def require_exchanges(store: Path, report: Any, where: Path) -> None:
    """Raise `NoValidRecords` when the store holds no exchange at all after `report`'s run.

    The message names what was read and the quarantine reasons with their counts, and `where`
    the quarantine can be read (`distillguard quarantine --store ...`).
    """
    from distillguard.errors import NoValidRecords
    from distillguard.ingest.store import data_files

    if data_files(store, "exchanges"):
        return
    ex = report.counts["exchange"]
    files = len(report.files)
    if not report.rows_read:
        raise NoValidRecords(f"no exchange record to analyse: the input ({files} file(s)) holds no records",
                             hint="give files of exchange records (JSON Lines, .gz, .zst or Parquet; see "
                                  "docs/contract.md)")
    by: dict[str, int] = {}
    for c in report.counts.values():
        for r, n in c.quarantine_by_reason.items():
            by[r] = by.get(r, 0) + n
    reasons = ", ".join(f"{r}={n:,}" for r, n in sorted(by.items(), key=lambda kv: (-kv[1], kv[0])))
    raise NoValidRecords(
        f"no valid exchange record to analyse: {report.rows_quarantined:,} of {report.rows_read:,} records in "
        f"{files} file(s) were quarantined ({reasons or 'none'})"
        + (f", {ex.duplicates:,} were duplicates" if ex.duplicates else ""),
        hint=f"see why with `distillguard quarantine --store {where}`; the fields are in docs/contract.md")


def keep_quarantine(store: Path, dest: Path) -> Path | None:
    """Copy a (temporary) store's quarantine files into `dest` (replacing what is there); None if none."""
    import shutil

    from distillguard.ingest.store import data_files

    files = data_files(store, "quarantine")
    target = dest / "quarantine"
    if target.is_dir():
        shutil.rmtree(target)
    if not files:
        return None
    target.mkdir(parents=True)
    for f in files:
        shutil.copy2(f, target / f.name)
    return target
