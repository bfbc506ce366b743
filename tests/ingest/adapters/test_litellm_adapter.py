"""`--format litellm`: StandardLoggingPayload lines written by a real LiteLLM logging callback."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from _fixtures import (adapters_dir, contract_file, contract_rows, litellm_logs, otel_file,  # noqa: F401
                       traffic, world, world_records)
from _stores import differences, store_rows

from distillguard.ingest import ingest_paths
from distillguard.ingest.adapters import make_adapter, sniff_format

pytestmark = pytest.mark.slow  # the LiteLLM replay takes ~30-50 s, once per session


def test_payloads_ingest_to_the_same_store_as_the_contract_form(litellm_logs, contract_rows, tmp_path):
    payloads, _ = litellm_logs
    report = ingest_paths([payloads], tmp_path / "store", fmt="litellm", workers=1)
    assert report.rows_quarantined == 0 and report.rows_stored == len(contract_rows)
    assert differences(contract_rows, store_rows(tmp_path / "store")) == {}


def test_every_payload_field_the_docs_name_is_mapped(litellm_logs, traffic):
    payloads, _ = litellm_logs
    by_id = {t["request_id"]: t for t in traffic}
    adapter = make_adapter("litellm")
    seen_failure = seen_tools = False
    for line in payloads.read_text().splitlines():
        payload = json.loads(line)
        assert sniff_format(payload) == "litellm"
        rec = adapter.convert(payload)
        want = by_id[rec["request_id"]]
        assert rec["account_id"] == want["account_id"] and rec["model"] == want["model"]
        # startTime is a float of epoch seconds: equal to the microsecond, give or take float rounding
        assert abs(datetime.fromisoformat(rec["ts"]) - datetime.fromisoformat(want["ts"])) <= timedelta(microseconds=1)
        assert rec["client"] == want.get("client", {})
        assert rec["endpoint"] == "/v1/chat/completions" and rec["status"] == want["status"]
        assert rec["request"]["messages"] == want["request"]["messages"]
        for k in ("max_tokens", "temperature", "top_p", "tools"):
            assert rec["request"].get(k) == want["request"].get(k)
        if want["status"] == 200:
            assert rec["usage"] == want["usage"]
            assert rec["response"].get("content") == want.get("response", {}).get("content")
        else:
            seen_failure = True
            assert "usage" not in rec and "response" not in rec
        seen_tools |= bool(rec.get("response", {}).get("tool_calls"))
    assert seen_failure and seen_tools  # the traffic exercised both paths


def test_account_field_is_configurable(litellm_logs, tmp_path):
    payloads, _ = litellm_logs
    ingest_paths([payloads], tmp_path / "store", fmt="litellm", account_fields=["requester_ip_address"], workers=1)
    rows = store_rows(tmp_path / "store")
    with_ip = [r for r in rows.values() if r[3] is not None]
    assert with_ip and all(r[2] == r[3] for r in with_ip)  # account_id == client_ip


_LINES: list[str] = []
_KEEP: list[object] = []  # one logger for the whole session: LiteLLM ignores a second one of the same class


def logged(call) -> list[str]:  # type: ignore[no-untyped-def]
    """The payload lines a LiteLLM logging callback writes for the calls `call(litellm)` makes."""
    import time

    import litellm
    from litellm.integrations.custom_logger import CustomLogger

    if not _KEEP:
        class Keep(CustomLogger):
            def log_success_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
                _LINES.append(json.dumps(kwargs["standard_logging_object"], default=str))

        _KEEP.append(Keep())
    _LINES.clear()
    litellm.callbacks = list(_KEEP)
    try:
        n = call(litellm)
        deadline = time.monotonic() + 60  # the first call's logging thread imports a lot
        while len(_LINES) < n and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        litellm.callbacks = []
    assert len(_LINES) == n, f"LiteLLM logged {len(_LINES)} of {n} calls"
    return list(_LINES)


def test_team_keys_org_and_route_from_proxy_metadata():
    meta = {"user_api_key_team_id": "team_7", "user_api_key_hash": "hash_7", "user_api_key_org_id": "org_7",
            "user_api_key_request_route": "/v1/chat/completions", "requester_ip_address": "2001:db8::7"}

    def calls(litellm):  # type: ignore[no-untyped-def]
        litellm.completion(model="openai/m-1", messages=[{"role": "user", "content": "hi"}], mock_response="hello",
                           metadata=meta, temperature=0.3, max_tokens=64)
        return 1

    payload = json.loads(logged(calls)[0])
    rec = make_adapter("litellm").convert(payload)
    assert rec["account_id"] == "team_7"  # no user on the key: its team is the account
    assert rec["api_key_id"] == "hash_7" and rec["org_id"] == "org_7" and rec["client"]["ip"] == "2001:db8::7"
    assert rec["endpoint"] == "/v1/chat/completions" and rec["model"] == "m-1"
    assert rec["request"] == {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.3, "max_tokens": 64}
    assert rec["response"]["content"] == "hello" and rec["status"] == 200
    assert make_adapter("litellm", ["metadata.user_api_key_org_id"]).convert(payload)["account_id"] == "org_7"


def test_bad_lines_and_non_generation_calls_are_quarantined_not_dropped(litellm_logs, tmp_path):
    payloads, _ = litellm_logs
    extra = tmp_path / "embedding.jsonl"

    def calls(litellm):  # type: ignore[no-untyped-def]
        litellm.embedding(model="openai/text-embedding-3-small", input=["hello"], mock_response=[0.1, 0.2],
                          metadata={"user_api_key_user_id": "acct_x"})
        return 1

    lines = logged(calls)
    extra.write_text("\n".join([*lines, "{not json", json.dumps({"hello": "world"})]) + "\n")
    report = ingest_paths([payloads, extra], tmp_path / "store", fmt="litellm", workers=1)
    c = report.counts["exchange"]
    assert c.quarantine_by_reason == {"not_a_generation": 1, "invalid_json": 1, "not_source_format": 1}
    assert c.rows_read == c.rows_stored + c.rows_quarantined


def test_auto_recognises_the_payload_file(litellm_logs, contract_rows, tmp_path):
    payloads, _ = litellm_logs
    ingest_paths([payloads.parent], tmp_path / "store", fmt="auto", workers=1)
    assert differences(contract_rows, store_rows(tmp_path / "store")) == {}


def test_cli_ingest_takes_format(litellm_logs, tmp_path):
    payloads, _ = litellm_logs
    proc = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "ingest", str(payloads),
                           "--format", "litellm", "--store", str(tmp_path / "s"), "--json", "-q"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows_stored"] == len(Path(payloads).read_text().splitlines())
