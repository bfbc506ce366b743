"""Run every `*.cases.yaml` under src/distillguard/signals/ against the registry.

Exchange signals: a case's `exchanges` are contract records; they are normalised, scored with
`score_batch`, and `expect: hit` means every score >= the signal's default threshold
(`default_threshold` attribute or property, else 0.5); `no_hit` means every score is below it.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
import yaml

import distillguard.signals as signals_pkg
from distillguard.ingest.normalise import normalise_exchange
from distillguard.ingest.run import rows_to_table
from distillguard.schema.exchanges import EXCHANGES
from distillguard.signals import all_signals

SIGNALS_DIR = Path(signals_pkg.__file__).parent
CASE_FILES = sorted(SIGNALS_DIR.rglob("*.cases.yaml"))


def _cases():
    for path in CASE_FILES:
        doc = yaml.safe_load(path.read_text())
        for i, case in enumerate(doc.get("cases") or []):
            yield pytest.param(doc["signal"], case, id=f"{doc['signal']}-{i}-{case.get('name', '')[:40]}")


def test_case_files_name_registered_signals():
    registry = all_signals()
    for path in CASE_FILES:
        doc = yaml.safe_load(path.read_text())
        assert doc["signal"] in registry, f"{path} names unknown signal {doc['signal']}"
        expects = {c["expect"] for c in doc["cases"]}
        assert {"hit", "no_hit"} <= expects, f"{path} needs at least one hit and one no_hit case"


@pytest.mark.parametrize(("signal_id", "case"), list(_cases()))
def test_case(signal_id, case):
    cls = all_signals()[signal_id]
    sig = cls(**(case.get("params") or {}))
    sig.validate_params()
    if cls.subject != "exchange" or "exchanges" not in case:
        pytest.skip("only exchange-signal cases with `exchanges` are run here")
    schema = pa.schema(list(EXCHANGES.schema)[:-2])
    batch = rows_to_table([normalise_exchange(r) for r in case["exchanges"]], schema)
    scores = sig.score_batch(batch).to_pylist()
    threshold = getattr(sig, "default_threshold", 0.5)
    assert len(scores) == batch.num_rows
    if case["expect"] == "hit":
        assert all(s >= threshold for s in scores), f"{case['name']}: {scores} < {threshold}"
    else:
        assert all(s < threshold for s in scores), f"{case['name']}: {scores} >= {threshold}"
