"""benchmarks/cohort_ties.py: every lead cohort's tie as shipped, and the same tie on rare values only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.benchmark_scripts import load_benchmark

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    return load_benchmark("cohort_ties")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from distillguard.pipeline import detect
    from distillguard.simulate import simulate_world

    tmp = tmp_path_factory.mktemp("ties")
    world = tmp / "w"
    simulate_world(world, scale="tiny", seed=11)
    detect([world / "exchanges"], tmp / "out", store=tmp / "store", accounts=[world / "accounts.jsonl"],
           events=[world / "events.jsonl"])
    return tmp / "store"


def test_the_rare_value_tie_keeps_a_subset_and_every_member_when_it_admits_every_value(store):
    from distillguard.linking import cohorts

    shipped = cohorts._tied
    tool = _tool()
    seen, ids = tool.tie_report(store, chance=0.05)
    assert seen   # the tiny world has a lead cohort to test (a precondition of this test)
    assert cohorts._tied is shipped   # the instrumentation is taken off again
    for s in seen:
        assert set(s["rare"].tolist()) <= set(s["tied"].tolist())
        assert s["cap"] >= 2 and s["n"] == len(ids)
        assert all(h <= s["n"] and 2 <= m <= len(s["tied"]) for _, _, m, h in s["values"])
        # the cohort test's counts: every lead it tests holds the anchor and is among its leads
        assert s["leads"] <= s["holder_leads"] <= s["holders"] <= s["n"]
    # a bound every holder count is under changes nothing: the rare tie is the shipped tie
    wide, _ = tool.tie_report(store, chance=1e9)
    assert [s["anchor"] for s in wide] == [s["anchor"] for s in seen]
    for s in wide:
        assert np.array_equal(s["rare"], s["tied"])


def test_the_command_prints_its_summary_and_refuses_a_folder_that_is_no_store(store, tmp_path):
    script = str(ROOT / "benchmarks" / "cohort_ties.py")
    ok = subprocess.run([sys.executable, script, str(store)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "leads tied as shipped" in ok.stdout.splitlines()[-1]
    bad = subprocess.run([sys.executable, script, str(tmp_path)], capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "is not a detect store" in bad.stderr and "Traceback" not in bad.stderr
