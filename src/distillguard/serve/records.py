"""Append-only JSON Lines files: the audit log and the observed-exchanges store.

`AuditLog` writes one line per decision other than ``allow`` (and per shadow decision that
would have acted): time, account, decision, actions, reasons, risk, campaign, policy and
results versions. `ObservedStore` appends completed exchanges in contract form, one file per
UTC day (``observed-YYYY-MM-DD.jsonl``), which the next ``distillguard detect DIR`` reads as it
reads any folder of exchanges. Both flush every line, so a crash loses at most a line being written.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson


def _now_iso(now: float) -> str:
    return datetime.fromtimestamp(now, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AuditLog:
    """Append-only audit log of every non-allow decision."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("ab")
        self._lock = threading.Lock()
        self.lines = 0

    def write(self, now: float, d: dict[str, Any], source: str) -> None:
        rec = {"ts": _now_iso(now), "account_id": d["account_id"], "decision": d["decision"],
               "actions": d["actions"], "shadow": d.get("shadow", False), "would": d.get("would"),
               "risk": d["risk"], "campaign_id": d["campaign_id"], "reasons": d["reasons"],
               "policy_version": d["policy_version"], "results_version": d["results_version"], "source": source}
        line = orjson.dumps(rec) + b"\n"
        with self._lock:
            self._fh.write(line)
            self._fh.flush()
            self.lines += 1

    def close(self) -> None:
        with self._lock:
            self._fh.close()


class ObservedStore:
    """Append contract-form exchanges to one JSON Lines file per UTC day."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._open: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.written = 0

    def append(self, records: list[tuple[int, dict[str, Any]]]) -> None:
        """Append (ts in UTC µs, contract record) pairs."""
        with self._lock:
            touched = set()
            for ts_us, rec in records:
                day = datetime.fromtimestamp(ts_us / 1e6, tz=timezone.utc).date().isoformat()
                fh = self._open.get(day)
                if fh is None:
                    fh = self._open[day] = (self.root / f"observed-{day}.jsonl").open("ab")
                fh.write(orjson.dumps(rec) + b"\n")
                touched.add(day)
            for day in touched:
                self._open[day].flush()
            self.written += len(records)

    def close(self) -> None:
        with self._lock:
            for fh in self._open.values():
                fh.close()
            self._open.clear()
