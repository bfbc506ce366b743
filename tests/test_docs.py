"""Docs generated from code must match the code."""

import re
from pathlib import Path

import pytest

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


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*|_(?=\w)|(?<=\w)_", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {_slug(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.M)}


def _links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # code blocks hold no links
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve_inside_the_repository(page):
    for link in _links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", link, flags=re.I):  # https:, mailto: ...
            continue
        target, _, anchor = link.partition("#")
        path = (page.parent / target).resolve() if target else page.resolve()
        assert path.is_relative_to(ROOT), f"{page.name}: {link} points outside the repository"
        assert path.exists(), f"{page.name}: {link} does not exist"
        if anchor and path.suffix == ".md":
            assert anchor in _anchors(path), f"{page.name}: {link}: no heading with anchor #{anchor} in {path.name}"


def test_the_contract_page_has_the_contract():
    page = (ROOT / "docs" / "contract.md").read_text()
    assert "[data contract](docs/contract.md)" in (ROOT / "README.md").read_text()
    for needle in ("`request_id`", "`endpoint`", "OpenAI Responses", "`input_text`", '{"type": "adaptive"}',
                   "`output_config`", "`function_call_output`", "accounts.csv", "campaigns.json", "| 5 |"):
        assert needle in page, needle


def test_every_cli_command_is_in_the_readme():
    import typer

    from distillguard.cli.main import app

    readme = (ROOT / "README.md").read_text()
    for name in typer.main.get_command(app).commands:
        assert f"distillguard {name}" in readme, name
