from __future__ import annotations

import random

import pytest

from distillguard.ingest.normalise import EXCHANGE_COLUMNS, Rejected, normalise_exchange, parse_ts
from distillguard.ingest.quarantine import REASONS
from distillguard.testing import CORRUPTIONS, corrupt, make_exchange

COLS = EXCHANGE_COLUMNS[:-2]  # without source, source_row


def row(rec: dict) -> dict:
    return dict(zip(COLS, normalise_exchange(rec), strict=True))


def base() -> dict:
    return {"request_id": "r1", "ts": "2026-03-02T10:00:00+02:00", "account_id": "a1", "model": "m",
            "request": {"messages": [{"role": "user", "content": "hi"}]}}


def test_offset_timestamps_become_utc_microseconds():
    assert parse_ts("2026-03-02T10:00:00+02:00") == parse_ts("2026-03-02T08:00:00Z")
    assert parse_ts("1970-01-01T00:00:00.000001Z") == 1


def test_openai_form_is_normalised():
    rec = base()
    rec["request"] = {
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": [{"type": "text", "text": "What is in"},
                                         {"type": "image_url", "image_url": {"url": "data:x"}}]},
            {"role": "assistant", "content": None,
             "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        "max_completion_tokens": 32000, "n": 4, "logprobs": True, "top_logprobs": 5,
        "response_format": {"type": "json_object"}, "seed": 7,
    }
    r = row(rec)
    assert r["api_format"] == "openai"
    assert r["system_prompt"] == "Be terse."
    assert r["n_messages"] == 3 and r["n_user_turns"] == 1
    assert r["last_user_text"] == "What is in"
    assert set(r["content_kinds"]) == {"text", "image", "tool_call", "tool_result"}
    assert r["tool_names"] == ["f"]
    assert (r["max_tokens"], r["n"], r["logprobs"], r["top_logprobs"]) == (32000, 4, True, 5)
    assert r["response_format"] == "json_object"
    assert '"request.seed":7' in r["extra_json"]


def test_anthropic_form_is_normalised():
    rec = base()
    rec["request"] = {
        "system": [{"type": "text", "text": "You grade essays."}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Grade this"},
                                                  {"type": "image", "source": {"type": "base64", "data": "AA"}}]},
                     {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "g", "input": {"x": 1}}]},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "ok"}]}],
        "tools": [{"name": "g", "input_schema": {"type": "object"}}],
        "max_tokens": 8000, "thinking": {"type": "enabled", "budget_tokens": 4000},
    }
    rec["response"] = {"content": "B+", "reasoning": "The essay...", "tool_calls": [], "finish_reason": "end_turn"}
    rec["usage"] = {"input_tokens": 10, "output_tokens": 20, "reasoning_tokens": 15}
    r = row(rec)
    assert r["api_format"] == "anthropic"
    assert r["system_prompt"] == "You grade essays."
    assert r["thinking_budget_tokens"] == 4000
    assert "image" in r["content_kinds"] and "tool_result" in r["content_kinds"]
    # The last user turn is the tool result: the person's prompt is the turn before it (contract section 1).
    assert r["last_user_text"] == "Grade this"
    assert r["last_tool_output"] == "ok"
    assert r["n_user_turns"] == 1
    assert (r["request_tool_calls"], r["request_tool_results"], r["n_images"]) == (1, 1, 1)
    assert (r["response_text"], r["response_reasoning"], r["response_tool_calls"]) == ("B+", "The essay...", 0)
    assert r["reasoning_tokens"] == 15


def test_unknown_fields_are_kept_not_rejected():
    rec = base()
    rec["tenant_tier"] = "gold"
    rec["client"] = {"ip": "2001:db8::1", "region": "eu"}
    r = row(rec)
    assert '"tenant_tier":"gold"' in r["extra_json"] and '"client.region":"eu"' in r["extra_json"]
    assert r["client_ip"] == "2001:db8::1"


@pytest.mark.parametrize("how", sorted(CORRUPTIONS))
def test_each_corruption_gets_its_documented_reason(how):
    rec = make_exchange(random.Random(3), 1)
    with pytest.raises(Rejected) as info:
        normalise_exchange(corrupt(rec, how))
    assert info.value.reason == CORRUPTIONS[how]
    assert info.value.reason in REASONS
    assert info.value.detail


def test_generated_records_are_valid():
    rng = random.Random(0)
    for i in range(300):
        assert len(normalise_exchange(make_exchange(rng, i))) == len(COLS)


def test_idset_matches_a_python_set():
    import numpy as np

    from distillguard.ingest.dedup import IdSet

    rng = np.random.default_rng(3)
    ids, ref = IdSet(capacity=8), set()
    for _ in range(100):  # small range: many repeats within and across batches; forces growth
        batch = rng.integers(1, 3000, 200, dtype=np.uint64)
        got = ids.add_new(batch)
        seen: set[int] = set()
        want = []
        for x in batch.tolist():
            want.append(x not in ref and x not in seen)
            seen.add(x)
        ref |= seen
        assert got.tolist() == want
    assert len(ids) == len(ref)
