"""`--format mapping:FILE.yaml`: any other log shape, mapped field by field to the contract."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from _fixtures import (adapters_dir, contract_file, contract_rows, litellm_logs, otel_file,  # noqa: F401
                       traffic, world, world_records)
from _stores import differences, store_rows

from distillguard.errors import ConfigError
from distillguard.ingest import ingest_paths
from distillguard.ingest.adapters import make_adapter

MAPPING = """
fields:
  request_id: id
  ts: when
  account_id: customer.billing_id
  model: body.model
  request: body
  client.ip: [net, client.addr]      # a key that holds a dot
  client.user_agent: ua
  response.content: answer.text
  response.reasoning: answer.reasoning
  response.tool_calls: answer.calls
  response.finish_reason: answer.stop
  usage.input_tokens: tokens.in
  usage.output_tokens: tokens.out
  status: http_status
  extra.region: meta.region
constants:
  endpoint: /v1/chat/completions
timestamp:
  format: "%d/%m/%Y %H:%M:%S.%f"
  timezone: Europe/Berlin
"""


def gateway_log(rec: dict) -> dict:
    """One traffic record in a made-up gateway's own log shape (local Berlin time, text counts)."""
    from zoneinfo import ZoneInfo

    when = datetime.fromisoformat(rec["ts"]).astimezone(ZoneInfo("Europe/Berlin"))
    resp = rec.get("response") or {}
    out = {"id": rec["request_id"], "when": when.strftime("%d/%m/%Y %H:%M:%S.%f"),
           "customer": {"billing_id": rec["account_id"]}, "body": {"model": rec["model"], **rec["request"]},
           "net": {"client.addr": rec.get("client", {}).get("ip")}, "ua": rec.get("client", {}).get("user_agent"),
           "answer": {"text": resp.get("content"), "reasoning": resp.get("reasoning"), "calls": resp.get("tool_calls"),
                      "stop": resp.get("finish_reason")},
           "http_status": str(rec["status"]), "meta": {"region": "eu"}}
    usage = rec.get("usage")
    if usage:
        out["tokens"] = {"in": str(usage.get("input_tokens")), "out": usage.get("output_tokens")}
    return out


@pytest.fixture
def mapping_file(tmp_path) -> Path:
    p = tmp_path / "gateway.yaml"
    p.write_text(MAPPING)
    return p


def test_mapped_logs_ingest_to_the_same_store_as_the_contract_form(traffic, contract_rows, mapping_file, tmp_path):
    src = tmp_path / "gateway.jsonl"
    src.write_text("".join(json.dumps(gateway_log(r)) + "\n" for r in traffic))
    report = ingest_paths([src], tmp_path / "store", fmt=f"mapping:{mapping_file}", workers=1)
    assert report.rows_quarantined == 0
    assert differences(contract_rows, store_rows(tmp_path / "store")) == {}


def test_bad_values_are_quarantined_with_reasons(traffic, mapping_file, tmp_path):
    good = gateway_log(traffic[0])
    bad_time = {**gateway_log(traffic[1]), "when": "yesterday"}
    bad_count = {**gateway_log(traffic[2]), "tokens": {"in": "many", "out": 1}}
    no_account = {**gateway_log(traffic[3]), "customer": {}}
    src = tmp_path / "gateway.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in (good, bad_time, bad_count, no_account)))
    report = ingest_paths([src], tmp_path / "store", fmt=f"mapping:{mapping_file}", workers=1)
    c = report.counts["exchange"]
    assert c.rows_stored == 1
    assert c.quarantine_by_reason == {"bad_timestamp": 1, "bad_source_field": 1, "missing_account_id": 1}


def test_epoch_times_and_a_prompt_shorthand(tmp_path):
    spec = tmp_path / "m.yaml"
    spec.write_text("fields: {request_id: id, ts: t, account_id: who, model: m, prompt: q, system_prompt: sys}\n"
                    "timestamp: {format: epoch_ms}\n")
    rec = make_adapter(f"mapping:{spec}").convert({"id": 7, "t": 1772410148335, "who": "a", "m": "x", "q": "hi",
                                                   "sys": "be brief"})
    assert rec == {"request_id": "7", "ts": "2026-03-02T00:09:08.335000Z", "account_id": "a", "model": "x",
                   "request": {"messages": [{"role": "system", "content": "be brief"},
                                            {"role": "user", "content": "hi"}]}}
    assert datetime.fromisoformat(rec["ts"]) == datetime(2026, 3, 2, 0, 9, 8, 335000, tzinfo=timezone.utc)


@pytest.mark.parametrize(("text", "says"), [
    ("fields: {request_id: id}\ncolumns: {}\n", "unknown key 'columns'"),
    ("fields: {request_id: id, ts: t, account_id: a, model: m, request: r, colour: c}\n",
     "'colour' is not a contract field"),
    ("fields: {request_id: id, ts: t, model: m, request: r}\n", "required contract field 'account_id' is not mapped"),
    ("fields: {request_id: id, ts: t, account_id: a, model: m}\n", "nothing maps the request"),
    ("fields: {request_id: id, ts: t, account_id: a, model: m, request: r}\ntimestamp: {format: weekly}\n",
     "timestamp.format 'weekly'"),
    ("fields: {request_id: id, ts: t, account_id: a, model: m, request: r}\ntimestamp: {timezone: Mars/Olympus}\n",
     "not a time zone name"),
    ("fields: [request_id]\n", "`fields` must be a mapping"),
    ("fields: {request_id: [}\n", "not valid YAML"),
])
def test_a_bad_mapping_file_is_one_clear_line_and_exit_2(tmp_path, text, says):
    spec = tmp_path / "m.yaml"
    spec.write_text(text)
    with pytest.raises(ConfigError, match="mapping file"):
        make_adapter(f"mapping:{spec}")
    data = tmp_path / "x.jsonl"
    data.write_text("{}\n")
    proc = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "ingest", str(data), "--format",
                           f"mapping:{spec}", "--store", str(tmp_path / "s")], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: mapping file {spec}: ") and says in lines[0]
    assert len(lines) <= 2 and "Traceback" not in proc.stderr


def test_unknown_format_and_missing_mapping_file(tmp_path):
    data = tmp_path / "x.jsonl"
    data.write_text("{}\n")
    cli = [sys.executable, "-m", "distillguard.cli.main", "detect", str(data), "--out", str(tmp_path / "o"), "-q"]
    proc = subprocess.run([*cli, "--format", "splunk"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: --format 'splunk' is not a known log format")
    proc = subprocess.run([*cli, "--format", f"mapping:{tmp_path / 'nope.yaml'}"], capture_output=True, text=True)
    assert proc.returncode == 2 and "cannot read it" in proc.stderr and "Traceback" not in proc.stderr
