"""Compare the exchanges tables that two ingests of the same traffic wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any


# Columns of the exchanges table that detection reads, compared between ingests of the same traffic.
COMPARED = ("exchange_id", "ts", "account_id", "client_ip", "client_user_agent", "model", "api_format", "system_prompt",
            "n_messages", "n_user_turns", "last_user_text", "content_kinds", "tool_names", "tools_json", "max_tokens",
            "temperature", "top_p", "response_text", "response_reasoning", "response_tool_calls", "finish_reason",
            "input_tokens", "output_tokens", "status")


def store_rows(store: Path) -> dict[str, tuple]:
    """exchange_id -> the compared columns, from a store's exchanges table."""
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.sql(f"SELECT {', '.join(COMPARED)} FROM read_parquet('{store}/exchanges/**/*.parquet')").fetchall()
    finally:
        con.close()
    return {r[0]: r for r in rows}


def differences(ref: dict[str, tuple], got: dict[str, tuple], *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Per column, how many exchanges differ and the first difference (empty: the same store)."""
    out: dict[str, Any] = {}
    if set(ref) != set(got):
        out["exchange_id"] = (len(set(ref) ^ set(got)), sorted(set(ref) ^ set(got))[:3])
    for key in set(ref) & set(got):
        for i, col in enumerate(COMPARED):
            if col not in skip and ref[key][i] != got[key][i]:
                n, first = out.get(col, (0, (key, ref[key][i], got[key][i])))
                out[col] = (n + 1, first)
    return out
