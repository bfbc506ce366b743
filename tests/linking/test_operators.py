"""One operator, one campaign (DG-LNK-0003): campaigns split where their parts hold values of their own,
join where their uncommon values coincide, and no account's verdict moves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from distillguard.decisions.policy import Policy, decide
from distillguard.linking import operators
from distillguard.linking.campaigns import Campaign, campaign_id
from distillguard.linking.coordination import org_seat_share
from distillguard.linking.operators import OperatorParams, resolve_operators
from tests.linking.test_coordination import plant, population, to_table

CASES = yaml.safe_load((Path(operators.__file__).with_name("operators.cases.yaml")).read_text())


def campaign(members: np.ndarray, ids: np.ndarray, risk: float = 0.8, strength: np.ndarray | None = None,
             evidence: dict[str, float] | None = None) -> Campaign:
    members = np.sort(members)
    st = np.full(len(members), 2.0) if strength is None else strength
    return Campaign(campaign_id(ids[members].tolist()), members, risk, 1.0, risk, evidence or {"ip": 1.0}, st)


def background(n: int, seed: int) -> dict[str, list]:
    rng = np.random.default_rng(seed)
    cols = population(rng, n)
    cols["target"] = [str(rng.choice(["coding", "other", "coding+vision", "reasoning_elicitation"])) for _ in range(n)]
    cols["asn"] = [f"AS{rng.integers(1, 40)}" for _ in range(n)]
    cols["email_domain"] = [f"mail{rng.integers(0, 50)}.example" for _ in range(n)]
    return cols


def plant_groups(cols: dict[str, list], n_bg: int, groups: list[dict]) -> dict[str, np.ndarray]:
    start, where = n_bg, {}
    for g in groups:
        members = np.arange(start, start + g["accounts"])
        start += g["accounts"]
        where[g["name"]] = members
        for name, v in g["facets"].items():
            if v == "unique":
                for m in members.tolist():
                    cols[name][m] = f"unique-{name}-{m}"
            else:
                plant(cols, members, **{name: str(v)})
    return where


def planted(seed: int, groups: list[dict], n_bg: int = 2000) -> tuple[dict[str, list], dict[str, np.ndarray], np.ndarray]:
    """A background of `n_bg` random customers and the `groups` after it: facet columns, each group's
    members, account ids."""
    n = n_bg + sum(g["accounts"] for g in groups)
    cols = background(n, seed)
    return cols, plant_groups(cols, n_bg, groups), np.array([f"acct-{i:05d}" for i in range(n)], dtype=object)


def test_cases_belong_to_this_finding():
    assert CASES["finding"] == operators.OperatorFinding.id


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: c["name"])
def test_declared_cases(case):
    cols, where, ids = planted(case["background"]["seed"], case["groups"], case["background"]["accounts"])
    given = [campaign(np.concatenate([where[g] for g in names]), ids) for names in case["campaigns"]]
    alone = np.concatenate([where[g] for g in case.get("alone", [])] + [np.empty(0, np.int64)])
    harvesting = None
    if any("harvest" in g for g in case["groups"]):
        from distillguard.linking.coordination import CoordinationParams, harvests

        share = np.zeros(len(ids))
        for g in case["groups"]:
            share[where[g["name"]]] = g.get("harvest", 0.7)

        def harvesting(members: np.ndarray) -> bool:
            return harvests(share[members], None, CoordinationParams())
    own = np.zeros(len(ids), dtype=bool)
    orgs = np.full(len(ids), "", dtype=object)
    for g in case["groups"]:
        own[where[g["name"]][:round(g.get("own_flagged", 0.0) * g["accounts"])]] = True
        orgs[where[g["name"]]] = g.get("org", "")

    def customers(members: np.ndarray) -> bool:
        return org_seat_share(orgs[members]) >= 0.5
    below = np.concatenate([where[g] for g in case.get("below_flag", [])] + [np.empty(0, np.int64)])
    profiled = None
    if any("profiled" in g for g in case["groups"]):
        profiled = np.ones(len(ids), dtype=bool)
        for g in case["groups"]:
            profiled[where[g["name"]][round(g.get("profiled", 1.0) * g["accounts"]):]] = False
    out = resolve_operators(given, to_table(cols), ids, OperatorParams(**case.get("params", {})), flagged=alone,
                            harvesting=harvesting, own_flagged=own, customers=customers, below_flag=below,
                            profiled=profiled)
    got = sorted(sorted(c.members.tolist()) for c in out)
    want = sorted(sorted(np.concatenate([where[g] for g in names]).tolist()) for names in case["expect"])
    assert got == want


def test_regrouping_moves_no_verdict_and_says_why():
    # one campaign over two operators (a proxy pool), and one operator found as two campaigns of
    # different risk and partial ties: after regrouping, every account's final risk is what it was
    cols, where, ids = planted(11, [
        {"name": "a", "accounts": 25, "facets": {"asn": "AS9", "signup_day": "2025-10-19", "config": "16384|1.0"}},
        {"name": "b", "accounts": 20, "facets": {"asn": "AS9", "signup_day": "2025-11-04", "config": "8192|0.3"}},
        {"name": "c1", "accounts": 15, "facets": {"signup_day": "2025-12-17", "payment": "card-c", "shift": "00011100"}},
        {"name": "c2", "accounts": 15, "facets": {"signup_day": "2025-12-17", "payment": "card-c", "shift": "00011100"}},
    ])
    n = len(ids)
    rng = np.random.default_rng(0)
    pool = np.concatenate([where["a"], where["b"]])
    given = [campaign(pool, ids, 0.9, rng.uniform(0.2, 3.0, len(pool))),
             campaign(where["c1"], ids, 0.6, rng.uniform(0.2, 3.0, 15)),
             campaign(where["c2"], ids, 0.95, rng.uniform(0.2, 3.0, 15), {"payment": 1.0})]
    own = rng.uniform(0.0, 0.6, n)
    before = decide(own, [""] * n, given, Policy())
    out = resolve_operators(given, to_table(cols), ids)
    after = decide(own, [""] * n, out, Policy())
    assert sorted(len(c.members) for c in out) == [20, 25, 30]
    np.testing.assert_allclose(after.risk, before.risk, atol=1e-12)
    assert (after.flagged == before.flagged).all()
    joined = next(c for c in out if len(c.members) == 30)
    # each kind's share counts the members it ties: the proxies tie one campaign's 15, the card the other's
    assert joined.risk == 0.95 and joined.evidence == {"ip": 0.5, "payment": 0.5}
    # and each account's reason names what ties it, not what ties the others
    c1, c2 = int(where["c1"][0]), int(where["c2"][0])
    assert "(same source IP address)" in after.reasons[c1] and "payment" not in after.reasons[c1]
    assert "(same payment instrument)" in after.reasons[c2] and "IP" not in after.reasons[c2]
    assert "one operator: 2 campaigns of 15, 15 accounts" in joined.stats["operator"]
    assert "sign-up day 2025-12-17" in joined.stats["operator"]
    part = next(c for c in out if len(c.members) == 25)
    assert part.risk == 0.9 and "one of 2 operators in 45 accounts" in part.stats["operator"]
    assert part.campaign_id == campaign_id(ids[where["a"]].tolist())
    other = next(c for c in out if len(c.members) == 20)   # the parts of one proxy pool name each other
    assert part.stats["shares_network_with"] == [other.campaign_id]
    assert other.stats["shares_network_with"] == [part.campaign_id]
    assert "shares_network_with" not in joined.stats


def test_off_changes_nothing_and_same_input_gives_the_same_campaigns():
    cols, where, ids = planted(12, [
        {"name": "a", "accounts": 20, "facets": {"asn": "AS9", "signup_day": "2025-10-19", "config": "16384|1.0"}},
        {"name": "b", "accounts": 20, "facets": {"asn": "AS9", "signup_day": "2025-11-04", "config": "8192|0.3"}},
    ])
    given = [campaign(np.concatenate([where["a"], where["b"]]), ids)]
    table = to_table(cols)
    assert resolve_operators(given, table, ids, OperatorParams(enabled=False)) is given
    first = [c.campaign_id for c in resolve_operators(given, table, ids)]
    assert len(first) == 2 and first == [c.campaign_id for c in resolve_operators(given, table, ids)]


def test_accounts_flagged_alone_join_the_campaign_whose_pipeline_they_run_and_keep_their_verdict():
    cols, where, ids = planted(14, [
        {"name": "op", "accounts": 30, "facets": {"template": "op-t", "config": "16000|0.6", "signup_day": "2026-02-01",
                                                  "asn": "AS9"}},
        {"name": "late", "accounts": 5, "facets": {"template": "op-t", "config": "16000|0.6"}},
        {"name": "pool", "accounts": 5, "facets": {"asn": "AS9"}},   # only the proxy pool: stays alone
    ])
    n = len(ids)
    given = [campaign(where["op"], ids, 0.9)]
    alone = np.concatenate([where["late"], where["pool"]])
    own = np.zeros(n)
    own[alone] = 0.7
    before = decide(own, [""] * n, given, Policy())
    out = resolve_operators(given, to_table(cols), ids, flagged=alone)
    after = decide(own, [""] * n, out, Policy())
    assert len(out) == 1 and set(out[0].members.tolist()) == set(where["op"].tolist()) | set(where["late"].tolist())
    np.testing.assert_allclose(after.risk, before.risk, atol=1e-12)
    assert (after.flagged == before.flagged).all()
    assert "5 accounts flagged on their own joined" in out[0].stats["operator"]
    # they joined holding its signature, not on a link of the campaign's kinds: their reasons say so
    assert out[0].evidence == {"ip": round(30 / 35, 4)}
    assert all(after.reasons[a].startswith(f"joined campaign {out[0].campaign_id}") for a in where["late"].tolist())
    assert "same source IP address" in after.reasons[int(where["op"][0])]
    assert resolve_operators(given, to_table(cols), ids, OperatorParams(attach_min_share=1.1), flagged=alone)[0] \
        .members.tolist() == where["op"].tolist()


def test_campaigns_named_as_sharing_addresses_are_renamed_when_joined_and_dropped_when_gone():
    cols, where, ids = planted(15, [
        {"name": "a", "accounts": 20, "facets": {"signup_day": "2025-10-19", "config": "16384|1.0"}},
        {"name": "b1", "accounts": 10, "facets": {"signup_day": "2025-12-17", "payment": "card-b", "shift": "00011100"}},
        {"name": "b2", "accounts": 10, "facets": {"signup_day": "2025-12-17", "payment": "card-b", "shift": "00011100"}},
    ])
    a, b1, b2 = (campaign(where[g], ids) for g in ("a", "b1", "b2"))
    a.stats["shares_network_with"] = [b1.campaign_id, "c-000000000000"]
    out = resolve_operators([a, b1, b2], to_table(cols), ids)
    joined = next(c for c in out if len(c.members) == 20 and c.campaign_id != a.campaign_id)
    assert next(c for c in out if c.campaign_id == a.campaign_id).stats["shares_network_with"] == [joined.campaign_id]


def _similarity_by_definition(inc, weight, keep):
    """Each row's `keep` heaviest other accounts by shared weight (ties: lower column), made symmetric."""
    dense = (inc.toarray() * weight) @ inc.toarray().T
    np.fill_diagonal(dense, 0.0)
    out = np.zeros_like(dense)
    for r in range(dense.shape[0]):
        cols = [c for c in sorted(range(dense.shape[1]), key=lambda c: (-dense[r, c], c)) if dense[r, c] > 0][:keep]
        out[r, cols] = dense[r, cols]
    return np.maximum(out, out.T)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_similarity_keeps_each_accounts_heaviest_ties_to_the_lower_account_in_any_block_size(seed):
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    k, v = 60, 25
    inc = sp.csr_matrix((rng.random((k, v)) < 0.15).astype(np.float64))
    weight = rng.choice([0.5, 1.0, 2.0], v)   # few distinct weights: many pairs tie
    want = _similarity_by_definition(inc, weight, 5)
    for cells in (7, 100, 10_000):     # one row per block, several, all at once
        got = operators._similarity(inc, weight, keep=5, cells=cells).toarray()
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(operators._similarity(inc, weight, keep=100).toarray(),
                                  _similarity_by_definition(inc, weight, 100))


def test_shared_values_number_values_in_sorted_order_and_drop_those_one_account_holds():
    import pyarrow as pa

    facets = pa.table({"account": pa.array([0, 1, 2, 0, 1, 3], pa.int64()),
                       "facet": ["shift", "shift", "asn", "asn", "asn", "email_domain"],
                       "value": ["0110", "0110", "7", "7", "é", "x"]})
    vals = operators.shared_values(facets, 4)
    assert vals.names == [("asn", "7"), ("shift", "0110")]
    assert vals.value.tolist() == [1, 1, 0, 0] and vals.account.tolist() == [0, 1, 2, 0]
    assert vals.holders.tolist() == [2, 2]


def test_parts_split_again_name_values_no_other_final_part_holds():
    # version 13: the two small operators the first cut left together come apart, and what each part's
    # evidence says it holds "which the other parts do not" is true of the final parts
    case = next(c for c in CASES["cases"] if "looked at again (version 13)" in c["name"])
    cols, where, ids = planted(case["background"]["seed"], case["groups"], case["background"]["accounts"])
    given = [campaign(np.concatenate([where[g] for g in names]), ids) for names in case["campaigns"]]
    out = resolve_operators(given, to_table(cols), ids)
    text = {next(g for g, m in where.items() if c.members[0] in m): c.stats["operator"] for c in out}
    assert "one of 4 operators in 152 accounts" in text["b"]
    assert "AS4837" in text["b"] and "AS4766" not in text["b"]
    assert "AS4766" in text["c"] and "AS4837" not in text["c"]
    assert "helio.example" in text["a"] and "the rest" in text["d"]
    once = resolve_operators(given, to_table(cols), ids, OperatorParams(split_again=False))
    assert sorted(len(c.members) for c in once) == [12, 60, 80]


def test_an_account_held_below_the_flag_that_runs_a_campaigns_pipeline_joins_and_is_flagged_on_its_own_risk():
    cols, where, ids = planted(52, [
        {"name": "op", "accounts": 30, "facets": {"template": "op-t", "config": "16000|0.6", "asn": "AS9"}},
        {"name": "filler", "accounts": 4, "facets": {"template": "op-t", "config": "16000|0.6"}},
        {"name": "customers", "accounts": 4, "facets": {"asn": "AS9"}},   # only the proxy pool: networks aside
    ])
    n = len(ids)
    given = [campaign(where["op"], ids, 0.9)]
    below = np.concatenate([where["filler"], where["customers"]])
    own = np.zeros(n)
    own[below] = 0.8
    harvesting = np.ones(n, dtype=bool)
    harvesting[below] = False          # mostly filler: capped below the flag outside every campaign
    before = decide(own, [""] * n, given, Policy(), harvesting)
    assert not before.flagged[below].any()
    on = OperatorParams(attach_held_back=True)
    out = resolve_operators(given, to_table(cols), ids, on, flagged=np.empty(0, np.int64), below_flag=below)
    assert len(out) == 1 and set(out[0].members.tolist()) == set(where["op"].tolist()) | set(where["filler"].tolist())
    assert "4 of them held below the flag" in out[0].stats["operator"]
    after = decide(own, [""] * n, out, Policy(), harvesting)
    assert after.flagged[where["filler"]].all() and np.allclose(after.risk[where["filler"]], 0.8)
    assert not after.flagged[where["customers"]].any()
    assert all(after.reasons[a].startswith(f"joined campaign {out[0].campaign_id}") for a in where["filler"].tolist())
    off = resolve_operators(given, to_table(cols), ids, flagged=np.empty(0, np.int64), below_flag=below)
    assert off[0].members.tolist() == where["op"].tolist()


def test_a_whole_campaign_of_one_organisations_seats_is_set_aside_for_review_with_its_evidence():
    from distillguard.linking.operators import seats_group

    cols, where, ids = planted(36, [{"name": "team", "accounts": 22,
                                     "facets": {"network": "10.77.1", "email_domain": "acme.example", "payment": "acme-card"}}])
    team = where["team"]
    orgs = np.full(len(ids), "", dtype=object)
    orgs[team] = "acme"
    c = campaign(team, ids, evidence={"ip": 1.0, "payment": 1.0, "email_domain": 0.9, "template": 0.2})
    own = np.zeros(len(ids), dtype=bool)
    own[team[:5]] = True   # a few engineers the model over-scores
    aside: list = []
    out = resolve_operators([c], to_table(cols), ids, OperatorParams(), own_flagged=own,
                            customers=lambda m: org_seat_share(orgs[m]) >= 0.5, seats_aside=aside)
    assert out == [] and aside == [c]
    g = seats_group(c, orgs, np.full(len(ids), 0.3))
    assert g.anchor == ("account_graph", "email_domain, ip, payment")
    assert list(g.orgs) == ["acme"] * len(team) and g.harvest == pytest.approx(0.3)
