"""What the last batch run knows: account verdicts, campaigns, and their signatures.

`load_knowledge(results, store, policy)` reads ``accounts.csv`` and ``campaigns.json`` (data
contract, section 4) and, when a store is given, builds the signature index from it (see
`distillguard.serve.signatures`). The result is immutable: a reload builds a new one and the
service swaps a single reference, so a request in flight keeps the one it started with.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distillguard.errors import InputError
from distillguard.serve.policy import Signatures
from distillguard.serve.signatures import SignatureIndex, build_index, index_from_indicators, store_rows


@dataclass(frozen=True, slots=True)
class Verdict:
    """One row of accounts.csv."""

    risk: float
    flagged: bool
    campaign_id: str | None
    reasons: str


@dataclass(frozen=True, slots=True)
class Knowledge:
    """An immutable view of one detect run."""

    accounts: dict[str, Verdict] = field(default_factory=dict)
    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    index: SignatureIndex = field(default_factory=SignatureIndex)
    version: str = "none"

    def summary(self) -> dict[str, Any]:
        return {"results_version": self.version, "accounts": len(self.accounts), "campaigns": len(self.campaigns),
                "signatures": self.index.sizes(), "signature_source": self.index.source}


def _read_accounts(path: Path) -> dict[str, Verdict]:
    out: dict[str, Verdict] = {}
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"account_id", "risk", "flagged"} - set(reader.fieldnames or [])
            if missing:
                raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))}", path=str(path))
            for i, row in enumerate(reader, start=2):
                try:
                    risk = float(row["risk"])
                except ValueError as exc:
                    raise InputError(f"{path}:{i}: risk {row['risk']!r} is not a number", path=str(path)) from exc
                out[row["account_id"]] = Verdict(risk, row["flagged"].strip().lower() == "true",
                                                 row.get("campaign_id") or None, row.get("reasons") or "")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", path=str(path),
                         hint="point --results at the --out folder of `distillguard detect`") from exc
    return out


def _read_campaigns(path: Path) -> list[dict[str, Any]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", path=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}", path=str(path)) from exc
    if not isinstance(doc, list):
        raise InputError(f"{path}: expected a JSON list of campaigns", path=str(path))
    return [c for c in doc if isinstance(c, dict) and isinstance(c.get("campaign_id"), str)]


def load_knowledge(results: Path, store: Path | None, sig: Signatures, until_us: int | None = None) -> Knowledge:
    """Load a detect output folder (and optionally its store) into a `Knowledge`.

    Raises
    ------
    InputError
        A results file is missing or unreadable (one line naming it).
    """
    acc_path, camp_path = results / "accounts.csv", results / "campaigns.json"
    accounts = _read_accounts(acc_path)
    campaigns = _read_campaigns(camp_path)
    h = hashlib.sha256()
    for p in (acc_path, camp_path):
        h.update(p.read_bytes())
    campaign_of = {a: v.campaign_id for a, v in accounts.items() if v.campaign_id}
    for c in campaigns:
        for a in c.get("accounts") or []:
            if isinstance(a, str):
                campaign_of.setdefault(a, c["campaign_id"])
    if store is not None:
        if not (store / "exchanges").is_dir():
            raise InputError(f"{store} is not a distillguard store (no exchanges/ folder)", path=str(store),
                             hint="pass the --store folder of `distillguard detect`")
        index = build_index(store_rows(store, sig.sample_per_account, until_us), campaign_of,
                            min_accounts=sig.min_accounts, min_purity=sig.min_purity)
        fallback = index_from_indicators(campaigns)
        for kind in ("ip", "client_stack"):
            for k, v in getattr(fallback, kind).items():
                getattr(index, kind).setdefault(k, v)
    else:
        index = index_from_indicators(campaigns)
    return Knowledge(accounts, {c["campaign_id"]: c for c in campaigns}, index, h.hexdigest()[:12])
