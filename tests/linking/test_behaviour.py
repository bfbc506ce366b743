"""Behaviour-profile edges: same request configuration and near profiles, among flagged accounts only."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from distillguard.decisions import Policy, decide
from distillguard.linking import behaviour_edges, behaviour_profiles, build_graph, content_campaigns, recruit_leads
from distillguard.linking.graph import with_edges


def fingerprints(seed: int = 0, harness: int = 12, config: tuple[int, float] = (4096, 0.7)) -> pa.Table:
    """A population of varied accounts plus one harness run by `harness` accounts (same config and habits)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(300):  # ordinary customers: every habit varies
        rows.append({"account_id": f"u{i:03d}", "max_tokens_mode": int(rng.choice([1024, 4096, 8192])),
                     "temperature_mode": float(rng.choice([0.0, 0.7, 1.0])), "hour_entropy": rng.uniform(0.2, 0.9),
                     "single_turn_share": rng.uniform(0, 1), "harvest_mean": rng.uniform(0, 0.4),
                     "browser_ua_share": float(rng.integers(0, 2)), "mean_output_tokens": rng.uniform(50, 2000),
                     "category_mix": json.dumps({"other": 1.0})})
    for i in range(harness):  # one harness: same configuration, near-identical behaviour, own noise
        rows.append({"account_id": f"h{i:02d}", "max_tokens_mode": config[0], "temperature_mode": config[1],
                     "hour_entropy": 0.8 + rng.normal(0, 0.01), "single_turn_share": 0.7 + rng.normal(0, 0.02),
                     "harvest_mean": 0.9 + rng.normal(0, 0.01), "browser_ua_share": 1.0,
                     "mean_output_tokens": 1500 + rng.normal(0, 30),
                     "category_mix": json.dumps({"synthetic_data": 0.6, "rubric_grading": 0.4})})
    return pa.Table.from_pylist(rows)


def no_tokens() -> pa.Table:
    """A token table with no rows: a graph of behaviour edges only."""
    return pa.table({"account_id": pa.array([], pa.string()), "kind": pa.array([], pa.string()),
                     "value": pa.array([], pa.string())})


def test_harness_accounts_link_and_customers_do_not():
    fp = fingerprints()
    ids = np.array(fp.column("account_id").to_pylist(), dtype=object)
    profiles, keys = behaviour_profiles(fp, ids)
    assert np.allclose(np.linalg.norm(profiles, axis=1), 1.0)
    harness = np.flatnonzero([a.startswith("h") for a in ids])
    customers = np.flatnonzero([a.startswith("u") for a in ids])[:40]
    i, j, w = behaviour_edges(profiles, keys, np.concatenate([harness, customers]))
    pairs = {(min(a, b), max(a, b)) for a, b in zip(i.tolist(), j.tolist(), strict=True)}
    inside = {(a, b) for a, b in pairs if a in set(harness) and b in set(harness)}
    assert len(inside) >= 0.9 * len(harness) * (len(harness) - 1) / 2
    assert len(pairs - inside) <= 2  # a customer may resemble the harness by chance, rarely
    assert ((w >= 0.5) & (w <= 1.0)).all()
    assert all(keys[a] == keys[b] for a, b in pairs)


def test_different_request_configuration_never_links():
    fp = fingerprints()
    ids = np.array(fp.column("account_id").to_pylist(), dtype=object)
    temps = fp.column("temperature_mode").to_pylist()
    for k in range(300, 306):  # half the harness now sends temperature 1.0
        temps[k] = 1.0
    fp = fp.set_column(fp.schema.get_field_index("temperature_mode"), "temperature_mode", pa.array(temps))
    profiles, keys = behaviour_profiles(fp, ids)
    harness = np.arange(300, 312)
    i, j, _ = behaviour_edges(profiles, keys, harness)
    assert len(i) > 0
    assert not any((a < 306) != (b < 306) for a, b in zip(i.tolist(), j.tolist(), strict=True))


def test_a_configuration_most_customers_send_links_no_one():
    """An SDK default: the harness's configuration is sent by most of the population; above
    `max_key_share` of all accounts it links nothing, at or below it the harness links as before."""
    fp = fingerprints()
    ids = np.array(fp.column("account_id").to_pylist(), dtype=object)
    profiles, keys = behaviour_profiles(fp, ids)
    harness = np.arange(300, 312)
    share = float(np.mean(keys == keys[300]))   # the harness plus the customers that send 4096 | 0.7
    assert 0.02 < share < 0.2
    assert len(behaviour_edges(profiles, keys, harness, max_key_share=share)[0]) > 0
    assert len(behaviour_edges(profiles, keys, harness, max_key_share=share - 0.01)[0]) == 0
    # other configurations are unaffected: a rarer key still links under the same bar
    keys2 = keys.copy()
    keys2[300:312] = "2048|0.3"
    assert len(behaviour_edges(profiles, keys2, harness, max_key_share=share - 0.01)[0]) > 0


def test_behaviour_edges_group_flagged_accounts_into_one_campaign():
    fp = fingerprints(seed=3)
    ids = np.array(fp.column("account_id").to_pylist(), dtype=object)
    graph = build_graph(no_tokens(), ids)
    harness = np.arange(300, 312)
    risk = np.zeros(len(ids))
    risk[harness] = 0.9
    assert content_campaigns(graph, harness, risk) == []  # no shared evidence: nothing groups them
    profiles, keys = behaviour_profiles(fp, ids)
    graph = with_edges(graph, {"behaviour": behaviour_edges(profiles, keys, harness)})
    found = content_campaigns(graph, harness, risk)
    assert len(found) == 1 and sorted(found[0].members.tolist()) == harness.tolist()
    assert "behaviour" in found[0].evidence


def test_customer_kind_evidence_alone_joins_no_two_flagged_groups():
    """Two harnesses, each tied inside by behaviour, three accounts of each also sharing a mail
    domain and a client stack across both: one group each."""
    ids = np.array([f"a{i:02d}" for i in range(24)], dtype=object)
    bridge = [0, 1, 2, 12, 13, 14]
    rows = [{"account_id": ids[a], "kind": "email_domain", "value": "lab.example.org"} for a in bridge]
    rows += [{"account_id": ids[a], "kind": "client_stack", "value": "64500|tool/2|tls"} for a in bridge]
    graph = build_graph(pa.Table.from_pylist(rows), ids)
    one, two = np.arange(0, 12), np.arange(12, 24)
    pairs = [(a, b) for g in (one, two) for a in g for b in g if a < b]
    i, j = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    graph = with_edges(graph, {"behaviour": (i, j, np.full(len(i), 0.9))})
    risk = np.full(len(ids), 0.9)
    found = sorted(sorted(c.members.tolist()) for c in content_campaigns(graph, np.arange(24), risk))
    assert found == [one.tolist(), two.tolist()]
    # the shared mail domain and client stack weigh enough on their own to join the two ...
    assert graph.total[0, 12] >= 0.3
    # ... and a single behaviour tie across the harnesses does join them
    graph = with_edges(graph, {"behaviour": (np.concatenate([i, [0]]), np.concatenate([j, [12]]),
                                             np.full(len(i) + 1, 0.9))})
    assert [len(c.members) for c in content_campaigns(graph, np.arange(24), risk)] == [24]


def test_signature_evidence_alone_joins_no_two_flagged_accounts():
    """Behavioural signatures restate which templates an account uses (a public harness gives many
    operators the same): signature ties alone group no one; with a template they do."""
    ids = np.array([f"a{i:02d}" for i in range(12)], dtype=object)
    pairs = [(a, b) for a in range(12) for b in range(12) if a < b]
    i, j = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    risk = np.full(len(ids), 0.9)
    graph = with_edges(build_graph(no_tokens(), ids), {"signature": (i, j, np.full(len(i), 0.9))})
    assert graph.total[0, 1] >= 0.3 and content_campaigns(graph, np.arange(12), risk) == []
    rows = [{"account_id": a, "kind": "template", "value": "tpl-op"} for a in ids]
    graph = with_edges(build_graph(pa.Table.from_pylist(rows), ids), {"signature": (i, j, np.full(len(i), 0.9))})
    assert [len(c.members) for c in content_campaigns(graph, np.arange(12), risk)] == [12]


def test_configuration_indicator_names_the_shared_configuration():
    from distillguard.linking import configuration_indicator

    keys = np.array(["4096|0.7"] * 5 + ["1024|1.0"] * 20 + [""], dtype=object)
    got = configuration_indicator(keys, np.array([0, 1, 2, 5]))
    assert got == {"kind": "request_configuration", "value": "max_tokens=4096, temperature=0.7",
                   "accounts": 3, "accounts_total": 5}
    assert configuration_indicator(keys, np.array([25])) is None


def _harness_world(config: tuple[int, float], flagged: int = 12, leads: int = 12, seed: int = 5):
    """Graph, profiles and risks: the first `flagged` harness accounts were flagged on their own,
    the next `leads` have a little suspicion (0.1), as have 30 ordinary customers."""
    fp = fingerprints(seed=seed, harness=flagged + leads, config=config)
    ids = np.array(fp.column("account_id").to_pylist(), dtype=object)
    tokens = no_tokens()
    risk = np.zeros(len(ids))
    risk[300:300 + flagged] = 0.9
    risk[300 + flagged:] = 0.1
    risk[:30] = 0.1
    profiles, keys = behaviour_profiles(fp, ids)
    alone = np.arange(300, 300 + flagged)
    behaviour = behaviour_edges(profiles, keys, alone)
    graph = with_edges(build_graph(tokens, ids), {"behaviour": behaviour})
    return graph, profiles, keys, risk, alone, behaviour


def _recruit(config: tuple[int, float], **kw):
    graph, profiles, keys, risk, alone, behaviour = _harness_world(config, **kw)
    campaigns = content_campaigns(graph, alone, risk)
    unjudged = np.flatnonzero(risk < 0.5)  # the 0.1-risk leads among them; risk-0 accounts never join
    return recruit_leads(graph, campaigns, profiles, keys, unjudged, risk, behaviour), risk


def test_leads_that_work_like_a_campaign_join_it_and_are_flagged():
    (graph, campaigns), risk = _recruit((3000, 0.3))  # a configuration no customer sends
    assert len(campaigns) == 1
    c = campaigns[0]
    assert sorted(c.recruited.tolist()) == list(range(312, 324))
    assert sorted(c.members.tolist()) == list(range(300, 324))
    assert c.member_risk == 0.9  # the campaign's risk comes from its flagged members only
    d = decide(risk, [""] * len(risk), campaigns, Policy())
    assert d.flagged[312:324].all() and not d.flagged[:300].any()
    assert "joined on behaviour" in d.reasons[315] and "joined on behaviour" not in d.reasons[301]


def test_a_configuration_many_customers_send_recruits_no_one():
    # about 30 of the 300 customers also send max_tokens 4096 at temperature 0.7
    (_, campaigns), _ = _recruit((4096, 0.7))
    assert len(campaigns) == 1 and len(campaigns[0].recruited) == 0
    assert len(campaigns[0].members) == 12


def test_a_small_campaign_recruits_no_one():
    # 8 of the 12 senders of the configuration are members, but fewer than the 10 matches required
    (_, campaigns), _ = _recruit((3000, 0.3), flagged=8, leads=4)
    assert len(campaigns) == 1 and len(campaigns[0].recruited) == 0


def test_leads_are_chosen_by_our_own_risk_not_a_partner_prior():
    # The 12 look-alikes carry 0.1 only because of a partner's weak indicator (own risk 0.0 from
    # our traffic): a lead is an account we suspect ourselves, so nobody joins.
    graph, profiles, keys, risk, alone, behaviour = _harness_world((3000, 0.3))
    campaigns = content_campaigns(graph, alone, risk)
    ours = risk.copy()
    ours[312:324] = 0.0
    unjudged = np.flatnonzero(risk < 0.5)
    _, grown = recruit_leads(graph, campaigns, profiles, keys, unjudged, risk, behaviour, lead_risk=ours)
    assert len(grown) == 1 and len(grown[0].recruited) == 0
    _, grown = recruit_leads(graph, campaigns, profiles, keys, unjudged, risk, behaviour, lead_risk=risk)
    assert sorted(grown[0].recruited.tolist()) == list(range(312, 324))


def test_one_request_accounts_join_a_campaign_of_verdicts_and_never_form_or_bridge_one():
    """Accounts held back for sending one request (`decisions.policy.held_back`) join the campaign of
    accounts flagged alone they are tied to; tied only to each other, or between two campaigns through
    one another, they form and bridge nothing."""
    ids = np.array([f"a{i:02d}" for i in range(20)], dtype=object)
    one, two = np.arange(0, 4), np.arange(4, 8)   # two groups of verdicts, each tied inside
    joins_one, joins_two = 8, 9                  # held back, tied to a verdict of one group
    chain = np.array([10, 11, 12])               # held back, tied only to each other
    bridge = (13, 14)                            # held back, tied to one group each and to each other
    pairs = [(a, b) for g in (one, two, chain) for a in g for b in g if a < b]
    pairs += [(0, joins_one), (4, joins_two), (1, bridge[0]), (bridge[0], bridge[1]), (5, bridge[1])]
    i, j = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    graph = with_edges(build_graph(no_tokens(), ids), {"behaviour": (i, j, np.full(len(i), 0.9))})
    risk = np.full(len(ids), 0.9)
    verdicts = np.concatenate([one, two])
    held = np.array([joins_one, joins_two, *chain, *bridge])
    found = sorted(sorted(c.members.tolist()) for c in content_campaigns(graph, verdicts, risk, joiners=held))
    assert found == [[0, 1, 2, 3, joins_one, bridge[0]], [4, 5, 6, 7, joins_two, bridge[1]]]
    # the held-back accounts alone form nothing, and without joiners the groups are the verdicts
    assert content_campaigns(graph, np.array([], dtype=np.int64), risk, joiners=held) == []
    assert sorted(sorted(c.members.tolist()) for c in content_campaigns(graph, verdicts, risk)) == \
        [one.tolist(), two.tolist()]
    # a campaign's risk comes from the verdicts that formed it
    risk[held] = 0.55
    joined = {len(c.members): c for c in content_campaigns(graph, verdicts, risk, joiners=held)}
    assert joined[6].member_risk == 0.9


def test_a_group_forms_only_when_enough_members_sent_enough_to_show_how_they_work():
    """`profiled` (`found_min_exchanges`): a group of verdicts tied inside forms a campaign only when
    `min_accounts` of its members sent enough exchanges; the members that sent fewer stay in it."""
    ids = np.array([f"a{i:02d}" for i in range(12)], dtype=object)
    group = np.arange(0, 6)
    pairs = [(a, b) for a in group for b in group if a < b]
    i, j = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    graph = with_edges(build_graph(no_tokens(), ids), {"behaviour": (i, j, np.full(len(i), 0.9))})
    risk = np.full(len(ids), 0.9)
    profiled = np.zeros(len(ids), dtype=bool)
    profiled[[0, 1]] = True   # two of the six sent enough: below min_accounts (3)
    assert content_campaigns(graph, group, risk, profiled=profiled) == []
    profiled[2] = True        # three did: the whole group forms, the three others included
    found = content_campaigns(graph, group, risk, profiled=profiled)
    assert [sorted(c.members.tolist()) for c in found] == [group.tolist()]
    assert [sorted(c.members.tolist()) for c in content_campaigns(graph, group, risk)] == [group.tolist()]


def test_who_sent_enough_is_read_by_account_not_by_row():
    """`found_min_exchanges` reads each active account's own count, whatever the fingerprint table's order;
    an account without a fingerprint counts as having sent nothing; 1 (or less) turns the rule off."""
    from distillguard.linking.run import sent_at_least

    fp = pa.table({"account_id": ["c", "a", "b", "d"], "exchanges": [2, 9, 5, 40]})
    active = np.array(["a", "b", "c", "e"], dtype=object)
    assert sent_at_least(fp, active, 5).tolist() == [True, True, False, False]
    assert sent_at_least(fp, active, 1) is None


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_tie_every_outside_account_has_is_ordinary():
    """`ordinary_ties`: a joiner's behaviour tie to a campaign says nothing when enough accounts outside
    it (the null population), sending its configuration, are as near to the members; ties that few
    outside accounts have, a configuration with too few outside senders to judge, and other
    configurations stay ties."""
    rng = np.random.default_rng(3)
    harness = rng.normal(size=8)
    members = np.arange(0, 20)
    joiners = np.array([20, 21])
    outside = np.arange(22, 62)                  # 40 accounts outside the campaign
    prof = rng.normal(size=(62, 8))
    prof[members] = harness + 0.05 * rng.normal(size=(20, 8))
    prof[joiners] = harness + 0.05 * rng.normal(size=(2, 8))
    keys = np.full(62, "4096|0.7", dtype=object)
    near = outside[:30]                           # 30 of 40 outside accounts work like the members too
    prof[near] = harness + 0.05 * rng.normal(size=(30, 8))
    prof = _unit(prof)
    from distillguard.linking.behaviour import ordinary_ties

    assert ordinary_ties(prof, keys, members, joiners, outside).tolist() == [True, True]
    # only 5 of 40 outside accounts are near: a tie is rare there, and counts
    far = _unit(np.where(np.isin(np.arange(62), near[5:])[:, None], rng.normal(size=(62, 8)), prof))
    assert ordinary_ties(far, keys, members, joiners, outside).tolist() == [False, False]
    # fewer outside senders of the configuration than min_accounts: nothing to judge by, the tie counts
    assert ordinary_ties(prof, keys, members, joiners, outside[:9]).tolist() == [False, False]
    # a joiner in another configuration is judged among that configuration's senders (none near)
    other = keys.copy()
    other[[21, *outside[30:]]] = "512|0.0"
    assert ordinary_ties(prof, other, members, joiners, outside).tolist() == [True, False]
    assert not ordinary_ties(prof, keys, members, joiners, outside, min_accounts=0).any()


def test_a_held_back_account_tied_only_by_an_ordinary_behaviour_tie_stays_out():
    """`content_campaigns(..., ordinary=)`: a held-back joiner whose only tie is behaviour that is ordinary
    among outside accounts stays out; one also tied by content (a shared template) joins whatever."""
    ids = np.array([f"a{i:02d}" for i in range(10)], dtype=object)
    group = np.arange(0, 4)
    by_behaviour, by_template = 4, 5
    pairs = [(a, b) for a in group for b in group if a < b] + [(0, by_behaviour), (1, by_template)]
    i, j = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    graph = with_edges(build_graph(no_tokens(), ids), {
        "behaviour": (i, j, np.full(len(i), 0.9)),
        "template": (np.array([1]), np.array([by_template]), np.array([1.0]))})
    risk = np.full(len(ids), 0.9)
    held = np.array([by_behaviour, by_template])
    asked = []

    def ordinary(joiners: np.ndarray, members: np.ndarray) -> np.ndarray:
        asked.append(sorted(joiners.tolist()))
        return np.ones(len(joiners), dtype=bool)

    found = content_campaigns(graph, group, risk, joiners=held, ordinary=ordinary)
    assert [sorted(c.members.tolist()) for c in found] == [[0, 1, 2, 3, by_template]]
    assert asked == [[by_behaviour]]          # the template-tied joiner is never asked about
    found = content_campaigns(graph, group, risk, joiners=held, ordinary=lambda j, m: np.zeros(len(j), bool))
    assert [sorted(c.members.tolist()) for c in found] == [[0, 1, 2, 3, by_behaviour, by_template]]
