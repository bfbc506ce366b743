"""benchmarks/blind/, blind2/, blind3/ and blind4/: each independent generator writes contract records that detect
reads whole, the same bytes for the same seed, and says in one line when the corpus is missing.

Generating needs the public corpus (../shared/data); without it those tests skip.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "data"
GENERATORS = ["blind", "blind2", "blind3", "blind4"]
needs_corpus = pytest.mark.skipif(not (CORPUS / "prompts" / "benign.jsonl.gz").is_file(),
                                  reason="needs the public corpus at ../shared/data")


def _gen(name: str, out: Path, seed: int = 9001) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name / "generate.py"), "--seed", str(seed),
                           "--out", str(out), "--accounts", "80", "--days", "3", "--data", str(CORPUS)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]


def _digest(world: Path) -> dict[str, str]:
    return {str(p.relative_to(world)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(world.rglob("*")) if p.is_file()}


@needs_corpus
@pytest.mark.slow
@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_bytes_and_detect_reads_every_record(name, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    _gen(name, a)
    _gen(name, b)
    assert _digest(a) == _digest(b) and any(k.startswith("exchanges/") for k in _digest(a))
    validate = ROOT / "benchmarks" / name / "validate.py"
    if validate.is_file():   # the first generator ships its own contract checker
        proc = subprocess.run([sys.executable, str(validate), str(a)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-2000:]
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "distillguard.cli.main", "detect", str(a / "exchanges"),
                           "--accounts", str(a / "accounts.jsonl"), "--events", str(a / "events.jsonl"),
                           "--out", str(out), "--quiet", "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    counts = json.loads(proc.stdout)["ingest"]["counts"]["exchange"]
    # all three body forms, offsets in timestamps, fields that are a string here and a list there
    assert counts["rows_quarantined"] == 0 and counts["rows_stored"] > 0
    labelled = {json.loads(line)["account_id"] for line in (a / "labels.jsonl").read_text().splitlines() if line.strip()}
    seen = {row.split(",")[0] for row in (out / "accounts.csv").read_text().splitlines()[1:]}
    assert seen and seen <= labelled


@pytest.mark.parametrize("name", GENERATORS)
def test_a_missing_corpus_is_one_line(name, tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / name / "generate.py"), "--seed", "1",
                           "--out", str(tmp_path / "w"), "--data", str(tmp_path / "nope")], capture_output=True, text=True)
    assert proc.returncode == 2 and "error" in proc.stderr and "Traceback" not in proc.stderr
