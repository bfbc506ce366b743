"""OpenTelemetry GenAI spans (OTLP JSON, as the collector's file exporter writes it) -> exchanges.

One line of the file is one `ExportTraceServiceRequest` (`resourceSpans` -> `scopeSpans` ->
`spans`); every span is one source record, so a row number is the span's ordinal in the file.
A span is a model call when it has a `gen_ai.operation.name` of `chat`, `text_completion` or
`generate_content`, or (older instrumentations) a `gen_ai.request.model` / `gen_ai.system`
without an operation name. Any other span (HTTP, database, embeddings, tool execution) goes to
the quarantine as `not_a_generation`, so nothing vanishes from the row count.

Attribute names, old and new semantic conventions:

===========================  ==============================================================
contract field               span attribute (first present wins)
===========================  ==============================================================
``account_id``               ``enduser.id``, ``user.id`` (span, then resource; ``--account-field``)
``client.ip``                ``client.address``
``client.user_agent``        ``user_agent.original``
``model``                    ``gen_ai.request.model``, ``gen_ai.response.model``
``request.messages``         ``gen_ai.system_instructions`` + ``gen_ai.input.messages`` (also on
                             a ``gen_ai.client.inference.operation.details`` event); the
                             ``gen_ai.content.prompt`` event's ``gen_ai.prompt``; the
                             ``gen_ai.{system,user,assistant,tool}.message`` events; flattened
                             ``gen_ai.prompt.N.role`` / ``.content``
``request.*``                ``gen_ai.request.max_tokens``, ``.temperature``, ``.top_p``,
                             ``.choice.count`` (``n``), ``gen_ai.tool.definitions`` (``tools``)
``response``                 ``gen_ai.output.messages``; ``gen_ai.content.completion`` event's
                             ``gen_ai.completion``; ``gen_ai.choice`` events; flattened
                             ``gen_ai.completion.N.content``; ``gen_ai.response.finish_reasons``
``usage.*``                  ``gen_ai.usage.input_tokens`` / ``prompt_tokens``,
                             ``output_tokens`` / ``completion_tokens``, ``reasoning_tokens``
``ts``, ``latency_ms``       span start, end - start
``request_id``               ``gen_ai.response.id``, else ``traceId``-``spanId``
``status``                   ``http.response.status_code``
===========================  ==============================================================
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from distillguard.ingest.adapters._base import Adapter, as_int, drop_none, rfc3339
from distillguard.ingest.normalise import Rejected

GENERATION_OPS = frozenset(("chat", "text_completion", "generate_content"))
_MESSAGE_EVENTS = {"gen_ai.system.message": "system", "gen_ai.user.message": "user",
                   "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool"}


def attr_value(v: Any) -> Any:
    """Decode one OTLP `AnyValue` object into a Python value."""
    if not isinstance(v, dict):
        return v
    if "stringValue" in v:
        return v["stringValue"]
    if "intValue" in v:
        return int(v["intValue"])  # int64 arrives as a JSON string
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        return [attr_value(x) for x in (v["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in v:
        return attributes((v["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in v:
        return v["bytesValue"]
    return None


def attributes(items: Any) -> dict[str, Any]:
    """An OTLP attribute list (`[{key, value}]`) as a flat dict."""
    if not isinstance(items, list):
        return {}
    return {a["key"]: attr_value(a.get("value")) for a in items if isinstance(a, dict) and "key" in a}


class OtelAdapter(Adapter):
    """Read OTLP JSON trace files whose spans follow the GenAI semantic conventions."""

    name = "otel"
    DEFAULT_ACCOUNT_FIELDS = ("enduser.id", "user.id")
    renumbers = True

    def split(self, rec: Any) -> list[Any]:
        if not isinstance(rec, dict) or not isinstance(rec.get("resourceSpans"), list):
            raise Rejected("not_source_format", "line is not an OTLP JSON trace export (no resourceSpans list)")
        spans: list[Any] = []
        for rs in rec["resourceSpans"]:
            resource = attributes(((rs or {}).get("resource") or {}).get("attributes"))
            for ss in (rs or {}).get("scopeSpans") or (rs or {}).get("instrumentationLibrarySpans") or []:
                for span in (ss or {}).get("spans") or []:
                    spans.append({"resource": resource, "span": span})
        return spans

    def account(self, rec: dict[str, Any]) -> str | None:
        for key in self.account_fields:
            for scope in (rec["attrs"], rec["resource"]):
                v = scope.get(key)
                if v not in (None, "") and not isinstance(v, (dict, list)):
                    return str(v)
        return None

    def convert(self, rec: Any) -> dict[str, Any]:
        span = rec.get("span") if isinstance(rec, dict) else None
        if not isinstance(span, dict):
            raise Rejected("not_source_format", "span is not an object")
        attrs = attributes(span.get("attributes"))
        events = [(e.get("name"), attributes(e.get("attributes"))) for e in span.get("events") or []
                  if isinstance(e, dict)]
        for name, ev in events:  # newer instrumentations may put the content on one event
            if name == "gen_ai.client.inference.operation.details":
                attrs = {**ev, **attrs}
        op = attrs.get("gen_ai.operation.name")
        model = attrs.get("gen_ai.request.model") or attrs.get("gen_ai.response.model")
        genai = op is not None or model is not None or "gen_ai.system" in attrs or "gen_ai.provider.name" in attrs
        if not genai or (op is not None and op not in GENERATION_OPS):
            what = f"operation {op!r}" if op else "no gen_ai.* attributes"
            raise Rejected("not_a_generation", f"span {str(span.get('name'))[:60]!r} is not a model call ({what})")
        start, end = span.get("startTimeUnixNano"), span.get("endTimeUnixNano")
        start_ns = as_int(start, "startTimeUnixNano")
        end_ns = as_int(end, "endTimeUnixNano")
        ctx = {"attrs": attrs, "resource": rec.get("resource") or {}}
        request = drop_none({
            "messages": _input_messages(attrs, events),
            "max_tokens": as_int(attrs.get("gen_ai.request.max_tokens"), "gen_ai.request.max_tokens"),
            "temperature": attrs.get("gen_ai.request.temperature"),
            "top_p": attrs.get("gen_ai.request.top_p"),
            "n": as_int(attrs.get("gen_ai.request.choice.count"), "gen_ai.request.choice.count"),
            "tools": _json_attr(attrs.get("gen_ai.tool.definitions"), "gen_ai.tool.definitions"),
        })
        usage = drop_none({
            "input_tokens": as_int(_first(attrs, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
                                   "gen_ai.usage.input_tokens"),
            "output_tokens": as_int(_first(attrs, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
                                    "gen_ai.usage.output_tokens"),
            "reasoning_tokens": as_int(attrs.get("gen_ai.usage.reasoning_tokens"), "gen_ai.usage.reasoning_tokens"),
        })
        return drop_none({
            "request_id": attrs.get("gen_ai.response.id") or f"{_hex(span.get('traceId'))}-{_hex(span.get('spanId'))}",
            "ts": rfc3339(start_ns, "span startTimeUnixNano", unit="ns") if start_ns is not None else None,
            "account_id": self.account(ctx),
            "model": model,
            "client": drop_none({"ip": attrs.get("client.address"), "user_agent": attrs.get("user_agent.original")}),
            "request": request,
            "response": _response(attrs, events),
            "usage": usage,
            "latency_ms": (end_ns - start_ns) / 1e6 if start_ns is not None and end_ns is not None else None,
            "status": as_int(attrs.get("http.response.status_code"), "http.response.status_code"),
            "provider": attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system"),
            "server_address": attrs.get("server.address"),
        })


def _first(attrs: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if attrs.get(k) is not None:
            return attrs[k]
    return None


def _hex(value: Any) -> str:
    """Span and trace ids: OTLP JSON writes hex; protobuf's generic JSON writes base64."""
    if not isinstance(value, str) or not value:
        raise Rejected("not_source_format", "span has no traceId/spanId")
    if all(c in "0123456789abcdefABCDEF" for c in value):
        return value.lower()
    try:
        return base64.b64decode(value, validate=True).hex()
    except ValueError:
        return value


def _json_attr(value: Any, field: str) -> Any:
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise Rejected("bad_source_field", f"{field} is text that is not JSON") from None
    return value


def _parts_message(msg: Any, field: str) -> dict[str, Any]:
    """A semantic-conventions message (`role`, `parts`) as a Chat Completions message."""
    if not isinstance(msg, dict):
        raise Rejected("bad_source_field", f"{field} holds a {type(msg).__name__}, expected message objects")
    if "parts" not in msg:  # an older, Chat-Completions-shaped message
        return {k: v for k, v in msg.items() if k in ("role", "content", "tool_calls", "tool_call_id", "name")}
    texts: list[str] = []
    content: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    tool_result = None
    for p in msg.get("parts") or []:
        kind = p.get("type") if isinstance(p, dict) else None
        if kind == "text":
            texts.append(str(p.get("content", "")))
            content.append({"type": "text", "text": str(p.get("content", ""))})
        elif kind == "tool_call":
            calls.append({"id": p.get("id"), "type": "function",
                          "function": {"name": p.get("name"), "arguments": orjson.dumps(p.get("arguments")).decode()}})
        elif kind == "tool_call_response":
            tool_result = p
        elif kind in ("blob", "uri", "file"):
            content.append({"type": "image_url" if p.get("modality") == "image" else "file"})
    if tool_result is not None:
        resp = tool_result.get("response")
        return {"role": "tool", "tool_call_id": tool_result.get("id"),
                "content": resp if isinstance(resp, str) else orjson.dumps(resp).decode()}
    if not content:
        text: Any = None
    elif len(content) == 1 and len(texts) == 1:
        text = texts[0]
    else:
        text = content
    out: dict[str, Any] = {"role": msg.get("role"), "content": text}
    if calls:
        out["tool_calls"] = calls
    return out


def _input_messages(attrs: dict[str, Any], events: list[tuple[Any, dict[str, Any]]]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    system = _json_attr(attrs.get("gen_ai.system_instructions"), "gen_ai.system_instructions")
    if system:
        parts = system if isinstance(system, list) else [{"type": "text", "content": str(system)}]
        messages.append({"role": "system", "content": "".join(str(p.get("content", "")) for p in parts
                                                              if isinstance(p, dict))})
    new = _json_attr(attrs.get("gen_ai.input.messages"), "gen_ai.input.messages")
    if new is not None:
        return messages + [_parts_message(m, "gen_ai.input.messages") for m in _as_list(new, "gen_ai.input.messages")]
    for name, ev in events:
        if name == "gen_ai.content.prompt" and ev.get("gen_ai.prompt") is not None:
            old = _json_attr(ev["gen_ai.prompt"], "gen_ai.prompt")
            return [_parts_message(m, "gen_ai.prompt") for m in _as_list(old, "gen_ai.prompt")]
    for name, ev in events:
        if name in _MESSAGE_EVENTS:
            content = ev.get("content", ev.get("gen_ai.event.content"))
            messages.append({"role": _MESSAGE_EVENTS[name],
                             "content": content if isinstance(content, str) else orjson.dumps(content).decode()})
    i = 0
    while f"gen_ai.prompt.{i}.role" in attrs or f"gen_ai.prompt.{i}.content" in attrs:
        messages.append({"role": attrs.get(f"gen_ai.prompt.{i}.role", "user"),
                         "content": attrs.get(f"gen_ai.prompt.{i}.content", "")})
        i += 1
    return messages  # empty when content capture was off: detection still reads the metadata


def _as_list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise Rejected("bad_source_field", f"{field} is a {type(value).__name__}, expected a list of messages")
    return value


def _response(attrs: dict[str, Any], events: list[tuple[Any, dict[str, Any]]]) -> dict[str, Any] | None:
    finish = attrs.get("gen_ai.response.finish_reasons")
    finish = finish[0] if isinstance(finish, list) and finish else finish if isinstance(finish, str) else None
    out = _json_attr(attrs.get("gen_ai.output.messages"), "gen_ai.output.messages")
    content = reasoning = None
    calls: list[Any] = []
    if out is not None:
        msgs = _as_list(out, "gen_ai.output.messages")
        if msgs and isinstance(msgs[0], dict):
            first = msgs[0]
            texts = [str(p.get("content", "")) for p in first.get("parts") or [] if isinstance(p, dict)
                     and p.get("type") == "text"]
            thoughts = [str(p.get("content", "")) for p in first.get("parts") or [] if isinstance(p, dict)
                        and p.get("type") == "reasoning"]
            calls = _parts_message(first, "gen_ai.output.messages").get("tool_calls") or []
            content = "".join(texts) if texts else None
            reasoning = "".join(thoughts) or None
            finish = finish or first.get("finish_reason")
    else:
        for name, ev in events:
            if name == "gen_ai.content.completion" and ev.get("gen_ai.completion") is not None:
                old = _as_list(_json_attr(ev["gen_ai.completion"], "gen_ai.completion"), "gen_ai.completion")
                first = old[0] if old and isinstance(old[0], dict) else {}
                first = first.get("message", first)
                content = first.get("content")
                calls = first.get("tool_calls") or []
            elif name == "gen_ai.choice" and content is None:
                msg = _json_attr(ev.get("message"), "gen_ai.choice.message") or {}
                content = msg.get("content") if isinstance(msg, dict) else None
                finish = finish or ev.get("finish_reason")
        if content is None and "gen_ai.completion.0.content" in attrs:
            content = attrs["gen_ai.completion.0.content"]
            finish = finish or attrs.get("gen_ai.completion.0.finish_reason")
    resp = drop_none({"content": content, "reasoning": reasoning, "tool_calls": calls or None,
                      "finish_reason": finish})
    return resp or None
