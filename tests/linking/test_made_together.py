"""Made together (DG-LNK-0004): accounts that hold a campaign's own creation values join it and take its risk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from distillguard.decisions.policy import Policy, decide
from distillguard.linking import operators
from distillguard.linking.campaigns import campaign_id
from distillguard.linking.operators import MadeTogetherFinding, OperatorParams, made_together
from tests.linking.test_coordination import to_table
from tests.linking.test_operators import campaign, planted

CASES = yaml.safe_load((Path(operators.__file__).with_name("made_together.cases.yaml")).read_text())


def test_cases_belong_to_this_finding():
    assert CASES["finding"] == MadeTogetherFinding.id


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: c["name"])
def test_declared_cases(case):
    cols, where, ids = planted(case["background"]["seed"], case["groups"], case["background"]["accounts"])
    given = [campaign(np.concatenate([where[g] for g in names]), ids) for names in case["campaigns"]]
    out = made_together(given, to_table(cols), ids)
    got = sorted(sorted(c.members.tolist()) for c in out)
    want = sorted(sorted(np.concatenate([where[g] for g in names]).tolist()) for names in case["expect"])
    assert got == want


def _operator_and_seats() -> tuple[dict, dict, np.ndarray]:
    return planted(21, [
        {"name": "found", "accounts": 25, "facets": {"signup_day": "2025-11-08", "email_domain": "op.example",
                                                     "payment": "unique"}},
        {"name": "seats", "accounts": 10, "facets": {"signup_day": "2025-11-08", "email_domain": "op.example",
                                                     "payment": "unique"}},
    ])


def test_joined_accounts_take_the_campaigns_risk_and_say_why():
    cols, where, ids = _operator_and_seats()
    n = len(ids)
    given = [campaign(where["found"], ids, risk=0.9)]
    own = np.full(n, 0.02)
    out = made_together(given, to_table(cols), ids)
    assert len(out) == 1
    c = out[0]
    assert sorted(c.made.tolist()) == sorted(where["seats"].tolist())
    assert c.campaign_id == campaign_id(ids[c.members].tolist()) != given[0].campaign_id
    assert c.stats["made_together"]["accounts"] == 10
    assert "sign-up day 2025-11-08" in c.stats["made_together"]["values"]
    d = decide(own, [""] * n, out, Policy())
    assert d.flagged[where["seats"]].all() and np.allclose(d.risk[where["seats"]], 0.9)
    assert f"made with the accounts of campaign {c.campaign_id}" in d.reasons[int(where["seats"][0])]
    background = np.setdiff1d(np.arange(n), c.members)
    assert not d.flagged[background].any()


def test_off_changes_nothing_and_same_input_gives_the_same_campaigns():
    cols, where, ids = _operator_and_seats()
    given = [campaign(where["found"], ids)]
    table = to_table(cols)
    assert made_together(given, table, ids, OperatorParams(made_together=False)) is given
    assert made_together(given, table, ids, OperatorParams(enabled=False)) is given
    first = [(c.campaign_id, c.members.tolist()) for c in made_together(given, table, ids)]
    assert first == [(c.campaign_id, c.members.tolist()) for c in made_together(given, table, ids)]


def test_an_account_already_in_a_campaign_stays_where_it_is():
    cols, where, ids = _operator_and_seats()
    given = [campaign(where["found"], ids), campaign(where["seats"][:5], ids)]
    out = made_together(given, to_table(cols), ids)
    by_size = sorted(out, key=lambda c: len(c.members))
    assert sorted(by_size[0].members.tolist()) == sorted(where["seats"][:5].tolist())
    assert sorted(by_size[1].made.tolist()) == sorted(where["seats"][5:].tolist())


def test_one_creation_value_is_not_enough():
    cols, where, ids = planted(22, [
        {"name": "found", "accounts": 25, "facets": {"signup_day": "2025-11-08", "email_domain": "op.example"}},
        {"name": "day_only", "accounts": 4, "facets": {"signup_day": "2025-11-08"}},
        {"name": "domain_only", "accounts": 4, "facets": {"email_domain": "op.example"}},
    ])
    out = made_together([campaign(where["found"], ids)], to_table(cols), ids)
    assert sorted(out[0].members.tolist()) == sorted(where["found"].tolist())
    assert len(out[0].made) == 0
