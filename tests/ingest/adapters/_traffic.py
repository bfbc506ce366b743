"""The traffic every adapter test replays: a tiny simulated world, as a Chat Completions gateway sees it.

Each world exchange becomes one call in OpenAI Chat Completions form (Anthropic bodies are
translated: system prompt, tool_use/tool_result blocks, images), keeping only what all the log
formats under test can carry: id, time, account, model, client address and user agent, the
messages, max_tokens/temperature/top_p, tools, the response (content, reasoning, tool calls,
finish reason), input and output token counts, and the HTTP status. The contract file of
this traffic is the reference that every adapter's verdicts are compared with.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

KEEP_PARAMS = ("max_tokens", "temperature", "top_p", "tools")
FINISH_REASONS = {"end_turn": "stop", "stop_sequence": "stop", "tool_use": "tool_calls", "max_tokens": "length"}


def world_exchanges(world: Path) -> list[dict[str, Any]]:
    """The world's exchange records, in file order."""
    out = []
    for f in sorted((world / "exchanges").iterdir()):
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rt", encoding="utf-8") as fh:
            out.extend(json.loads(line) for line in fh if line.strip())
    return out


def _text(blocks: Any) -> str:
    if isinstance(blocks, str):
        return blocks
    return "\n".join(b.get("text", "") for b in blocks or [] if isinstance(b, dict) and b.get("type") == "text")


def _chat_messages(req: dict[str, Any]) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = []
    if req.get("system") is not None:
        msgs.append({"role": "system", "content": _text(req["system"])})
    for m in req["messages"]:
        content = m.get("content")
        if isinstance(content, str) or content is None:
            msgs.append({k: v for k, v in m.items() if k in ("role", "content", "tool_calls", "tool_call_id")})
            continue
        parts, calls, results = [], [], []
        for p in content:
            kind = p.get("type")
            if kind == "text":
                parts.append({"type": "text", "text": p["text"]})
            elif kind in ("image", "image_url"):
                parts.append({"type": "image_url", "image_url": {"url": "https://img.example/x.png"}})
            elif kind == "tool_use":
                calls.append({"id": p["id"], "type": "function",
                              "function": {"name": p["name"], "arguments": json.dumps(p.get("input"), sort_keys=True)}})
            elif kind == "tool_result":
                results.append({"role": "tool", "tool_call_id": p["tool_use_id"], "content": _text(p.get("content"))})
        msgs.extend(results)
        if parts or calls or not results:
            msg: dict[str, Any] = {"role": m["role"], "content": parts or None}
            if calls:
                msg["tool_calls"] = calls
            msgs.append(msg)
    return msgs


def _chat_tools(tools: Any) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    out = []
    for t in tools:
        if "function" in t:
            out.append(t)
        else:
            out.append({"type": "function", "function": {"name": t["name"], "description": t.get("description", ""),
                                                          "parameters": t.get("input_schema", {})}})
    return out


def to_traffic(rec: dict[str, Any]) -> dict[str, Any]:
    """One world exchange as the contract record of the gateway call the adapters' tests replay."""
    req = rec["request"]
    request: dict[str, Any] = {"messages": _chat_messages(req)}
    if req.get("max_completion_tokens") is not None:
        request["max_tokens"] = req["max_completion_tokens"]
    for k in KEEP_PARAMS:
        if req.get(k) is not None:
            request[k] = _chat_tools(req[k]) if k == "tools" else req[k]
    resp = rec.get("response") or {}
    response = {k: resp[k] for k in ("content", "reasoning", "tool_calls", "finish_reason") if resp.get(k) is not None}
    if "finish_reason" in response:  # an OpenAI-compatible gateway reports OpenAI's finish reasons
        response["finish_reason"] = FINISH_REASONS.get(response["finish_reason"], response["finish_reason"])
    client = {k: rec.get("client", {}).get(k) for k in ("ip", "user_agent") if rec.get("client", {}).get(k)}
    out = {"request_id": rec["request_id"], "ts": rec["ts"], "account_id": rec["account_id"], "model": rec["model"],
           "request": request,
           "usage": {k: v for k, v in (rec.get("usage") or {}).items() if v is not None and k != "reasoning_tokens"}}
    out["status"] = rec.get("status") or 200  # a gateway always knows the status it returned
    if client:
        out["client"] = client
    if out["status"] != 200:  # a refused call (429) has no answer and no token counts
        out.pop("usage")
    elif response:
        out["response"] = response
    return out


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    return path
