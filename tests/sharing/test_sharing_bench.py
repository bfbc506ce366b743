"""benchmarks/sharing.py: the one-operator mapping of B's campaigns onto A's, and its argument errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.benchmark_scripts import load_benchmark

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "sharing.py"


def _bench():
    return load_benchmark("sharing")


def test_assign_is_one_to_one_while_the_pool_lasts():
    bench = _bench()
    b_values = [f"card-b{i}" for i in range(20)]
    a_pool = [f"card-a{i}" for i in range(25)]
    m = bench.assign(b_values, a_pool, "pb00|payment")
    assert set(m) == set(b_values)
    assert len(set(m.values())) == 20 and set(m.values()) <= set(a_pool)   # no sharing made up
    assert m == bench.assign(list(reversed(b_values)), sorted(a_pool, reverse=True), "pb00|payment")  # stable
    small = bench.assign(b_values, a_pool[:5], "pb00|payment")   # more B values than A's: wraps evenly
    assert sorted(list(small.values()).count(v) for v in a_pool[:5]) == [4, 4, 4, 4, 4]
    assert bench.assign(b_values, [], "x") == {}


def test_addresses_keep_their_ip_family():
    bench = _bench()
    b_exits = [("10.0.0.%d" % i, 1, "US") for i in range(6)] + [("2001:db8::%x" % i, 1, "US") for i in range(4)]
    a_exits = [("192.0.2.%d" % i, 7, "DE") for i in range(8)] + [("2001:db8:a::%x" % i, 7, "DE") for i in range(8)]
    m = bench.assign(b_exits, a_exits, "pb01|ip", by_family=True)
    assert all((":" in k[0]) == (":" in v[0]) for k, v in m.items())
    assert len(set(m.values())) == len(b_exits)
    only_v4 = bench.assign(b_exits, a_exits[:8], "pb01|ip", by_family=True)   # A has no IPv6: any of A's
    assert set(only_v4) == set(b_exits) and set(only_v4.values()) <= set(a_exits[:8])


def test_operator_maps_only_for_same_named_campaigns():
    bench = _bench()
    pools_b = {"pb00": {"exit": [("10.0.0.1", 1, "US")], "ua": ["ua-b"], "tls": ["tls-b"], "payment": ["pay-b"]},
               "pb07": {"exit": [("10.0.0.2", 1, "US")], "ua": [], "tls": [], "payment": []}}
    pools_a = {"pb00": {"exit": [("192.0.2.1", 7, "DE")], "ua": ["ua-a"], "tls": ["tls-a"], "payment": ["pay-a"]}}
    maps = bench.operator_maps(pools_b, pools_a)
    assert set(maps) == {"pb00"}
    assert maps["pb00"] == {"exit": {"10.0.0.1": ("192.0.2.1", 7, "DE")}, "ua": {"ua-b": "ua-a"},
                            "tls": {"tls-b": "tls-a"}, "payment": {"pay-b": "pay-a"}}


def test_bad_arguments_are_one_line(tmp_path):
    for args in (["--seed-a", "5", "--seed-b", "5"], ["--playbooks", "nope"]):
        proc = subprocess.run([sys.executable, str(SCRIPT), "--work", str(tmp_path / "w"), *args],
                              capture_output=True, text=True)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "error: " in proc.stderr.strip().splitlines()[-1]
    proc = subprocess.run([sys.executable, str(SCRIPT), "--work", str(tmp_path / "w"), "--playbooks", "test",
                           "--config", str(tmp_path / "missing.toml")], capture_output=True, text=True)
    assert proc.returncode != 0 and "cannot read --config" in proc.stderr and "Traceback" not in proc.stderr


def test_pooled_counts_accounts_and_the_misses_recovered():
    bench = _bench()
    res = {"pb00": {"active_members": 100, "found_alone": 90, "found_with_partner": 95},
           "pb01": {"active_members": 10, "found_alone": 0, "found_with_partner": 10}}
    p = bench.pooled(res)
    assert (p["members"], p["found_alone"], p["found_with_partner"]) == (110, 90, 105)
    assert p["recall_alone"] == round(90 / 110, 4) and p["recall_with_partner"] == round(105 / 110, 4)
    assert p["misses_recovered"] == 0.75   # 15 of the 20 that B alone missed
    whole = bench.pooled({"pb00": {"active_members": 4, "found_alone": 4, "found_with_partner": 4}})
    assert whole["misses_recovered"] is None   # nothing missed: no share to report
    assert bench.pooled({})["recall_alone"] is None
