"""Dormant accounts (DG-LNK-0005): registered accounts that sent nothing, made with a campaign's accounts, are listed with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import yaml

from distillguard.linking import operators
from distillguard.linking.operators import CREATION_FACETS, DormantFinding, OperatorParams, dormant_accounts
from tests.linking.test_coordination import to_table
from tests.linking.test_operators import campaign, planted

CASES = yaml.safe_load((Path(operators.__file__).with_name("dormant.cases.yaml")).read_text())


def split_unused(cols: dict[str, list], ids: np.ndarray, unused: np.ndarray):  # type: ignore[no-untyped-def]
    """The planted accounts as a run sees them: the facets of the used ones (numbered anew), their ids,
    where each old number went (-1: unused), and the unused ones' creation values."""
    used = np.setdiff1d(np.arange(len(ids)), unused)
    new = np.full(len(ids), -1, dtype=np.int64)
    new[used] = np.arange(len(used))
    table = to_table({name: [values[i] for i in used.tolist()] for name, values in cols.items()})
    rows = {"account_id": pa.array(ids[unused].tolist(), pa.string())}
    for facet in CREATION_FACETS:
        rows[facet] = pa.array([cols[facet][i] if facet in cols else None for i in unused.tolist()], pa.string())
    return table, ids[used], new, pa.table(rows)


def _world(case: dict):  # type: ignore[no-untyped-def]
    bg = case["background"]
    cols, where, ids = planted(bg["seed"], case["groups"], bg["accounts"])
    unused = np.concatenate([np.arange(bg.get("unused", 0))]
                            + [where[g["name"]] for g in case["groups"] if g.get("unused")]).astype(np.int64)
    return cols, where, ids, unused


def test_cases_belong_to_this_finding():
    assert CASES["finding"] == DormantFinding.id


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: c["name"])
def test_declared_cases(case):
    cols, where, ids, unused = _world(case)
    table, used_ids, new, unused_table = split_unused(cols, ids, unused)
    given = [campaign(new[np.concatenate([where[g] for g in names])], used_ids) for names in case["campaigns"]]
    out = dormant_accounts(given, table, used_ids, unused_table)
    by_id = {c.campaign_id: c for c in out}
    for c, names in zip(given, case["expect"], strict=True):
        want = sorted(ids[np.concatenate([where[g] for g in names] + [np.empty(0, np.int64)])].tolist())
        assert by_id[c.campaign_id].dormant == want


def _operator_with_sleepers():  # type: ignore[no-untyped-def]
    case = {"background": {"accounts": 1500, "seed": 21, "unused": 300}, "groups": [
        {"name": "found", "accounts": 25, "facets": {"signup_day": "2025-11-08", "email_domain": "op.example",
                                                     "payment": "unique"}},
        {"name": "sleepers", "accounts": 10, "unused": True,
         "facets": {"signup_day": "2025-11-08", "email_domain": "op.example", "payment": "unique"}}]}
    cols, where, ids, unused = _world(case)
    table, used_ids, new, unused_table = split_unused(cols, ids, unused)
    return [campaign(new[where["found"]], used_ids, risk=0.9)], table, used_ids, unused_table, ids[where["sleepers"]]


def test_listing_changes_no_member_risk_or_id_and_says_on_which_values():
    given, table, used_ids, unused_table, sleepers = _operator_with_sleepers()
    out = dormant_accounts(given, table, used_ids, unused_table)
    assert len(out) == 1
    c, g = out[0], given[0]
    assert c.dormant == sorted(sleepers.tolist())
    assert (c.campaign_id, c.members.tolist(), c.risk, c.evidence) == (g.campaign_id, g.members.tolist(), g.risk,
                                                                       g.evidence)
    assert c.stats["dormant"]["accounts"] == 10
    assert "sign-up day 2025-11-08" in c.stats["dormant"]["values"]
    assert "e-mail domain op.example" in c.stats["dormant"]["values"]


def test_off_or_no_unused_accounts_changes_nothing_and_same_input_gives_the_same_list():
    given, table, used_ids, unused_table, _ = _operator_with_sleepers()
    assert dormant_accounts(given, table, used_ids, unused_table, OperatorParams(dormant=False)) is given
    assert dormant_accounts(given, table, used_ids, unused_table, OperatorParams(enabled=False)) is given
    assert dormant_accounts(given, table, used_ids, unused_table.slice(0, 0)) is given
    first = [c.dormant for c in dormant_accounts(given, table, used_ids, unused_table)]
    assert first == [c.dormant for c in dormant_accounts(given, table, used_ids, unused_table)]


def test_unused_accounts_without_creation_values_are_listed_nowhere():
    given, table, used_ids, unused_table, _ = _operator_with_sleepers()
    blank = pa.table({"account_id": unused_table["account_id"],
                      **{f: pa.nulls(unused_table.num_rows, pa.string()) for f in CREATION_FACETS}})
    assert dormant_accounts(given, table, used_ids, blank)[0].dormant == []


def test_unused_accounts_are_those_that_sent_nothing_and_had_signed_up_by_until():
    from distillguard.engine.duckdb import DuckDBEngine
    from distillguard.linking.run import unused_accounts

    engine = DuckDBEngine()
    engine.sql("""CREATE VIEW accounts AS SELECT * FROM (VALUES
        ('a-used', TIMESTAMPTZ '2026-03-01 10:00:00+00', 'x.example', 'card-1', 0),
        ('a-idle', TIMESTAMPTZ '2026-03-01 23:30:00+00', 'x.example', 'card-1', 1),
        ('a-idle', TIMESTAMPTZ '2026-03-05 10:00:00+00', 'y.example', 'card-9', 2),
        ('a-late', TIMESTAMPTZ '2026-03-09 10:00:00+00', 'x.example', 'card-1', 3),
        ('a-bare', NULL, NULL, NULL, 4))
        AS t(account_id, created_at, email_domain, payment_fingerprint, source_row)""")
    active = np.array(["a-used"], dtype=object)
    got = unused_accounts(engine, active).to_pylist()
    assert [r["account_id"] for r in got] == ["a-bare", "a-idle", "a-late"]
    idle = next(r for r in got if r["account_id"] == "a-idle")   # its first record, its UTC day
    assert (idle["signup_day"], idle["email_domain"], idle["payment"]) == ("2026-03-01", "x.example", "card-1")
    until = int(np.datetime64("2026-03-08T00:00:00", "us").astype(np.int64))
    assert [r["account_id"] for r in unused_accounts(engine, active, until).to_pylist()] == ["a-bare", "a-idle"]
    engine.sql("CREATE OR REPLACE VIEW accounts AS SELECT 'a' AS account_id")   # no sign-up columns: none
    assert unused_accounts(engine, active).num_rows == 0
