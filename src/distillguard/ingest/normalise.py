"""Normalise contract records (both request forms) into canonical rows.

The hot path of ingest: it runs once per record, so it avoids per-field helper objects and
validates only what the contract states. A record that breaks the contract raises
`Rejected(reason, detail)`; the caller sends it to quarantine.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import orjson

from distillguard.schema.exchanges import EXCHANGES

EXCHANGE_COLUMNS = EXCHANGES.names
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US_PER_DAY = 86_400_000_000

KNOWN_TOP = frozenset(
    ("request_id", "ts", "account_id", "api_key_id", "org_id", "client", "model", "request",
     "response", "usage", "latency_ms", "status")
)
KNOWN_REQUEST = frozenset(
    ("messages", "system", "tools", "max_tokens", "max_completion_tokens", "temperature", "top_p",
     "n", "logprobs", "top_logprobs", "response_format", "stream", "thinking", "reasoning_effort",
     "model")
)
KNOWN_CLIENT = frozenset(("ip", "asn", "country", "user_agent", "tls_fingerprint"))
KNOWN_USAGE = frozenset(("input_tokens", "output_tokens", "reasoning_tokens"))
VALID_ROLES = frozenset(("system", "developer", "user", "assistant", "tool", "function"))

# Content-part type (either API form) -> canonical kind.
PART_KINDS = {
    "text": "text", "input_text": "text", "output_text": "text",
    "image": "image", "image_url": "image", "input_image": "image",
    "input_audio": "audio", "audio": "audio",
    "file": "file", "document": "file", "input_file": "file",
    "tool_use": "tool_call", "tool_result": "tool_result", "server_tool_use": "tool_call",
    "thinking": "thinking", "redacted_thinking": "thinking",
}


# Part types that only the Anthropic Messages form uses (OpenAI says image_url, tool role, ...).
ANTHROPIC_ONLY_PARTS = frozenset(("image", "tool_use", "tool_result", "document", "thinking", "redacted_thinking"))


class Rejected(Exception):
    """A record that breaks the contract; carries a quarantine reason code and a detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\Z")


@lru_cache(maxsize=65_536)
def _valid_ip(value: str) -> bool:
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


def _req_str(rec: dict, key: str, reason: str) -> str:
    v = rec.get(key)
    if not isinstance(v, str) or not v:
        raise Rejected(reason, f"{key} is {'missing' if v is None else 'empty or not a string'}")
    return v


def _opt(value: Any, types: type | tuple[type, ...], field: str) -> Any:
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


def _int32(value: Any, field: str) -> int | None:
    """An optional integer that the store keeps as int32 (counts, HTTP status)."""
    v = _opt(value, int, field)
    if v is not None and not -(2**31) <= v < 2**31:
        raise Rejected("bad_field_type", f"{field} {v} is out of range")
    return v


def _num(value: Any, field: str) -> float | None:
    return None if value is None else float(_opt(value, (int, float), field))


def _parts(content: Any, where: str) -> tuple[str, list[str]]:
    """Text and part kinds of a message content (string or list of parts, either form)."""
    if isinstance(content, str):
        return content, ["text"]
    if content is None:
        return "", []
    if not isinstance(content, list):
        raise Rejected("bad_message", f"{where}.content is {type(content).__name__}, expected string or list")
    texts: list[str] = []
    kinds: list[str] = []
    for part in content:
        if isinstance(part, str):
            texts.append(part)
            kinds.append("text")
            continue
        if not isinstance(part, dict):
            raise Rejected("bad_message", f"{where}.content has a {type(part).__name__} part")
        ptype = part.get("type")
        kind = PART_KINDS.get(ptype, str(ptype) if ptype else "unknown")
        kinds.append(kind)
        if kind == "text":
            t = part.get("text")
            if isinstance(t, str):
                texts.append(t)
        elif kind == "tool_result":
            inner, _ = _parts(part.get("content"), where + ".tool_result")
            if inner:
                texts.append(inner)
        elif kind == "tool_call":
            texts.append(orjson.dumps(strip_nulls(part.get("input")), option=orjson.OPT_SORT_KEYS).decode())
    return "\n".join(texts), kinds


def _tools(tools: Any) -> tuple[list[str] | None, str | None]:
    if tools is None:
        return None, None
    if not isinstance(tools, list):
        raise Rejected("bad_field_type", f"request.tools is {type(tools).__name__}, expected list")
    names: list[str] = []
    for t in tools:
        if not isinstance(t, dict):
            raise Rejected("bad_field_type", "request.tools has a non-object entry")
        fn = t.get("function")
        name = fn.get("name") if isinstance(fn, dict) else t.get("name")
        names.append(name if isinstance(name, str) else str(t.get("type", "unknown")))
    return names, orjson.dumps(strip_nulls(tools), option=orjson.OPT_SORT_KEYS).decode()


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


def normalise_exchange(rec: Any) -> list[Any]:
    """Return one canonical exchange row (values in `EXCHANGE_COLUMNS` order, minus source fields).

    Raises
    ------
    Rejected
        When the record breaks the data contract.
    """
    if not isinstance(rec, dict):
        raise Rejected("not_an_object", f"record is a JSON {type(rec).__name__}, expected an object")
    request_id = _req_str(rec, "request_id", "missing_request_id")
    ts = parse_ts(rec.get("ts"))
    account_id = _req_str(rec, "account_id", "missing_account_id")
    model = _req_str(rec, "model", "missing_model")
    req = rec.get("request")
    if not isinstance(req, dict):
        raise Rejected("missing_request", "request is " + ("missing" if req is None else "not an object"))
    messages = req.get("messages")
    if not isinstance(messages, list):
        raise Rejected("request_neither_form", "request has no messages list (neither Chat Completions nor Messages form)")

    extra: dict[str, Any] = {}
    for k in rec.keys() - KNOWN_TOP:
        if rec[k] is not None:
            extra[k] = strip_nulls(rec[k])

    client = rec.get("client")
    if client is None:
        client = {}
    elif not isinstance(client, dict):
        raise Rejected("bad_field_type", f"client is {type(client).__name__}, expected object")
    if client:
        ip = _opt(client.get("ip"), str, "client.ip")
        if ip is not None and not _valid_ip(ip):
            raise Rejected("bad_client_ip", f"client.ip {ip[:60]!r} is not an IPv4 or IPv6 address")
        asn = _opt(client.get("asn"), int, "client.asn")
        country = _opt(client.get("country"), str, "client.country")
        user_agent = _opt(client.get("user_agent"), str, "client.user_agent")
        tls = _opt(client.get("tls_fingerprint"), str, "client.tls_fingerprint")
        for k in client.keys() - KNOWN_CLIENT:
            if client[k] is not None:
                extra["client." + k] = strip_nulls(client[k])
    else:
        ip = asn = country = user_agent = tls = None

    # System prompt: Anthropic top-level `system`, or OpenAI system/developer messages.
    anthropic = req.get("system") is not None or req.get("thinking") is not None
    system_parts: list[str] = []
    if req.get("system") is not None:
        text, _ = _parts(req["system"], "request.system")
        system_parts.append(text)
    turns: list[dict[str, Any]] = []
    all_kinds: set[str] = set()
    n_user = 0
    last_user = None
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            raise Rejected("bad_message", f"request.messages[{i}] is not an object")
        role = m.get("role")
        if role not in VALID_ROLES:
            raise Rejected("bad_message", f"request.messages[{i}].role is {str(role)[:30]!r}")
        content = m.get("content")
        if content.__class__ is str:  # the common case, without building a location string
            text, kinds = content, ["text"]
        else:
            text, kinds = _parts(content, f"request.messages[{i}]")
        if role in ("system", "developer"):
            system_parts.append(text)
            continue
        calls = m.get("tool_calls")
        if isinstance(calls, list) and calls:
            kinds = kinds + ["tool_call"] * len(calls)
        if role in ("tool", "function"):
            kinds = ["tool_result"]
        all_kinds.update(kinds)
        if role == "user":
            n_user += 1
            last_user = text
        if not anthropic and isinstance(m.get("content"), list):
            anthropic = any(isinstance(p, dict) and p.get("type") in ANTHROPIC_ONLY_PARTS for p in m["content"])
        turns.append({"role": role, "text": text, "part_kinds": kinds})

    tool_names, tools_json = _tools(req.get("tools"))
    if tools_json is not None and not anthropic:
        anthropic = any(isinstance(t, dict) and t.get("input_schema") is not None for t in req["tools"])

    max_tokens = req.get("max_completion_tokens")
    if max_tokens is None:
        max_tokens = req.get("max_tokens")
    _opt(max_tokens, int, "request.max_tokens")
    n = _int32(req.get("n"), "request.n")
    logprobs = _opt(req.get("logprobs"), bool, "request.logprobs")
    top_logprobs = _int32(req.get("top_logprobs"), "request.top_logprobs")
    stream = _opt(req.get("stream"), bool, "request.stream")
    rf = req.get("response_format")
    response_format = rf.get("type") if isinstance(rf, dict) else _opt(rf, str, "request.response_format")
    thinking = req.get("thinking")
    thinking_budget = None
    if isinstance(thinking, dict) and thinking.get("type") == "enabled":
        thinking_budget = _opt(thinking.get("budget_tokens"), int, "request.thinking.budget_tokens")
    reasoning_effort = _opt(req.get("reasoning_effort"), str, "request.reasoning_effort")
    for k in req.keys() - KNOWN_REQUEST:
        if req[k] is not None:
            extra["request." + k] = strip_nulls(req[k])

    resp = rec.get("response")
    r_text = r_reason = finish = None
    r_calls = None
    if resp is not None:
        if not isinstance(resp, dict):
            raise Rejected("bad_response", f"response is {type(resp).__name__}, expected object")
        content = resp.get("content")
        if content is not None and not isinstance(content, str):
            content, _ = _parts(content, "response")
        r_text = content
        r_reason = _opt(resp.get("reasoning"), str, "response.reasoning")
        calls = resp.get("tool_calls")
        if calls is not None and not isinstance(calls, list):
            raise Rejected("bad_response", "response.tool_calls is not a list")
        r_calls = len(calls) if calls is not None else None
        finish = _opt(resp.get("finish_reason"), str, "response.finish_reason")

    usage = rec.get("usage")
    if usage is None:
        usage = {}
    elif not isinstance(usage, dict):
        raise Rejected("bad_field_type", f"usage is {type(usage).__name__}, expected object")
    in_tok = _opt(usage.get("input_tokens"), int, "usage.input_tokens")
    out_tok = _opt(usage.get("output_tokens"), int, "usage.output_tokens")
    r_tok = _opt(usage.get("reasoning_tokens"), int, "usage.reasoning_tokens")

    return [
        request_id, ts, ts // _US_PER_DAY, account_id,
        _opt(rec.get("api_key_id"), str, "api_key_id"), _opt(rec.get("org_id"), str, "org_id"),
        ip, asn, country.upper() if country else country,
        user_agent, tls,
        model, "anthropic" if anthropic else "openai",
        "\n\n".join(system_parts) if system_parts else None,
        turns, len(turns), n_user, last_user, sorted(all_kinds), tool_names, tools_json,
        max_tokens, _num(req.get("temperature"), "request.temperature"),
        _num(req.get("top_p"), "request.top_p"), n, logprobs, top_logprobs, response_format, stream,
        thinking_budget, reasoning_effort, r_text, r_reason, r_calls, finish,
        in_tok, out_tok, r_tok, _num(rec.get("latency_ms"), "latency_ms"),
        _int32(rec.get("status"), "status"),
        orjson.dumps(extra, option=orjson.OPT_SORT_KEYS, default=str).decode() if extra else None,
    ]


_SIGNUP_BOOL = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
ACCOUNT_FIELDS = ("account_id", "created_at", "email_domain", "payment_fingerprint", "country",
                  "signup_path", "verified")


def normalise_account(rec: Any) -> list[Any]:
    """Return one canonical account row (ACCOUNTS order, minus source fields)."""
    if not isinstance(rec, dict):
        raise Rejected("not_an_object", f"record is a JSON {type(rec).__name__}, expected an object")
    account_id = _req_str(rec, "account_id", "missing_account_id")
    created = rec.get("created_at")
    created_us = None if created in (None, "") else parse_ts(created, "created_at")
    verified = rec.get("verified")
    if isinstance(verified, str):
        if verified.strip().lower() not in _SIGNUP_BOOL:
            raise Rejected("bad_field_type", f"verified {verified[:20]!r} is not a boolean")
        verified = _SIGNUP_BOOL[verified.strip().lower()]
    verified = _opt(verified, bool, "verified")
    domain = _opt(rec.get("email_domain"), str, "email_domain")
    country = _opt(rec.get("country"), str, "country")
    return [
        account_id, created_us, domain.lower() if domain else domain,
        _opt(rec.get("payment_fingerprint"), str, "payment_fingerprint"),
        country.upper() if country else country,
        _opt(rec.get("signup_path"), str, "signup_path"), verified,
    ]


def normalise_event(rec: Any) -> list[Any]:
    """Return one canonical event row (EVENTS order, minus source fields)."""
    if not isinstance(rec, dict):
        raise Rejected("not_an_object", f"record is a JSON {type(rec).__name__}, expected an object")
    etype = rec.get("type")
    if not isinstance(etype, str) or not etype:
        raise Rejected("bad_event", "event has no string type")
    ts = parse_ts(rec.get("ts"))
    extra = {k: strip_nulls(v) for k, v in rec.items() if k not in ("type", "model", "ts") and v is not None}
    return [etype, _opt(rec.get("model"), str, "model"), ts,
            orjson.dumps(extra, option=orjson.OPT_SORT_KEYS, default=str).decode() if extra else None]
