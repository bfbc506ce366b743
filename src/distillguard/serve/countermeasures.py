"""Rewrite a request or a response as the actions say: strip reasoning, cap max_tokens.

Pure functions on plain dicts (the request body as the client sent it, in any of the three
contract forms, and an OpenAI-style response), shared by the HTTP guardrail endpoint and the
in-process LiteLLM integration. They return new objects and never mutate their input.
"""

from __future__ import annotations

import copy
from typing import Any

REASONING_REQUEST_KEYS = ("reasoning_effort", "thinking", "reasoning")
REASONING_RESPONSE_KEYS = ("reasoning_content", "reasoning", "thinking_blocks", "reasoning_details")


def apply_to_request(body: dict[str, Any], actions: list[str], max_tokens: int | None = None) -> dict[str, Any]:
    """Return the request body with ``strip_reasoning`` and ``cap_max_tokens`` applied.

    Examples
    --------
    >>> apply_to_request({"max_tokens": 8000, "reasoning_effort": "high"}, ["strip_reasoning", "cap_max_tokens"], 512)
    {'max_tokens': 512}
    """
    if "strip_reasoning" not in actions and "cap_max_tokens" not in actions:
        return body
    out = dict(body)
    if "strip_reasoning" in actions:
        for k in REASONING_REQUEST_KEYS:
            out.pop(k, None)
        # Thinking blocks replayed in earlier assistant turns would re-enable it on some providers.
        if isinstance(out.get("messages"), list):
            out["messages"] = [_strip_message(m) for m in out["messages"]]
    if "cap_max_tokens" in actions and max_tokens is not None:
        for k in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
            if isinstance(out.get(k), int) and out[k] > max_tokens:
                out[k] = max_tokens
    return out


def _strip_message(m: Any) -> Any:
    if not isinstance(m, dict):
        return m
    m2 = {k: v for k, v in m.items() if k not in REASONING_RESPONSE_KEYS}
    if isinstance(m2.get("content"), list):
        m2["content"] = [p for p in m2["content"]
                         if not (isinstance(p, dict) and p.get("type") in ("thinking", "redacted_thinking"))]
    return m2


def strip_response(resp: dict[str, Any]) -> dict[str, Any]:
    """Return an OpenAI-style response (or stream chunk) without reasoning in any choice.

    Examples
    --------
    >>> strip_response({"choices": [{"message": {"content": "4", "reasoning_content": "2+2..."}}]})
    {'choices': [{'message': {'content': '4'}}]}
    """
    out = copy.deepcopy(resp)
    for ch in out.get("choices") or []:
        if not isinstance(ch, dict):
            continue
        for key in ("message", "delta"):
            msg = ch.get(key)
            if isinstance(msg, dict):
                for k in REASONING_RESPONSE_KEYS:
                    msg.pop(k, None)
                if isinstance(msg.get("provider_specific_fields"), dict):
                    for k in REASONING_RESPONSE_KEYS:
                        msg["provider_specific_fields"].pop(k, None)
    return out
