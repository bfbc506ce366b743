"""`--format litellm-spendlogs`: LiteLLM_SpendLogs rows (built by LiteLLM's own spend-log code) as CSV, Parquet
and a real PostgreSQL table created from LiteLLM's prisma schema."""

from __future__ import annotations

import subprocess
import sys

import _spendlogs_export as export
import pytest
from _postgres import postgres
from _fixtures import (adapters_dir, contract_file, contract_rows, litellm_logs, otel_file,  # noqa: F401
                       traffic, world, world_records)
from _stores import differences, store_rows

from distillguard.ingest import ingest_paths

pytestmark = pytest.mark.slow  # needs the LiteLLM replay

# PostgreSQL keeps `timestamp(3)`: a CSV export of it has milliseconds; the Parquet export here keeps microseconds.
CSV_SKIP = ("ts",)


def test_csv_export_matches_the_contract_form(litellm_logs, contract_rows, tmp_path):
    _, rows = litellm_logs
    src = export.write_csv(rows, tmp_path / "spend.csv")
    report = ingest_paths([src], tmp_path / "store", fmt="litellm-spendlogs", workers=1)
    assert report.rows_quarantined == 0
    got = store_rows(tmp_path / "store")
    assert differences(contract_rows, got, skip=CSV_SKIP) == {}
    # ...and every time is the reference's, cut to the millisecond
    assert all(abs((got[k][1] - r[1]).total_seconds()) < 0.001 for k, r in contract_rows.items())


def test_parquet_export_matches_the_contract_form(litellm_logs, contract_rows, tmp_path):
    _, rows = litellm_logs
    src = export.write_parquet(rows, tmp_path / "spend.parquet")
    ingest_paths([src], tmp_path / "store", fmt="auto", workers=1)  # auto: recognised from the first row
    assert differences(contract_rows, store_rows(tmp_path / "store")) == {}


def test_without_stored_prompts_rows_keep_their_metadata(litellm_logs, tmp_path):
    _, rows = litellm_logs
    bare = [{**r, "proxy_server_request": "{}", "response": "{}"} for r in rows]  # the proxy's default
    report = ingest_paths([export.write_csv(bare, tmp_path / "bare.csv")], tmp_path / "store",
                          fmt="litellm-spendlogs", workers=1)
    assert report.rows_quarantined == 0 and report.rows_stored == len(rows)
    got = store_rows(tmp_path / "store")
    assert all(r[8] == 0 and r[10] is None for r in got.values())  # n_messages, last_user_text
    assert {r[2] for r in got.values()} == {r["user"] for r in rows}  # accounts still known


@pytest.fixture(scope="module")
def pg_url(litellm_logs):
    try:
        with postgres() as url:
            export.load_postgres(litellm_logs[1], url)
            yield url
    except RuntimeError as exc:
        pytest.skip(f"PostgreSQL could not be started here: {exc}")


def test_postgres_table_from_litellms_schema_reads_like_the_contract_form(pg_url, contract_rows, tmp_path):
    report = ingest_paths([pg_url], tmp_path / "store", fmt="litellm-spendlogs", workers=1)
    assert report.files == [pg_url] and report.rows_quarantined == 0
    got = store_rows(tmp_path / "store")
    assert differences(contract_rows, got, skip=CSV_SKIP) == {}
    assert all(abs((got[k][1] - r[1]).total_seconds()) < 0.001 for k, r in contract_rows.items())


def test_cli_reads_a_postgres_url_and_names_a_bad_one_in_one_line(pg_url, tmp_path):
    cli = [sys.executable, "-m", "distillguard.cli.main", "ingest"]
    ok = subprocess.run([*cli, pg_url, "--format", "litellm-spendlogs", "--store", str(tmp_path / "s"), "-q"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad_url = pg_url.replace("postgres@", "postgres:secret@").rsplit("/", 1)[0] + "/nosuchdb"
    bad = subprocess.run([*cli, bad_url, "--format", "litellm-spendlogs", "--store", str(tmp_path / "b")],
                         capture_output=True, text=True)
    assert bad.returncode == 3 and bad.stderr.startswith("error: cannot read postgresql://postgres:***@")
    assert "secret" not in bad.stderr and "Traceback" not in bad.stderr
    wrong = subprocess.run([*cli, pg_url, "--store", str(tmp_path / "w")], capture_output=True, text=True)
    assert wrong.returncode == 2 and "needs --format litellm-spendlogs" in wrong.stderr
