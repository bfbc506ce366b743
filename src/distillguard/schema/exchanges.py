"""The canonical `exchanges` table: one row per API call, all three request forms normalised.

Every later stage reads this table, never the raw records, so a field means the same thing
whether the client spoke OpenAI Chat Completions, the OpenAI Responses API or Anthropic Messages.
"""

from __future__ import annotations

import pyarrow as pa

from distillguard.schema._table import col, table

MESSAGE_TYPE = pa.struct(
    [
        pa.field("role", pa.string()),
        pa.field("text", pa.string()),
        pa.field("part_kinds", pa.list_(pa.string())),
    ]
)

EXCHANGES = table(
    "exchanges",
    col("exchange_id", pa.string(), "The contract's request_id; unique in the store (duplicates kept once)."),
    col("ts", pa.timestamp("us", tz="UTC"), "When the request arrived, UTC, microseconds."),
    col("day", pa.date32(), "UTC date of ts; the store's partition key."),
    col("account_id", pa.string(), "Billing account that the API key belongs to."),
    col("api_key_id", pa.string(), "API key used, if given."),
    col("org_id", pa.string(), "Organisation / workspace, if given."),
    col("client_ip", pa.string(), "Source address seen at the edge (validated IPv4/IPv6)."),
    col("client_asn", pa.int64(), "Autonomous system of client_ip."),
    col("client_country", pa.string(), "ISO 3166-1 alpha-2 geolocation of client_ip, upper case."),
    col("client_user_agent", pa.string(), "HTTP User-Agent."),
    col("client_tls_fingerprint", pa.string(), "JA3/JA4 or similar TLS fingerprint."),
    col("model", pa.string(), "Model name as requested."),
    col("api_format", pa.string(), "Request body form: 'openai' (Chat Completions), 'openai_responses' (Responses API) "
        "or 'anthropic' (Messages); decided by `endpoint` when it names one, else by the body."),
    col("system_prompt", pa.string(), "System instructions: Anthropic `system`, Responses `instructions`, or the OpenAI "
        "system/developer messages, joined."),
    col("messages", pa.list_(MESSAGE_TYPE), "Conversation turns except system: role, text of the text parts "
        "(null in a store `detect` wrote without `--turn-text`), kinds of all parts."),
    col("n_messages", pa.int32(), "Number of non-system messages."),
    col("n_user_turns", pa.int32(), "Number of user turns a person or client wrote (tool results are not counted)."),
    col("last_user_text", pa.string(), "Text of the last user turn a person or client wrote: the prompt this call "
        "answers (never a tool result; see last_tool_output)."),
    col("content_kinds", pa.list_(pa.string()), "Distinct content-part kinds in the request (text, image, audio, file, tool_call, tool_result, thinking)."),
    col("tool_names", pa.list_(pa.string()), "Names of the tools offered to the model: function, custom and server "
        "tools by their name, legacy `functions` too, hosted tools without a name by their type."),
    col("tools_json", pa.string(), "The tool definitions as canonical JSON (null when none)."),
    col("max_tokens", pa.int64(), "max_tokens / max_completion_tokens / max_output_tokens requested."),
    col("temperature", pa.float64(), "Sampling temperature requested."),
    col("top_p", pa.float64(), "Nucleus sampling parameter requested."),
    col("n", pa.int32(), "Number of choices requested (OpenAI n)."),
    col("logprobs", pa.bool_(), "Whether log-probabilities were requested."),
    col("top_logprobs", pa.int32(), "How many top log-probabilities per token were requested."),
    col("response_format", pa.string(), "Requested output format type (text, json_object, json_schema): OpenAI "
        "response_format, Responses text.format, Anthropic output_config.format."),
    col("stream", pa.bool_(), "Whether streaming was requested."),
    col("thinking_budget_tokens", pa.int64(), "Anthropic extended-thinking budget, when thinking was enabled."),
    col("reasoning_effort", pa.string(), "Reasoning effort requested: OpenAI reasoning_effort, Responses "
        "reasoning.effort, Anthropic output_config.effort."),
    col("response_text", pa.string(), "Visible answer returned."),
    col("response_reasoning", pa.string(), "Reasoning / thinking text returned, where the model produced one."),
    col("response_tool_calls", pa.int32(), "Number of tool calls in the response."),
    col("finish_reason", pa.string(), "Why generation stopped."),
    col("input_tokens", pa.int64(), "Prompt tokens billed."),
    col("output_tokens", pa.int64(), "Completion tokens billed."),
    col("reasoning_tokens", pa.int64(), "Reasoning tokens billed."),
    col("latency_ms", pa.float64(), "Latency of the call in milliseconds."),
    col("status", pa.int32(), "HTTP status returned."),
    col("extra_json", pa.string(), "Unknown fields, kept as JSON keyed by their dotted path (null when none)."),
    col("endpoint", pa.string(), "API path the client called, as the gateway logged it (null when not given)."),
    col("thinking_mode", pa.string(), "Anthropic thinking.type as requested: enabled, adaptive or disabled."),
    col("thinking_display", pa.string(), "Anthropic thinking.display as requested: summarized or omitted."),
    col("reasoning_summary", pa.string(), "Responses reasoning.summary requested (auto, concise, detailed)."),
    col("response_format_name", pa.string(), "Name of the requested JSON schema output format, when given."),
    col("response_format_schema_hash", pa.string(), "First 16 hex digits of the SHA-256 of the requested JSON "
        "schema's canonical JSON (keys sorted, nulls dropped)."),
    col("last_tool_output", pa.string(), "Text of the last tool result in the request (tool message, tool_result "
        "block or function_call_output item)."),
    col("request_tool_calls", pa.int32(), "Number of tool calls in the request's assistant turns."),
    col("request_tool_results", pa.int32(), "Number of tool results in the request."),
    col("n_images", pa.int32(), "Number of images in the request, wherever they sit (also inside tool results)."),
    col("source", pa.string(), "File the record was read from."),
    col("source_row", pa.int64(), "1-based line (JSONL) or row (Parquet) in that file."),
)

SCHEMA = EXCHANGES.schema
