"""DG-EVD-0100 partner_indicator: its declared cases, and `detect --partner-matches` using it."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from distillguard.linking.partner import EVIDENCE_KIND, PartnerIndicator, PartnerSettings
from distillguard.sharing.match import SIGHTINGS_COLUMNS
from tests.sharing.conftest import run_cli

CASES = yaml.safe_load(PartnerIndicator.cases.read_text())["cases"]


def test_metadata_is_declared():
    ev = PartnerIndicator()
    assert ev.id.startswith("DG-EVD-") and ev.version >= 1 and ev.description and len(ev.false_positives) >= 2
    assert {c["expect"] for c in CASES} == {"hit", "no_hit"}
    assert any("false positive" in c["name"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cases(case):
    ev = PartnerIndicator()
    tokens = ev.tokens(case["sightings"])
    accounts = np.array(sorted({r["account_id"] for r in case["sightings"]}), dtype=object)
    prior, _ = ev.risk_prior(case["sightings"], accounts)
    for a in (case.get("quiet") or {}).get("accounts", []):   # accounts whose prior must stay low
        assert prior[list(accounts).index(a)] <= case["quiet"]["max_prior"]
    if case["expect"] == "hit":
        assert tokens.num_rows == case.get("tokens", 1)
        assert set(tokens["kind"].to_pylist()) <= {EVIDENCE_KIND}
        assert prior.max() >= case.get("min_prior", 0.0)
    else:
        assert tokens.num_rows == 0
        assert prior.max() < 0.5  # below the default flag threshold


def test_partner_prior_and_own_risk_combine_as_independent_evidence():
    """noisy-or: with no own risk the prior alone (as before); together more than either; never above 1."""
    from distillguard.linking.partner import PartnerEvidence, PartnerSettings, combine_risk

    own = np.array([0.0, 0.3, 0.3, 0.9, 1.0])
    prior = np.array([0.4, 0.0, 0.315, 0.9, 0.5])
    got = combine_risk(own, prior)
    assert np.allclose(got, [0.4, 0.3, 1 - 0.7 * 0.685, 0.99, 1.0])
    assert got[2] >= 0.5 > max(own[2], prior[2])    # two half-suspicions make a flag, the larger alone does not
    assert np.array_equal(combine_risk(own, prior, "max"), np.maximum(own, prior))
    with pytest.raises(ValueError):
        combine_risk(own, prior, "sum")
    # Through PartnerEvidence: template + behaviour (prior 0.315) on an account with own risk 0.3.
    ev = PartnerEvidence.__new__(PartnerEvidence)
    ev.rows = [{"account_id": "a", "partner_campaign": "campaign--1", "partner_operator": "", "kind": k,
                "values_matched": n} for k, n in (("template", 2), ("behaviour", 1))]
    for rule, flagged in (("noisy_or", True), ("max", False)):
        ev.evidence = PartnerIndicator(PartnerSettings(combine=rule, corroborate=False))
        risk, why = ev.apply_risk(np.array(["a", "b"], dtype=object), np.array([0.3, 0.3]), ["own", "own"])
        assert bool(risk[0] >= 0.5) is flagged and risk[1] == 0.3 and why[1] == "own"
        assert "partner" in why[0] and risk[0] > 0.3


def test_weak_kinds_count_as_far_as_strong_kinds_corroborate_them_here():
    """A partner user agent that 6 of our customers carry besides the 4 accounts on the partner's cards."""
    rows = [{"account_id": a, "partner_campaign": "campaign--1", "partner_operator": "", "kind": k, "values_matched": 1}
            for a in ("c1", "c2", "c3", "c4") for k in ("payment", "user_agent")]
    rows += [{"account_id": f"b{i}", "partner_campaign": "campaign--1", "partner_operator": "", "kind": "user_agent",
              "values_matched": 1} for i in range(6)]
    ids = np.array(["c1", "b0", "x"], dtype=object)
    ev = PartnerIndicator()
    assert ev.corroboration(rows) == {("campaign--1", "user_agent"): 0.4}
    prior, why = ev.risk_prior(rows, ids)
    assert prior == pytest.approx([0.9 * (0.6 + 0.1 * 0.4), 0.9 * 0.1 * 0.4, 0.0])
    assert "user_agent" in why[1] and why[2] == ""
    off, _ = PartnerIndicator(PartnerSettings(corroborate=False)).risk_prior(rows, ids)
    assert off == pytest.approx([0.9 * 0.7, 0.09, 0.0])
    # corroborated by the partner's cards everywhere it is carried: the full weight
    only = [r for r in rows if r["account_id"].startswith("c")]
    assert ev.corroboration(only) == {("campaign--1", "user_agent"): 1.0}
    # graph tokens do not change (the prior does)
    assert ev.tokens(rows).num_rows == PartnerIndicator(PartnerSettings(corroborate=False)).tokens(rows).num_rows


def test_flagged_tier_reason_says_what_it_is():
    ev = PartnerIndicator()
    rows = [{"account_id": "a", "partner_campaign": "indicator--f", "partner_operator": "", "kind": k,
             "values_matched": 1, "tier": "flagged"} for k in ("payment", "ip")]
    prior, why = ev.risk_prior(rows, np.array(["a"], dtype=object))
    assert "a partner flagged" in why[0] and prior[0] == pytest.approx(0.9 * 0.75 * (0.6 + 0.45 / 3))
    assert ev.tokens(rows).num_rows == 0   # no operator behind the tier: no graph token


def _rows(path: Path) -> dict[str, dict]:
    return {r["account_id"]: r for r in csv.DictReader(path.open())}


def test_detect_uses_partner_matches(world, detected, tmp_path):
    """An account detect left alone is flagged once a partner's strong indicators are on it, with the reason."""
    results, _ = detected
    before = _rows(results / "accounts.csv")
    quiet = sorted(a for a, r in before.items() if r["flagged"] == "false")
    target = quiet[0]
    sightings = tmp_path / "partner_sightings.csv"
    with sightings.open("w", newline="") as fh:
        w = csv.DictWriter(fh, SIGHTINGS_COLUMNS)
        w.writeheader()
        for kind, n in (("payment", 1), ("ip", 3)):
            w.writerow({"account_id": target, "partner_campaign": "campaign--p", "partner_operator": "", "kind": kind,
                        "values_matched": n, "exchanges": 5, "first_seen": "", "last_seen": ""})
    proc = run_cli("detect", str(world / "exchanges"), "--accounts", str(world / "accounts.jsonl"),
                   "--events", str(world / "events.jsonl"), "--out", str(tmp_path / "out"), "--quiet",
                   "--partner-matches", str(sightings))
    assert proc.returncode == 0, proc.stderr
    after = _rows(tmp_path / "out" / "accounts.csv")
    assert after[target]["flagged"] == "true" and "partner" in after[target]["reasons"]
    assert float(after[target]["risk"]) > float(before[target]["risk"])
    changed = [a for a in after if a != target and after[a]["flagged"] != before[a]["flagged"]]
    assert changed == []


def test_bad_partner_matches_file_is_one_line(world, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\nx,y\n")
    proc = run_cli("detect", str(world / "exchanges"), "--out", str(tmp_path / "out"), "--quiet",
                   "--partner-matches", str(bad))
    assert proc.returncode == 3 and proc.stderr.startswith("error:") and "lacks column" in proc.stderr


def test_partner_weights_live_in_the_settings_file(tmp_path):
    """[partner] in settings.toml equals the code's defaults; a user's file overrides one weight and keeps the rest."""
    from distillguard.errors import ConfigError
    from distillguard.linking.partner import PartnerEvidence, PartnerSettings
    from distillguard.settings import load_settings

    assert load_settings().partner == PartnerSettings()
    f = tmp_path / "s.toml"
    f.write_text('[partner]\nweights = {payment = 0.5}\ntier_factors = {flagged = 0.5}\ncombine = "max"\n')
    s = load_settings(f).partner
    assert s.weights["payment"] == 0.5 and s.weights["ip"] == PartnerSettings().weights["ip"]
    assert s.tier_factors == {"flagged": 0.5} and s.combine == "max"
    ev = PartnerEvidence.__new__(PartnerEvidence)
    ev.rows = [{"account_id": "a", "partner_campaign": "campaign--1", "partner_operator": "", "kind": "payment",
                "values_matched": 1}]
    ev.use(s)
    prior, _ = ev.evidence.risk_prior(ev.rows, np.array(["a"], dtype=object))
    assert prior[0] == pytest.approx(0.9 * 0.5)
    for text, words in (('[partner]\ncombine = "sum"\n', "partner.combine"),
                        ("[partner]\nweights = {payment = 'high'}\n", "partner.weights.payment"),
                        ("[partner]\nweights = {payment = 1.5}\n", "must be in [0, 1]"),
                        ("[partner]\nlift = 'x'\n", "partner.lift")):
        f.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(words)):
            load_settings(f)


def test_the_flagged_tier_counts_with_the_partner_campaigns_an_account_also_carries():
    """Version 4: a tier card (0.45) and a campaign's address add up in one group; version 3 kept the
    best group alone (the tier card's 0.405), so an account carrying both stayed below the flag."""
    rows = [{"account_id": "a", "partner_campaign": "indicator--f", "partner_operator": "", "kind": "payment",
             "values_matched": 1, "tier": "flagged"},
            {"account_id": "a", "partner_campaign": "campaign--1", "partner_operator": "", "kind": "ip",
             "values_matched": 1, "tier": "campaign"},
            {"account_id": "b", "partner_campaign": "indicator--f", "partner_operator": "", "kind": "payment",
             "values_matched": 1, "tier": "flagged"}]
    ids = np.array(["a", "b"], dtype=object)
    on, why = PartnerIndicator().risk_prior(rows, ids)
    off, _ = PartnerIndicator(PartnerSettings(tier_joins_campaigns=False)).risk_prior(rows, ids)
    assert on[0] == pytest.approx(0.9 * (0.75 * 0.6 + 0.45 / 3)) and on[0] >= 0.5 > off[0]
    assert on[1] == off[1] < 0.5                       # the tier alone: unchanged, below the flag
    assert "campaign indicators (ip)" in why[0] and "accounts it flagged (payment)" in why[0]
    assert PartnerIndicator().tokens(rows).num_rows == 0   # the tier still gives no graph token


def test_only_a_partner_word_that_links_an_account_lifts_the_holds_on_a_verdict_alone():
    """Version 5: an account held below the flag (one exchange, or barely harvesting) carrying only a behaviour
    sketch of a partner's campaign keeps its hold, though the prior raises its own risk; one on the partner's
    card (a score of token_min_score or more) is judged like a campaign's member."""
    from distillguard.linking.partner import PartnerEvidence

    rows = [{"account_id": a, "partner_campaign": "campaign--1", "partner_operator": "", "kind": k, "values_matched": 1}
            for a, k in (("card", "payment"), ("card", "behaviour"), ("sketch", "behaviour"))]
    ev = PartnerEvidence.__new__(PartnerEvidence)
    ev.rows, ev.evidence = rows, PartnerIndicator()
    ids = np.array(["card", "sketch", "none"], dtype=object)
    assert ev.evidence.standing(rows, ids).tolist() == [True, False, False]
    our = np.array([0.55, 0.55, 0.55])
    own, _ = ev.apply_risk(ids, our, ["", "", ""])
    assert own[0] > own[1] > our[1] and own[2] == our[2]   # the sketch still raises own risk
    few = np.array([True, True, True])
    harvesting = np.array([False, False, False])
    h, f = ev.lift_holds(ids, our, own, harvesting, few)
    assert f.tolist() == [False, True, True] and h.tolist() == [True, False, False]
    assert ev.lift_holds(ids, our, own, None, None) == (None, None)
    # at full weight (not corroborated) the sketch's score is still below token_min_score: no hold lifts
    ev.evidence = PartnerIndicator(PartnerSettings(corroborate=False))
    assert ev.evidence.standing(rows, ids).tolist() == [True, False, False]
