"""Property: for any mix of valid and corrupt records, ingest conserves rows."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from distillguard.engine import open_engine
from distillguard.ingest import ingest_paths
from distillguard.testing import CORRUPTIONS, LINE_CORRUPTIONS, corrupt, corrupt_line, make_exchange

pytestmark = pytest.mark.property

ACTIONS = ["valid"] * 3 + ["duplicate"] + sorted(CORRUPTIONS) + sorted(LINE_CORRUPTIONS) + ["blank", "junk_value"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 2**31)), max_size=120),
       junk=st.one_of(st.integers(), st.text(max_size=20), st.none(), st.lists(st.integers(), max_size=3)))
@example(plan=[("junk_value", 0)], junk=[-9_223_372_036_854_775_809])  # past 64 bits: quarantined, not lost
def test_ingest_conserves_rows(plan, junk):
    lines: list[bytes] = []
    valid_ids: set[str] = set()
    n_records = 0
    for i, (action, seed) in enumerate(plan):
        rec = make_exchange(random.Random(seed), i)
        if action == "blank":
            lines.append(b"   ")
            continue
        n_records += 1
        if action == "valid":
            lines.append(orjson.dumps(rec))
            valid_ids.add(rec["request_id"])
        elif action == "duplicate":  # a repeated delivery of the previous line, whatever it was
            lines.append(lines[-1] if lines and lines[-1].strip() else b"{}")
        elif action == "junk_value":
            rec["usage"] = {"input_tokens": junk} if not isinstance(junk, int) or isinstance(junk, bool) else rec["usage"]
            # the standard library writes integers of any size (orjson refuses those past 64 bits)
            lines.append(json.dumps(rec).encode())
        elif action in CORRUPTIONS:
            lines.append(orjson.dumps(corrupt(rec, action)))
        else:
            lines.append(corrupt_line(orjson.dumps(rec), action))
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "x.jsonl"
        f.write_bytes(b"\n".join(lines) + b"\n")
        report = ingest_paths([f], Path(d) / "store", workers=1)
        c = report.counts["exchange"]
        assert c.rows_read == n_records
        assert c.rows_read == c.rows_stored + c.rows_quarantined + c.duplicates
        eng = open_engine(Path(d) / "store")
        stored = eng.sql("SELECT count(*) FROM exchanges").column(0)[0].as_py()
        quarantined = eng.sql("SELECT count(*) FROM quarantine").column(0)[0].as_py()
        assert stored == c.rows_stored and quarantined == c.rows_quarantined
        assert valid_ids <= set(eng.sql("SELECT exchange_id FROM exchanges").column(0).to_pylist())
