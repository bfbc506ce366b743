"""benchmarks/labelled.py: any labelled world in the contract's layout is scored as detect sees it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "labelled.py"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=cwd)


def _bare(world: Path, dest: Path) -> Path:
    """The world as another generator would hand it over: exchanges, accounts, events, labels; no truth."""
    dest.mkdir(parents=True)
    shutil.copytree(world / "exchanges", dest / "exchanges")
    for f in ("accounts.jsonl", "events.jsonl", "labels.jsonl"):
        shutil.copy(world / f, dest / f)
    return dest


def test_bad_arguments_are_one_line(tmp_path):
    proc = _run("--seeds", "1", cwd=tmp_path)
    assert proc.returncode == 2 and "--generate and --seeds go together" in proc.stderr
    assert "Traceback" not in proc.stderr
    (tmp_path / "nolabels" / "exchanges").mkdir(parents=True)
    proc = _run(str(tmp_path / "nolabels"), "--work", str(tmp_path / "w"), cwd=tmp_path)
    assert proc.returncode != 0 and "has no labels.jsonl" in proc.stderr and "Traceback" not in proc.stderr
    proc = _run("--generate", "exit 3", "--seeds", "5", "--work", str(tmp_path / "w"), cwd=tmp_path)
    assert proc.returncode != 0 and "generating seed 5 failed (exit 3)" in proc.stderr
    proc = _run(str(tmp_path / "nolabels"), "--account-model", str(tmp_path / "none.pkl"), cwd=tmp_path)
    assert proc.returncode == 2 and "no account model at" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_a_world_without_truth_is_scored_like_its_own_outputs(tiny_world, tmp_path):
    from distillguard.evaluation import read_labels, score_outputs

    bare = _bare(tiny_world[0], tmp_path / "bare")
    out = tmp_path / "res.json"
    # the second world comes from --generate: a command that hands over a copy of the same world
    gen = f"cp -r {bare} {{out}}"
    proc = _run(str(bare), "--generate", gen, "--seeds", "7", "--work", str(tmp_path / "work"),
                "--json", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(out.read_text())
    assert [w["seed"] for w in res["worlds"]] == ["bare", "seed 7"]
    labels = read_labels(bare / "labels.jsonl")
    campaigns = {lab["campaign"] for lab in labels.values() if lab.get("campaign")}
    for w, run in zip(res["worlds"], ("run-bare", "run-world-7"), strict=True):
        mine = score_outputs(tmp_path / "work" / run / "out", labels)   # the figures are its outputs' scores
        assert w["recall"] == mine["recall"] and w["fpr"] == mine["fpr"] and w["coverage"] == mine["completeness"]
        assert {c["campaign"] for c in w["campaigns"]} == campaigns
        assert all(c["recall_24h"] is not None and c["active_24h"] >= 1 for c in w["campaigns"])
        assert w["exchanges"] > 0 and w["quarantined"] == 0
    a, b = res["worlds"]
    assert a["recall"] == b["recall"] and a["fpr"] == b["fpr"]   # the same world scores the same
    assert "worst campaign: " in proc.stdout and proc.stdout.count("== labelled") == 2
