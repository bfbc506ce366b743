"""The decision policy: an account that barely extracts or harvests is not flagged on its own."""

from __future__ import annotations

import numpy as np
import pytest

from distillguard.decisions import Policy, decide
from distillguard.decisions.policy import lone_harvesting, too_few
from distillguard.linking.campaigns import Campaign


def test_a_lone_account_that_barely_extracts_stays_below_the_flag_and_says_why():
    # 0: harvests; 1: a hosted app relaying chat (no extraction, 5% scored harvesting); 2: extracts a little
    own = np.array([0.9, 0.99, 0.7])
    extraction = np.array([0.6, 0.0, 0.2])
    harvest = np.array([0.4, 0.05, 0.0])
    policy = Policy()
    ok = lone_harvesting(extraction, harvest, policy)
    assert ok.tolist() == [True, False, True]
    d = decide(own, ["model", "model", "model"], [], policy, ok)
    assert d.flagged.tolist() == [True, False, True]
    assert d.risk[1] == pytest.approx(policy.flag_threshold - 0.01)   # kept as a lead, ranked just below the flag
    assert "not flagged on its own" in d.reasons[1] and "not flagged" not in d.reasons[0]
    # without the classifier's output (None) or with the bar at 0, the model's probability stands
    assert decide(own, [""] * 3, [], policy).flagged.all()
    off = Policy(lone_min_extraction=0.0)
    assert decide(own, [""] * 3, [], off, lone_harvesting(extraction, harvest, off)).flagged.all()


def test_a_campaign_member_that_barely_extracts_keeps_its_campaign_verdict():
    own = np.array([0.99, 0.8, 0.8, 0.1])
    harvesting = np.array([False, True, True, True])
    c = Campaign("c-1", np.array([0, 1, 2]), risk=0.9, coordination=1.0, member_risk=0.8, evidence={"payment": 1.0},
                 strength=np.full(3, 2.0))
    d = decide(own, [""] * 4, [c], Policy(), harvesting)
    assert d.flagged.tolist() == [True, True, True, False]
    assert d.risk[0] == pytest.approx(0.99)   # its own risk, not the cap: the campaign is the evidence
    assert "not flagged on its own" not in d.reasons[0]


def test_a_lone_account_of_one_request_stays_a_lead_and_a_campaign_member_of_one_request_does_not():
    # 0: two requests, flagged on its own; 1: one request, the same probability, outside every campaign;
    # 2: one request, a member of a campaign (its campaign is the evidence, not the request)
    own = np.array([0.9, 0.9, 0.9])
    sent = np.array([2, 1, 1])
    policy = Policy()
    few = too_few(sent, policy)
    assert few.tolist() == [False, True, True]
    c = Campaign("c-1", np.array([2, 3]), risk=0.9, coordination=1.0, member_risk=0.8, evidence={"payment": 1.0},
                 strength=np.full(2, 2.0))
    d = decide(np.append(own, 0.9), [""] * 4, [c], policy, None, np.append(few, False))
    assert d.flagged.tolist() == [True, False, True, True]
    assert d.risk[1] == pytest.approx(policy.flag_threshold - 0.01)   # ranked just below the flag: a lead
    assert "fewer than 2 exchanges: not flagged on its own" in d.reasons[1]
    assert "not flagged on its own" not in d.reasons[0] + d.reasons[2]
    # the bar at 1 (or counts not known) lets the model's probability stand
    off = Policy(lone_min_exchanges=1)
    assert decide(own, [""] * 3, [], off, None, too_few(sent, off)).flagged.all()
    assert too_few(None, policy) is None


def test_the_last_verdict_flags_no_account_that_acts_alone_unless_a_partner_ties_it():
    # 0, 1: one campaign; 2: harvests alone (own risk 0.95); 3: alone, tied by a partner's indicators; 4: clean
    own = np.array([0.9, 0.6, 0.95, 0.8, 0.1])
    c = Campaign("c-1", np.array([0, 1]), risk=0.9, coordination=1.0, member_risk=0.8, evidence={"payment": 1.0},
                 strength=np.full(2, 2.0))
    tied = np.array([False, False, False, True, False])
    first = decide(own, [""] * 5, [c], Policy())   # the first verdicts read own risk: campaigns of lone flags form
    assert first.flagged.tolist() == [True, True, True, True, False]
    last = decide(own, [""] * 5, [c], Policy(), final=tied)
    assert last.flagged.tolist() == [True, True, False, True, False]
    assert last.risk[2] == pytest.approx(Policy().flag_threshold - 0.01)   # ranked just below the flag: a lead
    assert "no other account is tied to it" in last.reasons[2]
    assert "no other account" not in last.reasons[0] + last.reasons[3] + last.reasons[4]
    assert last.risk[4] == pytest.approx(0.1)   # a clean account is not lifted to the cap
    # flag_lone = true: the model's probability stands alone, as before
    assert decide(own, [""] * 5, [c], Policy(flag_lone=True), final=tied).flagged.tolist() == first.flagged.tolist()
