"""Report details an analyst relies on: the pivot column, grouped reasons, marker legend, one-hour charts."""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from distillguard.outputs.report import plots
from distillguard.outputs.report._text import TEMPLATE_MARKERS, group_reasons, pivot_cell, unique


def _text(path: Path) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


def _row(html: str, campaign: str) -> str:
    return next(r for r in html.split("<tr>") if f'href="campaign-{campaign}.html"' in r)


def test_pivot_column_marks_only_campaigns_above_the_population(built_report: Path) -> None:
    html = (built_report / "index.html").read_text(encoding="utf-8")
    hydra, grader, burst = (_row(html, c) for c in ("c-hydra", "c-grader", "c-burst"))
    assert "pivot-above" in hydra and "▲" in hydra and "100%" in hydra and "population 20%" in hydra
    for row, share in ((grader, "10%"), (burst, "12%")):
        assert "pivot-below" in row and "▲" not in row and share in row and "population 20%" in row


def test_pivot_cell_compares_with_the_population() -> None:
    assert pivot_cell({"model": "m", "share_24h": 0.3, "population_share_24h": 0.2})["above"] is True
    assert pivot_cell({"model": "m", "share_24h": 0.2, "population_share_24h": 0.2})["above"] is False
    assert pivot_cell({"model": "m", "share_24h": 0.3})["above"] is False
    assert pivot_cell(None) is None and pivot_cell({}) is None


def test_reasons_that_differ_only_in_numbers_are_one_line(built_report: Path) -> None:
    text = " ".join(_text(built_report / "campaign-c-burst.html").split())
    assert "88–96% of traffic is one template shared with 3 accounts ×3" in text
    assert "burst of 8 exchanges in one hour ×3" in text  # each account counted once, though it repeats it
    assert group_reasons(["a 1 b", "a 2 b", "a 1 b", "c"]) == [("a 1–2 b", 3), ("c", 1)]
    assert group_reasons(["x 5.5 y 3", "x 10 y 3"]) == [("x 5.5–10 y 3", 2)]


def test_account_page_says_each_reason_once(built_report: Path) -> None:
    text = _text(built_report / "account-burst-0.html")
    assert text.count("burst of 8 exchanges in one hour") == 1
    assert text.count("88% of traffic is one template shared with 3 accounts") == 1
    assert unique(["a", " a", "b", "", "a"]) == ["a", "b"]


def test_template_markers_are_explained(built_report: Path) -> None:
    html = (built_report / "campaign-c-burst.html").read_text(encoding="utf-8")
    legend = htmllib.unescape(re.sub(r"<[^>]+>", "|", html[html.index('<dl class="markers"'):html.index("</dl>")]))
    for mark, meaning in TEMPLATE_MARKERS:
        assert f"|{mark}|" in legend and f"|{meaning}|" in legend


def test_timeline_of_one_hour_has_an_area() -> None:
    t = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
    fig = plots.timeline([{"bucket": t, "model": "m", "n": 7}], [], "one hour", "hour")
    xs, ys = list(fig.data[0].x), list(fig.data[0].y)
    assert xs == [t - timedelta(hours=1), t, t + timedelta(hours=1)] and ys == [0, 7, 0]
    gap = plots.timeline([{"bucket": t, "model": "m", "n": 1}, {"bucket": t + timedelta(hours=3), "model": "m", "n": 2}],
                         [], "gap", "hour")
    assert list(gap.data[0].y) == [0, 1, 0, 0, 2, 0]  # empty hours read 0, not a line across the gap
