"""The campaign summary paragraph says how many members joined on behaviour alone."""

from __future__ import annotations

from distillguard.outputs.contract import summary_paragraph

CAMPAIGN = {"accounts": ["a", "b", "c", "d"], "exchanges": 1234, "first_seen": "2026-03-01T00:00:00Z",
            "last_seen": "2026-03-02T00:00:00Z", "categories": {"synthetic_data": 0.7, "other": 0.3},
            "indicators": [], "risk": 0.9}


def test_recruited_members_are_counted_in_the_summary():
    text = summary_paragraph(CAMPAIGN, {"evidence": {"behaviour": 1.0}, "recruited": 2, "member_risk": 0.9,
                                        "coordination": 0.8})
    assert "4 accounts sent 1,234 exchanges" in text
    assert "2 of them were not flagged on their own" in text


def test_no_recruit_sentence_without_recruits():
    text = summary_paragraph(CAMPAIGN, {"evidence": {"behaviour": 1.0}, "recruited": 0})
    assert "not flagged on their own" not in text
