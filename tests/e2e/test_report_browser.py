"""Open the HTML report in a real headless browser (Debian's chromium, driven by Playwright).

Set-up: `bash scripts/install_browser.sh` (apt chromium + pip playwright; never `playwright install`).
Skips, saying why, when chromium or playwright is absent.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
from report_world import SCRIPT_PROMPT, build_world  # noqa: E402

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found: run `bash scripts/install_browser.sh` (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: run `bash scripts/install_browser.sh` (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from distillguard.outputs.report import build_report

    world = build_world(tmp_path_factory.mktemp("e2e-world"))
    out = tmp_path_factory.mktemp("e2e-report") / "report"
    build_report(world["results"], world["store"], out)
    return out


class Visit:
    """One page load with everything the browser complained about."""

    def __init__(self, browser, url: str) -> None:  # type: ignore[no-untyped-def]
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        self.page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                     if m.type in ("error", "warning", "trace") else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        self.page.wait_for_selector(".js-plotly-plot .main-svg", timeout=15_000)

    def plots(self) -> list[str]:
        return self.page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => e.id)")

    def close(self) -> None:
        self.page.close()


def test_overview_renders_with_plots(browser, report: Path) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, (report / "index.html").as_uri())
    try:
        assert v.page.title().startswith("distillguard report")
        assert v.page.locator("#campaigns tbody tr").count() == 3
        assert {"fig-share", "fig-traffic"} <= set(v.plots())
        assert v.page.locator("#fig-share .main-svg").count() >= 1
        assert not v.errors, v.errors
        assert not v.dialogs
        assert all(u.startswith("file://") for u in v.requests), [u for u in v.requests if not u.startswith("file:")]
        v.page.click("a[href='campaign-c-hydra.html']")
        v.page.wait_for_selector("#fig-graph .main-svg")
        assert "Campaign" in v.page.inner_text("h1")
    finally:
        v.close()


def test_campaign_page_renders_plots_and_shows_script_as_text(browser, report: Path) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, (report / "campaign-c-hydra.html").as_uri())
    try:
        assert {"fig-timeline", "fig-graph", "fig-categories", "fig-evidence", "fig-signups"} <= set(v.plots())
        # the graph draws one legend entry per evidence kind, and one marker per account
        legend = v.page.locator("#fig-graph .legend").text_content() or ""
        for kind in ("payment", "template", "lockstep", "ip_prefix"):
            assert kind in legend
        assert v.page.locator("#fig-graph .scatterlayer .trace:last-child .point").count() == 10
        # the release line's label is drawn on the timeline
        assert "release: model-c" in v.page.inner_text("#fig-timeline")
        # the attacker's <script> prompt is visible text, not a script
        prompts = v.page.locator("pre.prompt").all_inner_texts()
        assert SCRIPT_PROMPT in prompts
        assert v.page.locator("pre.prompt script").count() == 0
        assert v.page.locator("script").count() == 1 + 5 + 1  # plotly.js + one per figure + the table script
        assert not v.dialogs, f"a prompt executed: {v.dialogs}"
        assert not v.errors, v.errors
    finally:
        v.close()


def test_grader_and_account_pages_have_no_errors(browser, report: Path) -> None:  # type: ignore[no-untyped-def]
    for name in ("campaign-c-grader.html", "account-hydra-00.html", "account-user-003.html"):
        v = Visit(browser, (report / name).as_uri())
        try:
            assert not v.errors, (name, v.errors)
            assert not v.dialogs, (name, v.dialogs)
            if name == "campaign-c-grader.html":  # a user agent carrying <img onerror=…> shows as text
                assert 'onerror="alert(2)"' in v.page.inner_text("#infrastructure ~ div.grid3")
                assert v.page.locator("img").count() == 0
            if name == "account-hydra-00.html":
                assert "fig-fingerprint" in v.plots()
                assert SCRIPT_PROMPT in v.page.locator("pre.prompt").all_inner_texts()
        finally:
            v.close()


def test_screenshot_for_docs(browser, report: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Writes a screenshot to the temp folder (docs/report-campaign.png is made by the same code by hand)."""
    v = Visit(browser, (report / "campaign-c-hydra.html").as_uri())
    try:
        shot = tmp_path / "campaign.png"
        v.page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 20_000
    finally:
        v.close()
    assert shutil.which("chromium") or Path(CHROMIUM).exists()


def test_one_hour_campaign_draws_its_chart(browser, report: Path) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, (report / "campaign-c-burst.html").as_uri())
    try:
        box = v.page.locator("#fig-timeline .scatterlayer path.js-fill").first.bounding_box()
        assert box is not None and box["width"] > 20 and box["height"] > 20, box
        legend = v.page.get_by_label("What the skeleton markers mean")
        assert legend.is_visible() and "§" in legend.inner_text() and "<q>" in legend.inner_text()
        reasons = v.page.locator("ul.reason-counts").inner_text()
        assert "88–96% of traffic is one template shared with 3 accounts ×3" in reasons
        assert not v.errors, v.errors
    finally:
        v.close()


def test_pivot_column_marks_only_campaigns_above_the_population(browser, report: Path) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, (report / "index.html").as_uri())
    try:
        cells = {}
        for row in v.page.get_by_role("table").filter(has_text="release pivot").get_by_role("row").all()[1:]:
            texts = row.get_by_role("cell").all_inner_texts()
            cells[texts[0]] = texts[-1]
        assert cells["c-hydra"].startswith("▲ model-c 100%") and "population 20%" in cells["c-hydra"]
        assert "▲" not in cells["c-grader"] and "10%" in cells["c-grader"]
        assert "▲" not in cells["c-burst"] and "12%" in cells["c-burst"]
    finally:
        v.close()


def _column(v: Visit, table: str, col: int) -> list[str]:
    return v.page.eval_on_selector_all(
        f"#{table} tbody tr:not([hidden])", f"rows => rows.map(r => r.cells[{col}].innerText.trim())")


def test_flagged_accounts_sort_and_filter_offline(browser, report: Path) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, (report / "index.html").as_uri())
    try:
        table = v.page.locator("#flagged")
        before = _column(v, "flagged", 1)
        assert before == sorted(before, key=float, reverse=True)  # written by risk, highest first
        table.get_by_role("button", name="risk").click()
        assert _column(v, "flagged", 1) == sorted(before, key=float)
        assert table.get_by_role("columnheader", name="risk").get_attribute("aria-sort") == "ascending"
        table.get_by_role("button", name="risk").click()
        assert _column(v, "flagged", 1) == sorted(before, key=float, reverse=True)
        table.get_by_role("button", name="account").click()
        ids = _column(v, "flagged", 0)
        assert ids == sorted(ids)
        v.page.get_by_label("Filter flagged accounts").fill("burst")
        assert _column(v, "flagged", 0) == ["burst-0", "burst-1", "burst-2"]
        tools = v.page.locator(".table-tools").filter(has=v.page.get_by_label("Filter flagged accounts"))
        assert tools.locator(".count").inner_text() == "3 of 19 rows"
        v.page.get_by_label("Filter flagged accounts").fill("")
        assert len(_column(v, "flagged", 0)) == 19
        assert not v.errors, v.errors
        assert all(u.startswith("file://") for u in v.requests)
    finally:
        v.close()


# A word that wraps has more than one line box; these cells hold single tokens.
_LINES = """els => els.map(el => {
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let most = 0, n;
  while ((n = walk.nextNode())) { if (!n.textContent.trim()) continue;
    const r = document.createRange(); r.selectNodeContents(n);
    const tops = new Set(Array.from(r.getClientRects()).filter(b => b.width > 0).map(b => Math.round(b.top)));
    most = Math.max(most, tops.size); }
  return [el.innerText.trim(), most]; })"""


def test_narrow_columns_do_not_break_words(browser, report: Path) -> None:  # type: ignore[no-untyped-def]
    v = Visit(browser, (report / "campaign-c-burst.html").as_uri())
    try:
        v.page.set_viewport_size({"width": 720, "height": 900})
        cells = v.page.eval_on_selector_all(
            "#members tbody td:nth-child(2), #members tbody td:nth-child(4), #members tbody td:nth-child(7), "
            "#members tbody td:nth-child(8)", _LINES)
        assert cells and all(lines == 1 for _, lines in cells), cells
        assert {"self_serve", "1.00", "0.80"} & {t for t, _ in cells}
    finally:
        v.close()
