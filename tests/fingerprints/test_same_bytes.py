"""Fingerprint aggregates give the same bytes whatever the engine's thread count (issue 16: same input, same bytes)."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from distillguard.fingerprints import _sql


def _exchanges(n_rows: int, n_accounts: int, seed: int) -> pa.Table:
    """Many accounts, irregular gaps, odd temperatures: sums whose last bits depend on the order."""
    rng = np.random.default_rng(seed)
    acc = rng.integers(0, n_accounts, n_rows)
    t_us = 1_772_000_000_000_000 + rng.integers(0, 7 * 86_400_000_000, n_rows)
    return pa.table({
        "exchange_id": pa.array([f"x{i}" for i in range(n_rows)]),
        "account_id": pa.array([f"a{a}" for a in acc]),
        "t_us": pa.array(t_us, pa.int64()),
        "ts": pa.array(t_us, pa.timestamp("us", tz="UTC")),
        "status": pa.array(np.where(rng.random(n_rows) < 0.05, 429, 200), pa.int32()),
        "temperature": pa.array(np.round(rng.random(n_rows) * 1.3, 3)),
        "harvest": pa.array(rng.random(n_rows).astype(np.float32)),
    })


QUERIES = {
    "gaps": _sql.GAPS,
    "daily": _sql.DAILY,
    "temperature": f"SELECT account_id, {_sql.exact_mean('temperature')} AS m FROM _fp_x GROUP BY account_id",
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_the_same_bytes_on_one_thread_and_on_four(name):
    x = _exchanges(600_000, 3_000, seed=11)
    results = []
    for threads in (1, 4, 4):
        con = duckdb.connect()
        con.execute(f"SET threads={threads}")
        con.register("_fp_x", x)
        results.append(con.sql(QUERIES[name]).to_arrow_table().sort_by("account_id"))
        con.close()
    assert results[0].num_rows == 3_000
    assert results[0].equals(results[1]) and results[0].equals(results[2])


def test_exact_sums_agree_with_the_plain_aggregates():
    # The exact forms are the same statistics: equal to the engine's own to ~1e-9.
    x = _exchanges(20_000, 50, seed=3)
    con = duckdb.connect()
    con.register("_fp_x", x)
    got = con.sql(_sql.DAILY).to_arrow_table().sort_by("account_id")
    want = con.sql("""WITH d AS (SELECT account_id, CAST(ts AS DATE) AS day, count(*) AS c FROM _fp_x GROUP BY ALL)
        SELECT account_id, stddev_samp(c) / avg(c) AS cv FROM d GROUP BY account_id""").to_arrow_table().sort_by("account_id")
    np.testing.assert_allclose(got["daily_count_cv"].to_numpy(), want["cv"].to_numpy(), rtol=1e-9)
    gaps = con.sql(_sql.GAPS).to_arrow_table().sort_by("account_id")
    plain = con.sql("""WITH g AS (SELECT account_id, (t_us - LAG(t_us) OVER (PARTITION BY account_id ORDER BY t_us, exchange_id))
        / 1000000.0 AS s FROM _fp_x)
        SELECT account_id, stddev_samp(s) / avg(s) AS cv, stddev_samp(ln(CASE WHEN s < 0.001 THEN 0.001 ELSE s END)) AS lsd
        FROM g GROUP BY account_id""").to_arrow_table().sort_by("account_id")
    np.testing.assert_allclose(gaps["gap_cv"].to_numpy(), plain["cv"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(gaps["gap_log_std"].to_numpy(), plain["lsd"].to_numpy(), rtol=1e-6, atol=1e-8)
