"""Field-level checks shared by the record path: typed optional values, timestamps, IPs.

A value that breaks the contract raises `Rejected(reason, detail)`; the caller sends the
record to quarantine.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class Rejected(Exception):
    """A record that breaks the contract; carries a quarantine reason code and a detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\Z")


@lru_cache(maxsize=65_536)
def valid_ip(value: str) -> bool:
    if _IPV4.match(value):  # fast path; ipaddress handles IPv6 and the odd cases
        return True
    if ":" not in value:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def parse_ts(value: Any, field: str = "ts") -> int:
    """Return an RFC 3339 time as UTC microseconds since the epoch; raise `Rejected` otherwise."""
    if value is None or value == "":
        raise Rejected("missing_ts", f"{field} is missing")
    if isinstance(value, datetime):  # Parquet files may carry a real timestamp type
        value = value.isoformat()
    if not isinstance(value, str):
        raise Rejected("bad_timestamp", f"{field} is {type(value).__name__}, expected an RFC 3339 string")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise Rejected("bad_timestamp", f"{field} {value[:40]!r} is not an RFC 3339 time") from None
    if dt.tzinfo is None:
        raise Rejected("bad_timestamp", f"{field} {value[:40]!r} has no UTC offset")
    delta = dt - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def req_str(rec: dict, key: str, reason: str) -> str:
    v = rec.get(key)
    if not isinstance(v, str) or not v:
        raise Rejected(reason, f"{key} is {'missing' if v is None else 'empty or not a string'}")
    return v


def opt(value: Any, types: type | tuple[type, ...], field: str) -> Any:
    """Return an optional field's value if it has one of `types` (bool never passes for int)."""
    if value is None:
        return None
    if isinstance(value, types) and not (isinstance(value, bool) and bool not in _as_tuple(types)):
        if value.__class__ is int and not -(2**63) <= value < 2**63:  # the store holds int64
            raise Rejected("bad_field_type", f"{field} {value} is out of range")
        return value
    raise Rejected("bad_field_type", f"{field} is {type(value).__name__}, expected {_type_name(types)}")


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _type_name(types: type | tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in _as_tuple(types))


def int32(value: Any, field: str) -> int | None:
    """An optional integer that the store keeps as int32 (counts, HTTP status)."""
    v = opt(value, int, field)
    if v is not None and not -(2**31) <= v < 2**31:
        raise Rejected("bad_field_type", f"{field} {v} is out of range")
    return v


def num(value: Any, field: str) -> float | None:
    return None if value is None else float(opt(value, (int, float), field))



def strip_nulls(value: Any) -> Any:
    """Drop null members of objects, recursively.

    A null member means an absent one: a Parquet struct carries every field of its schema, null
    where a record had none, and "absent" is what the contract's optional fields mean.
    """
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


