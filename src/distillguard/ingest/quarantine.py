"""Quarantine reason codes: every way a record can break the data contract.

A bad record never raises; it is written to the `quarantine` table with one of these
stable codes, a one-line detail, its source file and row, and the raw record.
"""

from __future__ import annotations

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
}


def check_reason(code: str) -> str:
    """Return `code` if it is a documented reason; raise otherwise (a bug, not bad input)."""
    if code not in REASONS:
        raise KeyError(f"undocumented quarantine reason {code!r}")
    return code
