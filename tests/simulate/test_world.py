"""Every persona and campaign appears, with the behaviour the issue asks for."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

import pyarrow.parquet as pq

from distillguard.simulate.config import CAMPAIGNS, PERSONAS
from distillguard.simulate.hard_negatives import NEW

CLASSIC = set(PERSONAS) - set(NEW)   # the scale presets have no accounts of the newer hard negatives

from .conftest import read_jsonl


def _t(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def _truth(world):
    return {r["request_id"]: r for r in pq.read_table(world / "truth" / "exchanges.parquet").to_pylist()}


def test_all_personas_and_campaigns_present(tiny_world, tiny_records):
    world, summary = tiny_world
    labels = read_jsonl(world / "labels.jsonl")
    assert {x["campaign"] for x in labels} - {None} == set(CAMPAIGNS)
    assert {x["persona"] for x in labels if x["campaign"] is None} == CLASSIC
    truth = _truth(world)
    seen_persona = {t["persona"] for t in truth.values() if t["campaign"] is None}
    seen_campaign = {t["campaign"] for t in truth.values()} - {None}
    assert seen_persona == CLASSIC
    assert seen_campaign == set(CAMPAIGNS)
    assert 60 <= summary["accounts"] <= 150 and 1000 <= summary["exchanges"] <= 20_000


def test_campaign_categories_and_mundane(tiny_world):
    truth = _truth(tiny_world[0])
    cats = defaultdict(Counter)
    for t in truth.values():
        cats[t["campaign"]][t["category"]] += 1
    assert {"reasoning_elicitation", "rubric_grading", "censorship_rewrite"} <= set(cats["reasoning"])
    assert {"tool_use", "coding", "computer_use", "vision", "other"} <= set(cats["agentic"])
    assert {"coding", "tool_use"} <= set(cats["high_volume"])
    assert set(cats[None]) >= {"other", "coding", "roleplay", "synthetic_data", "reasoning_elicitation",
                               "rubric_grading"}
    mundane = Counter(t["campaign"] for t in truth.values() if t["mundane"])
    assert mundane["agentic"] > 0 and None not in mundane


def test_models_release_and_campaign_starts(tiny_world, tiny_records):
    world = tiny_world[0]
    release = read_jsonl(world / "events.jsonl")[0]
    t_rel = _t(release["ts"])
    truth = _truth(world)
    before = {r["model"] for r in tiny_records if _t(r["ts"]) < t_rel}
    after = Counter(r["model"] for r in tiny_records if _t(r["ts"]) >= t_rel)
    assert len(before) >= 2 and release["model"] not in before and after[release["model"]] > 0
    firsts = {}
    for r in tiny_records:
        c = truth[r["request_id"]]["campaign"]
        if c:
            firsts[c] = min(firsts.get(c, 1e18), _t(r["ts"]))
    assert len({round(v / 3600) for v in firsts.values()}) >= 3   # campaigns start at different times
    hv = [r for r in tiny_records if truth[r["request_id"]]["campaign"] == "high_volume" and _t(r["ts"]) > t_rel + 6 * 3600]
    share = sum(r["model"] == release["model"] for r in hv) / len(hv)
    assert 0.2 < share < 0.75
    reruns = [r for r in tiny_records if truth[r["request_id"]]["persona"] == "eval_runner"
              and r["model"] == release["model"] and _t(r["ts"]) < t_rel + 9 * 3600]
    assert reruns, "eval runners re-run suites on the new model within hours of release"


def test_hard_negatives(tiny_world, tiny_records):
    world = tiny_world[0]
    labels = {x["account_id"]: x for x in read_jsonl(world / "labels.jsonl")}
    accounts = {a["account_id"]: a for a in read_jsonl(world / "accounts.jsonl")}
    benign = {k for k, v in labels.items() if v["campaign"] is None}
    ips = defaultdict(set)
    for r in tiny_records:
        ips[r["client"]["ip"]].add(r["account_id"])
    assert max(len(v & benign) for v in ips.values()) >= 10, "a NAT with a dozen benign accounts"
    pay = Counter(accounts[a]["payment_fingerprint"] for a in benign)
    assert max(pay.values()) >= 2, "families share a payment instrument"
    assert any(accounts[a]["signup_path"] == "education" for a in benign)
    sdk = {r["account_id"] for r in tiny_records if r["client"]["user_agent"].startswith(("OpenAI/", "Anthropic/"))}
    assert sdk & benign and sdk - benign
    truth = _truth(world)
    suites = Counter(truth[r["request_id"]]["template_key"] for r in tiny_records
                     if truth[r["request_id"]]["persona"] == "eval_runner")
    assert max(suites.values()) >= 30, "eval runners replay one suite many times"


def test_no_domain_or_agent_only_in_campaigns(tiny_world, tiny_records):
    world = tiny_world[0]
    labels = {x["account_id"]: x["campaign"] for x in read_jsonl(world / "labels.jsonl")}
    accounts = read_jsonl(world / "accounts.jsonl")
    camp_domains = {a["email_domain"] for a in accounts if labels[a["account_id"]]}
    ben_domains = {a["email_domain"] for a in accounts if not labels[a["account_id"]]}
    # every kind of domain a campaign uses also occurs among benign accounts at a larger scale;
    # at tiny scale at least most of them do
    assert len(camp_domains & ben_domains) / len(camp_domains) >= 0.5
    assert {x for x in camp_domains if ".edu" in x or ".ac." in x} and {x for x in ben_domains if ".edu" in x}


def test_campaign_starts_from_labels_alone(tiny_world, tmp_path):
    """A labelled world without the simulator's truth table (another generator's) gets the same starts."""
    from distillguard.evaluation import campaign_starts, read_labels

    world = tiny_world[0]
    labels = read_labels(world / "labels.jsonl")
    with_truth = campaign_starts(world, labels)
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "exchanges").symlink_to(world / "exchanges", target_is_directory=True)
    alone = campaign_starts(bare, labels)
    assert set(with_truth) == set(CAMPAIGNS) and alone == with_truth
    # starts follow the labels: a campaign relabelled keeps its start under its new name, one unlabelled has none
    name = min(with_truth, key=with_truth.get)
    moved = {a: {**lab, "campaign": "renamed" if lab.get("campaign") == name else lab.get("campaign")}
             for a, lab in labels.items()}
    assert campaign_starts(bare, moved) == {**{k: v for k, v in with_truth.items() if k != name},
                                            "renamed": with_truth[name]}
    assert campaign_starts(bare, {a: {**lab, "campaign": None} for a, lab in labels.items()}) == {}
