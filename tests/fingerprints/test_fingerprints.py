"""Fingerprints, signatures and account risk on a tiny seeded world."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from fp_toyworld import engine_for, make_world

from distillguard.fingerprints import (build_fingerprints, load_model, save_model, score_accounts, signatures,
                                       similarity, train_supervised)
from distillguard.schema.fingerprints import ACCOUNT_SCORES, FINGERPRINTS
from distillguard.templates import mine_templates


@pytest.fixture(scope="module")
def world() -> dict[str, pa.Table]:
    return make_world(seed=1)


@pytest.fixture(scope="module")
def built(world):  # type: ignore[no-untyped-def]
    eng = engine_for(world)
    et, tpl = mine_templates(eng)
    fp = build_fingerprints(eng, et, tpl)
    return et, tpl, fp


def _rows(fp: pa.Table) -> dict[str, dict]:
    return {r["account_id"]: r for r in fp.to_pylist()}


def _close(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_every_account_gets_a_documented_row(world, built) -> None:
    _, _, fp = built
    assert fp.schema == FINGERPRINTS.schema
    accounts = set(world["exchanges"].column("account_id").to_pylist())
    assert set(fp.column("account_id").to_pylist()) == accounts
    assert fp.num_rows == len(accounts)
    assert all(c.description for c in FINGERPRINTS.columns)


def test_campaign_and_benign_differ_where_expected(built) -> None:
    _, _, fp = built
    rows = _rows(fp)
    hyd = [r for a, r in rows.items() if a.startswith("hyd")]
    ben = [r for a, r in rows.items() if a.startswith("ben") and r["exchanges"] >= 5]
    assert np.median([r["top_template_accounts"] for r in hyd]) >= 10
    assert np.median([r["shared_template_share"] for r in hyd]) > 0.9
    assert np.median([r["gap_log_std"] for r in hyd]) < np.median([r["gap_log_std"] for r in ben if r["gap_log_std"]])
    assert all(r["max_tokens_cap_share"] == 1.0 for r in hyd)
    assert np.median([r["datacenter_share"] or 0 for r in hyd]) > 0.5 or hyd[0]["datacenter_share"] is None
    assert np.median([r["release_share_lift"] for r in hyd if r["release_share_lift"] is not None]) > 0


def test_shuffling_rows_leaves_fingerprints_unchanged(world, built) -> None:
    _, _, fp = built
    x = world["exchanges"]
    perm = np.random.default_rng(4).permutation(x.num_rows)
    eng = engine_for(world, exchanges=x.take(pa.array(perm)))
    et2, tpl2 = mine_templates(eng)
    fp2 = build_fingerprints(eng, et2, tpl2)
    a, b = _rows(fp), _rows(fp2)
    assert a.keys() == b.keys()
    for acct in a:
        for k in a[acct]:
            assert _close(a[acct][k], b[acct][k]), (acct, k, a[acct][k], b[acct][k])


def test_user_agent_families(built) -> None:
    # each distinct user agent's family is looked up once and joined to its exchanges
    _, _, fp = built
    rows = _rows(fp)
    expect = {"ben": ("browser", 1.0), "eval": ("python", 0.0), "hyd": ("python", 0.0)}
    for a, r in rows.items():
        family, browser = expect[a.split("-")[0]]
        assert (r["ua_family_top"], r["browser_ua_share"], r["ua_families"]) == (family, browser, 1), a


def test_missing_optional_inputs_give_nulls(world) -> None:
    keep = ["exchange_id", "ts", "account_id", "model", "system_prompt", "last_user_text"]
    bare = world["exchanges"].select(keep)
    empty_acc = world["accounts"].slice(0, 0)
    empty_ev = world["events"].slice(0, 0)
    eng = engine_for(world, exchanges=bare, accounts=empty_acc, events=empty_ev)
    et, tpl = mine_templates(eng)
    fp = build_fingerprints(eng, et, tpl, infra="/nonexistent")
    assert fp.schema == FINGERPRINTS.schema
    for name in ("datacenter_share", "country_mismatch_share", "age_at_first_use_h", "release_new_model_share",
                 "harvest_mean", "rate_limited_share", "max_tokens_cap_share", "single_turn_share", "verified",
                 "ua_family_top", "browser_ua_share"):
        assert fp.column(name).null_count == fp.num_rows, name
    scores = score_accounts(fp)
    assert scores.num_rows == fp.num_rows


def test_classifier_output_is_used_when_given(world) -> None:
    x = world["exchanges"]
    cats = ["reasoning_elicitation" if a.startswith("hyd") else "other" for a in x.column("account_id").to_pylist()]
    cls = pa.table({"exchange_id": x.column("exchange_id"), "category": cats,
                    "harvest": pa.array([0.9 if c != "other" else 0.1 for c in cats], pa.float32())})
    eng = engine_for(world)
    et, tpl = mine_templates(eng)
    fp = build_fingerprints(eng, et, tpl, cls)
    r = _rows(fp)["hyd-000"]
    assert r["category_top"] == "reasoning_elicitation" and r["harvest_share"] == 1.0
    assert r["category_mix"].startswith("{")


def test_until_cuts_traffic(world) -> None:
    eng = engine_for(world)
    et, tpl = mine_templates(eng)
    cut = 1_772_409_600_000_000 + 12 * 3_600_000_000
    fp = build_fingerprints(eng, et, tpl, until_us=cut)
    last = pc.max(fp.column("last_seen")).as_py()
    assert last is None or last.timestamp() * 1e6 < cut
    assert pc.sum(fp.column("exchanges")).as_py() < world["exchanges"].num_rows


def test_same_harness_signatures_are_nearer(built) -> None:
    et, tpl, fp = built
    ids, sig = signatures(fp, et, tpl)
    ids = ids.to_pylist()
    assert sig.shape[0] == len(ids) and sig.dtype == np.uint32
    hyd = [i for i, a in enumerate(ids) if a.startswith("hyd")]
    other = [i for i, a in enumerate(ids) if not a.startswith("hyd")]
    same = np.mean([similarity(sig[i], sig[hyd]).mean() for i in hyd])
    cross = np.mean([similarity(sig[i], sig[other]).mean() for i in hyd])
    ben = np.mean([similarity(sig[i], sig[other]).mean() for i in other])
    assert same >= 0.5 > cross
    assert same > ben


def test_risk_in_unit_interval_with_reasons(built, world) -> None:
    _, _, fp = built
    scores = score_accounts(fp)
    assert scores.schema == ACCOUNT_SCORES.schema
    risk = scores.column("risk_unsupervised").to_numpy()
    assert ((risk >= 0) & (risk <= 1)).all()
    rows = {r["account_id"]: r for r in scores.to_pylist()}
    hyd = [r for a, r in rows.items() if a.startswith("hyd")]
    ben = [r for a, r in rows.items() if not a.startswith("hyd")]
    assert min(r["risk_unsupervised"] for r in hyd) > max(r["risk_unsupervised"] for r in ben)
    for r in hyd:
        assert r["reasons"] and len(r["reasons"].split("; ")) <= 3
    assert scores.column("risk_supervised").null_count == scores.num_rows


def test_supervised_model_round_trip(built, world, tmp_path) -> None:
    _, _, fp = built
    model = train_supervised(fp, world["labels"])
    path = save_model(model, tmp_path / "accounts.model")
    assert path.stat().st_size < 2_000_000
    scores = score_accounts(fp, load_model(path))
    sup = scores.column("risk_supervised").to_numpy()
    assert ((sup >= 0) & (sup <= 1)).all()
    ids = scores.column("account_id").to_pylist()
    hyd = sup[[a.startswith("hyd") for a in ids]]
    ben = sup[[not a.startswith("hyd") for a in ids]]
    assert hyd.min() > ben.max()


def test_supervised_model_holds_declared_directions(built, world) -> None:
    # More of what distillation is (MONOTONE: harvesting, one pipeline, rented exits...) may only
    # raise an account's supervised risk, less of it only lower it, whatever else the account shows.
    import pyarrow as pa

    from distillguard.fingerprints.score import MONOTONE, monotone_constraints, predict_supervised

    _, _, fp = built
    model = train_supervised(fp, world["labels"])
    names = model["features"]
    assert monotone_constraints(names) == [MONOTONE.get(n, 1 if n.startswith("rule_") else 0) for n in names]
    base = predict_supervised(model, fp)
    for name, sign in (("harvest_share", 1), ("datacenter_share", 1), ("age_at_first_use_h", -1)):
        col = fp.column(name).cast(pa.float64()).fill_null(0.0).to_numpy()
        for bump in (0.5, 5.0):
            moved = fp.set_column(fp.schema.get_field_index(name), name,
                                  pa.array(col + bump * abs(col).max() + bump).cast(fp.schema.field(name).type))
            assert (sign * (predict_supervised(model, moved) - base) >= -1e-12).all(), name


def test_supervised_features_do_not_count_the_accounts_around_one(built) -> None:
    # A public prompt has ~10 senders in a small world and hundreds in a large one: what the account
    # model sees must not change with the population around an account (coordination is judged in
    # linking, against a null from the run).
    import numpy as np
    import pyarrow as pa

    from distillguard.fingerprints.score import supervised_features

    _, _, fp = built
    grown = fp
    for name, scale in (("top_template_accounts", 40), ("top_template_slot_diversity", 0.3)):
        col = grown.column(name).cast(pa.float64()).fill_null(1.0).to_numpy() * scale
        grown = grown.set_column(grown.schema.get_field_index(name), name,
                                 pa.array(col).cast(grown.schema.field(name).type))
    assert not fp.column("top_template_accounts").equals(grown.column("top_template_accounts"))
    (names, x), (grown_names, grown_x) = supervised_features(fp), supervised_features(grown)
    assert grown_names == names
    assert np.array_equal(grown_x, x)


def test_each_training_world_weighs_the_same() -> None:
    # A large world does not drown a small one, nor benign accounts a world's campaigns.
    import numpy as np

    from distillguard.fingerprints.score import balanced_weights

    world = np.array(["a"] * 1000 + ["b"] * 60)
    y = np.array([0] * 900 + [1] * 100 + [0] * 50 + [1] * 10)
    w = balanced_weights(y, world)
    totals = {(wd, c): w[(world == wd) & (y == c)].sum() for wd in "ab" for c in (0, 1)}
    assert np.allclose(list(totals.values()), len(y) / 4)
    assert np.isclose(w.mean(), 1.0)


def test_evasion_copies_take_one_group_from_an_ordinary_account_of_the_same_world(built) -> None:
    import numpy as np

    from distillguard.fingerprints.score import EVASION_GROUPS, EVASION_MIXED_COPIES, evasion_copies
    from distillguard.schema.fingerprints import FINGERPRINTS

    names = {f.name for f in FINGERPRINTS.columns}
    assert all(c in names for cols in EVASION_GROUPS.values() for c in cols)
    _, _, fp = built
    ids = fp.column("account_id").to_pylist()
    y = np.array([a.startswith("hyd") for a in ids], dtype=int)
    world = np.array(["w"] * len(ids), dtype=object)
    out, y2, w2 = evasion_copies(fp, y, world)
    n_camp = int(y.sum())
    assert out.num_rows == fp.num_rows + n_camp * (len(EVASION_GROUPS) + EVASION_MIXED_COPIES)
    assert y2[fp.num_rows:].all()
    benign_dc = set(fp.filter(pa.array(y == 0))["datacenter_share"].to_pylist())
    network_copy = out.slice(fp.num_rows, n_camp)          # the first group is the network
    assert list(EVASION_GROUPS)[0] == "network"
    assert set(network_copy["datacenter_share"].to_pylist()) <= benign_dc
    assert network_copy["harvest_share"].to_pylist() == fp.filter(pa.array(y == 1))["harvest_share"].to_pylist()


def test_mixed_evasion_copies_take_whole_groups_two_or_more_and_never_the_harvest() -> None:
    import numpy as np

    from distillguard.fingerprints.score import EVASION_GROUPS, EVASION_MIXED_COPIES, evasion_copies

    # campaign rows hold 1.0 in every column, ordinary rows 0.0: a column of a copy shows where it came from
    cols = [c for g in EVASION_GROUPS.values() for c in g] + ["harvest_share"]
    y = np.array([1] * 40 + [0] * 60)
    fp = pa.table({c: pa.array(y.astype(float)) for c in cols})
    out, y2, _ = evasion_copies(fp, y, np.array(["w"] * len(y), dtype=object), seed=3)
    groups = list(EVASION_GROUPS.values())
    copies = out.slice(len(y)).to_pydict()
    assert len(copies["harvest_share"]) == 40 * (len(groups) + EVASION_MIXED_COPIES) and y2[len(y):].all()
    assert set(copies["harvest_share"]) == {1.0}
    for r in range(len(copies["harvest_share"])):
        taken = []
        for cols_of_group in groups:
            vals = {copies[c][r] for c in cols_of_group}
            assert len(vals) == 1, "a group's columns come from one account"
            taken.append(vals == {0.0})
        k = r // 40
        if k < len(groups):
            assert taken == [g == k for g in range(len(groups))]
        else:
            assert sum(taken) >= 2
    mixed = np.array([[copies[g[0]][r] == 0.0 for g in groups] for r in range(40 * len(groups), len(copies["harvest_share"]))])
    assert 0.3 < mixed.mean() < 0.8   # each group taken about half the time (at least two per row)


def test_lookalike_copies_give_ordinary_accounts_one_operator_group_and_stay_ordinary() -> None:
    import numpy as np

    from distillguard.fingerprints.score import EVASION_GROUPS, LOOKALIKE_GROUPS, lookalike_copies

    # campaign rows hold 1.0 in every column, ordinary rows 0.0: a column of a copy shows where it came from
    cols = [c for g in EVASION_GROUPS.values() for c in g] + ["harvest_share"]
    y = np.array([1] * 30 + [0] * 70 + [1] * 5 + [0] * 20)
    world = np.array(["a"] * 100 + ["b"] * 25, dtype=object)
    ids = np.arange(len(y)).astype(float)
    fp = pa.table({**{c: pa.array(y.astype(float)) for c in cols}, "row": pa.array(ids)})
    out, y2, w2 = lookalike_copies(fp, y, world, seed=5)
    ben = np.flatnonzero(y == 0)
    assert out.num_rows == len(y) + len(ben) * len(LOOKALIKE_GROUPS)
    assert not y2[len(y):].any()                                   # copies of ordinary accounts stay ordinary
    assert list(w2[len(y):]) == list(world[ben]) * len(LOOKALIKE_GROUPS)
    copies = out.slice(len(y)).to_pydict()
    assert set(copies["harvest_share"]) == {0.0}                   # never the harvesting
    assert set(copies[EVASION_GROUPS["pipeline"][0]]) == {0.0}   # nor the pipeline
    for k, g in enumerate(LOOKALIKE_GROUPS):
        for r in range(k * len(ben), (k + 1) * len(ben)):
            for name, group in EVASION_GROUPS.items():
                assert {copies[c][r] for c in group} == ({1.0} if name == g else {0.0})
    assert copies["row"] == list(ids[ben]) * len(LOOKALIKE_GROUPS)
    # a world without campaign accounts gives no copies
    none, _, _ = lookalike_copies(fp.slice(0, 0), np.zeros(0, dtype=int), np.zeros(0, dtype=object))
    assert none.num_rows == 0


def test_agreeing_models_read_an_account_as_the_least_suspicious_of_them(built, world, tmp_path) -> None:
    import numpy as np
    import pyarrow as pa
    import pytest

    from distillguard.errors import ConfigError
    from distillguard.fingerprints.score import agree_models, predict_supervised

    _, _, fp = built
    a = train_supervised(fp, world["labels"], seed=0)
    # a second model that learned the opposite of campaign: it clears what the first flags
    labels = world["labels"]
    flipped = labels.set_column(labels.schema.get_field_index("campaign"), "campaign", pa.array(
        [None if c else "c" for c in labels.column("campaign").to_pylist()], pa.string()))
    b = train_supervised(fp, flipped, seed=1)
    pa_, pb = predict_supervised(a, fp), predict_supervised(b, fp)
    both = load_model(save_model(agree_models(a, b), tmp_path / "agree.pkl"))
    got = predict_supervised(both, fp)
    assert np.allclose(got, np.minimum(pa_, pb))
    assert got.max() < pa_.max()   # what the first alone called likely, the second does not
    assert np.allclose(predict_supervised(agree_models(a, a), fp), pa_)
    with pytest.raises(ConfigError):
        agree_models(a)
    with pytest.raises(ConfigError):
        agree_models(a, {**b, "features": b["features"][:-1]})
