"""Property: whatever mix of broken files `detect` gets, it answers with a known exit code and
one line, never a traceback, and every record it read is either stored or quarantined."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pipeline"))
from badfiles import KINDS  # noqa: E402

from distillguard.cli.main import app  # noqa: E402
from distillguard.engine import open_engine  # noqa: E402

pytestmark = pytest.mark.property


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(st.tuples(st.sampled_from(sorted(KINDS)), st.integers(1, 6)), min_size=1, max_size=3),
       strict=st.booleans())
def test_detect_answers_every_corruption(files, strict):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        made = [KINDS[kind](root, i, n) for i, (kind, n) in enumerate(files)]
        args = ["detect", *[str(p) for p, _, _ in made], "--out", str(root / "out"), "--store", str(root / "store"),
                "--quiet", "--classify-per-account", "8"] + (["--strict"] if strict else [])
        res = CliRunner().invoke(app, args)
        text = res.output
        assert res.exit_code in (0, 3, 5), (res.exit_code, text, res.exception)
        assert "Traceback" not in text and "internal error" not in text
        if res.exit_code:
            assert sum(line.startswith("error: ") for line in text.splitlines()) == 1
        runs = sorted((root / "store" / "runs").glob("*.json"))
        if not runs:  # --strict stopped at a damaged file before the run report was written
            assert strict and res.exit_code == 3 and any(cut for _, _, cut in made)
            return
        report = json.loads(runs[-1].read_text())
        ex = report["counts"]["exchange"]
        # Conservation: what was read is stored, quarantined or a duplicate, and the store holds exactly that.
        assert ex["rows_read"] == ex["rows_stored"] + ex["rows_quarantined"] + ex["duplicates"]
        engine = open_engine(root / "store")
        assert engine.sql("SELECT count(*) FROM exchanges").column(0)[0].as_py() == ex["rows_stored"]
        quarantined = engine.sql("SELECT count(*) FROM quarantine WHERE kind = 'exchange'").column(0)[0].as_py()
        assert quarantined == ex["rows_quarantined"]
        whole = sum(n for _, n, cut in made if not cut)
        cut_files = sum(1 for _, _, cut in made if cut)
        assert ex["rows_read"] >= whole + cut_files  # every intact record, and one row per damaged file at least
        if res.exit_code == 5:
            assert ex["rows_stored"] == 0
