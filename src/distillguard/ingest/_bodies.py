"""Read a request body in any of the three forms into the canonical request columns.

The form is decided by the record's `endpoint` when it names one (`/v1/chat/completions`,
`/v1/responses`, `/v1/messages`), otherwise from the body: `input` without `messages` is the
Responses form; among `messages` bodies, anything only the Messages API has (`system`,
`thinking`, `output_config`, Anthropic-only content blocks or tool shapes, ...) makes it
Anthropic. A body both APIs accept (only `model`, `max_tokens` and plain-text turns) is
Anthropic when the model is a Claude model and Chat Completions otherwise.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from distillguard.ingest._fields import Rejected, int32, num, opt, strip_nulls
from distillguard.ingest._responses import read_input
from distillguard.ingest._turns import Conversation, canonical, parts, read_messages

CHAT, RESPONSES, MESSAGES = "openai", "openai_responses", "anthropic"
_ENDPOINT = re.compile(r"(?:^|/)(chat/completions|responses|messages)/?$")
ENDPOINT_FORMS = {"chat/completions": CHAT, "responses": RESPONSES, "messages": MESSAGES}

# Request members read for the Chat Completions and Messages forms (one reader serves both) and
# for the Responses form; any other member with a value goes to extra_json.
KNOWN_REQUEST = frozenset(
    ("messages", "system", "tools", "functions", "max_tokens", "max_completion_tokens", "temperature", "top_p",
     "n", "logprobs", "top_logprobs", "response_format", "stream", "thinking", "reasoning_effort",
     "output_config", "output_format", "model")
)
KNOWN_RESPONSES = frozenset(
    ("input", "instructions", "tools", "max_output_tokens", "temperature", "top_p", "top_logprobs", "stream",
     "text", "reasoning", "model")
)
# Nested members read; their other members go to extra_json under their dotted path.
_NESTED_KEYS = {"thinking": frozenset(("type", "budget_tokens", "display")), "output_config": frozenset(("effort", "format")),
                "reasoning": frozenset(("effort", "summary", "generate_summary")), "text": frozenset(("format",))}
_FORMAT_KEYS = frozenset(("type", "json_schema", "name", "schema"))
# Top-level members only one Chat-like API has (the rest of the evidence is in the turns and tools).
_ANTHROPIC_KEYS = ("system", "thinking", "output_config", "output_format", "top_k", "stop_sequences", "cache_control",
                   "container", "mcp_servers", "context_management", "speed", "inference_geo", "workspace_id",
                   "user_profile_id", "diagnostics")
_ANTHROPIC_KEY_SET = frozenset(_ANTHROPIC_KEYS)
_ANTHROPIC_CHOICES = ("auto", "any", "tool", "none")
_NO_FORMAT = (None, None, None)
_OPENAI_KEYS = ("max_completion_tokens", "n", "logprobs", "top_logprobs", "response_format", "reasoning_effort",
                "functions", "frequency_penalty", "presence_penalty", "seed", "stop", "logit_bias", "user",
                "parallel_tool_calls", "modalities", "audio", "store", "stream_options", "prediction",
                "web_search_options", "verbosity")
_OPENAI_PARTS = frozenset(("image_url", "input_audio", "file"))
_ANTHROPIC_TOOL = re.compile(r"_\d{8}\Z")  # server / client tool versions: bash_20250124, web_search_20250305


def endpoint_form(endpoint: str | None) -> str | None:
    """The body form an endpoint path names, or None (no endpoint, or one of none of the three)."""
    if not endpoint:
        return None
    m = _ENDPOINT.search(endpoint.split("?", 1)[0].lower())
    return ENDPOINT_FORMS[m.group(1)] if m else None


def schema_hash(schema: Any) -> str:
    """First 16 hex digits of the SHA-256 of a JSON schema's canonical JSON."""
    return hashlib.sha256(canonical(schema).encode()).hexdigest()[:16]


def tools_of(tools: Any, where: str) -> tuple[list[str] | None, str | None]:
    """Tool names (function, custom, hosted and server tools) and the definitions as canonical JSON."""
    if tools is None:
        return None, None
    if not isinstance(tools, list):
        raise Rejected("bad_field_type", f"{where} is {type(tools).__name__}, expected list")
    names: list[str] = []
    for t in tools:
        if not isinstance(t, dict):
            raise Rejected("bad_field_type", f"{where} has a non-object entry")
        fn = t.get("function")
        if isinstance(fn, dict):
            name = fn.get("name")
        else:
            custom = t.get("custom")
            name = custom.get("name") if isinstance(custom, dict) else t.get("name")
            if name is None:
                name = t.get("server_label")  # a Responses MCP server
        names.append(name if isinstance(name, str) else str(t.get("type", "unknown")))
    return names, canonical(tools)


def _format(fmt: Any, where: str, extra: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(type, schema name, schema hash) of a response format in any form."""
    if fmt is None:
        return None, None, None
    if isinstance(fmt, str):
        return fmt, None, None
    if not isinstance(fmt, dict):
        raise Rejected("bad_field_type", f"{where} is {type(fmt).__name__}, expected object")
    ftype = opt(fmt.get("type"), str, where + ".type")
    spec = fmt.get("json_schema")
    if isinstance(spec, dict):  # Chat Completions nests the schema; Responses and Messages do not
        for k in spec.keys() - _FORMAT_KEYS:
            if spec[k] is not None:
                extra[f"{where}.json_schema.{k}"] = strip_nulls(spec[k])
    else:
        spec = fmt
    for k in fmt.keys() - _FORMAT_KEYS:
        if fmt[k] is not None:
            extra[f"{where}.{k}"] = strip_nulls(fmt[k])
    name = opt(spec.get("name"), str, where + ".name")
    schema = spec.get("schema")
    return ftype, name, None if schema is None else schema_hash(schema)


def _sub(req: dict, key: str, extra: dict[str, Any]) -> dict:
    """A nested request object ({} when absent); members not read go to extra_json."""
    v = req.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise Rejected("bad_field_type", f"request.{key} is {type(v).__name__}, expected object")
    for k in v.keys() - _NESTED_KEYS[key]:
        if v[k] is not None:
            extra[f"request.{key}.{k}"] = strip_nulls(v[k])
    return v


def _anthropic_tools(tools: Any) -> bool:
    return isinstance(tools, list) and any(
        isinstance(t, dict) and (t.get("input_schema") is not None
                                 or (isinstance(t.get("type"), str) and _ANTHROPIC_TOOL.search(t["type"]) is not None))
        for t in tools)


def _openai_evidence(req: dict) -> bool:
    """Whether a `messages` body uses anything only Chat Completions has."""
    if any(req.get(k) is not None for k in _OPENAI_KEYS) or isinstance(req.get("tool_choice"), str):
        return True
    for m in req["messages"]:
        if not isinstance(m, dict):
            continue
        if m.get("role") in ("system", "developer", "tool", "function") or m.get("tool_calls") or m.get("function_call"):
            return True
        c = m.get("content")
        if isinstance(c, list) and any(isinstance(p, dict) and p.get("type") in _OPENAI_PARTS for p in c):
            return True
    tools = req.get("tools")
    return isinstance(tools, list) and any(isinstance(t, dict) and t.get("function") is not None for t in tools)


def read_body(req: dict, endpoint: str | None, model: str, extra: dict[str, Any]) -> list[Any]:
    """Return the canonical request columns of a body, in `BODY_COLUMNS` order."""
    named = endpoint_form(endpoint) if endpoint is not None else None
    messages = req.get("messages")
    if named == RESPONSES or (named is None and messages.__class__ is not list and req.get("input") is not None):
        if req.get("input") is None:
            raise Rejected("request_neither_form", "request has no input, but its endpoint is the Responses API")
        return _responses(req, extra)
    if not isinstance(messages, list):
        raise Rejected("request_neither_form",
                       "request has no messages list or input (neither Chat Completions, Responses nor Messages form)")
    conv = Conversation()
    get = req.get
    system = get("system")
    if system is not None:
        text, _, _, _, _ = parts(system, "request.system", extra)
        conv.system.append(text)
    anthropic_parts = read_messages(messages, conv, extra)
    form = named or CHAT
    if named is None:
        tools = get("tools")
        if (system is not None or anthropic_parts or _anthropic_keys(req)
                or (tools is not None and _anthropic_tools(tools))
                or (isinstance(get("tool_choice"), dict) and req["tool_choice"].get("type") in _ANTHROPIC_CHOICES)):
            form = MESSAGES
        elif model[:6].lower() == "claude" and not _openai_evidence(req):
            form = MESSAGES
    tool_names, tools_json = tools_of(get("tools"), "request.tools")
    functions = get("functions")
    if functions is not None:  # the legacy Chat Completions function list
        f_names, f_json = tools_of(functions, "request.functions")
        tool_names = (tool_names or []) + (f_names or [])
        tools_json = f_json if tools_json is None else canonical([*req["tools"], *functions])
    max_tokens = get("max_completion_tokens")
    if max_tokens is None:
        max_tokens = get("max_tokens")
    if max_tokens is not None:
        opt(max_tokens, int, "request.max_tokens")
    mode = budget = display = None
    thinking = get("thinking")
    if thinking.__class__ is str:
        mode = thinking
    elif thinking is not None:
        thinking = _sub(req, "thinking", extra)
        mode = opt(thinking.get("type"), str, "request.thinking.type")
        display = opt(thinking.get("display"), str, "request.thinking.display")
        if mode == "enabled":
            budget = opt(thinking.get("budget_tokens"), int, "request.thinking.budget_tokens")
    effort = get("reasoning_effort")
    if effort is not None:
        opt(effort, str, "request.reasoning_effort")
    fmt = _NO_FORMAT
    if get("output_config") is not None:
        output_config = _sub(req, "output_config", extra)
        if effort is None:
            effort = opt(output_config.get("effort"), str, "request.output_config.effort")
        if output_config.get("format") is not None:
            fmt = _format(output_config["format"], "request.output_config.format", extra)
    if get("response_format") is not None:
        fmt = _format(req["response_format"], "request.response_format", extra)
    elif get("output_format") is not None:
        fmt = _format(req["output_format"], "request.output_format", extra)
    if not KNOWN_REQUEST.issuperset(req.keys()):
        for k in req.keys() - KNOWN_REQUEST:
            if req[k] is not None:
                extra["request." + k] = strip_nulls(req[k])
    return _columns(form, conv, tool_names, tools_json, max_tokens, req, int32(get("n"), "request.n"),
                    opt(get("logprobs"), bool, "request.logprobs"), fmt, budget, effort, mode, display, None)


def _anthropic_keys(req: dict) -> bool:
    """Whether a member only the Messages API has is set."""
    if _ANTHROPIC_KEY_SET.isdisjoint(req):
        return False
    return any(req[k] is not None for k in _ANTHROPIC_KEY_SET.intersection(req))


def _responses(req: dict, extra: dict[str, Any]) -> list[Any]:
    conv = Conversation()
    instructions = req.get("instructions")
    if instructions is not None:
        text, _, _, _, _ = parts(instructions, "request.instructions", extra)
        conv.system.append(text)
    read_input(req["input"], conv, extra)
    tool_names, tools_json = tools_of(req.get("tools"), "request.tools")
    max_tokens = opt(req.get("max_output_tokens"), int, "request.max_output_tokens")
    reasoning = _sub(req, "reasoning", extra)
    effort = opt(reasoning.get("effort"), str, "request.reasoning.effort")
    summary = reasoning.get("summary")
    if summary is None:
        summary = reasoning.get("generate_summary")
    summary = opt(summary, str, "request.reasoning.summary")
    text = _sub(req, "text", extra)
    fmt = _format(text.get("format"), "request.text.format", extra)
    for k in req.keys() - KNOWN_RESPONSES:
        if req[k] is not None:
            extra["request." + k] = strip_nulls(req[k])
    return _columns(RESPONSES, conv, tool_names, tools_json, max_tokens, req, None, None, fmt, None, effort, None,
                    None, summary)


BODY_COLUMNS = ("api_format", "system_prompt", "messages", "n_messages", "n_user_turns", "last_user_text",
                "content_kinds", "tool_names", "tools_json", "max_tokens", "temperature", "top_p", "n", "logprobs",
                "top_logprobs", "response_format", "stream", "thinking_budget_tokens", "reasoning_effort",
                "thinking_mode", "thinking_display", "reasoning_summary", "response_format_name", "response_format_schema_hash",
                "last_tool_output", "request_tool_calls", "request_tool_results", "n_images")


def _columns(form: str, conv: Conversation, tool_names: list[str] | None, tools_json: str | None,
             max_tokens: Any, req: dict, n: Any, logprobs: Any, fmt: tuple[Any, Any, Any], budget: Any,
             effort: Any, mode: Any, display: Any, summary: Any) -> list[Any]:
    turns = conv.turns
    kinds: set[str] = set()
    for t in turns:
        kinds.update(t["part_kinds"])
    calls = results = images = 0
    if len(kinds) > 1 or "text" not in kinds:
        for t in turns:
            pk = t["part_kinds"]
            calls += pk.count("tool_call")
            results += pk.count("tool_result")
            images += pk.count("image")
    temperature, top_p, top_lp, stream = req.get("temperature"), req.get("top_p"), req.get("top_logprobs"), req.get("stream")
    return [
        form, "\n\n".join(conv.system) if conv.system else None, turns, len(turns), conv.n_user, conv.last_user,
        sorted(kinds), tool_names, tools_json, max_tokens,
        None if temperature is None else num(temperature, "request.temperature"),
        None if top_p is None else num(top_p, "request.top_p"), n, logprobs,
        None if top_lp is None else int32(top_lp, "request.top_logprobs"), fmt[0],
        None if stream is None else opt(stream, bool, "request.stream"), budget, effort, mode, display, summary,
        fmt[1], fmt[2], conv.last_tool, calls, results, images,
    ]
