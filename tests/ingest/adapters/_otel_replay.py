"""Export contract traffic as OpenTelemetry GenAI spans with the real SDK, to an OTLP JSON file.

Each call becomes one CLIENT span started and ended at the exchange's times. Most spans follow
the current GenAI semantic conventions (`gen_ai.input.messages`, `gen_ai.output.messages`,
`gen_ai.provider.name`, `gen_ai.usage.input_tokens`); every third span without reasoning text
uses the older names (`gen_ai.system`, `gen_ai.usage.prompt_tokens`, the `gen_ai.content.prompt`
and `gen_ai.content.completion` events). The SDK's spans are encoded by
`opentelemetry-exporter-otlp-proto-common` into `ExportTraceServiceRequest` messages and written
as OTLP JSON, one request per line with hex ids, as the collector's file exporter writes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any


class OtlpJsonFileExporter:
    """A span exporter writing OTLP JSON lines (the collector `file` exporter's layout)."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("w", encoding="utf-8")

    def export(self, spans: Sequence[Any]) -> Any:
        from google.protobuf.json_format import MessageToDict
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
        from opentelemetry.sdk.trace.export import SpanExportResult

        doc = MessageToDict(encode_spans(spans))
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for span in ss.get("spans", []):
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in span:  # protobuf JSON writes bytes as base64; OTLP JSON wants hex
                            import base64

                            span[key] = base64.b64decode(span[key]).hex()
        self.fh.write(json.dumps(doc) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.fh.close()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        self.fh.flush()
        return True


def _ns(ts: str) -> int:
    dt = datetime.fromisoformat(ts)
    return int(dt.timestamp()) * 1_000_000_000 + dt.microsecond * 1_000


def _parts(msg: dict[str, Any]) -> dict[str, Any]:
    """A Chat Completions message as a semantic-conventions message (role + parts)."""
    if msg["role"] == "tool":
        return {"role": "tool", "parts": [{"type": "tool_call_response", "id": msg.get("tool_call_id"),
                                           "response": msg.get("content")}]}
    parts: list[dict[str, Any]] = []
    content = msg.get("content")
    if isinstance(content, str):
        parts.append({"type": "text", "content": content})
    for p in content if isinstance(content, list) else []:
        if p["type"] == "text":
            parts.append({"type": "text", "content": p["text"]})
        elif p["type"] == "image_url":
            parts.append({"type": "uri", "modality": "image", "uri": p["image_url"]["url"]})
    for c in msg.get("tool_calls") or []:
        parts.append({"type": "tool_call", "id": c["id"], "name": c["function"]["name"],
                      "arguments": json.loads(c["function"]["arguments"])})
    return {"role": msg["role"], "parts": parts}


def _attributes(rec: dict[str, Any], old: bool) -> dict[str, Any]:
    req, resp, usage = rec["request"], rec.get("response") or {}, rec.get("usage") or {}
    a: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.request.model": rec["model"],
                         "gen_ai.response.model": rec["model"], "gen_ai.response.id": rec["request_id"],
                         "user.id": rec["account_id"],
                         "http.response.status_code": rec.get("status", 200)}
    if rec.get("client", {}).get("ip"):
        a["client.address"] = rec["client"]["ip"]
    if rec.get("client", {}).get("user_agent"):
        a["user_agent.original"] = rec["client"]["user_agent"]
    for k in ("max_tokens", "temperature", "top_p"):
        if req.get(k) is not None:
            a[f"gen_ai.request.{k}"] = req[k]
    if resp.get("finish_reason"):
        a["gen_ai.response.finish_reasons"] = [resp["finish_reason"]]
    if req.get("tools"):
        a["gen_ai.tool.definitions"] = json.dumps(req["tools"])
    prefix = "gen_ai.usage."
    names = ("prompt_tokens", "completion_tokens") if old else ("input_tokens", "output_tokens")
    for name, key in zip(names, ("input_tokens", "output_tokens"), strict=True):
        if usage.get(key) is not None:
            a[prefix + name] = usage[key]
    if old:
        a["gen_ai.system"] = "openai"
        return a
    a["gen_ai.provider.name"] = "openai"
    a["gen_ai.input.messages"] = json.dumps([_parts(m) for m in req["messages"] if m["role"] != "system"])
    system = [m["content"] for m in req["messages"] if m["role"] == "system"]
    if system:
        a["gen_ai.system_instructions"] = json.dumps([{"type": "text", "content": s} for s in system])
    if resp:
        out = _parts({"role": "assistant", "content": resp.get("content"), "tool_calls": resp.get("tool_calls")})
        if resp.get("reasoning") is not None:
            out["parts"].insert(0, {"type": "reasoning", "content": resp["reasoning"]})
        out["finish_reason"] = resp.get("finish_reason")
        a["gen_ai.output.messages"] = json.dumps([out])
    return a


def export(traffic: list[dict[str, Any]], path: Path, *, extra_spans: int = 0) -> Path:
    """Write every call as a GenAI span (plus `extra_spans` plain HTTP spans) to `path`."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.trace import SpanKind

    path.parent.mkdir(parents=True, exist_ok=True)
    provider = TracerProvider(resource=Resource.create({"service.name": "gateway"}))
    provider.add_span_processor(BatchSpanProcessor(OtlpJsonFileExporter(path), max_export_batch_size=256))
    tracer = provider.get_tracer("distillguard-tests")
    for i, rec in enumerate(traffic):
        old = i % 3 == 2 and not (rec.get("response") or {}).get("reasoning")
        start = _ns(rec["ts"])
        span = tracer.start_span(f"chat {rec['model']}", kind=SpanKind.CLIENT, start_time=start,
                                 attributes=_attributes(rec, old))
        if old:
            system_and_turns = rec["request"]["messages"]
            span.add_event("gen_ai.content.prompt", {"gen_ai.prompt": json.dumps(system_and_turns)}, timestamp=start)
            resp = rec.get("response")
            if resp:
                done = {"role": "assistant", "content": resp.get("content")}
                if resp.get("tool_calls"):
                    done["tool_calls"] = resp["tool_calls"]
                span.add_event("gen_ai.content.completion", {"gen_ai.completion": json.dumps([done])}, timestamp=start)
        span.end(end_time=start + 1_000_000)
    for i in range(extra_spans):
        span = tracer.start_span("GET /healthz", kind=SpanKind.SERVER, start_time=_ns(traffic[0]["ts"]) + i,
                                 attributes={"http.request.method": "GET", "url.path": "/healthz"})
        span.end(end_time=_ns(traffic[0]["ts"]) + i + 1000)
    provider.force_flush()
    provider.shutdown()
    return path
