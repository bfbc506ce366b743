"""Fingerprint features for the report: the numeric columns as a matrix, their descriptions, and
one account's values against the population (median and percentile)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa


def fmt_num(x: Any) -> str:
    """A number for a table cell: thousands separated, 3 significant digits, "–" for none."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int | np.integer):
        return f"{int(x):,}"
    if isinstance(x, float | np.floating):
        if math.isnan(x):
            return "–"
        ax = abs(x)
        return f"{x:,.0f}" if ax >= 1000 else f"{x:.3g}" if ax >= 0.001 or ax == 0 else f"{x:.2e}"
    return str(x)



def _features(fp: pa.Table | None) -> tuple[list[str], dict[str, int], np.ndarray] | None:
    """Numeric feature columns of the fingerprints table as a float matrix (NaN for null)."""
    if fp is None or "account_id" not in fp.column_names or fp.num_rows == 0:
        return None
    names = [f.name for f in fp.schema if f.name != "account_id"
             and (pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_boolean(f.type))]
    if not names:
        return None
    cols = []
    for n in names:
        col = fp.column(n)
        if pa.types.is_boolean(col.type):
            col = col.cast(pa.int8())
        cols.append(np.asarray(col.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64))
    index = {a: i for i, a in enumerate(fp.column("account_id").to_pylist())}
    return names, index, np.column_stack(cols)


def feature_descriptions(fp: pa.Table | None) -> dict[str, str]:
    """Column descriptions: from the parquet field metadata, else the fingerprints schema, else none."""
    out: dict[str, str] = {}
    try:
        from distillguard.schema.fingerprints import FINGERPRINTS

        out.update({c.name: c.description for c in FINGERPRINTS.columns})
    except Exception:  # the schema module is optional to the report
        pass
    if fp is not None:
        for f in fp.schema:
            d = (f.metadata or {}).get(b"description")
            if d:
                out[f.name] = d.decode("utf-8", "replace")
    return out


def fingerprint_rows(feats: tuple[list[str], dict[str, int], np.ndarray] | None, account: str) -> list[dict[str, Any]]:
    """Per feature: the account's value, the population median, and its percentile among accounts."""
    if feats is None:
        return []
    names, index, m = feats
    i = index.get(account)
    if i is None:
        return []
    rows = []
    for j, name in enumerate(names):
        col = m[:, j]
        pop = np.sort(col[~np.isnan(col)])
        v = m[i, j]
        if not len(pop) or np.isnan(v):
            pct = None
        else:
            lo, hi = np.searchsorted(pop, v, "left"), np.searchsorted(pop, v, "right")
            pct = float(100.0 * (lo + 0.5 * (hi - lo)) / len(pop))
        med = float(np.median(pop)) if len(pop) else None
        rows.append({"name": name, "value": None if np.isnan(v) else float(v), "median": med, "percentile": pct,
                     "value_text": fmt_num(None if np.isnan(v) else float(v)), "median_text": fmt_num(med),
                     "population": int(len(pop))})
    return rows
