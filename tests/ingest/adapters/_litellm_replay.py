"""Replay contract traffic through the real LiteLLM SDK and record what its logging callback gets.

Every call goes through `litellm.completion` with a `mock_response` (no network) while the clock
is moved to the exchange's time (time-machine), so the `StandardLoggingPayload` that LiteLLM
builds carries the world's timing. A `CustomLogger` writes each payload as one JSON line, as a
logging callback does, and turns the same call into a `LiteLLM_SpendLogs` row with the proxy's
own `get_logging_payload` (prompts stored, as with `store_prompts_in_spend_logs: true`).
Rate-limited exchanges (status 429) replay as LiteLLM's mock `RateLimitError`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _mock_response(rec: dict[str, Any]) -> dict[str, Any] | str:
    if rec.get("status") == 429:
        return "litellm.RateLimitError"
    resp = rec.get("response") or {}
    message: dict[str, Any] = {"role": "assistant", "content": resp.get("content")}
    if resp.get("reasoning") is not None:
        message["reasoning_content"] = resp["reasoning"]
    if resp.get("tool_calls"):
        message["tool_calls"] = resp["tool_calls"]
    usage = rec.get("usage") or {}
    return {"id": rec["request_id"], "object": "chat.completion", "model": rec["model"],
            "choices": [{"index": 0, "finish_reason": resp.get("finish_reason"), "message": message}],
            "usage": {"prompt_tokens": usage.get("input_tokens", 0), "completion_tokens": usage.get("output_tokens", 0),
                      "total_tokens": usage.get("input_tokens", 0) + usage.get("output_tokens", 0)}}


class _Recorder:
    """A LiteLLM CustomLogger writing payload lines and collecting spend-log rows."""

    def __init__(self, payload_file: Path) -> None:
        from litellm.integrations.custom_logger import CustomLogger
        from litellm.proxy.spend_tracking.spend_tracking_utils import get_logging_payload

        recorder = self
        self.fh = payload_file.open("w", encoding="utf-8")
        self.spend_rows: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.count = 0
        self.errors: list[str] = []

        class Logger(CustomLogger):
            def _record(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
                payload = kwargs["standard_logging_object"]
                # A failed call's kwargs lack completion_start_time, which the spend-log builder reads.
                kwargs = {**kwargs, "completion_start_time": kwargs.get("completion_start_time") or end_time}
                try:
                    row = get_logging_payload(kwargs, response_obj, start_time, end_time)
                except Exception as exc:  # LiteLLM swallows callback errors: keep it for the test to report
                    recorder.errors.append(repr(exc))
                    raise
                with recorder.lock:
                    recorder.fh.write(json.dumps(payload, default=str) + "\n")
                    recorder.spend_rows.append(dict(row))
                    recorder.count += 1

            def log_success_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
                self._record(kwargs, response_obj, start_time, end_time)

            def log_failure_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
                # What the proxy's failure hook adds before it writes a spend log (proxy_track_cost_callback).
                params = dict(kwargs.get("litellm_params") or {})
                params["metadata"] = {**(params.get("metadata") or {}), "status": "failure",
                                      "error_information": kwargs["standard_logging_object"]["error_information"]}
                self._record({**kwargs, "litellm_params": params}, response_obj, start_time, end_time)

        self.logger = Logger()


def replay(traffic: list[dict[str, Any]], payload_file: Path, *,
           api_key_of: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Send every record through `litellm.completion`; return the spend-log rows (payloads go to the file).

    `api_key_of` maps a request id to the key id the gateway would log (`metadata.user_api_key_hash`).
    """
    import litellm
    import time_machine

    os.environ["STORE_PROMPTS_IN_SPEND_LOGS"] = "True"
    recorder = _Recorder(payload_file)
    models = {r["model"] for r in traffic}
    litellm.register_model({f"openai/{m}": {"input_cost_per_token": 1e-7, "output_cost_per_token": 4e-7,
                                            "litellm_provider": "openai", "mode": "chat"} for m in models})
    litellm.callbacks = [recorder.logger]
    try:
        for rec in traffic:
            req = dict(rec["request"])
            messages = req.pop("messages")
            meta = {"user_api_key_user_id": rec["account_id"], "requester_ip_address": rec.get("client", {}).get("ip"),
                    "user_agent": rec.get("client", {}).get("user_agent")}
            if api_key_of and rec["request_id"] in api_key_of:
                meta["user_api_key_hash"] = api_key_of[rec["request_id"]]
            with time_machine.travel(datetime.fromisoformat(rec["ts"]), tick=False):
                try:
                    litellm.completion(model=f"openai/{rec['model']}", messages=messages,
                                       mock_response=_mock_response(rec),
                                       metadata=meta, proxy_server_request={"body": {"model": rec["model"],
                                                                                      "messages": messages, **req}},
                                       litellm_call_id=rec["request_id"], num_retries=0, **req)
                except litellm.RateLimitError:
                    pass
        deadline = time.monotonic() + 120
        while recorder.count < len(traffic) and time.monotonic() < deadline:
            time.sleep(0.05)  # LiteLLM runs sync callbacks on a thread pool
    finally:
        litellm.callbacks = []
        recorder.fh.close()
    assert recorder.count == len(traffic), \
        f"LiteLLM logged {recorder.count} of {len(traffic)} calls: {recorder.errors[:3]}"
    return recorder.spend_rows
