"""Docs generated from code must match the code."""

from pathlib import Path

from distillguard.schema.docs import render

ROOT = Path(__file__).resolve().parents[1]


def test_schema_page_is_current():
    assert (ROOT / "docs" / "schema.md").read_text() == render(), \
        "docs/schema.md is stale: run `python -m distillguard.schema.docs > docs/schema.md`"


def test_every_quarantine_reason_is_documented_in_code_and_docs():
    from distillguard.ingest.quarantine import REASONS
    from distillguard.testing import CORRUPTIONS, LINE_CORRUPTIONS

    used = set(CORRUPTIONS.values()) | set(LINE_CORRUPTIONS.values())
    assert used <= set(REASONS)
    page = (ROOT / "docs" / "schema.md").read_text()
    assert all(f"`{r}`" in page for r in REASONS)
