"""LiteLLM `StandardLoggingPayload` lines (what its logging callbacks write) -> exchanges.

The payload is LiteLLM's typed log record (`litellm/types/utils.py`, `StandardLoggingPayload`):
one JSON object per call, written by custom loggers and most of its logging integrations.

=======================  =====================================================================
contract field           payload field (first present wins)
=======================  =====================================================================
``request_id``           ``id``
``ts``                   ``startTime`` (epoch seconds)
``account_id``           ``metadata.user_api_key_user_id``, ``metadata.user_api_key_team_id``,
                         ``metadata.user_api_key_hash`` (the key itself when it has no owner);
                         change with ``--account-field`` (dotted paths, tried in order)
``api_key_id``           ``metadata.user_api_key_hash`` (LiteLLM's hash, never the key)
``org_id``               ``metadata.user_api_key_org_id``
``client.ip``            ``requester_ip_address``, ``metadata.requester_ip_address``
``client.user_agent``    ``user_agent``, ``metadata.user_agent``
``model``                ``model_group`` (the name the client asked for), else ``model``
``endpoint``             ``metadata.user_api_key_request_route``, else from ``call_type``
``request``              ``messages`` plus ``model_parameters`` (max_tokens, temperature, tools...)
``response``             ``response.choices[0].message`` (content, reasoning_content, tool_calls),
                         ``finish_reason``
``usage``                ``prompt_tokens``, ``completion_tokens``,
                         ``response.usage.completion_tokens_details.reasoning_tokens``
``latency_ms``           ``endTime - startTime``
``status``               200 for ``status: success``; ``error_information.error_code`` otherwise
extra fields             ``api_base``, ``provider`` (``custom_llm_provider``)
=======================  =====================================================================

Calls that generate no text (embeddings, images, audio, files, batches) go to the quarantine
as `not_a_generation`.
"""

from __future__ import annotations

from typing import Any

from distillguard.ingest.adapters._base import Adapter, as_int, as_json, drop_none, get_path, rfc3339
from distillguard.ingest.normalise import Rejected

GENERATION_CALLS = frozenset(("completion", "acompletion", "text_completion", "atext_completion",
                              "anthropic_messages", "aanthropic_messages", "responses", "aresponses",
                              "generate_content", "agenerate_content"))
ENDPOINT_OF_CALL = {"anthropic_messages": "/v1/messages", "responses": "/v1/responses",
                    "text_completion": "/v1/completions"}
ACCOUNT_FIELDS = ("metadata.user_api_key_user_id", "metadata.user_api_key_team_id", "metadata.user_api_key_hash")
# model_parameters that are LiteLLM's own bookkeeping, not part of the client's request body.
_NOT_REQUEST = frozenset(("extra_body", "metadata", "litellm_metadata", "proxy_server_request", "mock_response",
                          "api_key", "api_base", "user_api_key", "litellm_call_id"))


def call_kind(call_type: Any) -> str:
    """The call type without LiteLLM's async `a` prefix (`acompletion` -> `completion`)."""
    ct = str(call_type or "")
    if ct not in GENERATION_CALLS:
        return ct
    return ct[1:] if ct.startswith("a") and ct[1:] in GENERATION_CALLS else ct


def request_body(messages: Any, params: Any, call_type: str) -> dict[str, Any]:
    """The contract request: the messages as the client sent them plus the sampling parameters."""
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    elif isinstance(messages, dict):  # e.g. a Responses/Messages body logged whole
        body = dict(messages)
        messages = body.pop("messages", None)
        params = {**body, **(params if isinstance(params, dict) else {})}
    elif messages is None or messages == []:
        messages = []  # not logged (message logging off): detection keeps the metadata
    elif not isinstance(messages, list):
        raise Rejected("bad_source_field", f"messages is a {type(messages).__name__}, expected a list")
    req = {k: v for k, v in (params or {}).items() if k not in _NOT_REQUEST and v is not None} \
        if isinstance(params, dict) else {}
    if call_type == "responses" and "input" not in req:
        req["input"] = messages
    else:
        req["messages"] = messages
    return req


def response_fields(resp: Any) -> dict[str, Any] | None:
    """Content, reasoning, tool calls and finish reason of a logged OpenAI-shaped response."""
    if isinstance(resp, str):
        return {"content": resp} if resp else None
    if not isinstance(resp, dict) or not resp:
        return None
    choice = get_path(resp, "choices.0")
    if isinstance(choice, dict):
        msg = choice.get("message") or {}
        text = msg.get("content") if isinstance(msg, dict) else None
        if text is None and isinstance(choice.get("text"), str):  # text completion
            text = choice["text"]
        return drop_none({"content": text, "reasoning": msg.get("reasoning_content") if isinstance(msg, dict) else None,
                          "tool_calls": (msg.get("tool_calls") or None) if isinstance(msg, dict) else None,
                          "finish_reason": choice.get("finish_reason")}) or None
    if isinstance(resp.get("content"), list):  # Anthropic Messages response
        texts = [b.get("text", "") for b in resp["content"] if isinstance(b, dict) and b.get("type") == "text"]
        return drop_none({"content": "".join(texts), "finish_reason": resp.get("stop_reason")})
    return None


class LiteLLMAdapter(Adapter):
    """Read JSON Lines of LiteLLM `StandardLoggingPayload` objects."""

    name = "litellm"
    DEFAULT_ACCOUNT_FIELDS = ACCOUNT_FIELDS

    def convert(self, rec: Any) -> dict[str, Any]:
        if not isinstance(rec, dict) or "call_type" not in rec:
            raise Rejected("not_source_format", "record is not a LiteLLM StandardLoggingPayload (no call_type)")
        kind = call_kind(rec.get("call_type"))
        if kind not in GENERATION_CALLS:
            raise Rejected("not_a_generation",
                           f"LiteLLM call_type {str(rec.get('call_type'))[:40]!r} generates no text")
        meta = rec.get("metadata") if isinstance(rec.get("metadata"), dict) else {}
        start, end = rec.get("startTime"), rec.get("endTime")
        resp = as_json(rec.get("response"), "response")
        failed = rec.get("status") not in (None, "success")
        params = dict(rec.get("model_parameters") or {})
        if rec.get("stream") is not None:
            params.setdefault("stream", rec["stream"])
        return drop_none({
            "request_id": rec.get("id") or rec.get("litellm_call_id"),
            "ts": rfc3339(start, "startTime"),
            "account_id": self.account(rec),
            "api_key_id": meta.get("user_api_key_hash"),
            "org_id": meta.get("user_api_key_org_id"),
            "client": drop_none({"ip": rec.get("requester_ip_address") or meta.get("requester_ip_address"),
                                 "user_agent": rec.get("user_agent") or meta.get("user_agent")}),
            "model": rec.get("model_group") or rec.get("model"),
            "endpoint": meta.get("user_api_key_request_route") or ENDPOINT_OF_CALL.get(kind, "/v1/chat/completions"),
            "request": request_body(as_json(rec.get("messages"), "messages"), params, kind),
            "response": response_fields(resp),
            "usage": None if failed else drop_none({  # a failed call bills no tokens
                "input_tokens": as_int(rec.get("prompt_tokens"), "prompt_tokens"),
                "output_tokens": as_int(rec.get("completion_tokens"), "completion_tokens"),
                "reasoning_tokens": as_int(get_path(resp, "usage.completion_tokens_details.reasoning_tokens"),
                                           "reasoning_tokens"),
            }),
            "latency_ms": _latency_ms(start, end),
            "status": _error_status(rec) if failed else 200,
            "api_base": rec.get("api_base") or None,
            "provider": rec.get("custom_llm_provider") or None,
        })


def _latency_ms(start: Any, end: Any) -> float | None:
    if isinstance(start, (int, float)) and isinstance(end, (int, float)) and end >= start:
        return round((end - start) * 1000.0, 3)
    return None


def _error_status(rec: dict[str, Any]) -> int | None:
    code = get_path(rec, "error_information.error_code")
    try:
        return int(code) if code not in (None, "") else None
    except (TypeError, ValueError):
        return None
