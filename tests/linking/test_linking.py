from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from distillguard.decisions import Policy, decide
from distillguard.linking import build_graph, detect_communities, score_communities
from distillguard.linking.campaigns import campaign_id
from distillguard.linking.graph import idf, with_edges
from distillguard.linking.timing import pair_correlation
import scipy.sparse as sp


def tokens(rows: list[tuple[str, str, str]]) -> pa.Table:
    a, k, v = zip(*rows, strict=True)
    return pa.table({"account_id": list(a), "kind": list(k), "value": list(v)})


def world():
    """12 campaign accounts sharing a template + payment; 12 NAT accounts sharing only an IP."""
    rows = []
    for i in range(12):
        rows += [(f"c{i}", "template", "t1"), (f"c{i}", "payment", f"p{i // 4}"), (f"c{i}", "ip", f"10.0.0.{i}")]
        rows += [(f"n{i}", "ip", "192.0.2.1"), (f"n{i}", "ip_prefix", "192.0.2"), (f"n{i}", "template", f"own{i}")]
    for i in range(200):  # a crowd that makes the rarity weights meaningful
        rows += [(f"x{i}", "ip_prefix", "198.51.100"), (f"x{i}", "template", f"solo{i}")]
    t = tokens(rows)
    ids = np.array(sorted(set(t["account_id"].to_pylist())), dtype=object)
    return t, ids


def test_graph_is_symmetric_without_self_loops():
    t, ids = world()
    g = build_graph(t, ids)
    assert (abs(g.total - g.total.T) > 1e-9).nnz == 0
    assert g.total.diagonal().sum() == 0


def test_precomputed_self_pairs_never_become_edges():
    t, ids = world()
    i, j = np.array([0, 1, 3]), np.array([0, 2, 3])
    g = with_edges(build_graph(t, ids), {"lockstep": (i, j, np.ones(3))})
    assert g.by_kind["lockstep"].diagonal().sum() == 0 and g.total.diagonal().sum() == 0
    assert g.by_kind["lockstep"][1, 2] > 0 and g.by_kind["lockstep"].nnz == 2


def test_the_graph_does_not_depend_on_run_order():
    """Each evidence kind draws its random partners from its own stream (kinds run in threads)."""
    t, ids = world()
    big = tokens([(f"y{a}", "ip_prefix", "203.0.113") for a in range(60)]
                 + [(f"y{a}", "ip", f"ip{a % 3}") for a in range(60)])
    t2 = pa.concat_tables([t, big])
    ids2 = np.array(sorted(set(t2["account_id"].to_pylist())), dtype=object)
    a, b = build_graph(t2, ids2), build_graph(t2, ids2)
    assert (a.total != b.total).nnz == 0 and set(a.by_kind) == set(b.by_kind)


def test_rarity_weight_falls_with_spread():
    k = np.array([2, 10, 150, 5000])
    w = idf(k, 200_000)
    assert np.all(np.diff(w) < 0) and w[0] == pytest.approx(1.0)


def test_tokens_shared_by_too_many_accounts_add_no_edges():
    t, ids = world()
    g = build_graph(t, ids, max_token_accounts=50)
    assert not g.shares_token("ip_prefix", "198.51.100")
    assert build_graph(t, ids, max_token_accounts=500).shares_token("ip_prefix", "198.51.100")


def test_nat_is_coordinated_but_not_a_campaign_and_campaign_is():
    t, ids = world()
    g = build_graph(t, ids)
    labels = detect_communities(g.total)
    index = {a: i for i, a in enumerate(ids.tolist())}
    camp = [index[f"c{i}"] for i in range(12)]
    nat = [index[f"n{i}"] for i in range(12)]
    assert len(set(labels[camp])) == 1 and len(set(labels[nat])) == 1
    risk = np.full(len(ids), 0.1)
    risk[camp] = 0.8
    risk[camp[:3]] = 0.2  # diluted members
    found = score_communities(g, labels, risk)
    assert len(found) == 1 and set(found[0].members.tolist()) == set(camp)
    d = decide(risk, [""] * len(ids), found, Policy())
    assert d.flagged[camp].all() and not d.flagged[nat].any()
    assert "linked to 11 other accounts" in d.reasons[camp[0]]


def test_campaign_id_is_stable_and_order_free():
    assert campaign_id(["b", "a"]) == campaign_id(["a", "b"]) != campaign_id(["a", "c"])


def test_correlation_ignores_steady_volume_and_sees_shared_bursts():
    rng = np.random.default_rng(0)
    bursts = (rng.random(300) < 0.1).astype(float) * 5
    steady_a = 3 + rng.random(300) * 0.1
    steady_b = 3 + rng.random(300) * 0.1
    m = sp.csr_matrix(np.vstack([bursts, bursts * 0.9 + 0.01 * rng.random(300), steady_a, steady_b]))
    c = pair_correlation(m, np.array([0, 2]), np.array([1, 3]))
    assert c[0] > 0.9 and abs(c[1]) < 0.3


def test_projected_activity_keeps_lockstep_partners_as_nearest_neighbours():
    """The neighbour search runs on a random projection; accounts fed by one scheduler must
    still find each other there (their correlation is then computed exactly)."""
    from distillguard.linking.timing import _dense_neighbours, projected_profiles

    rng = np.random.default_rng(11)
    n, bins, groups, size = 1500, 1008, 10, 15
    rows, cols = [], []
    for g in range(groups):  # each group switches on in the same ~60 bins
        on = rng.choice(bins, 60, replace=False)
        for a in range(size):
            k = on[rng.random(60) < 0.8]
            rows += [g * size + a] * len(k)
            cols += k.tolist()
    for a in range(groups * size, n):  # independent accounts
        k = rng.choice(bins, rng.integers(6, 200), replace=False)
        rows += [a] * len(k)
        cols += k.tolist()
    activity = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, bins))
    ids = np.arange(n)
    x = projected_profiles(activity, ids, dims=128)
    assert x.shape == (n, 128)
    i, j, _ = _dense_neighbours(x, ids)
    in_group = i < groups * size
    assert np.mean(i[in_group] // size == j[in_group] // size) > 0.95


def _two_operators_one_pool(monkeypatch, templates: tuple = ("t1", "t2")):
    """Two operators (12 accounts each: own template, cards of 4) behind one egress pool of 3 addresses,
    found as one community (as modularity does when the pool's edges outweigh the cards')."""
    import distillguard.linking.communities as communities

    rows = []
    for op, tpl in zip(("a", "b"), templates, strict=True):
        for i in range(12):
            acct = f"{op}{i}"
            rows += [(acct, "payment", f"{op}-card{i // 4}"), (acct, "ip_prefix", "203.0.113")]
            rows += [(acct, "template", tpl)] if tpl else []
            rows += [(acct, "ip", f"203.0.113.{j}") for j in range(3)]  # every account uses the whole pool
    for i in range(200):
        rows += [(f"x{i}", "ip_prefix", "198.51.100"), (f"x{i}", "template", f"solo{i}")]
    t = tokens(rows)
    ids = np.array(sorted(set(t["account_id"].to_pylist())), dtype=object)
    g = build_graph(t, ids)
    risk = np.where(np.char.startswith(ids.astype(str), "x"), 0.05, 0.9)
    monkeypatch.setattr(communities, "detect_communities", lambda m, **kw: np.zeros(m.shape[0], dtype=np.int64))
    return g, ids, risk


def test_operators_renting_one_egress_pool_are_two_campaigns_that_name_each_other(monkeypatch):
    from distillguard.linking.campaigns import CampaignParams, find_campaigns

    g, ids, risk = _two_operators_one_pool(monkeypatch)
    found = find_campaigns(g, risk, CampaignParams())
    groups = sorted(sorted({a[0] for a in ids[c.members].tolist()}) for c in found)
    assert groups == [["a"], ["b"]] and all(len(c.members) == 12 for c in found)
    assert found[0].stats["shares_network_with"] == [found[1].campaign_id]
    # with a share no part can reach, the community stays one campaign
    one = find_campaigns(g, risk, CampaignParams(split_min_share=0.6))
    assert len(one) == 1 and len(one[0].members) == 24 and "shares_network_with" not in one[0].stats


def test_operators_sharing_a_template_and_a_pool_stay_one_campaign(monkeypatch):
    from distillguard.linking.campaigns import CampaignParams, find_campaigns

    g, ids, risk = _two_operators_one_pool(monkeypatch, templates=("t1", "t1"))   # the template ties the groups
    found = find_campaigns(g, risk, CampaignParams())
    assert len(found) == 1 and len(found[0].members) == 24


def test_cards_of_a_few_accounts_alone_do_not_split_a_campaign(monkeypatch):
    from distillguard.linking.campaigns import CampaignParams, find_campaigns

    # no template in common: six cards of four accounts each are not six operators
    g, ids, risk = _two_operators_one_pool(monkeypatch, templates=(None, None))
    found = find_campaigns(g, risk, CampaignParams())
    assert len(found) == 1 and len(found[0].members) == 24
