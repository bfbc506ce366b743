"""Time: diurnal profiles, arrival draws, session expansion, model adoption, RFC 3339 strings."""

from __future__ import annotations

from datetime import datetime

import numpy as np

DAY = 86_400_000_000
HOUR = 3_600_000_000
SEC = 1_000_000

# Share of a person's daily activity per local hour (sleep, morning, work, evening peak).
HUMAN = np.array([0.6, 0.3, 0.2, 0.15, 0.15, 0.25, 0.6, 1.2, 1.8, 2.2, 2.4, 2.4,
                  2.2, 2.3, 2.4, 2.3, 2.1, 1.9, 1.8, 2.0, 2.2, 2.0, 1.6, 1.0])
WORK = np.array([0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 1.0, 2.5, 3.2, 3.4, 3.2,
                 2.4, 3.0, 3.3, 3.2, 2.8, 2.0, 1.0, 0.6, 0.5, 0.4, 0.3, 0.2])
SCRIPT = np.array([1.0, 0.95, 0.9, 0.9, 0.9, 0.95, 1.0, 1.05, 1.1, 1.1, 1.1, 1.05,
                   1.05, 1.1, 1.1, 1.1, 1.05, 1.0, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0])


def parse_start(text: str) -> int:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(dt.timestamp()) * SEC


def local_profile(base: np.ndarray, tz: np.ndarray) -> np.ndarray:
    """N x 24 weights by UTC hour for accounts in time zones `tz` (hours east of UTC); rows sum to 1."""
    base = base / base.sum()
    hours = (np.arange(24)[None, :] + tz[:, None]) % 24
    return base[hours]


def weekday_factor(day_start: int, tz: np.ndarray, weekend: float) -> np.ndarray:
    wd = ((day_start // DAY) + 3 + (tz < -6)) % 7        # 1970-01-01 was a Thursday
    return np.where(wd >= 5, weekend, 1.0)


def draw_starts(rng: np.random.Generator, accts: np.ndarray, per_day: np.ndarray, prof: np.ndarray,
                day_start: int) -> tuple[np.ndarray, np.ndarray]:
    """Poisson arrivals per account and hour: returns (account index, ts in µs)."""
    lam = per_day[:, None] * prof
    counts = rng.poisson(lam)
    flat = counts.ravel()
    rows = np.repeat(np.arange(flat.size), flat)
    acct = accts[rows // 24]
    ts = day_start + (rows % 24) * HOUR + rng.integers(0, HOUR, rows.size)
    return acct, ts


def sessions(rng: np.random.Generator, acct: np.ndarray, start: np.ndarray, nturns: np.ndarray,
             gap_mean_s: float, gap_sigma: float = 0.6) -> dict[str, np.ndarray]:
    """Expand sessions into turns; gaps between turns are lognormal around `gap_mean_s`."""
    nturns = np.maximum(1, nturns.astype(np.int64))
    idx = np.repeat(np.arange(acct.size), nturns)
    first = np.repeat(np.cumsum(nturns) - nturns, nturns)
    turn = np.arange(idx.size) - first
    gaps = rng.lognormal(np.log(max(gap_mean_s, 0.01)), gap_sigma, idx.size) * SEC
    gaps[turn == 0] = 0
    csum = np.cumsum(gaps)
    offs = csum - csum[first] if idx.size else csum
    return {"acct": acct[idx], "ts": start[idx] + offs.astype(np.int64), "sidx": idx,
            "turn": turn.astype(np.int16), "nturns": nturns[idx].astype(np.int16)}


def adoption(rng: np.random.Generator, ts: np.ndarray, release: int, share: float,
             ramp_h: float) -> np.ndarray:
    """True where a request uses the new model: `share` of traffic, ramping up over `ramp_h` hours."""
    dt = (ts - release) / HOUR
    p = np.where(dt <= 0, 0.0, share * (1 - np.exp(-np.maximum(dt, 0) / max(ramp_h, 1e-3) * 3)))
    return rng.random(ts.size) < p


def pick_models(rng: np.random.Generator, ts: np.ndarray, pro: np.ndarray, release: int, share: float,
                ramp_h: float) -> np.ndarray:
    """0 = flagship, 1 = small model, 2 = the newly released model."""
    model = np.where(rng.random(ts.size) < pro, 0, 1).astype(np.int8)
    model[adoption(rng, ts, release, share, ramp_h)] = 2
    return model


def rfc3339(ts_us: np.ndarray, style: np.ndarray) -> list[str]:
    """RFC 3339 strings: style 0 'Z' with milliseconds, style 1 '+00:00' with microseconds."""
    ms = np.datetime_as_string(ts_us.astype("datetime64[us]"), unit="ms")
    us = np.datetime_as_string(ts_us.astype("datetime64[us]"), unit="us")
    return [u + "+00:00" if s else m + "Z" for m, u, s in zip(ms.tolist(), us.tolist(), style.tolist())]
