"""Read what the report shows: a `detect` results folder and (optionally) the Parquet store.

Every input except `campaigns.json` / `accounts.csv` is optional, and even those two may be
missing: a loader returns None (or an empty list) and the page says "not available".
Nothing here formats HTML; it only gathers plain Python values and Arrow tables.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.errors import InputError


@dataclass
class Results:
    """The contents of a `detect` output folder; None where a file is absent or unreadable."""

    folder: Path
    accounts: list[dict[str, Any]] | None = None
    campaigns: list[dict[str, Any]] | None = None
    edges: pa.Table | None = None
    templates: pa.Table | None = None
    fingerprints: pa.Table | None = None
    scores: pa.Table | None = None
    organisations: pa.Table | None = None
    problems: list[str] = field(default_factory=list)

    def account_rows(self) -> dict[str, dict[str, Any]]:
        return {r["account_id"]: r for r in (self.accounts or [])}


def _truthy(v: Any) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes", "t")


def _float(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def read_accounts_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = []
        for r in csv.DictReader(fh):
            if not r.get("account_id"):
                continue
            reasons = [s.strip() for s in (r.get("reasons") or "").split(";") if s.strip()]
            rows.append({"account_id": r["account_id"], "risk": _float(r.get("risk")) or 0.0,
                         "flagged": _truthy(r.get("flagged")), "campaign_id": (r.get("campaign_id") or "").strip(),
                         "reasons": reasons})
    return rows


def read_campaigns_json(path: Path) -> list[dict[str, Any]]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, list):
        raise ValueError("campaigns.json is not a JSON list")
    out = []
    for c in doc:
        if not isinstance(c, dict) or not c.get("campaign_id"):
            continue
        c = dict(c)
        c["campaign_id"] = str(c["campaign_id"])
        c["accounts"] = [str(a) for a in c.get("accounts") or []]
        c["exchanges"] = int(c.get("exchanges") or 0)
        c["risk"] = _float(c.get("risk")) or 0.0
        c["categories"] = {str(k): float(v) for k, v in (c.get("categories") or {}).items() if _float(v) is not None}
        c["indicators"] = [i for i in c.get("indicators") or [] if isinstance(i, dict) and "kind" in i]
        c["evidence"] = {str(k): float(v) for k, v in (c.get("evidence") or {}).items() if _float(v) is not None}
        for key in ("first_seen", "last_seen", "summary"):
            c[key] = c.get(key) or None
        pv = c.get("release_pivot")
        c["release_pivot"] = ({"model": str(pv["model"]), "share_24h": _float(pv.get("share_24h")),
                               "population_share_24h": _float(pv.get("population_share_24h")),
                               "first_use": pv.get("first_use") or None}
                              if isinstance(pv, dict) and pv.get("model") else None)
        c["waves"] = [w for w in c.get("waves") or [] if isinstance(w, dict) and _waves_row(w)]
        out.append(c)
    return out


def _waves_row(w: dict[str, Any]) -> bool:
    """A wave record the report can show (numbers where numbers belong); others are left out."""
    return all(isinstance(w.get(k), int) for k in ("wave", "accounts", "exchanges", "stopped", "handed_over"))


def _parquet(path: Path) -> pa.Table:
    return pq.read_table(path)


def load_results(folder: Path) -> Results:
    """Load every file of a results folder that exists; note the ones that are missing or broken."""
    if not folder.is_dir():
        raise InputError(f"--results {folder}: no such folder",
                         hint="give the --out folder of `distillguard detect`")
    res = Results(folder)
    loaders: list[tuple[str, str, Any]] = [
        ("accounts", "accounts.csv", read_accounts_csv),
        ("campaigns", "campaigns.json", read_campaigns_json),
        ("edges", "campaign_edges.parquet", _parquet),
        ("templates", "campaign_templates.parquet", _parquet),
        ("fingerprints", "fingerprints.parquet", _parquet),
        ("scores", "account_scores.parquet", _parquet),
        ("organisations", "organisations.parquet", _parquet),
    ]
    for attr, name, fn in loaders:
        path = folder / name
        if not path.exists():
            res.problems.append(f"{name} not available")
            continue
        try:
            setattr(res, attr, fn(path))
        except Exception as exc:  # a broken optional file must not stop the report
            res.problems.append(f"{name} could not be read ({type(exc).__name__}: {str(exc).splitlines()[0][:160]})")
    if res.accounts is None and res.campaigns is None:
        raise InputError(f"--results {folder}: neither accounts.csv nor campaigns.json is there",
                         hint="give the --out folder of `distillguard detect`")
    return res


class Store:
    """Read-only queries over the Parquet store; every method degrades to empty results."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.engine = None
        self.available = False
        if path is not None and path.is_dir():
            from distillguard.engine import open_engine

            self.engine = open_engine(path)
            try:
                n = self.engine.sql("SELECT count(*) AS n FROM exchanges")["n"][0].as_py()
            except Exception:
                n = 0
            self.available = bool(n)
        self._members_registered = False

    def sql(self, query: str) -> pa.Table | None:
        if self.engine is None:
            return None
        try:
            return self.engine.sql(query)
        except Exception:
            return None

    def register_members(self, campaigns: list[dict[str, Any]]) -> None:
        """Expose `report_members(campaign_id, account_id)` for the joins below."""
        if self.engine is None:
            return
        cid, aid = [], []
        for c in campaigns:
            for a in c["accounts"]:
                cid.append(c["campaign_id"])
                aid.append(a)
        self.engine.register("report_members", pa.table({"campaign_id": pa.array(cid, pa.string()),
                                                         "account_id": pa.array(aid, pa.string())}))
        self._members_registered = True

    def register_accounts(self, name: str, accounts: list[str]) -> None:
        if self.engine is not None:
            self.engine.register(name, pa.table({"account_id": pa.array(accounts, pa.string())}))

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
