"""benchmarks/signal_ceiling.py: the per-campaign ceiling figures on a constructed population, and one tiny world."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import signal_ceiling as S  # noqa: E402


def _tiny_config() -> str:
    """The tiny world config of the generalization benchmark's own test."""
    from .test_generalization_bench import TINY

    return TINY


def _facets(rows: list[tuple[int, str, str]]) -> pa.Table:
    return pa.table({"account": pa.array([r[0] for r in rows], pa.int64()),
                     "facet": [r[1] for r in rows], "value": [r[2] for r in rows]})


def test_dominated_shares_own_risk_bins_and_means():
    # accounts 0-5: campaign pb00; 6-11: benign chat users
    truth = np.array(["pb00"] * 6 + ["B:chat_user"] * 6, dtype=object)
    rows = [(a, "template", "T") for a in range(7)]            # 6 of 7 holders are pb00: dominated >= 0.5, < 0.95
    rows += [(a, "payment", "P") for a in range(5)]            # 5 of 5 holders: dominated >= 0.95 for accounts 0-4
    rows += [(a, "config", "C") for a in range(3, 12)]         # 3 of 9 holders are pb00: dominated by no one
    rows += [(a, "client", "X") for a in (0, 1, 2, 3)]         # held by 4 (< 5): never counts
    own = np.array([0.01, 0.2, 0.7, 0.9, 0.04, 0.3] + [0.0] * 6)
    flagged = own >= 0.5
    harvest = np.array([0.5] * 6 + [0.0] * 6)
    extraction = np.array([1.0, 0.0] * 3 + [0.0] * 6)
    out = S.ceiling(truth, _facets(rows), harvest, extraction, own, flagged)
    assert list(out) == ["pb00"]
    row = out["pb00"]
    assert row["accounts"] == 6 and row["flagged"] == round(2 / 6, 3)
    assert (row["own_below_0.05"], row["own_0.05_0.5"], row["own_at_least_0.5"]) == (round(2 / 6, 3),) * 3
    assert row["dominated_0.5"] == 1.0 and row["dominated_0.95"] == round(5 / 6, 3)
    assert row["dominated_0.95_by"] == {"payment": 5}
    assert row["harvest"] == 0.5 and row["extraction"] == 0.5


def test_an_operator_that_shares_nothing_it_dominates_has_no_ceiling():
    truth = np.array(["pb01"] * 5 + ["B:coding_agent"] * 20, dtype=object)
    rows = [(a, "template", "harness") for a in range(25)]      # a public harness: 5 of 25
    out = S.ceiling(truth, _facets(rows), np.zeros(25), np.zeros(25), np.zeros(25), np.zeros(25, bool))
    assert out["pb01"]["dominated_0.5"] == 0.0 and out["pb01"]["dominated_0.5_by"] == {}


def test_bad_config_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[playbooks]\nsplit = 3 = 4\n")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "signal_ceiling.py"), "--config", str(bad),
                           "--scale", "tiny", "--work", str(tmp_path / "w")], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_tiny_world_end_to_end(tmp_path):
    cfg = tmp_path / "tiny.toml"
    cfg.write_text(_tiny_config())
    out = tmp_path / "ceiling.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "signal_ceiling.py"), "--config", str(cfg),
                           "--scale", "tiny", "--split", "test", "--seed", "5", "--work", str(tmp_path / "w"),
                           "--json", str(out)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(out.read_text())
    assert set(res["campaigns"]) == {"pb00", "pb01"}
    for row in res["campaigns"].values():
        assert row["accounts"] > 0
        assert abs(row["own_below_0.05"] + row["own_0.05_0.5"] + row["own_at_least_0.5"] - 1) < 0.01
        assert 0 <= row["dominated_0.95"] <= row["dominated_0.5"] <= 1
    assert "all campaign accounts, flagged:" in proc.stdout
