"""Synthetic contract records for tests and benchmarks (not a traffic simulator).

`make_exchange` builds one valid exchange record in either request form; `corrupt` breaks a
record in one named way and returns the quarantine reason ingest must give it. The world
simulator (`distillguard.simulate`) builds realistic traffic; this only exercises formats.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

T0 = datetime(2026, 3, 2, tzinfo=timezone.utc)
_WORDS = ("solve", "explain", "the", "integral", "of", "prove", "step", "by", "grade", "this", "answer",
          "rubric", "python", "function", "sort", "list", "translate", "summary", "table", "score")


def make_exchange(rng: random.Random, i: int, *, n_accounts: int = 1000) -> dict[str, Any]:
    """Return a valid exchange record (OpenAI or Anthropic form, optional fields varied)."""
    ts = T0 + timedelta(seconds=i * 0.37 + rng.random())
    text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 60)))
    anthropic = rng.random() < 0.4
    msgs: list[dict[str, Any]] = [{"role": "user", "content": text}]
    if rng.random() < 0.3:
        msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}] + msgs
    if anthropic:
        request: dict[str, Any] = {"system": "You are a careful grader.", "messages": msgs, "max_tokens": 4096}
        if rng.random() < 0.3:
            request["thinking"] = {"type": "enabled", "budget_tokens": 2048}
        if rng.random() < 0.2:
            msgs[-1] = {"role": "user", "content": [{"type": "text", "text": text},
                                                    {"type": "image", "source": {"type": "base64", "data": "AA=="}}]}
    else:
        request = {"messages": [{"role": "system", "content": "You are helpful."}, *msgs],
                   "temperature": round(rng.random(), 2), "max_tokens": rng.choice([256, 1024, 4096])}
        if rng.random() < 0.2:
            request["tools"] = [{"type": "function", "function": {"name": "search", "parameters": {"type": "object"}}}]
    rec: dict[str, Any] = {
        "request_id": f"req-{i:012d}",
        "ts": ts.isoformat().replace("+00:00", "Z"),
        "account_id": f"acct-{rng.randrange(n_accounts):06d}",
        "model": rng.choice(("model-a", "model-b")),
        "request": request,
        "response": {"content": text[::-1], "reasoning": "Let me think." if rng.random() < 0.3 else None,
                     "finish_reason": "stop"},
        "usage": {"input_tokens": len(text) // 4, "output_tokens": rng.randint(5, 900)},
    }
    if rng.random() < 0.8:
        rec["client"] = {"ip": f"203.0.{rng.randrange(256)}.{rng.randrange(256)}", "asn": 64500 + rng.randrange(20),
                         "country": rng.choice(("US", "de", "CN")), "user_agent": "python-httpx/0.28"}
    if rng.random() < 0.5:
        rec["api_key_id"] = f"key-{rng.randrange(5000)}"
    if rng.random() < 0.5:
        rec["latency_ms"] = round(rng.random() * 3000, 1)
        rec["status"] = 200
    return rec


CORRUPTIONS: dict[str, str] = {
    # name -> the quarantine reason ingest must give
    "drop_request_id": "missing_request_id",
    "drop_account_id": "missing_account_id",
    "empty_account_id": "missing_account_id",
    "drop_model": "missing_model",
    "drop_ts": "missing_ts",
    "garbage_ts": "bad_timestamp",
    "naive_ts": "bad_timestamp",
    "numeric_ts": "bad_timestamp",
    "drop_request": "missing_request",
    "request_is_string": "missing_request",
    "prompt_only_body": "request_neither_form",
    "message_not_object": "bad_message",
    "bad_role": "bad_message",
    "content_is_number": "bad_message",
    "asn_is_string": "bad_field_type",
    "tokens_are_strings": "bad_field_type",
    "max_tokens_is_float": "bad_field_type",
    "bad_ip": "bad_client_ip",
    "response_is_list": "bad_response",
    "json_array": "not_an_object",
}
LINE_CORRUPTIONS: dict[str, str] = {"truncated_json": "invalid_json", "not_utf8": "not_utf8"}


def corrupt(rec: dict[str, Any], how: str) -> dict[str, Any] | list[Any]:
    """Return a copy of `rec` broken in the way `how` names (a key of CORRUPTIONS)."""
    r = {**rec, "request": dict(rec["request"]) if isinstance(rec.get("request"), dict) else rec.get("request")}
    req = r["request"]
    if how == "drop_request_id":
        r.pop("request_id")
    elif how == "drop_account_id":
        r.pop("account_id")
    elif how == "empty_account_id":
        r["account_id"] = ""
    elif how == "drop_model":
        r.pop("model")
    elif how == "drop_ts":
        r.pop("ts")
    elif how == "garbage_ts":
        r["ts"] = "yesterday at noon"
    elif how == "naive_ts":
        r["ts"] = "2026-03-02T10:00:00"
    elif how == "numeric_ts":
        r["ts"] = 1772445600
    elif how == "drop_request":
        r.pop("request")
    elif how == "request_is_string":
        r["request"] = "hello"
    elif how == "prompt_only_body":
        r["request"] = {"prompt": "complete this", "max_tokens": 16}
    elif how == "message_not_object":
        req["messages"] = ["just a string"]
    elif how == "bad_role":
        req["messages"] = [{"role": "wizard", "content": "hi"}]
    elif how == "content_is_number":
        req["messages"] = [{"role": "user", "content": 42}]
    elif how == "asn_is_string":
        r["client"] = {"ip": "198.51.100.7", "asn": "AS64500"}
    elif how == "tokens_are_strings":
        r["usage"] = {"input_tokens": "12", "output_tokens": 3}
    elif how == "max_tokens_is_float":
        req["max_tokens"] = 1024.5
    elif how == "bad_ip":
        r["client"] = {"ip": "999.1.2.3"}
    elif how == "response_is_list":
        r["response"] = ["answer"]
    elif how == "json_array":
        return [r]
    else:
        raise KeyError(how)
    return r


def corrupt_line(line: bytes, how: str) -> bytes:
    """Break a serialised JSONL line (a key of LINE_CORRUPTIONS)."""
    if how == "truncated_json":
        return line[: max(1, len(line) // 2)]
    if how == "not_utf8":
        return line[:10] + b"\xff\xfe" + line[10:]
    raise KeyError(how)


def write_sample(path: str, n: int = 5000, seed: int = 0) -> None:
    """Write `n` synthetic exchange records as JSON Lines (for demos and quick checks)."""
    import orjson

    rng = random.Random(seed)
    with open(path, "wb") as fh:
        for i in range(n):
            fh.write(orjson.dumps(make_exchange(rng, i, n_accounts=50)) + b"\n")


if __name__ == "__main__":
    import sys

    write_sample(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5000)
