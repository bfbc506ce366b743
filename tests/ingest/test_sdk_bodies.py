"""Request bodies as today's SDKs send them, read the way detection needs them.

The inputs are made by the real `openai` and `anthropic` SDKs: each call goes through an
`httpx2.MockTransport` that keeps the bytes the SDK sent and answers `{}` (no network). Each
body becomes a contract record twice, once with the `endpoint` a gateway would log and once
without it (the body decides), and both are ingested by the real `ingest_paths`. Each call
shape then asserts the stored fields detection reads; the same conversation sent in the three
forms must give the same canonical fields; and Responses API traffic runs through `detect`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import openai
import pytest

from distillguard.engine import open_engine
from distillguard.ingest import ingest_paths

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}, "temp_c": {"type": "number"}},
          "required": ["city", "temp_c"], "additionalProperties": False}
WEATHER_FN = {"name": "get_weather", "description": "Current weather in a city.",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
PROMPT = "What is the weather in Oslo right now?"
TOOL_OUT = "Oslo: 3C, snow"


class Sdk:
    """Real SDK clients whose transport records each request (endpoint path, JSON body)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.openai = openai.OpenAI(api_key="sk-test", max_retries=0, http_client=self._http())
        self.anthropic = anthropic.Anthropic(api_key="sk-ant-test", max_retries=0, http_client=self._http())

    def _http(self) -> httpx2.Client:
        def handler(request: httpx2.Request) -> httpx2.Response:
            self.sent.append((request.url.path, json.loads(request.content)))
            return httpx2.Response(200, json={})

        return httpx2.Client(transport=httpx2.MockTransport(handler))

    def body(self, call: Callable[[], Any]) -> tuple[str, dict[str, Any]]:
        """Make one SDK call and return what it sent."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the SDK's deprecation notes about a model's thinking type
            call()
        return self.sent.pop()


def _calls(sdk: Sdk) -> dict[str, Callable[[], Any]]:
    """Every call shape the suite covers, by name (issue 20's list)."""
    chat, resp, msgs = sdk.openai.chat.completions.create, sdk.openai.responses.create, sdk.anthropic.messages.create
    loop_chat = [
        {"role": "system", "content": "You are a weather agent."},
        {"role": "user", "content": PROMPT},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": TOOL_OUT},
    ]
    return {
        "chat_plain": lambda: chat(model="gpt-5", messages=[{"role": "developer", "content": "Be terse."},
                                                            {"role": "user", "content": "Name a prime.", "name": "ana"}],
                                   temperature=0.2, max_completion_tokens=300, n=2, logprobs=True, top_logprobs=3),
        "chat_reasoning_schema": lambda: chat(
            model="gpt-5", messages=[{"role": "user", "content": PROMPT}], reasoning_effort="high",
            response_format={"type": "json_schema", "json_schema": {"name": "weather", "schema": SCHEMA, "strict": True}}),
        "chat_tool_loop": lambda: chat(model="gpt-5", messages=loop_chat, tools=[{"type": "function", "function": WEATHER_FN}]),
        "chat_custom_tool": lambda: chat(
            model="gpt-5",
            messages=[{"role": "user", "content": "Run the tests."},
                      {"role": "assistant", "content": "", "tool_calls": [
                          {"id": "call_2", "type": "custom", "custom": {"name": "shell", "input": "pytest -q"}}]},
                      {"role": "tool", "tool_call_id": "call_2", "content": "3 passed"}],
            tools=[{"type": "custom", "custom": {"name": "shell", "description": "Run a shell command."}}]),
        "chat_legacy_functions": lambda: chat(
            model="gpt-4o", functions=[WEATHER_FN], function_call="auto",
            messages=[{"role": "user", "content": PROMPT},
                      {"role": "assistant", "content": None,
                       "function_call": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}},
                      {"role": "function", "name": "get_weather", "content": TOOL_OUT}]),
        "chat_image": lambda: chat(model="gpt-5", messages=[{"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "high"}}]}]),
        "responses_string": lambda: resp(model="gpt-5", input="Name a prime.", instructions="Be terse.",
                                         reasoning={"effort": "high", "summary": "detailed"}, max_output_tokens=500),
        "responses_items_schema": lambda: resp(
            model="gpt-5",
            input=[{"role": "developer", "content": "Answer in JSON."},
                   {"role": "user", "content": [{"type": "input_text", "text": "What is in this picture?"},
                                                {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}",
                                                 "detail": "low"}]}],
            text={"format": {"type": "json_schema", "name": "weather", "schema": SCHEMA, "strict": True}}),
        "responses_tool_loop": lambda: resp(
            model="gpt-5", instructions="You are a weather agent.", tools=[{"type": "function", **WEATHER_FN}],
            input=[{"role": "user", "content": PROMPT},
                   {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "Need the tool."}]},
                   {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city":"Oslo"}'},
                   {"type": "function_call_output", "call_id": "call_1", "output": TOOL_OUT}]),
        "responses_custom_tool": lambda: resp(
            model="gpt-5", tools=[{"type": "custom", "name": "shell", "description": "Run a shell command."}],
            input=[{"role": "user", "content": "Run the tests."},
                   {"type": "custom_tool_call", "call_id": "call_2", "name": "shell", "input": "pytest -q"},
                   {"type": "custom_tool_call_output", "call_id": "call_2", "output": "3 passed"}]),
        "responses_hosted_chained": lambda: resp(model="gpt-5", input="And tomorrow?", previous_response_id="resp_1",
                                                 tools=[{"type": "web_search"}], store=True),
        "responses_computer": lambda: resp(
            model="computer-use-preview", truncation="auto",
            tools=[{"type": "computer_use_preview", "display_width": 1024, "display_height": 768, "environment": "browser"}],
            input=[{"role": "user", "content": "Open the weather page."},
                   {"type": "computer_call", "call_id": "call_3", "id": "cu_1", "status": "completed",
                    "action": {"type": "click", "x": 10, "y": 20, "button": "left"}, "pending_safety_checks": []},
                   {"type": "computer_call_output", "call_id": "call_3",
                    "output": {"type": "computer_screenshot", "image_url": f"data:image/png;base64,{PNG}"}}]),
        "anthropic_plain": lambda: msgs(model="claude-opus-4-7", max_tokens=1024,
                                        messages=[{"role": "user", "content": "Name a prime."}]),
        "anthropic_system_cache": lambda: msgs(
            model="claude-opus-4-7", max_tokens=1024,
            system=[{"type": "text", "text": "You are a weather agent.", "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": PROMPT}], stop_sequences=["END"]),
        "anthropic_thinking_enabled": lambda: msgs(
            model="claude-opus-4-7", max_tokens=8000, thinking={"type": "enabled", "budget_tokens": 4000},
            messages=[{"role": "user", "content": "Prove that there are infinitely many primes."}]),
        "anthropic_adaptive_effort": lambda: msgs(
            model="claude-opus-4-7", max_tokens=8000, thinking={"type": "adaptive", "display": "summarized"},
            output_config={"effort": "max"}, messages=[{"role": "user", "content": "Prove Fermat's little theorem."}]),
        "anthropic_output_format": lambda: msgs(
            model="claude-opus-4-7", max_tokens=1024, messages=[{"role": "user", "content": PROMPT}],
            output_config={"format": {"type": "json_schema", "schema": SCHEMA}}),
        "anthropic_tool_loop": lambda: msgs(
            model="claude-opus-4-7", max_tokens=4096, system="You are a weather agent.",
            tools=[{"name": "get_weather", "description": WEATHER_FN["description"],
                    "input_schema": WEATHER_FN["parameters"]}],
            thinking={"type": "adaptive"},
            messages=[{"role": "user", "content": PROMPT},
                      {"role": "assistant", "content": [
                          {"type": "thinking", "thinking": "I should call the tool.", "signature": "sig=="},
                          {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}]},
                      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": TOOL_OUT}]}]),
        "anthropic_screenshot_result": lambda: msgs(
            model="claude-opus-4-7", max_tokens=4096,
            tools=[{"type": "computer_20250124", "name": "computer", "display_width_px": 1024, "display_height_px": 768}],
            messages=[{"role": "user", "content": "Open the weather page."},
                      {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_2", "name": "computer",
                                                         "input": {"action": "screenshot"}}]},
                      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_2", "content": [
                          {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}]}]}]),
        "anthropic_document": lambda: msgs(
            model="claude-opus-4-7", max_tokens=1024,
            messages=[{"role": "user", "content": [
                {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "Snow all week."},
                 "title": "Oslo forecast"},
                {"type": "text", "text": "Summarise the forecast."}]}]),
        "anthropic_server_tool": lambda: msgs(
            model="claude-opus-4-7", max_tokens=1024, tool_choice={"type": "auto"},
            tools=[{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}],
            messages=[{"role": "user", "content": "Who won yesterday?"}]),
    }


def _record(i: int, name: str, path: str, body: dict[str, Any], with_endpoint: bool) -> dict[str, Any]:
    rec = {"request_id": f"{name}:{'ep' if with_endpoint else 'body'}", "ts": f"2026-06-01T10:00:{i:02d}Z",
           "account_id": f"acct-{name}", "model": body["model"], "request": body,
           "response": {"content": "ok", "finish_reason": "stop"}}
    if with_endpoint:
        rec["endpoint"] = path
    return rec


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every call shape's body, sent by the SDK, ingested with and without its endpoint."""
    sdk = Sdk()
    recs = []
    for i, (name, call) in enumerate(_calls(sdk).items()):
        path, body = sdk.body(call)
        recs += [_record(i, name, path, body, True), _record(i, name, path, body, False)]
    tmp = tmp_path_factory.mktemp("sdk")
    src = tmp / "exchanges.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs))
    report = ingest_paths([src], tmp / "store", workers=1)
    assert report.rows_quarantined == 0, report.to_dict()
    rows = open_engine(tmp / "store").sql("SELECT * FROM exchanges").to_pylist()
    assert len(rows) == len(recs)
    return {r["exchange_id"]: r for r in rows}


def _extra(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(row["extra_json"] or "{}")


@pytest.mark.parametrize("name", list(_calls(Sdk())))
def test_endpoint_and_body_agree(stored, name):
    """The endpoint a gateway logs and the body alone decide the same form and the same fields."""
    a, b = dict(stored[f"{name}:ep"]), dict(stored[f"{name}:body"])
    assert a.pop("endpoint").startswith("/v1/") and b.pop("endpoint") is None
    for r in (a, b):
        for k in ("exchange_id", "source_row"):
            r.pop(k)
    assert a == b


def _row(stored: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    return stored[f"{name}:ep"]


def test_chat_completions_shapes(stored):
    r = _row(stored, "chat_plain")
    assert (r["api_format"], r["system_prompt"], r["last_user_text"]) == ("openai", "Be terse.", "Name a prime.")
    assert (r["max_tokens"], r["n"], r["logprobs"], r["top_logprobs"], r["temperature"]) == (300, 2, True, 3, 0.2)
    assert _extra(r)["request.messages[1].name"] == "ana"

    r = _row(stored, "chat_reasoning_schema")
    assert (r["reasoning_effort"], r["response_format"], r["response_format_name"]) == ("high", "json_schema", "weather")
    assert len(r["response_format_schema_hash"]) == 16
    assert _extra(r)["request.response_format.json_schema.strict"] is True

    r = _row(stored, "chat_tool_loop")
    assert (r["last_user_text"], r["n_user_turns"], r["last_tool_output"]) == (PROMPT, 1, TOOL_OUT)
    assert (r["request_tool_calls"], r["request_tool_results"], r["tool_names"]) == (1, 1, ["get_weather"])
    assert r["messages"][1] == {"role": "assistant", "text": '{"city":"Oslo"}', "part_kinds": ["tool_call"]}

    r = _row(stored, "chat_custom_tool")
    assert r["tool_names"] == ["shell"]
    assert r["messages"][1]["text"] == "pytest -q" and r["request_tool_calls"] == 1
    assert (r["last_user_text"], r["last_tool_output"]) == ("Run the tests.", "3 passed")

    r = _row(stored, "chat_legacy_functions")
    assert (r["tool_names"], r["request_tool_calls"], r["request_tool_results"]) == (["get_weather"], 1, 1)
    assert (r["last_user_text"], r["last_tool_output"], r["n_user_turns"]) == (PROMPT, TOOL_OUT, 1)
    assert json.loads(r["tools_json"])[0]["name"] == "get_weather"
    assert _extra(r)["request.function_call"] == "auto"

    r = _row(stored, "chat_image")
    assert (r["n_images"], r["last_user_text"], r["api_format"]) == (1, "What is in this picture?", "openai")
    assert _extra(r)["request.messages[0].content[1].image_url.detail"] == "high"


def test_responses_api_shapes(stored):
    r = _row(stored, "responses_string")
    assert (r["api_format"], r["system_prompt"], r["last_user_text"]) == ("openai_responses", "Be terse.", "Name a prime.")
    assert (r["reasoning_effort"], r["reasoning_summary"], r["max_tokens"]) == ("high", "detailed", 500)

    r = _row(stored, "responses_items_schema")
    assert (r["system_prompt"], r["last_user_text"], r["n_images"]) == ("Answer in JSON.", "What is in this picture?", 1)
    assert (r["response_format"], r["response_format_name"]) == ("json_schema", "weather")
    assert _extra(r)["request.input[1].content[1].detail"] == "low"

    r = _row(stored, "responses_tool_loop")
    assert (r["last_user_text"], r["last_tool_output"], r["n_user_turns"]) == (PROMPT, TOOL_OUT, 1)
    assert (r["request_tool_calls"], r["request_tool_results"], r["tool_names"]) == (1, 1, ["get_weather"])
    assert r["messages"][1] == {"role": "assistant", "text": '{"city":"Oslo"}', "part_kinds": ["thinking", "tool_call"]}

    r = _row(stored, "responses_custom_tool")
    assert (r["tool_names"], r["last_user_text"], r["last_tool_output"]) == (["shell"], "Run the tests.", "3 passed")
    assert r["messages"][1]["text"] == "pytest -q"

    r = _row(stored, "responses_hosted_chained")
    assert (r["tool_names"], r["last_user_text"]) == (["web_search"], "And tomorrow?")
    assert _extra(r)["request.previous_response_id"] == "resp_1" and _extra(r)["request.store"] is True

    r = _row(stored, "responses_computer")
    assert (r["tool_names"], r["last_user_text"], r["n_images"]) == (["computer_use_preview"], "Open the weather page.", 1)
    assert (r["request_tool_calls"], r["request_tool_results"]) == (1, 1)


def test_anthropic_messages_shapes(stored):
    r = _row(stored, "anthropic_plain")
    assert r["api_format"] == "anthropic"  # a body both APIs accept, from a Claude model

    r = _row(stored, "anthropic_system_cache")
    assert (r["api_format"], r["system_prompt"]) == ("anthropic", "You are a weather agent.")
    assert _extra(r)["request.system.content[0].cache_control"] == {"type": "ephemeral"}
    assert _extra(r)["request.stop_sequences"] == ["END"]

    r = _row(stored, "anthropic_thinking_enabled")
    assert (r["thinking_mode"], r["thinking_budget_tokens"]) == ("enabled", 4000)

    r = _row(stored, "anthropic_adaptive_effort")
    assert (r["thinking_mode"], r["thinking_display"], r["reasoning_effort"]) == ("adaptive", "summarized", "max")
    assert r["thinking_budget_tokens"] is None

    r = _row(stored, "anthropic_output_format")
    assert (r["response_format"], r["response_format_name"]) == ("json_schema", None)
    assert r["response_format_schema_hash"] == _row(stored, "chat_reasoning_schema")["response_format_schema_hash"]

    r = _row(stored, "anthropic_tool_loop")
    assert (r["last_user_text"], r["last_tool_output"], r["n_user_turns"]) == (PROMPT, TOOL_OUT, 1)
    assert (r["request_tool_calls"], r["request_tool_results"], r["thinking_mode"]) == (1, 1, "adaptive")
    assert "thinking" in r["content_kinds"]
    assert "I should call the tool" not in json.dumps(r["messages"])  # earlier thinking is not kept

    r = _row(stored, "anthropic_screenshot_result")
    assert (r["n_images"], r["last_user_text"], r["n_user_turns"]) == (1, "Open the weather page.", 1)
    assert r["tool_names"] == ["computer"] and "image" in r["content_kinds"]

    r = _row(stored, "anthropic_document")
    assert r["last_user_text"] == "Snow all week.\nSummarise the forecast."
    assert _extra(r)["request.messages[0].content[0].title"] == "Oslo forecast"

    r = _row(stored, "anthropic_server_tool")
    assert (r["api_format"], r["tool_names"]) == ("anthropic", ["web_search"])


CANONICAL = ("system_prompt", "last_user_text", "n_user_turns", "last_tool_output", "content_kinds", "tool_names",
             "max_tokens", "reasoning_effort", "response_format", "response_format_schema_hash",
             "request_tool_calls", "request_tool_results", "n_images", "n_messages")


def test_one_conversation_in_three_forms_gives_the_same_canonical_fields(tmp_path):
    """A weather agent's second call (prompt, tool call, tool result), sent by each SDK.

    Not compared: api_format (it names the form), response_format_name (the Messages API has no
    schema name) and tools_json (each form's own tool definition shape).
    """
    sdk = Sdk()
    bodies = {
        "chat": sdk.body(lambda: sdk.openai.chat.completions.create(
            model="m", max_completion_tokens=2000, reasoning_effort="high",
            tools=[{"type": "function", "function": WEATHER_FN}],
            response_format={"type": "json_schema", "json_schema": {"name": "weather", "schema": SCHEMA}},
            messages=[{"role": "system", "content": "You are a weather agent."},
                      {"role": "user", "content": PROMPT},
                      {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {
                          "name": "get_weather", "arguments": '{ "city": "Oslo" }'}}]},
                      {"role": "tool", "tool_call_id": "c1", "content": TOOL_OUT}])),
        "responses": sdk.body(lambda: sdk.openai.responses.create(
            model="m", max_output_tokens=2000, reasoning={"effort": "high"}, instructions="You are a weather agent.",
            tools=[{"type": "function", **WEATHER_FN}],
            text={"format": {"type": "json_schema", "name": "weather", "schema": SCHEMA}},
            input=[{"role": "user", "content": [{"type": "input_text", "text": PROMPT}]},
                   {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": '{"city":"Oslo"}'},
                   {"type": "function_call_output", "call_id": "c1", "output": TOOL_OUT}])),
        "messages": sdk.body(lambda: sdk.anthropic.messages.create(
            model="m", max_tokens=2000, output_config={"effort": "high", "format": {"type": "json_schema", "schema": SCHEMA}},
            system=[{"type": "text", "text": "You are a weather agent."}],
            tools=[{"name": "get_weather", "description": "d", "input_schema": WEATHER_FN["parameters"]}],
            messages=[{"role": "user", "content": [{"type": "text", "text": PROMPT}]},
                      {"role": "assistant", "content": [{"type": "tool_use", "id": "c1", "name": "get_weather",
                                                         "input": {"city": "Oslo"}}]},
                      {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "c1", "content": TOOL_OUT}]}])),
    }
    src = tmp_path / "x.jsonl"
    src.write_text("".join(json.dumps(_record(i, form, path, body, False)) + "\n"
                           for i, (form, (path, body)) in enumerate(bodies.items())))
    ingest_paths([src], tmp_path / "store", workers=1)
    rows = {r["account_id"]: r for r in open_engine(tmp_path / "store").sql("SELECT * FROM exchanges").to_pylist()}
    forms = {r["api_format"] for r in rows.values()}
    assert forms == {"openai", "openai_responses", "anthropic"}
    canon = {form: {k: rows[f"acct-{form}"][k] for k in CANONICAL} for form in bodies}
    assert canon["chat"]["last_user_text"] == PROMPT and canon["chat"]["last_tool_output"] == TOOL_OUT
    assert canon["chat"] == canon["responses"] == canon["messages"]
    turns = {form: [t["text"] for t in rows[f"acct-{form}"]["messages"]] for form in bodies}
    assert turns["chat"] == turns["responses"] == turns["messages"] == [PROMPT, '{"city":"Oslo"}', TOOL_OUT]


def test_responses_api_traffic_runs_through_detect(tmp_path):
    """A small Responses API world goes through `distillguard detect` with nothing quarantined."""
    sdk = Sdk()
    recs = []
    for i in range(120):
        topic = ("integral", "sorting", "poem", "tax form")[i % 4]
        path, body = sdk.body(lambda i=i, topic=topic: sdk.openai.responses.create(
            model="gpt-5", instructions="You are a careful tutor.", reasoning={"effort": "high", "summary": "detailed"},
            input=[{"role": "user", "content": f"Explain step by step: {topic} #{i}"}]))
        rec = _record(i % 60, f"r{i}", path, body, True)
        rec["account_id"] = f"acct-{i % 6}"
        rec["ts"] = f"2026-06-01T{10 + i // 60:02d}:{i % 60:02d}:00Z"
        recs.append(rec)
    src = tmp_path / "responses.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs))
    out, store = tmp_path / "out", tmp_path / "store"
    proc = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "detect", str(src), "--out", str(out),
                           "--store", str(store)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "quarantined" not in proc.stderr
    eng = open_engine(store)
    assert eng.sql("SELECT count(*) FROM exchanges WHERE api_format = 'openai_responses'").to_pylist()[0] == {"count_star()": 120}
    assert eng.sql("SELECT count(*) AS n FROM quarantine").to_pylist()[0]["n"] == 0
    assert len((out / "accounts.csv").read_text().splitlines()) == 1 + 6
    assert isinstance(json.loads((out / "campaigns.json").read_text()), list)


def test_a_responses_endpoint_without_input_is_quarantined(tmp_path: Path):
    """The endpoint decides the form: a Chat body logged under /v1/responses is not misread."""
    sdk = Sdk()
    _, body = sdk.body(lambda: sdk.openai.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}]))
    src = tmp_path / "x.jsonl"
    src.write_text(json.dumps(_record(0, "x", "/v1/responses", body, True)) + "\n")
    report = ingest_paths([src], tmp_path / "store", workers=1)
    assert report.rows_quarantined == 1
    reason = open_engine(tmp_path / "store").sql("SELECT reason FROM quarantine").to_pylist()[0]["reason"]
    assert reason == "request_neither_form"


def test_a_store_written_before_the_new_columns_still_reads_them_from_new_parts(tmp_path):
    """Columns are added, never changed: a part from an older version (fewer columns) sorted first
    does not hide the new columns of later parts."""
    import pyarrow.parquet as pq

    from distillguard.ingest.store import data_files

    sdk = Sdk()
    path, body = sdk.body(lambda: sdk.anthropic.messages.create(
        model="claude-opus-4-7", max_tokens=100, thinking={"type": "adaptive"}, messages=[{"role": "user", "content": "hi"}]))
    for k, name in enumerate(("a", "b")):
        src = tmp_path / f"{name}.jsonl"
        src.write_text(json.dumps(_record(k, name, path, body, True)) + "\n")
        ingest_paths([src], tmp_path / "store", workers=1)
    first = data_files(tmp_path / "store", "exchanges")[0]
    old = pq.read_table(first)
    pq.write_table(old.drop(["endpoint", "thinking_mode", "n_images"]), first)  # as an older version wrote it
    rows = open_engine(tmp_path / "store").sql(
        "SELECT exchange_id, thinking_mode, n_images FROM exchanges ORDER BY thinking_mode NULLS FIRST").to_pylist()
    assert [(r["thinking_mode"], r["n_images"]) for r in rows] == [(None, None), ("adaptive", 0)]


def test_parquet_sql_route_stores_the_sdk_bodies_as_the_record_route_does(tmp_path, monkeypatch):
    """Every SDK body (Chat Completions, Responses, Messages; tool loops too) in Parquet, read both ways.

    One file per call shape (a body's nested types must agree within a file; a body Arrow cannot
    hold in one column type is read from JSONL above). The vectorised SQL route must store
    exactly what the record route stores, and it must take some of the rows itself.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    import distillguard.ingest.run as ingest_run
    from distillguard.ingest import parquet_sql

    sdk = Sdk()
    src = tmp_path / "in"
    src.mkdir()
    written, fast_rows = [], 0
    for i, (name, call) in enumerate(_calls(sdk).items()):
        path, body = sdk.body(call)
        table = None
        for form in (body, _text_parts(body)):  # a string content beside a list one: the same prompt as a part
            try:
                table = pa.Table.from_pylist([_record(i, name, path, form, True), _record(i, name, path, form, False)])
                break
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                continue
        if table is None:
            continue
        file = src / f"{name}.parquet"
        pq.write_table(table, file)
        written.append(name)
        query = parquet_sql.plan(table.schema)
        if query is not None:
            fast_rows += sum(b.rows_read - len(b.fallback) for b in parquet_sql.iter_parquet_sql(file, query, "s", 100, 1))
    assert {"chat_tool_loop", "anthropic_tool_loop", "anthropic_screenshot_result", "responses_tool_loop"} <= set(written)
    assert fast_rows >= 4
    sql = ingest_paths([src], tmp_path / "sql", workers=1)
    monkeypatch.setattr(ingest_run, "sql_plan", lambda schema, turn_text=True: None)
    rec = ingest_paths([src], tmp_path / "rec", workers=1)
    assert sql.rows_stored == rec.rows_stored == 2 * len(written)
    rows = {}
    for route in ("sql", "rec"):
        got = open_engine(tmp_path / route).sql("SELECT * EXCLUDE (source) FROM exchanges").to_pylist()
        rows[route] = sorted(map(repr, got))
    assert rows["sql"] == rows["rec"]


def _text_parts(body: dict[str, Any]) -> dict[str, Any]:
    """The body with each string message content as one text part (what the SDKs also accept)."""
    msgs = [{**m, "content": [{"type": "text", "text": m["content"]}]} if isinstance(m.get("content"), str) else m
            for m in body.get("messages", [])]
    return {**body, "messages": msgs} if "messages" in body else body
