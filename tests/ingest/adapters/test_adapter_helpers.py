"""Small pieces of the adapters: URLs given where paths go, times, format sniffing, the --format switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from distillguard.errors import ConfigError
from distillguard.ingest.adapters import prepare, sniff_format
from distillguard.ingest.adapters._base import get_path, rfc3339
from distillguard.ingest.adapters.spendlogs import as_url, is_url, redacted
from distillguard.ingest.normalise import Rejected


def test_a_postgres_url_survives_being_a_path_and_loses_its_password_in_reports():
    url = "postgresql://litellm:s3cret@db.internal:5432/litellm?sslmode=require"
    as_path = Path(url)  # what typer hands over: "postgresql:/litellm:..."
    assert is_url(as_path) and as_url(as_path) == url
    assert redacted(url) == "postgresql://litellm:***@db.internal:5432/litellm?sslmode=require"
    assert not is_url(Path("logs/postgresql-dump.jsonl"))


def test_prepare_splits_urls_and_refuses_them_for_other_formats():
    adapter, paths, urls = prepare("litellm-spendlogs", [Path("a.csv"), Path("postgres://u@h/db")])
    assert adapter is not None and paths == [Path("a.csv")] and urls == ["postgres://u@h/db"]
    with pytest.raises(ConfigError, match="needs --format litellm-spendlogs"):
        prepare("contract", [Path("postgresql://u:pw@h/db")])
    with pytest.raises(ConfigError, match="--account-field needs a log format"):
        prepare("contract", [], ["user"])
    assert prepare("contract", [Path("x.jsonl")]) == (None, [Path("x.jsonl")], [])


@pytest.mark.parametrize(("value", "unit", "want"), [
    (1772410148.335277, "s", "2026-03-02T00:09:08.335277Z"),
    ("1772410148335", "ms", "2026-03-02T00:09:08.335000Z"),
    (1772410148335277000, "ns", "2026-03-02T00:09:08.335277Z"),
    ("2026-03-02 00:09:08.335", "s", "2026-03-02T00:09:08.335000Z"),  # PostgreSQL timestamp(3) text: UTC
    ("2026-03-02T01:09:08+01:00", "s", "2026-03-02T00:09:08Z"),
])
def test_times_become_rfc3339_utc(value, unit, want):
    assert rfc3339(value, "ts", unit=unit) == want


@pytest.mark.parametrize(("value", "reason"), [(None, "missing_ts"), ("soon", "bad_timestamp"), ([], "bad_timestamp")])
def test_bad_times_are_rejected_with_the_contract_reasons(value, reason):
    with pytest.raises(Rejected) as info:
        rfc3339(value, "ts")
    assert info.value.reason == reason


def test_dotted_paths_reach_into_objects_and_lists():
    rec = {"a": {"b": [{"c": 1}, {"c": 2}]}, "x.y": 3}
    assert get_path(rec, "a.b.1.c") == 2 and get_path(rec, "a.b.5.c") is None
    assert get_path(rec, ["x.y"]) == 3 and get_path(rec, "a.missing") is None


def test_sniffing_names_each_format_by_its_fields():
    assert sniff_format({"resourceSpans": []}) == "otel"
    assert sniff_format({"call_type": "completion", "startTime": 1.0, "model_parameters": {}}) == "litellm"
    assert sniff_format({"call_type": "completion", "startTime": "2026-03-02", "spend": 0.1}) == "litellm-spendlogs"
    assert sniff_format({"request_id": "r", "request": {}}) == "contract"
    assert sniff_format(["not", "an", "object"]) == "contract"
