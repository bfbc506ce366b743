"""What every input adapter shares: the `Adapter` shape, path and time helpers, batch conversion.

An adapter turns one record of a foreign log format into one contract exchange record
(`../../docs/contract.md` section 1, as `dict`), before ingest normalises it. A record it cannot
convert raises `Rejected(reason, detail)`; the row then goes to the quarantine with its raw
source text, exactly as a broken contract record does. Nothing is dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from distillguard.ingest.normalise import Rejected
from distillguard.ingest.readers import RawRow, iter_rows, parse_line

_MISSING = object()


class Adapter:
    """Base class: `convert` one source record; `split` a container record into source records.

    Parameters
    ----------
    account_fields
        Dotted source paths tried in order for `account_id`; the first non-empty one wins.
        Empty: the adapter's documented default (`DEFAULT_ACCOUNT_FIELDS`).
    """

    name = "adapter"
    DEFAULT_ACCOUNT_FIELDS: tuple[str, ...] = ()
    renumbers = False  # True when one input line holds many records (OTLP): rows are then record ordinals

    def __init__(self, account_fields: Sequence[str] = ()) -> None:
        self.account_fields = tuple(account_fields) or self.DEFAULT_ACCOUNT_FIELDS

    def split(self, rec: Any) -> list[Any]:
        """The source records inside one input row (most formats: the row itself)."""
        return [rec]

    def convert(self, rec: Any) -> dict[str, Any]:
        """Return the contract exchange record for one source record; raise `Rejected` otherwise."""
        raise NotImplementedError

    def resolve(self, path: Path | str) -> Adapter | None:
        """The adapter that reads `path` (`None`: contract records). Only `auto` looks at the file."""
        return self

    def account(self, rec: dict[str, Any]) -> str | None:
        """The first non-empty account field of `rec`, as a string (`None` when there is none)."""
        for path in self.account_fields:
            v = get_path(rec, path)
            if v is not None and v != "" and not isinstance(v, (dict, list)):
                return str(v)
        return None

    def batches(self, path: Path, batch_rows: int = 5_000) -> Iterator[list[RawRow]]:
        """Read `path` with the ordinary readers and yield batches of converted rows."""
        return convert_rows(self, (item for batch in iter_rows(path, batch_rows) for item in _parsed(batch)),
                            batch_rows)


def _parsed(batch: list[Any]) -> Iterator[RawRow]:
    for entry in batch:
        yield parse_line(*entry) if isinstance(entry, tuple) else entry


def convert_rows(adapter: Adapter, items: Iterable[RawRow], batch_rows: int) -> Iterator[list[RawRow]]:
    """Convert parsed rows; a failure becomes a row with its reason, kept with its raw source text.

    Rows keep their source row number, except for adapters that split one line into many records
    (OTLP): there a row number is the record's ordinal in the file, so each one is distinct.
    """
    out: list[RawRow] = []
    ordinal = 0
    for item in items:
        if item.error is not None:
            ordinal += 1
            out.append(RawRow(ordinal if adapter.renumbers else item.row, item.raw, None, item.error))
            continue
        try:
            parts = adapter.split(item.record)
        except Rejected as rej:
            parts = [rej]
        for part in parts:
            ordinal += 1
            row = ordinal if adapter.renumbers else item.row
            if isinstance(part, Rejected):
                out.append(RawRow(row, item.raw or _dump(item.record), None, (part.reason, part.detail)))
                continue
            raw = _dump(part) if adapter.renumbers or not item.raw else item.raw
            try:
                out.append(RawRow(row, raw, adapter.convert(part)))
            except Rejected as rej:
                out.append(RawRow(row, raw, None, (rej.reason, rej.detail)))
        if len(out) >= batch_rows:
            yield out
            out = []
    if out:
        yield out


def _dump(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def get_path(rec: Any, path: str | Sequence[str], default: Any = None) -> Any:
    """Follow a dotted path (`a.b.0.c`, or a list of keys when a key holds a dot) into `rec`."""
    keys = path.split(".") if isinstance(path, str) else path
    cur = rec
    for key in keys:
        if isinstance(cur, dict):
            cur = cur.get(key, _MISSING)
        elif isinstance(cur, list) and isinstance(key, str) and key.lstrip("-").isdigit():
            i = int(key)
            cur = cur[i] if -len(cur) <= i < len(cur) else _MISSING
        else:
            return default
        if cur is _MISSING or cur is None:
            return default
    return cur


def set_path(rec: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted contract path (`usage.input_tokens`) in `rec`, creating objects on the way."""
    keys = path.split(".")
    cur = rec
    for key in keys[:-1]:
        nxt = cur.get(key)
        if not isinstance(nxt, dict):
            nxt = cur[key] = {}
        cur = nxt
    cur[keys[-1]] = value


def rfc3339(value: Any, field: str, unit: str = "s") -> str:
    """Return a time as RFC 3339 UTC text.

    Numbers are epoch times in `unit` (`s`, `ms`, `us`, `ns`); text without a UTC offset and
    naive datetimes are read as UTC (LiteLLM and PostgreSQL `timestamp` columns hold UTC).

    Raises
    ------
    Rejected
        `missing_ts` when absent, `bad_timestamp` when it is no time.
    """
    if value is None or value == "":
        raise Rejected("missing_ts", f"{field} is missing")
    if isinstance(value, str) and _is_number(value):
        value = float(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        scale = {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}[unit]
        try:
            dt = datetime.fromtimestamp(value / scale, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise Rejected("bad_timestamp", f"{field} {value!r} is out of range") from None
    elif isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.strip())  # also "2026-03-02 00:09:08.335" (PostgreSQL text)
        except ValueError:
            raise Rejected("bad_timestamp", f"{field} {value[:40]!r} is not a time") from None
    else:
        raise Rejected("bad_timestamp", f"{field} is {type(value).__name__}, expected a time")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def as_int(value: Any, field: str) -> int | None:
    """An optional count that may arrive as text (CSV) or a float; `bad_source_field` otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Rejected("bad_source_field", f"{field} is a boolean, expected a number")
    if isinstance(value, int):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise Rejected("bad_source_field", f"{field} {str(value)[:30]!r} is not a number") from None
    if f != f or not f.is_integer():
        raise Rejected("bad_source_field", f"{field} {str(value)[:30]!r} is not a whole number")
    return int(f)


def as_json(value: Any, field: str) -> Any:
    """A JSON column: objects pass through; text (CSV, some exports) is parsed."""
    if isinstance(value, (str, bytes)):
        if not value:
            return None
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise Rejected("bad_source_field", f"{field} is text that is not JSON") from None
    return value


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    """The object without members whose value is None or an empty object."""
    return {k: v for k, v in d.items() if v is not None and v != {}}
