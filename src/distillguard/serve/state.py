"""Online per-account state: rates, tokens, campaign evidence, harvest score, token bucket.

Two implementations share one interface (`State`):

- `MemoryState` (default): a dict of small slotted records in the process. `snapshot(path)`
  writes it atomically (temporary file, then rename); `MemoryState.restore(path)` reads it back.
  The service snapshots every ``snapshot_interval_s`` seconds and on shutdown, so a ``kill -9``
  loses at most the updates of the last interval. Above ``max_accounts`` the least recently
  seen accounts are evicted, so memory stays bounded.
- `RedisState` (`distillguard.serve.redis_state`): one Redis hash per account, updated by one
  Lua script per request, so several workers and instances share the state.

Rates: requests in the current minute plus the previous minute's count weighted by the part of
it still inside a sliding 60 s window (the usual two-bucket estimate); the same per UTC day.
"""

from __future__ import annotations

import os
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

Evidence = list[tuple[str, str, float]]  # (campaign_id, kind, purity)
HARVEST_ALPHA = 0.2  # weight of the newest classified request in the harvest moving average


@dataclass(slots=True)
class View:
    """What the scorer reads about one account after recording the current request."""

    n: int
    per_minute: float
    per_day: int
    tokens_day: int
    evidence: dict[str, dict[str, float]] = field(default_factory=dict)
    harvest: float = 0.0
    harvest_n: int = 0


class State(Protocol):
    """The state interface the scorer uses."""

    def record(self, account: str, now: float, tokens: int, evidence: Evidence, count: bool = True) -> View: ...

    def take(self, account: str, now: float, rate_per_s: float, burst: int) -> float: ...

    def add_harvest(self, account: str, score: float) -> None: ...

    def size(self) -> int: ...

    def close(self) -> None: ...


class _Acct:
    __slots__ = ("n", "last", "minute", "min_n", "prev_n", "day", "day_n", "tok_day", "hv", "hv_n", "tb", "tb_ts",
                 "ev")

    def __init__(self) -> None:
        self.n = 0
        self.last = 0.0
        self.minute = self.min_n = self.prev_n = self.day = self.day_n = self.tok_day = self.hv_n = 0
        self.hv = 0.0
        self.tb = -1.0  # -1: bucket not used yet (full on first use)
        self.tb_ts = 0.0
        self.ev: dict[str, dict[str, float]] | None = None

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, s) for s in self.__slots__)

    @classmethod
    def from_tuple(cls, t: tuple) -> _Acct:
        a = cls()
        for s, v in zip(cls.__slots__, t, strict=True):
            setattr(a, s, v)
        return a


def sliding_minute(now: float, minute: int, min_n: int, prev_n: int) -> float:
    """Two-bucket estimate of requests in the last 60 s."""
    frac = (now / 60.0) - minute
    return min_n + prev_n * max(0.0, 1.0 - frac)


def refill(tokens: float, last: float, now: float, rate_per_s: float, burst: int) -> float:
    """Token-bucket level at `now` (a bucket never used starts full)."""
    if tokens < 0:
        return float(burst)
    return min(float(burst), tokens + max(0.0, now - last) * rate_per_s)


class MemoryState:
    """In-process state with snapshots; thread-safe (one lock, held for microseconds)."""

    def __init__(self, max_accounts: int = 2_000_000) -> None:
        self._a: dict[str, _Acct] = {}
        self._lock = threading.Lock()
        self.max_accounts = max_accounts

    def _get(self, account: str) -> _Acct:
        a = self._a.get(account)
        if a is None:
            if len(self._a) >= self.max_accounts:
                self._evict()
            a = self._a[account] = _Acct()
        return a

    def _evict(self) -> None:
        """Drop the least recently seen tenth of the accounts (amortised over many inserts)."""
        by_last = sorted(self._a.items(), key=lambda kv: kv[1].last)
        for k, _ in by_last[: max(1, len(by_last) // 10)]:
            del self._a[k]

    def record(self, account: str, now: float, tokens: int, evidence: Evidence, count: bool = True) -> View:
        """Count one request (unless `count` is False: an exchange already scored) and its evidence."""
        minute, day = int(now // 60), int(now // 86_400)
        inc = 1 if count else 0
        with self._lock:
            a = self._get(account)
            a.n += inc
            a.last = max(a.last, now)
            if minute != a.minute:
                a.prev_n = a.min_n if minute == a.minute + 1 else 0
                a.minute, a.min_n = minute, 0
            a.min_n += inc
            if day != a.day:
                a.day, a.day_n, a.tok_day = day, 0, 0
            a.day_n += inc
            a.tok_day += tokens
            if evidence:
                ev = a.ev if a.ev is not None else {}
                for cid, kind, purity in evidence:
                    d = ev.setdefault(cid, {})
                    if purity > d.get(kind, 0.0):
                        d[kind] = purity
                a.ev = ev
            return View(a.n, sliding_minute(now, a.minute, a.min_n, a.prev_n), a.day_n, a.tok_day,
                        {k: dict(v) for k, v in a.ev.items()} if a.ev else {}, a.hv, a.hv_n)

    def take(self, account: str, now: float, rate_per_s: float, burst: int) -> float:
        """Take one token; 0.0 when allowed, else the seconds until one is available."""
        with self._lock:
            a = self._get(account)
            level = refill(a.tb, a.tb_ts, now, rate_per_s, burst)
            a.tb_ts = now
            if level >= 1.0:
                a.tb = level - 1.0
                return 0.0
            a.tb = level
            return (1.0 - level) / rate_per_s

    def add_harvest(self, account: str, score: float) -> None:
        with self._lock:
            a = self._get(account)
            a.hv = score if a.hv_n == 0 else (1 - HARVEST_ALPHA) * a.hv + HARVEST_ALPHA * score
            a.hv_n += 1

    def size(self) -> int:
        return len(self._a)

    def snapshot(self, path: Path) -> int:
        """Write the state atomically; returns the number of accounts written."""
        with self._lock:  # only the list of references is taken under the lock (~50 ms per 1M accounts)
            items = list(self._a.items())
        data = {k: v.as_tuple() for k, v in items}  # a record may be mid-update: off by one request at most
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"format": 1, "accounts": data}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return len(data)

    @classmethod
    def restore(cls, path: Path, max_accounts: int = 2_000_000) -> MemoryState:
        """State from a snapshot written by `snapshot`; an empty state when the file is absent."""
        st = cls(max_accounts)
        if path.exists():
            with path.open("rb") as fh:
                doc = pickle.load(fh)  # noqa: S301 - our own file, written by snapshot()
            st._a = {k: _Acct.from_tuple(t) for k, t in doc["accounts"].items()}
        return st

    def close(self) -> None:
        pass


class Snapshotter:
    """Background thread that snapshots a MemoryState every `interval_s` seconds, and on stop."""

    def __init__(self, state: MemoryState, path: Path, interval_s: float) -> None:
        self.state, self.path, self.interval_s = state, path, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dg-snapshot", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.state.snapshot(self.path)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.state.snapshot(self.path)
