"""Normalise contract records (all three request body forms) into canonical rows.

The hot path of ingest: it runs once per record, so it avoids per-field helper objects and
validates only what the contract states. A record that breaks the contract raises
`Rejected(reason, detail)`; the caller sends it to quarantine. The request body is read by
`_bodies.read_body` (Chat Completions, Responses, Messages); this module reads the rest.
"""

from __future__ import annotations

from typing import Any

import orjson

from distillguard.ingest._bodies import BODY_COLUMNS, KNOWN_REQUEST, KNOWN_RESPONSES, read_body
from distillguard.ingest._fields import Rejected, int32, num, opt, parse_ts, req_str, strip_nulls, valid_ip
from distillguard.ingest._turns import ANTHROPIC_ONLY_PARTS, PART_KINDS, VALID_ROLES
from distillguard.schema.exchanges import EXCHANGES

__all__ = ["ANTHROPIC_ONLY_PARTS", "EXCHANGE_COLUMNS", "KNOWN_CLIENT", "KNOWN_REQUEST", "KNOWN_RESPONSES",
           "KNOWN_TOP", "PART_KINDS", "VALID_ROLES", "Rejected", "normalise_account", "normalise_event",
           "normalise_exchange", "parse_ts", "strip_nulls"]

EXCHANGE_COLUMNS = EXCHANGES.names
_US_PER_DAY = 86_400_000_000

KNOWN_TOP = frozenset(
    ("request_id", "ts", "account_id", "api_key_id", "org_id", "client", "model", "endpoint", "request",
     "response", "usage", "latency_ms", "status")
)
KNOWN_CLIENT = frozenset(("ip", "asn", "country", "user_agent", "tls_fingerprint"))
KNOWN_USAGE = frozenset(("input_tokens", "output_tokens", "reasoning_tokens"))
# Body columns up to reasoning_effort sit before the response columns; the later ones were added
# after extra_json (the store grows additively).
_SPLIT = BODY_COLUMNS.index("thinking_mode")


def normalise_exchange(rec: Any) -> list[Any]:
    """Return one canonical exchange row (values in `EXCHANGE_COLUMNS` order, minus source fields).

    Raises
    ------
    Rejected
        When the record breaks the data contract.
    """
    if not isinstance(rec, dict):
        raise Rejected("not_an_object", f"record is a JSON {type(rec).__name__}, expected an object")
    request_id = req_str(rec, "request_id", "missing_request_id")
    ts = parse_ts(rec.get("ts"))
    account_id = req_str(rec, "account_id", "missing_account_id")
    model = req_str(rec, "model", "missing_model")
    req = rec.get("request")
    if not isinstance(req, dict):
        raise Rejected("missing_request", "request is " + ("missing" if req is None else "not an object"))
    endpoint = rec.get("endpoint")
    if endpoint is not None:
        opt(endpoint, str, "endpoint")

    extra: dict[str, Any] = {}
    for k in rec.keys() - KNOWN_TOP:
        if rec[k] is not None:
            extra[k] = strip_nulls(rec[k])
    body = read_body(req, endpoint, model, extra)

    client = rec.get("client")
    if client is None:
        client = {}
    elif not isinstance(client, dict):
        raise Rejected("bad_field_type", f"client is {type(client).__name__}, expected object")
    if client:
        ip = opt(client.get("ip"), str, "client.ip")
        if ip is not None and not valid_ip(ip):
            raise Rejected("bad_client_ip", f"client.ip {ip[:60]!r} is not an IPv4 or IPv6 address")
        asn = opt(client.get("asn"), int, "client.asn")
        country = opt(client.get("country"), str, "client.country")
        user_agent = opt(client.get("user_agent"), str, "client.user_agent")
        tls = opt(client.get("tls_fingerprint"), str, "client.tls_fingerprint")
        for k in client.keys() - KNOWN_CLIENT:
            if client[k] is not None:
                extra["client." + k] = strip_nulls(client[k])
    else:
        ip = asn = country = user_agent = tls = None

    resp = rec.get("response")
    r_text = r_reason = finish = None
    r_calls = None
    if resp is not None:
        if not isinstance(resp, dict):
            raise Rejected("bad_response", f"response is {type(resp).__name__}, expected object")
        content = resp.get("content")
        if content is not None and not isinstance(content, str):
            content = _response_text(content)
        r_text = content
        r_reason = opt(resp.get("reasoning"), str, "response.reasoning")
        calls = resp.get("tool_calls")
        if calls is not None and not isinstance(calls, list):
            raise Rejected("bad_response", "response.tool_calls is not a list")
        r_calls = len(calls) if calls is not None else None
        finish = opt(resp.get("finish_reason"), str, "response.finish_reason")

    usage = rec.get("usage")
    if usage is None:
        usage = {}
    elif not isinstance(usage, dict):
        raise Rejected("bad_field_type", f"usage is {type(usage).__name__}, expected object")
    in_tok = opt(usage.get("input_tokens"), int, "usage.input_tokens")
    out_tok = opt(usage.get("output_tokens"), int, "usage.output_tokens")
    r_tok = opt(usage.get("reasoning_tokens"), int, "usage.reasoning_tokens")

    return [
        request_id, ts, ts // _US_PER_DAY, account_id,
        opt(rec.get("api_key_id"), str, "api_key_id"), opt(rec.get("org_id"), str, "org_id"),
        ip, asn, country.upper() if country else country,
        user_agent, tls, model,
        *body[:_SPLIT],
        r_text, r_reason, r_calls, finish,
        in_tok, out_tok, r_tok, num(rec.get("latency_ms"), "latency_ms"),
        int32(rec.get("status"), "status"),
        orjson.dumps(extra, option=orjson.OPT_SORT_KEYS, default=str).decode() if extra else None,
        endpoint, *body[_SPLIT:],
    ]


def _response_text(content: Any) -> str:
    """The text of a response `content` given as a list of parts."""
    from distillguard.ingest._turns import parts

    text, _, _, _, _ = parts(content, "response", {})
    return text


_SIGNUP_BOOL = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
ACCOUNT_FIELDS = ("account_id", "created_at", "email_domain", "payment_fingerprint", "country",
                  "signup_path", "verified")


def normalise_account(rec: Any) -> list[Any]:
    """Return one canonical account row (ACCOUNTS order, minus source fields)."""
    if not isinstance(rec, dict):
        raise Rejected("not_an_object", f"record is a JSON {type(rec).__name__}, expected an object")
    account_id = req_str(rec, "account_id", "missing_account_id")
    created = rec.get("created_at")
    created_us = None if created in (None, "") else parse_ts(created, "created_at")
    verified = rec.get("verified")
    if isinstance(verified, str):
        if verified.strip().lower() not in _SIGNUP_BOOL:
            raise Rejected("bad_field_type", f"verified {verified[:20]!r} is not a boolean")
        verified = _SIGNUP_BOOL[verified.strip().lower()]
    verified = opt(verified, bool, "verified")
    domain = opt(rec.get("email_domain"), str, "email_domain")
    country = opt(rec.get("country"), str, "country")
    return [
        account_id, created_us, domain.lower() if domain else domain,
        opt(rec.get("payment_fingerprint"), str, "payment_fingerprint"),
        country.upper() if country else country,
        opt(rec.get("signup_path"), str, "signup_path"), verified,
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
    return [etype, opt(rec.get("model"), str, "model"), ts,
            orjson.dumps(extra, option=orjson.OPT_SORT_KEYS, default=str).decode() if extra else None]
