"""The same traffic gives the same verdicts through every adapter as through the contract form.

`distillguard detect` runs on the contract file of the traffic and on each log format that the
real libraries wrote for it (LiteLLM callback payloads, OpenTelemetry SDK spans, LiteLLM spend
logs, a mapped custom log); accounts.csv must agree on every account's risk, flag and campaign.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from _fixtures import (adapters_dir, contract_file, contract_rows, litellm_logs, otel_file,  # noqa: F401
                       traffic, world, world_records)

pytestmark = pytest.mark.slow


def detect(world: Path, out: Path, *inputs_and_flags: str) -> dict[str, dict[str, str]]:
    proc = subprocess.run(
        [sys.executable, "-m", "distillguard.cli.main", "detect", *inputs_and_flags,
         "--accounts", str(world / "accounts.jsonl"), "--events", str(world / "events.jsonl"),
         "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return {r["account_id"]: r for r in csv.DictReader((out / "accounts.csv").open())}


def verdicts(rows: dict[str, dict[str, str]]) -> dict[str, tuple[float, str, str]]:
    return {a: (float(r["risk"]), r["flagged"], r["campaign_id"]) for a, r in rows.items()}


def assert_same(ref: dict[str, dict[str, str]], got: dict[str, dict[str, str]]) -> None:
    assert set(got) == set(ref)
    a, b = verdicts(ref), verdicts(got)
    for acct in ref:
        assert b[acct][1:] == a[acct][1:], (acct, a[acct], b[acct])
        assert b[acct][0] == pytest.approx(a[acct][0], abs=1e-6), (acct, a[acct], b[acct])


@pytest.fixture(scope="module")
def reference(world, contract_file, tmp_path_factory) -> dict[str, dict[str, str]]:
    ref = detect(world, tmp_path_factory.mktemp("ref"), str(contract_file))
    flagged = [r for r in ref.values() if r["flagged"] == "true"]
    assert flagged and any(r["campaign_id"] for r in flagged)  # there is something to find
    return ref


def test_litellm_payloads_give_the_contract_verdicts(world, litellm_logs, reference, tmp_path):
    assert_same(reference, detect(world, tmp_path, str(litellm_logs[0]), "--format", "litellm"))


def test_otel_spans_give_the_contract_verdicts(world, otel_file, reference, tmp_path):
    assert_same(reference, detect(world, tmp_path, str(otel_file), "--format", "otel"))


def test_spend_logs_give_the_contract_verdicts(world, litellm_logs, reference, tmp_path):
    import _spendlogs_export as export

    src = export.write_parquet(litellm_logs[1], tmp_path / "in" / "spend.parquet")
    assert_same(reference, detect(world, tmp_path / "out", str(src), "--format", "litellm-spendlogs"))


def test_auto_over_a_folder_of_mixed_formats(world, otel_file, traffic, reference, tmp_path):
    """One folder, two formats: half the calls as OTLP spans, the other half as contract records."""
    import _otel_replay

    half = len(traffic) // 2
    folder = tmp_path / "logs"
    _otel_replay.export(traffic[:half], folder / "spans.jsonl")
    (folder / "rest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in traffic[half:]))  # contract records
    assert_same(reference, detect(world, tmp_path / "out", str(folder), "--format", "auto"))
