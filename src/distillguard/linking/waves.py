"""A campaign's timeline of waves: when its accounts started, and which stopped as others began.

An operator whose accounts get banned or burnt retires them and brings in fresh ones; the public
reports describe successive waves of one operator. Once linking has put the accounts in one
campaign, the analyst needs that history: how many waves, when each began, how many of the
earlier accounts stopped as the next wave started (a hand-over), and how much each wave sent.

A wave is a run of members whose first exchanges follow each other with no gap longer than
`gap_hours` (members sorted by first use). A piece smaller than `min_accounts` is not a wave of
its own: it joins the wave before it (the first joins the one after), so a campaign that takes
on an account now and then keeps one wave instead of a string of singletons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pyarrow as pa

HOUR_US = 3_600_000_000

# First and last exchange and the count of every campaign member (`campaign_members` is
# registered by `linking.campaigns.campaign_tables`).
MEMBER_SPAN_SQL = """
SELECT m.campaign_id, m.account_id, epoch_us(min(e.ts)) AS first_us, epoch_us(max(e.ts)) AS last_us,
       count(*) AS exchanges
FROM exchanges e JOIN campaign_members m ON e.account_id = m.account_id
GROUP BY m.campaign_id, m.account_id
"""


@dataclass
class Wave:
    """One wave of a campaign's accounts."""

    accounts: int
    first_use_from: int      # µs since the epoch: the wave's earliest first exchange ...
    first_use_to: int        # ... and its latest first exchange
    last_use: int            # the wave's latest exchange
    exchanges: int
    stopped: int             # accounts whose last exchange came more than the gap before the campaign's last
    handed_over: int         # earlier members whose last exchange fell within the gap of this wave's start

    def record(self, number: int) -> dict:
        return {"wave": number, "accounts": self.accounts, "first_use_from": _iso(self.first_use_from),
                "first_use_to": _iso(self.first_use_to), "last_use": _iso(self.last_use),
                "exchanges": self.exchanges, "stopped": self.stopped, "handed_over": self.handed_over}


def split_waves(first_us: np.ndarray, last_us: np.ndarray, exchanges: np.ndarray, gap_hours: float,
                min_accounts: int) -> list[Wave]:
    """The waves of one campaign from its members' first and last exchange times (µs) and counts."""
    if len(first_us) == 0:
        return []
    order = np.argsort(first_us, kind="stable")
    first, last, n = first_us[order], last_us[order], exchanges[order]
    gap = int(gap_hours * HOUR_US)
    cuts = (np.flatnonzero(np.diff(first) > gap) + 1).tolist()
    bounds = [0, *cuts, len(first)]
    pieces = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
    merged: list[list[int]] = []
    for lo, hi in pieces:  # small pieces join the wave before them
        if merged and hi - lo < min_accounts:
            merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    if len(merged) > 1 and merged[0][1] - merged[0][0] < min_accounts:  # a small first piece joins the next
        merged[1][0] = merged[0][0]
        merged.pop(0)
    end = int(last.max())
    waves = []
    for lo, hi in merged:
        start = int(first[lo])
        earlier = last[:lo]
        waves.append(Wave(accounts=int(hi - lo), first_use_from=start, first_use_to=int(first[hi - 1]),
                          last_use=int(last[lo:hi].max()), exchanges=int(n[lo:hi].sum()),
                          stopped=int((last[lo:hi] < end - gap).sum()),
                          handed_over=int((np.abs(earlier - start) <= gap).sum())))
    return waves


def campaign_waves(spans: pa.Table, gap_hours: float, min_accounts: int) -> dict[str, list[dict]]:
    """campaign id -> its waves as records, from `MEMBER_SPAN_SQL`'s rows."""
    if spans.num_rows == 0:
        return {}
    ids = np.asarray(spans["campaign_id"].to_pylist(), dtype=object)
    first = spans["first_us"].to_numpy()
    last = spans["last_us"].to_numpy()
    n = spans["exchanges"].to_numpy()
    out = {}
    for cid in sorted(set(ids.tolist())):
        sel = ids == cid
        waves = split_waves(first[sel], last[sel], n[sel], gap_hours, min_accounts)
        out[cid] = [w.record(i + 1) for i, w in enumerate(waves)]
    return out


def waves_sentence(waves: list[dict]) -> str | None:
    """One sentence for a campaign's summary, or None when its accounts came in one wave."""
    if len(waves) < 2:
        return None
    parts = []
    for w in waves:
        text = f"{w['accounts']} from {w['first_use_from'][:16].replace('T', ' ')}"
        if w["handed_over"]:
            text += f" (as {w['handed_over']} earlier accounts stopped)"
        parts.append(text)
    return f"Its accounts came in {len(waves)} waves: " + ", ".join(parts) + "."


def _iso(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
