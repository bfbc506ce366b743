"""Playbook campaigns and the hard negatives added with them: choices are drawn, recorded and obeyed."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from distillguard.errors import ConfigError
from distillguard.simulate.config import load_config
from distillguard.simulate.corpus import load_corpus
from distillguard.simulate.playbooks import AXES, SPLITS, PlaybookKnobs, draw

from .conftest import NO_CLASSIC, make_world, read_exchanges, read_jsonl
from .test_determinism import _files

BASE = """
[personas.chat_user]
accounts = 20
[personas.nat_user]
accounts = 12
[personas.paas_app]
accounts = 8
[personas.enterprise_batch]
accounts = 12
[personas.release_signup]
accounts = 8
{no_classic}[playbooks]
count = {count}
split = "{split}"
accounts = {accounts}
[playbooks.force]
{force}
"""


def _world(tmp_path, name, force="", split="any", count=3, accounts=30, seed=0, **kw):
    if "volume" not in force:   # keeps tiny worlds small
        force += '\nvolume = "medium"'
    cfg = BASE.format(force=force, split=split, count=count, accounts=accounts, no_classic=NO_CLASSIC.lstrip())
    world, summary = make_world(tmp_path, name, config=cfg, scale="tiny", seed=seed, **kw)
    truth = pq.read_table(world / "truth" / "exchanges.parquet").to_pylist()
    return world, summary, truth, read_exchanges(world)


@pytest.fixture(scope="module")
def pb_world(tmp_path_factory):
    return _world(tmp_path_factory.mktemp("pb"), "pb", count=4, accounts=40)


def _ts(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def _campaign_rows(truth, records):
    by_id = {r["request_id"]: r for r in records}
    return [(t, by_id[t["request_id"]]) for t in truth if t["campaign"]]


def test_choices_recorded_in_world_and_truth(pb_world):
    world, summary, truth, _records = pb_world
    meta = orjson.loads((world / "world.json").read_bytes())
    recorded = read_jsonl(world / "truth" / "campaigns.jsonl")
    assert meta["playbooks"] == recorded and len(recorded) == 4
    for pb in recorded:
        assert set(pb["choices"]) == set(AXES)
        for axis, value in pb["choices"].items():
            values = value.split("+") if axis == "family" else [value]
            assert set(values) <= set(AXES[axis])
    labels = read_jsonl(world / "labels.jsonl")
    names = {x["campaign"] for x in labels} - {None}
    assert names == {pb["name"] for pb in recorded}
    assert {t["campaign"] for t in truth} - {None} == names   # every campaign sends traffic
    assert meta["config"]["playbooks"]["count"] == 4


def test_same_seed_same_bytes(tmp_path, pb_world):
    again = _world(tmp_path, "again", count=4, accounts=40)[0]
    assert _files(again) == _files(pb_world[0])


def test_split_values_and_disjointness():
    for split in ("fit", "test", "evasive"):
        pbs = draw(PlaybookKnobs(count=12, split=split, accounts=300), seed=5, days=4, first_index=4, n_countries=24)
        for pb in pbs:
            for axis, value in pb.choices.items():
                values = value.split("+") if axis == "family" else [value]
                assert set(values) <= set(SPLITS[split][axis]), (split, axis, value)
    for axis in AXES:   # the test split holds out every fit value
        assert not set(SPLITS["fit"][axis]) & set(SPLITS["test"][axis]), axis
        if axis != "family":
            assert not set(SPLITS["fit"][axis]) & set(SPLITS["evasive"][axis]), axis
    a = draw(PlaybookKnobs(count=5, split="test"), 9, 4, 4, 24)
    b = draw(PlaybookKnobs(count=5, split="test"), 9, 4, 4, 24)
    c = draw(PlaybookKnobs(count=5, split="test"), 10, 4, 4, 24)
    assert [x.record() for x in a] == [x.record() for x in b] != [x.record() for x in c]


def test_playbooks_seed_shares_operators_not_accounts():
    """`playbooks.seed` fixes the draws only: another world seed keeps the same playbooks."""
    knobs = PlaybookKnobs(count=4, split="test", seed=77)
    same = [x.record() for x in draw(knobs, 1, 4, 4, 24)]
    assert same == [x.record() for x in draw(knobs, 2, 4, 4, 24)]
    assert same == [x.record() for x in draw(PlaybookKnobs(count=4, split="test"), 77, 4, 4, 24)]
    assert same != [x.record() for x in draw(PlaybookKnobs(count=4, split="test"), 1, 4, 4, 24)]


@pytest.mark.parametrize("body, needle", [
    ('[playbooks]\nsplit = "nope"\n', "playbooks.split"),
    ('[playbooks.force]\nnetwork = "moon"\n', "playbooks.force.network"),
    ('[playbooks.force]\ncolour = "red"\n', "unknown playbook axis"),
    ('[playbooks]\ncount = -1\n', "playbooks.count"),
    ('[playbooks]\nwaves = 2\n', "unknown config key playbooks"),
    ('[playbooks]\nseed = "x"\n', "playbooks.seed"),
])
def test_bad_playbook_config_is_one_clear_error(tmp_path, body, needle):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as err:
        load_config("tiny", path)
    assert needle in str(err.value)


def test_network_paas_egress_shares_benign_addresses(tmp_path):
    _w, _s, truth, records = _world(tmp_path, "paas", force='network = "paas_egress"\nip_version = "v4"', count=2)
    persona = {t["request_id"]: t["persona"] for t in truth}
    benign = {r["client"]["ip"] for r in records if persona[r["request_id"]] == "paas_app"}
    camp = {r["client"]["ip"] for t, r in _campaign_rows(truth, records)}
    assert 1 <= len(benign) <= 6 and camp <= benign


@pytest.mark.parametrize("version, share", [("v6", (1.0, 1.0)), ("v4", (0.0, 0.0)), ("dual", (0.2, 0.8))])
def test_ip_version(tmp_path, version, share):
    _w, _s, truth, records = _world(tmp_path, version, force=f'ip_version = "{version}"\nnetwork = "home_line"')
    rows = _campaign_rows(truth, records)
    v6 = sum(":" in r["client"]["ip"] for _t, r in rows) / len(rows)
    assert share[0] <= v6 <= share[1]


@pytest.mark.parametrize("payment, lo, hi", [("own", 1.0, 1.0), ("shared", 0.0, 0.2)])
def test_payment(tmp_path, payment, lo, hi):
    world, _s, _t, _r = _world(tmp_path, payment, force=f'payment = "{payment}"', count=1, accounts=40)
    labels = {x["account_id"]: x["campaign"] for x in read_jsonl(world / "labels.jsonl")}
    pays = [a["payment_fingerprint"] for a in read_jsonl(world / "accounts.jsonl") if labels[a["account_id"]]]
    assert lo <= len(set(pays)) / len(pays) <= hi


def _wrapper_kept(truth, records) -> float:
    """Share of templated campaign requests that carry every fixed text piece of their template verbatim."""
    tpls = {t.id: t for t in load_corpus(None).templates}
    kept = total = 0
    for t, r in _campaign_rows(truth, records):
        tpl = tpls.get(t["template_key"])
        if tpl is None or t["mundane"]:
            continue
        text = orjson.dumps(r["request"]).decode()
        pieces = [orjson.dumps(p).decode()[1:-1] for p in tpl.parts[::2] if len(p) > 20]
        total += 1
        kept += all(p in text for p in pieces)
    return kept / max(total, 1)


def test_exact_wrapper_vs_paraphrase(tmp_path):
    force = 'family = "reasoning"\nwrapper = "{w}"'
    exact = _world(tmp_path, "exact", force=force.format(w="exact"), count=1)
    para = _world(tmp_path, "para", force=force.format(w="paraphrase"), count=1)
    assert _wrapper_kept(*exact[2:]) == 1.0
    assert _wrapper_kept(*para[2:]) < 0.5


@pytest.mark.parametrize("dilution", ["0", "0.6"])
def test_dilution(tmp_path, dilution):
    _w, _s, truth, _r = _world(tmp_path, "dil" + dilution, force=f'dilution = "{dilution}"', count=1)
    camp = [t for t in truth if t["campaign"]]
    share = sum(t["mundane"] for t in camp) / len(camp)
    assert abs(share - float(dilution)) < 0.12


def test_org_seats_share_org_and_domain(tmp_path):
    world, _s, truth, records = _world(tmp_path, "org", force='accounts = "org_seats"', count=1)
    labels = {x["account_id"]: x["campaign"] for x in read_jsonl(world / "labels.jsonl")}
    accts = [a for a in read_jsonl(world / "accounts.jsonl") if labels[a["account_id"]]]
    assert len({a["email_domain"] for a in accts}) == 1 and {a["signup_path"] for a in accts} == {"enterprise"}
    orgs = {r["org_id"] for _t, r in _campaign_rows(truth, records) if "org_id" in r}
    assert len(orgs) == 1


def test_waves_retire_accounts(tmp_path):
    _w, _s, truth, records = _world(tmp_path, "waves", force='lifecycle = "waves_fresh"\nvolume = "high"', count=1)
    first, last = {}, {}
    for t, r in _campaign_rows(truth, records):
        a, ts = r["account_id"], _ts(r["ts"])
        first[a], last[a] = min(first.get(a, ts), ts), max(last.get(a, ts), ts)
    end = max(last.values())
    retired = sum(1 for a in last if last[a] < end - 3600)
    assert retired >= len(last) // 4
    assert len({round(v / 3600) for v in first.values()}) >= 2


def test_hard_negatives(pb_world):
    world, summary, truth, records = pb_world
    release = _ts(read_jsonl(world / "events.jsonl")[0]["ts"])
    accounts = {a["account_id"]: a for a in read_jsonl(world / "accounts.jsonl")}
    persona = {x["account_id"]: x["persona"] for x in read_jsonl(world / "labels.jsonl")}
    new_model = read_jsonl(world / "events.jsonl")[0]["model"]
    # enterprise seats: card, NAT address, org and e-mail domain shared by several accounts
    seats = [a for a, p in persona.items() if p == "enterprise_batch"]
    pays = Counter(accounts[a]["payment_fingerprint"] for a in seats)
    assert max(pays.values()) >= 5 and {accounts[a]["signup_path"] for a in seats} == {"enterprise"}
    ips = defaultdict(set)
    orgs = defaultdict(set)
    for r in records:
        if persona[r["account_id"]] == "enterprise_batch":
            ips[accounts[r["account_id"]]["payment_fingerprint"]].add(r["client"]["ip"])
            if "org_id" in r:
                orgs[accounts[r["account_id"]]["payment_fingerprint"]].add(r["org_id"])
    assert all(len(v) == 1 for v in ips.values()) and all(len(v) == 1 for v in orgs.values())
    # sign-ups after the release, mostly on the new model
    signups = [a for a, p in persona.items() if p == "release_signup"]
    assert all(_ts(accounts[a]["created_at"]) >= release for a in signups)
    used = Counter(r["model"] for r in records if persona[r["account_id"]] == "release_signup")
    assert used[new_model] > 0.5 * sum(used.values())
    # PaaS apps: many apps, a handful of egress addresses
    paas = {r["client"]["ip"] for r in records if persona[r["account_id"]] == "paas_app"}
    assert 1 <= len(paas) <= 6
    assert summary["accounts_by_persona"]["paas_app"] == 8


def test_playbook_world_passes_ingest(tmp_path, pb_world):
    ingest = pytest.importorskip("distillguard.ingest")
    world = pb_world[0]
    report = ingest.ingest_paths([world / "exchanges"], tmp_path / "store",
                                 accounts=[world / "accounts.jsonl"], events=[world / "events.jsonl"])
    assert report.rows_quarantined == 0 and report.rows_stored == report.rows_read


CORPUS = next((p / "shared" / "data" for p in Path(__file__).resolve().parents[3:5]
               if (p / "shared" / "data" / "templates" / "attack.jsonl").is_file()), None)


@pytest.mark.skipif(CORPUS is None, reason="public corpus not present")
def test_public_corpus_playbook_world(tmp_path):
    ingest = pytest.importorskip("distillguard.ingest")
    world, summary, truth, _r = _world(tmp_path, "corpus", split="any", count=4, corpus=CORPUS,
                                       force='wrapper = "exact"')
    keys = {t["template_key"] for t in truth if t["campaign"]}
    assert summary["corpus"] == str(CORPUS) and any(k and ":" in k for k in keys)
    report = ingest.ingest_paths([world / "exchanges"], tmp_path / "store",
                                 accounts=[world / "accounts.jsonl"], events=[world / "events.jsonl"])
    assert report.rows_quarantined == 0


def test_engineering_teams_are_one_organisation_each_and_half_run_their_own_harness(tmp_path):
    # A company's engineers: seats of one organisation (domain, card, org id, onboarded within two
    # days), coding-agent traffic; half of the teams add their own guidelines to the harness prompt.
    cfg = """
[personas.chat_user]
accounts = 10
[personas.engineering_team]
accounts = 200
""" + NO_CLASSIC
    world, summary = make_world(tmp_path, "eng", config=cfg, scale="tiny", seed=3)
    accounts = {a["account_id"]: a for a in read_jsonl(world / "accounts.jsonl")}
    persona = {x["account_id"]: x["persona"] for x in read_jsonl(world / "labels.jsonl")}
    seats = [a for a, p in persona.items() if p == "engineering_team"]
    assert summary["accounts_by_persona"]["engineering_team"] == 200
    teams = defaultdict(list)
    for a in seats:
        teams[accounts[a]["payment_fingerprint"]].append(accounts[a])
    assert len(teams) >= 5 and all(5 <= len(t) <= 40 for t in list(teams.values())[:-1])
    for t in teams.values():
        assert len({a["email_domain"] for a in t}) == 1 and {a["signup_path"] for a in t} <= {"enterprise",
                                                                                            "startup_program"}
        created = [_ts(a["created_at"]) for a in t]
        assert max(created) - min(created) <= 2 * 86_400
    marker = b"Internal engineering guidelines (team "
    own, orgs, tools = defaultdict(set), defaultdict(set), 0
    for r in read_exchanges(world):
        if persona[r["account_id"]] != "engineering_team":
            continue
        team = accounts[r["account_id"]]["payment_fingerprint"]
        raw = orjson.dumps(r)
        i = raw.find(marker)
        own[team].add(raw[i + len(marker): raw.find(b")", i)] if i >= 0 else None)
        if "org_id" in r:
            orgs[team].add(r["org_id"])
        tools += b'"tools"' in raw
    assert all(len(v) == 1 for v in own.values())           # a team runs one harness prompt
    theirs = [next(iter(v)) for v in own.values() if None not in v]
    assert theirs and len(theirs) < len(own)                 # some teams their own, some the public one
    assert len(set(theirs)) == len(theirs)                   # each its own words
    assert all(len(v) == 1 for v in orgs.values()) and len({next(iter(v)) for v in orgs.values()}) == len(orgs)
    assert tools > 0
