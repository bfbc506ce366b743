"""Coordination-first finding: groups coupled beyond chance form campaigns; look-alike customers do not."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillguard.decisions.policy import Policy, decide
from distillguard.linking.coordination import (
    CoordinationParams,
    _tied_parts,
    coordinated_groups,
    coordination_campaigns,
    merge_groups,
)


def population(rng: np.random.Generator, n: int) -> dict[str, list]:
    """Independent customers: every facet drawn on its own from a broad range of values."""
    return {
        "template": [f"t{rng.integers(0, 400)}" for _ in range(n)],
        "config": [f"{rng.choice([1024, 2048, 4096, 8192])}|{rng.choice([0.0, 0.2, 0.7, 1.0])}" for _ in range(n)],
        "client": [f"sdk/{rng.integers(1, 30)}" for _ in range(n)],
        "signup_day": [f"2026-02-{rng.integers(1, 28):02d}" for _ in range(n)],
        "shift": [format(int(rng.integers(1, 256)), "08b") for _ in range(n)],
        "payment": [f"pm{i}" for i in range(n)],
        "network": [f"10.{rng.integers(0, 250)}.{rng.integers(0, 250)}" for _ in range(n)],
        "volume": [str(rng.integers(0, 8)) for _ in range(n)],
    }


def to_table(cols: dict[str, list]) -> pa.Table:
    acc, facet, value = [], [], []
    for name, values in cols.items():
        for i, v in enumerate(values):
            if v is not None:
                acc.append(i)
                facet.append(name)
                value.append(v)
    return pa.table({"account": pa.array(acc, pa.int64()), "facet": pa.array(facet, pa.string()),
                     "value": pa.array(value, pa.string())})


def members_of(groups: list) -> set[int]:
    """Every account some group holds."""
    return set(np.concatenate([g.members for g in groups]).tolist()) if groups else set()


def plant(cols: dict[str, list], members: np.ndarray, **shared: str) -> None:
    for name, v in shared.items():
        for m in members.tolist():
            cols[name][m] = v


def plant_case(rng: np.random.Generator, cols: dict[str, list], harvest: np.ndarray, n_bg: int,
               planted: list[dict], extraction: np.ndarray | None = None,
               orgs: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Plant a declared case's groups after its `n_bg` background accounts; each group's members by name.

    A facet given as {value, share, outside} is held by that share of the group and of the background;
    "unique" gives each member a value of its own.
    A group's `extraction` share defaults to its `harvest` share; `org` names its declared organisation.
    """
    start, where = n_bg, {}
    for p in planted:
        members = np.arange(start, start + p["accounts"])
        start += p["accounts"]
        where[p["name"]] = members
        harvest[members] = p["harvest"]
        if extraction is not None:
            extraction[members] = p.get("extraction", p["harvest"])
        if orgs is not None and "org" in p:  # `org_share`: the share of its members whose logs declare it
            declared = int(round(p.get("org_share", 1.0) * len(members)))
            orgs[members[:declared]] = p["org"]
            orgs[members[declared:]] = ""
        for name, v in p["facets"].items():
            if isinstance(v, dict):
                held = members[rng.random(len(members)) < v["share"]]
                others = np.setdiff1d(np.arange(n_bg), held)
                plant(cols, np.concatenate([held, others[rng.random(len(others)) < v["outside"]]]),
                      **{name: str(v["value"])})
            elif v == "unique":   # each member its own value: nothing shared by chance
                for m in members.tolist():
                    cols[name][m] = f"unique-{name}-{m}"
            else:
                plant(cols, members, **{name: str(v)})
    return where


@pytest.mark.parametrize("seed", range(4))
def test_operator_coupled_harvesters_form_one_group_and_independent_harness_users_do_not(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    cols = population(rng, n)
    harvest = rng.uniform(0, 0.25, n)
    campaign = rng.choice(n, 60, replace=False)
    rest = np.setdiff1d(np.arange(n), campaign)
    harness = rng.choice(rest, 200, replace=False)
    # one operator: one template, one card per 20 accounts, two sign-up days, one shift
    plant(cols, campaign, template="wrap", config="4096|0.7", shift="11110000")
    for k, part in enumerate(np.array_split(campaign, 3)):
        plant(cols, part, payment=f"card{k}", signup_day=f"2026-03-0{k + 1}")
    harvest[campaign] = rng.uniform(0.5, 0.9, len(campaign))
    # a public harness: one prompt, one client, one configuration, but independent people; they harvest too
    plant(cols, harness, template="harness", client="agent/1.0", config="8192|0.0")
    harvest[harness] = rng.uniform(0.4, 0.9, len(harness))

    groups = coordinated_groups(to_table(cols), harvest)
    found = np.unique(np.concatenate([g.members for g in groups])) if groups else np.empty(0, int)
    assert set(campaign.tolist()) <= set(found.tolist())
    assert not set(found.tolist()) & set(harness.tolist())
    merged = merge_groups(groups, n)
    homes = [u for u in merged if set(u.members.tolist()) & set(campaign.tolist())]
    assert len(homes) == 1  # one operator, one campaign
    assert set(homes[0].members.tolist()) == set(campaign.tolist())
    g = min(groups, key=lambda g: g.log10p)
    assert 0.5 <= g.risk <= 1.0
    assert {x["facet"] for x in g.coupled} >= {"payment", "signup_day", "shift"}


def test_a_coupled_group_that_does_not_harvest_is_not_a_campaign():
    rng = np.random.default_rng(5)
    n = 2000
    cols = population(rng, n)
    org = rng.choice(n, 12, replace=False)  # one company's seats: one card, one NAT, nightly jobs
    plant(cols, org, template="nightly", payment="corp", network="192.0.2", shift="00000011")
    harvest = rng.uniform(0, 0.25, n)
    assert coordinated_groups(to_table(cols), harvest) == []
    harvest[org] = 0.8
    assert coordinated_groups(to_table(cols), harvest)


def test_weak_facets_alone_never_make_a_group():
    """A research programme's cohort: one benchmark template, one sign-up path, similar volume."""
    rng = np.random.default_rng(6)
    n = 2000
    cols = population(rng, n)
    cols["signup_path"] = ["self_serve"] * n
    cohort = rng.choice(n, 30, replace=False)
    plant(cols, cohort, template="bench", signup_path="research_program", volume="9")
    harvest = np.full(n, 0.6)
    assert coordinated_groups(to_table(cols), harvest) == []


def test_small_coincidences_stay_below_the_bar():
    rng = np.random.default_rng(7)
    n = 2000
    cols = population(rng, n)
    pair = rng.choice(n, 5, replace=False)
    plant(cols, pair, template="shared", volume="3")
    cols["shift"][int(pair[0])] = cols["shift"][int(pair[1])]
    assert coordinated_groups(to_table(cols), np.full(n, 0.9), CoordinationParams()) == []


def test_groups_absorb_overlapping_campaigns_and_ids_follow_members():
    from distillguard.linking.campaigns import Campaign, campaign_id
    from distillguard.linking.coordination import CoordinatedGroup, Unit

    ids = np.array([f"a{i}" for i in range(12)], dtype=object)
    old = Campaign(campaign_id(["a0", "a1", "a2"]), np.array([0, 1, 2]), 0.7, 0.5, 0.6, {"ip": 1.0},
                   np.array([1.0, 1.0, 1.0]))
    other = Campaign(campaign_id(["a7", "a8", "a9"]), np.array([7, 8, 9]), 0.8, 0.5, 0.6, {"payment": 1.0},
                     np.array([2.0, 2.0, 2.0]))
    g = CoordinatedGroup(np.array([1, 2, 3, 4, 5, 6]), ("template", "t"),
                         [{"facet": "payment", "value": "c", "count": 4, "expected": 0.1, "log10p": -20.0}],
                         -20.0, 0.8, -10.0)
    out = coordination_campaigns([old, other], [Unit(g.members, [g])], ids)
    assert len(out) == 2
    merged = next(c for c in out if 0 in c.members.tolist())
    assert merged.members.tolist() == [0, 1, 2, 3, 4, 5, 6]
    assert merged.campaign_id == campaign_id([f"a{i}" for i in range(7)])
    assert merged.risk == max(0.7, g.risk) and "coordination" in merged.evidence and "ip" in merged.evidence
    assert merged.strength.tolist()[:3] == [1.0, 2.0, 2.0]  # account 0 is tied only by the old evidence
    # ... and its evidence is the old campaign's alone: shares and reasons count each member's own ties
    assert merged.evidence == {"coordination": round(6 / 7, 4), "ip": round(3 / 7, 4)}
    d = decide(np.full(12, 0.9), [""] * 12, [merged], Policy())
    assert "(same source IP address)" in d.reasons[0] and "acts as one" not in d.reasons[0]
    assert "acts as one with them" in d.reasons[4] and "IP" not in d.reasons[4]
    # one shared account out of three is not the same operator: that account stays where it was
    g2 = CoordinatedGroup(np.array([3, 4, 5, 6, 7, 10, 11]), ("template", "u"), g.coupled, -20.0, 0.8, -10.0)
    out2 = coordination_campaigns([old, other], [Unit(g2.members, [g2])], ids)
    assert len(out2) == 3
    assert next(c for c in out2 if 7 in c.members.tolist()).members.tolist() == [7, 8, 9]
    assert next(c for c in out2 if 3 in c.members.tolist()).members.tolist() == [3, 4, 5, 6, 10, 11]
    assert any(c.campaign_id == other.campaign_id for c in out)


def test_a_configuration_two_operators_share_does_not_merge_them():
    from distillguard.linking.coordination import CoordinatedGroup, merge_groups

    def group(members, anchor):
        return CoordinatedGroup(np.array(members), anchor, [], -30.0, 0.8, -10.0)

    a, b = list(range(0, 20)), list(range(20, 36))
    groups = [group(a, ("template", "ta")), group(b, ("template", "tb")), group(a + b, ("config", "4096|0.7")),
              group(a[:18], ("client", "x"))]  # operator A's second pipeline value: the same accounts
    units = merge_groups(groups, 40)
    assert sorted(sorted(u.members.tolist()) for u in units) == [a, b]
    assert {len(u.parts) for u in units} == {1, 2}


def test_lead_cohorts_behind_one_value_at_neighbouring_volumes_are_one_unit():
    """A bucket's edge cuts one operator's rate, not its accounts; volumes far apart, or another value, do not merge."""
    from distillguard.linking.coordination import CoordinatedGroup, merge_groups

    def cohort(members, value, rate):
        return CoordinatedGroup(np.array(members), ("template", value), [], -12.0, 0.8, -6.0, rate=rate)

    at7, at8, at9, far = list(range(0, 12)), list(range(12, 20)), list(range(20, 26)), list(range(26, 34))
    other = list(range(34, 40))
    groups = [cohort(at7, "public", "7"), cohort(at8, "public", "8"), cohort(at9, "public", "9"),
              cohort(far, "public", "3"), cohort(other, "elsewhere", "8")]
    units = merge_groups(groups, 40)
    assert sorted(sorted(u.members.tolist()) for u in units) == [at7 + at8 + at9, far, other]
    assert max(len(u.parts) for u in units) == 3
    # span 0: each volume its own unit, as before
    assert len(merge_groups(groups, 40, rate_span=0)) == 5
    # a plain cohort (no volume) on the same value is not merged by the volume rule
    plain = CoordinatedGroup(np.array(far), ("template", "public"), [], -12.0, 0.8, -6.0)
    assert len(merge_groups([cohort(at7, "public", "7"), plain], 40)) == 2


def _cases(module: str = "coordination", finding: str = "CoordinatedGroupFinding") -> list[dict]:
    """The declared cases in `linking/<module>.cases.yaml`, checked to belong to that finding."""
    import importlib
    from pathlib import Path

    import yaml

    mod = importlib.import_module(f"distillguard.linking.{module}")
    doc = yaml.safe_load((Path(mod.__file__).with_name(f"{module}.cases.yaml")).read_text())
    assert doc["finding"] == getattr(mod, finding).id
    return doc["cases"]


def case_resends(rng: np.random.Generator, planted: list[dict], where: dict[str, np.ndarray], n: int, n_bg: int):
    """The resent requests of a case's groups (None when no group resends).

    `resend: {requests, share, outside, exchanges, answer_tokens}`: each member spends `share` of its
    `exchanges` (default 50; every other account sends 50) on a closed set of `requests` requests, which
    that share of the background accounts also send; its answers average `answer_tokens` output tokens
    (default 200, as every other account's).
    """
    from distillguard.linking.resends import Resends

    rows: list[tuple[int, int, int]] = []
    exchanges = np.full(n, 50)
    answers = np.full(n, 200.0)
    for k, p in enumerate(planted):
        if "resend" not in p:
            continue
        r = p["resend"]
        exchanges[where[p["name"]]] = r.get("exchanges", 50)
        answers[where[p["name"]]] = r.get("answer_tokens", 200.0)
        senders = np.concatenate([where[p["name"]], np.flatnonzero(rng.random(n_bg) < r.get("outside", 0.0))])
        for a in senders.tolist():
            counts = np.bincount(rng.integers(0, r["requests"], int(exchanges[a] * r["share"])), minlength=r["requests"])
            rows += [(a, 1000 * (k + 1) + q, int(c)) for q, c in enumerate(counts.tolist()) if c]
    if not rows:
        return None
    acc, req, cnt = zip(*rows, strict=True)
    table = pa.table({"account": pa.array(acc, pa.int64()), "request": pa.array(req, pa.uint64()),
                      "n": pa.array(cnt, pa.int64())})
    p = CoordinationParams()
    return Resends.of(table, exchanges, p.min_accounts, p.min_lift, p.max_common, answers)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_declared_cases(case):
    rng = np.random.default_rng(case["background"]["seed"])
    n_bg = case["background"]["accounts"]
    planted = case["plant"]
    n = n_bg + sum(p["accounts"] for p in planted)
    cols = population(rng, n)
    cols.setdefault("first_day", ["2026-03-02"] * n)
    cols.setdefault("wrapper", [None] * n)
    cols.setdefault("partner", [None] * n)
    cols.setdefault("asn", [None] * n)
    cols.setdefault("signup_path", ["self_serve"] * n)
    cols.setdefault("email_domain", [f"mail{rng.integers(0, 50)}.example" for _ in range(n)])
    cols.setdefault("last_day", [f"2026-03-{10 + i % 18:02d}" for i in range(n)])   # no draw: earlier cases keep theirs
    harvest = rng.uniform(0, 0.25, n)
    extraction = harvest.copy()
    orgs = np.array([f"org{i}" for i in range(n)], dtype=object)   # everyone their own organisation
    where = plant_case(rng, cols, harvest, n_bg, planted, extraction, orgs)
    groups = coordinated_groups(to_table(cols), harvest, extraction=extraction, orgs=orgs,
                                resends=case_resends(rng, planted, where, n, n_bg))
    found = members_of([g for g in groups if not g.crowd])   # a crowd forms no campaign
    target = set(where[case["target"]].tolist())
    if case["expect"] == "hit":
        assert len(found & target) >= 0.9 * len(target)
    else:
        assert not found & target
    if case.get("crowd"):   # set aside as a crowd: found, coupled only on where and when it started
        assert len(members_of([g for g in groups if g.crowd]) & target) >= 0.9 * len(target)


@pytest.mark.parametrize("seed", range(3))
def test_two_operators_behind_one_configuration_split_into_two_groups(seed):
    # Two operators send one configuration (the anchor); each has its own cards, sign-up day and hours.
    rng = np.random.default_rng(seed)
    n = 3000
    cols = population(rng, n)
    harvest = rng.uniform(0, 0.25, n)
    a, b = np.arange(0, 30), np.arange(30, 55)
    plant(cols, np.concatenate([a, b]), config="4096|0.7")
    plant(cols, a, payment="card-a", shift="11100000", signup_day="2026-03-05")
    plant(cols, b, payment="card-b", shift="00000111", signup_day="2026-03-06")
    harvest[:55] = 0.8
    groups = coordinated_groups(to_table(cols), harvest)
    homes = {frozenset(g.members.tolist()) for g in groups if set(g.members.tolist()) & set(range(55))}
    assert homes == {frozenset(a.tolist()), frozenset(b.tolist())}


def test_a_member_reason_names_what_ties_it_and_how_rare_that_is():
    from distillguard.decisions.policy import Policy, decide
    from distillguard.linking.coordination import CoordinatedGroup, Unit

    ids = np.array([f"a{i}" for i in range(8)], dtype=object)
    g = CoordinatedGroup(np.arange(6), ("template", "t"),
                         [{"facet": "network", "value": "198.51.100", "count": 6, "expected": 0.1, "log10p": -20.0,
                           "lift": 300.0}], -20.0, 0.8, -10.0)
    camps = coordination_campaigns([], [Unit(g.members, [g])], ids)
    d = decide(np.zeros(8), [""] * 8, camps, Policy())
    assert d.flagged[:6].all() and not d.flagged[6:].any()
    assert "network prefix 198.51.100 (300x as common as among other accounts)" in d.reasons[0]
    assert "one prompt template" in d.reasons[0]


def test_a_group_names_how_many_accounts_send_its_anchor():
    # 20 accounts send a template 2 other accounts send too, on one card and one sign-up day: the
    # group's evidence says how many accounts send the template in all, so an analyst sees it is theirs.
    from distillguard.linking.coordination import explain, explain_short

    rng = np.random.default_rng(12)
    n = 3000
    cols = population(rng, n)
    cols["email_domain"] = [f"mail{rng.integers(0, 50)}.example" for _ in range(n)]
    harvest = rng.uniform(0, 0.25, n)
    seats = np.arange(20)
    plant(cols, np.concatenate([seats, [100, 200]]), template="own-wrapper")
    plant(cols, seats, signup_day="2025-12-26", email_domain="quanta.example", payment="card-q")
    harvest[seats] = 0.5
    groups = [g for g in coordinated_groups(to_table(cols), harvest) if g.anchor == ("template", "own-wrapper")]
    assert len(groups) == 1 and set(groups[0].members.tolist()) == set(seats.tolist())
    assert groups[0].anchor_holders == 22
    assert "own-wrapper, sent by 22 accounts in all" in explain(groups, np.arange(n))
    assert "one prompt template (20 of the 22 accounts that send it)" in explain_short(groups)


def test_seats_of_one_declared_organisation_are_no_group_and_other_groups_stay():
    # Two groups with the same kind of coupling: 25 seats of one organisation (a company's engineers)
    # and 25 accounts each in its own organisation (an operator's). Only the second is a group.
    from distillguard.linking.coordination import CoordinationParams, org_seat_share

    rng = np.random.default_rng(13)
    n = 3000
    cols = population(rng, n)
    harvest = rng.uniform(0, 0.25, n)
    team, op = np.arange(0, 25), np.arange(25, 50)
    plant(cols, team, template="acme-harness", payment="acme-card", network="203.0.113")
    plant(cols, op, template="op-wrapper", payment="op-card", network="198.51.100")
    harvest[:50] = 0.6
    orgs = np.array([f"org{i}" for i in range(n)], dtype=object)
    orgs[team[:20]] = "acme"   # 20 of 25 seats of one organisation: most of the group
    aside: list = []
    found = members_of(coordinated_groups(to_table(cols), harvest, orgs=orgs, set_aside=aside))
    assert not found & set(team.tolist()) and set(op.tolist()) <= found
    # the team is kept for review: organisations.parquet names the organisation and its accounts
    from distillguard.outputs.tables import organisations_table

    assert [set(g.members.tolist()) for g in aside] == [set(team.tolist())]
    ids = np.array([f"a{i:04d}" for i in range(n)], dtype=object)
    row = organisations_table(aside, ids).to_pylist()[0]
    assert row["organisation"] == "acme" and row["accounts"] == 25 and row["org_seats"] == 20
    assert row["account_ids"] == [f"a{i:04d}" for i in team] and row["anchor_value"] == "acme-harness"
    # the rule is the setting: above 1 it is off, and both groups form
    off = members_of(coordinated_groups(to_table(cols), harvest, CoordinationParams(max_org_seat_share=2.0), orgs=orgs))
    assert set(team.tolist()) | set(op.tolist()) <= off
    assert org_seat_share(orgs[team]) == 20 / 25 and org_seat_share(np.array([""] * 9, dtype=object)) == 0
    # two teams and seats whose logs carry no org id: every member counts (billed_orgs fills in
    # the undeclared seats first), so a few declared seats never make a whole group organisations'
    mixed = np.array(["a"] * 7 + [""] * 4 + ["b"] * 4 + [""], dtype=object)
    assert org_seat_share(mixed) == 11 / 16
    assert org_seat_share(np.array(["x"] * 5 + [""] * 95, dtype=object)) == 0.05
    assert org_seat_share(np.array([f"own{i}" for i in range(30)], dtype=object)) == 0.0


@pytest.mark.parametrize("case", _cases("cohorts", "LeadCohortFinding"), ids=lambda c: c["name"])
def test_declared_lead_cohort_cases(case):
    from distillguard.linking.cohorts import lead_cohorts

    bar = CoordinationParams().lead_min_risk
    bg = case["background"]
    rng = np.random.default_rng(bg["seed"])
    planted = case["plant"]
    n = bg["accounts"] + sum(p["accounts"] for p in planted)
    cols = population(rng, n)
    cols["wrapper"] = [None] * n
    cols["asn"] = [None] * n
    # harvest targets of ordinary customers: most harvest nothing, many code, a few grade or reason
    cols["target"] = rng.choice(np.array([None, "coding", "coding+tool_use", "rubric_grading", "reasoning_elicitation"],
                                         dtype=object), n, p=[0.6, 0.25, 0.05, 0.05, 0.05]).tolist()
    harvest = rng.uniform(0, 0.25, n)
    # background: a `leads` share of independent customers above the bar, the rest below it
    risk = np.where(rng.random(n) < bg["leads"], rng.uniform(2 * bar, 0.3, n), rng.uniform(0, 0.8 * bar, n))
    orgs = np.array([f"own{i}" for i in range(n)], dtype=object)
    where = plant_case(rng, cols, harvest, bg["accounts"], planted, orgs=orgs)
    taken = np.zeros(n, dtype=bool)
    exchanges = rng.integers(2, 200, n)   # `exchanges`: a group's exchange count per account (default: 2-199)
    for p in planted:
        members, r = where[p["name"]], p["risk"]
        risk[members] = rng.uniform(r[0], r[1], len(members)) if isinstance(r, list) else r
        taken[members] = bool(p.get("grouped", False))  # already in a coordinated group or campaign
        exchanges[members] = p.get("exchanges", exchanges[members])
    params = CoordinationParams(lead_operator_anchors=case.get("operator_anchors", True),
                                lead_place_anchors=case.get("place_anchors", CoordinationParams.lead_place_anchors),
                                lead_rate_anchors=case.get("rate_anchors", True),
                                lead_rate_tied=case.get("rate_tied", CoordinationParams.lead_rate_tied),
                                lead_rate_coupled=case.get("rate_coupled", CoordinationParams.lead_rate_coupled),
                                lead_min_lift=case.get("min_lift", CoordinationParams.lead_min_lift))
    found = members_of(lead_cohorts(to_table(cols), risk, harvest, params, taken=taken, orgs=orgs,
                                    exchanges=exchanges))
    target = set(where[case["target"]].tolist())
    leads = {int(m) for m in where[case["target"]] if risk[m] >= bar and exchanges[m] >= params.lead_min_exchanges}
    if case["expect"] == "hit":
        assert len(found & leads) >= 0.9 * len(leads) and leads
        assert found & target <= leads  # only leads join a cohort
    else:
        assert not found & target


@pytest.mark.parametrize("seed", range(3))
def test_a_lead_cohort_becomes_one_campaign_whose_reason_names_its_anchor(seed):
    from distillguard.decisions.policy import Policy, decide
    from distillguard.linking.cohorts import lead_cohorts

    bar = CoordinationParams().lead_min_risk
    rng = np.random.default_rng(seed)
    n = 1500
    cols = population(rng, n)
    harvest = rng.uniform(0, 0.25, n)
    risk = rng.uniform(0, 0.8 * bar, n)
    op = rng.choice(n, 25, replace=False)
    plant(cols, op, config="8192|0.6", shift="00011110")
    risk[op] = rng.uniform(bar, 0.45, len(op))
    harvest[op] = 0.8
    groups = lead_cohorts(to_table(cols), risk, harvest)
    units = merge_groups(groups, n)
    ids = np.array([f"a{i}" for i in range(n)], dtype=object)
    camps = coordination_campaigns([], units, ids)
    d = decide(risk, [""] * n, camps, Policy())
    assert set(np.flatnonzero(d.flagged).tolist()) == set(op.tolist())
    assert f"mildly suspicious accounts own risk >= {bar:g}" in d.reasons[int(op[0])]


def _operator_and_team(seed: int, n: int, op_values: dict, team_values: dict, n_op: int, n_team: int):
    """Independent customers below the lead bar, an operator and a team of leads that harvest: (cols,
    risk, harvest, orgs (each its own), operator accounts, team accounts)."""
    bar = CoordinationParams().lead_min_risk
    rng = np.random.default_rng(seed)
    cols = population(rng, n)
    harvest = rng.uniform(0, 0.25, n)
    risk = rng.uniform(0, 0.8 * bar, n)
    op, team = np.arange(0, n_op), np.arange(n_op, n_op + n_team)
    plant(cols, op, **op_values)
    plant(cols, team, **team_values)
    risk[:n_op + n_team] = rng.uniform(bar, 0.45, n_op + n_team)
    harvest[:n_op + n_team] = 0.7
    return cols, risk, harvest, np.array([f"own{i}" for i in range(n)], dtype=object), op, team


def test_lead_cohorts_leave_grouped_accounts_and_organisations_seats_alone():
    """A cohort is what coordination did not find, and one organisation's seats are a customer."""
    from distillguard.linking.cohorts import lead_cohorts

    n = 2000
    cols, risk, harvest, orgs, op, team = _operator_and_team(
        21, n, dict(template="op-wrapper", shift="00011110"), dict(signup_day="2026-03-01", shift="11000011"), 30, 20)
    params = CoordinationParams(lead_operator_anchors=True)
    assert members_of(lead_cohorts(to_table(cols), risk, harvest, params, orgs=orgs)) == set(range(50))
    # the operator's accounts already grouped: nothing left to find behind its template
    taken = np.zeros(n, dtype=bool)
    taken[op] = True
    assert members_of(lead_cohorts(to_table(cols), risk, harvest, params, taken=taken, orgs=orgs)) == set(team.tolist())
    # the team's seats declare one organisation and pay with its card: set aside for review, not a cohort
    orgs[team] = "acme"
    plant(cols, team, payment="acme-card")
    aside: list = []
    assert members_of(lead_cohorts(to_table(cols), risk, harvest, params, orgs=orgs, set_aside=aside)) == set(op.tolist())
    assert aside and all(set(g.members.tolist()) == set(team.tolist()) for g in aside)  # on its day and its shift
    # without operator anchors the sign-up day anchors nothing
    off = CoordinationParams(lead_operator_anchors=False)
    assert members_of(lead_cohorts(to_table(cols), risk, harvest, off, orgs=np.array([""] * n, dtype=object))) \
        == set(op.tolist())


def test_rate_anchors_look_only_at_leads_the_values_left_ungrouped():
    """A cohort the values form (or set aside as one organisation's seats) is not found again at one volume."""
    from distillguard.linking.cohorts import lead_cohorts

    cols, risk, harvest, orgs, op, team = _operator_and_team(
        23, 2000, dict(template="op-tool", volume="8", shift="00011110"),
        dict(template="acme-tool", volume="8", signup_day="2026-03-01", payment="acme-card"), 25, 20)
    orgs[team] = "acme"
    aside: list = []
    groups = lead_cohorts(to_table(cols), risk, harvest, orgs=orgs, set_aside=aside)
    assert members_of(groups) == set(op.tolist())
    assert all(g.coupled[-1]["facet"] != "volume" for g in groups)   # formed by the values alone
    assert len(aside) >= 1 and members_of(aside) == set(team.tolist())
    # the same seats, once per value that anchored them, never again at one volume
    assert all(g.coupled[-1]["facet"] != "volume" for g in aside)


def _pairwise_parts(idx: np.ndarray, values: list[tuple[float, np.ndarray]], min_weight: float) -> list[list[int]]:
    """The definition, pair by pair: accounts whose common values weigh >= min_weight are tied."""
    held = np.stack([m[idx] for _, m in values], axis=1)
    w = np.array([x for x, _ in values])
    label = list(range(len(idx)))

    def find(a: int) -> int:
        while label[a] != a:
            a = label[a]
        return a

    for a in range(len(idx)):
        for b in range(a + 1, len(idx)):
            if (w * (held[a] & held[b])).sum() >= min_weight - 1e-9:
                label[find(b)] = find(a)
    parts: dict[int, list[int]] = {}
    for a in range(len(idx)):
        parts.setdefault(find(a), []).append(int(idx[a]))
    return sorted(parts.values())


@pytest.mark.property
@given(st.data())
@settings(max_examples=150, deadline=None)
def test_tied_parts_match_the_pairwise_definition(data):
    # Any weights (light ones that only tie in twos or threes), any holders: the same parts as
    # testing every pair of accounts, without forming the pairs.
    n = data.draw(st.integers(1, 14))
    n_values = data.draw(st.integers(1, 6))
    weights = data.draw(st.lists(st.sampled_from([0.25, 0.4, 0.5, 1.0, 1.5]), min_size=n_values, max_size=n_values))
    min_weight = data.draw(st.sampled_from([0.5, 1.0, 1.2]))
    anchor_size = n + data.draw(st.integers(0, 4))
    values = [(w, np.array(data.draw(st.lists(st.booleans(), min_size=anchor_size, max_size=anchor_size))))
              for w in weights]
    idx = np.array(sorted(data.draw(st.sets(st.integers(0, anchor_size - 1), min_size=n, max_size=n))))
    got = _tied_parts(idx, values, min_weight)
    assert sorted(sorted(p.tolist()) for p in got) == _pairwise_parts(idx, values, min_weight)
    # parts come in the order of their first account, each in ascending order
    assert [p.tolist() for p in got] == sorted((sorted(p.tolist()) for p in got), key=lambda p: p[0])


@pytest.mark.parametrize("filler", [0.0, 0.2, 0.4, 0.6])
def test_mundane_filler_does_not_hide_a_harvesting_group(filler):
    # One group's accounts: 80% of their extraction traffic harvests; the operator mixes `filler`
    # ordinary requests into every account, which scales both shares down by (1 - filler).
    from distillguard.linking.coordination import CoordinationParams, harvests

    p = CoordinationParams()
    rng = np.random.default_rng(int(filler * 10))
    extraction = rng.uniform(0.8, 1.0, 40) * (1 - filler)
    harvest = 0.8 * extraction
    assert harvests(harvest, extraction, p)
    # the bars on all traffic alone lose it once the filler is heavy: that is what the floor mends
    if filler >= 0.6:
        assert float(np.mean(harvest)) < p.min_harvest and float(np.mean(extraction)) < p.min_extraction


def test_a_group_that_barely_extracts_or_does_not_harvest_what_it_extracts_does_not_pass():
    from distillguard.linking.coordination import CoordinationParams, harvests

    p = CoordinationParams()
    # almost all ordinary traffic: below the floor, however its little extraction scores
    assert not harvests(np.full(20, 0.1), np.full(20, 0.1), p)
    # plenty of extraction-category traffic (a coding team), little of it harvest-shaped
    assert not harvests(np.full(20, 0.05), np.full(20, 0.4), p)
    # no extraction at all (nightly batch seats), and no division by zero
    assert not harvests(np.zeros(20), np.zeros(20), p)
    # without the extraction shares only the harvest bar applies
    assert harvests(np.full(5, 0.3), None, p) and not harvests(np.full(5, 0.29), None, p)


def test_evidence_names_a_probability_below_what_a_double_holds_without_infinity():
    from distillguard.linking.coordination import CoordinatedGroup, explain

    coupled = [{"facet": "asn", "value": "64500", "count": 1400, "expected": 3.2, "log10p": float("-inf"), "lift": 400.0},
               {"facet": "payment", "value": "card-x", "count": 1300, "expected": 0.1, "log10p": -250.0, "lift": 900.0}]
    g = CoordinatedGroup(np.arange(1400), ("template", "tpl-x"), coupled, float("-inf"), 0.6, -7.0, 1500)
    text = explain([g], np.arange(1400))
    assert "p<1e-300" in text and "p=1e-250" in text and "inf" not in text


def test_undeclared_seats_take_the_organisation_they_pay_as():
    from distillguard.linking.coordination import billed_orgs

    # accounts 0-3 declare acme and pay with card-a; 4-5 pay with card-a and declare nothing; 6 pays
    # with card-a and card-b (bravo's); 7 pays with card-z, which no declared account uses
    orgs = np.array(["acme"] * 4 + [""] * 2 + ["", ""] + ["bravo"], dtype=object)
    pay = [(i, "card-a") for i in range(7)] + [(6, "card-b"), (7, "card-z"), (8, "card-b")]
    facets = pa.table({"account": [a for a, _ in pay] + [0], "facet": ["payment"] * len(pay) + ["template"],
                       "value": [v for _, v in pay] + ["card-a"]})
    out = billed_orgs(orgs, facets)
    assert out.tolist() == ["acme"] * 6 + ["", "", "bravo"]
    assert orgs[4] == ""  # the input is left as it was


def test_evidence_says_how_many_accounts_outside_the_group_share_its_whole_combination():
    from distillguard.linking.coordination import explain

    rng = np.random.default_rng(21)
    n = 3000
    cols = population(rng, n)
    harvest = rng.uniform(0, 0.25, n)
    op = np.arange(0, 30)
    plant(cols, op, template="op-wrapper", payment="op-card", network="198.51.100", signup_day="2026-01-15")
    harvest[op] = 0.6
    # 3 accounts elsewhere use the same card and network and signed up the same day, without the wrapper
    plant(cols, np.array([100, 101, 102]), payment="op-card", network="198.51.100", signup_day="2026-01-15")
    groups = [g for g in coordinated_groups(to_table(cols), harvest) if g.anchor == ("template", "op-wrapper")]
    assert len(groups) == 1 and set(groups[0].members.tolist()) == set(op.tolist())
    g = groups[0]
    assert {x["facet"] for x in g.coupled} >= {"payment", "network", "signup_day"}
    assert g.outside_counts() == (3, 0) and g.outside_counts(np.array([100, 101])) == (1, 0)
    assert "outside the group 3 accounts match it on all" in explain(groups, np.arange(n))
    assert "outside the campaign 1 account matches it on all" in explain(groups, np.arange(n),
                                                                       campaign=np.concatenate([op, [100, 101]]))
    # without the look-alikes, nobody outside matches
    cols2 = population(np.random.default_rng(21), n)
    plant(cols2, op, template="op-wrapper", payment="op-card", network="198.51.100", signup_day="2026-01-15")
    g2 = [g for g in coordinated_groups(to_table(cols2), harvest) if g.anchor == ("template", "op-wrapper")][0]
    assert g2.outside_counts() == (0, 0) and "outside the group no account matches it on all" in explain([g2], np.arange(n))


def test_partner_tokens_become_partner_anchors_in_the_facets():
    """`partner_indicator` tokens (linking/partner.py) are the `partner` pipeline facet; other kinds are not."""
    from distillguard.linking.coordination import PIPELINE_FACETS, account_facets

    ids = np.array(["a", "b", "c"], dtype=object)
    tokens = pa.table({"account_id": ["a", "b", "c", "a"],
                       "kind": ["partner_indicator", "partner_indicator", "payment", "ip"],
                       "value": ["campaign--x", "campaign--x", "card-1", "192.0.2.1"]})
    fp = pa.table({"account_id": pa.array([], pa.string())})
    facets = account_facets(tokens, fp, ids, np.array(["", "", ""], dtype=object))
    rows = set(zip(facets["account"].to_pylist(), facets["facet"].to_pylist(), facets["value"].to_pylist(),
                   strict=True))
    assert {(0, "partner", "campaign--x"), (1, "partner", "campaign--x"), (2, "payment", "card-1")} == rows
    assert "partner" in PIPELINE_FACETS


def test_a_campaign_formed_on_values_no_token_names_shows_them_as_indicators():
    from distillguard.linking.coordination import CoordinatedGroup, anchor_indicators

    day = CoordinatedGroup(np.arange(6), ("signup_day", "2026-03-09"), anchor_holders=7)
    tpl = CoordinatedGroup(np.arange(3, 9), ("template", "tpl-1"), anchor_holders=6)
    again = CoordinatedGroup(np.arange(2), ("signup_day", "2026-03-09"))
    got = anchor_indicators([day, tpl, again], {"tpl-1": "Solve: <num>"})
    assert got == [{"kind": "signup_day", "value": "2026-03-09", "accounts": 6, "accounts_total": 7},
                   {"kind": "prompt_template", "value": "Solve: <num>", "accounts": 6, "accounts_total": 6}]


def test_the_harvest_target_is_the_set_of_extraction_categories_an_account_sends_enough_of():
    """`target` facet: extraction categories at `target_min_share` of the account's traffic, mundane ones aside."""
    from distillguard.linking.coordination import PIPELINE_FACETS, account_facets

    ids = np.array(["a", "b", "c", "d"], dtype=object)
    tokens = pa.table({"account_id": pa.array([], pa.string()), "kind": pa.array([], pa.string()),
                       "value": pa.array([], pa.string())})
    fp = pa.table({"account_id": ["a", "b", "c", "d"],
                   "category_mix": ['{"rubric_grading":0.3,"other":0.6,"vision":0.1}',   # filler aside
                                    '{"vision":0.12,"rubric_grading":0.8,"coding":0.08}',  # 8% is below the bar
                                    '{"other":0.9,"roleplay":0.1}',                       # nothing harvested
                                    None]})
    facets = account_facets(tokens, fp, ids, np.array(["", "", "", ""], dtype=object))
    target = {a: v for a, f, v in zip(facets["account"].to_pylist(), facets["facet"].to_pylist(),
                                      facets["value"].to_pylist(), strict=True) if f == "target"}
    assert target == {0: "rubric_grading+vision", 1: "rubric_grading+vision"}
    assert "target" in PIPELINE_FACETS
    off = account_facets(tokens, fp, ids, np.array(["", "", "", ""], dtype=object),
                         CoordinationParams(target_min_share=1.5))
    assert "target" not in off["facet"].to_pylist()
    strict = account_facets(tokens, fp, ids, np.array(["", "", "", ""], dtype=object),
                            CoordinationParams(target_min_share=0.2))
    assert sorted(v for f, v in zip(strict["facet"].to_pylist(), strict["value"].to_pylist(), strict=True)
                  if f == "target") == ["rubric_grading", "rubric_grading"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_value_of_many_a_proxy_pool_spans_ties_no_ordinary_customer_to_the_group(seed):
    """An operator's accounts rotate through twenty residential ISPs, most of them each; half of
    all customers live on one of them. A customer of the anchor on one of those ISPs whose
    working hours happen to be the operator's is no member (DG-LNK-0001 v8): holding one of
    twenty values is what half the population does."""
    rng = np.random.default_rng(seed)
    n = 4000
    cols = population(rng, n)
    isps = [f"isp{i}" for i in range(20)]
    asn = {i: [str(rng.choice(isps)) if rng.random() < 0.5 else f"as{rng.integers(0, 2000)}"] for i in range(n)}
    harvest = rng.uniform(0, 0.25, n)
    op = rng.choice(n, 300, replace=False)
    rest = np.setdiff1d(np.arange(n), op)
    users = rng.choice(rest, 60, replace=False)   # ordinary customers of the same coding harness
    plant(cols, op, template="agent", shift="11111110")
    plant(cols, users, template="agent")
    for m in op.tolist():
        asn[m] = [str(x) for x in rng.choice(isps, 15, replace=False)]
    unlucky = users[:12]
    plant(cols, unlucky, shift="11111110")        # the operator's hours, by chance
    for m in unlucky.tolist():
        asn[m] = [str(rng.choice(isps))]
    harvest[op] = rng.uniform(0.5, 0.9, len(op))
    harvest[users] = rng.uniform(0.4, 0.9, len(users))
    table = to_table(cols)
    extra = [(i, "asn", v) for i, vs in asn.items() for v in vs]
    table = pa.concat_tables([table, pa.table({"account": pa.array([e[0] for e in extra], pa.int64()),
                                               "facet": pa.array([e[1] for e in extra], pa.string()),
                                               "value": pa.array([e[2] for e in extra], pa.string())})])

    groups = coordinated_groups(table, harvest)
    found = members_of(groups)
    assert set(op.tolist()) <= found
    assert not found & set(unlucky.tolist())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_customer_in_the_operators_cloud_with_a_startups_traits_is_no_member(seed):
    """Start-ups' hosted apps send the SDK template an agentic operator also uses, from the cloud its
    proxies run in, signed up through the start-up programme with start-up e-mail domains, as its
    accounts did. One strong value and a kind of customer's declared traits do not make a member
    (DG-LNK-0001 v9): the operator's accounts also share its hours and sign-up days."""
    rng = np.random.default_rng(seed)
    n = 4000
    cols = population(rng, n)
    cols["asn"] = [f"as{rng.integers(0, 3000)}" for _ in range(n)]
    cols["signup_path"] = [str(rng.choice(["self_serve", "education", "startup_program"], p=[0.9, 0.07, 0.03]))
                           for _ in range(n)]
    cols["email_domain"] = [f"mail{rng.integers(0, 50)}.example" for _ in range(n)]
    harvest = rng.uniform(0, 0.25, n)
    op = rng.choice(n, 200, replace=False)
    rest = np.setdiff1d(np.arange(n), op)
    apps = rng.choice(rest, 40, replace=False)
    plant(cols, op, template="sdk", asn="cloud-9", shift="01111111", signup_day="2026-02-28",
          signup_path="startup_program")
    plant(cols, apps, template="sdk", asn="cloud-9", signup_path="startup_program")
    for k, m in enumerate(np.concatenate([op, apps]).tolist()):
        cols["email_domain"][m] = f"startup{k % 8}.example.io"
    harvest[op] = rng.uniform(0.5, 0.9, len(op))
    harvest[apps] = rng.uniform(0.3, 0.6, len(apps))

    found = members_of(coordinated_groups(to_table(cols), harvest))
    assert set(op.tolist()) <= found
    assert not found & set(apps.tolist())


def test_an_organisation_is_one_customer_only_when_billed_as_one():
    """DG-LNK-0001 version 10: seats that each pay with their own card lose their organisation's name
    for the set-aside; a company paying with one card, and one whose logs carry no payment, keep it."""
    from distillguard.linking.coordination import billed_as_one

    orgs = np.array(["acme"] * 4 + ["shell"] * 4 + ["nolog"] * 3 + ["solo", ""], dtype=object)
    cols = {"payment": ["acme-card"] * 3 + ["acme-2"] + [f"own{i}" for i in range(4)] + [None] * 3 + ["s", "x"]}
    got = billed_as_one(orgs, to_table(cols), 0.5)
    assert got.tolist() == ["acme"] * 4 + [""] * 4 + ["nolog"] * 3 + ["solo", ""]
    assert billed_as_one(orgs, to_table(cols), 0.0) is orgs        # off: every organisation keeps its name
    assert billed_as_one(orgs, to_table(cols), 0.8).tolist()[:4] == [""] * 4   # 3 of 4 on one card < 0.8


@pytest.mark.parametrize("seed", range(3))
def test_a_crowd_forms_no_campaign_and_no_lead_cohort_gathers_it_again(seed):
    """DG-LNK-0001 version 15 through `linking.run.coordinate`: fifty leads that met at one event (one sign-up
    day, the venue's network and path, a starter prompt, gone the next day) are set aside as a crowd, and the
    lead cohorts, which would gather them behind the venue's network, do not; with `min_run_facets = 0` they
    form a campaign."""
    import dataclasses

    from distillguard.linking.run import coordinate
    from distillguard.settings import load_settings

    rng = np.random.default_rng(seed)
    n_bg, n = 2000, 2050
    cols = population(rng, n)
    for name in ("wrapper", "asn", "partner"):
        cols[name] = [None] * n
    cols["first_day"] = ["2026-03-02"] * n
    cols["last_day"] = [f"2026-03-{10 + i % 18:02d}" for i in range(n)]
    cols["signup_path"] = ["self_serve"] * n
    crowd = np.arange(n_bg, n)
    plant(cols, crowd, wrapper="starter", signup_day="2026-03-14", network="198.51.100", last_day="2026-03-15",
          signup_path="hackathon")
    harvest = rng.uniform(0, 0.25, n)
    harvest[crowd] = 0.5
    risk = np.where(rng.random(n) < 0.05, rng.uniform(0.1, 0.3, n), rng.uniform(0, 0.08, n))
    risk[crowd] = rng.uniform(0.15, 0.45, len(crowd))   # each mildly suspicious: leads
    active = np.array([f"acct_{i:05d}" for i in range(n)], dtype=object)
    fp = pa.table({"account_id": pa.array(active.tolist(), pa.string())})
    templates = pa.table({"template_id": pa.array([], pa.string()), "skeleton": pa.array([], pa.string())})
    orgs = np.array([f"own{i}" for i in range(n)], dtype=object)

    def campaign_members(min_run_facets: int) -> tuple[set[int], list]:
        shipped = load_settings()
        settings = dataclasses.replace(shipped, coordination=dataclasses.replace(
            shipped.coordination, min_run_facets=min_run_facets))
        aside: list = []
        campaigns = coordinate(None, fp, active, to_table(cols), [], templates, settings, 2.0, risk, aside,
                               harvest=harvest, extraction=harvest.copy(), orgs=orgs)
        return {int(m) for c in campaigns for m in c.members}, aside

    held, aside = campaign_members(1)
    assert not held & set(crowd.tolist())
    assert [g for g in aside if g.crowd] and all(set(g.members.tolist()) <= set(crowd.tolist()) for g in aside if g.crowd)
    from distillguard.outputs.tables import organisations_table

    listed = organisations_table(aside, active).to_pylist()
    assert {r["set_aside_as"] for r in listed} == {"crowd"} and all(r["organisation"] == "" for r in listed)
    held_off, _ = campaign_members(0)
    assert len(held_off & set(crowd.tolist())) >= 0.9 * len(crowd)


@pytest.mark.parametrize("seed", range(3))
def test_leads_at_one_place_are_a_cohort_only_with_place_anchors(seed):
    """Version 15 of DG-LNK-0002: mildly suspicious accounts on one network (a venue, a campus) anchor no cohort;
    with lead_place_anchors they do, and an operator's leads behind one shift are found either way."""
    from distillguard.linking.cohorts import lead_cohorts

    rng = np.random.default_rng(seed)
    n = 2000
    cols = population(rng, n)
    cols["email_domain"] = [None] * n
    cols["signup_path"] = [None] * n
    risk = rng.uniform(0.0, 0.05, n)
    harvest = rng.uniform(0.0, 0.2, n)
    venue, op = np.arange(40), np.arange(40, 70)
    # the venue's participants: its network, the campus e-mail domain and the education path (weak facets, a
    # second tie but no anchor); each its own wrapper and hours
    plant(cols, venue, network="198.51.100", email_domain="campus.example", signup_path="education")
    plant(cols, op, shift="00111100", signup_day="2026-03-09")   # an operator's accounts made one day, run one shift
    risk[:70] = rng.uniform(0.15, 0.45, 70)
    harvest[:70] = 0.6
    off = members_of(lead_cohorts(to_table(cols), risk, harvest, CoordinationParams()))
    assert not off & set(venue.tolist())   # no anchor on the venue's network
    assert len(off & set(op.tolist())) >= 27
    on = members_of(lead_cohorts(to_table(cols), risk, harvest, CoordinationParams(lead_place_anchors=True)))
    assert len(on & set(venue.tolist())) >= 36 and len(on & set(op.tolist())) >= 27
