"""`--format otel`: OTLP JSON files of GenAI spans exported by the real OpenTelemetry SDK."""

from __future__ import annotations

import json

from _fixtures import (adapters_dir, contract_file, contract_rows, litellm_logs, otel_file,  # noqa: F401
                       traffic, world, world_records)
from _stores import differences, store_rows

from distillguard.ingest import ingest_paths
from distillguard.ingest.adapters import make_adapter, sniff_format


def test_spans_ingest_to_the_same_store_as_the_contract_form(otel_file, contract_rows, tmp_path):
    report = ingest_paths([otel_file], tmp_path / "store", fmt="otel", workers=1)
    c = report.counts["exchange"]
    assert c.rows_stored == len(contract_rows)
    assert c.quarantine_by_reason == {"not_a_generation": 3}  # the three GET /healthz spans, kept and counted
    assert differences(contract_rows, store_rows(tmp_path / "store")) == {}


def test_the_file_holds_both_attribute_generations(otel_file):
    lines = otel_file.read_text().splitlines()
    assert len(lines) > 1  # the batch processor wrote several export requests
    spans = [s for line in lines for rs in json.loads(line)["resourceSpans"] for ss in rs["scopeSpans"]
             for s in ss["spans"]]
    keys = [{a["key"] for a in s["attributes"]} for s in spans]
    assert any("gen_ai.input.messages" in k and "gen_ai.usage.input_tokens" in k for k in keys)
    assert any("gen_ai.system" in k and "gen_ai.usage.prompt_tokens" in k for k in keys)
    assert any(e["name"] == "gen_ai.content.prompt" for s in spans for e in s.get("events", []))
    assert sniff_format(json.loads(lines[0])) == "otel"


def test_account_comes_from_enduser_id_first_then_user_id(otel_file):
    adapter = make_adapter("otel")
    doc = json.loads(otel_file.read_text().splitlines()[0])
    span = next(s for s in adapter.split(doc) if any(a["key"] == "gen_ai.operation.name"
                                                     for a in s["span"]["attributes"]))
    user = next(a["value"]["stringValue"] for a in span["span"]["attributes"] if a["key"] == "user.id")
    assert adapter.convert(span)["account_id"] == user
    span["span"]["attributes"].append({"key": "enduser.id", "value": {"stringValue": "acct_enduser"}})
    assert adapter.convert(span)["account_id"] == "acct_enduser"
    custom = make_adapter("otel", ["service.name"])  # a resource attribute, when spans carry no user
    assert custom.convert(span)["account_id"] == "gateway"


def test_spans_without_a_user_or_time_are_quarantined_with_the_contract_reasons(otel_file, tmp_path):
    doc = json.loads(otel_file.read_text().splitlines()[0])
    spans = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
    for a in spans[0]["attributes"]:
        if a["key"] == "user.id":
            a["value"] = {"stringValue": ""}
    del spans[1]["startTimeUnixNano"]
    src = tmp_path / "broken.jsonl"
    src.write_text(json.dumps(doc) + "\n" + json.dumps({"resourceLogs": []}) + "\n")
    report = ingest_paths([src], tmp_path / "store", fmt="otel", workers=1)
    by_reason = report.counts["exchange"].quarantine_by_reason
    assert by_reason["missing_account_id"] == 1 and by_reason["missing_ts"] == 1
    assert by_reason["not_source_format"] == 1  # a log export, not a trace export
    assert report.counts["exchange"].rows_read == len(spans) + 1
