"""The LiteLLM integration in process, with LiteLLM's real types: streaming strip, identity, records."""

from __future__ import annotations

import asyncio
import os
import random

import pytest
import serve_world as world

pytest.importorskip("litellm")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from fastapi import HTTPException  # noqa: E402
from litellm.proxy._types import UserAPIKeyAuth  # noqa: E402
from litellm.types.utils import Delta, ModelResponse, ModelResponseStream, StreamingChoices  # noqa: E402

from distillguard.integrations.litellm import (  # noqa: E402
    DistillguardGuardrail,
    account_of,
    contract_record,
    exchange_from_log,
    strip_model_response,
)

POLICY = """
[[bands]]
min_risk = 0.9
actions = ["block"]
[[bands]]
min_risk = 0.7
actions = ["strip_reasoning", "cap_max_tokens"]
[cap]
max_tokens = 64
[campaigns."c-grader"]
actions = ["throttle"]
[throttle]
rate_per_minute = 1
burst = 1
[budget]
time_ms = 60000.0
"""


@pytest.fixture
def guard(tmp_path, small_world, monkeypatch):
    pol = tmp_path / "p.toml"
    pol.write_text(POLICY, encoding="utf-8")
    monkeypatch.delenv("DISTILLGUARD_URL", raising=False)
    monkeypatch.setenv("DISTILLGUARD_RESULTS", str(small_world["results"]))
    monkeypatch.setenv("DISTILLGUARD_STORE", str(small_world["store"]))
    monkeypatch.setenv("DISTILLGUARD_POLICY", str(pol))
    monkeypatch.setenv("DISTILLGUARD_STATE_DIR", str(tmp_path / "st"))
    g = DistillguardGuardrail(guardrail_name="dg", event_hook="pre_call", default_on=True)
    yield g
    g.service.close()


def data_for(messages, **kw):
    return {"model": "m-1", "messages": messages, "metadata": {"requester_ip_address": "203.0.113.9"},
            "proxy_server_request": {"headers": {"User-Agent": world.GRADER_UA}}, **kw}


def test_identity_and_contract_record() -> None:
    key = UserAPIKeyAuth(api_key="h", user_id=None, team_id="team-7")
    assert account_of(key) == "team-7"
    rec = contract_record(data_for([{"role": "user", "content": "x"}], max_tokens=5), "team-7", "h")
    assert rec["client"] == {"ip": "203.0.113.9", "user_agent": world.GRADER_UA}
    assert rec["request"]["max_tokens"] == 5 and rec["api_key_id"] == "h"


def test_pre_call_strips_and_caps(guard) -> None:
    data = data_for([{"role": "user", "content": "hi"}], max_tokens=4000, reasoning_effort="high")
    out = asyncio.run(guard.async_pre_call_hook(UserAPIKeyAuth(api_key="k", user_id="acct_midrisk"), None, data,
                                                "completion"))
    assert "reasoning_effort" not in out and out["max_tokens"] == 64
    assert out["metadata"]["distillguard"]["actions"] == ["strip_reasoning", "cap_max_tokens"]


def test_pre_call_throttles_with_retry_after_and_blocks(guard) -> None:
    key = UserAPIKeyAuth(api_key="k", user_id="acct_camp_1")
    msgs = [{"role": "user", "content": "hi"}]
    asyncio.run(guard.async_pre_call_hook(key, None, data_for(msgs), "completion"))  # the bucket's one token
    with pytest.raises(HTTPException) as ei:
        asyncio.run(guard.async_pre_call_hook(key, None, data_for(msgs), "completion"))
    assert ei.value.status_code == 429 and int(ei.value.headers["Retry-After"]) >= 1
    # A new account with the campaign's wrapper, configuration, client and no batch verdict.
    req = world.grader_request(random.Random(4))
    new_key = UserAPIKeyAuth(api_key="k2", user_id="acct_fresh")
    data = data_for(req["messages"], max_tokens=777, temperature=0.3, top_p=0.9)
    with pytest.raises(HTTPException) as ei:  # campaign rule: throttle, burst 1 -> second request
        for _ in range(2):
            asyncio.run(guard.async_pre_call_hook(new_key, None, dict(data), "completion"))
    assert ei.value.status_code == 429


def test_streaming_reasoning_is_stripped(guard) -> None:
    chunks = [ModelResponseStream(choices=[StreamingChoices(delta=Delta(content=None, reasoning_content="think "))]),
              ModelResponseStream(choices=[StreamingChoices(delta=Delta(content="4", reasoning_content="more"))])]

    async def upstream():
        for c in chunks:
            yield c

    async def collect(request_data):
        return [c async for c in guard.async_post_call_streaming_iterator_hook(None, upstream(), request_data)]

    out = asyncio.run(collect({"metadata": {"distillguard": {"actions": ["strip_reasoning"]}}}))
    dumped = [c.model_dump_json() for c in out]
    assert not any("think" in d or "more" in d for d in dumped)
    assert out[1].choices[0].delta.content == "4"
    kept = [ModelResponseStream(choices=[StreamingChoices(delta=Delta(content="x", reasoning_content="keep"))])]

    async def upstream2():
        for c in kept:
            yield c

    async def collect2():
        return [c async for c in guard.async_post_call_streaming_iterator_hook(None, upstream2(), {"metadata": {}})]

    assert "keep" in asyncio.run(collect2())[0].model_dump_json()


def test_strip_model_response_non_streamed() -> None:
    r = ModelResponse(choices=[{"message": {"role": "assistant", "content": "4", "reasoning_content": "2+2"}}])
    strip_model_response(r)
    assert "2+2" not in r.model_dump_json() and r.choices[0].message.content == "4"


def test_exchange_from_log() -> None:
    from datetime import datetime, timedelta, timezone

    t0 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
    resp = ModelResponse(choices=[{"message": {"role": "assistant", "content": "ok", "reasoning_content": "r"}}],
                         usage={"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8})
    kw = {"litellm_call_id": "call-1", "model": "m", "messages": [{"role": "user", "content": "q"}],
          "optional_params": {"max_tokens": 10, "temperature": 0.2, "extra_body": {}},
          "litellm_params": {"metadata": {"user_api_key_user_id": "acct_a", "user_api_key_hash": "hh",
                                          "requester_ip_address": "198.51.100.7"}}}
    rec = exchange_from_log(kw, resp, t0, t0 + timedelta(milliseconds=250))
    assert rec["request_id"] == "call-1" and rec["ts"] == "2026-03-02T12:00:00Z" and rec["account_id"] == "acct_a"
    assert rec["request"] == {"messages": [{"role": "user", "content": "q"}], "max_tokens": 10, "temperature": 0.2}
    assert rec["response"]["reasoning"] == "r" and rec["usage"] == {"input_tokens": 3, "output_tokens": 5}
    assert rec["latency_ms"] == pytest.approx(250.0) and rec["client"] == {"ip": "198.51.100.7"}
    from distillguard.ingest.normalise import normalise_exchange

    normalise_exchange(rec)  # a valid contract record
    assert exchange_from_log({"litellm_params": {"metadata": {}}}, None, t0, t0) is None
