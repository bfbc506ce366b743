"""Accounts that harvest alike (DG-LNK-0006): accounts flagged on their own, in no campaign, that harvest the
same capabilities with the same configuration are listed as one group, and no verdict moves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from distillguard.decisions.policy import Policy, decide
from distillguard.linking import alike
from distillguard.linking.alike import HarvestAlikeFinding, harvest_alike
from distillguard.linking.campaigns import campaign_id
from distillguard.outputs.contract import summary_paragraph
from distillguard.outputs.tables import formed_by
from tests.linking.test_coordination import to_table
from tests.linking.test_operators import campaign, planted

CASES = yaml.safe_load((Path(alike.__file__).with_name("alike.cases.yaml")).read_text())


def test_cases_belong_to_this_finding():
    assert CASES["finding"] == HarvestAlikeFinding.id


def _mask(n: int, where: dict, names: list[str]) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    for g in names:
        m[where[g]] = True
    return m


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: c["name"])
def test_declared_cases(case):
    cols, where, ids = planted(case["background"]["seed"], case["groups"], case["background"]["accounts"])
    n = len(ids)
    given = [campaign(np.concatenate([where[g] for g in names]), ids) for names in case.get("campaigns", [])]
    out = harvest_alike(given, to_table(cols), ids, _mask(n, where, case["flagged"]), np.full(n, 0.7),
                        **case.get("params", {}))
    assert out[:len(given)] == given
    got = sorted(sorted(c.members.tolist()) for c in out[len(given):])
    want = sorted(sorted(np.concatenate([where[g] for g in names]).tolist()) for names in case["expect"])
    assert got == want


def _operator() -> tuple[dict, dict, np.ndarray]:
    return planted(11, [
        {"name": "operator", "accounts": 30, "facets": {"target": "coding+computer_use", "config": "4096|1.0",
                                                        "payment": "unique"}},
        {"name": "customers", "accounts": 6, "facets": {"target": "coding+computer_use", "config": "4096|1.0"}},
    ])


def test_no_verdict_moves_and_each_member_says_why():
    cols, where, ids = _operator()
    n = len(ids)
    rng = np.random.default_rng(3)
    own = rng.uniform(0.0, 0.45, n)
    own[where["operator"]] = rng.uniform(0.55, 0.95, len(where["operator"]))
    flagged = own >= 0.5
    out = harvest_alike([], to_table(cols), ids, flagged, own)
    assert len(out) == 1
    c = out[0]
    assert sorted(c.members.tolist()) == sorted(where["operator"].tolist())
    assert c.campaign_id == campaign_id(ids[c.members].tolist())
    assert c.stats["alike"]["holders"] == 36 and c.stats["alike"]["accounts"] == 30
    assert np.isclose(c.risk, own[c.members].mean())
    before, after = decide(own, [""] * n, [], Policy()), decide(own, [""] * n, out, Policy())
    assert (before.flagged == after.flagged).all()
    assert np.allclose(before.risk, after.risk)
    assert (after.campaign_of[c.members] == 0).all()
    reason = after.reasons[int(c.members[0])]
    assert f"listed as group {c.campaign_id}" in reason and "no operator evidence links them" in reason
    assert formed_by(c) == "alike"


def test_same_input_same_groups_and_too_few_flagged_change_nothing():
    cols, where, ids = _operator()
    n = len(ids)
    table, own = to_table(cols), np.full(n, 0.7)
    flagged = _mask(n, where, ["operator"])
    first = [(c.campaign_id, c.members.tolist()) for c in harvest_alike([], table, ids, flagged, own)]
    assert first == [(c.campaign_id, c.members.tolist()) for c in harvest_alike([], table, ids, flagged, own)]
    few = np.zeros(n, dtype=bool)
    few[where["operator"][:4]] = True
    given = [campaign(np.arange(10), ids)]
    assert harvest_alike(given, table, ids, few, own) == given


def test_the_summary_says_no_operator_evidence_links_the_group():
    doc = {"accounts": ["a", "b", "c", "d", "e"], "exchanges": 500, "first_seen": "2026-03-01T00:00:00Z",
           "last_seen": "2026-03-02T00:00:00Z", "categories": {"coding": 0.7, "other": 0.3}, "indicators": [],
           "risk": 0.8}
    text = summary_paragraph(doc, {"evidence": {}, "alike": {"text": "5 accounts, each flagged on its own traffic, "
                                                                       "harvest coding"}})
    assert "No operator evidence links them" in text and "that they are one operator is not shown" in text
    assert "They are linked by" not in text
