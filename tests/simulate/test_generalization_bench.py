"""benchmarks/generalization.py end to end on tiny worlds: it runs, writes its figures, ends with the headline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import NO_CLASSIC

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "generalization.py"
TINY = """
[personas.chat_user]
accounts = 20
[personas.paas_app]
accounts = 6
[personas.enterprise_batch]
accounts = 8
""" + NO_CLASSIC.lstrip() + """[playbooks]
count = 2
accounts = 20
[playbooks.force]
volume = "medium"
"""


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd)


def test_bad_arguments_are_one_line(tmp_path):
    proc = _run("--splits", "nope", "--work", str(tmp_path / "w"), cwd=tmp_path)
    assert proc.returncode == 2 and "unknown split nope" in proc.stderr and "Traceback" not in proc.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[playbooks]\nsplit = 3 = 4\n")
    proc = _run("--config", str(bad), "--scale", "tiny", "--splits", "test", "--work", str(tmp_path / "w"),
                cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_tiny_benchmark_end_to_end(tmp_path):
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(TINY)
    out = tmp_path / "gen.json"
    proc = _run("--config", str(cfg), "--scale", "tiny", "--splits", "test", "--worlds", "1",
                "--work", str(tmp_path / "work"), "--json", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1].startswith("WORST HELD-OUT CAMPAIGN: recall ")
    res = json.loads(out.read_text())
    assert [w["split"] for w in res["worlds"]] == ["test"]
    for w in res["worlds"]:
        assert 0 <= w["recall"] <= 1 and 0 <= w["fpr"] <= 1 and w["quarantined"] == 0
        assert {c["campaign"] for c in w["campaigns"]} == {"pb00", "pb01"}
        assert all(c["recall_24h"] is not None and c["choices"] for c in w["campaigns"])
        assert all(len(m["campaigns"]) >= 2 and m["top_two_differ_on"] is not None for m in w["mixed"])
        m = w["account_model"]  # the shipped model's own calibration on this world
        assert 0 <= m["brier"] <= 1 and 0 < sum(b["accounts"] for b in m["bins"]) <= w["accounts"]
        assert all(0 <= b["campaign_share"] <= 1 for b in m["bins"])
    assert res["headline"]["split"] == "test"
    # each benign persona's worst FPR over the split, and the line naming those above the bar
    per = res["splits"]["test"]["persona_fpr_max"]
    assert per == res["worlds"][0]["fpr_per_persona"] and all(0 <= v <= 1 for v in per.values())
    assert any(line.startswith("test: benign personas above 0.5% FPR in some world: ")
               for line in proc.stdout.splitlines())
    assert res["headline"]["recall"] == min(c["recall"] for c in res["worlds"][0]["campaigns"])



def test_mixed_campaigns_name_what_they_hold_and_how_the_playbooks_differ(tmp_path):
    from tests.benchmark_scripts import load_benchmark

    gen = load_benchmark("generalization")
    labels = {f"a{i}": {"campaign": "pb00"} for i in range(5)} | {f"b{i}": {"campaign": "pb01"} for i in range(3)} \
        | {f"c{i}": {"campaign": "pb02"} for i in range(4)} | {"n0": {"campaign": None}}
    (tmp_path / "campaigns.json").write_text(json.dumps([
        {"campaign_id": "c-mixed", "accounts": ["a0", "a1", "a2", "b0", "b1", "n0"]},
        {"campaign_id": "c-pure", "accounts": ["c0", "c1", "c2", "c3", "n0"]},   # one campaign and a benign account
    ]))
    choices = {"pb00": {"accounts": "aged", "family": "coding", "volume": "low"},
               "pb01": {"accounts": "aged", "family": "vision", "volume": "high"},
               "pb02": {"accounts": "fresh", "family": "coding", "volume": "low"}}
    rows = gen.mixes(tmp_path, labels, choices)
    assert rows == [{"campaign_id": "c-mixed", "accounts": 6, "campaigns": {"pb00": 3, "pb01": 2},
                     "top_two_differ_on": ["family", "volume"]}]
