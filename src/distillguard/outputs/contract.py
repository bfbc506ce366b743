"""Write `accounts.csv` and `campaigns.json` exactly as the data contract (section 4) defines."""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ACCOUNT_COLUMNS = ["account_id", "risk", "flagged", "campaign_id", "reasons"]


def _iso(ts: Any) -> str:
    if ts is None:
        return ""
    if isinstance(ts, datetime):
        return ts.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return str(ts)


def write_accounts_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Rows need account_id, risk, flagged, campaign_id, reasons; written sorted by account_id."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ACCOUNT_COLUMNS)
        for r in sorted(rows, key=lambda r: r["account_id"]):
            w.writerow([r["account_id"], f"{float(r['risk']):.4f}", "true" if r["flagged"] else "false",
                        r.get("campaign_id") or "", (r.get("reasons") or "").replace("\n", " ")])
    os.replace(tmp, path)


def write_campaigns_json(path: Path, campaigns: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    doc = [{**c, "first_seen": _iso(c.get("first_seen")), "last_seen": _iso(c.get("last_seen"))} for c in campaigns]
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def summary_paragraph(c: dict[str, Any], extra: dict[str, Any]) -> str:
    """One paragraph an analyst can read: size, volume, what, infrastructure, payment, timing, pivot."""
    cats = sorted(c["categories"].items(), key=lambda kv: -kv[1])
    what = ", ".join(f"{k.replace('_', ' ')} ({v:.0%})" for k, v in cats[:3] if v >= 0.05) or "unclassified traffic"
    parts = [
        f"{len(c['accounts'])} accounts sent {c['exchanges']:,} exchanges between {_iso(c['first_seen'])[:16]} "
        f"and {_iso(c['last_seen'])[:16]} UTC, mostly {what}.",
    ]
    ev = extra.get("evidence", {})
    if ev:
        shown = ", ".join(f"{k.replace('_', ' ')} ({v:.0%} of accounts)" for k, v in
                          sorted(ev.items(), key=lambda kv: -kv[1])[:4])
        parts.append(f"They are linked by {shown}.")
    if extra.get("distinct_ips") is not None:
        parts.append(f"Traffic came from {extra['distinct_ips']:,} distinct IP addresses.")
    pay = [i for i in c["indicators"] if i["kind"] == "payment_fingerprint"]
    if pay:
        parts.append(f"{len(pay)} payment instrument(s) are shared inside the group.")
    tpl = [i for i in c["indicators"] if i["kind"] == "prompt_template"]
    if tpl:
        parts.append(f"{len(tpl)} prompt template(s) are shared across its accounts.")
    if extra.get("coordination_text"):
        parts.append(f"They act as one beyond chance: {extra['coordination_text']}.")
    if extra.get("recruited"):
        parts.append(f"{extra['recruited']} of them were not flagged on their own: they joined because they send "
                     f"its request configuration and behave like its members.")
    if extra.get("made_together"):
        made = extra["made_together"]
        parts.append(f"{made['accounts']} of them joined because they were made with its accounts: they hold its own "
                     f"{made['values']}.")
    if extra.get("dormant"):
        dormant = extra["dormant"]
        parts.append(f"{dormant['accounts']} registered account(s) that have sent nothing were made with its accounts "
                     f"(dormant_accounts): they hold its own {dormant['values']}.")
    if extra.get("alike"):
        parts.append(f"No operator evidence links them: each was flagged on its own traffic, and they are listed "
                     f"together because they harvest alike: {extra['alike']['text']} (DG-LNK-0006). Review them as "
                     f"one group; that they are one operator is not shown.")
    if extra.get("waves"):
        parts.append(extra["waves"])
    if extra.get("shares_network_with"):
        others = extra["shares_network_with"]
        parts.append(f"It shares network addresses with campaign{'s' if len(others) > 1 else ''} {', '.join(others)}, "
                     f"whose accounts use other cards, templates and timing: operators renting one egress or proxy pool.")
    pivot = extra.get("pivot")
    if pivot:
        parts.append(pivot)
    parts.append(f"Campaign risk {c['risk']:.2f} (member behaviour {extra.get('member_risk', 0):.2f}, "
                 f"coordination {extra.get('coordination', 0):.2f}).")
    return " ".join(parts)
