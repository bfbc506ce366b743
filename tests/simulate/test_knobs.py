"""Knobs in a config file change the world the way they say."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pyarrow.parquet as pq
import pytest

from distillguard.errors import ConfigError

from .conftest import make_world, read_exchanges, read_jsonl

QUIET = """
[personas.chat_user]
accounts = 5
[personas.nat_user]
accounts = 12
"""


def _world(tmp_path, name, extra, seed=0):
    world, summary = make_world(tmp_path, name, config=QUIET + extra, scale="tiny", seed=seed)
    truth = pq.read_table(world / "truth" / "exchanges.parquet").to_pylist()
    return world, summary, truth


def test_sizes(tmp_path):
    _, summary, truth = _world(tmp_path, "sizes", """
[personas.researcher]
accounts = 9
[campaigns.stealth]
accounts = 11
exchanges = 120
[campaigns.agentic]
exchanges = 1400
""")
    assert summary["accounts_by_persona"]["researcher"] == 9
    assert summary["accounts_by_persona"]["chat_user"] == 5
    assert summary["accounts_by_campaign"]["stealth"] == 11
    n = Counter(t["campaign"] for t in truth)
    assert 1400 * 0.8 <= n["agentic"] <= 1400 * 1.25
    assert 120 * 0.6 <= n["stealth"] <= 120 * 1.3


@pytest.mark.parametrize("share", [0.0, 0.6])
def test_mundane_share(tmp_path, share):
    _, _, truth = _world(tmp_path, f"m{share}", f"[campaigns.agentic]\nmundane_share = {share}\n")
    rows = [t for t in truth if t["campaign"] == "agentic"]
    got = sum(t["mundane"] for t in rows) / len(rows)
    assert abs(got - share) < 0.08


def test_daily_cap(tmp_path):
    world, _, truth = _world(tmp_path, "cap", "[campaigns.high_volume]\ndaily_cap = 25\n")
    recs = read_exchanges(world)
    camp = {t["request_id"]: t["campaign"] for t in truth}
    per = Counter((r["account_id"], r["ts"][:10]) for r in recs if camp[r["request_id"]] == "high_volume")
    assert per and max(per.values()) <= 25


def test_payment_sharing(tmp_path):
    world, _, _ = _world(tmp_path, "pay", "[campaigns.reasoning]\naccounts = 12\npayment_sharing = 4\n")
    labels = {x["account_id"]: x["campaign"] for x in read_jsonl(world / "labels.jsonl")}
    pays = {a["payment_fingerprint"] for a in read_jsonl(world / "accounts.jsonl")
            if labels[a["account_id"]] == "reasoning"}
    assert len(pays) == math.ceil(12 / 4)


@pytest.mark.parametrize("rot", [0.0, 0.9])
def test_ip_rotation(tmp_path, rot):
    world, _, truth = _world(tmp_path, f"ip{rot}", f"[campaigns.agentic]\nip_rotation = {rot}\n")
    camp = {t["request_id"]: t["campaign"] for t in truth}
    ips = defaultdict(Counter)
    for r in read_exchanges(world):
        if camp[r["request_id"]] == "agentic":
            ips[r["account_id"]][r["client"]["ip"]] += 1
    total = sum(sum(c.values()) for c in ips.values())
    usual = sum(c.most_common(1)[0][1] for c in ips.values())
    assert abs((1 - usual / total) - rot) < 0.1


@pytest.mark.parametrize("strength", [0.0, 1.0])
def test_paraphrase_strength(tmp_path, strength):
    world, _, truth = _world(tmp_path, f"p{strength}",
                             f"[campaigns.stealth]\naccounts = 12\nexchanges = 200\nmundane_share = 0.0\n"
                             f"paraphrase_strength = {strength}\n")
    info = {t["request_id"]: t for t in truth}
    openings = defaultdict(set)
    for r in read_exchanges(world):
        t = info[r["request_id"]]
        if t["campaign"] == "stealth" and t["template_key"]:
            m = r["request"]["messages"][-1]
            text = m["content"] if isinstance(m["content"], str) else m["content"][0]["text"]
            openings[t["template_key"]].add(text[:10])
    variety = max(len(v) for v in openings.values())
    assert (variety == 1) if strength == 0.0 else (variety >= 3)


def test_timing_jitter(tmp_path):
    def spread(j):
        world, _, truth = _world(tmp_path, f"j{j}", f"[campaigns.reasoning]\ntiming_jitter_s = {j}\n"
                                 "mundane_share = 0.0\n")
        camp = {t["request_id"]: t["campaign"] for t in truth}
        from datetime import datetime
        ts = sorted(datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).timestamp()
                    for r in read_exchanges(world) if camp[r["request_id"]] == "reasoning")
        gaps = [b - a for a, b in zip(ts, ts[1:]) if b - a < 600]
        return sum(gaps) / len(gaps)
    assert spread(20.0) > 3 * spread(0.0)


def test_unknown_key_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="unknown config key"):
        make_world(tmp_path, "bad", config="[campaigns.stealth]\nparaphrase = 1\n", scale="tiny")
    with pytest.raises(ConfigError, match="unknown campaign"):
        make_world(tmp_path, "bad2", config="[campaigns.ghost]\naccounts = 1\n", scale="tiny")
