"""Arrow/Parquet schemas of the simulator's outputs.

One fixed nested schema covers both request forms: absent keys are nulls. Message `content`
is always a list of content blocks in Parquet (a plain string becomes one text block), which
both the Chat Completions and the Messages API accept. Tool argument objects (`input`) are
structs over the union of the simulated tool catalogue's parameter names; JSON-schema
`properties` is a map (parameter name -> property schema).
"""

from __future__ import annotations

import pyarrow as pa

from distillguard.simulate.tools import CATALOGUE, PARAM_TYPES

S, I64, F64, BOOL = pa.string(), pa.int64(), pa.float64(), pa.bool_()


def _param_type(t: str) -> pa.DataType:
    return pa.list_(I64) if t == "array" else S


PARAM_NAMES = sorted(PARAM_TYPES)
INPUT = pa.struct([pa.field(p, _param_type(PARAM_TYPES[p])) for p in PARAM_NAMES])
PROP = pa.struct([("type", S), ("description", S), ("enum", pa.list_(S)), ("items", pa.struct([("type", S)]))])
# JSON-schema `properties` is an object with arbitrary keys: a Parquet MAP (read it back with
# `to_pylist(maps_as_pydicts="strict")` to get a dict). A struct over the union of all parameter
# names would cost ~180 mostly-null leaf columns.
JSON_SCHEMA = pa.struct([("type", S), ("properties", pa.map_(S, PROP)), ("required", pa.list_(S))])
FUNCTION_CALL = pa.struct([("name", S), ("arguments", S)])
TOOL_CALL = pa.struct([("id", S), ("type", S), ("function", FUNCTION_CALL)])
BLOCK = pa.struct([
    ("type", S), ("text", S), ("image_url", pa.struct([("url", S)])),
    ("source", pa.struct([("type", S), ("media_type", S), ("data", S)])),
    ("id", S), ("name", S), ("input", INPUT), ("tool_use_id", S), ("content", S),
])
MESSAGE = pa.struct([("role", S), ("content", pa.list_(BLOCK)), ("tool_calls", pa.list_(TOOL_CALL)),
                     ("tool_call_id", S)])
TOOL = pa.struct([("type", S), ("function", pa.struct([("name", S), ("description", S), ("parameters", JSON_SCHEMA)])),
                  ("name", S), ("description", S), ("input_schema", JSON_SCHEMA)])
REQUEST = pa.struct([
    ("system", S), ("messages", pa.list_(MESSAGE)), ("tools", pa.list_(TOOL)),
    ("max_tokens", I64), ("max_completion_tokens", I64), ("temperature", F64), ("top_p", F64), ("n", I64),
    ("logprobs", BOOL), ("top_logprobs", I64), ("response_format", pa.struct([("type", S)])), ("stream", BOOL),
    ("thinking", pa.struct([("type", S), ("budget_tokens", I64)])), ("reasoning_effort", S),
])
RESPONSE = pa.struct([("content", S), ("reasoning", S), ("tool_calls", pa.list_(TOOL_CALL)), ("finish_reason", S)])
CLIENT = pa.struct([("ip", S), ("asn", I64), ("country", S), ("user_agent", S), ("tls_fingerprint", S)])
USAGE = pa.struct([("input_tokens", I64), ("output_tokens", I64), ("reasoning_tokens", I64)])

EXCHANGE = pa.schema([
    ("request_id", S), ("ts", S), ("account_id", S), ("api_key_id", S), ("org_id", S), ("client", CLIENT),
    ("model", S), ("request", REQUEST), ("response", RESPONSE), ("usage", USAGE), ("latency_ms", F64),
    ("status", I64),
])
TRUTH = pa.schema([
    ("request_id", S), ("account_id", S), ("campaign", S), ("persona", S), ("category", S),
    ("template_key", S), ("mundane", BOOL),
])
CATEGORIES = ("reasoning_elicitation", "rubric_grading", "tool_use", "coding", "computer_use", "vision",
              "synthetic_data", "censorship_rewrite", "roleplay", "other")
assert set(CATALOGUE)  # the catalogue defines the struct unions above
