"""LiteLLM integration: a `CustomGuardrail` that acts on distillguard decisions, and a logging callback.

`DistillguardGuardrail` runs inside the LiteLLM proxy (``guardrail: module.Class`` in the
proxy config, see docs/serve.md). Unlike the Generic Guardrail API it sees the whole request
(request configuration, ``metadata.requester_ip_address``) and the response with its
``reasoning_content``, so it can apply every action:

- ``block`` / ``verify`` -> HTTP 403 with ``{"error": "distillguard: ...", "reason_code": ...}``;
- ``throttle`` -> HTTP 429 with ``Retry-After``;
- ``strip_reasoning`` -> drops ``reasoning_effort`` / ``thinking`` from the request, and the
  reasoning from the response, streamed or not;
- ``cap_max_tokens`` -> lowers ``max_tokens``.

It decides in one of two ways: with ``api_base`` (or ``DISTILLGUARD_URL``) it asks a running
``distillguard serve`` (``/v1/score``, token from ``api_key`` or ``DISTILLGUARD_TOKEN``), so
all gateways share one state; otherwise it loads the results itself (``DISTILLGUARD_RESULTS``,
``DISTILLGUARD_STORE``, ``DISTILLGUARD_POLICY``, ``DISTILLGUARD_STATE_DIR``, ``DISTILLGUARD_REDIS``)
and scores in process, with no network hop.

`DistillguardLogger` is a LiteLLM logging callback that sends every completed call, in contract
form, to ``/v1/observe`` (or appends it to ``DISTILLGUARD_OBSERVE_DIR``), so the next
``distillguard detect`` sees the traffic.

Identity: ``account_id`` is the first of ``user_id``, ``team_id``, ``end_user_id``, ``org_id``
that LiteLLM's auth set on the key (``DISTILLGUARD_ACCOUNT_FIELDS`` changes the order); the
key's hash becomes ``api_key_id``.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncGenerator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from fastapi import HTTPException
from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.integrations.custom_logger import CustomLogger

from distillguard.serve.countermeasures import apply_to_request, strip_response

REQUEST_KEYS = ("messages", "system", "tools", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n",
                "logprobs", "top_logprobs", "response_format", "stream", "thinking", "reasoning_effort")
META_KEY = "distillguard"


def _fields() -> tuple[str, ...]:
    raw = os.environ.get("DISTILLGUARD_ACCOUNT_FIELDS", "user_id,team_id,end_user_id,org_id")
    return tuple(f.strip() for f in raw.split(",") if f.strip())


def account_of(user_api_key_dict: Any) -> str | None:
    """The account_id for a LiteLLM key (see the module docstring)."""
    for f in _fields():
        v = getattr(user_api_key_dict, f, None)
        if isinstance(v, str) and v:
            return v
    return None


def _meta(data: dict) -> dict:
    m = data.get("metadata")
    if not isinstance(m, dict):
        m = data.get("litellm_metadata")
    return m if isinstance(m, dict) else {}


def _headers(data: dict) -> dict:
    h = (data.get("proxy_server_request") or {}).get("headers") or _meta(data).get("headers") or {}
    return {str(k).lower(): str(v) for k, v in h.items()} if isinstance(h, dict) else {}


def contract_record(data: dict, account: str, key_hash: str | None) -> dict[str, Any]:
    """A LiteLLM request (``data`` of a pre-call hook) in the data contract's form."""
    client: dict[str, Any] = {}
    ip = _meta(data).get("requester_ip_address")
    if isinstance(ip, str) and ip:
        client["ip"] = ip.split(",")[0].strip()
    ua = _headers(data).get("user-agent")
    if ua:
        client["user_agent"] = ua
    rec: dict[str, Any] = {"account_id": account, "model": str(data.get("model") or "unknown"),
                           "request": {k: data[k] for k in REQUEST_KEYS if data.get(k) is not None}}
    if key_hash:
        rec["api_key_id"] = key_hash
    if client:
        rec["client"] = client
    return rec


class DistillguardGuardrail(CustomGuardrail):
    """Score each request with distillguard and apply the decision inside the LiteLLM proxy."""

    def __init__(self, api_base: str | None = None, api_key: str | None = None, **kwargs: Any) -> None:
        self.url = (api_base or os.environ.get("DISTILLGUARD_URL") or "").rstrip("/") or None
        self.token = api_key or os.environ.get("DISTILLGUARD_TOKEN")
        self.service = None
        self._client: httpx.AsyncClient | None = None
        if self.url is None:
            self.service = _local_service()
        super().__init__(**kwargs)

    async def _score(self, rec: dict[str, Any]) -> dict[str, Any]:
        if self.service is not None:
            return self.service.score(rec, source="litellm_guardrail").to_dict()
        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.url, timeout=2.0,
                                             headers={"Authorization": f"Bearer {self.token}"})
        r = await self._client.post("/v1/score", json=rec)
        r.raise_for_status()
        return r.json()

    async def async_pre_call_hook(self, user_api_key_dict: Any, cache: Any, data: dict, call_type: Any) -> dict:
        account = account_of(user_api_key_dict)
        if account is None or not isinstance(data.get("messages"), list):
            return data
        d = await self._score(contract_record(data, account, getattr(user_api_key_dict, "api_key", None)))
        decision = d.get("decision", "allow")
        if decision in ("block", "verify"):
            detail = {"error": f"distillguard: {decision}"}
            if d.get("reason_code"):
                detail["reason_code"] = d["reason_code"]
            raise HTTPException(status_code=403, detail=detail)
        if decision == "throttle":
            retry = str(d.get("retry_after_s") or 1)
            raise HTTPException(status_code=429, detail={"error": "distillguard: throttle", "retry_after_s": retry},
                                headers={"Retry-After": retry})
        actions = d.get("actions") or []
        if actions:
            new = apply_to_request({k: data[k] for k in REQUEST_KEYS if k in data}, actions, d.get("max_tokens"))
            for k in REQUEST_KEYS:
                if k in data and k not in new:
                    del data[k]
            data.update(new)
            data.setdefault("metadata", {})[META_KEY] = {"actions": actions}
        return data

    @staticmethod
    def _strips(data: dict) -> bool:
        return "strip_reasoning" in ((_meta(data).get(META_KEY) or {}).get("actions") or [])

    async def async_post_call_success_hook(self, data: dict, user_api_key_dict: Any, response: Any) -> Any:
        if self._strips(data):
            strip_model_response(response)
        return response

    async def async_post_call_streaming_iterator_hook(self, user_api_key_dict: Any, response: Any,
                                                      request_data: dict) -> AsyncGenerator[Any, None]:
        strip = self._strips(request_data)
        async for chunk in response:
            if strip:
                strip_model_response(chunk)
            yield chunk


def strip_model_response(resp: Any) -> None:
    """Remove reasoning from a LiteLLM ModelResponse / stream chunk in place (or a dict)."""
    if isinstance(resp, dict):
        resp.clear()
        resp.update(strip_response(resp))
        return
    for ch in getattr(resp, "choices", None) or []:
        for attr in ("message", "delta"):
            msg = getattr(ch, attr, None)
            if msg is None:
                continue
            for k in ("reasoning_content", "thinking_blocks", "reasoning"):
                if hasattr(msg, k):
                    try:
                        delattr(msg, k)
                    except AttributeError:
                        setattr(msg, k, None)
            psf = getattr(msg, "provider_specific_fields", None)
            if isinstance(psf, dict):
                for k in ("reasoning_content", "thinking_blocks", "reasoning"):
                    psf.pop(k, None)


def _local_service() -> Any:
    """An in-process Service from DISTILLGUARD_* environment variables."""
    from distillguard.serve.service import Service
    from distillguard.serve.state import MemoryState

    results = os.environ.get("DISTILLGUARD_RESULTS")
    if not results:
        raise ValueError("DistillguardGuardrail needs api_base (a running `distillguard serve`) or "
                         "DISTILLGUARD_RESULTS (a detect output folder) to score in process")
    state_dir = Path(os.environ.get("DISTILLGUARD_STATE_DIR", "distillguard-guardrail"))
    redis = os.environ.get("DISTILLGUARD_REDIS")
    if redis:
        from distillguard.serve.redis_state import RedisState

        state: Any = RedisState(redis)
    else:
        state = MemoryState()
    store = os.environ.get("DISTILLGUARD_STORE")
    policy = os.environ.get("DISTILLGUARD_POLICY")
    return Service(Path(results), Path(store) if store else None, Path(policy) if policy else None, state,
                   state_dir / "audit.jsonl", None)


def _iso(t: Any) -> str:
    if isinstance(t, datetime):
        t = t if t.tzinfo else t.replace(tzinfo=timezone.utc)
        return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return datetime.fromtimestamp(float(t or time.time()), tz=timezone.utc).isoformat().replace("+00:00", "Z")


def exchange_from_log(kwargs: dict, response_obj: Any, start_time: Any, end_time: Any,
                      status: int = 200) -> dict[str, Any] | None:
    """A completed LiteLLM call (logging-callback arguments) in contract form; None without an account."""
    slp = kwargs.get("standard_logging_object") or {}
    meta = (kwargs.get("litellm_params") or {}).get("metadata") or {}
    account = None
    for f in _fields():
        account = meta.get(f"user_api_key_{f}") or account
        if account:
            break
    if not account:
        return None
    request = {"messages": kwargs.get("messages") or []}
    for k, v in (kwargs.get("optional_params") or {}).items():
        if k in REQUEST_KEYS and v is not None:
            request[k] = v
    rec: dict[str, Any] = {"request_id": str(kwargs.get("litellm_call_id") or slp.get("id") or time.time_ns()),
                           "ts": _iso(start_time), "account_id": account, "model": str(kwargs.get("model")),
                           "request": request, "status": status}
    if meta.get("user_api_key_hash"):
        rec["api_key_id"] = meta["user_api_key_hash"]
    if meta.get("requester_ip_address"):
        rec["client"] = {"ip": str(meta["requester_ip_address"]).split(",")[0].strip()}
    try:
        rec["latency_ms"] = (end_time - start_time).total_seconds() * 1000.0
    except (TypeError, AttributeError):
        pass
    choices = getattr(response_obj, "choices", None) or []
    if choices:
        msg = getattr(choices[0], "message", None)
        resp: dict[str, Any] = {"content": getattr(msg, "content", None) or ""}
        reasoning = getattr(msg, "reasoning_content", None)
        if isinstance(reasoning, str) and reasoning:
            resp["reasoning"] = reasoning
        if getattr(choices[0], "finish_reason", None):
            resp["finish_reason"] = str(choices[0].finish_reason)
        rec["response"] = resp
    usage = getattr(response_obj, "usage", None)
    if usage is not None:
        rec["usage"] = {"input_tokens": int(getattr(usage, "prompt_tokens", 0) or 0),
                        "output_tokens": int(getattr(usage, "completion_tokens", 0) or 0)}
    return rec


class DistillguardLogger(CustomLogger):
    """Send each completed call to ``/v1/observe`` of ``distillguard serve``, or to a store folder."""

    def __init__(self, url: str | None = None, token: str | None = None, observe_dir: str | None = None,
                 scored: bool = True) -> None:
        super().__init__()
        self.url = (url or os.environ.get("DISTILLGUARD_URL") or "").rstrip("/") or None
        self.token = token or os.environ.get("DISTILLGUARD_TOKEN")
        d = observe_dir or os.environ.get("DISTILLGUARD_OBSERVE_DIR")
        self.scored = scored
        self.store = None
        if d:
            from distillguard.serve.records import ObservedStore

            self.store = ObservedStore(Path(d))
        self._client: httpx.AsyncClient | None = None

    async def _send(self, rec: dict[str, Any]) -> None:
        if self.store is not None:
            from distillguard.ingest.normalise import parse_ts

            self.store.append([(parse_ts(rec["ts"]), rec)])
        if self.url is not None:
            if self._client is None:
                self._client = httpx.AsyncClient(base_url=self.url, timeout=5.0,
                                                 headers={"Authorization": f"Bearer {self.token}"})
            await self._client.post("/v1/observe", params={"scored": str(self.scored).lower()}, json=rec)

    async def async_log_success_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        rec = exchange_from_log(kwargs, response_obj, start_time, end_time)
        if rec is not None:
            await self._send(rec)

    async def async_log_failure_event(self, kwargs: dict, response_obj: Any, start_time: Any, end_time: Any) -> None:
        exc = kwargs.get("exception")
        rec = exchange_from_log(kwargs, None, start_time, end_time, status=int(getattr(exc, "status_code", 500)))
        if rec is not None:
            await self._send(rec)
