"""`--format litellm`: StandardLoggingPayload lines written by a real LiteLLM logging callback."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
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


def test_bad_lines_and_non_generation_calls_are_quarantined_not_dropped(litellm_logs, tmp_path):
    import litellm

    payloads, _ = litellm_logs
    extra = tmp_path / "embedding.jsonl"
    lines: list[str] = []

    class Keep(litellm.integrations.custom_logger.CustomLogger):
        def log_success_event(self, kwargs, response_obj, start_time, end_time):  # type: ignore[no-untyped-def]
            lines.append(json.dumps(kwargs["standard_logging_object"], default=str))

    litellm.callbacks = [Keep()]
    try:
        litellm.embedding(model="openai/text-embedding-3-small", input=["hello"], mock_response=[0.1, 0.2],
                          metadata={"user_api_key_user_id": "acct_x"})
        import time

        for _ in range(200):
            if lines:
                break
            time.sleep(0.05)
    finally:
        litellm.callbacks = []
    assert lines, "LiteLLM logged no embedding call"
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
